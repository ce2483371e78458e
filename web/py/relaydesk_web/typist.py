"""Say that this page is typing, and show who else is: the pure part of the typing indicator, in both apps.

A page says "typing" on the first keystroke, again at most every ``SAY_EVERY_S``
while the person keeps typing, and "stopped" when they send, empty the field or
stop for ``IDLE_S``: a small frame every few seconds at most.  A page that
hears "typing" shows "*Name* is typing…" until it hears "stopped", a message
from that person, or nothing more for ``SHOWN_S`` (a page that closed says
nothing).  Nothing here is stored anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from relaydesk import protocol
from relaydesk.language import _

SAY_EVERY_S = 2.5  # while typing, the page says so again this often at most
IDLE_S = 4.0  # no keystroke for this long: the page says it stopped
SHOWN_S = 6.0  # an indicator nobody renewed for this long goes (renewed every SAY_EVERY_S while typing)


class Typist:
    """When this page tells the others that its person is typing, or stopped, in one session at a time."""

    def __init__(self) -> None:
        self.said_at: float | None = None  # when "typing" last went out; None: the others think we are not typing
        self.session: int | None = None
        self.last_key = 0.0
        self.unsaid = False  # typed since "typing" last went out (for a live preview, which carries the text)

    def typed(self, session: int | None, text: str, now: float) -> list[dict]:
        """The field now holds ``text``: return the typing frames' fields to send (as few as may be)."""
        self.last_key = now
        if not text.strip():
            return self.stopped()
        frames = self.stopped() if session != self.session else []
        if self.said_at is not None and now - self.said_at < SAY_EVERY_S:
            self.unsaid = True
            return frames
        self.said_at, self.session, self.unsaid = now, session, False
        return frames + [{"typing": True, "session": session}]

    def catch_up(self, now: float) -> list[dict]:
        """Say "typing" again if more was typed since it last went out and ``SAY_EVERY_S`` went by: a live
        preview then shows the text as it was when the person paused, not as it was when they began."""
        if self.said_at is None or not self.unsaid or now - self.said_at < SAY_EVERY_S - 0.05:
            return []
        self.said_at, self.unsaid = now, False
        return [{"typing": True, "session": self.session}]

    def idle(self, now: float) -> list[dict]:
        """Say we stopped, if no key was typed for ``IDLE_S`` (the page asks ``IDLE_S`` after each keystroke)."""
        return self.stopped() if now - self.last_key >= IDLE_S - 0.05 else []

    def stopped(self) -> list[dict]:
        """The message was sent, the field emptied or left: say we stopped, if the others think we are typing."""
        if self.said_at is None:
            return []
        self.said_at, self.unsaid = None, False
        return [{"typing": False, "session": self.session}]


def preview_of(text: str) -> str:
    """Return what a typing frame carries of an unsent message for the reps' live preview: its end, if long."""
    return text[-protocol.MAX_PREVIEW:]


@dataclass
class Typer:
    name: str
    tick: int
    text: str = ""


class Typers:
    """Who is typing in each session, as this page heard it; ``tick`` orders what was heard, so that an
    indicator's timer (``expire``) takes away only those not renewed since it was set."""

    def __init__(self) -> None:
        self.tick = 0
        self.by_session: dict[int | None, dict[str, Typer]] = {}

    def heard(self, session: int | None, key: str, name: str, typing: bool, text: str = "") -> None:
        typers = self.by_session.setdefault(session, {})
        if typing:
            self.tick += 1
            typers[key] = Typer(name, self.tick, text)
        else:
            typers.pop(key, None)

    def expire(self, session: int | None, tick: int) -> None:
        typers = self.by_session.get(session, {})
        for key in [key for key, typer in typers.items() if typer.tick <= tick]:
            del typers[key]

    def line(self, session: int | None) -> str:
        """Return what the indicator says: "Alice is typing…", "Alice and Bob are typing…", or nothing."""
        names = [typer.name for typer in self.by_session.get(session, {}).values()]
        if not names:
            return ""
        if len(names) == 1:
            return _("%(name)s is typing…", name=names[0])
        return _("%(names)s and %(last)s are typing…", names=", ".join(names[:-1]), last=names[-1])

    def preview(self, session: int | None) -> str:
        """Return the customer's unsent text, where the reps' live preview carries it."""
        return next((typer.text for typer in self.by_session.get(session, {}).values() if typer.text), "")

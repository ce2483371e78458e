"""The effects a core asks the page to carry out: plain data, drawn by the adapters."""

from __future__ import annotations

from dataclasses import dataclass

from .chat import Entry, Placement


class Effect:
    """Something for the page to do; each kind below says what."""


@dataclass
class Transmit(Effect):
    frame: dict


@dataclass
class Reconnect(Effect):
    delay: float


@dataclass
class Status(Effect):
    text: str


@dataclass
class Notice(Effect):
    """A message for the person: an error, or why something did not happen."""

    text: str


@dataclass
class ShowEntry(Effect):
    session: int
    placement: Placement


@dataclass
class ClearDraft(Effect):
    pass


@dataclass
class ClearNote(Effect):
    """Rep console: the note was taken; empty the Session notes field."""


@dataclass
class Remember(Effect):
    """Keep a value across reloads of this tab (``None`` forgets it)."""

    key: str
    value: object


@dataclass
class ShowView(Effect):
    """Customer window: ``form``, ``waiting`` or ``chat``."""

    view: str


@dataclass
class Position(Effect):
    position: int


@dataclass
class Queue(Effect):
    waiting: list[dict]


@dataclass
class Team(Effect):
    """The team as it is: each rep's id, name and status (available, away, offline), and this rep's own status."""

    reps: list[dict]
    mine: str


@dataclass
class OpenSession(Effect):
    """Rep console: a session is ours; give it a tab."""

    summary: dict


@dataclass
class SelectSession(Effect):
    session: int
    entries: list[Entry]
    draft: str = ""  # what the rep had typed for this customer
    scroll: float | None = None  # where the log was; None: at the bottom


@dataclass
class History(Effect):
    """Rep console: what the top of a session's log says: older messages ``loading`` (or left to load, as the
    rep scrolls up), or the ``start`` of the conversation."""

    session: int
    state: str


@dataclass
class Unread(Effect):
    """Rep console: how many customer messages in a session the rep has not seen."""

    session: int
    count: int


@dataclass
class Flash(Effect):
    """Rep console: a session opened while the rep was typing elsewhere: make its tab flash."""

    session: int


@dataclass
class Alert(Effect):
    """Rep console: a customer wrote where the rep is not looking: sound and notify."""

    title: str
    text: str
    sound: bool


@dataclass
class UpdateSession(Effect):
    """Rep console: a session's summary changed (e.g. it ended)."""

    summary: dict


@dataclass
class CloseSession(Effect):
    """Rep console: an ended session's tab goes away."""

    session: int


@dataclass
class Keys(Effect):
    """Rep console: the rep's session keys still waiting for a customer, and how many wrong keys were tried
    since the oldest of them was made (any of those could have been one of theirs)."""

    keys: list[dict]
    wrong_tries: int = 0


@dataclass
class Invitation(Effect):
    """Rep console: another rep asks this one to join a session (``None`` when it is gone)."""

    invite: dict
    open: bool = True


@dataclass
class Prefs(Effect):
    """Rep console: apply these chat preferences (they changed, here or on another device); ``kept`` once the
    server has them (the welcome's, or its answer to a change), not while a change made here is on its way."""

    prefs: dict
    kept: bool = True


@dataclass
class OpenUrl(Effect):
    """Customer window: a rep pushed a web page; open it now."""

    url: str


@dataclass
class StartOver(Effect):
    """Customer window: clear the finished session from the page."""



@dataclass
class ScreenAsk(Effect):
    """Customer window: a rep asks to see the screen (``by``), or the question is settled (None)."""

    by: str | None


@dataclass
class ScreenMode(Effect):
    """Customer window: what the server expects of the shared screen: thumbnails, or Viewer frames."""

    mode: str
    sharing: bool


@dataclass
class ScreenImage(Effect):
    """Rep console: the latest picture of a customer's shared screen."""

    session: int
    src: str



@dataclass
class Typing(Effect):
    """Both apps: what the typing indicator of a session says now ("Alice is typing…", or nothing), the
    customer's unsent text for a rep's live preview, and the ``tick`` to hand back as ``typing_expire`` after
    ``typist.SHOWN_S``."""

    session: int | None
    line: str
    preview: str = ""
    tick: int = 0


@dataclass
class Helpers(Effect):
    """Customer window: the names of the representatives helping, as the customer may see them."""

    names: list[str]


@dataclass
class Survey(Effect):
    """Customer window: the satisfaction survey after the end: ``shown`` or not, and the answer given so far."""

    shown: bool
    rating: int | None = None
    comment: str = ""

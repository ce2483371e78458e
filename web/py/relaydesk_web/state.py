"""Hold the state of the customer window, and what both apps share, and decide what to do.

``core.update(event)`` takes one event, a frame from the relay or something
the person did, changes the state and returns the effects for the adapters
to carry out (``effects``: send a frame, draw an entry, show a view).  Nothing
here touches the browser, so all of it runs, and is tested, under CPython.
The rep console's core is ``rep_state.RepCore``.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable

from relaydesk import protocol
from relaydesk.language import _, number

from .chat import Conversation, Entry, Placement, entry_from_event
from .effects import (
    ClearDraft,
    Effect,
    Helpers,
    Notice,
    OpenUrl,
    Position,
    Reconnect,
    Remember,
    ScreenAsk,
    ScreenMode,
    ShowEntry,
    ShowView,
    StartOver,
    Status,
    Survey,
    Transmit,
    Typing,
)
from .i18n import N_
from .link import Link
from .typist import Typers, Typist, preview_of

CONNECTED = N_("Connected")  # shown through _(): the badge reads in the page's language
RECONNECTING = N_("Reconnecting…")
ENTRY_FRAMES = ("say", "note", "push-url")  # the frames that show as an entry in the log while they are sent


def random_text(size: int) -> str:
    """Return ``size`` random bytes as URL-safe text: ``secrets.token_urlsafe``, without importing ``secrets`` (and
    ``hmac`` with it) as a page starts.  Pyodide's ``os.urandom`` draws on the browser's crypto."""
    return base64.urlsafe_b64encode(os.urandom(size)).rstrip(b"=").decode("ascii")


def new_id() -> str:
    """Return a fresh client-made id."""
    return random_text(12)


def new_token() -> str:
    """Return a fresh customer token: unguessable, and never sent to anyone else."""
    return random_text(32)


# --- what both apps share -------------------------------------------------------


class ChatCore:
    """Route events to handlers named ``on_<type>``; deliver and show chat entries."""

    role = ""

    def __init__(self, new_id: Callable[[], str] = new_id) -> None:
        self.new_id = new_id
        self.link = Link()
        self.conversations: dict[int, Conversation] = {}
        self.typist = Typist()  # when to tell the others this person is typing
        self.typers = Typers()  # who this person is told is typing

    def conversation_of(self, session: int | None) -> Conversation | None:
        return self.conversations.get(session) if session is not None else None

    def update(self, event: dict) -> list[Effect]:
        handler = getattr(self, f"on_{str(event.get('type')).replace('-', '_')}", None)
        return handler(event) if handler else []

    def receive(self, frame: str) -> list[Effect]:
        """Take a frame from the relay: only a frame the protocol declares for this role, with its declared fields,
        reaches a handler (``protocol.ProtocolError`` otherwise), never one of the handlers of what people do."""
        return self.update(protocol.decode_server(frame, self.role))

    def on_connected(self, event: dict) -> list[Effect]:
        self.link.opened()
        return [Transmit(frame) for frame in [*self.greeting(), *self.link.outbox]]

    def on_disconnected(self, event: dict) -> list[Effect]:
        return [Status(RECONNECTING), Reconnect(self.link.closed())]

    def greeting(self) -> list[dict]:
        """Return the frames that open a (re)connection, before the outbox."""
        return []

    def is_mine(self, event: dict) -> bool:
        raise NotImplementedError

    def on_event(self, event: dict) -> list[Effect]:
        conversation = self.conversations.get(event["session"])
        if conversation is None:
            return []
        self.link.settle(event["id"])
        placement = conversation.receive(entry_from_event(event, self.is_mine(event)))
        effects: list[Effect] = [ShowEntry(conversation.id, placement)] if placement else []
        if event.get("live") and not self.is_mine(event):  # they sent what they typed: they stopped typing
            effects += self.heard_typing(self.typing_key(event["session"]), self.typer_of(event["author"]), "",
                                         False)
        return effects

    # --- typing -------------------------------------------------------------------

    def typing_key(self, session: int) -> int | None:
        """Return the session the typing indicator of ``session`` is kept under (the customer has but one)."""
        return session

    @staticmethod
    def typer_of(author: dict) -> str:
        """Return the key a typist is known by: the customer, or a rep by id (by name where no id is sent)."""
        if author.get("kind") == "customer":
            return "customer"
        return f"rep:{author.get('id', author.get('name'))}"

    def heard_typing(self, session: int | None, key: str, name: str, typing: bool, text: str = "") -> list[Effect]:
        known = key in self.typers.by_session.get(session, {})
        if not typing and not known:
            return []
        self.typers.heard(session, key, name, typing, text)
        return [Typing(session, self.typers.line(session), self.typers.preview(session), self.typers.tick)]

    def on_typing_expire(self, event: dict) -> list[Effect]:
        """The indicator's timer ran out: whoever was not heard from since stopped (their page may be gone)."""
        self.typers.expire(event["session"], event["tick"])
        session = event["session"]
        return [Typing(session, self.typers.line(session), self.typers.preview(session), self.typers.tick)]

    def typing_frames(self, said: list[dict], text: str = "") -> list[Effect]:
        """Return the typing frames to send, as the ``Typist`` decided: never kept for later, never resent."""
        if not self.link.online:
            return []
        return [Transmit(self.typing_frame(fields, text)) for fields in said]

    def typing_frame(self, fields: dict, text: str) -> dict:
        raise NotImplementedError

    def on_typing_idle(self, event: dict) -> list[Effect]:
        return self.typing_frames(self.typist.idle(event["now"]))

    def on_page(self, event: dict) -> list[Effect]:
        """A page of a replay ended: note what it covered, and ask for the next one while there is more."""
        conversation = self.conversation_of(event["session"])
        if conversation is None or "after" not in event:
            return []
        conversation.covered(event["first"], event["last"])
        if not (event["more"] and self.link.online):
            return []
        return [Transmit({"type": "history", "page": self.new_id(), "after": event["last"],
                          **self.page_of(event["session"])})]

    def page_of(self, session: int) -> dict:
        """Return what a ``history`` frame names its session by: the customer's names none."""
        return {}

    def on_ack(self, event: dict) -> list[Effect]:
        self.link.settle(event["id"])
        conversation = self.conversation_of(event.get("session"))
        if conversation is None or "seq" not in event:
            return []
        placement = conversation.confirm(event["id"], event["seq"], event["at"])
        return [ShowEntry(conversation.id, placement)] if placement else []

    def on_error(self, event: dict) -> list[Effect]:
        frame = self.link.settle(event["id"]) if "id" in event else None
        effects: list[Effect] = [Notice(event["message"])]
        if frame and frame["type"] in ENTRY_FRAMES:  # a refused entry stays where it was typed, saying why
            conversation = self.conversation_of(frame.get("session", self.customer_session()))
            failed = conversation.fail(frame["id"], event["message"]) if conversation else None
            if failed and conversation:
                effects.append(ShowEntry(conversation.id, Placement(failed, None)))
        return effects

    def customer_session(self) -> int | None:
        return None

    def say(self, session: int, text: str, author_name: str, author_kind: str, frame: dict,
            kind: str = protocol.MESSAGE, to: str | None = None, field: str = "text") -> list[Effect]:
        """Send an entry: show it at once as pending, deliver it when online (the draft is then spent)."""
        text = text.strip()
        if not text:
            return []
        if len(text) > protocol.MAX_TEXT:
            return [Notice(_("That message is too long (%(most)s characters at most).",
                             most=number(protocol.MAX_TEXT)))]
        entry = Entry(frame["id"], kind, text, author_name, author_kind, mine=True, to=to)
        frame[field] = text
        placement = self.conversations[session].add_pending(entry)
        self.sent_draft(session)
        stopped = self.typing_frames(self.typist.stopped())
        return [ShowEntry(session, placement), ClearDraft(), *stopped] + [Transmit(f) for f in self.link.submit(frame)]

    def sent_draft(self, session: int) -> None:
        """Forget a session's draft once it went out."""


# --- the customer window --------------------------------------------------------


class CustomerCore(ChatCore):
    """The customer's tab: ask for help, wait in the queue, chat."""

    role = "customer"

    def __init__(
        self,
        new_id: Callable[[], str] = new_id,
        new_token: Callable[[], str] = new_token,
        saved: dict | None = None,
    ) -> None:
        super().__init__(new_id)
        saved = saved or {}
        self.token: str | None = saved.get("token")
        self.request: dict | None = saved.get("request")  # sent, not yet acknowledged
        self.session: dict | None = None
        self.new_token = new_token
        self.name = ""
        self.draft = ""  # what Message holds, for the reps' live preview

    def customer_session(self) -> int | None:
        return self.session["id"] if self.session else None

    def greeting(self) -> list[dict]:
        if self.request:
            return [self.request]
        if self.token:
            conversation = self.conversation_of(self.customer_session())
            return [{"type": "hello", "token": self.token, "since": conversation.last_seq if conversation else 0}]
        return []

    def on_connected(self, event: dict) -> list[Effect]:
        effects = super().on_connected(event)
        return effects if (self.request or self.token) else [Status(CONNECTED), *effects]

    def on_disconnected(self, event: dict) -> list[Effect]:
        """Reconnect; quietly while only the form is open (the server closes a socket that says nothing for a
        minute, and there is nothing to resume)."""
        if self.request or self.token:
            return super().on_disconnected(event)
        return [Reconnect(self.link.closed())]

    def is_mine(self, event: dict) -> bool:
        return event["author"]["kind"] == "customer"

    def on_ask(self, event: dict) -> list[Effect]:
        """The portal form was sent: name, issue and the page's own details."""
        if self.request or self.session:
            return []
        self.token = self.new_token()
        self.name = event["name"].strip()
        self.request = {
            "type": "request", "id": self.new_id(), "token": self.token, "portal": event["portal"],
            "name": self.name, "issue": event["issue"].strip(), "details": event["details"],
            "key": event.get("key") or None,
        }
        effects: list[Effect] = [Remember("token", self.token), Remember("request", self.request)]
        return effects + ([Transmit(self.request)] if self.link.online else [])

    def on_welcome(self, event: dict) -> list[Effect]:
        self.link.welcomed()
        screen = event.get("screen") or {}
        effects = [Status(CONNECTED), *self._session_changed(event["session"])]
        effects.append(ScreenMode("thumbnail", bool(screen.get("sharing"))))
        return effects + [ScreenAsk(screen.get("asked") or None)]

    def on_screen_asked(self, event: dict) -> list[Effect]:
        return [ScreenAsk(event["by"])]

    def on_screen_mode(self, event: dict) -> list[Effect]:
        return [ScreenMode(event["mode"], event["sharing"])]

    def on_screen(self, event: dict) -> list[Effect]:
        """The customer allowed, denied or stopped sharing their screen."""
        frame = {"type": "screen", "id": self.new_id(), "state": event["state"]}
        return [ScreenAsk(None)] + [Transmit(f) for f in self.link.submit(frame)]

    def on_session(self, event: dict) -> list[Effect]:
        return self._session_changed(event["session"])

    def _session_changed(self, summary: dict) -> list[Effect]:
        self.session = summary
        self.name = summary["customer"]
        self.conversations.setdefault(summary["id"], Conversation(summary)).summary = summary
        effects: list[Effect] = [ShowView({"waiting": "waiting", "active": "chat"}.get(summary["status"], "ended"))]
        effects.append(Helpers(list(summary.get("helping") or [])))
        ended = summary["status"] == "ended"
        effects.append(Survey(ended and bool(summary.get("survey")), summary.get("rating"),
                              summary.get("comment") or ""))
        if ended:  # nobody types into an ended session
            self.typist.stopped()
            self.typers.by_session.clear()
            effects.append(Typing(None, ""))
        return effects

    def on_ack(self, event: dict) -> list[Effect]:
        if self.request and event["id"] == self.request["id"]:
            self.request = None
            return [Remember("request", None)]
        return super().on_ack(event)

    def on_error(self, event: dict) -> list[Effect]:
        if self.request and event.get("id") == self.request["id"]:
            self.request = self.token = None  # the form still holds what they typed
            return [Remember("request", None), Remember("token", None), ShowView("form"), Notice(event["message"])]
        if event.get("code") == "bad-token":
            self.token = self.session = None
            return [Remember("token", None), ShowView("form"), Notice(event["message"])]
        return super().on_error(event)

    def on_position(self, event: dict) -> list[Effect]:
        return [Position(event["position"])]

    def typing_key(self, session: int) -> int | None:
        return None

    def on_typing(self, event: dict) -> list[Effect]:
        """A visible rep is typing, or stopped (the server tells of no other)."""
        return self.heard_typing(None, f"rep:{event['name']}", event["name"], event["typing"])

    def on_typed(self, event: dict) -> list[Effect]:
        """The customer typed in Message (``now``: the page's clock, in seconds): tell the reps, not too often."""
        if not self.session or self.session["status"] != "active":
            return []
        self.draft = event["text"]
        return self.typing_frames(self.typist.typed(None, event["text"], event["now"]), event["text"])

    def on_typing_idle(self, event: dict) -> list[Effect]:
        """A pause: say we stopped; or, for the reps' live preview, send what was typed since it last went out."""
        stopped = self.typist.idle(event["now"])
        if stopped or not (self.session and self.session.get("preview")):
            return self.typing_frames(stopped)
        return self.typing_frames(self.typist.catch_up(event["now"]), self.draft)

    def typing_frame(self, fields: dict, text: str) -> dict:
        """The customer's typing frame: with what they typed only when the team shows reps a live preview."""
        frame: dict = {"type": "typing", "typing": fields["typing"]}
        if fields["typing"] and self.session and self.session.get("preview"):
            frame["text"] = preview_of(text)
        return frame

    def on_rate(self, event: dict) -> list[Effect]:
        """The customer answered the survey after the end (again, to change their answer)."""
        if not self.session or self.session["status"] != "ended":
            return []
        if event.get("rating") not in protocol.RATINGS:
            return [Notice(_("Choose how satisfied you are first."))]
        comment = (event.get("comment") or "").strip()
        if len(comment) > protocol.MAX_COMMENT:
            return [Notice(_("The comment is too long (%(most)s characters at most).", most=protocol.MAX_COMMENT))]
        frame = {"type": "rate", "id": self.new_id(), "rating": event["rating"], "comment": comment}
        return [Transmit(f) for f in self.link.submit(frame)]

    def on_event(self, event: dict) -> list[Effect]:
        effects = super().on_event(event)
        if event["kind"] == protocol.URL and event.get("live"):
            effects.append(OpenUrl(event["text"]))
        return effects

    def on_start_over(self, event: dict) -> list[Effect]:
        """After the end, a new request may begin from the form."""
        if not self.session or self.session["status"] != "ended":
            return []
        self.conversations.pop(self.session["id"], None)
        self.token = self.session = None
        return [Remember("token", None), StartOver(), ShowView("form")]

    def on_send(self, event: dict) -> list[Effect]:
        if self.session is None:
            return [Notice(_("Wait until your request is received."))]
        frame = {"type": "say", "id": self.new_id()}
        return self.say(self.session["id"], event["text"], self.name, "customer", frame)

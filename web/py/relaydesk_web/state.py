"""Hold the state of the customer window and the rep console, and decide what to do.

``core.update(event)`` takes one event, a frame from the relay or something
the person did, changes the state and returns the effects for the adapters
to carry out (send a frame, draw an entry, show a view).  Nothing here touches
the browser, so all of it runs, and is tested, under CPython.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from relaydesk import prefs as preferences
from relaydesk import protocol

from .chat import Conversation, Entry, Placement, entry_from_event
from .link import Link

CONNECTED = "Connected"
RECONNECTING = "Reconnecting…"


def new_id() -> str:
    """Return a fresh client-made id (Pyodide's ``secrets`` draws on the browser's crypto)."""
    return secrets.token_urlsafe(12)


def new_token() -> str:
    """Return a fresh customer token: unguessable, and never sent to anyone else."""
    return secrets.token_urlsafe(32)


# --- effects ------------------------------------------------------------------


@dataclass
class Transmit:
    frame: dict


@dataclass
class Reconnect:
    delay: float


@dataclass
class Status:
    text: str


@dataclass
class Notice:
    """A message for the person: an error, or why something did not happen."""

    text: str


@dataclass
class ShowEntry:
    session: int
    placement: Placement


@dataclass
class ClearDraft:
    pass


@dataclass
class ClearNote:
    """Rep console: the note was taken; empty the Session notes field."""


@dataclass
class Remember:
    """Keep a value across reloads of this tab (``None`` forgets it)."""

    key: str
    value: object


@dataclass
class ShowView:
    """Customer window: ``form``, ``waiting`` or ``chat``."""

    view: str


@dataclass
class Position:
    position: int


@dataclass
class Queue:
    waiting: list[dict]


@dataclass
class OpenSession:
    """Rep console: a session is ours; give it a tab."""

    summary: dict


@dataclass
class SelectSession:
    session: int
    entries: list[Entry]
    draft: str = ""  # what the rep had typed for this customer
    scroll: float | None = None  # where the log was; None: at the bottom


@dataclass
class Unread:
    """Rep console: how many customer messages in a session the rep has not seen."""

    session: int
    count: int


@dataclass
class Flash:
    """Rep console: a session opened while the rep was typing elsewhere: make its tab flash."""

    session: int


@dataclass
class Alert:
    """Rep console: a customer wrote where the rep is not looking: sound and notify."""

    title: str
    text: str
    sound: bool


@dataclass
class UpdateSession:
    """Rep console: a session's summary changed (e.g. it ended)."""

    summary: dict


@dataclass
class CloseSession:
    """Rep console: an ended session's tab goes away."""

    session: int


@dataclass
class Keys:
    """Rep console: the rep's session keys still waiting for a customer."""

    keys: list[dict]


@dataclass
class Invitation:
    """Rep console: another rep asks this one to join a session (``None`` when it is gone)."""

    invite: dict
    open: bool = True


@dataclass
class Prefs:
    """Rep console: apply these chat preferences (they changed, here or on another device)."""

    prefs: dict


@dataclass
class OpenUrl:
    """Customer window: a rep pushed a web page; open it now."""

    url: str


@dataclass
class StartOver:
    """Customer window: clear the finished session from the page."""


Effect = object


# --- what both apps share -------------------------------------------------------


class ChatCore:
    """Route events to handlers named ``on_<type>``; deliver and show chat entries."""

    role = ""

    def __init__(self, new_id: Callable[[], str] = new_id) -> None:
        self.new_id = new_id
        self.link = Link()
        self.conversations: dict[int, Conversation] = {}

    def update(self, event: dict) -> list[Effect]:
        handler = getattr(self, f"on_{event.get('type')}", None)
        return handler(event) if handler else []

    def on_connected(self, event: dict) -> list[Effect]:
        self.link.opened()
        return [Transmit(frame) for frame in self.greeting()] + [Transmit(f) for f in self.link.outbox]

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
        return [ShowEntry(conversation.id, placement)] if placement else []

    def on_ack(self, event: dict) -> list[Effect]:
        self.link.settle(event["id"])
        conversation = self.conversations.get(event.get("session"))
        if conversation is None or "seq" not in event:
            return []
        placement = conversation.confirm(event["id"], event["seq"], event["at"])
        return [ShowEntry(conversation.id, placement)] if placement else []

    def on_error(self, event: dict) -> list[Effect]:
        frame = self.link.settle(event["id"]) if "id" in event else None
        effects: list[Effect] = [Notice(event["message"])]
        if frame and frame["type"] == "say":
            conversation = self.conversations.get(frame.get("session", self.customer_session()))
            failed = conversation.fail(frame["id"]) if conversation else None
            if failed:
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
            return [Notice(f"That message is too long ({protocol.MAX_TEXT:,} characters at most).")]
        entry = Entry(frame["id"], kind, text, author_name, author_kind, mine=True, to=to)
        frame[field] = text
        placement = self.conversations[session].add_pending(entry)
        self.sent_draft(session)
        return [ShowEntry(session, placement), ClearDraft()] + [Transmit(f) for f in self.link.submit(frame)]

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

    def customer_session(self) -> int | None:
        return self.session["id"] if self.session else None

    def greeting(self) -> list[dict]:
        if self.request:
            return [self.request]
        if self.token:
            conversation = self.conversations.get(self.customer_session())
            return [{"type": "hello", "token": self.token, "since": conversation.last_seq if conversation else 0}]
        return []

    def on_connected(self, event: dict) -> list[Effect]:
        effects = super().on_connected(event)
        return effects if (self.request or self.token) else [Status(CONNECTED), *effects]

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
        return [Status(CONNECTED), *self._session_changed(event["session"])]

    def on_session(self, event: dict) -> list[Effect]:
        return self._session_changed(event["session"])

    def _session_changed(self, summary: dict) -> list[Effect]:
        self.session = summary
        self.name = summary["customer"]
        self.conversations.setdefault(summary["id"], Conversation(summary)).summary = summary
        return [ShowView({"waiting": "waiting", "active": "chat"}.get(summary["status"], "ended"))]

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
            return [Notice("Wait until your request is received.")]
        frame = {"type": "say", "id": self.new_id()}
        return self.say(self.session["id"], event["text"], self.name, "customer", frame)


# --- the rep console ------------------------------------------------------------


class RepCore(ChatCore):
    """A rep's console: the queue, and every session the rep is in."""

    role = "rep"

    def __init__(self, new_id: Callable[[], str] = new_id) -> None:
        super().__init__(new_id)
        self.me: dict = {}
        self.current: int | None = None
        self.invite_hidden = False  # the team's default for "Join hidden"
        self.to: dict[int, str | int] = {}  # per session: "all", "reps" or a rep id
        self.drafts: dict[int, str] = {}  # per session: the Message field's text
        self.scrolls: dict[int, float] = {}  # per session: the log's scroll position
        self.unread: dict[int, int] = {}
        self.page_hidden = False
        self.max_sessions = 0  # 0: no cap
        self.prefs: dict = dict(preferences.DEFAULTS)

    def greeting(self) -> list[dict]:
        since = {str(sid): conversation.last_seq for sid, conversation in self.conversations.items()}
        return [{"type": "hello", "since": since}]

    def is_mine(self, event: dict) -> bool:
        return event["author"].get("id") == self.me.get("id") and event["author"]["kind"] == "rep"

    def on_welcome(self, event: dict) -> list[Effect]:
        self.link.welcomed()
        self.me, self.invite_hidden = event["me"], event["invite_hidden"]
        self.prefs = preferences.DEFAULTS | event["prefs"]
        self.max_sessions = event.get("max_sessions", 0)
        effects: list[Effect] = [Status(CONNECTED), Queue(event["queue"]), Keys(event["keys"])]
        effects += [Invitation(invite) for invite in event["invites"]] + [Prefs(self.prefs)]
        for summary in event["sessions"]:
            effects += self._open(summary, select=self.current is None)
        return effects

    def on_queue(self, event: dict) -> list[Effect]:
        return [Queue(event["waiting"])]

    def on_keys(self, event: dict) -> list[Effect]:
        return [Keys(event["keys"])]

    def on_make_key(self, event: dict) -> list[Effect]:
        return self._submit({"type": "make-key", "id": self.new_id()})

    def on_session(self, event: dict) -> list[Effect]:
        summary = event["session"]
        if summary["id"] not in self.conversations:
            return []
        self.conversations[summary["id"]].summary = summary
        return [UpdateSession(summary)]

    def on_end(self, event: dict) -> list[Effect]:
        return self._acting("end", outcome=event["outcome"])

    def on_close(self, event: dict) -> list[Effect]:
        """Close an ended session's tab; the next session, if any, comes to the front."""
        conversation = self.conversations.get(event["session"])
        if conversation is None or conversation.summary["status"] != "ended":
            return []
        return self._close(event["session"])

    def _close(self, session: int) -> list[Effect]:
        if session not in self.conversations:
            return []
        del self.conversations[session]
        for per_session in (self.to, self.drafts, self.scrolls, self.unread):
            per_session.pop(session, None)
        effects: list[Effect] = [CloseSession(session)]
        if self.current == session:
            self.current = None
            if self.conversations:
                effects += self._select(next(iter(self.conversations)))
        return effects

    def on_opened(self, event: dict) -> list[Effect]:
        effects = [Invitation({"session": event["session"]["id"]}, open=False)]
        typing = bool(self.current is not None and self.drafts.get(self.current, "").strip())
        effects += self._open(event["session"], select=not typing)
        if typing:
            effects.append(Flash(event["session"]["id"]))
        if event.get("comment"):
            effects.append(Notice(f"{event['session']['customer']} was transferred to you: {event['comment']}"))
        return effects

    def on_invited(self, event: dict) -> list[Effect]:
        return [Invitation(event)]

    def on_join(self, event: dict) -> list[Effect]:
        frame = {"type": "join", "id": self.new_id(), "session": event["session"]}
        return [Invitation({"session": event["session"]}, open=False)] + self._submit(frame)

    def on_closed(self, event: dict) -> list[Effect]:
        """We left the session (or handed it over): its tab goes."""
        return self._close(event["session"])

    def participant(self, session: int) -> dict | None:
        """Return this rep's own entry among a session's participants."""
        people = self.conversations[session].summary.get("participants", [])
        return next((p for p in people if p["id"] == self.me.get("id")), None)

    def recipients(self, session: int) -> list[tuple[str | int, str]]:
        """Return who this rep may write to in a session: (value, label) pairs, in order."""
        me = self.participant(session) or {}
        choices: list[tuple[str | int, str]] = [] if me.get("hidden") else [("all", "Everyone")]
        choices.append(("reps", "All representatives"))
        people = self.conversations[session].summary.get("participants", [])
        return choices + [(p["id"], p["name"]) for p in people if p["id"] != self.me.get("id")]

    def on_to(self, event: dict) -> list[Effect]:
        if self.current is not None:
            self.to[self.current] = event["to"]
        return []

    def recipient(self, session: int) -> str | int:
        """Return who the next message in a session goes to: the choice made, if still offered."""
        offered = [value for value, _label in self.recipients(session)]
        chosen = self.to.get(session, offered[0])
        return chosen if chosen in offered else offered[0]

    def _acting(self, event_type: str, **fields) -> list[Effect]:
        """Send a frame about the session in front."""
        if self.current is None:
            return []
        return self._submit({"type": event_type, "id": self.new_id(), "session": self.current, **fields})

    def _submit(self, frame: dict) -> list[Effect]:
        return [Transmit(f) for f in self.link.submit(frame)]

    def on_invite(self, event: dict) -> list[Effect]:
        return self._acting("invite", rep=event["rep"], hidden=event["hidden"])

    def on_visibility(self, event: dict) -> list[Effect]:
        return self._acting("visibility", hidden=event["hidden"])

    def on_transfer(self, event: dict) -> list[Effect]:
        return self._acting("transfer", rep=event["rep"], comment=event.get("comment", ""), stay=event["stay"])

    def on_leave(self, event: dict) -> list[Effect]:
        return self._acting("leave")

    def on_prefs(self, event: dict) -> list[Effect]:
        self.prefs = event["prefs"]
        return [Prefs(self.prefs)]

    def on_set_prefs(self, event: dict) -> list[Effect]:
        """Change preferences: checked here for an instant answer, and again by the server."""
        try:
            self.prefs = preferences.check(event["changes"], self.prefs)
        except preferences.PrefsError as exc:
            return [Notice(str(exc))]
        changes = {name: self.prefs[name] for name in event["changes"]}
        return [Prefs(self.prefs)] + self._submit({"type": "prefs", "id": self.new_id(), "prefs": changes})

    def on_push_url(self, event: dict) -> list[Effect]:
        """Open the web address typed in Message in the customer's browser."""
        if self.current is None:
            return [Notice("Accept a customer first.")]
        try:
            url = protocol.web_url(event["text"])
        except protocol.ProtocolError as exc:
            return [Notice(exc.message)]
        frame = {"type": "push-url", "id": self.new_id(), "session": self.current}
        return self.say(self.current, url, self.me.get("name", ""), "rep", frame, protocol.URL, field="url")

    def on_note(self, event: dict) -> list[Effect]:
        if self.current is None:
            return []
        frame = {"type": "note", "id": self.new_id(), "session": self.current}
        draft = self.drafts.get(self.current)
        effects = self.say(self.current, event["text"], self.me.get("name", ""), "rep", frame, protocol.NOTE)
        if draft is not None:
            self.drafts[self.current] = draft  # a note leaves the Message draft alone
        return [effect for effect in effects if not isinstance(effect, ClearDraft)] + [ClearNote()]

    def _open(self, summary: dict, select: bool) -> list[Effect]:
        known = summary["id"] in self.conversations
        self.conversations.setdefault(summary["id"], Conversation(summary)).summary = summary
        effects: list[Effect] = [] if known else [OpenSession(summary)]
        return effects + (self._select(summary["id"]) if select else [])

    def _select(self, session: int) -> list[Effect]:
        self.current = session
        self.unread[session] = 0
        conversation = self.conversations[session]
        return [SelectSession(session, conversation.entries, self.drafts.get(session, ""), self.scrolls.get(session)),
                Unread(session, 0)]

    def on_select(self, event: dict) -> list[Effect]:
        """Switch tabs, keeping the draft and scroll position of the one left behind."""
        if event["session"] not in self.conversations or event["session"] == self.current:
            return []
        if self.current is not None and "scroll" in event:
            self.scrolls[self.current] = event["scroll"]
        return self._select(event["session"])

    def on_step_tab(self, event: dict) -> list[Effect]:
        """Go to the next (+1) or previous (-1) tab, round the end."""
        order = list(self.conversations)
        if not order:
            return []
        index = order.index(self.current) if self.current in order else -1
        return self.on_select({**event, "session": order[(index + event["step"]) % len(order)]})

    def on_tab_number(self, event: dict) -> list[Effect]:
        order = list(self.conversations)
        number = event["number"]
        return self.on_select({**event, "session": order[number - 1]}) if 1 <= number <= len(order) else []

    def sent_draft(self, session: int) -> None:
        self.drafts.pop(session, None)

    def on_draft(self, event: dict) -> list[Effect]:
        if self.current is not None:
            self.drafts[self.current] = event["text"]
        return []

    def on_page_hidden(self, event: dict) -> list[Effect]:
        self.page_hidden = event["hidden"]
        if not self.page_hidden and self.current is not None:
            self.unread[self.current] = 0
            return [Unread(self.current, 0)]
        return []

    def on_event(self, event: dict) -> list[Effect]:
        effects = super().on_event(event)
        session = event["session"]
        fresh = event.get("live") and event["author"]["kind"] == "customer" and event["kind"] == protocol.MESSAGE
        if fresh and session in self.conversations and (session != self.current or self.page_hidden):
            self.unread[session] = self.unread.get(session, 0) + 1
            effects += [Unread(session, self.unread[session]),
                        Alert(event["author"]["name"], event["text"], self.prefs["chat_sound"])]
        return effects

    @property
    def total_unread(self) -> int:
        return sum(self.unread.values())

    @property
    def at_capacity(self) -> bool:
        """Tell whether the rep holds as many open sessions as the team allows."""
        held = sum(1 for c in self.conversations.values() if c.summary["status"] == "active")
        return bool(self.max_sessions) and held >= self.max_sessions

    def on_accept(self, event: dict) -> list[Effect]:
        return self._submit({"type": "accept", "id": self.new_id(), "session": event["session"]})

    def on_send(self, event: dict) -> list[Effect]:
        if self.current is None:
            return [Notice("Accept a customer first.")]
        to = self.recipient(self.current)
        frame = {"type": "say", "id": self.new_id(), "session": self.current, "to": to}
        label = dict(self.recipients(self.current))[to]
        kind = protocol.MESSAGE if to == "all" else protocol.PRIVATE
        return self.say(self.current, event["text"], self.me.get("name", ""), "rep", frame, kind,
                        None if to == "all" else label)

"""Hold the state of a rep's console and decide what to do: the queue, keys, every session the rep is in.

Pure like ``state``: ``RepCore.update(event)`` returns effects for the adapters.
"""

from __future__ import annotations

from collections.abc import Callable

from relaydesk import prefs as preferences
from relaydesk import protocol

from .chat import Conversation
from .effects import (
    Alert,
    ClearDraft,
    ClearNote,
    CloseSession,
    Effect,
    Flash,
    History,
    Invitation,
    Keys,
    Notice,
    OpenSession,
    Prefs,
    Queue,
    ScreenImage,
    SelectSession,
    Status,
    Team,
    Transmit,
    Typing,
    Unread,
    UpdateSession,
)
from .i18n import N_, _
from .state import CONNECTED, ChatCore, new_id

TOOLS = ("request-screen", "push-url", "send-file", "invite", "transfer", "visibility", "leave", "export", "end",
         "note")
ENDED = N_("This session has ended.")  # read through _(), in the page's language
MONITORING = N_("You are monitoring this session: you can read it, not act in it.")
HIDDEN = N_("You are hidden from the customer: show yourself first.")


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
        self.screens: dict[int, str] = {}  # per session: the latest picture of the customer's screen
        self.prefs: dict = dict(preferences.DEFAULTS)
        self.queue: list[dict] = []  # the waiting customers' summaries, oldest first
        self.team: list[dict] = []  # every rep: id, name and status (available, away, offline), as last told
        self.pages: dict[str, int] = {}  # the history pages asked for and not yet come: page id -> session
        self.typing_everyone = True  # whether what the rep types goes to everyone (or to reps only)

    def greeting(self) -> list[dict]:
        """Say hello, with where each log whose history was loaded left off: those catch up, a page at a time."""
        self.pages.clear()
        since = {str(sid): c.last_seq for sid, c in self.conversations.items() if c.loaded}
        return [{"type": "hello", "since": since}]

    def is_mine(self, event: dict) -> bool:
        return event["author"].get("id") == self.me.get("id") and event["author"]["kind"] == "rep"

    def on_welcome(self, event: dict) -> list[Effect]:
        self.link.welcomed()
        self.me, self.invite_hidden = event["me"], event["invite_hidden"]
        self.prefs = preferences.DEFAULTS | event["prefs"]
        self.max_sessions = event.get("max_sessions", 0)
        self.queue = list(event["queue"])
        effects: list[Effect] = [Status(CONNECTED), Queue(list(self.queue)), self.on_keys(event)[0]]
        effects += [Invitation(invite) for invite in event["invites"]] + [Prefs(self.prefs)]
        for conversation in self.conversations.values():
            if not conversation.loaded:  # it missed what came while offline: it loads afresh when shown
                conversation.unload()
        for summary in event["sessions"]:
            effects += self._open(summary, select=self.current is None)
        if self.current is not None and self.current in self.conversations:
            effects += self._load(self.current)
        return effects

    def _load(self, session: int) -> list[Effect]:
        """Ask for the newest page of a session's history, the first time its log is shown."""
        conversation = self.conversations[session]
        if conversation.loaded or session in self.pages.values() or not self.link.online:
            return []
        held = [entry.seq for entry in conversation.confirmed if entry.seq is not None]
        return [History(session, "loading"), *self._history(session, before=min(held) if held else None)]

    def _history(self, session: int, **where: int | None) -> list[Effect]:
        page = self.new_id()
        self.pages[page] = session
        where = {name: seq for name, seq in where.items() if seq is not None}  # neither: the newest page
        return [Transmit({"type": "history", "page": page, "session": session, **where})]

    def on_earlier(self, event: dict) -> list[Effect]:
        """The rep scrolled to the top of a log: load the page before it, if there is one."""
        conversation = self.conversations.get(event["session"])
        if (conversation is None or not conversation.loaded or not conversation.earlier
                or event["session"] in self.pages.values() or not self.link.online):
            return []
        return self._history(event["session"], before=conversation.first_seq)

    def on_page(self, event: dict) -> list[Effect]:
        session = event["session"]
        conversation = self.conversations.get(session)
        if "after" in event or conversation is None:  # catching up after a reconnect
            return super().on_page(event)
        if self.pages.pop(event["page"], None) != session:  # asked before a reconnect
            return []
        if conversation.loaded:
            conversation.older_loaded(event["first"], event["more"])
        else:
            conversation.newest_loaded(event["first"], event["last"], event["more"])
        return [History(session, self.history_state(session))]

    def page_of(self, session: int) -> dict:
        return {"session": session}

    def history_state(self, session: int) -> str:
        """Return what the top of a session's log says: older entries ``loading`` (or left to load), or the
        ``start`` of the conversation."""
        conversation = self.conversations[session]
        return "loading" if not conversation.loaded or conversation.earlier else "start"

    def on_queue(self, event: dict) -> list[Effect]:
        """Apply the queue's changes: those that left go, those that joined come last (or replace their old
        summary where they are); the console is shown the whole queue as it now is."""
        left = set(event["left"])
        joined = {summary["id"]: summary for summary in event["joined"]}
        queue = [joined.pop(summary["id"], summary) for summary in self.queue if summary["id"] not in left]
        self.queue = queue + list(joined.values())
        return [Queue(list(self.queue))]

    def on_team(self, event: dict) -> list[Effect]:
        self.team = list(event["reps"])
        return [Team(list(self.team), self.status_of(self.me.get("id")))]

    def status_of(self, rep_id: object) -> str:
        """Return a rep's status as the server last told it: available, away or offline."""
        return next((rep["status"] for rep in self.team if rep["id"] == rep_id), "offline")

    def on_set_availability(self, event: dict) -> list[Effect]:
        """The rep chose My status: Available or Away."""
        return self._submit({"type": "availability", "id": self.new_id(), "status": event["status"]})

    def on_keys(self, event: dict) -> list[Effect]:
        return [Keys(event["keys"], event.get("wrong_tries", 0))]

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
        for per_session in (self.to, self.drafts, self.scrolls, self.unread, self.screens):
            per_session.pop(session, None)
        effects: list[Effect] = [CloseSession(session)]
        if self.current == session:
            self.current = None
            if self.conversations:
                effects += self._select(next(iter(self.conversations)))
        return effects

    def on_opened(self, event: dict) -> list[Effect]:
        effects: list[Effect] = [Invitation({"session": event["session"]["id"]}, open=False)]
        typing = bool(self.current is not None and self.drafts.get(self.current, "").strip())
        effects += self._open(event["session"], select=not typing)
        if typing:
            effects.append(Flash(event["session"]["id"]))
        if event.get("comment"):
            effects.append(Notice(_("%(customer)s was transferred to you: %(comment)s",
                                    customer=event["session"]["customer"], comment=event["comment"])))
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
        choices: list[tuple[str | int, str]] = [] if me.get("hidden") else [("all", _("Everyone"))]
        choices.append(("reps", _("All representatives")))
        people = self.conversations[session].summary.get("participants", [])
        return choices + [(p["id"], p["name"]) for p in people if p["id"] != self.me.get("id")]

    def tool_reasons(self, session: int | None) -> dict[str, str | None]:
        """Return, for each session tool, why it is off for this rep in that session (``None``: it is on).

        The menu items and their toolbar twins are drawn from this, and picking
        an item that is off shows its reason instead of doing nothing.  The
        server refuses the same things; this only says so before asking.
        """
        if session is None or session not in self.conversations:
            return dict.fromkeys(TOOLS, _("Accept a customer first."))
        summary = self.conversations[session].summary
        me = self.participant(session) or {}
        reasons: dict[str, str | None] = dict.fromkeys(TOOLS)
        if summary["status"] == "ended":
            return reasons | dict.fromkeys(TOOLS, _(ENDED)) | {"export": None}
        if me.get("role") == "monitor":
            reasons |= dict.fromkeys(("request-screen", "push-url", "send-file", "invite", "transfer", "end", "note"),
                                     _(MONITORING))
            reasons["visibility"] = _("Monitoring admins stay hidden from the customer.")
            return reasons
        if me.get("hidden"):
            reasons |= dict.fromkeys(("request-screen", "push-url", "send-file"), _(HIDDEN))
        if summary.get("owner") != self.me.get("id"):
            reasons["transfer"] = _("Only the representative who holds the session can transfer it.")
        else:
            reasons["leave"] = _("You hold this session: transfer it or end it instead.")
        return reasons

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
        return [Prefs(self.prefs, kept=False)] + self._submit({"type": "prefs", "id": self.new_id(), "prefs": changes})

    def on_push_url(self, event: dict) -> list[Effect]:
        """Open the web address typed in Message in the customer's browser."""
        if self.current is None:
            return [Notice(_("Accept a customer first."))]
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
        self.conversations.setdefault(summary["id"], Conversation(summary, loaded=False)).summary = summary
        effects: list[Effect] = [] if known else [OpenSession(summary)]
        return effects + (self._select(summary["id"]) if select else [])

    def _select(self, session: int) -> list[Effect]:
        self.current = session
        self.unread[session] = 0
        conversation = self.conversations[session]
        return [SelectSession(session, conversation.entries, self.drafts.get(session, ""), self.scrolls.get(session)),
                Unread(session, 0), *self._load(session),
                Typing(session, self.typers.line(session), self.typers.preview(session), self.typers.tick)]

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
        """The rep typed in Message: keep the draft, and tell the session so, not too often (``now``: the page's
        clock, in seconds), saying whether it is for everyone: the customer hears of it only then."""
        if self.current is None:
            return []
        self.drafts[self.current] = event["text"]
        if "now" not in event:
            return []
        active = self.conversations[self.current].summary["status"] == "active"
        everyone = self.recipient(self.current) == "all"
        effects: list[Effect] = []
        if everyone != self.typing_everyone:  # the customer heard we type, and now it is for the reps only
            effects += self.typing_frames(self.typist.stopped())
            self.typing_everyone = everyone
        return effects + self.typing_frames(self.typist.typed(self.current, event["text"] if active else "",
                                                              event["now"]))

    def typing_frame(self, fields: dict, text: str) -> dict:
        return {"type": "typing", "session": fields["session"], "typing": fields["typing"],
                "everyone": self.typing_everyone}

    def on_typing(self, event: dict) -> list[Effect]:
        """Someone else in a session is typing, or stopped: the customer (with their unsent text, where the team
        shows a live preview) or another rep."""
        if event["session"] not in self.conversations or event.get("rep") == self.me.get("id"):
            return []
        key = f"rep:{event['rep']}" if "rep" in event else "customer"
        return self.heard_typing(event["session"], key, event["name"], event["typing"], event.get("text", ""))

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

    def on_screen_image(self, event: dict) -> list[Effect]:
        if event["session"] not in self.conversations:
            return []
        self.screens[event["session"]] = event["src"]
        return [ScreenImage(event["session"], event["src"])]

    def on_request_screen(self, event: dict) -> list[Effect]:
        return self._acting("screen-request")

    def on_viewer(self, event: dict) -> list[Effect]:
        frame = {"type": "viewer", "id": self.new_id(), "session": event["session"], "open": event["open"]}
        return self._submit(frame) if event["session"] in self.conversations else []

    def on_accept(self, event: dict) -> list[Effect]:
        return self._submit({"type": "accept", "id": self.new_id(), "session": event["session"]})

    def on_send(self, event: dict) -> list[Effect]:
        if self.current is None:
            return [Notice(_("Accept a customer first."))]
        to = self.recipient(self.current)
        frame = {"type": "say", "id": self.new_id(), "session": self.current, "to": to}
        label = dict(self.recipients(self.current))[to]
        kind = protocol.MESSAGE if to == "all" else protocol.PRIVATE
        return self.say(self.current, event["text"], self.me.get("name", ""), "rep", frame, kind,
                        None if to == "all" else label)

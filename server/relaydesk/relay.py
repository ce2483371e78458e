"""Route frames between reps and customers, deciding what each one may see.

Every change follows one path: check the frame, persist it (which gives it the
session's next sequence number), acknowledge it to its sender, then fan it out
to the other connections that may see it.  The three steps run under the
session's lock, so each connection receives a session's events in order.

Handlers decide what goes to whom and return it (``delivery``: the sender's
ack, a rep, the session's reps, its customer, the queue watchers); the hub's
``deliver`` is the one place that sends.  What must go out in order with a
session's events (the events themselves, replays) is handed to ``deliver``
under the session's lock instead of being returned.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TypeVar

from simple_websocket import ConnectionClosed

from . import fastjson, protocol
from .broker import make_broker
from .commits import Outcome
from .database import StorageError
from .delivery import SENDER, Customers, One, QueueWatchers, Reply, Send, SessionReps, ack, send
from .delivery import Rep as RepAddress
from .details import OUTCOME_NAMES
from .hub import Connection, CustomerConnection, Hub, LiveSession, RepConnection, ended
from .i18n import N_, _
from .keys import SessionKeys
from .metrics import Metrics
from .notes import english, note, with_outcome
from .prefs import PrefsError
from .protocol import AUDIENCE_ALL, AUDIENCE_REPS, ProtocolError
from .quotas import Quotas
from .routing import Routing
from .screen import Screens
from .signins import SignIns
from .store import Event, Page, Participant, Refused, Rep, Session, Store, now_ms
from .team import Team
from .throttle import Throttle, wait_text
from .webhook import Webhooks
from .wire import ADMIT_BACKLOG, Admission, held

log = logging.getLogger(__name__)

# A session's events on their way to disk at most (``Relay._record``): past that, the handler waits, so it reads no
# more of its client's frames, and a client that sends faster than the server stores is held back by its socket.
IN_FLIGHT = 32


def event_view(event: Event, for_rep: bool) -> dict:
    """Return the fields of ``event`` that a rep, or a customer, is sent.

    A customer gets the public wording, no rep ids and none of the rep-only extras.
    """
    author: dict[str, object] = {"kind": event.author_kind, "name": event.author_name}
    view: dict[str, object] = {"session": event.session_id, "seq": event.seq, "id": event.id, "kind": event.kind,
                               "at": event.at}
    said = event.meta.get("public_note" if not for_rep and "public_note" in event.meta else "note")
    if said is not None:  # a status note: each reader renders it in their language
        view["note"] = said
    if not for_rep:
        return view | {"text": event.public_text or event.text, "author": author}
    if event.author_id is not None:
        author["id"] = event.author_id
    return view | {"text": event.text, "author": author, "meta": event.meta}


def rep_summary(session: Session) -> dict:
    """Return what a rep's console shows about a session (with the customer's survey answer, once there is one)."""
    rated = {"rating": session.rating, "comment": session.comment} if session.rating is not None else {}
    return {
        "id": session.id, "customer": session.customer_name, "issue": session.issue,
        "portal": session.portal_name, "status": session.status, "created_at": session.created_at,
        "accepted_at": session.accepted_at, "ended_at": session.ended_at, "outcome": session.outcome,
        "details": session.details, **rated,
    }


def customer_summary(session: Session, reps: list[str], preview: bool = False) -> dict:
    """Return what the customer's window is told about its own session: ``helping``, the names of the reps it may see
    helping (never a hidden one); whether its portal asks the survey after the end, and the answer given; whether
    the page sends what is typed for the reps' live preview."""
    return {"id": session.id, "status": session.status, "customer": session.customer_name,
            "ended": session.status == "ended", "helping": reps, "survey": session.survey, "rating": session.rating,
            "comment": session.comment, "preview": preview}


Handler = TypeVar("Handler")


def handler_table(frames: Mapping[str, object], *parts: Mapping[str, Handler]) -> dict[str, Handler]:
    """Join the handlers of the relay and its parts into one table: one handler for each frame type, no more.

    A frame type the protocol defines but nobody handles stops the server as it
    starts, rather than the first person who sends one.
    """
    table: dict[str, Handler] = {}
    for part in parts:
        twice = table.keys() & part.keys()
        if twice:
            raise RuntimeError(f"two handlers for the frame types {sorted(twice)}")
        table |= part
    if table.keys() != frames.keys():
        raise RuntimeError(f"frame types without a handler: {sorted(frames.keys() - table.keys())}; "
                           f"handlers without a frame type: {sorted(table.keys() - frames.keys())}")
    return table


class Relay:
    """Route the frames of one server's connections, with ``Team``, ``Screens`` and ``SessionKeys`` handling theirs.

    The relay is what its parts rely on (``hub.Relaying``): the checks on a
    frame's session, and the one path every change takes.
    """

    def __init__(self, store: Store, config: dict | None = None) -> None:
        config = config or {}
        protocol.use_json(fastjson.dumps, fastjson.loads)  # the same frames as the standard library's, faster
        self.store = store
        self.queue_timeout_s = config.get("QUEUE_TIMEOUT_S", 30 * 60)
        self.gone_after_s = config.get("CUSTOMER_GONE_S", 20)
        self.waiting_messages = config.get("WAITING_MESSAGES", 20)
        self.page_events = config.get("HISTORY_PAGE_EVENTS", 200)
        self.page_chars = config.get("HISTORY_PAGE_CHARS", 64 * 1024)
        self.pipelined = bool(config.get("PIPELINED", True))
        # Clients' events taken and not yet answered: past its budget, no socket is read until some are.
        self.admission = Admission(int(config.get("ADMIT_BACKLOG", ADMIT_BACKLOG)))
        self.sign_ins = SignIns(store.db, config.get("SIGN_IN_LIFETIME_S", 12 * 3600),
                                config.get("SIGN_IN_IDLE_S", 2 * 3600))
        self.metrics = Metrics()
        self.broker = make_broker(config)
        if self.broker is not None:  # several nodes write: what this one read may have changed since
            store.keep = False
            if config.get("THROTTLE_STORAGE", "memory://") == "memory://":  # the counters are shared too
                config = {**config, "THROTTLE_STORAGE": self.broker.url}
        self.hub = Hub(store, self.metrics, self.broker)
        self.hub.render = lambda event, for_rep: protocol.encode("event", **event_view(event, for_rep), live=True)
        store.commits.on_batch = self.metrics.commit_batch.observe
        store.commits.answering = self._answering
        self.team = Team(store, self.hub, self)
        self.screens = Screens(store, self.hub, self)
        self.throttle = Throttle(config)
        self.quotas = Quotas(store.db, config)
        self.quotas.keep = self.broker is None
        self.keys = SessionKeys(store, self.hub, self, self.throttle, config.get("KEY_LIFETIME_S", 20 * 60),
                                config.get("MAX_KEYS_PER_REP", 5))
        # Each waiting session's place in the queue, as its customer was last told (with a broker: in Redis,
        # and the queue's diff is taken under a lock every node shares).
        self._places = {session.id: place for place, session in enumerate(store.waiting_sessions(), start=1)}
        self._queue_lock = threading.RLock()
        self.metrics.watch(lambda: (self.hub.connection_counts(), len(self._shared_places())))
        self.routing = Routing(store, self.hub, self)
        self.routing.bind(self._opened, self._queue_changed)
        self.webhooks = Webhooks(store, config)
        self._rep_handlers = handler_table(protocol.REP_FRAMES, {
            "hello": self._rep_hello, "say": self._rep_say, "note": self._rep_note, "push-url": self._rep_push_url,
            "prefs": self._rep_prefs, "accept": self._rep_accept, "end": self._rep_end, "history": self._rep_history,
            "typing": self._rep_typing,
        }, self.team.handlers(), self.screens.rep_handlers(), self.keys.rep_handlers(), self.routing.handlers())
        self._customer_handlers = handler_table(protocol.CUSTOMER_FRAMES, {
            "request": self._customer_request, "hello": self._customer_hello, "say": self._customer_say,
            "history": self._customer_history, "typing": self._customer_typing, "rate": self._customer_rate,
        }, self.screens.customer_handlers())

    @contextmanager
    def _answering(self) -> Iterator[None]:
        """Around the answers to a group commit's events: they are delivered together as it ends (each session's
        reps looked up once), and each connection's frames of them go out in one write."""
        with held(), self.hub.batched():
            yield

    # --- connection life --------------------------------------------------

    def serve(self, conn: RepConnection | CustomerConnection) -> None:
        """Run one connection until it closes."""
        if isinstance(conn, RepConnection):
            self.hub.open_rep(conn)
        try:
            while True:
                frame = conn.ws.receive()
                if frame is not None:
                    self.handle(conn, frame)
        except ConnectionClosed:
            pass
        finally:
            self._forget(conn)

    def handle(self, conn: RepConnection | CustomerConnection, frame: str | bytes) -> None:
        """Act on one frame; a refused frame gets an error, never a crash."""
        message: dict = {}
        started = time.perf_counter()
        try:
            if isinstance(conn, CustomerConnection) and isinstance(frame, bytes) and conn.session_id is not None:
                self.metrics.frames_in.labels(conn.role, "screen-image").inc()
                return self.screens.image(conn.session_id, frame)
            message = protocol.decode(frame, conn.role)
            self.metrics.frames_in.labels(conn.role, message["type"]).inc()
            if message["type"] not in ("history", "typing"):  # history: each one is answered by one page; typing
                self._keep_pace(conn, message)                # is paced apart (``_typing_paced``)
            conn.answering = (message["type"], started)  # taken by ``_record`` when it answers later
            if isinstance(conn, RepConnection):
                self._rep_seen(conn)
                reply = self._rep_handlers[message["type"]](conn, message)
            else:
                reply = self._customer_handlers[message["type"]](conn, message)
            if reply:
                self.hub.deliver(reply, sender=conn)
            if conn.answering is not None:
                self.metrics.answer_seconds.labels(message["type"]).observe(time.perf_counter() - started)
        except ProtocolError as exc:
            if exc.id is None and isinstance(message.get("id"), str):  # refused further in, e.g. as the session ended
                exc.id = message["id"]
            self._refuse(conn, exc)
        except StorageError as exc:  # not now: the frame's sender keeps it and sends it again
            frame_id = message.get("id") if isinstance(message.get("id"), str) else None
            log.warning("storage refused a %s frame: %s", conn.role, exc.__cause__)
            self._refuse(conn, ProtocolError("storage", str(exc), frame_id))
        except Exception:  # a bug must cost one frame, not the connection
            log.exception("frame from %s failed", conn.role)
            self._refuse(conn, ProtocolError("server", _("The server could not handle that. Try again."),
                                             message.get("id")))

    def _refuse(self, conn: Connection, error: ProtocolError) -> None:
        self.metrics.errors.labels(error.code).inc()
        self.hub.deliver([Send(SENDER, protocol.error_frame(error))], sender=conn)

    def _keep_pace(self, conn: RepConnection | CustomerConnection, message: dict) -> None:
        """Refuse a frame from a page or a rep that sends faster than a person does (a burst, then a pace).

        Counted per rep across their devices, per customer page otherwise, and a
        ``hello`` per socket; the refused frame changes nothing, and the
        connection stays up.
        """
        sender = f"rep:{conn.rep.id}" if isinstance(conn, RepConnection) else f"page:{conn.tag}"
        if message["type"] == "hello":  # per socket: a rep's reconnecting device is never refused its hello
            sender = f"hello:{conn.tag}"
        wait = self.throttle.frame_wait(sender)
        if wait:
            self.metrics.rate_limited.labels(conn.role).inc()
            raise ProtocolError("rate-limited", _("You are sending faster than we can take: wait %(wait)s, then try "
                                                  "again.", wait=wait_text(wait)),
                                message.get("id") if isinstance(message.get("id"), str) else None)

    def _rep_seen(self, conn: RepConnection) -> None:
        """Count a frame from a rep's console as a use of their sign-in, written at most once a minute."""
        now = time.monotonic()
        if (now - conn.seen_at) * 1000 >= self.sign_ins.touch_every_ms:
            conn.seen_at = now
            self.sign_ins.touch(conn.sign_in)

    def sign_out(self, sign_in_id: str) -> None:
        """End a sign-in (the rep signed out) and close its sockets now."""
        key = self.sign_ins.end(sign_in_id)
        self._close_sockets([conn for conn in self.hub.rep_sockets() if conn.sign_in == key])

    def reps_changed(self) -> None:
        """A rep was disabled, enabled or given a new password: close the sockets of the sign-ins that ended, at
        once, and tell the consoles the team."""
        self._close_lapsed_sign_ins()
        self.routing.team_changed()

    def _close_lapsed_sign_ins(self) -> None:
        """Close the sockets whose sign-in ended some other way: expired, or its rep disabled or given a new
        password (from the command line, another process)."""
        sockets = self.hub.rep_sockets()
        live = self.sign_ins.live({conn.sign_in for conn in sockets})
        self._close_sockets([conn for conn in sockets if conn.sign_in not in live])

    def _close_sockets(self, sockets: list[RepConnection]) -> None:
        """Close rep sockets whose sign-in ended; the console then finds it signed out."""
        for conn in sockets:  # all of them forgotten before the team hears: nothing is sent to a socket closing
            self._forget(conn, tell_team=False)  # at once: a socket whose close is never answered gets nothing more
        for conn in sockets:
            conn.close(protocol.SIGNED_OUT, "Signed out")
        if sockets:
            self.routing.team_changed()

    def _forget(self, conn: RepConnection | CustomerConnection, tell_team: bool = True) -> None:
        if isinstance(conn, RepConnection):
            self.screens.forget(conn)
            self.hub.remove_rep(conn)
            if tell_team:
                self.routing.team_changed()
        else:
            self.hub.remove_customer(conn)

    # --- customers --------------------------------------------------------

    def _customer_request(self, conn: CustomerConnection, message: dict) -> Reply:
        if conn.session_id is not None:
            raise ProtocolError("already-joined", _("You are already in a support session."), message["id"])
        if not self.store.request_known(message["id"]):  # a resend after a lost reply is no new request
            wait = self.throttle.request_wait(conn.address)
            if wait:
                raise ProtocolError("rate-limited", _("Too many requests for help come from your network: wait "
                                                      "%(wait)s, then try again.", wait=wait_text(wait)), message["id"])
        try:
            with self.keys.attempt(conn, message["id"]) if message["key"] else nullcontext():
                session = self.store.create_session(
                    message["id"], message["token"], message["portal"], message["name"],
                    message["issue"], message["details"], message["key"],
                )
        except Refused as exc:
            raise ProtocolError("refused", str(exc), message["id"]) from None
        self._join_customer(conn, session, since=0)
        self.hub.deliver([ack(message["id"], session=session.id)], sender=conn)
        # Status ids derive from the request id, so a resent request adds nothing twice.
        if session.status == "waiting":
            # A resent request: the queue does not change, this page is told.
            queued = session.id in self._shared_places()
            self.status(session, f"asked-{message['id']}", note("asked", customer=session.customer_name))
            if queued or not self.routing.consider(session, message["id"]):  # routed: it never joins the queue
                self._queue_changed()
            if queued:
                self._tell_place(conn, session.id)
        elif session.status == "active" and session.owner_rep_id is not None and message["key"]:
            self.status(session, f"asked-{message['id']}", note("keyed", customer=session.customer_name))
            self._opened(session, self.store.rep(session.owner_rep_id), f"keyed-{message['id']}")
            self.keys.changed(session.owner_rep_id)
        return []

    def _customer_hello(self, conn: CustomerConnection, message: dict) -> None:
        session = self.store.session_for_token(message["token"])
        if session is None:
            raise ProtocolError("bad-token", _("This support session link is not valid any more."))
        self._join_customer(conn, session, since=message["since"])
        self._tell_place(conn, session.id)

    def _join_customer(self, conn: CustomerConnection, session: Session, since: int) -> None:
        """Welcome a customer's page, then send it the first page of its log after ``since``: it asks for the
        next one, and gets live events once it has caught up."""
        conn.session_id = session.id
        with self.hub.locked(session.id) as live:
            if live is None:  # ended: the page still reads its log, and joins nothing
                session, came_back = self.store.session(session.id), False
            else:
                conn.behind.add(session.id)
                came_back = self.hub.add_customer(live, conn)
            self.hub.deliver([send(One(conn), "welcome", role="customer", session=self.customer_view(session),
                                   screen=self.screens.welcome_view(session.id))])
        self._send_page(conn, session.id, None, after=since)
        if came_back and session.status == "active":
            self.status(session, f"back-{secrets.token_urlsafe(9)}", note("back", customer=session.customer_name))

    def _customer_history(self, conn: CustomerConnection, message: dict) -> None:
        if conn.session_id is None:
            raise ProtocolError("not-joined", _("Say hello or ask for help first."))
        self._send_page(conn, conn.session_id, message["page"], after=message["after"])

    def _rep_history(self, conn: RepConnection, message: dict) -> None:
        """Send a page of a session's log to a rep in it, ended or not: the next one after ``after``, or the one
        before ``before``, or the newest."""
        session_id, after, before = message["session"], message["after"], message["before"]
        if after is not None and before is not None:
            raise ProtocolError("bad-field", _("Ask for the page after a sequence number, or before one: not both."))
        if not self.store.is_participant(session_id, conn.rep.id):
            raise ProtocolError("bad-session", _("You are not in that session."))
        self._send_page(conn, session_id, message["page"], after=after, before=before)

    def _send_page(self, conn: RepConnection | CustomerConnection, session_id: int, page_id: str | None,
                   after: int | None = None, before: int | None = None) -> None:
        """Send one page of a session's log, then a ``page`` frame that ends it.

        Read and sent without the session's lock, but for the last page of a
        connection catching up: that one goes under the lock, and live events
        follow it from then on, so they come after it, in order, each once.
        """
        rep_id = conn.rep.id if isinstance(conn, RepConnection) else None
        page = self.store.events_page(session_id, after, before, rep_id, self.page_events, self.page_chars)
        if after is None or page.more:
            return self._page_out(conn, session_id, page_id, page, after, before)
        with self.hub.locked(session_id):
            page = self.store.events_page(session_id, after, None, rep_id, self.page_events, self.page_chars)
            self._page_out(conn, session_id, page_id, page, after, None)
            if not page.more:
                self.hub.caught_up(conn, session_id, page.last)

    def _page_out(self, conn: RepConnection | CustomerConnection, session_id: int, page_id: str | None, page: Page,
                  after: int | None, before: int | None) -> None:
        for_rep = isinstance(conn, RepConnection)
        asked = {"after": after} if after is not None else {"before": before}
        self.hub.deliver([Send(One(conn), protocol.encode("event", **event_view(event, for_rep=for_rep)), event)
                          for event in page.events]
                         + [send(One(conn), "page", session=session_id, page=page_id, **asked, first=page.first,
                                 last=page.last, more=page.more)])

    def _customer_say(self, conn: CustomerConnection, message: dict) -> None:
        session = self.customer_session(conn, message["id"])
        if session.status == "waiting":  # what it wrote is counted from the store: let what is on its way get there
            self.hub.settle(session.id)
        if (session.status == "waiting" and not self.store.has_event(session.id, message["id"])
                and self.store.customer_messages(session.id) >= self.waiting_messages):
            raise ProtocolError("quota", _("You can write more once a representative has joined you: they will "
                                           "read everything you wrote so far."), message["id"])
        self.quotas.take_text(session.id, message["id"], message["text"])
        self._record(
            conn, session, message["id"], protocol.MESSAGE, message["text"],
            author_kind="customer", author_name=session.customer_name,
        )

    def _customer_rate(self, conn: CustomerConnection, message: dict) -> Reply:
        """Keep the customer's answer to the survey after the end; the session's reps see it in its details."""
        if conn.session_id is None:
            raise ProtocolError("not-joined", "Say hello or ask for help first.", message["id"])
        session = self.store.session(conn.session_id)
        if session.status != "ended":
            raise ProtocolError("not-ended", _("You can rate the chat once it has ended."), message["id"])
        if not session.survey:
            raise ProtocolError("no-survey", _("This help page does not ask for feedback."), message["id"])
        self.store.rate(session.id, message["rating"], message["comment"] or "")
        self.session_changed(session.id)  # its reps; the ended session's pages are no longer the hub's to reach
        rated = self.store.session(session.id)
        return [send(SENDER, "session", session=self.customer_view(rated)), ack(message["id"], session=session.id)]

    def _typing_paced(self, sender: str, message: dict) -> bool:
        """Tell whether a typing frame may go: paced in buckets of its own, so it never costs a message its turn.
        One past the pace is dropped (the next says the same); refused aloud only if it carried an id."""
        wait = self.throttle.typing_wait(sender)
        if wait and "id" in message:
            raise ProtocolError("rate-limited", _("You are sending faster than we can take: wait %(wait)s, then try "
                                                  "again.", wait=wait_text(wait)), message["id"])
        return not wait

    @staticmethod
    def _typing_answer(message: dict) -> Reply:
        """A typing frame is not acknowledged; one that carries an id anyway gets an ack naming it."""
        return [ack(message["id"])] if "id" in message else []

    def _customer_typing(self, conn: CustomerConnection, message: dict) -> Reply:
        """Tell the session's reps the customer is typing, or stopped; with the unsent text only where the team
        turned the live preview on.  Never stored."""
        if conn.session_id is None:
            raise ProtocolError("not-joined", "Say hello or ask for help first.", message.get("id"))
        if not self._typing_paced(f"page:{conn.tag}", message):
            return []
        session = self.store.session(conn.session_id)
        if session.status == "ended":
            return self._typing_answer(message)
        preview = {"text": message["text"]} if (message["typing"] and message["text"]
                                               and self.store.setting("typing_preview") == "1") else {}
        return [send(SessionReps(session.id), "typing", session=session.id, name=session.customer_name,
                     typing=message["typing"], **preview)] + self._typing_answer(message)

    def _rep_typing(self, conn: RepConnection, message: dict) -> Reply:
        """Tell the session's other reps a rep is typing, or stopped, and its customer too when it is for everyone,
        but never of a hidden or monitoring rep.  Never stored."""
        session = self.store.get_session(message["session"])
        me = self.store.participant(session.id, conn.rep.id) if session is not None else None
        if session is None or me is None:
            raise ProtocolError("bad-session", "You are not in that session.", message.get("id"))
        if session.status == "ended":
            return self._typing_answer(message)
        if not self._typing_paced(f"rep:{conn.rep.id}", message):
            return []
        name, typing = conn.rep.display_name, message["typing"]
        sends = [Send(SessionReps(session.id), protocol.encode("typing", session=session.id, name=name,
                                                               typing=typing, rep=conn.rep.id), skip=conn)]
        if message["everyone"] and not me.hidden and me.role != "monitor":
            sends.append(send(Customers(session.id), "typing", name=name, typing=typing))
        return sends + self._typing_answer(message)

    def customer_session(self, conn: CustomerConnection, frame_id: str) -> Session:
        """Return the customer's session while it has not ended; refuse otherwise."""
        if conn.session_id is None:
            raise ProtocolError("not-joined", _("Say hello or ask for help first."), frame_id)
        session = self.store.session(conn.session_id)
        if session.status == "ended":
            raise ended(frame_id)
        return session

    # --- reps -------------------------------------------------------------

    def _rep_hello(self, conn: RepConnection, message: dict) -> None:
        rep = conn.rep
        sessions = self.store.rep_sessions(rep.id)
        since = {session.id: message["since"][session.id] for session in sessions if session.id in message["since"]}
        conn.behind |= since.keys()  # the sessions it had read: they catch up a page at a time, the rest on demand
        self.hub.add_rep(conn)
        self.hub.deliver([send(
            One(conn), "welcome", role="rep",
            me={"id": rep.id, "name": rep.display_name, "admin": rep.is_admin},
            sessions=[self.rep_view(session) for session in sessions],
            queue=self._queue_view(),
            **self.keys.view(rep.id),
            invites=[self.team.invite_view(session_id, by) for session_id, by in self.store.invites_for(rep.id)],
            invite_hidden=self.store.setting("invite_hidden") == "1",
            prefs=self.store.prefs(rep.id),
            max_sessions=self.max_sessions(),
        )])
        self.routing.welcome(conn)
        for session in sessions:
            self.screens.send_latest(conn, session.id)
        for session_id, seq in since.items():
            self._send_page(conn, session_id, None, after=seq)
        self.routing.assign_waiting()

    def rep_view(self, session: Session) -> dict:
        """Return a session's summary for reps, with who is in it."""
        participants = [{"id": p.rep_id, "name": p.name, "role": p.role, "hidden": p.hidden}
                        for p in self.store.participants(session.id)]
        online = self.hub.customer_online(session.id)
        replied_at, waiting_at = self.store.reply_times(session.id)
        return rep_summary(session) | {"participants": participants, "owner": session.owner_rep_id,
                                       "customer_online": online, "sharing": self.screens.sharing(session.id),
                                       "replied_at": replied_at, "waiting_at": waiting_at}

    def customer_view(self, session: Session) -> dict:
        """Return a session's summary for its customer: with the reps they may see helping, never a hidden one."""
        reps = [p.name for p in self.store.participants(session.id) if not p.hidden and p.role != "monitor"]
        return customer_summary(session, reps, self.store.setting("typing_preview") == "1")

    def session_changed(self, session_id: int) -> None:
        """Send a session's fresh summary to everyone in it."""
        session = self.store.session(session_id)
        self.hub.deliver([send(Customers(session.id), "session", session=self.customer_view(session)),
                          send(SessionReps(session.id), "session", session=self.rep_view(session))])

    def _rep_say(self, conn: RepConnection, message: dict) -> None:
        session = self.rep_session(conn, message["session"], message["id"])
        me = self.acting(conn, session, message["id"], N_("write in it"))
        to: str | int = message["to"] or "all"
        kind, audience = protocol.MESSAGE, AUDIENCE_ALL
        meta: dict[str, object] = {}
        if to == "all" and me.hidden:
            raise ProtocolError("hidden", _("You are hidden from the customer: show yourself first, or send to "
                                            "representatives only."), message["id"])
        if to == "reps":
            kind, audience, meta = protocol.PRIVATE, AUDIENCE_REPS, {"to": N_("All representatives")}
        elif isinstance(to, int):
            target = self.store.participant(session.id, to)
            if target is None or to == conn.rep.id:
                raise ProtocolError("bad-recipient", _("That representative is not in this session."), message["id"])
            kind, audience, meta = protocol.PRIVATE, f"rep:{to}", {"to": target.name, "to_id": to}
        self.quotas.take_text(session.id, message["id"], message["text"])
        self._record(
            conn, session, message["id"], kind, message["text"], author_kind="rep",
            author_name=conn.rep.display_name, author_id=conn.rep.id, audience=audience, meta=meta,
        )

    def _rep_push_url(self, conn: RepConnection, message: dict) -> None:
        """Open a web page in the customer's browser; both logs keep it as a link."""
        session = self.rep_session(conn, message["session"], message["id"])
        if self.acting(conn, session, message["id"], N_("send pages to the customer")).hidden:
            raise ProtocolError("hidden", _("You are hidden from the customer: show yourself before sending a page."),
                                message["id"])
        self._record(conn, session, message["id"], protocol.URL, message["url"], author_kind="rep",
                     author_name=conn.rep.display_name, author_id=conn.rep.id)

    def _rep_prefs(self, conn: RepConnection, message: dict) -> Reply:
        """Keep a rep's chat preferences and apply them on every device they are signed in on."""
        try:
            kept = self.store.set_prefs(conn.rep.id, message["prefs"])
        except PrefsError as exc:
            raise ProtocolError("bad-prefs", str(exc), message["id"]) from None
        return [send(RepAddress(conn.rep.id), "prefs", prefs=kept), ack(message["id"])]

    def file_sent(self, session: Session, file_id: str, name: str, size: int, author_kind: str, author_name: str,
                  author_id: int | None) -> None:
        """Log a file someone sent: an entry both sides see, whose id names the file to download."""
        said = note("file", name=name, size=str(size))
        self._record(None, session, f"file-{file_id}", protocol.FILE, english(said), author_kind, author_name,
                     author_id, meta={"note": said})

    def _rep_note(self, conn: RepConnection, message: dict) -> None:
        """Write a session note: the session's reps read it; the customer never does."""
        session = self.rep_session(conn, message["session"], message["id"])
        self.acting(conn, session, message["id"], N_("write notes in it"))
        self.quotas.take_text(session.id, message["id"], message["text"])
        self._record(conn, session, message["id"], protocol.NOTE, message["text"], author_kind="rep",
                     author_name=conn.rep.display_name, author_id=conn.rep.id, audience=AUDIENCE_REPS)

    def rep_session(self, conn: RepConnection, session_id: int, frame_id: str) -> Session:
        """Return a session the rep takes part in, refusing every other id alike."""
        session = self.store.get_session(session_id)
        if session is None or not self.store.is_participant(session_id, conn.rep.id):
            raise ProtocolError("bad-session", _("You are not in that session."), frame_id)
        if session.status == "ended":
            raise ended(frame_id)
        return session

    def participant(self, conn: RepConnection, session: Session, frame_id: str) -> Participant:
        """Return the rep's place in a session they take part in."""
        me = self.store.participant(session.id, conn.rep.id)
        if me is None:  # they left since ``rep_session`` looked
            raise ProtocolError("bad-session", _("You are not in that session."), frame_id)
        return me

    def acting(self, conn: RepConnection, session: Session, frame_id: str, doing: str) -> Participant:
        """Return the rep's place in a session, refusing a monitoring admin: they read, they do not ``doing``."""
        me = self.participant(conn, session, frame_id)
        if me.role == "monitor":
            raise ProtocolError("monitoring", _("You are monitoring this session: you can read it, not %(doing)s.",
                                                doing=_(doing)),
                                frame_id)
        return me

    def max_sessions(self) -> int:
        """Return how many sessions a rep may hold at once (0: no cap), as an admin set it."""
        return int(self.store.setting("max_sessions", "0") or 0)

    def check_capacity(self, rep: Rep, frame_id: str) -> None:
        """Refuse a rep who holds as many sessions as the team allows."""
        cap = self.max_sessions()
        if cap and len(self.store.rep_sessions(rep.id)) >= cap:
            raise ProtocolError("at-capacity", _("You already hold %(cap)s sessions, the most your team allows at "
                                                 "once. End one first.", cap=cap), frame_id)

    def _rep_accept(self, conn: RepConnection, message: dict) -> Reply:
        rep, session_id = conn.rep, message["session"]
        session = self.store.get_session(session_id)
        if session is None or session.status == "ended":
            raise ProtocolError("taken", _("That customer is no longer waiting."), message["id"])
        if session.owner_rep_id != rep.id:
            self.check_capacity(rep, message["id"])
        if self.store.accept(session_id, rep):
            self._opened(self.store.session(session_id), rep, f"accept-{message['id']}")
            self._queue_changed()
        elif self.store.session(session_id).owner_rep_id != rep.id:  # not a resend of our own accept
            raise ProtocolError("taken", f"{session.customer_name} was already accepted by another representative.",
                                message["id"])
        return [ack(message["id"], session=session_id)]

    def open_for(self, session: Session, rep_id: int, comment: str = "") -> None:
        """Open a session on a rep's console by itself; its history loads as the rep reads it.

        Under the session's lock, so that every event the console may have
        missed before it knew the session is in the history it asks for.
        """
        with self.hub.locked(session.id):
            self.hub.deliver([send(RepAddress(rep_id), "opened", session=self.rep_view(session), comment=comment)])
            for rep_conn in self.hub.rep_conns(rep_id):
                self.screens.send_latest(rep_conn, session.id)

    def _opened(self, session: Session, rep: Rep, note_id: str) -> None:
        """Show a session that just became ``rep``'s: open it on their console by itself."""
        self.open_for(session, rep.id)
        self.session_changed(session.id)
        self.status(session, note_id, note("joined", name=rep.display_name))
        greeting = self.store.setting("team_greeting")
        if greeting:
            text = greeting.replace("{customer}", session.customer_name).replace("{rep}", rep.display_name)
            self._record(None, session, f"greeting-{session.id}", protocol.MESSAGE, text[: protocol.MAX_TEXT],
                         "rep", rep.display_name, rep.id)

    def _rep_end(self, conn: RepConnection, message: dict) -> Reply:
        session = self.rep_session(conn, message["session"], message["id"])
        hidden = self.acting(conn, session, message["id"], N_("end it")).hidden
        self.end(session, message["outcome"], note("ended", name=conn.rep.display_name), message["id"],
                 public_why=note("ended-by-rep") if hidden else None)
        return [ack(message["id"], session=session.id)]

    def end(self, session: Session, outcome: str, why: dict, note_id: str, public_why: dict | None = None) -> None:
        """End a session with an outcome, tell everyone in it, then let go of its live state.

        ``public_why``, when given, is what the customer reads instead of ``why``.
        """
        with self.hub.locked(session.id) as live:
            if live is None:
                return
            if outcome not in OUTCOME_NAMES:
                raise KeyError(outcome)
            self.status(session, f"end-{note_id}", with_outcome(why, outcome),
                        public=with_outcome(public_why, outcome) if public_why else None)
            ended_now = self.store.end_session(session.id, outcome)
            live.ended = True
        self.session_changed(session.id)
        self.hub.drop(session.id)
        if self.broker is not None:
            self.broker.delete(f"screen:{session.id}", f"screen:{session.id}:latest", f"gone:{session.id}")
        if ended_now:
            self.webhooks.session_ended(session.id)
            if session.status == "active":  # a rep has room again
                self.routing.assign_waiting()

    # --- the one path every event takes -------------------------------------

    def status(self, session: Session, event_id: str, said: dict, audience: str = AUDIENCE_ALL,
               public: dict | None = None) -> None:
        """Write a status note (``notes.note``: a code and its parameters) into a session's log and show it to
        those who may see it, each in their language.

        ``public``, when given, is what the customer reads instead.  The English wording is kept in ``text``
        (and ``public_text``) for search and for a reader that knows no codes.
        """
        meta = {"note": said} | ({"public_note": public} if public else {})
        self._record(None, session, event_id, protocol.STATUS, english(said), "system", "Relaydesk",
                     audience=audience, public_text=english(public) if public else None, meta=meta)

    def _record(
        self, sender: Connection | None, session: Session, event_id: str, kind: str, text: str,
        author_kind: str, author_name: str, author_id: int | None = None, audience: str = AUDIENCE_ALL,
        public_text: str | None = None, meta: dict | None = None,
    ) -> None:
        """Persist, acknowledge, then fan out one event; refuse it once the session has ended.

        A client's event (``sender``) is answered, acked and fanned out, once on
        disk, without its handler waiting (``PIPELINED``): the client's next
        frame is read meanwhile, so one client's messages are not one commit
        apart.  Each session's events still go out in order, each after the
        one before, and whatever else holds the session's lock waits for them.
        """
        args = (session.id, event_id, kind, text, author_kind, author_name, author_id, audience, public_text, meta)
        if sender is not None and self.pipelined:
            live = self.hub.live(session.id)  # as ``hub.locked(settle=False)``, without a generator for each message
            if live is None:
                raise ended()
            with live.lock:
                while live.in_flight >= IN_FLIGHT:  # a client outrunning the disk waits here
                    live.fewer.clear()
                    live.fewer.wait()
                if live.ended:
                    raise ended()
                live.in_flight += 1
                live.settled.clear()
                self.admission.take()
                answering, sender.answering = sender.answering, None
                self.store.append_event_then(self._stored_then(sender, live, event_id, answering), *args)
            return
        with self.hub.locked(session.id) as live:
            if live is None:
                raise ended()
            event, _new = self.store.append_event(*args)
            sends = [] if sender is None else [ack(event_id, session=session.id, seq=event.seq, at=event.at)]
            self.hub.deliver(sends + self._fan_out(event, skip=sender), sender=sender)

    def _stored_then(self, sender: Connection, live: LiveSession, event_id: str,
                     answering: tuple[str, float] | None) -> Callable[[Outcome], None]:
        """Return what answers a client's event once the store has it: its ack and its fan-out, or its error."""

        def answer(outcome: Outcome) -> None:
            try:
                if isinstance(outcome, StorageError):
                    log.warning("storage refused a %s frame: %s", sender.role, outcome.__cause__)
                    self._refuse(sender, ProtocolError("storage", str(outcome), event_id))
                elif isinstance(outcome, BaseException):
                    log.error("storing a %s frame failed", sender.role, exc_info=outcome)
                    self._refuse(sender, ProtocolError("server", "The server could not handle that. Try again.",
                                                       event_id))
                else:
                    event, _new = outcome
                    self.hub.deliver([ack(event_id, session=event.session_id, seq=event.seq, at=event.at)]
                                     + self._fan_out(event, skip=sender), sender=sender)
                if answering is not None:
                    self.metrics.answer_seconds.labels(answering[0]).observe(time.perf_counter() - answering[1])
            finally:
                self.admission.done()
                live.in_flight -= 1
                live.fewer.set()
                if not live.in_flight:
                    live.settled.set()

        return answer

    def _fan_out(self, event: Event, skip: Connection | None) -> list[Send]:
        """Return an event for every connection whose person may see it, and no other; live: as it happens, not
        replayed (a pushed URL opens only now).  The customer's wording is encoded only when a page of theirs
        other than its sender is there to take it (a customer's own message: none, most of the time)."""
        sends = [Send(SessionReps(event.session_id), protocol.encode("event", **event_view(event, for_rep=True),
                                                                     live=True), event, skip, live=True)]
        if event.visible_to_customer() and (self.broker is not None or any(
                conn is not skip for conn in self.hub.customer_conns(event.session_id))):
            sends.append(Send(Customers(event.session_id), protocol.encode("event", **event_view(event, for_rep=False),
                                                                           live=True), event, skip, live=True))
        return sends

    # --- the queue ----------------------------------------------------------

    def _queue_view(self) -> list[dict]:
        """Return the whole queue, as a rep's console is welcomed with it."""
        with self._queue_lock:
            return [rep_summary(session) for session in self.store.waiting_sessions()]

    def _queue_changed(self) -> None:
        """Tell the reps what joined and left the queue since they were last told, and each waiting customer whose
        place moved their new place; nobody else hears anything.

        The whole queue goes to a rep once, in ``welcome``: a change costs a rep
        the summaries that joined and the ids that left, not the whole list again.
        """
        with self._queue_lock, self._queue_shared():  # diffed and sent in turn, so no rep hears of a change
            waiting = self.store.waiting_sessions()                     # before the one it follows
            places = {session.id: place for place, session in enumerate(waiting, start=1)}
            before, self._places = self._shared_places(), places
            if self.broker is not None:
                self.broker.set_json("places", list(places.items()))
            left = [session_id for session_id in before if session_id not in places]
            joined = [rep_summary(session) for session in waiting if session.id not in before]
            moved = [(session_id, place) for session_id, place in places.items() if before.get(session_id) != place]
            sends = [send(QueueWatchers(), "queue", joined=joined, left=left)] if joined or left else []
            self.hub.deliver(sends + [send(Customers(session_id), "position", position=place)
                                      for session_id, place in moved])

    def _queue_shared(self) -> AbstractContextManager:
        """Hold the queue's lock every node shares (with a broker; else nothing more than ``_queue_lock``)."""
        return self.broker.locked("queue") if self.broker is not None else nullcontext()

    def _shared_places(self) -> dict[int, int]:
        """Return each waiting session's place as its customer was last told, by whichever node told it."""
        if self.broker is None:
            return self._places
        return {int(session_id): place for session_id, place in self.broker.get_json("places", [])}

    def _tell_place(self, conn: CustomerConnection, session_id: int) -> None:
        """Tell a customer's page that (re)joined its session its place in the queue, if it waits in it."""
        with self._queue_lock:
            place = self._shared_places().get(session_id)
            if place is not None:
                self.hub.deliver([send(One(conn), "position", position=place)])

    # --- housekeeping -------------------------------------------------------

    def sweep(self) -> None:
        """Time out the queue, notice customers who left (a closed tab sends nothing), and close the sockets of
        sign-ins that ended.  With a broker, each node closes its own sockets, and one node at a time (whichever
        takes the lock) sweeps the sessions."""
        self._close_lapsed_sign_ins()
        if self.broker is None:
            return self._sweep_sessions()
        lock = self.broker.try_lock("sweep")
        if lock is None:  # another node sweeps now
            return None
        try:
            self.routing.team_changed()  # reps of a node that died (its keys expired) go offline everywhere
            return self._sweep_sessions()
        finally:
            try:
                lock.release()
            except Exception:  # it expired (a sweep longer than its lock): the next one takes it again
                log.warning("the sweep's lock expired before the sweep ended")

    def _sweep_sessions(self) -> None:
        now, queue_changed = time.monotonic(), False
        for session in self.store.open_sessions():
            live = self.hub.live(session.id)
            if live is None:  # it ended since we looked
                continue
            gone_for = self.hub.gone_for(live, now, session.id)
            waited_s = (now_ms() - session.created_at) / 1000
            if session.status == "waiting" and waited_s > self.queue_timeout_s:
                self.end(session, "timed-out", note("timed-out"), "timeout")
                queue_changed = True
            elif session.status == "waiting" and gone_for > self.gone_after_s:
                self.end(session, "left", note("left-queue", customer=session.customer_name), "left-queue")
                queue_changed = True
            elif (session.status == "active" and gone_for > self.gone_after_s
                  and not self.hub.gone_noted(session.id, live)):
                self._note_gone(session)
        if queue_changed:
            self._queue_changed()

    def _told(self, kind: str, value: object) -> None:
        """Act on what another node told (``RedisBroker.tell``)."""
        if kind == "ended" and isinstance(value, int):
            self.hub.ended_elsewhere(value)

    def _note_gone(self, session: Session) -> None:
        with self.hub.locked(session.id) as live:
            if live is not None and not self.hub.gone_noted(session.id, live):
                self.hub.note_gone(session.id, live)
                self.status(session, f"left-{secrets.token_urlsafe(9)}", note("left", name=session.customer_name))

    def run_housekeeping(self, every_s: float = 1.0) -> threading.Thread:
        """Sweep in the background, for as long as the process lives."""

        def loop() -> None:
            while True:
                time.sleep(every_s)
                try:
                    self.sweep()
                except Exception:
                    log.exception("housekeeping failed")

        if self.broker is not None:  # in ``relaydesk serve``, under gevent: its greenlets start with the sweep
            self.broker.set_json("places", list(self._places.items()), only_new=True)  # the first node's
            self.broker.start(self.hub.deliver_remote, self.hub.here, self._told)
        thread = threading.Thread(target=loop, name="relaydesk-housekeeping", daemon=True)
        thread.start()
        self.webhooks.start()
        return thread

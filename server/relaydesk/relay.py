"""Route frames between reps and customers, deciding what each one may see.

Every change follows one path: check the frame, persist it (which gives it the
session's next sequence number), acknowledge it to its sender, then fan it out
to the other connections that may see it.  The three steps run under the
session's lock, so each connection receives a session's events in order.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict

from simple_websocket import ConnectionClosed

from . import protocol
from .protocol import AUDIENCE_ALL, AUDIENCE_REPS, ProtocolError
from .store import Event, Rep, Session, Store

log = logging.getLogger(__name__)


class Connection:
    """One websocket, with sends serialised (simple-websocket's are not)."""

    def __init__(self, ws, role: str, rep: Rep | None = None) -> None:
        self.ws = ws
        self.role = role
        self.rep = rep
        self.session_id: int | None = None
        self._lock = threading.Lock()

    def send(self, frame: str) -> None:
        with self._lock:
            try:
                self.ws.send(frame)
            except (ConnectionClosed, OSError):
                pass  # the receive loop sees the close and unregisters us


def event_view(event: Event, for_rep: bool) -> dict:
    """Return the fields of ``event`` that a rep, or a customer, is sent."""
    author = {"kind": event.author_kind, "name": event.author_name}
    if for_rep and event.author_id is not None:
        author["id"] = event.author_id
    return {
        "session": event.session_id, "seq": event.seq, "id": event.id, "kind": event.kind,
        "at": event.at, "text": event.text, "author": author,
    }


def rep_summary(session: Session) -> dict:
    """Return what a rep's console shows about a session."""
    return {
        "id": session.id, "customer": session.customer_name, "issue": session.issue,
        "portal": session.portal_name, "status": session.status, "created_at": session.created_at,
        "accepted_at": session.accepted_at, "details": session.details,
    }


def customer_summary(session: Session) -> dict:
    """Return what the customer's window is told about its own session."""
    return {"id": session.id, "status": session.status, "customer": session.customer_name}


class Relay:
    """Hold the open connections of one server and route between them."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._reps: dict[int, set[Connection]] = defaultdict(set)
        self._customers: dict[int, set[Connection]] = defaultdict(set)
        self._session_locks: dict[int, threading.Lock] = defaultdict(threading.Lock)

    # --- connection life --------------------------------------------------

    def serve(self, ws, role: str, rep: Rep | None = None) -> None:
        """Run one connection until it closes."""
        conn = Connection(ws, role, rep)
        try:
            while True:
                frame = ws.receive()
                if frame is not None:
                    self.handle(conn, frame)
        except ConnectionClosed:
            pass
        finally:
            self._forget(conn)

    def handle(self, conn: Connection, frame: str | bytes) -> None:
        """Act on one frame; a refused frame gets an error, never a crash."""
        try:
            message = protocol.decode(frame, conn.role)
            getattr(self, f"_{conn.role}_{message['type']}")(conn, message)
        except ProtocolError as exc:
            conn.send(protocol.error_frame(exc))
        except Exception:  # a bug must cost one frame, not the connection
            log.exception("frame from %s failed", conn.role)
            conn.send(protocol.error_frame(ProtocolError("server", "The server could not handle that. Try again.")))

    def _forget(self, conn: Connection) -> None:
        with self._lock:
            if conn.rep is not None:
                self._reps[conn.rep.id].discard(conn)
            if conn.session_id is not None:
                self._customers[conn.session_id].discard(conn)

    def _rep_conns(self, rep_id: int) -> list[Connection]:
        with self._lock:
            return list(self._reps.get(rep_id, ()))

    def _all_rep_conns(self) -> list[Connection]:
        with self._lock:
            return [conn for conns in self._reps.values() for conn in conns]

    def _customer_conns(self, session_id: int) -> list[Connection]:
        with self._lock:
            return list(self._customers.get(session_id, ()))

    # --- customers --------------------------------------------------------

    def _customer_request(self, conn: Connection, message: dict) -> None:
        if conn.session_id is not None:
            raise ProtocolError("already-joined", "You are already in a support session.", message["id"])
        try:
            session = self.store.create_session(
                message["id"], message["token"], message["portal"], message["name"],
                message["issue"], message["details"],
            )
        except LookupError as exc:
            raise ProtocolError("bad-portal", str(exc), message["id"]) from None
        except PermissionError as exc:
            raise ProtocolError("bad-token", str(exc), message["id"]) from None
        self._join_customer(conn, session, since=0)
        conn.send(protocol.encode("ack", id=message["id"], session=session.id))
        self._queue_changed()

    def _customer_hello(self, conn: Connection, message: dict) -> None:
        session = self.store.session_for_token(message["token"])
        if session is None:
            raise ProtocolError("bad-token", "This support session link is not valid any more.")
        self._join_customer(conn, session, since=message["since"])
        if session.status == "waiting":
            self._send_positions()

    def _join_customer(self, conn: Connection, session: Session, since: int) -> None:
        conn.session_id = session.id
        with self._session_locks[session.id]:
            with self._lock:
                self._customers[session.id].add(conn)
            conn.send(protocol.encode("welcome", role="customer", session=customer_summary(session)))
            for event in self.store.events_since(session.id, since, (AUDIENCE_ALL,)):
                conn.send(protocol.encode("event", **event_view(event, for_rep=False)))

    def _customer_say(self, conn: Connection, message: dict) -> None:
        session = self._customer_session(conn, message["id"])
        self._record(
            conn, session, message["id"], protocol.MESSAGE, message["text"],
            author_kind="customer", author_name=session.customer_name,
        )

    def _customer_session(self, conn: Connection, frame_id: str) -> Session:
        if conn.session_id is None:
            raise ProtocolError("not-joined", "Say hello or ask for help first.", frame_id)
        session = self.store.get_session(conn.session_id)
        if session.status == "ended":
            raise ProtocolError("ended", "This support session has ended.", frame_id)
        return session

    # --- reps -------------------------------------------------------------

    def _rep_hello(self, conn: Connection, message: dict) -> None:
        rep = conn.rep
        sessions = self.store.rep_sessions(rep.id)
        with self._lock:
            self._reps[rep.id].add(conn)
        conn.send(protocol.encode(
            "welcome", role="rep",
            me={"id": rep.id, "name": rep.display_name, "admin": rep.is_admin},
            sessions=[rep_summary(session) for session in sessions],
            queue=self._queue_view(),
        ))
        for session in sessions:
            self._replay_to_rep(conn, session.id, message["since"].get(session.id, 0))

    def _replay_to_rep(self, conn: Connection, session_id: int, since: int) -> None:
        with self._session_locks[session_id]:
            for event in self.store.events_since(session_id, since, (AUDIENCE_ALL, AUDIENCE_REPS)):
                conn.send(protocol.encode("event", **event_view(event, for_rep=True)))

    def _rep_say(self, conn: Connection, message: dict) -> None:
        session = self._rep_session(conn, message["session"], message["id"])
        self._record(
            conn, session, message["id"], protocol.MESSAGE, message["text"],
            author_kind="rep", author_name=conn.rep.display_name, author_id=conn.rep.id,
        )

    def _rep_session(self, conn: Connection, session_id: int, frame_id: str) -> Session:
        """Return a session the rep takes part in, refusing every other id alike."""
        session = self.store.get_session(session_id)
        if session is None or not self.store.is_participant(session_id, conn.rep.id):
            raise ProtocolError("bad-session", "You are not in that session.", frame_id)
        if session.status == "ended":
            raise ProtocolError("ended", "This support session has ended.", frame_id)
        return session

    def _rep_accept(self, conn: Connection, message: dict) -> None:
        rep, session_id = conn.rep, message["session"]
        session = self.store.get_session(session_id)
        if session is None:
            raise ProtocolError("bad-session", "That customer is no longer waiting.", message["id"])
        if not self.store.accept(session_id, rep):
            if session.owner_rep_id == rep.id:  # a resend of an accept that went through
                conn.send(protocol.encode("ack", id=message["id"], session=session_id))
                return
            raise ProtocolError(
                "taken", f"{session.customer_name} was already accepted by another representative.",
                message["id"],
            )
        session = self.store.get_session(session_id)
        for rep_conn in self._rep_conns(rep.id):
            rep_conn.send(protocol.encode("opened", session=rep_summary(session)))
            self._replay_to_rep(rep_conn, session_id, 0)
        for customer_conn in self._customer_conns(session_id):
            customer_conn.send(protocol.encode("session", session=customer_summary(session)))
        self.status(session, f"accept-{message['id']}", f"{rep.display_name} joined the chat")
        conn.send(protocol.encode("ack", id=message["id"], session=session_id))
        self._queue_changed()

    # --- the one path every event takes -------------------------------------

    def status(self, session: Session, event_id: str, text: str, audience: str = AUDIENCE_ALL) -> None:
        """Write a status note into a session's log and show it to those who may see it."""
        self._record(None, session, event_id, protocol.STATUS, text, "system", "Relaydesk", audience=audience)

    def _record(
        self, sender: Connection | None, session: Session, event_id: str, kind: str, text: str,
        author_kind: str, author_name: str, author_id: int | None = None, audience: str = AUDIENCE_ALL,
    ) -> None:
        """Persist, acknowledge, then fan out one event."""
        with self._session_locks[session.id]:
            event, _new = self.store.append_event(
                session.id, event_id, kind, text, author_kind, author_name, author_id, audience
            )
            if sender is not None:
                sender.send(protocol.encode("ack", id=event_id, session=session.id, seq=event.seq, at=event.at))
            self._fan_out(event, skip=sender)

    def _fan_out(self, event: Event, skip: Connection | None) -> None:
        if event.audience == AUDIENCE_ALL:
            frame = protocol.encode("event", **event_view(event, for_rep=False))
            for conn in self._customer_conns(event.session_id):
                if conn is not skip:
                    conn.send(frame)
        frame = protocol.encode("event", **event_view(event, for_rep=True))
        for rep_id in self.store.participant_ids(event.session_id):
            for conn in self._rep_conns(rep_id):
                if conn is not skip:
                    conn.send(frame)

    # --- the queue ----------------------------------------------------------

    def _queue_view(self) -> list[dict]:
        return [rep_summary(session) for session in self.store.waiting_sessions()]

    def _queue_changed(self) -> None:
        frame = protocol.encode("queue", waiting=self._queue_view())
        for conn in self._all_rep_conns():
            conn.send(frame)
        self._send_positions()

    def _send_positions(self) -> None:
        for position, session in enumerate(self.store.waiting_sessions(), start=1):
            frame = protocol.encode("position", position=position)
            for conn in self._customer_conns(session.id):
                conn.send(frame)

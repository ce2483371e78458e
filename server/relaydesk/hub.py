"""Who is connected, and what the relay holds live for each open session.

A session's live state (its lock, its customer's sockets, whether the customer
went away, its shared screen) is one ``LiveSession``, made when the session
first needs it and let go when it ends, so a server that has seen a million
sessions holds only the open ones.  ``Relaying`` is what the relay's parts
(``Team``, ``Screens``) may ask of the relay itself.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from simple_websocket import ConnectionClosed

from .delivery import Customers, One, QueueWatchers, Reply, Send, Sender, SessionReps
from .delivery import Rep as RepAddress
from .images import CheckedImage
from .language import _
from .metrics import Metrics, frame_type
from .model import Event, Participant, Rep, Session
from .protocol import AUDIENCE_ALL, ProtocolError
from .store import Store


class Socket(Protocol):
    """The part of a websocket the relay uses."""

    def send(self, data: str | bytes) -> None: ...

    def send_latest(self, key: object, data: bytes) -> None: ...

    def receive(self) -> str | bytes | None: ...

    def close(self, reason: int | None = None, message: str | None = None) -> None: ...


class Connection:
    """One websocket, with sends serialised (simple-websocket's are not)."""

    role: ClassVar[str]

    def __init__(self, ws: Socket) -> None:
        self.ws = ws
        self.tag = secrets.token_hex(8)  # this socket's own name, for what is counted per socket
        self.behind: set[int] = set()  # sessions it pages through the log of: no live events until it caught up
        self.answering: tuple[str, float] | None = None  # the frame being handled: its type, when it was read
        self._lock = threading.Lock()

    def send(self, frame: str | bytes, latest: object = None) -> None:
        """Send a frame; with a ``latest`` key, one that a newer frame of that key replaces while it still waits
        (``Outbox.send_latest``: pictures of a screen)."""
        with self._lock:
            try:
                if latest is not None and isinstance(frame, bytes):
                    self.ws.send_latest(latest, frame)
                else:
                    self.ws.send(frame)
            except (ConnectionClosed, OSError):
                pass  # the receive loop sees the close and unregisters us

    def close(self, code: int, reason: str) -> None:
        with self._lock:
            try:
                self.ws.close(code, reason)
            except (ConnectionClosed, OSError):
                pass  # closed already


class RepConnection(Connection):
    """A signed-in rep's console, bound to the sign-in it was opened with: it closes when that ends."""

    role = "rep"

    def __init__(self, ws: Socket, rep: Rep, sign_in: str = "") -> None:
        super().__init__(ws)
        self.rep = rep
        self.sign_in = sign_in  # its key (``SignIn.key``)
        self.seen_at = time.monotonic()  # when its sign-in was last noted as used


class CustomerConnection(Connection):
    """A customer's page, bound to its session by its first ``request`` or ``hello``.

    ``address`` (the client's, as the handshake came) and ``tag`` (this socket's
    own) are what wrong session keys are counted against.
    """

    role = "customer"

    def __init__(self, ws: Socket, address: str = "") -> None:
        super().__init__(ws)
        self.session_id: int | None = None
        self.address = address


# A handler returns what must be sent to whom (``delivery``), or None when it delivered all of it already.
RepHandler = Callable[[RepConnection, dict], Reply | None]
CustomerHandler = Callable[[CustomerConnection, dict], Reply | None]


@dataclass
class ScreenState:
    """The customer's screen, as far as the relay knows it."""

    asked_by: str = ""  # the rep waiting for an answer, if any
    sharing: bool = False
    latest: CheckedImage | None = None  # for a rep who opens the session later
    viewers: set[int] = field(default_factory=set)  # ids of the rep connections with the Viewer open


def _set_event() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


@dataclass
class LiveSession:
    """What the relay holds for an open session, beyond what the store keeps."""

    lock: threading.RLock = field(default_factory=threading.RLock)  # events are stored and sent in order under it
    customers: set[CustomerConnection] = field(default_factory=set)
    gone_since: float | None = None  # when its customer's last socket closed
    gone_noted: bool = False  # "left the chat" was written, so their return is noted too
    ended: bool = False  # set under the lock as the session ends: nothing more goes in
    screen: ScreenState = field(default_factory=ScreenState)
    # Clients' events on their way to disk, not yet answered and sent (``Relay._record``), and whether there are
    # none: what holds the lock for anything else waits for them first, so it sees them sent.
    in_flight: int = 0
    settled: threading.Event = field(default_factory=_set_event)
    fewer: threading.Event = field(default_factory=threading.Event)  # set as each of those is answered


def ended(frame_id: str | None = None) -> ProtocolError:
    """Return the refusal of a change to a session that has ended."""
    return ProtocolError("ended", _("This support session has ended."), frame_id)


class Hub:
    """The open connections of one server, and the live state of its open sessions."""

    def __init__(self, store: Store, metrics: Metrics | None = None) -> None:
        self.store = store
        self.metrics = metrics or Metrics()
        self._lock = threading.Lock()
        self._reps: dict[int, set[RepConnection]] = {}  # the consoles that said hello, by rep
        self._rep_sockets: set[RepConnection] = set()  # every rep socket being served, hello or not
        self._live: dict[int, LiveSession] = {}

    # --- reps -----------------------------------------------------------------

    def open_rep(self, conn: RepConnection) -> None:
        """Count a rep's socket in from its first moment, so that it closes when its sign-in ends."""
        with self._lock:
            self._rep_sockets.add(conn)

    def rep_sockets(self) -> list[RepConnection]:
        with self._lock:
            return list(self._rep_sockets)

    def add_rep(self, conn: RepConnection) -> None:
        with self._lock:
            self._reps.setdefault(conn.rep.id, set()).add(conn)

    def remove_rep(self, conn: RepConnection) -> None:
        with self._lock:
            self._rep_sockets.discard(conn)
            conns = self._reps.get(conn.rep.id)
            if conns is not None:
                conns.discard(conn)
                if not conns:
                    del self._reps[conn.rep.id]

    def rep_conns(self, rep_id: int) -> list[RepConnection]:
        with self._lock:
            return list(self._reps.get(rep_id, ()))

    def all_rep_conns(self) -> list[RepConnection]:
        with self._lock:
            return [conn for conns in self._reps.values() for conn in conns]

    def online_rep_ids(self) -> set[int]:
        with self._lock:
            return set(self._reps)

    def connection_counts(self) -> dict[str, int]:
        """Open sockets by role: every rep socket being served, and customers' sockets in their sessions."""
        with self._lock:
            return {"rep": len(self._rep_sockets), "customer": sum(len(live.customers) for live in self._live.values())}


    # --- customers --------------------------------------------------------------

    def add_customer(self, live: LiveSession, conn: CustomerConnection) -> bool:
        """Count a customer's socket in; return whether they had been noted as gone."""
        with self._lock:
            live.customers.add(conn)
            came_back, live.gone_since, live.gone_noted = live.gone_noted, None, False
            return came_back

    def remove_customer(self, conn: CustomerConnection) -> None:
        with self._lock:
            live = self._live.get(conn.session_id) if conn.session_id is not None else None
            if live is not None:
                live.customers.discard(conn)
                if not live.customers:
                    live.gone_since = time.monotonic()

    def customer_conns(self, session_id: int) -> list[CustomerConnection]:
        with self._lock:
            live = self._live.get(session_id)
            return list(live.customers) if live else []

    # --- the one place that sends ---------------------------------------------------

    def deliver(self, sends: Iterable[Send], sender: Connection | None = None) -> None:
        """Send each frame to the connections it is addressed to, in order; ``sender`` is ``SENDER``'s connection.

        An event's frame reaches only the connections whose person may see it.
        """
        members: dict[int, set[int]] = {}
        started = time.perf_counter()
        for item in sends:
            recipients = self.recipients(item, sender, members)
            for conn in recipients:
                conn.send(item.frame, item.latest)
            if recipients:
                self.metrics.frames_out.labels(frame_type(item.frame)).inc(len(recipients))
        self.metrics.fan_out_seconds.observe(time.perf_counter() - started)

    def recipients(self, item: Send, sender: Connection | None = None,
                   members: dict[int, set[int]] | None = None) -> list[Connection]:
        """Return the connections a ``Send`` reaches: its addressee, less ``skip``, less whoever may not see its
        event (``members`` keeps each session's reps for the length of one delivery)."""
        to, event, members = item.to, item.event, {} if members is None else members
        conns: list[Connection]
        match to:
            case Sender():
                if sender is None:
                    raise RuntimeError("an answer with no sender to answer")
                conns = [sender]
            case One(conn):
                conns = [conn]
            case RepAddress(rep_id):
                conns = list(self.rep_conns(rep_id))
            case SessionReps(session_id):
                if session_id not in members:
                    members[session_id] = set(self.store.participant_ids(session_id))
                conns = [conn for rep_id in members[session_id] for conn in self.rep_conns(rep_id)]
            case Customers(session_id):
                conns = list(self.customer_conns(session_id))
            case QueueWatchers():
                conns = list(self.all_rep_conns())
        if event is not None:
            if event.session_id not in members:
                members[event.session_id] = set(self.store.participant_ids(event.session_id))
            conns = [conn for conn in conns if self.may_see(conn, event, members[event.session_id])]
        if item.live and event is not None:  # it comes in the last page of a log that is being caught up on
            conns = [conn for conn in conns if event.session_id not in conn.behind]
        return [conn for conn in conns if conn is not item.skip]

    @staticmethod
    def may_see(conn: Connection, event: Event, reps: set[int]) -> bool:
        """Tell whether a connection's person may see an event of a session whose reps are ``reps``."""
        if isinstance(conn, RepConnection):
            return conn.rep.id in reps and event.visible_to_rep(conn.rep.id)
        return isinstance(conn, CustomerConnection) and conn.session_id == event.session_id and \
            event.visible_to_customer()

    def gone_for(self, live: LiveSession, now: float) -> float:
        """Return for how long a session's customer has had no socket open (0: they are here)."""
        with self._lock:
            if live.customers:
                return 0
            if live.gone_since is None:  # never seen since this process started
                live.gone_since = now
            return now - live.gone_since

    # --- live sessions ------------------------------------------------------------

    def get(self, session_id: int) -> LiveSession | None:
        """Return a session's live state if it has any; a read never makes one."""
        with self._lock:
            return self._live.get(session_id)

    def live(self, session_id: int) -> LiveSession | None:
        """Return a session's live state, made now if it has none; None once the session has ended.

        The store is asked under the hub's lock, so a session ended (and let go)
        meanwhile is never given live state again.  A session that has live
        state is found without the lock (one read of a dict, as every message
        asks): what it finds could as well have been dropped just after.
        """
        live = self._live.get(session_id)
        if live is not None:
            return live
        with self._lock:
            live = self._live.get(session_id)
            if live is None:
                session = self.store.get_session(session_id)
                if session is None or session.status == "ended":
                    return None
                live = self._live[session_id] = LiveSession()
            return live

    @contextmanager
    def locked(self, session_id: int, settle: bool = True) -> Iterator[LiveSession | None]:
        """Hold a session's lock; give its live state, or None once it has ended.

        With ``settle``, first let the clients' events on their way to disk be
        stored and sent: whoever holds the lock sees every event sent that it
        could read, and what it sends goes after them.
        """
        live = self.live(session_id)
        if live is None:
            yield None
            return
        with live.lock:
            while settle and live.in_flight:
                live.settled.wait()
            yield None if live.ended else live

    def settle(self, session_id: int) -> None:
        """Wait until a session's events on their way to disk (``Relay._record``) are stored and sent."""
        with self.locked(session_id):
            pass

    def drop(self, session_id: int) -> None:
        """Let go of an ended session's live state."""
        with self._lock:
            self._live.pop(session_id, None)

    def live_sessions(self) -> list[tuple[int, LiveSession]]:
        with self._lock:
            return list(self._live.items())

    def size(self) -> dict[str, int]:
        """Count what the relay holds: for operators, and for the tests that it lets go."""
        with self._lock:
            return {
                "live_sessions": len(self._live),
                "customer_connections": sum(len(live.customers) for live in self._live.values()),
                "rep_connections": sum(len(conns) for conns in self._reps.values()),
                "reps_online": len(self._reps),
                "screens": sum(live.screen.latest is not None for live in self._live.values()),
            }


class Relaying(Protocol):
    """What the relay does for its parts: the checks on a frame's session, and the one path every change takes."""

    def rep_session(self, conn: RepConnection, session_id: int, frame_id: str) -> Session:
        """Return a session the rep takes part in and that has not ended; refuse any other."""
        ...

    def participant(self, conn: RepConnection, session: Session, frame_id: str) -> Participant:
        """Return the rep's place in a session they take part in."""
        ...

    def acting(self, conn: RepConnection, session: Session, frame_id: str, doing: str) -> Participant:
        """Return the rep's place in a session, refusing a monitoring admin: they read, they do not ``doing``."""
        ...

    def customer_session(self, conn: CustomerConnection, frame_id: str) -> Session:
        """Return the customer's session while it has not ended; refuse otherwise."""
        ...

    def status(self, session: Session, event_id: str, said: dict, audience: str = AUDIENCE_ALL,
               public: dict | None = None) -> None:
        """Write a status note (``notes.note``) into a session's log; ``public`` is what the customer reads
        instead."""
        ...

    def open_for(self, session: Session, rep_id: int, comment: str = "") -> None:
        """Open a session on a rep's console; its history loads as the rep reads it."""
        ...

    def session_changed(self, session_id: int) -> None:
        """Send a session's fresh summary to everyone in it."""
        ...

    def check_capacity(self, rep: Rep, frame_id: str) -> None:
        """Refuse a rep who holds as many sessions as the team allows."""
        ...


@dataclass(eq=False)
class Part:
    """A part of the relay (``Team``, ``Screens``, ``SessionKeys``): it reads and writes the store, reaches people
    through the hub, and relies on the relay for the rest."""

    store: Store
    hub: Hub
    relay: Relaying

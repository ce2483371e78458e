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
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from simple_websocket import ConnectionClosed

from .delivery import Customers, One, QueueWatchers, Reply, Send, Sender, SessionReps
from .delivery import Rep as RepAddress
from .images import CheckedImage
from .language import _
from .metrics import Metrics, frame_type
from .model import Event, Participant, Rep, Session
from .protocol import AUDIENCE_ALL, ProtocolError
from .store import Store

if TYPE_CHECKING:
    from .broker import RedisBroker


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
        # With a broker: each session's highest sequence number sent to it, and what keeps that in order.
        self.seen: dict[int, int] = {}
        self.order = threading.RLock()
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
    viewers: set[str] = field(default_factory=set)  # tags of the rep connections with the Viewer open


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


class _Lookups:
    """Each session's reps and each person's connections, looked up once for one delivery (``Hub.deliver``; with
    ``Hub.batched``, for all of a batch's)."""

    __slots__ = ("customers", "members", "reps", "sessions")

    def __init__(self) -> None:
        self.members: dict[int, set[int]] = {}  # session -> its reps' ids
        self.reps: dict[int, list[RepConnection]] = {}  # rep -> their consoles
        self.sessions: dict[int, list[RepConnection]] = {}  # session -> its reps' consoles
        self.customers: dict[int, list[CustomerConnection]] = {}  # session -> its customer's pages

    @staticmethod
    def _kept(table: dict, key: int, look_up: Callable[[], Any]) -> Any:
        found = table.get(key)
        if found is None:
            found = table[key] = look_up()
        return found

    def reps_of(self, hub: Hub, session_id: int) -> set[int]:
        return self._kept(self.members, session_id, lambda: set(hub.store.participant_ids(session_id)))

    def rep_conns(self, hub: Hub, rep_id: int) -> list[RepConnection]:
        return self._kept(self.reps, rep_id, lambda: hub.rep_conns(rep_id))

    def session_reps(self, hub: Hub, session_id: int) -> list[RepConnection]:
        return self._kept(self.sessions, session_id, lambda: [
            conn for rep_id in self.reps_of(hub, session_id) for conn in self.rep_conns(hub, rep_id)])

    def customer_conns(self, hub: Hub, session_id: int) -> list[CustomerConnection]:
        return self._kept(self.customers, session_id, lambda: hub.customer_conns(session_id))


class _Batch(threading.local):
    """What is delivered within ``Hub.batched()`` on this thread (greenlet, under gevent); None outside it."""

    pending: list[tuple[Iterable[Send], Connection | None, bool]] | None = None


class Hub:
    """The open connections of one server, and the live state of its open sessions."""

    def __init__(self, store: Store, metrics: Metrics | None = None, broker: RedisBroker | None = None) -> None:
        self.store = store
        self.metrics = metrics or Metrics()
        self.broker = broker  # None: one node, everything in this process (``broker``)
        # How an event a connection missed is sent to it (``Relay`` sets it: ``event_view``).
        self.render: Callable[[Event, bool], str] = lambda event, for_rep: ""
        self._lock = threading.Lock()
        self._reps: dict[int, set[RepConnection]] = {}  # the consoles that said hello, by rep
        self._rep_sockets: set[RepConnection] = set()  # every rep socket being served, hello or not
        self._live: dict[int, LiveSession] = {}
        self._batch = _Batch()

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
        if self.broker is not None:
            self.broker.poke()

    def remove_rep(self, conn: RepConnection) -> None:
        with self._lock:
            self._rep_sockets.discard(conn)
            conns = self._reps.get(conn.rep.id)
            if conns is not None:
                conns.discard(conn)
                if not conns:
                    del self._reps[conn.rep.id]
        if self.broker is not None:
            self.broker.poke()

    def rep_conns(self, rep_id: int) -> list[RepConnection]:
        with self._lock:
            return list(self._reps.get(rep_id, ()))

    def all_rep_conns(self) -> list[RepConnection]:
        with self._lock:
            return [conn for conns in self._reps.values() for conn in conns]

    def online_rep_ids(self) -> set[int]:
        """Return the reps signed in on a console, on this node or (with a broker) any other."""
        with self._lock:
            here = set(self._reps)
        return here if self.broker is None else here | self.broker.online_reps()

    def here(self) -> tuple[set[int], set[int]]:
        """Return who is on this node: its online reps, and the sessions whose customer has a page open here."""
        with self._lock:
            return set(self._reps), {session_id for session_id, live in self._live.items() if live.customers}

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
        if self.broker is not None and conn.session_id is not None:
            self.broker.poke()
            came_back = self.broker.back(conn.session_id) or came_back
        return came_back

    def remove_customer(self, conn: CustomerConnection) -> None:
        with self._lock:
            live = self._live.get(conn.session_id) if conn.session_id is not None else None
            if live is not None:
                live.customers.discard(conn)
                if not live.customers:
                    live.gone_since = time.monotonic()
        if self.broker is not None:
            self.broker.poke()

    def customer_conns(self, session_id: int) -> list[CustomerConnection]:
        with self._lock:
            live = self._live.get(session_id)
            return list(live.customers) if live else []

    def customer_online(self, session_id: int) -> bool:
        """Tell whether a session's customer has a page open, on this node or (with a broker) another."""
        return bool(self.customer_conns(session_id)) or (
            self.broker is not None and session_id in self.broker.customers_here())

    # --- the one place that sends ---------------------------------------------------

    def deliver(self, sends: Iterable[Send], sender: Connection | None = None, publish: bool = True) -> None:
        """Send each frame to the connections it is addressed to, in order; ``sender`` is ``SENDER``'s connection.

        An event's frame reaches only the connections whose person may see it.
        With a broker, what is addressed to people goes to the other nodes too
        (``publish``: not what came from one of them), and each connection gets
        a session's events in sequence order, each once (``_in_order``).
        Within ``batched()``, it is sent as the block ends.
        """
        pending = self._batch.pending
        if pending is not None:
            pending.append((sends, sender, publish))
            return
        self._deliver([(sends, sender, publish)], _Lookups())

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Deliver what is delivered within the block as it ends, all of it in the order it came, each session's
        reps and each person's connections looked up once for all of it (a group commit's answers: many events
        of the same sessions).  The block must not wait: nothing in it goes out before it ends."""
        if self._batch.pending is not None:  # within another: its end delivers these too
            yield
            return
        self._batch.pending = []
        try:
            yield
        finally:
            pending, self._batch.pending = self._batch.pending, None
            if pending:
                self._deliver(pending, _Lookups())

    def _deliver(self, batch: list[tuple[Iterable[Send], Connection | None, bool]], lookups: _Lookups) -> None:
        started = time.perf_counter()
        broker = self.broker
        counted: dict[str, int] = {}
        for sends, sender, publish in batch:
            for item in sends:
                if broker is not None and publish:
                    broker.publish(item)
                recipients = self.recipients(item, sender, lookups)
                if broker is not None and item.event is not None:
                    recipients = self._in_order(item, recipients)
                else:
                    for conn in recipients:
                        conn.send(item.frame, item.latest)
                if recipients:
                    kind = frame_type(item.frame)
                    counted[kind] = counted.get(kind, 0) + len(recipients)
        for kind, count in counted.items():
            self.metrics.frames_out.labels(kind).inc(count)
        self.metrics.fan_out_seconds.observe(time.perf_counter() - started)

    def deliver_remote(self, item: Send) -> None:
        """Deliver what another node published to this node's connections, filtered per recipient as here."""
        self.deliver([item], publish=False)

    def _in_order(self, item: Send, conns: list[Connection]) -> list[Connection]:
        """Send an event to each connection in its session's sequence order, once (several nodes publish a
        session's events, and two nodes' messages may cross): one it already has is dropped, and the ones it
        missed before it (published by a node whose message is still on its way) are read from the store and sent
        first.  Return the connections it went to."""
        event = item.event
        assert event is not None
        sent = []
        for conn in conns:
            with conn.order:
                seen = conn.seen.get(event.session_id)
                if item.live and seen is not None:
                    if event.seq <= seen:
                        continue
                    if event.seq > seen + 1:
                        self._send_missed(conn, event.session_id, seen, event.seq)
                conn.seen[event.session_id] = max(seen or 0, event.seq)
                conn.send(item.frame, item.latest)
                sent.append(conn)
        return sent

    def _send_missed(self, conn: Connection, session_id: int, after: int, before: int) -> None:
        """Send a connection the events of a session it may see between two sequence numbers (both left out)."""
        rep_id = conn.rep.id if isinstance(conn, RepConnection) else None
        for missed in self.store.events_since(session_id, after, rep_id):
            if missed.seq >= before:
                break
            conn.send(self.render(missed, rep_id is not None))
            self.metrics.frames_out.labels("event").inc()

    def caught_up(self, conn: Connection, session_id: int, last: int) -> None:
        """Count a connection as caught up on a session's log up to ``last``: live events go to it from now on.

        With a broker, what another node published while it paged (dropped:
        it was behind) is read again and sent, so nothing falls between.
        """
        conn.behind.discard(session_id)
        if self.broker is None:
            return
        with conn.order:
            seen = max(conn.seen.get(session_id, 0), last)
            conn.seen[session_id] = seen
            latest = self.store.events_since(session_id, seen, conn.rep.id if isinstance(conn, RepConnection)
                                             else None)
            if latest:
                self._send_missed(conn, session_id, seen, latest[-1].seq + 1)
                conn.seen[session_id] = latest[-1].seq

    def recipients(self, item: Send, sender: Connection | None = None,
                   lookups: _Lookups | None = None) -> list[Connection]:
        """Return the connections a ``Send`` reaches: its addressee, less ``skip``, less whoever may not see its
        event (``lookups`` keeps each session's reps and each person's connections for the length of one
        delivery)."""
        to, event = item.to, item.event
        lookups = _Lookups() if lookups is None else lookups
        conns: list[Connection]
        match to:
            case Sender():
                if sender is None:
                    raise RuntimeError("an answer with no sender to answer")
                conns = [sender]
            case One(conn):
                conns = [conn]
            case RepAddress(rep_id):
                conns = list(lookups.rep_conns(self, rep_id))
            case SessionReps(session_id):
                conns = list(lookups.session_reps(self, session_id))
            case Customers(session_id):
                conns = list(lookups.customer_conns(self, session_id))
            case QueueWatchers():
                conns = list(self.all_rep_conns())
        if event is not None:
            reps = lookups.reps_of(self, event.session_id)
            conns = [conn for conn in conns if self.may_see(conn, event, reps)]
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

    def gone_for(self, live: LiveSession, now: float, session_id: int = 0) -> float:
        """Return for how long a session's customer has had no socket open (0: they are here).

        With a broker: on any node, timed from when the sweeping node (whichever) first saw them gone.
        """
        if self.broker is not None:
            return self._gone_for_anywhere(live, session_id)
        with self._lock:
            if live.customers:
                return 0
            if live.gone_since is None:  # never seen since this process started
                live.gone_since = now
            return now - live.gone_since

    def _gone_for_anywhere(self, live: LiveSession, session_id: int) -> float:
        assert self.broker is not None
        since, _noted = self.broker.gone(session_id)
        if live.customers or session_id in self.broker.customers_here():
            if since:
                self.broker.set_gone(session_id, since=0.0)
            return 0
        now = time.time()
        if not since:
            self.broker.set_gone(session_id, since=now)
            return 0
        return now - since

    def gone_noted(self, session_id: int, live: LiveSession) -> bool:
        """Tell whether "left the chat" was written for a session's customer (and not since taken back)."""
        return self.broker.gone(session_id)[1] if self.broker is not None else live.gone_noted

    def note_gone(self, session_id: int, live: LiveSession) -> None:
        live.gone_noted = True
        if self.broker is not None:
            self.broker.set_gone(session_id, noted=True)

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
        """Let go of an ended session's live state (with a broker: on every node)."""
        with self._lock:
            self._live.pop(session_id, None)
        if self.broker is not None:
            self.broker.tell("ended", session_id)

    def ended_elsewhere(self, session_id: int) -> None:
        """Another node ended a session: nothing more goes in here either, and its live state goes."""
        with self._lock:
            live = self._live.pop(session_id, None)
        if live is not None:
            live.ended = True

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

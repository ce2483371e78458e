"""Several nodes: what one node sends reaches the connections of every node, and what they share lives in Redis.

With ``BROKER_URL`` unset (the default) there is one node and no broker at
all: ``Hub.deliver`` sends to this process's connections, exactly as before.
With ``BROKER_URL=redis://…`` each node

- publishes every ``Send`` addressed to people (a rep, a session's reps, its
  customer, the queue watchers) on one Redis channel, from a greenlet of its
  own, so a handler never waits on Redis; the other nodes hand it to their
  own ``Hub.deliver_remote``, which filters it per recipient as for a local
  one (``Hub.recipients``/``may_see``: a note, a private message or a hidden
  rep never reaches a customer on any node).  A ``Send`` to one connection
  (an ack, a replay, a welcome) never leaves its node;
- keeps in Redis what another node needs: who is online (reps, and which
  sessions' customers have a page open), under a key per node that expires
  when the node stops refreshing it (a ``kill -9`` takes its people offline
  within ``NODE_TTL_S``); the queue's places as customers were last told;
  when a customer went away and whether that was noted; the screen-sharing
  state, its latest picture and who views it;
- takes a lock before each housekeeping sweep, so exactly one node sweeps.

A frame published travels as one Redis message: a JSON header (the node
that sent it, the address, the event's fields for the per-recipient filter,
the ``latest`` key, ``live``), a newline, then the frame's bytes.
"""

from __future__ import annotations

import json
import logging
import queue
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .delivery import Address, Customers, QueueWatchers, Rep, Send, SessionReps
from .model import Event

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

CHANNEL = "relaydesk:fanout"
COMPACT = (",", ":")  # JSON separators: a message begins with exactly ``{"node":"<its node>",``
NODE_TTL_S = 6  # a node that stops refreshing its keys for this long (it died) counts as gone
HEARTBEAT_S = 1.5
OUTGOING = 100_000  # messages waiting for Redis at most (it is away): past that they are dropped
SWEEP_LOCK_S = 30  # the longest one sweep may hold the sweep's lock before another node may take it
KEPT_S = 0.25  # how long what the other nodes hold is kept before Redis is asked again
SCREEN_TTL_S = 24 * 3600  # a session's screen state outlives no day

DEFAULTS: dict[str, object] = {
    "BROKER_URL": "",  # "": one node, fan-out in this process; redis://host:6379/0: several nodes share Redis
}


def address_of(to: Address) -> list[Any] | None:
    """Return a ``Send``'s address as it travels, or None for one that never leaves its node."""
    match to:
        case Rep(rep_id):
            return ["rep", rep_id]
        case SessionReps(session_id):
            return ["reps", session_id]
        case Customers(session_id):
            return ["customers", session_id]
        case QueueWatchers():
            return ["queue"]
    return None


def address_from(travelled: list[Any]) -> Address:
    kind, *rest = travelled
    match kind:
        case "rep":
            return Rep(int(rest[0]))
        case "reps":
            return SessionReps(int(rest[0]))
        case "customers":
            return Customers(int(rest[0]))
        case "queue":
            return QueueWatchers()
    raise ValueError(f"unknown address {travelled!r}")


def encode(node: str, item: Send, to: list[Any]) -> bytes:
    """Return a ``Send`` as one Redis message (``skip``, a connection of this node, stays here)."""
    header = {"node": node, "to": to, "binary": isinstance(item.frame, bytes), "live": item.live,
              "latest": list(item.latest) if isinstance(item.latest, tuple) else item.latest,
              "event": vars(item.event) if item.event is not None else None}  # its fields (asdict copies deeply)
    frame = item.frame if isinstance(item.frame, bytes) else item.frame.encode()
    return json.dumps(header, separators=COMPACT).encode() + b"\n" + frame


def decode(message: bytes) -> tuple[str, Send | tuple[str, Any]]:
    """Return the node a message came from, and its ``Send`` (or a control message: its kind and value)."""
    head, _, frame = message.partition(b"\n")
    header = json.loads(head)
    if "control" in header:
        return header["node"], (header["control"], header["value"])
    event = Event(**header["event"]) if header["event"] is not None else None
    latest = tuple(header["latest"]) if isinstance(header["latest"], list) else header["latest"]
    body: str | bytes = frame if header["binary"] else frame.decode()
    return header["node"], Send(address_from(header["to"]), body, event, None, latest, bool(header["live"]))


class RedisBroker:
    """One node's link to the others through Redis (``BROKER_URL``)."""

    def __init__(self, url: str, node: str = "") -> None:
        global redis  # imported here, not at the top: one node alone (the default) never loads it, ~0.1 s a start
        import redis

        self.url = url
        # Unique per process: two processes given one NODE_NAME still tell their own messages apart.
        self.node = f"{node or socket.gethostname()}-{secrets.token_hex(4)}"
        self._own = json.dumps({"node": self.node}, separators=COMPACT)[:-1].encode() + b","  # how its messages begin
        self.redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5,
                                          health_check_interval=10)
        self._outgoing: queue.Queue[bytes] = queue.Queue(maxsize=OUTGOING)
        self.dropped = 0
        self._receive: Callable[[Send], None] = lambda item: None
        self._control: Callable[[str, Any], None] = lambda kind, value: None
        self._local: Callable[[], tuple[set[int], set[int]]] = lambda: (set(), set())
        self._started = False
        self._kept: dict[str, tuple[float, set[int]]] = {}
        self._subscribed = threading.Event()
        self._poke = threading.Event()
        self.published = 0
        self.received = 0

    # --- fan-out -------------------------------------------------------------------

    def publish(self, item: Send) -> None:
        """Queue a ``Send`` for the other nodes if it is addressed to people; never waits."""
        to = address_of(item.to)
        if to is not None:
            self._queue(encode(self.node, item, to))

    def _queue(self, message: bytes) -> None:
        """Queue a message for Redis; with Redis away long enough to fill the queue, drop it (the other nodes'
        clients fill the gap from the store with the next event, or as they reconnect) rather than hold memory."""
        try:
            self._outgoing.put_nowait(message)
        except queue.Full:
            self.dropped += 1
            if self.dropped % 10_000 == 1:
                log.warning("the broker is unreachable: %s messages for the other nodes dropped", self.dropped)

    def tell(self, kind: str, value: Any) -> None:
        """Tell the other nodes something that is no frame (``start``'s ``control``); never waits."""
        told = {"node": self.node, "control": kind, "value": value}
        self._queue(json.dumps(told, separators=COMPACT).encode() + b"\n")

    def start(self, receive: Callable[[Send], None], local: Callable[[], tuple[set[int], set[int]]],
              control: Callable[[str, Any], None]) -> None:
        """Start listening (``receive`` is handed each other node's ``Send``, ``control`` what it ``tell``s),
        publishing, and telling Redis who is on this node (``local``: the ids of its online reps, and of the
        sessions whose customer has a page open here), for as long as the process lives."""
        if self._started:
            return
        self._started = True
        self._receive, self._local, self._control = receive, local, control
        for target, name in ((self._listen, "listen"), (self._publish, "publish"), (self._beat, "heartbeat")):
            threading.Thread(target=target, name=f"relaydesk-broker-{name}", daemon=True).start()
        self._subscribed.wait(10)

    def _listen(self) -> None:
        while True:
            try:
                pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                self._subscribed.set()
                for message in pubsub.listen():
                    if message.get("type") != "message" or message["data"].startswith(self._own):
                        continue  # this node's own, back from Redis: told apart without reading it
                    node, item = decode(message["data"])
                    self.received += 1
                    try:
                        if isinstance(item, Send):
                            self._receive(item)
                        else:
                            self._control(*item)
                    except Exception:
                        log.exception("delivering another node's frame failed")
            except redis.RedisError as exc:
                log.warning("the broker's channel dropped (%s); listening again", exc)
                time.sleep(0.5)

    def _publish(self) -> None:
        while True:
            batch = [self._outgoing.get()]
            while len(batch) < 256:
                try:
                    batch.append(self._outgoing.get_nowait())
                except queue.Empty:
                    break
            while True:
                try:
                    with self.redis.pipeline(transaction=False) as pipe:
                        for message in batch:
                            pipe.publish(CHANNEL, message)
                        pipe.execute()
                    self.published += len(batch)
                    break
                except redis.RedisError as exc:
                    log.warning("publishing to the broker failed (%s); trying again", exc)
                    time.sleep(0.5)

    def poke(self) -> None:
        """Someone came or went on this node: tell Redis now rather than at the next heartbeat."""
        self._poke.set()

    def _beat(self) -> None:
        while True:
            try:
                self.refresh()
            except redis.RedisError as exc:
                log.warning("the broker's heartbeat failed: %s", exc)
            self._poke.wait(HEARTBEAT_S)
            self._poke.clear()

    # --- who is on which node -------------------------------------------------------

    def refresh(self) -> None:
        """Tell Redis who is on this node now; the keys expire if the node stops saying so."""
        reps, customers = self._local()
        key = f"relaydesk:node:{self.node}"
        with self.redis.pipeline() as pipe:
            pipe.delete(f"{key}:reps", f"{key}:customers")
            if reps:
                pipe.sadd(f"{key}:reps", *reps)
            if customers:
                pipe.sadd(f"{key}:customers", *customers)
            pipe.set(key, "1", ex=NODE_TTL_S)
            pipe.expire(f"{key}:reps", NODE_TTL_S)
            pipe.expire(f"{key}:customers", NODE_TTL_S)
            pipe.sadd("relaydesk:nodes", self.node)
            pipe.execute()

    def _nodes(self) -> list[str]:
        """Return the nodes alive now (the others' keys still there), forgetting the dead ones."""
        nodes = [name.decode() if isinstance(name, bytes) else name for name in self.redis.smembers("relaydesk:nodes")]
        alive = self.redis.exists(*[f"relaydesk:node:{name}" for name in nodes]) if nodes else 0
        if alive == len(nodes):
            return nodes
        with self.redis.pipeline() as pipe:
            for name in nodes:
                pipe.exists(f"relaydesk:node:{name}")
            there = pipe.execute()
        gone = [name for name, up in zip(nodes, there, strict=True) if not up and name != self.node]
        if gone:
            self.redis.srem("relaydesk:nodes", *gone)
        return [name for name, up in zip(nodes, there, strict=True) if up or name == self.node]

    def _union(self, what: str) -> set[int]:
        """Return the ids the other nodes list under ``what``, as Redis had them at most ``KEPT_S`` ago."""
        now = time.monotonic()
        kept = self._kept.get(what)
        if kept is not None and now - kept[0] < KEPT_S:
            return kept[1]
        keys = [f"relaydesk:node:{name}:{what}" for name in self._nodes() if name != self.node]
        found = {int(member) for member in self.redis.sunion(keys)} if keys else set()
        self._kept[what] = (now, found)
        return found

    def online_reps(self) -> set[int]:
        """Return the reps online on the other nodes."""
        return self._union("reps")

    def customers_here(self) -> set[int]:
        """Return the sessions whose customer has a page open on another node."""
        return self._union("customers")

    # --- the customer who went away -------------------------------------------------

    def gone(self, session_id: int) -> tuple[float | None, bool]:
        """Return since when (epoch seconds) a session's customer has been away, and whether it was noted."""
        since, noted = self.redis.hmget(f"relaydesk:gone:{session_id}", "since", "noted")
        return (float(since) if since is not None else None), noted == b"1"

    def set_gone(self, session_id: int, since: float | None = None, noted: bool | None = None) -> None:
        key = f"relaydesk:gone:{session_id}"
        with self.redis.pipeline() as pipe:
            if since is not None:
                pipe.hset(key, "since", repr(since))
            if noted is not None:
                pipe.hset(key, "noted", "1" if noted else "0")
            pipe.expire(key, SCREEN_TTL_S)
            pipe.execute()

    def back(self, session_id: int) -> bool:
        """Count a session's customer back; return whether they had been noted as gone."""
        with self.redis.pipeline() as pipe:
            pipe.hget(f"relaydesk:gone:{session_id}", "noted")
            pipe.delete(f"relaydesk:gone:{session_id}")
            noted, _deleted = pipe.execute()
        return noted == b"1"

    # --- values shared by every node ----------------------------------------------

    def get_json(self, key: str, default: Any = None) -> Any:
        raw = self.redis.get(f"relaydesk:{key}")
        return json.loads(raw) if raw is not None else default

    def set_json(self, key: str, value: Any, ttl_s: int = SCREEN_TTL_S, only_new: bool = False) -> None:
        """Keep a value every node reads (``only_new``: unless one is kept already)."""
        self.redis.set(f"relaydesk:{key}", json.dumps(value), ex=ttl_s, nx=only_new)

    def get_bytes(self, key: str) -> bytes | None:
        value = self.redis.get(f"relaydesk:{key}")
        return value.encode() if isinstance(value, str) else value

    def set_bytes(self, key: str, value: bytes | None, ttl_s: int = SCREEN_TTL_S) -> None:
        if value is None:
            self.redis.delete(f"relaydesk:{key}")
        else:
            self.redis.set(f"relaydesk:{key}", value, ex=ttl_s)

    def delete(self, *keys: str) -> None:
        self.redis.delete(*[f"relaydesk:{key}" for key in keys])

    @contextmanager
    def locked(self, name: str, timeout_s: float = SWEEP_LOCK_S) -> Iterator[None]:
        """Hold a lock every node shares (waiting for it)."""
        with self.redis.lock(f"relaydesk:lock:{name}", timeout=timeout_s, blocking_timeout=timeout_s):
            yield

    def try_lock(self, name: str, timeout_s: float = SWEEP_LOCK_S) -> Any:
        """Return a lock every node shares if this node got it now, else None (another node holds it)."""
        lock = self.redis.lock(f"relaydesk:lock:{name}", timeout=timeout_s)
        return lock if lock.acquire(blocking=False) else None

    def ping(self) -> None:
        self.redis.ping()


def make_broker(config: dict) -> RedisBroker | None:
    """Return the broker ``BROKER_URL`` names, or None for one node (the default)."""
    url = str(config.get("BROKER_URL") or "")
    if not url:
        return None
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"BROKER_URL must be redis://…, rediss://… or unix://…, not {url!r}")
    return RedisBroker(url, str(config.get("NODE_NAME") or ""))

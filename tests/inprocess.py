"""The relay in this process: a ``Relay`` on a temporary SQLite store, its connections fake sockets that keep
what they are sent.

Routing and visibility need no server subprocess: ``Relay.handle`` runs a
frame to the end, deliveries included, before it returns, so every frame a
person would receive is already in their ``frames`` when ``send`` returns.
``Client`` answers like ``tests.wsclient.Client`` (``send``, ``expect``,
``frames``), so a test reads the same in process as over a socket, and every
frame the relay sends is checked against the protocol's declarations.
"""

from __future__ import annotations

import json

import pytest
from werkzeug.security import generate_password_hash

from relaydesk import protocol
from relaydesk.hub import CustomerConnection, RepConnection
from relaydesk.passwords import Passwords
from relaydesk.relay import Relay
from relaydesk.store import Store
from tests.wsclient import matcher


class QuickPasswords(Passwords):
    """Hashes for test reps that cost nothing to make or check: what the test is about is not scrypt."""

    def hash(self, password: str) -> str:
        return generate_password_hash(password, "pbkdf2:sha256:1")


class Socket:
    """A websocket that keeps what the relay sends it, each frame checked against what the protocol declares."""

    def __init__(self, role: str) -> None:
        self.role = role
        self.sent: list[dict] = []  # parsed, for the tests that read the frames themselves
        self.raw: list[str] = []
        self.images: list[bytes] = []
        self.closed_with: int | None = None

    def send(self, data: str | bytes) -> None:
        if isinstance(data, bytes):
            self.images.append(data)
            return
        self.raw.append(data)
        self.sent.append(protocol.check_server_frame(json.loads(data.encode("utf-8")), self.role))  # as on the wire

    def receive(self) -> str | bytes | None:
        raise AssertionError("the test drives the relay itself")

    def close(self, reason: int | None = None, message: str | None = None) -> None:
        self.closed_with = reason


class Client:
    """One person's connection to an in-process relay."""

    def __init__(self, relay: Relay, conn: RepConnection | CustomerConnection) -> None:
        self.relay, self.conn = relay, conn
        self.ws: Socket = conn.ws  # type: ignore[assignment]
        self.role = conn.role
        self.taken = 0  # frames before this one were looked at by ``expect`` or left in the backlog
        self.backlog: list[dict] = []

    @property
    def frames(self) -> list[str]:
        """Every frame received, raw, for leak checks."""
        return self.ws.raw

    def send(self, **frame) -> None:
        self.relay.handle(self.conn, json.dumps(frame))

    def send_raw(self, data: str | bytes) -> None:
        self.relay.handle(self.conn, data)

    def recv(self) -> dict:
        if self.taken >= len(self.ws.sent):
            raise AssertionError("nothing more was sent")
        self.taken += 1
        return self.ws.sent[self.taken - 1]

    def expect(self, type: str, timeout: float = 0, where=None, **match) -> dict:
        """Return the first frame of ``type`` whose fields match among those received and not yet expected."""

        matches = matcher(type, where, match)
        for frame in self.backlog:
            if matches(frame):
                self.backlog.remove(frame)
                return frame
        while self.taken < len(self.ws.sent):
            frame = self.recv()
            if matches(frame):
                return frame
            self.backlog.append(frame)
        raise AssertionError(f"no {type} frame matching {match}")

    def nothing_more(self) -> list[dict]:
        """Return the frames received and not yet expected, and forget them."""
        rest = self.backlog + self.ws.sent[self.taken:]
        self.backlog, self.taken = [], len(self.ws.sent)
        return rest

    def close(self) -> None:
        self.relay._forget(self.conn)


class Desk:
    """An in-process relay, with reps made straight in its store."""

    def __init__(self, store: Store, config: dict | None = None) -> None:
        self.store = store
        self.relay = Relay(store, config)
        self.reps: dict[str, object] = {}

    def add_rep(self, username: str, name: str, admin: bool = False) -> None:
        self.reps[username] = self.store.add_rep(username, name, "correct horse", admin=admin)

    def connect(self, role: str, username: str | None = None, address: str = "127.0.0.1") -> Client:
        if role == "rep":
            assert username is not None
            sign_in = self.relay.sign_ins.find(self.relay.sign_ins.start(self.reps[username]))  # type: ignore[arg-type]
            assert sign_in is not None, f"{username} cannot sign in"
            conn: RepConnection | CustomerConnection = RepConnection(Socket("rep"), sign_in.rep, sign_in.key)
            self.relay.hub.open_rep(conn)
        else:
            conn = CustomerConnection(Socket("customer"), address)
        return Client(self.relay, conn)


@pytest.fixture
def desk(tmp_path):
    """An in-process relay with Alice, Bob and Root (an admin), as ``tests.chatters.server`` has them."""
    store = Store(tmp_path / "desk.db", synchronous="OFF", passwords=QuickPasswords())
    desk = Desk(store, {"FRAMES_PER_CONNECTION": "1000000/second", "REQUESTS_PER_ADDRESS": "1000000/second"})
    desk.add_rep("alice", "Alice")
    desk.add_rep("bob", "Bob")
    desk.add_rep("root", "Root", admin=True)
    yield desk
    store.close()

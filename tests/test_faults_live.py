"""Faults: the server killed with SIGKILL again and again under load loses nothing it acknowledged.

Several customers and reps keep writing, without waiting for acks, while the
server is killed at a random moment, 50 times over.  Like the browser pages,
each client keeps what it sent but saw no ack for, reconnects, says what it
has seen, and sends those again with the same ids.  In the end every
acknowledged message is in every client's view exactly once, and in the
database exactly once.
"""

from __future__ import annotations

import random
import sqlite3
import threading
from collections import Counter

import pytest
import websocket

from tests.chatters import accept, ask, new_id, rep_hello
from tests.disks import tmpfs
from tests.liveserver import UNPACED, LiveServer
from tests.wsclient import Client, sign_in

CYCLES = 20  # each a server start (~2 s): 50 took 100 s of the suite for little more proof
SESSIONS = 4  # two reps, each holding two sessions


class Writer:
    """One person writing into one session: what they sent, what was acknowledged, what to send again."""

    def __init__(self, role: str, session_id: int, token: str = "", username: str = "") -> None:
        self.role, self.session_id, self.token, self.username = role, session_id, token, username
        self.client: Client | None = None
        self.acked: set[str] = set()
        self.outbox: list[dict] = []  # sent, no ack yet: sent again, in order, after every reconnect
        self.written = 0

    def frame(self) -> dict:
        self.written += 1
        text = f"{self.role} {self.session_id} message {self.written}"
        if self.role == "customer":
            return {"type": "say", "id": new_id(), "text": text}
        return {"type": "say", "id": new_id(), "session": self.session_id, "text": text, "to": "all"}

    def connect(self, server, cookies: dict[str, str]) -> None:
        if self.role == "customer":
            self.client = Client(server, "customer")
            self.client.send(type="hello", token=self.token, since=0)
        else:
            self.client = Client(server, "rep", cookie=cookies[self.username])
            self.client.send(type="hello", since={})
        self.client.ws.settimeout(0.002)
        for frame in self.outbox:
            self.client.send(**frame)

    def write(self) -> None:
        frame = self.frame()
        self.outbox.append(frame)
        assert self.client is not None
        self.client.send(**frame)

    def read_acks(self) -> None:
        """Take in whatever acks have arrived, without waiting for more."""
        assert self.client is not None
        while True:
            try:
                frame = self.client.recv()
            except websocket.WebSocketTimeoutException:
                return
            if frame["type"] == "ack" and "seq" in frame:
                self.acked.add(frame["id"])
                self.outbox = [sent for sent in self.outbox if sent["id"] != frame["id"]]
            assert frame["type"] != "error", frame

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None


def one_cycle(server, writers: list[Writer], cookies: dict[str, str], rng: random.Random) -> None:
    """Reconnect everyone, then write until the server dies under us at a random moment."""
    server.start()
    for writer in writers:
        writer.connect(server, cookies)
    killer = threading.Timer(rng.uniform(0.05, 0.4), server.kill)
    killer.start()
    try:
        while server.process.poll() is None:
            for writer in writers:
                writer.write()
                writer.read_acks()
    except (websocket.WebSocketException, OSError):
        pass  # the server is gone mid-write: that is the point
    finally:
        killer.join()
        for writer in writers:
            writer.close()


def replayed_ids(client: Client, session_id: int) -> Counter[str]:
    """Return how many times each event id of a session arrives when a client asks for everything from the start,
    a page at a time."""
    seen: Counter[str] = Counter()
    client.ws.settimeout(2)
    while True:
        try:
            frame = client.recv()
        except websocket.WebSocketTimeoutException:
            return seen
        if frame["type"] == "event" and frame["session"] == session_id:
            seen[frame["id"]] += 1  # ``recv`` asked for the next page as a page ended


def test_twenty_sigkills_under_load_lose_and_repeat_no_acknowledged_message(start_server):
    server = start_server(**UNPACED)
    server.add_rep("alice", "Alice")
    server.add_rep("bob", "Bob")
    rng = random.Random(20261125)
    cookies = {name: sign_in(server, name) for name in ("alice", "bob")}
    writers: list[Writer] = []
    for number in range(SESSIONS):
        username = ("alice", "bob")[number % 2]
        customer, rep = Client(server, "customer"), Client(server, "rep", cookie=cookies[username])
        rep_hello(rep)
        session_id, token = ask(customer, name=f"Customer {number}")
        accept(rep, session_id)
        customer.close()
        rep.close()
        writers += [Writer("customer", session_id, token=token), Writer("rep", session_id, username=username)]
    server.kill()

    for _cycle in range(CYCLES):
        one_cycle(server, writers, cookies, rng)

    server.start()
    for writer in writers:  # what was left unacknowledged goes again, until all of it is acknowledged
        writer.connect(server, cookies)
        writer.client.ws.settimeout(5)
        while writer.outbox:
            writer.read_acks()
    acked = {writer.session_id: set() for writer in writers}
    for writer in writers:
        acked[writer.session_id] |= writer.acked
        writer.close()
    total = sum(len(ids) for ids in acked.values())
    assert total > 10 * CYCLES, f"only {total} acknowledged: too light a load to prove much"
    print(f"\n{total} messages acknowledged across {CYCLES} SIGKILLs")

    for writer in writers:  # every client's view, from the start
        view = Client(server, writer.role, cookie=cookies.get(writer.username))
        if writer.role == "customer":
            view.send(type="hello", token=writer.token, since=0)
        else:  # a console that had read the session, from the start: it catches up as the page does
            view.send(type="hello", since={str(writer.session_id): 0})
        seen = replayed_ids(view, writer.session_id)
        view.close()
        assert {i for i in acked[writer.session_id] if seen[i] != 1} == set(), f"{writer.role}'s view"

    with sqlite3.connect(server.data / "relaydesk.db") as db:
        for session_id, ids in acked.items():
            stored = Counter(row[0] for row in db.execute("SELECT id FROM events WHERE session_id = ?",
                                                          (session_id,)))
            assert {i for i in ids if stored[i] != 1} == set()


# --- a full disk -------------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB file system of its own, unmounted afterwards."""
    with tmpfs(tmp_path / "disk", "4m") as disk:
        yield disk


def fill(disk) -> None:
    """Take every free byte of the file system, as a runaway log would."""
    with open(disk / "filler", "wb", buffering=0) as filler:  # unbuffered: nothing left to fail at close
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError:
            pass


def test_a_full_disk_refuses_messages_clearly_and_recovers_without_a_restart(small_disk):
    server = LiveServer(small_disk / "data", UNPACED)
    server.data.mkdir(mode=0o700)
    server.start()
    clients: list[Client] = []
    try:
        server.add_rep("alice", "Alice")
        customer, rep = Client(server, "customer"), Client(server, "rep", cookie=sign_in(server, "alice"))
        clients += [customer, rep]
        rep_hello(rep)
        session_id, _token = ask(customer)
        accept(rep, session_id)
        customer.expect("event", kind="status", text="Alice joined the chat")

        fill(small_disk)
        refused: list[str] = []
        for number in range(50):  # the first write that needs a new page meets the full disk
            frame_id = new_id()
            customer.send(type="say", id=frame_id, text=f"on a full disk {number} " + "x" * 3000)
            answer = _answer(customer, frame_id)
            if answer["type"] == "error":
                refused.append(frame_id)
                assert answer["code"] == "storage" and "disk" in answer["message"], answer
        assert refused, "nothing was refused: the disk was not full"

        (small_disk / "filler").unlink()
        for frame_id in refused:  # the page sends them again, with the same ids, once there is room
            customer.send(type="say", id=frame_id, text="sent again")
            assert _answer(customer, frame_id)["type"] == "ack"
        assert server.process.poll() is None, "the server must recover by itself"
        assert server.server_errors() == []
    finally:
        for client in clients:
            client.close()
        server.stop()


def _answer(client: Client, frame_id: str) -> dict:
    """Return the ack or the error that answers one frame."""
    while True:
        frame = client.recv()
        if frame.get("id") == frame_id and frame["type"] in ("ack", "error"):
            return frame

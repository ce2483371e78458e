"""``kill -9`` of one of two nodes behind nginx, mid-conversation.

Two customers and two reps talk through nginx (round-robin: the four pages
are spread over both nodes) and keep writing without waiting for acks; one
node is killed.  Like the browser pages, each client keeps what it sent but
saw no ack for, reconnects through nginx (to the surviving node), says the
last sequence number it read, and sends its outbox again with the same ids.
Then every acknowledged message is in each side's view once, and in the
database once; nothing was received twice.  The time from the kill until
every client is caught up is printed (a measurement, not a threshold).
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import websocket

from relaydesk.store import Store
from tests.chatters import accept, ask, new_id, rep_hello
from tests.liveserver import UNPACED
from tests.multinode import cluster, on_database
from tests.wsclient import Client, sign_in

CATCH_UP_S = 60  # the test gives up (fails) after this; the time it took is what it prints


class Person:
    """One side of one session, as its page behaves: an outbox, the last sequence number read, reconnects."""

    def __init__(self, role: str, session_id: int, token: str = "", cookie: str = "") -> None:
        self.role, self.session_id, self.token, self.cookie = role, session_id, token, cookie
        self.client: Client | None = None
        self.last = 0  # the highest sequence number of its session it read as an event
        self.received: Counter[str] = Counter()  # event ids, as often as each arrived
        self.acked: dict[str, int] = {}  # its own messages' ids, acknowledged, with their sequence numbers
        self.outbox: list[dict] = []
        self.written = 0
        self.drops = 0

    def connect(self, front) -> bool:
        try:
            self.client = Client(front, self.role, cookie=self.cookie or None)
            if self.role == "customer":
                self.client.send(type="hello", token=self.token, since=self.last)
            else:
                self.client.send(type="hello", since={self.session_id: self.last} if self.last else {})
            self.client.ws.settimeout(0.005)
            for frame in self.outbox:
                self.client.send(**frame)
            return True
        except (websocket.WebSocketException, OSError):
            self.client = None
            return False

    def write(self) -> None:
        self.written += 1
        frame = {"type": "say", "id": new_id(), "text": f"{self.role} {self.session_id} #{self.written}"}
        if self.role == "rep":
            frame |= {"session": self.session_id, "to": "all"}
        self.outbox.append(frame)
        self._send(frame)

    def _send(self, frame: dict) -> None:
        if self.client is None:
            return
        try:
            self.client.send(**frame)
        except (websocket.WebSocketException, OSError):
            self._dropped()

    def _dropped(self) -> None:
        self.drops += 1
        if self.client is not None:
            try:
                self.client.close()
            except (websocket.WebSocketException, OSError):
                pass
        self.client = None

    def pump(self) -> None:
        """Read whatever has arrived, without waiting for more."""
        while self.client is not None:
            try:
                frame = self.client.recv()
            except websocket.WebSocketTimeoutException:
                return
            except (websocket.WebSocketException, OSError, ValueError):
                return self._dropped()
            if frame["type"] == "event" and frame["session"] == self.session_id:
                self.received[frame["id"]] += 1
                self.last = max(self.last, frame["seq"])
            elif frame["type"] == "ack" and "seq" in frame:
                self.acked[frame["id"]] = frame["seq"]
                self.outbox = [sent for sent in self.outbox if sent["id"] != frame["id"]]
            assert frame["type"] != "error", frame

    def view(self) -> set[str]:
        """The messages its page shows: what it received, and its own acknowledged ones."""
        return set(self.received) | set(self.acked)


BOTH_BACKENDS = True


def test_a_node_killed_mid_conversation_loses_and_doubles_nothing(tmp_path, backend, database_url):
    took, reconnected, acked = failover_once(tmp_path, on_database(backend, database_url))
    print(f"\nfailover: kill -9 of one of 2 nodes -> every client caught up in {took:.0f} ms "
          f"({reconnected} of 4 pages reconnected; {acked} messages acknowledged)")


def failover_once(folder: Path, database: dict | None = None) -> tuple[float, int, int]:
    """Kill one of two nodes mid-conversation and check nothing was lost or doubled; return the milliseconds from
    the kill until every page caught up, how many pages reconnected, and how many messages were acknowledged
    (``bench.nodes`` runs it too); ``database``: ``on_database``'s settings (default: SQLite)."""
    with cluster(folder, nodes=2, **UNPACED, **(database or {})) as nodes:
        nodes.add_rep("alice", "Alice")
        nodes.add_rep("bob", "Bob")
        front = nodes.front
        people: list[Person] = []
        for username in ("alice", "bob"):
            cookie = sign_in(front, username)
            setup = Client(front, "rep", cookie=cookie)
            rep_hello(setup)
            customer = Client(front, "customer")
            session_id, token = ask(customer, name=f"Customer of {username}")
            accept(setup, session_id)
            setup.close()
            customer.close()
            people += [Person("customer", session_id, token=token), Person("rep", session_id, cookie=cookie)]
        for person in people:
            assert person.connect(front)
        for _ in range(20):  # talking: each writes, nobody waits for acks
            for person in people:
                person.write()
                person.pump()
            time.sleep(0.01)
        victim = nodes.nodes[0]
        for round_ in range(40):  # the kill, mid-write
            if round_ == 10:
                victim.kill()
                killed_at = time.monotonic()
            for person in people:
                person.write()
                person.pump()
            time.sleep(0.01)
        assert any(person.drops for person in people), "no page was on the node that was killed"

        def caught_up() -> bool:
            for person in people:
                if person.client is None and not person.connect(front):
                    return False
                person.pump()
            everyone_acked = {session: set() for session in {p.session_id for p in people}}
            for person in people:
                everyone_acked[person.session_id] |= set(person.acked)
            return all(not person.outbox and person.client is not None
                       and everyone_acked[person.session_id] <= person.view() for person in people)

        while not caught_up():
            assert time.monotonic() - killed_at < CATCH_UP_S, [(p.role, len(p.outbox)) for p in people]
            time.sleep(0.02)
        took = (time.monotonic() - killed_at) * 1000

        for person in people:
            assert max(person.received.values()) == 1, "an event reached a page twice"
        store = Store((database or {}).get("DATABASE_URL") or nodes.data / "relaydesk.db", synchronous="NORMAL")
        try:
            for person in people:
                for event_id in person.acked:
                    row = store.db.row("SELECT COUNT(*) AS n FROM events WHERE id = ? AND session_id = ?",
                                       (event_id, person.session_id))
                    assert row is not None and row["n"] == 1, event_id
        finally:
            store.close()
        for person in people:
            if person.client is not None:
                person.client.close()
    return took, sum(1 for person in people if person.drops), sum(len(person.acked) for person in people)

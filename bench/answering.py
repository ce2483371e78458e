"""What the relay itself spends on a customer's message, in one gevent process, without sockets or websocket parsing.

``bench.load`` measures the whole server on a machine its generators share;
here only the relay runs: customers' greenlets hand ``Relay.handle`` their
``say`` frames as fast as it takes them (group commit and pipelining as
shipped, ``synchronous=FULL``), their reps' sockets only count what they get.
It prints CPU per message (the whole process: the hub and the commit thread; and the hub's thread alone),
median of a few rounds, so two versions of the relay compare on a busy machine
better than wall-clock rates do.

Run: ``PYTHONPATH=server:web/py .venv/bin/python -m bench.answering [sessions] [messages a session] [rounds]``.
"""

from gevent import monkey

monkey.patch_all()

import gc  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402

from relaydesk.hub import CustomerConnection, RepConnection  # noqa: E402
from relaydesk.relay import Relay  # noqa: E402
from relaydesk.store import Store  # noqa: E402
from tests.inprocess import QuickPasswords  # noqa: E402

REPS = 10


class Counting:
    """A socket that counts what it is sent."""

    def __init__(self) -> None:
        self.frames = 0

    def send(self, data: str | bytes) -> None:
        self.frames += 1
        self.last = data

    def send_latest(self, key: object, data: bytes) -> None:
        self.frames += 1

    def receive(self) -> None:
        raise AssertionError("the bench drives the relay itself")

    def close(self, reason: int | None = None, message: str | None = None) -> None:
        pass


def main() -> None:
    sessions = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    each = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "answering.db", passwords=QuickPasswords())
        relay = Relay(store, {"FRAMES_PER_CONNECTION": "1000000/second", "REQUESTS_PER_ADDRESS": "1000000/second",
                              "MAX_SESSIONS_PER_REP": 1000})
        reps = []
        for index in range(REPS):
            rep = store.add_rep(f"rep{index}", f"Rep {index}", "correct horse")
            sign_in = relay.sign_ins.find(relay.sign_ins.start(rep))
            assert sign_in is not None
            conn = RepConnection(Counting(), sign_in.rep, sign_in.key)
            relay.hub.open_rep(conn)
            relay.handle(conn, json.dumps({"type": "hello", "since": {}}))
            reps.append(conn)
        customers = []
        for index in range(sessions):
            conn = CustomerConnection(Counting(), f"10.0.{index // 256}.{index % 256}")
            relay.handle(conn, json.dumps({"type": "request", "id": f"request-{index}", "token": f"{index:043d}",
                                           "portal": "/", "name": f"C{index}", "issue": "x", "details": {}}))
            assert conn.session_id is not None, conn.ws.last  # type: ignore[attr-defined]
            relay.handle(reps[index % REPS], json.dumps({"type": "accept", "id": f"accept-{index}",
                                                          "session": conn.session_id}))
            customers.append(conn)
        text = "hello there, a message of a typical length"

        def talk(conn: CustomerConnection, tag: str) -> None:
            for number in range(each):
                relay.handle(conn, json.dumps({"type": "say", "id": f"{tag}-{conn.tag}-{number}",
                                               "text": f"{time.monotonic_ns()} {text}"}))
                gevent.sleep(0)  # as a connection reading its next frame

        gc.collect()
        gc.freeze()  # as ``relaydesk serve`` does, with its ``GC_THRESHOLD``
        gc.set_threshold(20000)
        costs, hub_costs = [], []
        for round_ in range(rounds):
            before = [rep.ws.frames for rep in reps]  # type: ignore[attr-defined]
            cpu, hub, wall = time.process_time(), time.thread_time(), time.perf_counter()
            gevent.joinall([gevent.spawn(talk, conn, f"r{round_}") for conn in customers])
            for conn in customers:
                relay.hub.settle(conn.session_id)  # type: ignore[arg-type]
            cpu, hub, wall = time.process_time() - cpu, time.thread_time() - hub, time.perf_counter() - wall
            got = sum(rep.ws.frames for rep in reps) - sum(before)  # type: ignore[attr-defined]
            assert got == sessions * each, (got, sessions * each)
            costs.append(cpu / got * 1e6)
            hub_costs.append(hub / got * 1e6)
            print(f"round {round_ + 1}: {got:,} messages, {got / wall:,.0f}/s, {costs[-1]:.1f} µs CPU each, "
                  f"{hub_costs[-1]:.1f} µs of it on the hub's thread")
        print(f"{sessions} sessions: median {statistics.median(costs):.1f} µs CPU a message "
              f"(min {min(costs):.1f}, max {max(costs):.1f}), on the hub's thread {statistics.median(hub_costs):.1f} "
              f"(min {min(hub_costs):.1f}, max {max(hub_costs):.1f})")
        store.close()


if __name__ == "__main__":
    main()

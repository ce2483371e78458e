"""Group commit, in one gevent process: appends a second, their latency, and how long the hub stalls.

Greenlets (as many as writing connections) append events as fast as their
acks come back (yielding between two, as a connection reading its next frame
does), each to its own session, for a few seconds, while a ticker
greenlet asks to wake every millisecond and notes how late it wakes: the
time the hub could not serve anyone else.  Three ways are compared in the
same run: each event its own transaction on the hub (``GROUP_COMMIT=False``,
as before), group commit on a thread of its own (``DB_WORKER="thread"``), and
group commit on gevent's threadpool (``DB_WORKER="pool"``).

Run: ``.venv/bin/python -m bench.commits [seconds]``.  ``--postgres`` runs group commit on SQLite and on a
throwaway PostgreSQL (tests/services.py; ``fsync=off``, so its commits cost no disk flush: what is compared is
the cost per event on the node, CPU and round trips, not the disk).
"""

from gevent import monkey

monkey.patch_all()

import os  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402

from bench.common import percentile  # noqa: E402
from relaydesk.store import Store  # noqa: E402

WAYS = {"one transaction each, on the hub": (False, "thread"), "group commit, own thread": (True, "thread"),
        "group commit, gevent threadpool": (True, "pool")}


def measure(folder: Path, group_commit: bool, worker: str, writers: int, seconds: float, url: str = "") -> str:
    store = Store(url or folder / f"{group_commit}-{worker}-{writers}.db", group_commit=group_commit, db_worker=worker)
    sessions = [store.create_session(f"r{n}-{time.time_ns()}", f"{n}-{time.time_ns()}".rjust(43, "0"), "/", f"C{n}",
                                     "x", {}).id for n in range(writers)]
    commits = [0]
    count = lambda sql: commits.__setitem__(0, commits[0] + 1) if sql == "COMMIT" else None  # noqa: E731
    if store.db.dialect == "sqlite":
        store.db.writer.set_trace_callback(count)
    else:
        execute = store.db.writer.execute
        store.db.writer.execute = lambda sql, *args: (count(sql), execute(sql, *args))[1]  # type: ignore[method-assign]
    latencies: list[float] = []
    stalls: list[float] = []
    until = time.perf_counter() + seconds

    def write(session: int) -> None:
        number = 0
        while time.perf_counter() < until:
            started = time.perf_counter()
            store.append_event(session, f"e{number}", "message", "hello there", "customer", "C")
            latencies.append((time.perf_counter() - started) * 1000)
            number += 1
            gevent.sleep(0)  # as a connection does, reading its next frame

    def tick() -> None:
        while time.perf_counter() < until:
            started = time.perf_counter()
            gevent.sleep(0.001)
            stalls.append((time.perf_counter() - started - 0.001) * 1000)

    cpu = time.process_time()
    started = time.perf_counter()
    gevent.joinall([gevent.spawn(tick)] + [gevent.spawn(write, session) for session in sessions])
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    store.close()
    return (f"{len(latencies) / elapsed:>9,.0f}/s  append p50 {percentile(latencies, 0.5):6.2f} ms"
            f" p99 {percentile(latencies, 0.99):7.2f} ms  hub stall p99 {percentile(stalls, 0.99):6.2f} ms"
            f" max {max(stalls):7.2f} ms  {len(latencies) / max(commits[0], 1):6.1f} events/commit"
            f"  CPU {cpu / max(len(latencies), 1) * 1e6:5.0f} µs/event")


def main(seconds: float = 3.0) -> None:
    print(f"Appends from N greenlets for {seconds:g} s each, synchronous=FULL, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        for writers in (1, 10, 100):
            for name, (group_commit, worker) in WAYS.items():
                print(f"N={writers:<4} {name:<33} {measure(Path(folder), group_commit, worker, writers, seconds)}",
                      flush=True)


def against_postgres(seconds: float) -> None:
    """Group commit on SQLite and on PostgreSQL, in the same run."""
    from tests.services import postgres

    print(f"Appends from N greenlets for {seconds:g} s each, group commit, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder, postgres(Path(folder) / "pg") as url:
        for writers in (1, 10, 100):
            for name, database in (("SQLite, synchronous=FULL", ""), ("PostgreSQL, fsync=off", url)):
                print(f"N={writers:<4} {name:<26} {measure(Path(folder), True, 'thread', writers, seconds, database)}",
                      flush=True)


if __name__ == "__main__":
    arguments = [argument for argument in sys.argv[1:] if argument != "--postgres"]
    (against_postgres if "--postgres" in sys.argv else main)(float(arguments[0]) if arguments else 3.0)

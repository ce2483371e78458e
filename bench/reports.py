"""Reports on a big team's year: 100,000 sessions in a temporary SQLite file, a year's range, timed.

Seeds sessions spread over 365 days (10 reps, 3 portals; most answered, some
abandoned, some invited reps and monitoring admins, ratings on about 40%),
then times what the page and the CSV do: read the rows (``reports.sessions``),
count them (``reports.summarize``) and write the CSV (``reports.csv_text``),
for the whole team, one portal and one rep; each the median of several runs.
Baselines, in the same process: a bare read of the sessions table's columns
(what any report must at least do), and the same reports without the indexes
of migration 4.  ``--live``: the whole year's page asked again and again
through a live server, and another customer's ack p50/p99 meanwhile, next to
none asked (is the hub still serving while a report is read and counted?).
Run: ``.venv/bin/python -m bench.reports [sessions] [runs] [--live]``.
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import summary
from relaydesk import reports
from relaydesk.reports import Scope
from relaydesk.store import Store
from tests.reportdata import Seeded, write

REPS = 10
TZ = ZoneInfo("Europe/Paris")
LAST = date(2026, 11, 25)
FIRST = LAST - timedelta(days=364)


def seed(path: Path, count: int) -> None:
    Store(path).close()  # the schema, by the migrations
    db = sqlite3.connect(path)
    with db:
        db.executemany("INSERT INTO reps (id, username, display_name, password_hash, role, created_at)"
                       " VALUES (?, ?, ?, 'x', ?, 0)",
                       [(n, f"rep{n}", f"Rep {n}", "admin" if n == REPS else "rep") for n in range(1, REPS + 1)])
        db.executemany("INSERT INTO portals (id, path, name) VALUES (?, ?, ?)",
                       [(2, "/billing", "Billing"), (3, "/vpn", "VPN")])
    rng = random.Random(14)
    start = Scope(FIRST, LAST, TZ).day_starts_ms()[0]
    year_ms = 365 * 24 * 3600 * 1000
    sessions = []
    for _n in range(count):
        created = start + rng.randrange(year_ms)
        portal = rng.choice((1, 1, 2, 3))
        if rng.random() < 0.12:  # abandoned in the queue
            sessions.append(Seeded(created, None, created + rng.randrange(30_000, 1_800_000),
                                   rng.choice(("left", "timed-out")), portal_id=portal, customer="Someone"))
            continue
        accepted = created + int(rng.expovariate(1 / 60_000))
        ended = accepted + int(rng.expovariate(1 / 600_000))
        owner = rng.randrange(1, REPS)
        reps = [(owner, "owner")]
        if rng.random() < 0.1:
            reps.append((rng.choice([r for r in range(1, REPS) if r != owner]), "invited"))
        if rng.random() < 0.05:
            reps.append((REPS, "monitor"))
        sessions.append(Seeded(created, accepted, ended, rng.choice(("resolved", "resolved", "unresolved", "unknown")),
                               rng.randint(1, 5) if rng.random() < 0.4 else None, tuple(reps),
                               customer=f"Customer {_n}", portal_id=portal))
    write(db, sorted(sessions, key=lambda seeded: seeded.created_at))  # ids rise with time, as they do live
    db.close()


def timed(path: Path, scope: Scope, runs: int) -> dict[str, list[float]]:
    names = {n: f"Rep {n}" for n in range(1, REPS + 1)}
    times: dict[str, list[float]] = {"read": [], "count": [], "page": [], "csv": []}
    for _run in range(runs):
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)  # as the page does: a connection of its own
        began = time.perf_counter()
        rows = reports.sessions(db, scope, names=False)  # as the page reads them
        read = time.perf_counter()
        reports.chart_json(reports.summarize(rows, scope, names))
        counted = time.perf_counter()
        reports.csv_text(reports.sessions(db, scope), scope.tz, names.__getitem__)  # as the CSV reads them
        written = time.perf_counter()
        db.close()
        times["read"].append((read - began) * 1000)
        times["count"].append((counted - read) * 1000)
        times["page"].append((counted - began) * 1000)
        times["csv"].append((written - counted) * 1000)  # read with the names, and write
    return times


def live(path_folder: Path, count: int, messages: int = 200) -> None:
    """The whole year's page through a live server, and another customer's ack latency meanwhile."""
    from bench.common import UNPACED
    from bench.guessing import ack_latencies, line
    from bench.relay import open_chat
    from tests.liveserver import LiveServer
    from tests.wsclient import post_form, sign_in

    data = path_folder / "live"
    data.mkdir(mode=0o700)
    seed(data / "relaydesk.db", count)
    server = LiveServer(data, dict(UNPACED))
    server.start()
    try:
        server.add_rep("alice", "Alice")
        server.add_rep("root", "Root", admin=True)
        customer, rep = open_chat(server, sign_in(server, "alice"))
        root = sign_in(server, "root")
        query = f"/rep/reports?from={FIRST}&to={LAST}&tz={TZ}"
        quiet = ack_latencies(customer, messages)
        pages: list[float] = []
        stop = threading.Event()

        def ask() -> None:
            while not stop.is_set():
                began = time.perf_counter()
                status = post_form(server, query, None, cookie=root)[0]
                assert status == 200, status
                pages.append((time.perf_counter() - began) * 1000)

        asker = threading.Thread(target=ask)
        asker.start()
        try:
            busy = ack_latencies(customer, messages)
        finally:
            stop.set()
            asker.join()
        customer.close()
        rep.close()
    finally:
        server.stop()
    print(f"\nthrough a live server: the whole year's page, asked again and again: {summary(pages)}")
    print(f"  another customer's acks, {messages} messages 10 ms apart")
    print(f"    {line('no report', quiet)}")
    print(f"    {line('reports asked', busy)}")


def main() -> None:
    numbers = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    count = int(numbers[0]) if numbers else 100_000
    runs = int(numbers[1]) if len(numbers) > 1 else 7
    if "--live" in sys.argv:
        with tempfile.TemporaryDirectory() as folder:
            live(Path(folder), count)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "relaydesk.db"
        began = time.perf_counter()
        seed(path, count)
        print(f"seeded {count:,} sessions over {FIRST} .. {LAST} in {time.perf_counter() - began:.1f} s"
              f" (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: other work slows every figure)")
        scopes = {"whole team": Scope(FIRST, LAST, TZ), "one portal": Scope(FIRST, LAST, TZ, portal_id=2),
                  "one rep": Scope(FIRST, LAST, TZ, rep_id=3),
                  "one month": Scope(LAST - timedelta(days=29), LAST, TZ)}
        bare = []
        for _run in range(runs):
            db = sqlite3.connect(path)
            began = time.perf_counter()
            db.execute("SELECT id, portal_id, customer_name, created_at, accepted_at, ended_at, outcome"
                       " FROM sessions").fetchall()
            bare.append((time.perf_counter() - began) * 1000)
            db.close()
        print(f"baseline, a bare read of the sessions table's columns: {summary(bare)}")
        medians = {}
        for label, scope in scopes.items():
            db = sqlite3.connect(path)
            found = len(reports.sessions(db, scope))
            db.close()
            times = timed(path, scope, runs)
            medians[label] = statistics.median(times["page"])
            print(f"\n{label}: {found:,} sessions")
            for what, values in times.items():
                ratio = statistics.median(values) / statistics.median(bare)
                print(f"  {what:6} {summary(values)}   ratio to the bare read {ratio:5.2f}")
        db = sqlite3.connect(path)
        db.executescript("DROP INDEX sessions_by_start; DROP INDEX participants_by_rep;")
        db.close()
        print("\nbaseline, without migration 4's indexes (page: read + count):")
        for label, scope in scopes.items():
            before = statistics.median(timed(path, scope, runs)["page"])
            print(f"  {label:11} median {before:8.1f} ms   with the indexes {medians[label]:8.1f} ms"
                  f"   ratio {before / medians[label]:5.2f}")


if __name__ == "__main__":
    main()

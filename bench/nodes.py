"""One node vs two behind nginx, the same load generator in the same run; then failover after ``kill -9``.

Three set-ups, each at the same fixed offered loads (bench.load's generator:
customers sending on schedule, each to its rep; latency is customer send →
rep receive):

1. one node alone, fan-out in its process (the default: no Redis, no nginx);
2. one node with ``BROKER_URL`` (Redis) behind nginx: what the broker and the
   proxy cost per message, with nothing crossing between nodes;
3. two nodes with Redis behind nginx (round-robin: about half the customers
   are on another node than their rep, so their messages cross through Redis).

For each load it prints the delivered rate, p50/p99, and the CPU of every
component (the nodes, Redis, nginx) as a share of one core and as CPU-µs per
message received: on two cores the database, the broker and the proxy compete
with the nodes, so the cost per message is the figure to explain, not the
rate.  Then ``kill -9`` of one of two nodes while pairs of people chat through
nginx (``tests/test_multinode_failover_live.py``'s pages: outbox, resume from
the last sequence number): the time from the kill until every page has every
acknowledged message, over several runs.

Run: ``.venv/bin/python -m bench.nodes`` (a few minutes), ``--smoke`` (< 1 min).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.load import HEADER, Generators, Target, cpu_seconds, load_run, raise_fd_limit, start_relaydesk
from tests.liveserver import UNPACED
from tests.multinode import cluster
from tests.wsclient import sign_in

CROWD = {**UNPACED, "MAX_CONNECTIONS_PER_ADDRESS": 100_000}  # every generator comes from one address (nginx's)


def pid_of(*markers: str) -> int | None:
    """Return the pid of the process whose command line contains every one of ``markers`` (a throwaway service of
    ours)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                if all(marker in line for marker in markers):
                    return int(entry.name)
            except OSError:
                continue
    return None


def measure(name: str, target: Target, components: dict[str, list[int]], sessions: int, loads: list[float],
            seconds: float, procs: int, reps: int) -> None:
    print(f"\n{name}", flush=True)
    print(HEADER + "   CPU by component: % of a core, µs/msg", flush=True)
    generators = Generators(target, procs, reps)
    try:
        generators.call("setup", sessions=sessions)
        generators.call("run", rate_per_customer=200 / sessions, seconds=1.0)  # warm up: not counted
        for rate in loads:
            before = {part: sum(cpu_seconds(pid) for pid in pids) for part, pids in components.items()}
            started = time.monotonic()
            run = load_run(generators, target, sessions, rate, seconds)
            wall = time.monotonic() - started
            used = {part: sum(cpu_seconds(pid) for pid in pids) - before[part] for part, pids in components.items()}
            received = max(1.0, run.delivered * seconds)
            parts = "  ".join(f"{part} {cpu / wall:4.0%} {cpu * 1e6 / received:5.0f}" for part, cpu in used.items())
            total = sum(used.values()) * 1e6 / received
            print(f"{run.line()}   {parts}  all {total:5.0f} µs/msg", flush=True)
    finally:
        generators.close()


def one_node(folder: Path, args) -> None:
    server, target = start_relaydesk(folder / "alone", args.reps, CROWD)
    try:
        measure("1 node, in-process fan-out (the default)", target, {"node": [target.pid]}, args.sessions,
                args.loads, args.seconds, args.procs, args.reps)
    finally:
        server.stop()


def behind_nginx(folder: Path, args, nodes: int) -> None:
    with cluster(folder / f"cluster{nodes}", nodes=nodes, **CROWD) as made:
        assert made.front is not None
        names = [f"rep{index}" for index in range(args.reps)]
        for name in names:
            made.add_rep(name, name.title())
        target = Target(f"{nodes} node{'s' if nodes > 1 else ''}", made.front.url, made.nodes[0].process.pid,
                        [sign_in(made.front, name) for name in names])
        redis_port = made.broker_url.rsplit(":", 1)[1].split("/")[0]
        components = {"nodes": [node.process.pid for node in made.nodes],
                      "redis": [pid for pid in [pid_of("redis-server", f":{redis_port}")] if pid],
                      "nginx": [pid for pid in [pid_of(str(folder / f"cluster{nodes}" / "nginx" / "nginx.conf"))]
                                if pid]}
        nginx_master = components["nginx"][0] if components["nginx"] else None
        if nginx_master is not None:  # the worker does the proxying: count it, not just its master
            components["nginx"] += [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()
                                    and _parent(int(entry.name)) == nginx_master]
        measure(f"{nodes} node{'s' if nodes > 1 else ''} + Redis behind nginx", target, components, args.sessions,
                args.loads, args.seconds, args.procs, args.reps)


def _parent(pid: int) -> int | None:
    try:
        return int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def failover(folder: Path, runs: int) -> None:
    from tests.test_multinode_failover_live import failover_once

    took = []
    for run in range(runs):
        ms, reconnected, acked = failover_once(folder / f"failover{run}")
        took.append(ms)
        print(f"failover run {run + 1}: kill -9 -> every page caught up in {ms:.0f} ms "
              f"({reconnected} pages reconnected, {acked} messages acknowledged)", flush=True)
    print(f"failover: median {statistics.median(took):.0f} ms, min {min(took):.0f}, max {max(took):.0f} "
          f"over {runs} runs", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--reps", type=int, default=4)
    parser.add_argument("--loads", default="200,400,800", help="offered msg/s, comma-separated")
    parser.add_argument("--seconds", type=float, default=3.0, help="each run's length")
    parser.add_argument("--procs", type=int, default=2, help="generator processes")
    parser.add_argument("--failovers", type=int, default=5, help="kill -9 runs")
    parser.add_argument("--smoke", action="store_true", help="small sizes: a check that the bench runs")
    args = parser.parse_args(argv)
    if args.smoke:
        args.sessions, args.reps, args.loads, args.seconds, args.failovers = 8, 2, "200", 0.5, 1
    args.loads = [float(load) for load in str(args.loads).split(",")]
    raise_fd_limit()
    print(f"{args.sessions} sessions over {args.reps} reps, {args.seconds:g} s a run; {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        one_node(Path(folder), args)
        behind_nginx(Path(folder), args, 1)
        behind_nginx(Path(folder), args, 2)
        failover(Path(folder), args.failovers)


if __name__ == "__main__":
    main()

"""Many sessions under load: Relaydesk next to a bare flask-sock room relay, driven by the same generator.

Customers are spread over a few reps; each customer sends chat messages at
its share of an offered rate (open loop: on schedule, not waiting for acks),
and the rep holding the session receives them.  Latency is customer send →
rep receive (CLOCK_MONOTONIC, written into the message).  Each run prints the
offered, sent and delivered rates, p50/p99 latency, the server's CPU (from
/proc/<pid>/stat) and each generator process's CPU: a generator near 100 %
would be the ceiling, not the server.

In one invocation:

1. Relaydesk, 100 sessions: offered 500 msg/s, doubled until it saturates
   (delivers < 90 % of what was sent), then 4× the peak; the same loads with
   500 sessions; then the bare relay (no storage, no acks, no checks) at the
   same loads; then the stored relay (``bench/echo_server.py``: each frame
   stored in SQLite by group commit, acked once on disk and sent on; nothing
   else), the floor under any relay that acks only what is on disk.
   Saturated throughput is printed as a ratio of the bare relay's.
2. A flood: one customer sends as fast as it can while another, at 20 msg/s,
   measures its p99 (next to the same client alone).
3. Server RSS and file descriptors per idle socket, with 2,000 idle sockets.
4. ``kill -9`` during load: every message acknowledged before is in the
   SQLite file exactly once.

Run: ``.venv/bin/python -m bench.load`` (a few minutes), ``--smoke`` (< 1 min);
``--setting GROUP_COMMIT=false`` runs Relaydesk with a setting changed (here,
each event in its own transaction, on the hub, as before group commit).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import resource
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from bench.common import percentile
from tests.liveserver import UNPACED, LiveServer
from tests.wsclient import sign_in

TICK = os.sysconf("SC_CLK_TCK")
STORED = "stored relay"  # bench/echo_server.py's /stored/ rooms: stored, acked once on disk, sent on
SATURATED = 0.9  # delivered below this share of what was sent: the server no longer keeps up
ALWAYS_UP_TO = 2000  # msg/s: the doubling goes at least this far, whatever one noisy run says


# --- the server side ----------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


@dataclass
class Target:
    """A server under test: where to connect, its process, and the reps' sign-in cookies."""

    name: str
    url: str  # http://host:port
    pid: int
    cookies: list[str] = field(default_factory=list)  # Relaydesk only

    @property
    def bare(self) -> bool:
        return not self.cookies

    @property
    def room(self) -> str:
        """Where the echo server's customers send: ``stored`` rooms store and ack each frame first."""
        return "stored" if self.name == STORED else "room"


def start_bare(name: str = "bare relay") -> tuple[subprocess.Popen, Target]:
    """The echo server, as the bare relay or as the stored relay (``name``)."""
    process = subprocess.Popen([sys.executable, "-m", "bench.echo_server"], stdout=subprocess.PIPE, text=True)
    url = process.stdout.readline().split()[-1]
    return process, Target(name, url, process.pid)


def start_relaydesk(folder: Path, reps: int, settings: dict) -> tuple[LiveServer, Target]:
    folder.mkdir(mode=0o700)
    # Every generator connects from this one address: its cap would stop the 500 sessions and the idle sockets.
    server = LiveServer(folder, {**UNPACED, "MAX_CONNECTIONS_PER_ADDRESS": 100_000, **settings})
    server.start()
    names = [f"rep{index}" for index in range(reps)]
    for name in names:
        server.add_rep(name, name.title())
    return server, Target("Relaydesk", server.url, server.process.pid, [sign_in(server, name) for name in names])


# --- the generator: one asyncio process per share of the reps ------------------------------------------------


@dataclass
class Customer:
    index: int
    rep: int
    ws: ClientConnection
    session: int = 0
    acked: set[str] = field(default_factory=set)


class Generator:
    """One generator process: some reps and their customers, driven on command from the main process."""

    def __init__(self, target: Target, worker: int, workers: int, reps: int) -> None:
        self.target, self.worker, self.workers, self.reps_total = target, worker, workers, reps
        self.run_tag = ""
        self.ws_url = target.url.replace("http://", "ws://", 1)
        self.reps: dict[int, ClientConnection] = {}
        self.customers: list[Customer] = []
        self.arrivals: list[tuple[int, int, int]] = []  # (received ns, sent ns, customer index)
        self.idle: list[ClientConnection] = []
        self.readers: list[asyncio.Task] = []
        self.errors: list[dict] = []  # error frames the customers got

    async def _connect(self, path: str, cookie: str | None = None) -> ClientConnection:
        headers = {"Cookie": cookie} if cookie else {}
        return await connect(self.ws_url + path, origin=self.target.url, additional_headers=headers,  # type: ignore[arg-type]
                             compression=None, ping_interval=None, max_size=None, open_timeout=60)

    async def setup(self, sessions: int) -> dict:
        """Open this process's reps, and its customers' sessions, each accepted by its rep."""
        reps = self.reps_total
        mine = [rep for rep in range(reps) if rep % self.workers == self.worker]
        for rep in mine:
            if self.target.bare:
                self.reps[rep] = await self._connect(f"/room/rep{rep}?listen=1")
            else:
                ws = self.reps[rep] = await self._connect("/ws/rep", self.target.cookies[rep])
                await ws.send(json.dumps({"type": "hello", "since": {}}))
                await _expect(ws, "welcome")
        indexes = [index for index in range(sessions) if index % reps in mine]
        await asyncio.gather(*(self._open_sessions([i for i in indexes if i % reps == rep]) for rep in mine))
        self.readers = [asyncio.create_task(self._read_rep(ws)) for ws in self.reps.values()]
        self.readers += [asyncio.create_task(self._read_customer(customer)) for customer in self.customers]
        return {"customers": len(self.customers)}

    async def _open_sessions(self, indexes: list[int]) -> None:
        for index in indexes:
            rep = index % self.reps_total
            if self.target.bare:
                self.customers.append(Customer(index, rep, await self._connect(f"/{self.target.room}/rep{rep}")))
                continue
            ws = await self._connect("/ws/customer")
            await ws.send(json.dumps({"type": "request", "id": secrets.token_urlsafe(12),
                                      "token": secrets.token_urlsafe(32), "portal": "/", "name": f"Load {index}",
                                      "issue": "Load", "details": {}}))
            session = (await _expect(ws, "welcome"))["session"]["id"]
            accept = secrets.token_urlsafe(12)
            await self.reps[rep].send(json.dumps({"type": "accept", "id": accept, "session": session}))
            await _expect(self.reps[rep], "ack", accept)
            self.customers.append(Customer(index, rep, ws, session))

    async def _read_rep(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame.get("type") in ("say", "event") and frame.get("kind", "message") == "message":
                    sent, _, rest = frame["text"].partition(" ")
                    if sent.isdigit():
                        self.arrivals.append((time.monotonic_ns(), int(sent), int(rest.split(" ", 1)[0])))
        except WebSocketException:
            pass

    async def _read_customer(self, customer: Customer) -> None:
        try:
            async for raw in customer.ws:
                frame = json.loads(raw)
                if frame.get("type") == "ack":
                    customer.acked.add(frame["id"])
                elif frame.get("type") == "error":
                    self.errors.append(frame)
        except WebSocketException:
            pass

    async def _send(self, customer: Customer, number: int) -> None:
        text = f"{time.monotonic_ns()} {customer.index} hello there, a message of a typical length"
        await customer.ws.send(json.dumps({"type": "say", "id": f"c{customer.index}-{number}-{self.run_tag}",
                                           "text": text}))

    async def _paced(self, customer: Customer, rate: float, started: float, until: float) -> int:
        """Send at ``rate`` a second, on schedule whatever the answers; catch up when sending was held back."""
        interval, sent = 1 / rate, 0
        due = started + random.random() * interval
        try:
            while due < until:
                now = time.monotonic()
                if due > now:
                    await asyncio.sleep(due - now)
                    continue
                await self._send(customer, sent)
                sent += 1
                due += interval
        except WebSocketException:
            pass  # the server went away (kill -9)
        return sent

    async def _flood(self, customer: Customer, until: float) -> int:
        sent = 0
        try:
            while time.monotonic() < until:
                await self._send(customer, sent)
                sent += 1
                if sent % 20 == 0:
                    await asyncio.sleep(0)
        except WebSocketException:
            pass
        return sent

    async def run(self, rate_per_customer: float, seconds: float, acks: bool = False,
                  only: list[int] | None = None, flood: int | None = None) -> dict:
        """Send for ``seconds``; return what was sent and received, latencies, and this process's CPU."""
        self.run_tag = secrets.token_hex(3)
        self.arrivals, self.errors = [], []
        cpu = time.process_time()
        started = time.monotonic()
        until = started + seconds
        chosen = [c for c in self.customers if only is None or c.index in only]
        jobs = [self._flood(c, until) if c.index == flood else self._paced(c, rate_per_customer, started, until)
                for c in chosen]
        counts = dict(zip((c.index for c in chosen), await asyncio.gather(*jobs), strict=True))
        flooded = counts.pop(flood, 0)
        sent = sum(counts.values())
        for customer in [c for c in self.customers if c.index == flood]:  # its backlog goes with its socket
            customer.ws.transport.abort()
            self.customers.remove(customer)
        await self._drain(sent, skip=flood)
        start_ns, until_ns = int(started * 1e9), int(until * 1e9)
        mine = [(got, sent_at, who) for got, sent_at, who in self.arrivals if sent_at >= start_ns]
        return {
            "sent": sent, "flooded": flooded, "seconds": seconds, "errors": self.errors[:5],
            "delivered_in_window": sum(1 for got, _, _ in mine if got <= until_ns),
            "received": len(mine),
            "latencies": [((got - sent_at) / 1e6, who) for got, sent_at, who in mine],
            "cpu": time.process_time() - cpu, "wall": time.monotonic() - started,
            "acked": [(c.session, i) for c in chosen for i in c.acked if i.endswith(self.run_tag)] if acks else [],
        }

    async def _drain(self, sent: int, skip: int | None = None) -> None:
        """Let what was sent arrive, so the next run starts on an empty server: wait while it still comes."""
        last, quiet_since = -1, time.monotonic()
        while time.monotonic() - quiet_since < 2.0:
            arrived = sum(1 for _, _, who in self.arrivals if who != skip) if skip is not None else len(self.arrivals)
            if arrived >= sent:
                return
            if arrived != last:
                last, quiet_since = arrived, time.monotonic()
            await asyncio.sleep(0.02)

    async def open_idle(self, count: int) -> dict:
        gate = asyncio.Semaphore(50)

        async def one(index: int) -> None:
            async with gate:
                path = f"/room/idle{index}" if self.target.bare else "/ws/customer"
                self.idle.append(await self._connect(path))

        await asyncio.gather(*(one(index) for index in range(count)))
        return {"open": len(self.idle)}

    async def close_idle(self) -> dict:
        for ws in self.idle:  # no closing handshake to wait for: the server sees the socket close
            ws.transport.abort()
        self.idle = []
        return {}

    async def close(self) -> dict:
        for ws in [c.ws for c in self.customers] + list(self.reps.values()):
            ws.transport.abort()
        return {}


async def _expect(ws: ClientConnection, kind: str, frame_id: str | None = None) -> dict:
    while True:
        frame = json.loads(await ws.recv())
        if frame["type"] == "error":
            raise RuntimeError(f"the server refused a set-up frame: {frame}")
        if frame["type"] == kind and (frame_id is None or frame.get("id") == frame_id):
            return frame


def _generator_main(pipe, target: Target, worker: int, workers: int, reps: int) -> None:
    async def serve() -> None:
        generator = Generator(target, worker, workers, reps)
        loop = asyncio.get_running_loop()
        while True:
            command, args = await loop.run_in_executor(None, pipe.recv)
            try:
                pipe.send(await getattr(generator, command)(**args))
            except Exception as exc:  # noqa: BLE001 -- reported by the main process
                pipe.send({"error": repr(exc)})
            if command == "close":
                return

    asyncio.run(serve())


class Generators:
    """The generator processes for one target; ``call`` runs a command in all of them (or some) at once."""

    def __init__(self, target: Target, workers: int, reps: int) -> None:
        context = multiprocessing.get_context("fork")
        self.reps = reps
        self.pipes, self.processes = [], []
        for worker in range(min(workers, reps)):
            mine, theirs = context.Pipe()
            process = context.Process(target=_generator_main, args=(theirs, target, worker, min(workers, reps), reps))
            process.start()
            self.pipes.append(mine)
            self.processes.append(process)

    def call(self, command: str, workers: list[int] | None = None, **args) -> list[dict]:
        chosen = [self.pipes[w] for w in (workers if workers is not None else range(len(self.pipes)))]
        for pipe in chosen:
            pipe.send((command, args))
        answers = [pipe.recv() for pipe in chosen]
        for answer in answers:
            if "error" in answer:
                raise RuntimeError(f"a generator failed at {command}: {answer['error']}")
        return answers

    def close(self) -> None:
        try:
            self.call("close")
        finally:
            for process in self.processes:
                process.join(timeout=10)
                if process.is_alive():
                    process.kill()


# --- runs and what they print --------------------------------------------------------------------------------


@dataclass
class Run:
    target: str
    sessions: int
    offered: float
    sent: float
    delivered: float
    p50: float
    p99: float
    lost: int
    server_cpu: float
    generator_cpu: list[float]
    cpu_us: float = float("nan")  # the server's CPU-µs per message received (less noisy than rates on a busy machine)
    window_us: float = float("nan")  # its CPU-µs within the run's window per message delivered within it

    def line(self) -> str:
        generators = " ".join(f"{cpu:3.0%}" for cpu in self.generator_cpu)
        return (f"{self.target:<11} {self.sessions:>5} {self.offered:>9,.0f} {self.sent:>9,.0f}"
                f" {self.delivered:>10,.0f} {self.p50:>8.1f} {self.p99:>8.1f} {self.lost:>7} {self.server_cpu:>6.0%}"
                f" {self.cpu_us:>7.0f} {self.window_us:>7.0f}   {generators}")


HEADER = (f"{'server':<11} {'sess.':>5} {'offered/s':>9} {'sent/s':>9} {'deliv./s':>10} {'p50 ms':>8} {'p99 ms':>8}"
          f" {'unrecv.':>7} {'srv CPU':>6} {'µs/msg':>7} {'µs/win':>7}   generators' CPU")


def load_run(generators: Generators, target: Target, sessions: int, rate: float, seconds: float) -> Run:
    cpu = cpu_seconds(target.pid)
    if os.environ.get("BENCH_TRACE"):  # for a profiler started from outside: the load is on from now
        print(f"running {target.name} {sessions} sessions at {rate:,.0f}/s", file=sys.stderr, flush=True)
    in_window: list[float] = []  # the server's CPU as the window ends: what it spent on the load, not the drain
    timer = threading.Timer(seconds, lambda: in_window.append(cpu_seconds(target.pid) - cpu))
    timer.start()
    answers = generators.call("run", rate_per_customer=rate / sessions, seconds=seconds)
    timer.join()
    used = cpu_seconds(target.pid) - cpu
    server_cpu = used / max(answer["wall"] for answer in answers)
    received = sum(answer["received"] for answer in answers)
    latencies = [ms for answer in answers for ms, _ in answer["latencies"]] or [float("nan")]
    sent = sum(answer["sent"] for answer in answers)
    for error in [error for answer in answers for error in answer["errors"]][:3]:
        print(f"  a customer got an error: {error}", flush=True)
    delivered = sum(answer["delivered_in_window"] for answer in answers)
    return Run(target.name, sessions, rate, sent / seconds, delivered / seconds,
               percentile(latencies, 0.5), percentile(latencies, 0.99),
               sent - received, server_cpu,
               [answer["cpu"] / answer["wall"] for answer in answers], used * 1e6 / max(received, 1),
               in_window[0] * 1e6 / max(delivered, 1))


def ladder(generators: Generators, target: Target, sessions: int, loads: list[float] | None, seconds: float,
           ceiling: float) -> list[Run]:
    """Run the given loads; with none, double from 500 msg/s (to 2,000 at least) until the server saturates,
    then 4× its peak."""
    runs: list[Run] = []
    for rate in loads or _doubling(ceiling):
        run = load_run(generators, target, sessions, rate, seconds)
        print(run.line(), flush=True)
        runs.append(run)
        if loads is None and run.delivered < SATURATED * run.sent and rate >= ALWAYS_UP_TO:
            break
    if loads is None:
        peak = max(run.delivered for run in runs)
        run = load_run(generators, target, sessions, 4 * peak, seconds)
        print(run.line(), flush=True)
        runs.append(run)
    return runs


def _doubling(ceiling: float):
    rate = 500.0
    while rate <= ceiling:
        yield rate
        rate *= 2


def flood(generators: Generators, target: Target, seconds: float, rate: float) -> None:
    """One customer floods; another, of another rep in the same process, sends at ``rate`` and measures."""
    flooder, polite = 0, generators_reps_apart(generators)
    alone = generators.call("run", workers=[0], rate_per_customer=rate, seconds=seconds, only=[polite])[0]
    cpu = cpu_seconds(target.pid)
    both = generators.call("run", workers=[0], rate_per_customer=rate, seconds=seconds, only=[flooder, polite],
                           flood=flooder)[0]
    server_cpu = (cpu_seconds(target.pid) - cpu) / both["wall"]

    def polite_p99(answer: dict) -> str:
        mine = [ms for ms, who in answer["latencies"] if who == polite] or [float("nan")]
        return f"p50 {percentile(mine, 0.5):6.1f} ms, p99 {percentile(mine, 0.99):6.1f} ms (n={len(mine)})"

    flooded = sum(1 for _, who in both["latencies"] if who == flooder)
    print(f"{target.name:<11} a client at {rate:.0f} msg/s alone:           {polite_p99(alone)}")
    print(f"{target.name:<11} the same while another floods: {polite_p99(both)};"
          f" the flood sent {both['flooded'] / seconds:,.0f}/s, {flooded / seconds:,.0f}/s delivered, server CPU"
          f" {server_cpu:.0%}", flush=True)


def generators_reps_apart(generators: Generators) -> int:
    """Customer 0's rep is rep 0; the next customer in generator 0 belongs to another rep where there is one."""
    workers = len(generators.pipes)
    return workers if workers < generators.reps else generators.reps


def idle_sockets(generators: Generators, target: Target, count: int) -> None:
    time.sleep(0.5)
    rss, fds = rss_kib(target.pid), open_fds(target.pid)
    share = [count // len(generators.pipes) + (w < count % len(generators.pipes)) for w in range(len(generators.pipes))]
    for worker, many in enumerate(share):
        generators.call("open_idle", workers=[worker], count=many)
    time.sleep(1.0)
    rss_after, fds_after = rss_kib(target.pid), open_fds(target.pid)
    generators.call("close_idle")
    print(f"{target.name:<11} {count:,} idle sockets: server RSS {rss / 1024:.1f} → {rss_after / 1024:.1f} MiB,"
          f" {(rss_after - rss) / count:.1f} KiB and {(fds_after - fds) / count:.2f} file descriptors per socket",
          flush=True)


def kill_during_load(folder: Path, args, settings: dict) -> None:
    """SIGKILL the server at a random moment of a load; then every acknowledged message is stored exactly once."""
    server, target = start_relaydesk(folder, args.kill_reps, settings)
    generators = Generators(target, args.procs, args.kill_reps)
    try:
        generators.call("setup", sessions=args.kill_sessions)
        for pipe in generators.pipes:
            pipe.send(("run", {"rate_per_customer": args.kill_rate / args.kill_sessions, "seconds": args.seconds,
                               "acks": True}))
        time.sleep(random.uniform(0.2, 0.8) * args.seconds)
        server.kill()
        answers = [pipe.recv() for pipe in generators.pipes]
    finally:
        generators.close()
        server.stop()
    acked = [pair for answer in answers for pair in answer["acked"]]
    with sqlite3.connect(folder / "relaydesk.db") as db:
        stored: dict[tuple[int, str], int] = {}
        for session, event_id, count in db.execute("SELECT session_id, id, COUNT(*) FROM events GROUP BY 1, 2"):
            stored[(session, event_id)] = count
    missing = sum(1 for pair in acked if stored.get(tuple(pair), 0) == 0)
    twice = sum(1 for pair in acked if stored.get(tuple(pair), 0) > 1)
    sent = sum(answer["sent"] for answer in answers)
    print(f"kill -9 during load: {sent:,} sent, {len(acked):,} acknowledged; of those {missing} missing from the"
          f" log and {twice} stored twice", flush=True)


# --- the whole bench -----------------------------------------------------------------------------------------


def fsync_ms(folder: Path, count: int = 50) -> str:
    """Time fsync in the data folder's file system now: on a shared machine it is what moves most."""
    path = folder / "fsync-probe"
    times = []
    with open(path, "wb") as probe:
        for _ in range(count):
            probe.write(b"x" * 4096)
            probe.flush()
            started = time.perf_counter()
            os.fsync(probe.fileno())
            times.append((time.perf_counter() - started) * 1000)
    path.unlink()
    return f"fsync p50 {percentile(times, 0.5):.2f} ms, p99 {percentile(times, 0.99):.2f} ms"


def raise_fd_limit() -> None:
    """Let this process, and the servers it starts (they inherit it), hold thousands of sockets."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", default="100,500", help="session counts, comma-separated")
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each load run")
    parser.add_argument("--loads", default="", help="offered loads in msg/s (default: 500, doubled to saturation, 4×)")
    parser.add_argument("--ceiling", type=float, default=64000, help="the highest load the doubling tries")
    parser.add_argument("--procs", type=int, default=2, help="generator processes")
    parser.add_argument("--idle", type=int, default=2000, help="idle sockets to open (0: none)")
    parser.add_argument("--flood-rate", type=float, default=20, help="the polite client's rate in the flood (0: none)")
    parser.add_argument("--kill-sessions", type=int, default=40, help="sessions in the kill -9 run (0: none)")
    parser.add_argument("--kill-reps", type=int, default=4)
    parser.add_argument("--kill-rate", type=float, default=2000)
    parser.add_argument("--only", choices=("relaydesk", "bare", "stored"), help="run one server only")
    parser.add_argument("--setting", action="append", default=[], help="a Relaydesk setting, NAME=VALUE")
    parser.add_argument("--smoke", action="store_true", help="small sizes: a check that the bench runs, < 1 min")
    args = parser.parse_args(argv)
    if args.smoke:
        args.sessions, args.reps, args.seconds, args.loads = "8,16", 2, 0.5, "200,400"
        args.idle, args.kill_sessions, args.kill_reps, args.kill_rate = 50, 4, 2, 200
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    raise_fd_limit()
    settings = dict(item.split("=", 1) for item in args.setting)
    sessions = [int(n) for n in args.sessions.split(",")]
    loads: list[float] | None = [float(n) for n in args.loads.split(",")] if args.loads else None
    print(f"Load: {args.reps} reps, {args.procs} generator processes, {args.seconds:g} s a run;"
          f" Relaydesk settings {settings or 'as shipped'}; {os.cpu_count()} cores", flush=True)
    results: dict[str, list[Run]] = {"Relaydesk": [], "bare relay": [], STORED: []}
    with tempfile.TemporaryDirectory() as folder:
        print(f"before: {fsync_ms(Path(folder))}, load average {os.getloadavg()[0]:.1f}", flush=True)
        if args.only in (None, "relaydesk"):
            server, target = start_relaydesk(Path(folder) / "relaydesk", args.reps, settings)
            try:
                loads = _target_runs(target, args, sessions, loads, results["Relaydesk"])
            finally:
                server.stop()
        for name, only in (("bare relay", "bare"), (STORED, "stored")):
            if args.only in (None, only):
                process, target = start_bare(name)
                try:
                    _target_runs(target, args, sessions, loads, results[name])
                finally:
                    process.terminate()
                    process.wait()
        peaks = {name: max(run.delivered for run in runs) for name, runs in results.items() if runs}
        if "bare relay" in peaks:
            print("saturated throughput: " + ", ".join(
                f"{name} {peak:,.0f}/s (×{peak / peaks['bare relay']:.2f} of the bare relay)"
                for name, peak in peaks.items()), flush=True)
        if args.only is None:
            for count in sessions:
                mine = [run.delivered for run in results["Relaydesk"] if run.sessions == count]
                print(f"Relaydesk, {count} sessions: at the highest load {mine[-1]:,.0f}/s delivered,"
                      f" {mine[-1] / max(mine):.0%} of its peak {max(mine):,.0f}/s")
        if args.only in (None, "relaydesk") and args.kill_sessions:
            kill_during_load(Path(folder) / "killed", args, settings)
        print(f"after: {fsync_ms(Path(folder))}, load average {os.getloadavg()[0]:.1f}", flush=True)


def _target_runs(target: Target, args, sessions: list[int], loads: list[float] | None,
                 runs: list[Run]) -> list[float] | None:
    """Every session count's ladder on one server, then a flood and the idle sockets; return the loads used."""
    print(HEADER, flush=True)
    for count in sessions:
        generators = Generators(target, args.procs, args.reps)
        try:
            generators.call("setup", sessions=count)
            generators.call("run", rate_per_customer=200 / count, seconds=1.0)  # warm up: not counted
            done = ladder(generators, target, count, loads, args.seconds, args.ceiling)
            runs += done
            loads = loads or [run.offered for run in done]
            if count == sessions[0] and (args.flood_rate or args.idle):
                if args.flood_rate:
                    flood(generators, target, args.seconds, args.flood_rate)
                if args.idle:
                    idle_sockets(generators, target, args.idle)
                print(HEADER, flush=True)
        finally:
            generators.close()
    return loads


if __name__ == "__main__":
    main()

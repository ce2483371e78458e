"""Attacks on loopback, one at a time, while well-behaved customer+rep pairs chat: their ack and delivery latency
under each attack, next to the same pairs with no attack, in the same run.

Two servers: one with the real default limits (the frame flood, where the
limits are the point), one with the limits on volume lifted (so the stalled
reader can build its 160 KB, 200 fake customers can queue from one address,
2,000 sockets can stay open from it) to show what the backpressure, the
timeouts and the memory per socket do.  Run: ``.venv/bin/python -m bench.attacks``.
"""

from __future__ import annotations

import os
import secrets
import socket
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from bench.common import percentile
from tests.chatters import accept, ask, rep_hello
from tests.liveserver import UNPACED, LiveServer
from tests.rawws import RawClient
from tests.wsclient import Client, csrf_headers, sign_in

PAIRS = 8
WINDOW_S = 10.0
LIFTED = {**UNPACED, "WAITING_MESSAGES": 100_000, "MAX_CONNECTIONS_PER_ADDRESS": 100_000,
          "SESSION_TEXT_CHARS": 100_000_000, "DB_SYNCHRONOUS": "FULL"}
# The defaults, but the burst only: the probes send one message a second for minutes.
DEFAULTS = {"FRAMES_PER_CONNECTION": "40/10 seconds", "MAX_CONNECTIONS_PER_ADDRESS": 100_000}


@contextmanager
def server_with(settings: dict):
    with tempfile.TemporaryDirectory() as folder:
        server = LiveServer(Path(folder) / "data", settings)
        server.data.mkdir(mode=0o700)
        server.start()
        server.add_rep("alice", "Alice")
        server.add_rep("bob", "Bob")
        try:
            yield server
        finally:
            server.stop()


class Pair:
    """A customer and Alice in an accepted session; the customer says something now and then."""

    def __init__(self, server, cookie: str) -> None:
        self.customer, self.rep = Client(server, "customer"), Client(server, "rep", cookie=cookie)
        rep_hello(self.rep)
        self.session_id, _ = ask(self.customer)
        accept(self.rep, self.session_id)
        self.sent: dict[str, float] = {}
        self.acks: list[float] = []
        self.deliveries: list[float] = []
        self.refused = 0
        self.running = True
        self.answers: dict[str, tuple[str, float]] = {}
        self.customer.ws.settimeout(1)
        self.rep.ws.settimeout(1)
        # Both sockets are read all the time: websocket-client answers the server's pings only while it reads.
        threading.Thread(target=self._listen, args=(self.rep, self._delivered), daemon=True).start()
        threading.Thread(target=self._listen, args=(self.customer, self._answered), daemon=True).start()

    def _listen(self, client: Client, seen) -> None:
        while self.running:
            try:
                frame = client.recv()
            except Exception:
                continue
            seen(frame, time.perf_counter())

    def _delivered(self, frame: dict, at: float) -> None:
        if frame.get("type") == "event" and frame.get("id") in self.sent:
            self.deliveries.append((at - self.sent[frame["id"]]) * 1000)

    def _answered(self, frame: dict, at: float) -> None:
        if frame.get("type") in ("ack", "error") and frame.get("id") in self.sent:
            self.answers[frame["id"]] = frame["type"], at

    def probe(self, until: float) -> None:
        time.sleep(secrets.randbelow(1000) / 1000)
        while time.perf_counter() < until:
            frame_id = secrets.token_urlsafe(12)
            self.sent[frame_id] = started = time.perf_counter()
            try:
                self.customer.send(type="say", id=frame_id, text="is it fixed yet?")
            except OSError:
                self.refused += 1
                return
            while frame_id not in self.answers and time.perf_counter() - started < 30:
                time.sleep(0.001)
            kind, at = self.answers.get(frame_id, ("lost", 0.0))
            if kind == "ack":
                self.acks.append((at - started) * 1000)
            else:
                self.refused += 1
            time.sleep(max(0.0, 1.0 - (time.perf_counter() - started)))

    def reset(self) -> None:
        self.sent, self.answers, self.acks, self.deliveries, self.refused = {}, {}, [], [], 0


def measure(pairs: list[Pair], window_s: float = WINDOW_S) -> dict:
    for pair in pairs:
        pair.reset()
    until = time.perf_counter() + window_s
    threads = [threading.Thread(target=pair.probe, args=(until,)) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    time.sleep(0.3)  # the last deliveries
    acks = [a for pair in pairs for a in pair.acks]
    deliveries = [d for pair in pairs for d in pair.deliveries]
    return {"acks": acks, "deliveries": deliveries, "refused": sum(pair.refused for pair in pairs)}


def line(name: str, result: dict, baseline: dict, note: str = "") -> str:
    acks, deliveries = result["acks"] or [0.0], result["deliveries"] or [0.0]
    return (f"{name:<26} ack p50 {statistics.median(acks):6.1f} p99 {percentile(acks, 0.99):7.1f} ms | "
            f"delivery p50 {statistics.median(deliveries):6.1f} p99 {percentile(deliveries, 0.99):7.1f} ms | "
            f"no attack: ack p99 {percentile(baseline['acks'] or [0.0], 0.99):6.1f}, delivery p99 "
            f"{percentile(baseline['deliveries'] or [0.0], 0.99):6.1f} ms | n={len(result['acks'])}"
            f"{', refused ' + str(result['refused']) if result['refused'] else ''}  {note}")


def during(attack, pairs: list[Pair]) -> tuple[dict, object]:
    """Run ``attack`` on its own thread while the pairs probe; return the probes' numbers and what it returned."""
    outcome: list[object] = [None]

    def run() -> None:
        outcome[0] = attack()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    result = measure(pairs)
    thread.join(timeout=120)
    return result, outcome[0]


# --- the attacks ----------------------------------------------------------------------------------------------


def stalled_reader(server) -> str:
    """A waiting customer with ~160 KB of its own messages stops reading and sends 60 ``hello since=0``."""
    stalled, token = RawClient(server, "customer", receive_buffer=4096), secrets.token_urlsafe(32)
    stalled.send(type="request", id=secrets.token_urlsafe(12), token=token, portal="/", name="Mallory",
                 issue="x" * 2000, details={})
    for number in range(160):
        stalled.send(type="say", id=f"mallory-{number:05d}", text="y" * 1000)
    started = time.perf_counter()
    for _ in range(60):
        stalled.send(type="hello", token=token, since=0)
    closed = stalled.closed_by_server(timeout_s=60)
    stalled.close()
    return f"closed by the server: {closed} ({time.perf_counter() - started:.1f} s after its hellos)"


def queue_flood(server, cookie: str) -> str:
    """200 fake customers with 2,000-character issues; a rep console that only watches counts what it gets."""
    watcher = RawClient(server, "rep", cookie=cookie)
    watcher.send(type="hello", since={})
    counted, frames = threading.Event(), [0]

    def count() -> None:
        try:
            for _frame in watcher.frames():
                frames[0] += 1
        except (ConnectionError, OSError):
            pass
        counted.set()

    threading.Thread(target=count, daemon=True).start()
    start_bytes = watcher.bytes_read
    fakes = []
    for number in range(200):
        fake = Client(server, "customer")
        fake.send(type="request", id=secrets.token_urlsafe(12), token=secrets.token_urlsafe(32), portal="/",
                  name=f"Fake {number}", issue="z" * 2000, details={})
        fakes.append(fake)
    for fake in fakes:
        fake.expect("welcome", timeout=60)
    time.sleep(1)
    received = watcher.bytes_read - start_bytes
    watcher.close()
    for fake in fakes:
        fake.close()
    return f"one watching console received {received / 1e6:.1f} MB in {frames[0]} frames"


def frame_flood(server, cookie: str) -> str:
    """One customer in its own chat sends 10,000 messages as fast as it can."""
    pair = Pair(server, cookie)
    pair.running = False
    time.sleep(1.5)  # its listeners stop
    flood = pair.customer
    flood.ws.settimeout(30)
    answers = {"ack": 0, "error": 0}
    done = threading.Event()

    def read() -> None:
        while sum(answers.values()) < 10_000:
            frame = flood.recv()
            if frame["type"] in answers and str(frame.get("id", "")).startswith("flood-"):
                answers[frame["type"]] += 1
        done.set()

    threading.Thread(target=read, daemon=True).start()
    started = time.perf_counter()
    for number in range(10_000):
        flood.send(type="say", id=f"flood-{number:06d}", text="spam")
    done.wait(120)
    return (f"{answers['ack']} acked, {answers['error']} refused (rate-limited) in "
            f"{time.perf_counter() - started:.1f} s; the flooder stayed connected")


def trickled_uploads(server, cookie: str) -> str:
    """50 uploads (20 MB declared) trickling a byte every 5 s."""
    pair = Pair(server, cookie)
    pair.running = False
    session_id = pair.session_id  # Bob's own chat: Bob uploads into it
    boundary = secrets.token_hex(8)
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.bin\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    csrf = csrf_headers(server, cookie)
    header_lines = "".join(f"{name}: {value}\r\n" for name, value in csrf.items() if name.lower() != "cookie")
    sockets, started = [], time.perf_counter()
    for _ in range(50):
        raw = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        raw.sendall((f"POST /files/{session_id} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                     f"Origin: {server.url}\r\nCookie: {csrf.get('Cookie', cookie)}\r\n{header_lines}"
                     f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                     f"Content-Length: {20 * 1024 * 1024}\r\n\r\n").encode() + head)
        raw.setblocking(False)
        sockets.append(raw)
    dropped: dict[int, float] = {}
    while len(dropped) < len(sockets) and time.perf_counter() - started < 90:
        for index, raw in enumerate(sockets):
            if index in dropped:
                continue
            try:
                if raw.recv(65536) == b"":
                    dropped[index] = time.perf_counter() - started
                    continue
            except BlockingIOError:
                pass
            except OSError:
                dropped[index] = time.perf_counter() - started
                continue
            try:
                raw.send(b"x")
            except OSError:
                dropped[index] = time.perf_counter() - started
        time.sleep(5)
    for raw in sockets:
        raw.close()
    times = sorted(dropped.values()) or [float("nan")]
    return f"{len(dropped)}/50 dropped by the server, the last after {times[-1]:.0f} s"


def idle_sockets(server, cookie: str, count: int = 2000) -> str:
    """``count`` customer sockets that said hello into one accepted session, then say nothing: RSS and fds per
    socket.  (Into a waiting session, each hello would send every tab its place in the queue: that is n².)"""
    first, rep = Client(server, "customer"), Client(server, "rep", cookie=cookie)
    rep_hello(rep)
    session_id, token = ask(first)
    accept(rep, session_id)
    pid = server.process.pid
    before_rss, before_fds = rss_kb(pid), len(os.listdir(f"/proc/{pid}/fd"))
    idle = []
    started = time.perf_counter()
    for _ in range(count):  # raw: opened fast, all measured well within the server's ping timeout (50 s)
        client = RawClient(server, "customer")
        client.send(type="hello", token=token, since=10**9)
        idle.append(client)
    opened_s = time.perf_counter() - started
    time.sleep(2)
    after_rss, after_fds = rss_kb(pid), len(os.listdir(f"/proc/{pid}/fd"))
    idle_sockets.held = idle + [first, rep]  # type: ignore[attr-defined]  # open while the probes run
    return (f"opened in {opened_s:.0f} s; RSS {before_rss / 1024:.0f} -> {after_rss / 1024:.0f} MB: "
            f"{(after_rss - before_rss) / count:.1f} KiB and {(after_fds - before_fds) / count:.2f} fds "
            "per idle socket")


def half_sent_headers(server, count: int = 200) -> str:
    """``count`` connections that send half a request header, then nothing."""
    sockets, started = [], time.perf_counter()
    for _ in range(count):
        raw = socket.create_connection(("127.0.0.1", server.port), timeout=60)
        raw.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nX-Half: ".encode())
        sockets.append(raw)
    last = 0.0
    for raw in sockets:
        try:
            while raw.recv(65536):
                pass
        except OSError:
            pass
        last = time.perf_counter() - started
        raw.close()
    return f"all {count} dropped by the server, the last after {last:.1f} s"


def rss_kb(pid: int) -> int:
    for status in Path(f"/proc/{pid}/status").read_text().splitlines():
        if status.startswith("VmRSS:"):
            return int(status.split()[1])
    return 0


def main(only: set[str]) -> None:
    """Run every attack, or those named on the command line (flood, stalled, queue, uploads, headers, idle)."""
    print(f"{PAIRS} well-behaved pairs, each customer saying something once a second; {WINDOW_S:.0f} s per window\n")
    if not only or "flood" in only:
        with server_with(DEFAULTS) as server:
            cookie = sign_in(server, "alice")
            pairs = [Pair(server, cookie) for _ in range(PAIRS)]
            baseline = measure(pairs)
            print("Default limits (frames: the 40 / 10 s burst)")
            print(line("no attack", baseline, baseline))
            result, note = during(lambda: frame_flood(server, sign_in(server, "bob")), pairs)
            print(line("frame flood (10,000)", result, baseline, str(note)))
            for pair in pairs:
                pair.running = False
    with server_with(LIFTED) as server:
        cookie = sign_in(server, "alice")
        pairs = [Pair(server, cookie) for _ in range(PAIRS)]
        baseline = measure(pairs)
        print("\nVolume limits lifted (frames, waiting messages, per-address connections)")
        print(line("no attack", baseline, baseline))
        for name, key, attack in [
            ("stalled reader", "stalled", lambda: stalled_reader(server)),
            ("50 trickled uploads", "uploads", lambda: trickled_uploads(server, sign_in(server, "bob"))),
            ("200 half-sent headers", "headers", lambda: half_sent_headers(server)),
        ]:
            if not only or key in only:
                result, note = during(attack, pairs)
                print(line(name, result, baseline, str(note)), flush=True)
        if not only or "idle" in only:
            note = idle_sockets(server, sign_in(server, "bob"))
            result = measure(pairs)
            print(line("2,000 idle sockets", result, baseline, note), flush=True)
            for held in idle_sockets.held:  # type: ignore[attr-defined]
                held.close()
        if not only or "queue" in only:  # last: the whole queue to every console closes the probes' (n², issue 12)
            result, note = during(lambda: queue_flood(server, sign_in(server, "bob")), pairs)
            print(line("queue flood (200)", result, baseline, str(note)), flush=True)
        for pair in pairs:
            pair.running = False


if __name__ == "__main__":
    main(set(sys.argv[1:]))

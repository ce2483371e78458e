"""The relay's memory over many sessions: the server's RSS, and what it holds live, after thousands of them.

Each session goes the whole way: the customer asks, a rep accepts, three messages each way, the customer
shares one screen thumbnail (~9 KB), the rep ends it, the customer closes the page.  A few workers run side
by side, each a rep with one customer at a time.  The database syncs NORMAL: this measures memory, not
durability.  Run: ``.venv/bin/python -m bench.memory [sessions]``.
"""

from __future__ import annotations

import io
import json
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path

import websocket
from PIL import Image

from tests.liveserver import UNPACED, LiveServer
from tests.wsclient import post_form, sign_in

WORKERS = 8
CHECKPOINTS = 2  # RSS is read after each share of the sessions


def thumbnail() -> bytes:
    """Return a 320×180 WebP about the size of a real screen thumbnail."""
    buffer = io.BytesIO()
    Image.effect_noise((80, 45), 60).convert("RGB").resize((320, 180)).save(buffer, "WEBP", quality=60)
    return buffer.getvalue()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def relay_counters(server: LiveServer, cookie: str) -> dict | None:
    """Return what the relay holds live, or None from a server without ``/rep/admin/relay``."""
    status, _, body = post_form(server, "/rep/admin/relay", None, cookie=cookie)
    return json.loads(body) if status == 200 else None


def act(ws: websocket.WebSocket, type: str, **fields) -> dict:
    """Send a frame and read until its ack, skipping everything else; an error stops the bench."""
    frame_id = secrets.token_urlsafe(12)
    ws.send(json.dumps({"type": type, "id": frame_id, **fields}))
    while True:
        frame = json.loads(ws.recv())
        if frame.get("id") == frame_id and frame["type"] in ("ack", "error"):
            if frame["type"] == "error":
                raise RuntimeError(f"{type} refused: {frame}")
            return frame


def one_session(server: LiveServer, rep: websocket.WebSocket, image: bytes) -> None:
    customer = websocket.create_connection(f"{server.ws_url}/ws/customer", origin=server.url, timeout=60)
    session_id = act(customer, "request", token=secrets.token_urlsafe(32), portal="/", name="Bench",
                     issue="Memory", details={"os": "Linux"})["session"]
    act(rep, "accept", session=session_id)
    for line in range(3):
        act(customer, "say", text=f"customer line {line}")
        act(rep, "say", session=session_id, text=f"rep line {line}")
    act(rep, "screen-request", session=session_id)
    act(customer, "screen", state="allowed")
    customer.send_binary(image)
    act(customer, "say", text="can you see it?")  # acked only after the image was taken
    act(rep, "end", session=session_id, outcome="resolved")
    customer.close()


def run(server: LiveServer, cookies: list[str], sessions: int, image: bytes) -> None:
    """Run ``sessions`` sessions, shared among the workers."""
    failures: list[BaseException] = []

    def work(cookie: str, count: int) -> None:
        rep = websocket.create_connection(f"{server.ws_url}/ws/rep", origin=server.url, cookie=cookie, timeout=60)
        try:
            rep.send(json.dumps({"type": "hello", "since": {}}))
            for _ in range(count):
                one_session(server, rep, image)
        except BaseException as exc:
            failures.append(exc)
        finally:
            rep.close()

    counts = [sessions // len(cookies) + (index < sessions % len(cookies)) for index in range(len(cookies))]
    threads = [threading.Thread(target=work, args=pair) for pair in zip(cookies, counts, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def main(sessions: int = 2000) -> None:
    image = thumbnail()
    with tempfile.TemporaryDirectory() as folder:
        server = LiveServer(Path(folder), {"DB_SYNCHRONOUS": "NORMAL", **UNPACED})
        server.start()
        try:
            server.add_rep("root", "Root", admin=True)
            for index in range(WORKERS):
                server.add_rep(f"rep{index}", f"Rep {index}")
            admin = sign_in(server, "root")
            cookies = [sign_in(server, f"rep{index}") for index in range(WORKERS)]
            pid = server.process.pid
            print(f"Relay memory, {sessions:,} sessions by {WORKERS} reps side by side "
                  f"(3 messages each way, one {len(image) / 1024:.1f} KB screen thumbnail, then the end)")
            print(f"server RSS at start              {rss_mb(pid):7.1f} MB")
            started, done = time.perf_counter(), 0
            for share in range(CHECKPOINTS):
                count = sessions // CHECKPOINTS + (share < sessions % CHECKPOINTS)
                run(server, cookies, count, image)
                done += count
                time.sleep(2)  # let the server see the last sockets close
                print(f"server RSS after {done:>6,} sessions  {rss_mb(pid):7.1f} MB"
                      f"   ({done / (time.perf_counter() - started):.1f} sessions/s)")
            counters = relay_counters(server, admin)
            print(f"/rep/admin/relay                 {json.dumps(counters) if counters else 'n/a (no such endpoint)'}")
        finally:
            server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)

"""Relay round trips: ack and fan-out latency, throughput, next to a bare flask-sock echo.

The relay checks, stores (SQLite, synchronous=FULL), acks and fans out each
message; the echo does nothing but send it back.  Both run under gevent as
separate processes started by this one.  Run: ``.venv/bin/python -m bench.relay [messages]``.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import threading
import time

import websocket

from bench.common import live_server, summary
from tests.wsclient import Client, sign_in

PAIRS = 8


def echo_url() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "bench.echo_server"], stdout=subprocess.PIPE, text=True)
    url = process.stdout.readline().split()[-1].replace("http://", "ws://")
    return process, url + "/echo"


def echo_round_trips(url: str, count: int) -> list[float]:
    ws = websocket.create_connection(url)
    times = []
    for index in range(count):
        started = time.perf_counter()
        ws.send(json.dumps({"type": "say", "id": f"echo-{index:06}", "text": "hello there"}))
        ws.recv()
        times.append((time.perf_counter() - started) * 1000)
    ws.close()
    return times


def open_chat(server, rep_cookie: str) -> tuple[Client, Client]:
    """Return a customer and a rep in an accepted session."""
    customer, rep = Client(server, "customer"), Client(server, "rep", cookie=rep_cookie)
    rep.send(type="hello", since={})
    rep.expect("welcome")
    customer.send(type="request", id=secrets.token_urlsafe(12), token=secrets.token_urlsafe(32), portal="/",
                  name="Bench", issue="Timing", details={})
    session = customer.expect("welcome")["session"]["id"]
    rep.send(type="accept", id=secrets.token_urlsafe(12), session=session)
    rep.expect("opened")
    customer.expect("session")
    return customer, rep


def relay_round_trips(customer: Client, rep: Client, count: int) -> tuple[list[float], list[float]]:
    acks, fan_outs = [], []
    for index in range(count):
        frame_id = f"bench-{index:06}-{secrets.token_hex(3)}"
        started = time.perf_counter()
        customer.send(type="say", id=frame_id, text="hello there")
        customer.expect("ack", id=frame_id)
        acks.append((time.perf_counter() - started) * 1000)
        rep.expect("event", id=frame_id)
        fan_outs.append((time.perf_counter() - started) * 1000)
    return acks, fan_outs


def throughput(server, per_pair: int) -> float:
    """Messages per second with PAIRS customers, each with its own rep, each awaiting its ack."""
    chats = [open_chat(server, sign_in(server, f"rep{index}")) for index in range(PAIRS)]
    threads = [threading.Thread(target=relay_round_trips, args=(*chat, per_pair)) for chat in chats]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for customer, rep in chats:
        customer.close()
        rep.close()
    return PAIRS * per_pair / elapsed


def main(count: int = 500) -> None:
    process, url = echo_url()
    try:
        echo = echo_round_trips(url, count)
    finally:
        process.terminate()
        process.wait()
    with live_server(("alice", *(f"rep{index}" for index in range(PAIRS)))) as server:
        cookie = sign_in(server, "alice")
        customer, rep = open_chat(server, cookie)
        acks, fan_outs = relay_round_trips(customer, rep, count)
        customer.close()
        rep.close()
        rate = throughput(server, count // 4)
    echo_median = sorted(echo)[len(echo) // 2]
    ack_median = sorted(acks)[len(acks) // 2]
    print(f"Relay round trips, {count} messages, one client at a time")
    print(f"bare echo        {summary(echo)}")
    print(f"relay ack        {summary(acks)}   ×{ack_median / echo_median:.1f} of echo")
    print(f"relay fan-out    {summary(fan_outs)}")
    print(f"throughput, {PAIRS} customers each awaiting its ack: {rate:,.0f} messages/s stored and fanned out")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)

"""Guessing: session keys checked per second with and without throttling, and what sign-in guessers cost others.

Keys: one socket sends wrong keys as fast as it can (pipelined) to a server
whose limits never bite (what the limits buy, with the bookkeeping of every
wrong key still done) and to one with the default limits; it counts the
guesses the server checked against the keys and those refused as
``rate-limited``.

Sign-in: a customer in a chat sends messages 10 ms apart, each awaiting its
ack, with no sign-in guessers and then with 4 (threads posting wrong
passwords for a real rep), on three servers: hashing on the hub with no
lockouts (as before), hashing on gevent's threadpool with no lockouts, and
the defaults.  Every server is its own process on this machine.

``--before DIR`` adds a row for older code: DIR is the ``server`` folder of a
checkout from before throttling, e.g. from
``git archive 329a887 server web/templates web/static | tar -x -C /tmp/before``.
Run: ``.venv/bin/python -m bench.guessing [guesses] [messages] [--before DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bench.common import live_server, percentile
from bench.relay import open_chat
from tests.liveserver import LiveServer
from tests.wsclient import Client, post_form, sign_in

UNLIMITED = "1000000000/minute"
GUESSERS = 4


@contextmanager
def server(settings: dict, code: str | None = None) -> Iterator[LiveServer]:
    """A live server with these settings, running the code in ``code`` (a ``server`` folder) if given."""
    path = os.environ.get("PYTHONPATH")
    if code:
        os.environ["PYTHONPATH"] = os.pathsep.join([code, path or ""])
    try:
        with live_server(settings=settings) as started:
            yield started
    finally:
        if path is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = path


# --- session keys ---------------------------------------------------------------------------------


def key_guesses(target: LiveServer, count: int) -> tuple[int, int, float]:
    """Send ``count`` wrong keys down one socket; return (checked, rate-limited, seconds)."""
    guesser = Client(target, "customer")
    answers: dict[str, int] = {}

    def read() -> None:
        for _ in range(count):
            code = guesser.recv().get("code", "")
            answers[code] = answers.get(code, 0) + 1

    reader = threading.Thread(target=read)
    started = time.perf_counter()
    reader.start()
    for index in range(count):
        guesser.send(type="request", id=f"guess-{index:08}", token=secrets.token_urlsafe(32), portal="/",
                     name="Mallory", issue="Guessing", details={}, key=f"{secrets.randbelow(10**9):09d}")
    reader.join()
    elapsed = time.perf_counter() - started
    guesser.close()
    return answers.get("refused", 0), answers.get("rate-limited", 0), elapsed


def keys_report(count: int, before: str | None) -> None:
    print(f"Session key guessing, {count:,} wrong keys pipelined down one socket")
    runs = [("limits that never bite", {"KEY_TRIES_PER_SOCKET": UNLIMITED, "KEY_TRIES_PER_ADDRESS": UNLIMITED}, None),
            ("default limits (after)", {}, None)]
    for label, settings, code in ([("code before throttling", {}, before)] if before else []) + runs:
        with server(settings, code) as target:
            alice = Client(target, "rep", cookie=sign_in(target, "alice"))
            alice.send(type="hello", since={})
            alice.expect("welcome")
            alice.send(type="make-key", id=secrets.token_urlsafe(12))  # one key open to be guessed
            alice.expect("keys")
            checked, limited, elapsed = key_guesses(target, count)
            alice.close()
        print(f"  {label:24} {checked / elapsed:9,.0f} keys checked/s   ({checked:,} checked, {limited:,} refused "
              f"as rate-limited, {count / elapsed:,.0f} answers/s)")
    print("  default limits allow one address 20 wrong keys per 10 minutes: 0.033 keys/s, so about "
          f"{10**9 / 2 / (20 / 600) / 86400 / 365:,.0f} years for an even chance at one open key")


# --- sign-in guessers and another customer's acks -------------------------------------------------


def ack_latencies(customer: Client, count: int) -> list[float]:
    """Send ``count`` messages 10 ms apart, each awaiting its ack, so they sample the whole guessing."""
    times = []
    for index in range(count):
        time.sleep(0.01)
        frame_id = f"ack-{index:06}-{secrets.token_hex(3)}"
        started = time.perf_counter()
        customer.send(type="say", id=frame_id, text="still there?")
        customer.expect("ack", id=frame_id, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
    return times


def with_guessers(target: LiveServer, customer: Client, count: int) -> tuple[list[float], dict[int, int]]:
    """Measure acks while GUESSERS threads post wrong passwords; return the latencies and the answers' statuses."""
    stop, statuses, lock = threading.Event(), {}, threading.Lock()

    def guess(number: int) -> None:
        for attempt in range(100_000):  # bounded; stopped when the messages are done
            if stop.is_set():
                return
            guess = {"username": "alice", "password": f"guess {number}.{attempt}"}  # a real rep: the old code hashed
            status = post_form(target, "/rep/sign-in", guess)[0]
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    guessers = [threading.Thread(target=guess, args=(number,)) for number in range(GUESSERS)]
    for guesser in guessers:
        guesser.start()
    time.sleep(0.5)  # let the guessing get going
    try:
        return ack_latencies(customer, count), statuses
    finally:
        stop.set()
        for guesser in guessers:
            guesser.join()


def line(label: str, times: list[float]) -> str:
    return f"{label:16} p50 {percentile(times, 0.5):8.1f} ms   p99 {percentile(times, 0.99):8.1f} ms"


def sign_in_report(count: int, before: str | None) -> None:
    print(f"\nAnother customer's ack latency, {count} messages 10 ms apart, with 0 and {GUESSERS} sign-in guessers")
    unlimited = {"SIGN_IN_FAILURES_PER_USERNAME": 10**9, "SIGN_IN_FAILURES_PER_ADDRESS": 10**9}
    runs = [("hashing on the hub, no lockouts", unlimited | {"HASH_OFF_HUB": "false"}, None),
            ("hashing on gevent's threadpool, no lockouts", unlimited, None),
            ("defaults: threadpool and lockouts (after)", {}, None)]
    for label, settings, code in ([("code before throttling", {}, before)] if before else []) + runs:
        with server(settings, code) as target:
            customer, rep = open_chat(target, sign_in(target, "alice"))
            quiet = ack_latencies(customer, count)
            busy, statuses = with_guessers(target, customer, count)
            customer.close()
            rep.close()
        print(f"  {label}")
        print(f"    {line('no guessers', quiet)}")
        print(f"    {line(f'{GUESSERS} guessers', busy)}   sign-in answers {json.dumps(statuses, sort_keys=True)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("guesses", nargs="?", type=int, default=20_000)
    parser.add_argument("messages", nargs="?", type=int, default=300)
    parser.add_argument("--before", help="the server folder of a checkout from before throttling")
    args = parser.parse_args()
    keys_report(args.guesses, args.before)
    sign_in_report(args.messages, args.before)


if __name__ == "__main__":
    main()

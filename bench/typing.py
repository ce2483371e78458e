"""What the typing indicator costs: frames and bytes per typist, and the relay's message latency with typing on.

1. A person typing (5 keystrokes a second in bursts of 10 s, 5 s pauses, a message sent after each burst) through
   the customer page's own ``Typist``, on a simulated clock: typing frames and bytes a minute, next to one frame
   per keystroke (what a naive indicator sends), with and without the reps' live preview.
2. A live server, ``PAIRS`` customers each with their own rep: ack and fan-out p50/p99 of messages alone, then of
   the same messages with a typing frame before each (the most a typist sends per message), in the same run.

Run: ``.venv/bin/python -m bench.typing [messages]``.
"""

from __future__ import annotations

import secrets
import sys
import threading
import time

from bench.common import live_server, summary
from bench.relay import open_chat
from relaydesk import protocol
from relaydesk_web.state import CustomerCore
from relaydesk_web.typist import SAY_EVERY_S
from tests.wsclient import sign_in

PAIRS = 8
KEYS_PER_S = 5
BURST_S, PAUSE_S = 10, 5


def simulated_minute(preview: bool) -> tuple[int, int, int]:
    """Return (keystrokes, typing frames, typing bytes) for one simulated minute of a customer typing."""
    core = CustomerCore(new_id=lambda: secrets.token_urlsafe(12))
    core.update({"type": "connected"})
    core.receive(protocol.encode("welcome", role="customer", screen={}, session={
        "id": 1, "status": "active", "customer": "Bench", "helping": ["Alice"], "survey": True, "rating": None,
        "comment": "", "preview": preview}))
    keys = frames = size = 0
    text, last_key, now = "", 0.0, 0.0
    while now < 60:
        in_burst = now % (BURST_S + PAUSE_S) < BURST_S
        effects = []
        if in_burst:
            keys += 1
            text += "abcd " [keys % 5]
            last_key = now
            effects = core.update({"type": "typed", "text": text, "now": now})
        elif text:
            effects = core.update({"type": "send", "text": text})
            text = ""
        if now - last_key >= SAY_EVERY_S:  # the page's timers after a keystroke: a preview catches up, then stops
            effects += core.update({"type": "typing_idle", "now": now})
        for effect in effects:
            frame = getattr(effect, "frame", None)
            if frame and frame["type"] == "typing":
                frames += 1
                size += len(protocol.encode(**frame).encode())
        now += 1 / KEYS_PER_S
    return keys, frames, size


def round_trips(customer, rep, count: int, typing: bool) -> tuple[list[float], list[float]]:
    acks, fan_outs = [], []
    for index in range(count):
        frame_id = f"bench-{index:06}-{secrets.token_hex(3)}"
        started = time.perf_counter()
        if typing:
            customer.send(type="typing", typing=True)
        customer.send(type="say", id=frame_id, text="hello there")
        customer.expect("ack", id=frame_id)
        acks.append((time.perf_counter() - started) * 1000)
        rep.expect("event", id=frame_id)
        fan_outs.append((time.perf_counter() - started) * 1000)
        rep.backlog.clear()  # the typing frames it was sent
    return acks, fan_outs


def under_load(server, chats, count: int, typing: bool) -> tuple[list[float], list[float]]:
    results: list[tuple[list[float], list[float]]] = []
    threads = [threading.Thread(target=lambda chat=chat: results.append(round_trips(*chat, count, typing)))
               for chat in chats]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [a for acks, _ in results for a in acks], [f for _, fans in results for f in fans]


def main(count: int = 200) -> None:
    print("A minute of typing (5 keys/s, 10 s bursts, 5 s pauses, a message after each burst):")
    for preview in (False, True):
        keys, frames, size = simulated_minute(preview)
        print(f"  preview {'on ' if preview else 'off'}: {keys} keystrokes → {frames} typing frames, {size:,} bytes "
              f"({frames / keys:.2f} frames a keystroke; {size / max(frames, 1):.0f} bytes a frame)")
    settings = {"FRAMES_PER_CONNECTION": "1000000/second", "TYPING_PER_CONNECTION": "1000000/second"}
    with live_server(tuple(f"rep{index}" for index in range(PAIRS)), settings) as server:
        chats = [open_chat(server, sign_in(server, f"rep{index}")) for index in range(PAIRS)]
        plain_acks, plain_fans, typed_acks, typed_fans = [], [], [], []
        for _round in range(2):  # alternated, so that a change in the machine's load falls on both
            acks, fans = under_load(server, chats, count // 2, typing=False)
            plain_acks += acks
            plain_fans += fans
            acks, fans = under_load(server, chats, count // 2, typing=True)
            typed_acks += acks
            typed_fans += fans
        for customer, rep in chats:
            customer.close()
            rep.close()
    median = sorted(plain_acks)[len(plain_acks) // 2]
    typed_median = sorted(typed_acks)[len(typed_acks) // 2]
    print(f"{PAIRS} customers each awaiting its ack, {count} messages each:")
    print(f"  messages alone            ack {summary(plain_acks)}   fan-out {summary(plain_fans)}")
    print(f"  a typing frame before each ack {summary(typed_acks)}   fan-out {summary(typed_fans)}   "
          f"ack p50 ×{typed_median / median:.2f} of alone")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)

"""Many sessions in one console: time to switch tabs, and main-thread time per background message.

Seeds SESSIONS active sessions of MESSAGES messages each straight into the
server's SQLite file, opens the rep console in Chromium, times how long until
it says Connected and until the first tab shows its newest message (the
console loads a session's history when its tab is first shown), then times tab
switches (handler plus style and layout) and the handling of a customer
message arriving in a background tab.
Run: ``.venv/bin/python -m bench.tabs [sessions] [messages]``.
"""

from __future__ import annotations

import secrets
import sys
import time

from playwright.sync_api import expect

from bench.common import chromium, live_server, summary
from relaydesk.store import Store
from tests.wsclient import Client, sign_in

SWITCH = """tab => {
  const started = performance.now();
  tab.click();
  document.body.offsetHeight;  // include style and layout
  return performance.now() - started;
}"""


def seed(server, sessions: int, messages: int) -> list[str]:
    """Create active sessions full of chat for alice; return their customer tokens."""
    store = Store(server.data / "relaydesk.db", synchronous="OFF")
    alice = store.authenticate("alice", "correct horse")
    tokens = []
    for index in range(sessions):
        token = secrets.token_urlsafe(32)
        session = store.create_session(f"bench-request-{index:04}", token, "/", f"Customer {index:02}", "Bench", {})
        store.accept(session.id, alice)
        for number in range(messages):
            who = ("customer", f"Customer {index:02}", None) if number % 2 else ("rep", "Alice", alice.id)
            store.append_event(session.id, f"bench-{index}-{number:05}", "message",
                               f"Message {number} of a long conversation about printers and toner", who[0], who[1],
                               who[2])
        tokens.append(token)
    store.close()
    return tokens


def main(sessions: int = 20, messages: int = 2000) -> None:
    with live_server() as server, chromium() as browser:
        started = time.perf_counter()
        tokens = seed(server, sessions, messages)
        print(f"seeded {sessions} sessions × {messages} messages in {time.perf_counter() - started:.1f} s")
        context = browser.new_context()
        cookie = sign_in(server, "alice").split("=", 1)
        context.add_cookies([{"name": cookie[0], "value": cookie[1], "url": server.url}])
        page = context.new_page()
        started = time.perf_counter()
        page.goto(f"{server.url}/rep")
        tabs = page.get_by_role("tablist", name="Sessions").get_by_role("tab")
        expect(page.get_by_test_id("app-status")).to_have_text("Connected", timeout=120_000)
        connected = time.perf_counter()
        expect(tabs).to_have_count(sessions, timeout=120_000)
        newest = f"[role=log]:not([hidden]) [data-key=bench-0-{messages - 1:05}]"
        page.wait_for_selector(newest, timeout=120_000)
        drawn = time.perf_counter()
        print(f"Connected after {connected - started:.1f} s; the first tab's newest message drawn after "
              f"{drawn - started:.1f} s")

        first, loaded = [], []
        for index in (*range(1, sessions), 0):
            started = time.perf_counter()
            first.append(tabs.nth(index).evaluate(SWITCH))
            page.wait_for_selector(f"[role=log]:not([hidden]) [data-key=bench-{index}-{messages - 1:05}]")
            loaded.append((time.perf_counter() - started) * 1000)
        again = [tabs.nth(index % sessions).evaluate(SWITCH) for index in range(1, 2 * sessions + 1)]
        print(f"tab switch, first visit (asks for history)  {summary(first)}")
        print(f"tab switch, back to a drawn tab      {summary(again)}")
        print(f"first visit until its newest message is drawn  {summary(loaded)}")

        tabs.nth(0).click()
        customer = Client(server, "customer")
        customer.send(type="hello", token=tokens[-1], since=messages)
        customer.expect("welcome")
        handled = []
        for number in range(60):
            page.evaluate("window.relaydeskFrameMs = undefined")
            customer.send(type="say", id=f"bench-live-{number:04}", text=f"Still there? ({number})")
            page.wait_for_function("() => window.relaydeskFrameMs !== undefined")
            handled.append(page.evaluate("window.relaydeskFrameMs"))
        customer.close()
        print(f"customer message into a background tab    {summary(handled)}")
        context.close()


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))

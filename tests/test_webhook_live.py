"""The team's webhook, against a live server and a real little HTTP receiver: each ended session is POSTed as
signed JSON, retried with backoff until the receiver takes it, kept across a restart, and listed on the admin page.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import queue
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from relaydesk.webhook import session_summary
from tests.chatters import accept, act, ask, rep_hello
from tests.test_team_admin_live import admin_post
from tests.wsclient import Client, post_form, sign_in

BOTH_BACKENDS = True  # each test on SQLite and on PostgreSQL (tests/conftest.py)

QUICK = {"WEBHOOK_DELAY_S": 0, "WEBHOOK_BACKOFF_S": 0.2}


class Receiver:
    """An HTTP server in a thread that keeps every POST; it answers 500 to the first ``failures`` of them."""

    def __init__(self, failures: int = 0, port: int = 0) -> None:
        self.failures = failures
        self.posts: queue.Queue[tuple[int, dict, bytes]] = queue.Queue()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 500 if receiver.failures > 0 else 200
                receiver.failures -= 1
                receiver.posts.put((status, dict(self.headers), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_port}/hook"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    def next(self, timeout: float = 20) -> tuple[int, dict, bytes]:
        return self.posts.get(timeout=timeout)

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def receivers():
    made: list[Receiver] = []

    def make(**kwargs) -> Receiver:
        made.append(Receiver(**kwargs))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


def team(start_server, **settings):
    server = start_server((("alice", "Alice"),), **(QUICK | settings))
    server.add_rep("root", "Root", admin=True)
    return server, sign_in(server, "root")


def secret_of(server, cookie) -> str:
    page = post_form(server, "/rep/admin", None, cookie=cookie)[2]
    return re.search(r'data-testid="webhook-secret">([0-9a-f]{64})<', page)[1]


def a_session(server, customer_name="Carol") -> int:
    """A session asked, answered, talked in (a note and a private message too), and ended as resolved."""
    customer, alice = Client(server, "customer"), Client(server, "rep", cookie=sign_in(server, "alice"))
    try:
        rep_hello(alice)
        session_id, _ = ask(customer, name=customer_name)
        accept(alice, session_id)
        act(customer, "say", text="My printer is on fire")
        act(alice, "say", session=session_id, text="Unplug it, please")
        act(alice, "note", session=session_id, text="reps only: they sounded calm")
        act(alice, "end", session=session_id, outcome="resolved")
        return session_id
    finally:
        customer.close()
        alice.close()


def test_an_ended_session_is_posted_signed_retried_until_taken_and_listed(start_server, receivers):
    receiver = receivers(failures=2)
    server, root = team(start_server)
    admin_post(server, root, "/rep/admin/webhook", {"url": receiver.url})
    secret = secret_of(server, root)
    session_id = a_session(server)

    attempts = [receiver.next() for _ in range(3)]
    assert [status for status, _, _ in attempts] == [500, 500, 200]
    _, headers, body = attempts[-1]
    assert headers["X-Relaydesk-Signature"] == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["Content-Type"] == "application/json"
    summary = json.loads(body)
    assert {name: summary[name] for name in ("id", "portal", "customer", "reps", "outcome", "rating")} == {
        "id": session_id, "portal": "/", "customer": "Carol", "reps": ["Alice"], "outcome": "resolved",
        "rating": None}
    assert summary["start"] <= summary["answered"] <= summary["end"] and summary["wait_s"] >= 0
    assert summary["handle_s"] >= 0
    texts = [entry["text"] for entry in summary["transcript"]]
    assert "My printer is on fire" in texts and "Unplug it, please" in texts
    assert "reps only" not in body.decode()  # what the customer saw, and nothing else

    page = html.unescape(admin_post(server, root, "/rep/admin/webhook", {"url": receiver.url}))
    row = page.split('aria-label="Webhook deliveries"', 1)[1].split("</table>", 1)[0]
    assert re.search(rf"<td>{session_id}</td><td>Carol</td>\s*<td>Delivered</td>\s*<td>3</td><td></td>", row), row


def test_a_receiver_that_never_takes_it_is_given_up_on_with_its_error_shown(start_server):
    with socket.socket() as taken:  # a port nobody listens on: every attempt is refused
        taken.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{taken.getsockname()[1]}/hook"
    server, root = team(start_server, WEBHOOK_ATTEMPTS=2)
    admin_post(server, root, "/rep/admin/webhook", {"url": url})
    session_id = a_session(server)
    for _ in range(100):  # the worker runs on its own: look until it has given up
        page = html.unescape(post_form(server, "/rep/admin", None, cookie=root)[2])
        if "<td>Failed</td>" in page:
            break
        threading.Event().wait(0.2)
    row = page.split('aria-label="Webhook deliveries"', 1)[1].split("</table>", 1)[0]
    assert re.search(rf"<td>{session_id}</td><td>Carol</td>\s*<td>Failed</td>\s*<td>2</td><td>[^<]*refused", row), row


def test_a_pending_delivery_survives_a_crash_of_the_server(start_server, receivers):
    receiver = receivers()
    server, root = team(start_server, WEBHOOK_DELAY_S=3)
    admin_post(server, root, "/rep/admin/webhook", {"url": receiver.url})
    session_id = a_session(server)
    server.kill()  # before it was due: only the database knows of it
    server.start()
    _, _, body = receiver.next()
    assert json.loads(body)["id"] == session_id
    assert receiver.posts.empty()


def test_no_webhook_url_sends_nothing_and_a_bad_url_is_refused(start_server, receivers):
    server, root = team(start_server)
    page = admin_post(server, root, "/rep/admin/webhook", {"url": "ftp://example.com/x"})
    assert "Only web addresses starting with http:// or https://" in html.unescape(page)
    a_session(server)
    assert "No session was sent yet." in post_form(server, "/rep/admin", None, cookie=root)[2]


def test_the_summary_includes_the_rating_when_the_satisfaction_table_has_one(store):
    """team-a's ``satisfaction`` table, when present, gives the rating and comment."""
    store.db.write("CREATE TABLE IF NOT EXISTS satisfaction (session_id INTEGER PRIMARY KEY, rating INTEGER,"
                   " comment TEXT, at INTEGER)")
    session = store.create_session("request-0001", "t" * 43, "/", "Carol", "Help", {})
    store.db.write("INSERT INTO satisfaction VALUES (?, 4, 'quick', 0)", (session.id,))
    summary = session_summary(store, session.id)
    assert (summary["rating"], summary["comment"], summary["answered"], summary["wait_s"]) == (4, "quick", None,
                                                                                               None)

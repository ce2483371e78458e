"""Abuse by volume: a flood of frames, a flood of requests, a chatty waiting customer, a trickled upload, a reader
that stops.  Each test asserts what the server does to defend (refusals with their codes, a dropped socket), and
that everyone else carries on; none of them times anything.
"""

from __future__ import annotations

import secrets
import socket
import time
from pathlib import Path

import pytest

from tests.chatters import accept, ask, new_id, rep_hello
from tests.wsclient import Client, sign_in


@pytest.fixture
def strict(start_server):
    """A server with small limits, so a test reaches them quickly."""
    server = start_server(FRAMES_PER_CONNECTION="10/2 seconds", REQUESTS_PER_ADDRESS="4/minute", WAITING_MESSAGES=3,
                          UPLOAD_GRACE_S=1, UPLOAD_MIN_KBPS=50, SEND_TIMEOUT_S=2)
    server.add_rep("alice", "Alice")
    clients: list[Client] = []

    def client(role: str, username: str | None = None) -> Client:
        clients.append(Client(server, role, cookie=sign_in(server, username) if username else None))
        return clients[-1]

    server.client = client
    yield server
    for opened in clients:
        opened.close()


def answers(client: Client, ids: list[str]) -> dict[str, dict]:
    """Read until every frame in ``ids`` has its ack or error; return them by id."""
    found: dict[str, dict] = {}
    while len(found) < len(ids):
        frame = client.recv()
        if frame["type"] in ("ack", "error") and frame.get("id") in ids:
            found[frame["id"]] = frame
    return found


def in_chat(server) -> tuple[Client, Client, int, str]:
    customer, rep = server.client("customer"), server.client("rep", "alice")
    rep_hello(rep)
    session_id, token = ask(customer)
    accept(rep, session_id)
    return customer, rep, session_id, token


def test_a_flooding_page_is_refused_frame_by_frame_and_stays_connected(strict):
    customer, rep, session_id, _token = in_chat(strict)
    ids = [new_id() for _ in range(40)]
    for number, frame_id in enumerate(ids):
        customer.send(type="say", id=frame_id, text=f"flood {number}")
    found = answers(customer, ids)
    refused = [i for i in ids if found[i]["type"] == "error"]
    assert refused and all(found[i]["code"] == "rate-limited" for i in refused)
    assert "wait" in found[refused[0]]["message"]

    other = strict.client("customer")  # someone else is not held back by it
    assert ask(other, name="Olga")[0] != session_id

    time.sleep(2.1)  # the window passes: the same page may write again, and nothing it had acked is lost
    again = new_id()
    customer.send(type="say", id=again, text="after the flood")
    assert answers(customer, [again])[again]["type"] == "ack"
    rep.send(type="hello", since={str(session_id): 0})  # a console that reloads and reads the log again
    texts = []
    while True:
        frame = rep.recv()
        if frame["type"] == "event" and frame["session"] == session_id and frame["kind"] == "message":
            texts.append(frame["text"])
            if frame["text"] == "after the flood":
                break
    accepted = [f"flood {n}" for n, i in enumerate(ids) if found[i]["type"] == "ack"]
    assert [t for t in texts if t.startswith("flood")] == accepted


def test_a_flood_of_requests_from_one_address_is_refused_but_a_resend_is_not(strict):
    made, refused = [], []
    for number in range(6):
        customer, request_id = strict.client("customer"), new_id()
        customer.send(type="request", id=request_id, token=secrets.token_urlsafe(32), portal="/",
                      name=f"Fake {number}", issue="x", details={})
        answer = answers(customer, [request_id])[request_id]
        (made if answer["type"] == "ack" else refused).append((customer, request_id, answer))
    assert len(made) == 4 and [a["code"] for _, _, a in refused] == ["rate-limited", "rate-limited"]
    rep = strict.client("rep", "alice")
    assert len(rep_hello(rep)["queue"]) == 4


def test_a_customer_in_the_queue_may_write_a_few_messages_not_thousands(strict):
    customer = strict.client("customer")
    ask(customer)
    ids = [new_id() for _ in range(5)]
    for frame_id in ids:
        customer.send(type="say", id=frame_id, text="hello? anyone?")
    found = answers(customer, ids)
    assert [found[i]["type"] for i in ids] == ["ack", "ack", "ack", "error", "error"]
    assert found[ids[-1]]["code"] == "quota"
    customer.send(type="say", id=ids[0], text="hello? anyone?")  # a resend of an acknowledged one is still fine
    assert answers(customer, [ids[0]])[ids[0]]["type"] == "ack"


def test_a_trickled_upload_is_dropped_and_leaves_no_file(strict):
    customer, _rep, session_id, token = in_chat(strict)
    boundary = secrets.token_hex(8)
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.bin\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    length = len(head) + 200_000
    with socket.create_connection(("127.0.0.1", strict.port), timeout=30) as raw:
        raw.sendall((f"POST /files/{session_id} HTTP/1.1\r\nHost: 127.0.0.1:{strict.port}\r\n"
                     f"Origin: {strict.url}\r\nX-Relaydesk-Token: {token}\r\n"
                     f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                     f"Content-Length: {length}\r\n\r\n").encode() + head)
        answer = b""
        try:
            for _ in range(200):  # a byte now and then: far slower than UPLOAD_MIN_KBPS
                raw.sendall(b"x")
                time.sleep(0.05)
                raw.settimeout(0.01)
                try:
                    answer += raw.recv(4096)
                except TimeoutError:
                    continue
                if b"\r\n\r\n" in answer:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert list((Path(strict.data) / "files").glob("*")) == []


# A reader that stops reading: tests/test_slow_readers_live.py (closed after SEND_TIMEOUT_S, the session goes on).

"""The server's doors under attack: trickled uploads, half-sent headers, silent websockets, floods of sockets.

Each test checks what the server does (a 408, a 503, a close) through real
sockets; none times anything: a socket the server never lets go fails the
test by its own read timeout.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket

from tests.chatters import accept, ask, rep_hello
from tests.liveserver import ALICE
from tests.rawws import RawClient
from tests.wsclient import Client, sign_in


def answer(raw: socket.socket, timeout_s: float = 30) -> bytes:
    """Read what the server says until it closes the connection (a read timeout fails the test)."""
    raw.settimeout(timeout_s)
    said = b""
    try:
        while chunk := raw.recv(65536):
            said += chunk
    except ConnectionResetError:
        pass
    return said


def handshake(server, role: str, cookie: str | None = None) -> tuple[socket.socket, bytes]:
    """Open a websocket by hand; return the socket and the status line of the server's answer."""
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    key = base64.b64encode(os.urandom(16)).decode()
    raw.sendall((f"GET /ws/{role} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
                 f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                 f"Origin: {server.url}\r\n" + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n").encode())
    head = b""
    while b"\r\n" not in head:
        chunk = raw.recv(4096)
        if not chunk:
            break
        head += chunk
    return raw, head.split(b"\r\n", 1)[0]


def test_fifty_trickled_uploads_are_all_dropped_not_held_for_their_declared_size(start_server):
    # At 50 KB/s, the 20 MB each one declares would be due after ~400 s: they are cut as they fall behind.
    server = start_server(ALICE, UPLOAD_GRACE_S=1, UPLOAD_MIN_KBPS=50)
    customer, rep = Client(server, "customer"), Client(server, "rep", cookie=sign_in(server, "alice"))
    rep_hello(rep)
    session_id, token = ask(customer)
    accept(rep, session_id)
    boundary = secrets.token_hex(8)
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.bin\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()
    uploads = []
    for _ in range(50):
        raw = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        raw.sendall((f"POST /files/{session_id} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                     f"Origin: {server.url}\r\nX-Relaydesk-Token: {token}\r\n"
                     f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                     f"Content-Length: {20 * 1024 * 1024}\r\n\r\n").encode() + head + b"x")
        uploads.append(raw)
    answers = [answer(raw) for raw in uploads]  # each read waits for the server's 408 and close
    assert all(said.startswith(b"HTTP/1.1 408") for said in answers), [said[:40] for said in answers]
    customer.send(type="say", id="after-the-trickle", text="still here")
    assert customer.expect("ack", id="after-the-trickle")
    for closing in (*uploads, customer, rep):
        closing.close()


def test_a_half_sent_header_is_dropped(start_server):
    server = start_server(HEADER_TIMEOUT_S=1)
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as raw:
        raw.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nX-Slow: ".encode())
        said = answer(raw)
    assert said == b"" or said.startswith(b"HTTP/1.1 400"), said[:100]
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as idle:  # nothing at all: the same
        assert answer(idle) == b""


def test_a_websocket_that_never_says_hello_is_closed_and_one_that_does_stays(start_server):
    server = start_server(HELLO_TIMEOUT_S=1)
    silent, talking = RawClient(server, "customer"), Client(server, "customer")
    session_id, _token = ask(talking)
    assert silent.closed_by_server()
    talking.send(type="say", id="said-after-a-while", text="hello?")
    assert talking.expect("ack", id="said-after-a-while")["session"] == session_id
    silent.close()
    talking.close()


def test_one_address_may_hold_only_so_many_connections(start_server):
    server = start_server(MAX_CONNECTIONS_PER_ADDRESS=5)
    held = [socket.create_connection(("127.0.0.1", server.port), timeout=30) for _ in range(5)]
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sixth:
        assert answer(sixth).startswith(b"HTTP/1.1 503")
    held.pop().close()
    customer = Client(server, "customer")  # one left: a place is free again
    assert ask(customer)[0]
    for raw in (*held, customer):
        raw.close()


def refused_in(server, head: str) -> bytes:
    """Send ``head`` on a connection past the per-address cap; return the server's whole answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as raw:
        raw.sendall(head.replace("\n", "\r\n").encode())
        return answer(raw)


def test_a_connection_over_the_cap_is_refused_in_its_language(start_server):
    server = start_server(MAX_CONNECTIONS_PER_ADDRESS=2)
    held = [socket.create_connection(("127.0.0.1", server.port), timeout=30) for _ in range(2)]
    french = "Le serveur est occupé : réessayez dans une minute."
    by_header = refused_in(server, "GET / HTTP/1.1\nHost: x\nAccept-Language: fr-FR,fr;q=0.9,en;q=0.5\n\n")
    by_query = refused_in(server, "GET /rep?lang=fr HTTP/1.1\nHost: x\nAccept-Language: en-GB\n\n")
    english = refused_in(server, "GET /?lang=en HTTP/1.1\nHost: x\nAccept-Language: fr\n\n")
    silent = refused_in(server, "")  # says nothing: English, once the short wait for its head is over
    for said in (by_header, by_query):
        assert said.startswith(b"HTTP/1.1 503") and b"Content-Language: fr" in said, said
        assert json.loads(said.split(b"\r\n\r\n", 1)[1])["error"] == french
    for said in (english, silent):
        assert said.startswith(b"HTTP/1.1 503") and b"Content-Language: en" in said, said
        assert json.loads(said.split(b"\r\n\r\n", 1)[1])["error"] == "The server is busy: try again in a minute."
    for raw in held:
        raw.close()


def test_only_so_many_refusals_wait_for_their_head_at_once():
    from relaydesk.doors import BUSY_WAITERS, Gate

    gate = Gate({})
    assert all(gate.refusal_may_wait() for _ in range(BUSY_WAITERS))
    assert not gate.refusal_may_wait()  # the next one reads what has come, and is answered at once
    gate.refusal_done()
    assert gate.refusal_may_wait()


def test_past_the_mark_for_reps_an_anonymous_request_is_refused_in_its_language(start_server):
    server = start_server(MAX_CONNECTIONS=12, RESERVED_FOR_REPS=4)
    flood = [socket.create_connection(("127.0.0.1", server.port), timeout=30) for _ in range(9)]
    said = refused_in(server, "GET /?lang=fr HTTP/1.1\nHost: x\nConnection: close\n\n")
    assert said.startswith(b"HTTP/1.1 503"), said
    assert json.loads(said.split(b"\r\n\r\n", 1)[1])["error"] == "Le serveur est occupé : réessayez dans une minute."
    for raw in flood:
        raw.close()


def test_a_flood_of_anonymous_sockets_leaves_room_for_reps(start_server):
    server = start_server(ALICE, MAX_CONNECTIONS=12, RESERVED_FOR_REPS=4)
    cookie = sign_in(server, "alice")
    flood, refused = [], []
    for _ in range(12):
        raw, status = handshake(server, "customer")
        (flood if b" 101 " in status else refused).append((raw, status))
    assert refused and all(b" 503 " in status for _, status in refused), [s for _, s in refused]
    rep = Client(server, "rep", cookie=cookie)  # past the mark, a signed-in rep still comes in
    assert rep_hello(rep)["me"]["name"] == "Alice"
    for raw, _ in flood + refused:
        raw.close()
    rep.close()

"""Files through a live server: sent both ways, downloaded by that session's people only."""

import json
import secrets
import socket
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.chatters import accept, ask, rep_hello
from tests.databases import connected
from tests.disks import tmpfs
from tests.wsclient import Client, csrf_headers, sign_in

BOTH_BACKENDS = True  # each test on SQLite and on PostgreSQL (tests/conftest.py)


def database(server) -> str:
    return server.settings.get("DATABASE_URL") or str(server.data / "relaydesk.db")


def http(server, method, path, body=None, headers=None):
    """Send a request as our pages' code does: a POST with the CSRF token of a page loaded with its cookie."""
    headers = headers or {}
    if method != "GET":
        headers = headers | csrf_headers(server, headers.get("Cookie"))
    request = urllib.request.Request(server.url + path, data=body, method=method,
                                     headers={"Origin": server.url, **headers})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def upload(server, session_id, name, content: bytes, headers):
    boundary = secrets.token_hex(8)
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return http(server, "POST", f"/files/{session_id}", body,
                {"Content-Type": f"multipart/form-data; boundary={boundary}", **headers})


def refused_upload(server, session_id, size: int, token: str) -> tuple[int, str]:
    """Start an upload of ``size`` bytes, send only its head and a little of its body, and read the answer.

    The server answers a body over the limit before reading it, then closes: a client still sending the
    rest (urllib) may meet that close as a broken pipe before it reads the answer, as a browser does not.
    """
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall((f"POST /files/{session_id} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                      f"Origin: {server.url}\r\nX-Relaydesk-Token: {token}\r\n"
                      "Content-Type: multipart/form-data; boundary=b0undary\r\n"
                      f"Content-Length: {size}\r\nConnection: close\r\n\r\n").encode() + b"x" * 1024)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode()


def customer_cookie(server, token):
    status, headers, _ = http(server, "POST", "/files/access", json.dumps({"token": token}).encode(),
                              {"Content-Type": "application/json"})
    assert status == 204 and "HttpOnly" in headers["Set-Cookie"] and "Path=/files" in headers["Set-Cookie"]
    return headers["Set-Cookie"].split(";", 1)[0]


def test_a_customer_file_reaches_the_rep_who_downloads_it(chat, server):
    customer, alice, session_id, token = chat
    status, _, body = upload(server, session_id, "<i>report.html", b"<script>alert(1)</script>",
                             {"X-Relaydesk-Token": token})
    assert status == 201
    file_id = json.loads(body)["id"]
    event = alice.expect("event", id=f"file-{file_id}")
    assert (event["kind"], event["text"]) == ("file", "<i>report.html (25 bytes)")
    assert customer.expect("event", id=f"file-{file_id}")
    status, headers, content = http(server, "GET", f"/files/{file_id}", headers={"Cookie": sign_in(server, "alice")})
    assert (status, content) == (200, b"<script>alert(1)</script>")
    assert headers["Content-Disposition"].startswith("attachment")
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Content-Type"] == "application/octet-stream"


def test_a_rep_file_reaches_the_customer_who_downloads_it(chat, server):
    customer, alice, session_id, token = chat
    status, _, body = upload(server, session_id, "fix.txt", b"turn it off and on", {"Cookie": sign_in(server, "alice")})
    file_id = json.loads(body)["id"]
    customer.expect("event", id=f"file-{file_id}")
    status, _, content = http(server, "GET", f"/files/{file_id}", headers={"Cookie": customer_cookie(server, token)})
    assert (status, content) == (200, b"turn it off and on")


def test_nobody_else_downloads_a_sessions_file(chat, server, connect):
    customer, alice, session_id, token = chat
    _, _, body = upload(server, session_id, "secret.txt", b"mine", {"X-Relaydesk-Token": token})
    file_id = json.loads(body)["id"]
    other = connect("customer")
    other_session, other_token = ask(other, name="Eve")
    assert http(server, "GET", f"/files/{file_id}", headers={"Cookie": customer_cookie(server, other_token)})[0] == 404
    assert http(server, "GET", f"/files/{file_id}", headers={"Cookie": sign_in(server, "bob")})[0] == 404
    assert http(server, "GET", f"/files/{file_id}")[0] == 404
    assert http(server, "GET", f"/files/{file_id}", headers={"Cookie": sign_in(server, "root")})[0] == 200


def test_nobody_else_sends_into_a_session(chat, server, connect):
    customer, alice, session_id, token = chat
    other_session, other_token = ask(connect("customer"), name="Eve")
    assert upload(server, session_id, "x.txt", b"x", {"X-Relaydesk-Token": other_token})[0] == 404
    assert upload(server, session_id, "x.txt", b"x", {"Cookie": sign_in(server, "bob")})[0] == 404


def test_a_file_over_the_limit_gets_a_clear_message(start_server):
    server = start_server(MAX_FILE_MB=1)
    server.add_rep("alice", "Alice")
    customer, alice = Client(server, "customer"), Client(server, "rep", cookie=sign_in(server, "alice"))
    rep_hello(alice)
    session_id, token = ask(customer)
    accept(alice, session_id)
    status, body = refused_upload(server, session_id, 2 * 1024 * 1024, token)
    assert status == 413 and "limited to 1 MB" in json.loads(body)["error"]
    customer.send(type="say", id="still-alive", text="still here")
    assert customer.expect("ack", id="still-alive")
    customer.close()
    alice.close()


@pytest.mark.parametrize("origin", ["http://evil.example"])
def test_uploads_from_another_site_are_refused(chat, server, origin):
    customer, alice, session_id, token = chat
    status, _, _ = http(server, "POST", f"/files/{session_id}", b"", {"Origin": origin, "X-Relaydesk-Token": token})
    assert status == 403


@pytest.fixture
def full_disk(server):
    """Put the live server's files/ folder on a 2 MB tmpfs: a disk that really fills up."""
    with tmpfs(server.data / "files", "2m") as folder:
        yield folder


def test_an_upload_that_fills_the_disk_gets_a_clear_message_and_leaves_nothing(chat, server, full_disk):
    customer, alice, session_id, token = chat
    status, headers, body = upload(server, session_id, "huge.bin", b"x" * (3 * 1024 * 1024),
                                   {"X-Relaydesk-Token": token})
    assert status == 507 and headers["Content-Type"] == "application/json"
    assert "disk is full" in json.loads(body)["error"]
    assert list(full_disk.iterdir()) == []
    status, _, body = upload(server, session_id, "small.txt", b"fits", {"X-Relaydesk-Token": token})
    assert status == 201 and [path.name for path in full_disk.iterdir()] == [json.loads(body)["id"]]
    customer.send(type="say", id="after-full", text="still here")
    assert customer.expect("ack", id="after-full")


def test_file_names_lose_control_and_direction_characters(chat, server):
    customer, alice, session_id, token = chat
    sneaky = "invoice\u202egnp.exe\u2066\u200f\x07\x1b[31m.txt"
    status, _, body = upload(server, session_id, sneaky, b"data", {"X-Relaydesk-Token": token})
    assert status == 201
    sent = json.loads(body)
    assert sent["name"] == "invoicegnp.exe[31m.txt"
    assert alice.expect("event", id=f"file-{sent['id']}")["text"] == "invoicegnp.exe[31m.txt (4 bytes)"
    with connected(database(server)) as db:  # a name kept before names were cleaned
        db.execute("UPDATE files SET name = ? WHERE id = ?", (sneaky, sent["id"]))
    status, headers, _ = http(server, "GET", f"/files/{sent['id']}", headers={"Cookie": sign_in(server, "alice")})
    assert status == 200 and "invoicegnp.exe" in headers["Content-Disposition"]
    assert not any(ord(c) < 32 or 0x200e <= ord(c) <= 0x206f for c in urllib.parse.unquote(
        headers["Content-Disposition"]))


def test_an_upload_the_server_cannot_write_gets_json_and_leaves_no_row(chat, server):
    customer, alice, session_id, token = chat
    (server.data / "files").write_text("not a folder")
    status, headers, body = upload(server, session_id, "a.txt", b"data", {"X-Relaydesk-Token": token})
    assert status == 500 and "could not keep that file" in json.loads(body)["error"]
    with connected(database(server)) as db:
        assert db.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 0

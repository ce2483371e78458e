"""Reps' sign-ins live on the server: signing out, disabling a rep or changing a password ends them, sockets too."""

import time

import pytest
import websocket

from relaydesk.protocol import SIGNED_OUT
from tests.chatters import rep_hello
from tests.liveserver import ALICE
from tests.wsclient import Client, post_form, sign_in, sign_out


def refused_everywhere(server, cookie: str) -> None:
    """Check that a cookie no longer opens anything a signed-in rep may use."""
    assert post_form(server, "/rep/reps", None, cookie=cookie)[0] == 401
    assert post_form(server, "/rep/admin", None, cookie=cookie)[0] == 401
    assert 'name="password"' in post_form(server, "/rep", None, cookie=cookie)[2]  # the sign-in page
    with pytest.raises(websocket.WebSocketBadStatusException) as caught:
        Client(server, "rep", cookie=cookie)
    assert caught.value.status_code == 401


def works(server, cookie: str) -> bool:
    return post_form(server, "/rep/reps", None, cookie=cookie)[0] == 200


def closed_by_server(client: Client) -> int:
    """Read until the server closes the socket (skipping what it sends before); return the close code."""
    while True:
        opcode, frame = client.ws.recv_data_frame(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:  # answered by the client, which leaves its socket to us
            client.ws.shutdown()
            return int.from_bytes(frame.data[:2], "big")


def test_after_sign_out_the_old_cookie_opens_nothing(server):
    cookie = sign_in(server, "root")
    assert works(server, cookie) and post_form(server, "/rep/admin", None, cookie=cookie)[0] == 200
    sign_out(server, cookie)
    refused_everywhere(server, cookie)


def test_signing_out_closes_that_sign_in_s_sockets_only(server, clients):
    leaving, staying = sign_in(server, "alice"), sign_in(server, "alice")
    first, second = Client(server, "rep", cookie=leaving), Client(server, "rep", cookie=staying)
    clients += [first, second]
    rep_hello(first)
    rep_hello(second)
    sign_out(server, leaving)
    assert closed_by_server(first) == SIGNED_OUT
    assert works(server, staying)
    assert rep_hello(second)["me"]["name"] == "Alice"


def test_disabling_a_rep_ends_every_sign_in_and_closes_their_sockets(server, clients):
    laptop, phone = sign_in(server, "alice"), sign_in(server, "alice")
    console, early = Client(server, "rep", cookie=laptop), Client(server, "rep", cookie=phone)
    clients += [console, early]
    rep_hello(console)  # ``early`` has not said hello yet: it is closed all the same
    server.command("rep", "disable", "alice")
    assert closed_by_server(console) == SIGNED_OUT
    assert closed_by_server(early) == SIGNED_OUT
    refused_everywhere(server, laptop)
    refused_everywhere(server, phone)
    status, _, body = post_form(server, "/rep/sign-in", {"username": "alice", "password": "correct horse"})
    assert status == 403 and "This account is disabled." in body
    server.command("rep", "enable", "alice")
    assert works(server, sign_in(server, "alice"))


def test_a_disabled_rep_is_told_so_only_with_the_right_password(server):
    server.command("rep", "disable", "alice")
    status, _, body = post_form(server, "/rep/sign-in", {"username": "alice", "password": "wrong horse"})
    assert status == 401 and "Wrong username or password." in body and "disabled" not in body


def test_a_password_change_ends_every_sign_in_and_closes_their_sockets(server, clients):
    laptop, phone, bobs = sign_in(server, "alice"), sign_in(server, "alice"), sign_in(server, "bob")
    console = Client(server, "rep", cookie=laptop)
    clients.append(console)
    rep_hello(console)
    result = server.command("rep", "password", "alice", password="a new long password")
    assert "alice" in result.stdout
    assert closed_by_server(console) == SIGNED_OUT
    refused_everywhere(server, laptop)
    refused_everywhere(server, phone)
    assert works(server, bobs)  # other reps stay signed in
    assert post_form(server, "/rep/sign-in", {"username": "alice", "password": "correct horse"})[0] == 401
    assert works(server, sign_in(server, "alice", "a new long password"))


def test_an_unknown_rep_is_an_error_on_the_command_line(server):
    import subprocess

    with pytest.raises(subprocess.CalledProcessError) as caught:
        server.command("rep", "disable", "nobody")
    assert "No rep is called 'nobody'" in caught.value.stderr


@pytest.fixture
def short_lived(start_server):
    """A server whose sign-ins lapse after 2 idle seconds, or 4 in all."""
    return start_server(SIGN_IN_IDLE_S=2, SIGN_IN_LIFETIME_S=4, reps=ALICE)


def test_an_idle_sign_in_lapses(short_lived):
    cookie = sign_in(short_lived, "alice")
    assert works(short_lived, cookie)
    time.sleep(2.5)
    refused_everywhere(short_lived, cookie)


def test_activity_keeps_a_sign_in_but_not_past_its_lifetime(short_lived):
    cookie = sign_in(short_lived, "alice")
    signed_in_at = time.monotonic()
    while time.monotonic() - signed_in_at < 3:  # past the idle time, within the lifetime
        assert works(short_lived, cookie)
        time.sleep(0.3)
    while time.monotonic() - signed_in_at < 4.5:
        time.sleep(0.3)
        works(short_lived, cookie)
    refused_everywhere(short_lived, cookie)


def test_a_console_s_frames_keep_its_sign_in(short_lived, clients):
    cookie = sign_in(short_lived, "alice")
    console = Client(short_lived, "rep", cookie=cookie)
    clients.append(console)
    rep_hello(console)
    started = time.monotonic()
    while time.monotonic() - started < 3:  # past the idle time, with no request but the console's frames
        console.send(type="say", id=f"probe-{time.monotonic_ns()}", session=999999, text="still here")
        assert console.expect("error")["code"] == "bad-session"
        time.sleep(0.3)
    assert works(short_lived, cookie)


def test_an_idle_console_is_closed_when_its_sign_in_lapses(short_lived, clients):
    console = Client(short_lived, "rep", cookie=sign_in(short_lived, "alice"))
    clients.append(console)
    rep_hello(console)
    console.ws.settimeout(10)
    assert closed_by_server(console) == SIGNED_OUT

"""The relay, tried through a live server on a real port with real websocket clients."""


import pytest
import websocket

from tests.wsclient import Client, post_form

BOTH_BACKENDS = True  # each test on SQLite and on PostgreSQL (tests/conftest.py)


def test_acknowledged_messages_survive_the_server_being_killed(chat, server):
    customer, alice, session_id, token = chat
    customer.send(type="say", id="before-kill", text="survives SIGKILL")
    customer.expect("ack", id="before-kill")
    server.kill()
    server.start()
    again = Client(server, "customer")
    again.send(type="hello", token=token, since=0)
    again.expect("welcome")
    assert again.expect("event", id="before-kill")["text"] == "survives SIGKILL"
    again.close()


def test_handshakes_from_another_origin_are_refused(server):
    with pytest.raises(websocket.WebSocketBadStatusException) as caught:
        Client(server, "customer", origin="http://evil.example")
    assert caught.value.status_code == 403


def test_the_rep_socket_needs_a_signed_in_rep(server):
    with pytest.raises(websocket.WebSocketBadStatusException) as caught:
        Client(server, "rep")
    assert caught.value.status_code == 401


def test_a_wrong_password_gets_a_clear_message(server):
    status, _, body = post_form(server, "/rep/sign-in", {"username": "alice", "password": "nope"})
    assert status == 401 and "Wrong username or password." in body


def test_the_session_cookie_is_http_only_and_same_site(server):
    _, headers, _ = post_form(server, "/rep/sign-in", {"username": "alice", "password": "correct horse"})
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_sign_in_posted_from_another_site_is_refused(server):
    status, _, _ = post_form(server, "/rep/sign-in", {"username": "alice", "password": "correct horse"},
                             origin="http://evil.example")
    assert status == 403


def test_handshakes_without_an_origin_are_refused(server):
    with pytest.raises(websocket.WebSocketBadStatusException) as caught:
        websocket.create_connection(f"{server.ws_url}/ws/customer", suppress_origin=True, timeout=5)
    assert caught.value.status_code == 403


DEEP = 20000  # nested far past what json.loads can recurse through, still under the 64 KB cap


@pytest.mark.parametrize(("role", "raw", "code", "frame_id"), [
    ("customer", '{"type": ["say"], "id": "type-is-a-list", "text": "hi"}', "unknown-type", "type-is-a-list"),
    ("customer", '{"type": 12, "id": "type-is-a-number"}', "unknown-type", "type-is-a-number"),
    ("customer", '{"type": "say", "id": "lone-surrogate", "text": "bad \\ud800 text"}', "bad-text", "lone-surrogate"),
    ("customer", '{"type": "say", "id": "surrogate-\\udfff-id", "text": "hi"}', "bad-text", "surrogate-\udfff-id"),
    ("rep", '{"type": "say", "id": "huge-session", "session": 1180591620717411303424, "text": "hi"}', "bad-session",
     "huge-session"),
    ("rep", '{"type": "hello", "id": "huge-since-1", "since": {"1180591620717411303424": 1}}', "bad-session",
     "huge-since-1"),
    ("rep", '{"type": "prefs", "id": "odd-digits-1", "prefs": {"font_size": "\\u00b2"}}', "bad-prefs", "odd-digits-1"),
    ("rep", '{"type": "prefs", "id": "list-language", "prefs": {"spell_language": []}}', "bad-prefs", "list-language"),
    ("customer", '{"type": "say", "id": "deep-nesting", "text": ' + "[" * 500 + "]" * 500 + "}", "bad-field",
     "deep-nesting"),
    ("customer", '{"type": "say", "text": ' + "[" * DEEP + "]" * DEEP + ', "id": "too-deep-to-read"}', "too-deep",
     "too-deep-to-read"),
])
def test_hostile_frames_get_an_error_with_their_id_and_leave_no_traceback(chat, role, raw, code, frame_id):
    customer, alice, session_id, _ = chat
    client = customer if role == "customer" else alice
    client.send_raw(raw)
    error = client.expect("error")
    assert (error["code"], error.get("id")) == (code, frame_id)
    if role == "customer":
        client.send(type="say", id="still-here", text="still connected")
    else:
        client.send(type="say", id="still-here", session=session_id, text="still connected")
    assert client.expect("ack", id="still-here")

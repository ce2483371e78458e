"""Rep tools through a live server: pushed URLs, preferences on every device, notes, the script library."""

import json
import urllib.request

from tests.chatters import rep_hello
from tests.wsclient import csrf_headers, post_form, sign_in


def test_a_pushed_url_reaches_the_customer_live_and_as_a_log_entry(chat):
    customer, alice, session_id, _ = chat
    alice.send(type="push-url", id="push-it-now", session=session_id, url="https://example.com/help")
    alice.expect("ack", id="push-it-now")
    event = customer.expect("event", id="push-it-now")
    assert (event["kind"], event["text"], event["live"]) == ("url", "https://example.com/help", True)


def test_a_javascript_url_is_refused_by_the_server(chat):
    customer, alice, session_id, _ = chat
    alice.send(type="push-url", id="push-evil-1", session=session_id, url="javascript:alert(1)")
    assert alice.expect("error", id="push-evil-1")["code"] == "bad-url"


def test_preferences_are_kept_and_reach_every_device_of_the_rep(connect):
    laptop, phone = connect("rep", "alice"), connect("rep", "alice")
    assert rep_hello(laptop)["prefs"]["yellow_after"] == 60
    rep_hello(phone)
    laptop.send(type="prefs", id="prefs-one-1", prefs={"yellow_after": 5, "red_after": 10})
    laptop.expect("ack", id="prefs-one-1")
    assert phone.expect("prefs")["prefs"]["red_after"] == 10
    assert rep_hello(connect("rep", "alice"))["prefs"]["yellow_after"] == 5


def test_bad_preferences_get_a_clear_error(connect):
    alice = connect("rep", "alice")
    rep_hello(alice)
    alice.send(type="prefs", id="prefs-bad-1", prefs={"yellow_after": 100, "red_after": 50})
    assert "Red after" in alice.expect("error", id="prefs-bad-1")["message"]


def test_notes_reach_reps_only(chat):
    customer, alice, session_id, _ = chat
    alice.send(type="note", id="note-one-1", session=session_id, text="customer seems tired")
    alice.expect("ack", id="note-one-1")
    customer.send(type="say", id="after-note", text="hello")
    customer.expect("ack", id="after-note")
    assert not any("tired" in raw for raw in customer.frames)


def request_json(server, path, cookie, body=None, method="GET"):
    headers = csrf_headers(server, cookie) if method != "GET" else {"Cookie": cookie}
    request = urllib.request.Request(server.url + path, method=method, headers={
        **headers, "Origin": server.url, "Content-Type": "application/json"},
        data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_reps_keep_their_own_scripts_beside_the_teams(server):
    admin = sign_in(server, "root")
    post_form(server, "/rep/admin/scripts", {"kind": "message", "category": "Openers", "title": "Greeting",
                                              "body": "Hello {customer}"}, cookie=admin)
    alice, bob = sign_in(server, "alice"), sign_in(server, "bob")
    status, mine = request_json(server, "/rep/scripts", alice, {"kind": "url", "title": "Docs",
                                                                 "body": "https://example.com/docs"}, "POST")
    assert status == 201 and {s["title"] for s in mine} == {"Greeting", "Docs"}
    assert [s["title"] for s in request_json(server, "/rep/scripts", bob)[1]] == ["Greeting"]


def test_a_scripted_url_must_be_a_web_address(server):
    status, answer = request_json(server, "/rep/scripts", sign_in(server, "alice"),
                                  {"kind": "url", "title": "Evil", "body": "javascript:alert(1)"}, "POST")
    assert status == 400 and "http" in answer["error"]



"""The life of a session around the chat, through a live server: keys, presence, the end, exports."""

import re

import pytest

from relaydesk.store import Store
from tests.chatters import accept, ask, new_id, rep_hello
from tests.wsclient import Client, post_form, sign_in


def make_key(rep) -> str:
    rep.send(type="make-key", id=new_id())
    return rep.expect("keys")["keys"][-1]["key"]


def ask_with_key(customer, key, name="Dana"):
    request_id = new_id()
    customer.send(type="request", id=request_id, token="k" * 20 + new_id() * 2, portal="/", name=name,
                  issue="VPN", details={}, key=key)
    return request_id


def test_a_rep_generates_a_nine_digit_key_and_sees_it_with_its_expiry(connect):
    alice = connect("rep", "alice")
    assert rep_hello(alice)["keys"] == []
    alice.send(type="make-key", id=new_id())
    (key,) = alice.expect("keys")["keys"]
    assert re.fullmatch(r"\d{9}", key["key"]) and key["expires_at"] > 0


def test_a_rep_may_hold_several_keys(connect):
    alice = connect("rep", "alice")
    rep_hello(alice)
    make_key(alice)
    alice.send(type="make-key", id=new_id())
    assert len(alice.expect("keys")["keys"]) == 2


def test_a_customer_with_a_key_lands_in_the_reps_session_which_opens_by_itself(connect):
    alice, customer = connect("rep", "alice"), connect("customer")
    rep_hello(alice)
    key = make_key(alice)
    ask_with_key(customer, key)
    assert customer.expect("welcome")["session"]["status"] == "active"
    opened = alice.expect("opened")["session"]
    assert (opened["customer"], opened["status"]) == ("Dana", "active")
    assert alice.expect("event", kind="status", text="Dana joined with a session key")
    assert alice.expect("keys")["keys"] == []


def test_a_used_key_is_refused_with_a_clear_message(connect):
    alice, first, second = connect("rep", "alice"), connect("customer"), connect("customer")
    rep_hello(alice)
    key = make_key(alice)
    ask_with_key(first, key)
    first.expect("welcome")
    request_id = ask_with_key(second, key, name="Eve")
    assert "already used" in second.expect("error", id=request_id)["message"]


def test_a_wrong_key_is_refused_and_nothing_is_stored(connect, server):
    customer, alice = connect("customer"), connect("rep", "alice")
    request_id = ask_with_key(customer, "000000001")
    assert "No session key matches" in customer.expect("error", id=request_id)["message"]
    assert rep_hello(alice)["queue"] == []


def test_a_key_with_letters_is_refused(connect):
    customer = connect("customer")
    request_id = ask_with_key(customer, "12345678a")
    assert customer.expect("error", id=request_id)["code"] == "bad-key"


def test_the_rep_ends_a_session_with_an_outcome_and_both_sides_see_it(chat):
    customer, alice, session_id, _ = chat
    alice.send(type="end", id="end-it-now", session=session_id, outcome="resolved")
    assert alice.expect("session", where=lambda frame: frame["session"]["outcome"] == "resolved")
    alice.expect("ack", id="end-it-now")
    assert customer.expect("event", kind="status", text="Alice ended the session (Resolved)")
    assert customer.expect("session", where=lambda frame: frame["session"]["status"] == "ended")
    customer.send(type="say", id="too-late-1", text="hello?")
    assert customer.expect("error", id="too-late-1")["code"] == "ended"


def test_an_unknown_outcome_is_refused(chat):
    customer, alice, session_id, _ = chat
    alice.send(type="end", id="end-oddly1", session=session_id, outcome="exploded")
    assert alice.expect("error", id="end-oddly1")["code"] == "bad-field"


def test_a_team_greeting_is_sent_when_a_rep_accepts(connect, server):
    alice = connect("rep", "alice")
    status, _, _ = post_form(server, "/rep/admin/settings", {"greeting": "Hi {customer}, {rep} here."},
                             cookie=sign_in(server, "root"))
    assert status == 302
    rep_hello(alice)
    customer = connect("customer")
    session_id, _ = ask(customer)
    accept(alice, session_id)
    assert customer.expect("event", kind="message")["text"] == "Hi Carol, Alice here."


@pytest.fixture
def quick(start_server):
    """A server that counts a customer as gone after one second, and times the queue out after four."""
    server = start_server(CUSTOMER_GONE_S=1, QUEUE_TIMEOUT_S=4, HOUSEKEEPING_S=0.2)
    server.add_rep("alice", "Alice")
    opened = []
    yield server, lambda *args, **kwargs: opened.append(Client(server, *args, **kwargs)) or opened[-1]
    for client in opened:
        client.close()


def test_a_customer_who_closes_the_tab_leaves_the_queue(quick):
    server, client = quick
    alice = client("rep", cookie=sign_in(server, "alice"))
    rep_hello(alice)
    customer = client("customer")
    ask(customer)
    assert alice.expect("queue")["waiting"]
    customer.close()
    assert alice.expect("queue", where=lambda frame: frame["waiting"] == [])


def test_a_customer_who_goes_away_mid_chat_is_noted_and_so_is_their_return(quick):
    server, client = quick
    alice = client("rep", cookie=sign_in(server, "alice"))
    rep_hello(alice)
    customer = client("customer")
    session_id, token = ask(customer)
    accept(alice, session_id)
    customer.close()
    assert alice.expect("event", kind="status", text="Carol left the chat")
    back = client("customer")
    back.send(type="hello", token=token, since=0)
    assert alice.expect("event", kind="status", text="Carol is back")


def test_a_request_nobody_accepts_times_out(quick):
    server, client = quick
    customer = client("customer")
    ask(customer)
    assert customer.expect("session", timeout=10)["session"]["status"] == "ended"


# --- exports and history (HTTP) ---------------------------------------------------


@pytest.fixture
def ended_chat(chat, server):
    """Carol and Alice chatted, a rep-only entry was logged, and the session ended."""
    customer, alice, session_id, token = chat
    customer.send(type="say", id="carol-asks", text="Is it plugged in?")
    customer.expect("ack", id="carol-asks")
    store = Store(server.data / "relaydesk.db", synchronous="NORMAL")
    store.append_event(session_id, "a-rep-note", "note", "customer seems annoyed", "rep", "Alice", 1, "reps")
    store.close()
    alice.send(type="end", id="end-the-chat", session=session_id, outcome="resolved")
    alice.expect("ack", id="end-the-chat")
    return session_id, token


def get(server, path, cookie=None):
    return post_form(server, path, None, cookie=cookie)


def test_the_rep_export_has_the_details_then_every_entry_in_order(server, ended_chat):
    session_id, _ = ended_chat
    status, headers, body = get(server, f"/rep/sessions/{session_id}/export?format=text&tz=Europe/Paris",
                                sign_in(server, "alice"))
    assert status == 200
    assert f'filename="relaydesk-session-{session_id}-carol-' in headers["Content-Disposition"]
    assert body.index("Session ID:") < body.index("Carol asked for help") < body.index("Is it plugged in?")
    assert "Operating system: Linux" in body and re.search(r"CET|CEST", body)
    assert "customer seems annoyed" not in body


def test_the_rep_export_includes_rep_only_entries_when_asked(server, ended_chat):
    session_id, _ = ended_chat
    _, headers, body = get(server, f"/rep/sessions/{session_id}/export?format=html&private=1",
                           sign_in(server, "alice"))
    assert headers["Content-Type"].startswith("text/html")
    assert "Note by Alice: customer seems annoyed" in body and "<table>" in body


def test_a_rep_outside_the_session_cannot_export_it(server, ended_chat):
    session_id, _ = ended_chat
    assert get(server, f"/rep/sessions/{session_id}/export", sign_in(server, "bob"))[0] == 404
    assert get(server, f"/rep/sessions/{session_id}/export")[0] == 401


def test_the_customer_transcript_never_holds_rep_only_entries(server, ended_chat):
    _, token = ended_chat
    status, headers, body = post_form(server, "/transcript", {"token": token, "format": "text"})
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    assert "Is it plugged in?" in body and "annoyed" not in body


def test_a_forged_transcript_token_gets_nothing(server, ended_chat):
    assert post_form(server, "/transcript", {"token": "x" * 43})[0] == 404


@pytest.mark.parametrize("query", ["Carol", "plugged", "annoyed"])
def test_reps_find_their_past_sessions_by_name_or_words(server, ended_chat, query):
    session_id, _ = ended_chat
    _, _, body = get(server, f"/rep/history?q={query}", sign_in(server, "alice"))
    assert f"/rep/sessions/{session_id}" in body


def test_reps_find_a_session_by_its_id_and_others_do_not(server, ended_chat):
    session_id, _ = ended_chat
    assert f"/rep/sessions/{session_id}" in get(server, f"/rep/history?q={session_id}", sign_in(server, "alice"))[2]
    assert f"/rep/sessions/{session_id}" not in get(server, "/rep/history?q=Carol", sign_in(server, "bob"))[2]
    assert f"/rep/sessions/{session_id}" in get(server, "/rep/history?q=Carol", sign_in(server, "root"))[2]


def test_a_past_log_opens_read_only_with_rep_only_entries(server, ended_chat):
    session_id, _ = ended_chat
    _, _, body = get(server, f"/rep/sessions/{session_id}", sign_in(server, "alice"))
    assert "customer seems annoyed" in body and "<form" not in body and "<textarea" not in body


def test_at_the_session_cap_a_rep_can_neither_accept_nor_make_a_key(server, connect):
    status, _, _ = post_form(server, "/rep/admin/settings", {"greeting": "", "max_sessions": "1"},
                             cookie=sign_in(server, "root"))
    assert status == 302
    alice = connect("rep", "alice")
    assert rep_hello(alice)["max_sessions"] == 1
    first, second = connect("customer"), connect("customer")
    accept(alice, ask(first)[0])
    waiting_id, _ = ask(second, name="Dan")
    alice.send(type="accept", id="accept-two", session=waiting_id)
    assert alice.expect("error", id="accept-two")["code"] == "at-capacity"
    alice.send(type="make-key", id="key-at-cap")
    assert "most your team allows" in alice.expect("error", id="key-at-cap")["message"]


def test_a_customer_cannot_take_a_representatives_name(connect):
    """Alice's display name is a rep's: a customer asking as "alice" is told to use their own."""
    customer = connect("customer")
    request_id = new_id()
    customer.send(type="request", id=request_id, token="x" * 43, portal="/", name="  ALICE ", issue="Printer",
                  details={})
    refusal = customer.expect("error", id=request_id)
    assert refusal["code"] == "refused" and "representatives" in refusal["message"]


def test_a_name_with_line_breaks_and_direction_tricks_is_kept_on_one_line(connect):
    customer = connect("customer")
    welcome_session, _token = ask(customer, name="Carol\nOutcome: Resolved\u202e")
    rep = connect("rep", "alice")
    rep.send(type="hello", since={})
    waiting = rep.expect("welcome")["queue"]
    assert [s["customer"] for s in waiting if s["id"] == welcome_session] == ["Carol Outcome: Resolved"]

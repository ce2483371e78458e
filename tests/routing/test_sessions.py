"""The life of a session around the chat, in one process: keys, the end, the greeting, the cap, names."""

import re

from tests.chatters import accept, ask, ask_with_key, make_key, new_id, rep_hello


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
    server.store.set_setting("team_greeting", "Hi {customer}, {rep} here.")  # as the admin's settings form does
    rep_hello(alice)
    customer = connect("customer")
    session_id, _ = ask(customer)
    accept(alice, session_id)
    assert customer.expect("event", kind="message")["text"] == "Hi Carol, Alice here."


def test_at_the_session_cap_a_rep_can_neither_accept_nor_make_a_key(server, connect):
    server.store.set_setting("max_sessions", "1")
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

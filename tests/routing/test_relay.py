"""The relay's routing, in one process: the queue, acks and fan-out, resuming, the accept race, refusals."""

import secrets

import pytest

from relaydesk.protocol import MAX_FRAME_BYTES
from tests.chatters import accept, ask, new_id, rep_hello


def test_a_new_customer_waits_and_reps_see_them_in_the_queue(connect):
    alice = connect("rep", "alice")
    assert rep_hello(alice)["queue"] == []
    customer = connect("customer")
    session_id, _ = ask(customer)
    assert customer.expect("position") == {"type": "position", "position": 1}
    (waiting,) = alice.expect("queue")["joined"]
    assert (waiting["id"], waiting["customer"], waiting["details"]["os"]) == (session_id, "Carol", "Linux")


def test_accepting_opens_the_session_for_the_rep_and_tells_the_customer(connect):
    customer, alice = connect("customer"), connect("rep", "alice")
    rep_hello(alice)
    session_id, _ = ask(customer)
    accept_id = new_id()
    alice.send(type="accept", id=accept_id, session=session_id)
    assert alice.expect("opened")["session"]["status"] == "active"
    assert alice.expect("event", kind="status", text="Alice joined the chat")
    assert customer.expect("session")["session"]["status"] == "active"
    assert alice.expect("queue", where=lambda frame: frame["left"] == [session_id])


def test_messages_are_acked_with_a_sequence_number_then_fanned_out(chat):
    customer, alice, session_id, _ = chat
    customer.send(type="say", id="from-carol-1", text="hello")
    ack = customer.expect("ack", id="from-carol-1")
    event = alice.expect("event", id="from-carol-1")
    assert (event["seq"], event["text"], event["author"]["name"]) == (ack["seq"], "hello", "Carol")
    alice.send(type="say", id="from-alice-1", session=session_id, text="<img src=x onerror=alert(1)>")
    assert customer.expect("event", id="from-alice-1")["text"] == "<img src=x onerror=alert(1)>"


def test_a_resent_message_is_acked_again_and_stored_once(chat, connect):
    customer, alice, session_id, token = chat
    customer.send(type="say", id="twice-sent", text="once only")
    first = customer.expect("ack", id="twice-sent")
    customer.send(type="say", id="twice-sent", text="once only")
    assert customer.expect("ack", id="twice-sent")["seq"] == first["seq"]
    customer.send(type="say", id="after-twice", text="next")
    last = customer.expect("ack", id="after-twice")["seq"]
    again = connect("customer")
    again.send(type="hello", token=token, since=0)
    again.expect("welcome")
    texts = [again.expect("event")["text"] for _ in range(last)]
    assert texts.count("once only") == 1 and texts[-1] == "next"


def test_a_reconnecting_customer_gets_only_what_it_missed(chat, connect):
    customer, alice, session_id, token = chat
    customer.send(type="say", id="seen-before", text="seen")
    seen = customer.expect("ack", id="seen-before")["seq"]
    alice.send(type="say", id="missed-one", session=session_id, text="missed")
    again = connect("customer")
    again.send(type="hello", token=token, since=seen)
    again.expect("welcome")
    assert again.recv()["id"] == "missed-one"


def test_a_reconnecting_rep_gets_only_what_it_missed(chat, connect):
    customer, alice, session_id, _ = chat
    customer.send(type="say", id="carol-says-1", text="one")
    seq = customer.expect("ack", id="carol-says-1")["seq"]
    customer.send(type="say", id="carol-says-2", text="two")
    customer.expect("ack", id="carol-says-2")
    again = connect("rep", "alice")
    assert [s["id"] for s in rep_hello(again, {str(session_id): seq})["sessions"]] == [session_id]
    assert again.expect("event")["id"] == "carol-says-2"


def test_only_one_of_two_reps_gets_the_customer(connect):
    customer, alice, bob = connect("customer"), connect("rep", "alice"), connect("rep", "bob")
    rep_hello(alice)
    rep_hello(bob)
    session_id, _ = ask(customer)
    accept(alice, session_id)
    bob.send(type="accept", id="bob-accepts", session=session_id)
    error = bob.expect("error", id="bob-accepts")
    assert error["code"] == "taken" and "already accepted" in error["message"]


def test_a_rep_outside_a_session_can_neither_write_nor_read_it(chat, connect):
    customer, alice, session_id, _ = chat
    bob = connect("rep", "bob")
    assert rep_hello(bob)["sessions"] == []
    bob.send(type="say", id="bob-intrudes", session=session_id, text="hi")
    assert bob.expect("error", id="bob-intrudes")["code"] == "bad-session"
    customer.send(type="say", id="private-to-alice", text="secret")
    customer.expect("ack", id="private-to-alice")
    bob.send(type="say", id="bob-probe-1", session=999999, text="hi")  # a frame to sync on
    bob.expect("error", id="bob-probe-1")
    assert not any("secret" in raw for raw in bob.frames)


def test_a_forged_token_is_refused(connect):
    customer = connect("customer")
    customer.send(type="hello", token=secrets.token_urlsafe(32), since=0)
    assert customer.expect("error")["code"] == "bad-token"


def test_a_customer_cannot_speak_before_joining(connect):
    customer = connect("customer")
    customer.send(type="say", id="too-early1", text="hi")
    assert customer.expect("error", id="too-early1")["code"] == "not-joined"


@pytest.mark.parametrize(
    ("raw", "code"),
    [("not json", "bad-json"), ('{"type": "teleport"}', "unknown-type"), (b"\x00\x01", "not-sharing"),
     ("x" * (MAX_FRAME_BYTES + 10), "too-large")],
)
def test_bad_frames_get_an_error_and_the_connection_stays_up(chat, raw, code):
    customer, *_ = chat
    customer.send_raw(raw)
    assert customer.expect("error")["code"] == code
    customer.send(type="say", id="still-here", text="still connected")
    assert customer.expect("ack", id="still-here")


def test_a_rep_socket_takes_no_binary_frames(chat):
    customer, alice, session_id, _ = chat
    alice.send_raw(b"\x00\x01")
    assert alice.expect("error")["code"] == "binary"
    alice.send(type="say", id="rep-still-here", session=session_id, text="still connected")
    assert alice.expect("ack", id="rep-still-here")


def test_an_overlong_message_gets_a_clear_error(chat):
    customer, *_ = chat
    customer.send(type="say", id="too-long-1", text="x" * 5000)
    assert "too long" in customer.expect("error", id="too-long-1")["message"]

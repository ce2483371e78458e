"""The relay lets go of what it holds for a session once the session ends: counted through /rep/admin/relay."""

import json
import secrets
import time

import pytest

from relaydesk.hub import CustomerConnection, RepConnection
from relaydesk.notes import note
from relaydesk.protocol import ProtocolError
from relaydesk.relay import Relay, handler_table
from tests.chatters import accept, act, ask, refused, rep_hello
from tests.inprocess import Socket
from tests.test_screen_live import share, webp
from tests.wsclient import post_form, sign_in


def relay_size(server) -> dict:
    status, _, body = post_form(server, "/rep/admin/relay", None, cookie=sign_in(server, "root"))
    assert status == 200, body
    return json.loads(body)


def settled(server, **expected) -> dict:
    """Return the relay's size once it reads ``expected``: the server sees a socket close a moment after we do."""
    deadline = time.monotonic() + 30
    size = relay_size(server)
    while any(size[name] != value for name, value in expected.items()) and time.monotonic() < deadline:
        time.sleep(0.1)
        size = relay_size(server)
    return size


def chatting(alice, customer, name):
    """Open a session for ``name``, accepted by Alice, with a message each way."""
    session_id, token = ask(customer, name=name)
    accept(alice, session_id)
    act(customer, "say", text=f"Hello, I am {name}")
    act(alice, "say", session=session_id, text=f"Hello {name}")
    return session_id, token


def sharing(alice, customer, session_id):
    share(customer, alice, session_id)
    customer.ws.send_binary(webp())
    assert alice.expect("screen-image", session=session_id)


def end(alice, session_id):
    act(alice, "end", session=session_id, outcome="resolved")


def test_ended_sessions_are_let_go_and_open_ones_are_counted(server, connect):
    alice = connect("rep", "alice")
    rep_hello(alice)

    carol = connect("customer")
    carol_session, _ = chatting(alice, carol, "Carol")
    sharing(alice, carol, carol_session)
    end(alice, carol_session)
    assert carol.expect("session", where=lambda frame: frame["session"]["ended"])

    dan = connect("customer")
    dan_session, _ = chatting(alice, dan, "Dan")
    dan.close()
    end(alice, dan_session)

    erin = connect("customer")
    erin_session, erin_token = chatting(alice, erin, "Erin")
    sharing(alice, erin, erin_session)
    end(alice, erin_session)
    erin.close()
    back = connect("customer")
    back.send(type="hello", token=erin_token, since=0)
    assert back.expect("welcome")["session"]["ended"]
    assert back.expect("event", kind="status", text="Alice ended the session (Resolved)")
    assert refused(back, "say", text="anyone there?")["code"] == "ended"
    back.ws.send_binary(webp())
    assert back.expect("error")["code"] == "not-sharing"

    frank = connect("customer")
    frank_session, _ = chatting(alice, frank, "Frank")
    sharing(alice, frank, frank_session)
    ask(connect("customer"), name="Gina")  # waits in the queue

    size = relay_size(server)
    assert size["live_sessions"] == 2  # Frank's and Gina's
    assert size["screens"] == 1  # Frank's latest picture
    assert size["customer_connections"] == 2
    assert (size["reps_online"], size["rep_connections"]) == (1, 1)


def test_a_rep_who_went_away_is_not_counted(server, connect):
    alice, bob = connect("rep", "alice"), connect("rep", "bob")
    rep_hello(alice)
    rep_hello(bob)
    also_alice = connect("rep", "alice")
    rep_hello(also_alice)
    assert (relay_size(server)["reps_online"], relay_size(server)["rep_connections"]) == (2, 3)
    bob.close()
    also_alice.close()
    size = settled(server, reps_online=1, rep_connections=1)
    assert (size["reps_online"], size["rep_connections"]) == (1, 1)


def test_a_customer_who_closed_the_page_of_an_ended_session_leaves_nothing(server, connect):
    alice = connect("rep", "alice")
    rep_hello(alice)
    customer = connect("customer")
    session_id, _ = chatting(alice, customer, "Carol")
    end(alice, session_id)
    customer.close()
    assert settled(server, customer_connections=0)["live_sessions"] == 0


def test_only_admins_read_the_relay_size(server):
    assert post_form(server, "/rep/admin/relay", None)[0] == 401
    assert post_form(server, "/rep/admin/relay", None, cookie=sign_in(server, "alice"))[0] == 403
    assert set(relay_size(server)) >= {"live_sessions", "customer_connections", "rep_connections", "reps_online",
                                       "screens"}


# --- in one process: the races a live server rarely shows ---------------------------


def send(relay, conn, **frame) -> dict:
    """Hand the relay one frame; return its answer, the ack or the error."""
    relay.handle(conn, json.dumps(frame))
    return next(sent for sent in conn.ws.sent if sent["type"] in ("ack", "error") and sent.get("id") == frame.get("id"))


def accepted(relay, store) -> tuple[RepConnection, CustomerConnection, int, str]:
    """Open Carol's session, accepted by Alice; return Alice's connection, Carol's, the session id and her token."""
    alice = RepConnection(Socket("rep"), store.add_rep("alice", "Alice", "correct horse"))
    relay.handle(alice, json.dumps({"type": "hello", "since": {}}))
    customer, token = CustomerConnection(Socket("customer")), secrets.token_urlsafe(32)
    session_id = send(relay, customer, type="request", id="request-1", token=token, portal="/", name="Carol",
                      issue="Printer", details={})["session"]
    send(relay, alice, type="accept", id="accept-01", session=session_id)
    return alice, customer, session_id, token


@pytest.fixture
def ended_session(store):
    """A session Alice accepted and ended, its customer still connected: with a snapshot from before the end."""
    relay = Relay(store)
    alice, customer, session_id, token = accepted(relay, store)
    before_the_end = store.session(session_id)
    send(relay, alice, type="end", id="the-end-1", session=session_id, outcome="resolved")
    return relay, customer, before_the_end, token


def test_changes_that_come_after_the_end_are_refused_and_bring_nothing_back(store, ended_session):
    relay, customer, before_the_end, _ = ended_session
    assert relay.hub.size()["live_sessions"] == 0
    with pytest.raises(ProtocolError) as refusal:
        relay.status(before_the_end, "too-late-note", note("left", name="Carol"))
    assert refusal.value.code == "ended"
    with pytest.raises(ProtocolError):
        relay.file_sent(before_the_end, "too-late-file", "notes.txt", 12, "customer", "Carol", None)
    assert send(relay, customer, type="say", id="too-late-1", text="hello?") == {
        "type": "error", "code": "ended", "message": "This support session has ended.", "id": "too-late-1"}
    relay.handle(customer, webp())
    assert customer.ws.sent[-1]["code"] == "not-sharing"
    relay.end(before_the_end, "unresolved", note("ended", name="Alice"), "again")
    relay.sweep()
    assert relay.hub.size()["live_sessions"] == 0
    assert store.events_since(before_the_end.id, 0)[-1].text == "Alice ended the session (Resolved)"


def test_a_page_that_comes_back_after_the_end_reads_its_log_and_joins_nothing(ended_session):
    relay, _, _, token = ended_session
    again = CustomerConnection(Socket("customer"))
    relay.handle(again, json.dumps({"type": "hello", "token": token, "since": 0}))
    welcome, *replay, page = again.ws.sent
    assert welcome["type"] == "welcome" and welcome["session"]["ended"]
    assert replay[-1]["text"] == "Alice ended the session (Resolved)"
    assert (page["type"], page["more"]) == ("page", False)
    assert relay.hub.size() == {"live_sessions": 0, "customer_connections": 0, "rep_connections": 1,
                                "reps_online": 1, "screens": 0}


def test_a_frame_type_without_a_handler_stops_the_relay_as_it_starts():
    with pytest.raises(RuntimeError, match=r"without a handler: \['wave'\]"):
        handler_table({"say": {}, "wave": {}}, {"say": print})
    with pytest.raises(RuntimeError, match="two handlers"):
        handler_table({"say": {}}, {"say": print}, {"say": print})

"""Routing and visibility, in one process: a relay on a temporary store, fake sockets that keep every frame.

Every frame the relay sends here is checked against the protocol's
declarations (``tests.inprocess.Socket``).  The live tests keep what needs a
real socket: origins, SIGKILL, slow readers, real timing.
"""

import pytest

from relaydesk import protocol
from relaydesk.delivery import Customers, One, QueueWatchers, Send, SessionReps, ack
from relaydesk.relay import event_view
from tests.chatters import accept, ask, new_id, rep_hello


def test_every_frame_of_a_chat_is_one_the_protocol_declares(connect):
    alice, customer = connect("rep", "alice"), connect("customer")
    rep_hello(alice)
    session_id, _ = ask(customer)
    accept(alice, session_id)
    customer.send(type="say", id="hello-01", text="hi")
    alice.send(type="say", id=new_id(), session=session_id, text="hello")
    alice.send(type="make-key", id=new_id())
    alice.send(type="prefs", id=new_id(), prefs={"chat_sound": False})
    alice.send(type="end", id=new_id(), session=session_id, outcome="resolved")
    types = {frame["type"] for frame in alice.ws.sent} | {frame["type"] for frame in customer.ws.sent}
    assert {"welcome", "ack", "event", "session", "queue", "opened", "keys", "prefs", "position"} <= types


# --- the one place that delivers ------------------------------------------------------------


def test_delivery_gives_an_event_only_to_those_who_may_see_it_whatever_it_was_addressed_to(desk, connect):
    alice, bob, customer = connect("rep", "alice"), connect("rep", "bob"), connect("customer")
    rep_hello(alice)
    rep_hello(bob)
    session_id, _ = ask(customer)
    accept(alice, session_id)
    note = desk.store.append_event(session_id, "note-0001", "note", "between us", "rep", "Alice", alice.conn.rep.id,
                                   "reps")[0]
    private = desk.store.append_event(session_id, "private-01", "private", "psst", "rep", "Alice",
                                      alice.conn.rep.id, f"rep:{bob.conn.rep.id}")[0]
    for event in (note, private):
        frame = protocol.encode("event", **event_view(event, for_rep=True))
        reach = [Send(Customers(session_id), frame, event), Send(One(customer.conn), frame, event),
                 Send(QueueWatchers(), frame, event), Send(SessionReps(session_id), frame, event)]
        assert all(customer.conn not in desk.relay.hub.recipients(item) for item in reach)
    assert desk.relay.hub.recipients(Send(QueueWatchers(), "", private)) == [alice.conn]  # Bob is not in it
    assert desk.relay.hub.recipients(Send(SessionReps(session_id), "", note), sender=None) == [alice.conn]


def test_an_answer_goes_to_the_sender_only(desk, connect):
    alice, also_alice = connect("rep", "alice"), connect("rep", "alice")
    rep_hello(alice)
    rep_hello(also_alice)
    alice.nothing_more(), also_alice.nothing_more()
    alice.send(type="make-key", id="make-key-1")
    assert alice.expect("ack", id="make-key-1")
    assert [f["type"] for f in also_alice.nothing_more()] == ["keys"]  # both devices show the key; one asked
    with pytest.raises(RuntimeError, match="no sender"):
        desk.relay.hub.deliver([ack("make-key-1")])


def test_a_batch_is_delivered_as_it_ends_in_order_each_sessions_reps_looked_up_once(desk, connect, monkeypatch):
    alice, bob, customer, other = connect("rep", "alice"), connect("rep", "bob"), connect("customer"), \
        connect("customer")
    rep_hello(alice)
    rep_hello(bob)
    session_id, _ = ask(customer)
    other_id, _ = ask(other)
    accept(alice, session_id)
    accept(bob, other_id)
    alice.nothing_more(), bob.nothing_more(), customer.nothing_more()
    asked: list[int] = []
    looked_up = desk.store.participant_ids
    monkeypatch.setattr(desk.store, "participant_ids", lambda session: asked.append(session) or looked_up(session))
    events = [desk.store.append_event(session, f"batched-{n:02}", "message", f"m{n}", "customer", "C")[0]
              for n in range(6) for session in (session_id, other_id)]
    hub = desk.relay.hub
    with hub.batched():
        for event in events:
            hub.deliver(desk.relay._fan_out(event, skip=None))
            hub.deliver([ack(event.id, session=event.session_id, seq=event.seq, at=event.at)], sender=customer.conn)
        assert alice.nothing_more() == [] and customer.nothing_more() == []  # nothing before the block ends
    assert sorted(asked) == [session_id, other_id]  # once each, for twelve events
    assert [(f["type"], f["id"]) for f in alice.nothing_more()] == [("event", e.id) for e in events
                                                                   if e.session_id == session_id]
    assert [(f["type"], f["id"]) for f in bob.nothing_more()] == [("event", e.id) for e in events
                                                                 if e.session_id == other_id]
    assert [(f["type"], f["id"]) for f in customer.nothing_more()] == [
        (kind, e.id) for e in events for kind in (("event", "ack") if e.session_id == session_id else ("ack",))]

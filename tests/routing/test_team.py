"""Reps together, in one process: invitations, private messages, hidden reps, transfers, leaving, monitoring.

The leak test that reads every byte a customer receives, and the transcripts,
stays live (``tests/test_team_live.py``).
"""

import pytest

from tests.chatters import act, drain, history, ids_of, invite_and_join, refused, rep_hello


def test_an_invited_rep_joins_and_sees_the_whole_history(team, connect):
    customer, alice, bob, hugo, session_id, _ = team
    customer.send(type="say", id="before-bob", text="said before Bob came")
    customer.expect("ack", id="before-bob")
    bob_id = ids_of(connect("rep", "bob"))
    invite_and_join(alice, bob, session_id, bob_id, hidden=False)
    assert bob.expect("opened")["session"]["id"] == session_id
    assert [event["id"] for event in history(bob, session_id)].count("before-bob") == 1  # as Bob opens the tab
    assert customer.expect("event", kind="status", text="Bob joined the chat")


def test_a_private_message_reaches_only_its_two_ends(team, connect):
    customer, alice, bob, hugo, session_id, _ = team
    bob_id, hugo_id = ids_of(connect("rep", "bob")), ids_of(connect("rep", "hugo"))
    invite_and_join(alice, bob, session_id, bob_id, hidden=False)
    invite_and_join(alice, hugo, session_id, hugo_id, hidden=False)
    act(alice, "say", session=session_id, text="for Bob only", to=bob_id)
    act(alice, "say", session=session_id, text="for all reps", to="reps")
    event = bob.expect("event", text="for Bob only")
    assert (event["kind"], event["meta"]["to"]) == ("private", "Bob")
    assert hugo.expect("event", kind="private")["text"] == "for all reps"
    assert not any("for Bob only" in raw for raw in hugo.frames)  # sent before, so it would have come first
    drain(customer)
    assert not any("for Bob only" in raw or "for all reps" in raw for raw in customer.frames)


def test_a_hidden_rep_cannot_write_to_everyone(team, connect):
    customer, alice, bob, hugo, session_id, _ = team
    invite_and_join(alice, hugo, session_id, ids_of(connect("rep", "hugo")), hidden=True)
    assert refused(hugo, "say", session=session_id, text="hi", to="all")["code"] == "hidden"


def test_at_most_seven_reps_are_invited(server, team, connect):
    customer, alice, *_rest, session_id, _ = team
    for index in range(8):
        server.add_rep(f"extra{index}", f"Extra {index}")
    extras = [connect("rep", f"extra{index}") for index in range(8)]
    for extra in extras[:7]:
        invite_and_join(alice, extra, session_id, ids_of(extra), hidden=True)
    assert "at most 7" in refused(alice, "invite", session=session_id, rep=ids_of(extras[7]), hidden=True)["message"]


def test_a_transfer_opens_the_session_for_the_new_owner_with_the_comment(team, connect):
    customer, alice, bob, hugo, session_id, _ = team
    bob_id = ids_of(connect("rep", "bob"))
    act(alice, "transfer", session=session_id, rep=bob_id, comment="needs a new toner", stay=False)
    opened = bob.expect("opened")
    assert opened["comment"] == "needs a new toner" and opened["session"]["owner"] == bob_id
    assert alice.expect("closed")["session"] == session_id
    assert refused(alice, "say", session=session_id, text="still here?")["code"] == "bad-session"


def test_only_the_owner_transfers_and_the_owner_cannot_just_leave(team, connect):
    customer, alice, bob, hugo, session_id, _ = team
    bob_id = ids_of(connect("rep", "bob"))
    invite_and_join(alice, bob, session_id, bob_id, hidden=False)
    assert refused(bob, "transfer", session=session_id, rep=ids_of(connect("rep", "hugo")), stay=True)["code"] == \
        "not-owner"
    assert refused(alice, "leave", session=session_id)["code"] == "owner"
    act(bob, "leave", session=session_id)
    assert customer.expect("event", kind="status", text="Bob left the chat")


@pytest.fixture
def monitoring(server, team, connect):
    """Root monitors Carol's session with Alice; Bob is signed in."""
    customer, alice, bob, hugo, session_id, token = team
    root = connect("rep", "root")
    rep_hello(root)
    server.relay.team.monitor(server.store.session(session_id), root.conn.rep)  # as the admin's Monitor button does
    assert root.expect("opened")["session"]["id"] == session_id
    return root, session_id, ids_of(connect("rep", "bob"))


@pytest.mark.parametrize("type, fields", [
    ("note", {"text": "a note"}),
    ("invite", {"rep": "bob", "hidden": True}),
    ("end", {"outcome": "resolved"}),
    ("transfer", {"rep": "bob", "stay": True}),
    ("screen-request", {}),
    ("push-url", {"url": "https://example.com/help"}),
])
def test_a_monitoring_admin_reads_and_does_nothing_else(team, monitoring, type, fields):
    customer, alice, *_rest = team
    root, session_id, bob_id = monitoring
    fields = {name: bob_id if value == "bob" else value for name, value in fields.items()}
    error = refused(root, type, session=session_id, **fields)
    assert error["code"] == "monitoring"
    assert error["message"].startswith("You are monitoring this session: you can read it, not ")
    act(alice, "say", session=session_id, text="still open")
    assert customer.expect("event", text="still open")


def test_the_customer_reads_the_name_of_a_visible_invited_rep_who_ends_the_session(team, connect):
    customer, alice, bob, hugo, session_id, token = team
    invite_and_join(alice, bob, session_id, ids_of(connect("rep", "bob")), hidden=False)
    act(bob, "end", session=session_id, outcome="unresolved")
    assert customer.expect("event", kind="status", text="Bob ended the session (Unresolved)")

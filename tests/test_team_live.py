"""Reps together, through a live server: and not one byte of it reaches the customer."""

import json

import pytest

from tests.chatters import accept, ask, history, new_id, rep_hello
from tests.wsclient import Client, post_form, sign_in

REP_ONLY_KEYS = {"participants", "meta", "owner", "reps", "to_id", "invites"}


@pytest.fixture
def team(server, connect):
    """Carol's session, accepted by Alice; Bob and Hugo are signed in too."""
    server.add_rep("hugo", "Hugo")
    alice, bob, hugo = (connect("rep", name) for name in ("alice", "bob", "hugo"))
    for rep in (alice, bob, hugo):
        rep_hello(rep)
    customer = connect("customer")
    session_id, token = ask(customer)
    accept(alice, session_id)
    return customer, alice, bob, hugo, session_id, token


def act(client, type, **fields):
    """Send a frame and wait for its ack."""
    frame_id = new_id()
    client.send(type=type, id=frame_id, **fields)
    return client.expect("ack", id=frame_id)


def refused(client, type, **fields):
    """Send a frame and return the error it gets."""
    frame_id = new_id()
    client.send(type=type, id=frame_id, **fields)
    return client.expect("error", id=frame_id)


def ids_of(rep):
    return rep_hello(rep)["me"]["id"]


def invite_and_join(inviter, invitee, session_id, invitee_id, hidden):
    act(inviter, "invite", session=session_id, rep=invitee_id, hidden=hidden)
    invitation = invitee.expect("invited")
    assert invitation["session"] == session_id and invitation["by"] == "Alice"
    act(invitee, "join", session=session_id)


def drain(client):
    """Read what a client has been sent until a round trip shows nothing more is on its way."""
    client.send(type="say", id=new_id(), text="sync")  # acked after everything sent before it
    client.expect("ack")


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


def test_an_admin_monitors_read_only_and_is_listed(server, team, connect):
    customer, alice, bob, hugo, session_id, _ = team
    root = connect("rep", "root")
    rep_hello(root)
    relay_session_status = post_form(server, f"/rep/admin/monitor/{session_id}", {}, cookie=sign_in(server, "root"))
    assert relay_session_status[0] == 302
    assert root.expect("opened")["session"]["id"] == session_id
    listed = alice.expect("session", where=lambda f: len(f["session"]["participants"]) == 2)
    people = listed["session"]["participants"]
    root_entry = next(person for person in people if person["name"] == "Root")
    assert (root_entry["role"], root_entry["hidden"]) == ("monitor", True)
    assert refused(root, "say", session=session_id, text="hello", to="reps")["code"] == "monitoring"


def walk(value):
    """Yield every dict inside a decoded frame."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def test_nothing_rep_only_ever_reaches_the_customer(server, team, connect):
    customer, alice, bob, hugo, session_id, token = team
    bob_id, hugo_id = ids_of(connect("rep", "bob")), ids_of(connect("rep", "hugo"))
    invite_and_join(alice, hugo, session_id, hugo_id, hidden=True)
    invite_and_join(alice, bob, session_id, bob_id, hidden=False)
    act(alice, "say", session=session_id, text="SECRET-1 to Hugo", to=hugo_id)
    act(alice, "say", session=session_id, text="SECRET-2 to reps", to="reps")
    act(hugo, "say", session=session_id, text="SECRET-3 from Hugo to reps", to="reps")
    act(hugo, "say", session=session_id, text="SECRET-4 from Hugo to Alice", to=ids_of(connect("rep", "alice")))
    refused(hugo, "say", session=session_id, text="SECRET-5 Hugo tries everyone", to="all")
    act(alice, "note", session=session_id, text="SECRET-6 a note")
    act(bob, "visibility", session=session_id, hidden=True)
    act(bob, "say", session=session_id, text="SECRET-7 Bob while hidden", to="reps")
    act(bob, "visibility", session=session_id, hidden=False)
    act(alice, "transfer", session=session_id, rep=hugo_id, comment="SECRET-8 transfer comment", stay=True)
    act(hugo, "visibility", session=session_id, hidden=True)
    act(alice, "say", session=session_id, text="public hello", to="all")
    drain(customer)
    customer.close()
    again = Client(server, "customer")
    again.send(type="hello", token=token, since=0)
    again.expect("welcome")
    drain(again)
    _, _, transcript = post_form(server, "/transcript", {"token": token, "format": "text"})
    _, _, transcript_html = post_form(server, "/transcript", {"token": token, "format": "html"})
    received = customer.frames + again.frames
    again.close()

    everything = "\n".join(received + [transcript, transcript_html])
    assert "SECRET" not in everything
    assert "Hugo" not in everything
    assert "public hello" in everything and "Bob left the chat" in everything  # what they may see did arrive
    for raw in received:
        for part in walk(json.loads(raw)):
            assert not REP_ONLY_KEYS & part.keys(), raw
            assert "id" not in part.get("author", {}), raw
            assert part.get("kind") not in ("private", "note"), raw

"""Reps together, through a live server: and not one byte of it reaches the customer."""

import json

from tests.chatters import act, drain, ids_of, invite_and_join, refused, rep_hello
from tests.wsclient import Client, post_form, sign_in

BOTH_BACKENDS = True  # each test on SQLite and on PostgreSQL (tests/conftest.py)

REP_ONLY_KEYS = {"participants", "meta", "owner", "reps", "to_id", "invites"}


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
    alice.send(type="typing", session=session_id, typing=True, everyone=True)
    hugo.send(type="typing", session=session_id, typing=True, everyone=True)  # hidden: it reaches reps only
    alice.expect("typing", name="Hugo")
    act(alice, "note", session=session_id, text="SECRET-6 a note")
    act(bob, "visibility", session=session_id, hidden=True)
    act(bob, "say", session=session_id, text="SECRET-7 Bob while hidden", to="reps")
    bob.send(type="typing", session=session_id, typing=True, everyone=True)
    alice.expect("typing", name="Bob", typing=True)
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
    # Alice typed while visible; Hugo and Bob only while hidden: only Alice's typing reached the customer.
    assert [json.loads(raw)["name"] for raw in received if json.loads(raw)["type"] == "typing"] == ["Alice"]

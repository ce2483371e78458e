"""Availability and routing, in one process: My status, the team every console sees, and new customers routed
to an available rep by themselves."""

from relaydesk.routing import NOBODY_AVAILABLE
from tests.chatters import accept, act, ask, ids_of, rep_hello


def statuses(frame) -> dict[str, str]:
    return {rep["name"]: rep["status"] for rep in frame["reps"]}


def auto_assign(server, on=True, cap=0):
    server.store.set_setting("auto_assign", "1" if on else "0")
    server.store.set_setting("max_sessions", str(cap))


def test_every_console_sees_each_reps_status_live(connect):
    alice = connect("rep", "alice")
    rep_hello(alice)
    assert statuses(alice.expect("team", where=lambda f: statuses(f).get("Alice") == "available")) == {
        "Alice": "available", "Bob": "offline", "Root": "offline"}
    bob = connect("rep", "bob")
    rep_hello(bob)
    alice.expect("team", where=lambda f: statuses(f)["Bob"] == "available")
    act(bob, "availability", status="away")
    alice.expect("team", where=lambda f: statuses(f)["Bob"] == "away")
    bob.expect("team", where=lambda f: statuses(f)["Bob"] == "away")
    bob.close()
    alice.expect("team", where=lambda f: statuses(f)["Bob"] == "offline")
    rep_hello(bob2 := connect("rep", "bob"))  # away is kept across sign-ins
    assert statuses(bob2.expect("team"))["Bob"] == "away"


def test_a_status_other_than_available_or_away_is_refused(connect):
    alice = connect("rep", "alice")
    rep_hello(alice)
    alice.send(type="availability", id="status-one", status="busy")
    assert alice.expect("error", id="status-one")["code"] == "bad-field"


def test_without_the_setting_a_new_customer_waits_in_the_queue(server, connect):
    alice = connect("rep", "alice")
    rep_hello(alice)
    session_id, _ = ask(connect("customer"))
    alice.expect("queue", where=lambda f: [s["id"] for s in f["joined"]] == [session_id])
    assert not [f for f in alice.nothing_more() if f["type"] == "opened"]


def test_a_new_customer_goes_to_the_available_rep_and_opens_by_itself(server, connect):
    auto_assign(server)
    alice, bob = connect("rep", "alice"), connect("rep", "bob")
    alice_id = ids_of(alice)
    ids_of(bob)
    act(bob, "availability", status="away")
    for n in range(3):
        customer = connect("customer")
        session_id, _ = ask(customer, name=f"Carol {n}")
        assert alice.expect("opened")["session"]["id"] == session_id
        assert server.store.session(session_id).owner_rep_id == alice_id
        customer.expect("event", kind="status", text="Alice joined the chat")
    assert not [f for f in bob.nothing_more() if f["type"] in ("opened", "queue") and f.get("joined")]


def test_the_rep_with_fewest_sessions_gets_the_customer_ties_to_the_longest_since_last(server, connect):
    auto_assign(server)
    alice, bob = connect("rep", "alice"), connect("rep", "bob")
    ids_of(alice), ids_of(bob)
    got = []
    for n in range(4):
        session_id, _ = ask(connect("customer"), name=f"Dana {n}")
        owner = server.store.session(session_id).owner_rep_id
        got.append(server.store.rep(owner).display_name)
    assert sorted(got[:2]) == ["Alice", "Bob"] and sorted(got[2:]) == ["Alice", "Bob"]  # 1 each, then 2 each
    assert got[2] == got[0]  # a tie: the one assigned longest ago


def test_nobody_available_the_customer_waits_and_is_told_then_a_rep_coming_back_gets_them(server, connect):
    auto_assign(server)
    alice = connect("rep", "alice")
    ids_of(alice)
    act(alice, "availability", status="away")
    customer = connect("customer")
    session_id, _ = ask(customer)
    customer.expect("event", kind="status", text=NOBODY_AVAILABLE)
    customer.expect("position", position=1)
    alice.expect("queue", where=lambda f: [s["id"] for s in f["joined"]] == [session_id])
    act(alice, "availability", status="available")
    assert alice.expect("opened")["session"]["id"] == session_id
    alice.expect("queue", left=[session_id])
    customer.expect("event", kind="status", text="Alice joined the chat")


def test_a_signed_out_rep_gets_nobody_and_the_cap_is_kept(server, connect):
    auto_assign(server, cap=1)
    alice, bob = connect("rep", "alice"), connect("rep", "bob")
    ids_of(alice), ids_of(bob)
    bob.close()
    first, _ = ask(connect("customer"), name="Erin")
    assert server.store.session(first).status == "active"
    second, _ = ask(connect("customer"), name="Frank")
    assert server.store.session(second).status == "waiting"  # Alice is at her cap, Bob is offline
    # Alice ends her session: she has room again, and the queue comes to her
    act(alice, "end", session=first, outcome="resolved")
    assert alice.expect("opened", where=lambda f: f["session"]["id"] == second)
    assert server.store.session(second).owner_rep_id == server.reps["alice"].id


def test_a_rep_who_accepts_by_hand_still_can_with_routing_on(server, connect):
    auto_assign(server)
    alice = connect("rep", "alice")
    ids_of(alice)
    act(alice, "availability", status="away")
    session_id, _ = ask(connect("customer"))
    accept(alice, session_id)
    assert server.store.session(session_id).owner_rep_id == server.reps["alice"].id

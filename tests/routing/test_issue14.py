"""Issue 14, team A, in one process: typing both ways (never of a hidden rep, never stored, paced apart from
messages), who is helping as the customer sees it, and the satisfaction survey after the end."""

import pytest

from relaydesk.store import Store
from tests.chatters import accept, act, ask, ids_of, invite_and_join, new_id, refused, rep_hello
from tests.inprocess import Desk, QuickPasswords


def typing_frames(client):
    return [frame for frame in client.nothing_more() if frame["type"] == "typing"]


def end(rep, session_id):
    act(rep, "end", session=session_id, outcome="resolved")


# --- typing ---------------------------------------------------------------------------------------------------


def test_the_customer_typing_reaches_the_reps_without_the_text_and_is_never_stored(server, chat, connect):
    customer, alice, session_id, _ = chat
    alice.nothing_more(), customer.nothing_more()
    customer.send(type="typing", typing=True, text="my printer is")
    assert typing_frames(alice) == [{"type": "typing", "session": session_id, "name": "Carol", "typing": True}]
    customer.send(type="typing", typing=False)
    assert typing_frames(alice) == [{"type": "typing", "session": session_id, "name": "Carol", "typing": False}]
    assert customer.nothing_more() == []  # no ack: nothing was kept
    assert [event.kind for event in server.store.events_since(session_id, 0)] == ["status", "status"]


def test_with_the_live_preview_on_reps_get_what_the_customer_types_and_the_customer_is_told_to_send_it(server, chat):
    customer, alice, session_id, _ = chat
    server.store.set_setting("typing_preview", "1")
    server.relay.session_changed(session_id)
    assert customer.expect("session", where=lambda f: f["session"]["preview"])
    alice.nothing_more()
    customer.send(type="typing", typing=True, text="my printer is")
    assert typing_frames(alice)[0]["text"] == "my printer is"


def test_a_visible_rep_typing_reaches_the_customer_and_the_other_reps(team, connect):
    customer, alice, bob, hugo, session_id, _ = team
    invite_and_join(alice, bob, session_id, ids_of(connect("rep", "bob")), hidden=False)
    customer.nothing_more(), bob.nothing_more()
    alice.send(type="typing", session=session_id, typing=True, everyone=True)
    assert typing_frames(customer) == [{"type": "typing", "name": "Alice", "typing": True}]
    (to_bob,) = typing_frames(bob)
    assert (to_bob["name"], to_bob["typing"], to_bob["rep"]) == ("Alice", True, ids_of(connect("rep", "alice")))
    assert typing_frames(alice) == []  # not back to the typist's own console
    alice.send(type="typing", session=session_id, typing=True, everyone=False)  # a private message, a note
    assert typing_frames(customer) == [] and typing_frames(bob)[0]["name"] == "Alice"


def test_a_hidden_or_monitoring_rep_typing_never_reaches_the_customer(server, team, connect):
    customer, alice, bob, hugo, session_id, _ = team
    invite_and_join(alice, hugo, session_id, ids_of(connect("rep", "hugo")), hidden=True)
    server.relay.team.monitor(server.store.session(session_id), server.reps["root"])
    root = connect("rep", "root")
    rep_hello(root)
    customer.nothing_more(), alice.nothing_more()
    hugo.send(type="typing", session=session_id, typing=True, everyone=True)
    root.send(type="typing", session=session_id, typing=True, everyone=True)
    assert [frame["name"] for frame in typing_frames(alice)] == ["Hugo", "Root"]
    assert typing_frames(customer) == []
    act(hugo, "visibility", session=session_id, hidden=False)
    customer.nothing_more()
    hugo.send(type="typing", session=session_id, typing=False, everyone=True)
    assert typing_frames(customer) == [{"type": "typing", "name": "Hugo", "typing": False}]


def test_typing_in_a_session_one_is_not_in_is_refused(chat, connect):
    customer, alice, session_id, _ = chat
    bob = connect("rep", "bob")
    rep_hello(bob)
    bob.send(type="typing", session=session_id, typing=True, everyone=True)
    assert bob.expect("error")["code"] == "bad-session"
    assert typing_frames(customer) == []


@pytest.fixture
def paced(tmp_path):
    """A relay with tight limits: 6 frames a minute per page or rep, 3 typing frames."""
    store = Store(tmp_path / "paced.db", synchronous="OFF", passwords=QuickPasswords())
    desk = Desk(store, {"FRAMES_PER_CONNECTION": "6/minute", "TYPING_PER_CONNECTION": "3/minute"})
    desk.add_rep("alice", "Alice")
    yield desk
    store.close()


def test_typing_is_paced_apart_and_never_costs_a_message_its_turn(paced):
    customer, alice = paced.connect("customer"), paced.connect("rep", "alice")
    rep_hello(alice)
    session_id, _ = ask(customer)
    accept(alice, session_id)
    alice.nothing_more()
    for _ in range(20):
        customer.send(type="typing", typing=True)
    assert len(typing_frames(alice)) == 3  # the rest dropped, quietly
    assert not [frame for frame in customer.nothing_more() if frame["type"] == "error"]
    act(customer, "say", text="still heard")  # the request and this: well within the 6 frames
    customer.send(type="typing", typing=True, id="typing-with-an-id")
    assert customer.expect("error", id="typing-with-an-id")["code"] == "rate-limited"


# --- who is helping -------------------------------------------------------------------------------------------


def test_the_customer_is_told_the_visible_reps_helping_as_they_change_never_a_hidden_one(team, connect):
    customer, alice, bob, hugo, session_id, _ = team
    assert customer.expect("session", where=lambda f: f["session"]["status"] == "active")["session"]["helping"] == [
        "Alice"]
    invite_and_join(alice, hugo, session_id, ids_of(connect("rep", "hugo")), hidden=True)
    invite_and_join(alice, bob, session_id, ids_of(connect("rep", "bob")), hidden=False)
    sessions = [frame["session"]["helping"] for frame in customer.nothing_more() if frame["type"] == "session"]
    assert sessions[-1] == ["Alice", "Bob"] and not any("Hugo" in reps for reps in sessions)
    act(bob, "visibility", session=session_id, hidden=True)
    assert customer.expect("session")["session"]["helping"] == ["Alice"]
    act(hugo, "visibility", session=session_id, hidden=False)
    assert customer.expect("session")["session"]["helping"] == ["Alice", "Hugo"]


# --- the survey -----------------------------------------------------------------------------------------------


def test_the_customer_rates_after_the_end_changes_the_answer_and_the_reps_see_it(server, chat):
    customer, alice, session_id, _ = chat
    assert refused(customer, "rate", rating=4, comment="")["code"] == "not-ended"
    end(alice, session_id)
    assert customer.expect("session", where=lambda f: f["session"]["status"] == "ended")["session"]["survey"] is True
    alice.nothing_more()
    act(customer, "rate", rating=2, comment="slow")
    summary = alice.expect("session")["session"]
    assert (summary["rating"], summary["comment"]) == (2, "slow")
    act(customer, "rate", rating=5, comment="solved in the end")
    assert alice.expect("session")["session"]["rating"] == 5
    assert customer.expect("session", where=lambda f: f["session"]["rating"] == 5)
    rows = server.store.db.rows("SELECT session_id, rating, comment FROM satisfaction")
    assert [tuple(row) for row in rows] == [(session_id, 5, "solved in the end")]


def test_a_rating_must_be_one_to_five(chat):
    customer, alice, session_id, _ = chat
    end(alice, session_id)
    for rating in (0, 6, True, 2.5, "4"):
        assert refused(customer, "rate", rating=rating)["code"] == "bad-rating"


def test_a_portal_without_the_survey_refuses_an_answer_and_says_so(server, chat):
    customer, alice, session_id, _ = chat
    server.store.set_portal_survey("/", False)
    end(alice, session_id)
    assert customer.expect("session", where=lambda f: f["session"]["status"] == "ended")["session"]["survey"] is False
    assert refused(customer, "rate", rating=5)["code"] == "no-survey"
    assert server.store.db.rows("SELECT * FROM satisfaction") == []


def test_a_rep_cannot_send_a_rating(chat):
    customer, alice, session_id, _ = chat
    alice.send(type="rate", id=new_id(), rating=5)
    assert alice.expect("error")["code"] == "unknown-type"

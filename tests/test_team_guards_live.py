"""What a monitoring admin may not do, and what the customer never reads about a hidden rep, through a live server."""

import pytest

from tests import test_team_live
from tests.chatters import rep_hello
from tests.test_team_live import act, ids_of, invite_and_join, refused
from tests.wsclient import post_form, sign_in

team = test_team_live.team  # Carol's session with Alice; Bob and Hugo signed in


@pytest.fixture
def monitoring(server, team, connect):
    """Root monitors Carol's session with Alice; Bob is signed in."""
    customer, alice, bob, hugo, session_id, token = team
    root = connect("rep", "root")
    rep_hello(root)
    assert post_form(server, f"/rep/admin/monitor/{session_id}", {}, cookie=sign_in(server, "root"))[0] == 302
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


def test_the_customer_never_reads_the_name_of_a_hidden_rep_who_ends_the_session(server, team, connect):
    customer, alice, bob, hugo, session_id, token = team
    invite_and_join(alice, hugo, session_id, ids_of(connect("rep", "hugo")), hidden=True)
    act(hugo, "end", session=session_id, outcome="resolved")
    assert alice.expect("event", kind="status", text="Hugo ended the session (Resolved)")
    assert customer.expect("event", kind="status", text="The representative ended the session (Resolved)")
    assert customer.expect("session", where=lambda frame: frame["session"]["ended"])
    _, _, transcript = post_form(server, "/transcript", {"token": token, "format": "text"})
    assert "The representative ended the session (Resolved)" in transcript
    assert "Hugo" not in "".join(customer.frames) + transcript


def test_the_customer_reads_the_name_of_a_visible_invited_rep_who_ends_the_session(team, connect):
    customer, alice, bob, hugo, session_id, token = team
    invite_and_join(alice, bob, session_id, ids_of(connect("rep", "bob")), hidden=False)
    act(bob, "end", session=session_id, outcome="unresolved")
    assert customer.expect("event", kind="status", text="Bob ended the session (Unresolved)")

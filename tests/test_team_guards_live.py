"""What the customer never reads about a hidden rep, through a live server and its transcript.

What a monitoring admin may not do is tried in process (``tests/routing/test_team.py``).
"""

from tests.chatters import act, ids_of, invite_and_join
from tests.wsclient import post_form


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



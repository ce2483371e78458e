"""Issue 14, team A, through a live server: the survey's answer in exports, the log, history and the customer's
transcript; the admin page's switches (the survey per portal, the live typing preview); typing over real sockets."""

from tests.chatters import act, ask, rep_hello
from tests.wsclient import post_form, sign_in


def rated(chat, rating=4, comment="Quick and kind"):
    customer, alice, session_id, token = chat
    act(alice, "end", session=session_id, outcome="resolved")
    act(customer, "rate", rating=rating, comment=comment)
    return session_id, token


def test_the_answer_is_in_the_export_the_log_history_and_the_transcript(server, chat):
    session_id, token = rated(chat)
    cookie = sign_in(server, "alice")
    for path in (f"/rep/sessions/{session_id}/export?format=text", f"/rep/sessions/{session_id}/export?format=html",
                 f"/rep/sessions/{session_id}"):
        status, _, body = post_form(server, path, None, cookie=cookie)
        assert status == 200 and "Satisfied (4 of 5)" in body and "Quick and kind" in body, path
    status, _, body = post_form(server, "/rep/history?q=Carol", None, cookie=cookie)
    assert status == 200 and "Satisfied (4 of 5)" in body and "Quick and kind" in body
    status, _, body = post_form(server, "/transcript", {"token": token, "format": "text"})
    assert status == 200 and "Satisfied (4 of 5)" in body


def test_an_admin_turns_the_survey_off_for_a_portal_and_its_customers_are_not_asked(server, connect):
    root = sign_in(server, "root")
    status, _, _ = post_form(server, "/rep/admin/portals/survey", {"path": "/", "survey": "0"}, cookie=root)
    assert status == 302
    status, _, page = post_form(server, "/rep/admin", None, cookie=root)
    assert "Turn on the survey on /" in page
    customer, alice = connect("customer"), connect("rep", "alice")
    rep_hello(alice)
    session_id, _ = ask(customer)
    act(alice, "accept", session=session_id)
    act(alice, "end", session=session_id, outcome="resolved")
    ended = customer.expect("session", where=lambda f: f["session"]["status"] == "ended")
    assert ended["session"]["survey"] is False
    customer.send(type="rate", id="rate-anyway-1", rating=5)
    assert customer.expect("error", id="rate-anyway-1")["code"] == "no-survey"


def test_the_live_preview_is_off_until_an_admin_turns_it_on(server, chat):
    customer, alice, session_id, _ = chat
    customer.send(type="typing", typing=True, text="before")
    assert "text" not in alice.expect("typing", session=session_id)
    root = sign_in(server, "root")
    status, _, _ = post_form(server, "/rep/admin/settings", {"greeting": "", "max_sessions": "0",
                                                             "typing_preview": "on"}, cookie=root)
    assert status == 302
    assert customer.expect("session", where=lambda f: f["session"]["preview"])  # the open page is told at once
    customer.send(type="typing", typing=True, text="after")
    assert alice.expect("typing", session=session_id)["text"] == "after"

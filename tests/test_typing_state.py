"""The browser cores' part of issue 14: typing both ways, who is helping, the survey after the end (pure, no page)."""

import pytest

from relaydesk_web.effects import Helpers, Notice, Survey, Transmit, Typing
from relaydesk_web.rep_state import RepCore
from relaydesk_web.state import CustomerCore
from relaydesk_web.typist import IDLE_S, SAY_EVERY_S, Typist
from tests.test_state import TOKEN, event, ids, rep_event, rep_welcome, sent, server, summary, welcome


@pytest.fixture
def customer():
    core = CustomerCore(new_id=ids(), new_token=lambda: TOKEN)
    core.update({"type": "connected"})
    return core


@pytest.fixture
def rep():
    core = RepCore(new_id=ids())
    core.update({"type": "connected"})
    return core


def typing_frames(effects):
    return [frame for frame in sent(effects) if frame["type"] == "typing"]


def chatting(core, preview=False, **more):
    return server(core, {"type": "welcome", "role": "customer", "screen": {},
                         "session": {"id": 7, "status": "active", "customer": "Carol", "helping": ["Alice"],
                                     "survey": True, "rating": None, "comment": "", "preview": preview} | more})


# --- saying we type: at most one frame every few seconds, "stopped" at send and after a pause ---------------------


def test_a_typist_says_it_once_then_again_only_every_few_seconds():
    typist = Typist()
    assert typist.typed(3, "h", 100.0) == [{"typing": True, "session": 3}]
    assert typist.typed(3, "he", 100.5) == []
    assert typist.typed(3, "hel", 100.0 + SAY_EVERY_S - 0.01) == []
    assert typist.typed(3, "hell", 100.0 + SAY_EVERY_S) == [{"typing": True, "session": 3}]


def test_a_typist_says_it_stopped_after_a_pause_at_send_or_when_the_field_is_emptied_once_each():
    typist = Typist()
    typist.typed(3, "h", 100.0)
    assert typist.idle(100.0 + IDLE_S / 2) == []
    assert typist.idle(100.0 + IDLE_S) == [{"typing": False, "session": 3}]
    assert typist.idle(100.0 + IDLE_S * 2) == [] and typist.stopped() == []
    typist.typed(3, "h", 200.0)
    assert typist.typed(3, "   ", 200.1) == [{"typing": False, "session": 3}]


def test_a_typist_who_moves_to_another_session_stops_in_the_first():
    typist = Typist()
    typist.typed(3, "h", 100.0)
    assert typist.typed(4, "x", 100.1) == [{"typing": False, "session": 3}, {"typing": True, "session": 4}]


def test_the_customer_tells_the_reps_it_types_without_the_text_unless_the_team_shows_a_preview(customer):
    chatting(customer)
    assert typing_frames(customer.update({"type": "typed", "text": "my printer", "now": 10.0})) == [
        {"type": "typing", "typing": True}]
    assert typing_frames(customer.update({"type": "typed", "text": "my printer is", "now": 11.0})) == []
    effects = customer.update({"type": "send", "text": "my printer is on fire"})
    assert typing_frames(effects) == [{"type": "typing", "typing": False}]
    assert [frame["type"] for frame in sent(effects)] == ["typing", "say"]  # stopped, then the message


def test_with_the_preview_on_the_frame_carries_the_unsent_text(customer):
    chatting(customer, preview=True)
    assert typing_frames(customer.update({"type": "typed", "text": "my printer", "now": 10.0})) == [
        {"type": "typing", "typing": True, "text": "my printer"}]


def test_typing_frames_are_neither_kept_for_later_nor_sent_while_waiting(customer):
    welcome(customer, status="waiting")
    assert customer.update({"type": "typed", "text": "hello", "now": 1.0}) == []
    chatting(customer)
    customer.update({"type": "disconnected"})
    assert customer.update({"type": "typed", "text": "hello", "now": 2.0}) == []
    assert not any(frame["type"] == "typing" for frame in customer.link.outbox)


# --- hearing others type ----------------------------------------------------------------------------------------


def test_the_customer_sees_a_rep_typing_until_they_stop_send_or_go_quiet(customer):
    chatting(customer)
    (shown,) = server(customer, {"type": "typing", "name": "Alice", "typing": True})
    assert shown == Typing(None, "Alice is typing…", "", shown.tick)
    assert server(customer, {"type": "typing", "name": "Alice", "typing": False}) == [Typing(None, "", "", shown.tick)]
    server(customer, {"type": "typing", "name": "Alice", "typing": True})
    message = event(7, 5, "Here I am", kind="rep", name="Alice") | {"live": True}
    assert [e for e in server(customer, message) if isinstance(e, Typing)][0].line == ""
    (again,) = server(customer, {"type": "typing", "name": "Alice", "typing": True})
    assert customer.update({"type": "typing_expire", "session": None, "tick": again.tick - 1})[0].line == (
        "Alice is typing…")  # renewed since that timer was set
    assert customer.update({"type": "typing_expire", "session": None, "tick": again.tick})[0].line == ""


def test_a_rep_sees_the_customer_typing_with_the_preview_and_other_reps_but_not_itself(rep):
    rep_welcome(rep, [summary(3)])
    (shown,) = server(rep, {"type": "typing", "session": 3, "name": "Carol", "typing": True, "text": "my print"})
    assert (shown.session, shown.line, shown.preview) == (3, "Carol is typing…", "my print")
    (both,) = server(rep, {"type": "typing", "session": 3, "name": "Bob", "typing": True, "rep": 2})
    assert both.line == "Carol and Bob are typing…"
    assert server(rep, {"type": "typing", "session": 3, "name": "Alice", "typing": True, "rep": 1}) == []
    (done,) = [e for e in server(rep, rep_event(3, 4, "my printer", name="Carol") | {"live": True})
               if isinstance(e, Typing)]
    assert done.line == "Bob is typing…" and done.preview == ""


def test_a_rep_says_whether_what_it_types_is_for_everyone_and_stops_for_everyone_on_switching(rep):
    rep_welcome(rep, [summary(3)])
    assert typing_frames(rep.update({"type": "draft", "text": "hello", "now": 5.0})) == [
        {"type": "typing", "session": 3, "typing": True, "everyone": True}]
    rep.update({"type": "to", "to": "reps"})
    assert typing_frames(rep.update({"type": "draft", "text": "hello Bob", "now": 6.0})) == [
        {"type": "typing", "session": 3, "typing": False, "everyone": True},
        {"type": "typing", "session": 3, "typing": True, "everyone": False}]


# --- who is helping, and the survey -----------------------------------------------------------------------------


def test_the_customer_sees_who_is_helping_as_it_changes(customer):
    assert Helpers(["Alice"]) in chatting(customer)
    changed = server(customer, {"type": "session", "session": {"id": 7, "status": "active", "customer": "Carol",
                                                               "helping": ["Alice", "Bob"]}})
    assert Helpers(["Alice", "Bob"]) in changed


def test_the_survey_shows_after_the_end_where_the_portal_asks_it_and_sends_the_answer(customer):
    assert Survey(False) in chatting(customer)
    assert customer.update({"type": "rate", "rating": 4, "comment": ""}) == []  # not before the end
    ended = {"id": 7, "status": "ended", "customer": "Carol", "helping": ["Alice"], "survey": True, "rating": None,
             "comment": ""}
    assert Survey(True) in server(customer, {"type": "session", "session": ended})
    assert customer.update({"type": "rate", "rating": None, "comment": "hm"}) == [
        Notice("Choose how satisfied you are first.")]
    (frame,) = sent(customer.update({"type": "rate", "rating": 4, "comment": " quick "}))
    assert (frame["type"], frame["rating"], frame["comment"]) == ("rate", 4, "quick")
    answered = server(customer, {"type": "session", "session": ended | {"rating": 4, "comment": "quick"}})
    assert Survey(True, 4, "quick") in answered
    assert Survey(False) in server(customer, {"type": "session", "session": ended | {"survey": False}})


def test_the_ended_session_shows_nobody_typing(customer):
    chatting(customer)
    server(customer, {"type": "typing", "name": "Alice", "typing": True})
    effects = server(customer, {"type": "session", "session": {"id": 7, "status": "ended", "customer": "Carol"}})
    assert Typing(None, "") in effects
    assert not [e for e in customer.update({"type": "typed", "text": "x", "now": 1.0}) if isinstance(e, Transmit)]


def test_with_the_preview_on_a_pause_sends_what_was_typed_since_at_most_every_few_seconds(customer):
    chatting(customer, preview=True)
    customer.update({"type": "typed", "text": "M", "now": 10.0})
    customer.update({"type": "typed", "text": "My password is", "now": 10.7})
    assert customer.update({"type": "typing_idle", "now": 10.7 + 1}) == []  # too soon after the first
    assert typing_frames(customer.update({"type": "typing_idle", "now": 10.0 + SAY_EVERY_S})) == [
        {"type": "typing", "typing": True, "text": "My password is"}]
    assert customer.update({"type": "typing_idle", "now": 10.0 + SAY_EVERY_S + 0.1}) == []  # nothing new since
    assert typing_frames(customer.update({"type": "typing_idle", "now": 10.7 + IDLE_S})) == [
        {"type": "typing", "typing": False}]


def test_without_the_preview_a_pause_sends_nothing_until_stopped(customer):
    chatting(customer)
    customer.update({"type": "typed", "text": "M", "now": 10.0})
    customer.update({"type": "typed", "text": "My password is", "now": 10.7})
    assert customer.update({"type": "typing_idle", "now": 10.0 + SAY_EVERY_S}) == []

import itertools

import pytest

from relaydesk import protocol
from relaydesk_web.chat import FAILED, PENDING
from relaydesk_web.effects import (
    Alert,
    ClearDraft,
    CloseSession,
    Flash,
    Helpers,
    History,
    Invitation,
    Keys,
    Notice,
    OpenSession,
    Queue,
    Reconnect,
    Remember,
    SelectSession,
    ShowEntry,
    ShowView,
    Status,
    Transmit,
    Unread,
)
from relaydesk_web.rep_state import RepCore
from relaydesk_web.state import CONNECTED, RECONNECTING, CustomerCore

TOKEN = "t" * 43


def ids():
    counter = itertools.count(1)
    return lambda: f"id-{next(counter):05}"


def of(effects, kind):
    return [effect for effect in effects if isinstance(effect, kind)]


def sent(effects):
    return [effect.frame for effect in of(effects, Transmit)]


def server(core, frame):
    """Hand a core a frame as the relay sends it: encoded and read through the protocol's declarations."""
    return core.receive(protocol.encode(**frame))


def event(session, seq, text, kind="customer", name="Carol", id=None, author_id=None):
    author = {"kind": kind, "name": name} | ({"id": author_id} if author_id else {})
    return {"type": "event", "session": session, "seq": seq, "id": id or f"ev-{seq:05}", "kind": "message",
            "at": 1000 + seq, "text": text, "author": author}


def rep_event(*args, **fields):
    return event(*args, **fields) | {"meta": {}}


# --- the customer window ---------------------------------------------------------


@pytest.fixture
def customer():
    core = CustomerCore(new_id=ids(), new_token=lambda: TOKEN)
    core.update({"type": "connected"})
    return core


def ask(core):
    details = {"os": "Linux"}
    return core.update({"type": "ask", "portal": "/", "name": " Carol ", "issue": "Printer", "details": details})


def welcome(core, status="waiting"):
    return server(core, {"type": "welcome", "role": "customer", "screen": {},
                         "session": {"id": 7, "status": status, "customer": "Carol"}})


def test_a_customer_is_connected_as_soon_as_the_socket_opens():
    assert Status(CONNECTED) in CustomerCore().update({"type": "connected"})


def test_asking_for_help_sends_a_request_and_remembers_the_token(customer):
    effects = ask(customer)
    (request,) = sent(effects)
    assert (request["type"], request["name"], request["token"]) == ("request", "Carol", TOKEN)
    assert Remember("token", TOKEN) in effects and Remember("request", request) in effects


def test_asking_twice_sends_one_request(customer):
    ask(customer)
    assert ask(customer) == []


def test_the_acknowledged_request_is_forgotten(customer):
    request = sent(ask(customer))[0]
    assert server(customer, {"type": "ack", "id": request["id"], "session": 7}) == [Remember("request", None)]
    assert customer.request is None


def test_a_waiting_customer_sees_the_queue_then_the_chat(customer):
    ask(customer)
    assert ShowView("waiting") in welcome(customer)
    effects = server(customer, {"type": "session", "session": {"id": 7, "status": "active", "customer": "Carol"}})
    assert effects[0] == ShowView("chat") and Helpers([]) in effects


def test_a_refused_request_returns_to_the_form_with_the_reason(customer):
    request = sent(ask(customer))[0]
    effects = server(customer, {"type": "error", "id": request["id"], "code": "bad-portal", "message": "No such page."})
    assert ShowView("form") in effects and Notice("No such page.") in effects
    assert customer.token is None


def test_a_rate_limited_key_returns_to_the_form_with_when_to_try_again(customer):
    request = sent(customer.update({"type": "ask", "portal": "/", "name": "Dana", "issue": "VPN", "details": {},
                                    "key": "123 456 789"}))[0]
    wait = "Too many wrong session keys. Try again in 1 minute, or leave the key empty to wait for a representative."
    effects = server(customer, {"type": "error", "id": request["id"], "code": "rate-limited", "message": wait})
    assert ShowView("form") in effects and Notice(wait) in effects
    assert customer.request is None and customer.token is None  # the next Get help is a new request


def test_a_message_shows_at_once_as_pending_and_is_sent(customer):
    ask(customer)
    welcome(customer, "active")
    effects = customer.update({"type": "send", "text": " hello "})
    (shown,) = of(effects, ShowEntry)
    assert (shown.placement.entry.text, shown.placement.entry.state) == ("hello", PENDING)
    assert ClearDraft() in effects
    assert sent(effects)[0] == {"type": "say", "id": shown.placement.entry.id, "text": "hello"}


def test_an_empty_message_does_nothing(customer):
    ask(customer)
    welcome(customer, "active")
    assert customer.update({"type": "send", "text": "   "}) == []


def test_an_overlong_message_is_refused_and_the_draft_kept(customer):
    ask(customer)
    welcome(customer, "active")
    effects = customer.update({"type": "send", "text": "x" * 5000})
    assert of(effects, Notice) and not of(effects, ClearDraft) and not sent(effects)


def test_losing_the_link_shows_reconnecting_and_schedules_a_retry(customer):
    ask(customer)
    effects = customer.update({"type": "disconnected"})
    assert Status(RECONNECTING) in effects and of(effects, Reconnect)


def test_messages_typed_offline_go_out_in_order_after_the_hello(customer):
    request = sent(ask(customer))[0]
    server(customer, {"type": "ack", "id": request["id"], "session": 7})
    welcome(customer, "active")
    server(customer, event(7, 1, "hi", kind="rep", name="Alice"))
    customer.update({"type": "disconnected"})
    assert sent(customer.update({"type": "send", "text": "one"})) == []
    customer.update({"type": "send", "text": "two"})
    frames = sent(customer.update({"type": "connected"}))
    assert frames[0] == {"type": "hello", "token": TOKEN, "since": 1}
    assert [f["text"] for f in frames[1:]] == ["one", "two"]


def test_an_unacknowledged_request_is_resent_on_reconnect(customer):
    request = sent(ask(customer))[0]
    customer.update({"type": "disconnected"})
    assert sent(customer.update({"type": "connected"})) == [request]


def test_a_reloaded_page_resumes_with_its_saved_token():
    core = CustomerCore(saved={"token": TOKEN})
    assert sent(core.update({"type": "connected"})) == [{"type": "hello", "token": TOKEN, "since": 0}]


def test_an_invalid_saved_token_is_forgotten():
    core = CustomerCore(saved={"token": TOKEN})
    effects = server(core, {"type": "error", "code": "bad-token", "message": "Not valid."})
    assert Remember("token", None) in effects and ShowView("form") in effects


def test_a_customer_pages_through_a_long_log_then_resumes_where_it_left_off(customer):
    customer.token = TOKEN
    welcome(customer, "active")
    server(customer, event(7, 1, "hi"))
    (more,) = sent(server(customer, {"type": "page", "session": 7, "page": None, "after": 0, "first": 1, "last": 3,
                                     "more": True}))
    assert {k: more[k] for k in ("type", "after")} == {"type": "history", "after": 3} and "session" not in more
    server(customer, {"type": "page", "session": 7, "page": more["page"], "after": 3, "first": 4, "last": 9,
                      "more": False})
    customer.update({"type": "disconnected"})
    assert sent(customer.update({"type": "connected"}))[0] == {"type": "hello", "token": TOKEN, "since": 9}


def test_a_refused_message_stays_on_screen_marked_failed(customer):
    ask(customer)
    welcome(customer, "active")
    entry = of(customer.update({"type": "send", "text": "hello"}), ShowEntry)[0].placement.entry
    effects = server(customer, {"type": "error", "id": entry.id, "code": "ended", "message": "Ended."})
    assert Notice("Ended.") in effects
    assert of(effects, ShowEntry)[0].placement.entry.state == FAILED
    assert customer.link.outbox == []


@pytest.mark.parametrize("code", ["quota", "rate-limited"])
def test_a_message_over_a_limit_stays_on_screen_with_the_reason_and_its_text(customer, code):
    ask(customer)
    welcome(customer, "active")
    entry = of(customer.update({"type": "send", "text": "my long story"}), ShowEntry)[0].placement.entry
    effects = customer.update({"type": "error", "id": entry.id, "code": code, "message": "Wait 5 seconds."})
    failed = of(effects, ShowEntry)[0].placement.entry
    assert (failed.state, failed.reason, failed.text) == (FAILED, "Wait 5 seconds.", "my long story")


def test_the_customers_own_messages_are_marked_mine(customer):
    ask(customer)
    welcome(customer, "active")
    mine = of(server(customer, event(7, 1, "hi")), ShowEntry)[0]
    theirs = of(server(customer, event(7, 2, "hello", kind="rep", name="Alice")), ShowEntry)[0]
    assert mine.placement.entry.mine and not theirs.placement.entry.mine


# --- the rep console -------------------------------------------------------------


@pytest.fixture
def rep():
    core = RepCore(new_id=ids())
    core.update({"type": "connected"})
    return core


def summary(session_id, customer="Carol"):
    return {"id": session_id, "customer": customer, "issue": "Help", "status": "active"}


def rep_welcome(core, sessions=(), queue=()):
    return server(core, {"type": "welcome", "role": "rep", "me": {"id": 1, "name": "Alice"},
                         "sessions": list(sessions), "queue": list(queue), "keys": [], "wrong_tries": 0,
                         "invites": [], "prefs": {}, "invite_hidden": False, "max_sessions": 0})


def page(session, page_id, first, last, more, **asked):
    return {"type": "page", "session": session, "page": page_id, "first": first, "last": last, "more": more,
            **(asked or {"before": None})}


def test_a_rep_says_hello_with_what_it_has_seen_of_the_logs_it_loaded(rep):
    (ask_3,) = sent(rep_welcome(rep, [summary(3), summary(4)]))  # 3 is in front: its history loads
    server(rep, rep_event(3, 1, "hi"))
    server(rep, rep_event(3, 2, "there"))
    server(rep, page(3, ask_3["page"], 1, 5, False))  # 3 to 5: events this rep may not see
    server(rep, live(rep_event(4, 9, "not loaded yet")))
    assert sent(rep.update({"type": "connected"}))[0] == {"type": "hello", "since": {"3": 5}}


def test_a_sessions_history_loads_when_its_tab_is_first_shown_newest_first(rep):
    (ask_3,) = sent(rep_welcome(rep, [summary(3), summary(4)]))
    assert ask_3 == {"type": "history", "page": ask_3["page"], "session": 3}
    server(rep, live(rep_event(4, 40, "came live")))
    server(rep, live(rep_event(4, 41, "and again")))
    effects = rep.update({"type": "select", "session": 4})
    (ask_4,) = sent(effects)  # older than what came live: nothing twice, nothing missed
    assert (ask_4["session"], ask_4["before"]) == (4, 40)
    assert History(4, "loading") in effects and rep.history_state(4) == "loading"
    assert sent(rep.update({"type": "select", "session": 3})) == []  # asked already
    assert sent(rep.update({"type": "select", "session": 4})) == []


def test_older_pages_load_as_the_rep_scrolls_up_until_the_start(rep):
    (ask,) = sent(rep_welcome(rep, [summary(3)]))
    assert rep.update({"type": "earlier", "session": 3}) == []  # not before the newest page is in
    for seq in range(301, 501):
        server(rep, rep_event(3, seq, f"message {seq}"))
    assert server(rep, page(3, ask["page"], 301, 500, True)) == [History(3, "loading")]
    (older,) = sent(rep.update({"type": "earlier", "session": 3}))
    assert (older["session"], older["before"]) == (3, 301)
    assert sent(rep.update({"type": "earlier", "session": 3})) == []  # one page at a time
    for seq in range(101, 301):
        server(rep, rep_event(3, seq, f"message {seq}"))
    server(rep, page(3, older["page"], 101, 300, True, before=301))
    (oldest,) = sent(rep.update({"type": "earlier", "session": 3}))
    assert oldest["before"] == 101
    assert server(rep, page(3, oldest["page"], 1, 100, False, before=101)) == [History(3, "start")]
    assert sent(rep.update({"type": "earlier", "session": 3})) == []
    assert [e.seq for e in rep.conversations[3].entries] == list(range(101, 501))
    assert rep.conversations[3].last_seq == 500


def test_a_reconnected_rep_catches_up_a_page_at_a_time(rep):
    (ask,) = sent(rep_welcome(rep, [summary(3)]))
    server(rep, rep_event(3, 1, "hi"))
    server(rep, page(3, ask["page"], 1, 1, False))
    rep.update({"type": "disconnected"})
    assert sent(rep.update({"type": "connected"})) == [{"type": "hello", "since": {"3": 1}}]
    assert sent(rep_welcome(rep, [summary(3)])) == []  # loaded: the server sends what it missed
    server(rep, rep_event(3, 2, "while away"))
    (more,) = sent(server(rep, page(3, None, 2, 7, True, after=1)))
    assert {k: more[k] for k in ("type", "session", "after")} == {"type": "history", "session": 3, "after": 7}
    assert server(rep, page(3, more["page"], 8, 8, False, after=7)) == []
    assert rep.conversations[3].last_seq == 8


def test_a_log_not_loaded_forgets_its_live_events_on_reconnect_and_loads_afresh(rep):
    rep_welcome(rep, [summary(3), summary(4)])
    server(rep, live(rep_event(4, 40, "came live")))
    rep.update({"type": "disconnected"})
    rep.update({"type": "connected"})
    rep_welcome(rep, [summary(3), summary(4)])
    (ask,) = sent(rep.update({"type": "select", "session": 4}))
    assert "before" not in ask and rep.conversations[4].entries == []


def test_the_welcome_shows_the_queue_and_opens_the_reps_sessions(rep):
    effects = rep_welcome(rep, [summary(3), summary(4, "Dan")], [summary(9, "Eve")])
    assert Status(CONNECTED) in effects and Queue([summary(9, "Eve")]) in effects
    assert [e.summary["id"] for e in of(effects, OpenSession)] == [3, 4]
    assert [e.session for e in of(effects, SelectSession)] == [3]


def test_the_queue_changes_as_customers_join_and_leave_it(rep):
    rep_welcome(rep, queue=[summary(8, "Dan"), summary(9, "Eve")])
    joined = server(rep, {"type": "queue", "joined": [summary(10, "Fay"), summary(11, "Gus")], "left": []})
    assert joined == [Queue([summary(8, "Dan"), summary(9, "Eve"), summary(10, "Fay"), summary(11, "Gus")])]
    left = server(rep, {"type": "queue", "joined": [], "left": [9, 11, 404]})  # 404: never heard of, nothing
    assert left == [Queue([summary(8, "Dan"), summary(10, "Fay")])]
    changed = server(rep, {"type": "queue", "joined": [summary(8, "Daniel")], "left": []})
    assert changed == [Queue([summary(8, "Daniel"), summary(10, "Fay")])]  # in its place, not at the end
    assert of(rep_welcome(rep, queue=[summary(12, "Hal")]), Queue) == [Queue([summary(12, "Hal")])]


def test_a_second_welcome_opens_nothing_twice(rep):
    rep_welcome(rep, [summary(3)])
    assert of(rep_welcome(rep, [summary(3)]), OpenSession) == []


def test_accepting_sends_an_accept(rep):
    rep_welcome(rep)
    assert sent(rep.update({"type": "accept", "session": 9}))[0]["type"] == "accept"


def test_an_accepted_session_opens_and_comes_to_the_front(rep):
    rep_welcome(rep, [summary(3)])
    effects = server(rep, {"type": "opened", "session": summary(9, "Eve"), "comment": ""})
    assert of(effects, OpenSession) and of(effects, SelectSession)[0].session == 9
    assert rep.current == 9


def test_a_lost_accept_race_is_told_to_the_rep(rep):
    rep_welcome(rep)
    frame = sent(rep.update({"type": "accept", "session": 9}))[0]
    effects = server(rep, {"type": "error", "id": frame["id"], "code": "taken", "message": "Already accepted."})
    assert effects == [Notice("Already accepted.")]


def test_a_rep_sends_to_the_session_in_front(rep):
    rep_welcome(rep, [summary(3), summary(4)])
    rep.update({"type": "select", "session": 4})
    assert sent(rep.update({"type": "send", "text": "hello"}))[0]["session"] == 4


def test_a_rep_without_a_session_is_told_to_accept_first(rep):
    rep_welcome(rep)
    assert rep.update({"type": "send", "text": "hello"}) == [Notice("Accept a customer first.")]


def test_switching_sessions_hands_over_that_sessions_log(rep):
    rep_welcome(rep, [summary(3), summary(4)])
    server(rep, rep_event(4, 1, "in four"))
    (selected,) = of(rep.update({"type": "select", "session": 4}), SelectSession)
    assert [e.text for e in selected.entries] == ["in four"]


def test_a_reps_own_messages_are_known_by_author_id(rep):
    rep_welcome(rep, [summary(3)])
    mine = of(server(rep, rep_event(3, 1, "hi", kind="rep", name="Alice", author_id=1)), ShowEntry)[0]
    other = of(server(rep, rep_event(3, 2, "hi", kind="rep", name="Bob", author_id=2)), ShowEntry)[0]
    assert mine.placement.entry.mine and not other.placement.entry.mine


def test_unknown_frames_are_ignored(rep):
    assert rep.update({"type": "from-the-future"}) == []


def test_only_frames_the_protocol_declares_reach_the_cores(rep, customer):
    with pytest.raises(protocol.ProtocolError, match="undeclared frame"):
        rep.receive('{"type": "from-the-future"}')
    with pytest.raises(protocol.ProtocolError, match="undeclared frame"):  # what people do is not the relay's
        rep.receive('{"type": "send", "text": "hi"}')
    with pytest.raises(protocol.ProtocolError, match="undeclared fields"):
        customer.receive('{"type": "position", "position": 2, "secret": "x"}')
    with pytest.raises(protocol.ProtocolError, match="undeclared frame"):  # a rep's frame, not a customer's
        customer.receive('{"type": "queue", "waiting": []}')
    with pytest.raises(protocol.ProtocolError, match="wrong type"):
        customer.receive('{"type": "position", "position": "2"}')


def with_people(core, hidden=False):
    people = [{"id": 1, "name": "Alice", "role": "owner", "hidden": hidden},
              {"id": 2, "name": "Bob", "role": "invited", "hidden": False}]
    rep_welcome(core, [summary(3) | {"participants": people}])


def test_a_visible_rep_may_write_to_everyone_all_reps_or_one_rep(rep):
    with_people(rep)
    assert rep.recipients(3) == [("all", "Everyone"), ("reps", "All representatives"), (2, "Bob")]


def test_a_hidden_rep_is_not_offered_everyone(rep):
    with_people(rep, hidden=True)
    assert [value for value, _ in rep.recipients(3)] == ["reps", 2]
    assert rep.recipient(3) == "reps"


def test_a_private_message_shows_who_it_is_for_and_is_sent_to_them(rep):
    with_people(rep)
    rep.update({"type": "to", "to": 2})
    effects = rep.update({"type": "send", "text": "psst"})
    entry = of(effects, ShowEntry)[0].placement.entry
    assert (entry.kind, entry.to) == ("private", "Bob")
    assert sent(effects)[0]["to"] == 2


def test_the_chosen_recipient_is_kept_per_session(rep):
    with_people(rep)
    server(rep, {"type": "opened", "session": summary(4, "Dan"), "comment": ""})
    rep.update({"type": "to", "to": "reps"})
    rep.update({"type": "select", "session": 3})
    assert rep.recipient(3) == "all" and rep.recipient(4) == "reps"


def test_an_invitation_shows_and_joining_sends_a_join(rep):
    rep_welcome(rep)
    invite = {"session": 9, "customer": "Eve", "issue": "VPN", "by": "Bob"}
    assert server(rep, {"type": "invited", **invite}) == [Invitation(invite | {"type": "invited"})]
    effects = rep.update({"type": "join", "session": 9})
    assert Invitation({"session": 9}, open=False) in effects and sent(effects)[0]["type"] == "join"


def test_a_transferred_session_opens_with_the_comment(rep):
    rep_welcome(rep)
    effects = server(rep, {"type": "opened", "session": summary(9, "Eve"), "comment": "new toner"})
    assert of(effects, SelectSession) and Notice("Eve was transferred to you: new toner") in effects


def test_leaving_closes_the_tab(rep):
    rep_welcome(rep, [summary(3), summary(4)])
    effects = server(rep, {"type": "closed", "session": 3})
    assert CloseSession(3) in effects and rep.current == 4


def live(event_frame):
    return event_frame | {"live": True}


def test_a_customer_message_in_a_background_tab_counts_as_unread_and_alerts(rep):
    rep_welcome(rep, [summary(3), summary(4, "Dan")])
    effects = server(rep, live(rep_event(4, 1, "hello?", name="Dan")))
    assert Unread(4, 1) in effects and Alert("Dan", "hello?", True) in effects
    assert rep.total_unread == 1
    assert Unread(4, 0) in rep.update({"type": "select", "session": 4})
    assert rep.total_unread == 0


def test_messages_in_the_tab_in_front_are_read_unless_the_page_is_hidden(rep):
    rep_welcome(rep, [summary(3)])
    assert of(server(rep, live(rep_event(3, 1, "hi"))), Unread) == []
    rep.update({"type": "page_hidden", "hidden": True})
    assert Unread(3, 1) in server(rep, live(rep_event(3, 2, "still there?")))
    assert rep.update({"type": "page_hidden", "hidden": False}) == [Unread(3, 0)]


def test_replayed_messages_are_not_unread(rep):
    rep_welcome(rep, [summary(3), summary(4)])
    assert of(server(rep, rep_event(4, 1, "old news")), Unread) == []


def test_each_tab_keeps_its_draft_and_scroll_position(rep):
    rep_welcome(rep, [summary(3), summary(4)])
    rep.update({"type": "draft", "text": "half a thought"})
    rep.update({"type": "select", "session": 4, "scroll": 120})
    (back,) = of(rep.update({"type": "select", "session": 3, "scroll": 0}), SelectSession)
    assert (back.draft, back.scroll) == ("half a thought", 120)


def test_a_sent_message_empties_the_draft(rep):
    rep_welcome(rep, [summary(3)])
    rep.update({"type": "draft", "text": "hello"})
    rep.update({"type": "send", "text": "hello"})
    assert rep.drafts.get(3) is None


def test_a_new_session_flashes_instead_of_jumping_forward_while_the_rep_types(rep):
    rep_welcome(rep, [summary(3)])
    rep.update({"type": "draft", "text": "I am typing"})
    effects = server(rep, {"type": "opened", "session": summary(9, "Eve"), "comment": ""})
    assert Flash(9) in effects and not of(effects, SelectSession) and rep.current == 3


def test_shortcuts_go_to_a_numbered_tab_and_round_the_end(rep):
    rep_welcome(rep, [summary(3), summary(4), summary(5)])
    assert of(rep.update({"type": "tab_number", "number": 3}), SelectSession)[0].session == 5
    assert of(rep.update({"type": "step_tab", "step": 1}), SelectSession)[0].session == 3
    assert rep.update({"type": "tab_number", "number": 9}) == []


def test_the_keys_panel_hears_how_many_wrong_keys_were_tried(rep):
    keys = [{"key": "123456789", "created_at": 1000, "expires_at": 2000}]
    assert of(rep_welcome(rep), Keys) == [Keys([], 0)]
    assert server(rep, {"type": "keys", "keys": keys, "wrong_tries": 3}) == [Keys(keys, 3)]


def test_at_the_cap_the_rep_is_at_capacity(rep):
    server(rep, {"type": "welcome", "role": "rep", "me": {"id": 1, "name": "Alice"}, "sessions": [summary(3),
                 summary(4)], "queue": [], "keys": [], "wrong_tries": 0, "invites": [], "prefs": {},
                 "invite_hidden": False, "max_sessions": 2})
    assert rep.at_capacity


# --- which session tools are on, and why the others are off ------------------------------------------


def in_session_as(core, role, hidden=False, status="active", owner=None):
    people = [{"id": 1, "name": "Alice", "role": role, "hidden": hidden},
              {"id": 2, "name": "Bob", "role": "owner" if role != "owner" else "invited", "hidden": False}]
    owner = owner if owner is not None else (1 if role == "owner" else 2)
    rep_welcome(core, [summary(3) | {"participants": people, "owner": owner, "status": status}])
    return core.tool_reasons(3)


def off(reasons):
    return {tool for tool, reason in reasons.items() if reason}


def test_every_tool_but_leaving_is_on_for_the_rep_who_holds_the_session(rep):
    reasons = in_session_as(rep, "owner")
    assert off(reasons) == {"leave"}
    assert reasons["leave"] == "You hold this session: transfer it or end it instead."


def test_an_invited_rep_may_leave_but_not_transfer(rep):
    reasons = in_session_as(rep, "invited")
    assert off(reasons) == {"transfer"}
    assert "holds the session" in reasons["transfer"]


def test_a_hidden_rep_must_show_themselves_before_reaching_the_customer(rep):
    reasons = in_session_as(rep, "invited", hidden=True)
    assert off(reasons) == {"request-screen", "push-url", "send-file", "transfer"}
    assert reasons["push-url"] == "You are hidden from the customer: show yourself first."
    assert reasons["visibility"] is None


def test_a_monitoring_admin_may_only_read_export_and_leave(rep):
    reasons = in_session_as(rep, "monitor", hidden=True)
    assert {tool for tool, reason in reasons.items() if not reason} == {"leave", "export"}
    assert "monitoring" in reasons["end"]


def test_an_ended_session_can_only_be_exported(rep):
    reasons = in_session_as(rep, "owner", status="ended")
    assert {tool for tool, reason in reasons.items() if not reason} == {"export"}
    assert reasons["end"] == "This session has ended."


def test_without_a_session_every_tool_says_to_accept_a_customer_first(rep):
    rep_welcome(rep)
    assert set(rep.tool_reasons(None).values()) == {"Accept a customer first."}


def test_a_note_over_the_quota_stays_on_screen_with_the_reason(rep):
    rep_welcome(rep, [summary(3)])
    entry = of(rep.update({"type": "note", "text": "remember the printer"}), ShowEntry)[0].placement.entry
    effects = rep.update({"type": "error", "id": entry.id, "code": "quota", "message": "This session is full."})
    failed = of(effects, ShowEntry)[0].placement.entry
    assert (failed.state, failed.reason, failed.text) == (FAILED, "This session is full.", "remember the printer")


def test_a_customer_on_the_form_reconnects_quietly(customer):
    effects = customer.update({"type": "disconnected"})
    assert of(effects, Reconnect) and not of(effects, Status)
    ask(customer)
    assert Status(RECONNECTING) in customer.update({"type": "disconnected"})

"""Rep tools, in one process: pushed URLs, preferences on every device, notes."""

from tests.chatters import rep_hello


def test_a_pushed_url_reaches_the_customer_live_and_as_a_log_entry(chat):
    customer, alice, session_id, _ = chat
    alice.send(type="push-url", id="push-it-now", session=session_id, url="https://example.com/help")
    alice.expect("ack", id="push-it-now")
    event = customer.expect("event", id="push-it-now")
    assert (event["kind"], event["text"], event["live"]) == ("url", "https://example.com/help", True)


def test_a_javascript_url_is_refused_by_the_server(chat):
    customer, alice, session_id, _ = chat
    alice.send(type="push-url", id="push-evil-1", session=session_id, url="javascript:alert(1)")
    assert alice.expect("error", id="push-evil-1")["code"] == "bad-url"


def test_preferences_are_kept_and_reach_every_device_of_the_rep(connect):
    laptop, phone = connect("rep", "alice"), connect("rep", "alice")
    assert rep_hello(laptop)["prefs"]["yellow_after"] == 60
    rep_hello(phone)
    laptop.send(type="prefs", id="prefs-one-1", prefs={"yellow_after": 5, "red_after": 10})
    laptop.expect("ack", id="prefs-one-1")
    assert phone.expect("prefs")["prefs"]["red_after"] == 10
    assert rep_hello(connect("rep", "alice"))["prefs"]["yellow_after"] == 5


def test_bad_preferences_get_a_clear_error(connect):
    alice = connect("rep", "alice")
    rep_hello(alice)
    alice.send(type="prefs", id="prefs-bad-1", prefs={"yellow_after": 100, "red_after": 50})
    assert "Red after" in alice.expect("error", id="prefs-bad-1")["message"]


def test_notes_reach_reps_only(chat):
    customer, alice, session_id, _ = chat
    alice.send(type="note", id="note-one-1", session=session_id, text="customer seems tired")
    alice.expect("ack", id="note-one-1")
    customer.send(type="say", id="after-note", text="hello")
    customer.expect("ack", id="after-note")
    assert not any("tired" in raw for raw in customer.frames)

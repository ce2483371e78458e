"""The life of a session around the chat, through a live server: keys, presence, the end, exports."""

import re

import pytest

from relaydesk.store import Store
from tests.chatters import accept, ask, rep_hello
from tests.liveserver import serving
from tests.wsclient import Client, post_form, sign_in

BOTH_BACKENDS = True  # each test on SQLite and on PostgreSQL (tests/conftest.py)


@pytest.fixture
def quick(start_server):
    """A server that counts a customer as gone after one second, and times the queue out after four."""
    server = start_server(CUSTOMER_GONE_S=1, QUEUE_TIMEOUT_S=4, HOUSEKEEPING_S=0.2)
    server.add_rep("alice", "Alice")
    opened = []
    yield server, lambda *args, **kwargs: opened.append(Client(server, *args, **kwargs)) or opened[-1]
    for client in opened:
        client.close()


def test_a_customer_who_closes_the_tab_leaves_the_queue(quick):
    server, client = quick
    alice = client("rep", cookie=sign_in(server, "alice"))
    rep_hello(alice)
    customer = client("customer")
    session_id, _ = ask(customer)
    assert alice.expect("queue")["joined"][0]["id"] == session_id
    customer.close()
    assert alice.expect("queue", where=lambda frame: frame["left"] == [session_id])


def test_a_customer_who_goes_away_mid_chat_is_noted_and_so_is_their_return(quick):
    server, client = quick
    alice = client("rep", cookie=sign_in(server, "alice"))
    rep_hello(alice)
    customer = client("customer")
    session_id, token = ask(customer)
    accept(alice, session_id)
    customer.close()
    assert alice.expect("event", kind="status", text="Carol left the chat")
    back = client("customer")
    back.send(type="hello", token=token, since=0)
    assert alice.expect("event", kind="status", text="Carol is back")


def test_a_request_nobody_accepts_times_out(quick):
    server, client = quick
    customer = client("customer")
    ask(customer)
    assert customer.expect("session", timeout=10)["session"]["status"] == "ended"


# --- exports and history (HTTP) ---------------------------------------------------


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """One server for the tests of exports and history, which only read: Carol and Alice chatted, a rep-only
    entry was logged, and the session ended.  Yield the server, the session's id and Carol's token."""
    reps = (("alice", "Alice"), ("bob", "Bob"))
    with serving(tmp_path_factory.mktemp("exports") / "data", reps) as server:
        server.add_rep("root", "Root", admin=True)
        customer, alice = Client(server, "customer"), Client(server, "rep", cookie=sign_in(server, "alice"))
        rep_hello(alice)
        session_id, token = ask(customer)
        accept(alice, session_id)
        customer.send(type="say", id="carol-asks", text="Is it plugged in?")
        customer.expect("ack", id="carol-asks")
        store = Store(server.data / "relaydesk.db", synchronous="NORMAL")
        store.append_event(session_id, "a-rep-note", "note", "customer seems annoyed", "rep", "Alice", 1, "reps")
        store.close()
        alice.send(type="end", id="end-the-chat", session=session_id, outcome="resolved")
        alice.expect("ack", id="end-the-chat")
        customer.close()
        alice.close()
        yield server, session_id, token


def get(server, path, cookie=None):
    return post_form(server, path, None, cookie=cookie)


def test_the_rep_export_has_the_details_then_every_entry_in_order(exports):
    server, session_id, _ = exports
    status, headers, body = get(server, f"/rep/sessions/{session_id}/export?format=text&tz=Europe/Paris",
                                sign_in(server, "alice"))
    assert status == 200
    assert f'filename="relaydesk-session-{session_id}-carol-' in headers["Content-Disposition"]
    assert body.index("Session ID:") < body.index("Carol asked for help") < body.index("Is it plugged in?")
    assert "Operating system: Linux" in body and re.search(r"CET|CEST", body)
    assert "customer seems annoyed" not in body


def test_the_rep_export_includes_rep_only_entries_when_asked(exports):
    server, session_id, _ = exports
    _, headers, body = get(server, f"/rep/sessions/{session_id}/export?format=html&private=1",
                           sign_in(server, "alice"))
    assert headers["Content-Type"].startswith("text/html")
    assert "Note by Alice: customer seems annoyed" in body and "<table>" in body


def test_a_rep_outside_the_session_cannot_export_it(exports):
    server, session_id, _ = exports
    assert get(server, f"/rep/sessions/{session_id}/export", sign_in(server, "bob"))[0] == 404
    assert get(server, f"/rep/sessions/{session_id}/export")[0] == 401


def test_the_customer_transcript_never_holds_rep_only_entries(exports):
    server, _, token = exports
    status, headers, body = post_form(server, "/transcript", {"token": token, "format": "text"})
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    assert "Is it plugged in?" in body and "annoyed" not in body


def test_a_forged_transcript_token_gets_nothing(exports):
    server, _, _ = exports
    assert post_form(server, "/transcript", {"token": "x" * 43})[0] == 404


@pytest.mark.parametrize("query", ["Carol", "plugged", "annoyed"])
def test_reps_find_their_past_sessions_by_name_or_words(exports, query):
    server, session_id, _ = exports
    _, _, body = get(server, f"/rep/history?q={query}", sign_in(server, "alice"))
    assert f"/rep/sessions/{session_id}" in body


def test_reps_find_a_session_by_its_id_and_others_do_not(exports):
    server, session_id, _ = exports
    assert f"/rep/sessions/{session_id}" in get(server, f"/rep/history?q={session_id}", sign_in(server, "alice"))[2]
    assert f"/rep/sessions/{session_id}" not in get(server, "/rep/history?q=Carol", sign_in(server, "bob"))[2]
    assert f"/rep/sessions/{session_id}" in get(server, "/rep/history?q=Carol", sign_in(server, "root"))[2]


def test_a_past_log_opens_read_only_with_rep_only_entries(exports):
    server, session_id, _ = exports
    _, _, body = get(server, f"/rep/sessions/{session_id}", sign_in(server, "alice"))
    assert "customer seems annoyed" in body and "<form" not in body and "<textarea" not in body



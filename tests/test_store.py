import threading

import pytest

from relaydesk.database import StorageError
from relaydesk.store import Refused, Store
from tests.databases import connected

TOKEN = "k" * 43
BOTH_BACKENDS = True  # each test on SQLite and on PostgreSQL (tests/conftest.py)


def new_session(store, request_id="request-1", token=TOKEN, name="Carol"):
    return store.create_session(request_id, token, "/", name, "Printer on fire", {"os": "Linux"})


def test_a_rep_signs_in_with_the_right_password_only(store):
    store.add_rep("alice", "Alice", "correct horse")
    assert store.authenticate("alice", "correct horse").display_name == "Alice"
    assert store.authenticate("alice", "wrong horse") is None
    assert store.authenticate("nobody", "correct horse") is None


@pytest.mark.sqlite_only
def test_passwords_are_stored_hashed(store, tmp_path):
    store.add_rep("alice", "Alice", "correct horse")
    assert b"correct horse" not in (tmp_path / "test.db").read_bytes()


@pytest.mark.parametrize(
    ("username", "name", "password", "reason"),
    [("", "A", "12345678", "username"), ("a b", "A", "12345678", "username"),
     ("alice", "", "12345678", "display name"), ("alice", "A", "short", "8 characters")],
)
def test_bad_rep_details_are_refused_with_a_reason(store, username, name, password, reason):
    with pytest.raises(ValueError, match=reason):
        store.add_rep(username, name, password)


def test_a_taken_username_is_refused(store):
    store.add_rep("alice", "Alice", "correct horse")
    with pytest.raises(ValueError, match="taken"):
        store.add_rep("alice", "Alice Two", "correct horse")


def test_a_new_session_waits_in_the_default_portal(store):
    session = new_session(store)
    assert (session.status, session.portal_path, session.details) == ("waiting", "/", {"os": "Linux"})
    assert store.session_for_token(TOKEN) == session
    assert store.waiting_sessions() == [session]


def test_a_resent_request_finds_its_session_instead_of_opening_another(store):
    first = new_session(store)
    assert new_session(store) == first
    assert len(store.waiting_sessions()) == 1


def test_a_resent_request_with_another_token_is_refused(store):
    new_session(store)
    with pytest.raises(Refused):
        new_session(store, token="x" * 43)


def test_an_unknown_portal_is_refused(store):
    with pytest.raises(Refused):
        store.create_session("request-1", TOKEN, "/nowhere", "C", "I", {})


def test_only_one_of_two_reps_accepts_a_session(store):
    alice, bob = store.add_rep("alice", "Alice", "12345678"), store.add_rep("bob", "Bob", "12345678")
    session = new_session(store)
    results = []
    threads = [threading.Thread(target=lambda rep=rep: results.append(store.accept(session.id, rep)))
               for rep in (alice, bob)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert store.waiting_sessions() == []


def test_events_get_consecutive_sequence_numbers_and_a_resend_is_stored_once(store):
    session = new_session(store)
    first, new = store.append_event(session.id, "event-01", "message", "hi", "customer", "Carol")
    second, _ = store.append_event(session.id, "event-02", "message", "there", "customer", "Carol")
    again, again_new = store.append_event(session.id, "event-01", "message", "hi", "customer", "Carol")
    assert (first.seq, second.seq, new) == (1, 2, True)
    assert (again, again_new) == (first, False)
    assert [e.seq for e in store.events_since(session.id, 0)] == [1, 2]


def test_events_since_shows_each_viewer_only_what_they_may_see(store):
    session = new_session(store)
    store.append_event(session.id, "event-01", "message", "for all", "customer", "Carol")
    store.append_event(session.id, "event-02", "note", "reps only", "rep", "Alice", 1, audience="reps")
    store.append_event(session.id, "event-03", "private", "to rep 2", "rep", "Alice", 1, audience="rep:2")
    assert [e.text for e in store.events_since(session.id, 0)] == ["for all"]
    assert [e.text for e in store.events_since(session.id, 1, rep_id=1)] == ["reps only", "to rep 2"]
    assert [e.text for e in store.events_since(session.id, 0, rep_id=2)] == ["for all", "reps only", "to rep 2"]
    assert [e.text for e in store.events_since(session.id, 0, rep_id=3)] == ["for all", "reps only"]
    assert [e.text for e in store.events_since(session.id, 0, rep_id=2, public_only=True)] == ["for all"]


def test_a_log_comes_a_page_at_a_time_forward_or_back_covering_what_the_viewer_may_not_see(store):
    session = new_session(store)
    for number in range(1, 11):  # every third one a note: the customer does not see it
        kind, audience = ("note", "reps") if number % 3 == 0 else ("message", "all")
        store.append_event(session.id, f"event-{number:02}", kind, f"text {number:02}", "rep", "Alice", 1,
                           audience=audience)
    page = store.events_page(session.id, after=0, most_events=3)
    assert ([e.seq for e in page.events], page.first, page.last, page.more) == ([1, 2, 4], 1, 4, True)
    page = store.events_page(session.id, after=4, most_events=3)
    assert ([e.seq for e in page.events], page.first, page.last, page.more) == ([5, 7, 8], 5, 9, True)
    page = store.events_page(session.id, after=9, most_events=3)
    assert ([e.seq for e in page.events], page.first, page.last, page.more) == ([10], 10, 10, False)
    page = store.events_page(session.id, after=10)
    assert (page.events, page.first, page.last, page.more) == ([], 11, 10, False)

    newest = store.events_page(session.id, rep_id=1, most_events=4)
    assert ([e.seq for e in newest.events], newest.first, newest.last, newest.more) == ([7, 8, 9, 10], 7, 10, True)
    older = store.events_page(session.id, before=7, rep_id=1, most_events=4)
    assert ([e.seq for e in older.events], older.first, older.last, older.more) == ([3, 4, 5, 6], 3, 6, True)
    oldest = store.events_page(session.id, before=3, rep_id=1, most_events=4)
    assert ([e.seq for e in oldest.events], oldest.first, oldest.last, oldest.more) == ([1, 2], 1, 2, False)


def test_a_page_stops_at_its_size_in_characters_yet_holds_one_event_at_least(store):
    session = new_session(store)
    for number in range(1, 4):
        store.append_event(session.id, f"event-{number:02}", "message", "x" * 100, "customer", "Carol")
    assert [e.seq for e in store.events_page(session.id, after=0, most_chars=250).events] == [1, 2]
    assert [e.seq for e in store.events_page(session.id, after=0, most_chars=10).events] == [1]
    assert [e.seq for e in store.events_page(session.id, before=None, most_chars=10).events] == [3]


def test_the_log_survives_reopening_the_file(database_url):
    store = Store(database_url)
    session = new_session(store)
    store.append_event(session.id, "event-01", "message", "kept", "customer", "Carol")
    store.close()
    again = Store(database_url)
    assert [e.text for e in again.events_since(session.id, 0)] == ["kept"]
    again.close()


def test_two_nodes_writing_one_session_at_once_get_one_number_each_in_order(database_url):
    """Two stores over one database, as two nodes: events sent to both at once are numbered 1, 2, 3… with
    neither a number twice nor one refused, and each store's own events keep their order."""
    nodes = [Store(database_url), Store(database_url)]
    session = new_session(nodes[0])
    numbers: dict[str, list[int]] = {"a": [], "b": []}
    failures = []

    def send(node, name):
        for index in range(40):
            try:
                event, new = node.append_event(session.id, f"{name}-{index}", "message", "hi", "customer", "Carol")
                numbers[name].append(event.seq)
            except Exception as exc:  # noqa: BLE001 -- the test counts them
                failures.append(exc)

    threads = [threading.Thread(target=send, args=(node, name)) for node, name in zip(nodes, "ab", strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(numbers["a"] + numbers["b"]) == list(range(1, 81))
    assert numbers["a"] == sorted(numbers["a"]) and numbers["b"] == sorted(numbers["b"])
    for node in nodes:
        node.close()


@pytest.fixture
def alice(store):
    return store.add_rep("alice", "Alice", "12345678")


def test_a_key_opens_an_active_session_owned_by_its_rep(store, alice):
    key = store.make_key(alice, 60)["key"]
    session = store.create_session("request-1", TOKEN, "/", "Dana", "VPN", {}, key=key)
    assert (session.status, session.owner_rep_id) == ("active", alice.id)
    assert store.is_participant(session.id, alice.id)
    assert store.rep_keys(alice.id) == []


@pytest.mark.parametrize(
    ("lifetime", "uses", "reason"), [(60, 1, "already used"), (0, 0, "expired")],
)
def test_used_and_expired_keys_are_refused_with_a_reason(store, alice, lifetime, uses, reason):
    key = store.make_key(alice, lifetime)["key"]
    for use in range(uses):
        store.create_session(f"request-{use}", "u" * 40 + str(use), "/", "Dana", "VPN", {}, key=key)
    with pytest.raises(Refused, match=reason):
        store.create_session("request-x", TOKEN, "/", "Eve", "VPN", {}, key=key)


def test_an_unknown_key_is_refused_and_nothing_is_stored(store):
    with pytest.raises(Refused, match="No session key"):
        store.create_session("request-1", TOKEN, "/", "Eve", "VPN", {}, key="123456789")
    assert store.waiting_sessions() == [] and store.session_for_token(TOKEN) is None


def test_two_customers_racing_for_one_key_get_one_session(store, alice):
    key = store.make_key(alice, 60)["key"]
    outcomes = []

    def join(index):
        try:
            store.create_session(f"request-{index}", f"{index}" * 40, "/", "C", "I", {}, key=key)
            outcomes.append("joined")
        except Refused:
            outcomes.append("refused")

    threads = [threading.Thread(target=join, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["joined", "refused"]


def test_keys_are_nine_digits_and_listed_with_their_expiry(store, alice):
    first, second = store.make_key(alice, 60), store.make_key(alice, 120)
    assert all(len(k["key"]) == 9 and k["key"].isdigit() for k in (first, second))
    assert store.rep_keys(alice.id) == [first, second]


def test_ending_a_session_records_its_outcome_once(store):
    session = new_session(store)
    assert store.end_session(session.id, "resolved")
    assert not store.end_session(session.id, "unknown")
    assert store.get_session(session.id).outcome == "resolved"


@pytest.mark.parametrize(
    ("path", "reason"), [("billing", "portal path"), ("/rep", "portal path"), ("/Bad Path", "portal path"),
                         ("/", "portal path")],
)
def test_bad_portal_paths_are_refused(store, path, reason):
    with pytest.raises(Refused, match=reason):
        store.add_portal(path, "Billing")


def test_a_disabled_portal_takes_no_requests(store):
    store.add_portal("/billing", "Billing", "Questions about your bill?")
    store.set_portal_enabled("/billing", False)
    with pytest.raises(Refused, match="does not exist"):
        store.create_session("request-1", TOKEN, "/billing", "C", "I", {})


def test_the_default_portal_cannot_be_disabled(store):
    with pytest.raises(Refused):
        store.set_portal_enabled("/", False)


def test_search_escapes_like_wildcards(store, alice):
    session = new_session(store)
    store.accept(session.id, alice)
    assert store.search_sessions("%", alice) == []
    assert store.search_sessions("Caro", alice) == [store.get_session(session.id)]


def test_a_lost_database_connection_refuses_one_write_then_comes_back(store, backend):
    """PostgreSQL restarted, or the network dropped: the write that meets it is refused as storage trouble (a
    message the client is told, not a crash), and the next one reconnects.  (SQLite has no connection to lose.)"""
    session = new_session(store)
    if backend == "postgresql":
        with connected(store.db.url) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                          " WHERE datname = current_database() AND pid != pg_backend_pid()")
        with pytest.raises(StorageError):
            store.append_event(session.id, "event-lost", "message", "lost", "customer", "Carol")
    store.append_event(session.id, "event-kept", "message", "kept", "customer", "Carol")
    assert [event.text for event in store.events_since(session.id, 0)] == ["kept"]

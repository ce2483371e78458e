import threading

import pytest

from relaydesk.store import Refused, Store

TOKEN = "k" * 43


def new_session(store, request_id="request-1", token=TOKEN, name="Carol"):
    return store.create_session(request_id, token, "/", name, "Printer on fire", {"os": "Linux"})


def test_a_rep_signs_in_with_the_right_password_only(store):
    store.add_rep("alice", "Alice", "correct horse")
    assert store.authenticate("alice", "correct horse").display_name == "Alice"
    assert store.authenticate("alice", "wrong horse") is None
    assert store.authenticate("nobody", "correct horse") is None


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
    assert [e.seq for e in store.events_since(session.id, 0, ("all",))] == [1, 2]


def test_events_since_filters_by_audience(store):
    session = new_session(store)
    store.append_event(session.id, "event-01", "message", "for all", "customer", "Carol")
    store.append_event(session.id, "event-02", "note", "reps only", "rep", "Alice", audience="reps")
    assert [e.text for e in store.events_since(session.id, 0, ("all",))] == ["for all"]
    assert [e.text for e in store.events_since(session.id, 1, ("all", "reps"))] == ["reps only"]


def test_the_log_survives_reopening_the_file(tmp_path):
    path = tmp_path / "reopen.db"
    store = Store(path)
    session = new_session(store)
    store.append_event(session.id, "event-01", "message", "kept", "customer", "Carol")
    store.close()
    assert [e.text for e in Store(path).events_since(session.id, 0, ("all",))] == ["kept"]

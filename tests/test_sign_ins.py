"""Reps' sign-ins in the store, on a clock the tests turn by hand."""

import sqlite3

import pytest

from relaydesk.signins import SignIns
from relaydesk.store import Store

HOUR = 3600 * 1000
BOTH_BACKENDS = True  # each test on SQLite and on PostgreSQL (tests/conftest.py)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000 * HOUR

    def __call__(self) -> int:
        return self.now

    def turn(self, ms: int) -> None:
        self.now += ms


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def sign_ins(store, clock):
    return SignIns(store.db, lifetime_s=12 * 3600, idle_s=2 * 3600, clock=clock)


@pytest.fixture
def alice(store):
    return store.add_rep("alice", "Alice", "correct horse")


def last_seen(store, sign_ins, sign_in_id):
    found = sign_ins.find(sign_in_id)
    return store.db.row("SELECT last_seen FROM rep_sessions WHERE key_hash = ?", (found.key,))["last_seen"]


@pytest.mark.sqlite_only
def test_a_sign_in_names_its_rep_and_is_kept_hashed(store, sign_ins, alice, tmp_path):
    sign_in_id = sign_ins.start(alice, "Firefox", "127.0.0.1")
    assert sign_ins.find(sign_in_id).rep == alice
    assert sign_ins.find("made-up") is None
    row = store.db.row("SELECT * FROM rep_sessions")
    assert (row["user_agent"], row["address"]) == ("Firefox", "127.0.0.1")
    assert sign_in_id not in str(tuple(row)) and sign_in_id.encode() not in (tmp_path / "test.db").read_bytes()


def test_use_is_written_once_a_minute_not_on_every_request(store, sign_ins, clock, alice):
    sign_in_id = sign_ins.start(alice)
    began = clock.now
    clock.turn(59_000)
    assert last_seen(store, sign_ins, sign_in_id) == began
    clock.turn(1_000)
    assert last_seen(store, sign_ins, sign_in_id) == began + 60_000


def test_an_idle_sign_in_lapses_and_use_keeps_it(sign_ins, clock, alice):
    used, idle = sign_ins.start(alice), sign_ins.start(alice)
    for _ in range(3):
        clock.turn(HOUR)
        assert sign_ins.find(used) is not None
    assert sign_ins.find(idle) is None


def test_a_sign_in_ends_after_its_lifetime_however_used(sign_ins, clock, alice):
    sign_in_id = sign_ins.start(alice)
    for _ in range(11):
        clock.turn(HOUR)
        assert sign_ins.find(sign_in_id) is not None
    clock.turn(HOUR)
    assert sign_ins.find(sign_in_id) is None


def test_a_console_s_frames_count_as_use(sign_ins, clock, alice):
    sign_in_id = sign_ins.start(alice)
    key = sign_ins.find(sign_in_id).key
    clock.turn(HOUR + HOUR // 2)
    sign_ins.touch(key)
    clock.turn(HOUR)
    assert sign_ins.live([key]) == {key}
    clock.turn(2 * HOUR)
    assert sign_ins.live([key]) == set()


def test_signing_out_ends_that_sign_in_only(sign_ins, alice):
    leaving, staying = sign_ins.start(alice), sign_ins.start(alice)
    key = sign_ins.end(leaving)
    assert sign_ins.find(leaving) is None and sign_ins.live([key]) == set()
    assert sign_ins.find(staying) is not None


def test_disabling_or_a_new_password_ends_every_sign_in_of_that_rep(store, sign_ins, alice):
    bob = store.add_rep("bob", "Bob", "correct horse")
    laptop, phone, bobs = sign_ins.start(alice), sign_ins.start(alice), sign_ins.start(bob)
    assert store.set_rep_disabled("alice", True).disabled
    assert sign_ins.find(laptop) is None and sign_ins.find(phone) is None and sign_ins.find(bobs) is not None
    assert store.authenticate("alice", "correct horse").disabled
    assert not store.set_rep_disabled("alice", False).disabled
    again = sign_ins.start(alice)
    store.set_password("alice", "a new long password")
    assert sign_ins.find(again) is None and sign_ins.find(bobs) is not None
    assert store.authenticate("alice", "correct horse") is None
    assert store.authenticate("alice", "a new long password") == alice


def test_a_disabled_rep_s_sign_in_is_refused_even_if_its_row_were_left(store, sign_ins, alice):
    sign_in_id = sign_ins.start(alice)
    store.db.write("UPDATE reps SET disabled = 1 WHERE id = ?", (alice.id,))
    assert sign_ins.find(sign_in_id) is None


def test_changing_a_rep_that_does_not_exist_or_to_a_short_password_is_refused(store, alice):
    with pytest.raises(ValueError, match="No rep is called 'nobody'"):
        store.set_rep_disabled("nobody", True)
    with pytest.raises(ValueError, match="8 characters"):
        store.set_password("alice", "short")


def test_lapsed_sign_ins_are_cleared_away_as_new_ones_begin(store, sign_ins, clock, alice):
    sign_ins.start(alice)
    clock.turn(3 * HOUR)
    sign_ins.start(alice)
    assert store.db.row("SELECT COUNT(*) AS n FROM rep_sessions")["n"] == 1


def test_a_database_from_before_reps_could_be_disabled_still_opens(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE reps (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT"
                " NULL, password_hash TEXT NOT NULL, role TEXT NOT NULL, created_at INTEGER NOT NULL)")
    old.execute("INSERT INTO reps VALUES (1, 'alice', 'Alice', 'x', 'rep', 0)")
    old.commit()
    old.close()
    store = Store(path, synchronous="NORMAL")
    assert store.rep(1).disabled is False
    store.close()

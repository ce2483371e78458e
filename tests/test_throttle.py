"""The throttle's rules, on its in-memory storage, with a clock the tests move."""

import threading
import time

import pytest
from limits import parse_many
from limits.storage import MemoryStorage

from relaydesk.throttle import Buckets, LockedOut, Lockout, Throttle, Turns, wait_text


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def lockout(clock):
    return Lockout(MemoryStorage(), "test", free=3, first_s=60, longest_s=600, forget_s=86400, clock=clock)


def test_a_name_is_locked_once_its_free_failures_are_spent(lockout):
    assert [lockout.failed("alice") for _ in range(2)] == [0, 0]
    assert lockout.wait("alice") == 0
    assert lockout.failed("alice") == 60
    assert lockout.wait("alice") == 60
    assert lockout.wait("bob") == 0


def test_each_failure_after_a_lockout_doubles_it_up_to_the_longest(lockout, clock):
    for _ in range(2):
        lockout.failed("alice")
    locks = []
    for _ in range(6):
        locks.append(lockout.failed("alice"))
        clock.now += locks[-1]
        assert lockout.wait("alice") == 0
    assert locks == [60, 120, 240, 480, 600, 600]


def test_forgetting_a_name_clears_its_failures_and_its_lock(lockout):
    for _ in range(3):
        lockout.failed("alice")
    lockout.forget("alice")
    assert lockout.wait("alice") == 0
    assert lockout.failed("alice") == 0


def sign_in(throttle, username, address, right=False):
    """Try a sign-in; return "in", "wrong", or the lockout's wait."""
    try:
        return throttle.sign_in(username, address, lambda: "in" if right else None) or "wrong"
    except LockedOut as locked:
        return locked.wait


def test_a_success_clears_the_usernames_count_but_not_the_addresses():
    throttle = Throttle({"SIGN_IN_FAILURES_PER_USERNAME": 2, "SIGN_IN_FAILURES_PER_ADDRESS": 3})
    assert sign_in(throttle, "alice", "10.0.0.1") == "wrong"
    assert sign_in(throttle, "Alice ", "10.0.0.1", right=True) == "in"  # the same username, as typed
    assert sign_in(throttle, "alice", "10.0.0.1") == "wrong"
    assert sign_in(throttle, "bob", "10.0.0.1") == 60  # the address's third failure
    assert 0 < sign_in(throttle, "carol", "10.0.0.1", right=True) <= 60
    assert sign_in(throttle, "carol", "10.0.0.2", right=True) == "in"


def test_a_locked_out_sign_in_is_refused_before_the_password_is_checked():
    throttle = Throttle({"SIGN_IN_FAILURES_PER_USERNAME": 1})
    with pytest.raises(LockedOut) as locked:
        throttle.sign_in("alice", "10.0.0.1", lambda: None)
    assert locked.value.failed
    checked = []
    with pytest.raises(LockedOut) as locked:
        throttle.sign_in("alice", "10.0.0.2", lambda: checked.append(1))
    assert not locked.value.failed and checked == []


def test_turns_take_one_attempt_at_a_time_per_name_and_forget_names_nobody_holds():
    turns, inside, most = Turns(), [0], [0]

    def attempt(name):
        with turns.turn(name, "shared"):
            inside[0] += 1
            most[0] = max(most[0], inside[0])
            time.sleep(0.01)
            inside[0] -= 1

    threads = [threading.Thread(target=attempt, args=(f"name{index % 3}",)) for index in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == [1] and turns._locks == {}


def test_wrong_keys_are_limited_per_socket_and_per_address():
    throttle = Throttle({"KEY_TRIES_PER_SOCKET": "2/minute", "KEY_TRIES_PER_ADDRESS": "3/10 minutes"})
    assert [throttle.key_missed("socket-1", "10.0.0.1") for _ in range(2)] == [1, 2]
    assert 0 < throttle.key_wait("socket-1", "10.0.0.1") <= 60
    assert throttle.key_wait("socket-2", "10.0.0.1") == 0
    throttle.key_missed("socket-2", "10.0.0.1")
    assert 60 < throttle.key_wait("socket-3", "10.0.0.1") <= 600
    assert throttle.key_wait("socket-3", "10.0.0.2") == 0
    assert throttle.key_window_s == 600


@pytest.mark.parametrize(("seconds", "text"), [
    (0.2, "1 second"), (40, "40 seconds"), (59.5, "1 minute"), (60, "1 minute"), (61, "2 minutes"),
    (3600, "60 minutes"),
])
def test_waits_read_as_a_person_says_them_rounded_up(seconds, text):
    assert wait_text(seconds) == text


def test_frames_go_in_a_burst_then_at_a_pace_per_sender(clock):
    buckets = Buckets(parse_many("4/2 seconds;6/minute"), clock=clock)
    assert [buckets.take("page:a") for _ in range(4)] == [0.0] * 4
    assert buckets.take("page:a") == pytest.approx(0.5)  # the burst is spent: one token comes back every 0.5 s
    assert buckets.take("page:b") == 0.0  # another sender has its own buckets
    clock.now += 0.5
    assert buckets.take("page:a") == 0.0
    assert buckets.take("page:a") > 0  # refused frames take nothing
    clock.now += 2
    assert buckets.take("page:a") == 0.0  # the 2-second bucket is full again; the minute's holds 1.25 tokens
    assert buckets.take("page:a") == pytest.approx(7.5)  # now the minute's pace holds: 0.75 token at 0.1 a second


def test_senders_whose_buckets_are_full_again_are_forgotten(clock):
    buckets = Buckets(parse_many("10/second"), clock=clock)
    for number in range(4095):
        buckets.take(f"page:{number}")
    clock.now += 1
    buckets.take("page:last")  # the 4,096th take sweeps
    assert len(buckets) == 1

"""The throttle's rules, on its in-memory storage, with a clock the tests move."""

import pytest
from limits.storage import MemoryStorage

from relaydesk.throttle import Lockout, Throttle, wait_text


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


def test_a_success_clears_the_usernames_count_but_not_the_addresses():
    throttle = Throttle({"SIGN_IN_FAILURES_PER_USERNAME": 2, "SIGN_IN_FAILURES_PER_ADDRESS": 3})
    assert throttle.sign_in_failed("alice", "10.0.0.1") == 0
    throttle.signed_in("Alice ")  # the same username, as typed
    assert throttle.sign_in_failed("alice", "10.0.0.1") == 0
    assert throttle.sign_in_failed("bob", "10.0.0.1") > 0  # the address's third failure
    assert throttle.sign_in_wait("carol", "10.0.0.1") > 0
    assert throttle.sign_in_wait("carol", "10.0.0.2") == 0


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

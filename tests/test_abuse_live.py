"""Abuse, through a live server: guessing passwords is refused, with the right codes.

These assert the defence (refusals, codes, Retry-After), never how fast
anything is; ``bench/guessing.py`` prints the rates and latencies.
"""

import re
import statistics
import threading
import time

import pytest

from tests.chatters import accept, ask, rep_hello
from tests.wsclient import Client, post_form, sign_in

# --- signing in ---------------------------------------------------------------------------------


def wrong_password(server, username: str = "alice", forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else None
    return post_form(server, "/rep/sign-in", {"username": username, "password": "not it at all"}, headers=headers)[0]


def assert_locked_out(server, username: str = "alice", password: str = "correct horse",
                      forwarded_for: str | None = None) -> None:
    """The right password is refused too, with 429, Retry-After and a message saying when."""
    status, headers, body = post_form(server, "/rep/sign-in", {"username": username, "password": password},
                                      headers={"X-Forwarded-For": forwarded_for} if forwarded_for else None)
    assert status == 429, status
    assert int(headers["Retry-After"]) > 0
    assert re.search(r"Too many attempts: try again in \d+ (second|minute)s?\.", body), body[-800:]


def test_guessing_one_reps_password_locks_the_username_out_even_for_the_right_password(server):
    for _ in range(4):
        assert wrong_password(server) == 401
    assert_locked_out(server, password="the fifth guess")  # the failure that starts the lockout says so
    assert_locked_out(server)
    assert sign_in(server, "bob")  # another rep, from the same address, still signs in


def test_guessing_over_many_usernames_from_one_address_locks_the_address_out(server):
    for index in range(19):
        assert wrong_password(server, f"nobody{index}") == 401
    assert_locked_out(server, "nobody19", password="the twentieth guess")
    assert_locked_out(server, "bob")


@pytest.fixture
def lenient(start_server):
    """A server where three wrong passwords in a row are allowed, to see a success clear the count."""
    server = start_server(SIGN_IN_FAILURES_PER_USERNAME=3)
    server.add_rep("alice", "Alice")
    return server


def test_a_success_clears_the_usernames_failures(lenient):
    for _ in range(2):
        assert wrong_password(lenient) == 401
    assert sign_in(lenient, "alice")
    for _ in range(2):
        assert wrong_password(lenient) == 401
    assert sign_in(lenient, "alice")


def test_a_forged_forwarded_for_does_not_escape_the_address_lockout(server):
    for index in range(19):
        assert wrong_password(server, f"nobody{index}", forwarded_for=f"10.0.0.{index}") == 401
    assert_locked_out(server, "nobody19", password="the twentieth guess", forwarded_for="10.0.0.19")
    assert_locked_out(server, "bob", forwarded_for="10.9.9.9")


@pytest.fixture
def proxied(start_server):
    """A server behind one trusted reverse proxy, which names the client in X-Forwarded-For."""
    server = start_server(TRUSTED_PROXIES=1, SIGN_IN_FAILURES_PER_ADDRESS=3)
    server.add_rep("alice", "Alice")
    return server


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_locked_out(proxied):
    for index in range(2):
        assert wrong_password(proxied, f"nobody{index}", forwarded_for="203.0.113.7") == 401
    assert_locked_out(proxied, "nobody2", password="a third guess", forwarded_for="203.0.113.7")
    assert_locked_out(proxied, forwarded_for="203.0.113.7")
    status, _, _ = post_form(proxied, "/rep/sign-in", {"username": "alice", "password": "correct horse"},
                             headers={"X-Forwarded-For": "198.51.100.2"})
    assert status == 302


@pytest.fixture
def unthrottled(start_server):
    """A server that lets guessers go on, so their hashes keep coming."""
    server = start_server(SIGN_IN_FAILURES_PER_USERNAME=10**6, SIGN_IN_FAILURES_PER_ADDRESS=10**6)
    server.add_rep("alice", "Alice")
    return server


def test_while_sign_in_guessers_hash_away_another_customers_messages_are_acknowledged(unthrottled):
    customer, alice = Client(unthrottled, "customer"), Client(unthrottled, "rep", cookie=sign_in(unthrottled, "alice"))
    try:
        rep_hello(alice)
        session_id, _ = ask(customer)
        accept(alice, session_id)
        guessing, stop = threading.Event(), threading.Event()

        def guess(number: int) -> None:
            for attempt in range(100):  # bounded, should the messages stop early
                if stop.is_set():
                    return
                assert wrong_password(unthrottled, f"guesser{number}-{attempt}") == 401
                guessing.set()

        guessers = [threading.Thread(target=guess, args=(number,)) for number in range(4)]
        for guesser in guessers:
            guesser.start()
        latencies = []
        try:
            assert guessing.wait(30)
            for index in range(20):
                time.sleep(0.05)  # spread the messages over the guessing
                frame_id = f"under-load-{index:03}"
                started = time.perf_counter()
                customer.send(type="say", id=frame_id, text="still there?")
                assert customer.expect("ack", id=frame_id, timeout=30)["session"] == session_id
                latencies.append((time.perf_counter() - started) * 1000)
        finally:
            stop.set()
            for guesser in guessers:
                guesser.join()
        print(f"ack latency under 4 sign-in guessers: median {statistics.median(latencies):.1f} ms, "
              f"max {max(latencies):.1f} ms")
    finally:
        customer.close()
        alice.close()

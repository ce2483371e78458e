"""Abuse, through a live server: guessing session keys and passwords is refused, with the right codes.

These assert the defence (refusals, codes, Retry-After), never how fast
anything is; ``bench/guessing.py`` prints the rates and latencies.
"""

import re
import statistics
import threading
import time

import pytest

from tests.chatters import accept, ask, ask_with_key, make_key, new_id, rep_hello
from tests.liveserver import ALICE
from tests.wsclient import Client, post_form, sign_in

WAIT = re.compile(r"[Tt]ry again in \d+ (second|minute)s?")


def wrong_key(customer) -> dict:
    """Send a key nobody holds; return the error frame that answers it."""
    request_id = ask_with_key(customer, "000000001")
    return customer.expect("error", id=request_id)


def refused_right_key(customer, key: str) -> dict:
    """Send the right key; return the error frame that refuses it."""
    request_id = ask_with_key(customer, key)
    error = customer.expect("error", id=request_id)
    assert error["id"] == request_id
    return error


# --- session keys ---------------------------------------------------------------------------


def test_guessing_keys_from_one_socket_is_refused_after_a_few_wrong_ones_even_the_right_key(connect):
    alice, attacker = connect("rep", "alice"), connect("customer")
    rep_hello(alice)
    key = make_key(alice)
    for _ in range(5):
        assert wrong_key(attacker)["code"] == "refused"
    limited = refused_right_key(attacker, key)
    assert limited["code"] == "rate-limited" and WAIT.search(limited["message"]), limited
    assert wrong_key(attacker)["code"] == "rate-limited"
    # Another page from the same address is still let in: the socket is throttled, the address not yet.
    honest = connect("customer")
    ask_with_key(honest, key)
    assert honest.expect("welcome")["session"]["status"] == "active"


def test_guessing_keys_over_several_sockets_from_one_address_is_refused_by_address(connect):
    alice = connect("rep", "alice")
    rep_hello(alice)
    key = make_key(alice)
    for _ in range(5):
        attacker = connect("customer")
        for _ in range(4):  # under the socket's limit
            assert wrong_key(attacker)["code"] == "refused"
    fresh = connect("customer")
    assert refused_right_key(fresh, key)["code"] == "rate-limited"


def test_keys_guessed_at_once_over_many_sockets_are_checked_no_more_than_the_address_allows(connect, server):
    sockets = [connect("customer") for _ in range(30)]
    request_ids = [ask_with_key(socket, "000000001") for socket in sockets]  # all sent before any is answered
    codes = [socket.expect("error", id=request_id)["code"]
             for socket, request_id in zip(sockets, request_ids, strict=True)]
    assert codes.count("refused") == 20 and codes.count("rate-limited") == 10, codes


def test_a_rep_sees_how_many_wrong_keys_were_tried_while_their_keys_are_open(connect):
    alice, bob, attacker = connect("rep", "alice"), connect("rep", "bob"), connect("customer")
    rep_hello(alice)
    assert rep_hello(bob)["wrong_tries"] == 0
    make_key(alice)
    for _ in range(3):
        wrong_key(attacker)
    assert alice.expect("keys", where=lambda frame: frame["wrong_tries"] == 3)
    assert rep_hello(connect("rep", "alice"))["wrong_tries"] == 3
    assert rep_hello(connect("rep", "bob"))["wrong_tries"] == 0  # no open key: nothing of his could be hit


def test_wrong_keys_are_logged_with_the_address_and_a_count_never_the_key(connect, server):
    attacker = connect("customer")
    for _ in range(2):
        wrong_key(attacker)
    log = server.log.read_text()
    assert "wrong session key from 127.0.0.1 (2 " in log, log[-2000:]
    assert "000000001" not in log


def test_a_rep_may_hold_only_a_few_open_keys(connect):
    alice = connect("rep", "alice")
    rep_hello(alice)
    for _ in range(5):
        make_key(alice)
    frame_id = new_id()
    alice.send(type="make-key", id=frame_id)
    refused = alice.expect("error", id=frame_id)
    assert refused["code"] == "too-many-keys" and "5 session keys" in refused["message"], refused


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


def test_a_burst_of_guesses_at_once_gets_no_more_tries_than_one_after_another(server):
    """Checking a password waits for its hash: attempts must not all pass the lockout check before one fails."""
    checked: list[bool] = []  # whether each answer came from checking the password

    def guess() -> None:
        status, _, body = post_form(server, "/rep/sign-in", {"username": "alice", "password": "not it at all"})
        assert status in (401, 429)
        checked.append("Wrong username or password." in body)

    guessers = [threading.Thread(target=guess) for _ in range(30)]
    for guesser in guessers:
        guesser.start()
    for guesser in guessers:
        guesser.join()
    assert checked.count(True) == 5, checked  # 4 wrong, then the fifth starts the lockout


def test_guessing_over_many_usernames_from_one_address_locks_the_address_out(server):
    for index in range(19):
        assert wrong_password(server, f"nobody{index}") == 401
    assert_locked_out(server, "nobody19", password="the twentieth guess")
    assert_locked_out(server, "bob")


@pytest.fixture
def lenient(start_server):
    """A server where three wrong passwords in a row are allowed, to see a success clear the count."""
    return start_server(SIGN_IN_FAILURES_PER_USERNAME=3, reps=ALICE)


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
    return start_server(TRUSTED_PROXIES=1, SIGN_IN_FAILURES_PER_ADDRESS=3, reps=ALICE)


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
    return start_server(SIGN_IN_FAILURES_PER_USERNAME=10**6, SIGN_IN_FAILURES_PER_ADDRESS=10**6, reps=ALICE)


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

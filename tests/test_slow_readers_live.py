"""Slow and stuck readers through a live server: every frame whole and in order, or the connection closed.

The raw clients here fill the kernel's buffers for real: a small receive
window, and nothing read for a while.
"""

import secrets
import time

import pytest

from tests.chatters import accept, ask, new_id, rep_hello
from tests.liveserver import UNPACED
from tests.rawws import RawClient
from tests.test_live_state import settled
from tests.wsclient import Client, sign_in

ALICE_AND_BOB = (("alice", "Alice"), ("bob", "Bob"))
MESSAGES = 1500
TEXT_SIZE = 4000


def long_text(number: int) -> str:
    head = f"message {number:05d} "
    return head + "x" * (TEXT_SIZE - len(head))


def long_log(customer, count: int) -> list[int]:
    """Have the customer write ``count`` long messages, pipelined; return their sequence numbers in order."""
    for number in range(count):
        customer.send(type="say", id=f"long-{number:05d}", text=long_text(number))
    acks: dict[str, int] = {}
    while len(acks) < count:
        frame = customer.recv()
        if frame["type"] == "ack":
            acks[frame["id"]] = frame["seq"]
        assert frame["type"] != "error", frame
    return [acks[f"long-{number:05d}"] for number in range(count)]


def accepted(server):
    """Open Carol's session, accepted by Alice, whose console then closes; return Alice's cookie, Carol, the id."""
    server.add_rep("alice", "Alice")
    cookie = sign_in(server, "alice")
    alice, customer = Client(server, "rep", cookie=cookie), Client(server, "customer")
    rep_hello(alice)
    session_id, _ = ask(customer)
    accept(alice, session_id)
    alice.close()
    return cookie, customer, session_id


def test_a_slow_reader_gets_a_long_replay_whole_and_in_order(start_server):
    # 6 MB of log, a page at a time, each page written whole to a reader with a 16 KB window.
    server = start_server(**UNPACED, DB_SYNCHRONOUS="NORMAL")
    cookie, customer, session_id = accepted(server)
    seqs = long_log(customer, MESSAGES)

    slow = RawClient(server, "rep", cookie=cookie, receive_buffer=16384)
    slow.send(type="hello", since={str(session_id): 0})  # a console that had read it: it pages from the start
    time.sleep(2)  # read nothing while the server writes: its send buffer fills up
    frames = slow.frames(chunk=16384, pause_s=0.001)
    assert next(frames)["type"] == "welcome"
    replayed, pages = [], 0
    for frame in frames:
        if frame["type"] == "page":  # taken whole: ask for the next one
            assert frame["session"] == session_id and frame["more"], frame
            slow.send(type="history", page=f"page-{pages:05d}", session=session_id, after=frame["last"])
            pages += 1
            continue
        if frame["type"] == "team":  # the team's statuses, after the welcome: not part of the log
            continue
        assert frame["type"] == "event" and frame["session"] == session_id, frame
        replayed.append(frame)
        if frame["id"] == f"long-{MESSAGES - 1:05d}":
            break
    assert pages > 10, "a log this long comes in many pages"
    assert [event["seq"] for event in replayed] == list(range(1, len(replayed) + 1))
    texts = [event["text"] for event in replayed if event["author"]["kind"] == "customer"]
    assert texts == [long_text(number) for number in range(MESSAGES)]
    assert [event["seq"] for event in replayed if event["author"]["kind"] == "customer"] == seqs
    assert slow.bytes_read > 6_000_000
    slow.close()
    customer.close()


def test_a_reader_that_stops_reading_is_closed_and_the_session_carries_on(start_server):
    server = start_server(**UNPACED, DB_SYNCHRONOUS="NORMAL", SEND_TIMEOUT_S=1)
    server.add_rep("root", "Root", admin=True)
    cookie, customer, session_id = accepted(server)
    stuck = RawClient(server, "rep", cookie=cookie, receive_buffer=16384)
    stuck.send(type="hello", since={})

    seqs = long_log(customer, MESSAGES)  # fanned out to the stuck console: more than the kernel holds
    assert settled(server, rep_connections=0)["rep_connections"] == 0
    customer.send(type="say", id="after-stuck", text="anyone?")
    assert customer.expect("ack", id="after-stuck")
    again = Client(server, "rep", cookie=cookie)
    again.send(type="hello", since={str(session_id): seqs[-1]})
    assert [s["id"] for s in again.expect("welcome")["sessions"]] == [session_id]
    assert again.expect("event", id="after-stuck")
    with pytest.raises(ConnectionError):  # what it got was whole frames, then the end
        for _ in stuck.frames():
            pass
    for client in (again, customer):
        client.close()
    stuck.close()



def test_a_customer_that_stops_reading_and_says_hello_again_and_again_gets_a_page_each_time(start_server):
    """The attack: 160 KB of its own log, then 60 × ``hello since=0`` and nothing read.  Each hello is answered
    with one page, not the whole log, and the reps' work in that session and others goes on meanwhile."""
    page_chars, hellos = 32 * 1024, 60
    server = start_server(**UNPACED, DB_SYNCHRONOUS="NORMAL", SEND_TIMEOUT_S=60, HISTORY_PAGE_CHARS=page_chars)
    server.add_rep("alice", "Alice")
    alice, carol, dave = Client(server, "rep", cookie=sign_in(server, "alice")), Client(server, "customer"), \
        Client(server, "customer")
    rep_hello(alice)
    carol_session, carol_token = ask(carol, name="Carol")
    accept(alice, carol_session)
    long_log(carol, 40)  # 160 KB
    dave_session, _ = ask(dave, name="Dave")
    accept(alice, dave_session)

    stalled = RawClient(server, "customer", receive_buffer=16384)
    for _ in range(hellos):
        stalled.send(type="hello", token=carol_token, since=0)
    time.sleep(1)  # let the server answer them all, into buffers nobody reads

    for session_id, client in ((carol_session, carol), (dave_session, dave)):
        frame_id = f"still-{session_id:04d}"
        alice.send(type="say", id=frame_id, session=session_id, text="Still with you", to="all")
        assert alice.expect("ack", id=frame_id, timeout=30)
        assert client.expect("event", id=frame_id, timeout=30)
    dave.send(type="say", id="dave-asks", text="And me?")
    assert alice.expect("event", id="dave-asks", timeout=30)

    answers: list[list[dict]] = []
    for frame in stalled.frames():
        if frame["type"] == "welcome":
            answers.append([])
        elif frame["type"] == "event":
            assert frame["session"] == carol_session and "live" not in frame, frame  # it never caught up
            answers[-1].append(frame)
        elif frame["type"] == "page":
            assert frame["more"], frame
            if len(answers) == hellos:
                break
    assert len(answers) == hellos
    for events in answers:
        assert [event["seq"] for event in events] == list(range(1, len(events) + 1))
        assert 0 < sum(len(event["text"]) for event in events) <= page_chars
    for client in (alice, carol, dave):
        client.close()
    stalled.close()


def test_a_waiting_customer_that_stops_reading_is_dropped_and_holds_up_nobody(start_server):
    """The attack of issue 12: a customer in the queue with a long log of its own stops reading and asks for it
    again and again.  Its connection is closed as its queue overflows; a send never waits for room (with an hour to
    write each frame, a send that waited would hold the rep's accept for that hour)."""
    server = start_server(ALICE_AND_BOB, **UNPACED, WAITING_MESSAGES=100_000, SEND_TIMEOUT_S=3600,
                          SEND_QUEUE_CHARS=1_000_000)
    stalled, token = RawClient(server, "customer", receive_buffer=4096), secrets.token_urlsafe(32)
    stalled.send(type="request", id=new_id(), token=token, portal="/", name="Mallory", issue="x" * 2000, details={})
    other_tab = Client(server, "customer")  # Mallory's own second tab, which reads
    while True:  # its token is good once the request is stored, which may take a moment
        other_tab.send(type="hello", token=token, since=0)
        if other_tab.recv()["type"] == "welcome":
            break
        time.sleep(0.05)
    for number in range(200):
        stalled.send(type="say", id=f"mallory-{number:04d}", text=f"{number} " + "y" * 1000)
    for _ in range(60):
        stalled.send(type="hello", token=token, since=0)
    stalled.send(type="say", id="mallory-after", text="still here")
    other_tab.ws.settimeout(30)
    while other_tab.recv().get("id") != "mallory-after":  # its handler went on: no send waited for room
        pass
    assert stalled.closed_by_server()

    alice = Client(server, "rep", cookie=sign_in(server, "alice"))
    bob = Client(server, "rep", cookie=sign_in(server, "bob"))
    carol = Client(server, "customer")
    rep_hello(alice)
    rep_hello(bob)
    session_id, _ = ask(carol)
    accept(alice, session_id)  # the queue changes: every waiting customer is told its place, Mallory too
    for number in range(20):
        carol.send(type="say", id=f"carol-msg-{number:03d}", text=f"hello {number}")
        assert carol.expect("ack", id=f"carol-msg-{number:03d}")
        assert alice.expect("event", id=f"carol-msg-{number:03d}")
    for client in (alice, bob, carol, other_tab):
        client.close()
    stalled.close()

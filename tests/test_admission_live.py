"""Read-side admission: past ``ADMIT_BACKLOG`` clients' events taken and not yet answered, the server reads no
socket until it has answered some (``wire.Admission``), so TCP pushes back on every client instead of the server
parsing frames it cannot finish; once it catches up, what waited is read and answered.

Real server, real sockets: another process holds the database locked, so a customer's message is taken and cannot
be answered; with a budget of one, a second customer's frame (which needs no disk) is not read until the lock goes.
"""

from __future__ import annotations

import select
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tests.chatters import ask, new_id
from tests.liveserver import ALICE, UNPACED
from tests.test_health_live import get, sample
from tests.test_locked_database_live import _answer, chatting, database_locked
from tests.wsclient import Client


def answered(client: Client, within_s: float) -> list[str]:
    """Return the ids of the acks a client gets within ``within_s`` (what else it gets is not what is asked)."""
    ids = []
    while select.select([client.ws.sock], [], [], within_s)[0]:
        frame = client.recv()
        if frame["type"] == "ack":
            ids.append(frame["id"])
    return ids


def says_taken(server) -> None:
    """Wait until the server's handler took the customer's message (counted as its frame is handled)."""
    deadline = time.monotonic() + 30  # a bound on a hang, not a measure
    while sample(get(server, "/metrics")[2], "relaydesk_frames_in_total", role="customer", type="say") < 1:
        assert time.monotonic() < deadline, "the message was never taken"


@contextmanager
def two_customers(server) -> Iterator[tuple[Client, Client]]:
    """A customer in a chat with Alice, and another customer waiting in the queue: (in chat, waiting)."""
    customer, rep = chatting(server)
    other = Client(server, "customer")
    ask(other, name="Dana")
    try:
        yield customer, other
    finally:
        customer.close()
        rep.close()
        other.close()


def hold_a_message(server, customer: Client) -> str:
    """Send a message the server takes but cannot answer (the database is locked): one event unfinished."""
    said = new_id()
    customer.send(type="say", id=said, text="taken, and held by the lock")
    says_taken(server)
    return said


def test_past_its_backlog_the_server_reads_no_socket_until_it_has_answered_some(start_server):
    server = start_server(ALICE, ADMIT_BACKLOG=1, **UNPACED)
    with two_customers(server) as (customer, other):
        with database_locked(server):
            said = hold_a_message(server, customer)  # the budget
            typing = new_id()
            other.send(type="typing", id=typing, typing=True)  # needs no disk: answered at once when read
            assert typing not in answered(other, within_s=1.0), "read while over the backlog"
        other.expect("ack", id=typing, timeout=30)  # read once the message was answered
        answer = _answer(customer, said)
        assert answer["type"] == "ack" or answer["code"] == "storage", answer


def test_under_its_backlog_a_frame_that_needs_no_disk_is_read_while_a_message_waits_for_it(start_server):
    server = start_server(ALICE, ADMIT_BACKLOG=2, **UNPACED)  # the same, one more in the budget
    with two_customers(server) as (customer, other):
        with database_locked(server):
            said = hold_a_message(server, customer)
            typing = new_id()
            other.send(type="typing", id=typing, typing=True)
            other.expect("ack", id=typing, timeout=30)  # while the message still waits
            assert select.select([customer.ws.sock], [], [], 0)[0] == []
        _answer(customer, said)

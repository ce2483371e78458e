"""Routing and visibility, in one process: a relay on a temporary store, fake sockets that keep every frame.

Every frame the relay sends here is checked against the protocol's
declarations (``tests.inprocess.Socket``).  The live tests keep what needs a
real socket: origins, SIGKILL, slow readers, real timing.
"""

import pytest

from tests.chatters import accept, ask, new_id, rep_hello


@pytest.fixture
def connect(desk):
    """Connect to the in-process relay (``tests.inprocess.desk``), as ``tests.chatters.connect`` does to a server."""
    return desk.connect


def test_every_frame_of_a_chat_is_one_the_protocol_declares(connect):
    alice, customer = connect("rep", "alice"), connect("customer")
    rep_hello(alice)
    session_id, _ = ask(customer)
    accept(alice, session_id)
    customer.send(type="say", id="hello-01", text="hi")
    alice.send(type="say", id=new_id(), session=session_id, text="hello")
    alice.send(type="make-key", id=new_id())
    alice.send(type="prefs", id=new_id(), prefs={"chat_sound": False})
    alice.send(type="end", id=new_id(), session=session_id, outcome="resolved")
    types = {frame["type"] for frame in alice.ws.sent} | {frame["type"] for frame in customer.ws.sent}
    assert {"welcome", "ack", "event", "session", "queue", "opened", "keys", "prefs", "position"} <= types

"""Two relays in this process on one SQLite file, joined by real ``RedisBroker``s on a throwaway Redis whose
messages the test hands from one node to the other itself, when and in the order it chooses: two nodes' events
crossing on their way, deterministically."""

from __future__ import annotations

import pytest

from relaydesk.broker import RedisBroker, decode, encode
from relaydesk.delivery import Customers, Send, SessionReps
from relaydesk.model import Event
from relaydesk.store import Store
from tests import services
from tests.chatters import accept, act, ask, rep_hello
from tests.inprocess import Desk, QuickPasswords

LIFTED = {"FRAMES_PER_CONNECTION": "1000000/second", "REQUESTS_PER_ADDRESS": "1000000/second"}


@pytest.fixture
def nodes(tmp_path):
    with services.redis(tmp_path / "redis") as url:
        stores = [Store(tmp_path / "desk.db", synchronous="OFF", passwords=QuickPasswords()) for _ in "ab"]
        a, b = (Desk(store, {"BROKER_URL": url, "NODE_NAME": name, **LIFTED})
                for store, name in zip(stores, "ab", strict=True))
        a.add_rep("alice", "Alice")
        b.reps = a.reps
        yield a, b
        for store in stores:
            store.close()


def taken(node: Desk) -> list[bytes]:
    """Return what a node published since last asked, kept from the other nodes until handed over."""
    return taken_from(node.relay.broker)


def taken_from(broker: RedisBroker) -> list[bytes]:
    return [broker._outgoing.get_nowait() for _ in range(broker._outgoing.qsize())]


def hand_over(messages: list[bytes], to: Desk) -> None:
    for message in messages:
        _node, item = decode(message)
        if isinstance(item, Send):
            to.relay.hub.deliver_remote(item)
        else:
            to.relay._told(*item)


def test_an_event_that_overtook_an_earlier_one_of_another_node_comes_after_it_and_once(nodes):
    a, b = nodes
    alice = b.connect("rep", "alice")
    rep_hello(alice)
    first_tab = a.connect("customer")
    session_id, token = ask(first_tab)
    hand_over(taken(a), b)
    accept(alice, session_id)
    hand_over(taken(b), a)
    second_tab = a.connect("customer")
    second_tab.send(type="hello", token=token, since=0)
    second_tab.expect("welcome")
    act(alice, "say", session=session_id, text="from node B")  # stored first; its fan-out held on the way to A
    late = taken(b)
    act(first_tab, "say", text="from node A")  # stored after it, fanned out on A at once: the tab is behind
    hand_over(late, a)  # B's event arrives after all: the tab had it already
    events = [frame for frame in second_tab.ws.sent if frame["type"] == "event"]
    seqs = [frame["seq"] for frame in events]
    assert seqs == sorted(set(seqs))
    assert [frame["text"] for frame in events][-2:] == ["from node B", "from node A"]
    hand_over(taken(a), b)
    assert alice.expect("event", text="from node A")


def test_a_send_travels_whole_and_without_its_local_connection():
    event = Event(7, 3, "e1", "note", "reps", "rep", 2, "Alice", "for reps", 123, None, {"note": {"code": "x"}})
    for item in (Send(SessionReps(7), '{"type":"event"}', event, skip=object(), live=True),  # type: ignore[arg-type]
                 Send(SessionReps(7), b"\x00binary\n\xff", latest=("screen", 7)),
                 Send(Customers(7), "{}")):
        node, back = decode(encode("n1", item, ["reps", 7] if isinstance(item.to, SessionReps) else ["customers", 7]))
        assert node == "n1" and isinstance(back, Send)
        assert (back.to, back.frame, back.event, back.latest, back.live) == \
            (item.to, item.frame, item.event, item.latest, item.live)
        assert back.skip is None


def test_a_node_tells_its_own_messages_apart_without_reading_them():
    broker = RedisBroker("redis://127.0.0.1:1/0", "n1")  # never connects here
    broker.publish(Send(Customers(7), "{}"))
    broker.tell("ended", 7)
    other = RedisBroker("redis://127.0.0.1:1/0", "n1")  # the same NODE_NAME on another process
    mine = taken_from(broker)
    assert len(mine) == 2 and all(message.startswith(broker._own) for message in mine)
    assert not any(message.startswith(other._own) for message in mine)

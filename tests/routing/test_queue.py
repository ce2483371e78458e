"""The queue, in one process: reps hear of each change, not the whole queue each time; customers hear of their
own place only when it moves."""

import json

from tests.chatters import accept, ask, new_id, rep_hello


def queue_of(desk, customers):
    """Return who waits, by name, after asking each of ``customers`` in turn with a long issue."""
    for name, customer in customers.items():
        customer.send(type="request", id=new_id(), token=new_id() * 3, portal="/", name=name, issue="x" * 2000,
                      details={})
    return [summary["customer"] for summary in desk.relay._queue_view()]


def leave_queue(desk, customer):
    customer.close()
    desk.relay.sweep()


def test_a_rep_hears_of_each_customer_in_the_queue_once_not_of_the_whole_queue_each_time(desk, connect):
    """200 customers with 2,000-character issues once cost a console 65 MB: the whole queue at every change."""
    desk.relay.gone_after_s = 0
    alice = connect("rep", "alice")
    rep_hello(alice)
    welcomed = len(alice.frames)
    customers = {f"Customer {n}": connect("customer") for n in range(40)}
    assert len(queue_of(desk, customers)) == 40
    for customer in customers.values():
        leave_queue(desk, customer)
    changes = alice.frames[welcomed:]
    one_summary = len(json.dumps(desk.relay.rep_view(desk.store.session(1))["issue"]))
    assert len(changes) == 80 and all(json.loads(frame)["type"] == "queue" for frame in changes)
    assert sum(map(len, changes)) < 40 * one_summary * 1.3  # each summary once, and ids: linear, not 40 × 40 / 2
    assert desk.relay._queue_view() == []


def test_a_waiting_customer_hears_its_place_only_when_it_moves(desk, connect):
    desk.relay.gone_after_s = 0
    customers = {name: connect("customer") for name in ("Ann", "Ben", "Cat", "Dan")}
    queue_of(desk, customers)
    places = {name: [f["position"] for f in customer.nothing_more() if f["type"] == "position"]
              for name, customer in customers.items()}
    assert places == {"Ann": [1], "Ben": [2], "Cat": [3], "Dan": [4]}  # nobody hears of those who came after them
    leave_queue(desk, customers["Dan"])  # the last one: nobody moves
    leave_queue(desk, customers["Ann"])  # the first one: everyone behind moves up
    alice = connect("rep", "alice")
    rep_hello(alice)
    accept(alice, json.loads(customers["Cat"].frames[0])["session"]["id"])
    places = {name: [f["position"] for f in customers[name].nothing_more() if f["type"] == "position"]
              for name in ("Ben", "Cat")}
    assert places == {"Ben": [1], "Cat": [2]}


def test_a_page_that_comes_back_to_the_queue_hears_its_place(desk, connect):
    first, second = connect("customer"), connect("customer")
    ask(first, name="Ann")
    _, token = ask(second, name="Ben")
    again = connect("customer")
    again.send(type="hello", token=token, since=0)
    assert again.expect("position")["position"] == 2
    assert [f for f in first.nothing_more() if f["type"] == "position"] == [{"type": "position", "position": 1}]

"""Replays a page at a time, in process: each event once and in order, live ones only after the last page."""

import json
import secrets

from relaydesk.hub import CustomerConnection, RepConnection
from relaydesk.relay import Relay
from tests.liveserver import UNPACED
from tests.test_live_state import Socket, accepted, send

PAGE = 50


def frames(conn, kind: str) -> list[dict]:
    return [frame for frame in conn.ws.sent if frame["type"] == kind]


def long_session(store, messages: int):
    """Carol's session, accepted by Alice, with ``messages`` messages from Carol; return the relay, Alice's
    connection, the session id and Carol's token."""
    relay = Relay(store, {**UNPACED, "HISTORY_PAGE_EVENTS": PAGE})
    alice, carol, session_id, token = accepted(relay, store)
    for number in range(messages):
        send(relay, carol, type="say", id=f"carol-{number:04}", text=f"message {number}")
    return relay, alice, session_id, token


def page_through(relay, conn, session_id: int, **named) -> None:
    """Ask for the next page until the last one came, as the browser does."""
    while (page := frames(conn, "page")[-1])["more"]:
        relay.handle(conn, json.dumps({"type": "history", "page": secrets.token_hex(6), "after": page["last"],
                                       **named}))


def test_a_customer_catching_up_gets_each_event_once_in_order_and_live_ones_only_after(store):
    relay, alice, session_id, token = long_session(store, 3 * PAGE)
    again = CustomerConnection(Socket("customer"))
    relay.handle(again, json.dumps({"type": "hello", "token": token, "since": 0}))
    assert len(frames(again, "event")) == PAGE and frames(again, "page")[-1]["more"]  # one page per hello

    send(relay, alice, type="say", id="while-behind", session=session_id, text="while you catch up", to="all")
    assert not any(frame.get("id") == "while-behind" for frame in again.ws.sent)  # not yet: it comes in order
    page_through(relay, again, session_id)
    send(relay, alice, type="say", id="caught-up-1", session=session_id, text="now live", to="all")

    events = frames(again, "event")
    assert [event["seq"] for event in events] == list(range(1, len(events) + 1))
    assert [event["id"] for event in events].count("while-behind") == 1
    assert events[-1]["id"] == "caught-up-1" and events[-1]["live"]
    assert not any(event.get("live") for event in events[:-1])


def test_a_rep_gets_no_history_on_hello_then_pages_back_from_the_newest(store):
    relay, alice, session_id, _ = long_session(store, 2 * PAGE)
    console = RepConnection(Socket("rep"), alice.rep)
    relay.handle(console, json.dumps({"type": "hello", "since": {}}))
    welcome, *rest = console.ws.sent
    assert [s["id"] for s in welcome["sessions"]] == [session_id] and frames(console, "event") == []
    assert welcome["sessions"][0]["waiting_at"] is not None  # Carol waits for an answer: the tab shows it
    newest = secrets.token_hex(6)
    relay.handle(console, json.dumps({"type": "history", "page": newest, "session": session_id}))
    page = frames(console, "page")[-1]
    top = [event["seq"] for event in frames(console, "event")]
    assert (page["page"], page["last"], page["more"]) == (newest, top[-1], True) and len(top) == PAGE
    relay.handle(console, json.dumps({"type": "history", "page": "older-page-1", "session": session_id,
                                      "before": page["first"]}))
    older = frames(console, "page")[-1]
    assert older["last"] == page["first"] - 1 and older["more"]


def test_a_reconnecting_rep_resumes_from_its_last_seq_a_page_at_a_time(store):
    relay, alice, session_id, _ = long_session(store, 2 * PAGE)
    console = RepConnection(Socket("rep"), alice.rep)
    relay.handle(console, json.dumps({"type": "hello", "since": {str(session_id): 10}}))
    assert len(frames(console, "event")) == PAGE
    send(relay, alice, type="note", id="note-behind", session=session_id, text="noted meanwhile")
    page_through(relay, console, session_id, session=session_id)
    seqs = [event["seq"] for event in frames(console, "event")]
    assert seqs == list(range(11, 11 + len(seqs))) and frames(console, "event")[-1]["id"] == "note-behind"

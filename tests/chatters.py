"""Fixtures and steps the live-server tests share: reps and customers over real websockets."""

import secrets

import pytest

from tests.wsclient import Client, sign_in


def new_id() -> str:
    return secrets.token_urlsafe(12)


@pytest.fixture
def server(live_server):
    live_server.add_rep("alice", "Alice")
    live_server.add_rep("bob", "Bob")
    live_server.add_rep("root", "Root", admin=True)
    return live_server


@pytest.fixture
def clients():
    opened = []
    yield opened
    for client in opened:
        client.close()


@pytest.fixture
def connect(server, clients):
    def connect(role, username=None, **kwargs):
        cookie = sign_in(server, username) if username else None
        client = Client(server, role, cookie=cookie, **kwargs)
        clients.append(client)
        return client

    return connect


def ask(customer, name="Carol", token=None, request_id=None):
    token = token or secrets.token_urlsafe(32)
    request_id = request_id or new_id()
    customer.send(type="request", id=request_id, token=token, portal="/", name=name, issue="Printer on fire",
                  details={"os": "Linux", "browser": "Chrome 131"})
    welcome = customer.expect("welcome")
    customer.expect("ack", id=request_id)
    return welcome["session"]["id"], token


def rep_hello(rep, since=None):
    rep.send(type="hello", since=since or {})
    return rep.expect("welcome")


def history(rep, session_id, **where):
    """Ask for a page of a session's history, as the console does when its tab is shown (no ``where``: the
    newest); return its events, in order."""
    page_id = new_id()
    rep.send(type="history", page=page_id, session=session_id, **where)
    rep.expect("page", page=page_id)
    events = [frame for frame in rep.backlog if frame["type"] == "event" and frame["session"] == session_id]
    for frame in events:
        rep.backlog.remove(frame)
    return events


def accept(rep, session_id):
    frame_id = new_id()
    rep.send(type="accept", id=frame_id, session=session_id)
    rep.expect("ack", id=frame_id)


@pytest.fixture
def chat(connect):
    """A customer and Alice, in an accepted session."""
    customer, alice = connect("customer"), connect("rep", "alice")
    rep_hello(alice)
    session_id, token = ask(customer)
    accept(alice, session_id)
    customer.expect("event", kind="status", text="Alice joined the chat")
    return customer, alice, session_id, token



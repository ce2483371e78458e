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


def make_key(rep) -> str:
    rep.send(type="make-key", id=new_id())
    return rep.expect("keys")["keys"][-1]["key"]


def ask_with_key(customer, key, name="Dana"):
    request_id = new_id()
    customer.send(type="request", id=request_id, token="k" * 20 + new_id() * 2, portal="/", name=name,
                  issue="VPN", details={}, key=key)
    return request_id


@pytest.fixture
def chat(connect):
    """A customer and Alice, in an accepted session."""
    customer, alice = connect("customer"), connect("rep", "alice")
    rep_hello(alice)
    session_id, token = ask(customer)
    accept(alice, session_id)
    customer.expect("event", kind="status", text="Alice joined the chat")
    return customer, alice, session_id, token


@pytest.fixture
def team(server, connect):
    """Carol's session, accepted by Alice; Bob and Hugo are signed in too."""
    server.add_rep("hugo", "Hugo")
    alice, bob, hugo = (connect("rep", name) for name in ("alice", "bob", "hugo"))
    for rep in (alice, bob, hugo):
        rep_hello(rep)
    customer = connect("customer")
    session_id, token = ask(customer)
    accept(alice, session_id)
    return customer, alice, bob, hugo, session_id, token


def act(client, type, **fields):
    """Send a frame and wait for its ack."""
    frame_id = new_id()
    client.send(type=type, id=frame_id, **fields)
    return client.expect("ack", id=frame_id)


def refused(client, type, **fields):
    """Send a frame and return the error it gets."""
    frame_id = new_id()
    client.send(type=type, id=frame_id, **fields)
    return client.expect("error", id=frame_id)


def ids_of(rep):
    return rep_hello(rep)["me"]["id"]


def invite_and_join(inviter, invitee, session_id, invitee_id, hidden):
    act(inviter, "invite", session=session_id, rep=invitee_id, hidden=hidden)
    invitation = invitee.expect("invited")
    assert invitation["session"] == session_id and invitation["by"] == "Alice"
    act(invitee, "join", session=session_id)


def drain(client):
    """Read what a client has been sent until a round trip shows nothing more is on its way."""
    client.send(type="say", id=new_id(), text="sync")  # acked after everything sent before it
    client.expect("ack")

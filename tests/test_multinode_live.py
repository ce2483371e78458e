"""Several nodes (``tests/multinode.py``): real ``relaydesk serve`` processes sharing one database and Redis.

A customer on one node and reps on others do everything they do on one node;
what each client receives is each session's events in order, each once, and
never what its person may not see.
"""

import itertools
import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.chatters import (
    accept,
    act,
    ask,
    invite_and_join,
    rep_hello,
    team,  # noqa: F401 -- the fixture, here over three nodes
)
from tests.multinode import Cluster, cluster, on_database
from tests.test_files_live import customer_cookie, http, upload
from tests.test_screen_live import webp
from tests.test_team_live import test_nothing_rep_only_ever_reaches_the_customer  # noqa: F401 -- the leak test
from tests.wsclient import Client, sign_in

BOTH_BACKENDS = True


@pytest.fixture
def nodes(tmp_path, backend, database_url):
    with cluster(tmp_path, nodes=3, **on_database(backend, database_url)) as made:
        for username, name in (("alice", "Alice"), ("bob", "Bob")):
            made.add_rep(username, name)
        made.add_rep("root", "Root", admin=True)
        yield made


class Spread:
    """The three nodes as the shared live-test fixtures (``tests/chatters.py``) take a server: its pages go
    through nginx, and ``connect`` puts each new client on the next node, straight."""

    def __init__(self, nodes: Cluster) -> None:
        self.nodes, self.url, self.ws_url, self.port = nodes, nodes.front.url, nodes.front.ws_url, nodes.front.port

    def add_rep(self, username: str, name: str, admin: bool = False) -> None:
        self.nodes.add_rep(username, name, admin=admin)


@pytest.fixture
def server(nodes):
    return Spread(nodes)


@pytest.fixture
def connect(nodes, clients):
    """Connect each new client to the next node: the leak test's customer and reps end up on all three."""
    turn = itertools.count()

    def connect(role, username=None, **kwargs):
        node = nodes.nodes[next(turn) % len(nodes.nodes)]
        client = Client(node, role, cookie=sign_in(node, username) if username else None, **kwargs)
        clients.append(client)
        return client

    return connect


def in_order_once(client, session_id):
    """Assert the events a client received of a session came in sequence order, each once."""
    seqs = [json.loads(raw)["seq"] for raw in client.frames if isinstance(raw, str)
            and json.loads(raw)["type"] == "event" and json.loads(raw)["session"] == session_id]
    assert seqs == sorted(set(seqs)), seqs


def test_a_customer_and_reps_on_three_nodes_do_the_whole_flow(nodes, clients):
    a, b, c = nodes.nodes
    customer = Client(a, "customer")
    alice = Client(b, "rep", cookie=sign_in(b, "alice"))
    bob = Client(c, "rep", cookie=sign_in(c, "bob"))
    clients += [customer, alice, bob]
    rep_hello(alice)
    bob_id = rep_hello(bob)["me"]["id"]
    session_id, token = ask(customer)
    # Node B's rep hears of the customer who asked on node A.
    alice.expect("queue", where=lambda frame: any(s["id"] == session_id for s in frame["joined"]))
    accept(alice, session_id)
    customer.expect("event", kind="status", text="Alice joined the chat")
    bob.expect("queue", where=lambda frame: session_id in frame["left"])  # node C's queue saw it go

    # Chat both ways.
    act(customer, "say", text="hello from node A")
    alice.expect("event", text="hello from node A")
    act(alice, "say", session=session_id, text="hello from node B")
    customer.expect("event", text="hello from node B")
    act(alice, "note", session=session_id, text="a note for reps only")

    # A shared screen: asked on B, allowed on A, its pictures on B, and the latest for a rep who comes later.
    act(alice, "screen-request", session=session_id)
    assert customer.expect("screen-asked")["by"] == "Alice"
    act(customer, "screen", state="allowed")
    alice.expect("event", kind="status", text="Carol is sharing their screen")
    picture = webp()
    customer.ws.send_binary(picture)
    assert alice.expect("screen-image")["data"] == picture

    # Files both ways, each sent through one node and downloaded through another.
    status, _, body = upload(a, session_id, "log.txt", b"from the customer", {"X-Relaydesk-Token": token})
    assert status == 201
    file_id = json.loads(body)["id"]
    alice.expect("event", id=f"file-{file_id}")
    assert http(c, "GET", f"/files/{file_id}", headers={"Cookie": sign_in(c, "alice")})[2] == b"from the customer"
    status, _, body = upload(b, session_id, "fix.txt", b"from alice", {"Cookie": sign_in(b, "alice")})
    file_id = json.loads(body)["id"]
    customer.expect("event", id=f"file-{file_id}")
    assert http(c, "GET", f"/files/{file_id}", headers={"Cookie": customer_cookie(c, token)})[2] == b"from alice"

    # Bob, on node C, invited: he reads the history, the screen's latest picture, and a private message.
    invite_and_join(alice, bob, session_id, bob_id, hidden=False)
    bob.expect("screen-image", session=session_id)
    act(alice, "say", session=session_id, text="psst, bob", to=bob_id)
    bob.expect("event", text="psst, bob")

    # Transfer to Bob, who ends it.
    act(alice, "transfer", session=session_id, rep=bob_id, comment="yours now", stay=False)
    assert bob.expect("opened", comment="yours now")["session"]["owner"] == bob_id
    assert alice.expect("closed")["session"] == session_id
    act(bob, "end", session=session_id, outcome="resolved")
    assert customer.expect("session", where=lambda frame: frame["session"]["ended"])

    # Nothing the customer may not see reached them, on any node; each client's events came in order, once.
    said = "\n".join(raw for raw in customer.frames if isinstance(raw, str))
    assert "a note for reps only" not in said and "psst" not in said and "screen-image" not in said
    assert not any(isinstance(raw, bytes) for raw in customer.frames)
    for client in (customer, alice, bob):
        in_order_once(client, session_id)


def test_a_customer_who_reconnects_to_another_node_resumes_from_its_last_sequence_number(nodes, clients):
    a, b, _ = nodes.nodes
    customer, alice = Client(a, "customer"), Client(b, "rep", cookie=sign_in(b, "alice"))
    clients += [customer, alice]
    rep_hello(alice)
    session_id, token = ask(customer)
    accept(alice, session_id)
    last = act(customer, "say", text="one")["seq"]
    customer.close()
    act(alice, "say", session=session_id, text="while you were away")
    again = Client(b, "customer")
    clients.append(again)
    again.send(type="hello", token=token, since=last)
    again.expect("welcome")
    assert again.expect("event", text="while you were away")["seq"] > last
    act(alice, "say", session=session_id, text="and now live")
    again.expect("event", text="and now live")
    act(again, "say", text="back on node B")
    alice.expect("event", text="back on node B")
    in_order_once(again, session_id)
    assert not [raw for raw in again.frames if isinstance(raw, str) and '"text":"one"' in raw.replace(" ", "")]


def test_a_rep_online_on_one_node_is_online_for_routing_on_another(nodes, clients):
    a, b, _ = nodes.nodes
    root = Client(a, "rep", cookie=sign_in(a, "alice"))
    clients.append(root)
    rep_hello(root)  # Alice is online on node A
    told = root.expect("team")
    assert {rep["name"]: rep["status"] for rep in told["reps"]}["Alice"] != "offline"
    bob = Client(b, "rep", cookie=sign_in(b, "bob"))
    clients.append(bob)
    rep_hello(bob)
    # B learns Alice is on A (at once if A's presence reached Redis before Bob's hello, else from the sweep)
    # and Bob himself: his own presence reaches Redis through his node's heartbeat, so a frame may show him later
    bob.expect("team", where=lambda frame: all(r["status"] != "offline" for r in frame["reps"]
                                               if r["name"] in ("Alice", "Bob")))
    root.expect("team", where=lambda frame: {r["name"]: r["status"] for r in frame["reps"]}["Bob"] != "offline")
    bob.close()
    root.expect("team", where=lambda frame: {r["name"]: r["status"] for r in frame["reps"]}["Bob"] == "offline")


def test_a_customer_on_one_node_is_not_gone_to_the_other_nodes_sweep_and_leaving_is_noted_once(
        tmp_path, backend, database_url):
    # Node A, the customer's, never sweeps: node B does, and must see the customer on A.
    with cluster(tmp_path / "gone", nodes=2, each=[{"HOUSEKEEPING_S": 3600}], CUSTOMER_GONE_S=1,
                 HOUSEKEEPING_S=0.2, **on_database(backend, database_url)) as made:
        made.add_rep("alice", "Alice")
        a, b = made.nodes
        customer, alice = Client(a, "customer"), Client(b, "rep", cookie=sign_in(b, "alice"))
        again = None
        try:
            rep_hello(alice)
            session_id, token = ask(customer)
            accept(alice, session_id)
            time.sleep(3)  # node B sweeps many times meanwhile; the customer is on node A all along
            act(customer, "say", text="still here")
            alice.expect("event", text="still here")
            assert not [raw for raw in alice.frames if isinstance(raw, str) and "left the chat" in raw]
            customer.close()
            alice.expect("event", kind="status", text="Carol left the chat", timeout=15)
            again = Client(a, "customer")
            again.send(type="hello", token=token, since=0)
            again.expect("welcome")
            alice.expect("event", kind="status", text="Carol is back", timeout=15)
            act(again, "say", text="back")
            alice.expect("event", text="back")
            assert len([raw for raw in alice.frames if isinstance(raw, str) and "left the chat" in raw]) == 1
        finally:
            for client in (customer, alice, again):
                if client is not None:
                    client.close()


def test_the_reps_of_a_node_killed_go_offline_on_the_others(nodes, clients):
    a, b, _ = nodes.nodes
    alice, bob = Client(a, "rep", cookie=sign_in(a, "alice")), Client(b, "rep", cookie=sign_in(b, "bob"))
    clients += [alice, bob]
    rep_hello(alice)
    rep_hello(bob)
    alice.expect("team", where=lambda frame: {r["name"]: r["status"] for r in frame["reps"]}["Bob"] != "offline")
    alice.backlog.clear()  # the team as it was before Bob came
    b.kill()  # Bob's console says nothing more: his node's keys expire, and the sweep tells the team
    alice.expect("team", timeout=30,
                 where=lambda frame: {r["name"]: r["status"] for r in frame["reps"]}["Bob"] == "offline")
    b.start()  # the cluster stops it, and checks its log, at the end


def test_the_command_line_runs_with_a_broker_set_and_away(tmp_path):
    """``relaydesk rep add`` and the other commands honour the settings, and never need Redis (only ``serve``)."""
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    env = {**os.environ, "RELAYDESK_BROKER_URL": "redis://127.0.0.1:1/0", "RELAYDESK_PASSWORD": "correct horse"}
    subprocess.run([sys.executable, "-m", "relaydesk", "rep", "add", "zed", "--name", "Zed", "--data", str(data)],
                   check=True, capture_output=True, env=env)
    with sqlite3.connect(data / "relaydesk.db") as db:
        assert db.execute("SELECT display_name FROM reps WHERE username = 'zed'").fetchone() == ("Zed",)

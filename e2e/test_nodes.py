"""Two nodes (``tests/multinode.py``: one PostgreSQL database, Redis, nginx in front), real pages in Chromium.

A customer on one node and a rep on the other chat; through nginx, the node
holding the customer's socket is killed mid-conversation and both pages
reconnect to the survivor and catch up, nothing lost or doubled; a third node
started later serves a second console of the rep, which reads the whole chat
and writes into it.
"""

from __future__ import annotations

import re
import urllib.request

import pytest
from playwright.sync_api import Browser

from e2e.conftest import REP_PASSWORD, Actors, start_chat
from e2e.pages import CustomerPage, RepConsole
from tests import services
from tests.liveserver import LiveServer
from tests.multinode import Cluster, cluster, fresh_database


class Logs:
    def __init__(self, made: Cluster) -> None:
        self.made = made

    def read_text(self) -> str:
        return "\n".join(node.log.read_text() for node in self.made.nodes)


class Nodes:
    """The nodes as the e2e fixtures take a server: pages through nginx, reps made in the shared database, every
    node's log read for the CSP reports."""

    def __init__(self, made: Cluster) -> None:
        assert made.front is not None
        self.made, self.url, self.log = made, made.front.url, Logs(made)

    def add_rep(self, username: str, name: str, password: str = "correct horse", admin: bool = False) -> None:
        self.made.nodes[0].add_rep(username, name, password, admin=admin)


@pytest.fixture(scope="module")
def postgres_server(tmp_path_factory):
    with services.postgres(tmp_path_factory.mktemp("postgres")) as url:
        yield url


@pytest.fixture
def nodes(tmp_path, postgres_server):
    """Two nodes as they run in production: on PostgreSQL, with Redis, behind nginx."""
    with fresh_database(postgres_server) as url, cluster(tmp_path, nodes=2, DATABASE_URL=url) as made:
        yield made


@pytest.fixture
def actors(browser: Browser, nodes: Cluster):
    actors = Actors(browser, Nodes(nodes))  # type: ignore[arg-type]
    yield actors
    actors.close()
    actors.assert_clean()


def customer_on(actors: Actors, node: LiveServer) -> CustomerPage:
    page, watch = actors.new_page(f"customer on {node.port}")
    customer = CustomerPage(page, node.url)
    customer.watch = watch
    return customer


def rep_on(actors: Actors, node: LiveServer, label: str = "rep") -> RepConsole:
    page, watch = actors.new_page(f"{label} on {node.port}")
    rep = RepConsole(page, node.url, "alice", "Alice", REP_PASSWORD)
    rep.watch = watch
    return rep


def test_a_customer_on_one_node_and_a_rep_on_the_other_chat(actors: Actors, nodes: Cluster):
    a, b = nodes.nodes
    actors.server.add_rep("alice", "Alice", REP_PASSWORD)
    customer, rep = customer_on(actors, a), rep_on(actors, b)
    start_chat(customer, rep)
    customer.send("Hello from node A", via="enter")
    rep.send("Hello from node B", via="button")
    for side in (customer, rep):
        side.expect_messages_in_order(["Hello from node A", "Hello from node B"])


def customers_on(node: LiveServer) -> int:
    """Read a node's open customer sockets from its /metrics (straight from loopback: allowed)."""
    with urllib.request.urlopen(f"{node.url}/metrics") as response:
        text = response.read().decode()
    found = re.search(r'^relaydesk_connections\{role="customer"\} (\S+)$', text, re.MULTILINE)
    return int(float(found.group(1))) if found else 0


def test_the_customers_node_killed_both_pages_catch_up_through_nginx_and_a_later_node_joins(
    actors: Actors, nodes: Cluster
):
    customer, rep = actors.customer(), actors.rep()  # both through nginx
    start_chat(customer, rep)
    before = ["Before the crash, from the customer", "Before the crash, from the rep"]
    customer.send(before[0], via="enter")
    rep.send(before[1], via="button")
    customer.expect_messages_in_order(before)
    rep.expect_messages_in_order(before)

    victim = next(node for node in nodes.nodes if customers_on(node))
    victim.kill()
    after = "Sent as the node died"
    customer.send(after, via="enter", delivered=False)
    customer.expect_connected()
    rep.expect_connected()
    for side in (customer, rep):
        side.expect_messages_in_order([*before, after])  # each once, in order

    # A third node, started now, serves a second console of the rep: it reads the chat and writes into it.
    third = nodes.add_node()
    second = rep_on(actors, third, "second console")
    second.goto()
    second.sign_in(second.username, second.password)
    second.expect_connected()
    second.expect_messages_in_order([*before, after])
    second.send("From the third node", via="button")
    customer.expect_messages_in_order([*before, after, "From the third node"])
    rep.expect_messages_in_order([*before, after, "From the third node"])

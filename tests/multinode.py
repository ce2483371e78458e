"""Several real ``relaydesk serve`` nodes sharing one database and a throwaway Redis, behind a throwaway nginx.

The nodes share one data folder, so one folder of uploaded files and, on
SQLite, one database file (WAL works across processes) and one secret key;
with ``DATABASE_URL`` (``on_database``) they share a PostgreSQL database
instead, which also keeps the secret key.  Each writes its own log.
``Cluster.front`` is nginx (round-robin, websockets upgraded), and each node
can be reached straight, killed (``kill -9``) and started again.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests import services
from tests.liveserver import LiveServer


@dataclass
class Front:
    """nginx as a client sees it: what ``Client`` and the HTTP helpers take for a server."""

    url: str
    port: int = 0

    def __post_init__(self) -> None:
        self.port = int(self.url.rsplit(":", 1)[1])

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://", 1)


@dataclass
class Cluster:
    data: Path
    broker_url: str
    settings: dict
    nodes: list[LiveServer] = field(default_factory=list)
    front: Front | None = None

    def add_node(self, **settings) -> LiveServer:
        """Start one more node on the same database and broker, with ``settings`` of its own over the cluster's
        (one started after nginx is not behind it: it is reached straight)."""
        name = f"node{len(self.nodes)}"
        node = LiveServer(self.data, {"BROKER_URL": self.broker_url, "NODE_NAME": name, **self.settings, **settings})
        node.log = self.data / f"{name}.log"
        node.start()
        self.nodes.append(node)
        return node

    def add_rep(self, username: str, name: str, admin: bool = False) -> None:
        self.nodes[0].add_rep(username, name, admin=admin)

    def errors(self) -> list[str]:
        return [line for node in self.nodes for line in node.server_errors()]


_databases = itertools.count(1)


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """Make a new, empty database on a throwaway PostgreSQL for as long as the block runs; give its URL."""
    import psycopg

    name = f"test_{next(_databases)}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield server_url.rsplit("/", 1)[0] + "/" + name
    finally:
        _drop(server_url, name)


def _drop(server_url: str, name: str) -> None:
    """Drop a test's database; once more on a new connection if the first is cut (seen once on a machine at load
    11: the server closed it during the drop)."""
    import psycopg

    for attempt in (1, 2):
        try:
            with psycopg.connect(server_url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            return
        except psycopg.OperationalError:
            if attempt == 2:
                raise
            time.sleep(1)


def on_database(backend: str, database_url: str) -> dict:
    """The settings that put a cluster's nodes on a test's database (``tests/conftest.py``'s ``backend`` and
    ``database_url``): none for SQLite, whose file the shared data folder holds."""
    return {} if backend == "sqlite" else {"DATABASE_URL": database_url}


@contextmanager
def cluster(folder: Path, nodes: int = 2, each: list[dict] | None = None, **settings) -> Iterator[Cluster]:
    """Run ``nodes`` nodes with ``settings`` (and ``each``: one node's own, in turn) behind nginx for as long as the
    block runs; then stop them all and check their logs."""
    with ExitStack() as stack:
        broker_url = stack.enter_context(services.redis(folder / "redis"))
        data = folder / "data"
        data.mkdir(mode=0o700, parents=True)
        made = Cluster(data, broker_url, settings)
        stack.callback(lambda: [node.stop() for node in made.nodes])
        for index in range(nodes):
            made.add_node(**(each[index] if each and index < len(each) else {}))
        made.front = Front(stack.enter_context(
            services.nginx(folder / "nginx", [f"127.0.0.1:{node.port}" for node in made.nodes])))
        yield made
    assert made.errors() == [], "\n".join(node.log.read_text()[-3000:] for node in made.nodes)

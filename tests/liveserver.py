"""Run a real Relaydesk server in a subprocess, on a real port, with a real SQLite file.

Shared by the integration tests and the e2e suite.  ``kill()`` sends SIGKILL,
like a crash; ``start()`` brings the same data folder back on the same port.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import ClassVar

import pytest

from relaydesk.passwords import Passwords
from relaydesk.store import Store


class KeptHashes(Passwords):
    """Passwords hashed once per password for the whole test run, the same scrypt hash for every rep."""

    kept: ClassVar[dict[str, str]] = {}

    def hash(self, password: str) -> str:
        if password not in self.kept:
            self.kept[password] = super().hash(password)
        return self.kept[password]


READY = re.compile(r"Relaydesk is serving (http://\S+)")
ALICE = (("alice", "Alice"),)
# For a test or a benchmark that drives load, not a person: the pace limits and text quota people get are lifted.
UNPACED = {"FRAMES_PER_CONNECTION": "1000000/second", "REQUESTS_PER_ADDRESS": "1000000/second",
           "SESSION_TEXT_CHARS": 10**12}


class LiveServer:
    def __init__(self, data: Path, settings: dict | None = None) -> None:
        self.data = data
        self.settings = settings or {}  # RELAYDESK_* settings for this server
        self.port = 0
        self.url = ""
        self.process: subprocess.Popen | None = None
        self.log = data / "server.log"

    def environ(self) -> dict[str, str]:
        """The settings as ``RELAYDESK_*`` variables, as Flask's ``from_prefixed_env`` reads them back: JSON but for
        strings (``False`` must arrive false, not as the string "False")."""
        return {f"RELAYDESK_{k}": v if isinstance(v, str) else json.dumps(v) for k, v in self.settings.items()}

    def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.environ()}
        command = [sys.executable, "-m", "relaydesk", "serve", "--port", str(self.port), "--data", str(self.data)]
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            match = READY.search(line or "")
            if match:
                self.url = match.group(1)
                self.port = int(self.url.rsplit(":", 1)[1])
                return
            if self.process.poll() is not None:
                break
        raise RuntimeError(f"the server did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """End the server the hard way: no chance to flush or close anything."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process.stdout.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
                self.process.stdout.close()
            except subprocess.TimeoutExpired:
                self.kill()

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://", 1)

    def add_rep(self, username: str, name: str, password: str = "correct horse", admin: bool = False) -> None:
        """Create a rep in the server's database, as ``relaydesk rep add`` does, without a subprocess each time.

        The hash is a real one (scrypt, as the server checks it), made once per
        password for the whole run: making it is not what a test is about.
        """
        store = Store(self.settings.get("DATABASE_URL") or self.data / "relaydesk.db",
                      passwords=KeptHashes(off_hub=False))
        try:
            store.add_rep(username, name, password, admin=admin)
        finally:
            store.close()

    def command(self, *args: str, password: str | None = None) -> subprocess.CompletedProcess:
        """Run ``relaydesk ARGS --data DIR`` on this server's data folder, as an operator would, beside the server."""
        command = [sys.executable, "-m", "relaydesk", *args, "--data", str(self.data)]
        env = {**os.environ, **self.environ(),
               **({"RELAYDESK_PASSWORD": password} if password is not None else {})}
        return subprocess.run(command, check=True, capture_output=True, text=True, env=env)

    def server_errors(self) -> list[str]:
        """Return the tracebacks the server logged."""
        return [line for line in self.log.read_text().splitlines() if "Traceback" in line]


@contextmanager
def serving(data: Path, reps: tuple[tuple[str, str], ...] = (), **settings) -> Iterator[LiveServer]:
    """Run a server on a new data folder with ``settings`` and ``reps`` ((username, display name) pairs) for as
    long as the block runs; then stop it and check its log."""
    server = LiveServer(data, settings)
    server.data.mkdir(mode=0o700)
    server.start()
    try:
        for username, name in reps:
            server.add_rep(username, name)
        yield server
    finally:
        server.stop()
    assert server.server_errors() == [], server.log.read_text()[-3000:]


@pytest.fixture
def start_server(tmp_path):
    """Start live servers with the given settings; stop them, and check their logs, afterwards."""
    with ExitStack() as servers:
        folders = (tmp_path / f"data{n}" for n in itertools.count())

        def start(reps: tuple[tuple[str, str], ...] = (), **settings) -> LiveServer:
            """Start a server with ``settings``, and make ``reps`` ((username, display name) pairs) on it."""
            return servers.enter_context(serving(next(folders), reps, **settings))

        yield start


@pytest.fixture
def backend(request):
    """The database a test runs on: "sqlite", or "postgresql" where ``BOTH_BACKENDS`` asks for both."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def live_server(backend, request):
    """A live server; on PostgreSQL in a module with ``BOTH_BACKENDS`` (tests/conftest.py), a database of its own
    (made before the server starts, dropped after it stops)."""
    settings = {"DATABASE_URL": request.getfixturevalue("database_url")} if backend == "postgresql" else {}
    return request.getfixturevalue("start_server")(**settings)

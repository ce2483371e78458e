"""Run a real Relaydesk server in a subprocess, on a real port, with a real SQLite file.

Shared by the integration tests and the e2e suite.  ``kill()`` sends SIGKILL,
like a crash; ``start()`` brings the same data folder back on the same port.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

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

    def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **{f"RELAYDESK_{k}": str(v) for k, v in self.settings.items()}}
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
        """Create a rep through the real command line."""
        self.command("rep", "add", username, "--name", name, *(["--admin"] if admin else []), password=password)

    def command(self, *args: str, password: str | None = None) -> subprocess.CompletedProcess:
        """Run ``relaydesk ARGS --data DIR`` on this server's data folder, as an operator would, beside the server."""
        command = [sys.executable, "-m", "relaydesk", *args, "--data", str(self.data)]
        env = {**os.environ, **({"RELAYDESK_PASSWORD": password} if password is not None else {})}
        return subprocess.run(command, check=True, capture_output=True, text=True, env=env)

    def server_errors(self) -> list[str]:
        """Return the tracebacks the server logged."""
        return [line for line in self.log.read_text().splitlines() if "Traceback" in line]


@pytest.fixture
def start_server(tmp_path):
    """Start live servers with the given settings; stop them, and check their logs, afterwards."""
    servers = []

    def start(reps: tuple[tuple[str, str], ...] = (), **settings) -> LiveServer:
        """Start a server with ``settings``, and make ``reps`` ((username, display name) pairs) on it."""
        server = LiveServer(tmp_path / f"data{len(servers)}", settings)
        server.data.mkdir(mode=0o700)
        server.start()
        servers.append(server)
        for username, name in reps:
            server.add_rep(username, name)
        return server

    yield start
    for server in servers:
        server.stop()
        assert server.server_errors() == [], server.log.read_text()[-3000:]


@pytest.fixture
def live_server(start_server):
    return start_server()

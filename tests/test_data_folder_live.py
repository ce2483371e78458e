"""The data folder through the real command line: private to its user, and a clear word when it cannot be used."""

import os
import sqlite3
import stat
import subprocess
import sys

from tests.liveserver import LiveServer
from tests.test_files_live import upload


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def relaydesk(*args: str, timeout_s: float = 60, **settings) -> subprocess.CompletedProcess:
    """Run the command line to its end; a server that starts serves until ``timeout_s`` fails the test."""
    env = {**os.environ, "RELAYDESK_PASSWORD": "correct horse", **{f"RELAYDESK_{k}": v for k, v in settings.items()}}
    return subprocess.run([sys.executable, "-m", "relaydesk", *args], capture_output=True, text=True, env=env,
                          timeout=timeout_s)


def test_what_the_server_keeps_is_readable_by_its_user_only(chat, server, tmp_path):
    customer, alice, session_id, token = chat
    status, _, _ = upload(server, session_id, "notes.txt", b"private", {"X-Relaydesk-Token": token})
    assert status == 201
    files = server.data / "files"
    kept = ["relaydesk.db", "relaydesk.db-wal", "relaydesk.db-shm", "secret_key", *(f"files/{p.name}" for p in
                                                                                   files.iterdir())]
    assert {name: mode(server.data / name) for name in kept} == {name: 0o600 for name in kept}
    assert mode(files) == 0o700
    fresh = tmp_path / "fresh" / "data"
    assert relaydesk("rep", "add", "dora", "--name", "Dora", "--data", str(fresh)).returncode == 0
    assert (mode(fresh), mode(fresh / "relaydesk.db")) == (0o700, 0o600)


def test_a_data_folder_others_can_read_is_refused_with_the_fix(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    started = relaydesk("serve", "--port", "0", "--data", str(shared), timeout_s=30)
    assert started.returncode != 0 and "Traceback" not in started.stderr
    assert str(shared) in started.stderr and f"chmod 700 {shared}" in started.stderr
    assert "ALLOW_SHARED_DATA_DIR" in started.stderr
    added = relaydesk("rep", "add", "dora", "--name", "Dora", "--data", str(shared))
    assert added.returncode != 0 and f"chmod 700 {shared}" in added.stderr
    server = LiveServer(shared, {"ALLOW_SHARED_DATA_DIR": "true"})  # the operator's choice
    server.start()
    server.stop()
    assert server.server_errors() == []


def test_a_corrupt_database_stops_the_start_with_what_to_do(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / "relaydesk.db").write_bytes(b"this is not a database, it was overwritten" * 100)
    started = relaydesk("serve", "--port", "0", "--data", str(data), timeout_s=30)
    assert started.returncode != 0 and "Traceback" not in started.stderr
    assert str(data / "relaydesk.db") in started.stderr and "backup" in started.stderr
    added = relaydesk("rep", "add", "dora", "--name", "Dora", "--data", str(data))
    assert added.returncode != 0 and "Traceback" not in added.stderr and "backup" in added.stderr


def test_a_locked_database_stops_the_start_with_what_to_do(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    holder = sqlite3.connect(data / "relaydesk.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("CREATE TABLE held (x)")
    try:
        started = relaydesk("serve", "--port", "0", "--data", str(data), timeout_s=30)
    finally:
        holder.close()
    assert started.returncode != 0 and "Traceback" not in started.stderr
    assert str(data / "relaydesk.db") in started.stderr and "locked" in started.stderr

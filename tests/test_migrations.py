"""Numbered schema migrations: new files, files from before migrations were recorded, files from a newer Relaydesk."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from relaydesk import migrations
from relaydesk.database import Unusable
from relaydesk.migrations import STEPS, Step, latest
from relaydesk.store import Store
from tests.databases import connected, tables

SERVER = Path(__file__).resolve().parents[1] / "server"
BOTH_BACKENDS = True  # each test on SQLite and on PostgreSQL (tests/conftest.py)


def recorded(url: str) -> list[int]:
    with connected(url) as db:
        return [row[0] for row in db.execute("SELECT number FROM schema_migrations ORDER BY number").fetchall()]


def test_steps_are_numbered_one_by_one_from_one():
    assert [step.number for step in STEPS] == list(range(1, len(STEPS) + 1))


def test_a_new_file_gets_every_step_once(database_url):
    Store(database_url).close()
    Store(database_url).close()  # opening again runs nothing twice
    assert recorded(database_url) == list(range(1, latest() + 1))


def test_a_file_from_before_migrations_is_adopted_and_keeps_its_data(tmp_path):  # SQLite only: PostgreSQL came after
    path = tmp_path / "relaydesk.db"
    old_schema = STEPS[0].run
    assert isinstance(old_schema, str)
    with sqlite3.connect(path) as db:  # as the first releases made it: no record, no reps.disabled
        db.executescript(old_schema.replace(",\n    disabled INTEGER NOT NULL DEFAULT 0", ""))
        db.execute("INSERT INTO reps (username, display_name, password_hash, role, created_at) "
                   "VALUES ('alice', 'Alice Martin', 'x', 'admin', 1)")
    assert "disabled" not in {row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(reps)")}
    store = Store(path)
    try:
        assert [row["display_name"] for row in store.db.rows("SELECT display_name FROM reps")] == ["Alice Martin"]
        assert store.db.row("SELECT disabled FROM reps")["disabled"] == 0
    finally:
        store.close()
    assert recorded(str(path)) == list(range(1, latest() + 1))


def test_a_file_from_a_newer_relaydesk_is_refused_with_what_to_do(database_url, tmp_path):
    Store(database_url).close()
    with connected(database_url) as db:
        db.execute("INSERT INTO schema_migrations VALUES (?, 'from the future', 0)", (latest() + 1,))
    with pytest.raises(Unusable, match=f"schema version {latest() + 1}.*up to {latest()}"):
        Store(database_url)
    # the command line says so too, without a traceback, told where the database is as every command is
    done = subprocess.run([sys.executable, "-m", "relaydesk", "rep", "disable", "alice", "--data", str(tmp_path)],
                          capture_output=True, text=True, cwd=SERVER, timeout=60,
                          env={**os.environ, "RELAYDESK_DATABASE_URL": database_url})
    assert done.returncode != 0
    assert f"schema version {latest() + 1}" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_step_that_fails_leaves_the_file_as_it_was(database_url, monkeypatch):
    Store(database_url).close()

    def half_done(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half (x INTEGER)")
        raise sqlite3.OperationalError("the disk went away")

    monkeypatch.setattr(migrations, "STEPS", (*STEPS, Step(latest() + 1, "fails", half_done)))
    with pytest.raises(Unusable):
        Store(database_url)
    assert "half" not in tables(database_url) and "events" in tables(database_url)
    assert recorded(database_url) == list(range(1, len(STEPS) + 1))


def test_the_survey_step_asks_every_existing_portal_and_keeps_answers_one_per_session(database_url, monkeypatch):
    with connected(database_url) as db:  # a database at step 2, with a second portal
        monkeypatch.setattr(migrations, "STEPS", STEPS[:2])
        migrations.migrate(db)
        monkeypatch.undo()
        db.execute("INSERT INTO portals (path, name) VALUES ('/billing', 'Billing')")
    store = Store(database_url)
    try:
        assert [row["survey"] for row in store.db.rows("SELECT survey FROM portals ORDER BY path")] == [1, 1]
        with pytest.raises(sqlite3.IntegrityError):
            store.db.write("INSERT INTO satisfaction (session_id, rating, at) VALUES (1, 6, 0)")
    finally:
        store.close()
    assert recorded(database_url) == list(range(1, latest() + 1))

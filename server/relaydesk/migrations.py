"""Numbered schema migrations, recorded in the database itself.

Each step runs once and is recorded in ``schema_migrations`` with its
number, so a file is always at a known version.  Opening a database runs the
steps it has not had yet, all in one transaction: a step that fails leaves
the file as it was.  A database
already migrated past the last step this code knows was written by a newer
Relaydesk: it is refused with a message rather than used half-understood.

Add a step by appending to ``STEPS`` with the next number; never edit or
renumber a step that has shipped.  Step 1 is the schema as it was before
migrations were recorded: written with ``IF NOT EXISTS``, it adopts those
older files as well as making new ones.

The same steps make a PostgreSQL database (postgres.py rewrites their SQL:
``INTEGER`` as ``BIGINT``, ``id INTEGER PRIMARY KEY`` as an identity
column); a step written as code asks ``dialect(db)`` where they differ.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from .model import now_ms
from .notes import from_english


@dataclass(frozen=True)
class Step:
    number: int
    name: str
    run: str | Callable[[sqlite3.Connection], None]  # SQL statements, or code for what SQL alone cannot say


def _reps_can_be_disabled(db: sqlite3.Connection) -> None:
    """Files from before reps could be disabled lack the column that step 1's CREATE TABLE now has."""
    if dialect(db) != "sqlite":
        return  # no PostgreSQL database is older than step 1's CREATE TABLE
    if "disabled" not in {row[1] for row in db.execute("PRAGMA table_info(reps)")}:
        db.execute("ALTER TABLE reps ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0")


def _status_notes_as_codes(db: sqlite3.Connection) -> None:
    """Status notes were English sentences: read each back into its code and parameters (``notes.note``), kept
    in ``meta`` beside the sentence, so that older logs too read in each reader's language.  A sentence that is
    none of ours stays as it is, and reads as it was written."""
    rows = db.execute("SELECT session_id, seq, text, public_text, meta FROM events WHERE kind = 'status'").fetchall()
    for session_id, seq, text, public_text, meta in rows:
        kept = json.loads(meta or "{}")
        if "note" in kept:
            continue
        said = from_english(text)
        if said is None:
            continue
        kept["note"] = said
        public = from_english(public_text) if public_text else None
        if public is not None:
            kept["public_note"] = public
        db.execute("UPDATE events SET meta = ? WHERE session_id = ? AND seq = ?",
                   (json.dumps(kept), session_id, seq))


STEPS: tuple[Step, ...] = (
    Step(1, "the schema before migrations were recorded", """
CREATE TABLE IF NOT EXISTS reps (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('rep', 'admin')),
    created_at INTEGER NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS rep_sessions (  -- reps' sign-ins (signins.py)
    key_hash TEXT PRIMARY KEY,  -- SHA-256 of the id the rep's cookie carries
    rep_id INTEGER NOT NULL REFERENCES reps(id),
    created_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,  -- written at most once a minute
    user_agent TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS rep_sessions_by_rep ON rep_sessions(rep_id);
CREATE TABLE IF NOT EXISTS portals (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    greeting TEXT NOT NULL DEFAULT '',
    enabled INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    portal_id INTEGER NOT NULL REFERENCES portals(id),
    request_id TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL UNIQUE,
    customer_name TEXT NOT NULL,
    issue TEXT NOT NULL,
    details TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('waiting', 'active', 'ended')),
    owner_rep_id INTEGER REFERENCES reps(id),
    created_at INTEGER NOT NULL,
    accepted_at INTEGER,
    ended_at INTEGER,
    outcome TEXT
);
CREATE TABLE IF NOT EXISTS session_keys (
    key TEXT PRIMARY KEY,
    rep_id INTEGER NOT NULL REFERENCES reps(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    session_id INTEGER REFERENCES sessions(id)
);
CREATE TABLE IF NOT EXISTS rep_prefs (
    rep_id INTEGER PRIMARY KEY REFERENCES reps(id),
    prefs TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scripts (
    id INTEGER PRIMARY KEY,
    owner_rep_id INTEGER REFERENCES reps(id),  -- NULL: the team's shared library
    kind TEXT NOT NULL CHECK (kind IN ('message', 'url')),
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY,  -- random: also the stored file's name in the data folder
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    uploader_kind TEXT NOT NULL,
    uploader_name TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_status ON sessions(status, created_at);
CREATE TABLE IF NOT EXISTS participants (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    rep_id INTEGER NOT NULL REFERENCES reps(id),
    role TEXT NOT NULL DEFAULT 'owner' CHECK (role IN ('owner', 'invited', 'monitor')),
    hidden INTEGER NOT NULL DEFAULT 0,
    joined_at INTEGER NOT NULL,
    left_at INTEGER,  -- NULL while present
    PRIMARY KEY (session_id, rep_id)
);
CREATE TABLE IF NOT EXISTS invites (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    rep_id INTEGER NOT NULL REFERENCES reps(id),
    invited_by INTEGER NOT NULL REFERENCES reps(id),
    hidden INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, rep_id)
);
CREATE TABLE IF NOT EXISTS screen_consents (
    session_id INTEGER PRIMARY KEY REFERENCES sessions(id)  -- its customer allowed sharing and has not stopped since
);
CREATE TABLE IF NOT EXISTS events (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    seq INTEGER NOT NULL,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    audience TEXT NOT NULL,
    author_kind TEXT NOT NULL,
    author_id INTEGER,
    author_name TEXT NOT NULL,
    text TEXT NOT NULL,
    public_text TEXT,  -- what the customer reads instead, where it differs
    meta TEXT NOT NULL DEFAULT '{}',  -- rep-only extras, e.g. who a private message is for
    at INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq),
    UNIQUE (session_id, id)
);
INSERT OR IGNORE INTO portals (path, name, greeting) VALUES ('/', 'Support', '');
"""),
    Step(2, "reps can be disabled, in files from before that", _reps_can_be_disabled),
    Step(3, "the satisfaction survey: the customer's answer after the end, and whether a portal asks it", """
CREATE TABLE satisfaction (
    session_id INTEGER PRIMARY KEY REFERENCES sessions(id),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL
);
ALTER TABLE portals ADD COLUMN survey INTEGER NOT NULL DEFAULT 1;
"""),
    Step(4, "reports read sessions by their start, and a rep's sessions", """
CREATE INDEX IF NOT EXISTS sessions_by_start ON sessions(created_at);
CREATE INDEX IF NOT EXISTS participants_by_rep ON participants(rep_id, session_id);
"""),
    Step(5, "a portal may force its language", "ALTER TABLE portals ADD COLUMN language TEXT NOT NULL DEFAULT '';"),
    Step(6, "status notes as codes, each reader's language", _status_notes_as_codes),
    Step(7, "a scripted message may have a language",
         "ALTER TABLE scripts ADD COLUMN language TEXT NOT NULL DEFAULT '';"),
    Step(8, "reps' availability for routing, the admins' audit log, webhook deliveries (roster.py)", """
ALTER TABLE reps ADD COLUMN availability TEXT NOT NULL DEFAULT 'available';
ALTER TABLE reps ADD COLUMN last_assigned_at INTEGER;  -- when routing last gave them a customer: ties go to the oldest
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_id INTEGER REFERENCES reps(id),
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT ''
);
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,  -- when the next attempt is due (pending ones)
    created_at INTEGER NOT NULL,
    done_at INTEGER,
    url TEXT NOT NULL DEFAULT '',  -- where the last attempt went
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_due ON webhook_deliveries(status, next_at);
"""),
)

_RECORD = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    number INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
)
"""


MIGRATING_LOCK = 0x52454C4159  # PostgreSQL: the advisory lock two nodes starting at once migrate under, in turn


def dialect(db: sqlite3.Connection) -> str:
    """"sqlite", or "postgresql" for a ``postgres.PgConnection`` (which takes the same SQL, rewritten)."""
    return getattr(db, "dialect", "sqlite")


class SchemaTooNew(Exception):
    """The database was migrated by a newer Relaydesk than this one."""


def latest() -> int:
    return STEPS[-1].number


def applied(db: sqlite3.Connection) -> int:
    """The number of the last step this database has had (0 for a new file)."""
    db.execute(_RECORD)
    row = db.execute("SELECT max(number) FROM schema_migrations").fetchone()
    return row[0] or 0


def migrate(db: sqlite3.Connection) -> list[int]:
    """Run on ``db`` (a connection in autocommit mode) every step it has not had; return their numbers.

    Raise ``SchemaTooNew`` if the database knows a step this code does not.
    """
    db.execute("BEGIN IMMEDIATE")  # two processes opening one new file: the second waits, then finds it done
    try:
        if dialect(db) == "postgresql":  # two nodes starting at once: the same, under an advisory lock
            db.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATING_LOCK,))
        done = applied(db)
        if done > latest():
            raise SchemaTooNew(
                f"This database is at schema version {done}, but this Relaydesk knows versions up to {latest()} "
                "only: a newer Relaydesk has upgraded it. Run that newer version (or point this one at another "
                "database); a downgraded Relaydesk must not write to a schema it does not know.")
        ran = []
        for step in STEPS:
            if step.number <= done:
                continue
            if callable(step.run):
                step.run(db)
            else:
                for statement in _statements(step.run):
                    db.execute(statement)
            db.execute("INSERT INTO schema_migrations (number, name, applied_at) VALUES (?, ?, ?)",
                       (step.number, step.name, now_ms()))
            ran.append(step.number)
        db.execute("COMMIT")
        return ran
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _statements(sql: str) -> list[str]:
    """Split a step's SQL into statements (``executescript`` would commit the open transaction first)."""
    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        raise ValueError(f"an incomplete SQL statement in a migration: {current.strip()[:60]}")
    return statements

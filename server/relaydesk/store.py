"""Keep reps, portals, sessions and chat logs in SQLite.

One connection in WAL mode, serialised by a lock: SQLite takes one writer at a
time anyway, and a commit returns only once the event is on disk, so an event
the relay has acknowledged survives the process being killed.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

SCHEMA = """
CREATE TABLE IF NOT EXISTS reps (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('rep', 'admin')),
    created_at INTEGER NOT NULL
);
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
    accepted_at INTEGER
);
CREATE INDEX IF NOT EXISTS sessions_by_status ON sessions(status, created_at);
CREATE TABLE IF NOT EXISTS participants (
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    rep_id INTEGER NOT NULL REFERENCES reps(id),
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, rep_id)
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
    at INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq),
    UNIQUE (session_id, id)
);
"""


def now_ms() -> int:
    """Return the wall-clock time in milliseconds since the epoch."""
    return int(time.time() * 1000)


def hash_token(token: str) -> str:
    """Return the digest under which a customer token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Rep:
    id: int
    username: str
    display_name: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Session:
    id: int
    portal_path: str
    portal_name: str
    customer_name: str
    issue: str
    details: dict
    status: str
    owner_rep_id: int | None
    created_at: int
    accepted_at: int | None


@dataclass(frozen=True)
class Event:
    session_id: int
    seq: int
    id: str
    kind: str
    audience: str
    author_kind: str
    author_id: int | None
    author_name: str
    text: str
    at: int


class Store:
    """Read and write everything Relaydesk keeps, through one SQLite file."""

    def __init__(self, path: str | Path, synchronous: str = "FULL") -> None:
        self.path = str(path)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={synchronous}")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
            self._db.execute(
                "INSERT OR IGNORE INTO portals (path, name, greeting) VALUES ('/', 'Support', '')"
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _write(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, params)

    def _one(self, sql: str, params: tuple = ()) -> sqlite3.Row | None:
        with self._lock:
            return self._db.execute(sql, params).fetchone()

    def _all(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # --- reps -------------------------------------------------------------

    def add_rep(self, username: str, display_name: str, password: str, admin: bool = False) -> Rep:
        """Create a rep; raise ``ValueError`` with a readable reason on bad input."""
        username, display_name = username.strip(), display_name.strip()
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,40}", username):
            raise ValueError("A username is 1 to 40 letters, digits, '.', '-' or '_'.")
        if not display_name or len(display_name) > 80:
            raise ValueError("A display name is 1 to 80 characters.")
        if len(password) < 8:
            raise ValueError("A password needs at least 8 characters.")
        try:
            cur = self._write(
                "INSERT INTO reps (username, display_name, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)",
                (username, display_name, generate_password_hash(password), "admin" if admin else "rep", now_ms()),
            )
        except sqlite3.IntegrityError:
            raise ValueError(f"The username {username!r} is taken.") from None
        return Rep(cur.lastrowid, username, display_name, "admin" if admin else "rep")

    def authenticate(self, username: str, password: str) -> Rep | None:
        """Return the rep whose username and password these are, else None."""
        row = self._one("SELECT * FROM reps WHERE username = ?", (username.strip(),))
        if row is None or not check_password_hash(row["password_hash"], password):
            return None
        return self._rep(row)

    def get_rep(self, rep_id: int) -> Rep | None:
        row = self._one("SELECT * FROM reps WHERE id = ?", (rep_id,))
        return self._rep(row) if row else None

    @staticmethod
    def _rep(row: sqlite3.Row) -> Rep:
        return Rep(row["id"], row["username"], row["display_name"], row["role"])

    # --- portals ----------------------------------------------------------

    def portal(self, path: str) -> sqlite3.Row | None:
        """Return the enabled portal at ``path``, else None."""
        return self._one("SELECT * FROM portals WHERE path = ? AND enabled = 1", (path,))

    # --- sessions ---------------------------------------------------------

    def create_session(
        self, request_id: str, token: str, portal_path: str, name: str, issue: str, details: dict
    ) -> Session:
        """Open a waiting session bound to the customer's ``token``.

        A request id seen before returns the session it made, provided the
        token matches: a resend after a lost reply must not open a second one.
        """
        with self._lock:
            known = self._one("SELECT id, token_hash FROM sessions WHERE request_id = ?", (request_id,))
            if known:
                if not secrets.compare_digest(known["token_hash"], hash_token(token)):
                    raise PermissionError("This request was already made from another page.")
                return self.get_session(known["id"])
            portal = self.portal(portal_path)
            if portal is None:
                raise LookupError("This help page does not exist.")
            try:
                cur = self._write(
                    "INSERT INTO sessions (portal_id, request_id, token_hash, customer_name, issue, details,"
                    " status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'waiting', ?)",
                    (portal["id"], request_id, hash_token(token), name, issue, json.dumps(details), now_ms()),
                )
            except sqlite3.IntegrityError:
                raise PermissionError("This page already holds another support session.") from None
            return self.get_session(cur.lastrowid)

    def session_for_token(self, token: str) -> Session | None:
        row = self._one("SELECT id FROM sessions WHERE token_hash = ?", (hash_token(token),))
        return self.get_session(row["id"]) if row else None

    def get_session(self, session_id: int) -> Session | None:
        row = self._one(
            "SELECT s.*, p.path AS portal_path, p.name AS portal_name FROM sessions s"
            " JOIN portals p ON p.id = s.portal_id WHERE s.id = ?",
            (session_id,),
        )
        if row is None:
            return None
        return Session(
            row["id"], row["portal_path"], row["portal_name"], row["customer_name"], row["issue"],
            json.loads(row["details"]), row["status"], row["owner_rep_id"], row["created_at"], row["accepted_at"],
        )

    def waiting_sessions(self) -> list[Session]:
        """Return the queue, oldest first."""
        rows = self._all("SELECT id FROM sessions WHERE status = 'waiting' ORDER BY created_at, id")
        return [self.get_session(row["id"]) for row in rows]

    def accept(self, session_id: int, rep: Rep) -> bool:
        """Give a waiting session to ``rep``; False if someone else got it first."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cur = self._db.execute(
                    "UPDATE sessions SET status = 'active', owner_rep_id = ?, accepted_at = ?"
                    " WHERE id = ? AND status = 'waiting'",
                    (rep.id, now_ms(), session_id),
                )
                if cur.rowcount == 1:
                    self._db.execute(
                        "INSERT OR IGNORE INTO participants (session_id, rep_id, joined_at) VALUES (?, ?, ?)",
                        (session_id, rep.id, now_ms()),
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return cur.rowcount == 1

    def is_participant(self, session_id: int, rep_id: int) -> bool:
        return self._one(
            "SELECT 1 FROM participants WHERE session_id = ? AND rep_id = ?", (session_id, rep_id)
        ) is not None

    def rep_sessions(self, rep_id: int) -> list[Session]:
        """Return the active sessions ``rep_id`` takes part in, oldest first."""
        rows = self._all(
            "SELECT s.id FROM sessions s JOIN participants p ON p.session_id = s.id"
            " WHERE p.rep_id = ? AND s.status = 'active' ORDER BY s.accepted_at, s.id",
            (rep_id,),
        )
        return [self.get_session(row["id"]) for row in rows]

    def participant_ids(self, session_id: int) -> list[int]:
        rows = self._all("SELECT rep_id FROM participants WHERE session_id = ?", (session_id,))
        return [row["rep_id"] for row in rows]

    # --- events -----------------------------------------------------------

    def append_event(
        self,
        session_id: int,
        event_id: str,
        kind: str,
        text: str,
        author_kind: str,
        author_name: str,
        author_id: int | None = None,
        audience: str = "all",
    ) -> tuple[Event, bool]:
        """Store an event under the session's next sequence number.

        Return the event and whether it is new; an id already stored for the
        session returns the stored event, so a resend is not kept twice.
        """
        with self._lock:
            known = self._one("SELECT * FROM events WHERE session_id = ? AND id = ?", (session_id, event_id))
            if known:
                return self._event(known), False
            self._db.execute("BEGIN IMMEDIATE")
            try:
                seq = self._db.execute(
                    "SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE session_id = ?", (session_id,)
                ).fetchone()[0]
                at = now_ms()
                self._db.execute(
                    "INSERT INTO events (session_id, seq, id, kind, audience, author_kind, author_id,"
                    " author_name, text, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (session_id, seq, event_id, kind, audience, author_kind, author_id, author_name, text, at),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            return Event(session_id, seq, event_id, kind, audience, author_kind, author_id, author_name, text, at), True

    def events_since(self, session_id: int, seq: int, audiences: tuple[str, ...]) -> list[Event]:
        """Return the events after ``seq`` that one of ``audiences`` may see, in order."""
        marks = ",".join("?" * len(audiences))
        rows = self._all(
            f"SELECT * FROM events WHERE session_id = ? AND seq > ? AND audience IN ({marks}) ORDER BY seq",
            (session_id, seq, *audiences),
        )
        return [self._event(row) for row in rows]

    @staticmethod
    def _event(row: sqlite3.Row) -> Event:
        return Event(
            row["session_id"], row["seq"], row["id"], row["kind"], row["audience"], row["author_kind"],
            row["author_id"], row["author_name"], row["text"], row["at"],
        )

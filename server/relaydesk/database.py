"""One SQLite connection in WAL mode, serialised by a lock, shared by ``Directory`` and ``Store``.

SQLite takes one writer at a time anyway, and a commit returns only once the
event is on disk, so an event the relay has acknowledged survives the process
being killed.  The file holds the reps' password hashes: it is made readable
by its user only, and SQLite gives its -wal and -shm files the same mode.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class StorageError(Exception):
    """The database cannot take a write now (a full disk, an I/O error); the message says so for a person."""


# SQLite's answers that mean "not now", as opposed to a bug in our SQL.
_NOT_NOW = {
    sqlite3.SQLITE_FULL: "The server's disk is full, so nothing new can be kept right now. Try again in a moment.",
    sqlite3.SQLITE_IOERR: "The server could not write to its disk. Try again in a moment.",
    sqlite3.SQLITE_BUSY: "The server's database is busy. Try again in a moment.",
    sqlite3.SQLITE_LOCKED: "The server's database is busy. Try again in a moment.",
}


@contextmanager
def _storage_errors() -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as exc:
        reason = _NOT_NOW.get(getattr(exc, "sqlite_errorcode", 0) & 0xFF)
        if reason is None:
            raise
        raise StorageError(reason) from exc


class Unusable(Exception):
    """The database cannot be opened as it starts; the message says which file, why, and what to do."""


class Database:
    def __init__(self, path: str | Path, synchronous: str, schema: str) -> None:
        self.path = str(path)
        self.lock = threading.RLock()  # held across several statements that must see one state
        try:
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            with self.lock:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute(f"PRAGMA synchronous={synchronous}")
                self._db.execute("PRAGMA foreign_keys=ON")
                self._db.executescript(schema)
        except (OSError, sqlite3.DatabaseError) as exc:
            raise Unusable(why_unusable(self.path, exc)) from None

    def close(self) -> None:
        with self.lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block as one write transaction, taken at once (no upgrade deadlocks)."""
        with self.lock, _storage_errors():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # a COMMIT that failed (a full disk) leaves it open
                    self._db.execute("ROLLBACK")
                raise

    def write(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        with self.lock, _storage_errors():
            return self._db.execute(sql, params)

    def row(self, sql: str, params: tuple = ()) -> sqlite3.Row | None:
        with self.lock:
            return self._db.execute(sql, params).fetchone()

    def rows(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self._db.execute(sql, params).fetchall()


def why_unusable(path: str, exc: Exception) -> str:
    """Say, in one paragraph, why the database at ``path`` cannot be used and what to do about it."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return (f"Relaydesk cannot use its database {path}: another program holds it locked, most likely another "
                "Relaydesk serving the same data folder. Stop that one (or give this one another folder with "
                "--data), then start again.")
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return (f"Relaydesk cannot read its database {path}: {exc}. The file is damaged, or is not a Relaydesk "
                "database. Move it aside (with any -wal and -shm files beside it), then restore it from a backup, "
                f"or start with a new empty database; 'sqlite3 {path} .recover' may save what is left of it.")
    return (f"Relaydesk cannot open its database {path}: {exc}. Check that the data folder exists, that it and the "
            "file belong to the user running Relaydesk, and that the disk is not full.")


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """Return the id of the row an INSERT just made."""
    if cursor.lastrowid is None:
        raise LookupError("the statement inserted no row")
    return cursor.lastrowid

"""The SQLite file in WAL mode, shared by ``Directory`` and ``Store``: one connection writes, one reads.

SQLite takes one writer at a time anyway, and a commit returns only once the
event is on disk, so an event the relay has acknowledged survives the process
being killed.  The file holds the reps' password hashes: it is made readable
by its user only, and SQLite gives its -wal and -shm files the same mode.

Under gevent one thread, the hub's, serves every socket, and SQLite waits
for a lock another program holds (up to 5 s) by sleeping in the thread that
asked.  So whatever may wait runs on a real OS thread (``Database.run``):
every write, and the BEGIN and COMMIT around a transaction (the statements
between them, holding the write lock, never wait).  Reads stay on the
caller's thread, where they cost no thread switch: in WAL mode a reader does
not wait for writers, and the reading connection is told never to wait, so
the rare read that meets a lock is run again off the hub.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import gevent
from gevent import monkey
from gevent.event import AsyncResult

from .migrations import SchemaTooNew

Result = TypeVar("Result")
BUSY_WAIT_S = 5.0  # how long a write waits for a lock another program holds, off the hub, before it is refused


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


def is_busy(exc: BaseException) -> bool:
    """Tell whether an error means another connection holds the lock (waiting again would wait as long)."""
    cause = exc.__cause__ if isinstance(exc, StorageError) else exc
    return getattr(cause, "sqlite_errorcode", 0) & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


@contextmanager
def write_transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run a block as one write transaction on ``db``, taken at once (no upgrade deadlocks); errors that mean
    "not now" come out as ``StorageError``.  Call it where waiting is allowed: off the hub."""
    with _storage_errors():
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # a COMMIT that failed (a full disk) leaves it open
                db.execute("ROLLBACK")
            raise


class NativeThread:
    """One real OS thread that runs the database's work in order; the greenlet that asked waits, the hub runs on.

    Results come back through one async watcher on the hub's loop: no watcher, and no thread, per call.
    """

    def __init__(self) -> None:
        self._jobs = monkey.get_original("queue", "SimpleQueue")()  # a real blocking queue, not gevent's
        self._done: deque[tuple[AsyncResult, bool, object]] = deque()
        self._wake = gevent.get_hub().loop.async_()
        self._wake.start(self._deliver)
        monkey.get_original("_thread", "start_new_thread")(self._serve, ())

    def apply(self, work: Callable[[], Result]) -> Result:
        result: AsyncResult = AsyncResult()
        self._jobs.put((work, result))
        return result.get()

    def _serve(self) -> None:
        while True:
            work, result = self._jobs.get()
            try:
                self._done.append((result, True, work()))
            except BaseException as exc:  # handed to the greenlet that asked, which raises it
                self._done.append((result, False, exc))
            self._wake.send()

    def _deliver(self) -> None:
        while self._done:
            result, ok, value = self._done.popleft()
            if ok:
                result.set(value)
            else:
                result.set_exception(value)


class HubThreadpool:
    """gevent's own threadpool (shared with password hashing): a thread, and an async watcher, per call."""

    def apply(self, work: Callable[[], Result]) -> Result:
        return gevent.get_hub().threadpool.apply(work)


WORKERS: dict[str, type[NativeThread | HubThreadpool]] = {"thread": NativeThread, "pool": HubThreadpool}


class Unusable(Exception):
    """The database cannot be opened as it starts; the message says which file, why, and what to do."""


class Database:
    """The SQLite file (``postgres.PgDatabase`` is the same API over PostgreSQL: ``open_database``).

    ``worker`` names what runs the work that may wait, under gevent: "thread" (a thread of its own) or
    "pool" (gevent's threadpool, shared with password hashing: kept to measure, see bench/commits.py).
    ``prepare(connection)`` brings the file's schema up to date as it opens (``migrations.migrate``)."""

    def __init__(self, path: str | Path, synchronous: str, prepare: Callable[[sqlite3.Connection], object],
                 worker: str = "thread") -> None:
        self.path = self.url = str(path)
        self.lock = threading.RLock()  # writers: held across several statements that must see one state
        # Counts this process's writes but for events (group commit's): what is read from rows only those change
        # may be kept while it stays the same (``Store.get_session``, ``Store.participants``).
        self.changes = 0
        self._read_lock = threading.RLock()
        self._make_worker = WORKERS[worker]
        self._worker: NativeThread | HubThreadpool | None = None
        try:
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
            self.writer = self._connect(BUSY_WAIT_S)  # used by one thread at a time, under ``lock``
            with self.lock:
                self.writer.execute("PRAGMA journal_mode=WAL")
                self.writer.execute(f"PRAGMA synchronous={synchronous}")
                prepare(self.writer)
            self._reader = self._connect(0)  # never waits: see ``_read``
        except SchemaTooNew as exc:
            raise Unusable(str(exc)) from None
        except (OSError, sqlite3.DatabaseError) as exc:
            raise Unusable(why_unusable(self.path, exc)) from None

    dialect = "sqlite"

    def _connect(self, busy_wait_s: float) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=busy_wait_s, check_same_thread=False, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys=ON")
        return db

    def close(self) -> None:
        with self.lock:
            self.writer.close()
            self._reader.close()

    def run(self, work: Callable[[], Result]) -> Result:
        """Run ``work`` where it may wait: on a real OS thread under gevent, so only the calling greenlet waits;
        in place otherwise (the command line, tests without gevent)."""
        if not monkey.is_module_patched("threading"):
            return work()
        if self._worker is None:
            self._worker = self._make_worker()
        worker: NativeThread | HubThreadpool = self._worker
        return worker.apply(work)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block as one write transaction, taken at once (no upgrade deadlocks).

        Taking the lock and committing run off the hub; the block's statements, with the lock held, do not wait.
        """
        with self.lock, _storage_errors():
            self.run(lambda: self.writer.execute("BEGIN IMMEDIATE"))
            try:
                yield self.writer
                self.run(lambda: self.writer.execute("COMMIT"))
            except BaseException:
                if self.writer.in_transaction:  # a COMMIT that failed (a full disk) leaves it open
                    self.writer.execute("ROLLBACK")
                raise
            finally:
                self.changes += 1

    def write(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        with self.lock, _storage_errors():
            try:
                return self.run(lambda: self.writer.execute(sql, params))
            finally:
                self.changes += 1

    def row(self, sql: str, params: tuple = ()) -> sqlite3.Row | None:
        return self._read(lambda db: db.execute(sql, params).fetchone())

    def rows(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        return self._read(lambda db: db.execute(sql, params).fetchall())

    def _read(self, query: Callable[[sqlite3.Connection], Result]) -> Result:
        """Read on the caller's thread; a read that meets a lock runs again, off the hub, where it may wait."""
        try:
            with self._read_lock:
                return query(self._reader)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise

        def read_waiting() -> Result:
            db = self._connect(BUSY_WAIT_S)
            try:
                return query(db)
            finally:
                db.close()

        with _storage_errors():
            return self.run(read_waiting)


    def detached_read(self, work: Callable[[sqlite3.Connection], Result]) -> Result:
        """Run a long read (a year's report) on a read-only connection of its own, off the hub under gevent: on a
        real thread, which the hub takes the GIL back from every few milliseconds, so the sockets are served
        meanwhile, and the writer is not held up.  ``work`` must not touch the store (its locks are the hub's)."""

        def run() -> Result:
            db = sqlite3.connect(f"file:{quote(self.path)}?mode=ro", uri=True, timeout=5)
            try:
                return work(db)
            finally:
                db.close()

        if monkey.is_module_patched("threading"):
            return gevent.get_hub().threadpool.apply(run)
        return run()


def open_database(url: str | Path, synchronous: str, prepare: Callable[[sqlite3.Connection], object],
                  worker: str = "thread") -> Database:
    """The database ``url`` names: ``postgresql://…`` (several nodes may share it), else an SQLite file's path
    (``sqlite:///path`` too).  psycopg is imported only here, once gevent has patched (see postgres.py)."""
    url = str(url)
    if url.startswith(("postgresql://", "postgres://")):
        from .postgres import PgDatabase

        return PgDatabase(url, prepare)
    return Database(url.removeprefix("sqlite://"), synchronous, prepare, worker=worker)


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

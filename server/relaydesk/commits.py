"""Group commit: the events that arrive while a commit is on its way are stored together, in the next one.

Each event must be on disk (``synchronous=FULL``) before the relay acks it,
and an fsync costs the same for one event as for a hundred.  So events from
every session queue up here; one greenlet (``_commit_all``) takes all those
waiting, stores them in one transaction on a real OS thread, and wakes each
sender with its own answer.  Those that came meanwhile go in the next
transaction, and so on: under load one fsync acknowledges many events, and
the hub, free during the commit, keeps fanning out other sessions' events.

Within a batch the events are stored in the order they came, each under its
session's next sequence number, an id already stored answering with the
stored event (a resend).  If the batch fails, each of its events is stored
again in a transaction of its own, so each gets the answer it would have got
alone (a full disk refuses some and not others) -- except when another
program holds the lock: all of them have waited for it already.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import partial

import gevent
from gevent import monkey
from gevent.event import Event as Signal

from .database import Database, is_busy, write_transaction
from .model import Event, now_ms

log = logging.getLogger(__name__)

Outcome = tuple[Event, bool] | BaseException
# Events answered under one ``answering()`` (their frames go out together as it ends): enough to join most of a
# connection's frames into one write, few enough that the first is not held long (~40 µs an event).
ANSWER_AT_ONCE = 64
INSERT_ROWS = 500  # rows in one INSERT: 12 values each, well under SQLite's 32,766 variables


@dataclass
class Append:
    """One event to store, as ``Store.append_event`` takes it."""

    session_id: int
    event_id: str
    kind: str
    text: str
    author_kind: str
    author_name: str
    author_id: int | None
    audience: str
    public_text: str | None
    meta: dict
    outcome: Outcome | None = None
    done: Signal | None = None  # ``append``'s: set once it is on disk (``append_then`` needs none)
    then: Callable[[Outcome], None] | None = None  # ``append_then``'s: called with the outcome, instead of ``done``

    def answer(self) -> tuple[Event, bool]:
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        assert self.outcome is not None
        return self.outcome


class GroupCommit:
    """``enabled=False`` stores each event in its own transaction, on the hub, as before: only to measure."""

    def __init__(self, db: Database, enabled: bool = True) -> None:
        self.db = db
        self.enabled = enabled
        self._waiting: list[Append] = []
        self._wake = Signal()
        self._committer: gevent.Greenlet | None = None
        self.on_batch: Callable[[int], object] = lambda size: None  # told each batch's size (for metrics)
        # Around the answers to each batch: the relay holds their frames there, one write per connection a batch.
        self.answering: Callable[[], AbstractContextManager[object]] = nullcontext

    def append(self, event: Append) -> tuple[Event, bool]:
        """Store one event; return it, and whether it is new, once it is on disk. Only the caller waits."""
        if not (self.enabled and monkey.is_module_patched("threading")):
            with self.db.lock:
                event.outcome = store_events(self.db.writer, [event])[0]
            return event.answer()
        event.done = Signal()
        self._queue(event)
        event.done.wait()
        return event.answer()

    def append_then(self, event: Append, then: Callable[[Outcome], None]) -> None:
        """Store one event, and call ``then`` with its outcome once it is on disk; the caller does not wait.

        ``then`` runs on the committing greenlet, in the order the events came
        (so in each session's order), each batch's before the next commit: it
        must not wait.
        """
        if not (self.enabled and monkey.is_module_patched("threading")):
            with self.db.lock:  # in place: nothing to overlap with
                outcome = store_events(self.db.writer, [event])[0]
            then(outcome)
            return
        event.then = then
        self._queue(event)

    def _queue(self, event: Append) -> None:
        self._waiting.append(event)
        if self._committer is None:
            self._committer = gevent.spawn(self._commit_all)
        self._wake.set()

    def _commit_all(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            while self._waiting:
                batch, self._waiting = self._waiting, []
                self.on_batch(len(batch))
                try:
                    with self.db.lock:  # no transaction() of another greenlet is open on the writer
                        outcomes = self.db.run(partial(store_events, self.db.writer, batch))
                except Exception as exc:  # noqa: BLE001 -- each sender gets it, as it would alone
                    outcomes = [exc] * len(batch)
                for start in range(0, len(batch), ANSWER_AT_ONCE):
                    with self.answering():
                        self._answer(batch[start:start + ANSWER_AT_ONCE], outcomes[start:start + ANSWER_AT_ONCE])

    @staticmethod
    def _answer(batch: list[Append], outcomes: list[Outcome]) -> None:
        for event, outcome in zip(batch, outcomes, strict=True):
            event.outcome = outcome
            if event.then is None:
                if event.done is not None:
                    event.done.set()
                continue
            try:
                event.then(outcome)
            except Exception:  # a bug costs one event's answer, not the commits of every other
                log.exception("answering a stored event failed")


def store_events(db: sqlite3.Connection, batch: list[Append]) -> list[Outcome]:
    """Store a batch in one transaction; off the hub, where the wait for a lock and the fsync are allowed."""
    try:
        with write_transaction(db):
            outcomes: list[Outcome] = list(_store(db, batch))
        return outcomes
    except Exception as exc:  # noqa: BLE001 -- handed to the sender, who raises it
        if len(batch) == 1 or is_busy(exc):
            return [exc] * len(batch)
    return [store_events(db, [event])[0] for event in batch]


def _store(db: sqlite3.Connection, batch: list[Append]) -> list[tuple[Event, bool]]:
    """Store a batch in a few statements, whatever its size.

    Each statement lets go of the GIL and must take it back from the hub,
    which may keep it for a switch interval (5 ms) when busy: so not three
    statements an event, but one lookup of the ids already stored, one of
    each session's last number, and one INSERT.
    """
    pairs = [(event.session_id, event.event_id) for event in batch]
    sessions = sorted({event.session_id for event in batch})
    if getattr(db, "dialect", "sqlite") == "postgresql":
        stored, last = _known_postgres(db, pairs, sessions)
    else:
        stored, last = _known(db, pairs, sessions)
    at = now_ms()
    outcomes: list[tuple[Event, bool]] = []
    rows: list[tuple] = []
    for event in batch:
        known = stored.get((event.session_id, event.event_id))
        if known:
            outcomes.append((known, False))
            continue
        seq = last[event.session_id] = last.get(event.session_id, 0) + 1
        made = Event(event.session_id, seq, event.event_id, event.kind, event.audience, event.author_kind,
                     event.author_id, event.author_name, event.text, at, event.public_text, event.meta)
        stored[(event.session_id, event.event_id)] = made  # the same id twice in a batch: stored once
        outcomes.append((made, True))
        meta = json.dumps(event.meta) if event.meta else "{}"  # most events have none: no call for them
        rows.append((event.session_id, seq, event.event_id, event.kind, event.audience, event.author_kind,
                     event.author_id, event.author_name, event.text, event.public_text, meta, at))
    for start in range(0, len(rows), INSERT_ROWS):
        chunk = rows[start:start + INSERT_ROWS]
        values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
        db.execute("INSERT INTO events (session_id, seq, id, kind, audience, author_kind, author_id, author_name,"
                   " text, public_text, meta, at) VALUES " + values, [value for row in chunk for value in row])
    return outcomes


def _known(db: sqlite3.Connection, pairs: list[tuple[int, str]],
           sessions: list[int]) -> tuple[dict[tuple[int, str], Event], dict[int, int]]:
    """The events of ``pairs`` (session, id) already stored, and each session's last number."""
    stored = {(row["session_id"], row["id"]): event_from_row(row) for row in db.execute(  # by index, no scan
        "SELECT e.* FROM (VALUES " + ", ".join(["(?, ?)"] * len(pairs)) + ") AS v"
        " JOIN events e ON e.session_id = v.column1 AND e.id = v.column2",
        [value for pair in pairs for value in pair]).fetchall()}
    (last_json,) = db.execute(  # one seek to each session's last number
        "SELECT json_group_object(v.column1, (SELECT MAX(seq) FROM events WHERE session_id = v.column1))"
        " FROM (VALUES " + ", ".join(["(?)"] * len(sessions)) + ") AS v", sessions).fetchone()
    last = {int(session): seq or 0 for session, seq in json.loads(last_json).items()}
    return stored, last


def _known_postgres(db: sqlite3.Connection, pairs: list[tuple[int, str]],
                    sessions: list[int]) -> tuple[dict[tuple[int, str], Event], dict[int, int]]:
    """``_known`` on PostgreSQL, where other nodes may write the same sessions at once: their rows are locked
    first (in order: no deadlock between two nodes' batches), so each session's next number is this batch's
    until it commits; what another node stored meanwhile is seen (READ COMMITTED reads after the lock)."""
    db.execute("SELECT id FROM sessions WHERE id = ANY(?) ORDER BY id FOR NO KEY UPDATE", (sessions,))
    stored = {(row["session_id"], row["id"]): event_from_row(row) for row in db.execute(
        "SELECT e.* FROM unnest(?::bigint[], ?::text[]) AS v(session_id, id)"
        " JOIN events e ON e.session_id = v.session_id AND e.id = v.id",
        ([pair[0] for pair in pairs], [pair[1] for pair in pairs])).fetchall()}
    last = {row[0]: row[1] or 0 for row in db.execute(
        "SELECT v.s, (SELECT MAX(seq) FROM events WHERE session_id = v.s) FROM unnest(?::bigint[]) AS v(s)",
        (sessions,)).fetchall()}
    return stored, last


def event_from_row(row: sqlite3.Row) -> Event:
    return Event(
        row["session_id"], row["seq"], row["id"], row["kind"], row["audience"], row["author_kind"],
        row["author_id"], row["author_name"], row["text"], row["at"], row["public_text"], json.loads(row["meta"]),
    )

"""Sessions written straight into a database, as the relay would have left them: for the reports' tests, their
e2e page and their benchmark (``bench/reports.py``)."""

from __future__ import annotations

import itertools
import secrets
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

_numbers = itertools.count(1)


@dataclass(frozen=True)
class Seeded:
    """One session as it ended up: times in ms since the epoch; ``reps`` (rep id, role) in the order they joined."""

    created_at: int
    accepted_at: int | None = None
    ended_at: int | None = None
    outcome: str | None = None
    rating: int | None = None
    reps: tuple[tuple[int, str], ...] = ()
    customer: str = "Carol"
    portal_id: int = 1

    @property
    def status(self) -> str:
        return "ended" if self.ended_at is not None else "active" if self.accepted_at is not None else "waiting"


def write(db: sqlite3.Connection, sessions: Iterable[Seeded]) -> list[int]:
    """Insert ``sessions`` (in one transaction); return their ids."""
    ids = []
    with db:
        for seeded in sessions:
            owner = next((rep for rep, role in seeded.reps if role == "owner"), None)
            cursor = db.execute(
                "INSERT INTO sessions (portal_id, request_id, token_hash, customer_name, issue, details, status,"
                " owner_rep_id, created_at, accepted_at, ended_at, outcome) VALUES (?, ?, ?, ?, '', '{}', ?, ?, ?, ?,"
                " ?, ?)",
                (seeded.portal_id, f"seeded-{next(_numbers)}-{secrets.token_hex(4)}", secrets.token_hex(16),
                 seeded.customer, seeded.status, owner, seeded.created_at, seeded.accepted_at, seeded.ended_at,
                 seeded.outcome))
            session_id = cursor.lastrowid
            assert session_id is not None
            ids.append(session_id)
            db.executemany(
                "INSERT INTO participants (session_id, rep_id, role, joined_at) VALUES (?, ?, ?, ?)",
                [(session_id, rep, role, seeded.accepted_at or seeded.created_at) for rep, role in seeded.reps])
            if seeded.rating is not None:
                db.execute("INSERT INTO satisfaction (session_id, rating, comment, at) VALUES (?, ?, '', ?)",
                           (session_id, seeded.rating, seeded.ended_at or seeded.created_at))
    return ids

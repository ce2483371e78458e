"""A connection of its own to a test's database (``database_url`` in tests/conftest.py), on either backend."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql://")


@contextmanager
def connected(url: str) -> Iterator[Any]:
    """A connection in autocommit mode that takes our SQLite SQL (``?``) on either backend."""
    if is_postgres(url):
        from relaydesk.postgres import PgConnection

        db: Any = PgConnection(url)
    else:
        db = sqlite3.connect(url, isolation_level=None)
    try:
        yield db
    finally:
        db.close()


def tables(url: str) -> set[str]:
    with connected(url) as db:
        sql = ("SELECT tablename FROM pg_tables WHERE schemaname = 'public'" if is_postgres(url)
               else "SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in db.execute(sql).fetchall()}

"""Reps' sign-ins, kept on the server, so that ending one here ends it for good.

A rep's cookie carries only a random id; the ``rep_sessions`` table keeps its
SHA-256 (a stolen database opens nothing), the rep, when it began and when it
was last used.  A sign-in lapses ``idle_s`` after its last use, and
``lifetime_s`` after it began whatever the use.  Its last use is written at
most once a minute (or every tenth of the idle time, if that is shorter), not
on every request, so it may lapse up to that much before ``idle_s`` is up.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .database import Database
from .directory import rep_from_row
from .model import Rep, hash_token, now_ms


@dataclass(frozen=True)
class SignIn:
    key: str  # the stored hash of the cookie's id: what a rep's sockets are bound to
    rep: Rep


class SignIns:
    def __init__(self, db: Database, lifetime_s: float, idle_s: float, clock: Callable[[], int] = now_ms) -> None:
        self.db = db
        self.lifetime_ms, self.idle_ms = int(lifetime_s * 1000), int(idle_s * 1000)
        self.touch_every_ms = min(60_000, self.idle_ms // 10)
        self.clock = clock

    def start(self, rep: Rep, user_agent: str = "", address: str = "") -> str:
        """Begin a sign-in for ``rep`` (and forget lapsed ones); return the id its cookie carries."""
        sign_in_id, now = secrets.token_urlsafe(32), self.clock()
        with self.db.transaction() as db:
            db.execute("DELETE FROM rep_sessions WHERE created_at <= ? OR last_seen <= ?", self._lapsed(now))
            db.execute("INSERT INTO rep_sessions (key_hash, rep_id, created_at, last_seen, user_agent, address)"
                       " VALUES (?, ?, ?, ?, ?, ?)", (hash_token(sign_in_id), rep.id, now, now, user_agent[:200],
                                                      address[:64]))
        return sign_in_id

    def find(self, sign_in_id: str) -> SignIn | None:
        """Return the sign-in a cookie names, noting its use; None once it ended or lapsed, or its rep is disabled."""
        key, now = hash_token(sign_in_id), self.clock()
        row = self.db.row(
            "SELECT s.last_seen, r.* FROM rep_sessions s JOIN reps r ON r.id = s.rep_id"
            " WHERE s.key_hash = ? AND s.created_at > ? AND s.last_seen > ? AND r.disabled = 0",
            (key, *self._lapsed(now)),
        )
        if row is None:
            return None
        if now - row["last_seen"] >= self.touch_every_ms:
            self.db.write("UPDATE rep_sessions SET last_seen = ? WHERE key_hash = ?", (now, key))
        return SignIn(key, rep_from_row(row))

    def touch(self, key: str) -> None:
        """Note a use that came another way than a request: a frame from the rep's console."""
        self.db.write("UPDATE rep_sessions SET last_seen = ? WHERE key_hash = ?", (self.clock(), key))

    def end(self, sign_in_id: str) -> str:
        """End the sign-in a cookie names (signing out); return its key, to close its sockets."""
        key = hash_token(sign_in_id)
        self.db.write("DELETE FROM rep_sessions WHERE key_hash = ?", (key,))
        return key

    def live(self, keys: Iterable[str]) -> set[str]:
        """Return which of these keys are sign-ins still going: the others' sockets must close."""
        keys = list(keys)
        if not keys:
            return set()
        rows = self.db.rows(
            f"SELECT s.key_hash FROM rep_sessions s JOIN reps r ON r.id = s.rep_id WHERE s.key_hash IN"
            f" ({', '.join('?' * len(keys))}) AND s.created_at > ? AND s.last_seen > ? AND r.disabled = 0",
            (*keys, *self._lapsed(self.clock())),
        )
        return {row["key_hash"] for row in rows}

    def _lapsed(self, now: int) -> tuple[int, int]:
        """Return the times at or before which a sign-in has lapsed: (began, last used)."""
        return now - self.lifetime_ms, now - self.idle_ms

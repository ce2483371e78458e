"""Keep what the team's routing and its admins need: each rep's availability and last assignment, the admins'
audit log, and the webhook's deliveries.

Its tables and columns come with migration step 5 (``migrations.py``).
"""

from __future__ import annotations

import sqlite3

from .database import Database, inserted_id
from .model import now_ms

AVAILABLE, AWAY = "available", "away"
AVAILABILITIES = (AVAILABLE, AWAY)

class Roster:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- availability and routing -------------------------------------------

    def availability(self) -> dict[int, str]:
        """Return every enabled rep's availability, by id."""
        rows = self.db.rows("SELECT id, availability FROM reps WHERE disabled = 0")
        return {row["id"]: row["availability"] for row in rows}

    def set_availability(self, rep_id: int, availability: str) -> None:
        if availability not in AVAILABILITIES:
            raise ValueError(f"unknown availability {availability!r}")
        self.db.write("UPDATE reps SET availability = ? WHERE id = ?", (availability, rep_id))

    def routing_candidates(self, rep_ids: set[int]) -> list[sqlite3.Row]:
        """Return the enabled, available reps among ``rep_ids`` with how many active sessions each holds, the
        fewest first, then the one whose last assignment is longest ago (never first)."""
        if not rep_ids:
            return []
        marks = ", ".join("?" * len(rep_ids))
        return self.db.rows(
            "SELECT r.id, (SELECT COUNT(*) FROM participants p JOIN sessions s ON s.id = p.session_id"
            "  WHERE p.rep_id = r.id AND p.left_at IS NULL AND p.role != 'monitor' AND s.status = 'active') AS open"
            f" FROM reps r WHERE r.id IN ({marks}) AND r.disabled = 0 AND r.availability = 'available'"
            " ORDER BY open, COALESCE(r.last_assigned_at, 0), r.id", tuple(rep_ids),
        )

    def assigned(self, rep_id: int) -> None:
        self.db.write("UPDATE reps SET last_assigned_at = ? WHERE id = ?", (now_ms(), rep_id))

    def admins(self) -> int:
        """Count the enabled admins."""
        row = self.db.row("SELECT COUNT(*) FROM reps WHERE role = 'admin' AND disabled = 0")
        return int(row[0]) if row else 0

    def set_role(self, rep_id: int, admin: bool) -> None:
        self.db.write("UPDATE reps SET role = ? WHERE id = ?", ("admin" if admin else "rep", rep_id))

    # --- the admins' audit log -------------------------------------------------

    def audit(self, actor_id: int | None, actor_name: str, action: str, target: str = "") -> None:
        self.db.write("INSERT INTO audit_log (at, actor_id, actor_name, action, target) VALUES (?, ?, ?, ?, ?)",
                      (now_ms(), actor_id, actor_name, action, target))

    def audit_log(self, limit: int = 200) -> list[sqlite3.Row]:
        """Return the newest entries first."""
        return self.db.rows("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,))

    # --- webhook deliveries ------------------------------------------------------

    def add_delivery(self, session_id: int, due_at: int) -> int:
        return inserted_id(self.db.write(
            "INSERT INTO webhook_deliveries (session_id, status, next_at, created_at) VALUES (?, 'pending', ?, ?)",
            (session_id, due_at, now_ms())))

    def due_deliveries(self, now: int, limit: int = 20) -> list[sqlite3.Row]:
        return self.db.rows("SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_at <= ?"
                            " ORDER BY next_at, id LIMIT ?", (now, limit))

    def next_due(self) -> int | None:
        row = self.db.row("SELECT MIN(next_at) FROM webhook_deliveries WHERE status = 'pending'")
        return row[0] if row else None

    def delivery_tried(self, delivery_id: int, url: str, error: str, next_at: int | None) -> None:
        """Record an attempt: ``error`` empty means delivered; ``next_at`` None after a failure means given up."""
        status = "delivered" if not error else ("pending" if next_at is not None else "failed")
        self.db.write(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, status = ?, url = ?, last_error = ?,"
            " next_at = COALESCE(?, next_at), done_at = CASE WHEN ? = 'pending' THEN NULL ELSE ? END WHERE id = ?",
            (status, url, error, next_at, status, now_ms(), delivery_id))

    def deliveries(self, limit: int = 50) -> list[sqlite3.Row]:
        """Return the newest deliveries first, with their session's customer."""
        return self.db.rows("SELECT d.*, s.customer_name FROM webhook_deliveries d JOIN sessions s"
                            " ON s.id = d.session_id ORDER BY d.id DESC LIMIT ?", (limit,))

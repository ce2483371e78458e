"""Tell the team's own systems (a ticketing system, a CRM) about each session that ends: an HTTP POST of its summary.

When a session ends, a row goes into ``webhook_deliveries`` (pending, due
``WEBHOOK_DELAY_S`` later: the customer may still rate the chat meanwhile) and
the worker wakes.  The relay does nothing more: the worker, a greenlet of its
own under gevent, builds the summary when it sends it, signs the body with the
team's secret (``X-Relaydesk-Signature: sha256=<hex HMAC-SHA256 of the body>``),
and on a failure (no answer within ``WEBHOOK_TIMEOUT_S``, or a status other
than 2xx) tries again after ``WEBHOOK_BACKOFF_S``, doubling each time (at most
an hour), up to ``WEBHOOK_ATTEMPTS`` attempts.  Pending deliveries are kept in
the database, so a restart sends them still.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

from .model import now_ms
from .store import Store

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "WEBHOOK_DELAY_S": 60,  # how long after a session ends its summary is sent (room for the customer's rating)
    "WEBHOOK_BACKOFF_S": 10,  # the wait before the first retry; it doubles with each failure, up to an hour
    "WEBHOOK_ATTEMPTS": 8,  # attempts before a delivery is given up as failed
    "WEBHOOK_TIMEOUT_S": 10,  # how long one attempt waits for the receiver's answer
}
SIGNATURE_HEADER = "X-Relaydesk-Signature"
MAX_BACKOFF_S = 3600


def iso(at: int | None) -> str | None:
    """Return a time in milliseconds as ISO 8601 UTC, or None."""
    return datetime.fromtimestamp(at / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if at else None


def seconds(start: int | None, end: int | None) -> float | None:
    return round((end - start) / 1000, 1) if start is not None and end is not None else None


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def session_summary(store: Store, session_id: int) -> dict:
    """Return what the webhook sends about a session: the fields of a report's row, and what the customer saw."""
    session = store.session(session_id)
    reps = [row["display_name"] for row in store.db.rows(
        "SELECT r.display_name FROM participants p JOIN reps r ON r.id = p.rep_id"
        " WHERE p.session_id = ? AND p.role != 'monitor' ORDER BY p.joined_at, p.rep_id", (session_id,))]
    row = store.db.row("SELECT rating, comment FROM satisfaction WHERE session_id = ?", (session_id,))
    rating, comment = (row["rating"], row["comment"]) if row is not None else (None, None)
    transcript = [{"seq": event.seq, "at": iso(event.at), "kind": event.kind,
                   "author": {"kind": event.author_kind, "name": event.author_name},
                   "text": event.public_text or event.text}
                  for event in store.events_since(session_id, 0, public_only=True)]
    return {
        "id": session.id, "portal": session.portal_path, "customer": session.customer_name, "reps": reps,
        "start": iso(session.created_at), "answered": iso(session.accepted_at), "end": iso(session.ended_at),
        "wait_s": seconds(session.created_at, session.accepted_at),
        "handle_s": seconds(session.accepted_at, session.ended_at), "outcome": session.outcome,
        "rating": rating, "comment": comment, "issue": session.issue, "transcript": transcript,
    }


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect is an answer other than 2xx: a failure
        return None


_opener = urllib.request.build_opener(_NoRedirects)


class Webhooks:
    def __init__(self, store: Store, config: dict) -> None:
        self.store = store
        setting = DEFAULTS | config
        self.delay_ms = int(float(setting["WEBHOOK_DELAY_S"]) * 1000)
        self.backoff_ms = int(float(setting["WEBHOOK_BACKOFF_S"]) * 1000)
        self.attempts = int(setting["WEBHOOK_ATTEMPTS"])
        self.timeout_s = float(setting["WEBHOOK_TIMEOUT_S"])
        self._wake = threading.Event()
        self._worker: threading.Thread | None = None

    # --- settings ------------------------------------------------------------

    def url(self) -> str:
        return self.store.setting("webhook_url")

    def secret(self) -> str:
        """Return the team's signing secret, made the first time it is asked for."""
        secret = self.store.setting("webhook_secret")
        if not secret:
            secret = self.new_secret()
        return secret

    def new_secret(self) -> str:
        secret = secrets.token_hex(32)
        self.store.set_setting("webhook_secret", secret)
        return secret

    # --- the relay's side: one row, then wake the worker ---------------------------

    def session_ended(self, session_id: int) -> None:
        """Queue the session's summary for the team's webhook, if it has one; never waits for the receiver."""
        if self.url():
            self.store.roster.add_delivery(session_id, now_ms() + self.delay_ms)
            self._wake.set()

    # --- the worker -----------------------------------------------------------------

    def start(self) -> threading.Thread:
        """Send due deliveries in the background (a greenlet under gevent), for as long as the process lives."""
        if self._worker is None:
            self._worker = threading.Thread(target=self._run, name="relaydesk-webhooks", daemon=True)
            self._worker.start()
        return self._worker

    def _run(self) -> None:
        while True:
            try:
                self.send_due()
                due = self.store.roster.next_due()
                wait_s = 5.0 if due is None else min(5.0, max(0.0, (due - now_ms()) / 1000))
            except Exception:
                log.exception("webhook deliveries failed")
                wait_s = 5.0
            self._wake.wait(wait_s)
            self._wake.clear()

    def send_due(self) -> int:
        """Attempt every delivery that is due; return how many were attempted."""
        due = self.store.roster.due_deliveries(now_ms())
        for row in due:
            self.attempt(row["id"], row["session_id"], row["attempts"])
        return len(due)

    def attempt(self, delivery_id: int, session_id: int, attempts_before: int) -> bool:
        url = self.url()
        if not url:  # the webhook was removed meanwhile
            self.store.roster.delivery_tried(delivery_id, "", "No webhook URL is set.", None)
            return False
        body = json.dumps(session_summary(self.store, session_id), ensure_ascii=False).encode()
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": "Relaydesk-Webhook",
            SIGNATURE_HEADER: sign(self.secret(), body), "X-Relaydesk-Delivery": str(delivery_id)})
        error = ""
        try:
            with _opener.open(request, timeout=self.timeout_s) as answer:
                if not 200 <= answer.status < 300:
                    error = f"HTTP {answer.status}"
        except urllib.error.HTTPError as exc:
            error = f"HTTP {exc.code}"
        except (OSError, ValueError) as exc:  # refused, timed out, no such host, a bad URL
            error = str(getattr(exc, "reason", exc)) or type(exc).__name__
        tries = attempts_before + 1
        next_at = None
        if error and tries < self.attempts:
            next_at = now_ms() + min(self.backoff_ms * 2 ** (tries - 1), MAX_BACKOFF_S * 1000)
        self.store.roster.delivery_tried(delivery_id, url, error[:300], next_at)
        if error:
            log.info("webhook delivery %s for session %s failed (attempt %s): %s", delivery_id, session_id, tries,
                     error)
        return not error

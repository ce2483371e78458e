"""How much one session may keep: the characters of its messages and notes, and its files (count and bytes).

A frame over a quota is answered with an ``error`` of code ``quota`` and the
frame's id (nothing is stored); an upload over it with a JSON 413 or 429 the
page shows.  A session's text count is read from the store once, then kept
here as it grows (for the sessions written to lately).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from .database import Database
from .i18n import _, number
from .protocol import ProtocolError

DEFAULTS: dict[str, object] = {
    "SESSION_TEXT_CHARS": 2_000_000,  # characters of messages and notes one session may keep (~20,000 messages)
    "SESSION_FILES": 100,  # files one session may keep
    "SESSION_FILES_MB": 500,  # and their total size, in MB
}
REMEMBERED = 10_000  # sessions whose text count is kept in memory


class Quotas:
    def __init__(self, db: Database, config: Mapping[str, object] | None = None) -> None:
        settings = DEFAULTS | dict(config or {})
        self.db = db
        self.text_chars = int(str(settings["SESSION_TEXT_CHARS"]))
        self.files = int(str(settings["SESSION_FILES"]))
        self.file_bytes = int(float(str(settings["SESSION_FILES_MB"])) * 1024 * 1024)
        self._text: dict[int, int] = {}  # session id -> characters kept, most recently used last
        self._lock = threading.Lock()

    def take_text(self, session_id: int, frame_id: str, text: str) -> None:
        """Count ``text`` into a session's quota, or refuse it (a resend of a stored frame is never refused).

        The count kept here may count a resend twice; it is read again from the
        store before anything is refused, so a refusal is always exact.
        """
        with self._lock:
            used = self._text.pop(session_id, None)
        if used is None or used + len(text) > self.text_chars:
            used = self._stored_text(session_id)
        if used + len(text) > self.text_chars:
            self._remember(session_id, used)
            if self._stored(session_id, frame_id):
                return
            raise ProtocolError("quota", _("This session holds as much text as it may (%(most)s characters): start "
                                           "a new session to go on writing.", most=number(self.text_chars)), frame_id)
        self._remember(session_id, used + len(text))

    def _stored_text(self, session_id: int) -> int:
        row = self.db.row("SELECT COALESCE(SUM(LENGTH(text)), 0) FROM events WHERE session_id = ? AND kind IN "
                          "('message', 'private', 'note')", (session_id,))
        return int(row[0]) if row else 0

    def _stored(self, session_id: int, frame_id: str) -> bool:
        return self.db.row("SELECT 1 FROM events WHERE session_id = ? AND id = ?", (session_id, frame_id)) is not None

    def _remember(self, session_id: int, used: int) -> None:
        with self._lock:
            self._text[session_id] = used
            while len(self._text) > REMEMBERED:
                del self._text[next(iter(self._text))]

    def file_refusal(self, session_id: int, size: int) -> tuple[int, str] | None:
        """Return (status, message) when a session may not keep one more file of ``size`` bytes; else None."""
        row = self.db.row("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM files WHERE session_id = ?", (session_id,))
        count, used = (int(row[0]), int(row[1])) if row else (0, 0)
        if count >= self.files:
            return 429, _("This session holds as many files as it may (%(files)s): start a new session to send more.",
                          files=self.files)
        if used + size > self.file_bytes:
            mb = self.file_bytes // (1024 * 1024)
            return 413, _("This session holds as much in files as it may (%(mb)s MB): start a new session to send "
                          "more.", mb=number(mb))
        return None

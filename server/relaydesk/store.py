"""Keep sessions, their participants and chat logs (and, through ``Directory``, the team) in SQLite or PostgreSQL."""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Callable
from pathlib import Path

from . import protocol
from .commits import Append, GroupCommit, Outcome, event_from_row
from .database import inserted_id, open_database
from .directory import Directory
from .i18n import _, ngettext
from .migrations import migrate
from .model import Event, KeyRefused, Page, Participant, Refused, Rep, Session, hash_token, now_ms
from .passwords import Passwords
from .roster import Roster

__all__ = ["Event", "KeyRefused", "Page", "Participant", "Refused", "Rep", "Session", "Store", "now_ms"]

KEPT_SESSIONS = 10_000  # sessions whose row and reps are kept between writes (``Store._kept``)

class Store(Directory):
    """Read and write everything Relaydesk keeps, through one SQLite file or a PostgreSQL database (``path``: a
    file's path or a ``postgresql://`` URL): the team (``Directory``) and the sessions, their participants and chat
    logs."""

    def __init__(self, path: str | Path, synchronous: str = "FULL", passwords: Passwords | None = None,
                 group_commit: bool = True, db_worker: str = "thread") -> None:
        super().__init__(open_database(path, synchronous, migrate, worker=db_worker), passwords)
        # Sessions and their reps as last read, each with the write count it was read at (``_kept``).
        self._sessions: dict[int, tuple[int, Session | None]] = {}
        self._participants: dict[int, tuple[int, tuple[Participant, ...]]] = {}
        # False when other processes write too (several nodes: ``BROKER_URL``): ``db.changes`` counts only ours.
        self.keep = True
        self.commits = GroupCommit(self.db, enabled=group_commit)
        self.path = self.db.path
        self.roster = Roster(self.db)

    def close(self) -> None:
        self.db.close()

    # --- sessions ---------------------------------------------------------

    def create_session(
        self, request_id: str, token: str, portal_path: str, name: str, issue: str, details: dict,
        key: str | None = None,
    ) -> Session:
        """Open a session bound to the customer's ``token``: waiting in the queue,
        or, with a rep's session ``key``, active in that rep's hands.

        A request id seen before returns the session it made, provided the
        token matches: a resend after a lost reply must not open a second one.
        Raise ``Refused`` with a reason for the customer.
        """
        with self.db.lock:
            known = self.db.row("SELECT id, token_hash FROM sessions WHERE request_id = ?", (request_id,))
            if known:
                if not secrets.compare_digest(known["token_hash"], hash_token(token)):
                    raise Refused(_("This request was already made from another page."))
                return self.session(known["id"])
            portal = self.portal(portal_path)
            if portal is None:
                raise Refused(_("This help page does not exist."))
            if self.is_rep_name(name):
                raise Refused(_("That name belongs to one of our representatives: please use your own name."))
            try:
                with self.db.transaction() as db:
                    owner = self._take_key(db, key) if key else None
                    at = now_ms()
                    session_id = inserted_id(db.execute(
                        "INSERT INTO sessions (portal_id, request_id, token_hash, customer_name, issue, details,"
                        " status, owner_rep_id, created_at, accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (portal["id"], request_id, hash_token(token), name, issue, json.dumps(details),
                         "active" if owner else "waiting", owner, at, at if owner else None),
                    ))
                    if owner:
                        db.execute("UPDATE session_keys SET session_id = ? WHERE key = ?", (session_id, key))
                        db.execute("INSERT INTO participants (session_id, rep_id, joined_at) VALUES (?, ?, ?)",
                                   (session_id, owner, at))
            except sqlite3.IntegrityError:
                raise Refused(_("This page already holds another support session.")) from None
            return self.session(session_id)

    @staticmethod
    def _take_key(db: sqlite3.Connection, key: str) -> int:
        """Return the rep a valid session key belongs to; refuse it with a reason otherwise."""
        row = db.execute("SELECT * FROM session_keys WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyRefused(_("No session key matches those digits. Check them with your representative."))
        if row["session_id"] is not None:
            raise KeyRefused(_("That session key was already used. Ask your representative for a new one."))
        if row["expires_at"] <= now_ms():
            raise KeyRefused(_("That session key has expired. Ask your representative for a new one."))
        return row["rep_id"]

    # --- session keys -----------------------------------------------------

    def make_key(self, rep: Rep, lifetime_s: int) -> dict:
        """Give ``rep`` a new one-time 9-digit key, valid ``lifetime_s`` seconds."""
        with self.db.transaction() as db:
            db.execute("DELETE FROM session_keys WHERE session_id IS NULL AND expires_at <= ?", (now_ms(),))
            while True:
                key = f"{secrets.randbelow(10**9):09d}"
                if db.execute("SELECT 1 FROM session_keys WHERE key = ?", (key,)).fetchone() is None:
                    break
            at = now_ms()
            db.execute("INSERT INTO session_keys (key, rep_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                       (key, rep.id, at, at + lifetime_s * 1000))
        return {"key": key, "created_at": at, "expires_at": at + lifetime_s * 1000}

    def rep_keys(self, rep_id: int) -> list[dict]:
        """Return the rep's keys that can still be used, soonest to expire first."""
        rows = self.db.rows(
            "SELECT key, created_at, expires_at FROM session_keys"
            " WHERE rep_id = ? AND session_id IS NULL AND expires_at > ? ORDER BY expires_at", (rep_id, now_ms()),
        )
        return [dict(row) for row in rows]

    def reps_with_keys(self) -> list[int]:
        """Return the ids of the reps who have keys that can still be used."""
        rows = self.db.rows("SELECT DISTINCT rep_id FROM session_keys WHERE session_id IS NULL AND expires_at > ?",
                            (now_ms(),))
        return [row["rep_id"] for row in rows]

    def session_for_token(self, token: str) -> Session | None:
        row = self.db.row("SELECT id FROM sessions WHERE token_hash = ?", (hash_token(token),))
        return self.get_session(row["id"]) if row else None

    def get_session(self, session_id: int) -> Session | None:
        """Return a session, or None; kept from the last read until this process writes anything but events
        (every message reads its session: under load, most of a message's reads)."""
        return self._kept(self._sessions, session_id, self._read_session)

    def _kept(self, kept: dict, session_id: int, read):  # noqa: ANN001, ANN202 -- one of two readers
        if not self.keep:
            return read(session_id)
        changes = self.db.changes  # before the read: a write meanwhile leaves what it read stale, not kept
        found = kept.get(session_id)
        if found is not None and found[0] == changes:
            return found[1]
        value = read(session_id)
        if len(kept) >= KEPT_SESSIONS:
            kept.clear()
        kept[session_id] = (changes, value)
        return value

    def _read_session(self, session_id: int) -> Session | None:
        row = self.db.row(
            "SELECT s.*, p.path AS portal_path, p.name AS portal_name, p.survey, f.rating, f.comment FROM sessions s"
            " JOIN portals p ON p.id = s.portal_id LEFT JOIN satisfaction f ON f.session_id = s.id WHERE s.id = ?",
            (session_id,),
        )
        if row is None:
            return None
        return Session(
            row["id"], row["portal_path"], row["portal_name"], row["customer_name"], row["issue"],
            json.loads(row["details"]), row["status"], row["owner_rep_id"], row["created_at"], row["accepted_at"],
            row["ended_at"], row["outcome"], row["rating"], row["comment"] or "", bool(row["survey"]),
        )

    def session(self, session_id: int) -> Session:
        """Return a session known to exist; a missing one is a bug, raised as ``LookupError``."""
        found = self.get_session(session_id)
        if found is None:
            raise LookupError(f"no session {session_id}")
        return found

    def waiting_sessions(self) -> list[Session]:
        """Return the queue, oldest first."""
        rows = self.db.rows("SELECT id FROM sessions WHERE status = 'waiting' ORDER BY created_at, id")
        return [self.session(row["id"]) for row in rows]

    def accept(self, session_id: int, rep: Rep) -> bool:
        """Give a waiting session to ``rep``; False if someone else got it first."""
        with self.db.transaction() as db:
            cur = db.execute(
                "UPDATE sessions SET status = 'active', owner_rep_id = ?, accepted_at = ?"
                " WHERE id = ? AND status = 'waiting'",
                (rep.id, now_ms(), session_id),
            )
            if cur.rowcount == 1:
                db.execute(
                    "INSERT OR IGNORE INTO participants (session_id, rep_id, joined_at) VALUES (?, ?, ?)",
                    (session_id, rep.id, now_ms()),
                )
        return cur.rowcount == 1

    def end_session(self, session_id: int, outcome: str) -> bool:
        """Close a session that is not closed yet; False if it already was."""
        cur = self.db.write(
            "UPDATE sessions SET status = 'ended', outcome = ?, ended_at = ? WHERE id = ? AND status != 'ended'",
            (outcome, now_ms(), session_id),
        )
        return cur.rowcount == 1

    def rate(self, session_id: int, rating: int, comment: str) -> None:
        """Keep the customer's answer to the survey: one per session, the latest replacing the one before."""
        self.db.write("INSERT INTO satisfaction (session_id, rating, comment, at) VALUES (?, ?, ?, ?)"
                      " ON CONFLICT (session_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment,"
                      " at = excluded.at", (session_id, rating, comment, now_ms()))

    def open_sessions(self) -> list[Session]:
        """Return every session not ended, waiting or active."""
        rows = self.db.rows("SELECT id FROM sessions WHERE status != 'ended' ORDER BY id")
        return [self.session(row["id"]) for row in rows]

    def search_sessions(self, query: str, rep: Rep, limit: int = 50) -> list[Session]:
        """Find sessions by id, customer name or words in their log, newest first.

        Reps find the sessions they took part in; admins find every session.
        """
        query = query.strip()
        like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        scope = "" if rep.is_admin else " AND s.id IN (SELECT session_id FROM participants WHERE rep_id = ?)"
        params: tuple = (int(query) if query.isdigit() else -1, like, like, like)
        rows = self.db.rows(
            "SELECT s.id FROM sessions s WHERE (s.id = ? OR s.customer_name LIKE ? ESCAPE '\\'"
            " OR s.issue LIKE ? ESCAPE '\\'"
            " OR s.id IN (SELECT session_id FROM events WHERE text LIKE ? ESCAPE '\\'))"
            + scope + " ORDER BY s.created_at DESC, s.id DESC LIMIT ?",
            params + ((rep.id,) if not rep.is_admin else ()) + (limit,),
        )
        return [self.session(row["id"]) for row in rows]

    def may_read(self, session_id: int, rep: Rep) -> bool:
        """Tell whether ``rep`` may read a session's log: its participants and admins."""
        return rep.is_admin or self.is_participant(session_id, rep.id)

    # --- participants -----------------------------------------------------

    def is_participant(self, session_id: int, rep_id: int) -> bool:
        """Tell whether a rep is in a session now."""
        return self.participant(session_id, rep_id) is not None

    def participant(self, session_id: int, rep_id: int) -> Participant | None:
        return next((p for p in self._kept(self._participants, session_id, self._read_participants)
                     if p.rep_id == rep_id), None)

    def participants(self, session_id: int) -> list[Participant]:
        """Return the reps in a session now, in the order they joined (kept as ``get_session`` keeps a session)."""
        return list(self._kept(self._participants, session_id, self._read_participants))

    def _read_participants(self, session_id: int) -> tuple[Participant, ...]:
        rows = self.db.rows(
            "SELECT p.*, r.display_name FROM participants p JOIN reps r ON r.id = p.rep_id"
            " WHERE p.session_id = ? AND p.left_at IS NULL ORDER BY p.joined_at, p.rep_id", (session_id,),
        )
        return tuple(Participant(row["rep_id"], row["display_name"], row["role"], bool(row["hidden"])) for row in rows)

    def participant_ids(self, session_id: int) -> list[int]:
        return [participant.rep_id for participant in self.participants(session_id)]

    def rep_sessions(self, rep_id: int) -> list[Session]:
        """Return the active sessions ``rep_id`` is in, oldest first."""
        rows = self.db.rows(
            "SELECT s.id FROM sessions s JOIN participants p ON p.session_id = s.id"
            " WHERE p.rep_id = ? AND p.left_at IS NULL AND s.status = 'active' ORDER BY s.accepted_at, s.id",
            (rep_id,),
        )
        return [self.session(row["id"]) for row in rows]

    def add_participant(self, session_id: int, rep_id: int, role: str, hidden: bool) -> None:
        """Put a rep in a session (again), with a role and a visibility."""
        self.db.write(
            "INSERT INTO participants (session_id, rep_id, role, hidden, joined_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (session_id, rep_id) DO UPDATE SET role = excluded.role, hidden = excluded.hidden,"
            " joined_at = excluded.joined_at, left_at = NULL",
            (session_id, rep_id, role, int(hidden), now_ms()),
        )

    def set_hidden(self, session_id: int, rep_id: int, hidden: bool) -> None:
        self.db.write("UPDATE participants SET hidden = ? WHERE session_id = ? AND rep_id = ?",
                      (int(hidden), session_id, rep_id))

    def remove_participant(self, session_id: int, rep_id: int) -> None:
        self.db.write("UPDATE participants SET left_at = ? WHERE session_id = ? AND rep_id = ? AND left_at IS NULL",
                      (now_ms(), session_id, rep_id))

    def invite(self, session_id: int, rep_id: int, invited_by: int, hidden: bool, most: int) -> None:
        """Record an invitation; refuse a rep already in, or more than ``most`` invited reps."""
        with self.db.lock:
            if self.is_participant(session_id, rep_id):
                raise Refused(_("That representative is already in this session."))
            invited = len(self.db.rows(
                "SELECT rep_id FROM participants WHERE session_id = ? AND role = 'invited' AND left_at IS NULL",
                (session_id,),
            ))
            if invited >= most:
                raise Refused(ngettext("A session takes at most %(num)s invited representative.",
                                       "A session takes at most %(num)s invited representatives.", most))
            self.db.write(
                "INSERT INTO invites (session_id, rep_id, invited_by, hidden, created_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (session_id, rep_id) DO UPDATE SET hidden = excluded.hidden",
                (session_id, rep_id, invited_by, int(hidden), now_ms()),
            )

    def take_invite(self, session_id: int, rep_id: int) -> bool | None:
        """Use up an invitation; return whether to join hidden, or None when there is none."""
        with self.db.lock:
            row = self.db.row("SELECT hidden FROM invites WHERE session_id = ? AND rep_id = ?", (session_id, rep_id))
            if row is None:
                return None
            self.db.write("DELETE FROM invites WHERE session_id = ? AND rep_id = ?", (session_id, rep_id))
            return bool(row["hidden"])

    def invites_for(self, rep_id: int) -> list[tuple[int, str]]:
        """Return the active sessions a rep is invited to, with who invited them."""
        rows = self.db.rows(
            "SELECT i.session_id, r.display_name FROM invites i JOIN sessions s ON s.id = i.session_id"
            " JOIN reps r ON r.id = i.invited_by WHERE i.rep_id = ? AND s.status = 'active' ORDER BY i.created_at",
            (rep_id,),
        )
        return [(row["session_id"], row["display_name"]) for row in rows]

    def transfer(self, session_id: int, to_rep_id: int, keep_previous: bool) -> None:
        """Hand a session to another rep; the previous owner stays as an invited rep, or leaves."""
        with self.db.transaction() as db:
            previous = db.execute("SELECT owner_rep_id FROM sessions WHERE id = ?", (session_id,)).fetchone()[0]
            db.execute("UPDATE sessions SET owner_rep_id = ? WHERE id = ?", (to_rep_id, session_id))
            if keep_previous:
                db.execute("UPDATE participants SET role = 'invited' WHERE session_id = ? AND rep_id = ?",
                           (session_id, previous))
            else:
                db.execute("UPDATE participants SET left_at = ? WHERE session_id = ? AND rep_id = ?",
                           (now_ms(), session_id, previous))
            db.execute(
                "INSERT INTO participants (session_id, rep_id, role, hidden, joined_at) VALUES (?, ?, 'owner', 0, ?)"
                " ON CONFLICT (session_id, rep_id) DO UPDATE SET role = 'owner', left_at = NULL",
                (session_id, to_rep_id, now_ms()),
            )
            db.execute("DELETE FROM invites WHERE session_id = ? AND rep_id = ?", (session_id, to_rep_id))

    # --- screen sharing -------------------------------------------------------

    def set_screen_consent(self, session_id: int, given: bool) -> None:
        """Remember whether the customer is sharing their screen at a rep's request: a restart forgets the rest."""
        if given:
            self.db.write("INSERT OR IGNORE INTO screen_consents (session_id) VALUES (?)", (session_id,))
        else:
            self.db.write("DELETE FROM screen_consents WHERE session_id = ?", (session_id,))

    def screen_consent(self, session_id: int) -> bool:
        return self.db.row("SELECT 1 FROM screen_consents WHERE session_id = ?", (session_id,)) is not None

    # --- files --------------------------------------------------------------

    def add_file(self, file_id: str, session_id: int, name: str, size: int, uploader_kind: str,
                 uploader_name: str) -> None:
        self.db.write("INSERT INTO files (id, session_id, name, size, uploader_kind, uploader_name, at)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?)", (file_id, session_id, name, size, uploader_kind, uploader_name,
                                                         now_ms()))

    def remove_file(self, file_id: str) -> None:
        self.db.write("DELETE FROM files WHERE id = ?", (file_id,))

    def file(self, file_id: str) -> sqlite3.Row | None:
        return self.db.row("SELECT * FROM files WHERE id = ?", (file_id,))

    # --- events -----------------------------------------------------------

    def request_known(self, request_id: str) -> bool:
        """Tell whether a help request with this id was made already (a resend, not a new one)."""
        return self.db.row("SELECT 1 FROM sessions WHERE request_id = ?", (request_id,)) is not None

    def has_event(self, session_id: int, event_id: str) -> bool:
        return self.db.row("SELECT 1 FROM events WHERE session_id = ? AND id = ?", (session_id, event_id)) is not None

    def customer_messages(self, session_id: int) -> int:
        """Count the messages a session's customer wrote."""
        row = self.db.row("SELECT COUNT(*) FROM events WHERE session_id = ? AND author_kind = 'customer' AND kind = ?",
                          (session_id, "message"))
        return int(row[0]) if row else 0

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
        public_text: str | None = None,
        meta: dict | None = None,
    ) -> tuple[Event, bool]:
        """Store an event under the session's next sequence number.

        Return the event and whether it is new; an id already stored for the
        session returns the stored event, so a resend is not kept twice.  It
        returns once the event is on disk, committed with whatever other
        events came meanwhile (commits.py); under gevent only the caller waits.
        """
        return self.commits.append(Append(session_id, event_id, kind, text, author_kind, author_name, author_id,
                                          audience, public_text, meta or {}))

    def append_event_then(self, then: Callable[[Outcome], None], session_id: int, event_id: str, kind: str,
                          text: str, author_kind: str, author_name: str, author_id: int | None = None,
                          audience: str = "all", public_text: str | None = None, meta: dict | None = None) -> None:
        """Store an event as ``append_event`` does, without waiting: ``then`` gets (event, new), or the exception,
        once it is on disk (``GroupCommit.append_then``)."""
        self.commits.append_then(Append(session_id, event_id, kind, text, author_kind, author_name, author_id,
                                        audience, public_text, meta or {}), then)

    def events_since(self, session_id: int, seq: int, rep_id: int | None = None,
                     public_only: bool = False) -> list[Event]:
        """Return, in order, the events after ``seq`` that a viewer may see.

        ``rep_id`` None is the customer: events for everyone only.  A rep sees
        those, the reps' own, and private ones they sent or received;
        ``public_only`` leaves out everything but the events for everyone.
        """
        rows = self.db.rows("SELECT * FROM events WHERE session_id = ? AND seq > ? ORDER BY seq", (session_id, seq))
        events = [self._event(row) for row in rows]
        if rep_id is None or public_only:
            return [event for event in events if event.visible_to_customer()]
        return [event for event in events if event.visible_to_rep(rep_id)]

    def reply_times(self, session_id: int) -> tuple[int | None, int | None]:
        """Return when a rep last wrote to the customer, and when the customer's oldest message since then came
        (None: nothing waits): what colours a session's tab before its log is loaded."""
        reply = self.db.row("SELECT seq, at FROM events WHERE session_id = ? AND author_kind = 'rep'"
                            " AND kind IN ('message', 'url') ORDER BY seq DESC LIMIT 1", (session_id,))
        waiting = self.db.row("SELECT MIN(at) FROM events WHERE session_id = ? AND seq > ? AND author_kind ="
                              " 'customer' AND kind = 'message'", (session_id, reply["seq"] if reply else 0))
        return (reply["at"] if reply else None), (waiting[0] if waiting else None)

    def events_page(self, session_id: int, after: int | None = None, before: int | None = None,
                    rep_id: int | None = None, most_events: int = 200, most_chars: int = 64 * 1024) -> Page:
        """Return one page of the events a viewer may see: the first ones after ``after``, else the last ones
        before ``before`` (both None: the newest), in order either way.

        A page stops at ``most_events`` events or ``most_chars`` characters of
        text, whichever comes first, yet holds at least one event when any is
        left.  Its ``first`` and ``last`` are the stretch of sequence numbers
        it covers, the events this viewer may not see included, so a client
        knows it missed nothing in between; ``more`` tells whether events lie
        beyond it (after ``last`` going forward, before ``first`` going back).
        """
        forward = after is not None
        if forward:
            sql = "SELECT * FROM events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?"
        else:
            sql = "SELECT * FROM events WHERE session_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?"
        mark = after if after is not None else (before if before is not None else protocol.MAX_WHOLE)
        events: list[Event] = []
        chars, covered, top = 0, mark, None
        while True:
            rows = self.db.rows(sql, (session_id, covered, most_events + 1))
            for row in rows:
                event = self._event(row)
                top = event.seq if top is None else top
                if event.visible_to_customer() if rep_id is None else event.visible_to_rep(rep_id):
                    size = len(event.text) + len(event.public_text or "")
                    if len(events) >= most_events or (events and chars + size > most_chars):
                        return self._page(events, forward, mark, covered, top, more=True)
                    events.append(event)
                    chars += size
                covered = event.seq
            if len(rows) <= most_events:
                return self._page(events, forward, mark, covered, top, more=False)

    @staticmethod
    def _page(events: list[Event], forward: bool, mark: int, covered: int, top: int | None, more: bool) -> Page:
        if forward:
            return Page(events, mark + 1, covered, more)
        events.reverse()
        last = mark - 1 if mark != protocol.MAX_WHOLE else (top or 0)
        return Page(events, covered if more else 1, last, more)

    @staticmethod
    def _event(row: sqlite3.Row) -> Event:
        return Event(
            row["session_id"], row["seq"], row["id"], row["kind"], row["audience"], row["author_kind"],
            row["author_id"], row["author_name"], row["text"], row["at"], row["public_text"], json.loads(row["meta"]),
        )

    _event = staticmethod(event_from_row)

"""Keep who works here and how: reps, portals, chat preferences, scripts and team settings.

Its own class over the shared ``Database``, which ``Store`` builds on: it
changes with the team, not with the sessions.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3

from . import prefs, protocol, scripts
from .database import Database, inserted_id
from .i18n import _
from .language import LANGUAGES
from .model import RESERVED_PATHS, Refused, Rep, now_ms
from .passwords import Passwords


class Directory:
    def __init__(self, db: Database, passwords: Passwords | None = None) -> None:
        self.db = db
        self.passwords = passwords or Passwords()

    # --- reps -------------------------------------------------------------

    def is_rep_name(self, name: str) -> bool:
        """Tell whether ``name`` is a rep's display name, ignoring case and spacing: a customer may not take it."""
        wanted = " ".join(name.casefold().split())
        return any(" ".join(rep.display_name.casefold().split()) == wanted for rep in self.reps())

    def add_rep(self, username: str, display_name: str, password: str, admin: bool = False) -> Rep:
        """Create a rep; raise ``ValueError`` with a readable reason on bad input."""
        username, display_name = username.strip(), protocol.one_line(display_name)
        if not re.fullmatch(r"[A-Za-z0-9._-]{1,40}", username):
            raise ValueError(_("A username is 1 to 40 letters, digits, '.', '-' or '_'."))
        if not display_name or len(display_name) > 80:
            raise ValueError(_("A display name is 1 to 80 characters."))
        password_hash = self._password_hash(password)
        try:
            cur = self.db.write(
                "INSERT INTO reps (username, display_name, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)",
                (username, display_name, password_hash, "admin" if admin else "rep", now_ms()),
            )
        except sqlite3.IntegrityError:
            raise ValueError(_("The username %(username)s is taken.", username=f"{username!r}")) from None
        return Rep(inserted_id(cur), username, display_name, "admin" if admin else "rep")

    def authenticate(self, username: str, password: str) -> Rep | None:
        """Return the rep whose username and password these are, else None; either way after one hash."""
        row = self.db.row("SELECT * FROM reps WHERE username = ?", (username.strip(),))
        if not self.passwords.check(row["password_hash"] if row else None, password):
            return None
        return rep_from_row(row) if row else None

    def get_rep(self, rep_id: int) -> Rep | None:
        row = self.db.row("SELECT * FROM reps WHERE id = ?", (rep_id,))
        return rep_from_row(row) if row else None

    def rep(self, rep_id: int) -> Rep:
        """Return a rep known to exist (one a session names); a missing one is a bug, raised as ``LookupError``."""
        found = self.get_rep(rep_id)
        if found is None:
            raise LookupError(f"no rep {rep_id}")
        return found

    def reps(self) -> list[Rep]:
        return [rep_from_row(row) for row in self.db.rows("SELECT * FROM reps ORDER BY display_name")]

    def set_rep_disabled(self, username: str, disabled: bool) -> Rep:
        """Disable a rep (ending every sign-in they have: their sockets close) or enable them again."""
        return self._change_rep(username, "disabled = ?", int(disabled))

    def set_password(self, username: str, password: str) -> Rep:
        """Give a rep a new password, ending every sign-in they have (their sockets close)."""
        return self._change_rep(username, "password_hash = ?", self._password_hash(password))

    def _password_hash(self, password: str) -> str:
        """Return the hash to keep for a new password (made off the hub); ``ValueError`` if it is too weak."""
        if len(password) < 8:
            raise ValueError(_("A password needs at least 8 characters."))
        return self.passwords.hash(password)

    def _change_rep(self, username: str, change: str, value: object) -> Rep:
        """Change one thing about a rep and end all their sign-ins, at once; ``ValueError`` if there is no such rep."""
        with self.db.transaction() as db:
            row = db.execute("SELECT id FROM reps WHERE username = ?", (username.strip(),)).fetchone()
            if row is None:
                raise ValueError(_("No rep is called %(username)s.", username=f"{username.strip()!r}"))
            db.execute(f"UPDATE reps SET {change} WHERE id = ?", (value, row["id"]))
            db.execute("DELETE FROM rep_sessions WHERE rep_id = ?", (row["id"],))
        return self.rep(row["id"])

    # --- portals ----------------------------------------------------------

    def portal(self, path: str) -> sqlite3.Row | None:
        """Return the enabled portal at ``path``, else None."""
        return self.db.row("SELECT * FROM portals WHERE path = ? AND enabled = 1", (path,))

    def portals(self) -> list[sqlite3.Row]:
        return self.db.rows("SELECT * FROM portals ORDER BY path")

    def add_portal(self, path: str, name: str, greeting: str = "") -> None:
        """Add a portal; raise ``Refused`` with a reason on bad input."""
        path, name, greeting = path.strip().lower(), name.strip(), greeting.strip()
        if not re.fullmatch(r"/[a-z0-9][a-z0-9-]{0,39}", path) or path.split("/")[1] in RESERVED_PATHS:
            raise Refused(_("A portal path is / then up to 40 letters, digits or dashes, like /billing (not "
                            "%(reserved)s).", reserved=", ".join("/" + p for p in RESERVED_PATHS)))
        if not 1 <= len(name) <= 80:
            raise Refused(_("A portal name is 1 to 80 characters."))
        if len(greeting) > 500:
            raise Refused(_("A greeting is 500 characters at most."))
        try:
            self.db.write("INSERT INTO portals (path, name, greeting) VALUES (?, ?, ?)", (path, name, greeting))
        except sqlite3.IntegrityError:
            raise Refused(_("There is already a portal at %(path)s.", path=path)) from None

    def set_portal_language(self, path: str, language: str) -> None:
        """Make a portal speak one language whatever the visitor's browser says ("": the browser's)."""
        if language not in ("", *LANGUAGES):
            raise Refused(_("A portal speaks English (en), French (fr), or the visitor's language."))
        self.db.write("UPDATE portals SET language = ? WHERE path = ?", (language, path))

    def set_portal_enabled(self, path: str, enabled: bool) -> None:
        if path == "/" and not enabled:
            raise Refused(_("The default portal / cannot be disabled."))
        self.db.write("UPDATE portals SET enabled = ? WHERE path = ?", (int(enabled), path))

    def set_portal_survey(self, path: str, survey: bool) -> None:
        """Turn the satisfaction survey after the end on or off for a portal's customers."""
        self.db.write("UPDATE portals SET survey = ? WHERE path = ?", (int(survey), path))

    # --- preferences and scripts -------------------------------------------

    def prefs(self, rep_id: int) -> dict:
        """Return a rep's chat preferences, defaults filled in."""
        row = self.db.row("SELECT prefs FROM rep_prefs WHERE rep_id = ?", (rep_id,))
        return prefs.DEFAULTS | (json.loads(row["prefs"]) if row else {})

    def set_prefs(self, rep_id: int, changes: dict) -> dict:
        """Check and keep changes to a rep's preferences; raise ``PrefsError`` with a reason."""
        with self.db.lock:
            kept = prefs.check(changes, self.prefs(rep_id))
            self.db.write("INSERT INTO rep_prefs (rep_id, prefs) VALUES (?, ?)"
                          " ON CONFLICT (rep_id) DO UPDATE SET prefs = excluded.prefs", (rep_id, json.dumps(kept)))
            return kept

    def scripts(self, rep_id: int) -> list[dict]:
        """Return the team's scripts and the rep's own, by kind, category and title."""
        rows = self.db.rows(
            "SELECT * FROM scripts WHERE owner_rep_id IS NULL OR owner_rep_id = ? ORDER BY kind, category, title",
            (rep_id,),
        )
        return [{"id": row["id"], "kind": row["kind"], "category": row["category"], "title": row["title"],
                 "body": row["body"], "mine": row["owner_rep_id"] is not None, "language": row["language"]}
                for row in rows]

    def add_script(self, owner_rep_id: int | None, kind: str, category: str, title: str, body: str,
                   language: str = "") -> None:
        """Add a scripted message or URL (``owner_rep_id`` None: shared) in a language ("": any); raise
        ``Refused`` on bad input."""
        try:
            kind, category, title, body = scripts.check(kind, category, title, body)
            language = scripts.check_language(language)
        except scripts.ScriptError as exc:
            raise Refused(str(exc)) from None
        self.db.write("INSERT INTO scripts (owner_rep_id, kind, category, title, body, language)"
                      " VALUES (?, ?, ?, ?, ?, ?)", (owner_rep_id, kind, category, title, body, language))

    def delete_script(self, script_id: int, owner_rep_id: int | None) -> None:
        self.db.write("DELETE FROM scripts WHERE id = ? AND owner_rep_id IS ?", (script_id, owner_rep_id))

    # --- settings ---------------------------------------------------------

    def setting(self, name: str, default: str = "") -> str:
        row = self.db.row("SELECT value FROM settings WHERE name = ?", (name,))
        return row["value"] if row else default

    def set_setting(self, name: str, value: str) -> None:
        self.db.write("INSERT INTO settings (name, value) VALUES (?, ?)"
                      " ON CONFLICT (name) DO UPDATE SET value = excluded.value", (name, value))


    def shared_secret(self, name: str) -> str:
        """Return the random secret kept under ``name``, made by whichever node asks first."""
        self.db.write("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                      (name, secrets.token_hex(32)))
        return self.setting(name)


def rep_from_row(row: sqlite3.Row) -> Rep:
    return Rep(row["id"], row["username"], row["display_name"], row["role"], bool(row["disabled"]))

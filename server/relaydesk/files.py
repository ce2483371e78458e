"""Move files between a session's customer and reps: upload, then download by that session's people only."""

from __future__ import annotations

import errno
import logging
import os
import re
import secrets
import sqlite3
import time
from pathlib import Path

import gevent
from flask import Blueprint, Flask, abort, current_app, jsonify, make_response, request, send_file
from werkzeug.exceptions import RequestTimeout

from .auth import current_rep, relay, same_origin, store
from .database import StorageError
from .i18n import _
from .model import Session
from .protocol import ProtocolError

log = logging.getLogger(__name__)

bp = Blueprint("files", __name__, url_prefix="/files")

CUSTOMER_COOKIE = "relaydesk_customer"
DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
# Control characters, and the marks and overrides that reorder text: "invoice\u202egnp.exe" reads "invoiceexe.png".
HIDDEN_IN_NAMES = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def where() -> Path:
    """Where uploaded files are kept: ``FILES_DIR``, a folder every node reaches, or "files" in the data folder."""
    return Path(current_app.config["FILES_DIR"] or Path(current_app.config["DATA_DIR"]) / "files")


def folder() -> Path:
    path = where()
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def clean_name(name: str) -> str:
    """Return a file's name as people may safely read it: no folders, no control or direction characters."""
    return HIDDEN_IN_NAMES.sub("", Path(name.replace("\\", "/")).name)[:200] or "file"


def customer_session() -> Session | None:
    """Return the session of the customer making this request (token header or cookie), else None."""
    token = request.headers.get("X-Relaydesk-Token") or request.cookies.get(CUSTOMER_COOKIE) or ""
    return store().session_for_token(token) if 32 <= len(token) <= 100 else None


def problem(status: int, message: str):
    return jsonify(error=message), status


@bp.post("/access")
def customer_access():
    """Let the customer's browser download its session's files: a cookie for /files only."""
    if not same_origin():
        abort(403)
    token = (request.get_json(silent=True) or {}).get("token", "")
    if not isinstance(token, str) or not 32 <= len(token) <= 100 or store().session_for_token(token) is None:
        return problem(404, _("This support session could not be found."))
    response = make_response("", 204)
    response.set_cookie(CUSTOMER_COOKIE, token, path="/files", httponly=True, samesite="Strict",
                        secure=request.is_secure)
    return response


@bp.post("/<int:session_id>")
def upload(session_id: int):
    """Store a file sent into a session and log it for everyone in it."""
    if not same_origin():
        abort(403)
    session, rep = store().get_session(session_id), current_rep()
    if session is None:
        return problem(404, _("That session does not exist."))
    if rep is not None and (me := store().participant(session_id, rep.id)) is not None:
        if me.hidden or me.role == "monitor":
            return problem(403, _("You are hidden from the customer: show yourself before sending a file."))
        author: tuple[str, str, int | None] = ("rep", rep.display_name, rep.id)
    elif (mine := customer_session()) is not None and mine.id == session_id:
        author = ("customer", session.customer_name, None)
    else:
        return problem(404, _("That session does not exist."))
    if session.status != "active":
        return problem(409, _("Files can be sent while the session is active."))
    refused = relay().quotas.file_refusal(session_id, request.content_length or 0)
    if refused is not None:  # before reading it
        return problem(*refused)
    return keep(session, author)


class PacedBody:
    """A request body that must keep a pace: after ``grace_s``, at least ``bytes_per_s`` on average, counted from
    its start.  A trickled upload is cut off (408) as it falls behind, not held until its whole declared size would
    be due.

    Whoever reads the body first (the CSRF check reads the form) reads it
    through this, so no read waits past the pace.
    """

    def __init__(self, body, grace_s: float, bytes_per_s: float, length: int) -> None:
        self.body, self.grace_s, self.bytes_per_s, self.length = body, grace_s, bytes_per_s, length
        self.started, self.got = time.monotonic(), 0

    def read(self, *args):
        return self._within(self.body.read, *args)

    def readline(self, *args):
        return self._within(self.body.readline, *args)

    def _within(self, read, *args):
        size = args[0] if args and isinstance(args[0], int) and args[0] > 0 else max(self.length - self.got, 1)
        due = self.started + self.grace_s + (self.got + size) / self.bytes_per_s
        left_s = due - time.monotonic()
        try:
            if left_s <= 0:
                raise gevent.Timeout()
            with gevent.Timeout(left_s):
                data = read(*args)
        except gevent.Timeout:
            raise RequestTimeout(_("The file came in too slowly and was not kept. Try again on a faster "
                                   "connection.")) from None
        self.got += len(data)
        return data


def pace_uploads(app: Flask) -> None:
    """Give every upload a pace before anything reads it: a few seconds' grace, then the slowest pace allowed.

    A client that trickles bytes would otherwise hold a connection (and a file
    descriptor) for as long as it likes.  Registered before the CSRF check.
    """

    @app.before_request
    def deadline() -> None:
        if request.method == "POST" and request.path.startswith("/files/"):
            request.environ["wsgi.input"] = PacedBody(request.environ["wsgi.input"], app.config["UPLOAD_GRACE_S"],
                                                      app.config["UPLOAD_MIN_KBPS"] * 1024,
                                                      request.content_length or 0)

    @app.errorhandler(RequestTimeout)
    def too_slow(error: RequestTimeout):
        answer = make_response(problem(408, str(error.description)))
        answer.headers["Connection"] = "close"  # what is still on its way is not read
        return answer


def keep(session: Session, author: tuple[str, str, int | None]):
    """Store the request's file and log it; on any failure keep nothing, neither the file nor its row."""
    file_id = secrets.token_urlsafe(18)
    path, listed, kept = where() / file_id, False, False
    try:
        sent = request.files.get("file")
        if sent is None or not sent.filename:
            return problem(400, _("Choose a file to send."))
        name = clean_name(sent.filename)
        with open(os.open(folder() / file_id, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            sent.save(out)
        size = path.stat().st_size
        if size > current_app.config["MAX_FILE_MB"] * 1024 * 1024:
            return problem(413, too_large())
        refused = relay().quotas.file_refusal(session.id, size)  # again: others may have come in meanwhile
        if refused is not None:
            return problem(*refused)
        store().add_file(file_id, session.id, name, size, author[0], author[1])
        listed = True
        relay().file_sent(session, file_id, name, size, *author)
        kept = True
        return jsonify(id=file_id, name=name, size=size), 201
    except ProtocolError:  # the session ended while the file came in
        return problem(409, _("Files can be sent while the session is active."))
    except StorageError as exc:
        log.error("a file sent into session %s was not listed: %s", session.id, exc.__cause__)
        return problem(507, str(exc))
    except (OSError, sqlite3.OperationalError) as exc:
        log.error("a file sent into session %s was not kept: %s", session.id, exc)
        if getattr(exc, "errno", None) in DISK_FULL or getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return problem(507, _("The server's disk is full, so the file was not kept. Try again later, or "
                                  "tell the support team."))
        return problem(500, _("The server could not keep that file. Try again later, or tell the support team."))
    finally:
        if not kept:
            discard(path)
            if listed:
                store().remove_file(file_id)


@bp.get("/<file_id>")
def download(file_id: str):
    """Serve a file to its session's people only, always as a download, never sniffed."""
    row = store().file(file_id)
    rep, mine = current_rep(), customer_session()
    allowed = row is not None and (
        (rep is not None and store().may_read(row["session_id"], rep))
        or (mine is not None and mine.id == row["session_id"])
    )
    if row is None or not allowed:
        return problem(404, _("There is no such file for you."))
    response = send_file(folder() / file_id, as_attachment=True, download_name=clean_name(row["name"]),
                         mimetype="application/octet-stream")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def discard(path: Path) -> None:
    """Remove a file that was not kept, if it was written at all."""
    try:
        path.unlink()
    except (FileNotFoundError, NotADirectoryError):
        pass
    except OSError as exc:
        log.error("could not remove %s, a file that was not kept: %s", path, exc)


def too_large() -> str:
    return _("That file is too large: files are limited to %(mb)s MB.", mb=current_app.config["MAX_FILE_MB"])

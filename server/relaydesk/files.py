"""Move files between a session's customer and reps: upload, then download by that session's people only."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, make_response, request, send_file

from .auth import current_rep, relay, same_origin, store
from .model import Session
from .protocol import ProtocolError

bp = Blueprint("files", __name__, url_prefix="/files")

CUSTOMER_COOKIE = "relaydesk_customer"


def folder() -> Path:
    path = Path(current_app.config["DATA_DIR"]) / "files"
    path.mkdir(exist_ok=True)
    return path


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
        return problem(404, "This support session could not be found.")
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
        return problem(404, "That session does not exist.")
    if rep is not None and (me := store().participant(session_id, rep.id)) is not None:
        if me.hidden or me.role == "monitor":
            return problem(403, "You are hidden from the customer: show yourself before sending a file.")
        author: tuple[str, str, int | None] = ("rep", rep.display_name, rep.id)
    elif (mine := customer_session()) is not None and mine.id == session_id:
        author = ("customer", session.customer_name, None)
    else:
        return problem(404, "That session does not exist.")
    if session.status != "active":
        return problem(409, "Files can be sent while the session is active.")
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        return problem(400, "Choose a file to send.")
    name = Path(sent.filename.replace("\\", "/")).name[:200] or "file"
    file_id = secrets.token_urlsafe(18)
    path = folder() / file_id
    sent.save(path)
    size = path.stat().st_size
    if size > current_app.config["MAX_FILE_MB"] * 1024 * 1024:
        path.unlink()
        return problem(413, too_large())
    store().add_file(file_id, session_id, name, size, author[0], author[1])
    try:
        relay().file_sent(session, file_id, name, size, *author)
    except ProtocolError:  # the session ended while the file came in
        return problem(409, "Files can be sent while the session is active.")
    return jsonify(id=file_id, name=name, size=size), 201


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
        return problem(404, "There is no such file for you.")
    response = send_file(folder() / file_id, as_attachment=True, download_name=row["name"],
                         mimetype="application/octet-stream")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def too_large() -> str:
    return f"That file is too large: files are limited to {current_app.config['MAX_FILE_MB']} MB."

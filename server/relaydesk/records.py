"""Let people take chat logs away: exports for reps, the customer's own copy, and history."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from . import transcript
from .auth import current_rep, same_origin, store
from .protocol import AUDIENCE_ALL, AUDIENCE_REPS
from .relay import rep_summary
from .store import Session

bp = Blueprint("records", __name__)

FORMATS = {"text": ("txt", "text/plain; charset=utf-8"), "html": ("html", "text/html; charset=utf-8")}


def download(session: Session, audiences: tuple[str, ...], format: str, tz_name: str | None) -> Response:
    """Return a session's log as an attachment with a sensible file name."""
    if format not in FORMATS:
        abort(400, "The format is text or html.")
    extension, mimetype = FORMATS[format]
    events = store().events_since(session.id, 0, audiences)
    render = transcript.render_text if format == "text" else transcript.render_html
    body = render(rep_summary(session), events, transcript.zone(tz_name))
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{transcript.file_name(session, extension)}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def readable_session(session_id: int) -> Session:
    """Return a session the signed-in rep may read; the same 404 for every other id."""
    rep = current_rep()
    if rep is None:
        abort(401)
    session = store().get_session(session_id)
    if session is None or not store().may_read(session_id, rep):
        abort(404, "There is no session with that ID that you can read.")
    return session


@bp.get("/rep/sessions/<int:session_id>/export")
def export(session_id: int):
    session = readable_session(session_id)
    private = request.args.get("private") in ("1", "on", "true")
    audiences = (AUDIENCE_ALL, AUDIENCE_REPS) if private else (AUDIENCE_ALL,)
    return download(session, audiences, request.args.get("format", "text"), request.args.get("tz"))


@bp.get("/rep/sessions/<int:session_id>")
def read_only_log(session_id: int):
    session = readable_session(session_id)
    events = store().events_since(session.id, 0, (AUDIENCE_ALL, AUDIENCE_REPS))
    return transcript.render_html(rep_summary(session), events, transcript.zone(request.args.get("tz")))


@bp.get("/rep/history")
def history():
    rep = current_rep()
    if rep is None:
        abort(401)
    query = request.args.get("q", "").strip()[:200]
    results = store().search_sessions(query, rep) if query else []
    return render_template("history.html", query=query, results=results, rep=rep)


@bp.post("/transcript")
def customer_transcript():
    """Give the customer their own copy: their session's public entries only."""
    if not same_origin():
        abort(403)
    token = request.form.get("token", "")
    session = store().session_for_token(token) if 32 <= len(token) <= 100 else None
    if session is None:
        abort(404, "This support session could not be found.")
    return download(session, (AUDIENCE_ALL,), request.form.get("format", "text"), request.form.get("tz"))

"""Let people take chat logs away: exports for reps, the customer's own copy, and history."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from . import transcript
from .auth import current_rep, same_origin, store
from .details import rating_text
from .relay import rep_summary
from .store import Event, Rep, Session

bp = Blueprint("records", __name__)

FORMATS = {"text": ("txt", "text/plain"), "html": ("html", "text/html")}  # Flask adds "; charset=utf-8"


def download(session: Session, events: list[Event], format: str, tz_name: str | None, for_customer: bool = False,
             ) -> Response:
    """Return a session's log as an attachment with a sensible file name."""
    if format not in FORMATS:
        abort(400, "The format is text or html.")
    extension, mimetype = FORMATS[format]
    render = transcript.render_text if format == "text" else transcript.render_html
    body = render(rep_summary(session), events, transcript.zone(tz_name), for_customer)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{transcript.file_name(session, extension)}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def readable_session(session_id: int) -> tuple[Session, Rep]:
    """Return a session the signed-in rep may read, and the rep; the same 404 for every other id."""
    rep = current_rep()
    if rep is None:
        abort(401)
    session = store().get_session(session_id)
    if session is None or not store().may_read(session_id, rep):
        abort(404, "There is no session with that ID that you can read.")
    return session, rep


@bp.get("/rep/sessions/<int:session_id>/export")
def export(session_id: int):
    session, rep = readable_session(session_id)
    private = request.args.get("private") in ("1", "on", "true")
    events = store().events_since(session.id, 0, rep_id=rep.id, public_only=not private)
    return download(session, events, request.args.get("format", "text"), request.args.get("tz"))


@bp.get("/rep/sessions/<int:session_id>")
def read_only_log(session_id: int):
    session, rep = readable_session(session_id)
    events = store().events_since(session.id, 0, rep_id=rep.id)
    return transcript.render_html(rep_summary(session), events, transcript.zone(request.args.get("tz")))


@bp.get("/rep/history")
def history():
    rep = current_rep()
    if rep is None:
        abort(401)
    query = request.args.get("q", "").strip()[:200]
    results = store().search_sessions(query, rep) if query else []
    return render_template("history.html", query=query, results=results, rep=rep, rating_text=rating_text)


@bp.post("/transcript")
def customer_transcript():
    """Give the customer their own copy: their session's public entries only."""
    if not same_origin():
        abort(403)
    token = request.form.get("token", "")
    session = store().session_for_token(token) if 32 <= len(token) <= 100 else None
    if session is None:
        abort(404, "This support session could not be found.")
    events = store().events_since(session.id, 0)
    return download(session, events, request.form.get("format", "text"), request.form.get("tz"), for_customer=True)

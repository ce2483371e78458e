"""The reports page (``/rep/reports``) and its CSV: admins see every session, a rep only those they took part in."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from flask import Blueprint, Response, copy_current_request_context, current_app, render_template, request

from . import reports, transcript
from .auth import signed_in, store
from .store import Rep

bp = Blueprint("reports", __name__, url_prefix="/rep/reports")
Result = TypeVar("Result")


def _read(work: Callable[[sqlite3.Connection], Result]) -> Result:
    """Read, count and write on a connection of its own (``Database.detached_read``: a year's report reads
    ~100,000 rows and renders a line a day).  ``work`` must not touch the store (its locks are the hub's); what
    needs the request (``_``, ``url_for``) it gets by ``copy_current_request_context``."""
    return store().db.detached_read(work)


def _scope(rep: Rep) -> tuple[reports.Scope, str | None, dict[int, str]]:
    """The range and filters the form asks for, as ``rep`` may see them; what was wrong with the form; and the
    reps ``rep`` may see a line for."""
    tz = transcript.zone(request.args.get("tz"))
    scope, problem = reports.scope_from(request.args.to_dict(), tz, datetime.now(tz).date())
    portals = {row["id"] for row in store().portals()}
    portal = request.args.get("portal", "")
    portal_id = int(portal) if portal.isdigit() and int(portal) in portals else None
    if rep.is_admin:
        names = {r.id: r.display_name for r in store().reps()}
        chosen = request.args.get("rep", "")
        rep_id = int(chosen) if chosen.isdigit() and int(chosen) in names else None
    else:
        names, rep_id = {rep.id: rep.display_name}, rep.id
    return reports.Scope(scope.first, scope.last, tz, portal_id, rep_id), problem, names


@bp.get("")
def page():
    rep = signed_in()
    scope, problem, names = _scope(rep)
    lines = names if rep.is_admin else {rep.id: rep.display_name}
    # What needs the store is read here, on the hub (its locks are the hub's); the rest runs on a thread.
    portals, reps = store().portals(), store().reps() if rep.is_admin else []
    chart_script, query = _chart_script(), request.query_string.decode()

    @copy_current_request_context  # the thread renders for this request: its language, its URLs
    def build(db: sqlite3.Connection) -> str:
        report = reports.summarize(reports.sessions(db, scope, names=False), scope, lines)
        return render_template(
            "reports.html", rep=rep, scope=scope, problem=problem, report=report,
            charts=reports.chart_json(report), alternatives=reports.alternatives(report),
            outcome_names=reports.outcome_names(),
            wait_buckets=list(zip(reports.wait_bucket_names(), report["wait_buckets"], strict=True)),
            outcome_rows=[(name, report["whole"]["outcomes"][key]) for key, name in reports.outcome_names().items()],
            rating_rows=[(f"{value} — {name}", report["whole"]["ratings"][str(value)])
                         for value, name in reports.rating_names().items()],
            portals=portals, reps=reps, query=query, tz_name=str(scope.tz), chart_script=chart_script,
        )

    return _read(build)


@bp.get("/sessions.csv")
def sessions_csv():
    rep = signed_in()
    scope, _problem, names = _scope(rep)
    every = {r.id: r.display_name for r in store().reps()}
    body = _read(lambda db: reports.csv_text(reports.sessions(db, scope), scope.tz, lambda id: every.get(id, "")))
    response = Response(body, mimetype="text/csv")
    name = f"relaydesk-sessions-{scope.first.isoformat()}-to-{scope.last.isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _chart_script() -> str | None:
    """The charting library's URL; None if it is not installed (the page's tables still say everything)."""
    return current_app.extensions["relaydesk_assets"].chart_script


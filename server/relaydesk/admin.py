"""Let admins manage reps, portals and team settings from the rep console."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from .auth import relay, same_origin, signed_in, store
from .i18n import _
from .protocol import ProtocolError
from .store import Refused

bp = Blueprint("admin", __name__, url_prefix="/rep/admin")


@bp.before_request
def admins_only():
    if not signed_in().is_admin:
        abort(403, "Only admins manage reps and portals.")
    if request.method == "POST" and not same_origin():
        abort(403)


@bp.get("")
def page():
    return render_template("admin.html", rep=signed_in(), reps=store().reps(), portals=store().portals(),
                           greeting=store().setting("team_greeting"),
                           invite_hidden=store().setting("invite_hidden") == "1",
                           typing_preview=store().setting("typing_preview") == "1",
                           max_sessions=store().setting("max_sessions", "0"),
                           active=[s for s in store().open_sessions() if s.status == "active"],
                           scripts=[s for s in store().scripts(signed_in().id) if not s["mine"]])


def _done(message: str, category: str = "ok"):
    flash(message, category)
    return redirect(url_for("admin.page"))


@bp.post("/reps")
def add_rep():
    form = request.form
    try:
        rep = store().add_rep(form.get("username", ""), form.get("name", ""), form.get("password", ""),
                              admin=form.get("admin") == "on")
    except ValueError as exc:
        return _done(str(exc), "error")
    return _done(f"Added {rep.display_name} ({rep.username}).")


@bp.post("/portals")
def add_portal():
    form = request.form
    try:
        store().add_portal(form.get("path", ""), form.get("name", ""), form.get("greeting", ""))
    except Refused as exc:
        return _done(str(exc), "error")
    return _done(f"Added the portal {form.get('path', '').strip().lower()}.")


@bp.post("/portals/enabled")
def enable_portal():
    path, enabled = request.form.get("path", ""), request.form.get("enabled") == "1"
    try:
        store().set_portal_enabled(path, enabled)
    except Refused as exc:
        return _done(str(exc), "error")
    return _done(f"{'Enabled' if enabled else 'Disabled'} the portal {path}.")


@bp.post("/portals/survey")
def portal_survey():
    """Ask a portal's customers how satisfied they are when their session ends, or stop asking."""
    path, survey = request.form.get("path", ""), request.form.get("survey") == "1"
    store().set_portal_survey(path, survey)
    return _done(_("Turned on the feedback survey on %(path)s.", path=path) if survey else
                 _("Turned off the feedback survey on %(path)s.", path=path))


@bp.post("/settings")
def settings():
    greeting = request.form.get("greeting", "").strip()
    if len(greeting) > 1000:
        return _done("The team greeting is 1,000 characters at most.", "error")
    store().set_setting("team_greeting", greeting)
    most = request.form.get("max_sessions", "0").strip() or "0"
    if not most.isdigit() or int(most) > 100:
        return _done("The most sessions a rep may hold is a whole number from 0 (no limit) to 100.", "error")
    store().set_setting("invite_hidden", "1" if request.form.get("invite_hidden") == "on" else "0")
    store().set_setting("max_sessions", str(int(most)))
    preview = "1" if request.form.get("typing_preview") == "on" else "0"
    if preview != store().setting("typing_preview", "0"):
        store().set_setting("typing_preview", preview)
        for session in store().open_sessions():  # their customers' pages start, or stop, sending what they type
            relay().session_changed(session.id)
    return _done("Saved the team settings.")


@bp.post("/scripts")
def add_script():
    form = request.form
    try:
        store().add_script(None, form.get("kind", ""), form.get("category", ""), form.get("title", ""),
                           form.get("body", ""))
    except Refused as exc:
        return _done(str(exc), "error")
    return _done(f"Added “{form.get('title', '').strip()}” to the team's library.")


@bp.post("/scripts/<int:script_id>/delete")
def delete_script(script_id: int):
    store().delete_script(script_id, None)
    return _done("Removed the script from the team's library.")


@bp.post("/monitor/<int:session_id>")
def monitor(session_id: int):
    """Join an active session hidden and read-only; it opens in the admin's console."""
    session = store().get_session(session_id)
    if session is None or session.status != "active":
        return _done("That session is not active any more.", "error")
    try:
        relay().team.monitor(session, signed_in())
    except ProtocolError:  # it ended meanwhile
        return _done("That session is not active any more.", "error")
    return redirect(url_for("pages.console"))


@bp.get("/relay")
def relay_size():
    """Tell operators what the relay holds live: open sessions, connections, screen pictures."""
    return jsonify(relay().hub.size())

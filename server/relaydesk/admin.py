"""Let admins manage reps, portals and team settings from the rep console."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for

from .auth import relay, same_origin, signed_in, store
from .i18n import N_, _
from .protocol import ProtocolError, web_url
from .store import Refused, Rep

bp = Blueprint("admin", __name__, url_prefix="/rep/admin")


@bp.before_request
def admins_only():
    if not signed_in().is_admin:
        abort(403, _("Only admins manage reps and portals."))
    if request.method == "POST" and not same_origin():
        abort(403)


@bp.get("")
def page():
    return render_template("admin.html", rep=signed_in(), reps=store().reps(), portals=store().portals(),
                           greeting=store().setting("team_greeting"),
                           invite_hidden=store().setting("invite_hidden") == "1",
                           typing_preview=store().setting("typing_preview") == "1",
                           max_sessions=store().setting("max_sessions", "0"),
                           auto_assign=store().setting("auto_assign") == "1",
                           me=signed_in(), statuses={r["id"]: r["status"] for r in relay().routing.team_view()},
                           audit=store().roster.audit_log(), webhook_url=relay().webhooks.url(),
                           webhook_secret=relay().webhooks.secret(), deliveries=store().roster.deliveries(),
                           active=[s for s in store().open_sessions() if s.status == "active"],
                           scripts=[s for s in store().scripts(signed_in().id) if not s["mine"]])


def _done(message: str, category: str = "ok"):
    flash(message, category)
    return redirect(url_for("admin.page"))


def _audit(action: str, target: str = "") -> None:
    """Write an admin's action to the audit log shown on the admin page: who, what, when.  ``action`` is an
    ``N_``-marked English phrase, kept as is and translated as the page shows it."""
    admin = signed_in()
    store().roster.audit(admin.id, f"{admin.display_name} ({admin.username})", action, target)


def _named(rep: Rep) -> str:
    return f"{rep.display_name} ({rep.username})"


def _rep_or_404(rep_id: int) -> Rep:
    rep = store().get_rep(rep_id)
    if rep is None:
        abort(404)
    return rep


@bp.post("/reps")
def add_rep():
    form = request.form
    try:
        rep = store().add_rep(form.get("username", ""), form.get("name", ""), form.get("password", ""),
                              admin=form.get("admin") == "on")
    except ValueError as exc:
        return _done(str(exc), "error")
    _audit(N_("Added the representative as an admin") if rep.is_admin else N_("Added the representative"),
           _named(rep))
    relay().routing.team_changed()
    return _done(_("Added %(name)s (%(username)s).", name=rep.display_name, username=rep.username))


@bp.post("/reps/<int:rep_id>/enabled")
def enable_rep(rep_id: int):
    """Disable a rep (their consoles are signed out at once, their sockets closed) or enable them again."""
    rep, enabled = _rep_or_404(rep_id), request.form.get("enabled") == "1"
    if not enabled and rep.id == signed_in().id:
        return _done(_("You cannot disable yourself."), "error")
    if not enabled and rep.is_admin and not rep.disabled and store().roster.admins() <= 1:
        return _done(_("The last admin cannot be disabled."), "error")
    store().set_rep_disabled(rep.username, not enabled)
    relay().reps_changed()
    _audit(N_("Enabled the representative") if enabled else N_("Disabled the representative"), _named(rep))
    return _done(_("Enabled %(name)s.", name=_named(rep)) if enabled else _("Disabled %(name)s.", name=_named(rep)))


@bp.post("/reps/<int:rep_id>/password")
def reset_password(rep_id: int):
    """Give a rep a new password; every sign-in they have ends."""
    rep = _rep_or_404(rep_id)
    try:
        store().set_password(rep.username, request.form.get("password", ""))
    except ValueError as exc:
        return _done(str(exc), "error")
    relay().reps_changed()
    _audit(N_("Reset the password of"), _named(rep))
    return _done(_("Reset the password of %(name)s; they were signed out everywhere.", name=_named(rep)))


@bp.post("/reps/<int:rep_id>/admin")
def set_admin(rep_id: int):
    """Make a rep an admin, or no longer one: never the last admin."""
    rep, admin = _rep_or_404(rep_id), request.form.get("admin") == "1"
    if rep.is_admin and not admin and not rep.disabled and store().roster.admins() <= 1:
        return _done(_("The team needs at least one admin: make another representative an admin first."), "error")
    store().roster.set_role(rep.id, admin)
    _audit(N_("Made an admin:") if admin else N_("Removed as admin:"), _named(rep))
    if rep.id == signed_in().id and not admin:  # the admin page is no longer theirs
        return redirect(url_for("pages.console"))
    if admin:
        return _done(_("%(name)s is now an admin.", name=_named(rep)))
    return _done(_("%(name)s is no longer an admin.", name=_named(rep)))


@bp.post("/portals")
def add_portal():
    form = request.form
    try:
        store().add_portal(form.get("path", ""), form.get("name", ""), form.get("greeting", ""))
    except Refused as exc:
        return _done(str(exc), "error")
    _audit(N_("Added the portal"), form.get("path", "").strip().lower())
    return _done(_("Added the portal %(path)s.", path=form.get("path", "").strip().lower()))


@bp.post("/portals/language")
def portal_language():
    path, language = request.form.get("path", ""), request.form.get("language", "")
    try:
        store().set_portal_language(path, language)
    except Refused as exc:
        return _done(str(exc), "error")
    return _done(_("Saved the language of the portal %(path)s.", path=path))


@bp.post("/portals/enabled")
def enable_portal():
    path, enabled = request.form.get("path", ""), request.form.get("enabled") == "1"
    try:
        store().set_portal_enabled(path, enabled)
    except Refused as exc:
        return _done(str(exc), "error")
    _audit(N_("Enabled the portal") if enabled else N_("Disabled the portal"), path)
    return _done(_("Enabled the portal %(path)s.", path=path) if enabled else
                 _("Disabled the portal %(path)s.", path=path))


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
        return _done(_("The team greeting is 1,000 characters at most."), "error")
    store().set_setting("team_greeting", greeting)
    most = request.form.get("max_sessions", "0").strip() or "0"
    if not most.isdigit() or int(most) > 100:
        return _done(_("The most sessions a rep may hold is a whole number from 0 (no limit) to 100."), "error")
    store().set_setting("invite_hidden", "1" if request.form.get("invite_hidden") == "on" else "0")
    store().set_setting("max_sessions", str(int(most)))
    preview = "1" if request.form.get("typing_preview") == "on" else "0"
    if preview != store().setting("typing_preview", "0"):
        store().set_setting("typing_preview", preview)
        for session in store().open_sessions():  # their customers' pages start, or stop, sending what they type
            relay().session_changed(session.id)
    store().set_setting("auto_assign", "1" if request.form.get("auto_assign") == "on" else "0")
    _audit(N_("Saved the team settings"))
    relay().routing.assign_waiting()
    return _done(_("Saved the team settings."))


@bp.post("/webhook")
def webhook():
    """Set the team's webhook URL (empty: none)."""
    url = request.form.get("url", "").strip()
    if url:
        try:
            url = web_url(url)
        except ProtocolError as exc:
            return _done(exc.message, "error")
    store().set_setting("webhook_url", url)
    _audit(N_("Set the webhook URL") if url else N_("Removed the webhook URL"), url)
    return _done(_("Saved the webhook URL.") if url else _("Removed the webhook URL."))


@bp.post("/webhook/secret")
def webhook_secret():
    relay().webhooks.new_secret()
    _audit(N_("Made a new webhook secret"))
    return _done(_("Made a new webhook secret: give it to the receiving system."))


@bp.post("/scripts")
def add_script():
    form = request.form
    try:
        store().add_script(None, form.get("kind", ""), form.get("category", ""), form.get("title", ""),
                           form.get("body", ""), form.get("language", ""))
    except Refused as exc:
        return _done(str(exc), "error")
    _audit(N_("Added to the team's library"), form.get("title", "").strip())
    return _done(_("Added “%(title)s” to the team's library.", title=form.get("title", "").strip()))


@bp.post("/scripts/<int:script_id>/delete")
def delete_script(script_id: int):
    store().delete_script(script_id, None)
    _audit(N_("Removed from the team's library"), f"#{script_id}")
    return _done(_("Removed the script from the team's library."))


@bp.post("/monitor/<int:session_id>")
def monitor(session_id: int):
    """Join an active session hidden and read-only; it opens in the admin's console."""
    session = store().get_session(session_id)
    if session is None or session.status != "active":
        return _done(_("That session is not active any more."), "error")
    try:
        relay().team.monitor(session, signed_in())
    except ProtocolError:  # it ended meanwhile
        return _done(_("That session is not active any more."), "error")
    _audit(N_("Monitored the session"), str(session.id))
    return redirect(url_for("pages.console"))


@bp.get("/relay")
def relay_size():
    """Tell operators what the relay holds live: open sessions, connections, screen pictures."""
    return jsonify(relay().hub.size())

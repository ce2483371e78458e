"""Let a rep change their own password."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for

from .auth import relay, same_origin, signed_in, store
from .i18n import _

bp = Blueprint("account", __name__, url_prefix="/rep/password")


@bp.get("")
def page():
    return render_template("password.html", rep=signed_in())


@bp.post("")
def change():
    """Check the current password, keep the new one, and end every other sign-in the rep has: this browser stays
    signed in, under a sign-in of its own."""
    if not same_origin():
        abort(403)
    rep, form = signed_in(), request.form
    if store().authenticate(rep.username, form.get("current", "")) is None:
        flash(_("Your current password is not that."), "error")
        return redirect(url_for("account.page"))
    if form.get("new", "") != form.get("again", ""):
        flash(_("The new password and its repetition differ."), "error")
        return redirect(url_for("account.page"))
    try:
        store().set_password(rep.username, form.get("new", ""))
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("account.page"))
    session["sign_in"] = relay().sign_ins.start(rep, request.user_agent.string, request.remote_addr or "")
    relay().reps_changed()  # the sockets of the sign-ins that ended close now
    flash(_("Changed your password. Your other sign-ins were ended."), "ok")
    return redirect(url_for("account.page"))

"""Sign reps in and out, and refuse requests from other origins."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for

from .i18n import _
from .relay import Relay
from .signins import SignIn
from .store import Rep, Store
from .throttle import LockedOut, wait_text

bp = Blueprint("auth", __name__)


def relay() -> Relay:
    return current_app.extensions["relaydesk"]


def store() -> Store:
    return relay().store


def current_sign_in() -> SignIn | None:
    """Return the sign-in this request's cookie names, while it lasts; else None. Looked up once a request."""
    if "sign_in" not in g:
        sign_in_id = session.get("sign_in")
        g.sign_in = relay().sign_ins.find(sign_in_id) if isinstance(sign_in_id, str) else None
    return g.sign_in


def current_rep() -> Rep | None:
    """Return the signed-in rep of this request, else None."""
    sign_in = current_sign_in()
    return sign_in.rep if sign_in else None


def signed_in() -> Rep:
    """Return the signed-in rep of a request that needs one; any other gets a 401."""
    rep = current_rep()
    if rep is None:
        abort(401)
    return rep


def same_origin() -> bool:
    """Tell whether the request's Origin header names this server (or an allowed one).

    Browsers always send Origin on websocket handshakes and on POSTs, so a
    missing header means a non-browser client, which carries no victim's
    cookie; a foreign one is a cross-site request and is refused.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return request.method != "GET"  # websocket handshakes are GETs and must name their origin
    if origin in current_app.config["ALLOWED_ORIGINS"]:
        return True
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc == request.host


@bp.post("/rep/sign-in")
def sign_in():
    if not same_origin():
        abort(403)
    username, password = request.form.get("username", ""), request.form.get("password", "")
    try:
        rep = relay().throttle.sign_in(username, request.remote_addr or "",
                                       lambda: store().authenticate(username, password))
    except LockedOut as locked:
        return _locked_out(username, locked)
    if rep is None:
        current_app.logger.info("failed sign-in for %r from %s", username[:40], request.remote_addr)
        return render_template("sign-in.html", error=_("Wrong username or password."), username=username), 401
    if rep.disabled:
        return render_template("sign-in.html", error=_("This account is disabled."), username=username), 403
    session.clear()
    session["sign_in"] = relay().sign_ins.start(rep, request.user_agent.string, request.remote_addr or "")
    session.permanent = True
    return redirect(url_for("pages.console"))


def _locked_out(username: str, locked: LockedOut) -> tuple[str, int, dict]:
    """Answer 429 with Retry-After, and tell the rep when to try again."""
    error = _("Too many attempts: try again in %(wait)s.", wait=wait_text(locked.wait))
    if locked.failed:
        error = _("Wrong username or password. %(error)s", error=error)
    return render_template("sign-in.html", error=error, username=username), 429, {"Retry-After": math.ceil(locked.wait)}


@bp.post("/rep/sign-out")
def sign_out():
    if not same_origin():
        abort(403)
    if isinstance(sign_in_id := session.get("sign_in"), str):
        relay().sign_out(sign_in_id)
    session.clear()
    return redirect(url_for("pages.console"))

"""Security headers on every response: what a page may load and run, who may frame it, what it may use, what is kept.

The Content-Security-Policy is the least PyScript and Pyodide run under (see
README, "Headers and CSP"): scripts from our origin only, plus
``'wasm-unsafe-eval'`` so that Pyodide may compile WebAssembly (not
``'unsafe-eval'``: nothing calls ``eval``); no inline script or style but the
read-only log's one stylesheet, by hash; pictures from our origin and the
``data:`` URLs screen sharing shows; fetches and websockets to our origin only.
Browsers report what it blocks to ``/csp-report``, which logs it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging

from flask import Blueprint, Response, current_app, request

from .transcript import LOG_STYLE

log = logging.getLogger("relaydesk.csp")
bp = Blueprint("headers", __name__)

REPORT_PATH = "/csp-report"
LOG_STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(LOG_STYLE.encode()).digest()).decode()
CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    f"style-src 'self' '{LOG_STYLE_HASH}'",
    "img-src 'self' data: blob:",  # blob: the pictures of a customer's screen, made in the page from binary frames
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    f"report-uri {REPORT_PATH}",
])
# Screen sharing asks for display capture, from our pages only; nothing else powerful is ever asked for. The camera
# is left at its default (our own pages): Chromium checks it as getDisplayMedia starts, and logs a violation if off.
PERMISSIONS = ", ".join(["display-capture=(self)"] + [f"{feature}=()" for feature in (
    "microphone", "geolocation", "payment", "usb", "serial", "hid", "midi",
    "accelerometer", "gyroscope", "magnetometer", "publickey-credentials-get", "screen-wake-lock")])
# What any visitor may have, kept by browsers as the views say; everything else is someone's and is not kept.
# (WhiteNoise serves the build and web/static before the app sees them: see assets.Served.)
PUBLIC_ENDPOINTS = {"static", "pages.shared_module", "pages.browser_module", "pages.python_archive", "pages.favicon"}
MAX_REPORT_BYTES = 16 * 1024


def add_security_headers(headers, https: bool) -> None:
    """Set the headers every response carries, the app's and the files WhiteNoise serves before it alike."""
    headers["Content-Security-Policy"] = CSP
    headers["Referrer-Policy"] = "same-origin"  # see README: no-referrer would make browsers send Origin: null
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Permissions-Policy"] = PERMISSIONS
    if https:  # served over HTTPS: browsers are to come back only that way
        headers["Strict-Transport-Security"] = "max-age=31536000"


@bp.after_app_request
def secure(response: Response) -> Response:
    headers = response.headers
    add_security_headers(headers, bool(current_app.config["SESSION_COOKIE_SECURE"]))
    if request.endpoint not in PUBLIC_ENDPOINTS:
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response


@bp.post(REPORT_PATH)
def csp_report():
    """Log what the Content-Security-Policy blocked: a page that broke, or an attack that failed."""
    try:
        sent = json.loads(request.stream.read(MAX_REPORT_BYTES))
    except ValueError:
        return "", 400
    # report-uri sends {"csp-report": {...}}; the Reporting API (report-to) sends [{"type": ..., "body": {...}}].
    if isinstance(sent, dict):
        reports = [sent.get("csp-report")]
    else:
        reports = [item.get("body") for item in sent if isinstance(item, dict)] if isinstance(sent, list) else []
    for report in reports:
        if isinstance(report, dict):
            log.warning("CSP violation: %s blocked %s on %s",
                        _field(report, "effective-directive", "effectiveDirective"),
                        _field(report, "blocked-uri", "blockedURL"), _field(report, "document-uri", "documentURL"))
    return "", 204


def _field(report: dict, *names: str) -> str:
    """Return a report's field under whichever of its two spellings it came, cut short for the log."""
    return next((str(report[name])[:300] for name in names if name in report), "?")

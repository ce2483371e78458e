"""For load balancers and monitoring: ``/healthz`` (the process answers), ``/readyz`` (it can serve: the database
answers, its schema is current, the broker answers when there is one, there is room for more connections) and
``/metrics`` (Prometheus).

``/metrics`` tells how busy the node is and which errors clients meet, so it
is not public: it answers a client on the node's own machine that came
straight (no proxy's ``X-Forwarded-For``: behind nginx on the same machine
every visitor arrives from loopback), or one that shows ``METRICS_TOKEN`` as
a bearer token.  Anyone else gets the 404 of a page that does not exist.
"""

from __future__ import annotations

import ipaddress
import secrets

from flask import Blueprint, Response, abort, current_app, request

from . import migrations
from .metrics import CONTENT_TYPE

bp = Blueprint("health", __name__)

DEFAULTS: dict[str, object] = {
    "METRICS_TOKEN": "",  # a bearer token that opens /metrics from elsewhere than loopback ("": loopback only)
}
UNGATED = ("/healthz", "/readyz", "/metrics")  # answered even when the node is full: they are how one learns it


@bp.get("/healthz")
def healthz():
    return Response("ok\n", mimetype="text/plain")


@bp.get("/readyz")
def readyz():
    """200 when this node can take more work; 503 with the reasons otherwise, one per line."""
    relay = current_app.extensions["relaydesk"]
    problems = []
    try:
        version = relay.store.db.row("SELECT max(number) AS n FROM schema_migrations")["n"]
    except Exception as exc:  # whatever the database says, the answer is "not ready", with its words
        problems.append(f"database: {exc}")
    else:
        if version != migrations.latest():
            problems.append(f"migrations: the database is at {version}, this node expects {migrations.latest()}")
    if relay.broker is not None:
        try:
            relay.broker.ping()
        except Exception as exc:  # Redis unreachable: this node would miss what the others send
            problems.append(f"broker: {exc}")
    if current_app.extensions["relaydesk.gate"].crowded:
        problems.append("connections: full, open to signed-in reps only")
    if problems:
        return Response("".join(f"{line}\n" for line in problems), status=503, mimetype="text/plain")
    return Response("ready\n", mimetype="text/plain")


@bp.get("/metrics")
def metrics():
    if not _may_read_metrics():
        abort(404)
    return Response(current_app.extensions["relaydesk"].metrics.exposition(), content_type=CONTENT_TYPE)


def _may_read_metrics() -> bool:
    token = str(current_app.config["METRICS_TOKEN"])
    if token:
        shown = request.headers.get("Authorization", "")
        if secrets.compare_digest(shown.encode(), f"Bearer {token}".encode()):
            return True
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.environ.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False

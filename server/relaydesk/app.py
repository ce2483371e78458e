"""Build the Relaydesk Flask application."""

from __future__ import annotations

import mimetypes
import os
import secrets
from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path

from flask import Flask, abort, g, make_response, render_template, request
from flask_sock import Sock
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import Forbidden, HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    admin,
    assets,
    auth,
    broker,
    doors,
    files,
    headers,
    health,
    i18n,
    library,
    logs,
    pages,
    prefs,
    quotas,
    records,
    throttle,
    transcript,
    wire,
)
from .account import bp as account_bp
from .hub import CustomerConnection, RepConnection
from .i18n import N_, _
from .i18n import init_app as set_up_languages
from .passwords import Passwords
from .relay import Relay
from .report_pages import bp as reports_bp
from .store import Store
from .webhook import DEFAULTS as WEBHOOK_DEFAULTS
from .wire import Outbox, outbox

mimetypes.add_type("application/wasm", ".wasm")
mimetypes.add_type("text/javascript", ".mjs")

REPO_WEB_DIR = Path(__file__).resolve().parents[2] / "web"

DEFAULTS: dict[str, object] = {
    "DATA_DIR": None,  # None: the instance folder
    # "postgresql://user:password@host/name" for several nodes sharing one database; "": SQLite, relaydesk.db in
    # the data folder
    "DATABASE_URL": "",
    "FILES_DIR": "",  # where uploaded files are kept ("": "files" in the data folder); several nodes: a shared folder
    "WEB_DIR": str(REPO_WEB_DIR),
    "ALLOWED_ORIGINS": [],
    "DB_SYNCHRONOUS": "FULL",
    "KEY_LIFETIME_S": 20 * 60,  # how long a session key stays valid
    "QUEUE_TIMEOUT_S": 30 * 60,  # how long a customer may wait before the request times out
    "CUSTOMER_GONE_S": 20,  # how long a customer may be disconnected before they count as gone
    "HOUSEKEEPING_S": 1.0,  # how often the queue and presence are swept
    "MAX_FILE_MB": 25,  # the largest file a customer or rep may send
    "UPLOAD_GRACE_S": 20,  # an upload may take this long, plus its size at UPLOAD_MIN_KBPS, before it is dropped
    "UPLOAD_MIN_KBPS": 8,  # the slowest pace (KB/s) an upload may come in at
    "WARM_STARTS": True,  # pages keep a memory snapshot of Python in the browser, so later starts are fast
    "WAITING_MESSAGES": 20,  # messages a customer may write while still waiting in the queue
    "ALLOW_SHARED_DATA_DIR": False,  # True: start even when other users may read the data folder
    "HISTORY_PAGE_EVENTS": 200,  # the most events one page of a replay or a session's history holds
    "HISTORY_PAGE_CHARS": 64 * 1024,  # and the most characters of text (one event at least)
    "SEND_TIMEOUT_S": 10,  # a frame a client does not take within this closes its connection
    "MAX_KEYS_PER_REP": 5,  # session keys one rep may have waiting for customers at once
    "TRUSTED_PROXIES": 0,  # reverse proxies in front that set X-Forwarded-For: the client address comes from it
    "HASH_OFF_HUB": True,  # hash passwords on gevent's threadpool (False only to measure the difference)
    "GROUP_COMMIT": True,  # store the events that come during a commit in the next one (False only to measure)
    "DB_WORKER": "thread",  # what writes to SQLite off the hub: "thread" (its own) or "pool" (gevent's threadpool)
    "PIPELINED": True,  # read a client's next frame while its message goes to disk (False only to measure)
    "ADMIT_BACKLOG": wire.ADMIT_BACKLOG,  # clients' events taken, not yet answered, before no socket is read
    "GC_THRESHOLD": 20_000,  # allocations between young garbage collections in ``relaydesk serve`` (Python's: 700)
    "GIL_SWITCH_MS": 5,  # how long the hub may keep the GIL from the commit thread (5: Python's own; to measure)
    **throttle.DEFAULTS,
    **broker.DEFAULTS,
    **doors.DEFAULTS,
    **quotas.DEFAULTS,
    **health.DEFAULTS,
    **logs.DEFAULTS,
    **WEBHOOK_DEFAULTS,
    "SIGN_IN_LIFETIME_S": 12 * 3600,  # a rep's sign-in ends this long after it began, used or not
    "SIGN_IN_IDLE_S": 2 * 3600,  # and this long after it was last used
    "SESSION_COOKIE_NAME": "relaydesk_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # A page's CSRF token lasts as long as its cookie's session: a console stays open all day.
    "WTF_CSRF_TIME_LIMIT": None,
    # A hard cap that closes the connection; the protocol's own cap answers
    # with an error well before it.
    "SOCK_SERVER_OPTIONS": {"ping_interval": 25, "max_message_size": 1024 * 1024},
}


def create_app(config: dict | None = None) -> Flask:
    """Create the app: defaults, then ``relaydesk.cfg`` in the data folder, then
    ``RELAYDESK_*`` environment variables, then ``config``."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("RELAYDESK_INSTANCE", str(Path.cwd() / "instance")),
        template_folder=str(REPO_WEB_DIR / "templates"),
        static_folder=str(REPO_WEB_DIR / "static"),
    )
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("RELAYDESK")
    app.config.update(config or {})
    data_dir = Path(app.config["DATA_DIR"] or app.instance_path)
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    app.config.from_pyfile(str(data_dir / "relaydesk.cfg"), silent=True)
    app.config.update(config or {})
    app.config["DATA_DIR"] = str(data_dir)
    if not app.config["ALLOW_SHARED_DATA_DIR"]:
        _check_private(data_dir)
    # The cookie only names a sign-in, which the server ends; the browser may as well drop it by then.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=app.config["SIGN_IN_LIFETIME_S"])
    # Refuse larger uploads before reading them (a little room for the form around the file).
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_FILE_MB"] * 1024 * 1024 + 64 * 1024)

    served = assets.Served(Path(app.config["WEB_DIR"]))
    app.extensions["relaydesk_assets"] = served
    app.add_template_global(served.url, "asset_url")
    set_up_languages(app)
    _choose_languages()
    app.add_template_global(_page_theme, "page_theme")
    https = bool(app.config["SESSION_COOKIE_SECURE"])
    app.wsgi_app = served.wrap(  # type: ignore[method-assign]
        app.wsgi_app, lambda sent: headers.add_security_headers(sent, https))
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(app.config["TRUSTED_PROXIES"]))  # type: ignore[method-assign]
    store = Store(app.config["DATABASE_URL"] or data_dir / "relaydesk.db", synchronous=app.config["DB_SYNCHRONOUS"],
                  passwords=Passwords(off_hub=bool(app.config["HASH_OFF_HUB"])),
                  group_commit=bool(app.config["GROUP_COMMIT"]), db_worker=str(app.config["DB_WORKER"]))
    # Nodes sharing a PostgreSQL database share the key that signs cookies, kept in it; one SQLite node keeps it in
    # its data folder, as before.
    app.secret_key = app.config.get("SECRET_KEY") or (
        store.shared_secret("secret_key") if store.db.dialect == "postgresql" else _secret_key(data_dir))
    app.extensions["relaydesk"] = Relay(store, app.config)
    app.extensions["relaydesk.gate"] = doors.Gate(app.config)  # ``relaydesk serve`` fits it to the fd limit
    _keep_doors(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(records.bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(library.bp)
    app.register_blueprint(files.bp)
    app.register_blueprint(headers.bp)
    app.register_blueprint(health.bp)

    @app.errorhandler(413)
    def too_large(error):
        return {"error": files.too_large()}, 413

    files.pace_uploads(app)  # before the CSRF check, which reads the body first
    _add_csrf(app)
    _translate_errors(app)
    app.register_blueprint(pages.bp)  # last: it holds the portals' catch-all route
    app.add_template_filter(lambda at: transcript.timestamp(at, transcript.zone("UTC")), "utc")
    _add_sockets(app)
    return app


def _choose_languages() -> None:
    """A portal that forces a language gets it; a signed-in rep's console, exports and socket speak the rep's
    *Language* preference (``i18n.request_language`` asks these)."""

    def portal_forces() -> str | None:
        if request.endpoint != "pages.portal":
            return None
        portal = auth.store().portal("/" + (request.view_args or {}).get("slug", ""))
        return portal["language"] if portal is not None else None

    def rep_prefers() -> str | None:
        if not (request.path.startswith("/rep") or request.path == "/ws/rep"):
            return None
        rep = auth.current_rep()
        return auth.store().prefs(rep.id).get("language") if rep is not None else None

    i18n.forcers.append(portal_forces)
    i18n.choosers.append(rep_prefers)


def _page_theme() -> str:
    """The theme a rep page is drawn in from its first paint (``<html data-theme>``): the signed-in rep's *Theme*
    (``auto`` follows the system, through app.css); the console's Python applies changes later."""
    if not request.path.startswith("/rep"):
        return "auto"
    rep = auth.current_rep()
    theme = auth.store().prefs(rep.id).get("theme") if rep is not None else None
    return theme if theme in prefs.THEMES else "auto"


ERROR_TITLES = {400: N_("Bad request"), 401: N_("Sign in first"), 403: N_("Not allowed"), 404: N_("Not found"),
                405: N_("Not allowed"), 429: N_("Too many requests"), 503: N_("Not available")}


def _translate_errors(app: Flask) -> None:
    """Answer an error as a page in the reader's language (werkzeug's own pages are English); the reason a view
    gave (``abort(404, _("…"))``) is already in it.  Errors with handlers of their own (CSRF, 413) keep them."""

    @app.errorhandler(HTTPException)
    def translated(error: HTTPException):
        if error.code not in ERROR_TITLES or error.response is not None:
            return error
        custom = error.description != type(error).description
        page = render_template("error.html", title=_(ERROR_TITLES[error.code]),
                               message=error.description if custom else "")
        return page, error.code, error.get_headers() if error.code in (405,) else {}


class DataFolderRefused(Exception):
    """The data folder cannot be used as it is; the message names it and says what to do."""


def _check_private(data_dir: Path) -> None:
    """Refuse a data folder other users may open: it holds password hashes, chat logs and files."""
    mode = data_dir.stat().st_mode & 0o777
    if mode & 0o077:
        raise DataFolderRefused(
            f"The data folder {data_dir} is open to other users of this machine (mode {mode:o}), and it holds the "
            f"reps' password hashes, the chat logs and the files sent. Make it private with 'chmod 700 {data_dir}', "
            "then start again; or, if others must share it, set ALLOW_SHARED_DATA_DIR = True in its relaydesk.cfg "
            "(or RELAYDESK_ALLOW_SHARED_DATA_DIR=true).")


def _secret_key(data_dir: Path) -> str:
    """Return the data folder's cookie-signing key, made on first use."""
    path = data_dir / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_hex(32))
    return path.read_text().strip()


def _add_csrf(app: Flask) -> None:
    """Refuse every POST, PUT, PATCH and DELETE that lacks its page's CSRF token (form field or X-CSRFToken)."""
    CSRFProtect(app).exempt(headers.bp)  # browsers send CSP reports with no token

    @app.errorhandler(CSRFError)
    def csrf_refused(error):
        reason = _("This page is out of date, or the request did not come from it: reload the page and try again.")
        if request.mimetype == "application/x-www-form-urlencoded":  # a person sent a form: a page to read
            return Forbidden(reason).get_response()
        return {"error": reason}, 403


def _add_sockets(app: Flask) -> None:
    sock = Sock(app)

    @app.before_request
    def guard_handshakes():
        """Refuse a handshake before it is accepted: foreign origins, and reps not signed in."""
        if request.path.startswith("/ws/") and not auth.same_origin():
            abort(403)
        if request.path == "/ws/rep" and auth.current_rep() is None:
            abort(401)
        if request.path.startswith("/ws/"):
            # No permessage-deflate (simple-websocket agrees to it whenever a client offers, as browsers do): the
            # relay's frames go out uncompressed anyway (``wire.frame_bytes``), and inflating each of a client's
            # small frames cost the hub ~5 µs and its socket a 32 KiB zlib window once the first one came.
            request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)

    @sock.route("/ws/customer")
    def customer_socket(ws):
        with _socket(ws) as out:
            conn = CustomerConnection(out, request.remote_addr or "")
            out.greeted_when(lambda: conn.session_id is not None, app.config["HELLO_TIMEOUT_S"])
            auth.relay().serve(conn)

    @sock.route("/ws/rep")
    def rep_socket(ws):
        sign_in = auth.current_sign_in()
        if sign_in is not None:  # the handshake guard refused it otherwise
            with _socket(ws) as out:
                conn = RepConnection(out, sign_in.rep, sign_in.key)
                hub = auth.relay().hub
                out.greeted_when(lambda: conn in hub.rep_conns(conn.rep.id), app.config["HELLO_TIMEOUT_S"])
                auth.relay().serve(conn)

    def _socket(ws) -> AbstractContextManager[Outbox]:
        """Give a websocket its writer, on the request's own socket (no second file descriptor)."""
        wire.one_descriptor(request.environ)
        return outbox(ws, app.config["SEND_TIMEOUT_S"], int(app.config["SEND_QUEUE_CHARS"]),
                      admission=auth.relay().admission)


def _keep_doors(app: Flask) -> None:
    """Past the mark kept for reps, let in signed-in reps only; count websockets by client address (behind a
    proxy, the only count by address there is)."""

    @app.before_request
    def at_the_door():
        gate: doors.Gate = app.extensions["relaydesk.gate"]
        socket = request.path.startswith("/ws/")
        if not (gate.crowded or socket) or request.path in health.UNGATED:
            return None
        signed_in = auth.current_rep() is not None
        if gate.crowded and not signed_in:
            return _busy()
        if socket:
            client = request.remote_addr or ""
            if not gate.socket_opens(client, signed_in):
                return _busy()
            g.relaydesk_socket_from = client
        return None

    @app.teardown_request
    def left(error):
        client = g.pop("relaydesk_socket_from", None)
        if client is not None:
            app.extensions["relaydesk.gate"].socket_closed(client)


def _busy():
    answer = make_response({"error": _(doors.BUSY_TEXT)}, 503)
    answer.headers["Retry-After"] = "30"
    answer.headers["Connection"] = "close"
    return answer

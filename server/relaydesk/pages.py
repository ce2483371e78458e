"""Serve the customer portal, the rep console and every browser asset, from our own origin."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, render_template, send_from_directory

from .auth import current_rep, relay, store

bp = Blueprint("pages", __name__)

PACKAGE_DIR = Path(__file__).resolve().parent
# The browser loads these server modules as they are: one protocol, two runtimes.
SHARED_MODULES = ("__init__.py", "protocol.py", "details.py", "prefs.py", "scripts.py")


def web_dir() -> Path:
    return Path(current_app.config["WEB_DIR"])


def browser_modules() -> dict[str, str]:
    """Map each URL the browser fetches Python from to its path in Pyodide's file system."""
    files = {f"/py/relaydesk/{name}": f"./relaydesk/{name}" for name in SHARED_MODULES}
    for path in sorted((web_dir() / "py" / "relaydesk_web").glob("*.py")):
        files[f"/py/relaydesk_web/{path.name}"] = f"./relaydesk_web/{path.name}"
    return files


def _app_page(template: str, **context):
    build = web_dir() / "build" / "pyodide" / "pyodide.mjs"
    if not build.exists():
        abort(503, "The browser assets are not built yet: run the set-up command from the README.")
    return render_template(template, py_files=browser_modules(), **context)


@bp.get("/", defaults={"slug": ""})
@bp.get("/<slug>")
def portal(slug: str):
    """Serve a customer portal: ``/`` is the default one, admins add others."""
    portal = store().portal("/" + slug)
    if portal is None:
        return render_template("not-found.html", message="This help page does not exist."), 404
    return _app_page("portal.html", portal=portal)


@bp.get("/rep")
def console():
    rep = current_rep()
    if rep is None:
        return render_template("sign-in.html", error=None, username="")
    return _app_page("console.html", rep=rep)


@bp.get("/rep/reps")
def reps():
    """List the other reps, online ones first, for the Invite and Transfer dialogs."""
    me = current_rep()
    if me is None:
        abort(401)
    online = relay().hub.online_rep_ids()
    others = [{"id": rep.id, "name": rep.display_name, "online": rep.id in online}
              for rep in store().reps() if rep.id != me.id]
    return jsonify(sorted(others, key=lambda r: not r["online"]))


@bp.get("/py/relaydesk/<name>")
def shared_module(name: str):
    if name not in SHARED_MODULES:
        abort(404)
    return send_from_directory(PACKAGE_DIR, name, max_age=0)


@bp.get("/py/relaydesk_web/<name>")
def browser_module(name: str):
    return send_from_directory(web_dir() / "py" / "relaydesk_web", name, max_age=0)


@bp.get("/assets/pyodide/<path:name>")
def pyodide_asset(name: str):
    return send_from_directory(web_dir() / "build" / "pyodide", name, max_age=86400)


@bp.get("/assets/pyscript/<path:name>")
def pyscript_asset(name: str):
    return send_from_directory(web_dir() / "node_modules" / "@pyscript" / "core" / "dist", name, max_age=86400)


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for this on pages without an icon link: exported logs, read-only logs."""
    return send_from_directory(web_dir() / "static", "favicon.svg", mimetype="image/svg+xml", max_age=86400)

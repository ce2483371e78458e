"""Serve the customer portal, the rep console and every browser asset, from our own origin."""

from __future__ import annotations

import ast
import io
import zipfile
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, send_from_directory

from . import bytecode
from .assets import IMMUTABLE, Served, digest
from .auth import current_rep, relay, store
from .i18n import LANGUAGES, _, mo_bytes

bp = Blueprint("pages", __name__)

PACKAGE_DIR = Path(__file__).resolve().parent
# The browser loads these server modules as they are: one protocol, two runtimes.
SHARED_MODULES = ("__init__.py", "protocol.py", "details.py", "prefs.py", "scripts.py", "language.py", "notes.py")


def web_dir() -> Path:
    return Path(current_app.config["WEB_DIR"])


def served() -> Served:
    return current_app.extensions["relaydesk_assets"]


def python_sources(web: Path) -> dict[str, bytes]:
    """Every Python file the browser runs of ours, by its name in the archive (relative to Pyodide's home)."""
    sources = {f"relaydesk/{name}": (PACKAGE_DIR / name).read_bytes() for name in SHARED_MODULES}
    sources |= {f"relaydesk_web/{path.name}": path.read_bytes() for path in sorted(web.glob("py/relaydesk_web/*.py"))}
    return sources


@cache
def _archive(web: Path) -> tuple[str, bytes]:
    """Zip every Python file the browser runs, once per process: one request, not one each (PyScript unpacks it).

    With each module's compiled ``.pyc`` where one was made from that very source for the served Pyodide, and those
    of PyScript's own package (``relaydesk.bytecode``): Pyodide then compiles none of them as the page starts.
    """
    sources = python_sources(web)
    tag, compiled = bytecode.cached(web, sources | bytecode.pyscript_sources(web))
    buffer = io.BytesIO()
    # entries stored, not deflated: the whole goes out compressed as one stream (_compressed), smaller than its
    # files deflated one by one, and the page has nothing to inflate
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, source in sources.items():  # a fixed date in each entry: the same files make the same archive
            archive.writestr(zipfile.ZipInfo(name), source)
        for name, pyc in sorted(compiled.items()):
            folder, module = name.rsplit("/", 1)
            archive.writestr(zipfile.ZipInfo(f"{folder}/__pycache__/{module[:-3]}.{tag}.pyc"), pyc)
        for lang in LANGUAGES:  # the catalogs, compiled from the same .po as the server's (relaydesk_web.i18n)
            mo = mo_bytes(lang)
            if mo is not None:
                archive.writestr(zipfile.ZipInfo(f"relaydesk_web/locale/{lang}.mo"), mo)
    data = buffer.getvalue()
    return digest(data), data


@cache
def _compressed(web: Path) -> dict[str, bytes]:
    """The archive in Brotli and in gzip, once per process (Brotli at quality 9: ~50 ms here, where 11 would hold
    the hub for over a second for 10% less)."""
    import gzip

    import brotli

    data = _archive(web)[1]
    return {"br": brotli.compress(data, quality=9), "gzip": gzip.compress(data, 9, mtime=0)}


PAGE_MODULES = ("js", "pyscript", "pyodide_js")  # what a module that touches the page imports


def _top_imports(path: Path, package: str, ours: set[str]) -> list[str]:
    """Name what a module imports as it loads (its top-level statements, ``try`` blocks included, not functions)."""
    named: list[str] = []
    statements = list(ast.parse(path.read_text()).body)
    while statements:
        node = statements.pop(0)
        if isinstance(node, ast.Try):
            statements[:0] = node.body  # the imports a ``try`` attempts; its fallback is for CPython
        elif isinstance(node, ast.Import):
            named += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = f"{package}.{node.module}" if node.level and node.module else package if node.level else node.module
            named.append(base or "")
            named += [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in ours]
    return [name for name in named if name and name != "__future__"]


@cache
def snapshot_imports(web: Path, entry: str) -> tuple[str, ...]:
    """Name the modules the entry script ``relaydesk_web.<entry>`` imports as it loads, directly or not, that do not
    touch the page (no ``js``, no ``pyscript``, nor any module that does), ours and the standard library's:
    ``pyodide-start.mjs`` imports them into the memory snapshot it takes on a first start, so that a warm start
    finds them imported.  A module left out is compiled and imported by the page, as before.
    """
    ours = {f"relaydesk.{name[:-3]}": PACKAGE_DIR / name for name in SHARED_MODULES if name != "__init__.py"}
    ours |= {f"relaydesk_web.{path.stem}": path for path in web.glob("py/relaydesk_web/*.py")}
    ours = {name.removesuffix(".__init__"): path for name, path in ours.items()}
    imports = {name: _top_imports(path, name if path.stem == "__init__" else name.rsplit(".", 1)[0], set(ours))
               for name, path in ours.items()}
    pure: dict[str, bool] = {}

    def is_pure(module: str) -> bool:
        if module.split(".")[0] in PAGE_MODULES:
            return False
        if module not in pure:
            pure[module] = True  # an import cycle: what the rest of it says decides
            pure[module] = all(is_pure(name) for name in imports.get(module, []))
        return pure[module]

    named: list[str] = []
    todo = [f"relaydesk_web.{entry}"]
    while todo:
        module = todo.pop(0)
        if module not in named:
            named.append(module)
            todo += imports.get(module, [])
    return tuple(name for name in named if is_pure(name))


def _app_page(template: str, **context):
    if not served().ready:
        abort(503, _("The browser assets are not built yet: run the set-up command from the README."))
    archive = f"/py/relaydesk-{_archive(web_dir())[0]}.zip"
    return render_template(template, archive=archive, assets=served(),
                           snapshot_imports=lambda entry: " ".join(snapshot_imports(web_dir(), entry)), **context)


@bp.get("/", defaults={"slug": ""})
@bp.get("/<slug>")
def portal(slug: str):
    """Serve a customer portal: ``/`` is the default one, admins add others."""
    portal = store().portal("/" + slug)
    if portal is None:
        return render_template("not-found.html", message=_("This help page does not exist.")), 404
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


@bp.get("/py/relaydesk-<version>.zip")
def python_archive(version: str):
    current, data = _archive(web_dir())
    if version != current:
        abort(404)
    headers = {"Cache-Control": IMMUTABLE, "Vary": "Accept-Encoding"}
    for coding in ("br", "gzip"):  # as the browser accepts, as WhiteNoise serves the files beside it
        if request.accept_encodings[coding]:
            data = _compressed(web_dir())[coding]
            headers["Content-Encoding"] = coding
            break
    return Response(data, mimetype="application/zip", headers=headers)


@bp.get("/bench/bare-pyodide")
def bare_pyodide():
    """The baseline bench/boot.py measures our pages against: Pyodide alone, served as the pages' Pyodide is.
    ``?stdlib=compiled``: from the standard library the pages start from (``relaydesk.bytecode``), for comparison."""
    stdlib = served().stdlib if request.args.get("stdlib") == "compiled" else ""
    return render_template("bench-bare-pyodide.html", pyodide=served().pyodide, stdlib=stdlib)


@bp.get("/bench/bare-pyscript")
def bare_pyscript():
    """PyScript on the same Pyodide, running one line: what PyScript itself adds to the baseline (bench/boot.py)."""
    return render_template("bench-bare-pyscript.html", assets=served())


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for this on pages without an icon link: exported logs, read-only logs."""
    return send_from_directory(web_dir() / "static", "favicon.svg", mimetype="image/svg+xml", max_age=86400)

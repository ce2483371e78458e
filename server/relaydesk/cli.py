"""Run Relaydesk from the command line: ``relaydesk serve``, ``relaydesk rep add`` and the rest."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from pathlib import Path

    from .store import Rep, Store

DATA_HELP = "Folder for the database, files and relaydesk.cfg (default: ./instance)."


def _app(data: str | None):
    """Create the app over the data folder, with what it writes readable by this user only; a folder or
    database that cannot be used stops the command with what to do, not a traceback."""
    from .app import DataFolderRefused, create_app
    from .database import Unusable

    os.umask(0o077)
    try:
        return create_app({"DATA_DIR": data} if data else None)
    except (DataFolderRefused, Unusable) as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def main() -> None:
    """Relaydesk: a self-hosted remote-support chat console."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int, help="0 picks a free port.")
@click.option("--data", type=click.Path(file_okay=False), help=DATA_HELP)
def serve(host: str, port: int, data: str | None) -> None:
    """Serve the portal, the rep console and the relay on one port."""
    from gevent import monkey

    monkey.patch_all()
    import gc
    import logging

    from gevent.pywsgi import WSGIServer

    from .doors import Gate, GatedHandler, raise_fd_limit
    from .logs import configure

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    open_files = raise_fd_limit()
    app = _app(data)
    configure(app.config)
    # The commit thread takes the GIL back several times a transaction (each SQLite statement lets go of it); with
    # the hub busy, each time may wait out a switch interval (Python's: 5 ms).
    sys.setswitchinterval(float(app.config["GIL_SWITCH_MS"]) / 1000)
    # Every message makes short-lived containers (frames, dicts, closures): at Python's 700 allocations a young
    # collection, the collector ran every few messages and now and then went through every object the server
    # holds, more of them the more sessions are open.  Fewer collections, and none through what the start made.
    gc.set_threshold(int(app.config["GC_THRESHOLD"]), *gc.get_threshold()[1:])
    gc.freeze()
    gate = app.extensions["relaydesk.gate"] = Gate(app.config, fd_limit=open_files)
    app.extensions["relaydesk"].run_housekeeping(app.config["HOUSEKEEPING_S"])
    server = WSGIServer((host, port), app, log=None, error_log=logging.getLogger("relaydesk.http"),
                        handler_class=GatedHandler)
    server.gate = gate  # what GatedHandler counts connections with
    server.init_socket()
    base = f"http://{host}:{server.server_port}"
    click.echo(f"Relaydesk is serving {base} (data in {app.config['DATA_DIR']})")
    click.echo(f"  Connections:     {gate.cap:,} at most ({open_files:,} files may be open)")
    click.echo(f"  Rep console:     {base}/rep")
    click.echo(f"  Customer portal: {base}/")
    click.echo("  First rep:       RELAYDESK_PASSWORD=... .venv/bin/relaydesk rep add alice --name 'Alice' --admin")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


@main.command()
@click.option("--web", type=click.Path(file_okay=False, exists=True), help="The web folder (default: ours).")
def assets(web: str | None) -> None:
    """Build the browser runtime served from our own origin (run by the set-up)."""
    from pathlib import Path

    from .app import REPO_WEB_DIR
    from .assets import build

    web_dir = Path(web) if web else REPO_WEB_DIR
    click.echo(f"Browser runtime ready in {build(web_dir)}")
    _compile_bytecode(web_dir)


@main.command()
@click.option("--web", type=click.Path(file_okay=False, exists=True), help="The web folder (default: ours).")
def bytecode(web: str | None) -> None:
    """Compile the browser's Python with Pyodide's own (under Node), for faster cold starts (run by `assets`)."""
    from pathlib import Path

    from .app import REPO_WEB_DIR

    _compile_bytecode(Path(web) if web else REPO_WEB_DIR)


def _compile_bytecode(web_dir: Path) -> None:
    import subprocess

    from . import bytecode
    from .pages import python_sources

    sources = python_sources(web_dir) | bytecode.pyscript_sources(web_dir)
    try:
        compiled = bytecode.compile_missing(web_dir, sources)
    except (OSError, subprocess.CalledProcessError) as failed:  # no Node, or Pyodide would not start under it
        click.echo(f"Python bytecode not compiled ({failed}): the pages compile their Python as they start")
        return
    click.echo(f"Python bytecode: {compiled} module(s) compiled, in {web_dir / bytecode.CACHE}")
    try:
        made = bytecode.compile_stdlib(web_dir, sources)
    except (OSError, subprocess.CalledProcessError) as failed:
        click.echo(f"Pyodide's standard library not compiled ({failed}): the pages use Pyodide's own")
        return
    click.echo(f"Pyodide's standard library, compiled: {bytecode.stdlib(web_dir) if made else 'kept from before'}")


@main.group()
def rep() -> None:
    """Manage representatives."""


def _on_one_rep(name: str) -> Callable:
    """Register ``relaydesk rep NAME USERNAME [--data DIR]``."""

    def register(command: Callable) -> Callable:
        with_options = click.option("--data", type=click.Path(file_okay=False), help=DATA_HELP)(command)
        return rep.command(name)(click.argument("username")(with_options))

    return register


@rep.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="The name customers and reps see.")
@click.option("--admin", is_flag=True, help="Let this rep manage reps and portals.")
@click.option("--data", type=click.Path(file_okay=False), help=DATA_HELP)
def rep_add(username: str, display_name: str, admin: bool, data: str | None) -> None:
    """Create a rep; the password comes from RELAYDESK_PASSWORD, else a prompt."""
    password = _new_password()
    created = _change_rep(data, lambda store: store.add_rep(username, display_name, password, admin=admin))
    click.echo(f"Created {created.role} {created.username!r} ({created.display_name}).")


@_on_one_rep("disable")
def rep_disable(username: str, data: str | None) -> None:
    """Stop a rep from signing in, and sign them out everywhere (a running server closes their consoles)."""
    changed = _change_rep(data, lambda store: store.set_rep_disabled(username, True))
    click.echo(f"Disabled {changed.username!r} ({changed.display_name}) and ended their sign-ins.")


@_on_one_rep("enable")
def rep_enable(username: str, data: str | None) -> None:
    """Let a disabled rep sign in again."""
    changed = _change_rep(data, lambda store: store.set_rep_disabled(username, False))
    click.echo(f"Enabled {changed.username!r} ({changed.display_name}).")


@_on_one_rep("password")
def rep_password(username: str, data: str | None) -> None:
    """Give a rep a new password (RELAYDESK_PASSWORD, else a prompt) and sign them out everywhere."""
    password = _new_password()
    changed = _change_rep(data, lambda store: store.set_password(username, password))
    click.echo(f"Changed the password of {changed.username!r} ({changed.display_name}) and ended their sign-ins.")


def _new_password() -> str:
    return os.environ.get("RELAYDESK_PASSWORD") or click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _change_rep(data: str | None, change: Callable[[Store], Rep]) -> Rep:
    """Run a change to the reps on the store; a refusal (no such rep, a weak password) is a clean error."""
    try:
        return change(_app(data).extensions["relaydesk"].store)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@main.group()
def portal() -> None:
    """Manage customer portals."""


@portal.command("add")
@click.argument("path")
@click.option("--name", required=True, help="The portal's title, e.g. Billing.")
@click.option("--greeting", default="", help="Text shown above the portal's form.")
@click.option("--data", type=click.Path(file_okay=False), help=DATA_HELP)
def portal_add(path: str, name: str, greeting: str, data: str | None) -> None:
    """Add a portal at PATH (like /billing)."""
    from .store import Refused

    try:
        _app(data).extensions["relaydesk"].store.add_portal(path, name, greeting)
    except Refused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Added the portal {path} ({name}).")

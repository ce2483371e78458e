"""Run Relaydesk from the command line: ``relaydesk serve`` and ``relaydesk rep add``."""

from __future__ import annotations

import os
import sys

import click

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
    import logging

    from gevent.pywsgi import WSGIServer

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = _app(data)
    app.extensions["relaydesk"].run_housekeeping(app.config["HOUSEKEEPING_S"])
    server = WSGIServer((host, port), app, log=None, error_log=logging.getLogger("relaydesk.http"))
    server.init_socket()
    base = f"http://{host}:{server.server_port}"
    click.echo(f"Relaydesk is serving {base} (data in {app.config['DATA_DIR']})")
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

    click.echo(f"Browser runtime ready in {build(Path(web) if web else REPO_WEB_DIR)}")


@main.group()
def rep() -> None:
    """Manage representatives."""


@rep.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="The name customers and reps see.")
@click.option("--admin", is_flag=True, help="Let this rep manage reps and portals.")
@click.option("--data", type=click.Path(file_okay=False), help=DATA_HELP)
def rep_add(username: str, display_name: str, admin: bool, data: str | None) -> None:
    """Create a rep; the password comes from RELAYDESK_PASSWORD, else a prompt."""
    password = os.environ.get("RELAYDESK_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    store = _app(data).extensions["relaydesk"].store
    try:
        created = store.add_rep(username, display_name, password, admin=admin)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {created.role} {created.username!r} ({created.display_name}).")


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

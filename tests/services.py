"""Throwaway PostgreSQL, Redis and nginx for tests: Debian's programs, started on free ports in a temporary
folder, never the machine's own services, and stopped afterwards.

PostgreSQL will not run as root, and CI runs as root: then the cluster
belongs to the ``postgres`` user Debian's package makes (or ``nobody``), and
its programs run as that user through ``runuser``.  Each service is a context
manager giving its URL.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POSTGRES_BIN = Path("/usr/lib/postgresql")
START_TIMEOUT_S = 30


class Missing(Exception):
    """A service's program is not installed; ``scripts/test`` installs them."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen | None = None, log: Path | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if process is not None and process.poll() is not None:
                break
            time.sleep(0.05)
    raise RuntimeError(f"nothing answered on port {port}: {log.read_text()[-2000:] if log and log.exists() else ''}")


def _postgres_bin() -> Path:
    versions = sorted(POSTGRES_BIN.glob("*/bin/initdb"), key=lambda path: int(path.parts[-3]))
    if not versions:
        raise Missing("PostgreSQL is not installed (apt-get install postgresql)")
    return versions[-1].parent


def _as_owner(folder: Path) -> tuple[list[str], str]:
    """The command prefix that runs PostgreSQL's programs, and as whom: ourselves, or a user other than root."""
    if os.geteuid() != 0:
        return [], pwd.getpwuid(os.geteuid()).pw_name
    user = "postgres" if _has_user("postgres") else "nobody"
    for path in [folder, *folder.parents]:  # the owner must reach the folder through each parent
        if path == Path("/"):
            break
        path.chmod(path.stat().st_mode | 0o711)
    shutil.chown(folder, user)
    return ["runuser", "-u", user, "--"], user


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@contextmanager
def postgres(folder: Path) -> Iterator[str]:
    """A new PostgreSQL cluster in ``folder``, listening on loopback only; yields ``postgresql://…/relaydesk``."""
    bin_dir = _postgres_bin()
    folder.mkdir(parents=True, exist_ok=True)
    prefix, user = _as_owner(folder)
    data, port, log = folder / "data", free_port(), folder / "postgres.log"
    subprocess.run([*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", user, "--auth=trust", "-E", "UTF8",
                    "--no-sync"], check=True, capture_output=True)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w",
                    "start"], check=True, capture_output=True)
    try:
        subprocess.run([*prefix, str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", user,
                        "relaydesk"], check=True, capture_output=True)
        yield f"postgresql://{user}@127.0.0.1:{port}/relaydesk"
    finally:
        subprocess.run([*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)


@contextmanager
def redis(folder: Path) -> Iterator[str]:
    """A Redis server on loopback, keeping nothing on disk; yields ``redis://…``."""
    program = shutil.which("redis-server")
    if program is None:
        raise Missing("Redis is not installed (apt-get install redis-server)")
    folder.mkdir(parents=True, exist_ok=True)
    port, log = free_port(), folder / "redis.log"
    process = subprocess.Popen([program, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(folder), "--logfile", str(log)])
    try:
        wait_for_port(port, process, log)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def nginx(folder: Path, upstreams: list[str]) -> Iterator[str]:
    """nginx on loopback in front of ``upstreams`` (``host:port``): round-robin, websockets upgraded, the next
    upstream tried when one is down; yields its ``http://`` URL."""
    program = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if program is None:
        raise Missing("nginx is not installed (apt-get install nginx-light)")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    servers = "\n".join(f"        server {upstream} max_fails=1 fail_timeout=2s;" for upstream in upstreams)
    (folder / "nginx.conf").write_text(f"""
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream relaydesk {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 30m;
        location / {{
            proxy_pass http://relaydesk;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 1h;
            proxy_next_upstream error timeout http_502 http_503;
        }}
    }}
}}
""")
    process = subprocess.Popen([program, "-c", str(folder / "nginx.conf"), "-p", str(folder)],
                               stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, folder / "error.log")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)

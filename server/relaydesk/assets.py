"""Assemble the browser runtime Relaydesk serves from its own origin.

Pyodide comes from the npm registry (``web/node_modules``, pinned by
``web/package-lock.json``); the wheels its lock file names but the npm package
lacks (micropip, packaging), and those listed in ``web/wheels.txt``, come from
PyPI.  The result, ``web/build/pyodide``, holds a ``pyodide-lock.json`` whose
hashes match the wheels beside it, so nothing is ever fetched from a CDN.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

FROM_LOCK = ("micropip", "packaging")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _imports(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/")[0] for name in archive.namelist() if "/" in name}
    return sorted(top for top in tops if not top.endswith((".dist-info", ".data")))


def _cached(cache: Path, name: str, version: str) -> bool:
    return any(cache.glob(f"{name.replace('-', '_')}-{version}-*.whl"))


def _download(requirements: list[str], into: Path) -> None:
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
         "--python-version", "3.14", "--platform", "any", "--dest", str(into), *requirements],
        check=True,
    )


def build(web_dir: Path) -> Path:
    """Build ``web_dir/build/pyodide``; return its path.  Safe to run again."""
    source = web_dir / "node_modules" / "pyodide"
    if not (source / "pyodide.mjs").exists():
        raise SystemExit(f"{source} is missing: run `npm ci` in {web_dir} first.")
    target = web_dir / "build" / "pyodide"
    lock = json.loads((source / "pyodide-lock.json").read_text())
    packages = lock["packages"]
    pinned = [line.strip() for line in (web_dir / "wheels.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    wanted = [f"{name}=={packages[name]['version']}" for name in FROM_LOCK] + pinned
    cache = web_dir / "build" / "wheels"
    missing = [req for req in wanted if not _cached(cache, *req.split("=="))]
    if missing:
        _download(missing, cache)

    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.map", "*.d.ts", "*.html", "package.json"))
    for wheel in sorted(cache.glob("*.whl")):
        name, version = wheel.name.split("-")[:2]
        key = name.lower().replace("_", "-")
        shutil.copy2(wheel, target / wheel.name)
        entry = packages.get(key)
        if entry is not None:
            if entry["file_name"] != wheel.name:
                continue  # a stale download of another version
            entry["sha256"] = _sha256(wheel)
        else:
            packages[key] = {
                "name": key, "version": version, "file_name": wheel.name, "install_dir": "site",
                "sha256": _sha256(wheel), "imports": _imports(wheel), "depends": [],
                "package_type": "package", "unvendored_tests": False,
            }
    (target / "pyodide-lock.json").write_text(json.dumps(lock, separators=(",", ":")))
    return target

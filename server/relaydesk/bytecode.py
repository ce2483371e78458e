"""Compiled bytecode for the Python the pages load, so a cold start in the browser does not compile it from source.

Pyodide compiles every module it imports without a ``.pyc`` (slow in wasm: ~60–80 ms of a cold customer page).
Its Python is 3.14 and the server's may be older, so the ``.pyc`` files are made by the served Pyodide itself, run
under Node (``bytecode.mjs``), at set-up (``relaydesk assets``, or ``relaydesk bytecode`` alone), and kept in
``web/bytecode/<Pyodide build>/`` under the SHA-256 of their module's path and source.  The server's archive
(``pages._archive``) carries a module's ``.pyc`` beside its source only when one was compiled from that very source
for the Pyodide it serves; otherwise the source alone, as before: never a stale one.  The ``.pyc`` files are
hash-based and checked (Python hashes the source before using one), so the unpacked files' dates do not matter.

PyScript's own Python package (``pyscript/*.py``, written out by PyScript from strings in its ``core`` module as
it starts) gets the same: the archive puts its ``.pyc`` files where PyScript then writes the sources.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

CACHE = "bytecode"  # web/bytecode: kept out of web/build, which is Pyodide's and PyScript's
SCRIPT = Path(__file__).with_name("bytecode.mjs")
HOME = "/home/pyodide"  # where the archive is unpacked, and PyScript writes its package (Pyodide's home folder)


def _folder(web_dir: Path) -> Path | None:
    """Where this Pyodide build's ``.pyc`` files are kept (by the build's hash, from ``web/build/manifest.json``)."""
    manifest = web_dir / "build" / "manifest.json"
    if not manifest.exists():
        return None
    return web_dir / CACHE / json.loads(manifest.read_text())["pyodide"]


def _key(path: str, source: bytes) -> str:
    return hashlib.sha256(f"{path}\0no docstrings\0".encode() + source).hexdigest()


def pyscript_sources(web_dir: Path) -> dict[str, bytes]:
    """PyScript's Python package as PyScript writes it out (``pyscript/__init__.py``…), read from its core module."""
    for core in sorted((web_dir / "build" / "pyscript").glob("core-*.js")):
        text = core.read_text(encoding="utf-8")
        found = re.search(r'\{pyscript:(?=\{"__init__\.py":)', text)
        if found:
            try:
                package, _ = json.JSONDecoder().raw_decode(text, found.end())
            except ValueError:
                return {}
            return {f"pyscript/{name}": source.encode() for name, source in package.items() if isinstance(source, str)}
    return {}


def cached(web_dir: Path, sources: dict[str, bytes]) -> tuple[str, dict[str, bytes]]:
    """Return the cache tag (``cpython-314``) and the ``.pyc`` compiled from each of ``sources`` (archive names,
    relative to Pyodide's home folder) that has one; ``("", {})`` when none is kept for the served Pyodide."""
    folder = _folder(web_dir)
    if folder is None or not (folder / "TAG").exists():
        return "", {}
    found = {}
    for name, source in sources.items():
        pyc = folder / f"{_key(f'{HOME}/{name}', source)}.pyc"
        if pyc.exists():
            found[name] = pyc.read_bytes()
    return (folder / "TAG").read_text().strip(), found


def compile_missing(web_dir: Path, sources: dict[str, bytes]) -> int:
    """Compile those of ``sources`` that have no ``.pyc`` for the served Pyodide yet, under Node; return how many."""
    folder = _folder(web_dir)
    node = shutil.which("node")
    if folder is None or node is None:
        return 0
    _, have = cached(web_dir, sources)
    missing = [(f"{HOME}/{name}", source) for name, source in sources.items() if name not in have]
    if not missing:
        return 0
    files = [{"path": path, "source": source.decode("utf-8")} for path, source in missing]
    result = subprocess.run([node, str(SCRIPT), str(web_dir / "build" / "pyodide"), "modules"], input=json.dumps(files),
                            capture_output=True, text=True, check=True)
    compiled = json.loads(result.stdout)
    folder.mkdir(parents=True, exist_ok=True)
    for (path, source), pyc in zip(missing, compiled["files"], strict=True):
        if pyc is not None:
            (folder / f"{_key(path, source)}.pyc").write_bytes(base64.b64decode(pyc))
    (folder / "TAG").write_text(compiled["tag"])
    return sum(pyc is not None for pyc in compiled["files"])


STDLIB = "python_stdlib.zip"


def stdlib(web_dir: Path) -> Path | None:
    """The served Pyodide's standard library with its start's modules compiled (``compile_stdlib``), if made."""
    folder = _folder(web_dir)
    return folder / STDLIB if folder is not None and (folder / STDLIB).exists() else None


def stdlib_imports(sources: dict[str, bytes]) -> list[str]:
    """The top-level modules ``sources`` import (the standard library's among them), without duplicates."""
    import ast

    named: dict[str, None] = {}
    for source in sources.values():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                named.update(dict.fromkeys(alias.name for alias in node.names))
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                named[node.module] = None
    return list(named)


def compile_stdlib(web_dir: Path, sources: dict[str, bytes]) -> bool:
    """Make the served Pyodide's standard library zip with the modules a page's start imports as ``.pyc`` (Pyodide's
    holds only sources, compiled at every start), and its Brotli and gzip copies; False when already made."""
    folder = _folder(web_dir)
    node = shutil.which("node")
    if folder is None or node is None or stdlib(web_dir) is not None:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    made = folder / f"{STDLIB}.partial"
    subprocess.run([node, str(SCRIPT), str(web_dir / "build" / "pyodide"), "stdlib", str(made)],
                   input=json.dumps(stdlib_imports(sources)), capture_output=True, text=True, check=True)
    from whitenoise.compress import Compressor

    for copy in Compressor(quiet=True).compress(str(made)):  # whatever its name: WhiteNoise's set-up skips .zip
        Path(copy).rename(folder / f"{STDLIB}{Path(copy).suffix}")
    made.rename(folder / STDLIB)  # last: the server serves it once it is there, with its copies
    return True

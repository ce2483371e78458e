"""Assemble the browser runtime Relaydesk serves from its own origin.

Pyodide comes from the npm registry (``web/node_modules``, pinned by
``web/package-lock.json``); the wheels its lock file names but the npm package
lacks (micropip, packaging), and those listed in ``web/wheels.txt``, come from
PyPI.  The result, ``web/build/pyodide``, holds a ``pyodide-lock.json`` whose
hashes match the wheels beside it, so nothing is ever fetched from a CDN.
PyScript's files are copied to ``web/build/pyscript``.  Every file worth it
gets a Brotli and a gzip copy beside it, for WhiteNoise to serve by
``Accept-Encoding``, and ``web/build/manifest.json`` names each folder's
content hash, which the server puts in their URLs (see ``Served``).
"""

from __future__ import annotations

import hashlib
import json
import re
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

    previous = _set_aside(target)
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
    pyscript = web_dir / "build" / "pyscript"
    previous_pyscript = _set_aside(pyscript)
    shutil.copytree(web_dir / "node_modules" / "@pyscript" / "core" / "dist", pyscript,
                    ignore=shutil.ignore_patterns("*.map"))
    manifest = {"pyodide": folder_digest(target), "pyscript": folder_digest(pyscript)}
    compress(target, previous)
    compress(pyscript, previous_pyscript)
    shutil.rmtree(previous)
    shutil.rmtree(previous_pyscript)
    (web_dir / "build" / MANIFEST).write_text(json.dumps(manifest))
    return target


def _set_aside(folder: Path) -> Path:
    """Move a previous build out of the way (kept for its compressed copies); return where to."""
    aside = folder.with_name(folder.name + ".previous")
    if aside.exists():
        shutil.rmtree(aside)
    if folder.exists():
        folder.rename(aside)
    else:
        aside.mkdir(parents=True)
    return aside


# --- serving -------------------------------------------------------------------------------------------------------

MANIFEST = "manifest.json"
YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"
REVALIDATE = "no-cache"  # kept, but asked again (a 304 when unchanged) before each use
# Ours, loaded by the pages: each is served under a name holding its content's hash as well as its own.
HASHED_STATIC = ("app.css", "boot.js", "portal.js", "reports.js", "favicon.svg", "bench/bare-pyodide.js")
START_SCRIPT = "pyscript-start.js"  # lives in web/static, served beside PyScript's own modules
PYODIDE_START = "pyodide-start.mjs"  # lives in web/static, served beside pyodide.mjs (it imports it; PyScript loads it)
CHART_SCRIPT = "chart.js/dist/chart.umd.min.js"  # Chart.js from npm (web/package.json), for the reports page


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def folder_digest(folder: Path) -> str:
    """Hash a folder's files (names and contents), less the compressed copies made of them."""
    whole = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix not in (".br", ".gz")):
        whole.update(f"{path.relative_to(folder).as_posix()}\0{_sha256(path)}\n".encode())
    return whole.hexdigest()[:12]


def compress(folder: Path, previous: Path | None = None) -> None:
    """Write a Brotli (``.br``) and a gzip (``.gz``) copy beside each file worth it, for WhiteNoise to serve.

    A file the same as in ``previous`` (the last build) takes its copies from there: Brotli at its best
    takes a minute on Pyodide's wasm, and the set-up runs this every time.
    """
    import filecmp
    from concurrent.futures import ThreadPoolExecutor

    from whitenoise.compress import Compressor

    compressor = Compressor(quiet=True)
    paths = [p for p in folder.rglob("*") if p.is_file() and p.suffix not in (".br", ".gz")
             and compressor.should_compress(p.name)]
    fresh = []
    for path in paths:
        before = previous / path.relative_to(folder) if previous else None
        copies = [Path(f"{before}{suffix}") for suffix in (".br", ".gz")] if before else []
        if before and before.is_file() and any(c.exists() for c in copies) and filecmp.cmp(before, path, False):
            for copy in copies:
                if copy.exists():
                    shutil.copy2(copy, Path(f"{path}{copy.suffix}"))
        else:
            fresh.append(path)
    with ThreadPoolExecutor() as pool:
        list(pool.map(lambda path: compressor.compress(str(path)), fresh))


class Served:
    """What the pages load, and where: WhiteNoise in front of the app, each file under a content-hashed URL.

    PyScript and Pyodide keep their own file names inside a folder named by the
    hash of the whole build (``/assets/pyodide-<hash>/``): Pyodide finds its files
    and the lock's wheels relative to ``pyodide.mjs``, and PyScript's modules
    import each other relatively, so every URL inside still resolves.
    """

    def __init__(self, web_dir: Path) -> None:
        self.web_dir = web_dir
        build = web_dir / "build"
        manifest_path = build / MANIFEST
        self.ready = manifest_path.exists()
        manifest = json.loads(manifest_path.read_text()) if self.ready else {"pyodide": "none", "pyscript": "none"}
        self.pyodide = f"/assets/pyodide-{manifest['pyodide']}/"
        pyscript = f"/assets/pyscript-{manifest['pyscript']}/"
        start = web_dir / "static" / START_SCRIPT
        self.start_script = f"{pyscript}start-{digest(start.read_bytes())}.js"
        self.pyscript_css = f"{pyscript}core.css"
        self.folders = {self.pyodide: build / "pyodide", pyscript: build / "pyscript"}
        self.pyscript_modules = [pyscript + name for name in _started_modules(build / "pyscript")]
        pyodide_start = web_dir / "static" / PYODIDE_START
        self.pyodide_start = f"{self.pyodide}start-{digest(pyodide_start.read_bytes())}.mjs"
        self.files = {self.start_script: start, self.pyodide_start: pyodide_start}
        # Pyodide's standard library with the modules a start imports compiled (relaydesk.bytecode), where made for
        # this Pyodide: its start then compiles none of them; else Pyodide's own, all sources
        from .bytecode import stdlib

        compiled = stdlib(web_dir)
        self.stdlib = f"{self.pyodide}python_stdlib.zip"
        if compiled is not None:
            self.stdlib = f"{self.pyodide}stdlib-{digest(compiled.read_bytes())}.zip"
            self.files[self.stdlib] = compiled
        chart = web_dir / "node_modules" / CHART_SCRIPT
        self.chart_script = f"/assets/chart-{digest(chart.read_bytes())}.umd.min.js" if chart.exists() else None
        if self.chart_script:
            self.files[self.chart_script] = chart
        self.static: dict[str, str] = {}
        for name in HASHED_STATIC:
            path = web_dir / "static" / name
            hashed = f"/static/{Path(name).with_suffix('').as_posix()}.{digest(path.read_bytes())}{path.suffix}"
            self.static[name] = hashed
            self.files[hashed] = path

    def url(self, name: str) -> str:
        """The URL of a file of ``web/static``: content-hashed where we hash it."""
        return self.static.get(name, f"/static/{name}")

    def wrap(self, wsgi_app, add_headers):
        """Put WhiteNoise in front of ``wsgi_app``; ``add_headers(headers)`` adds the security headers."""
        from whitenoise import WhiteNoise

        immutable = tuple(self.folders) + tuple(self.files)

        def headers(headers, path: str, url: str) -> None:
            headers["Cache-Control"] = IMMUTABLE if url.startswith(immutable) else REVALIDATE
            add_headers(headers)

        served = WhiteNoise(wsgi_app, max_age=None, allow_all_origins=False, add_headers_function=headers)
        served.add_files(str(self.web_dir / "static"), prefix="/static/")
        for prefix, folder in self.folders.items():
            if folder.is_dir():
                served.add_files(str(folder), prefix=prefix)
        for url, path in self.files.items():
            served.add_file_to_dictionary(url, str(path))
        return served


def _started_modules(folder: Path) -> list[str]:
    """Name PyScript's modules that every page loads as it starts: ``core.js``, the chunk it re-exports, the plugins
    that chunk imports at once (not those it imports on demand, like the editor's CodeMirror)."""
    if not (folder / "core.js").exists():
        return []
    names = ["core.js", *re.findall(r'from"\./([\w-]+\.js)"', (folder / "core.js").read_text())]
    for chunk in names[1:]:
        names += re.findall(r'(?:"[\w-]+"|\w+):\(\)=>import\("\./([\w-]+\.js)"\)', (folder / chunk).read_text())
    return [name for name in names if (folder / name).exists()]

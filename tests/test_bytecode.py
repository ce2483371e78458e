"""Compiled bytecode in the pages' Python archive (``relaydesk.bytecode``): made by the served Pyodide itself under
Node, used by Pyodide instead of compiling the source, and never sent for a source it was not made from."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import brotli
import pytest

from relaydesk import bytecode
from relaydesk.assets import Served
from relaydesk.pages import _archive, python_sources
from tests.test_assets_live import YEAR, fetch

WEB = Path(__file__).resolve().parents[1] / "web"
PYODIDE = WEB / "build" / "pyodide"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None or not (PYODIDE / "pyodide.mjs").exists(),
                                reason="needs Node and the built Pyodide (scripts/setup)")

# Unpack an archive into Pyodide's home as pyodide-start.mjs does, import modules, and say which were compiled
# from source (Python's SourceLoader.source_to_code runs only for a module without a usable .pyc).
IMPORT = """
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const [folder, archive, names] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(`${folder}/pyodide.mjs`).href);
const pyodide = await loadPyodide({ indexURL: `${folder}/` });
pyodide.unpackArchive(new Uint8Array(readFileSync(archive)), "zip", { extractDir: "/home/pyodide" });
pyodide.globals.set("NAMES", names);
pyodide.runPython(`
import importlib, importlib.machinery, json, sys
sys.dont_write_bytecode = True
compiled = []
to_code = importlib.machinery.SourceFileLoader.source_to_code
def noting(self, data, path, **options):
    compiled.append(path)
    return to_code(self, data, path, **options)
importlib.machinery.SourceFileLoader.source_to_code = noting
for name in NAMES.split():
    importlib.import_module(name)
print(json.dumps(compiled))
`);
"""
PURE = "relaydesk.protocol relaydesk.notes relaydesk_web.effects relaydesk_web.state relaydesk_web.rep_state"


@pytest.fixture(scope="module")
def web(tmp_path_factory) -> Path:
    """A web folder of our own (its Python copied, Pyodide's build shared), with an empty bytecode cache."""
    web = tmp_path_factory.mktemp("web")
    for shared in ("build", "static", "node_modules"):
        (web / shared).symlink_to(WEB / shared)
    shutil.copytree(WEB / "py", web / "py")
    return web


def compiled_in_pyodide(tmp_path: Path, web: Path, names: str) -> list[str]:
    script, archive = tmp_path / "import.mjs", tmp_path / "python.zip"
    script.write_text(IMPORT)
    archive.write_bytes(_archive.__wrapped__(web)[1])
    result = subprocess.run([str(NODE), str(script), str(PYODIDE), str(archive), names],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def names_in(web: Path) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(_archive.__wrapped__(web)[1])).namelist()


def test_pyodide_imports_our_modules_from_the_archive_s_bytecode(tmp_path, web):
    assert not any("__pycache__" in name for name in names_in(web))  # nothing compiled yet: sources alone
    assert len(compiled_in_pyodide(tmp_path, web, PURE)) >= 5  # ... which Pyodide compiles as it imports them

    sources = python_sources(web) | bytecode.pyscript_sources(web)
    assert bytecode.compile_missing(web, sources) == len(sources)
    assert bytecode.compile_missing(web, sources) == 0  # kept: not compiled again

    assert "relaydesk_web/__pycache__/state.cpython-314.pyc" in names_in(web)
    assert compiled_in_pyodide(tmp_path, web, PURE) == []


def test_pyscript_s_own_package_is_compiled_where_pyscript_writes_it(web):
    sources = bytecode.pyscript_sources(web)
    assert {"pyscript/__init__.py", "pyscript/context.py", "pyscript/util.py"} <= set(sources)
    assert b"from pyscript.context import" in sources["pyscript/__init__.py"]
    bytecode.compile_missing(web, sources)
    assert "pyscript/__pycache__/__init__.cpython-314.pyc" in names_in(web)
    assert "pyscript/__init__.py" not in names_in(web)  # PyScript writes its sources itself


def test_a_changed_source_goes_out_without_the_bytecode_of_the_old_one(tmp_path, web):
    bytecode.compile_missing(web, python_sources(web))
    state = web / "py" / "relaydesk_web" / "state.py"
    state.write_text(state.read_text() + "\nCHANGED = True\n")
    names = names_in(web)

    assert "relaydesk_web/__pycache__/state.cpython-314.pyc" not in names
    assert "relaydesk_web/__pycache__/effects.cpython-314.pyc" in names
    assert compiled_in_pyodide(tmp_path, web, "relaydesk_web.state") == ["/home/pyodide/relaydesk_web/state.py"]


# Start Pyodide from a standard library zip and say where some modules came from (zipimport names the file it read).
START = """
import { pathToFileURL } from "node:url";
const [folder, stdlib] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(`${folder}/pyodide.mjs`).href);
const pyodide = await loadPyodide({ indexURL: `${folder}/`, stdLibURL: stdlib || undefined });
console.log(pyodide.runPython(`
import asyncio, html, json, sys
json.dumps({name: sys.modules[name].__file__ for name in ("asyncio", "json.decoder", "html.entities")})
`));
"""


def started_from(tmp_path: Path, stdlib: Path | None) -> dict[str, str]:
    script = tmp_path / "start.mjs"
    script.write_text(START)
    result = subprocess.run([str(NODE), str(script), str(PYODIDE), str(stdlib or "")],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_pyodide_starts_from_a_standard_library_compiled_for_its_start(tmp_path, web):
    assert bytecode.stdlib(web) is None and Served(web).stdlib.endswith("/python_stdlib.zip")  # Pyodide's own
    assert started_from(tmp_path, None)["asyncio"].endswith("/asyncio/__init__.py")  # ... all sources, compiled

    assert bytecode.compile_stdlib(web, python_sources(web) | bytecode.pyscript_sources(web))
    made = bytecode.stdlib(web)
    assert made is not None and Path(f"{made}.br").exists() and Path(f"{made}.gz").exists()
    names = set(zipfile.ZipFile(made).namelist())
    assert {"asyncio/__init__.pyc", "json/decoder.pyc", "html/entities.pyc"} <= names  # Pyodide's start, PyScript's
    assert "asyncio/__init__.py" not in names
    assert "xmlrpc/client.py" in names and "xmlrpc/client.pyc" not in names  # imported by no start: as it was

    assert set(started_from(tmp_path, made).values()) == {
        "/lib/python314.zip/asyncio/__init__.pyc", "/lib/python314.zip/json/decoder.pyc",
        "/lib/python314.zip/html/entities.pyc"}
    served = Served(web)
    assert served.stdlib.startswith(served.pyodide + "stdlib-") and served.files[served.stdlib] == made


def test_the_pages_start_pyodide_from_the_compiled_standard_library_sent_compressed(web, start_server):
    bytecode.compile_stdlib(web, python_sources(web) | bytecode.pyscript_sources(web))  # unless made above
    server = start_server(WEB_DIR=str(web))
    page = fetch(server, "/")[2].decode()
    url = re.search(r'data-stdlib="(/assets/pyodide-[0-9a-f]+/stdlib-[0-9a-f]+\.zip)"', page)[1]
    assert f'<link rel="preload" as="fetch" crossorigin href="{url}">' in page  # fetched at once, not when asked

    status, headers, body = fetch(server, url, "gzip, deflate, br")
    assert status == 200 and headers["Cache-Control"] == YEAR and headers["Content-Encoding"] == "br"
    assert brotli.decompress(body) == bytecode.stdlib(web).read_bytes()

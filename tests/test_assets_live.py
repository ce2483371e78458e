"""What pages load, on the wire: compressed by Accept-Encoding, kept for good under hashed URLs, pages not kept."""

import gzip
import io
import json
import re
import urllib.error
import urllib.request
import zipfile

import brotli

YEAR = "public, max-age=31536000, immutable"


def fetch(server, path: str, encoding: str | None = None, headers: dict | None = None):
    """GET ``path``; return (status, headers, body bytes as sent)."""
    sent = ({"Accept-Encoding": encoding} if encoding else {}) | (headers or {})
    try:
        with urllib.request.urlopen(urllib.request.Request(server.url + path, headers=sent)) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def page_urls(server, path: str = "/") -> dict[str, str]:
    page = fetch(server, path)[2].decode()
    found = re.findall(r'(?:href|src)="(/[^"]+)"', page)
    urls = {re.sub(r"\.[0-9a-f]{12}\.", ".", url.rsplit("/", 1)[-1]): url for url in found}  # app.css: its URL
    interpreter = re.search(r'"interpreter": "((/assets/pyodide-[0-9a-f]+/)start-[0-9a-f]+\.mjs)"', page)
    archive = re.search(r'data-archive="(/py/relaydesk-[0-9a-f]+\.zip)"', page)[1]  # pyodide-start.mjs unpacks it
    return urls | {"pyodide": interpreter[2], "pyodide start": interpreter[1], "archive": archive}


def test_pyodide_goes_out_compressed_as_the_browser_accepts(live_server):
    wasm = page_urls(live_server)["pyodide"] + "pyodide.asm.wasm"
    plain = fetch(live_server, wasm)
    brotli = fetch(live_server, wasm, "gzip, deflate, br, zstd")
    gzipped = fetch(live_server, wasm, "gzip, deflate")

    assert plain[0] == brotli[0] == gzipped[0] == 200
    assert plain[1]["Content-Type"] == "application/wasm" and "Content-Encoding" not in plain[1]
    assert brotli[1]["Content-Encoding"] == "br" and gzipped[1]["Content-Encoding"] == "gzip"
    assert brotli[1]["Vary"] == "Accept-Encoding"
    assert len(brotli[2]) < len(gzipped[2]) < len(plain[2]) / 2
    assert plain[2][:4] == b"\0asm"


def test_hashed_urls_are_kept_a_year_and_pages_are_not(live_server):
    urls = page_urls(live_server)
    for path in [urls["app.css"], urls["boot.js"], urls["portal.js"], urls["core.css"], urls["archive"],
                 urls["pyodide start"], urls["pyodide"] + "pyodide.mjs", urls["pyodide"] + "pyodide-lock.json"]:
        status, headers, _ = fetch(live_server, path, "br")
        assert status == 200 and headers["Cache-Control"] == YEAR, path
        assert headers["Content-Security-Policy"].startswith("default-src 'self'"), path
        assert headers["X-Content-Type-Options"] == "nosniff", path
    assert fetch(live_server, "/")[1]["Cache-Control"] == "no-store"
    assert fetch(live_server, "/static/app.css")[1]["Cache-Control"] == "no-cache"  # unhashed: asked again


def test_an_unchanged_file_asked_again_is_not_sent_again(live_server):
    _, headers, _ = fetch(live_server, "/static/app.css")
    status, _, body = fetch(live_server, "/static/app.css", headers={"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")


def test_the_browser_s_python_comes_in_one_archive_under_its_hash(live_server):
    archive = page_urls(live_server)["archive"]
    status, headers, body = fetch(live_server, archive)

    assert status == 200 and headers["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert "relaydesk/protocol.py" in names and "relaydesk_web/customer.py" in names
    assert "relaydesk/store.py" not in names  # only what the browser runs: none of the server's own
    for coding, unpack in (("br", brotli.decompress), ("gzip", gzip.decompress)):  # stored entries, sent compressed
        status, headers, compressed = fetch(live_server, archive, f"{coding}, deflate")
        assert headers["Content-Encoding"] == coding and headers["Vary"] == "Accept-Encoding"
        assert unpack(compressed) == body and len(compressed) < len(body) / 2
    assert fetch(live_server, re.sub(r"-[0-9a-f]+\.zip", "-000000000000.zip", archive))[0] == 404


def test_the_pyodide_lock_s_files_resolve_beside_it(live_server):
    pyodide = page_urls(live_server)["pyodide"]
    lock = json.loads(fetch(live_server, pyodide + "pyodide-lock.json")[2])
    for name in ("micropip", "packaging", "pyspellchecker"):
        status, headers, _ = fetch(live_server, pyodide + lock["packages"][name]["file_name"])
        assert status == 200 and headers["Cache-Control"] == YEAR, name

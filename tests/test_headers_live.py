"""Security headers on every response of a live server, and the CSP reports it takes."""

import json
import re
import time
import urllib.request

import pytest

from tests.wsclient import post_form, sign_in

CSP_MUST = ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "object-src 'none'", "base-uri 'none'",
            "frame-ancestors 'none'", "form-action 'self'", "connect-src 'self'", "report-uri /csp-report"]


def get(server, path, cookie=None):
    return post_form(server, path, None, cookie=cookie)


def directives(csp: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in csp.split(";"))}


@pytest.fixture
def pages(chat, server):
    """Every kind of page and answer, as (path, cookie) pairs, with a session whose log they can show."""
    customer, alice, session_id, token = chat
    rep, admin = sign_in(server, "alice"), sign_in(server, "root")
    return {
        "portal": ("/", None), "sign-in": ("/rep", None), "console": ("/rep", rep), "admin": ("/rep/admin", admin),
        "history": ("/rep/history?q=Carol", rep), "read-only log": (f"/rep/sessions/{session_id}", rep),
        "export": (f"/rep/sessions/{session_id}/export?format=html", rep), "reps": ("/rep/reps", rep),
        "relay": ("/rep/admin/relay", admin), "not found": ("/nowhere", None),
        "module": ("/py/relaydesk/protocol.py", None), "static": ("/static/app.css", None),
        **{f"asset {url}": (url, None) for url in asset_urls(server)},
    }, token


def asset_urls(server) -> list[str]:
    """The files a page loads that WhiteNoise serves before the app: hashed static ones, PyScript's and Pyodide's."""
    page = get(server, "/")[2]
    urls = [url for url in re.findall(r'(?:href|src)="(/(?:static|assets)/[^"]+)"', page)
            if not url.endswith((".wasm", ".zip"))]  # text only, for get(): test_assets_live.py reads the rest
    interpreter = re.search(r'"interpreter": "((/assets/pyodide-[0-9a-f]+/)start-[0-9a-f]+\.mjs)"', page)
    pyodide = interpreter[2]
    return urls + [interpreter[1], pyodide + "pyodide.mjs", pyodide + "pyodide-lock.json"]


def test_every_response_carries_the_security_headers(pages, server):
    paths, _ = pages
    for name, (path, cookie) in paths.items():
        status, headers, _ = get(server, path, cookie)
        assert status in (200, 404), name
        csp = headers["Content-Security-Policy"]
        assert all(part in csp for part in CSP_MUST), (name, csp)
        assert "unsafe-inline" not in csp and "'unsafe-eval'" not in csp, name
        assert directives(csp)["img-src"] == ["'self'", "data:", "blob:"], name  # blob: made by our own page
        assert headers["Referrer-Policy"] == "same-origin", name
        assert headers["X-Content-Type-Options"] == "nosniff", name
        policy = headers["Permissions-Policy"]
        assert "display-capture=(self)" in policy and "microphone=()" in policy and "geolocation=()" in policy, name
        assert "Strict-Transport-Security" not in headers, name  # served over plain HTTP here


def test_people_s_pages_are_never_stored_and_public_assets_are(pages, server):
    paths, token = pages
    public = {"module", "static"}
    for name, (path, cookie) in paths.items():
        cache = get(server, path, cookie)[1]["Cache-Control"]
        assert (cache == "no-store") == (name not in public and not name.startswith("asset")), (name, cache)
    status, headers, _ = post_form(server, "/transcript", {"token": token, "format": "text"})
    assert status == 200 and headers["Cache-Control"] == "no-store"


def test_exports_and_transcripts_say_their_charset_once(pages, server):
    paths, token = pages
    path, cookie = paths["export"]
    assert get(server, path, cookie)[1]["Content-Type"] == "text/html; charset=utf-8"
    assert get(server, path.replace("html", "text"), cookie)[1]["Content-Type"] == "text/plain; charset=utf-8"
    headers = post_form(server, "/transcript", {"token": token, "format": "text"})[1]
    assert headers["Content-Type"] == "text/plain; charset=utf-8"


def test_the_read_only_log_s_own_style_is_the_only_inline_one_allowed(pages, server):
    import base64
    import hashlib
    import re

    paths, _ = pages
    path, cookie = paths["read-only log"]
    _, headers, page = get(server, path, cookie)
    style = re.search(r"<style>(.*?)</style>", page, re.S)[1]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert directives(headers["Content-Security-Policy"])["style-src"] == ["'self'", f"'sha256-{digest}'"]


def test_https_servers_ask_browsers_to_come_back_over_https_only(start_server):
    server = start_server(SESSION_COOKIE_SECURE=True)
    assert get(server, "/")[1]["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize(("content_type", "report"), [
    ("application/csp-report", {"csp-report": {"document-uri": "http://x/rep", "blocked-uri": "inline",
                                               "effective-directive": "script-src-elem"}}),
    ("application/reports+json", [{"type": "csp-violation", "body": {
        "documentURL": "http://x/rep", "blockedURL": "inline", "effectiveDirective": "script-src-elem"}}]),
])
def test_csp_reports_are_taken_without_a_token_and_logged(live_server, content_type, report):
    request = urllib.request.Request(live_server.url + "/csp-report", data=json.dumps(report).encode(),
                                     headers={"Content-Type": content_type}, method="POST")
    with urllib.request.urlopen(request) as response:
        assert response.status == 204
    for _ in range(50):  # the log is written by another process
        if "CSP violation: script-src-elem blocked inline on http://x/rep" in live_server.log.read_text():
            return
        time.sleep(0.1)
    raise AssertionError(live_server.log.read_text()[-2000:])

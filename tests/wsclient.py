"""A plain websocket client for the integration tests: the relay sees it as a browser would."""

from __future__ import annotations

import json
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request

import websocket

from relaydesk import protocol


def matcher(type: str, where, match: dict):
    """Return the test of a frame ``expect`` looks for: of ``type``, its fields as in ``match``, and ``where``."""

    def matches(frame: dict) -> bool:
        fields = frame["type"] == type and all(frame.get(k) == v for k, v in match.items())
        return fields and (where is None or where(frame))

    return matches


class Client:
    def __init__(self, server, role: str, cookie: str | None = None, origin: str | None = None,
                 query: str = "") -> None:
        self.ws = websocket.create_connection(
            f"{server.ws_url}/ws/{role}{query}", origin=origin or server.url, cookie=cookie, timeout=5
        )
        self.role = role
        self.frames: list[str] = []  # every frame received, raw, for leak checks
        self.role = role
        self.paging = True  # False: take only the first page of a replay, and ask for no more
        self.pages_asked = 0
        self.backlog: list[dict] = []  # frames received but not yet expected

    def send(self, **frame) -> None:
        self.ws.send(json.dumps(frame))

    def send_raw(self, data: str | bytes) -> None:
        if isinstance(data, bytes):
            self.ws.send_binary(data)
        else:
            self.ws.send(data)

    def recv(self) -> dict:
        """Return the next frame, checked against what the protocol declares the relay sends to this role; a
        binary one (a screen image) as its header's fields, with its bytes as ``data``.  The end of a replay's page
        asks for the next one, as the browser pages do."""
        raw = self.ws.recv()
        self.frames.append(raw)
        if isinstance(raw, bytes):
            return protocol.decode_screen_image_header(raw) | {"data": raw[protocol.SCREEN_IMAGE.size:]}
        frame = protocol.check_server_frame(json.loads(raw), self.role)
        if self.paging:
            self.next_page(frame)
        return frame

    def next_page(self, frame: dict) -> bool:
        """Ask for the page after ``frame`` when it ends one of a replay with more to come; tell whether it did."""
        if frame["type"] != "page" or not frame["more"] or "after" not in frame:
            return False
        session = {"session": frame["session"]} if self.role == "rep" else {}
        self.send(type="history", page=f"page-{secrets.token_hex(6)}", after=frame["last"], **session)
        self.pages_asked += 1
        return True

    def expect(self, type: str, timeout: float = 5, where=None, **match) -> dict:
        """Return the first frame of ``type`` whose fields match, received before or arriving now.

        Frames that do not match wait in the backlog for a later ``expect``.
        """

        matches = matcher(type, where, match)
        for frame in self.backlog:
            if matches(frame):
                self.backlog.remove(frame)
                return frame
        deadline = time.monotonic() + timeout  # for the whole wait: frames that do not match do not extend it
        for _ in range(200):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.ws.settimeout(left)
            try:
                frame = self.recv()
            except websocket.WebSocketTimeoutException:
                break
            if matches(frame):
                return frame
            self.backlog.append(frame)
        seen = [frame.get("type") for frame in self.backlog[-10:]]
        raise AssertionError(f"no {type} frame matching {match} within {timeout} s (the last others: {seen})")

    def close(self) -> None:
        self.ws.close()


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


AS_A_BROWSER = "as a browser"  # send the token a browser would hold for this cookie


def post_form(server, path: str, fields: dict | None, origin: str | None = None, cookie: str | None = None,
              token: str | None = AS_A_BROWSER, headers: dict | None = None):
    """POST a form (GET when ``fields`` is None) without following redirects; return (status, headers, body).

    A POST carries the CSRF token of one of our pages loaded with ``cookie`` first, as a browser's form does,
    unless ``token`` says otherwise (None: no token).
    """
    if fields is not None and token == AS_A_BROWSER:
        cookie, token = browser_token(server, cookie)
    if fields is not None and token is not None:
        fields = {**fields, "csrf_token": token}
    headers = {"Origin": origin or server.url} | ({"Cookie": cookie} if cookie else {}) | (headers or {})
    data = urllib.parse.urlencode(fields).encode() if fields is not None else None
    request = urllib.request.Request(server.url + path, data=data, headers=headers,
                                     method="POST" if fields is not None else "GET")
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:  # closed now, not whenever it is collected (a ResourceWarning, an error here)
            return error.code, error.headers, error.read().decode()


def browser_token(server, cookie: str | None) -> tuple[str, str]:
    """Load one of our pages as a browser would: return the cookie it then holds and the page's CSRF token."""
    status, headers, page = post_form(server, "/rep", None, cookie=cookie)
    assert status == 200, status
    token = CSRF_META.search(page)
    return with_cookies(cookie, headers.get_all("Set-Cookie") or []), token[1] if token else ""


def csrf_headers(server, cookie: str | None) -> dict[str, str]:
    """Return the headers a page's fetch sends: its cookie and its CSRF token."""
    cookie, token = browser_token(server, cookie)
    return {"Cookie": cookie, "X-CSRFToken": token}


def with_cookies(cookie: str | None, set_cookies: list[str]) -> str:
    """Return a Cookie header with what a response set laid over it."""
    jar = dict(part.split("=", 1) for part in (cookie or "").split("; ") if "=" in part)
    jar |= dict(header.split(";", 1)[0].split("=", 1) for header in set_cookies)
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def sign_in(server, username: str, password: str = "correct horse") -> str:
    """Sign a rep in; return the session cookie as ``name=value``."""
    status, headers, _ = post_form(server, "/rep/sign-in", {"username": username, "password": password})
    assert status == 302, status
    return headers["Set-Cookie"].split(";", 1)[0]


def sign_out(server, cookie: str) -> None:
    """Sign a rep out with the console's Sign out form."""
    status, _, _ = post_form(server, "/rep/sign-out", {}, cookie=cookie)
    assert status == 302, status

"""Keep the server's doors: how many connections it holds, from whom, and how long a request's head may take.

``Gate`` counts open connections, in all and per client address.  A
connection over ``MAX_CONNECTIONS`` (lowered to fit the file-descriptor limit)
or over ``MAX_CONNECTIONS_PER_ADDRESS`` from one peer is answered 503 and closed
once its request's head has come (briefly waited for: ``BUSY_HEAD_S``), in the
language it asks for (``?lang=``, else ``Accept-Language``).  The last ``RESERVED_FOR_REPS`` places are kept
for signed-in reps: past that mark, a request that is not a signed-in rep's is
answered 503, so a flood of anonymous sockets can fill the server only up to
the mark, and reps still get in.  Behind a trusted proxy every connection comes
from the proxy, so the per-address count moves to the app, where the client's
address is known (``app.py`` counts websockets by it).

``GatedHandler`` is gevent's WSGI handler with those counts and a deadline on
each request's line and headers (gevent has none): a half-sent header, or a
keep-alive connection left idle, is closed after ``HEADER_TIMEOUT_S``; and a
body the app did not read (a refused or too slow upload) is not read after it.
"""

from __future__ import annotations

import json
import logging
import resource
import threading
import time
from collections import Counter
from collections.abc import Mapping
from socket import socket
from urllib.parse import parse_qs, urlsplit

import gevent
from gevent.pywsgi import WSGIHandler
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from .language import DEFAULT, LANGUAGES, N_, _, speaking, supported
from .logs import ACCESS, combined

log = logging.getLogger(__name__)

DEFAULTS: dict[str, object] = {
    "MAX_CONNECTIONS": 10_000,  # open connections in all (fewer when the file-descriptor limit is lower)
    "MAX_CONNECTIONS_PER_ADDRESS": 200,  # open connections from one client address
    "RESERVED_FOR_REPS": 100,  # of MAX_CONNECTIONS, the last ones, kept for signed-in reps
    "HEADER_TIMEOUT_S": 10,  # a request's line and headers must come within this; an idle keep-alive too
    "HELLO_TIMEOUT_S": 60,  # a websocket that says neither hello nor request within this is closed
    "SEND_QUEUE_CHARS": 4 * 1024 * 1024,  # characters waiting for one reader before its connection is closed
}
SPARE_FDS = 64  # file descriptors kept for the database, files being sent, logs
BUSY_TEXT = N_("The server is busy: try again in a minute.")
BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
        b"Content-Language: %s\r\nRetry-After: 30\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s")
BUSY_HEAD_S = 0.5  # how long a refused connection's request head is waited for (to answer in its language)
HEAD_BYTES = 8192  # how much of it is read, at most
# Refused connections waiting for their head at once, at most: each holds a file descriptor meanwhile, so a flood
# of refused ones may use only part of the spare ones; past this, a refusal reads only what has come already.
BUSY_WAITERS = SPARE_FDS // 2


def raise_fd_limit() -> int:
    """Raise this process's soft limit on open files to the hard limit, where allowed; return the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20  # Linux's usual nr_open
    if soft != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError) as exc:
            log.warning("could not raise the open-files limit from %s to %s: %s", soft, hard, exc)
    return soft


def busy_answer(lang: str = DEFAULT) -> bytes:
    """The 503 a connection over a cap gets, in ``lang``."""
    with speaking(lang) as spoken:
        body = json.dumps({"error": _(BUSY_TEXT)}, ensure_ascii=False).encode()
    return BUSY % (spoken.encode(), len(body), body)


def read_head(conn: socket, timeout_s: float) -> bytes:
    """Read a request's line and headers as they come, for ``timeout_s`` at most (what came by then)."""
    head = b""
    deadline = time.monotonic() + timeout_s
    try:
        while b"\r\n\r\n" not in head and len(head) < HEAD_BYTES:
            conn.settimeout(max(0.0, deadline - time.monotonic()))  # past the deadline: what has come, no wait
            chunk = conn.recv(HEAD_BYTES - len(head))
            if not chunk:
                break
            head += chunk
    except OSError:  # a timeout, nothing more yet (past the deadline), or the client gone
        pass
    return head


def head_language(head: bytes) -> str:
    """The language a request's head asks for: ``?lang=`` on its line, else ``Accept-Language``, else English."""
    line, *fields = head.decode("latin-1").split("\r\n")
    target = line.split(" ")[1] if line.count(" ") >= 2 else ""
    asked = supported(parse_qs(urlsplit(target).query).get("lang", [""])[0])
    if asked:
        return asked
    for field in fields:
        name, _colon, value = field.partition(":")
        if name.strip().lower() == "accept-language":
            return parse_accept_header(value.strip(), LanguageAccept).best_match(LANGUAGES) or DEFAULT
    return DEFAULT


class Gate:
    """The counts of open connections, and the caps they are held to (``DEFAULTS`` names the settings)."""

    def __init__(self, config: Mapping[str, object], fd_limit: int | None = None) -> None:
        settings = DEFAULTS | dict(config)
        self.per_address = int(str(settings["MAX_CONNECTIONS_PER_ADDRESS"]))
        self.header_timeout_s = float(str(settings["HEADER_TIMEOUT_S"]))
        self.by_peer = not int(str(settings.get("TRUSTED_PROXIES") or 0))  # behind a proxy, the app counts
        self.cap = int(str(settings["MAX_CONNECTIONS"]))
        if fd_limit is not None:
            self.cap = max(1, min(self.cap, fd_limit - SPARE_FDS))
        self.anonymous_cap = self.cap - min(int(str(settings["RESERVED_FOR_REPS"])), self.cap // 2)
        self.open = 0
        self.refusing = 0  # refused connections waiting for their head (``BUSY_WAITERS`` at most)
        self._peers: Counter[str] = Counter()  # open connections by peer address
        self._clients: Counter[str] = Counter()  # open websockets by client address (as the app knows it)
        self._lock = threading.Lock()

    # --- connections, as they are accepted ------------------------------------------

    def enter(self, peer: str | None) -> bool:
        """Count a connection in; False (and not counted) when it is over a cap."""
        with self._lock:
            if self.open >= self.cap or (peer is not None and self._peers[peer] >= self.per_address):
                return False
            self.open += 1
            if peer is not None:
                self._peers[peer] += 1
            return True

    def leave(self, peer: str | None) -> None:
        with self._lock:
            self.open -= 1
            if peer is not None:
                self._peers[peer] -= 1
                if not self._peers[peer]:
                    del self._peers[peer]

    def refusal_may_wait(self) -> bool:
        """Whether a refused connection may wait for its head (then ``refusal_done`` after); False past
        ``BUSY_WAITERS`` of them."""
        with self._lock:
            if self.refusing >= BUSY_WAITERS:
                return False
            self.refusing += 1
            return True

    def refusal_done(self) -> None:
        with self._lock:
            self.refusing -= 1

    @property
    def crowded(self) -> bool:
        """Whether only signed-in reps may come in now."""
        return self.open > self.anonymous_cap

    # --- websockets, by the client's address -------------------------------------------

    def socket_opens(self, client: str, signed_in: bool) -> bool:
        """Count a websocket in by its client's address; False (not counted) when an anonymous one is over the cap."""
        with self._lock:
            if not signed_in and self._clients[client] >= self.per_address:
                return False
            self._clients[client] += 1
            return True

    def socket_closed(self, client: str) -> None:
        with self._lock:
            self._clients[client] -= 1
            if not self._clients[client]:
                del self._clients[client]


class HeadTimeout(OSError):
    """A request's line and headers did not come in time (an OSError: gevent drops the connection quietly)."""


class GatedHandler(WSGIHandler):
    """gevent's WSGI handler, with the gate's caps and a deadline on each request's head."""

    _timer: gevent.Timeout | None = None

    def handle(self) -> None:
        gate: Gate = self.server.gate
        peer = self.client_address[0] if gate.by_peer and isinstance(self.client_address, tuple) else None
        if not gate.enter(peer):
            waits = gate.refusal_may_wait()
            try:
                head = read_head(self.socket, BUSY_HEAD_S if waits else 0)
                self.socket.sendall(busy_answer(head_language(head)))
            except OSError:
                pass
            finally:
                if waits:
                    gate.refusal_done()
                self.socket.close()
            return
        try:
            super().handle()
        finally:
            gate.leave(peer)

    def log_request(self) -> None:
        if not ACCESS.disabled:
            ACCESS.info(combined(self))

    def handle_one_request(self):
        self._timer = gevent.Timeout(self.server.gate.header_timeout_s, HeadTimeout)
        self._timer.start()
        try:
            return super().handle_one_request()
        finally:
            self._timer.close()

    def run_application(self) -> None:
        """Run the app; a body it left unread is not read after it (gevent would, at the client's pace, to keep
        the connection): the connection closes instead.  A refused or timed-out upload lets go at once."""
        try:
            super().run_application()
        finally:
            body = getattr(self, "wsgi_input", None)
            if body is not None and (body.chunked_input or body.position < (body.content_length or 0)):
                body._chunked_input_error = True  # gevent's own mark for a body it must not read on
                self.close_connection = True

    def read_request(self, raw_requestline: str) -> bool:
        try:
            return super().read_request(raw_requestline)
        except HeadTimeout:
            raise ValueError("the request's headers came too slowly") from None
        finally:
            if self._timer is not None:
                self._timer.close()  # the app's own time is not the head's

"""Write every byte of every websocket frame, or close the connection: never a cut frame, never a send stuck forever.

simple-websocket hands each frame to ``socket.send`` once and ignores how much
of it went out; under gevent a full send buffer makes that a part of the frame,
and the stream is garbage from there on.  ``WholeWrites`` is the socket
simple-websocket writes through: every write complete, one at a time, within a
deadline.  ``Outbox`` gives each connection its own writer and a bounded
queue: a send never waits (the session's lock is held while events fan out),
and a reader that falls too far behind is disconnected.
"""

from __future__ import annotations

import logging
import select
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from simple_websocket import ConnectionClosed

log = logging.getLogger(__name__)

QUEUE_LIMIT = 4 * 1024 * 1024  # characters waiting for a reader before its connection is closed
SAY_HELLO = 1008  # the close code for a websocket that said nothing in time (policy violation)


def one_descriptor(environ: dict) -> None:
    """Close gevent's own socket of a websocket request: simple-websocket reads and writes a duplicate of it, so
    each connection holds one file descriptor, not two (and not the request's read buffer either).

    gevent's handler then finds its socket closed once the websocket ends, and
    ends quietly too.
    """
    rfile = environ.get("wsgi.input")
    rfile = rfile if hasattr(rfile, "raw") else getattr(rfile, "rfile", None)  # an upgrade gets gevent's own
    own = getattr(getattr(rfile, "raw", None), "_sock", None)
    if rfile is not None and own is not None and str(environ.get("SERVER_SOFTWARE", "")).startswith("gevent"):
        rfile.close()
        own.close()


class WholeWrites:
    """A socket whose ``send`` writes all its bytes within ``timeout_s`` or shuts the socket and raises.

    The lock keeps frames whole: simple-websocket's reader thread writes pongs
    and close frames to the same socket as the connection's writer.
    """

    def __init__(self, sock: socket.socket, timeout_s: float) -> None:
        self.sock = sock
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        # The operating system's socket under gevent's, written without waiting: most frames fit in the send
        # buffer, and a poll for each one cost more than the write (bench.load).
        self._raw = getattr(sock, "_sock", sock)

    def send(self, data: bytes) -> int:
        with self._lock:
            deadline = time.monotonic() + self.timeout_s
            view = memoryview(data)
            while view:
                try:
                    view = view[self._raw.send(view, socket.MSG_DONTWAIT):]
                    continue
                except BlockingIOError:  # the buffer is full: wait until the peer reads, up to the deadline
                    pass
                left_s = deadline - time.monotonic()
                if left_s <= 0 or not self._writable(left_s):
                    self.shut()
                    raise TimeoutError(f"the peer read nothing for {self.timeout_s} s")
        return len(data)

    def _writable(self, timeout_s: float) -> bool:
        poller = select.poll()  # gevent's, once patched: it waits without blocking other greenlets
        poller.register(self.sock, select.POLLOUT)
        return bool(poller.poll(timeout_s * 1000))

    def shut(self) -> None:
        """End the connection both ways: the reader sees the end, and the receive loop with it."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def recv(self, size: int) -> bytes:
        return self.sock.recv(size)

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        self.sock.close()


class Latest:
    """A queued frame that a newer one of its key may still replace (``Outbox.send_latest``)."""

    def __init__(self, key: object, data: bytes) -> None:
        self.key, self.data = key, data


class Outbox:
    """A websocket whose frames are written in order by a writer of its own; ``send`` only queues them, and never
    waits.

    When a frame would take the characters waiting past ``limit``, the
    connection is closed at once: a reader that cannot keep up costs its own
    connection (its client reconnects and resumes by sequence number), never
    the sender's time or the server's memory.  A frame the writer cannot write
    within ``timeout_s`` closes it too.  The writer runs only while frames
    wait, so an idle connection holds no writer.
    """

    def __init__(self, ws, timeout_s: float, limit: int = QUEUE_LIMIT) -> None:
        self.ws = ws
        self.wire = ws.sock = WholeWrites(ws.sock, timeout_s)
        self.timeout_s = timeout_s
        self.limit = limit
        self._frames: deque[str | bytes | Latest] = deque()
        self._latest: dict[object, Latest] = {}  # by key: the frames of send_latest still waiting
        self._queued = 0
        self._open = True
        self._writing = False
        self._lock = threading.Lock()
        self._greeted: Callable[[], bool] | None = None
        self._greet_by = 0.0

    def greeted_when(self, greeted: Callable[[], bool], within_s: float) -> None:
        """Close the connection unless ``greeted()`` (it said hello) within ``within_s`` seconds of now."""
        self._greeted, self._greet_by = greeted, time.monotonic() + within_s

    def send(self, data: str | bytes) -> None:
        with self._lock:
            self._queue(data, len(data))

    def send_latest(self, key: object, data: bytes) -> None:
        """Queue a frame that only its newest version is worth sending (a picture of a screen), by ``key``.

        While an earlier frame of the same ``key`` still waits, unwritten, the
        new one takes its place; so a slow reader gets fewer of them, each the
        latest, and never a growing backlog.  The next one goes out only once
        the writer has finished the one before.
        """
        with self._lock:
            waiting = self._latest.get(key)
            if waiting is not None and self._open:
                self._queued += len(data) - len(waiting.data)
                waiting.data = data
            elif self._queue(slot := Latest(key, data), len(data)):
                self._latest[key] = slot

    def _queue(self, item: str | bytes | Latest, size: int) -> bool:
        """Queue a frame, under the lock, starting the writer if none runs; close the connection instead when the
        frame would take it past ``limit``.  Tell whether it was queued."""
        if not self._open:
            return False
        if self._frames and self._queued + size > self.limit:
            log.info("closed a connection whose reader fell %s characters behind", f"{self._queued:,}")
            self._shut()
            return False
        self._frames.append(item)
        self._queued += size
        if not self._writing:
            self._writing = True
            spawn(self._write)
        return True

    def receive(self) -> str | bytes | None:
        """Return the next frame; None when there is none yet.  Raise ``ConnectionClosed`` once it ends, or when it
        was not greeted in time."""
        if self._greeted is None:
            return self.ws.receive()
        if self._greeted():
            self._greeted = None
            return self.ws.receive()
        left_s = self._greet_by - time.monotonic()
        if left_s <= 0:
            try:
                self.close(SAY_HELLO, "Say hello first")
            except (ConnectionClosed, OSError):
                pass
            self.wire.shut()  # its reader ends now, not at the next ping
            raise ConnectionClosed(SAY_HELLO, "Say hello first")
        return self.ws.receive(timeout=left_s)

    @property
    def queued(self) -> int:
        """The characters waiting to be written."""
        return self._queued

    def close(self, reason: int | None = None, message: str | None = None) -> None:
        """Stop the writer; frames still queued are dropped with the connection.

        With a ``reason`` (a websocket close code), the client is told why, as
        when a rep's sign-in ends and their console must go back to signing in.
        """
        with self._lock:
            self._drop()
        if reason is not None:
            self.ws.close(reason, message)

    def _shut(self) -> None:
        self._drop()
        self.wire.shut()

    def _drop(self) -> None:
        """Take nothing more, and let go of what waits (under the lock)."""
        self._open = False
        self._frames.clear()
        self._latest.clear()
        self._queued = 0

    def _write(self) -> None:
        while True:
            with self._lock:
                if not self._open or not self._frames:
                    self._writing = False
                    return
                frame = self._frames[0]
                if isinstance(frame, Latest):  # taken: a newer one of its key queues up behind it from now on
                    del self._latest[frame.key]
                    frame = self._frames[0] = frame.data
            sent = self._sent(frame)
            with self._lock:
                if not sent:
                    self._writing = False
                    self._shut()
                    return
                if self._frames:  # not cleared by a close meanwhile
                    self._frames.popleft()
                    self._queued -= len(frame)

    def _sent(self, frame: str | bytes) -> bool:
        """Write one frame whole; False once the connection is done for."""
        try:
            self.ws.send(frame)
        except (ConnectionClosed, OSError):  # the peer went away, or stopped reading
            return False
        except Exception:  # a bug costs this connection, not the server
            log.exception("writing to a websocket failed")
            return False
        return True


def spawn(run: Callable[[], None]) -> None:
    """Run ``run`` on its own greenlet under gevent (cheap: one per burst of frames), else on a thread."""
    if "gevent" in sys.modules and _patched():
        import gevent

        gevent.spawn(run)
    else:
        threading.Thread(target=run, name="relaydesk-outbox", daemon=True).start()


def _patched() -> bool:
    from gevent import monkey

    return monkey.is_module_patched("threading")


@contextmanager
def outbox(ws, timeout_s: float, limit: int = QUEUE_LIMIT) -> Iterator[Outbox]:
    """Give a websocket its own writer for as long as the block runs."""
    box = Outbox(ws, timeout_s, limit)
    try:
        yield box
    finally:
        box.close()

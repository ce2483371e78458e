"""Write every byte of every websocket frame, or close the connection: never a cut frame, never a send stuck forever.

simple-websocket hands each frame to ``socket.send`` once and ignores how much
of it went out; under gevent a full send buffer makes that a part of the frame,
and the stream is garbage from there on.  ``WholeWrites`` is the socket
simple-websocket writes through: every write complete, one at a time, within a
deadline.  ``Outbox`` gives each connection its own writer, so a slow reader
delays nobody else (the session's lock is held while events fan out) until
its queue is full.
"""

from __future__ import annotations

import logging
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from simple_websocket import ConnectionClosed

log = logging.getLogger(__name__)

QUEUE_LIMIT = 4 * 1024 * 1024  # characters waiting for a slow reader before its handlers wait for room


class WholeWrites:
    """A socket whose ``send`` writes all its bytes within ``timeout_s`` or shuts the socket and raises.

    The lock keeps frames whole: simple-websocket's reader thread writes pongs
    and close frames to the same socket as the connection's writer.
    """

    def __init__(self, sock: socket.socket, timeout_s: float) -> None:
        self.sock = sock
        self.timeout_s = timeout_s
        self._lock = threading.Lock()

    def send(self, data: bytes) -> int:
        with self._lock:
            deadline = time.monotonic() + self.timeout_s
            view = memoryview(data)
            while view:
                left_s = deadline - time.monotonic()
                if left_s <= 0 or not self._writable(left_s):
                    self.shut()
                    raise TimeoutError(f"the peer read nothing for {self.timeout_s} s")
                view = view[self.sock.send(view):]
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
    """A websocket whose frames are written in order by a writer of its own; ``send`` only queues them.

    When more than ``QUEUE_LIMIT`` characters wait, ``send`` waits for room,
    at most ``timeout_s``; a frame the writer cannot write within ``timeout_s``,
    or no room in time, closes the connection: its client reconnects and resumes.
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
        self._changed = threading.Condition()
        threading.Thread(target=self._write, name="relaydesk-outbox", daemon=True).start()

    def send(self, data: str | bytes) -> None:
        with self._changed:
            if self._queued >= self.limit and not self._changed.wait_for(self._has_room, self.timeout_s):
                self._shut()
            if self._open:
                self._frames.append(data)
                self._queued += len(data)
                self._changed.notify_all()

    def send_latest(self, key: object, data: bytes) -> None:
        """Queue a frame that only its newest version is worth sending (a picture of a screen), by ``key``.

        While an earlier frame of the same ``key`` still waits, unwritten, the
        new one takes its place; so a slow reader gets fewer of them, each the
        latest, and never a growing backlog.  The next one goes out only once
        the writer has finished the one before.
        """
        with self._changed:
            waiting = self._latest.get(key)
            if waiting is not None:
                self._queued += len(data) - len(waiting.data)
                waiting.data = data
            elif self._open:
                self._latest[key] = slot = Latest(key, data)
                self._frames.append(slot)
                self._queued += len(data)
                self._changed.notify_all()

    def receive(self) -> str | bytes | None:
        return self.ws.receive()

    def close(self, reason: int | None = None, message: str | None = None) -> None:
        """Stop the writer; frames still queued are dropped with the connection.

        With a ``reason`` (a websocket close code), the client is told why, as
        when a rep's sign-in ends and their console must go back to signing in.
        """
        with self._changed:
            self._open = False
            self._changed.notify_all()
        if reason is not None:
            self.ws.close(reason, message)

    def _has_room(self) -> bool:
        return not self._open or self._queued < self.limit

    def _shut(self) -> None:
        self._open = False
        self._changed.notify_all()
        self.wire.shut()

    def _write(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._frames or not self._open)
                if not self._open:
                    return
                frame = self._frames[0]
                if isinstance(frame, Latest):  # taken: a newer one of its key queues up behind it from now on
                    del self._latest[frame.key]
                    frame = self._frames[0] = frame.data
            if not self._sent(frame):
                with self._changed:
                    self._shut()
                return
            with self._changed:
                self._frames.popleft()
                self._queued -= len(frame)
                self._changed.notify_all()


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


@contextmanager
def outbox(ws, timeout_s: float) -> Iterator[Outbox]:
    """Give a websocket its own writer for as long as the block runs."""
    box = Outbox(ws, timeout_s)
    try:
        yield box
    finally:
        box.close()

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
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from simple_websocket import ConnectionClosed
from simple_websocket.ws import Base as SimpleWebsocket

log = logging.getLogger(__name__)

QUEUE_LIMIT = 4 * 1024 * 1024  # characters waiting for a reader before its connection is closed
SAY_HELLO = 1008  # the close code for a websocket that said nothing in time (policy violation)
READ_AHEAD = 32  # frames read from a client and not yet handled before its socket is read no more, for now
WRITE_AT_ONCE = 64 * 1024  # bytes of queued frames joined into one write
ADMIT_BACKLOG = 500  # clients' events taken and not yet answered before no socket is read, for now


class Admission:
    """How much accepted work the server may have unfinished before it reads no more frames from any client.

    The relay counts each client's event in as its handler hands it to the
    store (``take``) and out once it is answered (``done``).  While more than
    ``budget`` are unfinished, every connection's reader waits before its next
    read (``wait``): TCP pushes back on the clients, and the server spends its
    time finishing what it took rather than parsing frames it cannot answer
    yet.  Reading starts again once a quarter of the budget is done.  One
    client cannot close it alone (a session has at most ``relay.IN_FLIGHT``
    events on their way, far fewer than the budget), so a flood does not hold
    back others' frames.
    """

    def __init__(self, budget: int = ADMIT_BACKLOG) -> None:
        self.budget = budget
        self.backlog = 0
        self._open = threading.Event()
        self._open.set()

    def take(self) -> None:
        self.backlog += 1
        if self.backlog >= self.budget and self._open.is_set():
            self._open.clear()

    def done(self) -> None:
        self.backlog -= 1
        if self.backlog <= self.budget * 3 // 4 and not self._open.is_set():
            self._open.set()

    def wait(self, still: Callable[[], bool]) -> None:
        """Wait while over budget; checked again each second, so that a connection that closed meanwhile
        (``still()`` false) does not keep its reader."""
        while not self._open.is_set() and still():
            self._open.wait(1.0)


def frame_bytes(data: str | bytes) -> bytes:
    """Return one whole websocket frame from the server (unmasked, unfragmented): text for a str, binary for bytes.

    What wsproto builds, for a fraction of its cost.  Never compressed (RSV1
    clear): permessage-deflate lets any message go uncompressed, so this is
    valid whatever the handshake agreed; small chat frames gain nothing from
    deflate, and pictures are compressed already.
    """
    if isinstance(data, str):
        payload, opcode = data.encode(), 0x81
    else:
        payload, opcode = data, 0x82
    size = len(payload)
    if size < 126:
        return bytes((opcode, size)) + payload
    if size < 65536:
        return struct.pack("!BBH", opcode, 126, size) + payload
    return struct.pack("!BBQ", opcode, 127, size) + payload


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
        self._rest = b""  # the end of a frame ``try_send`` could not write: it goes before anything else
        self.before_read: Callable[[], None] | None = None  # called before each read: it may wait (read-ahead)
        self.after_read: Callable[[], None] | None = None  # called after each read, before the bytes are parsed

    @property
    def pending(self) -> bool:
        """Tell whether the end of a frame waits to be written (``send(b"")`` writes it)."""
        return bool(self._rest)

    def send(self, data: bytes) -> int:
        with self._lock:
            deadline = time.monotonic() + self.timeout_s
            if self._rest:
                data, self._rest = self._rest + data, b""
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

    def try_send(self, data: bytes) -> bool:
        """Write what the socket takes of ``data`` now, without waiting, keeping the rest for the next ``send``;
        False (nothing written) when another write is under way or waits.  Raise ``OSError`` when the peer went."""
        if not self._lock.acquire(blocking=False):
            return False
        try:
            if self._rest:
                return False
            try:
                sent = self._raw.send(data, socket.MSG_DONTWAIT)
            except BlockingIOError:
                sent = 0
            self._rest = data[sent:]
            return True
        finally:
            self._lock.release()

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
        if self.before_read is not None:
            self.before_read()
        data = self.sock.recv(size)
        if self.after_read is not None and data:
            self.after_read()
        return data

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        self.sock.close()


class Latest:
    """A queued frame that a newer one of its key may still replace (``Outbox.send_latest``)."""

    def __init__(self, key: object, data: bytes) -> None:
        self.key, self.data = key, data


class Outbox:
    """A websocket whose frames are written in order by a writer of its own; ``send`` never waits.

    A frame sent while nothing waits is written at once, as far as the
    socket's buffer takes it (most frames, most of the time); otherwise it is
    queued, and the writer, a greenlet that runs only while frames wait, joins
    what waits into few writes.  When a frame would take the characters
    waiting past ``limit``, the connection is closed at once: a reader that
    cannot keep up costs its own connection (its client reconnects and resumes
    by sequence number), never the sender's time or the server's memory.  A
    frame the writer cannot write within ``timeout_s`` closes it too.

    The other way, no more than ``READ_AHEAD`` frames are read from the client
    before the relay handled them: a client that sends faster than the server
    takes is held back by its own socket, and the server spends nothing on
    frames it cannot handle yet.
    """

    def __init__(self, ws, timeout_s: float, limit: int = QUEUE_LIMIT, read_ahead: int = READ_AHEAD,
                 admission: Admission | None = None) -> None:
        self.ws = ws
        self.admission = admission
        self.wire = ws.sock = WholeWrites(ws.sock, timeout_s)
        self.timeout_s = timeout_s
        self.limit = limit
        # A real websocket gets whole frames of ours on its socket; anything else (a test's) its own ``send``.
        self._raw = isinstance(ws, SimpleWebsocket)
        self._frames: deque[tuple[bytes | str | Latest, int]] = deque()  # (frame, its size in characters)
        self._latest: dict[object, Latest] = {}  # by key: the frames of send_latest still waiting
        self._queued = 0
        self._open = True
        self._writing = False
        self._lock = threading.Lock()
        self._held = False  # frames sent while ``held()`` wait in ``_frames`` for it to end
        self._greeted: Callable[[], bool] | None = None
        self._greet_by = 0.0
        self.read_ahead = read_ahead
        self._room = threading.Event()  # set when the relay has taken frames, and more may be read
        if self._raw:
            self.wire.before_read = self._wait_for_room
            if admission is not None:  # a reader that waited for bytes while there was room waits now
                self.wire.after_read = self._admitted

    def greeted_when(self, greeted: Callable[[], bool], within_s: float) -> None:
        """Close the connection unless ``greeted()`` (it said hello) within ``within_s`` seconds of now."""
        self._greeted, self._greet_by = greeted, time.monotonic() + within_s

    def send(self, data: str | bytes) -> None:
        frame = frame_bytes(data) if self._raw else data
        with self._lock:
            if isinstance(frame, bytes) and self._raw and self._open and not self._writing and \
                    (self._held or (not self._frames and _holding.outboxes is not None)):
                self._hold(frame)
            elif isinstance(frame, bytes) and self._raw and self._open and not self._frames and not self._writing:
                self._write_now(frame)
            else:
                self._queue(frame, len(data))

    def _hold(self, frame: bytes) -> None:
        """Keep a frame sent while ``held()`` (under the lock), to be joined with the others into one write as
        it ends; past ``limit``, close the connection instead, as ``_queue`` does."""
        if self._frames and self._queued + len(frame) > self.limit:
            log.info("closed a connection whose reader fell %s characters behind", f"{self._queued:,}")
            self._shut()
            return
        self._frames.append((frame, len(frame)))
        self._queued += len(frame)
        if not self._held and _holding.outboxes is not None:
            self._held = True
            _holding.outboxes.append(self)

    def _let_go(self) -> None:
        """Write what was held, in one write as far as the socket takes it; the writer takes the rest."""
        with self._lock:
            self._held = False
            if not self._open or self._writing or not self._frames:
                return  # closed meanwhile, or the writer has them (a frame queued behind them started it)
            frames = [frame for frame, _size in self._frames]
            self._frames.clear()
            self._queued = 0
            self._write_now(b"".join(frames))  # type: ignore[arg-type]  # only bytes are held

    def send_latest(self, key: object, data: bytes) -> None:
        """Queue a frame that only its newest version is worth sending (a picture of a screen), by ``key``.

        While an earlier frame of the same ``key`` still waits, unwritten, the
        new one takes its place; so a slow reader gets fewer of them, each the
        latest, and never a growing backlog.  The next one goes out only once
        the writer has finished the one before.
        """
        frame = frame_bytes(data) if self._raw else data
        with self._lock:
            waiting = self._latest.get(key)
            if waiting is not None and self._open:
                self._queued += len(frame) - len(waiting.data)
                waiting.data = frame
            elif self._queue(slot := Latest(key, frame), len(frame)):
                self._latest[key] = slot

    def _write_now(self, frame: bytes) -> None:
        """Write a frame while nothing waits (under the lock): what the socket does not take now goes to the writer."""
        if not self.ws.connected:
            self._shut()
            return
        try:
            written = self.wire.try_send(frame)
        except OSError:  # the peer went away
            self._shut()
            return
        if not written:  # another write is under way (a pong): queue behind it
            self._queue(frame, len(frame))
        elif self.wire.pending:
            self._start_writer()

    def _queue(self, item: str | bytes | Latest, size: int) -> bool:
        """Queue a frame, under the lock, starting the writer if none runs; close the connection instead when the
        frame would take it past ``limit``.  Tell whether it was queued."""
        if not self._open:
            return False
        if self._frames and self._queued + size > self.limit:
            log.info("closed a connection whose reader fell %s characters behind", f"{self._queued:,}")
            self._shut()
            return False
        self._frames.append((item, size))
        self._queued += size
        self._start_writer()
        return True

    def _start_writer(self) -> None:
        if not self._writing:
            self._writing = True
            spawn(self._write)

    def receive(self) -> str | bytes | None:
        """Return the next frame; None when there is none yet.  Raise ``ConnectionClosed`` once it ends, or when it
        was not greeted in time."""
        if self._greeted is None:
            return self._taken(self.ws.receive())
        if self._greeted():
            self._greeted = None
            return self._taken(self.ws.receive())
        left_s = self._greet_by - time.monotonic()
        if left_s <= 0:
            try:
                self.close(SAY_HELLO, "Say hello first")
            except (ConnectionClosed, OSError):
                pass
            self.wire.shut()  # its reader ends now, not at the next ping
            raise ConnectionClosed(SAY_HELLO, "Say hello first")
        return self._taken(self.ws.receive(timeout=left_s))

    def _taken(self, frame: str | bytes | None) -> str | bytes | None:
        """Let the reader read on once the frames read ahead are few enough."""
        if self._raw and len(self.ws.input_buffer) < self.read_ahead:
            self._room.set()
        return frame

    def _wait_for_room(self) -> None:
        """Before the reader reads more from the client: wait while ``read_ahead`` frames wait to be handled, and
        while the server has more work unfinished than it admits (``Admission``).

        Checked again each second, so that a connection that closed meanwhile does not keep its reader."""
        while self._open and self.ws.connected and len(self.ws.input_buffer) >= self.read_ahead:
            self._room.clear()
            self._room.wait(1.0)
        self._admitted()

    def _admitted(self) -> None:
        """Wait while the server has more work unfinished than it admits (``Admission``)."""
        if self.admission is not None:
            self.admission.wait(self._reading)

    def _reading(self) -> bool:
        return self._open and self.ws.connected

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
        self._room.set()
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
                if not self._open or not (self._frames or (self._raw and self.wire.pending)):
                    self._writing = False
                    return
                taken = self._take()
            sent = self._sent(taken)
            with self._lock:
                if not sent:
                    self._writing = False
                    self._shut()
                    return
                for _ in range(len(taken) if self._frames else 0):  # not cleared by a close meanwhile
                    self._queued -= self._frames.popleft()[1]

    def _take(self) -> list[str | bytes]:
        """Take the frames to write next (under the lock), left queued until written: with a real websocket, as
        many as make ``WRITE_AT_ONCE`` bytes (one at least), else one."""
        taken: list[str | bytes] = []
        size = 0
        for index in range(len(self._frames)):
            if taken and (not self._raw or size >= WRITE_AT_ONCE):
                break
            frame, counted = self._frames[index]
            if isinstance(frame, Latest):  # taken: a newer one of its key queues up behind it from now on
                del self._latest[frame.key]
                frame = frame.data
                self._frames[index] = (frame, len(frame))
                self._queued += len(frame) - counted
            taken.append(frame)
            size += len(frame)
        return taken

    def _sent(self, frames: list[str | bytes]) -> bool:
        """Write frames whole; False once the connection is done for."""
        try:
            if not self._raw:
                for frame in frames:
                    self.ws.send(frame)
            elif not self.ws.connected:
                return False
            else:
                self.wire.send(b"".join(frames))  # type: ignore[arg-type]  # frame_bytes made every one bytes
        except (ConnectionClosed, OSError):  # the peer went away, or stopped reading
            return False
        except Exception:  # a bug costs this connection, not the server
            log.exception("writing to a websocket failed")
            return False
        return True


class _Holding(threading.local):
    """The outboxes holding frames sent within ``held()`` on this thread; None outside it."""

    outboxes: list[Outbox] | None = None


_holding = _Holding()


@contextmanager
def held() -> Iterator[None]:
    """Hold the frames sent to each connection within the block, then write each connection's in one write.

    Answering a group commit's events sends an ack to each sender and an event
    to each of its reps; one write (a system call, and a wake-up of the reader)
    for each of them cost most of a message's time on the hub (bench.load).
    Held, each connection gets one write for the whole batch, in the same
    order.  The block must not wait: nothing held goes out before it ends.
    """
    if _holding.outboxes is not None:  # within another hold: its end writes these too
        yield
        return
    _holding.outboxes = []
    try:
        yield
    finally:
        outboxes, _holding.outboxes = _holding.outboxes, None
        for box in outboxes:
            box._let_go()


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
def outbox(ws, timeout_s: float, limit: int = QUEUE_LIMIT, read_ahead: int = READ_AHEAD,
           admission: Admission | None = None) -> Iterator[Outbox]:
    """Give a websocket its own writer for as long as the block runs."""
    box = Outbox(ws, timeout_s, limit, read_ahead, admission)
    try:
        yield box
    finally:
        box.close()

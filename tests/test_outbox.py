"""A connection's writer: pictures of a screen for a slow reader are replaced while they wait, never piled up."""

import socket
import struct
import threading

from simple_websocket.ws import Base as SimpleWebsocket

from relaydesk.wire import Outbox, held


class SlowSocket:
    """A websocket whose writes wait until the test lets them through, one at a time."""

    def __init__(self) -> None:
        self.sock = _NoSocket()  # Outbox wraps it for its deadlines; the frames stop at send here
        self.written: list[str | bytes] = []
        self.writing = threading.Event()
        self.go_on = threading.Semaphore(0)
        self.done = threading.Condition()

    def send(self, data: str | bytes) -> None:
        self.writing.set()
        self.go_on.acquire()
        with self.done:
            self.written.append(data)
            self.done.notify_all()

    def receive(self) -> None:
        return None

    def close(self, *args) -> None:
        pass

    def wait_for(self, count: int) -> list[str | bytes]:
        with self.done:
            assert self.done.wait_for(lambda: len(self.written) >= count, timeout=5), self.written
            return list(self.written)


class _NoSocket:
    def shutdown(self, how: int) -> None:
        pass


def test_a_slow_reader_gets_the_latest_picture_not_every_one_and_every_other_frame_in_order():
    ws = SlowSocket()
    box = Outbox(ws, timeout_s=5)
    box.send_latest(("screen", 1), b"picture 1")
    assert ws.writing.wait(5)  # the writer holds picture 1: the reader is slow
    box.send("event A")
    for number in range(2, 30):
        box.send_latest(("screen", 1), f"picture {number}".encode())
        box.send_latest(("screen", 2), f"other {number}".encode())
    box.send("event B")
    for _ in range(6):
        ws.go_on.release()
    assert ws.wait_for(5) == [b"picture 1", "event A", b"picture 29", b"other 29", "event B"]
    box.send_latest(("screen", 1), b"picture 30")  # the one before was written: this one queues again
    ws.go_on.release()
    assert ws.wait_for(6)[-1] == b"picture 30"
    box.close()
    ws.go_on.release()


class RealSocketWs(SimpleWebsocket):
    """A simple-websocket on one end of a socket pair, with no handshake and no reader: the Outbox writes our own
    frames to its socket, as it does for the real thing."""

    def __init__(self, sock: socket.socket) -> None:  # no super().__init__: it would handshake and start a reader
        self.sock = sock
        self.connected = True
        self.input_buffer: list = []


def read_frames(sock: socket.socket, count: int) -> list[tuple[int, bytes]]:
    """Read ``count`` whole server frames (unmasked) from ``sock``: (opcode, payload) each."""
    data, frames = b"", []
    sock.settimeout(10)
    while len(frames) < count:
        while True:
            if len(data) >= 10:  # a whole header, whatever its length (the shortest frame here is longer)
                size, start = data[1] & 0x7F, 2
                if size == 126:
                    size, start = struct.unpack("!H", data[2:4])[0], 4
                elif size == 127:
                    size, start = struct.unpack("!Q", data[2:10])[0], 10
                if len(data) >= start + size:
                    frames.append((data[0], data[start:start + size]))
                    data = data[start + size:]
                    break
            elif data == b"\x8a\x00":  # the pong, last
                frames.append((0x8A, b""))
                data = b""
                break
            chunk = sock.recv(65536)
            assert chunk, f"the stream ended after {len(frames)} frames"
            data += chunk
    return frames


def test_frames_written_at_once_or_queued_come_out_whole_and_in_order_with_a_pong_between_them():
    ours, theirs = socket.socketpair()
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    theirs.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    ws = RealSocketWs(ours)
    box = Outbox(ws, timeout_s=10)
    texts = [f"frame {number:04d} " + "é" * (300 + number) for number in range(300)]
    for text in texts[:150]:  # the first goes out at once, in part: the buffers are small and nobody reads
        box.send(text)
    assert box.queued > 0
    pong = threading.Thread(target=ws.sock.send, args=(b"\x8a\x00",))  # as simple-websocket's reader answers a ping
    pong.start()
    for text in texts[150:]:
        box.send(text)
    frames = read_frames(theirs, len(texts) + 1)
    pong.join(10)
    assert [(0x8A, b"")] == [frame for frame in frames if frame[0] == 0x8A]
    assert [payload.decode() for opcode, payload in frames if opcode == 0x81] == texts
    box.close()
    ours.close()
    theirs.close()


class CountedWrites:
    """A socket's raw side that counts the writes made to it."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.writes = sock, 0

    def send(self, data, flags: int = 0) -> int:
        self.writes += 1
        return self.sock.send(data, flags)


def test_frames_sent_while_held_go_out_as_one_write_per_connection_in_order_when_the_hold_ends():
    pairs = [socket.socketpair() for _ in range(2)]
    boxes = [Outbox(RealSocketWs(ours), timeout_s=10) for ours, _theirs in pairs]
    for box in boxes:
        box.wire._raw = CountedWrites(box.wire._raw)
    texts = [f"frame {number:03d} " + "é" * number for number in range(100)]
    with held():
        for number, text in enumerate(texts):
            boxes[number % 2].send(text)
        for _ours, theirs in pairs:  # nothing went out yet
            theirs.setblocking(False)
            try:
                assert theirs.recv(1) == b"never"
            except BlockingIOError:
                pass
            theirs.setblocking(True)
        assert all(box.queued > 0 for box in boxes)
    assert [box.wire._raw.writes for box in boxes] == [1, 1]
    assert [box.queued for box in boxes] == [0, 0]
    for index, (_ours, theirs) in enumerate(pairs):
        frames = read_frames(theirs, 50)
        assert [payload.decode() for _opcode, payload in frames] == texts[index::2]
    boxes[0].send("after the hold")  # written at once again
    assert boxes[0].wire._raw.writes == 2
    assert read_frames(pairs[0][1], 1) == [(0x81, b"after the hold")]
    for box, (ours, theirs) in zip(boxes, pairs, strict=True):
        box.close()
        ours.close()
        theirs.close()


def test_a_connection_held_past_its_limit_is_closed_and_the_others_still_get_theirs():
    pairs = [socket.socketpair() for _ in range(2)]
    boxes = [Outbox(RealSocketWs(ours), timeout_s=10, limit=1000) for ours, _theirs in pairs]
    with held():
        for number in range(20):
            boxes[0].send(f"small {number}")
            boxes[1].send("x" * 200)  # the fifth one takes it past 1,000 characters
    assert read_frames(pairs[0][1], 20)[-1] == (0x81, b"small 19")
    pairs[1][1].settimeout(10)
    received = b""
    while chunk := pairs[1][1].recv(65536):  # shut: nothing held was written, the stream ends
        received += chunk
    assert received == b""
    for box, (ours, theirs) in zip(boxes, pairs, strict=True):
        box.close()
        ours.close()
        theirs.close()

"""A connection's writer: pictures of a screen for a slow reader are replaced while they wait, never piled up."""

import threading

from relaydesk.wire import Outbox


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

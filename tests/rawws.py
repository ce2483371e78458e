"""A websocket client on a bare TCP socket: the test decides when and how fast to read, and checks every byte.

websocket-client reads eagerly and forgives; this one reads only when asked,
offers no compression, and fails on any frame that does not parse: a cut
frame shows up as a bad header or JSON that does not decode.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import struct
import time
from collections.abc import Iterator

from relaydesk import protocol

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA


class BrokenStream(AssertionError):
    """The server's bytes are not a valid websocket stream."""


class RawClient:
    def __init__(self, server, role: str, cookie: str | None = None, receive_buffer: int | None = None,
                 extensions: str = "") -> None:
        self.role = role
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer:  # set before connecting, so the window stays small
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(30)
        self.sock.connect(("127.0.0.1", server.port))
        key = base64.b64encode(os.urandom(16))
        headers = [f"GET /ws/{role} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", "Upgrade: websocket",
                   "Connection: Upgrade", f"Sec-WebSocket-Key: {key.decode()}", "Sec-WebSocket-Version: 13",
                   f"Origin: {server.url}"] + ([f"Cookie: {cookie}"] if cookie else []) + \
            ([f"Sec-WebSocket-Extensions: {extensions}"] if extensions else [])
        self.sock.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
        self.buffer, self.bytes_read = b"", 0
        while b"\r\n\r\n" not in self.buffer:
            self._fill(4096)
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        self.head = head
        assert head.startswith(b"HTTP/1.1 101"), head
        accept = base64.b64encode(hashlib.sha1(key + WS_GUID).digest())
        assert b"Sec-WebSocket-Accept: " + accept in head, head
        self.bytes_read = len(self.buffer)

    def send(self, **frame) -> None:
        self._send_frame(TEXT, json.dumps(frame).encode())

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        size = len(payload)
        header = bytes([0x80 | opcode])
        if size < 126:
            header += bytes([0x80 | size])
        elif size < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", size)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", size)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def _fill(self, size: int) -> None:
        chunk = self.sock.recv(size)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk
        self.bytes_read += len(chunk)

    def _take(self, size: int, chunk: int, pause_s: float) -> bytes:
        while len(self.buffer) < size:
            if pause_s:
                time.sleep(pause_s)
            self._fill(chunk)
        taken, self.buffer = self.buffer[:size], self.buffer[size:]
        return taken

    def frames(self, chunk: int = 65536, pause_s: float = 0) -> Iterator[dict]:
        """Yield each text frame as JSON, and each binary one (a screen image) as its header's fields with its
        bytes as ``data``, reading ``chunk`` bytes at a time with ``pause_s`` before each read."""
        while True:
            first, second = self._take(2, chunk, pause_s)
            fin, rsv, opcode = first & 0x80, first & 0x70, first & 0x0F
            if not fin or rsv or opcode not in (TEXT, BINARY, CLOSE, PING, PONG) or second & 0x80:
                raise BrokenStream(f"bad frame header {first:#04x} {second:#04x} after {self.bytes_read:,} bytes")
            size = second & 0x7F
            if size == 126:
                (size,) = struct.unpack("!H", self._take(2, chunk, pause_s))
            elif size == 127:
                (size,) = struct.unpack("!Q", self._take(8, chunk, pause_s))
            if size > 16 * 1024 * 1024:
                raise BrokenStream(f"a frame of {size:,} bytes after {self.bytes_read:,} bytes")
            payload = self._take(size, chunk, pause_s)
            if opcode == PING:
                self._send_frame(PONG, payload)
            elif opcode == CLOSE:
                return
            elif opcode == BINARY:
                yield protocol.decode_screen_image_header(payload) | {"data": payload[protocol.SCREEN_IMAGE.size:]}
            elif opcode == TEXT:
                try:
                    frame = json.loads(payload.decode("utf-8"))
                except ValueError as exc:
                    raise BrokenStream(f"a frame that is not JSON after {self.bytes_read:,} bytes: {exc}") from None
                yield protocol.check_server_frame(frame, self.role)

    def closed_by_server(self, timeout_s: float = 30) -> bool:
        """Read and drop everything until the server closes the connection; False if it stays open."""
        self.sock.settimeout(timeout_s)
        try:
            while self.sock.recv(1 << 20):
                pass
        except TimeoutError:
            return False
        except ConnectionResetError:
            pass
        return True

    def close(self) -> None:
        self.sock.close()

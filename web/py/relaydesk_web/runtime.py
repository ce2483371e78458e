"""Run a core in the page: feed it socket frames and clicks, carry out its effects.

The one place that owns the WebSocket and the timers.  Effects the two apps
handle alike are carried out here; the rest go to the app's own ``render``.
"""

from __future__ import annotations

import asyncio
import json
import traceback
from typing import Any

import js
from pyodide.ffi import create_proxy
from pyscript import window

from relaydesk import protocol

from . import dom
from .effects import ClearDraft, Notice, Reconnect, Remember, Status, Transmit

OPEN = 1  # a WebSocket's readyState: CONNECTING 0, OPEN 1, CLOSING 2, CLOSED 3


class Storage:
    """Values kept in this tab across reloads (``sessionStorage``), as JSON."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def get(self, key: str):
        raw = window.sessionStorage.getItem(self.prefix + key)
        return json.loads(raw) if raw else None

    def put(self, key: str, value) -> None:
        if value is None:
            window.sessionStorage.removeItem(self.prefix + key)
        else:
            window.sessionStorage.setItem(self.prefix + key, json.dumps(value))


def report_failure(loop, context: dict) -> None:
    """Print a failed task's traceback to the console, where people and the e2e watch see it, not to nowhere."""
    failure = context.get("exception")
    text = "".join(traceback.format_exception(failure)) if failure else str(context.get("message"))
    js.console.error(f"Traceback of a failed task: {text}")


class Runtime:
    def __init__(self, core, path: str, render, storage: Storage | None = None) -> None:
        self.core, self.render, self.storage = core, render, storage
        scheme = "wss" if window.location.protocol == "https:" else "ws"
        self.url = f"{scheme}://{window.location.host}{path}"
        self.socket: Any = None
        self.images: dict[int, str] = {}  # per session: the Blob URL of the latest picture of its screen
        self.composer = dom.Composer(lambda text: self.dispatch({"type": "send", "text": text}))
        asyncio.get_event_loop().set_exception_handler(report_failure)
        self._handlers = [
            create_proxy(lambda event: self.dispatch({"type": "connected"})),
            create_proxy(self._on_message),
            create_proxy(self._on_close),
        ]

    def start(self) -> None:
        """Take over the socket ``boot.js`` opened while Python started (its handshake done by now), or open one."""
        early = dom.prop(window, "relaydeskEarlySocket")
        window.relaydeskEarlySocket = None
        socket = dom.prop(early, "socket")
        if socket is None or socket.url != self.url or socket.readyState > OPEN:
            if socket is not None and socket.readyState <= OPEN:
                socket.close()
            self.connect()
            return
        self.adopt(socket)
        if socket.readyState == OPEN:
            self.dispatch({"type": "connected"})
        for event in early.frames:  # what came before Python was here to read it, in order
            self._on_message(event)
        early.frames.length = 0

    def adopt(self, socket) -> None:
        self.socket = socket
        self.socket.binaryType = "arraybuffer"  # pictures of a screen: the header is read at once, in order
        self.socket.onopen, self.socket.onmessage, self.socket.onclose = self._handlers

    def connect(self) -> None:
        self.adopt(js.WebSocket.new(self.url))

    def send_binary(self, data) -> None:
        """Send bytes (a screen frame) now, or drop them while offline: the next frame will do."""
        if self.socket is not None and self.socket.readyState == OPEN:
            self.socket.send(data)

    def unsent(self) -> int:
        """Return how many bytes this page has handed its socket that have not gone out yet (0 when closed)."""
        return self.socket.bufferedAmount if self.socket is not None else 0

    def dispatch(self, event: dict) -> None:
        for effect in self.core.update(event):
            self.apply(effect)

    def receive(self, frame: str) -> None:
        """Act on a frame from the relay, read through the protocol's declarations of what the relay sends."""
        for effect in self.core.receive(frame):
            self.apply(effect)

    def apply(self, effect) -> None:
        match effect:
            case Transmit(frame):
                if self.socket is not None and self.socket.readyState == OPEN:
                    self.socket.send(protocol.encode(**frame))
            case Reconnect(delay):
                asyncio.get_event_loop().call_later(delay, self.connect)
            case Status(text):
                dom.set_status(text)
            case Notice(text):
                dom.notice(text)
            case Remember(key, value):
                if self.storage is not None:
                    self.storage.put(key, value)
            case ClearDraft():
                dom.notice("")
                self.composer.clear()
            case _:
                self.render(effect)

    def _on_message(self, event) -> None:
        if isinstance(event.data, str):
            started = js.performance.now()
            self.receive(event.data)
            # The main-thread cost of the last frame, read by bench/tabs.py.
            window.relaydeskFrameMs = js.performance.now() - started
        else:
            image = screen_image(event.data)
            self.dispatch(image)
            # Shown now (the img elements took the new URL as it was dispatched): the one before can go.
            before, self.images[image["session"]] = self.images.get(image["session"]), image["src"]
            if before:
                js.URL.revokeObjectURL(before)

    def _on_close(self, event) -> None:
        self.socket = None
        if event.code == protocol.SIGNED_OUT:  # the rep's sign-in ended: reloaded, the page asks them to sign in
            window.location.reload()
            return
        self.dispatch({"type": "disconnected"})


def screen_image(buffer) -> dict:
    """Read a binary screen image frame (an ArrayBuffer): only its header is copied into Python; the picture
    itself stays in JS, as a Blob whose URL is the event's ``src``."""
    size = protocol.SCREEN_IMAGE.size
    image = protocol.decode_screen_image_header(js.Uint8Array.new(buffer, 0, size).to_bytes())
    blob = js.Blob.new(js.Array.of(buffer.slice(size)), dom.js_object(type=image["mime"]))
    return image | {"src": js.URL.createObjectURL(blob)}

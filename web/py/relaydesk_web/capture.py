"""Share the customer's screen: capture with ``getDisplayMedia``, downscale in the browser, send as binary frames.

An adapter: each frame goes through ``createImageBitmap`` and an
``OffscreenCanvas`` to a small WebP (JPEG where the browser cannot encode
WebP), so no full-size frame leaves the browser for thumbnails.  While a rep
has the Viewer open, frames are larger (up to 1280 px), JPEG (several times
quicker to encode than WebP at that size) and up to twelve a second.  A frame
whose bytes are those of the one before is not sent (a still screen costs
nothing but the encoding), nor is one while the last has not left the page
(a slow link gets fewer frames, never a queue of them).
"""

from __future__ import annotations

import asyncio
from typing import Any

import js
from pyscript import document, window

from . import dom
from .i18n import _

SIZES = {"thumbnail": (320, 1.0), "viewer": (1280, 0.08)}  # mode -> (most pixels wide, seconds between frames)
ENCODINGS = {"thumbnail": ("image/webp", 0.6), "viewer": ("image/jpeg", 0.7)}  # mode -> (first choice, quality)
SAME_AGAIN_S = 5  # an unchanged frame is sent again after this long, for a server that restarted meanwhile


class ScreenShare:
    def __init__(self, app) -> None:
        self.app, self.mode = app, "thumbnail"
        self.stream: Any = None  # the MediaStream while sharing
        self.video: Any = None
        self._kept: list = []
        self._last: tuple[bytes, float] = (b"", 0.0)  # the bytes of the last frame sent, and when

    @property
    def sharing(self) -> bool:
        return self.stream is not None

    def allow(self) -> None:
        """Start capturing: called inside the Allow click, as getDisplayMedia requires."""
        promise = window.navigator.mediaDevices.getDisplayMedia(dom.js_object(video=True, audio=False))
        asyncio.ensure_future(self._start(promise))

    async def _start(self, promise) -> None:
        try:
            self.stream = await promise
        except Exception:  # the person cancelled the browser's own picker, or it is not allowed here
            self.app.dispatch({"type": "screen", "state": "denied"})
            dom.notice(_("Screen sharing did not start."))
            return
        track = self.stream.getVideoTracks()[0]
        dom.listen(track, "ended", lambda event: self.stop(), self._kept)  # the browser's own "Stop sharing"
        self.video = document.createElement("video")
        self.video.muted = True
        self.video.srcObject = self.stream
        await self.video.play()
        self.app.dispatch({"type": "screen", "state": "allowed"})
        dom.show("sharing", True)
        asyncio.ensure_future(self._frames())

    def stop(self) -> None:
        if self.stream is None:
            return
        for track in self.stream.getTracks():
            track.stop()
        self.stream = self.video = None
        self._last = (b"", 0.0)
        for proxy in self._kept:
            proxy.destroy()
        self._kept.clear()
        dom.show("sharing", False)
        self.app.dispatch({"type": "screen", "state": "stopped"})

    async def _frames(self) -> None:
        while self.stream is not None:
            started = js.performance.now()
            try:
                await self.send_frame()
            except Exception as exc:  # one lost frame is not worth ending the share
                js.console.warn(f"screen frame skipped: {exc}")
            width, every = SIZES[self.mode]
            await asyncio.sleep(max(0.02, every - (js.performance.now() - started) / 1000))

    async def send_frame(self) -> None:
        """Downscale the current frame and send it; note the timings for bench/screen.py."""
        if self.video is None or not self.video.videoWidth or self.app.unsent():
            return
        started = js.performance.now()
        bitmap = await js.createImageBitmap(self.video)
        most, _every = SIZES[self.mode]
        width = min(most, bitmap.width)
        height = max(1, round(bitmap.height * width / bitmap.width))
        canvas = js.OffscreenCanvas.new(width, height)
        canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height)
        bitmap.close()
        kind, quality = ENCODINGS[self.mode]
        blob = await canvas.convertToBlob(dom.js_object(type=kind, quality=quality))
        if blob.type not in ("image/webp", "image/jpeg"):
            blob = await canvas.convertToBlob(dom.js_object(type="image/jpeg", quality=0.7))
        buffer = await blob.arrayBuffer()
        data, now = js.Uint8Array.new(buffer).to_bytes(), js.performance.now()
        window.relaydeskEncodeMs = now - started
        if data == self._last[0] and now - self._last[1] < SAME_AGAIN_S * 1000:
            return  # the screen did not change
        self._last = (data, now)
        window.relaydeskFrameBytes = buffer.byteLength
        window.relaydeskSentAt = js.performance.timeOrigin + now
        self.app.send_binary(buffer)

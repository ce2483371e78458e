"""Share the customer's screen: capture with ``getDisplayMedia``, downscale in the browser, send as binary frames.

An adapter: each frame goes through ``createImageBitmap`` and an
``OffscreenCanvas`` to a small WebP (JPEG where the browser cannot encode
WebP), so no full-size frame leaves the browser for thumbnails.  While a rep
has the Viewer open, frames are larger (up to 1280 px) and five a second.
"""

from __future__ import annotations

import asyncio
from typing import Any

import js
from pyscript import document, window

from . import dom

SIZES = {"thumbnail": (320, 1.0), "viewer": (1280, 0.18)}  # mode -> (most pixels wide, seconds between frames)


class ScreenShare:
    def __init__(self, app) -> None:
        self.app, self.mode = app, "thumbnail"
        self.stream: Any = None  # the MediaStream while sharing
        self.video: Any = None
        self._kept: list = []

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
            dom.notice("Screen sharing did not start.")
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
            await asyncio.sleep(max(0.05, every - (js.performance.now() - started) / 1000))

    async def send_frame(self) -> None:
        """Downscale the current frame and send it; note the timings for bench/screen.py."""
        if self.video is None or not self.video.videoWidth:
            return
        started = js.performance.now()
        bitmap = await js.createImageBitmap(self.video)
        most, _every = SIZES[self.mode]
        width = min(most, bitmap.width)
        height = max(1, round(bitmap.height * width / bitmap.width))
        canvas = js.OffscreenCanvas.new(width, height)
        canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height)
        bitmap.close()
        blob = await canvas.convertToBlob(dom.js_object(type="image/webp", quality=0.6))
        if blob.type != "image/webp":
            blob = await canvas.convertToBlob(dom.js_object(type="image/jpeg", quality=0.7))
        buffer = await blob.arrayBuffer()
        window.relaydeskEncodeMs = js.performance.now() - started
        window.relaydeskFrameBytes = buffer.byteLength
        window.relaydeskSentAt = js.performance.timeOrigin + js.performance.now()
        self.app.send_binary(buffer)

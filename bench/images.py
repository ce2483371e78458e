"""Server-side image checks: microseconds to validate a thumbnail and a Viewer frame with Pillow.

The baseline, in the same process, is a bare ``Image.open(...).load()`` of the
same bytes: what decoding costs before any of our checks.
Run: ``.venv/bin/python -m bench.images [runs]``.
"""

from __future__ import annotations

import io
import sys
import time

from PIL import Image

from bench.common import summary
from relaydesk.images import check


def sample(size: tuple[int, int], fmt: str) -> bytes:
    """A screen-like picture: gradients and text-like stripes, encoded as a browser would."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    for y in range(0, size[1], 12):
        image.paste((30, 30, 30), (20, 20 + y % (size[1] - 30), size[0] // 2, 22 + y % (size[1] - 30)))
    buffer = io.BytesIO()
    image.save(buffer, fmt, quality=70)
    return buffer.getvalue()


def timed(function, data: bytes, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function(data)
        times.append((time.perf_counter() - started) * 1e6)
    return times


def main(runs: int = 500) -> None:
    for label, size, fmt in (("thumbnail 320×180 WebP", (320, 180), "WEBP"),
                             ("thumbnail 320×180 JPEG", (320, 180), "JPEG"),
                             ("Viewer frame 1280×720 WebP", (1280, 720), "WEBP"),
                             ("Viewer frame 1280×720 JPEG", (1280, 720), "JPEG")):
        data = sample(size, fmt)
        bare = timed(lambda d: Image.open(io.BytesIO(d)).load(), data, runs)
        ours = timed(check, data, runs)
        ratio = sorted(ours)[len(ours) // 2] / sorted(bare)[len(bare) // 2]
        print(f"{label} ({len(data):,} bytes)")
        print(f"  bare Pillow decode  {summary(bare, 'µs')}")
        print(f"  relaydesk check     {summary(ours, 'µs')}   ×{ratio:.2f} of bare")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)

"""Every image from a browser is checked by Pillow: format, bytes, pixels, soundness."""

import io
import struct
import zlib

import pytest
from PIL import Image

from relaydesk.images import MOST_BYTES, ImageRefused, check


def encoded(fmt: str, size=(320, 180), **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 90, 200)).save(buffer, fmt, **options)
    return buffer.getvalue()


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A tiny PNG whose header claims a huge image."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + \
        chunk(b"IEND", b"")


@pytest.mark.parametrize(("fmt", "mime"), [("WEBP", "image/webp"), ("JPEG", "image/jpeg")])
def test_a_good_thumbnail_passes(fmt, mime):
    checked = check(encoded(fmt, quality=70))
    assert (checked.mime, checked.width, checked.height) == (mime, 320, 180)


def test_a_png_is_refused_as_the_wrong_format():
    with pytest.raises(ImageRefused, match="WebP or JPEG"):
        check(encoded("PNG"))


def test_a_png_bomb_is_refused_without_decoding_it():
    with pytest.raises(ImageRefused):
        check(png_bomb())


def test_a_jpeg_claiming_too_many_pixels_is_refused():
    with pytest.raises(ImageRefused, match="too large"):
        check(encoded("JPEG", size=(4000, 3000), quality=5))


def test_a_truncated_image_is_refused():
    data = encoded("JPEG", size=(640, 360), quality=90)
    with pytest.raises(ImageRefused, match="could not be read"):
        check(data[: len(data) // 2])


def test_too_many_bytes_are_refused_before_reading():
    with pytest.raises(ImageRefused, match="too large"):
        check(b"\xff\xd8" + b"\0" * MOST_BYTES)


@pytest.mark.parametrize("data", [b"", b"not an image", b"<svg onload=alert(1)/>"])
def test_garbage_is_refused(data):
    with pytest.raises(ImageRefused):
        check(data)

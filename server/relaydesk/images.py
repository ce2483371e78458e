"""Check every image a browser sends before it is kept or forwarded: Pillow decides.

Screen thumbnails and Viewer frames come from the customer's browser, so the
server trusts none of them: only WebP and JPEG, within byte and pixel caps,
fully decodable, and never a decompression bomb (the size is read from the
header and checked before a single pixel is decoded).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image

from .i18n import _, number

FORMATS = {"WEBP": "image/webp", "JPEG": "image/jpeg"}
MOST_BYTES = 2 * 1024 * 1024  # a 1280-px Viewer frame is ~100 KB; thumbnails ~10 KB
MOST_SIDE = 4096
MOST_PIXELS = 1920 * 1440


class ImageRefused(ValueError):
    """An image that is not kept; the message is for the log and the sender."""


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    mime: str
    width: int
    height: int


def check(data: bytes) -> CheckedImage:
    """Return the image if it is a sound WebP or JPEG within the caps; raise ``ImageRefused`` otherwise."""
    if not data:
        raise ImageRefused(_("The image is empty."))
    if len(data) > MOST_BYTES:
        raise ImageRefused(_("The image is too large (%(size)s bytes; %(most)s at most).", size=number(len(data)),
                             most=number(MOST_BYTES)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            mime = FORMATS.get(image.format or "")
            if mime is None:
                raise ImageRefused(_("The image is not WebP or JPEG."))
            width, height = image.size
            if width > MOST_SIDE or height > MOST_SIDE or width * height > MOST_PIXELS:
                raise ImageRefused(_("The image is too large (%(width)s×%(height)s pixels).", width=width,
                                     height=height))
            image.load()  # decodes every pixel: a truncated or corrupt image fails here
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(_("The image claims more pixels than allowed.")) from None
    except Exception as exc:  # Pillow raises many kinds for bad data; all mean the same here
        raise ImageRefused(_("The image could not be read as WebP or JPEG (%(error)s).",
                             error=type(exc).__name__)) from None
    return CheckedImage(data, mime, width, height)

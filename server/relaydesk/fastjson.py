"""The server's JSON for frames: orjson, giving what the standard library's ``json`` gives, ~10× faster.

Every message is read once and written twice (its ack, its event) as JSON:
with the standard library's that was ~20 % of the hub's time per message at
saturation (bench.load).  ``protocol.py`` stays standard-library only (the
browser loads it); the server hands it these through ``protocol.use_json``.

The text is the same: compact, not ASCII-only, the same escapes (a float may
be spelled otherwise, 1e-7 for 1e-07: the same number).  Where
orjson would differ or refuse, the standard library's answers instead: a
whole number beyond 64 bits or a lone surrogate to write; NaN, Infinity, a
number too large for a float, or an escaped lone surrogate to read (so those
are refused, or read, exactly as before).  One difference is left: a whole
number beyond 64 bits in a client's frame reads as a float, not an int; every
whole number the protocol takes is at most 2**53 - 1, so either way it is
refused, and free-form fields (a session's details) only ever hold text.
"""

from __future__ import annotations

import json

import orjson


def dumps(data: object) -> str:
    """Return the JSON text of a frame, as ``json.dumps(data, separators=(",", ":"), ensure_ascii=False)``."""
    try:
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS).decode()
    except (TypeError, UnicodeError):  # orjson.JSONEncodeError is a TypeError
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def loads(text: str) -> object:
    """Parse a client's frame as ``json.loads`` does; ``ValueError`` when it is not JSON."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # a ValueError; the standard library reads NaN and lone surrogates, or refuses
        return json.loads(text)

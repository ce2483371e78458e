"""The server's JSON (orjson) writes and reads frames exactly as the standard library's does."""

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from relaydesk import fastjson, protocol

WHOLE = st.integers(min_value=-(2**64), max_value=2**64)  # past 64 bits too: the standard library's writes them
FLOATS = st.floats(allow_nan=False, allow_infinity=False)
TEXT = st.text()  # lone surrogates included
VALUES = st.recursive(st.none() | st.booleans() | WHOLE | FLOATS | TEXT,
                      lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT | WHOLE, inner, max_size=4),
                      max_leaves=20)


def stdlib_text(data: object) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def same(a: object, b: object) -> bool:
    """Equal, with -0.0 apart from 0.0 and floats apart from ints, as the JSON text tells them."""
    if isinstance(a, float) and isinstance(b, float):
        return (a == b or math.isnan(a) and math.isnan(b)) and math.copysign(1, a) == math.copysign(1, b)
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[key], b[key]) for key in a)
    return a == b


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_what_is_written_is_the_standard_librarys_text(data):
    try:
        expected = stdlib_text(data)
    except (TypeError, ValueError):
        return  # what neither writes: keys of mixed types the standard library cannot sort out do not come up
    written = fastjson.dumps(data)
    assert written == expected or same(json.loads(written), json.loads(expected))  # floats: shortest either way


def read(reader, text: str):
    try:
        return "read", reader(text)
    except ValueError:
        return "refused", None
    except RecursionError:
        return "too deep", None


@settings(max_examples=400, deadline=None)
@given(st.one_of(VALUES.map(stdlib_text), VALUES.map(json.dumps),
                 st.text(alphabet='[]{}":,0123456789.eE-+ \\uad8nNaItfrsl')))
def test_what_is_read_is_what_the_standard_library_reads(text):
    ours, theirs = read(fastjson.loads, text), read(json.loads, text)
    assert ours[0] == theirs[0]
    if ours[0] == "read":
        assert same(ours[1], theirs[1]) or _past_64_bits(theirs[1])


def _past_64_bits(value: object) -> bool:
    """The one difference left: orjson reads a whole number beyond 64 bits as a float (fastjson's docstring)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return not -(2**63) <= value < 2**64
    if isinstance(value, list):
        return any(_past_64_bits(item) for item in value)
    if isinstance(value, dict):
        return any(_past_64_bits(item) for item in value.values())
    return False


def test_the_edges_read_and_written_as_before():
    for text in ('"\\ud800"', "[NaN]", "Infinity", "[1e400]", '{"a":1,"a":2}', "[" * 100_000, '"\\u2028\\u0000"'):
        assert same(read(fastjson.loads, text), read(json.loads, text)), text
    for data in ("\ud800", {"\udfff": 1}, 2**70, {1: "one", "2": 2}, "\u2028\x00\x1f\x7f\"\\/é😀"):
        assert fastjson.dumps(data) == stdlib_text(data)


def test_the_protocol_writes_and_reads_through_it_once_the_relay_asks():
    frame = {"text": "caf\u00e9 \u2028 \"quoted\"", "id": "abcdefgh"}
    protocol.use_json(fastjson.dumps, fastjson.loads)
    try:
        fast = protocol.encode("say", **frame)
        read_fast = protocol.decode('{"type":"say","id":"abcdefgh","text":"h\\u00e9llo"}', "customer")
    finally:
        protocol.use_json()
    assert fast == protocol.encode("say", **frame)
    assert read_fast == protocol.decode('{"type":"say","id":"abcdefgh","text":"h\\u00e9llo"}', "customer")

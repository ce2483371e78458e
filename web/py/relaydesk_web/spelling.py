"""Find unknown words in a draft and mend them.  Pure Python, tested under CPython.

The checker itself (pyspellchecker, loaded lazily in the browser) is passed
in, so these functions run with any ``unknown(words) -> set`` function.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

# Letters, with inner apostrophes and hyphens (aujourd'hui, e-mail); not digits, URLs or /commands.
_WORD = re.compile(r"(?<![\w/@.:])[^\W\d_]+(?:['’-][^\W\d_]+)*(?![\w@/])")
_URL = re.compile(r"\S+://\S+|\S+@\S+")


def words(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, word) for each word worth checking in ``text``."""
    masked = _URL.sub(lambda m: " " * len(m.group(0)), text)
    return [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(masked) if len(m.group(0)) > 1]


def misspelled(text: str, unknown: Callable[[Iterable[str]], set[str]], known: Iterable[str] = ()
               ) -> list[tuple[int, int, str]]:
    """Return the words of ``text`` the checker does not know and the rep did not add."""
    spans = words(text)
    mine = {word.lower() for word in known}
    candidates = {word.lower() for _, _, word in spans} - mine
    bad = {word.lower() for word in unknown(candidates)} if candidates else set()
    return [(start, end, word) for start, end, word in spans if word.lower() in bad]


def replace(text: str, start: int, end: int, word: str) -> str:
    """Put ``word`` in place of ``text[start:end]``."""
    return text[:start] + word + text[end:]


def segments(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[str, bool]]:
    """Split ``text`` into (run, is_misspelled) pieces, for drawing the underlines."""
    pieces, position = [], 0
    for start, end, _word in spans:
        if start > position:
            pieces.append((text[position:start], False))
        pieces.append((text[start:end], True))
        position = end
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces

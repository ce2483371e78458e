"""Split chat text into plain runs and web links, so links can be clickable and safe.

Pure Python; the DOM adapter turns ``text`` runs into text nodes (never HTML)
and ``link`` runs into anchors.
"""

from __future__ import annotations

import re

_URL = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


def segments(text: str) -> list[tuple[str, str]]:
    """Return ``(kind, value)`` runs of ``text``; ``kind`` is ``text`` or ``link``."""
    runs: list[tuple[str, str]] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        start, end = match.start(), match.start() + len(url)
        if start > position:
            runs.append(("text", text[position:start]))
        runs.append(("link", url))
        position = end
    if position < len(text):
        runs.append(("text", text[position:]))
    return runs

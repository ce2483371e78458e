"""Tell, for each open session, how long its customer has been left: the colour of its tab.

Pure Python, with the clock passed in, so the browser recomputes every second
without asking the server, and tests run with a fake clock.
"""

from __future__ import annotations

from .chat import Entry
from .i18n import _

GREEN, YELLOW, RED = "green", "yellow", "red"


def level(idle_s: float, yellow_after: int, red_after: int) -> str:
    """Return the colour for ``idle_s`` seconds since the rep last wrote to the customer."""
    if idle_s >= red_after:
        return RED
    if idle_s >= yellow_after:
        return YELLOW
    return GREEN


def _reply(entry: Entry) -> bool:
    return entry.author_kind == "rep" and entry.kind in ("message", "url") and entry.at is not None


def last_reply_at(entries: list[Entry], started_at: int, replied_at: int | None = None) -> int:
    """Return when a rep last wrote to the customer (a message or a pushed page), else when the session began.

    ``replied_at`` is what the server said when it sent the session's summary:
    the log may not be loaded yet, or not back that far.
    """
    for entry in reversed(entries):
        if _reply(entry):
            return max(entry.at or 0, replied_at or 0)
    return replied_at or started_at


def waiting_since(entries: list[Entry], waiting_at: int | None = None) -> int | None:
    """Return when the customer's oldest unanswered message arrived, or None when nothing waits.

    ``waiting_at`` is the server's answer as of the session's summary, for
    the part of the log not loaded: it stands unless a reply came since.
    """
    since = waiting_at
    for entry in entries:
        if entry.at is None:
            continue
        if entry.author_kind == "customer" and entry.kind == "message":
            since = since or entry.at
        elif _reply(entry):
            since = None
    return since


def duration(seconds: float) -> str:
    """Return e.g. ``45 s``, ``3 min 5 s`` or ``1 h 2 min``."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def indicator(entries: list[Entry], started_at: int, now_ms: int, yellow_after: int, red_after: int,
              replied_at: int | None = None, waiting_at: int | None = None) -> tuple[str, str, str]:
    """Return (colour, accessible name, waiting text) for one session's tab; ``replied_at`` and ``waiting_at``
    come with its summary, for the part of the log not loaded."""
    idle_s = (now_ms - last_reply_at(entries, started_at, replied_at)) / 1000
    colour = level(idle_s, yellow_after, red_after)
    name = _("%(time)s since you last wrote to the customer", time=duration(idle_s))
    waiting = waiting_since(entries, waiting_at)
    return colour, name, (_("waiting %(time)s", time=duration((now_ms - waiting) / 1000)) if waiting else "")

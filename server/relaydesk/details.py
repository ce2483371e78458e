"""Name the facts about a session, in the order people read them.

Shared like ``protocol``: the rep console's Details panel and the exported
chat log both draw these rows, so they always agree.  Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable

OUTCOME_NAMES = {
    "resolved": "Resolved", "unresolved": "Unresolved", "unknown": "Unknown",
    "left": "Customer left", "timed-out": "Timed out",
}


def detail_rows(summary: dict, when: Callable[[int], str]) -> list[tuple[str, str]]:
    """Return ``(label, value)`` rows for a session summary; ``when`` formats a timestamp."""
    details = summary.get("details") or {}
    rows = [
        ("Session ID", str(summary["id"])),
        ("Portal", summary.get("portal", "")),
        ("Started", when(summary["created_at"])),
        ("Customer", summary["customer"]),
        ("Request", summary.get("issue", "")),
        ("Operating system", details.get("os", "Unknown")),
        ("Browser", details.get("browser", "Unknown")),
        ("Language", details.get("language", "Unknown")),
        ("Time zone", details.get("timezone", "Unknown")),
        ("Screen size", details.get("screen", "Unknown")),
    ]
    if summary.get("ended_at"):
        rows += [("Ended", when(summary["ended_at"])),
                 ("Outcome", OUTCOME_NAMES.get(summary.get("outcome") or "", "Unknown"))]
    return rows

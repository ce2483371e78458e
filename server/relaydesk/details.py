"""Name the facts about a session, in the order people read them.

Shared like ``protocol``: the rep console's Details panel and the exported
chat log both draw these rows, so they always agree.  Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable

from .language import N_, _

OUTCOME_NAMES = {
    "resolved": "Resolved", "unresolved": "Unresolved", "unknown": "Unknown",
    "left": "Customer left", "timed-out": "Timed out",
}
# The customer's answers to "How satisfied are you with this chat?", from 1 to 5.
RATING_NAMES = {1: N_("Very dissatisfied"), 2: N_("Dissatisfied"), 3: N_("Neutral"), 4: N_("Satisfied"),
                5: N_("Very satisfied")}


def rating_text(rating: int) -> str:
    """Return a survey answer as people read it: Satisfied (4 of 5)."""
    return _("%(answer)s (%(rating)s of 5)", answer=_(RATING_NAMES[rating]), rating=rating)


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
    if summary.get("rating") in RATING_NAMES:
        rows.append((_("Satisfaction"), rating_text(summary["rating"])))
        if summary.get("comment"):
            rows.append((_("Feedback comment"), summary["comment"]))
    return rows

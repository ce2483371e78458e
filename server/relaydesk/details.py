"""Name the facts about a session, in the order people read them.

Shared like ``protocol``: the rep console's Details panel and the exported
chat log both draw these rows, so they always agree.  Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable

from .language import N_, _

OUTCOME_NAMES = {  # read through _(): in the reader's language
    "resolved": N_("Resolved"), "unresolved": N_("Unresolved"), "unknown": N_("Unknown"),
    "left": N_("Customer left"), "timed-out": N_("Timed out"),
}
STATUS_NAMES = {"waiting": N_("Waiting"), "active": N_("Active"), "ended": N_("Ended")}


def outcome_name(outcome: str | None) -> str:
    return _(OUTCOME_NAMES.get(outcome or "", "Unknown"))


def status_name(status: str) -> str:
    return _(STATUS_NAMES[status]) if status in STATUS_NAMES else status
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
        (_("Session ID"), str(summary["id"])),
        (_("Portal"), summary.get("portal", "")),
        (_("Started"), when(summary["created_at"])),
        (_("Customer"), summary["customer"]),
        (_("Request"), summary.get("issue", "")),
        (_("Operating system"), details.get("os") or _("Unknown")),
        (_("Browser"), details.get("browser") or _("Unknown")),
        (_("Language"), details.get("language") or _("Unknown")),
        (_("Time zone"), details.get("timezone") or _("Unknown")),
        (_("Screen size"), details.get("screen") or _("Unknown")),
    ]
    if summary.get("ended_at"):
        rows += [(_("Ended"), when(summary["ended_at"])),
                 (_("Outcome"), outcome_name(summary.get("outcome")))]
    if summary.get("rating") in RATING_NAMES:
        rows.append((_("Satisfaction"), rating_text(summary["rating"])))
        if summary.get("comment"):
            rows.append((_("Feedback comment"), summary["comment"]))
    return rows

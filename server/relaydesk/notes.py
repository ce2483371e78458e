"""Status notes and other generated entries, kept as a code with parameters and read in each reader's language.

Shared like ``protocol`` (standard library only; the browser loads this file): the relay stores a note as
``{"code": …, "params": {…}}`` in the event's ``meta`` (and its English wording in ``text``, for search and for
readers that know no codes), sends it in the event's ``note`` field, and each reader renders it: the console
and the customer's window in their page's language, exports in the exporting rep's, the transcript in the
customer's.  ``migrations`` turns the English sentences older logs hold into these codes.
"""

from __future__ import annotations

import re

from .details import OUTCOME_NAMES, outcome_name
from .language import N_, _, ngettext, speaking

NOTES = {
    "asked": N_("%(customer)s asked for help"),
    "keyed": N_("%(customer)s joined with a session key"),
    "back": N_("%(customer)s is back"),
    "joined": N_("%(name)s joined the chat"),
    "joined-hidden": N_("%(name)s joined, hidden from the customer"),
    "left": N_("%(name)s left the chat"),
    "left-queue": N_("%(customer)s left the queue (%(outcome)s)"),
    "timed-out": N_("No representative was free in time (%(outcome)s)"),
    "ended": N_("%(name)s ended the session (%(outcome)s)"),
    "ended-by-rep": N_("The representative ended the session (%(outcome)s)"),
    "screen-asked": N_("%(name)s asked to see the customer's screen"),
    "screen-asked-you": N_("%(name)s asked to see your screen"),
    "screen-allowed": N_("%(name)s is sharing their screen"),
    "screen-denied": N_("%(name)s declined to share their screen"),
    "screen-stopped": N_("%(name)s stopped sharing their screen"),
    "invited": N_("%(name)s invited %(target)s"),
    "invited-hidden": N_("%(name)s invited %(target)s to join hidden"),
    "hidden": N_("%(name)s is now hidden from the customer"),
    "visible": N_("%(name)s is now visible to the customer"),
    "transferred": N_("%(name)s transferred the session to %(target)s"),
    "transferred-comment": N_("%(name)s transferred the session to %(target)s: %(comment)s"),
    "monitoring": N_("%(name)s is monitoring"),
    "nobody-available": N_("No representative is available right now: you stay in the queue until one is."),
    "file": N_("%(name)s (%(size)s)"),  # a file sent: its name and size
}


def size_text(size: int) -> str:
    """Return a byte count as people read it: 512 bytes, 12 KB, 3.4 MB (512 octets, 12 Ko, 3,4 Mo)."""
    if size < 1024:
        return ngettext("%(num)d byte", "%(num)d bytes", size)
    if size < 1024 * 1024:
        return _("%(size)s KB", size=f"{size / 1024:.0f}")
    return _("%(size)s MB", size=decimal(f"{size / 1024 / 1024:.1f}"))


def decimal(number: str) -> str:
    """A decimal number as the reader writes it: 3.4, or 3,4 in French."""
    point = _(".")  # translators: the decimal separator
    return number.replace(".", point) if point != "." else number


def note(code: str, **params: str) -> dict:
    """Make a note: ``note("joined", name="Alice Martin")``."""
    if code not in NOTES:
        raise KeyError(code)
    return {"code": code, "params": params}


def render(note: dict | None, fallback: str = "", lang: str | None = None) -> str:
    """Return a note in the current reader's language (or ``lang``'s); ``fallback`` for one we cannot read."""
    if lang is not None:
        with speaking(lang):
            return render(note, fallback)
    if not isinstance(note, dict) or note.get("code") not in NOTES:
        return fallback
    params = {key: str(value) for key, value in (note.get("params") or {}).items()}
    if "outcome" in params:
        params["outcome"] = outcome_name(params["outcome"])
    if params.get("size", "").isdigit():
        params["size"] = size_text(int(params["size"]))
    template = NOTES[note["code"]]
    try:
        return _(template, **params)
    except (KeyError, ValueError, TypeError):  # a parameter missing: the stored wording
        return fallback


def with_outcome(said: dict, outcome: str) -> dict:
    """Return a note with the session's outcome among its parameters (read as its name, in each language)."""
    return {"code": said["code"], "params": {**said.get("params", {}), "outcome": outcome}}


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"%\((\w+)\)s", template)
    return re.compile("^" + "".join(re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
                                    for index, part in enumerate(parts)) + "$", re.S)


# The English sentences logs held before notes were codes, most literal first ("invited X to join hidden"
# before "invited X"): what ``from_english`` reads them back with.
_READBACK = sorted(((code, _pattern(template)) for code, template in NOTES.items() if code != "file"),
                   key=lambda pair: -len(re.sub(r"%\(\w+\)s", "", NOTES[pair[0]])))
_OUTCOMES = {name: code for code, name in OUTCOME_NAMES.items()}


def from_english(text: str) -> dict | None:
    """Read a status sentence as the relay used to store it back into a note; ``None`` if it is none of ours."""
    for code, pattern in _READBACK:
        match = pattern.match(text)
        if match is None:
            continue
        params = match.groupdict()
        if "outcome" in params:
            if params["outcome"] not in _OUTCOMES:
                continue
            params["outcome"] = _OUTCOMES[params["outcome"]]
        return {"code": code, "params": params}
    return None


def english(note: dict) -> str:
    return render(note, lang="en")

"""Check a rep's chat preferences.

Shared like ``protocol``: the Chat preferences dialog checks as the rep types,
and the server checks again before storing.  Standard library only.
"""

from __future__ import annotations

from .language import _, number

DEFAULTS = {
    "yellow_after": 60,  # seconds since the rep last wrote before a tab turns yellow
    "red_after": 180,  # ... and red
    "chat_sound": True,
    "font_size": 15,  # px, the chat log and the Message field
    "spell_check": False,
    "language": "",  # the console's: "" for the browser's, else one of LANGUAGES
    "spell_language": "",  # "" for the console's language
    "side_panel": True,
    "dictionary": [],  # words the rep added to the spell checker
    "theme": "auto",  # light or dark; auto follows the system (prefers-color-scheme)
}
FONT_SIZES = range(11, 25)
LANGUAGES = {"en": "English", "fr": "Français"}
THEMES = ("auto", "light", "dark")
MOST_SECONDS = 24 * 3600
MOST_WORDS = 2000


class PrefsError(ValueError):
    """Preferences that cannot be kept; the message is for the rep."""


def _whole(value: object, low: int, high: int, problem: str) -> int:
    """Return a whole number from ``low`` to ``high`` (digits typed in a form count); else raise ``problem``."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PrefsError(problem)
    return value


def _seconds(value: object, label: str) -> int:
    return _whole(value, 1, MOST_SECONDS, _("%(label)s must be a whole number of seconds, from 1 to %(most)s.",
                                            label=label, most=number(MOST_SECONDS)))


def check(changes: dict, current: dict | None = None) -> dict:
    """Return ``current`` (or the defaults) updated with ``changes``; raise ``PrefsError`` if they don't hold."""
    prefs = dict(DEFAULTS) | dict(current or {})
    if not isinstance(changes, dict) or not set(changes) <= set(DEFAULTS):
        raise PrefsError(_("Unknown preference."))
    prefs |= changes
    yellow = prefs["yellow_after"] = _seconds(prefs["yellow_after"], _("Yellow after"))
    red = prefs["red_after"] = _seconds(prefs["red_after"], _("Red after"))
    if red <= yellow:
        raise PrefsError(_("Red after must be more seconds than Yellow after."))
    for flag in ("chat_sound", "spell_check", "side_panel"):
        if not isinstance(prefs[flag], bool):
            raise PrefsError(_("%(setting)s is on or off.", setting=flag.replace("_", " ").capitalize()))
    prefs["font_size"] = _whole(prefs["font_size"], FONT_SIZES.start, FONT_SIZES.stop - 1,
                                _("The font size is %(low)s to %(high)s pixels.", low=FONT_SIZES.start,
                                  high=FONT_SIZES.stop - 1))
    if not isinstance(prefs["spell_language"], str) or prefs["spell_language"] not in ("", *LANGUAGES):
        raise PrefsError(_("Spell check speaks English (en) or French (fr)."))
    if not isinstance(prefs["language"], str) or prefs["language"] not in ("", *LANGUAGES):
        raise PrefsError(_("The console speaks English (en) or French (fr)."))
    if prefs["theme"] not in THEMES:
        raise PrefsError(_("The theme follows the system (auto), or is light or dark."))
    words = prefs["dictionary"]
    if not isinstance(words, list) or len(words) > MOST_WORDS or not all(
        isinstance(word, str) and 0 < len(word) <= 60 for word in words
    ):
        raise PrefsError(_("Your dictionary holds up to %(most)s words of up to 60 letters.", most=number(MOST_WORDS)))
    return prefs

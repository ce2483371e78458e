"""What makes a scripted message or URL acceptable, checked alike by the browser and the server.

Standard library only: the browser loads this very file, so a rep hears what
is wrong at once, and the server checks again before storing anything.
"""

from __future__ import annotations

from .language import LANGUAGES, _
from .protocol import ProtocolError, web_url

KINDS = ("message", "url")


class ScriptError(ValueError):
    """A script that cannot be kept; the message says why, for a person."""


def check_language(language: str) -> str:
    """A script's language: one of ours, or "" for any."""
    if language not in ("", *LANGUAGES):
        raise ScriptError(_("A script is in English (en), in French (fr), or in any language."))
    return language


def check(kind: str, category: str, title: str, body: str) -> tuple[str, str, str, str]:
    """Return a script's fields tidied (an empty category is "General"), or raise ``ScriptError``."""
    category, title, body = category.strip() or "General", title.strip(), body.strip()
    if kind not in KINDS:
        raise ScriptError(_("A script is a message or a URL."))
    if not 1 <= len(title) <= 80 or len(category) > 40:
        raise ScriptError(_("A script needs a title of up to 80 characters (and a category of up to 40)."))
    if not 1 <= len(body) <= 4000:
        raise ScriptError(_("A script's text is 1 to 4,000 characters."))
    if kind == "url":
        try:
            body = web_url(body)
        except ProtocolError as exc:
            raise ScriptError(exc.message) from None
    return kind, category, title, body

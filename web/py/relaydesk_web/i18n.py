"""Languages in the browser: ``from .i18n import _`` and ``_("Hello %(name)s", name=…)``, as on the server.

The catalogs are the server's (``relaydesk.language``, the same file), compiled from the same ``.po`` files; the
server puts them in the Python archive the page loads, as ``relaydesk_web/locale/<lang>.mo``.  On import this
module takes the page's language from ``<html lang>`` (the server chose it) and loads its catalog; until then,
and under CPython (the tests of the pure core), ``_`` returns the English it is given.  Call ``_`` when a
string is shown, not at import time (or mark a constant ``N_`` and ``_()`` it where it is shown).
"""

from __future__ import annotations

from pathlib import Path

from relaydesk import language
from relaydesk.language import LANGUAGES, N_, NAMES, _, current, ngettext, speaking, supported

__all__ = ["LANGUAGES", "N_", "NAMES", "_", "current", "load", "ngettext", "page", "speaking", "supported", "use"]

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_page: list[str] = [language.DEFAULT]


def load(lang: str) -> bytes | None:
    """Return a language's compiled catalog from the archive, or ``None``."""
    path = LOCALE_DIR / f"{lang}.mo"
    return path.read_bytes() if path.exists() else None


def use(lang: str | None) -> str:
    """Make ``lang`` the page's language (English if unsupported); return the one in use."""
    _page[0] = supported(lang) or language.DEFAULT
    return _page[0]


def page() -> str:
    return _page[0]


language.loader = load
language.resolver = page


def _start() -> None:
    try:
        from js import document
    except ImportError:  # CPython: the tests
        return
    from .jsvalue import attr

    use(attr(document.documentElement, "lang"))


_start()

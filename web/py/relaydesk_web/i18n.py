"""Languages in the browser: ``from .i18n import _`` and ``_("Hello %(name)s", name=…)``, as on the server.

The catalogs are the server's (``relaydesk.language``, the same file), compiled from the same ``.po`` files; the
server puts them in the Python archive the page loads, as ``relaydesk_web/locale/<lang>.mo``.  On import this
module takes the page's language from ``<html lang>`` (the server chose it) and loads its catalog; until then,
and under CPython (the tests of the pure core), ``_`` returns the English it is given.  Call ``_`` when a
string is shown, not at import time (or mark a constant ``N_`` and ``_()`` it where it is shown).
"""

from __future__ import annotations

import time
from pathlib import Path

from relaydesk import language
from relaydesk.language import LANGUAGES, N_, NAMES, _, current, ngettext, speaking, supported

__all__ = ["LANGUAGES", "N_", "NAMES", "_", "current", "load", "ngettext", "page", "speaking", "start", "supported",
           "use"]

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


def start() -> None:
    """In the browser: the page's language, and its catalog from the archive.  Under CPython (the tests, which
    may import the server too) this leaves ``relaydesk.language`` as it is: English unless a test says.

    Runs on import, and once more from the entry scripts: a warm start's Python comes from a memory snapshot
    (``web/static/pyodide-start.mjs``) taken with this module imported before any page was there to read."""
    if language.loader is load:  # done for this page
        return
    try:
        from js import document, window
    except ImportError:
        return
    from .jsvalue import attr

    language.loader = load
    language.resolver = page
    use(attr(document.documentElement, "lang"))
    kept = language.installed(page())  # read into the memory snapshot (web/static/pyodide-start.mjs)
    started = time.perf_counter()
    language.catalog(page())  # now, not at the first word: bench.boot reads what it cost
    window.relaydeskCatalogMs = (time.perf_counter() - started) * 1000
    window.relaydeskCatalog = "snapshot" if kept else "archive"


start()

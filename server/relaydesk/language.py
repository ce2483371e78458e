"""The reader's language and its catalog, for both runtimes (standard library only: the browser loads this file).

Every person-readable string is written in English and marked ``_("…")``; ``_`` looks it up in the catalog of
the current reader's language (GNU gettext ``.mo``, compiled from ``translations/<lang>/LC_MESSAGES/messages.po``,
the one source of truth) and fills in ``%(name)s`` parameters.  ``N_("…")`` only marks a string for extraction,
to be translated later (a constant defined at import time, before anyone's language is known).

Whose language is current: the one set with ``speaking(lang)`` (a block that writes for one reader), else what
``resolver`` says (the server: the request's; the browser: the page's), else English.
"""

from __future__ import annotations

import contextvars
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

LANGUAGES = ("en", "fr")  # English is the source language: it needs no catalog
DEFAULT = "en"
NAMES = {"en": "English", "fr": "Français"}  # each in its own language


class Catalog(Protocol):
    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


class English:
    """The source language: each message as written, as ``gettext.NullTranslations`` says it, without importing
    ``gettext`` (some 40 ms of a page's start in the browser, where an English page never reads a catalog)."""

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


_catalogs: dict[str, Catalog] = {}
_speaking: contextvars.ContextVar[str | None] = contextvars.ContextVar("relaydesk_language", default=None)
loader: Callable[[str], bytes | None] | None = None  # gives a language's compiled catalog (.mo bytes), if any
resolver: Callable[[], str | None] | None = None  # says whose language is current outside ``speaking``


def supported(lang: str | None) -> str | None:
    """Return the language we have for a tag (``fr-CA`` → ``fr``), or ``None``."""
    if not lang:
        return None
    base = str(lang).strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def install(lang: str, mo: bytes | None) -> None:
    """Use this compiled catalog for ``lang`` (``None``: none, English words)."""
    if mo:
        import gettext  # here, not at the top: see English

        _catalogs[lang] = gettext.GNUTranslations(io.BytesIO(mo))
    else:
        _catalogs[lang] = English()


def installed(lang: str) -> bool:
    """Whether ``lang``'s catalog is read already (in the browser, a warm start's snapshot may hold it)."""
    return lang in _catalogs


def catalog(lang: str | None) -> Catalog:
    lang = supported(lang) or DEFAULT
    if lang not in _catalogs:
        install(lang, loader(lang) if loader is not None and lang != DEFAULT else None)
    return _catalogs[lang]


def current() -> str:
    """Return the current reader's language."""
    lang = _speaking.get()
    if lang is None and resolver is not None:
        lang = resolver()
    return supported(lang) or DEFAULT


@contextmanager
def speaking(lang: str | None) -> Iterator[str]:
    """Write for a reader of ``lang`` within this block (unsupported or ``None``: English)."""
    token = _speaking.set(supported(lang) or DEFAULT)
    try:
        yield _speaking.get() or DEFAULT
    finally:
        _speaking.reset(token)


def _(message: str, **params: object) -> str:
    """Return ``message`` in the current reader's language, with its ``%(name)s`` parameters filled in."""
    text = catalog(current()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    """Like ``_`` for a message with a count: ``ngettext("%(num)d key", "%(num)d keys", n)``; ``num`` is ``n``."""
    text = catalog(current()).ngettext(singular, plural, n)
    return text % {"num": n, **params}


# How each language writes a number's thousands and its decimals (as CLDR has them: what Babel writes too).
SEPARATORS = {"en": (",", "."), "fr": ("\u202f", ",")}


def number(value: float) -> str:
    """``value`` as the current reader writes numbers: ``86,400`` and ``12.5``; in French ``86 400`` and ``12,5``."""
    group, point = SEPARATORS[current()]
    return f"{value:,}".replace(",", "\0").replace(".", point).replace("\0", group)


def N_(message: str) -> str:
    """Mark ``message`` for translation where it is defined; ``_(constant)`` translates it where it is read."""
    return message


gettext_ = _  # for a module that already has a ``_`` of its own

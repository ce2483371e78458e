"""Languages on the server: Flask-Babel for the request's locale, dates and the templates' ``_``; the catalogs
themselves are ``language``'s, shared with the browser (one ``.po`` per language, compiled in memory once per
process: nothing to build, nothing stale).

Server code writes ``from .i18n import _`` and ``_("Hello %(name)s", name=…)``; templates ``{{ _("…") }}``
(the same parameters: ``{{ _("Hello %(name)s", name=rep.display_name) }}``).  A message for one connection, not
for the request's reader, is written inside ``with speaking(conn_language):``.

Extract and update the catalogs after changing strings (see the README, "Languages")::

    scripts/translations          # pybabel extract + update; then translate the new entries in the .po
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import support
from babel.dates import format_date as format_date_babel
from babel.dates import format_datetime as format_datetime_babel
from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from flask import Flask, has_request_context, request
from flask_babel import Babel, Domain, force_locale, get_locale

from . import language
from .details import outcome_name, status_name
from .language import DEFAULT, LANGUAGES, N_, NAMES, _, catalog, current, ngettext, number, speaking, supported

__all__ = ["DEFAULT", "LANGUAGES", "N_", "NAMES", "_", "catalog", "current", "force_locale", "format_date",
           "format_datetime", "format_number", "format_short_date", "init_app", "lazy_gettext", "mo_bytes", "ngettext",
           "number", "request_language", "speaking", "supported"]

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


@cache
def mo_bytes(lang: str) -> bytes | None:
    """Compile a language's ``.po`` (its translated, non-fuzzy entries), once per process; ``None`` if it has none."""
    path = po_path(lang)
    if lang == DEFAULT or not path.exists():
        return None
    with path.open("rb") as file:
        messages = read_po(file, locale=lang)
    out = io.BytesIO()
    write_mo(out, messages)
    return out.getvalue()


language.loader = mo_bytes


class LazyString:
    """A message translated each time it is read, in the reader's language then (for constants)."""

    def __init__(self, message: str, **params: object) -> None:
        self.message, self.params = message, params

    def __str__(self) -> str:
        return _(self.message, **self.params)

    def __html__(self) -> str:
        from markupsafe import escape
        return str(escape(str(self)))


def lazy_gettext(message: str, **params: object) -> LazyString:
    return LazyString(message, **params)


# --- which language: the request's ---------------------------------------------------------------------------------

# Each returns a language or None; set by the modules that know them.  ``forcers`` come first (a portal that
# forces one), then ``?lang=``, then ``choosers`` (the rep's preference), then Accept-Language.
forcers: list[Callable[[], str | None]] = []
choosers: list[Callable[[], str | None]] = []


def request_language() -> str:
    """The language for this request: a portal's forced one, then ``?lang=``, then the rep's preference, then
    the browser's (Accept-Language), then English."""
    for force in forcers:
        forced = supported(force())
        if forced:
            return forced
    asked = supported(request.args.get("lang"))
    if asked:
        return asked
    for choose in choosers:
        chosen = supported(choose())
        if chosen:
            return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def _resolve() -> str | None:
    if not has_request_context():
        return None
    locale = get_locale()
    return str(locale) if locale is not None else None


language.resolver = _resolve


class _Catalogs(Domain):
    """Flask-Babel's translations (the templates' ``_``) are ours: the reader's catalog."""

    def get_translations(self):
        return _babel_catalog(current())


@cache
def _babel_catalog(lang: str) -> support.NullTranslations:
    """The same compiled catalog as ``language.catalog``, as Babel's class (Flask-Babel calls ``ugettext``)."""
    mo = mo_bytes(lang)
    return support.Translations(io.BytesIO(mo)) if mo else support.NullTranslations()


# "25 nov. 2026, 14:03" / "Nov 25, 2026, 14:03": the day, the short month, the year and the time, every language.
DATE_TIME = {"en": "MMM d, y, HH:mm", "fr": "d MMM y, HH:mm"}


def format_datetime(at: datetime, lang: str | None = None, zone: str | None = None) -> str:
    """Return ``at`` as ``25 nov. 2026, 14:03`` in French, ``Nov 25, 2026, 14:03`` in English (the reader's
    language unless ``lang`` says), in ``zone`` (a tz name; default: ``at``'s own)."""
    lang = supported(lang) or current()
    return format_datetime_babel(at, DATE_TIME[lang], tzinfo=ZoneInfo(zone) if zone else None, locale=lang)


def format_number(value: float | int, places: int = 1) -> str:
    """A number as the reader writes it (Babel, the current language): ``86,400`` and ``12.5``; in French
    ``86 400`` and ``12,5`` (up to ``places`` decimals, none when it is whole)."""
    pattern = "#,##0" + ("." + "#" * places if places else "")
    return format_decimal(value, format=pattern, locale=current())


def _as_date(day: date | str) -> date:
    return date.fromisoformat(day) if isinstance(day, str) else day


def format_date(day: date | str) -> str:
    """``25 nov. 2026`` / ``Nov 25, 2026`` (an ISO date string is read first)."""
    return format_date_babel(_as_date(day), "medium", locale=current())


def format_short_date(day: date | str) -> str:
    """``25 nov.`` / ``Nov 25``: a day in a chart's axis."""
    return format_skeleton("MMMd", _as_date(day), locale=current())


def init_app(app: Flask) -> None:
    """Set Flask-Babel up: the locale per request, the templates' ``_``/``ngettext``, ``page_language()``."""
    babel = Babel()
    babel.init_app(app, default_locale=DEFAULT, locale_selector=request_language)
    babel.domain_instance = _Catalogs()
    app.add_template_global(current, "page_language")
    app.add_template_global(outcome_name, "outcome_name")
    app.add_template_global(status_name, "status_name")
    app.jinja_env.globals["language_names"] = NAMES
    app.add_template_filter(format_number, "number")
    app.add_template_filter(format_date, "day")

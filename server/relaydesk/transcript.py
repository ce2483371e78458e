"""Render a session's chat log for download: readable text, or a standalone HTML page.

The session details come first, then every entry in order with its date,
time and time zone.  Which entries are in is the caller's choice (the
audiences it passes to the store); the customer's copy never holds rep-only ones.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from markupsafe import escape

from .details import detail_rows
from .i18n import N_, _, current, format_datetime
from .notes import render
from .store import Event, Session

# Inline, so that an exported log reads well on its own; the Content-Security-Policy allows it by its hash.
LOG_STYLE = (
    "body{font:15px system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}"
    "th{text-align:left;padding-right:1rem;vertical-align:top}ol{padding-left:1.2rem}"
    "li{margin:.3rem 0;white-space:pre-wrap}time{color:#5b6575;font-size:.85em}"
    "li[data-kind=status]{color:#5b6575}li[data-kind=note],li[data-kind=private]{background:#fff7db}"
)


def zone(name: str | None) -> ZoneInfo:
    """Return the named time zone, or UTC when the name is missing or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def timestamp(at: int, tz: ZoneInfo) -> str:
    """``2026-11-25 14:03:00 CET (UTC+0100)``; in French ``25 nov. 2026, 14:03 CET (UTC+0100)``."""
    moment = datetime.fromtimestamp(at / 1000, tz)
    if current() == "en":
        return moment.strftime("%Y-%m-%d %H:%M:%S %Z (UTC%z)")
    return f"{format_datetime(moment)} {moment.strftime('%Z (UTC%z)')}"


def file_name(session: Session, extension: str) -> str:
    """Return e.g. ``relaydesk-session-12-carol-durand-2026-11-25.txt``."""
    slug = re.sub(r"[^a-z0-9]+", "-", session.customer_name.lower()).strip("-")[:40] or "customer"
    day = datetime.fromtimestamp(session.created_at / 1000).strftime("%Y-%m-%d")
    return f"relaydesk-session-{session.id}-{slug}-{day}.{extension}"


CONTINUED = "    "  # how a later line of typed text starts, so it can never pass for a row or an entry of its own
ROLES = {"rep": N_("representative"), "customer": N_("customer")}


def continued(text: str, indent: str = CONTINUED) -> str:
    """Return multi-line text with every line after the first indented."""
    return f"\n{indent}".join(text.splitlines() or [""])


def line(event: Event, for_customer: bool = False) -> str:
    """Return how one entry reads, without its time; the customer's copy uses the public wording.

    Who wrote it says what they are, so a customer who takes a representative's
    name still reads as a customer.
    """
    stored = (event.public_text or event.text) if for_customer else event.text
    said = event.meta.get("public_note" if for_customer and "public_note" in event.meta else "note")
    text = continued(render(said, stored))  # a status note or a file: in the reader's language
    if event.kind == "status":
        return f"* {text}"
    if event.kind == "note":
        return _("Note by %(name)s: %(text)s", name=event.author_name, text=text)
    if event.kind == "private":
        return _("%(name)s → %(to)s (private): %(text)s", name=event.author_name,
                 to=_(event.meta.get("to") or "representatives"), text=text)
    role = ROLES.get(event.author_kind)
    return f"{event.author_name} ({_(role)}): {text}" if role else f"{event.author_name}: {text}"


def render_text(summary: dict, events: list[Event], tz: ZoneInfo, for_customer: bool = False) -> str:
    rows = detail_rows(summary, lambda at: timestamp(at, tz))
    width = max(len(label) for label, _value in rows)
    header = [f"{label + ':':<{width + 1}} {continued(value, ' ' * (width + 2))}" for label, value in rows]
    body = [f"[{timestamp(event.at, tz)}] {line(event, for_customer)}" for event in events]
    return "\n".join([_("Relaydesk chat log"), "", *header, "", *body, ""])


def render_html(summary: dict, events: list[Event], tz: ZoneInfo, for_customer: bool = False) -> str:
    rows = "".join(f"<tr><th scope=row>{escape(label)}</th><td>{escape(value)}</td></tr>"
                   for label, value in detail_rows(summary, lambda at: timestamp(at, tz)))
    entries = "".join(
        f'<li data-kind="{escape(event.kind)}"><time>{escape(timestamp(event.at, tz))}</time> '
        f"<span>{escape(line(event, for_customer))}</span></li>"
        for event in events
    )
    title = escape(_("Relaydesk chat log — session %(id)s", id=summary["id"]))
    heading, log = escape(_("Relaydesk chat log")), escape(_("Log"))
    return (
        f'<!doctype html><html lang="{current()}"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{LOG_STYLE}</style></head><body><main><h1>{heading}</h1><table>{rows}</table>"
        f'<h2>{log}</h2><ol class="log">{entries}</ol></main></body></html>'
    )

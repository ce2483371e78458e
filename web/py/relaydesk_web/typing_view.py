"""Draw the typing indicator, and tell the core what the person types and when: the adapter of ``typist``.

Both apps share it: the Message field's keystrokes become ``typed`` (the
customer) or ``draft`` (a rep) events with the page's clock, a timer asks the
core ``typing_idle`` after ``IDLE_S``, and an indicator shown asks
``typing_expire`` after ``SHOWN_S``.
"""

from __future__ import annotations

import asyncio

import js

from . import dom
from .effects import Typing
from .i18n import _
from .typist import IDLE_S, SAY_EVERY_S, SHOWN_S


def now() -> float:
    """Return the page's clock, in seconds."""
    return float(js.performance.now()) / 1000


def listen(app, event_type: str) -> None:
    """Send every change of the Message field to the core as ``event_type``, and ``typing_idle`` after a pause."""

    def typed(event) -> None:
        app.dispatch({"type": event_type, "text": event.target.value, "now": now()})
        for pause in (SAY_EVERY_S, IDLE_S):  # a pause: a live preview catches up, then "stopped"
            asyncio.get_event_loop().call_later(pause, lambda: app.dispatch({"type": "typing_idle", "now": now()}))

    dom.listen(dom.by_id("message"), "input", typed)


def show(app, effect: Typing, shown: bool = True) -> None:
    """Show what the indicator says (``shown``: the session is the one in front), and the live preview if any."""
    if shown:
        indicator = dom.by_id("typing-indicator")
        indicator.textContent = effect.line
        indicator.hidden = not effect.line
        preview = dom.by_id("typing-preview")
        if preview is not None:
            preview.textContent = _("Preview: %(text)s", text=effect.preview) if effect.preview and effect.line else ""
            preview.hidden = not (effect.preview and effect.line)
    if effect.line:
        asyncio.get_event_loop().call_later(SHOWN_S, lambda: app.dispatch(
            {"type": "typing_expire", "session": effect.session, "tick": effect.tick}))

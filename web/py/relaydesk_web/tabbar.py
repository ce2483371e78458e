"""The Sessions tablist: a tab per customer with its wait colour, unread count and waiting time.

An adapter over the page; the colour logic lives in ``tabs`` and runs every
second here, with no server round trip.
"""

from __future__ import annotations

import js
from pyscript import document

from . import dom, tabs
from .i18n import _, ngettext


class TabBar:
    def __init__(self, core, on_select, on_step) -> None:
        self.core, self.on_select, self.on_step = core, on_select, on_step
        self.node = dom.by_id("session-tabs")
        self.title = document.title
        dom.every(1, self.tick)

    def tab(self, session: int):
        return dom.by_id(f"tab-{session}")

    def add(self, summary: dict) -> None:
        session = summary["id"]
        tab = dom.element("button", role="tab", type="button", id=f"tab-{session}", aria_selected="false",
                          aria_controls="chat", tabindex="-1", **{"class": "session-tab"})
        tab.append(
            dom.element("span", role="img", data_testid="idle-indicator", data_level="green",
                        aria_label=_("%(time)s since you last wrote to the customer", time="0 s"), **{"class": "idle"}),
            dom.element("span", summary["customer"], **{"class": "tab-name"}),
            dom.element("span", **{"class": "waiting"}),
            dom.element("span", **{"class": "unread", "hidden": ""}),
        )
        dom.listen(tab, "click", lambda event: self.on_select(session))
        dom.listen(tab, "keydown", self.arrows)
        self.node.append(tab)
        self.tick()

    def arrows(self, event) -> None:
        """Left and right arrows move between tabs, as the ARIA tabs pattern has it."""
        if event.key in ("ArrowLeft", "ArrowRight"):
            event.preventDefault()
            self.on_step(1 if event.key == "ArrowRight" else -1)
            self.tab(self.core.current).focus()

    def select(self, session: int) -> None:
        for tab in self.node.children:
            chosen = tab.id == f"tab-{session}"
            tab.setAttribute("aria-selected", "true" if chosen else "false")
            tab.tabIndex = 0 if chosen else -1
            if chosen:
                tab.classList.remove("flash")

    def remove(self, session: int) -> None:
        tab = self.tab(session)
        if tab:
            tab.remove()
        self.show_total()

    def flash(self, session: int) -> None:
        self.tab(session).classList.add("flash")

    def set_unread(self, session: int, count: int) -> None:
        tab = self.tab(session)
        if tab:
            badge = tab.querySelector(".unread")
            badge.textContent = ngettext("%(num)s unread", "%(num)s unread", count) if count else ""
            badge.hidden = not count
        self.show_total()

    def show_total(self) -> None:
        total = self.core.total_unread
        document.title = f"({total}) {self.title}" if total else self.title

    def tick(self) -> None:
        """Recolour every tab from the clock and the rep's thresholds."""
        now = js.Date.now()
        yellow, red = self.core.prefs["yellow_after"], self.core.prefs["red_after"]
        for session, conversation in self.core.conversations.items():
            tab = self.tab(session)
            if not tab:  # JS null arrives as a falsy JsNull, not None
                continue
            summary = conversation.summary
            started = summary.get("accepted_at") or summary["created_at"]
            colour, name, waiting = tabs.indicator(conversation.entries, started, now, yellow, red,
                                                   summary.get("replied_at"), summary.get("waiting_at"))
            if summary["status"] == "ended":
                colour, name, waiting = "green", _("Session ended"), ""
            icon = tab.querySelector("[data-testid=idle-indicator]")
            if dom.data(icon, "level") != colour:
                icon.dataset.level = colour
            icon.setAttribute("aria-label", name)
            icon.title = name
            tab.querySelector(".waiting").textContent = waiting

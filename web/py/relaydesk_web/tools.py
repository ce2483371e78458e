"""The rep's message tools: scripted messages and URLs, ``/`` suggestions, spell check, font size.

An adapter over the page; the logic lives in ``library`` and ``spelling``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import js
from pyscript import document

from relaydesk import scripts

from . import dom, library, spelling
from .i18n import _, current, ngettext, supported


class Listbox:
    """A listbox of options: arrows move, Enter or a click picks, as the ARIA pattern has it."""

    def __init__(self, node, on_pick) -> None:
        self.node, self.on_pick, self.active = node, on_pick, 0
        self.items: list[dict] = []

    def show(self, groups: list[tuple[str, list[tuple[str, dict]]]]) -> None:
        """Draw options from (heading, [(label, item)]) groups; an empty heading draws none."""
        self.items, self.active, nodes = [], 0, []
        for heading, members in groups:
            if heading:
                nodes.append(dom.element("li", heading, role="presentation", **{"class": "group-label"}))
            for label, item in members:
                option = dom.element("li", label, role="option", id=f"{self.node.id}-{len(self.items)}",
                                     aria_selected="false")
                index = len(self.items)
                dom.listen(option, "mousedown", lambda event, index=index: self.pressed(event, index))
                nodes.append(option)
                self.items.append(item)
        self.node.replaceChildren(*nodes)
        self.node.removeAttribute("aria-busy")  # loaded: an empty list now says so with an option of its own
        self.move(0)

    def move(self, step: int) -> None:
        if not self.items:
            return
        self.active = (self.active + step) % len(self.items)
        for index, option in enumerate(self.node.querySelectorAll("[role=option]")):
            option.setAttribute("aria-selected", "true" if index == self.active else "false")
            if index == self.active:
                option.scrollIntoView(dom.js_object(block="nearest"))

    def keydown(self, event) -> bool:
        """Handle a key meant for the list; return whether it was."""
        if event.key in ("ArrowDown", "ArrowUp") and self.items:
            event.preventDefault()
            self.move(1 if event.key == "ArrowDown" else -1)
            return True
        if event.key == "Enter" and self.items:
            event.preventDefault()
            self.pick(self.active)
            return True
        return False

    def pressed(self, event, index: int) -> None:
        event.preventDefault()  # keep the focus where it is (the Message field, for / suggestions)
        self.pick(index)

    def pick(self, index: int) -> None:
        if 0 <= index < len(self.items):
            self.on_pick(self.items[index])


class MessageTools:
    """Scripts, suggestions, spell check and font size around the Message field."""

    def __init__(self, app, core) -> None:
        self.app, self.core = app, core
        self.field = dom.by_id("message")
        self.scripts: list[dict] = []
        self.checker: Any = None  # pyspellchecker, loaded on first use
        self.checker_language = ""
        self.spans: list[tuple[int, int, str]] = []
        self.slash = Listbox(dom.by_id("slash-list"), self.use)
        self._pending: asyncio.TimerHandle | None = None

        dom.listen(dom.by_id("scripted-messages"), "click", lambda event: self.open_picker("message"))
        dom.listen(dom.by_id("scripted-urls"), "click", lambda event: self.open_picker("url"))
        dom.listen(dom.by_id("spell-toggle"), "click", lambda event: self.set_prefs(
            spell_check=not self.core.prefs["spell_check"]))
        dom.listen(dom.by_id("larger-text"), "click", lambda event: self.set_prefs(
            font_size=min(24, self.core.prefs["font_size"] + 1)))
        dom.listen(dom.by_id("smaller-text"), "click", lambda event: self.set_prefs(
            font_size=max(11, self.core.prefs["font_size"] - 1)))
        dom.listen(self.field, "input", self.typed)
        # Capture on the form, so a key the suggestions take never reaches the field's Enter-sends.
        dom.listen(dom.by_id("composer"), "keydown", self.keydown, capture=True)
        dom.listen(self.field, "scroll", lambda event: self.sync_overlay_scroll())
        dom.listen(self.field, "blur", lambda event: dom.show("slash-list", False))

    def set_prefs(self, **changes) -> None:
        self.app.dispatch({"type": "set_prefs", "changes": changes})

    # --- applying preferences ------------------------------------------------------

    def apply(self, prefs: dict) -> None:
        document.documentElement.style.setProperty("--chat-font", f"{prefs['font_size']}px")
        document.documentElement.dataset.theme = prefs["theme"]  # app.css: auto follows the system
        toggle = dom.by_id("spell-toggle")
        toggle.setAttribute("aria-pressed", "true" if prefs["spell_check"] else "false")
        if prefs["spell_check"]:
            asyncio.ensure_future(self.check())
        else:
            self.spans = []
            self.draw_spelling()
            dom.by_id("spell-state").textContent = ""

    # --- scripted messages and URLs --------------------------------------------------

    async def load_scripts(self) -> list[dict]:
        self.scripts = await dom.fetch_json("/rep/scripts")
        return self.scripts

    def use(self, script: dict) -> None:
        """Put a scripted message in Message (editable), or push a scripted URL at once."""
        dom.show("slash-list", False)
        if script["kind"] == "url":
            self.app.dispatch({"type": "push_url", "text": script["body"]})
            return
        summary = self.core.conversations[self.core.current].summary if self.core.current else {}
        self.field.value = library.fill(script["body"], summary.get("customer", ""), self.core.me.get("name", ""))
        self.field.focus()
        self.typed(None)

    def open_picker(self, kind: str) -> None:
        title = _("Scripted messages") if kind == "message" else _("Scripted URLs")

        async def prepare(form) -> None:
            form.querySelector("h2").textContent = title
            listbox = form.querySelector("[role=listbox]")
            listbox.setAttribute("aria-label", title)
            search = form.querySelector("input[type=search]")
            await self.load_scripts()

            def pick(script: dict) -> None:
                form.closest("dialog").close()
                self.use(script)

            picker = Listbox(listbox, pick)

            def refresh(*_args) -> None:
                found = library.search(self.scripts, kind, search.value, self.customer_language())
                picker.show([(category, [(_("%(title)s (mine)", title=s["title"]) if s["mine"] else s["title"], s)
                                         for s in scripts])
                             for category, scripts in library.grouped(found)])
                if not found:
                    listbox.replaceChildren(dom.element("li", _("Nothing matches."), role="option",
                                                        aria_disabled="true", aria_selected="false"))

            dom.listen(search, "input", refresh)
            dom.listen(search, "keydown", lambda event: picker.keydown(event))
            dom.listen(listbox, "keydown", lambda event: picker.keydown(event))
            dom.listen(form.querySelector("[data-save]"), "click", lambda event: asyncio.ensure_future(
                self.save_mine(form, kind, refresh)))
            refresh()

        dom.open_dialog("scripts-dialog", lambda form: None, prepare)

    def customer_language(self) -> str | None:
        """The language of the customer in front (their browser's), for the scripts in it to come first."""
        summary = self.core.conversations[self.core.current].summary if self.core.current else {}
        return supported((summary.get("details") or {}).get("language"))

    async def save_mine(self, form, kind: str, refresh) -> None:
        """Save a script of the rep's own; what is wrong with it shows in the dialog, where the rep is looking."""
        error = form.querySelector("[data-error]")
        try:
            fields = scripts.check(kind, form.elements.category.value, form.elements.title.value,
                                   form.elements.body.value)
        except scripts.ScriptError as exc:
            error.textContent, error.hidden = str(exc), False
            return
        body = dict(zip(("kind", "category", "title", "body"), fields, strict=True))
        body["language"] = form.elements.namedItem("language").value
        response = await dom.post_json("/rep/scripts", body)
        answer = json.loads(await response.text())
        if not response.ok:
            error.textContent, error.hidden = answer["error"], False
            return
        error.hidden = True
        self.scripts = answer
        for name in ("category", "title", "body"):
            form.elements.namedItem(name).value = ""
        refresh()

    # --- typing: / suggestions and spelling ------------------------------------------

    def typed(self, event) -> None:
        query = library.slash_query(self.field.value)
        if query is None:
            dom.show("slash-list", False)
        else:
            asyncio.ensure_future(self.suggest(query))
        if self.core.prefs["spell_check"]:
            self.schedule_check()
        else:
            self.draw_spelling()

    async def suggest(self, query: str) -> None:
        if not self.scripts:
            await self.load_scripts()
        language = self.customer_language()
        found = (library.search(self.scripts, "message", query, language)[:8]
                 + library.search(self.scripts, "url", query, language)[:4])
        self.slash.show([("", [(_("URL: %(title)s", title=s["title"]) if s["kind"] == "url" else s["title"], s)
                               for s in found])])
        dom.show("slash-list", bool(found))

    def keydown(self, event) -> None:
        if not dom.by_id("slash-list").hidden:
            if event.key == "Escape":
                dom.show("slash-list", False)
                event.preventDefault()
                event.stopPropagation()
            elif self.slash.keydown(event):
                event.stopPropagation()

    def schedule_check(self) -> None:
        """Check spelling once typing pauses, so keystrokes stay smooth."""
        if self._pending is not None:
            self._pending.cancel()
        self._pending = asyncio.get_event_loop().call_later(0.15, lambda: asyncio.ensure_future(self.check()))

    async def check(self) -> None:
        language = self.core.prefs["spell_language"] or current()  # by default, the console's language
        if self.checker is None or self.checker_language != language:
            dom.by_id("spell-state").textContent = _("Loading the dictionary…")
            started = js.performance.now()
            self.checker = await load_checker(language)
            self.checker_language = language
            js.window.relaydeskDictionaryMs = js.performance.now() - started
        started = js.performance.now()
        self.spans = spelling.misspelled(self.field.value, self.checker.unknown, self.core.prefs["dictionary"])
        js.window.relaydeskSpellMs = js.performance.now() - started
        dom.by_id("spell-state").textContent = (
            ngettext("%(num)d unknown word", "%(num)d unknown words", len(self.spans)) if self.spans else "")
        self.draw_spelling()

    def draw_spelling(self) -> None:
        """Underline unknown words (an overlay behind the field) and list them as buttons below it."""
        overlay = dom.by_id("spell-overlay")
        pieces = spelling.segments(self.field.value, self.spans) if self.spans else []
        overlay.replaceChildren(*[dom.element("mark", run) if bad else document.createTextNode(run)
                                  for run, bad in pieces])
        strip = dom.by_id("misspelled")
        buttons = []
        for start, end, word in self.spans:
            button = dom.element("button", word, type="button", aria_haspopup="menu",
                                 **{"class": "misspelled-word"})
            dom.listen(button, "click",
                       lambda event, s=start, e=end, w=word: self.offer(event.currentTarget, s, e, w))
            buttons.append(button)
        strip.replaceChildren(*buttons)
        dom.show("misspelled", bool(buttons))
        self.sync_overlay_scroll()

    def sync_overlay_scroll(self) -> None:
        dom.by_id("spell-overlay").scrollTop = self.field.scrollTop

    def offer(self, anchor, start: int, end: int, word: str) -> None:
        """Offer corrections for one word, and Add to dictionary."""
        old = dom.by_id("spell-menu")
        if old:
            old.remove()
        menu = dom.element("div", role="menu", id="spell-menu", aria_label=_("Corrections for %(word)s", word=word),
                           **{"class": "menu spell-menu"})
        candidates = sorted(self.checker.candidates(word.lower()) or [],
                            key=lambda candidate: -self.checker.word_usage_frequency(candidate))
        for candidate in [c for c in candidates if c != word.lower()][:5]:
            fixed = candidate.capitalize() if word[:1].isupper() else candidate
            item = dom.element("button", fixed, role="menuitem", type="button")
            dom.listen(item, "click", lambda event, f=fixed: self.correct(start, end, f))
            menu.append(item)
        add = dom.element("button", _("Add to dictionary"), role="menuitem", type="button")
        dom.listen(add, "click", lambda event: self.add_word(word))
        menu.append(add)
        anchor.after(menu)
        menu.querySelector("button").focus()

    def correct(self, start: int, end: int, word: str) -> None:
        self.field.value = spelling.replace(self.field.value, start, end, word)
        dom.by_id("spell-menu").remove()
        self.field.focus()
        self.typed(None)

    def add_word(self, word: str) -> None:
        dom.by_id("spell-menu").remove()
        self.set_prefs(dictionary=[*self.core.prefs["dictionary"], word.lower()][-2000:])
        self.field.focus()


async def load_checker(language: str):
    """Load pyspellchecker from our own Pyodide lock (never an index on the internet)."""
    import pyodide_js

    await pyodide_js.loadPackage("pyspellchecker")
    from spellchecker import SpellChecker

    return SpellChecker(language=language)

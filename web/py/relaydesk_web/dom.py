"""Draw on the page: the status badge, notices, and the chat log both apps share.

An adapter: the only module besides ``runtime`` and the entry scripts that
touches the DOM.  Entries are inserted one at a time; nothing re-renders the
whole log except switching to another session.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from typing import Any, cast

import js
from pyodide.ffi import create_proxy, to_js
from pyscript import document

from .chat import Entry, Placement
from .i18n import _, current
from .jsvalue import attr, data, nothing, prop
from .state import CONNECTED, RECONNECTING
from .text import segments

__all__ = ["attr", "data", "nothing", "prop"]  # read optional JS values only through these

_STATES = {CONNECTED: "connected", RECONNECTING: "reconnecting"}
_proxies: list = []  # listeners live as long as the page


def js_object(**fields):
    """Return a plain JS object (nested dicts too), as browser APIs expect for options."""
    return to_js(fields, dict_converter=js.Object.fromEntries)


def by_id(element_id: str):
    return document.getElementById(element_id)


def csrf_headers() -> dict[str, str]:
    """Return the header that shows the server a request comes from this page: its CSRF token."""
    return {"X-CSRFToken": document.querySelector('meta[name="csrf-token"]').content}


async def post_json(url: str, body: dict):
    """POST ``body`` as JSON to our server, with this page's CSRF token; return the fetch response."""
    headers = {"Content-Type": "application/json"} | csrf_headers()
    return await js.fetch(url, js_object(method="POST", body=json.dumps(body), headers=headers))


def listen(element, event: str, handler, keep: list | None = None, capture: bool = False) -> None:
    """Call ``handler(event)`` for each ``event`` on ``element``.

    The listener lives as long as the page, or until the proxies in ``keep``
    are destroyed by whoever passed that list.
    """
    proxy = create_proxy(handler)
    (_proxies if keep is None else keep).append(proxy)
    element.addEventListener(event, proxy, capture)


def element(tag: str, text: str = "", **attributes: str):
    node = document.createElement(tag)
    if text:
        node.textContent = text
    for name, value in attributes.items():
        node.setAttribute(name.replace("_", "-"), value)
    return node


def show(element_id: str, visible: bool, focus_to: str = "message") -> None:
    """Show or hide an element; hiding one that holds the focus hands it to ``focus_to`` (by default Message), or
    the page's heading: a keyboard user is never left on the body."""
    node = by_id(element_id)
    held = not visible and not node.hidden and node.contains(document.activeElement)
    node.hidden = not visible
    if held:
        settle_focus(by_id(focus_to), hidden=node)


def remove(node, focus_to: str = "message") -> None:
    """Take ``node`` out of the page; the focus it held goes to ``focus_to`` (or the heading), not the body."""
    held = node.contains(document.activeElement)
    node.remove()
    if held:
        settle_focus(by_id(focus_to))


def announce(text: str) -> None:
    """Say ``text`` once, politely, through the page's one live region for news (``#announcer``)."""
    by_id("announcer").textContent = text


def set_status(text: str) -> None:
    badge = by_id("app-status")
    shown = _(text)
    if text in _STATES and badge.textContent != shown:  # Connected, Reconnecting…: said once per change
        announce(shown)
    badge.textContent = shown
    badge.dataset.state = _STATES.get(text, "loading")
    by_id("boot-progress").textContent = ""


def notice(text: str) -> None:
    box = by_id("notice")
    box.textContent = text
    box.hidden = not text


def clock(at: int) -> tuple[str, str]:
    """Return the local ``HH:MM`` of a timestamp and its full local date and time."""
    moment = js.Date.new(at)
    return f"{moment.getHours():02}:{moment.getMinutes():02}", date_time(moment)


_date_formats: dict[str, object] = {}  # one Intl.DateTimeFormat per language: V8 makes a new one per toLocaleString


def date_time(moment) -> str:
    """A JS Date as the page's language writes it: ``25 nov. 2026, 14:03`` in French (Intl), as today in English."""
    lang = current()
    if lang == "en":
        return str(moment.toLocaleString())
    form = _date_formats.get(lang)
    if form is None:
        form = _date_formats[lang] = js.Intl.DateTimeFormat.new(
            lang, js_object(day="numeric", month="short", year="numeric", hour="2-digit", minute="2-digit"))
    return str(form.format(moment))  # type: ignore[attr-defined]


def entry_node(entry: Entry):
    """Build the ``li`` of one log entry; its text is only ever text or safe links."""
    node = element("li", **{"class": "entry", "data_kind": entry.kind, "data_key": entry.id,
                            "data_mine": "true" if entry.mine else "false", "data_state": entry.state})
    meta = element("div", **{"class": "meta"})
    meta.append(element("span", entry.author_name, **{"class": "who"}))
    if entry.author_kind == "rep":  # unmistakable: a customer cannot pass for one by taking a rep's name
        meta.append(element("span", _("Representative"), **{"class": "role"}))
    if entry.at is not None:
        short, full = clock(entry.at)
        meta.append(element("time", short, datetime=js.Date.new(entry.at).toISOString(), title=full))
    if entry.to:
        meta.append(element("span", _("to %(name)s · private", name=_(entry.to)), **{"class": "to"}))
    meta.append(element("span", **{"class": "delivery", "data-sending": _("Sending…"), "data-failed": _("Not sent")}))
    if entry.reason:  # refused: why, beside "Not sent" (over a quota, sent too fast, the session ended)
        meta.append(element("span", entry.reason, **{"class": "why"}))
    body = element("p", **{"class": "text"})
    if entry.kind == "file":  # the entry's id names the stored file: file-<id>
        body.append(element("span", _("File: "), **{"class": "label"}),
                    element("a", entry.text, href=f"/files/{entry.id.removeprefix('file-')}", download=""))
        node.append(meta, body)
        return node
    if entry.kind == "url":
        body.append(element("span", _("Web page: "), **{"class": "label"}))
    elif entry.kind == "note":
        body.append(element("span", _("Note: "), **{"class": "label"}))
    for kind, value in segments(entry.text):
        if kind == "link":
            body.append(element("a", value, href=value, target="_blank", rel="noopener noreferrer"))
        else:
            body.append(document.createTextNode(value))
    node.append(meta, body)
    return node


class ChatLog:
    """The ``log`` element of the chat box; its entries are the items of the list inside it."""

    def __init__(self, node=None) -> None:
        self.node = node or by_id("chat-log")
        self.list = self.node.querySelector("ol")
        self.top: Any = None  # a rep's log: the line above its entries, older ones loading or the start

    def show(self, placement: Placement) -> None:
        """Insert or move one entry where it belongs, keeping the view pinned to the bottom, or else on what the
        person was reading when older entries come in above it."""
        pinned = self.node.scrollHeight - self.node.scrollTop - self.node.clientHeight < 40
        old = self._find(placement.entry.id)
        if old:
            old.remove()
        before = self._find(placement.before) if placement.before else None
        node = entry_node(placement.entry)
        if before:
            was = before.getBoundingClientRect().top
            self.list.insertBefore(node, before)
            if not pinned and not self.node.hidden:  # the browser may have kept it in place already
                self.node.scrollTop += before.getBoundingClientRect().top - was
        else:
            self.list.append(node)
        if (pinned or (placement.entry.mine and not before)) and not self.node.hidden:  # one's own, just sent
            self.node.scrollTop = self.node.scrollHeight

    def reset(self, entries: list[Entry]) -> None:
        fragment = document.createDocumentFragment()
        for entry in entries:
            fragment.append(entry_node(entry))
        self.list.replaceChildren(fragment)
        if self.top is not None:
            self.list.prepend(self.top)
        self.node.scrollTop = self.node.scrollHeight

    def history(self, text: str) -> None:
        """Say at the top of the log whether older entries are loading or this is the start of the conversation."""
        if self.top is None:
            self.top = element("li", **{"class": "history", "data_testid": "history-marker"})
        self.top.textContent = text
        self.list.prepend(self.top)

    def _find(self, key: str):
        # Keys are protocol ids: letters, digits, - and _ only, so safe in a selector.
        return self.node.querySelector(f'[data-key="{key}"]')


class SessionLogs:
    """One log element per session, kept up to date in the background: switching only shows another."""

    def __init__(self, at_top: Callable[[int], None] = lambda session: None) -> None:
        self.template = by_id("chat-log")  # the page's own log: cloned for each session, then put away
        self.template.hidden = True
        self.logs: dict[int, ChatLog] = {}
        self.current: ChatLog | None = None
        self.at_top = at_top  # called as the person scrolls to the top of a session's log

    def of(self, session: int, entries: list[Entry] | None = None) -> ChatLog:
        if session not in self.logs:
            node = self.template.cloneNode(True)
            node.id = f"chat-log-{session}"
            node.hidden = True
            self.template.before(node)
            self.logs[session] = ChatLog(node)
            self.logs[session].reset(entries or [])
            listen(node, "scroll", lambda event: self.scrolled(session))
        return self.logs[session]

    def scrolled(self, session: int) -> None:
        log = self.logs.get(session)
        if log is not None and log.node.scrollTop < 40:
            self.at_top(session)

    def select(self, session: int, entries: list[Entry], scroll: float | None) -> None:
        if self.current is not None:  # a background log is hidden and silent: its news shows as the tab's count
            self.current.node.hidden = True
            self.current.node.setAttribute("aria-live", "off")
        self.current = self.of(session, entries)
        self.current.node.hidden = False
        self.current.node.setAttribute("aria-live", "polite")
        self.current.node.scrollTop = self.current.node.scrollHeight if scroll is None else scroll

    def drop(self, session: int) -> None:
        log = self.logs.pop(session, None)
        if log is not None:
            log.node.remove()
            if log is self.current:
                self.current = None

    @property
    def scroll(self) -> float:
        return self.current.node.scrollTop if self.current else 0


class FileSender:
    """Send file: pick a file, upload it with progress; the server logs it for both sides."""

    def __init__(self, target, headers=None) -> None:
        self.target = target  # () -> the upload URL, or None outside a chat
        self.headers: Callable[[], dict[str, str]] = headers or dict
        self.input = by_id("file-input")
        self.most = int(data(self.input, "maxMb") or 25) * 1024 * 1024
        listen(self.input, "change", lambda event: self.send())

    def choose(self) -> None:
        if self.target() is None:
            notice(_("Files can be sent once you are in a chat."))
            return
        self.input.click()

    def send(self) -> None:
        chosen, url = self.input.files.item(0), self.target()
        self.input.value = ""
        if not chosen or url is None:
            return
        if chosen.size > self.most:
            notice(_("%(name)s is too large: files are limited to %(mb)s MB.", name=chosen.name,
                     mb=self.most // 1024 // 1024))
            return
        by_id("upload-name").textContent = _("Sending %(name)s…", name=chosen.name)
        progress = by_id("upload-progress")
        progress.value = 0
        show("upload", True)
        request = js.XMLHttpRequest.new()
        request.open("POST", url)
        for name, value in (self.headers() | csrf_headers()).items():
            request.setRequestHeader(name, value)
        kept: list = []

        def moved(event) -> None:
            if event.lengthComputable:
                progress.value = event.loaded / event.total

        def finished(event) -> None:
            show("upload", False)
            if request.status != 201:
                answer = json.loads(request.responseText or "{}") if request.status else {}
                notice(answer.get("error", _("The file could not be sent: the connection dropped. Try again.")))
            for proxy in kept:
                proxy.destroy()

        listen(request.upload, "progress", moved, kept)
        listen(request, "loadend", finished, kept)
        form = js.FormData.new()
        form.append("file", chosen)
        request.send(form)


class Composer:
    """The Message field and Send: Enter sends, Shift+Enter starts a new line."""

    def __init__(self, on_send) -> None:
        self.form, self.field = by_id("composer"), by_id("message")

        def submit(event) -> None:
            event.preventDefault()
            on_send(self.field.value)

        def keydown(event) -> None:
            if event.key == "Enter" and not (event.shiftKey or event.isComposing):
                submit(event)

        listen(self.form, "submit", submit)
        listen(self.field, "keydown", keydown)

    def clear(self) -> None:
        self.field.value = ""
        self.field.focus()


def time_zone() -> str:
    return js.Intl.DateTimeFormat.new().resolvedOptions().timeZone


def local_time(at: int) -> str:
    """Return a timestamp as the browser's local date and time, with its time zone."""
    return f"{date_time(js.Date.new(at))} ({time_zone()})"


def every(seconds: float, callback) -> None:
    """Call ``callback()`` every ``seconds``, for the page's lifetime."""
    proxy = create_proxy(lambda: callback())
    _proxies.append(proxy)
    js.setInterval(proxy, int(seconds * 1000))


def open_dialog(template_id: str, on_submit, prepare=None) -> None:
    """Open the modal dialog kept in ``<template id=template_id>``.

    ``prepare(form)``, a coroutine, may fill it first; ``on_submit(form)``
    runs when its form is sent and may return a reason to stay open (shown in
    the form's ``[data-error]``); otherwise, as on Cancel or Escape, the
    dialog closes and leaves the page.
    """
    asyncio.ensure_future(_open_dialog(template_id, on_submit, prepare))


async def fetch_json(url: str):
    """GET ``url`` from our server and return its JSON as Python values."""
    response = await js.fetch(url)
    if not response.ok:
        raise RuntimeError(f"{url} answered {response.status}")
    return json.loads(await response.text())


async def _open_dialog(template_id: str, on_submit, prepare) -> None:
    dialog = document.createElement("dialog")
    dialog.append(by_id(template_id).content.cloneNode(True))
    if prepare is not None:
        await prepare(dialog.querySelector("form"))
    heading = dialog.querySelector("h2")
    heading.id = f"{template_id}-heading"
    dialog.setAttribute("aria-labelledby", heading.id)
    form, kept = dialog.querySelector("form"), cast(list, [])

    def submit(event) -> None:
        event.preventDefault()
        problem = on_submit(form)
        error = form.querySelector("[data-error]")
        if problem and error:
            error.textContent, error.hidden = problem, False
        else:
            dialog.close()

    opener = document.activeElement

    def closed(event) -> None:
        dialog.remove()
        for proxy in kept:
            proxy.destroy()
        settle_focus(opener)

    listen(form, "submit", submit, kept)
    listen(dialog, "close", closed, kept)
    listen(dialog, "keydown", lambda event: trap_focus(dialog, event), kept)
    for button in dialog.querySelectorAll("[data-close]"):
        listen(button, "click", lambda event: dialog.close(), kept)
    document.body.append(dialog)
    dialog.showModal()


TABBABLE = ("a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), "
            "textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])")


def tabbables(container) -> list:
    """The elements Tab stops at in ``container``, in order: visible ones, one radio a group."""
    found = []
    for node in container.querySelectorAll(TABBABLE):
        if not node.checkVisibility():
            continue
        if prop(node, "type", "") == "radio" and not node.checked and container.querySelector(
                f'input[type=radio][name="{node.name}"]:checked'):
            continue
        found.append(node)
    return found


def trap_focus(dialog, event) -> None:
    """Tab and Shift+Tab go round the dialog's controls: the keyboard never leaves an open dialog."""
    if event.key != "Tab":
        return
    stops = tabbables(dialog)
    if not stops:
        return
    first, last, active = stops[0], stops[-1], document.activeElement
    if event.shiftKey and (active.isSameNode(first) or active.isSameNode(dialog)):
        event.preventDefault()
        last.focus()
    elif not event.shiftKey and active.isSameNode(last):
        event.preventDefault()
        first.focus()


def settle_focus(opener, hidden=None) -> None:
    """After a dialog closes, focus goes back where it was, or, if that is gone, to Message or the page's heading:
    never to nowhere (the body), where a keyboard user would have to start over.  ``hidden``: an element just
    hidden, which the focus is still in until the browser's next rendering (it leaves then, to the body)."""
    active = document.activeElement
    if active is not None and not active.isSameNode(document.body) and not (hidden and hidden.contains(active)):
        return
    for candidate in (opener, by_id("message"), document.querySelector("h1")):
        if candidate is not None and candidate.isConnected and candidate.checkVisibility() and not prop(
                candidate, "disabled", False):
            if candidate.tagName == "H1":
                candidate.tabIndex = -1
            candidate.focus()
            if not document.activeElement.isSameNode(document.body):
                return


def options(select, choices: Sequence[tuple[object, str]], selected: object = None) -> None:
    """Fill a ``select`` with (value, label) choices."""
    nodes = []
    for value, label in choices:
        option = element("option", label, value=str(value))
        option.selected = value == selected
        nodes.append(option)
    select.replaceChildren(*nodes)


def alert_rep(title: str, text: str, sound: bool) -> None:
    """Tell the rep a customer wrote: a short chime, and a browser notification if allowed."""
    if sound:
        try:
            audio = js.AudioContext.new()
            tone = audio.createOscillator()
            gain = audio.createGain()
            tone.frequency.value = 880
            gain.gain.value = 0.08
            tone.connect(gain)
            gain.connect(audio.destination)
            tone.start()
            tone.stop(audio.currentTime + 0.15)
        except Exception:  # no audio device: the badge and title still tell
            pass
    if prop(js, "Notification") is not None and js.Notification.permission == "granted":
        js.Notification.new(f"{title} wrote", js_object(body=text[:140]))


def ask_to_notify() -> None:
    """Ask once, on the rep's first click, whether Relaydesk may show notifications."""
    if prop(js, "Notification") is not None and js.Notification.permission == "default":
        js.Notification.requestPermission()


def download(url: str) -> None:
    """Fetch ``url`` as a download, leaving the page where it is."""
    link = element("a", href=url, download="")
    document.body.append(link)
    link.click()
    link.remove()


class Menu:
    """A menu button, as the ARIA menu pattern has it.

    Click, Enter, Space or ArrowDown opens it on the first item (ArrowUp: the
    last); arrows move round the items, Home and End jump, Enter or Space
    picks, Escape closes back to the button, Tab closes and moves on.  A
    disabled item (``aria-disabled``) stays focusable so its reason can be
    read, and picking it still reaches ``on_pick``, which says why it is off.
    """

    def __init__(self, button_id: str, menu_id: str, on_pick) -> None:
        self.button, self.menu, self.on_pick = by_id(button_id), by_id(menu_id), on_pick
        listen(self.button, "click", lambda event: self.toggle(not self.is_open))
        listen(self.button, "keydown", self.button_keydown)
        listen(self.menu, "click", lambda event: self.pick(event.target.closest("[role=menuitem]")))
        listen(self.menu, "keydown", self.keydown)
        listen(document, "click", self.outside)

    @property
    def is_open(self) -> bool:
        return not self.menu.hidden

    def items(self) -> list:
        return list(self.menu.querySelectorAll("[role=menuitem]"))

    def toggle(self, open_: bool, focus_last: bool = False) -> None:
        self.menu.hidden = not open_
        self.button.setAttribute("aria-expanded", "true" if open_ else "false")
        if open_:
            self.items()[-1 if focus_last else 0].focus()

    def pick(self, item) -> None:
        if nothing(item):
            return
        self.toggle(False)
        self.button.focus()
        self.on_pick(item)

    def button_keydown(self, event) -> None:
        if event.key in ("ArrowDown", "ArrowUp"):
            event.preventDefault()
            self.toggle(True, focus_last=event.key == "ArrowUp")

    def keydown(self, event) -> None:
        items = self.items()
        index = next((i for i, item in enumerate(items) if item.isSameNode(document.activeElement)), 0)
        moves = {"ArrowDown": index + 1, "ArrowUp": index - 1, "Home": 0, "End": len(items) - 1}
        if event.key in moves:
            event.preventDefault()
            items[moves[event.key] % len(items)].focus()
        elif event.key in ("Enter", " "):
            event.preventDefault()
            self.pick(items[index])
        elif event.key == "Escape":
            event.preventDefault()
            self.toggle(False)
            self.button.focus()
        elif event.key == "Tab":
            self.toggle(False)

    def outside(self, event) -> None:
        if self.is_open and not self.button.contains(event.target) and not self.menu.contains(event.target):
            self.toggle(False)


def set_enabled(control, reason: str | None) -> None:
    """Turn a control on, or off with the reason it is off: kept focusable, described, and shown on hover."""
    if reason:
        control.setAttribute("aria-disabled", "true")
        control.setAttribute("aria-description", reason)
        control.title = reason
    else:
        control.removeAttribute("aria-disabled")
        control.removeAttribute("aria-description")
        control.removeAttribute("title")

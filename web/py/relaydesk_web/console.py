"""The rep console: session keys, the queue, a tab per session, the chat box, details.  Loaded by ``/rep``."""

import asyncio
from typing import Any

from pyscript import window

from relaydesk import prefs as preferences
from relaydesk.details import detail_rows, outcome_name
from relaydesk_web import dom, i18n, typing_view  # noqa: F401  (i18n first: the page's language, before any word)
from relaydesk_web.effects import (
    Alert,
    ClearNote,
    CloseSession,
    Flash,
    History,
    Invitation,
    Keys,
    OpenSession,
    Prefs,
    Queue,
    ScreenImage,
    SelectSession,
    ShowEntry,
    Team,
    Typing,
    Unread,
    UpdateSession,
)
from relaydesk_web.i18n import N_, _, ngettext
from relaydesk_web.rep_state import RepCore
from relaydesk_web.runtime import Runtime
from relaydesk_web.tabbar import TabBar
from relaydesk_web.tools import MessageTools

i18n.start()  # the page's language (a no-op unless this Python came from a memory snapshot)

core = RepCore()


def earlier(session: int) -> None:
    """The rep scrolled to the top of a log: load older entries, if any are left."""
    app.dispatch({"type": "earlier", "session": session})


logs = dom.SessionLogs(earlier)
HISTORY = {"loading": N_("Loading earlier messages…"), "start": N_("Start of the conversation")}


def show_history(session: int) -> None:
    """Mark the top of a drawn log; when older entries are left to load and the log is too short to scroll up
    to them, load them now."""
    log = logs.logs.get(session)
    if log is None:
        return
    state = core.history_state(session)
    log.history(_(HISTORY[state]))
    if state == "loading" and log is logs.current and log.node.scrollTop < 40:
        asyncio.get_event_loop().call_soon(earlier, session)
keys: list[dict] = []
key_misses = [0, 0]  # wrong keys tried, and since when (the oldest open key's making)


queue: list[dict] = []


def show_queue() -> None:
    """Draw the queue; at the session cap, Accept and Generate session key are off, with the reason."""
    full = core.at_capacity
    dom.by_id("queue").replaceChildren(*[queue_item(summary, full) for summary in queue])
    dom.by_id("make-key").disabled = full
    reason = ngettext("You hold %(num)s session, the most your team allows. End it to take another.",
                      "You hold %(num)s sessions, the most your team allows. End one to take another.",
                      core.max_sessions)
    dom.by_id("capacity").textContent = reason if full else ""
    dom.show("capacity", full)


def queue_item(summary: dict, full: bool):
    item = dom.element("li")
    item.append(
        dom.element("strong", summary["customer"]),
        dom.element("span", summary["issue"], **{"class": "issue"}),
        dom.element("span", _("Waiting since %(time)s", time=dom.clock(summary["created_at"])[0]), **{"class": "hint"}),
    )
    button = dom.element("button", _("Accept"), type="button", aria_describedby="capacity")
    button.disabled = full
    dom.listen(button, "click", lambda event: app.dispatch({"type": "accept", "session": summary["id"]}))
    item.append(button)
    return item


STATUS_NAMES = {"available": N_("Available"), "away": N_("Away"), "offline": N_("Offline")}
STATUS_MARKS = {"away": N_("%(name)s (away)"), "offline": N_("%(name)s (offline)")}


def marked(name: str, status: str) -> str:
    """A rep's name as the Invite and Transfer lists show it: their status after it, unless available."""
    return _(STATUS_MARKS[status], name=name) if status in STATUS_MARKS else name


def show_team(reps: list[dict], mine: str) -> None:
    """Show each rep's status in the queue panel, My status, and the open Invite or Transfer list (live)."""
    items = []
    for rep in reps:
        status = STATUS_NAMES[rep["status"]]
        item = dom.element("li", _("%(name)s — %(status)s", name=rep["name"], status=_(status)),
                           data_status=rep["status"])
        items.append(item)
    dom.by_id("team").replaceChildren(*items)
    if mine != "offline":
        dom.by_id("my-status").value = mine
    names = {str(rep["id"]): marked(rep["name"], rep["status"]) for rep in reps}
    for option in window.document.querySelectorAll("#invite-rep option, #transfer-rep option"):
        if option.value in names:
            option.textContent = names[option.value]


def show_keys() -> None:
    """List the keys still valid; called on every change and every few seconds as they expire."""
    now = window.Date.now()
    items = []
    for key in keys:
        if key["expires_at"] > now:
            until = dom.clock(key["expires_at"])[0]
            items.append(dom.element("li", _("%(key)s — valid until %(time)s", key=key["key"], time=until)))
    dom.by_id("keys").replaceChildren(*items)
    show_key_misses(bool(items))


def show_key_misses(open_keys: bool) -> None:
    """Say how many wrong keys were tried since the oldest open key was made: any could have been one of ours."""
    count, since = key_misses
    shown = open_keys and count > 0
    if shown:
        dom.by_id("key-misses").textContent = ngettext(
            "%(num)d wrong key tried since %(time)s.", "%(num)d wrong keys tried since %(time)s.", count,
            time=dom.clock(since)[0])
    dom.show("key-misses", shown)


def show_participants(summary: dict) -> None:
    """Draw who is in the session, the To choices and this rep's own hide/show controls."""
    items = []
    for person in summary.get("participants", []):
        role = {"owner": _("Representative"), "invited": _("Invited representative"), "monitor": _("Monitoring admin")}
        item = dom.element("li", **{"class": "participant"})
        state = "hidden" if person["hidden"] else "visible"
        hidden = person["hidden"]
        item.append(dom.element("span", role="img", aria_label=_("Hidden") if hidden else _("Visible"),
                                title=_("Hidden from the customer") if hidden else _("Visible to the customer"),
                                **{"class": f"icon icon-{state}"}),
                    dom.element("span", person["name"], **{"class": "name"}),
                    dom.element("span", role[person["role"]], **{"class": "hint"}))
        items.append(item)
    presence = "online" if summary.get("customer_online") else "away"
    customer = dom.element("li", **{"class": "participant"})
    customer.append(dom.element("span", _("Online") if presence == "online" else _("Away"),
                                **{"class": f"presence {presence}"}),
                    dom.element("span", summary["customer"], **{"class": "name"}),
                    dom.element("span", _("Customer"), **{"class": "hint"}))
    dom.by_id("participants").replaceChildren(customer, *items)

    me = core.participant(summary["id"]) or {}
    label = _("Show me to customer") if me.get("hidden") else _("Hide me from customer")
    for control in (dom.by_id("toggle-hidden"), dom.by_id("visibility-item")):
        control.textContent = label
    dom.options(dom.by_id("to"), core.recipients(summary["id"]), core.recipient(summary["id"]))
    dom.show("to-hint", bool(me.get("hidden")) and summary["status"] != "ended")
    show_tools(summary["id"])


def show_tools(session: int | None) -> None:
    """Turn each session tool on or off, the menu item and its toolbar twin alike, with the reason it is off."""
    reasons = core.tool_reasons(session)
    for control in window.document.querySelectorAll("[data-act]"):
        dom.set_enabled(control, reasons[dom.data(control, "act") or ""])


def show_notes(session: int) -> None:
    """List the session's notes, newest last, in the Notes region."""
    notes = [entry for entry in core.conversations[session].entries if entry.kind == "note"]
    items = []
    for note in notes:
        item = dom.element("li")
        when = dom.clock(note.at)[0] if note.at else _("sending…")
        item.append(dom.element("span", f"{note.author_name}, {when}", **{"class": "hint"}),
                    dom.element("p", note.text))
        items.append(item)
    dom.by_id("notes").replaceChildren(*items)


def show_side_panel(shown: bool) -> None:
    toggle = dom.by_id("side-toggle")
    label = _("Hide side panel") if shown else _("Show side panel")
    toggle.setAttribute("aria-expanded", "true" if shown else "false")
    toggle.setAttribute("aria-label", label)
    toggle.title = label
    dom.by_id("side-panel").hidden = not shown
    dom.by_id("console-main").classList.toggle("no-side", not shown)


def show_screen(summary: dict) -> None:
    """The Customer screen region: the latest picture while shared, else why there is none."""
    src = core.screens.get(summary["id"]) if summary.get("sharing") else None
    thumb = dom.by_id("screen-thumb")
    if src:
        thumb.src = src
    thumb.hidden = not src
    dom.by_id("screen-state").textContent = (
        _("Double-click the picture to open the Viewer.") if src
        else _("Shared; waiting for the first picture…") if summary.get("sharing")
        else _("Not shared. Use Request screen sharing."))


class Viewer:
    """The Viewer: a separate window (movable to another monitor) with the customer's screen, large and live."""

    def __init__(self) -> None:
        self.windows: dict[int, Any] = {}  # session -> its Viewer popup
        dom.every(1, self.closed_ones)

    def open(self, session: int | None) -> None:
        if session is None:
            return
        if session in self.windows and not self.windows[session].closed:
            self.windows[session].focus()
            return
        name = core.conversations[session].summary["customer"]
        popup = window.open("", f"relaydesk-viewer-{session}", "popup,width=1320,height=800")
        if not popup:
            dom.notice(_("The Viewer could not open: allow popups for this page."))
            return
        page = popup.document
        page.title = _("Viewer — %(customer)s", customer=name)
        page.documentElement.lang = i18n.current()
        page.body.style.cssText = "margin:0;background:#111;color:#fff"
        # A page of its own, read as one: its main part, named by a heading (for screen readers only), the picture.
        main = page.createElement("main")
        main.style.cssText = "display:grid;place-items:center;min-height:100vh"
        heading = page.createElement("h1")
        heading.textContent = page.title
        heading.style.cssText = ("position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);"
                                 "white-space:nowrap;margin:0")
        image = page.createElement("img")
        image.id, image.alt = "live", _("Customer screen (live)")
        image.style.cssText = "max-width:100vw;max-height:100vh"
        main.replaceChildren(heading, image)
        page.body.replaceChildren(main)
        self.windows[session] = popup
        if core.screens.get(session):
            image.src = core.screens[session]
        app.dispatch({"type": "viewer", "session": session, "open": True})

    def show(self, session: int, src: str) -> None:
        popup = self.windows.get(session)
        if popup is not None and not popup.closed:
            popup.document.getElementById("live").src = src

    def closed_ones(self) -> None:
        for session, popup in list(self.windows.items()):
            if popup.closed:
                del self.windows[session]
                app.dispatch({"type": "viewer", "session": session, "open": False})


def show_details(summary: dict) -> None:
    rows = []
    for label, value in detail_rows(summary, dom.local_time):
        rows += [dom.element("dt", label), dom.element("dd", value)]
    dom.by_id("details").replaceChildren(*rows)
    ended = summary["status"] == "ended"
    dom.show("ended-banner", ended)
    if ended:
        dom.by_id("ended-text").textContent = _("This session has ended: %(outcome)s.",
                                                outcome=outcome_name(summary.get("outcome")))
    for control in ("message", "send", "to"):
        dom.by_id(control).disabled = ended
        dom.set_enabled(dom.by_id(control), _("This session has ended.") if ended else None)
    show_participants(summary)
    show_screen(summary)


def render(effect) -> None:
    match effect:
        case Queue(waiting):
            known = {summary["id"] for summary in queue}
            for summary in waiting:
                if summary["id"] not in known:
                    dom.announce(_("%(customer)s is waiting in the queue: %(issue)s", customer=summary["customer"],
                                   issue=summary["issue"]))
            queue[:] = waiting
            show_queue()
        case Team(reps, mine):
            show_team(reps, mine)
        case Keys(latest, wrong_tries):
            new = [key for key in latest if key["key"] not in {k["key"] for k in keys}]
            keys[:] = latest
            key_misses[:] = [wrong_tries, min((key["created_at"] for key in latest), default=0)]
            if new:
                dom.by_id("session-key").textContent = new[-1]["key"]
            shown = dom.by_id("session-key").textContent
            dom.show("new-key", any(key["key"] == shown for key in keys))
            show_keys()
        case OpenSession(summary):
            tabbar.add(summary)
            show_queue()
        case SelectSession(session, entries, draft, scroll):
            tabbar.select(session)
            summary = core.conversations[session].summary
            dom.by_id("chat-title").textContent = f"{summary['customer']} — {summary['issue']}"
            dom.show("no-session", False)
            dom.show("chat", True)
            show_details(summary)
            show_notes(session)
            logs.select(session, entries, scroll)
            show_history(session)
            dom.by_id("message").value = draft
            tools.typed(None)
            dom.by_id("message").focus()
        case History(session, _state):
            show_history(session)
        case Unread(session, count):
            tabbar.set_unread(session, count)
        case Flash(session):
            tabbar.flash(session)
        case Alert(title, text, sound):
            dom.alert_rep(title, text, sound)
        case UpdateSession(summary):
            show_queue()
            if summary["id"] == core.current:
                show_details(summary)
        case CloseSession(session):
            tabbar.remove(session)
            logs.drop(session)
            show_queue()
            if core.current is None:
                show_tools(None)
                dom.show("chat", False)
                dom.show("no-session", True)
                dom.by_id("details").replaceChildren()
        case ShowEntry(session, placement):
            if session in logs.logs:  # a log not drawn yet gets every entry when first shown
                logs.logs[session].show(placement)
            if placement.entry.kind == "note":
                show_notes(session)
        case Typing():
            typing_view.show(app, effect, effect.session == core.current)
        case ScreenImage(session, src):
            # Read by bench/screen.py: when the picture arrived, and how many so far.
            window.relaydeskImageAt = window.performance.timeOrigin + window.performance.now()
            window.relaydeskImages = dom.prop(window, "relaydeskImages", 0) + 1
            viewer.show(session, src)
            if session == core.current:
                show_screen(core.conversations[session].summary)
        case Prefs(prefs, kept):
            if kept:  # the server has it: a reload now comes back in the new language
                if chosen_language[0] is not None and prefs["language"] != chosen_language[0]:
                    window.location.reload()  # every word on the page, at once, in the new language
                chosen_language[0] = prefs["language"]
            tools.apply(prefs)
            show_side_panel(prefs["side_panel"])
        case ClearNote():
            dom.by_id("note-text").value = ""
        case Invitation(invite, open_):
            old = dom.by_id(f"invite-{invite['session']}")
            if old:
                dom.remove(old)
            if open_:  # one already shown (sent again after a reconnect) is not news: drawn, not said again
                dom.by_id("invitations").append(invitation(invite, news=not old))


def invitation(invite: dict, news: bool = True):
    """The box asking this rep to join another rep's session; announced once, through the page's live region."""
    box = dom.element("div", role="group", id=f"invite-{invite['session']}", **{"class": "invitation"})
    text = _("%(by)s invites you to join the session with %(customer)s (%(issue)s).",
             by=invite["by"], customer=invite["customer"], issue=invite["issue"])
    box.setAttribute("aria-labelledby", f"invite-{invite['session']}-text")
    box.append(dom.element("span", text, id=f"invite-{invite['session']}-text"))
    if news:
        dom.announce(text)
    join = dom.element("button", _("Join"), type="button")
    dom.listen(join, "click", lambda event: app.dispatch({"type": "join", "session": invite["session"]}))
    dismiss = dom.element("button", _("Dismiss"), type="button", **{"class": "secondary"})
    dom.listen(dismiss, "click", lambda event: dom.remove(box))
    box.append(join, dismiss)
    return box


chosen_language: list[str | None] = [None]  # the rep's Language preference as this page last heard it
app = Runtime(core, f"/ws/rep?lang={i18n.current()}", render)
tools = MessageTools(app, core)
viewer = Viewer()
tabbar = TabBar(core, lambda session: app.dispatch({"type": "select", "session": session, "scroll": logs.scroll}),
                lambda step: app.dispatch({"type": "step_tab", "step": step, "scroll": logs.scroll}))


def shortcut(event) -> None:
    """Alt+Shift+1…9 goes to that tab, Alt+Shift+→/← to the next or previous; then Message has the focus."""
    if not (event.altKey and event.shiftKey):
        return
    digit = event.code[5:] if event.code.startswith("Digit") else ""
    if digit.isdigit() and digit != "0":
        app.dispatch({"type": "tab_number", "number": int(digit), "scroll": logs.scroll})
    elif event.key in ("ArrowRight", "ArrowLeft"):
        tabbar.on_step(1 if event.key == "ArrowRight" else -1)
    else:
        return
    event.preventDefault()
    dom.by_id("message").focus()


dom.listen(window.document, "keydown", shortcut)
dom.listen(window.document, "visibilitychange", lambda event: app.dispatch(
    {"type": "page_hidden", "hidden": bool(window.document.hidden)}))
typing_view.listen(app, "draft")  # the draft, and whether to say the rep is typing
dom.listen(dom.by_id("open-shortcuts"), "click", lambda event: dom.open_dialog("shortcuts-dialog", lambda form: None))

dom.listen(dom.by_id("make-key"), "click", lambda event: app.dispatch({"type": "make_key"}))
dom.listen(dom.by_id("my-status"), "change", lambda event: app.dispatch(
    {"type": "set_availability", "status": event.target.value}))
dom.every(5, show_keys)



def end_session(form) -> None:
    outcome = form.querySelector("input[name=outcome]:checked").value
    app.dispatch({"type": "end", "outcome": outcome})


def export_log(form) -> None:
    fields = window.URLSearchParams.new(window.FormData.new(form))
    fields.set("tz", dom.time_zone())
    dom.download(f"/rep/sessions/{core.current}/export?{fields.toString()}")


async def rep_choices(exclude_participants: bool) -> list[tuple[int, str]]:
    """Return the other reps, online first, as (id, label) choices: fetched afresh, as reps come and go."""
    assert core.current is not None, "the tools that ask this act on the session in front"
    present = {p["id"] for p in core.conversations[core.current].summary.get("participants", [])}
    reps = await dom.fetch_json("/rep/reps")
    return [(r["id"], marked(r["name"], core.status_of(r["id"]) if r["online"] else "offline")) for r in reps
            if not (exclude_participants and r["id"] in present)]


async def prepare_invite(form) -> None:
    dom.options(form.querySelector("select"), await rep_choices(exclude_participants=True))
    form.querySelector("input[name=hidden]").checked = core.invite_hidden


def invite(form) -> None:
    app.dispatch({"type": "invite", "rep": int(form.elements.rep.value), "hidden": form.elements.hidden.checked})


async def prepare_transfer(form) -> None:
    dom.options(form.querySelector("select"), await rep_choices(exclude_participants=False))


def transfer(form) -> None:
    app.dispatch({"type": "transfer", "rep": int(form.elements.rep.value), "comment": form.elements.comment.value,
                  "stay": form.elements.stay.checked})


def toggle_hidden() -> None:
    me = (core.participant(core.current) if core.current is not None else None) or {}
    app.dispatch({"type": "visibility", "hidden": not me.get("hidden")})


files = dom.FileSender(lambda: f"/files/{core.current}" if core.current is not None else None)
ACTIONS = {
    "request-screen": lambda: app.dispatch({"type": "request_screen"}),
    "push-url": lambda: app.dispatch({"type": "push_url", "text": dom.by_id("message").value}),
    "send-file": files.choose,
    "invite": lambda: dom.open_dialog("invite-dialog", invite, prepare_invite),
    "transfer": lambda: dom.open_dialog("transfer-dialog", transfer, prepare_transfer),
    "visibility": toggle_hidden,
    "leave": lambda: app.dispatch({"type": "leave"}),
    "export": lambda: dom.open_dialog("export-dialog", export_log),
    "end": lambda: dom.open_dialog("end-dialog", end_session),
    "note": lambda: app.dispatch({"type": "note", "text": dom.by_id("note-text").value}),
}


def act(control) -> None:
    """Carry out the session tool a menu item or toolbar button names, or say why it is off."""
    name = dom.data(control, "act") or ""
    reason = core.tool_reasons(core.current)[name]
    if reason:
        dom.notice(reason)
    else:
        ACTIONS[name]()


def choose_recipient(event) -> None:
    value = event.target.value
    app.dispatch({"type": "to", "to": int(value) if value.isdigit() else value})


PREF_FIELDS = ("yellow_after", "red_after", "font_size", "language", "spell_language", "theme")


def prepare_prefs(form) -> None:
    for name in PREF_FIELDS:
        form.elements.namedItem(name).value = str(core.prefs[name])
    form.elements.chat_sound.checked = core.prefs["chat_sound"]


async def prefs_ready(form) -> None:
    prepare_prefs(form)


def save_prefs(form) -> str | None:
    """Check the dialog's values; return the reason they cannot be kept, or send them."""
    changes = {name: form.elements.namedItem(name).value for name in PREF_FIELDS}
    changes["chat_sound"] = form.elements.chat_sound.checked
    try:
        checked = preferences.check(changes, core.prefs)
    except preferences.PrefsError as exc:
        return str(exc)
    app.dispatch({"type": "set_prefs", "changes": {name: checked[name] for name in changes}})
    return None


dom.Menu("tools-button", "tools-menu", act)
for tool in window.document.querySelectorAll("button[data-act]:not([type=submit])"):
    dom.listen(tool, "click", lambda event: act(event.currentTarget))
show_tools(None)
dom.listen(dom.by_id("open-prefs"), "click", lambda event: dom.open_dialog("prefs-dialog", save_prefs, prefs_ready))
def add_note(event) -> None:
    event.preventDefault()
    act(dom.by_id("add-note"))


dom.listen(dom.by_id("note-form"), "submit", add_note)
dom.listen(dom.by_id("screen-thumb"), "dblclick", lambda event: viewer.open(core.current))
dom.listen(dom.by_id("side-toggle"), "click", lambda event: app.dispatch(
    {"type": "set_prefs", "changes": {"side_panel": not core.prefs["side_panel"]}}))
dom.listen(dom.by_id("to"), "change", choose_recipient)
dom.listen(dom.by_id("close-tab"), "click", lambda event: app.dispatch({"type": "close", "session": core.current}))
app.start()
dom.listen(window.document, "click", lambda event: dom.ask_to_notify())


async def still_signed_in() -> None:
    """While reconnecting, find out whether the sign-in expired; if so, show the sign-in page."""
    if dom.data(dom.by_id("app-status"), "state") != "reconnecting":
        return
    try:
        response = await window.fetch("/rep/reps")
    except Exception:  # the server is down: keep reconnecting
        return
    if response.status == 401:
        window.location.reload()


dom.every(10, lambda: asyncio.ensure_future(still_signed_in()))

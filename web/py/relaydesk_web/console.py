"""The rep console: session keys, the queue, a tab per session, the chat box, details.  Loaded by ``/rep``."""

from pyscript import window

from relaydesk.details import OUTCOME_NAMES, detail_rows
from relaydesk_web import dom
from relaydesk_web.runtime import Runtime
from relaydesk_web.state import (
    CloseSession,
    Keys,
    OpenSession,
    Queue,
    RepCore,
    SelectSession,
    ShowEntry,
    UpdateSession,
)

core = RepCore()
log = dom.ChatLog()
keys: list[dict] = []


def queue_item(summary: dict):
    item = dom.element("li")
    item.append(
        dom.element("strong", summary["customer"]),
        dom.element("span", summary["issue"], **{"class": "issue"}),
        dom.element("span", f"Waiting since {dom.clock(summary['created_at'])[0]}", **{"class": "hint"}),
    )
    button = dom.element("button", "Accept", type="button")
    dom.listen(button, "click", lambda event: app.dispatch({"type": "accept", "session": summary["id"]}))
    item.append(button)
    return item


def show_keys() -> None:
    """List the keys still valid; called on every change and every few seconds as they expire."""
    now = window.Date.now()
    items = []
    for key in keys:
        if key["expires_at"] > now:
            items.append(dom.element("li", f"{key['key']} — valid until {dom.clock(key['expires_at'])[0]}"))
    dom.by_id("keys").replaceChildren(*items)


def show_details(summary: dict) -> None:
    rows = []
    for label, value in detail_rows(summary, dom.local_time):
        rows += [dom.element("dt", label), dom.element("dd", value)]
    dom.by_id("details").replaceChildren(*rows)
    ended = summary["status"] == "ended"
    dom.show("ended-banner", ended)
    if ended:
        outcome = OUTCOME_NAMES.get(summary.get("outcome") or "", "Unknown")
        dom.by_id("ended-text").textContent = f"This session has ended: {outcome}."
    for control in ("message", "send", "open-end"):
        dom.by_id(control).disabled = ended


def render(effect) -> None:
    match effect:
        case Queue(waiting):
            dom.by_id("queue").replaceChildren(*[queue_item(summary) for summary in waiting])
        case Keys(latest):
            new = [key for key in latest if key["key"] not in {k["key"] for k in keys}]
            keys[:] = latest
            if new:
                dom.by_id("session-key").textContent = new[-1]["key"]
            shown = dom.by_id("session-key").textContent
            dom.show("new-key", any(key["key"] == shown for key in keys))
            show_keys()
        case OpenSession(summary):
            tab = dom.element("button", summary["customer"], role="tab", type="button",
                              id=f"tab-{summary['id']}", aria_selected="false", aria_controls="chat")
            dom.listen(tab, "click", lambda event: app.dispatch({"type": "select", "session": summary["id"]}))
            dom.by_id("session-tabs").append(tab)
        case SelectSession(session, entries):
            for tab in dom.by_id("session-tabs").children:
                tab.setAttribute("aria-selected", "true" if tab.id == f"tab-{session}" else "false")
            summary = core.conversations[session].summary
            dom.by_id("chat-title").textContent = f"{summary['customer']} — {summary['issue']}"
            dom.show("no-session", False)
            dom.show("chat", True)
            show_details(summary)
            log.reset(entries)
            dom.by_id("message").focus()
        case UpdateSession(summary) if summary["id"] == core.current:
            show_details(summary)
        case CloseSession(session):
            dom.by_id(f"tab-{session}").remove()
            if core.current is None:
                dom.show("chat", False)
                dom.show("no-session", True)
                dom.by_id("details").replaceChildren()
        case ShowEntry(session, placement) if session == core.current:
            log.show(placement)


app = Runtime(core, "/ws/rep", render)

dom.listen(dom.by_id("make-key"), "click", lambda event: app.dispatch({"type": "make_key"}))
dom.every(5, show_keys)



def end_session(form) -> None:
    outcome = form.querySelector("input[name=outcome]:checked").value
    app.dispatch({"type": "end", "outcome": outcome})


def export_log(form) -> None:
    fields = window.URLSearchParams.new(window.FormData.new(form))
    fields.set("tz", dom.time_zone())
    dom.download(f"/rep/sessions/{core.current}/export?{fields.toString()}")


DIALOGS = {"end-dialog": end_session, "export-dialog": export_log}
dom.Menu("tools-button", "tools-menu", lambda item: dom.open_dialog(item.dataset.open, DIALOGS[item.dataset.open]))
dom.listen(dom.by_id("open-export"), "click", lambda event: dom.open_dialog("export-dialog", export_log))
dom.listen(dom.by_id("open-end"), "click", lambda event: dom.open_dialog("end-dialog", end_session))
dom.listen(dom.by_id("close-tab"), "click", lambda event: app.dispatch({"type": "close", "session": core.current}))
app.start()

"""The rep console: the queue, a tab per session, the chat box.  Loaded by ``/rep``."""

from relaydesk_web import dom
from relaydesk_web.runtime import Runtime
from relaydesk_web.state import OpenSession, Queue, RepCore, SelectSession, ShowEntry

core = RepCore()
log = dom.ChatLog()


def queue_item(summary: dict):
    item = dom.element("li")
    item.append(
        dom.element("strong", summary["customer"]),
        dom.element("span", summary["issue"], **{"class": "issue"}),
    )
    button = dom.element("button", "Accept", type="button")
    dom.listen(button, "click", lambda event: app.dispatch({"type": "accept", "session": summary["id"]}))
    item.append(button)
    return item


def render(effect) -> None:
    match effect:
        case Queue(waiting):
            dom.by_id("queue").replaceChildren(*[queue_item(summary) for summary in waiting])
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
            log.reset(entries)
            dom.by_id("message").focus()
        case ShowEntry(session, placement) if session == core.current:
            log.show(placement)


app = Runtime(core, "/ws/rep", render)
app.start()

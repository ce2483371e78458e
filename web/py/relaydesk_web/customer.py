"""The customer window: ask for help, wait in the queue, chat.  Loaded by the portal page."""

import asyncio

from pyscript import document, window

from relaydesk.details import RATING_NAMES
from relaydesk_web import dom, i18n, typing_view  # noqa: F401  (i18n first: the page's language, before any word)
from relaydesk_web.agent import browser_name, system_name
from relaydesk_web.capture import ScreenShare
from relaydesk_web.effects import (
    Helpers,
    OpenUrl,
    Position,
    ScreenAsk,
    ScreenMode,
    ShowEntry,
    ShowView,
    StartOver,
    Survey,
    Typing,
)
from relaydesk_web.i18n import _
from relaydesk_web.runtime import Runtime, Storage
from relaydesk_web.state import CustomerCore

i18n.start()  # the page's language (a no-op unless this Python came from a memory snapshot)

portal = dom.data(document.querySelector("main"), "portal") or "/"
storage = Storage(f"relaydesk:{portal}:")
core = CustomerCore(saved={"token": storage.get("token"), "request": storage.get("request")})
log = dom.ChatLog()


def page_details() -> dict:
    """Describe this browser for the rep: what the customer sees before sending it."""
    navigator = window.navigator
    return {
        "os": system_name(navigator.userAgent, dom.prop(dom.prop(navigator, "userAgentData"), "platform", "")),
        "browser": browser_name(navigator.userAgent),
        "language": navigator.language,
        "timezone": dom.time_zone(),
        "screen": f"{window.screen.width}×{window.screen.height}",
    }


details = page_details()
dom.by_id("ask-details").textContent = _("We will share with the representative: %(details)s",
                                          details=" · ".join(details.values()))


def render(effect) -> None:
    match effect:
        case ShowView(view):
            if view != "form" and core.token and core.token not in file_access:
                file_access.add(core.token)
                asyncio.ensure_future(allow_downloads(core.token))
            dom.show("ask", view == "form")
            dom.show("waiting", view == "waiting")
            dom.show("ended", view == "ended")
            dom.show("chat", view in ("waiting", "chat", "ended"))
            ended = _("This support session has ended.") if view == "ended" else None
            for control in ("message", "send"):
                dom.by_id(control).disabled = bool(ended)
                dom.set_enabled(dom.by_id(control), ended)
            file_off[:] = [ended or (_("You can send files once a representative has joined you.")
                                     if view == "waiting" else "")]
            dom.set_enabled(dom.by_id("send-file"), file_off[0])
            dom.by_id("transcript-token").value = core.token or ""
            dom.by_id("ask-progress").textContent = ""
            if view != "form" or not form.contains(document.activeElement):  # never pull someone typing away
                dom.by_id({"form": "ask-name", "ended": "download-transcript"}.get(view, "message")).focus()
        case Position(position):
            ahead = _("You are next.") if position == 1 else _("You are number %(num)s in the queue.", num=position)
            shortly = _("A representative will be with you shortly.")
            dom.by_id("position-text").textContent = f"{ahead} {shortly}"
        case ShowEntry(_session, placement):
            log.show(placement)
        case ScreenAsk(by):
            dom.show("screen-request", bool(by) and not screen.sharing)
            if by:
                dom.by_id("screen-request-text").textContent = _("%(name)s asks to see your screen.", name=by)
        case ScreenMode(mode, sharing):
            screen.mode = mode
            if screen.sharing and not sharing:  # the server lost track (a restart): say so again
                app.dispatch({"type": "screen", "state": "allowed"})
            elif sharing and not screen.sharing:  # this page was reloaded: its capture is gone
                app.dispatch({"type": "screen", "state": "stopped"})
        case OpenUrl(url):
            # The chat shows it as a link too, for when a popup blocker stops this.
            window.open(url, "_blank", "noopener")
        case Typing():
            typing_view.show(app, effect)
        case Helpers(names):
            dom.by_id("helpers").textContent = _("Helping you: %(names)s", names=", ".join(names)) if names else ""
            dom.show("helpers", bool(names))
        case Survey(shown, rating, comment):
            show_survey(shown, rating, comment)
        case StartOver():
            log.reset([])
            survey_form.reset()
            dom.by_id("survey-state").textContent = ""
            dom.by_id("ask-issue").value = dom.by_id("ask-key").value = ""


app = Runtime(core, f"/ws/customer?lang={i18n.current()}", render, storage)
screen = ScreenShare(app)
files = dom.FileSender(lambda: f"/files/{core.session['id']}" if core.session else None,
                       lambda: {"X-Relaydesk-Token": core.token or ""})
file_access: set[str] = set()  # tokens this page has asked /files to accept as a cookie
file_off = [""]  # why Send file is off in this view, if it is


def send_file() -> None:
    if file_off[0]:
        dom.notice(file_off[0])
    else:
        files.choose()



async def allow_downloads(token: str) -> None:
    """Let this browser download its own session's files (an HttpOnly cookie for /files)."""
    await dom.post_json("/files/access", {"token": token})


survey_form = dom.by_id("survey")


def show_survey(shown: bool, rating: int | None, comment: str) -> None:
    """Show the survey after the end, with the answer given so far: it can be changed until the page is left."""
    dom.show("survey", shown)
    if not shown or rating is None:
        return
    survey_form.querySelector(f"input[name=rating][value='{rating}']").checked = True
    if not dom.by_id("survey-comment").value:
        dom.by_id("survey-comment").value = comment
    dom.by_id("survey-state").textContent = _("Thank you! Your answer: %(answer)s. You can change it until you "
                                              "leave this page.", answer=_(RATING_NAMES[rating]))


def send_feedback(event) -> None:
    event.preventDefault()
    chosen = survey_form.querySelector("input[name=rating]:checked")
    rating = int(chosen.value) if chosen is not None else None
    app.dispatch({"type": "rate", "rating": rating, "comment": dom.by_id("survey-comment").value})


def ask(event) -> None:
    event.preventDefault()
    send_request()


def send_request() -> None:
    name, issue = dom.by_id("ask-name").value.strip(), dom.by_id("ask-issue").value.strip()
    key = dom.by_id("ask-key").value.strip()
    if not name or not issue:
        dom.notice(_("Please enter your name and describe your issue."))
        dom.by_id("ask-issue" if name else "ask-name").focus()
        return
    dom.notice("")
    dom.by_id("ask-progress").textContent = _("Sending your request…")
    app.dispatch({"type": "ask", "portal": portal, "name": name, "issue": issue, "details": details, "key": key})


form = dom.by_id("ask")
dom.listen(form, "submit", ask)
form.setAttribute("data-python", "yes")  # portal.js hands every submit over to ask() from now on
dom.listen(dom.by_id("start-over"), "click", lambda event: app.dispatch({"type": "start_over"}))
dom.listen(survey_form, "submit", send_feedback)
typing_view.listen(app, "typed")
dom.listen(dom.by_id("send-file"), "click", lambda event: send_file())
def allow_screen() -> None:
    dom.show("screen-request", False)
    screen.allow()  # inside the click: getDisplayMedia needs the person's gesture


dom.listen(dom.by_id("screen-allow"), "click", lambda event: allow_screen())
dom.listen(dom.by_id("screen-deny"), "click", lambda event: app.dispatch({"type": "screen", "state": "denied"}))
dom.listen(dom.by_id("stop-sharing"), "click", lambda event: screen.stop())
dom.by_id("transcript-tz").value = dom.time_zone()
if not (core.token or core.request):
    render(ShowView("form"))
    if dom.data(form, "pending"):  # Get help was clicked while Python started (portal.js): send what the form holds
        form.removeAttribute("data-pending")
        send_request()
app.start()

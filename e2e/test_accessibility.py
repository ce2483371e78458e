"""Accessibility beyond axe (which the census runs on every state, e2e/axe.py): the keyboard, announcements,
themes and layout.

- A whole rep flow without the mouse: sign in, accept, chat, switch tabs, Session tools and an item, invite, end,
  export.  At every key press the focus is somewhere, and visibly so; after a dialog closes it is not on the body;
  an open dialog keeps Tab and Shift+Tab inside it.
- What a screen reader hears: the page's one polite live region (``#announcer``) is read as it changes, by a
  MutationObserver put in before the page's scripts; each piece of news must come exactly once.
- The dark theme follows the system, and the rep's choice in Chat preferences wins, at once and after a reload,
  from the page's first paint (the server writes it on ``<html data-theme>``, before any script runs).
- At 1280×720 and at 200% zoom (a 640×360 CSS-pixel window), nothing in the chat scrolls sideways.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from e2e.conftest import Actors
from e2e.pages import RepConsole, end_session, invitation, session_tool, wait_until

BOOT = 60_000  # ms: Pyodide boots in a few seconds, but the machine running the suite may be busy

FOCUS = """() => {
  const node = document.activeElement;
  if (!node || node === document.body || node === document.documentElement) return "nowhere (the body)";
  const style = getComputedStyle(node);
  const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  if (!node.matches(":focus-visible") || !outlined) return "invisibly on " + node.outerHTML.slice(0, 120);
  return "";
}"""

HEAR = """() => {
  // What a screen reader would be told: every text the live regions take, in order.
  window.relaydeskHeard = {announcer: [], notice: []};
  const seen = {announcer: "", notice: ""};
  new MutationObserver(() => {
    for (const id of ["announcer", "notice"]) {
      const region = document.getElementById(id);
      const text = region && !region.hidden ? region.textContent.trim() : "";
      if (text !== seen[id]) {
        seen[id] = text;
        if (text) window.relaydeskHeard[id].push(text);
      }
    }
  }).observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def focus_problem(page: Page) -> str:
    return page.evaluate(FOCUS)


def tab_to(page: Page, target: Locator, most: int = 60, back: bool = False) -> None:
    """Press Tab (or Shift+Tab) until ``target`` has the focus; the focus must show at every stop on the way.

    Past the page's last control the focus goes to the browser's own controls (the body, to the page) and
    then comes round to the first: that one stop is no lost focus.
    """
    wrapped = False
    for _press in range(most):
        if target.evaluate("node => node === document.activeElement"):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
        problem = focus_problem(page)
        if problem.startswith("nowhere") and not wrapped:
            wrapped = True
            continue
        assert not problem, f"on the way to {target}, the focus is {problem}"
    raise AssertionError(f"{most} presses of Tab did not reach {target}")


def focus_kept(page: Page, after: str) -> None:
    problem = focus_problem(page)
    assert not problem, f"after {after}, the focus is {problem}"


def trapped(page: Page, dialog: Locator) -> None:
    """Tab and Shift+Tab all the way round: the focus never leaves the open dialog."""
    for key in ["Tab"] * 12 + ["Shift+Tab"] * 12:
        page.keyboard.press(key)
        assert dialog.evaluate("node => node.contains(document.activeElement)"), f"{key} left the dialog"
        focus_kept(page, key)


def through_dialog(page: Page, opener: str, button: str) -> None:
    """From the toolbar's ``opener`` to its dialog (which keeps the focus), its ``button`` pressed by Enter, and
    the focus somewhere visible after it closes."""
    tab_to(page, page.get_by_role("toolbar", name="Session toolbar").get_by_role("button", name=opener), back=True)
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name=opener)
    expect(dialog).to_be_visible()
    trapped(page, dialog)
    tab_to(page, dialog.get_by_role("button", name=button))
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    focus_kept(page, f"the {opener} dialog closed")


def heard(page: Page, region: str = "announcer") -> list[str]:
    return page.evaluate(f"window.relaydeskHeard.{region}")


def listening(rep: RepConsole) -> RepConsole:
    rep.page.add_init_script(f"({HEAR})()")
    return rep


def test_a_whole_rep_flow_by_keyboard_alone(actors: Actors):
    alice = listening(actors.rep("alice", "Alice Keys"))
    bob = actors.rep("bob", "Bob Other")
    ann, ben = actors.customer(), actors.customer()
    page = alice.page
    bob.goto()  # the others first, one at a time: five pages booting Python at once are slow on a busy machine
    bob.sign_in(bob.username, bob.password)
    bob.expect_connected(timeout=BOOT)
    for person in (ann, ben):
        person.goto()
        person.expect_connected(timeout=BOOT)
    alice.goto()

    # Sign in: Username has the focus (autofocus); type, Tab, type, Enter.
    expect(page.get_by_role("textbox", name="Username")).to_be_focused()
    page.keyboard.type(alice.username)
    page.keyboard.press("Tab")
    focus_kept(page, "Tab to Password")
    page.keyboard.type(alice.password)
    page.keyboard.press("Enter")
    alice.expect_connected(timeout=BOOT)

    # Accept Ann from the queue.
    ann.ask_for_help("Ann Keys", "My keyboard")
    accept_ann = page.get_by_role("button", name=re.compile("Accept")).first
    expect(accept_ann).to_be_visible()
    tab_to(page, accept_ann)
    page.keyboard.press("Enter")
    expect(page.get_by_role("tab", name=re.compile("Ann Keys"))).to_have_attribute("aria-selected", "true")
    expect(alice.message_box).to_be_focused()

    # Chat: type and Enter.
    page.keyboard.type("Hello Ann, by keyboard")
    page.keyboard.press("Enter")
    expect(alice.message("Hello Ann, by keyboard")).to_have_attribute("data-state", "sent")
    ann.expect_message("Hello Ann, by keyboard", sender="Alice Keys")

    # A second customer, accepted by keyboard from Message (back through the page with Shift+Tab).
    ben.ask_for_help("Ben Keys", "My mouse")
    accept_ben = page.get_by_role("button", name=re.compile("Accept"))
    expect(accept_ben).to_have_count(1)
    tab_to(page, accept_ben, back=True)
    page.keyboard.press("Enter")
    ben_tab = page.get_by_role("tab", name=re.compile("Ben Keys"))
    expect(ben_tab).to_have_attribute("aria-selected", "true")

    # Switch tabs: to the tab list, then the arrow keys, as the tabs pattern has it; and the shortcut.
    tab_to(page, ben_tab, back=True)
    page.keyboard.press("ArrowLeft")
    ann_tab = page.get_by_role("tab", name=re.compile("Ann Keys"))
    expect(ann_tab).to_have_attribute("aria-selected", "true")
    expect(ann_tab).to_be_focused()
    focus_kept(page, "ArrowLeft on the tabs")
    page.keyboard.press("Alt+Shift+Digit2")
    expect(ben_tab).to_have_attribute("aria-selected", "true")
    expect(alice.message_box).to_be_focused()
    page.keyboard.press("Alt+Shift+Digit1")
    expect(ann_tab).to_have_attribute("aria-selected", "true")

    # Session tools, by keyboard: Invite representative, in a dialog that keeps the focus.
    tools = page.get_by_role("button", name="Session tools")
    tab_to(page, tools, back=True)
    page.keyboard.press("Enter")
    menu = page.get_by_role("menu", name="Session tools")
    expect(menu).to_be_visible()
    invite_item = menu.get_by_role("menuitem", name="Invite representative")
    for _step in range(9):
        if invite_item.evaluate("node => node === document.activeElement"):
            break
        page.keyboard.press("ArrowDown")
        focus_kept(page, "ArrowDown in the menu")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Invite representative")
    expect(dialog).to_be_visible()
    assert dialog.evaluate("node => node.contains(document.activeElement)"), "the dialog opened without the focus"
    trapped(page, dialog)
    tab_to(page, dialog.get_by_role("combobox", name="Representative"))
    expect(dialog.get_by_role("combobox", name="Representative")).to_have_value(re.compile(r"\d+"))
    tab_to(page, dialog.get_by_role("button", name="Invite"))
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    focus_kept(page, "the Invite dialog closed")
    expect(invitation(bob)).to_be_visible()

    # End the session with Ann: the End session dialog, by keyboard.
    through_dialog(page, "End session", "End session")
    expect(page.get_by_text("This session has ended: Resolved.")).to_be_visible()

    # Export its log: the Export dialog, Download by Enter, and the focus back in the page.
    with page.expect_download() as download:
        through_dialog(page, "Export chat log", "Download")
    assert "Hello Ann, by keyboard" in Path(download.value.path()).read_text(encoding="utf-8")

    # Escape closes a dialog too, and the focus goes back to the button that opened it.
    prefs = page.get_by_role("button", name="Chat preferences")
    tab_to(page, prefs, back=True)
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="Chat preferences")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Chat preferences")).to_have_count(0)
    expect(prefs).to_be_focused()
    focus_kept(page, "Escape closed Chat preferences")


def test_news_is_announced_once_and_only_the_current_chat_speaks(actors: Actors):
    alice = listening(actors.rep("alice", "Alice Ears"))
    bob = listening(actors.rep("bob", "Bob Ears"))
    ann, ben = actors.customer(), actors.customer()
    server = actors.server
    for person in (alice, bob):
        person.goto()
        person.sign_in(person.username, person.password)
        person.expect_connected(timeout=BOOT)
    for customer in (ann, ben):
        customer.goto()
        customer.expect_connected(timeout=BOOT)
    assert heard(alice.page) == ["Connected"]

    # A customer joins the queue: said once, though the queue is drawn again as it changes.
    ann.ask_for_help("Ann Ears", "Can you hear me")
    arrival = "Ann Ears is waiting in the queue: Can you hear me"
    wait_until(alice.page, f"window.relaydeskHeard.announcer.includes({arrival!r})")
    alice.accept("Ann Ears")
    ben.ask_for_help("Ben Ears", "Me too")
    alice.accept("Ben Ears")

    # Only the current chat's log is live; Ann's, in the background, is hidden and silent.
    ann.send("Anyone?", via="enter")
    ann_tab = alice.page.get_by_role("tab", name=re.compile("Ann Ears"))
    expect(ann_tab.locator(".unread")).to_have_text("1 unread")
    live = alice.page.locator("[role=log]:not([hidden])")
    expect(live).to_have_count(1)
    expect(live).to_have_attribute("aria-live", "polite")
    expect(live).to_contain_text("Ben Ears asked for help")
    background = alice.page.locator("[role=log][hidden]").filter(has_text="Anyone?")
    expect(background).to_have_attribute("aria-live", "off")

    # An invitation: said once to the invited rep.
    alice.page.keyboard.press("Alt+Shift+Digit1")
    alice.page.get_by_role("button", name="Session tools").click()
    alice.page.get_by_role("menuitem", name="Invite representative").click()
    dialog = alice.page.get_by_role("dialog", name="Invite representative")
    dialog.get_by_role("combobox", name="Representative").select_option(label="Bob Ears")
    dialog.get_by_role("button", name="Invite").click()
    expect(invitation(bob)).to_be_visible()
    said = "Alice Ears invites you to join the session with Ann Ears (Can you hear me)."
    wait_until(bob.page, f"window.relaydeskHeard.announcer.includes({said!r})")

    # An error (here: a control that is off, pressed) goes to the alert, once.
    notes = bob.page.locator("#add-note")
    notes.focus()
    bob.page.keyboard.press("Enter")
    expect(bob.page.get_by_role("alert")).to_be_visible()
    alerted = bob.page.get_by_role("alert").inner_text()

    # The server goes away and comes back: Reconnecting…, then Connected, each said once.
    for person in (alice, bob, ann, ben):  # each page's tries while the server is down are refused
        person.watch.allow_console_error(r"net::ERR_CONNECTION_REFUSED \(at http://127\.0\.0\.1:")
    server.kill()
    alice.expect_reconnecting()
    bob.expect_reconnecting()
    server.start()
    alice.expect_connected(timeout=BOOT)
    bob.expect_connected(timeout=BOOT)

    expect(ann_tab).to_be_visible()
    ben_arrival = "Ben Ears is waiting in the queue: Me too"
    assert heard(alice.page) == ["Connected", arrival, ben_arrival, "Reconnecting…", "Connected"]
    assert heard(bob.page) == ["Connected", arrival, ben_arrival, said, "Reconnecting…", "Connected"]
    assert heard(bob.page, "notice") == [alerted]


def theme_of(page: Page) -> str:
    """Whether the page is dark or light, by its background's lightness."""
    return page.evaluate("""() => {
      const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number);
      return (r + g + b) / 3 < 128 ? "dark" : "light";
    }""")


def test_the_dark_theme_follows_the_system_and_the_reps_choice_wins(actors: Actors):
    rep = actors.rep()
    page = rep.page
    rep.goto()
    rep.sign_in(rep.username, rep.password)
    rep.expect_connected()
    assert theme_of(page) == "light"
    page.emulate_media(color_scheme="dark")
    assert theme_of(page) == "dark"

    page.get_by_role("button", name="Chat preferences").click()
    dialog = page.get_by_role("dialog", name="Chat preferences")
    expect(dialog.get_by_role("combobox", name="Theme")).to_have_value("auto")
    dialog.get_by_role("combobox", name="Theme").select_option(label="Light")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    wait_until(page, "document.documentElement.dataset.theme === 'light'")
    assert theme_of(page) == "light"  # at once, though the system is dark

    page.emulate_media(color_scheme="light")
    page.get_by_role("button", name="Chat preferences").click()
    dialog.get_by_role("combobox", name="Theme").select_option(label="Dark")
    dialog.get_by_role("button", name="Save").click()
    wait_until(page, "document.documentElement.dataset.theme === 'dark'")
    assert theme_of(page) == "dark"

    # The session tabs' idle levels differ by shape too, not only by colour: a circle, a triangle, a square.
    shapes = page.evaluate("""() => ["green", "yellow", "red"].map(level => {
      const dot = document.createElement("span");
      dot.className = "idle";
      dot.dataset.level = level;
      document.body.append(dot);
      const style = getComputedStyle(dot);
      const shape = style.clipPath + " / " + style.borderRadius;
      dot.remove();
      return shape;
    })""")
    assert len(set(shapes)) == 3, shapes

    page.reload()  # kept for the rep, on the server
    rep.expect_connected()
    wait_until(page, "document.documentElement.dataset.theme === 'dark'")
    assert theme_of(page) == "dark"

    # Dark from the first paint, not once Python has started: the server writes the rep's theme on <html>.
    # Seen here with no script at all (the same rep signed in, JavaScript off), in a light system.
    first_paint, _watch = actors.new_page("rep, no scripts", java_script_enabled=False, color_scheme="light")
    first_paint.context.add_cookies(page.context.cookies())
    for path in ("/rep", "/rep/history", "/rep/reports"):
        first_paint.goto(actors.server.url + path)
        expect(first_paint.locator("html")).to_have_attribute("data-theme", "dark")
        assert theme_of(first_paint) == "dark", path


SIDEWAYS = """() => [...document.querySelectorAll(
    "html, body, main, .chat, [role=log], .composer, .composer-tools, .toolbar, .customer-main, .console-main")]
  .filter(node => node.checkVisibility() && node.scrollWidth > node.clientWidth + 1)
  .map(node => `${node.tagName.toLowerCase()}${node.id ? "#" + node.id : ""}.${node.className}: `
       + `${node.scrollWidth} > ${node.clientWidth}`)"""


def test_no_sideways_scrolling_in_the_chat_at_1280_by_720_and_at_200_percent(actors: Actors):
    windows = {"1280×720": {"viewport": {"width": 1280, "height": 720}},
               "200% zoom": {"viewport": {"width": 640, "height": 360}, "device_scale_factor": 2}}
    for round_, (label, window) in enumerate(windows.items()):
        customer = actors.customer(**window)
        page, watch = actors.new_page(f"rep at {label}", **window)
        rep = RepConsole(page, actors.server.url, "alice", "Alice Wide", "correct horse battery")
        rep.watch = watch
        if label == "1280×720":
            actors.server.add_rep("alice", "Alice Wide", rep.password)
        customer.goto()
        customer.expect_connected(timeout=BOOT)
        rep.goto()
        rep.sign_in(rep.username, rep.password)
        rep.expect_connected(timeout=BOOT)
        customer.ask_for_help(f"Customer with a rather long name at {label}", "A long issue " * 12)
        rep.accept(f"Customer with a rather long name at {label}")
        # The second page restores the first session's tab; wait until the new one is shown.
        expect(page.get_by_role("tab", name=re.compile(f"at {label}"))).to_have_attribute("aria-selected", "true")
        rep.expect_chat_visible()
        long_line = f"https://example.invalid/round-{round_}/" + "a-very-long-path-segment/" * 12
        rep.send(long_line)
        customer.send("Wordswithoutanyspaceatall" * 8)
        for side, who in ((customer.page, "customer"), (rep.page, "rep")):
            assert side.evaluate(SIDEWAYS) == [], f"{who} at {label} scrolls sideways: {side.evaluate(SIDEWAYS)}"
        for send in (rep.send_button, customer.send_button):
            send.scroll_into_view_if_needed()
            expect(send).to_be_in_viewport()


def press(control: Locator) -> None:
    """Reach ``control`` by keyboard (it takes the focus as Tab would leave it there) and press Enter."""
    control.focus()
    control.page.keyboard.press("Enter")


def test_the_focus_is_never_left_on_the_body_when_what_held_it_goes_away(actors: Actors):
    """Beyond the rep's dialogs: the customer's screen request (an alertdialog), the invitation, Leave session,
    Close this session, Stop sharing and Start over each take away the control that had the focus."""
    alice, bob = actors.rep("alice", "Alice Focus"), actors.rep("bob", "Bob Focus")
    ann = actors.customer()
    for rep in (alice, bob):
        rep.goto()
        rep.sign_in(rep.username, rep.password)
        rep.expect_connected(timeout=BOOT)
    ann.goto()
    ann.expect_connected(timeout=BOOT)
    ann.ask_for_help("Ann Focus", "Where is my cursor")
    alice.accept("Ann Focus")
    ann.expect_in_chat()
    customer = ann.page

    # The customer's screen request, refused then allowed, by keyboard; then Stop sharing.
    ask = alice.page.get_by_role("button", name="Request screen sharing")
    for answer in ("Deny", "Allow"):
        ask.click()
        request = customer.get_by_role("alertdialog")
        expect(request).to_be_visible()
        press(request.get_by_role("button", name=answer))
        expect(request).to_be_hidden()
        focus_kept(customer, f"{answer} on the screen request")
    stop = customer.get_by_role("button", name="Stop sharing")
    press(stop)
    expect(stop).to_be_hidden()
    focus_kept(customer, "Stop sharing")

    # Bob's invitation, dismissed then joined, by keyboard; then Leave session from the menu.
    for answer in ("Dismiss", "Join"):
        session_tool(alice, "Invite representative")
        dialog = alice.page.get_by_role("dialog", name="Invite representative")
        dialog.get_by_role("combobox", name="Representative").select_option(label=bob.name)
        dialog.get_by_role("button", name="Invite").click()
        box = invitation(bob)
        press(box.get_by_role("button", name=answer))
        expect(box).to_have_count(0)
        focus_kept(bob.page, f"{answer} on the invitation")
    tools = bob.page.get_by_role("button", name="Session tools")
    press(tools)
    leave = bob.page.get_by_role("menuitem", name="Leave session")
    for _step in range(12):
        if leave.evaluate("node => node === document.activeElement"):
            break
        bob.page.keyboard.press("ArrowDown")
    bob.page.keyboard.press("Enter")
    expect(bob.page.get_by_role("tab")).to_have_count(0)
    focus_kept(bob.page, "Leave session")

    # The end: Close this session on the rep's side, Start over on the customer's.
    end_session(alice, "Resolved")
    close = alice.page.get_by_role("button", name="Close this session")
    press(close)
    expect(alice.page.get_by_role("tab")).to_have_count(0)
    focus_kept(alice.page, "Close this session")
    start_over = customer.get_by_role("button", name="Start over")
    press(start_over)
    expect(ann.name_box).to_be_visible()
    focus_kept(customer, "Start over")

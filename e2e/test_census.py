"""The control census: every control of every page state, activated in the real browser.

One conversation carries the pages through their states, so set-up is paid
once: the customer at the portal, waiting, in the chat, asked for their
screen, sharing it, after the end; the rep console before sign-in, empty,
with a queue, holding a chat, as an invited rep, as a hidden rep, after the
end; every dialog; the admin page; history, a read-only log and reports.  What each
state must contain, and what each control must do, is written out below, so
a control nobody thought to test fails the census (``e2e/census.py``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.axe import LANGUAGES, audit
from e2e.census import LATER, Action, Census, Name, dialog_closes, notice
from e2e.conftest import Actors
from e2e.pages import CustomerPage, RepConsole, detail, invitation, join_invitation, participant, wait_until

CUSTOMER = "Carol Census"
ISSUE = "Every control"
EVERYWHERE_ON_THE_CONSOLE = ("Keyboard shortcuts", "Chat preferences")

Actions = dict[tuple[str, Name], Action]
SENT = itertools.count(1)
BASE_URL = [""]  # the live server's, once the test has one


@pytest.fixture(params=LANGUAGES)
def census(request: pytest.FixtureRequest, actors: Actors) -> Iterator[Census]:
    """The census, with axe-core auditing every state it visits, in each language of ``LANGUAGES``."""
    actors.locale = request.param
    census = Census(actors.assert_clean, audit)
    yield census
    census.assert_complete()
    print(f"\ncensus: {len(census.activated)} activations, {census.audited} states audited by axe "
          f"(light and dark) in {census.audit_seconds:.1f} s",
          *census.activated, sep="\n  ")


@pytest.fixture
def upload(tmp_path: Path) -> Path:
    path = tmp_path / "census.txt"
    path.write_text("a file both ways\n")
    return path


# --- what the controls do ---------------------------------------------------------------------------


def clicks_to_new_tab(path: str) -> Action:
    """A link that opens one of our pages in a new tab."""

    def act(link: Locator) -> None:
        with link.page.context.expect_page() as opened:
            link.click()
        expect(opened.value).to_have_url(re.compile(re.escape(path) + "$"))
        opened.value.close()

    return act


def downloads(link: Locator) -> None:
    with link.page.expect_download() as download:
        link.click()
    assert Path(download.value.path()).stat().st_size > 0


def opens_pushed_page(link: Locator) -> None:
    with link.page.context.expect_page() as opened:
        link.click()
    opened.value.close()


def sends_file(log_of: Callable[[], list[Locator]], upload: Path) -> Action:
    """Send file: choose a file, and it shows as a file entry in every log given."""

    def act(button: Locator) -> None:
        logs = log_of()
        before = [log.locator('li[data-kind="file"]').count() for log in logs]
        with button.page.expect_file_chooser() as chooser:
            button.click()
        chooser.value.set_files(upload)
        for log, count in zip(logs, before, strict=True):
            expect(log.locator('li[data-kind="file"]')).to_have_count(count + 1)

    return act


def toggles_back(other_name: str, check: Callable[[Page], None] | None = None) -> Action:
    """A button that turns into its opposite (Hide/Show): press it, see the other, press that."""

    def act(button: Locator) -> None:
        page = button.page
        button.click()
        other = page.get_by_role("button", name=other_name, exact=True).first
        expect(other).to_be_visible()
        if check:
            check(page)
        other.click()
        expect(page.get_by_role("button", name=other_name, exact=True)).to_have_count(0)

    return act


def pressed_twice(button: Locator) -> None:
    before = button.get_attribute("aria-pressed")
    button.click()
    expect(button).not_to_have_attribute("aria-pressed", before or "")
    button.click()
    expect(button).to_have_attribute("aria-pressed", before or "")


def font_step(other: str) -> Action:
    def act(button: Locator) -> None:
        page = button.page
        before = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--chat-font')")
        button.click()
        font = "getComputedStyle(document.documentElement).getPropertyValue('--chat-font')"
        wait_until(page, f"{font} !== {before!r}")
        page.get_by_role("button", name=other, exact=True).click()
        wait_until(page, f"{font} === {before!r}")

    return act


def checkbox_both_ways(box: Locator) -> None:
    was = box.is_checked()
    box.set_checked(not was)
    expect(box).to_be_checked(checked=not was)
    box.set_checked(was)
    expect(box).to_be_checked(checked=was)


def radio_picked(radio: Locator) -> None:
    radio.check()
    expect(radio).to_be_checked()


def select_and_back(other: str) -> Action:
    def act(select: Locator) -> None:
        was = select.input_value()
        select.select_option(label=other)
        select.select_option(was)
        expect(select).to_have_value(was)

    return act


def sends(chat: RepConsole | CustomerPage, text: str) -> Action:
    def act(button: Locator) -> None:
        numbered = f"{text} #{next(SENT)}"
        chat.message_box.fill(numbered)
        button.click()
        expect(chat.log.locator("li.entry", has_text=numbered)).to_have_attribute("data-state", "sent")

    return act


# --- dialogs ----------------------------------------------------------------------------------------


class Dialogs:
    """Open a dialog; the first time each one opens, census its controls."""

    def __init__(self, census: Census) -> None:
        self.census = census
        self.seen: set[str] = set()

    def opens(self, name: str, actions_of: Callable[[Callable[[], None]], Actions]) -> Callable[[Callable[[], None]],
                                                                                                None]:
        """Return a check that ``activate()`` opens the dialog ``name``; it then closes (or runs its census)."""

        def check(activate: Callable[[], None]) -> None:
            activate()
            page = self.page
            dialog = page.get_by_role("dialog", name=name)
            expect(dialog).to_be_visible()
            if name in self.seen:
                dialog_closes(page, name, "Escape")
                return
            self.seen.add(name)
            self.census.visit(f"dialog {name}", dialog, actions_of(activate))
            expect(dialog).to_have_count(0)

        return check

    def button(self, name: str, actions_of: Callable[[Callable[[], None]], Actions]) -> Action:
        """The action of a button that opens a dialog."""

        def act(button: Locator) -> None:
            self.page = button.page
            self.opens(name, actions_of)(button.click)

        return act

    def item(self, page: Page, name: str, actions_of: Callable[[Callable[[], None]], Actions]):
        """The check of a menu item that opens a dialog."""

        def check(activate: Callable[[], None]) -> None:
            self.page = page
            self.opens(name, actions_of)(activate)

        return check


def cancel_reopens(name: str, reopen: Callable[[], None], how: str = "Cancel") -> Action:
    def act(button: Locator) -> None:
        dialog_closes(button.page, name, how)
        reopen()
        expect(button.page.get_by_role("dialog", name=name)).to_be_visible()

    return act


def closes(name: str) -> Action:
    return lambda button: dialog_closes(button.page, name, button.inner_text().strip())


def preferences_dialog(reopen: Callable[[], None]) -> Actions:
    return {
        ("checkbox", "Chat sound"): checkbox_both_ways,
        ("combobox", "Language"): select_and_back("Français"),
        ("combobox", "Spell-check language"): select_and_back("Français"),
        ("combobox", "Theme"): select_and_back("Dark"),
        ("button", "Cancel"): cancel_reopens("Chat preferences", reopen),
        ("button", "Save"): closes("Chat preferences"),
    }


def shortcuts_dialog(reopen: Callable[[], None]) -> Actions:
    return {("button", "Close"): closes("Keyboard shortcuts")}


def export_dialog(reopen: Callable[[], None]) -> Actions:
    def download(button: Locator) -> None:
        downloads(button)
        expect(button.page.get_by_role("dialog", name="Export chat log")).to_have_count(0)

    return {
        ("radio", "Text"): radio_picked,
        ("radio", "HTML"): radio_picked,
        ("checkbox", "Include private messages and notes"): checkbox_both_ways,
        ("button", "Cancel"): cancel_reopens("Export chat log", reopen),
        ("button", "Download"): download,
    }


def end_dialog(reopen: Callable[[], None]) -> Actions:
    """The End session dialog; ending for real is the flow's own last step, so the census cancels."""
    return {
        ("radio", "Resolved"): radio_picked,
        ("radio", "Unresolved"): radio_picked,
        ("radio", "Unknown"): radio_picked,
        ("button", "End session"): LATER,
        ("button", "Cancel"): closes("End session"),
    }


def scripts_dialog(census: Census, title: str) -> Callable[[Callable[[], None]], Actions]:
    """A script picker; its "Add one of my own" part opens into a state of its own, censused too."""

    def actions(reopen: Callable[[], None]) -> Actions:
        def add_mine(close: Locator) -> None:
            dialog = close.page.get_by_role("dialog", name=title)
            dialog.get_by_text("Add one of my own").click()

            def save(button: Locator) -> None:
                dialog.get_by_role("textbox", name="Title").fill(f"Census {title}")
                text = dialog.get_by_role("textbox", name="Text or URL")
                if title == "Scripted URLs":  # a URL must be one: the dialog says so before anything is sent
                    text.fill("not a web address")
                    button.click()
                    expect(dialog.get_by_role("alert")).to_contain_text("http://")
                text.fill(f"{BASE_URL[0]}/?census-script" if title == "Scripted URLs" else "Census script text")
                button.click()
                expect(dialog.get_by_role("option", name=f"Census {title} (mine)")).to_be_visible()

            census.visit(f"dialog {title}, adding one of my own", dialog,
                         {("combobox", "Language"): select_and_back("Français"),
                          ("button", "Save to my scripts"): save, ("button", "Close"): closes(title)})

        return {("button", "Close"): add_mine}

    return actions


def invite_dialog(other: RepConsole) -> Callable[[Callable[[], None]], Actions]:
    """Invite: the invitation reaches the other rep, who dismisses it (the flow invites again later)."""

    def actions(reopen: Callable[[], None]) -> Actions:
        def invite(button: Locator) -> None:
            button.click()
            expect(button.page.get_by_role("dialog", name="Invite representative")).to_have_count(0)
            alert = invitation(other)
            expect(alert).to_be_visible()
            alert.get_by_role("button", name="Dismiss").click()
            expect(alert).to_have_count(0)

        return {
            ("combobox", "Representative"): lambda select: select.select_option(label=other.name),
            ("checkbox", "Join hidden"): checkbox_both_ways,
            ("button", "Cancel"): cancel_reopens("Invite representative", reopen),
            ("button", "Invite"): invite,
        }

    return actions


def transfer_dialog(reopen: Callable[[], None]) -> Actions:
    """Transfer: the census fills it and cancels; test_team transfers for real."""
    return {
        ("combobox", "Representative"): lambda select: expect(select.get_by_role("option")).not_to_have_count(0),
        ("checkbox", "Stay in the session"): checkbox_both_ways,
        ("button", "Transfer"): LATER,
        ("button", "Cancel"): closes("Transfer session"),
    }


# --- the console ------------------------------------------------------------------------------------


def console_frame(dialogs: Dialogs, server_url: str) -> Actions:
    """What every signed-in admin's console has, whatever the state."""
    return {
        ("link", "History"): clicks_to_new_tab("/rep/history"),
        ("link", "Reports"): clicks_to_new_tab("/rep/reports"),
        ("link", "Admin"): clicks_to_new_tab("/rep/admin"),
        ("link", "Change password"): clicks_to_new_tab("/rep/password"),
        ("combobox", "My status"): my_status,
        ("button", "Keyboard shortcuts"): dialogs.button("Keyboard shortcuts", shortcuts_dialog),
        ("button", "Chat preferences"): dialogs.button("Chat preferences", preferences_dialog),
        ("button", "Generate session key"): lambda button: (
            button.click(), expect(button.page.get_by_test_id("session-key")).to_have_text(re.compile(r"^\d{9}$"))),
        ("button", "Sign out"): LATER,
        ("button", "Hide me from customer"): LATER,  # off until there is a session: the census checks why
        ("button", "Add note"): LATER,
    }


def my_status(select: Locator) -> None:
    """My status: Away shows in the console's list of representatives, then Available again."""
    away = select.page.locator('#team li[data-status="away"]')
    select.select_option(label="Away")
    expect(away).to_have_count(1)
    select.select_option(label="Available")
    expect(away).to_have_count(0)


def file_links() -> Actions:
    return {("link", "census.txt (17 bytes)"): downloads}


def in_chat(rep: RepConsole, customer: CustomerPage, other: RepConsole, census: Census, dialogs: Dialogs,
            upload: Path, server_url: str, rejoin: Callable[[], None] | None = None, hidden: bool = False) -> Actions:
    """A rep in a live chat: the toolbar, the menu, the message tools, the side panel.

    ``rejoin`` brings an invited rep back after Leave session; ``hidden``
    says they start hidden from the customer.
    """
    page = rep.page
    pushed = server_url + "/?pushed"

    def screen_request(activate: Callable[[], None]) -> None:
        activate()
        ask = customer.page.get_by_role("alertdialog")
        expect(ask).to_be_visible()
        customer.page.get_by_role("button", name="Deny").click()
        expect(ask).to_be_hidden()

    def push_url(activate: Callable[[], None]) -> None:
        rep.message_box.fill(pushed)
        with customer.page.context.expect_page() as opened:
            activate()
        opened.value.close()
        expect(rep.log.locator('li[data-kind="url"]').last).to_contain_text(pushed)

    def send_file(activate: Callable[[], None]) -> None:
        count = rep.log.locator('li[data-kind="file"]').count()
        with page.expect_file_chooser() as chooser:
            activate()
        chooser.value.set_files(upload)
        expect(rep.log.locator('li[data-kind="file"]')).to_have_count(count + 1)

    def visibility(activate: Callable[[], None]) -> None:
        now, then = ("Hidden", "Visible") if hidden else ("Visible", "Hidden")
        activate()
        expect(participant(rep, rep.name).get_by_role("img", name=then)).to_be_visible()
        page.locator("#toggle-hidden").click()
        expect(participant(rep, rep.name).get_by_role("img", name=now)).to_be_visible()

    def leave(activate: Callable[[], None]) -> None:
        assert rejoin is not None, "only an invited rep may leave"
        activate()
        expect(page.get_by_role("tab", name=re.compile(CUSTOMER))).to_have_count(0)
        expect(participant(other, rep.name)).to_have_count(0)
        rejoin()

    items = {
        "Request screen sharing": screen_request,
        "Push URL": push_url,
        "Send file": send_file,
        "Invite representative": dialogs.item(page, "Invite representative", invite_dialog(other)),
        "Transfer session": dialogs.item(page, "Transfer session", transfer_dialog),
        "Show me to customer" if hidden else "Hide me from customer": visibility,
        "Leave session": leave,
        "Export chat log": dialogs.item(page, "Export chat log", export_dialog),
        "End session": dialogs.item(page, "End session", end_dialog),
    }

    def note(button: Locator) -> None:
        page.get_by_role("textbox", name="Session notes").fill("A census note")
        button.click()
        expect(page.get_by_role("region", name="Notes").get_by_text("A census note").first).to_be_visible()

    def to(select: Locator) -> None:
        was = select.input_value()
        select.select_option(label="All representatives")
        expect(select).to_have_value("reps")
        select.select_option(was)
        expect(select).to_have_value(was)

    frame = console_frame(dialogs, server_url)
    if hidden:
        del frame[("button", "Hide me from customer")]
    return frame | file_links() | {
        ("tab", re.compile(CUSTOMER)): lambda tab: (tab.click(), expect(tab).to_have_attribute("aria-selected",
                                                                                               "true")),
        ("button", "Request screen sharing"): lambda button: screen_request(button.click),
        ("button", "Send file"): lambda button: send_file(button.click),
        ("button", "Export chat log"): dialogs.button("Export chat log", export_dialog),
        ("button", "Hide side panel"): toggles_back("Show side panel"),
        ("button", "End session"): dialogs.button("End session", end_dialog),
        ("button", "Session tools"): census.menu(f"{rep.name}'s console" + (", hidden" if hidden else ""), items),
        ("button", "Scripted messages"): dialogs.button("Scripted messages",
                                                        scripts_dialog(census, "Scripted messages")),
        ("button", "Scripted URLs"): dialogs.button("Scripted URLs",
                                                    scripts_dialog(census, "Scripted URLs")),
        ("button", "Spell check"): pressed_twice,
        ("button", "Smaller text"): font_step("Larger text"),
        ("button", "Larger text"): font_step("Smaller text"),
        ("combobox", "To"): to,
        ("button", "Send"): sends(rep, "Hello from the census"),
        ("button", "Send URL"): lambda button: push_url(button.click),
        ("button", "Show me to customer" if hidden else "Hide me from customer"): lambda button: visibility(
            button.click),
        ("button", "Add note"): note,
        ("link", pushed): opens_pushed_page,
    }


# --- the census ---------------------------------------------------------------------------------------


def test_every_control_of_the_customer_and_the_console(actors: Actors, census: Census, upload: Path):
    server = actors.server
    BASE_URL[0] = server.url
    dialogs = Dialogs(census)
    customer = actors.customer()
    alice = actors.rep("alice", "Alice Admin", admin=True)
    bob = actors.rep("bob", "Bob Helper")
    customer.goto()
    alice.goto()
    bob.open()
    body = lambda person: person.page.locator("body")  # noqa: E731

    census.visit("sign-in page", body(alice), {("button", "Sign in"): LATER})
    alice.sign_in(alice.username, alice.password)
    alice.expect_connected()
    customer.expect_connected()

    # The customer at the portal: Get help with nothing typed says what is missing.
    def get_help_empty(button: Locator) -> None:
        button.click()
        expect(notice(customer.page)).to_have_text("Please enter your name and describe your issue.")

    census.visit("portal", body(customer), {("button", "Get help"): get_help_empty})

    empty = console_frame(dialogs, server.url)
    census.visit("console, empty", body(alice), empty)

    customer.ask_for_help(CUSTOMER, ISSUE)
    customer.expect_waiting_first_in_line()
    customer_chat = {
        ("button", "Send"): sends(customer, "Anyone there?"),
        ("button", "Send file"): sends_file(lambda: [customer.log], upload),
    } | file_links()
    census.visit("customer waiting", body(customer), customer_chat, optional=tuple(file_links()))
    census.visit("console with a queue", body(alice), empty | {("button", "Accept"): LATER})

    alice.accept(CUSTOMER)
    alice.expect_chat_visible()
    customer.expect_in_chat()
    census.visit("customer in the chat", body(customer), customer_chat)
    holding = in_chat(alice, customer, bob, census, dialogs, upload, server.url)
    census.visit("console holding the chat", body(alice), holding)

    pushed = server.url + "/?pushed"
    customer_links = file_links() | {("link", pushed): opens_pushed_page}

    # Bob, invited: the alert, then the chat as an invited rep, then hidden.
    def invite_bob(hidden: bool) -> None:
        alice.page.get_by_role("button", name="Session tools").click()
        alice.page.get_by_role("menuitem", name="Invite representative").click()
        dialog = alice.page.get_by_role("dialog", name="Invite representative")
        dialog.get_by_role("combobox", name="Representative").select_option(label=bob.name)
        dialog.get_by_role("checkbox", name="Join hidden").set_checked(hidden)
        dialog.get_by_role("button", name="Invite").click()
        expect(dialog).to_have_count(0)

    invite_bob(hidden=False)
    bob_frame = console_frame(dialogs, server.url)
    del bob_frame[("link", "Admin")]  # Bob is no admin
    census.visit("console with an invitation", body(bob), bob_frame | {("button", "Join"): LATER,
                                                                         ("button", "Dismiss"): LATER})
    join_invitation(bob)
    expect(participant(alice, bob.name)).to_be_visible()

    def bob_rejoins(hidden: bool = False) -> None:
        invite_bob(hidden=hidden)
        join_invitation(bob)
        expect(bob.page.get_by_role("tab", name=re.compile(CUSTOMER))).to_be_visible()
        expect(participant(alice, bob.name).get_by_role("img", name="Hidden" if hidden else "Visible")).to_be_visible()

    invited = in_chat(bob, customer, alice, census, dialogs, upload, server.url, rejoin=bob_rejoins)
    del invited[("link", "Admin")]
    census.visit("console as an invited rep", body(bob), invited)

    # Hidden: Bob hides himself; what reaches the customer is off, with the reason.
    bob.page.locator("#toggle-hidden").click()
    expect(participant(alice, bob.name).get_by_role("img", name="Hidden")).to_be_visible()
    hidden = in_chat(bob, customer, alice, census, dialogs, upload, server.url,
                     rejoin=lambda: bob_rejoins(hidden=True), hidden=True)
    del hidden[("link", "Admin")]
    census.visit("console as a hidden rep", body(bob), hidden)

    # The customer's screen: asked, allowed, shared (the Viewer opens from the picture), stopped.
    alice.page.get_by_role("button", name="Request screen sharing").click()
    census.visit("customer asked for their screen", body(customer), customer_chat | customer_links | {
        ("button", "Allow"): LATER,
        ("button", "Deny"): lambda button: (button.click(), expect(button).to_be_hidden(),
                                            alice.page.get_by_role("button", name="Request screen sharing").click()),
    })
    customer.page.get_by_role("button", name="Allow").click()
    thumbnail = alice.page.get_by_role("img", name="Customer screen")
    expect(thumbnail).to_be_visible(timeout=15_000)
    with alice.page.expect_popup() as popup:
        thumbnail.dblclick()
    expect(popup.value).to_have_title(f"Viewer — {CUSTOMER}")
    census.audit_state(popup.value, "the Viewer")  # a window of its own, with no control: audited, nothing to press
    popup.value.close()
    census.visit("customer sharing their screen", body(customer), customer_chat | customer_links | {
        ("button", "Stop sharing"): LATER,
    })
    customer.page.get_by_role("button", name="Stop sharing").click()
    expect(thumbnail).to_be_hidden()

    # The end: the holder ends it; both sides after the end.
    alice.page.get_by_role("button", name="End session").click()
    dialog = alice.page.get_by_role("dialog", name="End session")
    dialog.get_by_role("radio", name="Resolved", exact=True).check()
    dialog.get_by_role("button", name="End session").click()
    expect(alice.page.get_by_text("This session has ended: Resolved.")).to_be_visible()
    off_after_end = {key: LATER for key in [
        ("button", "Request screen sharing"), ("button", "Send file"), ("button", "End session"),
        ("button", "Send"), ("button", "Send URL"), ("combobox", "To"), ("button", "Hide me from customer"),
        ("button", "Add note")]}
    after_end = console_frame(dialogs, server.url) | file_links() | off_after_end | {
        ("tab", re.compile(CUSTOMER)): LATER,
        ("link", pushed): opens_pushed_page,
        ("button", "Export chat log"): dialogs.button("Export chat log", export_dialog),
        ("button", "Hide side panel"): toggles_back("Show side panel"),
        ("button", "Session tools"): census.menu("Alice's console, after the end", {
            "Export chat log": dialogs.item(alice.page, "Export chat log", export_dialog),
            **{name: _never for name in ("Request screen sharing", "Push URL", "Send file", "Invite representative",
                                          "Transfer session", "Hide me from customer", "Leave session",
                                          "End session")}}),
        ("button", "Scripted messages"): dialogs.button("Scripted messages",
                                                        scripts_dialog(census, "Scripted messages")),
        ("button", "Scripted URLs"): dialogs.button("Scripted URLs", scripts_dialog(census, "Scripted URLs")),
        ("button", "Spell check"): pressed_twice,
        ("button", "Smaller text"): font_step("Larger text"),
        ("button", "Larger text"): font_step("Smaller text"),
        ("button", "Close this session"): LATER,
    }
    census.visit("console after the end", body(alice), after_end)

    def transcript(button: Locator) -> None:
        downloads(button)

    def send_feedback(button: Locator) -> None:
        customer.page.get_by_role("radio", name="Satisfied", exact=True).check()
        customer.page.get_by_role("textbox", name="Comment").fill("Every control worked")
        button.click()
        expect(customer.page.get_by_role("status").filter(has_text="Your answer: Satisfied.")).to_be_visible()
        expect(detail(alice, "Satisfaction")).to_have_text("Satisfied (4 of 5)")

    census.visit("customer after the end", body(customer), customer_links | {
        ("button", "Send"): LATER, ("button", "Send file"): LATER,
        ("button", "Download transcript"): transcript,
        ("button", "Start over"): LATER,
        **{("radio", name): radio_picked for name in ("Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied",
                                                       "Very satisfied")},
        ("button", "Send feedback"): send_feedback,
    })
    customer.page.get_by_role("button", name="Start over").click()
    expect(customer.name_box).to_be_visible()

    alice.page.get_by_role("button", name="Close this session").click()
    expect(alice.page.get_by_role("tab")).to_have_count(0)
    census.visit("console, all sessions closed", body(alice), console_frame(dialogs, server.url))
    alice.page.get_by_role("button", name="Sign out").click()
    expect(alice.sign_in_button).to_be_visible()
    census.assert_complete()


def _never(activate: Callable[[], None]) -> None:
    raise AssertionError("this item is off after the end: the census checks its reason instead")


# --- the admin page, history and a read-only log ---------------------------------------------------------


def a_session_over_the_socket(server, rep: str, customer_name: str, end: bool) -> None:
    """Make a session the way a browser would, with plain websocket clients: asked, accepted, maybe ended."""
    from tests.chatters import accept, ask, new_id, rep_hello
    from tests.wsclient import Client, sign_in

    customer, holder = Client(server, "customer"), Client(server, "rep", cookie=sign_in(server, rep))
    try:
        rep_hello(holder)
        session_id, _token = ask(customer, name=customer_name)
        accept(holder, session_id)
        if end:
            frame_id = new_id()
            holder.send(type="end", id=frame_id, session=session_id, outcome="resolved")
            holder.expect("ack", id=frame_id)
    finally:
        customer.close()
        holder.close()


def submits(fields: dict[str, str], flash: str) -> Action:
    """A form's submit button: fill its fields (by label), press it, and read the page's answer."""

    def act(button: Locator) -> None:
        form = button.locator("xpath=ancestor::form[1]")
        for label, value in fields.items():
            form.get_by_label(label, exact=True).fill(value)
        button.click()
        expect(button.page.get_by_role("status").filter(has_text=flash)).to_be_visible()

    return act


def navigates(path: str, back: str) -> Action:
    def act(link: Locator) -> None:
        page = link.page
        link.click()
        expect(page).to_have_url(re.compile(re.escape(path) + r"(\?.*)?$"))
        page.goto(back)

    return act


def test_every_control_of_the_admin_page_history_and_a_log(actors: Actors, census: Census):
    server = actors.server
    root = actors.rep("root", "Root Admin", admin=True)
    server.add_rep("carl", "Carl Rep")
    a_session_over_the_socket(server, "carl", "Dora Done", end=True)
    a_session_over_the_socket(server, "carl", "Ann Active", end=False)
    page = root.page
    root.goto()
    root.sign_in(root.username, root.password)
    expect(page.get_by_test_id("app-status")).to_have_text("Connected", timeout=30_000)
    admin, history = server.url + "/rep/admin", server.url + "/rep/history"
    page.goto(admin)

    def frame(back: str) -> Actions:
        return {
            ("link", "Console"): navigates("/rep", back),
            ("link", "History"): navigates("/rep/history", back),
            ("link", "Reports"): navigates("/rep/reports", back),
            ("link", "Admin"): navigates("/rep/admin", back),
            ("link", "Change password"): navigates("/rep/password", back),
        }

    def monitor(button: Locator) -> None:
        button.click()
        expect(page).to_have_url(re.compile(r"/rep$"))
        expect(page.get_by_role("tab", name=re.compile("Ann Active"))).to_be_visible(timeout=30_000)
        page.goto(admin)

    def removes(button: Locator) -> None:
        button.click()
        expect(page.get_by_role("status").filter(has_text="Removed the script")).to_be_visible()

    def refused(text: str) -> Action:
        def act(button: Locator) -> None:
            button.click()
            expect(page.get_by_role("alert").filter(has_text=text)).to_be_visible()

        return act

    def resets(button: Locator) -> None:
        form = button.locator("xpath=ancestor::form[1]")
        form.get_by_label(re.compile("^New password for ")).fill("a new long password")
        button.click()
        expect(page.get_by_role("status").filter(has_text="Reset the password of")).to_be_visible()

    def survey_off_and_on(path: str) -> Action:
        def act(button: Locator) -> None:
            submits({}, f"Turned off the feedback survey on {path}.")(button)
            submits({}, f"Turned on the feedback survey on {path}.")(
                page.get_by_role("button", name=f"Turn on the survey on {path}", exact=True))

        return act

    others = "(Carl Rep|Erin New)"
    census.visit("admin page", page.locator("body"), frame(admin) | {
        ("button", "Remove Root Admin as admin"): refused("at least one admin"),
        ("button", re.compile(f"^Disable {others}$")): submits({}, "Disabled "),
        ("button", re.compile(f"^Enable {others}$")): submits({}, "Enabled "),
        ("button", re.compile(f"^Make {others} an admin$")): submits({}, "is now an admin."),
        ("button", re.compile(f"^Remove {others} as admin$")): submits({}, "is no longer an admin."),
        ("button", re.compile("^Reset password of ")): resets,
        ("checkbox", "Assign new customers automatically"): checkbox_both_ways,
        ("button", "Save webhook"): submits({"Webhook URL": "https://example.com/hook"}, "Saved the webhook URL."),
        ("button", "Make a new secret"): submits({}, "Made a new webhook secret"),
        ("link", "/"): navigates("/", admin),
        ("checkbox", "Admin"): checkbox_both_ways,
        ("button", "Add representative"): submits({"Username": "erin", "Display name": "Erin New",
                                                   "Password": "a long password"}, "Added Erin New (erin)."),
        ("button", "Add portal"): submits({"Path": "/billing", "Name": "Billing"}, "Added the portal /billing."),
        ("link", "/billing"): navigates("/billing", admin),
        ("button", "Disable /billing"): submits({}, "Disabled the portal /billing."),
        ("button", "Enable /billing"): submits({}, "Enabled the portal /billing."),
        ("combobox", "Kind"): select_and_back("URL"),
        ("combobox", "Language"): select_and_back("Français"),
        ("combobox", "Language of /"): select_and_back("Français"),
        ("button", "Save the language of /"): submits({}, "Saved the language of the portal /."),
        ("combobox", "Language of /billing"): select_and_back("English"),
        ("button", "Save the language of /billing"): submits({}, "Saved the language of the portal /billing."),
        ("button", "Add to library"): submits({"Title": "Census greeting", "Text or URL": "Hello {customer}"},
                                              "to the team's library."),
        ("button", "Remove Census greeting"): removes,
        ("button", "Monitor Ann Active"): monitor,
        ("checkbox", "Invited representatives join hidden by default"): checkbox_both_ways,
        ("checkbox", "Representatives see what the customer is typing before it is sent"): checkbox_both_ways,
        ("button", "Save team settings"): submits({}, "Saved the team settings."),
        ("button", "Turn off the survey on /"): survey_off_and_on("/"),
        ("button", "Turn off the survey on /billing"): survey_off_and_on("/billing"),
    }, optional=(("link", "/billing"), ("button", "Disable /billing"), ("button", "Enable /billing"),
                 ("combobox", "Language of /billing"), ("button", "Save the language of /billing"),
                 ("button", "Remove Census greeting"), ("button", "Turn off the survey on /billing"),
                 ("button", re.compile(f"^Enable {others}$")), ("button", re.compile(f"^Remove {others} as admin$"))))

    password = server.url + "/rep/password"
    page.goto(password)
    census.visit("password page", page.locator("body"), frame(password) | {
        ("button", "Change password"): submits({"Current password": root.password, "New password": "a new long one",
                                                "New password again": "a new long one"}, "Changed your password."),
    })

    page.goto(history)

    def search(button: Locator) -> None:
        page.get_by_label("Customer name, session ID or words in the log").fill("Dora")
        button.click()
        expect(page.get_by_role("table", name="Sessions found")).to_contain_text("Dora Done")

    def open_log(link: Locator) -> None:
        link.click()
        expect(page.get_by_text("Dora Done").first).to_be_visible()
        census.visit("read-only log", page.locator("body"), {})
        page.go_back()

    census.visit("history", page.locator("body"), frame(history) | {
        ("button", "Search"): search,
        ("link", "Open log"): open_log,
    }, optional=(("link", "Open log"),))

    reports = server.url + "/rep/reports"
    page.goto(reports)

    def show_report(button: Locator) -> None:
        page.get_by_role("combobox", name="Representative").select_option(label="Carl Rep")
        button.click()
        expect(page).to_have_url(re.compile(r"/rep/reports\?.*rep=\d+"))
        expect(page.get_by_role("table", name="Per representative")).to_contain_text("Carl Rep")
        expect(page.get_by_test_id("started")).to_have_text("2")
        page.goto(reports)

    census.visit("reports", page.locator("body"), frame(reports) | {
        ("combobox", "Portal"): select_and_back("Support (/)"),
        ("combobox", "Representative"): select_and_back("Carl Rep"),
        ("button", "Show report"): show_report,
        ("link", "Download CSV"): downloads,
    })

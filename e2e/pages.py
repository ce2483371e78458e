"""Page objects: the customer window and the rep console, as a person sees them.

Locators follow the names in ``shared/design/ui-contract.md`` (roles and
accessible names); the chat log's entries are read through the attributes the
contract gives them (``data-kind``, ``data-state``, ``.who``, ``time``, ``.text``).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Literal

from playwright.sync_api import Locator, Page, expect

CONNECTED = "Connected"
RECONNECTING = "Reconnecting…"
# Pyodide boots in ~3-5 s cold in a fresh context; a reconnect backs off up to 5 s.
BOOT_TIMEOUT = 30_000
SHORT_TIME = re.compile(r"^\d{2}:\d{2}$")


class ChatBox:
    """The chat box both apps share: the log, the Message field and Send."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.watch = None  # the conftest's PageWatch, when the page was made there
        self.status = page.get_by_test_id("app-status")
        self.log = page.get_by_role("log", name="Chat log")
        self.message_box = page.get_by_role("textbox", name="Message")
        self.send_button = page.get_by_role("button", name="Send", exact=True)

    # --- connection ---------------------------------------------------------

    def expect_connected(self, timeout: float = BOOT_TIMEOUT) -> None:
        expect(self.status).to_have_text(CONNECTED, timeout=timeout)

    def expect_reconnecting(self, timeout: float = 15_000) -> None:
        expect(self.status).to_have_text(RECONNECTING, timeout=timeout)

    # --- sending --------------------------------------------------------------

    def send(self, text: str, via: Literal["button", "enter"] = "button", delivered: bool = True) -> None:
        """Type ``text`` in Message and send it with the Send button or the Enter key.

        With ``delivered`` (the default), wait until the server has acknowledged
        it (``data-state="sent"``), as a person sees their message go through
        before the other side answers; otherwise just until the draft is cleared.
        """
        self.message_box.fill(text)
        if via == "enter":
            self.message_box.press("Enter")
        else:
            self.send_button.click()
        expect(self.message_box).to_have_value("")
        if delivered:
            expect(self.message(text)).to_have_attribute("data-state", "sent")

    # --- reading the log ------------------------------------------------------

    @property
    def messages(self) -> Locator:
        return self.log.locator('li[data-kind="message"]')

    def message(self, text: str) -> Locator:
        """The message entries whose text is exactly ``text`` (expected: one)."""
        exactly = re.compile("^" + re.escape(text) + "$")
        return self.messages.filter(has=self.page.locator(".text", has_text=exactly))

    def expect_chat_visible(self) -> None:
        expect(self.log).to_be_visible()
        expect(self.message_box).to_be_visible()
        expect(self.send_button).to_be_visible()

    def expect_message(self, text: str, sender: str, state: str = "sent") -> Locator:
        """Expect exactly one message ``text`` from ``sender``, with a time, in ``state``."""
        entry = self.message(text)
        expect(entry).to_have_count(1)
        expect(entry.locator(".who")).to_have_text(sender)
        expect(entry.locator(".text")).to_have_text(text)
        expect(entry).to_have_attribute("data-state", state)
        if state == "sent":
            expect(entry.locator("time")).to_have_text(SHORT_TIME)
        return entry

    def expect_messages_in_order(self, texts: list[str]) -> None:
        """Expect the log's messages to be exactly ``texts``, each once, in this order."""
        expect(self.messages.locator(".text")).to_have_text(texts)


class CustomerPage(ChatBox):
    """The customer portal at ``/``: ask for help, wait in the queue, chat."""

    def __init__(self, page: Page, base_url: str) -> None:
        super().__init__(page)
        self.base_url = base_url
        self.name_box = page.get_by_role("textbox", name="Your name")
        self.issue_box = page.get_by_role("textbox", name="Describe your issue")
        self.get_help_button = page.get_by_role("button", name="Get help")
        self.details = page.locator("#ask-details")
        self.position = page.locator("#position-text")

    def goto(self) -> CustomerPage:
        """Navigate without waiting for Python to boot (so several pages can boot at once)."""
        self.page.goto(self.base_url + "/")
        return self

    def open(self) -> CustomerPage:
        self.goto()
        self.expect_connected()
        return self

    def ask_for_help(self, name: str, issue: str) -> None:
        self.name_box.fill(name)
        self.issue_box.fill(issue)
        self.get_help_button.click()

    def expect_waiting_first_in_line(self) -> None:
        expect(self.page.get_by_text("You are next.")).to_be_visible()

    def expect_in_chat(self) -> None:
        """The waiting card is gone and the chat box is what the customer sees."""
        expect(self.page.locator("#waiting")).to_be_hidden()
        expect(self.name_box).to_be_hidden()
        self.expect_chat_visible()

    def reload(self) -> None:
        self.page.reload()
        self.expect_connected()


class RepConsole(ChatBox):
    """The rep console at ``/rep``: sign in, the queue, the chat box."""

    def __init__(self, page: Page, base_url: str, username: str = "", name: str = "", password: str = "") -> None:
        super().__init__(page)
        self.base_url = base_url
        self.username, self.name, self.password = username, name, password
        self.username_box = page.get_by_role("textbox", name="Username")
        self.password_box = page.get_by_label("Password")
        self.sign_in_button = page.get_by_role("button", name="Sign in")
        self.queue = page.get_by_role("region", name="Queue")

    def goto(self) -> RepConsole:
        self.page.goto(self.base_url + "/rep")
        return self

    def sign_in(self, username: str, password: str) -> None:
        """Submit the sign-in form (without waiting for the console to boot)."""
        self.username_box.fill(username)
        self.password_box.fill(password)
        self.sign_in_button.click()

    def open(self) -> RepConsole:
        """Sign in with this rep's own credentials and wait for the console to connect."""
        self.goto()
        self.sign_in(self.username, self.password)
        self.expect_connected()
        return self

    def expect_sign_in_error(self, text: str) -> None:
        expect(self.page.get_by_role("alert")).to_have_text(text)
        expect(self.sign_in_button).to_be_visible()
        expect(self.status).to_have_count(0)

    def waiting(self, customer: str) -> Locator:
        """The queue's list items for ``customer``."""
        return self.queue.get_by_role("listitem").filter(has_text=customer)

    def accept(self, customer: str) -> None:
        item = self.waiting(customer)
        expect(item).to_have_count(1)
        item.get_by_role("button", name="Accept").click()

    def reload(self) -> None:
        self.page.reload()
        self.expect_connected()


# --- sessions: keys, details, the end, exports ---------------------------------------


def generate_key(rep: RepConsole) -> str:
    """Click Generate session key and return the 9 digits shown to read out."""
    rep.page.get_by_role("button", name="Generate session key").click()
    key = rep.page.get_by_test_id("session-key")
    expect(key).to_have_text(re.compile(r"^\d{9}$"))
    return key.inner_text()


def ask_with_key(customer: CustomerPage, name: str, issue: str, key: str) -> None:
    customer.name_box.fill(name)
    customer.issue_box.fill(issue)
    customer.page.get_by_role("textbox", name="Session key").fill(key)
    customer.get_help_button.click()


def detail(rep: RepConsole, label: str) -> Locator:
    """The value of one row of the Details region."""
    region = rep.page.get_by_role("region", name="Details")
    return region.locator("dt", has_text=re.compile(f"^{re.escape(label)}$")).locator("xpath=following-sibling::dd[1]")


def end_session(rep: RepConsole, outcome: str) -> None:
    """End the session in front through the Session tools menu."""
    rep.page.get_by_role("button", name="Session tools").click()
    rep.page.get_by_role("menuitem", name="End session").click()
    dialog = rep.page.get_by_role("dialog", name="End session")
    dialog.get_by_role("radio", name=outcome, exact=True).check()
    dialog.get_by_role("button", name="End session").click()
    expect(dialog).to_have_count(0)


def export_log(rep: RepConsole, include_private: bool = False, format: str = "Text") -> tuple[str, str]:
    """Download the chat log through the Export chat log dialog; return (file name, text)."""
    rep.page.get_by_role("button", name="Export chat log").click()
    dialog = rep.page.get_by_role("dialog", name="Export chat log")
    dialog.get_by_role("radio", name=format, exact=True).check()
    dialog.get_by_role("checkbox", name="Include private messages and notes").set_checked(include_private)
    with rep.page.expect_download() as download:
        dialog.get_by_role("button", name="Download").click()
    return download.value.suggested_filename, Path(download.value.path()).read_text(encoding="utf-8")


def download_transcript(customer: CustomerPage) -> tuple[str, str]:
    with customer.page.expect_download() as download:
        customer.page.get_by_role("button", name="Download transcript").click()
    return download.value.suggested_filename, Path(download.value.path()).read_text(encoding="utf-8")


# --- reps together ---------------------------------------------------------------------


def session_tool(rep: RepConsole, item: str) -> None:
    rep.page.get_by_role("button", name="Session tools").click()
    rep.page.get_by_role("menuitem", name=item).click()


def invite(rep: RepConsole, other: str, hidden: bool) -> None:
    session_tool(rep, "Invite representative")
    dialog = rep.page.get_by_role("dialog", name="Invite representative")
    dialog.get_by_role("combobox", name="Representative").select_option(label=other)
    dialog.get_by_role("checkbox", name="Join hidden").set_checked(hidden)
    dialog.get_by_role("button", name="Invite").click()
    expect(dialog).to_have_count(0)


def invitation(rep: RepConsole) -> Locator:
    """The box inviting ``rep`` to join a session (announced through the page's live region)."""
    return rep.page.get_by_role("group", name=re.compile("invites you"))


def join_invitation(rep: RepConsole) -> None:
    invitation(rep).get_by_role("button", name="Join").click()


def send_to(rep: RepConsole, recipient: str, text: str) -> None:
    rep.page.get_by_role("combobox", name="To").select_option(label=recipient)
    rep.send(text, via="enter", delivered=recipient == "Everyone")


def transfer(rep: RepConsole, other: str, comment: str) -> None:
    session_tool(rep, "Transfer session")
    dialog = rep.page.get_by_role("dialog", name="Transfer session")
    dialog.get_by_role("combobox", name="Representative").select_option(label=other)
    dialog.get_by_role("textbox", name="Comment").fill(comment)
    dialog.get_by_role("button", name="Transfer").click()
    expect(dialog).to_have_count(0)


def participant(rep: RepConsole, name: str) -> Locator:
    return rep.page.get_by_role("region", name="Participants").get_by_role("listitem").filter(has_text=name)


# --- rep tools -----------------------------------------------------------------------


def add_my_script(rep: RepConsole, kind_button: str, title: str, body: str) -> Locator:
    """Open a script picker, save a script of one's own in it, and return the picker's listbox."""
    rep.page.get_by_role("button", name=kind_button).click()
    dialog = rep.page.get_by_role("dialog", name=kind_button)
    dialog.get_by_text("Add one of my own").click()
    dialog.get_by_role("textbox", name="Title").fill(title)
    dialog.get_by_role("textbox", name="Text or URL").fill(body)
    dialog.get_by_role("button", name="Save to my scripts").click()
    listbox = dialog.get_by_role("listbox", name=kind_button)
    expect(listbox.get_by_role("option", name=f"{title} (mine)")).to_be_visible()
    return listbox


def wait_until(page: Page, expression: str, timeout_s: float = 10) -> None:
    """Wait until a JavaScript expression is true in ``page``.

    ``page.wait_for_function`` would evaluate the expression as a string inside
    the page, which our Content-Security-Policy forbids; ``page.evaluate`` goes
    through the DevTools protocol, which the policy does not govern.
    """
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s} s: {expression}")
        page.wait_for_timeout(100)


def misspelled_word(rep: RepConsole, word: str) -> Locator:
    return rep.page.get_by_role("group", name="Misspelled words").get_by_role("button", name=word, exact=True)


def set_preferences(rep: RepConsole, **fields: str) -> Locator:
    """Fill the Chat preferences dialog (label → value) and press Save; return the dialog."""
    rep.page.get_by_role("button", name="Chat preferences").click()
    dialog = rep.page.get_by_role("dialog", name="Chat preferences")
    for label, value in fields.items():
        control = dialog.get_by_label(label, exact=True)
        if control.evaluate("node => node.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    dialog.get_by_role("button", name="Save").click()
    return dialog

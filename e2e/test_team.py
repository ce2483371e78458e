"""Reps together, in three browsers: invite, private messages, a hidden rep, a transfer."""

import re

from playwright.sync_api import expect

from e2e.conftest import CUSTOMER_NAME, Actors
from e2e.pages import (
    CustomerPage,
    RepConsole,
    invite,
    join_invitation,
    participant,
    send_to,
    transfer,
)


def test_a_hidden_invited_rep_reads_everything_while_the_customer_never_sees_them(
    chatting: tuple[CustomerPage, RepConsole], actors: Actors
):
    customer, alice = chatting
    bob = actors.rep("bob", "Bob").open()
    customer.send("Before anyone else arrives", via="enter")

    invite(alice, "Bob", hidden=True)
    join_invitation(bob)

    expect(bob.page.get_by_role("tab", name=CUSTOMER_NAME)).to_be_visible()
    bob.expect_message("Before anyone else arrives", sender=CUSTOMER_NAME)  # the whole history
    expect(participant(alice, "Bob").get_by_role("img", name="Hidden")).to_be_visible()
    expect(participant(bob, "Alice").get_by_role("img", name="Visible")).to_be_visible()
    expect(bob.page.get_by_role("combobox", name="To").locator("option")).to_have_text(
        ["All representatives", "Alice"])

    send_to(alice, "Bob", "Psst, Bob: check the toner")
    private = bob.log.locator('li[data-kind="private"]')
    expect(private).to_contain_text("Psst, Bob: check the toner")
    expect(private).to_contain_text("to Bob")
    send_to(alice, "Everyone", "Let us try something")
    customer.expect_message("Let us try something", sender="Alice")

    expect(customer.log).not_to_contain_text("Bob")
    expect(customer.log).not_to_contain_text("Psst")

    bob.page.get_by_role("button", name="Show me to customer").click()
    expect(customer.log).to_contain_text("Bob joined the chat")
    expect(participant(alice, "Bob").get_by_role("img", name="Visible")).to_be_visible()
    expect(customer.log).not_to_contain_text("Psst")


def test_a_transfer_opens_the_session_on_the_other_reps_console_by_itself(
    chatting: tuple[CustomerPage, RepConsole], actors: Actors
):
    customer, alice = chatting
    bob = actors.rep("bob", "Bob").open()

    transfer(alice, "Bob", "Needs a new toner cartridge")

    expect(bob.page.get_by_role("tab", name=CUSTOMER_NAME)).to_be_visible()
    expect(bob.log).to_contain_text(re.compile("transferred the session to Bob: Needs a new toner cartridge"))
    expect(alice.log).to_contain_text("transferred the session to Bob")
    bob.send("Hi, Bob here", via="enter")
    customer.expect_message("Hi, Bob here", sender="Bob")
    expect(customer.log).not_to_contain_text("toner")

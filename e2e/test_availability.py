"""Availability and routing, and team management, in real browsers: My status, new customers routed by
themselves to the available rep, and a signed-in rep disabled from the admin page."""

import re

from playwright.sync_api import Page, expect

from e2e.conftest import Actors
from e2e.pages import RepConsole, session_tool
from relaydesk.routing import NOBODY_AVAILABLE


def admin_page(rep: RepConsole) -> Page:
    """Open the admin page beside the rep's console, in the same browser (the console's Admin link does so)."""
    with rep.page.context.expect_page() as opened:
        rep.page.get_by_role("link", name="Admin").click()
    page = opened.value
    expect(page.get_by_role("heading", name="Representatives")).to_be_visible()
    return page


def team_member(rep: RepConsole, name: str):
    return rep.queue.get_by_role("list", name="Representatives").get_by_role("listitem").filter(has_text=name)


def test_new_customers_go_to_the_available_rep_by_themselves_never_to_one_who_is_away(actors: Actors):
    alice, bob = actors.rep("alice", "Alice", admin=True), actors.rep("bob", "Bob")
    alice.open()  # one console after the other: two booting at once strain a loaded machine
    bob.open()
    expect(team_member(alice, "Bob")).to_have_text("Bob — Available")

    bob.page.get_by_role("combobox", name="My status").select_option(label="Away")
    expect(team_member(alice, "Bob")).to_have_text("Bob — Away")  # live, in the other console
    expect(team_member(bob, "Bob")).to_have_text("Bob — Away")

    admin = admin_page(alice)
    admin.get_by_role("checkbox", name="Assign new customers automatically").check()
    admin.get_by_role("button", name="Save team settings").click()
    expect(admin.get_by_role("status").filter(has_text="Saved the team settings.")).to_be_visible()
    admin.close()

    first = actors.customer().open()
    first.ask_for_help("Carol Routed", "The screen flickers")
    expect(alice.page.get_by_role("tab", name=re.compile("Carol Routed"))).to_be_visible()  # no Accept pressed
    alice.expect_chat_visible()
    first.expect_in_chat()
    expect(bob.page.get_by_role("tab", name=re.compile("Carol Routed"))).to_have_count(0)
    expect(bob.waiting("Carol Routed")).to_have_count(0)

    session_tool(alice, "Invite representative")  # the lists show each rep's status too
    dialog = alice.page.get_by_role("dialog", name="Invite representative")
    expect(dialog.get_by_role("combobox", name="Representative").get_by_role("option", name="Bob (away)")) \
        .to_have_count(1)
    dialog.get_by_role("button", name="Cancel").click()

    alice.page.get_by_role("combobox", name="My status").select_option(label="Away")
    expect(team_member(bob, "Alice")).to_have_text("Alice — Away")
    second = actors.customer().open()
    second.ask_for_help("Dan Waiting", "Nobody is here")
    expect(second.page.get_by_text(NOBODY_AVAILABLE)).to_be_visible()
    second.expect_waiting_first_in_line()
    expect(bob.waiting("Dan Waiting")).to_have_count(1)  # in the queue, as before

    bob.page.get_by_role("combobox", name="My status").select_option(label="Available")
    expect(bob.page.get_by_role("tab", name=re.compile("Dan Waiting"))).to_be_visible()  # handed out by itself
    second.expect_in_chat()
    expect(bob.waiting("Dan Waiting")).to_have_count(0)


def test_a_disabled_rep_is_signed_out_at_once_and_cannot_sign_in_again(actors: Actors):
    root, alice = actors.rep("root", "Root", admin=True), actors.rep("alice", "Alice")
    root.open()
    alice.open()
    expect(team_member(root, "Alice")).to_have_text("Alice — Available")

    admin = admin_page(root)
    admin.get_by_role("button", name="Disable Alice").click()
    expect(admin.get_by_role("status").filter(has_text="Disabled Alice (alice).")).to_be_visible()
    expect(admin.get_by_role("table", name="Audit log").get_by_role("row").nth(1)).to_contain_text(
        "Disabled the representative")

    expect(alice.sign_in_button).to_be_visible()  # the console reloaded as its socket was closed: signed out
    expect(team_member(root, "Alice")).to_have_count(0)
    alice.watch.allow_console_error(r"status of 403 .*/rep/sign-in")  # the refusal the rep reads
    alice.sign_in(alice.username, alice.password)
    alice.expect_sign_in_error("This account is disabled.")

    admin.get_by_role("button", name="Enable Alice").click()
    expect(admin.get_by_role("status").filter(has_text="Enabled Alice (alice).")).to_be_visible()
    alice.sign_in(alice.username, alice.password)
    alice.expect_connected()

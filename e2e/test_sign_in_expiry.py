"""A rep whose sign-in is gone while the console is open is sent back to the sign-in page."""

from playwright.sync_api import expect

from e2e.pages import CustomerPage, RepConsole
from tests.liveserver import LiveServer


def test_a_console_that_lost_its_sign_in_returns_to_the_sign_in_page(
    chatting: tuple[CustomerPage, RepConsole], live_server: LiveServer
):
    customer, rep = chatting
    rep.watch.allow_console_error(r"WebSocket connection to 'ws://127\.0\.0\.1:\d+/ws/rep(\?lang=\w+)?' failed")
    rep.watch.allow_console_error(r"status of 401 .*/rep/reps")  # the probe that finds the sign-in gone
    customer.watch.allow_console_error(
        r"WebSocket connection to 'ws://127\.0\.0\.1:\d+/ws/customer(\?lang=\w+)?' failed")
    rep.page.context.clear_cookies()
    live_server.kill()
    live_server.start()
    expect(rep.sign_in_button).to_be_visible(timeout=30_000)
    customer.expect_connected()


def test_disabling_a_rep_sends_their_open_console_to_the_sign_in_page(
    chatting: tuple[CustomerPage, RepConsole], live_server: LiveServer
):
    customer, rep = chatting
    live_server.command("rep", "disable", rep.username)
    expect(rep.sign_in_button).to_be_visible()
    rep.watch.allow_console_error(r"status of 403 .*/rep/sign-in")  # the refusal the rep reads
    rep.sign_in(rep.username, rep.password)
    expect(rep.page.get_by_text("This account is disabled.")).to_be_visible()


def test_signing_out_sends_the_rep_s_other_tabs_to_the_sign_in_page(rep: RepConsole):
    rep.goto()
    rep.sign_in(rep.username, rep.password)
    rep.expect_connected()
    other = rep.page.context.new_page()
    other.goto(rep.page.url)
    # Once it has booted: while the status changes from Loading… to Connected the header's items shift, and a
    # click in that moment can land beside the button.
    expect(other.get_by_test_id("app-status")).to_have_text("Connected")
    other.get_by_role("button", name="Sign out").click()
    expect(rep.sign_in_button).to_be_visible()
    other.close()

"""The rep console: signing in, the queue, accepting a customer."""

from playwright.sync_api import expect

from e2e.conftest import CUSTOMER_NAME, ISSUE
from e2e.pages import CustomerPage, RepConsole


def test_rep_with_a_wrong_password_is_told_so_and_stays_on_sign_in(rep: RepConsole):
    # The sign-in page answers a wrong password with HTTP 401, which Chromium
    # logs as a console error; tolerate exactly that one response.
    rep.watch.allow_console_error(
        r"^Failed to load resource: the server responded with a status of 401 \(UNAUTHORIZED\)"
        r" \(at http://127\.0\.0\.1:\d+/rep/sign-in\)$"
    )
    rep.goto()

    rep.sign_in(rep.username, "not the password")

    rep.expect_sign_in_error("Wrong username or password.")
    expect(rep.username_box).to_have_value(rep.username)


def test_after_a_few_wrong_passwords_the_sign_in_page_says_when_to_try_again(rep: RepConsole):
    # Chromium logs each 401 and 429 answer as a console error: tolerate exactly those.
    rep.watch.allow_console_error(
        r"^Failed to load resource: the server responded with a status of (401 \(UNAUTHORIZED\)|429 \(TOO MANY"
        r" REQUESTS\)) \(at http://127\.0\.0\.1:\d+/rep/sign-in\)$"
    )
    rep.goto()
    for _ in range(4):
        with rep.page.expect_navigation():  # each answer is a new page with the same words
            rep.sign_in(rep.username, "not the password")
        rep.expect_sign_in_error("Wrong username or password.")
    rep.sign_in(rep.username, "not the password")
    rep.expect_sign_in_error("Wrong username or password. Too many attempts: try again in 1 minute.")

    rep.sign_in(rep.username, rep.password)

    rep.expect_sign_in_error("Too many attempts: try again in 1 minute.")
    expect(rep.username_box).to_have_value(rep.username)


def test_rep_accepts_a_waiting_customer_and_both_windows_turn_into_the_chat(customer: CustomerPage, rep: RepConsole):
    customer.goto()
    rep.open()
    customer.expect_connected()
    customer.ask_for_help(CUSTOMER_NAME, ISSUE)
    customer.expect_waiting_first_in_line()
    waiting = rep.waiting(CUSTOMER_NAME)
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text(ISSUE)

    rep.accept(CUSTOMER_NAME)

    rep.expect_chat_visible()
    customer.expect_in_chat()
    expect(rep.waiting(CUSTOMER_NAME)).to_have_count(0)

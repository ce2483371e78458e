"""The rep console: signing in, the queue, accepting a customer."""

from playwright.sync_api import expect

from e2e.conftest import CUSTOMER_NAME, ISSUE
from e2e.pages import CustomerPage, RepConsole


def test_rep_with_a_wrong_password_is_told_so_and_stays_on_sign_in(rep: RepConsole):
    rep.goto()

    rep.sign_in(rep.username, "not the password")

    rep.expect_sign_in_error("Wrong username or password.")
    expect(rep.username_box).to_have_value(rep.username)


def test_rep_accepts_a_waiting_customer_and_both_windows_turn_into_the_chat(
    customer: CustomerPage, rep: RepConsole
):
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

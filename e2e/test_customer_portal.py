"""The customer portal: asking for help and waiting in the queue."""

from playwright.sync_api import expect

from e2e.conftest import CUSTOMER_NAME, ISSUE
from e2e.pages import CustomerPage


def test_portal_shows_the_detected_system_and_browser_before_the_customer_sends(customer: CustomerPage):
    customer.open()

    expect(customer.details).to_contain_text("Linux")
    expect(customer.details).to_contain_text("Chrom")
    expect(customer.get_help_button).to_be_visible()


def test_customer_who_asks_for_help_sees_they_wait_and_are_next_in_line(customer: CustomerPage):
    customer.open()

    customer.ask_for_help(CUSTOMER_NAME, ISSUE)

    customer.expect_waiting_first_in_line()
    expect(customer.name_box).to_be_hidden()


def test_a_customer_who_asks_before_python_has_started_reaches_the_queue_once_it_has(customer: CustomerPage, rep):
    rep.open()
    held = []  # Pyodide's wasm, kept back until the customer has asked: Python cannot start without it
    customer.page.route("**/pyodide.asm.wasm", lambda route: held.append(route))
    customer.goto()

    customer.ask_for_help(CUSTOMER_NAME, ISSUE)

    expect(customer.page.locator("#ask-progress")).to_have_text(
        "Starting… your request will be sent as soon as we're connected.")
    expect(customer.page.get_by_test_id("app-status")).to_have_text("Loading…")
    expect(customer.name_box).to_have_value(CUSTOMER_NAME)
    expect(customer.issue_box).to_have_value(ISSUE)
    while not held:
        customer.page.wait_for_timeout(50)
    for route in held:
        route.continue_()
    expect(rep.waiting(CUSTOMER_NAME)).to_have_count(1, timeout=30_000)
    customer.expect_waiting_first_in_line()
    expect(rep.waiting(CUSTOMER_NAME)).to_contain_text(ISSUE)


def test_asking_with_an_empty_name_before_python_has_started_says_what_is_missing(customer: CustomerPage):
    customer.page.route("**/pyodide.asm.wasm", lambda route: None)  # never answered: Python never starts
    customer.goto()

    customer.issue_box.fill(ISSUE)
    customer.get_help_button.click()

    expect(customer.page.get_by_role("alert")).to_have_text("Please enter your name and describe your issue.")
    expect(customer.name_box).to_be_focused()
    expect(customer.page.locator("#ask-progress")).to_have_text("")

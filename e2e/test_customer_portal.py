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

"""Chatting: messages reach both sides, as text, once, and survive a reload."""

from playwright.sync_api import expect

from e2e.conftest import CUSTOMER_NAME
from e2e.pages import CustomerPage, RepConsole

HOSTILE = "<img src=x onerror=alert(1)>"


def test_messages_sent_with_enter_and_with_send_appear_on_both_sides_with_sender_and_time(
    chatting: tuple[CustomerPage, RepConsole],
):
    customer, rep = chatting

    customer.send("Hello, my printer is offline", via="enter")
    rep.send("Hi Carol, let us have a look", via="button")

    for side in (customer, rep):
        side.expect_message("Hello, my printer is offline", sender=CUSTOMER_NAME)
        side.expect_message("Hi Carol, let us have a look", sender=rep.name)
    expect(customer.message("Hello, my printer is offline")).to_have_attribute("data-mine", "true")
    expect(rep.message("Hello, my printer is offline")).to_have_attribute("data-mine", "false")
    expect(rep.message("Hi Carol, let us have a look")).to_have_attribute("data-mine", "true")


def test_markup_in_a_message_shows_literally_as_text_on_both_sides(chatting: tuple[CustomerPage, RepConsole]):
    customer, rep = chatting

    customer.send(HOSTILE, via="enter")

    for side in (customer, rep):
        side.expect_message(HOSTILE, sender=CUSTOMER_NAME)
        assert HOSTILE in side.log.inner_text()
        expect(side.log.locator("img")).to_have_count(0)


def test_reloading_either_page_brings_back_the_whole_conversation_once(chatting: tuple[CustomerPage, RepConsole]):
    customer, rep = chatting
    customer.send("First from the customer", via="enter")
    rep.send("Reply from the rep", via="button")
    customer.send("Second from the customer", via="button")
    conversation = ["First from the customer", "Reply from the rep", "Second from the customer"]
    rep.expect_messages_in_order(conversation)
    customer.expect_messages_in_order(conversation)

    customer.reload()
    rep.reload()

    for side in (customer, rep):
        side.expect_chat_visible()
        for text in conversation:
            expect(side.message(text)).to_have_count(1)
        side.expect_messages_in_order(conversation)

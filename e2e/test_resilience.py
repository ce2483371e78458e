"""A server killed mid-conversation: both pages reconnect by themselves and nothing is lost or doubled."""

import re

from playwright.sync_api import ConsoleMessage

from e2e.conftest import CUSTOMER_NAME
from e2e.pages import CustomerPage, RepConsole
from tests.liveserver import LiveServer

OFFLINE = "Typed while the server was down"


def refused_reconnect(server: LiveServer) -> str:
    """The console error Chromium logs for a reconnect attempt while our server is down."""
    return (
        rf"^WebSocket connection to '{re.escape(server.ws_url)}/ws/(customer|rep)(\?lang=\w+)?' failed: "
        r".*net::ERR_CONNECTION_REFUSED"
    )


def test_server_killed_mid_conversation_both_sides_reconnect_and_deliver_the_pending_message_once(
    chatting: tuple[CustomerPage, RepConsole], live_server: LiveServer
):
    customer, rep = chatting
    customer.send("Before the crash, from the customer", via="enter")
    rep.send("Before the crash, from the rep", via="button")
    before = ["Before the crash, from the customer", "Before the crash, from the rep"]
    customer.expect_messages_in_order(before)
    rep.expect_messages_in_order(before)
    # While the server is down the pages keep retrying, and Chromium logs each
    # refused attempt as a console error: expected here, and only here.
    refused = refused_reconnect(live_server)
    for side in (customer, rep):
        side.watch.allow_console_error(refused)

    def is_refused(message: ConsoleMessage) -> bool:
        return re.search(refused, message.text) is not None

    with (
        customer.page.expect_console_message(is_refused, timeout=20_000),
        rep.page.expect_console_message(is_refused, timeout=20_000),
    ):
        live_server.kill()

        customer.expect_reconnecting()
        rep.expect_reconnecting()
        customer.send(OFFLINE, via="enter", delivered=False)
        customer.expect_message(OFFLINE, sender=CUSTOMER_NAME, state="pending")
    # Both pages have now seen a reconnect attempt fail; the message is still pending.
    customer.expect_reconnecting()
    customer.expect_message(OFFLINE, sender=CUSTOMER_NAME, state="pending")

    live_server.start()

    customer.expect_connected()
    rep.expect_connected()
    for side in (customer, rep):
        side.expect_message(OFFLINE, sender=CUSTOMER_NAME)
        side.expect_messages_in_order([*before, OFFLINE])

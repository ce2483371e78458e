"""A server killed mid-conversation: both pages reconnect by themselves and nothing is lost or doubled."""

from e2e.conftest import CUSTOMER_NAME
from e2e.pages import CustomerPage, RepConsole
from tests.liveserver import LiveServer

OFFLINE = "Typed while the server was down"


def test_server_killed_mid_conversation_both_sides_reconnect_and_deliver_the_pending_message_once(
    chatting: tuple[CustomerPage, RepConsole], live_server: LiveServer
):
    customer, rep = chatting
    customer.send("Before the crash, from the customer", via="enter")
    rep.send("Before the crash, from the rep", via="button")
    before = ["Before the crash, from the customer", "Before the crash, from the rep"]
    customer.expect_messages_in_order(before)
    rep.expect_messages_in_order(before)

    live_server.kill()

    customer.expect_reconnecting()
    rep.expect_reconnecting()
    customer.send(OFFLINE, via="enter", delivered=False)
    customer.expect_message(OFFLINE, sender=CUSTOMER_NAME, state="pending")

    live_server.start()

    customer.expect_connected()
    rep.expect_connected()
    for side in (customer, rep):
        side.expect_message(OFFLINE, sender=CUSTOMER_NAME)
        side.expect_messages_in_order([*before, OFFLINE])

"""No permessage-deflate: a client that offers it (every browser does) gets plain frames both ways.

simple-websocket agrees to it whenever it is offered; the relay's own frames
go out uncompressed anyway, so all it bought was inflating each client frame
on the hub (~5 µs each) and a zlib window kept for each socket.
"""

from __future__ import annotations

from tests.chatters import new_id
from tests.liveserver import UNPACED
from tests.rawws import RawClient

CHROME_OFFERS = "permessage-deflate; client_max_window_bits"


def test_a_client_offering_permessage_deflate_is_answered_without_it_and_chats_in_plain_frames(start_server):
    server = start_server(**UNPACED)
    client = RawClient(server, "customer", extensions=CHROME_OFFERS)
    try:
        assert b"sec-websocket-extensions" not in client.head.lower(), client.head
        request_id = new_id()
        client.send(type="request", id=request_id, token=new_id() * 3, portal="/", name="Carol", issue="Printer",
                    details={})
        frames = client.frames()
        assert next(frame for frame in frames if frame["type"] == "ack")["id"] == request_id
    finally:
        client.close()

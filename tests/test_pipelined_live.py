"""A client's next frame is read while its message is on its way to disk; its answers still come in order.

Another process holds SQLite's write lock, so a customer's message cannot be
stored until it lets go.  Meanwhile the same socket's next frames are handled:
a refused one is answered at once, and further messages queue behind the
first.  Once the lock goes, every message is acked in the order sent, each
with the next sequence number, and the rep receives them in that order, once.
"""

from __future__ import annotations

from tests.chatters import new_id
from tests.liveserver import ALICE, UNPACED
from tests.test_locked_database_live import chatting, database_locked


def test_a_clients_next_frame_is_answered_while_its_message_waits_for_the_disk(start_server):
    server = start_server(ALICE, **UNPACED)
    customer, rep = chatting(server)
    ids = [new_id() for _ in range(5)]
    try:
        with database_locked(server):
            customer.send(type="say", id=ids[0], text="the first, waiting for the lock")
            customer.send(type="say", id="bad id!", text="refused whatever the disk does")
            # The refusal comes while the first message still waits: its handler did not wait for the disk.
            customer.ws.settimeout(30)
            before = [customer.recv()]
            while before[-1]["type"] != "error":
                before.append(customer.recv())
            assert (before[-1].get("id"), before[-1].get("code")) == ("bad id!", "bad-id"), before
            assert not [frame for frame in before if frame.get("id") == ids[0]], before
            for frame_id in ids[1:]:
                customer.send(type="say", id=frame_id, text=f"then {frame_id}")

        acks = [customer.expect("ack", timeout=30, id=frame_id) for frame_id in ids]
        seqs = [ack["seq"] for ack in acks]
        assert seqs == list(range(seqs[0], seqs[0] + len(ids))), seqs
        events = [rep.expect("event", timeout=10, id=frame_id) for frame_id in ids]
        assert [event["seq"] for event in events] == seqs
        customer.send(type="say", id=ids[0], text="sent again")  # a resend is acked with what was stored
        assert customer.expect("ack", timeout=10, id=ids[0])["seq"] == seqs[0]
    finally:
        customer.close()
        rep.close()

"""The database held locked by another program does not stop the server: it waits off the hub.

Another process (a backup, ``sqlite3`` at a prompt) takes SQLite's write lock
on the server's file and keeps it until told to let go.  Meanwhile a static
file is served at once, not after SQLite's busy wait, and a customer's chat
message is answered once the lock is gone: with its ack, or, if the wait ran
out first, with a ``storage`` error that names the message's id.
"""

from __future__ import annotations

import select
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from tests.chatters import accept, ask, new_id, rep_hello
from tests.liveserver import ALICE, UNPACED
from tests.wsclient import Client, sign_in

HOLDER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
"""


def chatting(server) -> tuple[Client, Client]:
    """Return a customer and Alice, in a session she accepted."""
    customer, rep = Client(server, "customer"), Client(server, "rep", cookie=sign_in(server, "alice"))
    rep_hello(rep)
    session_id, _token = ask(customer)
    accept(rep, session_id)
    customer.expect("event", kind="status", text="Alice joined the chat")
    return customer, rep


@contextmanager
def database_locked(server) -> Iterator[None]:
    """Hold the server's database locked from another process for as long as the block runs."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(server.data / "relaydesk.db")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.communicate("release\n", timeout=30)


def test_a_database_locked_by_another_process_stalls_neither_pages_nor_the_answer_to_a_message(start_server):
    server = start_server(ALICE, **UNPACED)
    customer, rep = chatting(server)
    try:
        with database_locked(server):
            frame_id = new_id()
            customer.send(type="say", id=frame_id, text="written while the database is locked")
            with urllib.request.urlopen(f"{server.url}/static/app.css", timeout=30) as response:
                assert response.status == 200 and response.read()
            # The page came while the message still waits for the lock: nothing has answered it yet.
            assert select.select([customer.ws.sock], [], [], 0)[0] == [], "the page waited for the database"

        answer = _answer(customer, frame_id)
        if answer["type"] == "error":
            assert answer["code"] == "storage", answer
        else:
            rep.expect("event", id=frame_id, timeout=10)
        customer.send(type="say", id=frame_id, text="sent again")  # the page resends until its ack comes
        assert _answer(customer, frame_id)["type"] == "ack"
    finally:
        customer.close()
        rep.close()


def _answer(client: Client, frame_id: str) -> dict:
    """Return the ack, or the error, that answers one frame; an error must name the frame it answers."""
    while True:
        client.ws.settimeout(30)
        frame = client.recv()
        if frame["type"] == "error":
            assert frame.get("id") == frame_id, f"an error that does not name its frame: {frame}"
            return frame
        if frame["type"] == "ack" and frame.get("id") == frame_id:
            return frame

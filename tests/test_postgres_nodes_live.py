"""Two nodes on one PostgreSQL database and one shared files folder: what one keeps, the other finds.

The fan-out of live events between nodes is the broker's (BROKER_URL): here each client reads what another node
stored by asking its own node, as a page reconnecting to another node behind the load balancer does.
"""

import json

import pytest

from tests.chatters import accept, ask, new_id, rep_hello
from tests.test_files_live import customer_cookie, http, upload
from tests.wsclient import Client, sign_in

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@pytest.fixture
def nodes(database_url, start_server, tmp_path):
    """Nodes A and B: one database (made before they start, dropped after they stop), one files folder."""
    shared = tmp_path / "shared-files"
    shared.mkdir(mode=0o700)
    a, b = (start_server(DATABASE_URL=database_url, FILES_DIR=str(shared)) for _ in range(2))
    a.add_rep("alice", "Alice")
    b.command("rep", "add", "bob", "--name", "Bob", password="correct horse")  # the command line, told DATABASE_URL
    clients = []
    yield a, b, clients
    for client in clients:
        client.close()


def test_a_rep_made_on_one_node_signs_in_on_the_other_and_a_sign_in_holds_on_both(nodes):
    a, b, clients = nodes
    for node, other in ((a, b), (b, a)):
        cookie = sign_in(node, "bob" if node is a else "alice")  # each rep was made through the other node
        rep = Client(other, "rep", cookie=cookie)  # the cookie one node signed, the other honours (SECRET_KEY)
        clients.append(rep)
        assert rep_hello(rep)["type"] == "welcome"


def test_a_conversation_kept_by_one_node_is_resumed_and_continued_on_the_other(nodes):
    a, b, clients = nodes
    customer, alice = Client(a, "customer"), Client(a, "rep", cookie=sign_in(a, "alice"))
    clients += [customer, alice]
    rep_hello(alice)
    session_id, token = ask(customer)
    accept(alice, session_id)
    customer.expect("event", kind="status", text="Alice joined the chat")
    customer.send(type="say", id="written-on-node-a", text="written on node A")
    customer.expect("ack", id="written-on-node-a")
    status, _, body = upload(a, session_id, "log.txt", b"kept where both nodes read", {"X-Relaydesk-Token": token})
    assert status == 201
    file_id = json.loads(body)["id"]

    # node A goes away: the customer's page reconnects to node B and catches up from the database
    a.kill()
    again = Client(b, "customer")
    clients.append(again)
    again.send(type="hello", token=token, since=0)
    again.expect("welcome")
    assert again.expect("event", id="written-on-node-a")["text"] == "written on node A"
    assert again.expect("event", id=f"file-{file_id}")["kind"] == "file"
    # the file reached node B's readers too: the customer's own copy, and Alice's, signed in on node B
    for cookie in (customer_cookie(b, token), sign_in(b, "alice")):
        assert http(b, "GET", f"/files/{file_id}", headers={"Cookie": cookie})[:3:2] == (200, b"kept where both "
                                                                                         b"nodes read")
    # Alice, now on node B, answers; the numbers go on from where node A left them
    alice_b = Client(b, "rep", cookie=sign_in(b, "alice"))
    clients.append(alice_b)
    rep_hello(alice_b)
    reply = new_id()
    alice_b.send(type="say", id=reply, session=session_id, text="answered on node B")
    alice_b.expect("ack", id=reply)
    event = again.expect("event", id=reply)
    assert event["text"] == "answered on node B" and event["seq"] > 2
    a.start()  # the fixture stops it again, and checks its log

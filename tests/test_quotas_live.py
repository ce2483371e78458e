"""Quotas per session through a live server: stored text and files.  A frame over a quota gets an ``error`` with
the code ``quota`` and its own id, changes nothing, and the connection stays up; an upload over one gets JSON the
page shows."""

from __future__ import annotations

import json

from tests.chatters import accept, ask, history, rep_hello
from tests.liveserver import ALICE
from tests.test_abuse_load_live import answers
from tests.test_files_live import customer_cookie, upload
from tests.wsclient import Client, sign_in


def in_chat(server) -> tuple[Client, Client, int, str]:
    customer, rep = Client(server, "customer"), Client(server, "rep", cookie=sign_in(server, "alice"))
    rep_hello(rep)
    session_id, token = ask(customer)
    accept(rep, session_id)
    return customer, rep, session_id, token


def test_a_session_keeps_only_so_much_text_and_says_so_on_the_frame_over_it(start_server):
    server = start_server(ALICE, SESSION_TEXT_CHARS=100)
    customer, rep, session_id, _ = in_chat(server)
    ids = ["customer-message-1", "customer-message-2"]
    for frame_id in ids:
        customer.send(type="say", id=frame_id, text="c" * 40)
    assert [found["type"] for found in answers(customer, ids).values()] == ["ack", "ack"]
    rep.send(type="note", id="rep-note-over-it", session=session_id, text="n" * 40)  # notes count too
    refused = answers(rep, ["rep-note-over-it"])["rep-note-over-it"]
    assert refused["type"] == "error" and refused["code"] == "quota" and "new session" in refused["message"]
    customer.send(type="say", id=ids[0], text="c" * 40)  # a resend of a stored one is answered as before
    assert answers(customer, [ids[0]])[ids[0]]["type"] == "ack"
    rep.send(type="say", id="rep-short-answer", session=session_id, to="all", text="r" * 20)  # room for this
    assert answers(rep, ["rep-short-answer"])["rep-short-answer"]["type"] == "ack"
    texts = [event["text"] for event in history(rep, session_id) if event["kind"] not in ("status", "note")]
    assert texts == ["c" * 40, "c" * 40, "r" * 20]  # nothing of the refused note, each message once
    customer.close()
    rep.close()


def test_a_session_keeps_only_so_many_files_and_so_many_bytes(start_server):
    server = start_server(ALICE, SESSION_FILES=2, SESSION_FILES_MB=0.01)  # 10 KB
    customer, rep, session_id, token = in_chat(server)
    cookie = {"Cookie": customer_cookie(server, token)}
    assert upload(server, session_id, "a.txt", b"a" * 4000, cookie)[0] == 201
    status, _, body = upload(server, session_id, "big.txt", b"b" * 8000, cookie)
    assert status == 413 and "as much in files" in json.loads(body)["error"]
    assert upload(server, session_id, "b.txt", b"b" * 4000, cookie)[0] == 201
    status, _, body = upload(server, session_id, "c.txt", b"c", cookie)
    assert status == 429 and "as many files" in json.loads(body)["error"]
    customer.close()
    rep.close()

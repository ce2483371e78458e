"""The customer's screen through a live server: asked, allowed, images checked, reps only."""

import io
import json
import random

from PIL import Image

from tests.chatters import new_id, rep_hello
from tests.rawws import RawClient
from tests.wsclient import sign_in

BOTH_BACKENDS = True  # each test on SQLite and on PostgreSQL (tests/conftest.py)


def webp(width=320, height=180) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 60)).save(buffer, "WEBP", quality=60)
    return buffer.getvalue()


def noise(marker: int) -> bytes:
    """A 1280×720 JPEG of about a megabyte (noise does not compress), told apart by ``marker``."""
    image = Image.frombytes("RGB", (1280, 720), random.Random(7).randbytes(1280 * 720 * 3))
    image.paste((marker % 256, 0, 0), (0, 0, 64, 64))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def share(customer, alice, session_id):
    alice.send(type="screen-request", id=new_id(), session=session_id)
    assert customer.expect("screen-asked")["by"] == "Alice"
    customer.send(type="screen", id="allow-it-1", state="allowed")
    customer.expect("ack", id="allow-it-1")


def test_a_shared_screen_reaches_the_reps_and_never_a_customer(chat):
    customer, alice, session_id, _ = chat
    share(customer, alice, session_id)
    assert alice.expect("event", kind="status", text="Carol is sharing their screen")
    picture = webp()
    customer.ws.send_binary(picture)
    image = alice.expect("screen-image")  # a binary frame: the header, then the very bytes the customer sent
    assert (image["session"], image["mime"], image["width"], image["height"]) == (session_id, "image/webp", 320, 180)
    assert image["data"] == picture and isinstance(alice.frames[-1], bytes)
    customer.send(type="say", id="after-image", text="done")
    customer.expect("ack", id="after-image")
    assert not any(isinstance(raw, bytes) or "screen-image" in raw for raw in customer.frames)


def test_images_before_sharing_is_allowed_are_refused(chat):
    customer, alice, session_id, _ = chat
    customer.ws.send_binary(webp())
    assert customer.expect("error")["code"] == "not-sharing"


def test_a_bad_image_gets_an_error_and_the_connection_stays_up(chat):
    customer, alice, session_id, _ = chat
    share(customer, alice, session_id)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64)).save(buffer, "PNG")
    customer.ws.send_binary(buffer.getvalue())
    assert customer.expect("error")["code"] == "bad-image"
    customer.ws.send_binary(webp())
    assert alice.expect("screen-image")


def test_the_viewer_asks_the_customer_for_larger_frames(chat):
    customer, alice, session_id, _ = chat
    share(customer, alice, session_id)
    alice.send(type="viewer", id="open-viewer", session=session_id, open=True)
    assert customer.expect("screen-mode", mode="viewer")["sharing"] is True
    alice.send(type="viewer", id="shut-viewer", session=session_id, open=False)
    assert customer.expect("screen-mode", mode="thumbnail")


def test_a_rep_opening_the_session_later_sees_the_latest_picture(chat, connect):
    customer, alice, session_id, _ = chat
    share(customer, alice, session_id)
    customer.ws.send_binary(webp(200, 100))
    alice.expect("screen-image")
    again = connect("rep", "alice")
    again.send(type="hello", since={})
    again.expect("welcome")
    assert again.expect("screen-image")["width"] == 200


def test_denied_and_stopped_are_noted(chat):
    customer, alice, session_id, _ = chat
    alice.send(type="screen-request", id=new_id(), session=session_id)
    customer.expect("screen-asked")
    customer.send(type="screen", id="deny-it-01", state="denied")
    assert alice.expect("event", kind="status", text="Carol declined to share their screen")
    share(customer, alice, session_id)
    customer.send(type="screen", id="stop-it-01", state="stopped")
    assert alice.expect("event", kind="status", text="Carol stopped sharing their screen")


def test_sharing_nobody_asked_for_is_refused(chat):
    customer, alice, session_id, _ = chat
    customer.send(type="screen", id="unasked-01", state="allowed")
    assert customer.expect("error", id="unasked-01")["code"] == "not-asked"
    customer.ws.send_binary(webp())
    assert customer.expect("error")["code"] == "not-sharing"
    customer.send(type="screen", id="unasked-02", state="denied")
    customer.expect("ack", id="unasked-02")
    share(customer, alice, session_id)
    customer.send(type="screen", id="again-allowed", state="allowed")  # already sharing: nothing new
    customer.expect("ack", id="again-allowed")
    customer.ws.send_binary(webp())
    assert alice.expect("screen-image")
    texts = [frame["text"] for frame in map(json.loads, filter(lambda raw: isinstance(raw, str), alice.frames))
             if frame["type"] == "event"]
    assert texts.count("Carol is sharing their screen") == 1 and "Carol declined to share their screen" not in texts


def test_a_share_the_customer_allowed_goes_on_after_a_server_restart(chat, server, connect):
    customer, alice, session_id, token = chat
    share(customer, alice, session_id)
    server.kill()
    server.start()
    again, alice = connect("customer"), connect("rep", "alice")
    rep_hello(alice)
    again.send(type="hello", token=token, since=0)
    assert again.expect("welcome")["screen"]["sharing"] is False  # the page says it again, as customer.py does
    again.send(type="screen", id="still-sharing", state="allowed")
    again.expect("ack", id="still-sharing")
    again.ws.send_binary(webp())
    assert alice.expect("screen-image")["session"] == session_id
    again.send(type="screen", id="stopped-now", state="stopped")
    again.expect("ack", id="stopped-now")
    server.kill()
    server.start()
    after_stop = connect("customer")
    after_stop.send(type="hello", token=token, since=0)
    after_stop.expect("welcome")
    after_stop.send(type="screen", id="sneaky-one", state="allowed")
    assert after_stop.expect("error", id="sneaky-one")["code"] == "not-asked"


def test_a_rep_who_reads_slowly_gets_the_latest_pictures_not_a_backlog(chat, server):
    customer, alice, session_id, _ = chat
    share(customer, alice, session_id)
    slow = RawClient(server, "rep", cookie=sign_in(server, "alice"), receive_buffer=16384)
    slow.send(type="hello", since={})
    pictures = [noise(number) for number in range(30)]  # ~30 MB: far more than the kernel's buffers hold
    for picture in pictures:
        customer.ws.send_binary(picture)
    customer.send(type="say", id="after-pictures", text="Can you see it now?")
    customer.expect("ack", id="after-pictures")
    images = []
    for frame in slow.frames():  # only now does the slow rep read
        if frame["type"] == "screen-image":
            images.append(frame["data"])
        elif frame["type"] == "event" and frame["id"] == "after-pictures":
            break
    assert images[-1] == pictures[-1]  # the latest always arrives
    assert len(images) < len(pictures) // 2, len(images)  # those that waited behind it were replaced
    slow.close()

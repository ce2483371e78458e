import json

import pytest

from relaydesk import protocol
from relaydesk.protocol import ProtocolError, decode

TOKEN = "t" * 43


def frame(**fields) -> str:
    return json.dumps(fields)


def test_decode_accepts_a_rep_message_and_strips_it():
    message = decode(frame(type="say", id="abcdefgh", session=3, text="  hi  "), "rep")
    assert message == {"type": "say", "id": "abcdefgh", "session": 3, "text": "hi", "to": None}


def test_encode_round_trips_through_json():
    assert json.loads(protocol.encode("ack", id="abcdefgh", seq=4)) == {"type": "ack", "id": "abcdefgh", "seq": 4}


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "bad-json"),
        ("[1, 2]", "bad-frame"),
        (frame(type="teleport"), "unknown-type"),
        (frame(type="say", id="abcdefgh", session=1), "missing-field"),
        (frame(type="say", id="no", session=1, text="x"), "bad-id"),
        (frame(type="say", id="abcdefgh", session="1", text="x"), "bad-session"),
        (frame(type="say", id="abcdefgh", session=True, text="x"), "bad-session"),
        (frame(type="say", id="abcdefgh", session=1, text="   "), "empty"),
        (frame(type="say", id="abcdefgh", session=1, text="x" * (protocol.MAX_TEXT + 1)), "too-long"),
        (frame(type="hello", since={"x": 1}), "bad-field"),
        (frame(type="hello", since={"1": -1}), "bad-field"),
    ],
)
def test_decode_refuses_bad_rep_frames_with_a_code(raw, code):
    with pytest.raises(ProtocolError) as caught:
        decode(raw, "rep")
    assert caught.value.code == code
    assert caught.value.message


def test_a_refusal_names_the_frame_it_refuses():
    with pytest.raises(ProtocolError) as caught:
        decode(frame(type="say", id="abcdefgh", session=1, text=""), "rep")
    assert json.loads(protocol.error_frame(caught.value))["id"] == "abcdefgh"


def test_frames_over_the_size_cap_are_refused_before_parsing():
    with pytest.raises(ProtocolError) as caught:
        decode("x" * (protocol.MAX_FRAME_BYTES + 1), "customer")
    assert caught.value.code == "too-large"


def test_binary_frames_are_refused():
    with pytest.raises(ProtocolError, match="binary"):
        decode(b"\x00", "rep")


def test_customers_cannot_use_rep_frames():
    with pytest.raises(ProtocolError) as caught:
        decode(frame(type="accept", id="abcdefgh", session=1), "customer")
    assert caught.value.code == "unknown-type"


def test_a_customer_request_keeps_only_known_details():
    message = decode(frame(type="request", id="abcdefgh", token=TOKEN, portal="/", name="Carol", issue="Help",
                           details={"os": "Linux", "evil": "x" * 9999}), "customer")
    assert message["details"] == {"os": "Linux"}


@pytest.mark.parametrize("portal", ["billing", "/../etc", "/" + "a" * 80, 7])
def test_a_request_from_an_unknown_kind_of_portal_path_is_refused(portal):
    with pytest.raises(ProtocolError) as caught:
        decode(frame(type="request", id="abcdefgh", token=TOKEN, portal=portal, name="C", issue="I", details={}),
               "customer")
    assert caught.value.code == "bad-portal"


def test_a_short_token_is_refused():
    with pytest.raises(ProtocolError) as caught:
        decode(frame(type="hello", token="guessable", since=0), "customer")
    assert caught.value.code == "bad-token"


@pytest.mark.parametrize("url", ["https://example.com/help?q=1#top", "http://127.0.0.1:8000/x", "HTTPS://EXAMPLE.COM"])
def test_web_addresses_are_accepted(url):
    assert protocol.web_url(url) == url


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "file:///etc/passwd", "garbage", "http://",
            "https://user:pw@evil.example/", "https://exa mple.com", "ftp://example.com", 42],
)
def test_anything_but_http_and_https_addresses_is_refused(url):
    with pytest.raises(ProtocolError) as caught:
        protocol.web_url(url)
    assert caught.value.code == "bad-url" and "http" in caught.value.message


@pytest.mark.parametrize("typed, kept", [
    ("Carol\nOperating system: Windows", "Carol Operating system: Windows"),
    ("Bob\u202eenots", "Bobenots"),
    ("  Carol \t Durand\r\n", "Carol Durand"),
    ("Zoë \u2067Ñ\u2069", "Zoë Ñ"),
    ("\x00Carol\x1b[31m", "Carol[31m"),
])
def test_names_are_one_line_with_no_control_or_direction_characters(typed, kept):
    frame = {"type": "request", "id": "request-0001", "token": "t" * 43, "portal": "/", "name": typed,
             "issue": "Printer", "details": {"os": "Linux\nOutcome: Resolved"}}
    decoded = protocol.decode(json.dumps(frame), "customer")
    assert decoded["name"] == kept
    assert decoded["details"]["os"] == "Linux Outcome: Resolved"


def test_a_name_of_nothing_but_invisible_characters_is_empty():
    frame = {"type": "request", "id": "request-0001", "token": "t" * 43, "portal": "/", "name": "\u202e\n\u2066",
             "issue": "Printer", "details": {}}
    with pytest.raises(protocol.ProtocolError) as refused:
        protocol.decode(json.dumps(frame), "customer")
    assert refused.value.code == "empty"


# --- what the relay sends ---------------------------------------------------------


def test_the_relay_encodes_only_declared_frames_and_fields():
    assert protocol.decode_server(protocol.encode("position", position=3), "customer") == {"type": "position",
                                                                                           "position": 3}
    with pytest.raises(ValueError, match="undeclared frame"):
        protocol.encode("wave", hand="left")
    with pytest.raises(ValueError, match=r"\['secret'\]"):
        protocol.encode("position", position=3, secret="x")


def test_each_role_reads_only_the_frames_declared_for_it():
    assert protocol.server_frame("closed", "rep", session=4) == {"type": "closed", "session": 4}
    with pytest.raises(protocol.ProtocolError, match="undeclared frame"):
        protocol.server_frame("closed", "customer", session=4)
    with pytest.raises(protocol.ProtocolError, match="lacks 'meta'"):  # a rep's events carry their extras
        protocol.server_frame("event", "rep", session=1, seq=1, id="ev-000001", kind="message", at=1, text="hi",
                              author={"kind": "customer", "name": "Carol"})
    with pytest.raises(protocol.ProtocolError, match="undeclared fields"):  # and a customer's never do
        protocol.server_frame("event", "customer", session=1, seq=1, id="ev-000001", kind="message", at=1,
                              text="hi", author={"kind": "customer", "name": "Carol"}, meta={})
    with pytest.raises(protocol.ProtocolError, match="wrong type"):
        protocol.server_frame("position", "customer", position=True)


def test_a_history_frame_names_its_page_and_where_it_starts():
    assert protocol.decode('{"type": "history", "page": "page-0001", "after": 7}', "customer") == {
        "type": "history", "page": "page-0001", "after": 7}
    with pytest.raises(protocol.ProtocolError, match="lacks 'after'"):
        protocol.decode('{"type": "history", "page": "page-0001"}', "customer")
    with pytest.raises(protocol.ProtocolError, match="lacks 'since'"):  # optional for a rep's page, not here
        protocol.decode('{"type": "hello", "token": "' + "t" * 40 + '"}', "customer")
    assert protocol.decode('{"type": "history", "page": "page-0001", "session": 3}', "rep") == {
        "type": "history", "page": "page-0001", "session": 3, "after": None, "before": None}

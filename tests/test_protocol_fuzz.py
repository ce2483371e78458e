"""Fuzz the protocol and the relay with Hypothesis: whatever a client sends gets an answer, never a traceback.

Frames are built from ``protocol.py``'s own tables: every frame type of both
roles, each declared field present with a plausible value, a hostile one
(wrong types, huge and negative numbers, lone surrogates, control and
direction characters, nesting), or missing, plus fields nobody declared, and
frames that are not frames at all.  The same frames go to ``protocol.decode``,
to a ``Relay`` in this process, and over real sockets to a live server.  Each
must be answered (an ``error`` carrying the frame's id when it had a string
id, or the frame's own ack), log nothing, and leave the connection working.
"""

from __future__ import annotations

import json
import logging
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relaydesk import protocol
from relaydesk.hub import CustomerConnection, RepConnection
from relaydesk.prefs import DEFAULTS
from relaydesk.relay import Relay
from relaydesk.store import Store
from tests.chatters import accept, ask, rep_hello
from tests.inprocess import Socket
from tests.liveserver import UNPACED

FUZZ = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
IN_PROCESS_EXAMPLES = 400  # per role
LIVE_EXAMPLES = 150  # per role, over real sockets

NUMBERS = st.integers() | st.sampled_from([0, -1, 2**31, 2**53, 2**63, 2**70, -(2**70), 10**30]) | st.floats()
HOSTILE_TEXT = st.text(st.characters(exclude_categories=()), max_size=20) | st.sampled_from(
    ["\ud800", "a\udfffb", "\u202egnp.exe", "\u2066x\u2069", "\x00", "\x1b[31m", "\u00b2", "\u0663", " 42 ", "",
     "x" * 5000])
JSON = st.recursive(
    st.none() | st.booleans() | NUMBERS | HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(HOSTILE_TEXT, inner, max_size=3),
    max_leaves=8,
)
IDS = st.from_regex(r"[A-Za-z0-9_-]{8,20}", fullmatch=True)


@dataclass
class Known:
    """The ids a frame may name to get past the first checks: a real session, token and reps."""

    session_id: int
    token: str
    rep_ids: tuple[int, ...]


def plausible(known: Known) -> dict[str, st.SearchStrategy]:
    """Return, for every field name the protocol declares, values that are right or nearly right."""
    sessions = st.sampled_from([known.session_id, known.session_id + 1000])
    reps = st.sampled_from(known.rep_ids)
    texts = st.just("hello there") | HOSTILE_TEXT
    return {
        "id": IDS,
        "token": st.just(known.token) | st.text(min_size=32, max_size=40),
        "portal": st.sampled_from(["/", "/billing", "//", "/../etc", "/Billing"]),
        "name": texts, "issue": texts, "text": texts, "comment": texts,
        "details": st.fixed_dictionaries({}, optional={key: JSON for key in protocol.CLIENT_DETAILS}),
        "key": st.sampled_from([None, "", "123 456 789", "123-456-78\u0669", "000000000"]),
        "since": NUMBERS | st.dictionaries(
            st.sampled_from([str(known.session_id), "0", "-1", str(2**70), "x", "\u00b2"]), NUMBERS, max_size=3),
        "session": sessions,
        "rep": reps,
        "to": st.sampled_from(["all", "reps"]) | reps,
        "hidden": st.booleans(), "stay": st.booleans(), "open": st.booleans(),
        "url": st.sampled_from(["https://example.com/help", "javascript:alert(1)", "http://user@host/", "https://"]),
        "prefs": st.fixed_dictionaries({}, optional={name: st.just(value) | JSON for name, value in DEFAULTS.items()}),
        "outcome": st.sampled_from(protocol.OUTCOMES),
        "state": st.sampled_from(["allowed", "denied", "stopped"]),
        "status": st.sampled_from(["available", "away", "busy"]),
        "page": IDS, "after": NUMBERS, "before": NUMBERS,
        "typing": st.booleans(), "everyone": st.booleans(), "rating": st.integers(0, 6) | NUMBERS,
    }


def frame_of(kind: str, fields: dict, values: dict[str, st.SearchStrategy]) -> st.SearchStrategy[dict]:
    """A frame of ``kind``: every declared field plausible, or one of them hostile or missing, or one too many;
    or each field plausible, hostile or missing at random."""
    whole = st.fixed_dictionaries({"type": st.just(kind)} | {name: values[name] for name in fields})

    def spoil(frame: dict, name: str, value: object, how: str) -> dict:
        if how == "drop":
            return {key: kept for key, kept in frame.items() if key != name}
        return frame | {name if how == "replace" else f"{name}-extra": value}

    spoiled = st.builds(spoil, whole, st.sampled_from(sorted(fields) or ["id"]), JSON,
                        st.sampled_from(["drop", "replace", "add"]))
    anyhow = st.fixed_dictionaries({"type": st.just(kind)},
                                   optional={name: values[name] | JSON for name in fields} | {"id": IDS | JSON})
    return whole | spoiled | anyhow


def deep(depth: int) -> str:
    return '{"type": "say", "id": "deep-nesting", "text": ' + "[" * depth + "]" * depth + "}"


def raw_frames(role: str, known: Known) -> st.SearchStrategy[str | bytes]:
    """Frames as a client could send them: mostly text frames of the role's types, some anything at all."""
    values, schema = plausible(known), protocol.ROLES[role]
    framed = st.sampled_from(sorted(schema)).flatmap(lambda kind: frame_of(kind, schema[kind], values))
    wild = st.fixed_dictionaries({"type": JSON}, optional={"id": IDS | JSON}) | JSON
    return st.one_of(
        framed.map(json.dumps),
        framed.map(json.dumps),  # twice: half the frames are of a real type
        wild.map(json.dumps),
        st.integers(1, 40_000).map(deep),
        st.text(st.characters(exclude_categories=["Cs"]), max_size=50),
        st.binary(max_size=300),  # binary frames: a screen image, to the relay
    )


def frame_id(raw: str | bytes) -> str | None:
    """Return the string id a text frame carries, if it has one."""
    if isinstance(raw, bytes):
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    except RecursionError:  # too deep for json here: only ``deep`` makes those
        return "deep-nesting"
    return data["id"] if isinstance(data, dict) and isinstance(data.get("id"), str) else None


def check_answers(raw: str | bytes, answers: list[dict]) -> None:
    """Check what a frame got: no server failure, and an answer naming it when it had a string id."""
    assert not any(answer.get("code") == "server" for answer in answers), answers
    wanted = frame_id(raw)
    if wanted is None:
        return
    named = [answer for answer in answers if answer["type"] in ("error", "ack") and answer.get("id") == wanted]
    assert named or any(answer["type"] in ("welcome", "page") for answer in answers), (raw[:300], answers)


def test_every_declared_field_has_plausible_values():
    known = Known(1, "t" * 32, (1,))
    declared = {name for frames in protocol.ROLES.values() for fields in frames.values() for name in fields}
    assert declared <= plausible(known).keys()


@given(data=st.data())
@settings(FUZZ, max_examples=IN_PROCESS_EXAMPLES)
def test_decode_refuses_with_a_protocol_error_and_the_frames_id(data):
    role = data.draw(st.sampled_from(sorted(protocol.ROLES)))
    raw = data.draw(raw_frames(role, Known(1, "t" * 32, (1, 2))))
    try:
        protocol.decode(raw, role)
    except protocol.ProtocolError as error:
        wanted = frame_id(raw)
        assert wanted is None or error.id == wanted, (raw[:300], error.code, error.id)
        protocol.error_frame(error).encode("utf-8")


# --- the relay in this process ------------------------------------------------------


class Failures(logging.Handler):
    """Keep what the relay logs at ERROR: a refused frame must log nothing."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def failures_logged() -> Iterator[Failures]:
    handler, logger = Failures(), logging.getLogger("relaydesk")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


class World:
    """A relay on a temporary store: Alice holds Carol's session; Bob is on the team."""

    def __init__(self, folder: Path) -> None:
        self.store = Store(folder / "fuzz.db", synchronous="OFF")
        self.relay = Relay(self.store, UNPACED)  # a fuzzer is not a person: no pacing
        self.alice = RepConnection(Socket("rep"), self.store.add_rep("alice", "Alice", "correct horse"))
        self.bob = self.store.add_rep("bob", "Bob", "correct horse")
        self.answer(self.alice, json.dumps({"type": "hello", "since": {}}))
        self.new_session()

    def answer(self, conn, raw: str | bytes) -> list[dict]:
        before = len(conn.ws.sent)
        self.relay.handle(conn, raw)
        return conn.ws.sent[before:]

    def new_session(self) -> None:
        """Give Carol a new session with Alice: a fuzzed frame may have ended or left the last one."""
        self.customer, self.token = CustomerConnection(Socket("customer")), secrets.token_urlsafe(32)
        request = {"type": "request", "id": secrets.token_urlsafe(9), "token": self.token, "portal": "/",
                   "name": "Carol", "issue": "Printer", "details": {}}
        self.session_id = self.answer(self.customer, json.dumps(request))[0]["session"]["id"]
        self.answer(self.alice, json.dumps({"type": "accept", "id": secrets.token_urlsafe(9),
                                            "session": self.session_id}))

    @property
    def known(self) -> Known:
        return Known(self.session_id, self.token, (self.alice.rep.id, self.bob.id))

    def still_working(self) -> None:
        """A valid frame after the fuzzed one still works, for the customer and for Alice."""
        if self.store.session(self.session_id).status == "ended" or not self.store.is_participant(
                self.session_id, self.alice.rep.id):
            self.new_session()
        say = {"type": "say", "id": secrets.token_urlsafe(9), "text": "still here"}
        assert acked(self.answer(self.customer, json.dumps(say)), say["id"])
        prefs = {"type": "prefs", "id": secrets.token_urlsafe(9), "prefs": {}}
        assert acked(self.answer(self.alice, json.dumps(prefs)), prefs["id"])


def acked(answers: list[dict], wanted: str) -> bool:
    return any(answer["type"] == "ack" and answer.get("id") == wanted for answer in answers)


@pytest.mark.parametrize("role", ["customer", "rep", "new customer"])
def test_the_relay_answers_every_frame_and_logs_nothing(role):
    with tempfile.TemporaryDirectory() as folder, failures_logged() as logged:
        world = World(Path(folder))

        @given(data=st.data())
        @settings(FUZZ, max_examples=IN_PROCESS_EXAMPLES)
        def fuzz(data):
            raw = data.draw(raw_frames("rep" if role == "rep" else "customer", world.known))
            conn = {"customer": world.customer, "rep": world.alice}.get(role) or CustomerConnection(Socket("customer"))
            check_answers(raw, world.answer(conn, raw))
            assert logged.records == []
            world.still_working()

        fuzz()
        world.store.close()


# --- a live server, over real sockets ---------------------------------------------------


@pytest.fixture
def server(start_server):
    """The live server of ``tests.chatters``, with the pace limits people get lifted: a fuzzer sends fast."""
    server = start_server(**UNPACED)
    for username, name in (("alice", "Alice"), ("bob", "Bob")):
        server.add_rep(username, name)
    server.add_rep("root", "Root", admin=True)
    return server


def test_a_live_server_answers_every_frame_and_keeps_the_connection(server, connect):
    alice = connect("rep", "alice")
    rep_hello(alice)
    state: dict = {}

    def new_session() -> None:
        state["customer"] = connect("customer")
        state["session_id"], state["token"] = ask(state["customer"])
        accept(alice, state["session_id"])

    def exchange(client, raw: str | bytes, probe: dict) -> list[dict]:
        """Send a fuzzed frame, then a valid one; return what came back up to the valid one's answer, and to the
        fuzzed one's if it named itself (an event is acked once stored, which may be after a later frame's answer:
        acks are matched by id), with the valid one's answer last."""
        client.send_raw(raw)
        client.send(**probe)
        wanted, answers, last = frame_id(raw), [], None

        def answers_it(answer: dict, frame: str | None) -> bool:
            return answer["type"] in ("ack", "error") and answer.get("id") == frame

        while last is None or not (wanted is None or any(
                answers_it(answer, wanted) or answer["type"] in ("welcome", "page") for answer in answers)):
            answer = client.recv()
            if last is None and answers_it(answer, probe["id"]):
                last = answer
            else:
                answers.append(answer)
        return [*answers, last]

    new_session()

    @given(data=st.data())
    @settings(FUZZ, max_examples=LIVE_EXAMPLES * 2)
    def fuzz(data):
        role = data.draw(st.sampled_from(["customer", "rep"]))
        known = Known(state["session_id"], state["token"], (1, 2))  # Alice and Bob, as the server fixture adds them
        raw = data.draw(raw_frames(role, known))
        probe_id = secrets.token_urlsafe(9)
        if role == "customer":
            answers = exchange(state["customer"], raw, {"type": "say", "id": probe_id, "text": "still here"})
        else:
            answers = exchange(alice, raw, {"type": "prefs", "id": probe_id, "prefs": {}})
        check_answers(raw, answers[:-1])
        if answers[-1]["type"] == "error":  # the fuzzed frame ended the session: the probe says so
            assert answers[-1]["code"] == "ended", answers[-1]
            new_session()
        assert server.server_errors() == []

    fuzz()

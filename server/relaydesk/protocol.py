"""Define the wire protocol spoken between the relay and both browser apps.

This one file is imported by the server (CPython 3.11+) and loaded, byte for
byte, by the browser (Pyodide's Python 3.14), so it uses the standard library
only.  Every frame is a JSON object with a ``type``; client frames that change
anything carry a client-made ``id`` so that a resend is recognised.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Callable

from .language import N_, _, number

MAX_FRAME_BYTES = 64 * 1024
MAX_TEXT = 4000
MAX_NAME = 80
MAX_ISSUE = 2000
MAX_DETAIL = 200
MAX_COMMENT = 500
MAX_WHOLE = 2**53 - 1  # the largest whole number a browser's JSON keeps exactly; SQLite's integers hold it too

# Event kinds as they appear in the chat log (``data-kind`` in the DOM).
MESSAGE = "message"
URL = "url"
FILE = "file"
PRIVATE = "private"
STATUS = "status"
NOTE = "note"

# Who may see an event.  The relay filters on this per recipient.
AUDIENCE_ALL = "all"
AUDIENCE_REPS = "reps"

# The close code of a rep's socket whose sign-in ended (signed out, expired, disabled, new password).
SIGNED_OUT = 4401

_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# Line and paragraph breaks become spaces in one-line text; other controls and the characters that
# reorder or hide text (bidi overrides, isolates and marks) are dropped, so a name reads as it is.
_BREAKS = re.compile("[\t\n\r\v\f\x85\u2028\u2029]")
_UNSEEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_PORTAL = re.compile(r"^/[a-z0-9/-]{0,63}$")
_MARK = re.compile(r'["\[\]{}:,]')  # where a frame's strings start, and the marks between them
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # only a \u escape makes one: UTF-8 cannot carry it


def _json_text(data: object) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


# What frames are written and read with: the standard library's JSON, or what ``use_json`` gave in its place.
_dumps: Callable[[object], str] = _json_text
_loads: Callable[[str], object] = json.loads


def use_json(dumps: Callable[[object], str] | None = None, loads: Callable[[str], object] | None = None) -> None:
    """Write frames with ``dumps`` and read clients' with ``loads`` (the server's faster JSON: ``fastjson``); with
    neither, the standard library's again.  They must give what the standard library's would: compact text, not
    ASCII-only; a ``ValueError`` for what is not JSON."""
    global _dumps, _loads
    _dumps, _loads = dumps or _json_text, loads or json.loads


class ProtocolError(ValueError):
    """A frame that cannot be accepted; ``message`` is meant for a person."""

    def __init__(self, code: str, message: str, id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.id = id


def encode(type: str, **fields: object) -> str:
    """Return the JSON text of a frame of ``type`` with ``fields``.

    The type and every field must be declared, by ``CUSTOMER_FRAMES`` and
    ``REP_FRAMES`` (what clients send) or ``TO_CUSTOMER_FRAMES`` and
    ``TO_REP_FRAMES`` (what the relay sends): an undeclared one is a bug.
    """
    declared = _DECLARED.get(type)
    if declared is None or not declared.issuperset(fields):
        raise ValueError(f"undeclared frame: {type!r} with {sorted(fields.keys() - (declared or set()))}")
    return _dumps({"type": type, **fields})


# A picture of the customer's screen goes to reps as one binary frame: this header, then the image's bytes, as
# the customer's page sent them (no base64).  The browser reads the header and shows the rest as a Blob.
SCREEN_IMAGE = struct.Struct(">4sIHHB")  # magic, session, width, height, format (an index in IMAGE_TYPES)
SCREEN_IMAGE_MAGIC = b"RDSI"
IMAGE_TYPES = ("image/webp", "image/jpeg")


def encode_screen_image(session: int, width: int, height: int, mime: str, data: bytes) -> bytes:
    """Return the binary frame carrying one picture of a session's shared screen to its reps."""
    return SCREEN_IMAGE.pack(SCREEN_IMAGE_MAGIC, session, width, height, IMAGE_TYPES.index(mime)) + data


def decode_screen_image_header(header: bytes) -> dict:
    """Read a screen image frame's header (its first ``SCREEN_IMAGE.size`` bytes): the session, size and type."""
    magic, session, width, height, kind = SCREEN_IMAGE.unpack(header[:SCREEN_IMAGE.size])
    if magic != SCREEN_IMAGE_MAGIC or kind >= len(IMAGE_TYPES):
        raise ProtocolError("bad-image", _("That binary frame is not a screen image."))
    return check_server_frame({"type": "screen-image", "session": session, "width": width, "height": height,
                               "mime": IMAGE_TYPES[kind]}, "rep")


def error_frame(error: ProtocolError) -> str:
    """Return the frame that tells a client why its frame was refused.

    It is plain ASCII, so that it carries back even an id the client wrote
    with a lone surrogate, which no UTF-8 text can hold.
    """
    fields = {"type": "error", "code": error.code, "message": error.message}
    if error.id is not None:
        fields["id"] = error.id
    return json.dumps(fields, separators=(",", ":"))


# --- field checks -----------------------------------------------------------


def _client_id(value: object) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise ProtocolError("bad-id", _("Every change needs an id of 8 to 64 letters, digits, - or _."))
    return value


def one_line(text: str) -> str:
    """Return ``text`` as one line a person reads as it is: no breaks, no controls, no direction tricks."""
    return " ".join(_UNSEEN.sub("", _BREAKS.sub(" ", text)).split())


def _text(limit: int, label: str, required: bool = True, single_line: bool = False):
    def check(value: object) -> str:
        if not isinstance(value, str):
            raise ProtocolError("bad-field", _("%(label)s must be text.", label=_(label)))
        value = one_line(value) if single_line else value.strip()
        if required and not value:
            raise ProtocolError("empty", _("%(label)s cannot be empty.", label=_(label)))
        if len(value) > limit:
            raise ProtocolError("too-long", _("%(label)s is too long (%(most)s characters at most).", label=_(label),
                                              most=number(limit)))
        return value

    return check


def _whole(value: object, least: int, code: str, message: str) -> int:
    """Accept a whole number (not a bool) from ``least`` to ``MAX_WHOLE``."""
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= MAX_WHOLE:
        raise ProtocolError(code, message)
    return value


def _session_id(value: object) -> int:
    return _whole(value, 1, "bad-session", _("That session does not exist."))


def _seq(value: object) -> int:
    return _whole(value, 0, "bad-field", _("A sequence number must be a whole number, 0 or more."))


def _since_map(value: object) -> dict[int, int]:
    if not isinstance(value, dict) or len(value) > 500:
        raise ProtocolError("bad-field", "since must map session ids to sequence numbers.")
    try:
        return {_session_id(int(key)): _seq(seq) for key, seq in value.items()}
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ProtocolError):
            raise
        raise ProtocolError("bad-field", "since must map session ids to sequence numbers.") from None


def _token(value: object) -> str:
    if not isinstance(value, str) or not 32 <= len(value) <= 100:
        raise ProtocolError("bad-token", _("This support session link is not valid any more."))
    return value


def _portal(value: object) -> str:
    if not isinstance(value, str) or not _PORTAL.match(value):
        raise ProtocolError("bad-portal", _("This help page does not exist."))
    return value


def _details(value: object) -> dict[str, str]:
    """Keep the few browser facts the customer's page reports about itself."""
    if not isinstance(value, dict):
        raise ProtocolError("bad-field", "details must be an object.")
    check = _text(MAX_DETAIL, N_("A detail"), required=False, single_line=True)
    return {key: check(value[key]) for key in CLIENT_DETAILS if key in value and value[key] is not None}


def _key(value: object) -> str | None:
    """Accept a 9-digit session key, forgiving the spaces and dashes people type."""
    if value is None or value == "":
        return None
    digits = value.replace(" ", "").replace("-", "") if isinstance(value, str) else ""
    if not (len(digits) == 9 and digits.isascii() and digits.isdigit()):
        raise ProtocolError("bad-key", _("A session key is 9 digits, like 123 456 789."))
    return digits


def web_url(value: object) -> str:
    """Accept only an absolute http or https address, as a customer's browser may open it."""
    if not isinstance(value, str):
        raise ProtocolError("bad-url", _("Type a web address starting with http:// or https://."))
    url = value.strip()
    scheme, _sep, rest = url.partition("://")
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if scheme.lower() not in ("http", "https") or not host or len(url) > 2000 or any(
        c.isspace() or ord(c) < 32 for c in url
    ) or "@" in host:
        raise ProtocolError("bad-url", _("Only web addresses starting with http:// or https:// can be sent, "
                                         "like https://example.com/help."))
    return url


def _outcome(value: object) -> str:
    if value not in OUTCOMES:
        raise ProtocolError("bad-field", _("The outcome is Resolved, Unresolved or Unknown."))
    return value


def _rep_ref(value: object) -> int:
    return _whole(value, 1, "bad-rep", _("Choose a representative."))


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ProtocolError("bad-field", _("A yes-or-no field must be true or false."))
    return value


def _recipient(value: object) -> str | int:
    """Accept who a rep's message is for: everyone, all reps, or one rep's id."""
    if value in ("all", "reps"):
        return value
    return _rep_ref(value)


def _changes(value: object) -> dict:
    if not isinstance(value, dict) or len(value) > 20:
        raise ProtocolError("bad-field", _("Preferences come as a few named values."))
    return value


def _screen_state(value: object) -> str:
    if value not in ("allowed", "denied", "stopped"):
        raise ProtocolError("bad-field", _("Screen sharing is allowed, denied or stopped."))
    return value


def _availability(value: object) -> str:
    if value not in ("available", "away"):
        raise ProtocolError("bad-field", "A status is Available or Away.")
    return value


def _rating(value: object) -> int:
    rating = _whole(value, 1, "bad-rating", "Choose how satisfied you are, from 1 to 5.")
    if rating not in RATINGS:
        raise ProtocolError("bad-rating", "Choose how satisfied you are, from 1 to 5.")
    return rating


def optional(check):
    """Mark a field check as optional: a missing field becomes None.  It marks the function itself: give it one
    of its own, not a check other fields use."""
    check.optional = True
    return check


CLIENT_DETAILS = ("os", "browser", "language", "timezone", "screen")
OUTCOMES = ("resolved", "unresolved", "unknown")
RATINGS = (1, 2, 3, 4, 5)  # the satisfaction survey's answers, "Very dissatisfied" to "Very satisfied"
MAX_PREVIEW = 1000  # the most of a customer's unsent text a typing frame carries, for the live preview

# type -> {field: check}; every field listed is required.  The customer's
# token is made by their own page (crypto-random), so a request resent after a
# lost reply finds its session again without the token ever crossing twice.
#
# A log is replayed a page at a time: ``hello`` brings the first page after
# ``since``, a ``page`` frame ends each page, and ``history`` asks for the next
# (``after`` the page's ``last``) or, on a rep's console, an older one
# (``before`` its ``first``; neither: the newest).
CUSTOMER_FRAMES = {
    "request": {
        "id": _client_id,
        "token": _token,
        "portal": _portal,
        "name": _text(MAX_NAME, N_("Your name"), single_line=True),
        "issue": _text(MAX_ISSUE, N_("The description of your issue")),
        "details": _details,
        "key": optional(_key),
    },
    "hello": {"token": _token, "since": _seq},
    "history": {"page": _client_id, "after": _seq},
    "say": {"id": _client_id, "text": _text(MAX_TEXT, N_("A message"))},
    "screen": {"id": _client_id, "state": _screen_state},
    # Not stored, never acknowledged: the page says it is typing (again every few seconds while it is) and that it
    # stopped; ``text``, the unsent message, only while the team lets its reps see a live preview.
    "typing": {"typing": _flag, "text": optional(_text(MAX_PREVIEW, "The preview", required=False))},
    # The survey after the end: one answer per session, changed by sending another.
    "rate": {"id": _client_id, "rating": _rating,
             "comment": optional(_text(MAX_COMMENT, "The comment", required=False))},
}

REP_FRAMES = {
    "hello": {"since": _since_map},
    "history": {"page": _client_id, "session": _session_id, "after": optional(lambda value: _seq(value)),
                "before": optional(lambda value: _seq(value))},
    "say": {"id": _client_id, "session": _session_id, "text": _text(MAX_TEXT, N_("A message")),
            "to": optional(_recipient)},
    "invite": {"id": _client_id, "session": _session_id, "rep": _rep_ref, "hidden": _flag},
    "join": {"id": _client_id, "session": _session_id},
    "visibility": {"id": _client_id, "session": _session_id, "hidden": _flag},
    "transfer": {"id": _client_id, "session": _session_id, "rep": _rep_ref, "stay": _flag,
                 "comment": optional(_text(MAX_COMMENT, N_("The comment"), required=False))},
    "leave": {"id": _client_id, "session": _session_id},
    "note": {"id": _client_id, "session": _session_id, "text": _text(MAX_TEXT, N_("A note"))},
    "push-url": {"id": _client_id, "session": _session_id, "url": web_url},
    "prefs": {"id": _client_id, "prefs": _changes},
    "screen-request": {"id": _client_id, "session": _session_id},
    "viewer": {"id": _client_id, "session": _session_id, "open": _flag},
    "accept": {"id": _client_id, "session": _session_id},
    "make-key": {"id": _client_id},
    "end": {"id": _client_id, "session": _session_id, "outcome": _outcome},
    "availability": {"id": _client_id, "status": _availability},  # My status: available or away
    # As the customer's; ``everyone``: what is typed is for everyone (the customer sees it only then), not for reps.
    "typing": {"session": _session_id, "typing": _flag, "everyone": _flag},
}

ROLES = {"customer": CUSTOMER_FRAMES, "rep": REP_FRAMES}


# --- what the relay sends -------------------------------------------------------
#
# Declared like the client frames: type -> {field: check}.  The relay encodes
# through these (``encode`` refuses an undeclared type or field), the browser
# cores read every frame through ``decode_server``, and the tests check every
# frame they receive against them.


def _of(*types: type, label: str = ""):
    """Check that a field the relay sent is one of ``types`` (a bool is no number)."""
    def check(value: object) -> object:
        if isinstance(value, bool) and bool not in types or not isinstance(value, types):
            raise ProtocolError("bad-server-frame", f"{label or 'A field'} has the wrong type: {value!r:.60}.")
        return value

    return check


def _server_fields(**fields: tuple[type, ...] | list[type]) -> dict:
    """Make the checks of a frame's fields from their types: a tuple is required, a list optional."""
    return {name: optional(_of(*types, label=name)) if isinstance(types, list) else _of(*types, label=name)
            for name, types in fields.items()}


_INT, _STR, _BOOL, _DICT, _LIST = (int,), (str,), (bool,), (dict,), (list,)
# The end of one page of a log: ``page`` names the ``history`` frame it answers (None: the one a hello starts);
# ``first`` and ``last`` are the sequence numbers it covers, those its reader may not see included.
_PAGE = _server_fields(session=_INT, page=(str, type(None)), after=[int], before=[int, type(None)], first=_INT,
                       last=_INT, more=_BOOL)
_ACK = _server_fields(id=_STR, session=[int], seq=[int], at=[int])  # [..]: optional
_ERROR = _server_fields(code=_STR, message=_STR, id=[str])
_EVENT: dict[str, tuple[type, ...] | list[type]] = dict(session=_INT, seq=_INT, id=_STR, kind=_STR, at=_INT,
                                                       text=_STR, author=_DICT, live=[bool], note=[dict])

TO_CUSTOMER_FRAMES = {
    "welcome": _server_fields(role=_STR, session=_DICT, screen=_DICT),
    "page": _PAGE,
    "ack": _ACK,
    "error": _ERROR,
    "event": _server_fields(**_EVENT),
    "session": _server_fields(session=_DICT),
    "position": _server_fields(position=_INT),
    "screen-asked": _server_fields(by=_STR),
    "screen-mode": _server_fields(mode=_STR, sharing=_BOOL),
    "typing": _server_fields(name=_STR, typing=_BOOL),  # a visible rep is typing, or stopped
}

TO_REP_FRAMES = {
    "welcome": _server_fields(role=_STR, me=_DICT, sessions=_LIST, queue=_LIST, keys=_LIST, wrong_tries=_INT,
                              invites=_LIST, invite_hidden=_BOOL, prefs=_DICT, max_sessions=_INT),
    "ack": _ACK,
    "error": _ERROR,
    "event": _server_fields(**_EVENT, meta=_DICT),
    "page": _PAGE,
    "session": _server_fields(session=_DICT),
    # The queue's changes: the summaries of the sessions that joined it (one with an id the queue holds already
    # replaces it), and the ids of those that left it.  The whole queue comes once, in ``welcome``.
    "queue": _server_fields(joined=_LIST, left=_LIST),
    "keys": _server_fields(keys=_LIST, wrong_tries=_INT),
    "opened": _server_fields(session=_DICT, comment=_STR),
    "invited": _server_fields(session=_INT, customer=_STR, issue=_STR, by=_STR),
    "closed": _server_fields(session=_INT),
    "prefs": _server_fields(prefs=_DICT),
    # The team as it is now: each enabled rep's id, name and status (available, away, offline); sent after
    # ``welcome`` and whenever it changes.
    "team": _server_fields(reps=_LIST),
    # Someone in the session is typing, or stopped: the customer (no ``rep``) or a rep; ``text``, the customer's
    # unsent message, only where the team turned the live preview on.
    "typing": _server_fields(session=_INT, name=_STR, typing=_BOOL, rep=[int], text=[str]),
    # Binary, not JSON: ``SCREEN_IMAGE``'s header, then the picture (``decode_screen_image_header`` reads it).
    "screen-image": _server_fields(session=_INT, width=_INT, height=_INT, mime=_STR),
}

SERVER_ROLES = {"customer": TO_CUSTOMER_FRAMES, "rep": TO_REP_FRAMES}

# type -> every field a frame of that type may hold, whoever sends or receives it: what ``encode`` checks.
_DECLARED: dict[str, set[str]] = {}
for _frames in (CUSTOMER_FRAMES, REP_FRAMES, TO_CUSTOMER_FRAMES, TO_REP_FRAMES):
    for _type, _fields in _frames.items():
        _DECLARED.setdefault(_type, set()).update(_fields)


def check_server_frame(data: object, role: str) -> dict:
    """Check a frame the relay sent to a client of ``role`` against its declaration; return it.

    Every required field present, every field of its declared type, no other
    field; raise ``ProtocolError`` otherwise.
    """
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise ProtocolError("bad-server-frame", "A frame from the server must be an object with a type.")
    schema = SERVER_ROLES[role].get(data["type"])
    if schema is None:
        raise ProtocolError("bad-server-frame", f"The server sent a {role} an undeclared frame: {data['type']!r}.")
    extra = data.keys() - schema.keys() - {"type"}
    if extra:
        raise ProtocolError("bad-server-frame", f"A {data['type']!r} frame holds undeclared fields {sorted(extra)}.")
    for field, check in schema.items():
        if field in data:
            check(data[field])
        elif not getattr(check, "optional", False):
            raise ProtocolError("bad-server-frame", f"A {data['type']!r} frame lacks {field!r}.")
    return data


def decode_server(frame: str, role: str) -> dict:
    """Parse and check one frame the relay sent to a client of ``role`` (the browser cores read through this)."""
    try:
        data = json.loads(frame)
    except ValueError:
        raise ProtocolError("bad-server-frame", "The server sent a frame that is not JSON.") from None
    return check_server_frame(data, role)


def server_frame(type: str, role: str, **fields: object) -> dict:
    """Return a frame as the relay sends it to a client of ``role``, checked: for tests of the browser cores."""
    return check_server_frame({"type": type, **fields}, role)


def decode(frame: str | bytes, role: str) -> dict:
    """Parse and check one frame sent by a client of ``role``.

    Return a dict holding ``type`` and the checked fields; raise
    ``ProtocolError`` with a message for a person when the frame is refused.
    """
    if isinstance(frame, bytes):  # the relay takes a customer's screen images before decoding
        raise ProtocolError("binary", _("This connection does not accept binary frames."))
    if len(frame.encode("utf-8")) > MAX_FRAME_BYTES:
        raise ProtocolError("too-large", _("That was too large to send (%(kb)s KB at most).",
                                           kb=MAX_FRAME_BYTES // 1024),
                            _top_level_id(frame[:MAX_FRAME_BYTES]))
    try:
        data = _loads(frame)
    except ValueError:
        raise ProtocolError("bad-json", _("That frame was not valid JSON.")) from None
    except RecursionError:
        raise ProtocolError("too-deep", _("That frame nests too deeply to be read."), _top_level_id(frame)) from None
    if not isinstance(data, dict):
        raise ProtocolError("bad-frame", _("A frame must be a JSON object."))
    frame_id = data.get("id") if isinstance(data.get("id"), str) else None
    if "\\u" in frame and _holds_lone_surrogate(data):
        raise ProtocolError("bad-text", _("That frame held text that is not valid Unicode (a lone surrogate)."),
                            frame_id)
    frame_type = data.get("type")
    if not isinstance(frame_type, str):
        raise ProtocolError("unknown-type", "A frame's type must be text, like \"say\".", frame_id)
    schema = ROLES[role].get(frame_type)
    if schema is None:
        raise ProtocolError("unknown-type", _("Unknown frame type: %(type)s.", type=f"{frame_type[:40]!r}"),
                            frame_id)
    checked: dict[str, object] = {"type": frame_type}
    if frame_id is not None and "id" not in schema:  # so that a refusal still names the frame
        checked["id"] = frame_id
    for field, check in schema.items():
        if field not in data:
            if getattr(check, "optional", False):
                checked[field] = None
                continue
            raise ProtocolError("missing-field", _("The frame lacks %(field)s.", field=f"{field!r}"), frame_id)
        try:
            checked[field] = check(data[field])
        except ProtocolError as exc:
            exc.id = frame_id
            raise
    return checked


def _top_level_id(frame: str) -> str | None:
    """Find a frame's id without parsing it, for a frame too deep or too large to parse.

    One pass in linear time, counting how deep each mark is; an unterminated
    string ends it, as it would end the parse.
    """
    depth = at = 0
    recent = ["", "", ""]  # the last three tokens at the top level
    while (mark := _MARK.search(frame, at)) is not None:
        token, at = mark.group(), mark.end()
        if token == '"':
            string = _STRING.match(frame, mark.start())
            if string is None:
                break
            token, at = string.group(), string.end()
        if token in ("[", "{"):
            depth += 1
        elif token in ("]", "}"):
            depth -= 1
        elif depth == 1:
            recent = recent[1:] + [token]
            if recent[0] == '"id"' and recent[1] == ":" and token.startswith('"'):
                try:
                    return json.loads(token)
                except ValueError:
                    return None
    return None


def _holds_lone_surrogate(data: object) -> bool:
    """Tell whether any text in a parsed frame, keys included, holds a lone surrogate; without recursion, as a
    frame may be nested as deep as JSON lets it."""
    waiting = [data]
    while waiting:
        item = waiting.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            waiting.extend(item)
            waiting.extend(item.values())
        elif isinstance(item, list):
            waiting.extend(item)
    return False

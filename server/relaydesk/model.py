"""The things Relaydesk keeps, as plain values, and the small rules that go with them."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

# First path segments a portal cannot take: the server's own routes.
RESERVED_PATHS = ("rep", "ws", "py", "assets", "static", "transcript", "files")


class Refused(Exception):
    """A request the store turns down; the message is meant for the person who made it."""


class KeyRefused(Refused):
    """A session key that is wrong, used or expired: the relay counts these against the guesser."""


def now_ms() -> int:
    """Return the wall-clock time in milliseconds since the epoch."""
    return int(time.time() * 1000)


def hash_token(token: str) -> str:
    """Return the digest under which a customer token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Rep:
    id: int
    username: str
    display_name: str
    role: str
    disabled: bool = False  # a disabled rep cannot sign in, and has no sign-in left

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Session:
    id: int
    portal_path: str
    portal_name: str
    customer_name: str
    issue: str
    details: dict
    status: str
    owner_rep_id: int | None
    created_at: int
    accepted_at: int | None
    ended_at: int | None = None
    outcome: str | None = None
    rating: int | None = None  # the customer's answer to the survey after the end, 1 to 5 (None: none yet)
    comment: str = ""  # and what they wrote with it
    survey: bool = True  # whether its portal asks the customer the survey


@dataclass(frozen=True)
class Event:
    session_id: int
    seq: int
    id: str
    kind: str
    audience: str
    author_kind: str
    author_id: int | None
    author_name: str
    text: str
    at: int
    public_text: str | None = None
    meta: dict = field(default_factory=dict)

    def visible_to_customer(self) -> bool:
        return self.audience == "all"

    def visible_to_rep(self, rep_id: int) -> bool:
        """Tell whether a rep in the session may see this: private ones only by their two ends."""
        if self.audience in ("all", "reps"):
            return True
        return self.audience == f"rep:{rep_id}" or (self.author_kind == "rep" and self.author_id == rep_id)


@dataclass(frozen=True)
class Page:
    """One page of a session's log as one viewer sees it (``Store.events_page``)."""

    events: list[Event]
    first: int  # the stretch of sequence numbers it covers, events the viewer may not see included
    last: int
    more: bool  # events lie beyond it, in the direction it was read


@dataclass(frozen=True)
class Participant:
    rep_id: int
    name: str
    role: str  # owner, invited or monitor
    hidden: bool

"""Who a frame goes to: handlers decide, and ``Hub.deliver`` is the one place that sends.

A handler returns (or hands ``Hub.deliver`` right away, where order matters)
a list of ``Send``: a frame and its addressee, one of

- ``SENDER``: the connection whose frame is being answered (its ack);
- ``One(conn)``: one connection (a replay, a welcome);
- ``Rep(rep_id)``: every device one rep is signed in on;
- ``SessionReps(session_id)``: every rep in a session, whatever their role;
- ``Customers(session_id)``: the pages of a session's customer;
- ``QueueWatchers()``: every rep console that said hello.

A ``Send`` that carries its ``event`` reaches only those the event is visible
to (``Event.visible_to_customer``, ``Event.visible_to_rep``): delivery checks
it for every connection, whatever the addressee, so a note, a private message
or a hidden rep's doing cannot reach a customer through a wrong address.
``skip`` leaves out one connection (the sender of an event, who has its ack).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import protocol
from .model import Event

if TYPE_CHECKING:
    from .hub import Connection


@dataclass(frozen=True)
class Sender:
    """The connection whose frame is being answered."""


SENDER = Sender()


@dataclass(frozen=True, eq=False)
class One:
    conn: Connection


@dataclass(frozen=True)
class Rep:
    rep_id: int


@dataclass(frozen=True)
class SessionReps:
    session_id: int


@dataclass(frozen=True)
class Customers:
    session_id: int


@dataclass(frozen=True)
class QueueWatchers:
    """Every rep console that said hello: the queue is theirs to watch."""


Address = Sender | One | Rep | SessionReps | Customers | QueueWatchers


@dataclass(eq=False, slots=True)  # not frozen: a frozen dataclass's __init__ costs a call per field, per frame
class Send:
    to: Address
    frame: str | bytes
    event: Event | None = None  # its visibility decides who among ``to`` receives it
    skip: Connection | None = None
    latest: object = None  # a key: while a frame of the same key still waits on a socket, this one replaces it
    live: bool = False  # an event as it happens: not for a connection still paging through that session's log


Reply = list[Send]


def send(to: Address, type: str, **fields: object) -> Send:
    """Return a frame of ``type`` for ``to``, encoded through the protocol's declarations."""
    return Send(to, protocol.encode(type, **fields))


def ack(frame_id: str, **fields: object) -> Send:
    """Return the acknowledgement of the sender's frame ``frame_id``."""
    return send(SENDER, "ack", id=frame_id, **fields)

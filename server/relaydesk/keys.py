"""Session keys: a rep makes one to read out on the phone, a customer types it, and guessing them is refused.

A key is 9 digits, so an unthrottled socket could try every one in a day.
Wrong keys are counted per socket and per client address (``throttle``);
past the limits every key from there is refused as ``rate-limited``, the
right one too, until the window moves on.  A rep holds a few keys at most.
Every wrong key is logged with the address and a count, never the key, and
the reps with open keys are told how many wrong ones were tried since their
oldest was made: all of those could have hit one of theirs.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .delivery import Rep as RepAddress
from .delivery import Reply, ack, send
from .hub import CustomerConnection, Part, RepConnection, RepHandler
from .i18n import _, ngettext
from .model import KeyRefused, Rep, now_ms
from .protocol import ProtocolError
from .throttle import Throttle, wait_text

log = logging.getLogger(__name__)
MOST_MISSES_KEPT = 100_000  # a bound on memory under a flood from many addresses; the count then reads low


@dataclass(eq=False)
class SessionKeys(Part):
    throttle: Throttle = field(default_factory=Throttle)
    lifetime_s: int = 20 * 60
    most_per_rep: int = 5
    # When each wrong key was tried (ms since the epoch, oldest first), for as long as a key lives.
    misses: list[int] = field(default_factory=list)

    def rep_handlers(self) -> dict[str, RepHandler]:
        return {"make-key": self.make}

    def make(self, conn: RepConnection, message: dict) -> Reply:
        self.relay.check_capacity(conn.rep, message["id"])
        self._check_room(conn.rep, message["id"])
        self.store.make_key(conn.rep, self.lifetime_s)
        self.changed(conn.rep.id)
        return [ack(message["id"])]

    def _check_room(self, rep: Rep, frame_id: str) -> None:
        keys = self.store.rep_keys(rep.id)
        if len(keys) >= self.most_per_rep:
            wait = (keys[0]["expires_at"] - now_ms()) / 1000
            raise ProtocolError("too-many-keys", ngettext(
                "You already have %(num)s session key waiting for a customer, the most allowed. Use it, or wait: it "
                "expires in %(wait)s.",
                "You already have %(num)s session keys waiting for customers, the most allowed. Use one, or wait: "
                "the first expires in %(wait)s.", self.most_per_rep, wait=wait_text(wait)), frame_id)

    def view(self, rep_id: int) -> dict:
        """Return the rep's open keys, and how many wrong keys were tried since the oldest of them was made."""
        keys = self.store.rep_keys(rep_id)
        oldest = min((key["created_at"] for key in keys), default=None)
        tries = 0 if oldest is None else len(self.misses) - bisect.bisect_left(self.misses, oldest)
        return {"keys": keys, "wrong_tries": tries}

    def changed(self, rep_id: int) -> None:
        self.hub.deliver([send(RepAddress(rep_id), "keys", **self.view(rep_id))])

    # --- a customer types a key ----------------------------------------------------------

    @contextmanager
    def attempt(self, conn: CustomerConnection, frame_id: str) -> Iterator[None]:
        """Let a key be tried (in the block) unless its socket or address tried too many wrong ones lately;
        count it if it is wrong.  An address's keys take turns, so a burst cannot all pass before one counts."""
        with self.throttle.key_turn(conn.address):
            wait = self.throttle.key_wait(conn.tag, conn.address)
            if wait > 0:
                raise ProtocolError("rate-limited", _("Too many wrong session keys. Try again in %(wait)s, or leave "
                                                      "the key empty to wait for a representative.",
                                                      wait=wait_text(wait)),
                                    frame_id)
            try:
                yield
            except KeyRefused:
                self._missed(conn)
                raise

    def _missed(self, conn: CustomerConnection) -> None:
        """Count a wrong key against its socket and address, log it, and tell the reps whose keys it could hit."""
        count = self.throttle.key_missed(conn.tag, conn.address)
        log.warning("wrong session key from %s (%d from this address in the last %s)", conn.address, count,
                    wait_text(self.throttle.key_window_s))
        at = now_ms()
        del self.misses[: max(bisect.bisect_left(self.misses, at - self.lifetime_s * 1000),
                              len(self.misses) + 1 - MOST_MISSES_KEPT)]
        self.misses.append(at)
        for rep_id in self.store.reps_with_keys():
            self.changed(rep_id)

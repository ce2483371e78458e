"""Refuse guessing: wrong session keys per socket and per address, wrong passwords per username and per address.

The counters live in a ``limits`` storage named by ``THROTTLE_STORAGE``:
``memory://`` keeps them in this process; ``redis://host:6379`` lets several
nodes share them.  Nothing outside this module knows which one is in use.

A check and its count must not be split by a burst: a password's hash takes
~100 ms off the hub, and even the in-memory storage yields under gevent
(it starts a timer thread), so thirty guesses sent at once would all pass the
check before the first failure is counted.  ``Turns`` takes the attempts of
one username or address one at a time, in this process.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import TypeVar

from limits import RateLimitItem, parse, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from .language import ngettext

DEFAULTS: dict[str, object] = {
    "THROTTLE_STORAGE": "memory://",  # a limits storage URI; redis://… to share counters between nodes
    "KEY_TRIES_PER_SOCKET": "5/minute",  # wrong session keys one page may try
    "KEY_TRIES_PER_ADDRESS": "20/10 minutes",  # wrong session keys one client address may try
    "SIGN_IN_FAILURES_PER_USERNAME": 5,  # wrong passwords for one username before it is locked
    "SIGN_IN_FAILURES_PER_ADDRESS": 20,  # failed sign-ins from one address before it is locked
    "SIGN_IN_LOCKOUT_S": 60,  # the first lockout; each failure after it doubles it
    "SIGN_IN_LOCKOUT_MAX_S": 60 * 60,  # the longest lockout
    "SIGN_IN_FORGET_S": 24 * 60 * 60,  # failures are forgotten this long after the first one
    "FRAMES_PER_CONNECTION": "40/10 seconds;300/5 minutes",  # frames one page or rep may send: a burst, then a pace
    "REQUESTS_PER_ADDRESS": "30/10 minutes",  # help requests one client address may make
    # "typing" frames one page or rep may send, counted apart from the frames above so that saying "typing" never
    # costs a message its turn; past them a typing frame is dropped (the page sends one every ~2.5 s while typing).
    "TYPING_PER_CONNECTION": "4/5 seconds;40/minute",
}


log = logging.getLogger(__name__)
Result = TypeVar("Result")


class LockedOut(Exception):
    """A sign-in refused for now: ``wait`` seconds to go; ``failed`` when this attempt's own failure started it."""

    def __init__(self, wait: float, failed: bool) -> None:
        super().__init__(f"locked out for {wait:.0f} s")
        self.wait, self.failed = wait, failed


def wait_text(seconds: float) -> str:
    """Say how long to wait as a person reads it: 40 seconds, 1 minute, 2 minutes (always rounded up)."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    minutes = math.ceil(seconds / 60)
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


class Lockout:
    """Count one kind of failure per name; past ``free`` failures each one locks the name, twice as long each time.

    The lock's end is kept as a counter's value (milliseconds since the epoch),
    so any ``limits`` storage holds it, and ``clock`` is the only time it reads.
    """

    def __init__(self, storage: Storage, scope: str, free: int, first_s: float, longest_s: float, forget_s: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.storage, self.scope, self.free = storage, scope, free
        self.first_s, self.longest_s, self.forget_s = first_s, longest_s, forget_s
        self.clock = clock

    def _key(self, what: str, name: str) -> str:
        return f"relaydesk/{self.scope}/{what}/{name}"

    def wait(self, name: str) -> float:
        """Return the seconds until ``name`` may try again; 0 when it may now."""
        until_ms = self.storage.get(self._key("until", name))
        return max(0.0, until_ms / 1000 - self.clock()) if until_ms else 0.0

    def failed(self, name: str) -> float:
        """Count a failure; return the lockout it starts, in seconds (0: none yet)."""
        failures = self.storage.incr(self._key("failures", name), int(self.forget_s))
        if failures < self.free:
            return 0.0
        lock_s = min(self.first_s * 2 ** min(failures - self.free, 30), self.longest_s)
        until = self._key("until", name)
        self.storage.clear(until)
        self.storage.incr(until, math.ceil(lock_s), amount=int((self.clock() + lock_s) * 1000))
        return lock_s

    def forget(self, name: str) -> None:
        self.storage.clear(self._key("failures", name))
        self.storage.clear(self._key("until", name))


class Turns:
    """One attempt at a time per name; a name's lock lives only while someone holds or awaits it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, list[int]]] = {}  # name -> (its lock, [holders and waiters])

    @contextmanager
    def turn(self, *names: str) -> Iterator[None]:
        taken: list[str] = []
        try:
            for name in sorted(set(names)):  # always in one order, so two attempts never wait on each other
                with self._guard:
                    lock, users = self._locks.setdefault(name, (threading.Lock(), [0]))
                    users[0] += 1
                taken.append(name)
                lock.acquire()
            yield
        finally:
            for name in reversed(taken):
                with self._guard:
                    lock, users = self._locks[name]
                    users[0] -= 1
                    if not users[0]:
                        del self._locks[name]
                lock.release()


class Buckets:
    """A burst, then a pace, per sender: one token bucket for each limit ("40/10 seconds" holds 40 tokens and
    refills 4 a second), in this process's memory, O(1) a frame.

    ``limits``' moving window keeps a timestamp per hit and its memory storage
    sweeps every one of them, every key's, on a timer: at a few thousand frames
    a second over hundreds of sockets, that sweep took most of the server's CPU
    (bench.load).  The frames of one socket, or of one rep's devices, are this
    node's own business, so they need no shared storage.
    """

    def __init__(self, limits: list[RateLimitItem], clock: Callable[[], float] = time.monotonic) -> None:
        self._shapes = [(float(limit.amount), limit.amount / limit.get_expiry()) for limit in limits]
        self._full = [size for size, _ in self._shapes]  # a new sender's levels (never changed in place)
        self._idle_s = max((limit.get_expiry() for limit in limits), default=0)  # full again after this long
        self._clock = clock
        self._lock = threading.Lock()
        self._levels: dict[str, tuple[float, list[float]]] = {}  # sender -> (when counted, tokens per bucket)
        self._takes = 0

    def take(self, sender: str) -> float:
        """Take a token from each of the sender's buckets; 0 when it may go, else the seconds until it may (and
        nothing is taken)."""
        now = self._clock()
        with self._lock:  # one plain loop: it runs for every frame (list comprehensions cost ~2x, bench.load)
            self._takes += 1
            if self._takes % 4096 == 0:
                self._forget_idle(now)
            found = self._levels.get(sender)
            then, levels = (now, self._full) if found is None else found
            elapsed, wait, refilled = now - then, 0.0, []
            for level, (size, rate) in zip(levels, self._shapes):  # noqa: B905 -- one level per shape, always
                level = min(size, level + elapsed * rate)
                if level < 1:
                    wait = max(wait, (1 - level) / rate)
                refilled.append(level)
            if wait:
                self._levels[sender] = (now, refilled)
                return max(0.001, wait)
            self._levels[sender] = (now, [level - 1 for level in refilled])
            return 0.0

    def _forget_idle(self, now: float) -> None:
        """Drop the senders whose buckets are full again: they start afresh, as they would."""
        for sender in [s for s, (then, _) in self._levels.items() if now - then >= self._idle_s]:
            del self._levels[sender]

    def __len__(self) -> int:
        return len(self._levels)


class Throttle:
    """The limits on guessing, read from the settings (``DEFAULTS`` names them)."""

    def __init__(self, config: Mapping[str, object] | None = None) -> None:
        settings = DEFAULTS | dict(config or {})

        def number(name: str) -> float:
            return float(str(settings[name]))

        storage = storage_from_string(str(settings["THROTTLE_STORAGE"]))
        if not isinstance(storage, Storage):
            raise ValueError("THROTTLE_STORAGE must name a storage for threads, not an async+ one")
        self.storage = storage
        self._keys = MovingWindowRateLimiter(self.storage)
        self._per_socket = parse(str(settings["KEY_TRIES_PER_SOCKET"]))
        self._per_address = parse(str(settings["KEY_TRIES_PER_ADDRESS"]))
        timing = number("SIGN_IN_LOCKOUT_S"), number("SIGN_IN_LOCKOUT_MAX_S"), number("SIGN_IN_FORGET_S")
        self._frames = Buckets(parse_many(str(settings["FRAMES_PER_CONNECTION"])))
        self._requests = parse_many(str(settings["REQUESTS_PER_ADDRESS"]))
        self._typing = Buckets(parse_many(str(settings["TYPING_PER_CONNECTION"])))
        self._usernames = Lockout(self.storage, "sign-in-username", int(number("SIGN_IN_FAILURES_PER_USERNAME")),
                                  *timing)
        self._addresses = Lockout(self.storage, "sign-in-address", int(number("SIGN_IN_FAILURES_PER_ADDRESS")),
                                  *timing)
        self._turns = Turns()

    # --- session keys ------------------------------------------------------------

    def _key_limits(self, socket: str, address: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
        return [(self._per_socket, ("session-keys", "socket", socket)),
                (self._per_address, ("session-keys", "address", address))]

    @property
    def key_window_s(self) -> int:
        """How far back wrong keys from one address are counted."""
        return self._per_address.get_expiry()

    def key_turn(self, address: str) -> AbstractContextManager[None]:
        """Take this address's session keys one at a time, from the check to the count."""
        return self._turns.turn(f"session-keys/{address}")

    def key_wait(self, socket: str, address: str) -> float:
        """Return the seconds until this socket and address may try a session key; 0 when they may now."""
        waits = [0.0]
        for limit, names in self._key_limits(socket, address):
            if not self._keys.test(limit, *names):
                waits.append(self._keys.get_window_stats(limit, *names).reset_time - time.time())
        return max(waits)

    def key_missed(self, socket: str, address: str) -> int:
        """Count a wrong session key; return how many this address tried within its limit's window."""
        for limit, names in self._key_limits(socket, address):
            self._keys.hit(limit, *names)
        limit, names = self._key_limits(socket, address)[1]
        return limit.amount - self._keys.get_window_stats(limit, *names).remaining

    # --- the pace of frames and requests -------------------------------------------

    def _take(self, limits: list[RateLimitItem], *names: str) -> float:
        """Count one under every limit, or none when one is spent; return 0, or the seconds until one is free."""
        for limit in limits:
            if not self._keys.test(limit, *names):
                return max(0.001, self._keys.get_window_stats(limit, *names).reset_time - time.time())
        for limit in limits:
            self._keys.hit(limit, *names)
        return 0.0

    def frame_wait(self, sender: str) -> float:
        """Count a frame from one page or one rep; 0 when it may go, else the seconds until one may."""
        return self._frames.take(sender)

    def typing_wait(self, sender: str) -> float:
        """Count a "typing" frame from one page or one rep, in buckets of their own; 0 when it may go."""
        return self._typing.take(sender)

    def request_wait(self, address: str) -> float:
        """Count a request for help from one client address; 0 when it may go, else the seconds to wait."""
        return self._take(self._requests, "requests", address)

    # --- signing in --------------------------------------------------------------

    @staticmethod
    def _username(username: str) -> str:
        return username.strip().lower()[:40]  # no username is longer, so longer ones need no counter of their own

    def sign_in(self, username: str, address: str, check: Callable[[], Result | None]) -> Result | None:
        """Run ``check`` (the password's) unless the username or the address is locked out; count a failure,
        clear the username's on success.  Raise ``LockedOut``: before ``check`` when locked already, the right
        password too, and after it when this failure starts a lockout.

        Not the address's failures on success: one good account must not buy more guesses.
        """
        name = self._username(username)
        with self._turns.turn(f"sign-in-username/{name}", f"sign-in-address/{address}"):
            wait = max(self._usernames.wait(name), self._addresses.wait(address))
            if wait > 0:
                raise LockedOut(wait, failed=False)
            result = check()
            if result is not None:
                self._usernames.forget(name)
                return result
            lockout = max(self._usernames.failed(name), self._addresses.failed(address))
            if lockout > 0:
                log.warning("sign-in for %r from %s locked for %s", name, address, wait_text(lockout))
                raise LockedOut(lockout, failed=True)
            return None

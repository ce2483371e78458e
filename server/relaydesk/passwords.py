"""Hash and check reps' passwords off the gevent hub, and as slowly for an unknown username as for a known one.

scrypt costs ~100 ms of CPU on purpose.  Under gevent one thread, the hub's,
serves every socket, so a hash run there stalls them all.  gevent's
threadpool runs it on a real OS thread (hashlib lets go of the GIL inside
scrypt) and only the request that asked waits.  A ``concurrent.futures`` pool
would not help: once ``threading`` is monkey-patched its workers are greenlets
on the hub's own thread.  Without gevent (the command line, Flask's test
client) there is no hub to keep free, and the hash runs in place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import gevent
from gevent import monkey
from werkzeug.security import check_password_hash, generate_password_hash

# Made by generate_password_hash like a rep's, from a password nobody knows: an unknown username is checked
# against it, so its answer takes as long as a known one's.
STAND_IN_HASH = ("scrypt:32768:8:1$V2vVNNPqCyOWJtcW$3bc9e5e2292ad642431d7b82b629258802702b6ec5077488a3af35edb06e6c1"
                 "1e28f89a16d2040b8b1d4c744a2f32fb61e4d8d2712d8519230c052c4b3821bdd")

Result = TypeVar("Result")


class Passwords:
    """``off_hub=False`` hashes on the hub as before, only to measure what the threadpool saves (bench/guessing)."""

    def __init__(self, off_hub: bool = True) -> None:
        self.off_hub = off_hub

    def hash(self, password: str) -> str:
        return self._run(generate_password_hash, password)

    def check(self, stored: str | None, password: str) -> bool:
        """Tell whether ``password`` matches ``stored``; with no stored hash, spend the same time and say no."""
        matches = self._run(check_password_hash, stored or STAND_IN_HASH, password)
        return matches and stored is not None

    def _run(self, work: Callable[..., Result], *args: str) -> Result:
        if self.off_hub and monkey.is_module_patched("threading"):
            return gevent.get_hub().threadpool.apply(work, args)
        return work(*args)

"""Track the link to the relay: what is unacknowledged, and when to try again.

Pure Python, shared by both apps.  Frames that change something wait in the
outbox until the server acknowledges (or refuses) them, and are sent again,
in order, after every reconnect; the server recognises a resent id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FIRST_RETRY = 0.5  # seconds
LAST_RETRY = 5.0


@dataclass
class Link:
    online: bool = False
    failures: int = 0
    outbox: list[dict] = field(default_factory=list)

    def submit(self, frame: dict) -> list[dict]:
        """Queue a frame; return what to transmit now (nothing while offline)."""
        self.outbox.append(frame)
        return [frame] if self.online else []

    def settle(self, frame_id: str) -> dict | None:
        """Drop an acknowledged or refused frame from the outbox; return it."""
        for frame in self.outbox:
            if frame.get("id") == frame_id:
                self.outbox.remove(frame)
                return frame
        return None

    def opened(self) -> None:
        self.online = True

    def welcomed(self) -> None:
        """The server answered our hello: the link works, so start the backoff afresh."""
        self.failures = 0

    def closed(self) -> float:
        """Note a lost (or failed) connection; return the seconds to wait before retrying."""
        self.online = False
        delay = min(LAST_RETRY, FIRST_RETRY * 2**self.failures)
        self.failures += 1
        return delay

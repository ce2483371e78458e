"""Keep one session's chat log in order, whatever order frames arrive in.

Pure Python, shared by the customer window and the rep console, and tested
under CPython.  Confirmed entries are sorted by the server's sequence number;
entries the person sent that the server has not acknowledged yet stay at the
bottom, in the order they were typed.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from relaydesk.notes import render

PENDING = "pending"
SENT = "sent"
FAILED = "failed"


@dataclass
class Entry:
    """One line of a chat log, as the browser draws it."""

    id: str
    kind: str
    text: str
    author_name: str
    author_kind: str
    mine: bool
    seq: int | None = None
    at: int | None = None
    state: str = SENT
    to: str | None = None  # who a private entry is for
    reason: str = ""  # why it was refused, when it was


@dataclass
class Placement:
    """Where an entry goes: before the entry keyed ``before``, or at the end when None."""

    entry: Entry
    before: str | None


@dataclass
class Conversation:
    """The log of one session as one browser has seen it."""

    summary: dict
    confirmed: list[Entry] = field(default_factory=list)
    pending: list[Entry] = field(default_factory=list)
    last_seq: int = 0  # every event up to here has arrived: what to resume from
    _seqs: set[int] = field(default_factory=set)
    # A rep's console loads a session's history when its tab is first shown, newest first: until then it holds
    # only the live events.  ``floor``: every event after it, up to ``last_seq``, is here.
    loaded: bool = True
    floor: int = 0
    earlier: bool = False  # older events are still on the server

    @property
    def id(self) -> int:
        return self.summary["id"]

    @property
    def entries(self) -> list[Entry]:
        return self.confirmed + self.pending

    def add_pending(self, entry: Entry) -> Placement:
        """Show an entry the person just sent, before the server has it."""
        entry.state = PENDING
        self.pending.append(entry)
        return Placement(entry, None)

    def receive(self, entry: Entry) -> Placement | None:
        """Take an event from the server; None when it was already here."""
        if entry.seq in self._seqs:
            return None
        mine = next((e for e in self.pending if e.id == entry.id), None)
        if mine is not None:
            self.pending.remove(mine)
            mine.seq, mine.at, mine.state = entry.seq, entry.at, SENT
            entry = mine
        return self._place(entry)

    def confirm(self, entry_id: str, seq: int, at: int) -> Placement | None:
        """Mark a pending entry as stored by the server under ``seq``."""
        mine = next((e for e in self.pending if e.id == entry_id), None)
        if mine is None or seq in self._seqs:
            return None
        self.pending.remove(mine)
        mine.seq, mine.at, mine.state = seq, at, SENT
        return self._place(mine)

    def covered(self, first: int, last: int) -> None:
        """Note a page of history that covered sequence numbers ``first`` to ``last``: nothing in that stretch
        is missing, even numbers this person may not see."""
        if first <= self.last_seq + 1:
            self.last_seq = max(self.last_seq, last)
        self._advance()

    def newest_loaded(self, first: int, last: int, earlier: bool) -> None:
        """Take the newest page of a log held until now as live events only: everything from ``first`` is
        here, the live events that came meanwhile included."""
        self.loaded, self.floor, self.earlier = True, first - 1, earlier
        self.last_seq = max([last, *(e.seq or 0 for e in self.confirmed)])
        self._advance()

    def older_loaded(self, first: int, earlier: bool) -> None:
        """Take an older page: everything from ``first`` is now here."""
        self.floor, self.earlier = min(self.floor, first - 1), earlier

    @property
    def first_seq(self) -> int:
        """Return the oldest sequence number held without a gap up to the newest: what to load older than."""
        return self.floor + 1

    def unload(self) -> None:
        """Forget the live events of a log not loaded yet (they may have gaps now): its history loads whole."""
        self.confirmed, self._seqs, self.last_seq, self.loaded = [], set(), 0, False

    def _advance(self) -> None:
        while self.last_seq + 1 in self._seqs:
            self.last_seq += 1

    def fail(self, entry_id: str, reason: str = "") -> Entry | None:
        """Mark a pending entry as refused, and why; it stays on screen, marked, so nothing is lost."""
        mine = next((e for e in self.pending if e.id == entry_id), None)
        if mine is not None:
            mine.state, mine.reason = FAILED, reason
        return mine

    def _place(self, entry: Entry) -> Placement:
        assert entry.seq is not None, "only confirmed entries have a place"
        index = bisect_right([e.seq or 0 for e in self.confirmed], entry.seq)
        self.confirmed.insert(index, entry)
        self._seqs.add(entry.seq)
        self._advance()
        following = self.confirmed[index + 1 : index + 2] or self.pending[:1]
        return Placement(entry, following[0].id if following else None)


def entry_from_event(event: dict, mine: bool) -> Entry:
    """Build an entry from an ``event`` frame."""
    author = event.get("author") or {}
    return Entry(
        id=event["id"], kind=event["kind"], text=render(event.get("note"), event["text"]),
        author_name=author.get("name", ""),
        author_kind=author.get("kind", ""), mine=mine, seq=event["seq"], at=event["at"],
        to=(event.get("meta") or {}).get("to"),
    )

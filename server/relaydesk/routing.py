"""Reps' availability, and new customers routed to an available rep by themselves.

Each rep sets *My status*: Available or Away (kept, so it outlasts a reload).
Every console is told the team as it is, each rep Available, Away or Offline
(signed in on no console), and told again whenever that changes: the queue,
the Invite and the Transfer lists show it.

With the team setting *Assign new customers automatically* on, a new customer
goes straight to the available, signed-in rep with the fewest active sessions
under the cap (ties: the one whose last assignment is longest ago); the
session opens on their console by itself, as with a key.  With nobody
available, the customer waits in the queue as before, and reads why; the
queue is handed out again as reps become available, come online or end
sessions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .delivery import One, QueueWatchers, Reply, ack, send
from .hub import Hub, Part, Relaying, RepConnection, RepHandler
from .notes import NOTES, note
from .roster import AVAILABILITIES
from .store import Rep, Session, Store

OFFLINE = "offline"
NOBODY_AVAILABLE = NOTES["nobody-available"]  # the customer's note when routing finds nobody (English)


class Routing(Part):
    """``relay`` also gives ``opened(session, rep, note_id)`` and ``queue_changed()``: see ``bind``."""

    def __init__(self, store: Store, hub: Hub, relay: Relaying) -> None:
        super().__init__(store, hub, relay)
        self._last_view: list[dict] | None = None
        self._lock = threading.RLock()
        self._opened: Callable[[Session, Rep, str], None] = lambda session, rep, note_id: None
        self._queue_changed: Callable[[], None] = lambda: None

    def bind(self, opened: Callable[[Session, Rep, str], None], queue_changed: Callable[[], None]) -> None:
        self._opened, self._queue_changed = opened, queue_changed

    def handlers(self) -> dict[str, RepHandler]:
        return {"availability": self.availability}

    # --- who is available -------------------------------------------------------

    def team_view(self) -> list[dict]:
        """Return every enabled rep with their status: available, away, or offline when signed in nowhere."""
        online, statuses = self.hub.online_rep_ids(), self.store.roster.availability()
        return [{"id": rep.id, "name": rep.display_name, "status": statuses[rep.id] if rep.id in online else OFFLINE}
                for rep in self.store.reps() if rep.id in statuses]

    def welcome(self, conn: RepConnection) -> None:
        """Tell a console that said hello the team as it is (its own rep's status among them)."""
        self.team_changed()  # its rep may just have come online: everyone hears, this console too
        self.hub.deliver([send(One(conn), "team", reps=self.team_view())])

    def team_changed(self) -> None:
        """Tell every console the team, if it changed since they were last told (with a broker: by any node, as
        Redis keeps it; the sweep asks too, so a node that died takes its reps offline everywhere)."""
        with self._lock:
            view = self.team_view()
            broker = self.hub.broker
            if view == (broker.get_json("team") if broker is not None else self._last_view):
                return
            self._last_view = view
            if broker is not None:
                broker.set_json("team", view)
            self.hub.deliver([send(QueueWatchers(), "team", reps=view)])

    def availability(self, conn: RepConnection, message: dict) -> Reply:
        self.store.roster.set_availability(conn.rep.id, message["status"])
        self.team_changed()
        self.assign_waiting()
        return [ack(message["id"])]

    # --- routing ---------------------------------------------------------------

    def auto_assign(self) -> bool:
        return self.store.setting("auto_assign") == "1"

    def pick(self) -> int | None:
        """Return the rep a new customer goes to, or None when nobody available has room."""
        cap = int(self.store.setting("max_sessions", "0") or 0)
        for row in self.store.roster.routing_candidates(self.hub.online_rep_ids()):
            if not cap or row["open"] < cap:
                return row["id"]
        return None

    def assign(self, session: Session, note_id: str) -> bool:
        """Give a waiting session to the rep routing picks and open it on their console; False if nobody has
        room (or it was taken meanwhile)."""
        with self._lock:
            rep_id = self.pick()
            if rep_id is None:
                return False
            rep = self.store.rep(rep_id)
            if not self.store.accept(session.id, rep):
                return False
            self.store.roster.assigned(rep.id)
        self._opened(self.store.session(session.id), rep, note_id)
        return True

    def assign_waiting(self) -> None:
        """Hand the queue out, oldest first, while someone available has room (the setting on)."""
        if not self.auto_assign():
            return
        gave = False
        for session in self.store.waiting_sessions():
            if not self.assign(session, f"assigned-{session.id}"):
                break
            gave = True
        if gave:
            self._queue_changed()

    def consider(self, session: Session, request_id: str) -> bool:
        """Route a customer who just asked for help; say so to them when nobody is available.  Return whether
        a rep got them."""
        if not self.auto_assign():
            return False
        if self.assign(session, f"assigned-{request_id}"):
            return True
        self.relay.status(session, f"nobody-{request_id}", note("nobody-available"))
        return False


__all__ = ["AVAILABILITIES", "NOBODY_AVAILABLE", "OFFLINE", "Routing"]

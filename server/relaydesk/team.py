"""Reps together: invitations, hidden reps, transfers, leaving, and admins who monitor.

A mixin of the relay's frame handlers (``_rep_<type>``).  Each change writes
its status note with two wordings where the customer must not learn more:
reps read what happened; the customer reads only that a visible rep came or
went, and nothing at all about hidden ones.
"""

from __future__ import annotations

import secrets

from . import protocol
from .protocol import AUDIENCE_ALL, AUDIENCE_REPS, ProtocolError
from .store import Refused, Rep, Session

MOST_INVITED = 7


class TeamHandlers:
    def invite_view(self, session_id: int, by: str) -> dict:
        """Return what an invited rep is shown before joining: whose session, from whom."""
        session = self.store.get_session(session_id)
        return {"session": session.id, "customer": session.customer_name, "issue": session.issue, "by": by}

    def _rep_invite(self, conn, message: dict) -> None:
        session = self._rep_session(conn, message["session"], message["id"])
        target = self.store.get_rep(message["rep"])
        if target is None or target.id == conn.rep.id:
            raise ProtocolError("bad-rep", "Choose another representative to invite.", message["id"])
        try:
            self.store.invite(session.id, target.id, conn.rep.id, message["hidden"], MOST_INVITED)
        except Refused as exc:
            raise ProtocolError("refused", str(exc), message["id"]) from None
        how = " to join hidden" if message["hidden"] else ""
        self.status(session, f"invite-{message['id']}", f"{conn.rep.display_name} invited {target.display_name}{how}",
                    AUDIENCE_REPS)
        invitation = protocol.encode("invited", **self.invite_view(session.id, conn.rep.display_name))
        for target_conn in self._rep_conns(target.id):
            target_conn.send(invitation)
        conn.send(protocol.encode("ack", id=message["id"], session=session.id))

    def _rep_join(self, conn, message: dict) -> None:
        rep, session = conn.rep, self.store.get_session(message["session"])
        if session is None or session.status != "active":
            raise ProtocolError("gone", "That session has ended.", message["id"])
        hidden = self.store.take_invite(session.id, rep.id)
        if hidden is None:
            if self.store.is_participant(session.id, rep.id):  # a resend of a join that went through
                conn.send(protocol.encode("ack", id=message["id"], session=session.id))
                return
            raise ProtocolError("no-invite", "That invitation is no longer open.", message["id"])
        self.store.add_participant(session.id, rep.id, "invited", hidden)
        self.open_for(session, rep.id)
        self._came(session, rep, hidden, f"join-{message['id']}")
        self.session_changed(session.id)
        conn.send(protocol.encode("ack", id=message["id"], session=session.id))

    def _rep_visibility(self, conn, message: dict) -> None:
        session = self._rep_session(conn, message["session"], message["id"])
        me, hidden = self.store.participant(session.id, conn.rep.id), message["hidden"]
        if me.role == "monitor":
            raise ProtocolError("monitoring", "Monitoring admins stay hidden.", message["id"])
        if me.hidden != hidden:
            self.store.set_hidden(session.id, conn.rep.id, hidden)
            name = conn.rep.display_name
            if hidden:
                self.status(session, f"hide-{message['id']}", f"{name} is now hidden from the customer",
                            public_text=f"{name} left the chat")
            else:
                self.status(session, f"show-{message['id']}", f"{name} is now visible to the customer",
                            public_text=f"{name} joined the chat")
            self.session_changed(session.id)
        conn.send(protocol.encode("ack", id=message["id"], session=session.id))

    def _rep_transfer(self, conn, message: dict) -> None:
        session = self._rep_session(conn, message["session"], message["id"])
        if session.owner_rep_id != conn.rep.id:
            raise ProtocolError("not-owner", "Only the representative who holds the session can transfer it.",
                                message["id"])
        target = self.store.get_rep(message["rep"])
        if target is None or target.id == conn.rep.id:
            raise ProtocolError("bad-rep", "Choose another representative to transfer to.", message["id"])
        was_in, me = self.store.participant(session.id, target.id), self.store.participant(session.id, conn.rep.id)
        self.store.transfer(session.id, target.id, keep_previous=message["stay"])
        comment = message["comment"] or ""
        note = f"{conn.rep.display_name} transferred the session to {target.display_name}"
        self.status(session, f"transfer-{message['id']}", f"{note}: {comment}" if comment else note, AUDIENCE_REPS)
        if was_in is None:
            self._came(session, target, False, f"owner-{message['id']}")
        if not message["stay"]:
            self._went(session, conn.rep, me.hidden, f"gone-{message['id']}")
        self.open_for(self.store.get_session(session.id), target.id, comment)
        self.session_changed(session.id)
        conn.send(protocol.encode("ack", id=message["id"], session=session.id))

    def _rep_leave(self, conn, message: dict) -> None:
        session = self._rep_session(conn, message["session"], message["id"])
        if session.owner_rep_id == conn.rep.id:
            raise ProtocolError("owner", "You hold this session: transfer it or end it instead.", message["id"])
        hidden = self.store.participant(session.id, conn.rep.id).hidden
        self.store.remove_participant(session.id, conn.rep.id)
        self._went(session, conn.rep, hidden, f"leave-{message['id']}")
        self.session_changed(session.id)
        conn.send(protocol.encode("ack", id=message["id"], session=session.id))

    def monitor(self, session: Session, admin: Rep) -> None:
        """Let an admin read a session, hidden and read-only, listed among its participants."""
        if self.store.is_participant(session.id, admin.id):
            return
        self.store.add_participant(session.id, admin.id, "monitor", hidden=True)
        self.status(session, f"monitor-{admin.id}-{secrets.token_hex(4)}", f"{admin.display_name} is monitoring",
                    AUDIENCE_REPS)
        self.open_for(session, admin.id)
        self.session_changed(session.id)

    # --- the notes a coming and going writes ---------------------------------------

    def _came(self, session: Session, rep: Rep, hidden: bool, note_id: str) -> None:
        if hidden:
            self.status(session, note_id, f"{rep.display_name} joined, hidden from the customer", AUDIENCE_REPS)
        else:
            self.status(session, note_id, f"{rep.display_name} joined the chat", AUDIENCE_ALL)

    def _went(self, session: Session, rep: Rep, hidden: bool, note_id: str) -> None:
        self.status(session, note_id, f"{rep.display_name} left the chat", AUDIENCE_REPS if hidden else AUDIENCE_ALL)
        closed = protocol.encode("closed", session=session.id)
        for rep_conn in self._rep_conns(rep.id):
            rep_conn.send(closed)

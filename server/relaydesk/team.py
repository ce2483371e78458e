"""Reps together: invitations, hidden reps, transfers, leaving, and admins who monitor.

``Team`` handles the reps' frames for these; the relay owns it.  Each change writes
its status note with two wordings where the customer must not learn more:
reps read what happened; the customer reads only that a visible rep came or
went, and nothing at all about hidden ones.
"""

from __future__ import annotations

import secrets

from .delivery import Rep as RepAddress
from .delivery import Reply, ack, send
from .hub import Part, RepConnection, RepHandler
from .i18n import N_, _
from .notes import note
from .protocol import AUDIENCE_ALL, AUDIENCE_REPS, ProtocolError
from .store import Refused, Rep, Session

MOST_INVITED = 7


class Team(Part):
    def handlers(self) -> dict[str, RepHandler]:
        return {"invite": self.invite, "join": self.join, "visibility": self.visibility, "transfer": self.transfer,
                "leave": self.leave}

    def invite_view(self, session_id: int, by: str) -> dict:
        """Return what an invited rep is shown before joining: whose session, from whom."""
        session = self.store.session(session_id)
        return {"session": session.id, "customer": session.customer_name, "issue": session.issue, "by": by}

    def invite(self, conn: RepConnection, message: dict) -> Reply:
        session = self.relay.rep_session(conn, message["session"], message["id"])
        self.relay.acting(conn, session, message["id"], N_("invite others to it"))
        target = self.store.get_rep(message["rep"])
        if target is None or target.id == conn.rep.id:
            raise ProtocolError("bad-rep", _("Choose another representative to invite."), message["id"])
        try:
            self.store.invite(session.id, target.id, conn.rep.id, message["hidden"], MOST_INVITED)
        except Refused as exc:
            raise ProtocolError("refused", str(exc), message["id"]) from None
        self.relay.status(session, f"invite-{message['id']}",
                          note("invited-hidden" if message["hidden"] else "invited", name=conn.rep.display_name,
                               target=target.display_name), AUDIENCE_REPS)
        return [send(RepAddress(target.id), "invited", **self.invite_view(session.id, conn.rep.display_name)),
                ack(message["id"], session=session.id)]

    def join(self, conn: RepConnection, message: dict) -> Reply:
        rep, session = conn.rep, self.store.get_session(message["session"])
        if session is None or session.status != "active":
            raise ProtocolError("gone", _("That session has ended."), message["id"])
        hidden = self.store.take_invite(session.id, rep.id)
        if hidden is None:
            if self.store.is_participant(session.id, rep.id):  # a resend of a join that went through
                return [ack(message["id"], session=session.id)]
            raise ProtocolError("no-invite", _("That invitation is no longer open."), message["id"])
        self.store.add_participant(session.id, rep.id, "invited", hidden)
        self.relay.open_for(session, rep.id)
        self._came(session, rep, hidden, f"join-{message['id']}")
        self.relay.session_changed(session.id)
        return [ack(message["id"], session=session.id)]

    def visibility(self, conn: RepConnection, message: dict) -> Reply:
        session = self.relay.rep_session(conn, message["session"], message["id"])
        me, hidden = self.relay.participant(conn, session, message["id"]), message["hidden"]
        if me.role == "monitor":
            raise ProtocolError("monitoring", _("Monitoring admins stay hidden."), message["id"])
        if me.hidden != hidden:
            self.store.set_hidden(session.id, conn.rep.id, hidden)
            name = conn.rep.display_name
            if hidden:
                self.relay.status(session, f"hide-{message['id']}", note("hidden", name=name),
                                  public=note("left", name=name))
            else:
                self.relay.status(session, f"show-{message['id']}", note("visible", name=name),
                                  public=note("joined", name=name))
            self.relay.session_changed(session.id)
        return [ack(message["id"], session=session.id)]

    def transfer(self, conn: RepConnection, message: dict) -> Reply:
        session = self.relay.rep_session(conn, message["session"], message["id"])
        me = self.relay.acting(conn, session, message["id"], N_("transfer it"))
        if session.owner_rep_id != conn.rep.id:
            raise ProtocolError("not-owner", _("Only the representative who holds the session can transfer it."),
                                message["id"])
        target = self.store.get_rep(message["rep"])
        if target is None or target.id == conn.rep.id:
            raise ProtocolError("bad-rep", _("Choose another representative to transfer to."), message["id"])
        was_in = self.store.participant(session.id, target.id)
        self.store.transfer(session.id, target.id, keep_previous=message["stay"])
        comment = message["comment"] or ""
        who = {"name": conn.rep.display_name, "target": target.display_name}
        said = note("transferred-comment", **who, comment=comment) if comment else note("transferred", **who)
        self.relay.status(session, f"transfer-{message['id']}", said, AUDIENCE_REPS)
        if was_in is None:
            self._came(session, target, False, f"owner-{message['id']}")
        if not message["stay"]:
            self._went(session, conn.rep, me.hidden, f"gone-{message['id']}")
        self.relay.open_for(self.store.session(session.id), target.id, comment)
        self.relay.session_changed(session.id)
        return [ack(message["id"], session=session.id)]

    def leave(self, conn: RepConnection, message: dict) -> Reply:
        session = self.relay.rep_session(conn, message["session"], message["id"])
        if session.owner_rep_id == conn.rep.id:
            raise ProtocolError("owner", _("You hold this session: transfer it or end it instead."), message["id"])
        hidden = self.relay.participant(conn, session, message["id"]).hidden
        self.store.remove_participant(session.id, conn.rep.id)
        self._went(session, conn.rep, hidden, f"leave-{message['id']}")
        self.relay.session_changed(session.id)
        return [ack(message["id"], session=session.id)]

    def monitor(self, session: Session, admin: Rep) -> None:
        """Let an admin read a session, hidden and read-only, listed among its participants."""
        if self.store.is_participant(session.id, admin.id):
            return
        self.store.add_participant(session.id, admin.id, "monitor", hidden=True)
        self.relay.status(session, f"monitor-{admin.id}-{secrets.token_hex(4)}",
                          note("monitoring", name=admin.display_name), AUDIENCE_REPS)
        self.relay.open_for(session, admin.id)
        self.relay.session_changed(session.id)

    # --- the notes a coming and going writes ---------------------------------------

    def _came(self, session: Session, rep: Rep, hidden: bool, note_id: str) -> None:
        if hidden:
            self.relay.status(session, note_id, note("joined-hidden", name=rep.display_name), AUDIENCE_REPS)
        else:
            self.relay.status(session, note_id, note("joined", name=rep.display_name), AUDIENCE_ALL)

    def _went(self, session: Session, rep: Rep, hidden: bool, note_id: str) -> None:
        self.relay.status(session, note_id, note("left", name=rep.display_name),
                          AUDIENCE_REPS if hidden else AUDIENCE_ALL)
        self.hub.deliver([send(RepAddress(rep.id), "closed", session=session.id)])

"""The customer's screen: a rep asks, the customer allows, thumbnails flow, the Viewer asks for more.

``Screens`` handles the frames for these; the relay owns it.  Images arrive as
binary frames from the customer's socket, are checked by Pillow (``images``),
kept (the latest one, for a rep who opens the session later, and only while
the session is open) and sent to the session's reps only, never to any customer,
as binary frames (``protocol.encode_screen_image``).  Each rep's socket holds at
most one picture per session waiting to be written (``Outbox.send_latest``): a
newer one replaces it, so a rep on a slow link gets fewer pictures, not a backlog.

With a broker (several nodes), the state (asked, shared, who views) and the
latest picture live in Redis, so the node a rep or the customer is on, or
reconnects to, knows them; each change is read, changed and written back.
"""

from __future__ import annotations

from . import protocol
from .delivery import Customers, One, Reply, Send, SessionReps, ack, send
from .hub import CustomerConnection, CustomerHandler, LiveSession, Part, RepConnection, RepHandler, ScreenState, ended
from .i18n import N_, _
from .images import CheckedImage, ImageRefused, check
from .notes import note
from .protocol import ProtocolError


class Screens(Part):
    def rep_handlers(self) -> dict[str, RepHandler]:
        return {"screen-request": self.request, "viewer": self.viewer}

    def customer_handlers(self) -> dict[str, CustomerHandler]:
        return {"screen": self.answer}

    def _live(self, session_id: int, frame_id: str) -> LiveSession:
        live = self.hub.live(session_id)
        if live is None:
            raise ended(frame_id)
        return live

    def _state(self, session_id: int, live: LiveSession | None) -> ScreenState:
        """Return a session's screen state: this process's, or (with a broker) every node's, as Redis has it."""
        broker = self.hub.broker
        if broker is None:
            return live.screen if live is not None else ScreenState()
        kept = broker.get_json(f"screen:{session_id}") or {}
        return ScreenState(kept.get("asked_by", ""), bool(kept.get("sharing")), None, set(kept.get("viewers", ())))

    def _keep(self, session_id: int, screen: ScreenState) -> None:
        """Write a changed screen state back where every node reads it (with a broker; else it is kept already)."""
        broker = self.hub.broker
        if broker is not None:
            broker.set_json(f"screen:{session_id}", {"asked_by": screen.asked_by, "sharing": screen.sharing,
                                                     "viewers": sorted(screen.viewers)})
            if not screen.sharing:
                broker.set_bytes(f"screen:{session_id}:latest", None)

    def request(self, conn: RepConnection, message: dict) -> Reply:
        session = self.relay.rep_session(conn, message["session"], message["id"])
        me = self.relay.acting(conn, session, message["id"], N_("ask to see the customer's screen"))
        if me.hidden:
            raise ProtocolError("hidden", _("You are hidden from the customer: show yourself before asking."),
                                message["id"])
        screen = self._state(session.id, self._live(session.id, message["id"]))
        reply = [ack(message["id"], session=session.id)]
        if not screen.sharing:
            screen.asked_by = conn.rep.display_name
            self._keep(session.id, screen)
            self.relay.status(session, f"ask-screen-{message['id']}",
                              note("screen-asked", name=conn.rep.display_name),
                              public=note("screen-asked-you", name=conn.rep.display_name))
            reply.insert(0, send(Customers(session.id), "screen-asked", by=conn.rep.display_name))
        return reply

    def answer(self, conn: CustomerConnection, message: dict) -> Reply:
        """Take the customer's answer: allowed, denied, or stopped.

        Sharing is taken only when a rep asked, or when it goes on: a page
        still capturing says ``allowed`` again after a server restart, which
        the store's consent remembers.  A denial nobody asked for notes nothing.
        """
        session = self.relay.customer_session(conn, message["id"])
        screen = self._state(session.id, self._live(session.id, message["id"]))
        name, state = session.customer_name, message["state"]
        asked = bool(screen.asked_by)
        if state == "allowed" and not (asked or screen.sharing or self.store.screen_consent(session.id)):
            raise ProtocolError("not-asked", _("Your screen is shared only when a representative asks to see it."),
                                message["id"])
        said = note(f"screen-{state}", name=name)
        changed = (state == "allowed") != screen.sharing or (state == "denied" and asked)
        screen.asked_by, screen.sharing = "", state == "allowed"
        self.store.set_screen_consent(session.id, screen.sharing)
        if not screen.sharing:
            screen.latest = None
        self._keep(session.id, screen)
        if changed:
            self.relay.status(session, f"screen-{message['id']}", said)
            self.changed(session.id)
        return [ack(message["id"], session=session.id)]

    def viewer(self, conn: RepConnection, message: dict) -> Reply:
        session = self.relay.rep_session(conn, message["session"], message["id"])
        screen = self._state(session.id, self._live(session.id, message["id"]))
        (screen.viewers.add if message["open"] else screen.viewers.discard)(conn.tag)
        self._keep(session.id, screen)
        self.changed(session.id)
        return [ack(message["id"], session=session.id)]

    def forget(self, conn: RepConnection) -> None:
        """Close the Viewers of a rep's console that went away: a Viewer cannot outlive it."""
        if self.hub.broker is not None:
            for session in self.store.rep_sessions(conn.rep.id):
                screen = self._state(session.id, None)
                if conn.tag in screen.viewers:
                    screen.viewers.discard(conn.tag)
                    self._keep(session.id, screen)
                    self.changed(session.id)
            return
        for session_id, live in self.hub.live_sessions():
            if conn.tag in live.screen.viewers:
                live.screen.viewers.discard(conn.tag)
                self.changed(session_id)

    def changed(self, session_id: int) -> None:
        """Tell the customer at what size to send, and the reps whether the screen is shared."""
        live = self.hub.get(session_id)
        screen = self._state(session_id, live) if live or self.hub.broker else ScreenState()
        viewing, sharing = bool(screen.viewers), screen.sharing
        self.hub.deliver([send(Customers(session_id), "screen-mode", mode="viewer" if viewing else "thumbnail",
                               sharing=sharing)])
        self.relay.session_changed(session_id)

    def sharing(self, session_id: int) -> bool:
        live = self.hub.get(session_id)
        return (live is not None or self.hub.broker is not None) and self._state(session_id, live).sharing

    def welcome_view(self, session_id: int) -> dict:
        """Return what a customer's page is told of its screen when it (re)connects."""
        screen = self._state(session_id, self.hub.get(session_id))
        return {"asked": screen.asked_by, "sharing": screen.sharing}

    def image(self, session_id: int, data: bytes) -> None:
        """Check a frame of the customer's screen and pass it to the session's reps."""
        live = self.hub.get(session_id)
        if live is None or not self._state(session_id, live).sharing:
            raise ProtocolError("not-sharing", _("Screen images are only taken while you share your screen."))
        try:
            live.screen.latest = check(data)
        except ImageRefused as exc:
            raise ProtocolError("bad-image", str(exc)) from None
        frame = self._image_frame(session_id, live.screen.latest)
        if self.hub.broker is not None:
            self.hub.broker.set_bytes(f"screen:{session_id}:latest", frame)
        self.hub.deliver([Send(SessionReps(session_id), frame, latest=("screen", session_id))])

    def send_latest(self, conn: RepConnection, session_id: int) -> None:
        frame: bytes | None = None
        if self.hub.broker is not None:
            frame = self.hub.broker.get_bytes(f"screen:{session_id}:latest")
        else:
            live = self.hub.get(session_id)
            if live is not None and live.screen.latest is not None:
                frame = self._image_frame(session_id, live.screen.latest)
        if frame is not None:
            self.hub.deliver([Send(One(conn), frame, latest=("screen", session_id))])

    @staticmethod
    def _image_frame(session_id: int, image: CheckedImage) -> bytes:
        """One binary frame: a small header naming the session, then the image's bytes as checked."""
        return protocol.encode_screen_image(session_id, image.width, image.height, image.mime, image.data)

"""The customer's screen: a rep asks, the customer allows, thumbnails flow, the Viewer asks for more.

``Screens`` handles the frames for these; the relay owns it.  Images arrive as
binary frames from the customer's socket, are checked by Pillow (``images``),
kept (the latest one, for a rep who opens the session later, and only while
the session is open) and sent to the session's reps only, never to any customer,
as binary frames (``protocol.encode_screen_image``).  Each rep's socket holds at
most one picture per session waiting to be written (``Outbox.send_latest``): a
newer one replaces it, so a rep on a slow link gets fewer pictures, not a backlog.
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

    def request(self, conn: RepConnection, message: dict) -> Reply:
        session = self.relay.rep_session(conn, message["session"], message["id"])
        me = self.relay.acting(conn, session, message["id"], N_("ask to see the customer's screen"))
        if me.hidden:
            raise ProtocolError("hidden", _("You are hidden from the customer: show yourself before asking."),
                                message["id"])
        screen = self._live(session.id, message["id"]).screen
        reply = [ack(message["id"], session=session.id)]
        if not screen.sharing:
            screen.asked_by = conn.rep.display_name
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
        screen, name, state = self._live(session.id, message["id"]).screen, session.customer_name, message["state"]
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
        if changed:
            self.relay.status(session, f"screen-{message['id']}", said)
            self.changed(session.id)
        return [ack(message["id"], session=session.id)]

    def viewer(self, conn: RepConnection, message: dict) -> Reply:
        session = self.relay.rep_session(conn, message["session"], message["id"])
        viewers = self._live(session.id, message["id"]).screen.viewers
        (viewers.add if message["open"] else viewers.discard)(id(conn))
        self.changed(session.id)
        return [ack(message["id"], session=session.id)]

    def forget(self, conn: RepConnection) -> None:
        """Close the Viewers of a rep's console that went away: a Viewer cannot outlive it."""
        for session_id, live in self.hub.live_sessions():
            if id(conn) in live.screen.viewers:
                live.screen.viewers.discard(id(conn))
                self.changed(session_id)

    def changed(self, session_id: int) -> None:
        """Tell the customer at what size to send, and the reps whether the screen is shared."""
        live = self.hub.get(session_id)
        viewing, sharing = (bool(live.screen.viewers), live.screen.sharing) if live else (False, False)
        self.hub.deliver([send(Customers(session_id), "screen-mode", mode="viewer" if viewing else "thumbnail",
                               sharing=sharing)])
        self.relay.session_changed(session_id)

    def sharing(self, session_id: int) -> bool:
        live = self.hub.get(session_id)
        return live is not None and live.screen.sharing

    def welcome_view(self, session_id: int) -> dict:
        """Return what a customer's page is told of its screen when it (re)connects."""
        live = self.hub.get(session_id)
        screen = live.screen if live else ScreenState()
        return {"asked": screen.asked_by, "sharing": screen.sharing}

    def image(self, session_id: int, data: bytes) -> None:
        """Check a frame of the customer's screen and pass it to the session's reps."""
        live = self.hub.get(session_id)
        if live is None or not live.screen.sharing:
            raise ProtocolError("not-sharing", _("Screen images are only taken while you share your screen."))
        try:
            live.screen.latest = check(data)
        except ImageRefused as exc:
            raise ProtocolError("bad-image", str(exc)) from None
        self.hub.deliver([Send(SessionReps(session_id), self._image_frame(session_id, live.screen.latest),
                                 latest=("screen", session_id))])

    def send_latest(self, conn: RepConnection, session_id: int) -> None:
        live = self.hub.get(session_id)
        if live is not None and live.screen.latest is not None:
            frame = self._image_frame(session_id, live.screen.latest)
            self.hub.deliver([Send(One(conn), frame, latest=("screen", session_id))])

    @staticmethod
    def _image_frame(session_id: int, image: CheckedImage) -> bytes:
        """One binary frame: a small header naming the session, then the image's bytes as checked."""
        return protocol.encode_screen_image(session_id, image.width, image.height, image.mime, image.data)

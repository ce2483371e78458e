"""The customer's screen: a rep asks, the customer allows, thumbnails flow, the Viewer asks for more.

A mixin of the relay's frame handlers.  Images arrive as binary frames from
the customer's socket, are checked by Pillow (``images``), kept (the latest
one, for a rep who opens the session later) and sent to the session's reps
only, never to any customer.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from . import protocol
from .images import CheckedImage, ImageRefused, check
from .protocol import ProtocolError


@dataclass
class Screen:
    asked_by: str = ""  # the rep waiting for an answer, if any
    sharing: bool = False
    latest: CheckedImage | None = None
    viewers: set = field(default_factory=set)  # rep connections with the Viewer open


class ScreenHandlers:
    def _rep_screen_request(self, conn, message: dict) -> None:
        session = self._rep_session(conn, message["session"], message["id"])
        me = self.store.participant(session.id, conn.rep.id)
        if me.hidden or me.role == "monitor":
            raise ProtocolError("hidden", "You are hidden from the customer: show yourself before asking.",
                                message["id"])
        screen = self._screens[session.id]
        if not screen.sharing:
            screen.asked_by = conn.rep.display_name
            self.status(session, f"ask-screen-{message['id']}",
                        f"{conn.rep.display_name} asked to see the customer's screen",
                        public_text=f"{conn.rep.display_name} asked to see your screen")
            asked = protocol.encode("screen-asked", by=conn.rep.display_name)
            for customer_conn in self._customer_conns(session.id):
                customer_conn.send(asked)
        conn.send(protocol.encode("ack", id=message["id"], session=session.id))

    def _customer_screen(self, conn, message: dict) -> None:
        session = self._customer_session(conn, message["id"])
        screen, name, state = self._screens[session.id], session.customer_name, message["state"]
        text = {"allowed": f"{name} is sharing their screen", "denied": f"{name} declined to share their screen",
                "stopped": f"{name} stopped sharing their screen"}[state]
        changed = (state == "allowed") != screen.sharing or state == "denied"
        screen.asked_by, screen.sharing = "", state == "allowed"
        if not screen.sharing:
            screen.latest = None
        if changed:
            self.status(session, f"screen-{message['id']}", text)
            self._screen_changed(session.id)
        conn.send(protocol.encode("ack", id=message["id"], session=session.id))

    def _rep_viewer(self, conn, message: dict) -> None:
        session = self._rep_session(conn, message["session"], message["id"])
        viewers = self._screens[session.id].viewers
        (viewers.add if message["open"] else viewers.discard)(id(conn))
        self._screen_changed(session.id)
        conn.send(protocol.encode("ack", id=message["id"], session=session.id))

    def _screen_changed(self, session_id: int) -> None:
        """Tell the customer at what size to send, and the reps whether the screen is shared."""
        screen = self._screens[session_id]
        mode = protocol.encode("screen-mode", mode="viewer" if screen.viewers else "thumbnail",
                               sharing=screen.sharing)
        for customer_conn in self._customer_conns(session_id):
            customer_conn.send(mode)
        self.session_changed(session_id)

    def screen_image(self, conn, data: bytes) -> None:
        """Check a frame of the customer's screen and pass it to the session's reps."""
        screen = self._screens[conn.session_id]
        if not screen.sharing:
            raise ProtocolError("not-sharing", "Screen images are only taken while you share your screen.")
        try:
            screen.latest = check(data)
        except ImageRefused as exc:
            raise ProtocolError("bad-image", str(exc)) from None
        frame = self._image_frame(conn.session_id, screen.latest)
        for rep_id in self.store.participant_ids(conn.session_id):
            for rep_conn in self._rep_conns(rep_id):
                rep_conn.send(frame)

    def send_latest_image(self, conn, session_id: int) -> None:
        latest = self._screens[session_id].latest
        if latest is not None:
            conn.send(self._image_frame(session_id, latest))

    @staticmethod
    def _image_frame(session_id: int, image: CheckedImage) -> str:
        data = base64.b64encode(image.data).decode()
        return protocol.encode("screen-image", session=session_id, src=f"data:{image.mime};base64,{data}",
                               width=image.width, height=image.height)

"""A bare flask-sock echo, and room relay, under gevent: the baselines bench/relay.py and bench/load.py compare
the relay with.

``/room/<name>?listen=1`` joins a room as a listener; every frame sent on ``/room/<name>`` goes to the room's
listeners as it is: no storage, no acks, no checks.

``/stored/<name>`` is the least a relay with Relaydesk's guarantee does (bench.load's "stored relay"): each frame
is read as JSON for its ``id``, stored in SQLite (``synchronous=FULL``, the frames that came during a commit in the
next one, on gevent's thread pool), then acknowledged to its sender and sent on to the room's listeners; no
checks, no sequence numbers, no resends, no visibility.  What it costs a message above the bare relay is a floor
under what any relay that acks only what is on disk costs on this stack.
"""

from gevent import monkey

monkey.patch_all()

import sqlite3  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import gevent.event  # noqa: E402
import orjson  # noqa: E402
from flask import Flask, request  # noqa: E402
from flask_sock import Sock  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402

app = Flask(__name__)
sock = Sock(app)


rooms: dict[str, set] = {}


class GroupCommit:
    """Frames stored in SQLite, those that came while a commit was on its way together in the next one."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE events (room TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL)")
        self.waiting: list[tuple] = []
        self.wake = gevent.event.Event()
        gevent.spawn(self._commit_all)

    def add(self, ws, room: str, frame_id: str, frame: str) -> None:
        self.waiting.append((ws, room, frame_id, frame))
        self.wake.set()

    def _store(self, batch: list[tuple]) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany("INSERT INTO events VALUES (?, ?, ?)", [(room, i, frame) for _, room, i, frame in batch])
        self.db.execute("COMMIT")

    def _commit_all(self) -> None:
        while True:
            self.wake.wait()
            self.wake.clear()
            while self.waiting:
                batch, self.waiting = self.waiting, []
                gevent.get_hub().threadpool.apply(self._store, (batch,))
                for ws, room, frame_id, frame in batch:
                    try:
                        ws.send(orjson.dumps({"type": "ack", "id": frame_id}).decode())
                    except Exception:  # noqa: BLE001 -- the sender went: its listeners still get it
                        pass
                    for listener in list(rooms.get(room, ())):
                        try:
                            listener.send(frame)
                        except Exception:  # noqa: BLE001
                            rooms[room].discard(listener)


commits: GroupCommit | None = None


@sock.route("/echo")
def echo(ws):
    while True:
        ws.send(ws.receive())


@sock.route("/room/<name>")
def room(ws, name):
    if request.args.get("listen"):
        listeners = rooms.setdefault(name, set())
        listeners.add(ws)
        try:
            while True:
                ws.receive()
        finally:
            listeners.discard(ws)
    while True:
        frame = ws.receive()
        for listener in list(rooms.get(name, ())):
            listener.send(frame)


@sock.route("/stored/<name>")
def stored(ws, name):
    while True:
        frame = ws.receive()
        commits.add(ws, name, orjson.loads(frame)["id"], frame)


if __name__ == "__main__":
    folder = tempfile.TemporaryDirectory()
    commits = GroupCommit(Path(folder.name) / "stored.sqlite3")
    server = WSGIServer(("127.0.0.1", 0), app, log=None)
    server.init_socket()
    print(f"Echo serving http://127.0.0.1:{server.server_port}", flush=True)
    sys.stdout.flush()
    server.serve_forever()

"""A bare flask-sock echo, and room relay, under gevent: the baselines bench/relay.py and bench/load.py compare
the relay with.

``/room/<name>?listen=1`` joins a room as a listener; every frame sent on ``/room/<name>`` goes to the room's
listeners as it is: no storage, no acks, no checks.
"""

from gevent import monkey

monkey.patch_all()

import sys  # noqa: E402

from flask import Flask, request  # noqa: E402
from flask_sock import Sock  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402

app = Flask(__name__)
sock = Sock(app)


rooms: dict[str, set] = {}


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


if __name__ == "__main__":
    server = WSGIServer(("127.0.0.1", 0), app, log=None)
    server.init_socket()
    print(f"Echo serving http://127.0.0.1:{server.server_port}", flush=True)
    sys.stdout.flush()
    server.serve_forever()

"""A bare flask-sock echo under gevent: the baseline bench/relay.py compares the relay with."""

from gevent import monkey

monkey.patch_all()

import sys  # noqa: E402

from flask import Flask  # noqa: E402
from flask_sock import Sock  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402

app = Flask(__name__)
sock = Sock(app)


@sock.route("/echo")
def echo(ws):
    while True:
        ws.send(ws.receive())


if __name__ == "__main__":
    server = WSGIServer(("127.0.0.1", 0), app, log=None)
    server.init_socket()
    print(f"Echo serving http://127.0.0.1:{server.server_port}", flush=True)
    sys.stdout.flush()
    server.serve_forever()

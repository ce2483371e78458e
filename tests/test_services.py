"""The throwaway services the several-node tests stand on start, answer and stop (tests/services.py)."""

import http.server
import socket
import subprocess
import threading
import urllib.request

from tests.services import _postgres_bin, nginx, postgres, redis


def test_postgres_starts_on_a_free_port_and_answers(tmp_path):
    with postgres(tmp_path / "pg") as url:
        port = url.rsplit(":", 1)[1].split("/")[0]
        answer = subprocess.run([str(_postgres_bin() / "psql"), url, "-tAc", "SELECT 6 * 7"],
                                capture_output=True, text=True, check=True)
        assert answer.stdout.strip() == "42"
    with socket.socket() as probe:  # stopped: the port is free again
        assert probe.connect_ex(("127.0.0.1", int(port))) != 0


def test_redis_starts_and_answers(tmp_path):
    with redis(tmp_path / "redis") as url:
        host, port = url.removeprefix("redis://").split("/")[0].split(":")
        with socket.create_connection((host, int(port))) as conn:
            conn.sendall(b"PING\r\n")
            assert conn.recv(16) == b"+PONG\r\n"


def test_nginx_balances_between_upstreams(tmp_path):
    class Named(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = self.server.name.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    def fetch(url: str) -> str:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.read().decode()

    upstreams = []
    for name in ("a", "b"):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Named)
        server.name = name
        threading.Thread(target=server.serve_forever, daemon=True).start()
        upstreams.append(server)
    try:
        with nginx(tmp_path / "nginx", [f"127.0.0.1:{s.server_address[1]}" for s in upstreams]) as url:
            seen = {fetch(url + "/") for _ in range(6)}
            assert seen == {"a", "b"}
            upstreams[0].shutdown()
            upstreams[0].server_close()
            seen = {fetch(url + "/") for _ in range(4)}
            assert seen == {"b"}  # one upstream down: the other answers every request
    finally:
        upstreams[1].shutdown()
        upstreams[1].server_close()

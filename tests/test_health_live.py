"""What a load balancer and monitoring read off a live node: /healthz, /readyz, /metrics, and its logs."""

import json
import re
import time

from relaydesk import migrations
from tests.databases import connected
from tests.wsclient import post_form

BOTH_BACKENDS = True  # each test on SQLite and on PostgreSQL (tests/conftest.py)


def get(server, path, headers=None):
    return post_form(server, path, None, headers=headers)


def sample(metrics: str, name: str, **labels) -> float:
    """The value of one sample of the exposition (0 when it is absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = "^" + re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)$"
    found = re.search(pattern, metrics, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_healthz_and_readyz_answer_while_all_is_well(server):
    assert get(server, "/healthz")[0::2] == (200, "ok\n")
    assert get(server, "/readyz")[0::2] == (200, "ready\n")


def test_readyz_says_why_when_the_database_is_at_another_schema(server):
    with connected(server.settings.get("DATABASE_URL") or str(server.data / "relaydesk.db")) as db:
        db.execute("INSERT INTO schema_migrations VALUES (?, 'a newer node', 0)", (migrations.latest() + 1,))
    status, _, body = get(server, "/readyz")
    assert status == 503
    assert f"the database is at {migrations.latest() + 1}, this node expects {migrations.latest()}" in body
    assert get(server, "/healthz")[0] == 200  # the process itself still answers


def test_metrics_count_frames_answers_commits_errors_and_connections(server, chat, connect):
    customer, alice, session_id, token = chat
    customer.send(type="say", id="message-01", text="hello")
    customer.expect("ack", id="message-01")
    customer.send(type="say", id="no-text-01")  # no text: refused with a code, not counted as a "say"
    code = customer.expect("error", id="no-text-01")["code"]
    status, headers, metrics = get(server, "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert sample(metrics, "relaydesk_frames_in_total", role="customer", type="say") == 1
    assert sample(metrics, "relaydesk_frames_in_total", role="rep", type="accept") == 1
    assert sample(metrics, "relaydesk_frames_out_total", type="ack") >= 2
    assert sample(metrics, "relaydesk_errors_total", code=code) == 1
    assert sample(metrics, "relaydesk_answer_seconds_count", type="say") == 1
    assert sample(metrics, "relaydesk_commit_batch_events_sum") >= 1
    assert sample(metrics, "relaydesk_connections", role="customer") == 1
    assert sample(metrics, "relaydesk_connections", role="rep") == 1
    assert sample(metrics, "relaydesk_queue_length") == 0
    assert sample(metrics, "process_open_fds") > 0


def test_metrics_are_not_public(start_server):
    server = start_server(METRICS_TOKEN="s3cret-token")
    proxied = {"X-Forwarded-For": "203.0.113.9"}  # nginx on this machine: the visitor is not local
    assert get(server, "/metrics", proxied)[0] == 404
    assert get(server, "/metrics", {**proxied, "Authorization": "Bearer wrong"})[0] == 404
    assert get(server, "/metrics", {**proxied, "Authorization": "Bearer s3cret-token"})[0] == 200
    assert get(server, "/metrics")[0] == 200  # loopback, straight


def test_the_access_log_is_combined_and_json_logs_name_the_node(start_server):
    server = start_server(LOG_FORMAT="json", NODE_NAME="node-a")
    get(server, "/healthz", {"User-Agent": "probe/1.0", "Referer": "http://lb.example/"})
    deadline = time.monotonic() + 10  # the line is written just after the answer goes out
    while "probe/1.0" not in server.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = [json.loads(line) for line in server.log.read_text().splitlines() if line.startswith("{")]
    assert lines and all(line["node"] == "node-a" for line in lines)
    access = [line["message"] for line in lines if line["logger"] == "relaydesk.access"]
    assert any(re.fullmatch(r'127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET /healthz HTTP/1\.1" '
                            r'200 3 "http://lb\.example/" "probe/1\.0"', message) for message in access), access

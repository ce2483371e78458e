"""The reports page and its CSV through a live server: who sees what, and the CSV of a real session."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from datetime import UTC, datetime

import pytest
from babel.dates import format_date, format_skeleton

from relaydesk.model import now_ms
from tests.chatters import accept, ask, new_id, rep_hello
from tests.liveserver import serving
from tests.reportdata import Seeded, write
from tests.wsclient import Client, post_form, sign_in

BOTH_BACKENDS = True  # each test on SQLite and on PostgreSQL (tests/conftest.py)


def get(server, path, cookie=None):
    return post_form(server, path, None, cookie=cookie)


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """Alice took Carol's session over the socket and ended it Resolved; Bob took one seeded session; another
    customer left the queue.  Yield the server and Carol's session id."""
    with serving(tmp_path_factory.mktemp("reports") / "data", (("alice", "Alice"), ("bob", "Bob"))) as server:
        server.add_rep("root", "Root", admin=True)
        customer, alice = Client(server, "customer"), Client(server, "rep", cookie=sign_in(server, "alice"))
        rep_hello(alice)
        session_id, _token = ask(customer, name="Carol")
        accept(alice, session_id)
        end = new_id()
        alice.send(type="end", id=end, session=session_id, outcome="resolved")
        alice.expect("ack", id=end)
        customer.close()
        alice.close()
        db = sqlite3.connect(server.data / "relaydesk.db")
        bob = db.execute("SELECT id FROM reps WHERE username = 'bob'").fetchone()[0]
        start = now_ms() - 60_000
        write(db, [Seeded(start, start + 5000, start + 30_000, "unresolved", 2, ((bob, "owner"),), customer="Eve"),
                   Seeded(start, None, start + 1000, "left", customer="Fred")])
        db.close()
        yield server, session_id


def rows(server, cookie, query="") -> list[dict]:
    status, headers, body = get(server, "/rep/reports/sessions.csv" + query, cookie)
    assert status == 200, body[:300]
    assert headers["Content-Type"].startswith("text/csv")
    assert re.match(r'attachment; filename="relaydesk-sessions-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.csv"',
                    headers["Content-Disposition"])
    return list(csv.DictReader(io.StringIO(body)))


def test_an_admin_gets_every_session_in_the_csv_with_its_rep_and_outcome(desk):
    server, session_id = desk
    found = {row["customer"]: row for row in rows(server, sign_in(server, "root"))}
    assert set(found) == {"Carol", "Eve", "Fred"}
    carol = found["Carol"]
    assert (carol["id"], carol["portal"], carol["reps"], carol["outcome"]) == (str(session_id), "Support", "Alice",
                                                                               "resolved")
    assert carol["start"] and carol["answered"] and carol["end"] and float(carol["handle s"]) >= 0
    assert (found["Eve"]["reps"], found["Eve"]["wait s"], found["Eve"]["rating"]) == ("Bob", "5.0", "2")
    assert (found["Fred"]["reps"], found["Fred"]["outcome"], found["Fred"]["answered"]) == ("", "left", "")


def test_an_admin_can_narrow_to_one_rep(desk):
    server, _ = desk
    cookie = sign_in(server, "root")
    _, _, page = get(server, "/rep/reports", cookie)
    bob = re.search(r'<option value="(\d+)"\s*>Bob</option>', page)
    assert bob, page
    assert [row["customer"] for row in rows(server, cookie, f"?rep={bob[1]}")] == ["Eve"]


def test_a_rep_sees_only_their_own_sessions_whatever_the_form_asks(desk):
    server, _ = desk
    cookie = sign_in(server, "alice")
    assert [row["customer"] for row in rows(server, cookie)] == ["Carol"]
    root_page = get(server, "/rep/reports", sign_in(server, "root"))[2]
    bob = re.search(r'<option value="(\d+)"\s*>Bob</option>', root_page)
    assert bob
    assert [row["customer"] for row in rows(server, cookie, f"?rep={bob[1]}")] == ["Carol"]
    status, _, page = get(server, "/rep/reports", cookie)
    assert status == 200
    assert re.search(r'data-testid="started">1<', page)
    assert 'name="rep"' not in page  # no rep filter for a rep
    assert ">Bob<" not in page  # nor a line for another rep


def test_the_page_shows_the_numbers_its_charts_data_and_a_link_to_the_csv(desk):
    server, _ = desk
    status, headers, page = get(server, "/rep/reports", sign_in(server, "root"))
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert re.search(r'data-testid="started">3<', page) and re.search(r'data-testid="abandoned">1<', page)
    assert '<script type="application/json" id="report-data">' in page
    chart = re.search(r'<script src="(/assets/chart-[0-9a-f]{12}\.umd\.min\.js)"', page)
    assert chart, "the page loads Chart.js from our own origin"
    status, headers, body = get(server, chart[1])
    assert status == 200 and "Chart" in body and "immutable" in headers["Cache-Control"]
    assert "/rep/reports/sessions.csv?" in page


def test_nobody_signed_out_gets_a_report_or_a_csv(desk):
    server, _ = desk
    assert get(server, "/rep/reports")[0] == 401
    assert get(server, "/rep/reports/sessions.csv")[0] == 401


def test_a_bad_range_says_so_and_shows_the_default(desk):
    server, _ = desk
    status, _, page = get(server, "/rep/reports?from=2026-12-01&to=2026-01-01", sign_in(server, "root"))
    assert status == 200 and "ends before it starts" in page


def test_the_page_reads_in_french(desk):
    server, _ = desk
    status, _, page = get(server, "/rep/reports?lang=fr", sign_in(server, "root"))
    assert status == 200
    assert "Sessions par jour" in page and "Télécharger le CSV" in page and "Afficher le rapport" in page
    # Every count agrees with its noun, and numbers and days are written the French way (Babel).
    assert "3 sessions sur 30 jours : 2 prises en charge, 1 abandonnée dans la file d&#39;attente." in page
    assert "1 note, moyenne 2 sur 5." in page and "2 sur 5 (1 note)" in page
    today = datetime.now(UTC).date()
    assert f'<time datetime="{today.isoformat()}">{format_date(today, "medium", locale="fr")}</time>' in page
    assert f"au {format_date(today, 'medium', locale='fr')} (jours selon UTC)" in page
    charts = json.loads(re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page)[1])
    assert charts["per_day"]["labels"][-1] == format_skeleton("MMMd", today, locale="fr")  # "25 nov."
    english = get(server, "/rep/reports?lang=en", sign_in(server, "root"))[2]
    assert "3 sessions over 30 days: 2 answered, 1 abandoned in the queue." in english
    assert "1 rating, average 2 out of 5." in english
    assert f'<time datetime="{today.isoformat()}">{format_date(today, "medium", locale="en")}</time>' in english


def test_numbers_are_written_as_the_reader_writes_them():
    from relaydesk.i18n import format_number, speaking

    with speaking("fr"):
        assert (format_number(86400), format_number(12.5), format_number(3.75, 2)) == ("86\u202f400", "12,5", "3,75")
    with speaking("en"):
        assert (format_number(86400), format_number(12.5), format_number(5.0)) == ("86,400", "12.5", "5")

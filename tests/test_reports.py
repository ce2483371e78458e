"""The reports' queries and counts (``relaydesk.reports``) on a real SQLite file with the real schema."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from relaydesk import reports
from relaydesk.reports import Scope, percentile, scope_from
from relaydesk.store import Store
from tests.databases import connected
from tests.reportdata import Seeded, write

PARIS = ZoneInfo("Europe/Paris")
S = 1000


def at(day: int, hour: int = 10, minute: int = 0, tz: ZoneInfo = PARIS) -> int:
    """A moment of November 2026 in ``tz``, in ms."""
    return int(datetime(2026, 11, day, hour, minute, tzinfo=tz).timestamp() * 1000)


BOTH_BACKENDS = True  # each test on SQLite and on PostgreSQL (tests/conftest.py)


@pytest.fixture
def db(database_url):
    Store(database_url).close()  # the schema, by the migrations
    with connected(database_url) as db, db:
        db.executemany("INSERT INTO reps (id, username, display_name, password_hash, role, created_at)"
                       " VALUES (?, ?, ?, 'x', 'rep', 0)", [(1, "alice", "Alice"), (2, "bob", "Bob"),
                                                             (3, "root", "Root")])
        db.execute("INSERT INTO portals (id, path, name) VALUES (2, '/billing', 'Billing')")
    with connected(database_url) as db:
        yield db


ALICE, BOB, ROOT = (1, "owner"), (2, "owner"), (3, "monitor")


def november(first: int = 1, last: int = 30, **filters) -> Scope:
    return Scope(date(2026, 11, first), date(2026, 11, last), PARIS, **filters)


def test_a_range_counts_started_answered_abandoned_and_waiting(db):
    write(db, [
        Seeded(at(2), at(2, 10, 1), at(2, 10, 11), "resolved", 5, (ALICE,)),
        Seeded(at(2, 11), at(2, 11, 3), at(2, 11, 9), "unresolved", 2, (BOB,)),
        Seeded(at(3), None, at(3, 10, 5), "left"),  # left the queue
        Seeded(at(3, 12), None, at(3, 12, 30), "timed-out"),
        Seeded(at(4), at(4), None, None, None, (ALICE,)),  # came with a key, still open
        Seeded(at(4, 15)),  # still waiting
    ])
    whole = reports.summarize(reports.sessions(db, november()), november(), {1: "Alice", 2: "Bob"})["whole"]
    assert (whole["started"], whole["answered"], whole["abandoned"], whole["waiting"]) == (6, 3, 2, 1)
    assert whole["outcomes"] == {"resolved": 1, "unresolved": 1, "unknown": 0, "open": 1}
    assert whole["wait"] == {"count": 3, "median_s": 60.0, "p90_s": 180.0, "mean_s": 80.0}
    assert whole["handle"]["count"] == 2 and whole["handle"]["median_s"] == 360.0
    assert whole["ratings"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
    assert (whole["rated"], whole["rating_mean"]) == (2, 3.5)
    unnamed = reports.sessions(db, november(), names=False)  # as the page reads them: the same numbers
    assert reports.summarize(unnamed, november(), {1: "Alice"})["whole"] == whole
    assert {(row.portal, row.customer) for row in unnamed} == {("", "")}


def test_an_outcome_not_chosen_counts_as_unknown(db):
    write(db, [Seeded(at(2), at(2), at(2, 11), None, None, (ALICE,)),
               Seeded(at(2), at(2), at(2, 11), "unknown", None, (ALICE,))])
    whole = reports.summarize(reports.sessions(db, november()), november(), {})["whole"]
    assert whole["outcomes"]["unknown"] == 2


def test_days_are_the_readers_days_and_the_range_includes_its_last_day(db):
    write(db, [
        Seeded(at(1, 0, 30)),  # 00:30 in Paris on the 1st: still 31 October in UTC
        Seeded(at(30, 23, 59)),  # the range's last minute
        Seeded(at(1, 0, 0) - 1),  # the instant before the range
        Seeded(int(datetime(2026, 12, 1, tzinfo=PARIS).timestamp() * 1000)),  # the instant after it
    ])
    report = reports.summarize(reports.sessions(db, november()), november(), {})
    assert report["whole"]["started"] == 2
    assert len(report["days"]) == 30
    assert report["days"][0] == report["days"][0] | {"day": "2026-11-01", "started": 1}
    assert report["days"][-1]["started"] == 1
    in_utc = Scope(date(2026, 11, 1), date(2026, 11, 30), ZoneInfo("UTC"))
    assert reports.summarize(reports.sessions(db, in_utc), in_utc, {})["whole"]["started"] == 2  # others now


def test_a_portal_or_a_rep_narrows_the_sessions_and_monitoring_is_not_taking_part(db):
    write(db, [
        Seeded(at(2), at(2), at(2, 11), "resolved", None, (ALICE, (2, "invited"))),
        Seeded(at(3), at(3), at(3, 11), "resolved", None, (BOB, ROOT), portal_id=2),
        Seeded(at(4)),
    ])
    assert [r.customer for r in reports.sessions(db, november(portal_id=2))] == ["Carol"]
    assert len(reports.sessions(db, november(portal_id=2))) == 1
    assert len(reports.sessions(db, november(rep_id=2))) == 2  # invited in one, holder of the other
    assert len(reports.sessions(db, november(rep_id=1))) == 1
    assert reports.sessions(db, november(rep_id=3)) == []  # only monitored
    assert reports.sessions(db, november(portal_id=2))[0].rep_ids == (2,)


def test_each_rep_and_each_day_get_a_line_and_only_the_reps_named(db):
    write(db, [
        Seeded(at(2), at(2, 10, 2), at(2, 11), "resolved", 4, (ALICE,)),
        Seeded(at(2), at(2, 10, 4), at(2, 11), "unresolved", None, (ALICE, (2, "invited"))),
        Seeded(at(5), at(5, 10, 1), at(5, 11), "resolved", 5, (BOB,)),
    ])
    rows = reports.sessions(db, november())
    report = reports.summarize(rows, november(), {1: "Alice", 2: "Bob"})
    lines = {line["name"]: line for line in report["reps"]}
    assert [line["name"] for line in report["reps"]] == ["Alice", "Bob"]  # most sessions first
    assert lines["Alice"]["started"] == 2 and lines["Alice"]["outcomes"]["unresolved"] == 1
    assert lines["Alice"]["wait"]["median_s"] == 120.0 and lines["Alice"]["rating_mean"] == 4.0
    assert lines["Bob"]["started"] == 2 and lines["Bob"]["rating_mean"] == 5.0
    assert [day["started"] for day in report["days"][:5]] == [0, 2, 0, 0, 1]
    assert [line["name"] for line in reports.summarize(rows, november(), {2: "Bob"})["reps"]] == ["Bob"]


def test_the_wait_distribution_and_what_the_charts_draw_agree_with_the_tables(db):
    waits = [0, 29, 30, 59, 60, 299, 300, 600, 3600]
    write(db, [Seeded(at(2), at(2) + wait * S, None, None, None, (ALICE,)) for wait in waits])
    report = reports.summarize(reports.sessions(db, november()), november(), {})
    assert report["wait_buckets"] == [2, 2, 1, 1, 1, 2]
    charts = reports.chart_data(report)
    assert charts["waits"]["series"][0]["data"] == report["wait_buckets"]
    assert len(charts["per_day"]["labels"]) == 30
    assert charts["outcomes"]["series"][0]["data"] == [0, 0, 0, 9]
    assert "9 answered sessions" in reports.alternatives(report)["waits"]


def test_the_charts_json_cannot_close_its_script_element(db, monkeypatch):
    write(db, [Seeded(at(2))])
    report = reports.summarize(reports.sessions(db, november()), november(), {})
    hostile = "</script><script>alert(1)</script>"  # as a label might read, were one ever a person's words
    monkeypatch.setattr(reports, "wait_bucket_names", lambda: [hostile] * len(report["wait_buckets"]))
    text = reports.chart_json(report)
    assert "alert(1)" in text and "<" not in text and "</script>" not in text


def test_the_csv_has_one_row_a_session_with_its_reps_times_and_rating(db):
    write(db, [
        Seeded(at(2), at(2, 10, 1), at(2, 10, 11), "resolved", 5, (ALICE, (2, "invited"), ROOT), customer="Dora"),
        Seeded(at(3), None, at(3, 10, 5), "left", customer="=HYPERLINK(\"http://x\")", portal_id=2),
        Seeded(at(4)),
    ])
    names = {1: "Alice", 2: "Bob", 3: "Root"}
    text = reports.csv_text(reports.sessions(db, november()), PARIS, names.__getitem__)
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == ["id", "portal", "customer", "reps", "start", "answered", "end", "wait s", "handle s",
                        "outcome", "rating"]
    assert lines[1][1:] == ["Support", "Dora", "Alice; Bob", "2026-11-02T10:00:00+01:00", "2026-11-02T10:01:00+01:00",
                            "2026-11-02T10:11:00+01:00", "60.0", "600.0", "resolved", "5"]
    assert lines[2][1:3] == ["Billing", "'=HYPERLINK(\"http://x\")"]  # no formula in a spreadsheet
    assert lines[2][5:] == ["", "2026-11-03T10:05:00+01:00", "", "", "left", ""]
    assert lines[3][-2:] == ["waiting", ""]
    assert len(lines) == 4


def test_the_nearest_rank_percentile():
    assert percentile([], 0.5) is None
    assert percentile([7], 0.9) == 7
    assert [percentile(list(range(1, 11)), share) for share in (0.1, 0.5, 0.9, 1.0)] == [1, 5, 9, 10]
    assert percentile([1, 2, 3], 0.5) == 2


@pytest.mark.parametrize(("args", "problem"), [
    ({"from": "2026-11-01", "to": "2026-11-30"}, None),
    ({"from": "yesterday", "to": "2026-11-30"}, "Dates are written like"),
    ({"from": "2026-11-30", "to": "2026-11-01"}, "ends before it starts"),
    ({"from": "2020-01-01", "to": "2026-11-30"}, "at most 732 days"),
])
def test_a_form_gives_its_range_or_says_what_is_wrong_and_falls_back(args, problem):
    scope, said = scope_from(args, PARIS, date(2026, 11, 25))
    if problem is None:
        assert (scope.first, scope.last, said) == (date(2026, 11, 1), date(2026, 11, 30), None)
    else:
        assert said is not None and problem in said
        assert (scope.first, scope.last) == (date(2026, 10, 27), date(2026, 11, 25))  # the last 30 days

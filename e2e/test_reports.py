"""The reports page in Chromium on seeded data: its numbers, its four charts (drawn by Chart.js from the page's
JSON), their text alternatives and tables, the filters, the CSV, and the page without JavaScript."""

from __future__ import annotations

import csv
import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from e2e.conftest import REP_PASSWORD, Actors
from e2e.pages import RepConsole, wait_until
from tests.reportdata import Seeded, write

UTC = ZoneInfo("UTC")
MINUTE = 60_000


def seed(server) -> dict[str, int]:
    """Two days ago: Alice answered four (ratings 5, 5, 4 and none; resolved ×3, unresolved), one customer
    left the queue; yesterday Bob answered two (one still open, one unknown, rated 1).  Return the reps' ids."""
    db = sqlite3.connect(server.data / "relaydesk.db")
    reps = dict(db.execute("SELECT username, id FROM reps").fetchall())
    today = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    two_ago, yesterday = today - timedelta(days=2), today - timedelta(days=1)

    def ms(moment: datetime, minutes: int = 0) -> int:
        return int(moment.timestamp() * 1000) + minutes * MINUTE

    alice, bob = ((reps["alice"], "owner"),), ((reps["bob"], "owner"),)
    write(db, [
        Seeded(ms(two_ago), ms(two_ago, 1), ms(two_ago, 11), "resolved", 5, alice, "Ann"),
        Seeded(ms(two_ago, 20), ms(two_ago, 22), ms(two_ago, 40), "resolved", 5, alice, "Ben"),
        Seeded(ms(two_ago, 60), ms(two_ago, 63), ms(two_ago, 70), "resolved", 4, alice, "=Cid"),
        Seeded(ms(two_ago, 90), ms(two_ago, 100), ms(two_ago, 130), "unresolved", None, alice, "Dot"),
        Seeded(ms(two_ago, 95), None, ms(two_ago, 99), "left", None, (), "Eve"),
        Seeded(ms(yesterday), ms(yesterday, 1), None, None, None, bob, "Fay"),
        Seeded(ms(yesterday, 30), ms(yesterday, 30), ms(yesterday, 45), "unknown", 1, bob, "Gus"),
    ])
    db.close()
    return reps


def signed_in(actors: Actors, username: str, name: str, admin: bool = False) -> Page:
    rep = actors.rep(username, name, admin=admin)
    rep.open()
    return rep.page


def chart_values(page: Page, name: str) -> list[list[int]]:
    """What Chart.js holds for one chart: each dataset's numbers."""
    canvas = page.locator(f'figure[data-chart="{name}"] canvas')
    return canvas.evaluate("node => Chart.getChart(node).data.datasets.map(set => set.data)")


def test_an_admin_reads_the_numbers_the_charts_and_downloads_the_csv(actors: Actors):
    actors.rep("alice", "Alice")
    actors.rep("bob", "Bob")
    seed(actors.server)
    page = signed_in(actors, "root", "Root", admin=True)
    page.goto(actors.server.url + "/rep/reports?tz=UTC")

    expect(page.get_by_test_id("started")).to_have_text("7")
    expect(page.get_by_test_id("answered")).to_have_text("6")
    expect(page.get_by_test_id("abandoned")).to_have_text("1")
    expect(page.get_by_test_id("wait-median")).to_have_text("60 s")  # waits 1, 2, 3, 10, 1, 0 minutes
    expect(page.get_by_test_id("wait-p90")).to_have_text("600 s")
    expect(page.get_by_test_id("rating-mean")).to_have_text("3.75 out of 5 (4 ratings)")

    charts = page.locator("figure[data-chart]")
    expect(charts).to_have_count(4)
    wait_until(page, "document.querySelectorAll('canvas[data-drawn]').length === 4")
    for name in ("per_day", "waits", "outcomes", "ratings"):
        figure = page.locator(f'figure[data-chart="{name}"]')
        canvas = figure.get_by_role("img")
        expect(canvas).to_be_visible()
        expect(canvas).to_have_attribute("aria-label", re.compile(r"\w"))  # its text alternative
        expect(figure.get_by_role("table")).to_be_visible()  # and its table, next to it
        assert canvas.evaluate("node => node.width > 0 && node.height > 0")
    per_day = chart_values(page, "per_day")
    assert per_day[0][-3:] == [4, 2, 0] and per_day[1][-3:] == [1, 0, 0]  # answered, abandoned: the last 3 days
    assert chart_values(page, "waits") == [[1, 0, 2, 2, 0, 1]]
    assert chart_values(page, "outcomes") == [[3, 1, 1, 1]]  # resolved, unresolved, unknown, still open
    assert chart_values(page, "ratings") == [[1, 0, 0, 1, 2]]
    ratings = page.get_by_role("table", name="Satisfaction")
    expect(ratings.get_by_role("row", name="5 — Very satisfied")).to_contain_text("2")
    expect(page.locator('figure[data-chart="ratings"] canvas')).to_have_attribute(
        "aria-label", "4 ratings, average 3.75 out of 5.")
    per_rep = page.get_by_role("table", name="Per representative")
    expect(per_rep.get_by_role("row")).to_have_count(3)
    expect(per_rep.get_by_role("row", name=re.compile("^Alice"))).to_contain_text("4.67 (3)")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert re.match(r"relaydesk-sessions-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.csv$", download.value.suggested_filename)
    rows = list(csv.DictReader(Path(download.value.path()).read_text().splitlines()))
    assert [row["customer"] for row in rows] == ["Ann", "Ben", "'=Cid", "Dot", "Eve", "Fay", "Gus"]
    assert rows[0]["reps"] == "Alice" and rows[0]["wait s"] == "60.0" and rows[0]["rating"] == "5"
    assert (rows[4]["outcome"], rows[5]["outcome"], rows[6]["outcome"]) == ("left", "open", "unknown")

    page.get_by_role("combobox", name="Representative").select_option(label="Bob")
    page.get_by_role("button", name="Show report").click()
    expect(page.get_by_test_id("started")).to_have_text("2")
    expect(page.get_by_role("combobox", name="Representative")).to_have_value(str(seed_ids(actors)["bob"]))
    wait_until(page, "document.querySelectorAll('canvas[data-drawn]').length === 4")
    assert chart_values(page, "ratings") == [[1, 0, 0, 0, 0]]
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert [row["customer"] for row in csv.DictReader(Path(download.value.path()).read_text().splitlines())] == [
        "Fay", "Gus"]

    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    page.get_by_role("combobox", name="Representative").select_option(label="All representatives")
    page.get_by_label("From", exact=True).fill(two_days_ago)
    page.get_by_label("To", exact=True).fill(two_days_ago)
    page.get_by_role("button", name="Show report").click()
    expect(page.get_by_test_id("started")).to_have_text("5")
    expect(page.get_by_role("table", name="Sessions per day").get_by_role("row")).to_have_count(2)  # and its head


def seed_ids(actors: Actors) -> dict[str, int]:
    db = sqlite3.connect(actors.server.data / "relaydesk.db")
    try:
        return dict(db.execute("SELECT username, id FROM reps").fetchall())
    finally:
        db.close()


def test_a_rep_sees_their_own_sessions_and_the_page_says_it_all_without_javascript(actors: Actors, browser):
    actors.rep("bob", "Bob")
    alice = actors.rep("alice", "Alice")
    seed(actors.server)
    alice.open()
    page = alice.page
    with page.context.expect_page() as opened:  # the console's header opens it in a new tab
        page.get_by_role("link", name="Reports").click()
    expect(opened.value).to_have_url(re.compile(r"/rep/reports$"))
    opened.value.close()
    page.goto(actors.server.url + "/rep/reports")
    expect(page.get_by_test_id("started")).to_have_text("4")
    expect(page.get_by_role("combobox", name="Representative")).to_have_count(0)
    expect(page.get_by_role("table", name="Per representative").get_by_role("row")).to_have_count(2)

    context = browser.new_context(java_script_enabled=False)
    try:
        quiet = context.new_page()
        quiet.goto(actors.server.url + "/rep")
        quiet.get_by_role("textbox", name="Username").fill("alice")
        quiet.get_by_label("Password").fill(REP_PASSWORD)
        quiet.get_by_role("button", name="Sign in").click()
        quiet.goto(actors.server.url + "/rep/reports?tz=UTC")
        figure = quiet.locator('figure[data-chart="outcomes"]')
        expect(figure.locator("canvas")).to_be_hidden()  # no picture without JavaScript: its sentence and table
        expect(figure.locator(".alt")).to_have_text("Resolved: 3; Unresolved: 1; Unknown: 0; Still open: 0.")
        expect(figure.get_by_role("row", name=re.compile("^Resolved"))).to_contain_text("3")
    finally:
        context.close()


def test_the_first_report_is_of_the_day_where_the_browser_is(actors: Actors):
    """Opened with no zone in its address, the page is drawn again in the browser's own: in Kiritimati (UTC+14)
    "today" is a day ahead of UTC for most of the day, and the report's last day must be Kiritimati's."""
    zone = "Pacific/Kiritimati"
    actors.server.add_rep("alice", "Alice", REP_PASSWORD)
    page, watch = actors.new_page("rep in Kiritimati", timezone_id=zone)
    alice = RepConsole(page, actors.server.url, "alice", "Alice", REP_PASSWORD)
    alice.watch = watch
    alice.open()
    page.goto(actors.server.url + "/rep/reports")
    expect(page).to_have_url(re.compile(r"[?&]tz=Pacific%2FKiritimati"))
    expect(page.locator("input[data-zone]")).to_have_value(zone)
    expect(page.locator("#report-to")).to_have_value(datetime.now(ZoneInfo(zone)).date().isoformat())

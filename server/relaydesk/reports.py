"""Reports: what a team lead reads in the morning, for a date range, a portal or a rep.

The numbers come from one pass over the sessions started in the range (one
row each, with its rating) and their reps: ``sessions`` reads them, ``summarize``
counts, ``csv_text`` writes them out one row a session.  Nothing here needs
a request, so the queries are tested and benchmarked on a bare SQLite file
(``bench/reports.py``: 100,000 sessions, a year's range).

Definitions, as the page states them:

- *started*: sessions created in the range (days in the reader's time zone);
- *answered*: a rep took them (accepted from the queue, or a customer came with a key: a wait of 0);
- *abandoned*: they ended without a rep (the customer left the queue, or it timed out);
- *wait*: from the request to the rep taking it, for answered sessions;
- *handle time*: from the rep taking it to its end, for answered sessions that ended;
- *outcome*: what the rep chose at the end (Resolved, Unresolved, Unknown); an answered session that has not
  ended yet is *Still open*;
- a rep's sessions are those they took part in (holder or invited), not those an admin only monitored.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from operator import itemgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from .i18n import _, format_date, format_number, format_short_date, ngettext

MAX_DAYS = 732  # the longest range one report covers: two years
DEFAULT_DAYS = 30
OUTCOMES = ("resolved", "unresolved", "unknown", "open")
RATINGS = (1, 2, 3, 4, 5)
# Upper bounds (seconds, exclusive) of the wait-time distribution's buckets; the last is open-ended.
WAIT_BUCKETS = (30, 60, 120, 300, 600)


def outcome_names() -> dict[str, str]:
    return {"resolved": _("Resolved"), "unresolved": _("Unresolved"), "unknown": _("Unknown"),
            "open": _("Still open")}


def rating_names() -> dict[int, str]:
    return {1: _("Very dissatisfied"), 2: _("Dissatisfied"), 3: _("Neutral"), 4: _("Satisfied"),
            5: _("Very satisfied")}


def wait_bucket_names() -> list[str]:
    return [_("Under 30 s"), _("30 s to 1 min"), _("1 to 2 min"), _("2 to 5 min"), _("5 to 10 min"),
            _("10 min or more")]


@dataclass(frozen=True)
class Scope:
    """What a report covers: days ``first`` to ``last`` (both included) in ``tz``, maybe one portal or one rep."""

    first: date
    last: date
    tz: ZoneInfo
    portal_id: int | None = None
    rep_id: int | None = None

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def day_starts_ms(self) -> list[int]:
        """The instant each day starts, and the one after the last day ends (so one more than ``days``)."""
        return [int(datetime.combine(day, time(), self.tz).timestamp() * 1000)
                for day in [*self.days(), self.last + timedelta(days=1)]]


def scope_from(args: dict[str, str], tz: ZoneInfo, today: date) -> tuple[Scope, str | None]:
    """Read a report's range from a form; return it, and what was wrong with the form (then the default range)."""
    default = Scope(today - timedelta(days=DEFAULT_DAYS - 1), today, tz)
    try:
        first = date.fromisoformat(args["from"]) if args.get("from") else default.first
        last = date.fromisoformat(args["to"]) if args.get("to") else default.last
    except ValueError:
        return default, _("Dates are written like 2026-11-25: showing the last %(days)s days.", days=DEFAULT_DAYS)
    if last < first:
        return default, _("The range ends before it starts: showing the last %(days)s days.", days=DEFAULT_DAYS)
    if (last - first).days >= MAX_DAYS:
        return default, _("A report covers at most %(days)s days: showing the last %(default)s days.",
                          days=MAX_DAYS, default=DEFAULT_DAYS)
    return Scope(first, last, tz), None


class Row(NamedTuple):
    """One session behind the numbers, as ``sessions`` reads it (the arithmetic done by SQLite)."""

    id: int
    portal: str
    customer: str
    created_at: int
    accepted_at: int | None
    ended_at: int | None
    outcome: str | None  # as stored: also "left" or "timed-out" for a session abandoned in the queue
    rating: int | None
    reps: str  # the ids of the reps who took part, "3,5" (read as ``rep_ids``)
    wait_ms: int | None  # answered sessions only
    handle_ms: int | None  # answered sessions that ended only
    result: str  # one of ``OUTCOMES`` for an answered session; "abandoned" or "waiting" for the others

    @property
    def rep_ids(self) -> tuple[int, ...]:
        return tuple(map(int, self.reps.split(","))) if self.reps else ()


CREATED, RATING, REPS, WAIT, HANDLE, RESULT = (itemgetter(Row._fields.index(name)) for name in (
    "created_at", "rating", "reps", "wait_ms", "handle_ms", "result"))


def sessions(db: sqlite3.Connection, scope: Scope, names: bool = True) -> list[Row]:
    """Read the sessions started in ``scope``, oldest first, each with its rating and its reps; without
    ``names``, no portal or customer names (the page counts, only the CSV shows them).

    One statement, the arithmetic in SQLite and no Python per row but ``Row``'s own: a year of a big team is
    ~100,000 rows (see bench/reports.py).
    """
    start, end = scope.day_starts_ms()[0], scope.day_starts_ms()[-1]
    where, params = "s.created_at >= ? AND s.created_at < ?", [start, end]
    if scope.portal_id is not None:
        where += " AND s.portal_id = ?"
        params.append(scope.portal_id)
    if scope.rep_id is not None:
        where += " AND s.id IN (SELECT session_id FROM participants WHERE rep_id = ? AND role != 'monitor')"
        params.append(scope.rep_id)
    named, portals = ("p.name, s.customer_name", "JOIN portals p ON p.id = s.portal_id") if names else ("'', ''", "")
    cursor = db.execute(
        f"SELECT s.id, {named}, s.created_at, s.accepted_at, s.ended_at, s.outcome, f.rating,"
        " coalesce((SELECT group_concat(rep_id) FROM participants WHERE session_id = s.id AND role != 'monitor'),"
        "  ''),"
        " max(0, s.accepted_at - s.created_at), max(0, s.ended_at - s.accepted_at),"
        " CASE WHEN s.accepted_at IS NOT NULL THEN"
        "   CASE WHEN s.ended_at IS NULL THEN 'open' WHEN s.outcome IN ('resolved', 'unresolved') THEN s.outcome"
        "   ELSE 'unknown' END"
        "  WHEN s.ended_at IS NOT NULL THEN 'abandoned' ELSE 'waiting' END"
        f" FROM sessions s {portals}"
        " LEFT JOIN satisfaction f ON f.session_id = s.id"
        f" WHERE {where} ORDER BY s.created_at, s.id", params)
    return list(map(Row._make, cursor))


def percentile(values: list[int], share: float) -> int | None:
    """The nearest-rank percentile of sorted ``values`` (0 < share <= 1); None for none."""
    if not values:
        return None
    rank = max(1, -(-len(values) * share // 1))  # ceil without floats' surprises at exact ranks
    return values[int(rank) - 1]


def _seconds(ms: float | None) -> float | None:
    return None if ms is None else round(ms / 1000, 1)


def _times(values: list[int]) -> dict[str, float | int | None]:
    """Durations in ms: their count, median, 90th percentile and mean, in seconds."""
    values.sort()
    return {"count": len(values), "median_s": _seconds(percentile(values, 0.5)),
            "p90_s": _seconds(percentile(values, 0.9)),
            "mean_s": _seconds(sum(values) / len(values)) if values else None}


def tally(rows: list[Row]) -> dict:
    """Count one line of the report (the whole range, one day, or one rep): a few passes over its rows, each
    at C speed (``map`` over item getters) but for the filters."""
    results = Counter(map(RESULT, rows))
    ratings = Counter(map(RATING, rows))
    rated = len(rows) - ratings.pop(None, 0)
    return {
        "started": len(rows), "answered": sum(results[name] for name in OUTCOMES),
        "abandoned": results["abandoned"], "waiting": results["waiting"],
        "wait": _times([wait for wait in map(WAIT, rows) if wait is not None]),
        "handle": _times([handle for handle in map(HANDLE, rows) if handle is not None]),
        "outcomes": {name: results[name] for name in OUTCOMES},
        "ratings": {str(value): ratings[value] for value in RATINGS},
        "rated": rated,
        "rating_mean": round(sum(v * n for v, n in ratings.items()) / rated, 2) if rated else None,
    }


def summarize(rows: list[Row], scope: Scope, rep_names: dict[int, str]) -> dict:
    """Count everything the page shows: the whole range, each day, each rep, and the wait-time distribution.

    ``rows`` come oldest first, so each day is a slice of them.  ``rep_names`` are the reps the reader may see
    a line for (all for an admin, themselves for a rep).
    """
    created = list(map(CREATED, rows))
    cuts = [bisect_left(created, start) for start in scope.day_starts_ms()]
    days = [rows[begin:end] for begin, end in pairwise(cuts)]
    reps: dict[str, list[Row]] = {str(rep_id): [] for rep_id in rep_names}
    for row in rows:
        lines = reps.get(row.reps)
        if lines is not None:  # most sessions: one rep
            lines.append(row)
        elif "," in row.reps:
            for rep in row.reps.split(","):
                if rep in reps:
                    reps[rep].append(row)
    waits = sorted(wait for wait in map(WAIT, rows) if wait is not None)
    edges = [0, *(bisect_left(waits, limit * 1000) for limit in WAIT_BUCKETS), len(waits)]
    return {
        "whole": tally(rows),
        "days": [{"day": day.isoformat(), **tally(lines)} for day, lines in zip(scope.days(), days, strict=True)],
        "reps": sorted(({"rep_id": int(rep), "name": rep_names[int(rep)], **tally(lines)}
                        for rep, lines in reps.items() if lines),
                       key=lambda line: (-line["started"], line["name"])),
        "wait_buckets": [later - earlier for earlier, later in pairwise(edges)],
    }


def chart_data(report: dict) -> dict:
    """What the page's charts draw (``reports.js``), from the same numbers as its tables; the days as the
    reader writes them (``25 nov.``)."""
    whole = report["whole"]
    names = outcome_names()
    return {
        "per_day": {"labels": [format_short_date(day["day"]) for day in report["days"]],
                    "series": [{"label": _("Answered"), "data": [day["answered"] for day in report["days"]]},
                               {"label": _("Abandoned in the queue"),
                                "data": [day["abandoned"] for day in report["days"]]}]},
        "waits": {"labels": wait_bucket_names(),
                  "series": [{"label": _("Sessions"), "data": report["wait_buckets"]}]},
        "outcomes": {"labels": [names[name] for name in OUTCOMES],
                     "series": [{"label": _("Sessions"), "data": [whole["outcomes"][name] for name in OUTCOMES]}]},
        "ratings": {"labels": list(rating_names().values()),
                    "series": [{"label": _("Ratings"), "data": [whole["ratings"][str(v)] for v in RATINGS]}]},
    }


def chart_json(report: dict) -> str:
    """The charts' data as JSON safe inside a ``<script type="application/json">`` element."""
    text = json.dumps(chart_data(report), ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def alternatives(report: dict) -> dict[str, str]:
    """A sentence for each chart, for whoever does not see it (its table follows it too); every count agrees
    with its noun (``1 abandonnée``, ``2 abandonnées``) and is written as the reader writes numbers."""
    whole, days = report["whole"], report["days"]
    busiest = max(days, key=lambda day: day["started"]) if days else None
    n = format_number
    started, answered, abandoned = whole["started"], whole["answered"], whole["abandoned"]
    per_day = _("%(sessions)s over %(days)s: %(answered)s, %(abandoned)s.",
                sessions=ngettext("%(num)s session", "%(num)s sessions", started, num=n(started)),
                days=ngettext("%(num)s day", "%(num)s days", len(days), num=n(len(days))),
                answered=ngettext("%(num)s answered", "%(num)s answered", answered, num=n(answered)),
                abandoned=ngettext("%(num)s abandoned in the queue", "%(num)s abandoned in the queue", abandoned,
                                   num=n(abandoned)))
    if busiest and busiest["started"]:
        per_day += " " + _("The busiest day was %(day)s, with %(sessions)s.", day=format_date(busiest["day"]),
                           sessions=ngettext("%(num)s session", "%(num)s sessions", busiest["started"],
                                             num=n(busiest["started"])))
    waited = whole["wait"]["count"]
    waits = ngettext("%(num)s answered session: half waited %(median)s s or less, 9 in 10 waited %(p90)s s or less.",
                     "%(num)s answered sessions: half waited %(median)s s or less, 9 in 10 waited %(p90)s s or less.",
                     waited, num=n(waited), median=_or_dash(whole["wait"]["median_s"]),
                     p90=_or_dash(whole["wait"]["p90_s"]))
    names = outcome_names()
    outcomes = "; ".join(f"{names[name]}: {n(whole['outcomes'][name])}" for name in OUTCOMES) + "."
    ratings = ngettext("%(num)s rating, average %(mean)s out of 5.", "%(num)s ratings, average %(mean)s out of 5.",
                       whole["rated"], num=n(whole["rated"]), mean=_or_dash(whole["rating_mean"]))
    return {"per_day": per_day, "waits": waits, "outcomes": outcomes, "ratings": ratings}


def _or_dash(value: float | int | None) -> str:
    return "—" if value is None else format_number(value, 2)


# --- the sessions as CSV ---------------------------------------------------------------------------------------------

CSV_FIELDS = ("id", "portal", "customer", "reps", "start", "answered", "end", "wait s", "handle s", "outcome",
              "rating")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """Keep a spreadsheet from running what a customer typed as a formula."""
    return "'" + text if text.startswith(_FORMULA) else text


def csv_text(rows: Iterable[Row], tz: ZoneInfo, rep_names: Callable[[int], str]) -> str:
    """One row a session: the columns of ``CSV_FIELDS``, times in ISO 8601 in ``tz``, durations in seconds."""

    def when(at: int | None) -> str:
        return "" if at is None else datetime.fromtimestamp(at / 1000, tz).isoformat(timespec="seconds")

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)
    for row in rows:
        outcome = (row.outcome or "left") if row.result == "abandoned" else row.result
        writer.writerow([
            row.id, _cell(row.portal), _cell(row.customer), _cell("; ".join(rep_names(r) for r in row.rep_ids)),
            when(row.created_at), when(row.accepted_at), when(row.ended_at),
            "" if row.wait_ms is None else f"{row.wait_ms / 1000:.1f}",
            "" if row.handle_ms is None else f"{row.handle_ms / 1000:.1f}",
            outcome, "" if row.rating is None else row.rating,
        ])
    return out.getvalue()

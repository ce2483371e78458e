"""The wait colour of a session tab, on a fake clock."""

import pytest

from relaydesk_web.chat import Entry
from relaydesk_web.tabs import GREEN, RED, YELLOW, duration, indicator, last_reply_at, level, waiting_since

START = 1_000_000


def said(who: str, at_s: float, kind: str = "message") -> Entry:
    return Entry(f"id-{who}-{at_s}", kind, "text", who.title(), who, mine=who == "rep", seq=1,
                 at=START + int(at_s * 1000))


@pytest.mark.parametrize(
    ("idle", "colour"), [(0, GREEN), (59.9, GREEN), (60, YELLOW), (179, YELLOW), (180, RED), (10_000, RED)],
)
def test_the_colour_switches_exactly_at_the_thresholds(idle, colour):
    assert level(idle, 60, 180) == colour


def test_the_clock_starts_when_the_session_does():
    assert last_reply_at([said("customer", 5)], START) == START


def test_a_rep_message_or_pushed_page_resets_the_clock_but_notes_and_private_ones_do_not():
    entries = [said("rep", 10), said("rep", 20, "url"), said("rep", 30, "note"), said("rep", 40, "private")]
    assert last_reply_at(entries, START) == START + 20_000


def test_pending_messages_do_not_count_yet():
    pending = Entry("x", "message", "hi", "Alice", "rep", mine=True)
    assert last_reply_at([said("rep", 10), pending], START) == START + 10_000


def test_waiting_counts_from_the_oldest_unanswered_customer_message():
    entries = [said("customer", 1), said("rep", 2), said("customer", 3), said("customer", 4)]
    assert waiting_since(entries) == START + 3000
    assert waiting_since(entries + [said("rep", 5)]) is None


def test_the_indicator_names_the_exact_time_and_the_wait():
    entries = [said("rep", 0), said("customer", 10)]
    colour, name, waiting = indicator(entries, START, START + 75_000, 60, 180)
    assert colour == YELLOW
    assert name == "1 min 15 s since you last wrote to the customer"
    assert waiting == "waiting 1 min 5 s"


def test_with_thresholds_of_a_few_seconds_it_goes_green_yellow_red():
    colours = [indicator([], START, START + seconds * 1000, 2, 4)[0] for seconds in (1, 3, 5)]
    assert colours == [GREEN, YELLOW, RED]


@pytest.mark.parametrize(("seconds", "text"), [(0, "0 s"), (59, "59 s"), (61, "1 min 1 s"), (3720, "1 h 2 min"),
                                               (-3, "0 s")])
def test_durations_read_naturally(seconds, text):
    assert duration(seconds) == text


def test_a_tab_whose_log_is_not_loaded_takes_its_colour_and_wait_from_the_summary():
    replied, waiting = START + 5000, START + 6000
    assert last_reply_at([], START, replied_at=replied) == replied
    assert waiting_since([], waiting_at=waiting) == waiting
    assert waiting_since([said("customer", 7)], waiting_at=waiting) == waiting  # it began before what is loaded
    assert waiting_since([said("rep", 8)], waiting_at=waiting) is None  # answered since
    assert last_reply_at([said("rep", 8)], START, replied_at=replied) == START + 8000
    colour, _name, shown = indicator([], START, START + 20_000, 10, 30, replied_at=replied, waiting_at=waiting)
    assert (colour, shown) == (YELLOW, "waiting 14 s")

"""Several customers at once: tabs with wait colours, drafts kept, unread counts."""

import re

from playwright.sync_api import expect

from e2e.conftest import Actors
from e2e.pages import set_preferences
from relaydesk.store import Store


def test_one_rep_three_customers_tabs_colours_drafts_and_unread(actors: Actors):
    rep = actors.rep()
    customers = {name: actors.customer() for name in ("Ann", "Ben", "Cal")}
    rep.goto()
    rep.sign_in(rep.username, rep.password)
    for customer in customers.values():
        customer.goto()
    rep.expect_connected()
    expect(set_preferences(rep, **{"Yellow after (seconds)": "2", "Red after (seconds)": "4"})).to_have_count(0)
    for name, customer in customers.items():
        customer.expect_connected()
        customer.ask_for_help(name, f"{name}'s problem")
        rep.accept(name)
        expect(rep.page.get_by_role("tab", name=name)).to_have_attribute("aria-selected", "true")
    tabs = rep.page.get_by_role("tablist", name="Sessions").get_by_role("tab")
    expect(tabs).to_have_count(3)

    ann_tab = rep.page.get_by_role("tab", name="Ann")
    ann_icon = ann_tab.get_by_test_id("idle-indicator")
    expect(ann_icon).to_have_attribute("data-level", "yellow", timeout=10_000)
    expect(ann_icon).to_have_attribute("data-level", "red", timeout=10_000)
    expect(ann_icon).to_have_attribute("aria-label", re.compile(r"\d+ s since you last wrote to the customer"))

    ann_tab.click()
    rep.message_box.fill("A draft for Ann")
    rep.page.get_by_role("tab", name="Ben").click()
    expect(rep.message_box).to_have_value("")
    rep.send("Hello Ben", via="enter")
    expect(rep.page.get_by_role("tab", name="Ben").get_by_test_id("idle-indicator")).to_have_attribute(
        "data-level", "green")
    ann_tab.click()
    expect(rep.message_box).to_have_value("A draft for Ann")

    customers["Cal"].send("Is anyone there?", via="enter")
    cal_tab = rep.page.get_by_role("tab", name="Cal")
    expect(cal_tab.locator(".unread")).to_have_text("1 unread")
    customers["Cal"].send("Hello?", via="enter")
    expect(cal_tab.locator(".unread")).to_have_text("2 unread")
    expect(rep.page).to_have_title(re.compile(r"^\(2\) "))
    expect(cal_tab).to_contain_text("waiting")

    rep.page.keyboard.press("Alt+Shift+Digit3")
    expect(cal_tab).to_have_attribute("aria-selected", "true")
    expect(rep.message_box).to_be_focused()
    expect(cal_tab.locator(".unread")).to_be_hidden()
    expect(rep.page).not_to_have_title(re.compile(r"^\("))

    rep.page.reload()
    rep.expect_connected()
    expect(tabs).to_have_count(3)  # every open session comes back after a reload


def test_arrow_keys_move_between_focused_tabs(actors: Actors):
    rep = actors.rep()
    customers = {name: actors.customer() for name in ("Ann", "Ben")}
    rep.goto()
    rep.sign_in(rep.username, rep.password)
    for customer in customers.values():
        customer.goto()
    rep.expect_connected()
    for name, customer in customers.items():
        customer.expect_connected()
        customer.ask_for_help(name, f"{name}'s problem")
        rep.accept(name)
    ben = rep.page.get_by_role("tab", name="Ben")
    expect(ben).to_have_attribute("aria-selected", "true")
    ben.press("ArrowRight")  # round the end, back to the first
    ann = rep.page.get_by_role("tab", name="Ann")
    expect(ann).to_have_attribute("aria-selected", "true")
    expect(ann).to_be_focused()


NEAR_VIEW = """entry => {
  const log = entry.parentNode.getBoundingClientRect(), top = entry.getBoundingClientRect().top;
  return Math.abs(top - log.top) < log.height;
}"""


def test_a_long_history_shows_its_newest_messages_first_and_older_ones_as_the_rep_scrolls_up(actors: Actors):
    rep = actors.rep()
    store = Store(actors.server.data / "relaydesk.db")
    alice = store.authenticate(rep.username, rep.password)
    assert alice is not None
    session = store.create_session("long-history-01", "t" * 43, "/", "Ann", "A long story", {})
    store.accept(session.id, alice)
    for number in range(450):  # three pages of 200 at most
        who = ("customer", "Ann", None) if number % 2 else ("rep", "Alice", alice.id)
        store.append_event(session.id, f"long-{number:03}", "message", f"Message {number:03}", *who)
    store.close()

    rep.open()  # pages hold 200 events: the newest come first (with, maybe, a note that Ann left)
    messages, marker = rep.log.locator(".entry[data-kind=message]"), rep.log.get_by_test_id("history-marker")

    def shown(number: int):
        return rep.log.locator(f"[data-key=long-{number:03}]")

    expect(shown(449)).to_be_in_viewport()
    expect(shown(260)).to_have_count(1)
    expect(shown(240)).to_have_count(0)
    expect(marker).to_have_text("Loading earlier messages…")

    reading = rep.log.locator(f"[data-key={messages.first.get_attribute('data-key')}]")
    rep.log.evaluate("log => log.scrollTop = 0")
    expect(shown(60)).to_have_count(1)
    expect(shown(40)).to_have_count(0)
    # The older page came in above: the view stays about where the rep was reading, within a screenful.
    assert reading.evaluate(NEAR_VIEW), rep.log.evaluate("log => [log.scrollTop, log.scrollHeight]")
    rep.log.evaluate("log => log.scrollTop = 0")
    expect(shown(0)).to_have_count(1)
    expect(marker).to_have_text("Start of the conversation")
    expect(messages).to_have_count(450)  # each once

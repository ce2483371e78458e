"""Sessions: a key brings the customer straight to the rep, details show, the end and the exports."""

import re

from playwright.sync_api import expect

from e2e.pages import (
    CustomerPage,
    RepConsole,
    ask_with_key,
    detail,
    download_transcript,
    end_session,
    export_log,
    generate_key,
)


def test_a_customer_with_a_key_opens_the_reps_chat_by_itself_and_the_session_ends_with_exports(
    customer: CustomerPage, rep: RepConsole
):
    customer.goto()
    rep.open()
    key = generate_key(rep)
    customer.expect_connected()

    ask_with_key(customer, "Dana Key", "The VPN drops every hour", f"{key[:3]} {key[3:6]} {key[6:]}")

    expect(rep.page.get_by_role("tab", name="Dana Key")).to_be_visible()  # no click on the rep's side
    rep.expect_chat_visible()
    customer.expect_in_chat()
    expect(detail(rep, "Customer")).to_have_text("Dana Key")
    expect(detail(rep, "Request")).to_have_text("The VPN drops every hour")
    expect(detail(rep, "Portal")).to_have_text("Support")
    expect(detail(rep, "Operating system")).to_have_text("Linux")
    expect(detail(rep, "Browser")).to_have_text(re.compile(r"^Chrom"))
    expect(detail(rep, "Started")).not_to_be_empty()
    session_id = detail(rep, "Session ID").inner_text()

    customer.send("It dropped again just now", via="enter")
    rep.send("Let us look at the logs", via="enter")
    rep.expect_message("It dropped again just now", sender="Dana Key")

    end_session(rep, "Resolved")
    expect(customer.page.get_by_role("heading", name="This support session has ended")).to_be_visible()
    expect(rep.log.locator('li[data-kind="status"]').last).to_have_text(re.compile("ended the session.*Resolved"))
    expect(customer.message_box).to_be_disabled()

    name, text = export_log(rep)
    assert name.startswith(f"relaydesk-session-{session_id}-dana-key-") and name.endswith(".txt")
    assert text.index("Session ID:") < text.index("It dropped again just now") < text.index("Let us look at the logs")
    assert "Outcome:          Resolved" in text

    name, text = download_transcript(customer)
    assert name.endswith(".txt") and "Request:          The VPN drops every hour" in text
    assert text.index("It dropped again just now") < text.index("Let us look at the logs")


def test_a_wrong_key_says_so_and_keeps_what_the_customer_typed(customer: CustomerPage, rep: RepConsole):
    customer.open()
    ask_with_key(customer, "Erin Typo", "Cannot log in", "123 456 78x")
    expect(customer.page.get_by_role("alert")).to_contain_text("9 digits")
    ask_with_key(customer, "Erin Typo", "Cannot log in", "000000000")
    expect(customer.page.get_by_role("alert")).to_contain_text("No session key matches")
    expect(customer.name_box).to_have_value("Erin Typo")
    expect(customer.issue_box).to_have_value("Cannot log in")


def test_guessed_keys_are_refused_after_a_few_and_the_rep_sees_how_many_were_tried(customer: CustomerPage,
                                                                                    rep: RepConsole):
    rep.open()
    key = generate_key(rep)
    customer.open()
    misses = rep.page.locator("#key-misses")
    for tries in range(1, 6):  # each answered before the next: the panel counts it
        ask_with_key(customer, "Mallory Guess", "Let me in", f"00000000{tries}")
        expect(misses).to_have_text(re.compile(rf"^{tries} wrong keys? tried since \d\d:\d\d\.$"))
    ask_with_key(customer, "Mallory Guess", "Let me in", key)
    expect(customer.page.get_by_role("alert")).to_contain_text(  # a minute, or under it on a busy machine
        re.compile(r"Too many wrong session keys\. Try again in (1 minute|5\d seconds)"))
    expect(customer.name_box).to_have_value("Mallory Guess")
    expect(customer.page.get_by_role("textbox", name="Session key")).to_have_value(key)


def test_the_customer_can_start_over_after_the_end(chatting: tuple[CustomerPage, RepConsole]):
    customer, rep = chatting
    end_session(rep, "Unresolved")
    customer.page.get_by_role("button", name="Start over").click()
    expect(customer.name_box).to_be_visible()
    expect(customer.messages).to_have_count(0)

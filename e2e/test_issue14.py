"""Issue 14, team A, in real browsers: the survey after the end, typing both ways, who is helping."""

from playwright.sync_api import expect

from e2e.conftest import CUSTOMER_NAME, Actors
from e2e.pages import CustomerPage, RepConsole, detail, end_session, export_log, invite, join_invitation


def test_the_customer_rates_the_chat_and_the_rep_sees_it_in_the_details_and_the_export(
    chatting: tuple[CustomerPage, RepConsole]
):
    customer, alice = chatting
    end_session(alice, "Resolved")
    survey = customer.page.get_by_role("group", name="How satisfied are you with this chat?")
    expect(survey).to_be_visible()
    survey.get_by_role("radio", name="Dissatisfied", exact=True).check()
    customer.page.get_by_role("textbox", name="Comment").fill("Took a while")
    customer.page.get_by_role("button", name="Send feedback").click()
    expect(customer.page.get_by_role("status").filter(has_text="Your answer: Dissatisfied.")).to_be_visible()
    expect(detail(alice, "Satisfaction")).to_have_text("Dissatisfied (2 of 5)")

    survey.get_by_role("radio", name="Very satisfied").check()  # changed until they leave
    customer.page.get_by_role("textbox", name="Comment").fill("Solved in the end")
    customer.page.get_by_role("button", name="Send feedback").click()
    expect(detail(alice, "Satisfaction")).to_have_text("Very satisfied (5 of 5)")
    expect(detail(alice, "Feedback comment")).to_have_text("Solved in the end")
    _name, text = export_log(alice)
    assert "Very satisfied (5 of 5)" in text and "Solved in the end" in text


def test_typing_shows_both_ways_and_goes_at_send(chatting: tuple[CustomerPage, RepConsole]):
    customer, alice = chatting
    customer.message_box.press_sequentially("Is it", delay=50)
    expect(alice.page.get_by_test_id("typing-indicator")).to_have_text(f"{CUSTOMER_NAME} is typing…")
    expect(alice.page.get_by_test_id("typing-preview")).to_be_hidden()  # the team's live preview is off
    customer.message_box.press_sequentially(" plugged in?", delay=20)
    customer.page.get_by_role("button", name="Send", exact=True).click()
    alice.expect_message("Is it plugged in?", sender=CUSTOMER_NAME)
    expect(alice.page.get_by_test_id("typing-indicator")).to_be_hidden()

    alice.message_box.press_sequentially("Let me", delay=50)
    expect(customer.page.get_by_test_id("typing-indicator")).to_have_text("Alice is typing…")
    alice.message_box.fill("")  # emptied: stopped
    expect(customer.page.get_by_test_id("typing-indicator")).to_be_hidden()
    expect(customer.page.get_by_test_id("helpers")).to_have_text("Helping you: Alice")


def test_a_hidden_rep_typing_never_shows_to_the_customer_and_the_visible_reps_are_listed_live(
    chatting: tuple[CustomerPage, RepConsole], actors: Actors
):
    customer, alice = chatting
    bob = actors.rep("bob", "Bob").open()
    helpers = customer.page.get_by_test_id("helpers")
    indicator = customer.page.get_by_test_id("typing-indicator")
    expect(helpers).to_have_text("Helping you: Alice")
    invite(alice, "Bob", hidden=True)
    join_invitation(bob)
    expect(bob.page.get_by_role("tab", name=CUSTOMER_NAME)).to_be_visible()

    bob.message_box.press_sequentially("Psst", delay=50)  # to the reps: a hidden rep writes to nobody else
    expect(alice.page.get_by_test_id("typing-indicator")).to_have_text("Bob is typing…")  # reps see each other
    alice.message_box.press_sequentially("One moment", delay=50)
    expect(indicator).to_have_text("Alice is typing…")  # Bob's came first, had it reached the customer
    expect(helpers).to_have_text("Helping you: Alice")

    bob.page.get_by_role("button", name="Show me to customer").click()
    expect(helpers).to_have_text("Helping you: Alice, Bob")
    bob.page.get_by_role("button", name="Hide me from customer").click()
    expect(helpers).to_have_text("Helping you: Alice")
    expect(indicator).not_to_contain_text("Bob")


def test_with_the_teams_live_preview_on_the_rep_reads_what_the_customer_types_before_it_is_sent(actors: Actors):
    from relaydesk.store import Store

    store = Store(actors.server.data / "relaydesk.db")
    try:
        store.set_setting("typing_preview", "1")  # as the admin page's checkbox does
    finally:
        store.close()
    customer, alice = actors.customer(), actors.rep()
    customer.goto()
    alice.goto()
    alice.sign_in(alice.username, alice.password)
    customer.expect_connected()
    alice.expect_connected()
    customer.ask_for_help(CUSTOMER_NAME, "Preview")
    alice.accept(CUSTOMER_NAME)
    customer.expect_in_chat()
    customer.message_box.press_sequentially("My password is", delay=150)
    expect(alice.page.get_by_test_id("typing-preview")).to_have_text("Preview: My password is")
    customer.message_box.press("Enter")
    expect(alice.page.get_by_test_id("typing-preview")).to_be_hidden()

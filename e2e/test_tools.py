"""Rep tools: scripted messages, pushed URLs, spell check, notes, preferences."""

from playwright.sync_api import expect

from e2e.conftest import CUSTOMER_NAME
from e2e.pages import CustomerPage, RepConsole, add_my_script, misspelled_word, set_preferences


def test_a_scripted_message_is_filled_in_edited_and_sent(chatting: tuple[CustomerPage, RepConsole]):
    customer, rep = chatting
    listbox = add_my_script(rep, "Scripted messages", "Greeting", "Hello {customer}, I am {rep}.")
    listbox.get_by_role("option", name="Greeting (mine)").click()
    expect(rep.message_box).to_have_value(f"Hello {CUSTOMER_NAME}, I am {rep.name}.")
    rep.message_box.press("End")
    rep.message_box.press_sequentially(" How can I help?")
    rep.message_box.press("Enter")
    customer.expect_message(f"Hello {CUSTOMER_NAME}, I am {rep.name}. How can I help?", sender=rep.name)


def test_typing_a_slash_suggests_scripts_by_keyboard(chatting: tuple[CustomerPage, RepConsole]):
    customer, rep = chatting
    add_my_script(rep, "Scripted messages", "Greeting", "Hello {customer}!")
    rep.page.keyboard.press("Escape")
    rep.message_box.press_sequentially("/gre")
    suggestions = rep.page.get_by_role("listbox", name="Scripted message suggestions")
    expect(suggestions.get_by_role("option")).to_have_count(1)
    rep.message_box.press("Enter")
    expect(rep.message_box).to_have_value(f"Hello {CUSTOMER_NAME}!")
    expect(rep.messages).to_have_count(0)  # picking a suggestion sends nothing


def test_a_pushed_url_opens_in_the_customers_browser_and_shows_as_a_link(chatting: tuple[CustomerPage, RepConsole]):
    customer, rep = chatting
    url = f"{customer.base_url}/static/favicon.svg"
    rep.message_box.fill(url)
    with customer.page.context.expect_page() as opened:
        rep.page.get_by_role("button", name="Send URL").click()
    assert opened.value.url == url
    link = customer.log.locator('li[data-kind="url"] a')
    expect(link).to_have_attribute("href", url)
    expect(rep.log.locator('li[data-kind="url"]')).to_have_count(1)


def test_a_javascript_url_is_refused_and_the_draft_kept(chatting: tuple[CustomerPage, RepConsole]):
    customer, rep = chatting
    rep.message_box.fill("javascript:alert(1)")
    rep.page.get_by_role("button", name="Send URL").click()
    expect(rep.page.get_by_role("alert")).to_contain_text("http")
    expect(rep.message_box).to_have_value("javascript:alert(1)")
    expect(rep.log.locator('li[data-kind="url"]')).to_have_count(0)


def test_spell_check_offers_corrections_in_english_and_french(chatting: tuple[CustomerPage, RepConsole]):
    customer, rep = chatting
    rep.page.get_by_role("button", name="Spell check").click()
    expect(rep.page.get_by_role("button", name="Spell check")).to_have_attribute("aria-pressed", "true")
    rep.message_box.press_sequentially("Dear custmer")
    misspelled_word(rep, "custmer").click()
    rep.page.get_by_role("menuitem", name="customer", exact=True).click()
    expect(rep.message_box).to_have_value("Dear customer")

    dialog = set_preferences(rep, **{"Spell-check language": "fr"})
    expect(dialog).to_have_count(0)
    rep.message_box.fill("")
    rep.message_box.press_sequentially("bonjoor madame")
    misspelled_word(rep, "bonjoor").click()
    expect(rep.page.get_by_role("menuitem", name="bonjour", exact=True)).to_be_visible()


def test_notes_are_for_reps_only(chatting: tuple[CustomerPage, RepConsole]):
    customer, rep = chatting
    notes = rep.page.get_by_role("region", name="Notes")
    notes.get_by_role("textbox", name="Session notes").fill("Customer seems in a hurry")
    notes.get_by_role("button", name="Add note").click()
    expect(notes).to_contain_text("Customer seems in a hurry")
    expect(rep.log.locator('li[data-kind="note"]')).to_contain_text("Customer seems in a hurry")
    rep.send("Anything else?", via="enter")
    customer.expect_message("Anything else?", sender=rep.name)
    expect(customer.log).not_to_contain_text("hurry")


def test_preferences_refuse_red_before_yellow_then_keep_good_values(chatting: tuple[CustomerPage, RepConsole]):
    customer, rep = chatting
    dialog = set_preferences(rep, **{"Yellow after (seconds)": "100", "Red after (seconds)": "50"})
    expect(dialog.get_by_role("alert")).to_contain_text("Red after must be more")
    dialog.get_by_label("Red after (seconds)").fill("300")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    rep.page.reload()
    rep.expect_connected()
    rep.page.get_by_role("button", name="Chat preferences").click()
    expect(rep.page.get_by_label("Red after (seconds)")).to_have_value("300")


def test_font_size_and_side_panel_are_remembered(chatting: tuple[CustomerPage, RepConsole]):
    customer, rep = chatting
    rep.page.get_by_role("button", name="Larger text").click()
    rep.page.get_by_role("button", name="Hide side panel").click()
    expect(rep.page.get_by_role("button", name="Show side panel")).to_have_attribute("aria-expanded", "false")
    expect(rep.page.get_by_role("region", name="Details")).to_be_hidden()
    rep.page.reload()
    rep.expect_connected()
    expect(rep.page.get_by_role("button", name="Show side panel")).to_be_visible()
    size = rep.log.evaluate("node => getComputedStyle(node).fontSize")
    assert size == "16px"

from relaydesk_web.library import fill, grouped, search, slash_query

SCRIPTS = [
    {"kind": "message", "category": "Openers", "title": "Greeting", "body": "Hello {customer}, I am {rep}."},
    {"kind": "message", "category": "Closers", "title": "Goodbye", "body": "Thanks, {customer}!"},
    {"kind": "message", "category": "Printers", "title": "Restart the printer", "body": "Please greet it warmly."},
    {"kind": "url", "category": "Help", "title": "Help centre", "body": "https://example.com/help"},
]


def test_search_finds_every_word_in_title_category_or_text_of_one_kind():
    assert [s["title"] for s in search(SCRIPTS, "message", "printer restart")] == ["Restart the printer"]
    assert [s["title"] for s in search(SCRIPTS, "url", "help")] == ["Help centre"]


def test_titles_that_start_with_the_query_come_first():
    assert [s["title"] for s in search(SCRIPTS, "message", "gre")] == ["Greeting", "Restart the printer"]


def test_an_empty_query_lists_all_of_a_kind():
    assert len(search(SCRIPTS, "message")) == 3


def test_grouped_keeps_the_order_within_categories():
    assert [c for c, _ in grouped(search(SCRIPTS, "message"))] == ["Closers", "Openers", "Printers"]


def test_fill_puts_in_the_customer_and_the_rep():
    assert fill("Hello {customer}, I am {rep}.", "Carol", "Alice") == "Hello Carol, I am Alice."


def test_a_leading_slash_starts_a_suggestion_query():
    assert slash_query("/gre") == "gre"
    assert slash_query("/") == ""
    assert slash_query("hello /gre") is None
    assert slash_query("/two\nlines") is None


def test_scripts_in_the_customers_language_come_first_then_those_in_any():
    scripts = [
        {"kind": "message", "category": "Openers", "title": "Hello", "body": "Hello!", "language": "en"},
        {"kind": "message", "category": "Openers", "title": "Bonjour", "body": "Bonjour !", "language": "fr"},
        {"kind": "message", "category": "Openers", "title": "Ciao", "body": ":)", "language": ""},
    ]
    assert [s["title"] for s in search(scripts, "message", "", "fr")] == ["Bonjour", "Ciao", "Hello"]
    assert [s["title"] for s in search(scripts, "message", "", "en")] == ["Hello", "Ciao", "Bonjour"]
    assert [s["title"] for s in search(scripts, "message", "", None)] == ["Ciao", "Bonjour", "Hello"]

from relaydesk_web.spelling import misspelled, replace, segments, words


def unknown_of(*bad):
    return lambda candidates: {word for word in candidates if word in bad}


def test_words_skip_numbers_urls_addresses_and_commands():
    text = "Hello custmer 42 https://example.com/x a@b.fr /greet l'ordinateur e-mail"
    assert [w for _, _, w in words(text)] == ["Hello", "custmer", "l'ordinateur", "e-mail"]


def test_misspelled_words_come_with_their_place():
    assert misspelled("Dear custmer, hi", unknown_of("custmer")) == [(5, 12, "custmer")]


def test_words_the_rep_added_are_not_flagged():
    assert misspelled("Relaydesk rocks", unknown_of("relaydesk"), known=["Relaydesk"]) == []


def test_case_does_not_hide_a_misspelling():
    assert misspelled("Bonjoor", unknown_of("bonjoor")) == [(0, 7, "Bonjoor")]


def test_replace_puts_the_correction_in_place():
    assert replace("Dear custmer, hi", 5, 12, "customer") == "Dear customer, hi"


def test_segments_mark_the_misspelled_runs():
    assert segments("a custmer b", [(2, 9, "custmer")]) == [("a ", False), ("custmer", True), (" b", False)]

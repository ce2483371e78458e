import pytest

from relaydesk.prefs import DEFAULTS, PrefsError, check


def test_defaults_are_sixty_and_one_eighty_seconds():
    assert (DEFAULTS["yellow_after"], DEFAULTS["red_after"]) == (60, 180)
    assert check({}) == DEFAULTS


def test_digits_typed_in_a_form_become_numbers():
    assert check({"yellow_after": "5", "red_after": "10", "font_size": "18"})["font_size"] == 18


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"yellow_after": 100, "red_after": 50}, "Red after must be more"),
        ({"yellow_after": 60, "red_after": 60}, "Red after must be more"),
        ({"yellow_after": -5}, "whole number of seconds"),
        ({"red_after": "soon"}, "whole number of seconds"),
        ({"font_size": 40}, "font size"),
        ({"font_size": True}, "font size"),
        ({"spell_language": "de"}, "English"),
        ({"chat_sound": "yes"}, "on or off"),
        ({"theme": "sepia"}, "light or dark"),
        ({"theme": None}, "light or dark"),
        ({"dictionary": "word"}, "dictionary"),
        ({"colour": "blue"}, "Unknown preference"),
    ],
)
def test_bad_preferences_are_refused_with_a_reason(changes, reason):
    with pytest.raises(PrefsError, match=reason):
        check(changes)


def test_changes_apply_on_top_of_the_current_ones():
    current = check({"yellow_after": 5, "red_after": 10})
    assert check({"font_size": 12}, current)["yellow_after"] == 5


def test_the_theme_follows_the_system_unless_the_rep_chooses():
    assert DEFAULTS["theme"] == "auto"
    assert check({"theme": "dark"})["theme"] == "dark"

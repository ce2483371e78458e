"""The effects are plain data, as ``@dataclass`` made them, without compiling methods for each kind as the page
imports them (``relaydesk_web.effects.Effect``)."""

import pytest

from relaydesk_web.effects import ClearDraft, Effect, Keys, SelectSession, ShowView


def test_an_effect_is_built_by_position_or_by_name_with_its_defaults():
    assert SelectSession(3, []).draft == "" and SelectSession(3, []).scroll is None
    chosen = SelectSession(3, [], scroll=120.0)
    assert (chosen.session, chosen.entries, chosen.draft, chosen.scroll) == (3, [], "", 120.0)
    assert Keys(keys=[{"key": "k"}]).wrong_tries == 0
    assert ClearDraft() == ClearDraft()


@pytest.mark.parametrize("build", [lambda: ShowView(), lambda: ShowView("form", "chat"), lambda: ShowView(seen="form"),
                                   lambda: Keys(wrong_tries=2)])
def test_missing_extra_or_unknown_fields_are_refused(build):
    with pytest.raises(TypeError):
        build()


def test_effects_are_equal_by_kind_and_fields_and_say_what_they_hold():
    assert ShowView("form") == ShowView(view="form")
    assert ShowView("form") != ShowView("chat")
    assert Keys([], 0) != SelectSession([], 0)  # another kind, even with the same values
    assert repr(SelectSession(1, [])) == "SelectSession(session=1, entries=[], draft='', scroll=None)"
    with pytest.raises(TypeError):
        hash(ShowView("form"))  # mutable and equal by value: not a dict key, as with a dataclass


def test_effects_match_by_position():
    match SelectSession(7, [], "hi"):
        case SelectSession(session, _, draft):
            assert (session, draft) == (7, "hi")
        case _:
            pytest.fail("not matched")
    assert all(isinstance(kind.__match_args__, tuple) for kind in Effect.__subclasses__())

"""The rep's theme is the page's from its first paint: the server writes it on ``<html data-theme>``."""

import re

from tests.chatters import act, rep_hello
from tests.wsclient import post_form, sign_in

THEME = re.compile(r'<html lang="\w+" data-theme="(\w+)">')


def test_rep_pages_come_in_the_reps_theme_before_any_script_runs(server, connect):
    alice = connect("rep", "alice")
    rep_hello(alice)
    cookie = sign_in(server, "alice")
    pages = ("/rep", "/rep/history", "/rep/reports", "/rep/password")

    def themes(signed_in: str | None) -> list[str]:
        return [THEME.search(post_form(server, path, None, cookie=signed_in)[2])[1] for path in pages]

    assert themes(cookie) == ["auto"] * len(pages)  # the default follows the system (app.css)
    act(alice, "prefs", prefs={"theme": "dark"})
    assert themes(cookie) == ["dark"] * len(pages)
    assert THEME.search(post_form(server, "/", None, cookie=cookie)[2])[1] == "auto"  # a portal is the customer's
    act(alice, "prefs", prefs={"theme": "light"})
    assert themes(cookie) == ["light"] * len(pages)
    assert themes(None)[0] == "auto"  # the sign-in page: nobody's theme yet

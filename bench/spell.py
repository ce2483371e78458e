"""Spell check in the browser: dictionary load time per language, and time per keystroke.

Signs a rep in, turns spell check on, and types into Message; the console
records how long loading the dictionary took (``relaydeskDictionaryMs``) and
how long each check took (``relaydeskSpellMs``).  Run: ``.venv/bin/python -m bench.spell [runs]``.
"""

from __future__ import annotations

import sys

from playwright.sync_api import expect

from bench.common import chromium, live_server, summary
from tests.chatters import ask
from tests.wsclient import Client, sign_in

TEXT = "Bonjour madame, je vais redémarrer votre imprimante maintenant, merci de patienter"


def load_time(browser, server, username: str, language: str) -> tuple[float, list[float]]:
    """Milliseconds for pyspellchecker to load ``language`` in a new rep's console, and per check."""
    server.add_rep(username, username.title())
    cookie = sign_in(server, username).split("=", 1)
    context = browser.new_context()
    context.add_cookies([{"name": cookie[0], "value": cookie[1], "url": server.url}])
    page = context.new_page()
    page.goto(f"{server.url}/rep")
    expect(page.get_by_test_id("app-status")).to_have_text("Connected", timeout=60_000)
    customer = Client(server, "customer")
    ask(customer, name="Bench")
    page.get_by_role("region", name="Queue").get_by_role("button", name="Accept").click()
    page.evaluate("window.relaydeskDictionaryMs = undefined")
    page.get_by_role("button", name="Chat preferences").click()
    dialog = page.get_by_role("dialog", name="Chat preferences")
    dialog.get_by_label("Spell-check language").select_option(language)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    page.get_by_role("button", name="Spell check").click()
    page.wait_for_function("window.relaydeskDictionaryMs !== undefined", timeout=60_000)
    took = page.evaluate("window.relaydeskDictionaryMs")
    keystrokes = []
    field = page.get_by_role("textbox", name="Message")
    for word in TEXT.split():
        page.evaluate("window.relaydeskSpellMs = undefined")
        field.press_sequentially(word + " ")
        page.wait_for_function("window.relaydeskSpellMs !== undefined", timeout=10_000)
        keystrokes.append(page.evaluate("window.relaydeskSpellMs"))
    context.close()
    customer.close()
    return took, keystrokes


def main(runs: int = 3) -> None:
    with live_server() as server, chromium() as browser:
        for language in ("en", "fr"):
            loads, checks = [], []
            for run in range(runs):
                took, keystrokes = load_time(browser, server, f"speller-{language}-{run}", language)
                loads.append(took)
                checks += keystrokes
            print(f"{language}: dictionary load  {summary(loads)}")
            print(f"{language}: check per pause  {summary(checks)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)

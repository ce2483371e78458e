"""The customer's whole flow in Firefox ESR (Debian's), with the rep in Chromium.

The customer side is e2e/firefox/customer.mjs, driven step by step
(``e2e.firefox.FirefoxCustomer``); it fails on the same page problems the
Chromium side's watch does.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.conftest import REPORT_IN_CONSOLE, Actors
from e2e.firefox import FirefoxCustomer
from e2e.pages import RepConsole, end_session
from e2e.test_files import download, send_file
from e2e.test_screen import request_screen

NAME = "Frida Firefox"


@pytest.fixture
def firefox(actors: Actors):
    customer = FirefoxCustomer(actors.server.url, REPORT_IN_CONSOLE)
    yield customer
    customer.close()


def in_chat(firefox: FirefoxCustomer, rep: RepConsole) -> None:
    """Open the portal in Firefox and the console in Chromium; ask for help; the rep accepts."""
    rep.goto()
    rep.sign_in(rep.username, rep.password)
    firefox.step("open")
    rep.expect_connected()
    assert firefox.step("ask", name=NAME, issue="My mail will not sync").startswith("You are next.")
    rep.accept(NAME)
    rep.expect_chat_visible()
    firefox.step("inChat")


def test_a_customer_in_firefox_chats_sends_and_gets_files_and_keeps_the_transcript(
    firefox: FirefoxCustomer, rep: RepConsole, tmp_path
):
    in_chat(firefox, rep)

    firefox.step("send", body="Hello from Firefox")
    rep.expect_message("Hello from Firefox", sender=NAME)
    rep.send("Hello from Chromium")
    assert firefox.step("expectMessage", body="Hello from Chromium") == {"state": "sent", "who": rep.name}

    upload = tmp_path / "mail-log.txt"
    upload.write_text("sync failed at 09:14")
    firefox.step("sendFile", path=str(upload))
    assert download(rep.page, "mail-log.txt") == b"sync failed at 09:14"
    send_file(rep.page, "Send file", "settings.txt", b"port 993, SSL on")
    got = firefox.step("download", name="settings.txt")
    assert (got["status"], got["body"]) == (200, "port 993, SSL on")
    assert got["disposition"] == "attachment; filename=settings.txt"

    end_session(rep, "Resolved")
    assert firefox.step("expectEnded") == "This support session has ended"
    transcript = firefox.step("transcript")
    assert transcript["status"] == 200
    for line in ("Hello from Firefox", "Hello from Chromium", "mail-log.txt", "settings.txt"):
        assert line in transcript["body"]


def test_screen_sharing_from_firefox_or_why_not(firefox: FirefoxCustomer, rep: RepConsole):
    """Firefox asks its own picker for a screen; headless, it has none to offer, so the rep is told it did not start."""
    in_chat(firefox, rep)
    request_screen(rep)
    outcome = firefox.step("allowScreen")
    thumbnail = rep.page.get_by_role("region", name="Customer screen").get_by_role("img", name="Customer screen")
    if outcome == "sharing":
        expect(thumbnail).to_be_visible()
        return
    expect(rep.log).to_contain_text("declined to share their screen")
    expect(thumbnail).to_be_hidden()
    firefox.step("send", body="Sharing did not work")
    rep.expect_message("Sharing did not work", sender=NAME)
    pytest.skip(f"headless Firefox cannot share a screen: {outcome}")

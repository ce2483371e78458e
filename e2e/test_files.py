"""Files both ways: sent with progress, logged on both sides, downloaded by the other side only."""

from pathlib import Path

from playwright.sync_api import expect

from e2e.conftest import Actors
from e2e.pages import CustomerPage, RepConsole


def send_file(page, button_name: str, name: str, content: bytes) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=button_name, exact=True).click()
    chooser.value.set_files(files=[{"name": name, "mimeType": "text/plain", "buffer": content}])


def download(page, name: str) -> bytes:
    entry = page.get_by_role("log", name="Chat log").locator('li[data-kind="file"]').filter(has_text=name)
    with page.expect_download() as downloaded:
        entry.get_by_role("link", name=name).click()
    assert downloaded.value.suggested_filename == name
    return Path(downloaded.value.path()).read_bytes()


def test_a_file_each_way_is_downloaded_by_the_other_side(chatting: tuple[CustomerPage, RepConsole], actors: Actors):
    customer, rep = chatting

    send_file(customer.page, "Send file", "printer-log.txt", b"paper jam at tray 2")
    assert download(rep.page, "printer-log.txt") == b"paper jam at tray 2"

    send_file(rep.page, "Send file", "driver-notes.txt", b"install version 4.2")
    assert download(customer.page, "driver-notes.txt") == b"install version 4.2"
    expect(customer.log.locator('li[data-kind="file"]')).to_have_count(2)

    other = actors.customer().open()
    other.ask_for_help("Eve Else", "Unrelated")
    link = rep.log.get_by_role("link", name="driver-notes.txt")
    href = link.get_attribute("href")
    response = other.page.request.get(customer.base_url + href)
    assert response.status == 404

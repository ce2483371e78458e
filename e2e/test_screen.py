"""The customer's screen: asked, allowed, thumbnail, the Viewer, stopped; or denied."""

import re

from playwright.sync_api import expect

from e2e.conftest import CUSTOMER_NAME
from e2e.pages import CustomerPage, RepConsole, wait_until


def request_screen(rep: RepConsole) -> None:
    rep.page.get_by_role("button", name="Request screen sharing").click()


def test_a_shared_screen_shows_as_a_thumbnail_and_in_the_viewer_until_stopped(
    chatting: tuple[CustomerPage, RepConsole]
):
    customer, rep = chatting
    request_screen(rep)
    customer.page.get_by_role("button", name="Allow").click()
    expect(customer.page.get_by_role("button", name="Stop sharing")).to_be_visible()
    thumbnail = rep.page.get_by_role("region", name="Customer screen").get_by_role("img", name="Customer screen")
    expect(thumbnail).to_have_attribute("src", re.compile(r"^blob:http://127\.0\.0\.1:\d+/"))  # binary, no base64
    width = thumbnail.evaluate("img => new Promise(done => img.decode().then(() => done(img.naturalWidth)))")
    assert 0 < width <= 320
    expect(rep.log).to_contain_text("is sharing their screen")

    with rep.page.expect_popup() as popup:
        thumbnail.dblclick()
    viewer = popup.value
    expect(viewer).to_have_title(f"Viewer — {CUSTOMER_NAME}")
    live = viewer.get_by_role("img", name="Customer screen (live)")
    expect(live).to_have_attribute("src", re.compile(r"^blob:"))
    wait_until(viewer, "document.getElementById('live').naturalWidth > 320", timeout_s=15)
    wait_until(viewer, "document.getElementById('live').complete", timeout_s=15)

    customer.page.get_by_role("button", name="Stop sharing").click()
    expect(rep.log).to_contain_text("stopped sharing their screen")
    expect(customer.log).to_contain_text("stopped sharing their screen")
    expect(thumbnail).to_be_hidden()
    viewer.close()


def test_a_customer_may_deny_and_the_rep_is_told(chatting: tuple[CustomerPage, RepConsole]):
    customer, rep = chatting
    request_screen(rep)
    expect(customer.page.get_by_role("alertdialog")).to_contain_text("asks to see your screen")
    customer.page.get_by_role("button", name="Deny").click()
    expect(rep.log).to_contain_text("declined to share their screen")
    expect(customer.page.get_by_role("alertdialog")).to_be_hidden()
    expect(rep.page.get_by_role("img", name="Customer screen")).to_be_hidden()

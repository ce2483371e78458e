"""A customer on a phone-sized screen (390×844) reads and writes comfortably: nothing cramped, nothing off the side."""

from playwright.sync_api import expect

from e2e.conftest import Actors
from e2e.pages import CustomerPage

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
WIDEST_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const over = [...document.querySelectorAll('body *')].filter(node => {
    const box = node.getBoundingClientRect();
    return box.width && (box.left < -0.5 || box.right > width + 0.5);
  });
  return {scroll: document.documentElement.scrollWidth, width,
          over: over.slice(0, 5).map(node => node.id || node.className || node.tagName)};
}"""


def detail(number: int) -> str:
    return f"Detail {number}: it happens every time, right after the splash screen shows up and the bar fills."


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found is not None, locator
    return found


def fits(page) -> None:
    """Nothing is wider than the screen: no sideways scrolling, no control cut off at the edge."""
    overflow = page.evaluate(WIDEST_OVERFLOW)
    assert overflow["scroll"] <= overflow["width"] and not overflow["over"], overflow


def test_on_a_phone_the_message_box_is_roomy_the_log_readable_and_nothing_overflows(actors: Actors):
    customer = CustomerPage(actors.customer(**PHONE).page, actors.server.url).open()
    fits(customer.page)
    customer.ask_for_help("Pat Phone", "The app crashes when I open the camera " * 3)
    customer.expect_waiting_first_in_line()
    for number in range(6):
        customer.send(detail(number))
    fits(customer.page)

    message = box(customer.message_box)
    assert message["width"] >= 300 and message["height"] >= 64, message  # it was 122 × 58, beside two buttons
    send, send_file = box(customer.send_button), box(customer.page.get_by_role("button", name="Send file"))
    for button in (send, send_file):
        assert button["height"] >= 40 and button["x"] + button["width"] <= 390, button  # a finger's width
    log = box(customer.log)
    assert log["width"] >= 320 and log["height"] >= 300, log
    font = customer.log.evaluate("node => parseFloat(getComputedStyle(node).fontSize)")
    assert font >= 15
    # What the customer types and what they have read are both on screen at once, without scrolling the page.
    assert message["y"] + message["height"] <= 844 and log["y"] >= 0
    expect(customer.message(detail(5))).to_be_in_viewport()

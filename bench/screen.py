"""The customer's shared screen, in Chromium's fake 1280×720 capture: cost, size, latency, Viewer rate.

Measures, in the same run: milliseconds for the customer's page to downscale
and encode a frame (thumbnail and Viewer sizes), bytes per frame, capture →
rep display latency (both pages on this machine's clock), and frames per
second reaching the rep while the Viewer is open.
Run: ``.venv/bin/python -m bench.screen [seconds]``.
"""

from __future__ import annotations

import sys
import time

from playwright.sync_api import expect, sync_playwright

from bench.common import CHROMIUM, CHROMIUM_ARGS, live_server, summary
from tests.wsclient import sign_in

FAKE_SCREEN = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
               "--auto-select-desktop-capture-source=Entire screen"]


def sample(customer, rep, seconds: float) -> tuple[list[float], list[float], list[float], float]:
    """Watch frames for ``seconds``: encode ms, bytes, latency ms, and frames per second at the rep."""
    encode, sizes, latency = [], [], []
    first = rep.evaluate("window.relaydeskImages || 0")
    started = time.perf_counter()
    seen = None
    while time.perf_counter() - started < seconds:
        arrived = rep.evaluate("window.relaydeskImageAt")
        if arrived != seen:
            seen = arrived
            sent = customer.evaluate("[window.relaydeskSentAt, window.relaydeskEncodeMs, window.relaydeskFrameBytes]")
            if sent[0] and arrived >= sent[0]:
                latency.append(arrived - sent[0])
            encode.append(sent[1])
            sizes.append(sent[2])
        time.sleep(0.02)
    rate = (rep.evaluate("window.relaydeskImages") - first) / (time.perf_counter() - started)
    return encode, sizes, latency, rate


def main(seconds: float = 10) -> None:
    with live_server() as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + FAKE_SCREEN)
        rep_context, customer_context = browser.new_context(), browser.new_context()
        name, value = sign_in(server, "alice").split("=", 1)
        rep_context.add_cookies([{"name": name, "value": value, "url": server.url}])
        rep, customer = rep_context.new_page(), customer_context.new_page()
        rep.goto(f"{server.url}/rep")
        customer.goto(f"{server.url}/")
        expect(customer.get_by_test_id("app-status")).to_have_text("Connected", timeout=60_000)
        expect(rep.get_by_test_id("app-status")).to_have_text("Connected", timeout=60_000)
        customer.get_by_label("Your name").fill("Bench")
        customer.get_by_label("Describe your issue").fill("Screen")
        customer.get_by_role("button", name="Get help").click()
        rep.get_by_role("button", name="Accept").click()
        rep.get_by_role("button", name="Request screen sharing").click()
        customer.get_by_role("button", name="Allow").click()
        thumbnail = rep.get_by_role("img", name="Customer screen")
        expect(thumbnail).to_be_visible(timeout=30_000)

        encode, sizes, latency, rate = sample(customer, rep, seconds)
        print(f"thumbnails (≤320 px), {seconds:.0f} s")
        print(f"  downscale + encode  {summary(encode)}")
        print(f"  bytes per frame     {summary(sizes, 'B')}")
        print(f"  capture → rep       {summary(latency)}")
        print(f"  frames per second   {rate:.2f}")

        with rep.expect_popup() as popup:
            thumbnail.dblclick()
        viewer = popup.value
        viewer.wait_for_function("document.getElementById('live').naturalWidth > 320", timeout=30_000)
        encode, sizes, latency, rate = sample(customer, rep, seconds)
        print(f"Viewer frames (≤1280 px), {seconds:.0f} s")
        print(f"  downscale + encode  {summary(encode)}")
        print(f"  bytes per frame     {summary(sizes, 'B')}")
        print(f"  capture → rep       {summary(latency)}")
        print(f"  frames per second   {rate:.2f}")
        browser.close()


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 10)

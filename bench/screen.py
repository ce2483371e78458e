"""The customer's shared screen, in Chromium's fake 1280×720 capture: cost, size, latency, Viewer rate.

Measures, in the same run: milliseconds for the customer's page to downscale
and encode a frame (thumbnail and Viewer sizes), bytes per frame, capture →
rep display latency (both pages on this machine's clock), frames per second
reaching the rep, and the server's CPU (its process's user + system time over
the sampling time, with one rep watching).
Run: ``.venv/bin/python -m bench.screen [seconds]``.
"""

from __future__ import annotations

import os
import sys
import time

from playwright.sync_api import expect, sync_playwright

from bench.common import CHROMIUM, CHROMIUM_ARGS, live_server, summary
from e2e.pages import wait_until
from tests.wsclient import sign_in

FAKE_SCREEN = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
               "--auto-select-desktop-capture-source=Entire screen"]


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU time a process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sample(customer, rep, seconds: float, pid: int) -> tuple[list[float], list[float], list[float], float, float]:
    """Watch frames for ``seconds``: encode ms, bytes, latency ms, frames per second at the rep, server CPU %."""
    encode, sizes, latency = [], [], []
    first = rep.evaluate("window.relaydeskImages || 0")
    cpu = cpu_seconds(pid)
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
    elapsed = time.perf_counter() - started
    rate = (rep.evaluate("window.relaydeskImages") - first) / elapsed
    return encode, sizes, latency, rate, 100 * (cpu_seconds(pid) - cpu) / elapsed


def report(title: str, results: tuple[list[float], list[float], list[float], float, float]) -> None:
    encode, sizes, latency, rate, cpu = results
    print(title)
    print(f"  downscale + encode  {summary(encode)}")
    print(f"  bytes per frame     {summary(sizes, 'B')}")
    print(f"  capture → rep       {summary(latency)}")
    print(f"  frames per second   {rate:.2f}")
    print(f"  server CPU          {cpu:.1f} % of a core")


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

        pid = server.process.pid
        report(f"thumbnails (≤320 px), {seconds:.0f} s", sample(customer, rep, seconds, pid))

        with rep.expect_popup() as popup:
            thumbnail.dblclick()
        viewer = popup.value
        wait_until(viewer, "document.getElementById('live').naturalWidth > 320", timeout_s=30)
        report(f"Viewer frames (≤1280 px), {seconds:.0f} s", sample(customer, rep, seconds, pid))
        browser.close()


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 10)

"""Helpers the benchmarks share: a live server, Debian's Chromium, and summaries of timings."""

from __future__ import annotations

import statistics
import tempfile
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.liveserver import UNPACED, LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


@contextmanager
def live_server(reps: tuple[str, ...] = ("alice",), settings: dict | None = None):
    with tempfile.TemporaryDirectory() as folder:
        server = LiveServer(Path(folder), {**UNPACED, **(settings or {})})
        server.start()
        for username in reps:
            server.add_rep(username, username.title())
        try:
            yield server
        finally:
            server.stop()


@contextmanager
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(values: list[float], unit: str = "ms") -> str:
    return (f"median {statistics.median(values):8.1f} {unit}   p95 {percentile(values, 0.95):8.1f} {unit}"
            f"   min {min(values):8.1f} {unit}   n={len(values)}")

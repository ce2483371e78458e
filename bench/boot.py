"""Time from navigation to ``Connected``: the rep console and the customer page, next to bare Pyodide.

Cold is a new browser context (empty cache); warm is a reload of the same page.
All three pages come from the same server in the same run, so the ratios
compare like with like.  Run: ``.venv/bin/python -m bench.boot [runs]``.
"""

from __future__ import annotations

import statistics
import sys

from bench.common import chromium, live_server, summary
from tests.wsclient import sign_in

# Note the moment app-status first reads Connected, from inside the page.
WATCH = """
new MutationObserver((_, observer) => {
  const badge = document.querySelector('[data-testid=app-status]');
  if (badge && badge.textContent === 'Connected' && !window.__connectedAt) {
    window.__connectedAt = performance.now();
    observer.disconnect();
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def time_to_connected(page) -> float:
    page.wait_for_function("window.__connectedAt !== undefined", timeout=60_000)
    return page.evaluate("window.__connectedAt")


def measure_once(browser, url: str, cookie: tuple[str, str] | None) -> tuple[float, float]:
    """Return (cold, warm) milliseconds to Connected for one fresh context."""
    context = browser.new_context()
    if cookie:
        context.add_cookies([{"name": cookie[0], "value": cookie[1], "url": url}])
    context.add_init_script(WATCH)
    page = context.new_page()
    page.goto(url)
    cold = time_to_connected(page)
    page.reload()
    warm = time_to_connected(page)
    context.close()
    return cold, warm


def main(runs: int = 5) -> None:
    with live_server() as server, chromium() as browser:
        cookie = tuple(sign_in(server, "alice").split("=", 1))
        pages = {
            "bare Pyodide": (f"{server.url}/static/bench/bare-pyodide.html", None),
            "customer page": (f"{server.url}/", None),
            "rep console": (f"{server.url}/rep", cookie),
        }
        for url, page_cookie in pages.values():  # one round to warm the server and the disk cache
            measure_once(browser, url, page_cookie)
        results = {name: ([], []) for name in pages}
        for _ in range(runs):  # interleaved, so a noisy moment hits every page alike
            for name, (url, page_cookie) in pages.items():
                cold, warm = measure_once(browser, url, page_cookie)
                results[name][0].append(cold)
                results[name][1].append(warm)
    base_cold, base_warm = (statistics.median(values) for values in results["bare Pyodide"])
    print(f"Time to Connected, headless Chromium, {runs} runs each")
    for name, (cold, warm) in results.items():
        print(f"{name:14} cold {summary(cold)}   ×{statistics.median(cold) / base_cold:.2f} of bare")
        print(f"{'':14} warm {summary(warm)}   ×{statistics.median(warm) / base_warm:.2f} of bare")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)

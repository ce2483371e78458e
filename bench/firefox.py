"""Time from navigation to ``Connected`` in Debian's Firefox ESR: the customer page next to bare Pyodide.

Firefox runs through e2e/firefox/customer.mjs (puppeteer-core over WebDriver
BiDi; the set-up's ``--test`` installs both).  Cold is a new browser context
(its own, empty cache); warm is a reload of the same page, once an app page has
kept its memory snapshot (as in ``bench/boot.py``).  Every page comes from the
same server in the same run, so the ratios compare like with like; bare
PyScript shows what PyScript itself costs.
``firefox_boot_times`` is what ``bench/boot.py`` calls to print Firefox next to
Chromium.  Run alone: ``.venv/bin/python -m bench.firefox [runs]``.
"""

from __future__ import annotations

import statistics
import sys

from bench.boot import WATCH
from bench.common import live_server, summary
from e2e.firefox import FirefoxCustomer

PAGES = {"bare Pyodide": "/bench/bare-pyodide", "bare PyScript": "/bench/bare-pyscript", "customer page": "/?lang=en"}


def app_page(path: str) -> bool:
    """Tell whether a page is one of ours, which keeps a memory snapshot for warm starts, not a bare baseline."""
    return not path.startswith("/bench/")


def firefox_boot_times(base_url: str, runs: int = 5, pages: dict[str, str] = PAGES) -> dict[str, tuple[list, list]]:
    """Return, per page, the cold and the warm milliseconds to Connected of ``runs`` runs in Firefox ESR."""
    firefox = FirefoxCustomer(base_url)
    try:
        for path in pages.values():  # one round to warm the server and the disk cache
            firefox.step("bootTimes", url=base_url + path, watch=WATCH, snapshot=app_page(path))
        results: dict[str, tuple[list, list]] = {name: ([], []) for name in pages}
        for _ in range(runs):  # interleaved, so a noisy moment hits every page alike
            for name, path in pages.items():
                times = firefox.step("bootTimes", url=base_url + path, watch=WATCH, snapshot=app_page(path))
                results[name][0].append(times["cold"])
                results[name][1].append(times["warm"])
    finally:
        firefox.close()
    return results


def print_boot_times(results: dict[str, tuple[list, list]], runs: int) -> None:
    base_cold, base_warm = (statistics.median(values) for values in results["bare Pyodide"])
    print(f"Time to Connected, headless Firefox ESR, {runs} runs each")
    for name, (cold, warm) in results.items():
        print(f"{name:14} cold {summary(cold)}   ×{statistics.median(cold) / base_cold:.2f} of bare")
        print(f"{'':14} warm {summary(warm)}   ×{statistics.median(warm) / base_warm:.2f} of bare")


def main(runs: int = 5) -> None:
    with live_server() as server:
        print_boot_times(firefox_boot_times(server.url, runs), runs)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)

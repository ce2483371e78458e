"""Time from navigation to ``Connected``: the rep console and the customer page, next to bare Pyodide.

Cold is a new browser context (empty cache); warm is a reload of the same page.
All three pages come from the same server in the same run, so the ratios
compare like with like.  Each link is measured: loopback, and an emulated link
(Chromium's network emulation over the DevTools protocol: 20 Mbit/s down,
5 Mbit/s up, 40 ms round trip).  Also printed: the bytes a cold and a warm load
move (the sum of ``Network.loadingFinished``'s ``encodedDataLength``: headers
and bodies as sent, compressed or not), and, on the emulated link, "page opened
→ request in the rep's queue": a customer who types and clicks *Get help* as
soon as the form shows, timed until a rep's websocket sees them in the queue.

The customer page and the console are measured in English and in French (``?lang=``): the French pages load the
French catalog (``relaydesk_web/locale/fr.mo``, in the same Python archive) and run every word through it; the
ratio French / English is printed per page.  Each language is loaded by a browser that speaks it, as its visitors'
do: the English pages by Chromium in English, the French ones by Chromium in French (``--lang=fr``, with Debian's
``chromium-l10n``; ``FRENCH_BROWSER``).  A French page in an English Chromium pays for what a French visitor's
browser never does (an offer to translate the page, a language the browser did not start in): ~+20 ms warm, ×1.05.

Three baselines: bare Pyodide (``/bench/bare-pyodide``), which the ratios are to; "bare compiled", the same
started from the standard library the pages start from (``?stdlib=compiled``: the modules a start imports
compiled, see ``relaydesk.bytecode``), which shows what that alone gains; and bare PyScript
(``/bench/bare-pyscript``: PyScript on Pyodide as published, with the pages' preloads, running one line), which
shows what PyScript itself costs.  An app page keeps a memory snapshot of Python for warm starts
(``web/static/pyodide-start.mjs``): a cold run waits until it is kept before the reload, as a visitor coming back
another day finds it.  On loopback, Firefox ESR's times for the customer page follow (``bench/firefox.py``; skipped
with ``--no-firefox``, or when Firefox or puppeteer-core is missing).

Run: ``.venv/bin/python -m bench.boot [runs] [loopback|emulated|both] [pages] [--no-firefox]`` (5, both; ``pages``:
only those whose name holds it, with the bare baselines: ``customer``, ``console``, ``(fr)``).
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.common import CHROMIUM, CHROMIUM_ARGS, live_server, summary
from tests.wsclient import Client, sign_in

# Note the moment app-status first reads Connected, from inside the page.
WATCH = """
new MutationObserver((_, observer) => {
  const badge = document.querySelector('[data-testid=app-status]');
  const connected = badge && (badge.dataset.state === 'connected' || badge.textContent === 'Connected');
  if (connected && !window.__connectedAt) {  // Connected, Connecté: any language; bare Pyodide has no state
    window.__connectedAt = performance.now();
    observer.disconnect();
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""
LINKS = {
    "loopback": None,
    "emulated": {"offline": False, "latency": 40, "downloadThroughput": 20e6 / 8, "uploadThroughput": 5e6 / 8},
}


def wait_for_snapshot(page) -> None:
    """Wait until an app page has kept its memory snapshot for warm starts (``web/static/pyodide-start.mjs``), as a
    visitor who comes back another day finds it."""
    deadline = time.monotonic() + 60
    while page.evaluate("window.relaydeskSnapshot") is None and time.monotonic() < deadline:
        page.wait_for_timeout(20)


def time_to_connected(page) -> float:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # page.evaluate, not wait_for_function: the CSP forbids eval in the page
        at = page.evaluate("window.__connectedAt")
        if at is not None:
            return at
        page.wait_for_timeout(20)
    raise TimeoutError("the page never read Connected")


class Wire:
    """Count the bytes a page moves, as the DevTools protocol reports them, and emulate a link."""

    def __init__(self, context, page, link: dict | None) -> None:
        self.bytes = 0
        self.cdp = context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        if link:
            self.cdp.send("Network.emulateNetworkConditions", link)
        self.cdp.on("Network.loadingFinished", self._finished)

    def _finished(self, event: dict) -> None:
        self.bytes += int(event["encodedDataLength"])

    def take(self) -> int:
        taken, self.bytes = self.bytes, 0
        return taken


# When Python was up (pyodide-start.mjs's mark, just after Pyodide's start; 0 on a bare page): the rest of the time
# to Connected is the page's own (PyScript, our modules, the socket).
PYTHON_STARTED = "performance.getEntriesByName('relaydesk:python-started')[0]?.startTime || 0"


def run_order(pages: dict, run: int) -> list:
    """The pages in the order one run measures them: every page once, interleaved, so a noisy moment hits every
    page alike.

    A page loaded just after another's context closed pays for that teardown
    (~20 ms here, more after a page that ran Python): so each French page is
    measured right beside its English one, first in one run and second in the
    next, and in each pair of runs each of the two follows once its partner
    and once the page before the pair.  Measured the old way (the whole order
    reversed every other run, so the French console always followed a console
    or the customer page in French), the French console read ×1.02–1.20 of the
    English one from run to run.  The pages measured alone (the baselines)
    come first, in the reverse order every other run.
    """
    groups: list[list] = []
    for name, page in pages.items():
        english = FRENCH.get(name)
        if english in pages:
            next(group for group in groups if group[0][0] == english).append((name, page))
        else:
            groups.append([(name, page)])
    if run % 2:  # the pages measured alone (the baselines) reversed; each pair swapped
        groups = [group for group in groups if len(group) == 1][::-1] + [group[::-1] for group in groups
                                                                         if len(group) > 1]
    return [item for group in groups for item in group]


def measure_once(browser, url: str, cookie: tuple[str, str] | None, link: dict | None) -> tuple[float, ...]:
    """Return (cold ms, warm ms, cold bytes, warm bytes, ms loading the catalog, cold ms and warm ms when Python
    was up) to Connected for one fresh context."""
    context = browser.new_context()
    if cookie:
        context.add_cookies([{"name": cookie[0], "value": cookie[1], "url": url}])
    context.add_init_script(WATCH)
    page = context.new_page()
    wire = Wire(context, page, link)
    page.goto(url, wait_until="commit")  # Connected is timed from inside the page: not its load event
    cold = time_to_connected(page)
    catalog_ms = page.evaluate("window.relaydeskCatalogMs || 0")  # relaydesk_web.i18n: reading the page's .mo
    cold_python = page.evaluate(PYTHON_STARTED)
    page.wait_for_timeout(300)  # let what the page fetches after Connected land in the count
    cold_bytes = wire.take()
    if "/bench/" not in url:
        wait_for_snapshot(page)
    page.reload(wait_until="commit")
    warm = time_to_connected(page)
    warm_python = page.evaluate(PYTHON_STARTED)
    page.wait_for_timeout(300)
    warm_bytes = wire.take()
    context.close()
    return cold, warm, cold_bytes, warm_bytes, catalog_ms, cold_python, warm_python


FRENCH = {"customer (fr)": "customer page", "console (fr)": "rep console"}  # each French page, its English one
# Chromium in each language (--lang, and LANGUAGE for its locale files): the French one needs Debian's chromium-l10n,
# whose fr.pak is its French; without it the French pages are loaded in English, and the report says so.
ENGLISH_BROWSER = (["--lang=en-US"], {"LANGUAGE": "en_US"})
FRENCH_BROWSER = (["--lang=fr"], {"LANGUAGE": "fr"})
FRENCH_PACK = Path("/usr/lib/chromium/locales/fr.pak")


@contextmanager
def browsers():
    """Yield (English Chromium, French Chromium): the same browser twice when this one has no French."""
    with sync_playwright() as playwright:
        def launch(args: list[str], env: dict[str, str]):
            return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + args,
                                              env={**os.environ, **env})

        english = launch(*ENGLISH_BROWSER)
        french = launch(*FRENCH_BROWSER) if FRENCH_PACK.exists() else english
        if french is english:
            print(f"No French Chromium here ({FRENCH_PACK} is missing: apt-get install chromium-l10n): the French"
                  f" pages are loaded by Chromium in English, which offers to translate them", flush=True)
        try:
            yield english, french
        finally:
            for browser in {english, french}:
                browser.close()


class QueueWatch:
    """A rep's websocket, noting when each customer name first shows in the queue."""

    def __init__(self, server, cookie: str) -> None:
        self.client = Client(server, "rep", cookie=f"{cookie}")
        self.client.send(type="hello", since={})
        self.client.expect("welcome")
        self.seen: dict[str, float] = {}
        self.client.ws.settimeout(None)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            while True:
                frame = self.client.recv()
                if frame.get("type") == "queue":
                    for joined in frame["joined"]:  # the queue's changes: who joined it
                        self.seen.setdefault(joined["customer"], time.monotonic())
        except Exception:  # closed at the end of the run
            return

    def wait_for(self, name: str, timeout: float = 120) -> float:
        deadline = time.monotonic() + timeout
        while name not in self.seen and time.monotonic() < deadline:
            time.sleep(0.005)
        return self.seen[name]


def time_to_queue(browser, url: str, watch: QueueWatch, name: str, link: dict | None) -> float:
    """Open the portal cold, fill the form and click Get help as soon as it shows; ms until a rep sees it queued."""
    context = browser.new_context()
    page = context.new_page()
    Wire(context, page, link)
    opened = time.monotonic()
    page.goto(url, wait_until="commit")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Describe your issue").fill("The printer is on fire.")
    page.get_by_role("button", name="Get help").click()
    queued = watch.wait_for(name)
    context.close()
    return (queued - opened) * 1000


def main(runs: int = 5, links: tuple[str, ...] = ("loopback", "emulated"), only: str = "",
         firefox: bool = True) -> None:
    with live_server() as server, browsers() as (browser, french_browser):
        cookie = sign_in(server, "alice")
        pages = {
            "bare Pyodide": (f"{server.url}/bench/bare-pyodide", None),
            "bare compiled": (f"{server.url}/bench/bare-pyodide?stdlib=compiled", None),
            "bare PyScript": (f"{server.url}/bench/bare-pyscript", None),
            "customer page": (f"{server.url}/?lang=en", None),
            "rep console": (f"{server.url}/rep?lang=en", tuple(cookie.split("=", 1))),
            "customer (fr)": (f"{server.url}/?lang=fr", None),
            "console (fr)": (f"{server.url}/rep?lang=fr", tuple(cookie.split("=", 1))),
        }
        if only:
            pages = {name: page for name, page in pages.items() if name.startswith("bare") or only in name}
        for name, (url, page_cookie) in pages.items():  # one round to warm the server and the disk cache
            measure_once(french_browser if name in FRENCH else browser, url, page_cookie, None)
        for link_name in links:
            link = LINKS[link_name]
            results: dict[str, list[list[float]]] = {name: [[] for _ in range(7)] for name in pages}
            for run in range(runs):
                for name, (url, page_cookie) in run_order(pages, run):
                    try:
                        measured = measure_once(french_browser if name in FRENCH else browser, url, page_cookie,
                                                link)
                    except TimeoutError:  # a machine too busy for this run: say so, and go on with the others
                        print(f"{name}: not Connected within 120 s, on the {link_name} link: this run is left out")
                        continue
                    for values, value in zip(results[name], measured, strict=True):
                        values.append(value)
            report(link_name, runs, results)
            if link_name == "emulated":
                watch = QueueWatch(server, cookie)
                queued = [time_to_queue(browser, f"{server.url}/", watch, f"Customer {run}", link)
                          for run in range(runs)]
                print(f"page opened → request in the rep's queue, cold, emulated link: {summary(queued)}")
                watch.client.close()
        if "loopback" in links and firefox and (not only or only in "customer page"):
            from bench.firefox import firefox_boot_times, print_boot_times  # it imports WATCH from here

            try:
                print_boot_times(firefox_boot_times(server.url, runs), runs)
            except RuntimeError as missing:  # no Firefox ESR or puppeteer-core here: scripts/setup --test
                print(f"Firefox ESR: not measured ({missing})")


def report(link_name: str, runs: int, results: dict[str, list[list[float]]]) -> None:
    base_cold, base_warm = (statistics.median(values) for values in results["bare Pyodide"][:2])
    print(f"Time to Connected, headless Chromium, {link_name} link, {runs} runs each")
    for name, (cold, warm, cold_bytes, warm_bytes, catalog_ms, cold_python, warm_python) in results.items():
        print(f"{name:14} cold {summary(cold)}   ×{statistics.median(cold) / base_cold:.2f} of bare"
              f"   {statistics.median(cold_bytes) / 1e6:6.2f} MB on the wire")
        print(f"{'':14} warm {summary(warm)}   ×{statistics.median(warm) / base_warm:.2f} of bare"
              f"   {statistics.median(warm_bytes) / 1e6:6.2f} MB on the wire")
        if not name.startswith("bare"):
            share = statistics.median(catalog_ms) / statistics.median(cold)
            print(f"{'':14} catalog loaded in {summary(catalog_ms)}: {share:.2%} of the cold boot")
            for start, python, connected in (("cold", cold_python, cold), ("warm", warm_python, warm)):
                after = [whole - up for whole, up in zip(connected, python, strict=True)]
                print(f"{'':14} {start}: Python up at median {statistics.median(python):7.1f} ms, then"
                      f" {statistics.median(after):6.1f} ms to Connected (PyScript, our modules, the socket)")
    for french, english in FRENCH.items():
        if french not in results or english not in results:
            continue
        ratios = [statistics.median(results[french][i]) / statistics.median(results[english][i]) for i in (0, 1)]
        line = f"{french} vs English: cold ×{ratios[0]:.3f}, warm ×{ratios[1]:.3f} (ratio of the medians)"
        if len(results[french][0]) == len(results[english][0]):  # no run left out: each run's pair, side by side
            paired = [statistics.median(f / e for f, e in zip(results[french][i], results[english][i], strict=True))
                      for i in (0, 1)]
            line += f"; cold ×{paired[0]:.3f}, warm ×{paired[1]:.3f} (median of each run's ratio)"
        print(line)


if __name__ == "__main__":
    arguments = [argument for argument in sys.argv[1:] if argument != "--no-firefox"]
    chosen = arguments[1] if len(arguments) > 1 else "both"
    main(int(arguments[0]) if arguments else 5, tuple(LINKS) if chosen == "both" else (chosen,),
         arguments[2] if len(arguments) > 2 else "", "--no-firefox" not in sys.argv)

"""Fixtures for the e2e suite: Debian's Chromium, one context per person, and a watch on every page.

Every page made here is watched (``PageWatch``): a console error, an uncaught
page error, a Python traceback printed by Pyodide, a JavaScript dialog (say, an
injected ``alert``) or a request to any host but this machine fails the test.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Dialog, Page, Request, WebSocket, expect

from e2e.pages import CustomerPage, RepConsole
from tests.liveserver import LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Screen sharing without a person: a fake picker that picks the (fake, 1280×720) entire screen.
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--auto-select-desktop-capture-source=Entire screen",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
NETWORK_SCHEMES = {"http", "https", "ws", "wss"}
LOCAL_ONLY_SCHEMES = NETWORK_SCHEMES | {"data", "blob", "about"}

REP_PASSWORD = "correct horse battery"
# A rejected promise nobody handles, and anything the Content-Security-Policy blocks, are console errors, so the
# watch fails the test on them.
REPORT_IN_CONSOLE = """
addEventListener("unhandledrejection", (event) => {
  const reason = event.reason;
  console.error("unhandled rejection: " + (reason && reason.stack ? reason.stack : String(reason)));
});
addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI || "inline code"}`
    + ` at ${event.sourceFile}:${event.lineNumber} (${event.sample})`);
});
"""

expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Launch Debian's Chromium (Playwright's own download is unavailable here), headless and offline."""
    return {
        "headless": True,
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


# --- watching pages -------------------------------------------------------------


class PageWatch:
    """Record what one page logs, throws and requests, and name what went wrong."""

    def __init__(self, label: str, page: Page) -> None:
        self.label = label
        self.problems: list[str] = []
        self.allowed: list[re.Pattern[str]] = []
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)
        page.on("request", self._on_request)
        page.on("websocket", self._on_websocket)
        page.on("dialog", self._on_dialog)

    def allow_console_error(self, pattern: str) -> None:
        """Tolerate console errors that a test provokes on purpose.

        ``pattern`` is a regex searched in ``"<text> (at <url>)"``: keep it as
        narrow as the one error the test expects.  Tracebacks are never tolerated.
        """
        self.allowed.append(re.compile(pattern))

    def _on_console(self, message: ConsoleMessage) -> None:
        line = f"{message.text} (at {message.location.get('url')})"
        if "Traceback" in message.text:
            self.problems.append(f"Python traceback in the console: {line}")
        elif message.type == "error" and not any(pattern.search(line) for pattern in self.allowed):
            self.problems.append(f"console error: {line}")

    def _on_page_error(self, error: Exception) -> None:
        self.problems.append(f"uncaught page error: {error}")

    def _check_url(self, url: str, what: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in LOCAL_ONLY_SCHEMES:
            self.problems.append(f"{what} with an unexpected scheme: {url}")
        elif parts.scheme in NETWORK_SCHEMES and parts.hostname not in LOCAL_HOSTS:
            self.problems.append(f"{what} to a foreign host: {url}")

    def _on_request(self, request: Request) -> None:
        self._check_url(request.url, f"{request.method} request")

    def _on_websocket(self, socket: WebSocket) -> None:
        self._check_url(socket.url, "websocket")

    def _on_dialog(self, dialog: Dialog) -> None:
        self.problems.append(f"unexpected {dialog.type} dialog: {dialog.message!r}")
        dialog.dismiss()


class Actors:
    """The people in a test: each in a separate browser context, each page watched."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.browser = browser
        self.server = server
        self.contexts: list[BrowserContext] = []
        self.watches: list[PageWatch] = []
        self._reported = 0
        self.locale: str | None = None  # the browsers' language (navigator.language, Accept-Language), if set

    def new_page(self, label: str, **context_options) -> tuple[Page, PageWatch]:
        """A page in a context of its own; ``context_options`` as for ``Browser.new_context`` (say, a viewport)."""
        if self.locale:
            context_options.setdefault("locale", self.locale)
        context = self.browser.new_context(**context_options)
        context.set_default_timeout(15_000)
        context.add_init_script(REPORT_IN_CONSOLE)
        self.contexts.append(context)
        page = context.new_page()
        watch = PageWatch(label, page)
        self.watches.append(watch)
        return page, watch

    def customer(self, **context_options) -> CustomerPage:
        page, watch = self.new_page("customer", **context_options)
        customer = CustomerPage(page, self.server.url)
        customer.watch = watch
        return customer

    def rep(self, username: str = "alice", name: str = "Alice", admin: bool = False) -> RepConsole:
        """A rep made through the real command line, with a console page in its own context."""
        self.server.add_rep(username, name, REP_PASSWORD, admin=admin)
        page, watch = self.new_page(f"rep {username}")
        rep = RepConsole(page, self.server.url, username, name, REP_PASSWORD)
        rep.watch = watch
        return rep

    def problems(self) -> list[str]:
        """Return what the pages reported, and the CSP reports the server logged that no page's watch allows."""
        allowed = [pattern for watch in self.watches for pattern in watch.allowed]
        reported = [line for line in self.server.log.read_text().splitlines()
                    if "CSP violation" in line and not any(pattern.search(line) for pattern in allowed)]
        return [f"[{watch.label}] {problem}" for watch in self.watches for problem in watch.problems] + [
            f"[server log] {line}" for line in reported]

    def assert_clean(self) -> None:
        """Fail on every problem any page recorded that was not reported yet."""
        problems = self.problems()
        fresh, self._reported = problems[self._reported :], len(problems)
        assert not fresh, "the pages reported problems:\n" + "\n".join(fresh)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def live_server(start_server, request) -> LiveServer:
    """The server the pages talk to. Warm starts (``WARM_STARTS``) are off unless the test's module says
    ``WARM_STARTS = True`` (``test_boot.py``): with them on, every page a test opens in a fresh context starts a
    second Python in a worker, once it is idle, to keep its snapshot: seconds of CPU per page that no other test
    looks at."""
    return start_server(WARM_STARTS=getattr(request.module, "WARM_STARTS", False))


@pytest.fixture
def actors(browser: Browser, live_server: LiveServer):
    """Separate contexts per person; closed before the server stops, then checked once more."""
    actors = Actors(browser, live_server)
    yield actors
    actors.close()
    actors.assert_clean()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Turn what the pages reported during a passing test into that test's failure."""
    result = yield
    actors = getattr(item, "funcargs", {}).get("actors")
    if isinstance(actors, Actors):
        actors.assert_clean()
    return result


# --- people and a conversation ------------------------------------------------------


@pytest.fixture
def customer(actors: Actors) -> CustomerPage:
    return actors.customer()


@pytest.fixture
def rep(actors: Actors) -> RepConsole:
    return actors.rep()


CUSTOMER_NAME = "Carol Customer"
ISSUE = "My printer says it is offline"


@pytest.fixture
def chatting(customer: CustomerPage, rep: RepConsole) -> tuple[CustomerPage, RepConsole]:
    """A customer who asked for help and a rep who accepted them, both in the chat."""
    start_chat(customer, rep)
    return customer, rep


def start_chat(customer: CustomerPage, rep: RepConsole) -> None:
    """Open both pages, sign the rep in, and have the customer ask and the rep accept: both in the chat."""
    customer.goto()
    rep.goto()
    rep.sign_in(rep.username, rep.password)
    customer.expect_connected()
    rep.expect_connected()
    customer.ask_for_help(CUSTOMER_NAME, ISSUE)
    customer.expect_waiting_first_in_line()
    rep.accept(CUSTOMER_NAME)
    rep.expect_chat_visible()
    customer.expect_in_chat()

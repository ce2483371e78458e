"""The Content-Security-Policy in a real browser: an injected script does not run, and the violation is reported."""

import time

from e2e.pages import CustomerPage
from tests.liveserver import LiveServer

INJECT = """() => {
  const script = document.createElement("script");
  script.textContent = "window.injected = true";
  document.body.append(script);
}"""


def test_an_injected_inline_script_is_blocked_and_reported(customer: CustomerPage, live_server: LiveServer):
    customer.open()
    customer.watch.allow_console_error(r"inline script|CSP violation: script-src-elem blocked inline")
    logged: list[str] = []
    customer.page.on("console", lambda message: logged.append(message.text))
    customer.page.evaluate(INJECT)
    assert customer.page.evaluate("window.injected === undefined")
    deadline = time.monotonic() + 10
    while "CSP violation: script-src-elem blocked inline" not in live_server.log.read_text():
        assert time.monotonic() < deadline, "the server logged no CSP report"
        time.sleep(0.1)
    assert any(text.startswith("CSP violation: script-src-elem blocked inline") for text in logged)  # the listener

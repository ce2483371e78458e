"""The boot: a warm start from the memory snapshot of Python that a worker took after the first start
(``web/static/pyodide-start.mjs``), and the websocket ``boot.js`` opens while Python starts, taken over by
``runtime.py``."""

from playwright.sync_api import expect

from e2e.conftest import CUSTOMER_NAME, ISSUE
from e2e.pages import CustomerPage, RepConsole, wait_until

KEPT = "window.relaydeskSnapshot === 'saved'"
WARM_STARTS = True  # e2e/conftest.py: on for this module's server


def sockets_of(page) -> list[str]:
    """Note the URL of every websocket ``page`` opens, from now on, across reloads."""
    opened: list[str] = []
    page.on("websocket", lambda socket: opened.append(socket.url))
    return opened


def workers_of(page) -> list[str]:
    """Note the URL of every worker ``page`` starts, from now on, across reloads."""
    started: list[str] = []
    page.on("worker", lambda worker: started.append(worker.url))
    return started


def test_a_customer_page_started_again_from_its_snapshot_reaches_the_queue(customer: CustomerPage,
                                                                          rep: RepConsole):
    sockets = sockets_of(customer.page)
    workers = workers_of(customer.page)
    customer.open()
    wait_until(customer.page, KEPT, timeout_s=60)
    assert len(sockets) == 1, sockets  # boot.js's socket, which Python took over: not a second one
    # The cold start took no snapshot on its way to Connected: a worker took it, from the same module, afterwards.
    assert customer.page.evaluate("performance.getEntriesByName('relaydesk:snapshot-taken').length") == 0
    assert len(workers) == 1 and "/start-" in workers[0] and workers[0].endswith(".mjs"), workers

    customer.reload()
    rep.open()

    assert customer.page.evaluate("window.relaydeskSnapshot") == "used"
    assert len(workers) == 1, workers  # a warm start has its snapshot: no worker takes another
    assert len(sockets) == 2 and sockets[1].endswith("/ws/customer?lang=en"), sockets
    customer.ask_for_help(CUSTOMER_NAME, ISSUE)
    expect(rep.waiting(CUSTOMER_NAME)).to_have_count(1)
    customer.expect_waiting_first_in_line()


def test_a_rep_console_started_again_from_its_snapshot_hears_of_a_new_customer(customer: CustomerPage,
                                                                               rep: RepConsole):
    sockets = sockets_of(rep.page)
    rep.open()
    wait_until(rep.page, KEPT, timeout_s=60)

    rep.reload()
    customer.open()
    customer.ask_for_help(CUSTOMER_NAME, ISSUE)

    assert rep.page.evaluate("window.relaydeskSnapshot") == "used"
    assert len(sockets) == 2, sockets  # one a load
    expect(rep.waiting(CUSTOMER_NAME)).to_have_count(1)
    rep.accept(CUSTOMER_NAME)
    customer.expect_in_chat()


def test_french_and_english_pages_each_start_again_from_their_own_snapshot_in_their_own_language(
        customer: CustomerPage):
    """A French page's snapshot holds its catalog, read (an English one's has none, nor gettext): each language
    keeps its own, and each starts again from it speaking its language, without reading the catalog again."""
    customer.open()
    wait_until(customer.page, KEPT, timeout_s=60)

    customer.page.goto(customer.base_url + "/?lang=fr")  # no French snapshot yet: an ordinary start, which keeps one
    expect(customer.page.get_by_test_id("app-status")).to_have_text("Connecté", timeout=30_000)
    assert customer.page.evaluate("window.relaydeskSnapshot") != "used"
    wait_until(customer.page, KEPT, timeout_s=60)

    customer.page.reload()
    expect(customer.page.get_by_test_id("app-status")).to_have_text("Connecté", timeout=30_000)
    assert customer.page.evaluate("window.relaydeskSnapshot") == "used"
    assert customer.page.evaluate("window.relaydeskCatalog") == "snapshot"  # its catalog read into it, not again
    expect(customer.details).to_contain_text("Nous transmettrons au représentant")

    customer.page.goto(customer.base_url + "/?lang=en")  # the English snapshot is still there
    expect(customer.page.get_by_test_id("app-status")).to_have_text("Connected", timeout=30_000)
    assert customer.page.evaluate("window.relaydeskSnapshot") == "used"


def test_with_warm_starts_off_a_page_keeps_no_snapshot_and_starts_no_worker(actors, start_server):
    server = start_server(WARM_STARTS=False)
    page, _watch = actors.new_page("customer")
    customer = CustomerPage(page, server.url)
    workers = workers_of(page)
    customer.open()
    page.wait_for_timeout(3000)  # past the moment a worker would have been started (1 s after py:done, when idle)
    assert page.evaluate("window.relaydeskSnapshot") == "off"
    customer.reload()
    assert page.evaluate("window.relaydeskSnapshot") == "off"
    assert workers == []
    assert page.evaluate("caches.keys()") == []

"""What a page's first start imports into Python's memory snapshot (``pages.snapshot_imports``): only modules that
load without the page, and every one of ours the entry script loads that does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from relaydesk.pages import PACKAGE_DIR, snapshot_imports
from tests.liveserver import live_server, start_server  # noqa: F401  (fixtures)

WEB = Path(__file__).resolve().parents[1] / "web"

# Import each module named on the command line with the page out of reach, as pyodide-start.mjs does; print which
# loaded.  In a process of its own, so that nothing another test imported counts.
PROBE = """
import importlib, json, sys
sys.modules.update(js=None, pyscript=None, pyodide_js=None)
loaded = {}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
        loaded[name] = True
    except ImportError:
        loaded[name] = False
print(json.dumps(loaded))
"""


def loads_without_the_page(names: list[str]) -> dict[str, bool]:
    path = f"{PACKAGE_DIR.parent}:{WEB / 'py'}"
    done = subprocess.run([sys.executable, "-c", PROBE, *names], capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": path})
    return json.loads(done.stdout)


def ours(names) -> list[str]:
    return [name for name in names if name.split(".")[0] in ("relaydesk", "relaydesk_web")]


@pytest.mark.parametrize("entry", ["customer", "console"])
def test_every_module_of_ours_in_the_snapshot_loads_without_the_page(entry: str):
    named = ours(snapshot_imports(WEB, entry))

    assert {"relaydesk.protocol", "relaydesk_web.state", "relaydesk_web.effects", "relaydesk_web.i18n"} <= set(named)
    assert loads_without_the_page(named) == dict.fromkeys(named, True)


@pytest.mark.parametrize(("entry", "page_modules"), [
    ("customer", {"relaydesk_web.customer", "relaydesk_web.dom", "relaydesk_web.runtime", "relaydesk_web.capture",
                  "relaydesk_web.typing_view"}),
    ("console", {"relaydesk_web.console", "relaydesk_web.dom", "relaydesk_web.runtime", "relaydesk_web.tools",
                 "relaydesk_web.tabbar", "relaydesk_web.typing_view"}),
])
def test_the_modules_left_out_are_those_that_touch_the_page(entry: str, page_modules: set[str]):
    """Every module of ours not named fails to load without the page: none is left for the page to compile that
    the snapshot could have held."""
    named = set(snapshot_imports(WEB, entry))
    every = {f"relaydesk_web.{path.stem}" for path in (WEB / "py" / "relaydesk_web").glob("*.py")}

    left_out = sorted(every - named - {"relaydesk_web.__init__"})
    loaded = loads_without_the_page(left_out)

    assert page_modules <= set(left_out)
    assert not any(loaded[name] for name in page_modules)
    assert not named & page_modules


def test_the_page_names_the_snapshot_modules_and_the_archive_to_its_start_script(live_server):  # noqa: F811
    """The portal's Python script carries what pyodide-start.mjs reads: the archive and the modules to import."""
    import urllib.request

    page = urllib.request.urlopen(live_server.url + "/").read().decode()

    assert 'data-imports="' + " ".join(snapshot_imports(WEB, "customer")) + '"' in page
    assert 'data-archive="/py/relaydesk-' in page
    assert '/assets/pyodide-' in page and '/start-' in page

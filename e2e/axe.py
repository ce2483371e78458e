"""axe-core on a page state: every WCAG 2.2 A/AA rule, and any violation (any impact) is a problem.

axe-core comes from the npm registry (``e2e/axe/package.json``, installed by
``scripts/setup --test``) and is injected by the test only: it is never served
to a real user.  ``page.evaluate`` runs it through the DevTools protocol, which
the page's Content-Security-Policy does not block.

The census (``e2e/census.py``) audits each state it visits, so every page
state it knows is checked without a second walk.  Color contrast counts as
checked only when axe could decide it: an "incomplete" contrast result (axe
could not tell the colours apart, say over an image) is a problem too.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from playwright.sync_api import Locator, Page

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# The languages every audited state is seen in (the browser's locale): add "fr" here for French.
LANGUAGES = ["en"]
THEMES = ("light", "dark")  # each state is audited in both (prefers-color-scheme), light first and last

RUN = """async ([scope, tags]) => {
  // A scrolled log clips its older entries, and axe cannot decide the contrast of clipped text: unroll each log
  // (through the CSSOM, which the page's CSP allows) for the run, then put it back as it was.
  const logs = [...document.querySelectorAll("[role=log]")].map(log => [log, log.style.cssText, log.scrollTop]);
  for (const [log] of logs) { log.style.height = "auto"; log.style.overflow = "visible"; }
  let result;
  try {
    result = await axe.run(scope || document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations",
      "incomplete"]});
  } finally {
    for (const [log, css, top] of logs) { log.style.cssText = css; log.scrollTop = top; }
  }
  const node = n => n.target.join(" ") + ": " + (n.failureSummary || "").replace(/\\s+/g, " ").trim();
  return {
    violations: result.violations.map(v => `${v.id} (${v.impact}): ${v.help} — ` + v.nodes.map(node).join(" | ")),
    contrast_undecided: result.incomplete.filter(v => v.id === "color-contrast")
      .map(v => v.nodes.map(n => n.target.join(" ") + ": " + (n.any[0]?.message || "") + " "
        + (n.any[0]?.relatedNodes || []).map(r => r.target.join(" ")).join(", ")).join(" | ")),
  };
}"""


@cache
def source() -> str:
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: run scripts/setup --test (npm ci --prefix e2e/axe)")
    return AXE.read_text()


def audit(page: Page, state: str, within: Locator | None = None) -> list[str]:
    """Run axe on ``page`` as it is now; return its violations (and undecided contrast) named by ``state``.

    ``within`` limits the run to a part of the page: an open menu, whose state
    is the page's (audited already) plus the menu over it, which leaves what it
    covers undecidable for contrast.
    """
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(source())
    scope = within.element_handle() if within is not None else None
    problems = []
    for theme in THEMES:  # the system's theme; a page that follows it (app.css) turns dark or light at once
        page.emulate_media(color_scheme=theme)
        found = page.evaluate(RUN, [scope, TAGS])
        problems += [f"{state} ({theme}): axe: {line}" for line in found["violations"]]
        problems += [f"{state} ({theme}): axe could not check contrast: {line}" for line in found["contrast_undecided"]]
    page.emulate_media(color_scheme=THEMES[0])
    return problems


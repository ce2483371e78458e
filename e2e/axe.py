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
LANGUAGES = ["en"]  # French states are audited by e2e/test_french.py, which finds controls by their French names
THEMES = ("light", "dark")  # each state is audited in both (prefers-color-scheme), light first and last

# Left out of every run, each for a reason a person can check:
# - the spell-check layer under the message field: hidden from assistive technology, its text transparent (the
#   visible text is the field's, above it); only its wavy underlines show, so there is no text contrast to judge.
EXCLUDED = ["#spell-overlay"]

RUN = """async ([scope, tags, excluded]) => {
  const options = values => ({runOnly: values, resultTypes: ["violations", "incomplete"]});
  const context = {include: scope ? [scope] : [[":root"]], exclude: excluded.map(selector => [selector])};
  const result = await axe.run(context, options({type: "tag", values: tags}));
  const node = n => n.target.join(" ") + ": " + (n.failureSummary || "").replace(/\\s+/g, " ").trim();
  const rule = v => `${v.id} (${v.impact}): ${v.help} — ` + v.nodes.map(node).join(" | ");
  const violations = result.violations.map(rule);
  // Text scrolled out of its box (older chat entries, a wide table's far columns) is clipped, and axe cannot
  // decide its contrast: bring such a node into view, check its box again (which decides its visible
  // neighbours too), and so on until each is decided or truly undecidable; then put every scroll back.
  const undecided = [];
  const incomplete = result.incomplete.find(v => v.id === "color-contrast");
  if (incomplete) {
    const element = n => document.querySelector(n.target[0]);
    const scrolls = n => n.scrollHeight > n.clientHeight || n.scrollWidth > n.clientWidth;
    const scrolled = [...document.querySelectorAll("*")].filter(scrolls).map(n => [n, n.scrollTop, n.scrollLeft]);
    const pending = new Set(incomplete.nodes.map(element));
    const why = new Map(incomplete.nodes.map(n => [element(n), n]));
    while (pending.size) {
      const [next] = pending;
      next.scrollIntoView({block: "center", inline: "center"});
      let box = next.parentElement;
      while (box && box !== document.body && !(scrolls(box) && /(auto|scroll)/.test(getComputedStyle(box).overflow))) {
        box = box.parentElement;
      }
      const again = await axe.run(box || document, options({type: "rule", values: ["color-contrast"]}));
      violations.push(...again.violations.map(rule));
      const still = new Set((again.incomplete[0]?.nodes || []).map(element));
      for (const n of [...pending]) {
        if (!still.has(n) && (box || document).contains(n)) pending.delete(n);
      }
      if (pending.delete(next)) {
        const n = why.get(next);
        undecided.push(n.target.join(" ") + ": " + (n.any[0]?.message || ""));
      }
    }
    for (const [n, top, left] of scrolled) { n.scrollTop = top; n.scrollLeft = left; }
  }
  return {violations, contrast_undecided: undecided.length ? [undecided.join(" | ")] : []};
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
        found = page.evaluate(RUN, [scope, TAGS, EXCLUDED])
        problems += [f"{state} ({theme}): axe: {line}" for line in found["violations"]]
        problems += [f"{state} ({theme}): axe could not check contrast: {line}" for line in found["contrast_undecided"]]
    page.emulate_media(color_scheme=THEMES[0])
    return problems


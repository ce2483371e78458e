"""The control census: every control a person can reach, found by role and name, activated, and checked.

A page state is visited with the actions the census knows for it, keyed by
(role, accessible name).  The census reads the page's accessibility tree
(Playwright's ARIA snapshot), so it sees what a screen reader sees, and:

- fails on a control it does not know (a new control can't ship untested)
  and on a known one that is missing (a control can't quietly disappear);
- runs every known action for an enabled control: each one activates it,
  follows the flow far enough to see its effect, and returns to the state;
- for a control that is off, checks that it says why (its accessible
  description), and, where it is off by ``aria-disabled`` (still focusable),
  activates it and expects that reason as the page's notice;
- after each action, fails on any page error, console error, unhandled
  rejection or Python traceback the pages reported (``Actors.assert_clean``).

``LATER`` marks a control the test's own flow activates next (it leaves the
state, like Accept or Sign out); the next state's visit checks its effect.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Locator, Page, expect

ROLES = ("button", "menuitem", "link", "checkbox", "combobox", "tab", "radio")
LINE = re.compile(r'^\s*- (?P<role>[a-z]+)(?: "(?P<name>(?:[^"\\]|\\.)*)")?(?P<attrs>(?: \[[^\]]*\])*)')

LATER: Any = "activated by the flow that follows"
Name = str | re.Pattern[str]
Action = Callable[[Locator], None]


@dataclass(frozen=True)
class Control:
    role: str
    name: str
    disabled: bool

    def __str__(self) -> str:
        return f'{self.role} "{self.name}"' + (" [disabled]" if self.disabled else "")


def controls(scope: Locator) -> list[Control]:
    """Return the controls in ``scope`` as its accessibility tree has them, in page order."""
    found = []
    for line in scope.aria_snapshot().splitlines():
        match = LINE.match(line)
        if match and match["role"] in ROLES:
            name = json.loads(f'"{match["name"]}"') if match["name"] is not None else ""
            found.append(Control(match["role"], name, "[disabled]" in match["attrs"]))
    return found


def matches(key: tuple[str, Name], control: Control) -> bool:
    role, name = key
    if role != control.role:
        return False
    return bool(name.search(control.name)) if isinstance(name, re.Pattern) else name == control.name


def locate(scope: Locator, key: tuple[str, Name]) -> Locator:
    role, name = key
    return scope.get_by_role(role, name=name, exact=not isinstance(name, re.Pattern)).first  # type: ignore[arg-type]


class Census:
    """Visit page states; remember every control activated, and everything that went wrong."""

    def __init__(self, check_clean: Callable[[], None],
                 audit: Callable[[Page, str, Locator | None], list[str]] | None = None) -> None:
        self.check_clean = check_clean
        self.audit = audit  # run on each state as the census finds it (axe: e2e/axe.py)
        self.audited = 0
        self.audit_seconds = 0.0  # printed, not asserted: what the audit adds to the walk
        self.activated: list[str] = []
        self.problems: list[str] = []

    def visit(self, state: str, scope: Locator, actions: dict[tuple[str, Name], Action],
              optional: tuple[tuple[str, Name], ...] = ()) -> None:
        """Check one state: every control known, every known control there, each one activated."""
        done: set[tuple[str, Name]] = set()
        self.audit_state(scope.page, state)
        for _pass in range(3):  # an action may bring new controls (an added row): look again
            if not scope.is_visible():  # the state's last action closed it (a dialog's Save)
                break
            found = controls(scope)
            for control in found:
                if not any(matches(key, control) for key in actions):
                    self.problems.append(f"{state}: the census does not know {control}")
            fresh = [(key, action) for key, action in actions.items()
                     if key not in done and any(matches(key, control) for control in found)]
            if not fresh:
                break
            for key, action in fresh:
                done.add(key)
                control = next(c for c in found if matches(key, c))
                if control.disabled:
                    self.off(state, scope, key)
                elif action is not LATER:
                    action(locate(scope, key))
                    self.activated.append(f"{state}: {control}")
                self.check_clean()
        for key in actions:
            if key not in done and key not in optional:
                self.problems.append(f"{state}: expected {key[0]} {key[1]!r}, which is not there")

    def audit_state(self, page: Page, state: str, within: Locator | None = None) -> None:
        if self.audit is not None:
            started = time.perf_counter()
            self.problems += self.audit(page, state, within)
            self.audit_seconds += time.perf_counter() - started
            self.audited += 1

    def off(self, state: str, scope: Locator, key: tuple[str, Name]) -> None:
        """A control that is off must say why; one still focusable says it again when activated."""
        control = locate(scope, key)
        reason = control.evaluate("node => node.getAttribute('aria-description') || node.title || ''")
        described = control.evaluate("node => (node.getAttribute('aria-describedby') || '').split(' ')"
                                     ".map(id => document.getElementById(id)?.textContent || '').join('').trim()")
        if not (reason or described):
            self.problems.append(f"{state}: {key[0]} {key[1]!r} is off without saying why")
            return
        natively_off = control.evaluate("node => node.disabled === true")
        if control.get_attribute("aria-disabled") == "true" and reason and not natively_off:
            control.focus()  # kept focusable so its reason can be read: a keyboard user presses it
            control.press("Enter")
            expect(notice(control.page)).to_have_text(reason)
            self.activated.append(f"{state}: {key[0]} {key[1]!r} (off: {reason})")

    def menu(self, state: str, items: dict[str, Callable[[Callable[[], None]], None]]) -> Action:
        """The action for a menu button: each item, by mouse and by keyboard, does what ``items`` expects.

        ``items[name](activate)`` calls ``activate()`` (a click, or the keys
        that reach and pick the item), then checks the effect and returns to
        the state.  An item that is off must say why, by mouse and by keyboard.
        """

        def open_menu(button: Locator) -> None:
            page = button.page
            menu = page.get_by_role("menu", name=button.inner_text())

            def by_mouse(name: str) -> None:
                if button.get_attribute("aria-expanded") != "true":
                    button.click()
                menu.get_by_role("menuitem", name=name, exact=True).click()

            def by_keyboard(name: str, key: str) -> None:
                button.focus()
                page.keyboard.press("Enter")
                target = menu.get_by_role("menuitem", name=name, exact=True)
                for _step in range(len(items) + 1):
                    if target.evaluate("node => node === document.activeElement"):
                        break
                    page.keyboard.press("ArrowDown")
                expect(target).to_be_focused()
                page.keyboard.press(key)

            button.click()
            expect(menu).to_be_visible()
            self.audit_state(page, f"{state}, menu {button.inner_text()} open", menu)
            found = controls(menu)
            page.keyboard.press("Escape")
            expect(menu).to_be_hidden()
            expect(button).to_be_focused()
            for control in found:
                if control.name not in items:
                    self.problems.append(f"{state}: the census does not know menu {control}")
            for name in set(items) - {control.name for control in found}:
                self.problems.append(f"{state}: expected menuitem {name!r}, which is not there")
            for number, control in enumerate(c for c in found if c.name in items):
                if control.disabled:
                    button.click()
                    self.off(state, menu, ("menuitem", control.name))
                    expect(menu).to_be_hidden()
                    button.focus()
                    page.keyboard.press("ArrowDown")
                    expect(menu).to_be_visible()
                    page.keyboard.press("Escape")
                    continue
                items[control.name](lambda name=control.name: by_mouse(name))
                self.activated.append(f"{state}: menuitem {control.name!r} by mouse")
                self.check_clean()
                items[control.name](lambda name=control.name, key=("Enter", " ")[number % 2]: by_keyboard(name, key))
                self.activated.append(f"{state}: menuitem {control.name!r} by keyboard")
                self.check_clean()

        return open_menu

    def assert_complete(self) -> None:
        assert not self.problems, "the census found:\n" + "\n".join(self.problems)


def notice(page: Page) -> Locator:
    return page.locator("#notice")


def dialog_closes(page: Page, name: str, how: str = "Cancel") -> None:
    """Close an open dialog with one of its buttons, or with Escape."""
    dialog = page.get_by_role("dialog", name=name)
    if how == "Escape":
        page.keyboard.press("Escape")
    else:
        dialog.get_by_role("button", name=how, exact=True).click()
    expect(dialog).to_have_count(0)

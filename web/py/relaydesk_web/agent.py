"""Name the customer's operating system and browser from what their browser reports.

Pure Python: the page passes ``navigator.userAgent`` (and the platform from
User-Agent Client Hints where the browser has them).
"""

from __future__ import annotations

import re

from relaydesk_web.i18n import _

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = (
    ("Edge", r"Edg(?:e|A|iOS)?/(\d+)"),
    ("Opera", r"OPR/(\d+)"),
    ("Firefox", r"(?:Firefox|FxiOS)/(\d+)"),
    ("Chromium", r"Chromium/(\d+)"),
    ("Chrome", r"(?:Chrome|CriOS)/(\d+)"),
    ("Safari", r"Version/(\d+)[\d.]* (?:Mobile/\S+ )?Safari/"),
)

_SYSTEMS = (
    ("Android", r"Android(?: (\d+(?:\.\d+)?))?"),
    ("iOS", r"(?:iPhone|iPad|iPod).*? OS (\d+(?:_\d+)?)"),
    ("Windows", r"Windows NT (\d+\.\d+)"),
    ("macOS", r"Mac OS X (\d+(?:[_.]\d+)?)"),
    ("ChromeOS", r"CrOS"),
    ("Linux", r"Linux"),
)

_WINDOWS = {"10.0": "10 or 11", "6.3": "8.1", "6.2": "8", "6.1": "7"}


def browser_name(user_agent: str) -> str:
    """Return e.g. ``Firefox 132``, or ``Unknown browser``."""
    for name, pattern in _BROWSERS:
        match = re.search(pattern, user_agent)
        if match:
            return f"{name} {match.group(1)}"
    return _("Unknown browser")


def system_name(user_agent: str, platform_hint: str = "") -> str:
    """Return e.g. ``Windows 10 or 11``, ``macOS 14.5`` or ``Linux``."""
    for name, pattern in _SYSTEMS:
        match = re.search(pattern, user_agent)
        if not match:
            continue
        version = match.group(1) if match.groups() else None
        if name == "Windows" and version:
            version = _WINDOWS.get(version, version)
        elif version:
            version = version.replace("_", ".")
        return f"{name} {version}" if version else name
    return platform_hint or _("Unknown system")

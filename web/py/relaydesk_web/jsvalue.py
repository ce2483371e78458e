"""Read JS values that may be missing, the one way adapters do it.

Under Pyodide a JS property that does not exist raises ``AttributeError``
(it is not ``None``), and a JS ``null`` arrives as ``jsnull``, which is not
``None`` either.  Bare attribute access on a proxy for anything optional is
how a control ends up dead in the browser while every CPython test passes, so
adapters read optional properties, attributes and ``data-*`` values through
these helpers.  Pure: runs under CPython too, where the tests feed it plain
objects.
"""

from __future__ import annotations

import re
from typing import Any

jsnull: Any
try:
    from pyodide.ffi import jsnull
except ImportError:  # CPython: no JS, so no null but None
    jsnull = None

_UPPER = re.compile(r"[A-Z]")


def nothing(value: Any) -> bool:
    """Tell whether a JS value is absent: undefined, null (``jsnull``) or Python's ``None``."""
    return value is None or value is jsnull


def prop(obj: Any, name: str, default: Any = None) -> Any:
    """Return ``obj[name]``, or ``default`` when ``obj`` is absent or has no such property, or it is null."""
    if nothing(obj):
        return default
    try:
        value = getattr(obj, name)
    except AttributeError:
        return default
    return default if nothing(value) else value


def attr(node: Any, name: str) -> str | None:
    """Return an element's attribute, or ``None`` when it has none."""
    if nothing(node):
        return None
    value = node.getAttribute(name)
    return None if nothing(value) else str(value)


def data(node: Any, name: str) -> str | None:
    """Return an element's ``data-*`` value by its ``dataset`` name (``maxMb`` reads ``data-max-mb``), or ``None``."""
    return attr(node, "data-" + _UPPER.sub(lambda upper: "-" + upper.group().lower(), name))

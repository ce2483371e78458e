"""Find and fill scripted messages and URLs.  Pure Python, tested under CPython."""

from __future__ import annotations


def matches(script: dict, query: str) -> bool:
    """Tell whether every word of ``query`` is in the script's title, category or text."""
    haystack = f"{script['title']} {script['category']} {script['body']}".lower()
    return all(word in haystack for word in query.lower().split())


def search(scripts: list[dict], kind: str, query: str = "", language: str | None = None) -> list[dict]:
    """Return the scripts of ``kind`` matching ``query``: those in ``language`` (the customer's) first, then
    those in any language, then the others; within each, titles that start with the query first."""
    found = [script for script in scripts if script["kind"] == kind and matches(script, query)]
    first = query.strip().lower()

    def rank(script: dict) -> int:
        said = script.get("language") or ""
        return 0 if language and said == language else 1 if not said else 2

    return sorted(found, key=lambda s: (rank(s), not s["title"].lower().startswith(first), s["category"],
                                        s["title"]))


def grouped(scripts: list[dict]) -> list[tuple[str, list[dict]]]:
    """Return scripts grouped by category, in the order given."""
    groups: dict[str, list[dict]] = {}
    for script in scripts:
        groups.setdefault(script["category"], []).append(script)
    return list(groups.items())


def fill(text: str, customer: str, rep: str) -> str:
    """Fill a message's ``{customer}`` and ``{rep}``."""
    return text.replace("{customer}", customer).replace("{rep}", rep)


def slash_query(draft: str) -> str | None:
    """Return what follows a leading ``/`` in the Message field (``/gre`` → ``gre``), else None."""
    if not draft.startswith("/") or "\n" in draft or len(draft) > 40:
        return None
    return draft[1:]

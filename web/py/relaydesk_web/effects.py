"""The effects a core asks the page to carry out: plain data, drawn by the adapters."""

from __future__ import annotations

import inspect
from typing import Any, ClassVar, dataclass_transform

from .chat import Entry, Placement


@dataclass_transform()
class Effect:
    """Something for the page to do; each kind below says what.

    Each kind is plain data, like a ``@dataclass``: built from its fields (by position or name, defaults from the
    class), equal to another of its kind with equal fields, matched by position (``case ShowView(view)``).  Made by
    ``__init_subclass__`` rather than ``@dataclass``, which compiles new methods for each class: the page imports
    these as it starts, and some thirty dataclasses cost a cold boot tens of milliseconds in Pyodide.
    """

    __match_args__: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls) -> None:
        names = tuple(inspect.get_annotations(cls))  # its own fields, as written (strings: see the __future__ import)
        cls.__match_args__ = names  # type: ignore[misc]  # mypy reads it as @dataclass_transform makes it
        cls._defaults = {name: cls.__dict__[name] for name in names if name in cls.__dict__}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = self.__match_args__
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__} takes {len(names)} fields, not {len(args)}")
        values = {**self._defaults, **dict(zip(names, args, strict=False)), **kwargs}  # fewer args: the rest by name
        if unknown := values.keys() - set(names):
            raise TypeError(f"{type(self).__name__} has no field {', '.join(sorted(unknown))}")
        if missing := [name for name in names if name not in values]:
            raise TypeError(f"{type(self).__name__} needs {', '.join(missing)}")
        for name in names:
            setattr(self, name, values[name])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__match_args__)

    __hash__ = None  # type: ignore[assignment]  # mutable, equal by value: like a dataclass, not hashable

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__match_args__)
        return f"{type(self).__name__}({fields})"


class Transmit(Effect):
    frame: dict


class Reconnect(Effect):
    delay: float


class Status(Effect):
    text: str


class Notice(Effect):
    """A message for the person: an error, or why something did not happen."""

    text: str


class ShowEntry(Effect):
    session: int
    placement: Placement


class ClearDraft(Effect):
    pass


class ClearNote(Effect):
    """Rep console: the note was taken; empty the Session notes field."""


class Remember(Effect):
    """Keep a value across reloads of this tab (``None`` forgets it)."""

    key: str
    value: object


class ShowView(Effect):
    """Customer window: ``form``, ``waiting`` or ``chat``."""

    view: str


class Position(Effect):
    position: int


class Queue(Effect):
    waiting: list[dict]


class Team(Effect):
    """The team as it is: each rep's id, name and status (available, away, offline), and this rep's own status."""

    reps: list[dict]
    mine: str


class OpenSession(Effect):
    """Rep console: a session is ours; give it a tab."""

    summary: dict


class SelectSession(Effect):
    session: int
    entries: list[Entry]
    draft: str = ""  # what the rep had typed for this customer
    scroll: float | None = None  # where the log was; None: at the bottom


class History(Effect):
    """Rep console: what the top of a session's log says: older messages ``loading`` (or left to load, as the
    rep scrolls up), or the ``start`` of the conversation."""

    session: int
    state: str


class Unread(Effect):
    """Rep console: how many customer messages in a session the rep has not seen."""

    session: int
    count: int


class Flash(Effect):
    """Rep console: a session opened while the rep was typing elsewhere: make its tab flash."""

    session: int


class Alert(Effect):
    """Rep console: a customer wrote where the rep is not looking: sound and notify."""

    title: str
    text: str
    sound: bool


class UpdateSession(Effect):
    """Rep console: a session's summary changed (e.g. it ended)."""

    summary: dict


class CloseSession(Effect):
    """Rep console: an ended session's tab goes away."""

    session: int


class Keys(Effect):
    """Rep console: the rep's session keys still waiting for a customer, and how many wrong keys were tried
    since the oldest of them was made (any of those could have been one of theirs)."""

    keys: list[dict]
    wrong_tries: int = 0


class Invitation(Effect):
    """Rep console: another rep asks this one to join a session (``None`` when it is gone)."""

    invite: dict
    open: bool = True


class Prefs(Effect):
    """Rep console: apply these chat preferences (they changed, here or on another device); ``kept`` once the
    server has them (the welcome's, or its answer to a change), not while a change made here is on its way."""

    prefs: dict
    kept: bool = True


class OpenUrl(Effect):
    """Customer window: a rep pushed a web page; open it now."""

    url: str


class StartOver(Effect):
    """Customer window: clear the finished session from the page."""



class ScreenAsk(Effect):
    """Customer window: a rep asks to see the screen (``by``), or the question is settled (None)."""

    by: str | None


class ScreenMode(Effect):
    """Customer window: what the server expects of the shared screen: thumbnails, or Viewer frames."""

    mode: str
    sharing: bool


class ScreenImage(Effect):
    """Rep console: the latest picture of a customer's shared screen."""

    session: int
    src: str



class Typing(Effect):
    """Both apps: what the typing indicator of a session says now ("Alice is typing…", or nothing), the
    customer's unsent text for a rep's live preview, and the ``tick`` to hand back as ``typing_expire`` after
    ``typist.SHOWN_S``."""

    session: int | None
    line: str
    preview: str = ""
    tick: int = 0


class Helpers(Effect):
    """Customer window: the names of the representatives helping, as the customer may see them."""

    names: list[str]


class Survey(Effect):
    """Customer window: the satisfaction survey after the end: ``shown`` or not, and the answer given so far."""

    shown: bool
    rating: int | None = None
    comment: str = ""

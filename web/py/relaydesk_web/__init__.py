"""Relaydesk's browser code: a pure core (``state``, ``chat``, ``link``, ``text``,
``agent``) and thin adapters that touch the page (``dom``, ``runtime``) under
the two entry scripts, ``customer`` and ``console``.

``i18n`` comes first: every module after it writes in the page's language."""

from . import i18n as i18n

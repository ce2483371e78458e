"""Relaydesk: a self-hosted remote-support chat console.

This package's ``__init__`` stays free of imports on purpose: the browser loads
``relaydesk.protocol`` from this very package, and Pyodide has no Flask.
The server starts from ``relaydesk.app.create_app``.
"""

__version__ = "0.1.0"

"""One line per event on standard error, each naming the node: plain text by default, JSON when
``LOG_FORMAT = "json"`` asks (for a log collector); and an access log in the usual combined format.

The access log goes through the logger ``relaydesk.access``: in text form a
line is exactly Apache's and nginx's "combined" line, so the usual tools read
it; in JSON form that line is the ``message``.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from datetime import UTC, datetime

from gevent.pywsgi import WSGIHandler

DEFAULTS: dict[str, object] = {
    "NODE_NAME": "",  # how this node's log lines name it ("": the machine's host name)
    "LOG_FORMAT": "text",  # "text", or "json": one JSON object per line
    "ACCESS_LOG": True,  # a combined-format line per HTTP request (websockets: when they close)
}
ACCESS = logging.getLogger("relaydesk.access")


class _NodeName(logging.Filter):
    def __init__(self, node: str) -> None:
        super().__init__()
        self.node = node

    def filter(self, record: logging.LogRecord) -> bool:
        record.node = self.node
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "node": getattr(record, "node", ""),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(config: dict) -> logging.Handler:
    """Send every log record to standard error in the configured form, named by the node; return the handler."""
    node = str(config.get("NODE_NAME") or socket.gethostname())
    handler = logging.StreamHandler()
    handler.addFilter(_NodeName(node))
    if config.get("LOG_FORMAT") == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(node)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    access = logging.StreamHandler()  # the combined line alone, as log tools expect it, in text form
    access.addFilter(_NodeName(node))
    access.setFormatter(JsonLines() if config.get("LOG_FORMAT") == "json" else logging.Formatter("%(message)s"))
    ACCESS.handlers[:] = [access]
    ACCESS.propagate = False
    ACCESS.disabled = not config.get("ACCESS_LOG", True)
    return handler


def combined(handler: WSGIHandler) -> str:
    """The request ``handler`` served, as one line of the combined log format."""
    environ = getattr(handler, "environ", None) or {}
    client = environ.get("REMOTE_ADDR") or (  # behind a trusted proxy, ProxyFix has put the real client here
        handler.client_address[0] if isinstance(handler.client_address, tuple) else handler.client_address)
    status = (getattr(handler, "_orig_status", None) or handler.status or "000").split()[0]
    when = time.strftime("%d/%b/%Y:%H:%M:%S %z", time.localtime(handler.time_start or time.time()))
    return '{} - - [{}] "{}" {} {} "{}" "{}"'.format(
        client or "-", when, _quoted(handler.requestline or ""), status, _body_length(handler),
        _quoted(environ.get("HTTP_REFERER", "-")), _quoted(environ.get("HTTP_USER_AGENT", "-")))


def _body_length(handler: WSGIHandler) -> str:
    """The response body's size, as the combined format counts it (gevent's own count includes the headers)."""
    for name, value in getattr(handler, "response_headers", None) or ():  # latin-1 bytes, as gevent keeps them
        if name.lower() == b"content-length":
            return value.decode("latin-1")
    return str(handler.response_length or "-")


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')

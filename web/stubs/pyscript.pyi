# PyScript's module: ``document`` and ``window`` are JS proxies, unchecked.
from typing import Any

document: Any
window: Any

def __getattr__(name: str) -> Any: ...

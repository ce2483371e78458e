# Pyodide's own JS module: unchecked proxies.
from typing import Any

def __getattr__(name: str) -> Any: ...

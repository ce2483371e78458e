# The browser's global scope as Pyodide shows it: every name is a JS proxy, unchecked.
from typing import Any

def __getattr__(name: str) -> Any: ...

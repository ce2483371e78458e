"""End-to-end tests: real server, real Chromium, real Pyodide, driven through page objects."""

// The baseline for bench/boot.py: Pyodide alone, from our own origin, no PyScript, no app.
// A file, not an inline script: the Content-Security-Policy runs scripts from our origin only.
// Pyodide's URL holds its build's hash: the page names it.
// With data-stdlib (?stdlib=compiled): from the standard library the pages start from, the modules a start imports
// compiled (relaydesk/bytecode.py).
const script = document.querySelector("script[data-pyodide]");
const { loadPyodide } = await import(script.dataset.pyodide);

const pyodide = await loadPyodide({ stdLibURL: script.dataset.stdlib || undefined });
pyodide.runPython(
  "from js import document\n" +
  "document.querySelector('[data-testid=app-status]').textContent = 'Connected'"
);

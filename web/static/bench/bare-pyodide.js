// The baseline for bench/boot.py: Pyodide alone, from our own origin, no PyScript, no app.
// A file, not an inline script: the Content-Security-Policy runs scripts from our origin only.
// Pyodide's URL holds its build's hash: the page names it.
const { loadPyodide } = await import(document.querySelector("script[data-pyodide]").dataset.pyodide);

const pyodide = await loadPyodide();
pyodide.runPython(
  "from js import document\n" +
  "document.querySelector('[data-testid=app-status]').textContent = 'Connected'"
);

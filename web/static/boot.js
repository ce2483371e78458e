// Show boot progress while Pyodide loads: Python cannot report before it runs.
// A classic script, so it listens before PyScript's module starts.
addEventListener("py:progress", (event) => {
  const line = document.getElementById("boot-progress");
  // PyScript reports its steps in English: a page in another language keeps its own "Starting…" line.
  if (line) line.textContent = line.dataset.progress || `${event.detail}…`;
});
addEventListener("py:ready", () => {
  const line = document.getElementById("boot-progress");
  if (line) line.textContent = line.dataset.connecting; // in the page's language (the server wrote it)
});

// Show boot progress while Pyodide loads: Python cannot report before it runs.
// A classic script, so it listens before PyScript's module starts.
addEventListener("py:progress", (event) => {
  const line = document.getElementById("boot-progress");
  if (line) line.textContent = `${event.detail}…`;
});
addEventListener("py:ready", () => {
  const line = document.getElementById("boot-progress");
  if (line) line.textContent = "Connecting…";
});

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
// Open the page's websocket now, while Python starts: runtime.py takes it over, handshake done, with what it was
// sent meanwhile (the server says nothing before the page's hello, but a frame is kept if it does).
(() => {
  const path = document.currentScript.dataset.socket;
  if (!path) return;
  const early = { frames: [] };
  early.socket = new WebSocket(new URL(path, location.href.replace(/^http/, "ws")));
  early.socket.binaryType = "arraybuffer";
  early.socket.onmessage = (event) => early.frames.push(event);
  window.relaydeskEarlySocket = early;
})();

// Start Pyodide for PyScript (the pages' "interpreter" points here, beside pyodide.mjs), from a memory snapshot
// when this browser has one: a warm start then skips Python's own start-up (the interpreter, the standard library,
// Pyodide's modules) and finds our pure modules (the protocol, the cores) imported already.
//
// The first start in a browser takes the snapshot, just after Python started and before PyScript touches it:
// it unpacks our archive and imports the modules the page names in its script's data-imports (those that touch
// the page fail to import without `js` and `pyscript`, and stay out), then keeps the snapshot in Cache Storage
// under this file's URL and the archive's. A new build of Pyodide, of this file or of our Python is a new key,
// so an old snapshot is never read; it is deleted when the next one is kept.
import { loadPyodide as load, version } from "./pyodide.mjs";

export { version };

const STORE = "relaydesk-python";
const script = document.querySelector("script[type=py][data-imports]");
const archive = script ? Object.keys(JSON.parse(script.getAttribute("config")).files || {})[0] : undefined;
const KEY = `${new URL(import.meta.url).pathname}?archive=${archive}&imports=${script?.dataset.imports}`;

// Run inside the snapshot's Python: what the page will import, without `js` or `pyscript` to reach.
const IMPORTS = `
import importlib, sys
hidden = {name: sys.modules.get(name) for name in ("js", "pyscript")}
sys.modules.update(dict.fromkeys(hidden))  # None: importing them fails, so modules that touch the page stay out
try:
    for name in NAMES.split():
        try:
            importlib.import_module(name)
        except ImportError:
            pass
finally:
    for name, module in hidden.items():
        if module is None:
            del sys.modules[name]
        else:
            sys.modules[name] = module
`;

async function store() {
  try {
    return globalThis.caches ? await caches.open(STORE) : null; // only in a secure context (https, localhost)
  } catch {
    return null; // storage refused (a private window may): start as usual
  }
}

async function keep(cache, snapshot) {
  try {
    for (const request of await cache.keys()) {
      const url = new URL(request.url);
      if (url.pathname + url.search !== KEY) await cache.delete(request); // an older build's
    }
    await cache.put(KEY, new Response(snapshot, { headers: { "Content-Type": "application/octet-stream" } }));
    globalThis.relaydeskSnapshot = "saved"; // read by bench/boot.py before a warm start
  } catch {
    globalThis.relaydeskSnapshot = "not saved"; // full storage: the next start is an ordinary one
  }
}

async function prepare(pyodide) {
  if (!archive) return;
  const response = await fetch(archive); // preloaded by the page; PyScript's own fetch of it finds it in the cache
  pyodide.unpackArchive(await response.arrayBuffer(), "zip", { extractDir: "/home/pyodide" });
  pyodide.runPython(`NAMES = ${JSON.stringify(script.dataset.imports)}\n${IMPORTS}`);
}

export async function loadPyodide(options = {}) {
  const cache = await store();
  const kept = cache && (await cache.match(KEY));
  if (kept) {
    try {
      const pyodide = await load({ ...options, _loadSnapshot: kept.arrayBuffer() });
      pyodide.runPython("import random; random.seed()"); // not the snapshot's sequence again
      globalThis.relaydeskSnapshot = "used";
      return pyodide;
    } catch {
      await cache.delete(KEY); // unreadable: take a new one below
    }
  }
  if (!cache) {
    globalThis.relaydeskSnapshot = "no storage";
    return load(options);
  }
  const pyodide = await load({ ...options, _makeSnapshot: true });
  try {
    await prepare(pyodide);
    keep(cache, pyodide.makeMemorySnapshot()); // stored in the background: nothing waits for it
  } catch {
    globalThis.relaydeskSnapshot = "not taken";
  }
  // To take a snapshot, Pyodide hands Python the page's globals through a proxy that notes what Python reaches;
  // that proxy breaks the page's getters ("Illegal invocation" on js.document). Give Python the globals themselves.
  pyodide.registerJsModule("js", globalThis);
  pyodide.runPython("import sys; sys.modules.pop('js', None)");
  return pyodide;
}

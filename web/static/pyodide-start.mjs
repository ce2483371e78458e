// Start Pyodide for PyScript (the pages' "interpreter" points here, beside pyodide.mjs) with our Python in place:
// the archive the page names (data-archive on its Python script, preloaded) unpacked into the home folder, so
// PyScript has no files to fetch or unpack. From a memory snapshot when this browser has one: a warm start then
// skips Python's own start-up (the interpreter, the standard library, Pyodide's modules) and finds our pure
// modules (the protocol, the cores) imported already.
//
// The first start in a browser takes the snapshot, just after Python started and before PyScript touches it,
// with the modules the page names in data-imports imported (those that touch the page fail to import without
// `js` and `pyscript`, and stay out), and keeps it in Cache Storage under this file's URL, the archive's and
// those names (the customer page's and the console's side by side). A new build of Pyodide, of this file or of our
// Python is a new key, so an old snapshot is never read; it is deleted when the next one is kept.
import { loadPyodide as load, version } from "./pyodide.mjs";

export { version };

const STORE = "relaydesk-python";
const script = document.querySelector("script[type=py][data-imports]");
const archive = script?.dataset.archive;
const BUILD = `${new URL(import.meta.url).pathname}?archive=${archive}`; // this Pyodide, this file, our Python
const LANG = document.documentElement.lang || "en"; // the page's language, its catalog read into the snapshot
const KEY = `${BUILD}&imports=${script?.dataset.imports}&lang=${LANG}`; // the page's modules: one for each kind of page
const files = archive ? fetch(archive).then((response) => response.arrayBuffer()) : null; // preloaded by the page

// Run inside the snapshot's Python: the modules the page named (the server found that they do not touch the page;
// `js` and `pyscript` are hidden all the same, so one that did would fail to import and stay out).
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
try:  # the page's catalog, read now: a warm start in French finds it parsed (relaydesk_web.i18n.start)
    from relaydesk import language
    from relaydesk_web import i18n
    if language.supported(LANG) not in (None, language.DEFAULT):
        language.install(LANG, i18n.load(LANG))
except ImportError:
    pass
`;

async function store() {
  try {
    return globalThis.caches ? await caches.open(STORE) : null; // only in a secure context (https, localhost)
  } catch {
    return null; // storage refused (a private window may): start as usual
  }
}

// Once the page's script has run (or after a while), so that writing some 40 MB does not slow its start.
const started = new Promise((resolve) => {
  addEventListener("py:done", () => setTimeout(resolve, 200), { once: true });
  setTimeout(resolve, 15_000);
});

async function keep(cache, snapshot) {
  await started;
  try {
    for (const request of await cache.keys()) {
      const url = new URL(request.url);
      if (!(url.pathname + url.search).startsWith(`${BUILD}&`)) await cache.delete(request); // an older build's
    }
    await cache.put(KEY, new Response(snapshot, { headers: { "Content-Type": "application/octet-stream" } }));
    globalThis.relaydeskSnapshot = "saved"; // read by bench/boot.py before a warm start
  } catch {
    globalThis.relaydeskSnapshot = "not saved"; // full storage: the next start is an ordinary one
  }
}

async function unpack(pyodide) {
  performance.mark("relaydesk:python-started"); // these marks: where a boot's time goes (bench/boot.py)
  if (files) pyodide.unpackArchive(await files, "zip", { extractDir: "/home/pyodide" });
  performance.mark("relaydesk:files-unpacked");
}

export async function loadPyodide(options = {}) {
  const cache = await store();
  const kept = cache && (await cache.match(KEY));
  if (kept) {
    try {
      const pyodide = await load({ ...options, _loadSnapshot: kept.arrayBuffer() });
      pyodide.runPython("import random; random.seed()"); // not the snapshot's sequence again
      await unpack(pyodide); // the files: a snapshot holds the memory of Python, not its file system
      globalThis.relaydeskSnapshot = "used";
      return pyodide;
    } catch {
      await cache.delete(KEY); // unreadable: take a new one below
    }
  }
  if (!cache) {
    globalThis.relaydeskSnapshot = "no storage";
    const pyodide = await load(options);
    await unpack(pyodide);
    return pyodide;
  }
  const pyodide = await load({ ...options, _makeSnapshot: true });
  await unpack(pyodide);
  try {
    pyodide.runPython(`NAMES = ${JSON.stringify(script.dataset.imports)}\nLANG = ${JSON.stringify(LANG)}\n${IMPORTS}`);
    performance.mark("relaydesk:modules-imported");
    keep(cache, pyodide.makeMemorySnapshot()); // kept in the background: nothing waits for it
    performance.mark("relaydesk:snapshot-taken");
  } catch {
    globalThis.relaydeskSnapshot = "not taken";
  }
  // To take a snapshot, Pyodide hands Python the page's globals through a proxy that notes what Python reaches;
  // that proxy breaks the page's getters ("Illegal invocation" on js.document). Give Python the globals themselves.
  pyodide.registerJsModule("js", globalThis);
  pyodide.runPython("import sys; sys.modules.pop('js', None)");
  return pyodide;
}

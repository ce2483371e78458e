// Start Pyodide for PyScript (the pages' "interpreter" points here, beside pyodide.mjs) with our Python in place:
// the archive the page names (data-archive on this module's script tag, preloaded) unpacked into the home folder, so
// PyScript has no files to fetch or unpack. From a memory snapshot when this browser has one: a warm start then
// skips Python's own start-up (the interpreter, the standard library, Pyodide's modules) and finds our pure
// modules (the protocol, the cores) imported already.
//
// Pyodide starts as soon as this module runs: the page loads it as a module script of its own, next to PyScript's,
// so Python's start (the wasm's compile, the standard library) overlaps PyScript's modules and set-up instead of
// waiting until PyScript asks for it; PyScript's call (this module is its "interpreter") gets that same start.
//
// A start without a snapshot is an ordinary one: the snapshot is not taken on the way to Connected. Once the page's
// script has run and the page has been idle a moment, this same file, run again as a Web Worker, starts a second
// Python off the page's thread, unpacks the archive, imports the modules the page names in data-imports (those
// that touch the page fail to import without `js` and `pyscript`, and stay out), takes the snapshot and keeps it in
// Cache Storage under this file's URL, the archive's and those names (a customer page's and a console's side by
// side). A new build of Pyodide, of this file or of our Python is a new key, so an old snapshot is never read; it
// is deleted when the next one is kept.
import { loadPyodide as load, version } from "./pyodide.mjs";

export { version };

const STORE = "relaydesk-python";
const IN_PAGE = typeof document !== "undefined";

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

const HOME = "/home/pyodide";

// Read the archive's files in JavaScript, while Python starts: [{path, data}]. Pyodide's unpackArchive does it in
// Python once Python is up (zipfile, shutil: ~20 ms, and over 100 ms on a start from compiled bytecode, whose
// interpreter has run less by then). Our server's zip: entries stored (it comes compressed as a whole), no zip64.
async function readZip(buffer) {
  const view = new DataView(buffer);
  let end = buffer.byteLength - 22; // the end-of-central-directory record: no comment in ours, but look back anyway
  while (end > 0 && view.getUint32(end, true) !== 0x06054b50) end--;
  const count = view.getUint16(end + 10, true);
  const names = new TextDecoder();
  const reads = [];
  for (let at = view.getUint32(end + 16, true), n = 0; n < count; n++) {
    const method = view.getUint16(at + 10, true);
    const size = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const local = view.getUint32(at + 42, true);
    const path = names.decode(new Uint8Array(buffer, at + 46, nameLength));
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    if (path.endsWith("/")) continue;
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const bytes = new Uint8Array(buffer, start, size);
    if (method === 0) reads.push({ path, data: bytes });
    else if (method === 8) {
      const inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
      reads.push(new Response(inflated).arrayBuffer().then((data) => ({ path, data: new Uint8Array(data) })));
    } else throw new Error(`zip method ${method}`);
  }
  return Promise.all(reads);
}

function read(files) { // the archive's files, or the archive itself where this browser cannot inflate
  return globalThis.DecompressionStream ? files.then(readZip) : files;
}

function unpack(pyodide, files) {
  if (!Array.isArray(files)) {
    pyodide.unpackArchive(files, "zip", { extractDir: HOME });
    return;
  }
  for (const { path, data } of files) {
    const full = `${HOME}/${path}`;
    pyodide.FS.mkdirTree(full.slice(0, full.lastIndexOf("/")));
    pyodide.FS.writeFile(full, data, { canOwn: true });
  }
}

// In the worker: take the snapshot the page asked for ({archive, imports, lang, build, key}), keep it, say how it went.
async function takeSnapshot({ archive, stdlib, imports, lang, build, key }) {
  const cache = await store();
  if (!cache) return "no storage";
  const files = read(fetch(archive).then((response) => response.arrayBuffer())); // in the HTTP cache: the page's
  const pyodide = await load({ _makeSnapshot: true, stdLibURL: stdlib });
  unpack(pyodide, await files);
  pyodide.runPython(`NAMES = ${JSON.stringify(imports)}\nLANG = ${JSON.stringify(lang)}\n${IMPORTS}`);
  const snapshot = pyodide.makeMemorySnapshot();
  try {
    for (const request of await cache.keys()) {
      const url = new URL(request.url);
      if (!(url.pathname + url.search).startsWith(`${build}&`)) await cache.delete(request); // an older build's
    }
    await cache.put(key, new Response(snapshot, { headers: { "Content-Type": "application/octet-stream" } }));
    return "saved";
  } catch {
    return "not saved"; // full storage: the next start is an ordinary one
  }
}

if (!IN_PAGE) {
  addEventListener("message", async ({ data }) => {
    let outcome;
    try {
      outcome = await takeSnapshot(data);
    } catch {
      outcome = "not taken";
    }
    postMessage(outcome);
  }, { once: true });
}

const script = IN_PAGE ? document.querySelector("script[type=module][data-imports]") : null;
const archive = script?.dataset.archive;
// Pyodide's standard library with the modules its start imports compiled, where the server has it (bytecode.py)
const STDLIB = script?.dataset.stdlib ? new URL(script.dataset.stdlib, location.href).href : undefined;
const WARM = script?.dataset.warm !== "no"; // WARM_STARTS: off, every start is an ordinary one and none is kept
// this Pyodide, this file, our Python, the standard library's bytecode
const BUILD = `${new URL(import.meta.url).pathname}?archive=${archive}&stdlib=${script?.dataset.stdlib}`;
const LANG = IN_PAGE ? document.documentElement.lang || "en" : null; // the page's language: its catalog is read
// into the snapshot too, so a warm French start does not read it again
const KEY = `${BUILD}&imports=${script?.dataset.imports}&lang=${LANG}`; // and the page's modules: one for each kind
const files = archive ? read(fetch(archive).then((response) => response.arrayBuffer())) : null; // preloaded
files?.then(() => performance.mark("relaydesk:archive-read"));

// Once the page's script has run and the page has been idle a moment: the worker's Python start then shares the
// machine with nothing the page waits for.
const settled = new Promise((resolve) => {
  const idle = () => (globalThis.requestIdleCallback ? requestIdleCallback(resolve, { timeout: 2000 }) : resolve());
  addEventListener("py:done", () => setTimeout(idle, 1000), { once: true });
  setTimeout(resolve, 15_000); // a page whose script never finished: take it all the same
});

async function keepSnapshot() {
  await settled;
  const worker = new Worker(import.meta.url, { type: "module", name: "relaydesk-snapshot" });
  globalThis.relaydeskSnapshot = await new Promise((resolve) => {
    worker.onmessage = ({ data }) => resolve(data); // "saved", read by bench/boot.py and e2e before a warm start
    worker.onerror = () => resolve("not taken"); // no module workers here (an old browser): every start is ordinary
    worker.postMessage({ archive: new URL(archive, location.href).href, stdlib: STDLIB, imports: script.dataset.imports,
                         lang: LANG, build: BUILD, key: KEY });
  });
  worker.terminate();
}

async function boot() {
  performance.mark("relaydesk:python-starting"); // these marks: where a boot's time goes (bench/boot.py)
  const cache = WARM ? await store() : null;
  const kept = cache && (await cache.match(KEY));
  if (kept) {
    try {
      const pyodide = await load({ _loadSnapshot: kept.arrayBuffer(), stdLibURL: STDLIB });
      performance.mark("relaydesk:python-started");
      pyodide.runPython("import random; random.seed()"); // not the snapshot's sequence again
      if (files) unpack(pyodide, await files); // the files: a snapshot holds the memory of Python, not its files
      performance.mark("relaydesk:files-unpacked");
      globalThis.relaydeskSnapshot = "used";
      return pyodide;
    } catch {
      await cache.delete(KEY); // unreadable: an ordinary start, and a new snapshot once the page has started
    }
  }
  const pyodide = await load({ stdLibURL: STDLIB });
  performance.mark("relaydesk:python-started");
  if (files) unpack(pyodide, await files);
  performance.mark("relaydesk:files-unpacked");
  if (!cache) globalThis.relaydeskSnapshot = WARM ? "no storage" : "off";
  else if (files) keepSnapshot(); // in the background, off the page's thread: nothing waits for it
  return pyodide;
}

const booting = IN_PAGE ? boot() : null;

export async function loadPyodide(options = {}) {
  const pyodide = await booting;
  if (options.stdout) pyodide.setStdout({ batched: options.stdout }); // PyScript's own handlers
  if (options.stderr) pyodide.setStderr({ batched: options.stderr });
  return pyodide;
}

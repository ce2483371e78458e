// Compile Python with the served Pyodide's own Python (3.14: the server's may be older), for relaydesk.bytecode, at
// set-up. Run under Node: `node bytecode.mjs <folder of pyodide.mjs> <mode> [<out>]`, JSON on stdin.
//
// Mode "modules": stdin a JSON list of {path, source}; stdout JSON {tag, files: [base64 .pyc, or null where a source
// does not compile]}. Hash-based .pyc (checked: Python compares the source's hash before using one), so the
// unpacked files' dates do not matter; docstrings left out (nothing reads them).
//
// Mode "stdlib": stdin a JSON list of standard-library module names the pages import; writes to <out> Pyodide's
// standard library zip with each module Pyodide imports as it starts, or the pages import, as a .pyc in place of
// its source (the others stay source), entries stored uncompressed (the server sends it compressed as a whole).
// Pyodide's own zip holds sources only: a start compiles every module it imports (~1.5 s of a cold start).
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [folderArgument, mode, out] = process.argv.slice(2);
const folder = folderArgument.replace(/\/?$/, "/");
const { loadPyodide } = await import(pathToFileURL(`${folder}pyodide.mjs`).href);
const pyodide = await loadPyodide({ indexURL: folder, stdout: () => {}, stderr: () => {} });
let input = "";
for await (const chunk of process.stdin.setEncoding("utf8")) input += chunk; // not readFileSync(0): EAGAIN on a pipe
pyodide.globals.set("INPUT", pyodide.toPy(JSON.parse(input)));

const MODULES = `
import ast, base64, importlib.util, marshal, sys
TAG = sys.implementation.cache_tag


def without_docstrings(tree):  # nothing of ours reads __doc__: a smaller archive
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            if len(body) > 1:
                del body[0]  # not a pass in its place: a module's "from __future__" must stay first
            else:
                body[0] = ast.copy_location(ast.Pass(), body[0])
    return tree


OUT = []
for file in INPUT:
    source = file["source"].encode()
    try:
        code = compile(without_docstrings(ast.parse(source, file["path"])), file["path"], "exec", dont_inherit=True)
    except SyntaxError:
        OUT.append(None)
        continue
    # hash-based and checked (0b11): Python hashes the source it finds and uses this only if it is the same
    header = importlib.util.MAGIC_NUMBER + (0b11).to_bytes(4, "little") + importlib.util.source_hash(source)
    OUT.append(base64.b64encode(header + marshal.dumps(code)).decode())
`;

const STDLIB = `
import importlib, importlib.util, marshal, sys, zipfile
ZIP = next(path for path in sys.path if path.endswith(".zip"))
for name in INPUT:  # what the pages import as well as what Pyodide imports as it starts
    try:
        importlib.import_module(name)
    except Exception:
        pass
started = {module.__spec__.origin for module in list(sys.modules.values())
           if getattr(module, "__spec__", None) and (module.__spec__.origin or "").startswith(ZIP + "/")}
COMPILED = 0
with zipfile.ZipFile(ZIP) as stock, zipfile.ZipFile("/tmp/python_stdlib.zip", "w", zipfile.ZIP_STORED) as made:
    for info in stock.infolist():
        data = stock.read(info)
        path = f"{ZIP}/{info.filename}"
        if path in started and info.filename.endswith(".py"):
            code = compile(data, path, "exec", dont_inherit=True)
            header = importlib.util.MAGIC_NUMBER + (0b01).to_bytes(4, "little") + importlib.util.source_hash(data)
            made.writestr(zipfile.ZipInfo(info.filename + "c", info.date_time), header + marshal.dumps(code))
            COMPILED += 1
        else:
            made.writestr(zipfile.ZipInfo(info.filename, info.date_time), data)
`;

if (mode === "stdlib") {
  pyodide.runPython(STDLIB);
  writeFileSync(out, pyodide.FS.readFile("/tmp/python_stdlib.zip"));
  process.stdout.write(JSON.stringify({ compiled: pyodide.globals.get("COMPILED") }));
} else {
  pyodide.runPython(MODULES);
  process.stdout.write(JSON.stringify({ tag: pyodide.globals.get("TAG"), files: pyodide.globals.get("OUT").toJs() }));
}

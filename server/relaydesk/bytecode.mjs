// Compile Python sources into .pyc files with the served Pyodide's own Python (3.14: the server's may be older), for
// relaydesk.bytecode, at set-up: `node bytecode.mjs <folder of pyodide.mjs>`, a JSON list of {path, source} on
// stdin; on stdout, JSON {tag, files: [base64 .pyc, or null where a source does not compile]}. Hash-based .pyc
// (checked: Python compares the source's hash before using one), so the unpacked files' dates do not matter.
import { pathToFileURL } from "node:url";

const folder = process.argv[2].replace(/\/?$/, "/");
const { loadPyodide } = await import(pathToFileURL(`${folder}pyodide.mjs`).href);
const pyodide = await loadPyodide({ indexURL: folder, stdout: () => {}, stderr: () => {} });
let input = "";
for await (const chunk of process.stdin.setEncoding("utf8")) input += chunk; // not readFileSync(0): EAGAIN on a pipe
const files = JSON.parse(input);
pyodide.FS.mkdirTree("/tmp/relaydesk-bytecode");
pyodide.globals.set("FILES", pyodide.toPy(files));
pyodide.runPython(`
import base64, py_compile, sys
TAG = sys.implementation.cache_tag
OUT = []
for number, file in enumerate(FILES):
    source = f"/tmp/relaydesk-bytecode/{number}.py"
    with open(source, "w", encoding="utf-8", newline="") as written:
        written.write(file["source"])
    try:
        compiled = py_compile.compile(source, f"{source}c", file["path"], doraise=True,
                                      invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
    except py_compile.PyCompileError:
        OUT.append(None)
    else:
        with open(compiled, "rb") as read:
            OUT.append(base64.b64encode(read.read()).decode())
`);
process.stdout.write(JSON.stringify({ tag: pyodide.globals.get("TAG"), files: pyodide.globals.get("OUT").toJs() }));

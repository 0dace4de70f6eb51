/*
 * The in-page checker's Web Worker (a module worker: Pyodide does not run in classic ones).
 *
 * On its first "run" message it loads Pyodide from this site (the folder the page names,
 * copied from node_modules/pyodide at build time) and unpacks the zip of the project's
 * Python sources into its file system; later runs reuse both. Each run calls
 * outage.site.live_check.run_json and posts back:
 *   {type: "status", id, text}       what it is loading
 *   {type: "progress", id, states}   distinct states so far, every few thousand states
 *   {type: "result", id, json, seconds, loadSeconds}
 *   {type: "failure", id, message}   one line, never a traceback
 * The page stops a run by terminating this worker.
 */

let pyodide = null;
let unpacked = null;
const SOURCES = "/live-check";

function lastLine(error) {
  const text = String((error && error.message) || error || "unknown error").trim();
  const lines = text.split("\n").map((line) => line.trim()).filter(Boolean);
  return lines.length ? lines[lines.length - 1] : "unknown error";
}

async function prepare(msg) {
  let loadSeconds = null;
  const started = performance.now();
  // The sources are fetched while Pyodide loads, not after it.
  const pack = unpacked !== msg.pack ? fetch(msg.pack) : null;
  if (!pyodide) {
    self.postMessage({ type: "status", id: msg.id, text: msg.loadingText });
    const { loadPyodide } = await import(msg.pyodide + "pyodide.mjs");
    pyodide = await loadPyodide({
      indexURL: msg.pyodide,
      packageBaseUrl: msg.pyodide,
      stdout: () => {},
      stderr: () => {},
    });
  }
  if (unpacked !== msg.pack) {
    self.postMessage({ type: "status", id: msg.id, text: "Loading the model's Python sources…" });
    const response = await pack;
    if (!response.ok) throw new Error("could not load the model's sources (" + response.status + ")");
    pyodide.unpackArchive(await response.arrayBuffer(), "zip", { extractDir: SOURCES });
    pyodide.runPython(
      "import importlib, sys\n" +
      `if ${JSON.stringify(SOURCES)} not in sys.path: sys.path.insert(0, ${JSON.stringify(SOURCES)})\n` +
      "for name in [m for m in sys.modules if m == 'outage' or m.startswith('outage.')]: del sys.modules[name]\n" +
      "importlib.invalidate_caches()\n"
    );
    unpacked = msg.pack;
    loadSeconds = (performance.now() - started) / 1000;
  }
  return loadSeconds;
}

self.onmessage = async (event) => {
  const msg = event.data;
  if (!msg || msg.type !== "run") return;
  try {
    const loadSeconds = await prepare(msg);
    self.postMessage({ type: "status", id: msg.id, text: "Checking…" });
    const live = pyodide.pyimport("outage.site.live_check");
    const progress = (states) => self.postMessage({ type: "progress", id: msg.id, states: states });
    const started = performance.now();
    const json = live.run_json(msg.request, progress);
    live.destroy();
    self.postMessage({
      type: "result", id: msg.id, json: json, loadSeconds: loadSeconds,
      seconds: (performance.now() - started) / 1000,
    });
  } catch (error) {
    self.postMessage({ type: "failure", id: msg.id, message: lastLine(error) });
  }
};

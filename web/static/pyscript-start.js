// Start PyScript, less what only its workers use (Relaydesk runs no worker).
// PyScript turns the worker hooks into code with Function() whenever any is set, even on the main thread,
// and the Content-Security-Policy forbids evaluating strings ('unsafe-eval'); its own one hook sets up
// pyscript.fs inside workers. Without it nothing is evaluated, and the policy holds.
import { hooks } from "./core.js";

for (const name of ["onReady", "onBeforeRun", "onBeforeRunAsync", "onAfterRun", "onAfterRunAsync"]) {
  hooks.worker[name].clear();
}

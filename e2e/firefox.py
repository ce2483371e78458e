"""A customer in Debian's Firefox ESR: e2e/firefox/customer.mjs (puppeteer-core over WebDriver BiDi), step by step.

Playwright cannot drive a stock Firefox, so the customer's page runs in a Node
process that reads one JSON step a line and answers each; the rep stays in
Playwright's Chromium.  Every answer carries what the Firefox page reported
since the last one (console errors, page errors, tracebacks, dialogs, foreign
requests); a step that failed, or any problem, fails the test at that step.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
from pathlib import Path

FOLDER = Path(__file__).with_name("firefox")
SCRIPT = FOLDER / "customer.mjs"
FIREFOX = "/usr/bin/firefox-esr"
STEP_TIMEOUT_S = 90  # the first answer includes Firefox's start


class FirefoxCustomer:
    """The customer's page in Firefox ESR; ``step(step, **args)`` runs a step of customer.mjs, returns its value."""

    def __init__(self, base_url: str, init_script: str = "") -> None:
        missing = [what for what, there in (("Node.js", shutil.which("node")), ("firefox-esr", Path(FIREFOX).exists()),
                                            ("puppeteer-core", (FOLDER / "node_modules" / "puppeteer-core").exists()))
                   if not there]
        if missing:
            raise RuntimeError(f"missing {', '.join(missing)}: run scripts/setup --test")
        env = {**os.environ, "RELAYDESK_INIT_SCRIPT": init_script}
        self.process = subprocess.Popen(["node", str(SCRIPT), base_url], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, env=env)
        self._answers: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._answer("start")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._answers.put(line)
        self._answers.put("")  # the process ended

    def _answer(self, step: str):
        try:
            line = self._answers.get(timeout=STEP_TIMEOUT_S)
        except queue.Empty:
            raise AssertionError(f"Firefox did not answer {step!r} in {STEP_TIMEOUT_S} s") from None
        if not line:
            self.process.wait(timeout=10)
            errors = self.process.stderr.read() if self.process.stderr else ""
            raise AssertionError(f"the Firefox driver ended during {step!r}: {errors[-2000:]}")
        answer = json.loads(line)
        if answer["problems"]:
            raise AssertionError("the Firefox page reported problems:\n" + "\n".join(answer["problems"]))
        if not answer["ok"]:
            raise AssertionError(f"Firefox: {answer['error']}")
        return answer["value"]

    def step(self, step: str, **args):
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"step": step, **args}) + "\n")
        self.process.stdin.flush()
        return self._answer(step)

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.step("close")
            finally:
                try:
                    self.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()

// The customer's side of an e2e test, in Debian's Firefox ESR, driven by puppeteer-core over WebDriver BiDi.
//
//   node e2e/firefox/customer.mjs BASE_URL
//
// Reads one JSON step a line on stdin ({"step": "ask", "name": "Carol", ...}) and answers each with one JSON
// line on stdout: {"ok": true, "value": ..., "problems": [...]} or {"ok": false, "error": "...", "problems": [...]}.
// "problems" lists what the page reported since the last answer, as the Chromium side's PageWatch does: console
// errors, uncaught page errors, Python tracebacks, dialogs, requests to other hosts.  The Python test
// (e2e/test_firefox.py) drives the rep in Chromium between steps.  RELAYDESK_INIT_SCRIPT, if set, runs in every
// document before the page's own scripts (the conftest's REPORT_IN_CONSOLE).
import { createInterface } from 'node:readline';
import { readFile } from 'node:fs/promises';
import puppeteer from 'puppeteer-core';

const FIREFOX = process.env.RELAYDESK_FIREFOX || '/usr/bin/firefox-esr';
const STEP_TIMEOUT = 30_000;
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost']);
const LOCAL_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:', 'data:', 'blob:', 'about:']);
const base = process.argv[2];
const problems = [];

const browser = await puppeteer.launch({
  browser: 'firefox',
  executablePath: FIREFOX,
  headless: true,
  // getUserMedia gets fake devices without a prompt; getDisplayMedia has no fake screen in Firefox.
  extraPrefsFirefox: { 'media.navigator.permission.disabled': true, 'media.navigator.streams.fake': true },
});
const page = await browser.newPage();
page.setDefaultTimeout(STEP_TIMEOUT);
if (process.env.RELAYDESK_INIT_SCRIPT) await page.evaluateOnNewDocument(process.env.RELAYDESK_INIT_SCRIPT);
page.on('console', (message) => {
  const line = `${message.text()} (at ${message.location()?.url || ''})`;
  if (message.text().includes('Traceback')) problems.push(`Python traceback in the console: ${line}`);
  else if (message.type() === 'error') problems.push(`console error: ${line}`);
});
page.on('pageerror', (error) => problems.push(`uncaught page error: ${error.message || error}`));
page.on('dialog', (dialog) => { problems.push(`unexpected ${dialog.type()} dialog: ${dialog.message()}`); dialog.dismiss(); });
page.on('request', (request) => {
  const url = new URL(request.url());
  if (!LOCAL_SCHEMES.has(url.protocol)) problems.push(`request with an unexpected scheme: ${url}`);
  else if (/^(https?|wss?):$/.test(url.protocol) && !LOCAL_HOSTS.has(url.hostname)) {
    problems.push(`request to a foreign host: ${url}`);
  }
});

const text = (selector) => page.$eval(selector, (node) => node.textContent);
const visible = (selector) => page.waitForSelector(selector, { visible: true });
const hidden = (selector) => page.waitForSelector(selector, { hidden: true });

async function until(check, what) {
  const deadline = Date.now() + STEP_TIMEOUT;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

async function messageState(body) {
  return page.$$eval('#chat-log li[data-kind="message"]', (entries, body) => {
    const entry = entries.find((node) => node.querySelector('.text')?.textContent === body);
    return entry ? { state: entry.dataset.state, who: entry.querySelector('.who')?.textContent } : null;
  }, body);
}

// Fetch a URL from inside the page, with its cookies, and return the body as text: Firefox's downloads
// cannot be caught over BiDi, so a link's or a form's target is read the way the browser would send it.
const fetchText = (url, form) => page.evaluate(async (url, form) => {
  const options = form ? { method: 'POST', body: new URLSearchParams(new FormData(document.getElementById(form))) } : {};
  const response = await fetch(url, options);
  return { status: response.status, disposition: response.headers.get('content-disposition'), body: await response.text() };
}, url, form);

const steps = {
  // Open the portal; answer the milliseconds from navigation to Connected.
  async open() {
    const started = Date.now();
    await page.goto(base + '/');
    await until(async () => (await text('[data-testid=app-status]')) === 'Connected', 'Connected');
    return Date.now() - started;
  },
  async ask({ name, issue }) {
    await page.type('#ask-name', name);
    await page.type('#ask-issue', issue);
    await page.click('#ask-submit');
    await until(async () => (await text('#position-text')).startsWith('You are next.'), 'the queue position');
    return text('#position-text');
  },
  async inChat() {
    await hidden('#waiting');
    await visible('#message');
    return true;
  },
  // Type a message and send it with Enter; wait until the server acknowledged it.
  async send({ body }) {
    await page.type('#message', body);
    await page.keyboard.press('Enter');
    await until(async () => (await messageState(body))?.state === 'sent', `"${body}" sent`);
    return true;
  },
  async expectMessage({ body }) {
    await until(async () => (await messageState(body))?.state === 'sent', `"${body}" in the log`);
    return messageState(body);
  },
  async expectLog({ contains }) {
    await until(async () => (await text('#chat-log')).includes(contains), `"${contains}" in the log`);
    return true;
  },
  // Allow the rep's request; answer "sharing", or why the page could not (the notice, and getDisplayMedia's error).
  async allowScreen() {
    await visible('#screen-allow');
    await page.click('#screen-allow');
    const shown = () => page.evaluate(() => [document.getElementById('stop-sharing'), document.getElementById('notice')]
      .map((node) => !!node && !node.closest('[hidden]')));
    await until(async () => (await shown()).some(Boolean), 'sharing, or a notice');
    if ((await shown())[0]) return 'sharing';
    const error = await page.evaluate(() => navigator.mediaDevices.getDisplayMedia({ video: true })
      .then(() => 'no error', (error) => `${error.name}: ${error.message}`));
    return `${await text('#notice')} (getDisplayMedia: ${error})`;
  },
  async sendFile({ path }) {
    await page.click('#send-file');
    const input = await page.$('#file-input');
    await input.uploadFile(path);
    return true;
  },
  async download({ name }) {
    const link = () => page.$$eval('#chat-log li[data-kind="file"] a', (links, name) =>
      links.find((link) => link.textContent.startsWith(`${name} (`))?.getAttribute('href'), name);
    await until(link, `a link to ${name} in the log`);
    return fetchText(await link());
  },
  async expectEnded() {
    await visible('#download-transcript');
    return text('#ended-heading');
  },
  async transcript() {
    return fetchText('/transcript', 'transcript-form');
  },
  async readFile({ path }) {
    return readFile(path, 'utf8');
  },
  // For bench/firefox.py: milliseconds from navigation to Connected in a new context (an empty cache), then
  // on a reload; `watch` (run before the page's scripts) sets window.__connectedAt.
  async bootTimes({ url, watch, snapshot }) {
    const context = await browser.createBrowserContext();
    try {
      const fresh = await context.newPage();
      await fresh.evaluateOnNewDocument(watch);
      const connected = async () => {
        await fresh.waitForFunction(() => window.__connectedAt !== undefined, { timeout: 60_000, polling: 50 });
        return fresh.evaluate(() => window.__connectedAt);
      };
      await fresh.goto(url);
      const cold = await connected();
      if (snapshot) {  // an app page keeps a memory snapshot for warm starts (pyodide-start.mjs): let it finish
        await fresh.waitForFunction(() => window.relaydeskSnapshot !== undefined, { timeout: 60_000, polling: 50 });
      }
      await fresh.reload();
      return { cold, warm: await connected() };
    } finally {
      await context.close();
    }
  },
  async close() {
    await browser.close();
    return true;
  },
};

const lines = createInterface({ input: process.stdin });
process.stdout.write(JSON.stringify({ ok: true, value: 'ready', problems: problems.splice(0) }) + '\n');
for await (const line of lines) {
  if (!line.trim()) continue;
  const { step, ...args } = JSON.parse(line);
  let answer;
  try {
    answer = { ok: true, value: await steps[step](args) };
  } catch (error) {
    answer = { ok: false, error: `${step}: ${error.message || error}` };
  }
  process.stdout.write(JSON.stringify({ ...answer, problems: problems.splice(0) }) + '\n');
  if (step === 'close') break;
}
await browser.close().catch(() => {});

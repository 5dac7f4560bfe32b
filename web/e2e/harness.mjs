// The end-to-end harness: the real `investking` binary in a fresh temporary data directory, serving the built
// web app (web/dist), and Debian's Chromium driven headless by playwright-core. It builds nothing: the binary
// comes from IK_BINARY (or the first command-line argument) and the app from web/dist (or IK_WEB_ROOT).
//
// Everything waits on a condition with a deadline (never a fixed sleep) and says what it was waiting for
// when the deadline passes. Whatever is started here is stopped again, on failure too.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const WEB_ROOT = resolve(process.env.IK_WEB_ROOT || join(here, "..", "dist"));
export const OUT_DIR = resolve(process.env.IK_E2E_OUT || join(here, "out"));
export const CHROMIUM = process.env.IK_CHROMIUM || "/usr/bin/chromium";
const AXE_PATH = require.resolve("axe-core/axe.min.js");

// ---- small utilities ----

export function randomText(n, alphabet = "abcdefghijkmnopqrstuvwxyz23456789") {
  let s = "";
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

export function slug(text) {
  return text
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .toLowerCase()
    .slice(0, 60);
}

/** Polls `probe` (async, returns a truthy value when done) until it is truthy or `timeoutMs` passes. */
export async function until(what, probe, { timeoutMs = 10_000, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      last = value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? `last error: ${last.message}` : `last value: ${JSON.stringify(last)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${detail})`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Digits (and a leading minus) of a formatted amount: "₩11,000,000" → 11000000, "-5,000원" → -5000. */
export function amountOf(text) {
  const t = (text ?? "").replace(/\s/g, "");
  const digits = t.replace(/[^0-9]/g, "");
  if (!digits) return NaN;
  const negative = /^[^0-9]*[-−]/.test(t);
  return (negative ? -1 : 1) * Number(digits);
}

export const HANGUL = /[\uAC00-\uD7A3]/;

/** A Playwright error made readable: no colour codes, and a long call log cut short. */
export function readableError(message, maxLines = 16) {
  const lines = message.replace(/\x1b\[[0-9;]*m/g, "").split("\n");
  if (lines.length <= maxLines) return lines.join("\n");
  return [...lines.slice(0, maxLines), `  … (${lines.length - maxLines} more lines of call log)`].join("\n");
}

// KRX tick grid: the web app's own table (web/src/krx-ticks.json), highest range first.
const TICKS = JSON.parse(readFileSync(new URL("../src/krx-ticks.json", import.meta.url), "utf8"));
export function tickSize(price) {
  for (const [from, tick] of TICKS) if (price >= from) return tick;
  return 1;
}
export function snapDown(price) {
  const p = Math.max(1, Math.floor(price));
  return p - (p % tickSize(p));
}
/** `steps` ticks up (positive) or down from a grid price. */
export function stepTicks(price, steps) {
  let p = price;
  for (let i = 0; i < Math.abs(steps); i++) p = steps > 0 ? p + tickSize(p) : Math.max(1, p - tickSize(p - 1));
  return p;
}

/** Sum of the gzip sizes of every .js file in web/dist/assets. */
export function jsGzipBytes(webRoot = WEB_ROOT) {
  const assets = join(webRoot, "assets");
  let total = 0;
  let files = 0;
  for (const name of readdirSync(assets)) {
    if (!name.endsWith(".js")) continue;
    total += gzipSync(readFileSync(join(assets, name))).length;
    files++;
  }
  return { total, files };
}

// ---- the server ----

// With IK_E2E_URL set (e.g. a gateway of the distributed mode, http://127.0.0.1:8080) the suite runs against
// that server, started by the caller (session always open, tick injection on, a fresh database, the web app
// served) with "admin" signing in with IK_E2E_ADMIN_PASSWORD; stopping it is then the caller's job.
export class Server {
  /** @param {{binary: string, webRoot?: string, startTimeoutMs?: number, url?: string, adminPassword?: string}} options */
  constructor({ binary, webRoot = WEB_ROOT, startTimeoutMs = 90_000, url = "", adminPassword = "" }) {
    this.binary = binary;
    this.webRoot = webRoot;
    this.startTimeoutMs = startTimeoutMs;
    this.external = url.replace(/\/$/, "");
    this.adminPassword = adminPassword || randomText(24);
    this.lines = [];
    this.child = null;
    this.exit = null;
    this.adminToken = null;
  }

  async start() {
    if (this.external) {
      this.url = this.external;
      this.port = Number(new URL(this.url).port);
      this.logPath = "(the caller's server)";
      this.dir = "(the caller's server)";
      await until(`GET ${this.url}/readyz to answer 200`, async () => (await this.request("GET", "/readyz")).status === 200, {
        timeoutMs: this.startTimeoutMs,
      });
      return this;
    }
    if (!this.binary) throw new Error("no investking binary: pass its path as IK_BINARY=… or the first argument");
    if (!existsSync(this.binary)) throw new Error(`investking binary ${this.binary} does not exist`);
    if (!existsSync(join(this.webRoot, "index.html"))) {
      throw new Error(`${this.webRoot}/index.html is missing: build the web app first (scripts/web build)`);
    }
    this.dir = mkdtempSync(join(tmpdir(), "ik-e2e-"));
    this.logPath = join(this.dir, "serve.log");
    const log = createWriteStream(this.logPath);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("INVESTKING_")));
    Object.assign(env, {
      INVESTKING_MARKET_SOURCE: "none",
      INVESTKING_MARKET_SESSION: "always",
      INVESTKING_MARKET_ALLOW_INJECTION: "true",
      INVESTKING_ADMIN_PASSWORD: this.adminPassword,
      INVESTKING_HTTP_LISTEN: "127.0.0.1:0",
      INVESTKING_HTTP_WEB_ROOT: this.webRoot,
    });
    const args = ["serve", "--data-dir", join(this.dir, "data")];
    // setpriv (util-linux) makes the kernel kill the server when this process dies, however it dies.
    const [command, argv] = existsSync("/usr/bin/setpriv")
      ? ["/usr/bin/setpriv", ["--pdeathsig", "KILL", "--", this.binary, ...args]]
      : [this.binary, args];
    const child = spawn(command, argv, { env, stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    // Never leave the server behind, even when this process dies on an uncaught error.
    this.onExit = () => child.exitCode === null && child.kill("SIGKILL");
    process.on("exit", this.onExit);

    let partial = "";
    const ready = /event=ready .*listen=127\.0\.0\.1:(\d+)/;
    const started = new Promise((resolvePort, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`server did not log event=ready within ${this.startTimeoutMs} ms\n${this.tail()}`)),
        this.startTimeoutMs,
      );
      const onData = (chunk) => {
        log.write(chunk);
        partial += chunk.toString("utf8");
        const parts = partial.split("\n");
        partial = parts.pop() ?? "";
        for (const line of parts) {
          this.lines.push(line);
          if (this.lines.length > 5000) this.lines.splice(0, 1000);
          const m = ready.exec(line);
          if (m) {
            clearTimeout(timer);
            resolvePort(Number(m[1]));
          }
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(new Error(`could not start ${this.binary}: ${e.message}`));
      });
      child.on("exit", (code, signal) => {
        this.exit = { code, signal };
        log.end();
        clearTimeout(timer);
        reject(new Error(`server exited (code ${code}, signal ${signal}) before it was ready\n${this.tail()}`));
      });
    });
    this.port = await started;
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  /** The last `n` log lines, leaving out the access log's successful requests (noise next to a failure). */
  tail(n = 40) {
    const quiet = /module=access .*status=(1|2|3)\d\d /;
    return this.lines
      .filter((l) => !quiet.test(l))
      .slice(-n)
      .map((l) => `  server| ${l}`)
      .join("\n");
  }

  /** Problems the sanitizers reported (the debug build runs with ASan and UBSan). */
  sanitizerReports() {
    return this.lines.filter((l) => /ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:/.test(l));
  }

  /** SIGTERM, then SIGKILL when it has not exited after `graceMs`. Returns the exit code and signal. */
  async stop(graceMs = 15_000) {
    const child = this.child;
    if (!child) return null;
    if (this.onExit) process.off("exit", this.onExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", () => r()));
      child.kill("SIGTERM");
      const timer = new Promise((r) => setTimeout(() => r("timeout"), graceMs));
      if ((await Promise.race([exited, timer])) === "timeout") {
        child.kill("SIGKILL");
        await exited;
        this.lines.push(`(e2e: the server did not stop within ${graceMs} ms of SIGTERM and was killed)`);
      }
    }
    this.child = null;
    return { code: child.exitCode, signal: child.signalCode };
  }

  removeDataDir() {
    if (this.dir && !this.external) rmSync(this.dir, { recursive: true, force: true });
  }

  // ---- HTTP ----

  async request(method, path, { body, token } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(this.url + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  }

  async call(method, path, options = {}) {
    const r = await this.request(method, path, options);
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${r.text.slice(0, 300)}`);
    return r.json;
  }

  async login(username, password) {
    const r = await this.call("POST", "/api/v1/auth/login", { body: { username, password } });
    return r.access_token;
  }

  async signUp(username, password) {
    return this.call("POST", "/api/v1/auth/signup", { body: { username, password } });
  }

  /** An admin call, signing in again once when the 15-minute access token has lapsed. */
  async admin(method, path, body) {
    if (!this.adminToken) this.adminToken = await this.login("admin", this.adminPassword);
    let r = await this.request(method, path, { body, token: this.adminToken });
    if (r.status === 401) {
      this.adminToken = await this.login("admin", this.adminPassword);
      r = await this.request(method, path, { body, token: this.adminToken });
    }
    if (r.status >= 300) throw new Error(`admin ${method} ${path} → ${r.status} ${r.text.slice(0, 300)}`);
    return r.json;
  }

  /** A trade at `price` (on the tick grid, inside the day's band). */
  tick(symbol, price, volume = 1000) {
    return this.admin("POST", "/api/v1/admin/ticks", { symbol, price, volume });
  }

  setStatus(symbol, status) {
    return this.admin("PATCH", `/api/v1/admin/universe/${symbol}`, { status });
  }

  /** The stock as /api/v1/stocks reports it, with the prices as numbers. */
  async stock(symbol) {
    const list = await this.call("GET", `/api/v1/stocks?limit=100`);
    const s = list.find((x) => x.symbol === symbol);
    if (!s) throw new Error(`stock ${symbol} is not in /api/v1/stocks`);
    return {
      ...s,
      price: Number(s.price),
      previousClose: Number(s.previous_close),
      upper: Number(s.upper_limit),
      lower: Number(s.lower_limit),
    };
  }
}

// ---- the browser ----

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Debian's Chromium, headless; playwright-core makes (and removes) a fresh --user-data-dir for it. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (scripts/install-deps) or set IK_CHROMIUM`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true, // playwright adds --headless
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
}

/**
 * A page that remembers what went wrong in it: console errors, uncaught exceptions, failed requests and
 * answers ≥ 500. `since(mark)` returns those after a mark.
 */
export function watchPage(page) {
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`uncaught: ${e.stack || e.message}`));
  page.on("requestfailed", (r) => {
    const why = r.failure()?.errorText ?? "";
    if (why !== "net::ERR_ABORTED") problems.push(`request failed: ${r.method()} ${r.url()} ${why}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 500) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  // A confirm() before cancelling or revoking is answered "yes" (playwright would dismiss it otherwise).
  page.on("dialog", (d) => void d.accept().catch(() => {}));
  return {
    problems,
    mark: () => problems.length,
    since: (mark) => problems.slice(mark),
  };
}

export function ensureOutDir() {
  mkdirSync(OUT_DIR, { recursive: true });
  return OUT_DIR;
}

/** Removes the screenshots of an earlier run (only *.png, only in the output folder). */
export function cleanOutDir() {
  if (!existsSync(OUT_DIR)) return;
  for (const name of readdirSync(OUT_DIR)) if (name.endsWith(".png")) rmSync(join(OUT_DIR, name), { force: true });
}

/** A full-page screenshot into the output folder; never throws (a screenshot must not hide the real error). */
export async function screenshot(page, name) {
  const path = join(ensureOutDir(), `${name}.png`);
  try {
    await page.screenshot({ path, fullPage: true, timeout: 15_000 });
    return path;
  } catch (e) {
    return `(no screenshot ${name}: ${e.message.split("\n")[0]})`;
  }
}

/** axe-core on the current document; throws on violations of impact serious or critical, listed readably. */
export async function axeScan(page, label) {
  const hasAxe = await page.evaluate(() => typeof window.axe !== "undefined");
  if (!hasAxe) await page.addScriptTag({ path: AXE_PATH });
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary ?? "" })),
    }));
  });
  const bad = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  const minor = result.filter((v) => !bad.includes(v));
  if (bad.length) {
    const text = bad
      .map((v) => {
        const nodes = v.nodes
          .slice(0, 6)
          .map((n) => `      - ${n.target}\n        ${n.summary.replace(/:\n\s*/g, ": ").replace(/\n\s*/g, "; ")}`)
          .join("\n");
        const more = v.nodes.length > 6 ? `\n      … and ${v.nodes.length - 6} more` : "";
        return `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes}${more}`;
      })
      .join("\n");
    throw new Error(`axe: ${bad.length} serious/critical accessibility violation(s) on ${label}:\n${text}`);
  }
  return { minor: minor.map((v) => `${v.impact} ${v.id} (${v.nodes.length})`) };
}

/**
 * On a phone the page itself must not be wider than the screen (a wide table scrolls in its own box): mobile
 * Chromium widens the layout viewport to the content, and taps then miss what lies beyond the screen.
 * Returns what sticks out, or null.
 */
export async function horizontalOverflow(page) {
  return page.evaluate(() => {
    const screen = Math.round(window.visualViewport?.width ?? window.innerWidth);
    const content = document.documentElement.scrollWidth;
    if (content <= screen + 1) return null;
    const name = (el) => {
      const id = el.getAttribute("data-testid");
      if (id) return `${el.tagName.toLowerCase()}[data-testid="${id}"]`;
      const cls = typeof el.className === "string" && el.className.trim() ? `.${el.className.trim().split(/\s+/)[0]}` : "";
      return el.tagName.toLowerCase() + cls;
    };
    const sticking = [];
    for (const el of document.querySelectorAll("body *")) {
      const right = el.getBoundingClientRect().right;
      const parentRight = el.parentElement?.getBoundingClientRect().right ?? 0;
      // the outermost elements that reach past the screen
      if (right > screen + 1 && parentRight <= screen + 1) sticking.push(`${name(el)} (to ${Math.round(right)} px)`);
    }
    return `the page is ${content} px wide on a ${screen} px screen; sticking out: ${sticking.slice(0, 5).join(", ") || "?"}`;
  });
}

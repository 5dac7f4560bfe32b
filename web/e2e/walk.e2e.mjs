// End-to-end: the real server and the built web app in headless Chromium, walked the way a user would,
// against the selectors listed in SELECTORS.md (header nav, search, ticket, portfolio,
// orders, leaderboard, keys, price alerts and the notification inbox). Run it with `scripts/web e2e PATH/TO/investking` (ctest: web_e2e), or
//   cd web && IK_BINARY=…/investking node --test --test-reporter=tap e2e/walk.e2e.mjs
//
// Three tests share one server and one browser: the walk on a desktop in Korean, the walk on a phone in
// English (each with its own new user), and the time from navigation to live prices. Every step of a walk is
// a subtest: one failing step fails the walk but the others still run (a step whose prerequisite could not be
// made is skipped, saying why). Screenshots of every page (and of every failed step) go to IK_E2E_OUT
// (default web/e2e/out); every page is scanned with axe-core.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { after, before, describe, test } from "node:test";

import {
  amountOf,
  axeScan,
  cleanOutDir,
  HANGUL,
  horizontalOverflow,
  jsGzipBytes,
  launchBrowser,
  OUT_DIR,
  randomText,
  readableError,
  screenshot,
  Server,
  slug,
  snapDown,
  stepTicks,
  until,
  watchPage,
} from "./harness.mjs";

const binaryArg = process.argv.slice(2).find((a) => !a.startsWith("-") && existsSync(a) && !a.endsWith(".mjs"));
const BINARY = process.env.IK_BINARY || (binaryArg && resolve(binaryArg));

const SAMSUNG = "005930";
const SAMSUNG_KO = "삼성전자";
const HALT_SYMBOL = "000660"; // halted briefly to get an order refused by the server

const DESKTOP = {
  name: "desktop-ko",
  lang: "ko",
  context: { viewport: { width: 1280, height: 800 }, locale: "ko-KR" },
};
const PHONE = {
  name: "phone-en",
  lang: "en",
  context: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "en-US" },
};

// The selectors of SELECTORS.md.
const S = {
  nav: "header nav",
  navLink: (path) => `header nav a[href="${path}"]`,
  signOut: 'header nav button[data-action="signout"]',
  lang: 'button[data-action="lang"]',
  theme: 'button[data-action="theme"]',
  searchInput: ".search input",
  searchOption: (code) => `.search li[role="option"][data-symbol="${code}"]`,
  live: 'main[data-live="true"]',
  auth: "form.auth",
  stocks: 'table[data-testid="stocks"]',
  stockRow: (code) => `table[data-testid="stocks"] tr[data-symbol="${code}"]`,
  stockHead: "section.stock h2",
  quote: '[data-testid="quote"]',
  chart: '[data-testid="chart"]',
  ticket: 'form[data-testid="ticket"]',
  holdings: 'table[data-testid="holdings"]',
  holding: (code) => `table[data-testid="holdings"] tr[data-symbol="${code}"]`,
  topup: 'form[data-testid="topup"]',
  openOrders: 'table[data-testid="open-orders"]',
  openOrder: (id) => `table[data-testid="open-orders"] tr[data-order-id="${id}"]`,
  history: 'table[data-testid="order-history"]',
  historyStatus: (id, status) =>
    `table[data-testid="order-history"] tr[data-order-id="${id}"] td[data-col="status"][data-status="${status}"]`,
  fills: (code) => `table[data-testid="fills"] tr[data-symbol="${code}"]`,
  leaderboard: 'table[data-testid="leaderboard"]',
  myRow: (user) => `table[data-testid="leaderboard"] tr[data-username="${user}"][aria-current="true"].me`,
  newKey: 'form[data-testid="new-key"]',
  newSecret: '[data-testid="new-secret"]',
  keysRow: (id) => `table[data-testid="keys"] tr[data-key-id="${id}"]`,
  alertForm: 'form[data-testid="alert-form"]',
  alertRow: (id) => `table[data-testid="alerts"] tr[data-alert-id="${id}"]`,
  alertStatus: (id, status) =>
    `table[data-testid="alerts"] tr[data-alert-id="${id}"] td[data-col="status"][data-status="${status}"]`,
  bell: 'header nav a[href="/notifications"]',
  unread: (n) => `header nav a[href="/notifications"] [data-testid="unread"][data-count="${n}"]`,
  inbox: '[data-testid="inbox"]',
  notification: (id) => `ol[data-testid="notifications"] li[data-notification-id="${id}"]`,
};

let server;
let browser;
const failures = []; // "walk › step" names, for the summary printed after everything has stopped
const figures = [];

function log(line) {
  // Shown by the TAP reporter as a "# …" comment line.
  console.log(line);
}

/** Waits for `selector` to be visible; the error says what the step was looking for. */
async function visible(page, selector, what, timeout = 10_000) {
  try {
    await page.locator(selector).first().waitFor({ state: "visible", timeout });
  } catch (e) {
    if (e?.name !== "TimeoutError") throw e;
    throw new Error(`${what}: no visible ${selector} within ${timeout} ms (at ${new URL(page.url()).pathname})`);
  }
  return page.locator(selector).first();
}

/** Waits until `selector`'s text passes `check` ("digits", {not: text}, {contains: text}) and returns it. */
async function textWhen(page, selector, check, what, timeout = 10_000) {
  try {
    await page.waitForFunction(
      ({ selector, check }) => {
        const el = document.querySelector(selector);
        if (!el) return false;
        const text = (el.textContent ?? "").trim();
        if (check === "digits") return /\d/.test(text);
        if (check.not !== undefined) return text !== "" && text !== check.not;
        if (check.contains !== undefined) return text.includes(check.contains);
        return false;
      },
      { selector, check },
      { timeout },
    );
  } catch (e) {
    if (e?.name !== "TimeoutError") throw e;
    const now = await page
      .evaluate((s) => document.querySelector(s)?.textContent?.trim() ?? null, selector)
      .catch(() => null);
    throw new Error(
      `${what}: timed out after ${timeout} ms waiting for ${selector} to ${JSON.stringify(check)}; ` +
        (now === null ? "it is not there" : `its text is "${now}"`),
    );
  }
  return (await page.locator(selector).first().textContent())?.trim() ?? "";
}

/** Waits for `selector` to be in the document, shown or not (a live region whose text is for screen readers). */
async function present(page, selector, what, timeout = 10_000) {
  try {
    await page.locator(selector).first().waitFor({ state: "attached", timeout });
  } catch (e) {
    if (e?.name !== "TimeoutError") throw e;
    throw new Error(`${what}: no ${selector} within ${timeout} ms (at ${new URL(page.url()).pathname})`);
  }
  return page.locator(selector).first();
}

async function gone(page, selector, what, timeout = 10_000) {
  try {
    await page.locator(selector).first().waitFor({ state: "detached", timeout });
  } catch (e) {
    if (e?.name !== "TimeoutError") throw e;
    throw new Error(`${what}: ${selector} still there after ${timeout} ms`);
  }
}

/** Every selector that is not in the document (after waiting up to `timeout` for all of them). */
async function missing(page, selectors, timeout = 5_000) {
  await page
    .waitForFunction((sels) => sels.every((s) => document.querySelector(s)), selectors, { timeout })
    .catch(() => {});
  return page.evaluate((sels) => sels.filter((s) => !document.querySelector(s)), selectors);
}

function assertLanguage(text, lang, what) {
  if (lang === "ko") assert.ok(HANGUL.test(text), `${what}: the alert "${text}" is not in Korean`);
  else assert.ok(!HANGUL.test(text) && /[A-Za-z]/.test(text), `${what}: the alert "${text}" is not in English`);
}

/** The alerts shown in `scope` after a refused submit: at least one, non-empty. */
async function alertsIn(page, scope, what) {
  await visible(page, `${scope} [role="alert"]`, `${what}: an alert`);
  await textWhen(page, `${scope} [role="alert"]`, { not: "" }, `${what}: alert text`);
  const texts = await page.locator(`${scope} [role="alert"]`).allInnerTexts();
  return texts.map((x) => x.trim()).filter(Boolean).join(" | ");
}

// ---- the walk ----

async function walk(t, profile) {
  const { lang } = profile;
  const context = await browser.newContext({
    ...profile.context,
    baseURL: server.url,
    timezoneId: "Asia/Seoul",
    colorScheme: "light",
    bypassCSP: true, // axe-core is injected as an inline script
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  const watch = watchPage(page);
  const press = (locator) => (profile.context.hasTouch ? locator.tap() : locator.click());
  const goto = async (path) => {
    await page.goto(path, { waitUntil: "domcontentloaded" });
  };

  const user = { name: `e2e_${lang}_${randomText(8)}`, password: randomText(16), token: null };
  const userToken = async () => (user.token ??= await server.login(user.name, user.password));
  const userApi = async (method, path, body) => server.call(method, path, { body, token: await userToken() });
  const position = async (code) => {
    const positions = await userApi("GET", "/v2/positions");
    return positions.find((p) => p.symbol === code);
  };
  const ordersOf = async (status = "all") => userApi("GET", `/v2/orders?status=${status}&limit=500`);

  const done = new Set();
  const state = { limitOrderId: null, marketOrderId: null, alert: null, notification: null };

  /** One step of the walk: a subtest, skipped when a step it needs failed; a screenshot when it fails. */
  const step = (id, title, fn, needs = [], { shotOnFailure = true } = {}) =>
    t.test(title, async (st) => {
      const lacking = needs.filter((n) => !done.has(n));
      if (lacking.length) return st.skip(`needs the step(s) ${lacking.join(", ")}, which failed`);
      const mark = watch.mark();
      try {
        await fn(st);
        done.add(id);
      } catch (e) {
        failures.push(`${profile.name} › ${title}`);
        const shot = shotOnFailure
          ? await screenshot(page, `${profile.name}-FAIL-${slug(id)}`)
          : `${OUT_DIR}/${profile.name}-${id.replace(/^page-/, "")}.png`;
        const problems = watch.since(mark);
        const extra =
          `\n  page: ${page.url()}\n  screenshot: ${shot}` +
          (problems.length ? `\n  browser problems during the step:\n    ${problems.join("\n    ")}` : "\n  browser console: no errors");
        if (e instanceof Error) {
          e.message = readableError(e.message) + extra;
          throw e;
        }
        throw new Error(String(e) + extra);
      }
    });

  /** A page for the record: screenshot (whatever state it is in), an axe scan, and on a phone its width. */
  const capture = (name, path, landmark) =>
    step(`page-${name}`, `page ${name}: screenshot + axe${profile.context.isMobile ? " + fits the screen" : ""}`, async () => {
      await goto(path);
      let problem = null;
      try {
        await visible(page, landmark, `${name} page`);
      } catch (e) {
        problem = e;
      }
      await screenshot(page, `${profile.name}-${name}`);
      const errors = [];
      if (problem) errors.push(problem.message);
      const axe = await axeScan(page, `${profile.name} ${path}`).catch((e) => e);
      if (axe instanceof Error) errors.push(axe.message);
      if (profile.context.isMobile) {
        const overflow = await horizontalOverflow(page);
        if (overflow) errors.push(overflow);
      }
      if (errors.length) throw new Error(errors.join("\n"));
      if (axe.minor.length) t.diagnostic(`${name}: minor/moderate axe findings: ${axe.minor.join(", ")}`);
    }, [], { shotOnFailure: false });

  // Preconditions that an earlier UI step makes; when that step failed they are made over the API, so the
  // later pages are still tried (and the diagnostic says so).
  const ensureHolding = async (st) => {
    const held = await position(SAMSUNG);
    if (held && Number(held.qty) >= 10) return;
    st.diagnostic(`precondition over the API: market buy 10 ${SAMSUNG} (the ticket step did not make it)`);
    const order = await userApi("POST", "/v2/orders", {
      symbol: SAMSUNG,
      qty: "10",
      side: "buy",
      type: "market",
      time_in_force: "day",
    });
    state.marketOrderId = order.id;
    await server.tick(SAMSUNG, (await server.stock(SAMSUNG)).price);
    await until(`10 shares of ${SAMSUNG} (API)`, async () => Number((await position(SAMSUNG))?.qty ?? 0) >= 10);
  };
  const ensureOpenLimit = async (st) => {
    const open = await ordersOf("open");
    const found = open.find((o) => o.id === state.limitOrderId) ?? open.find((o) => o.type === "limit" && o.symbol === SAMSUNG);
    if (found) return (state.limitOrderId = found.id);
    st.diagnostic(`precondition over the API: limit buy 1 ${SAMSUNG} below the market (the ticket step did not make it)`);
    const s = await server.stock(SAMSUNG);
    const order = await userApi("POST", "/v2/orders", {
      symbol: SAMSUNG,
      qty: "1",
      side: "buy",
      type: "limit",
      time_in_force: "day",
      limit_price: String(Math.max(s.lower, snapDown(s.price * 0.9))),
    });
    return (state.limitOrderId = order.id);
  };

  /** Sets up the ticket on a freshly loaded stock page. */
  const fillTicket = async (code, { side = "buy", type = "market", qty = "", limit, tif } = {}) => {
    await goto(`/stocks/${code}`);
    const ticket = await visible(page, S.ticket, "order ticket");
    await ticket.locator(`input[name="side"][value="${side}"]`).check();
    await ticket.locator('select[name="type"]').selectOption(type);
    if (tif) await ticket.locator('select[name="tif"]').selectOption(tif);
    const qtyInput = ticket.locator('input[name="qty"]');
    await qtyInput.fill("");
    if (qty !== "") await qtyInput.fill(qty);
    if (limit !== undefined) await ticket.locator('input[name="limit_price"]').fill(String(limit));
    return ticket;
  };

  const alertsOf = async () => userApi("GET", "/api/v1/alerts");
  const inboxOf = async () => userApi("GET", "/api/v1/notifications?limit=50");
  /** A price alert the next injected tick can cross: two ticks beyond the price, inside the day's band. */
  const alertPlan = async () => {
    const s = await server.stock(SAMSUNG);
    const up = stepTicks(s.price, 2);
    if (up <= s.upper) return { kind: "price_at_or_above", level: up, price: s.price };
    return { kind: "price_at_or_below", level: Math.max(s.lower, stepTicks(s.price, -2)), price: s.price };
  };
  /** Fills the alert form of the open stock page; in_app is the only channel unless a webhook URL is given. */
  const fillAlert = async ({ kind, level, mode = "once", cooldown, webhook }) => {
    const form = await visible(page, S.alertForm, "alert form");
    await form.locator('select[name="kind"]').selectOption(kind);
    await form.locator('input[name="level"]').fill(String(level));
    await form.locator(`input[name="mode"][value="${mode}"]`).check();
    if (cooldown !== undefined) await form.locator('input[name="cooldown_min"]').fill(String(cooldown));
    await form.locator('input[name="channels"][value="in_app"]').check();
    const hook = form.locator('input[name="channels"][value="webhook"]');
    if (webhook) {
      await hook.check();
      await form.locator('input[name="webhook_url"]').fill(webhook);
    } else if (await hook.isChecked()) await hook.uncheck();
    return form;
  };
  /** The alert the firing steps need: the one the form made, or one made over the API when that step failed. */
  const ensureAlert = async (st) => {
    if (state.alert) {
      const a = (await alertsOf()).find((x) => x.id === state.alert.id);
      if (a?.status === "armed") return state.alert;
    }
    const plan = await alertPlan();
    st.diagnostic(`precondition over the API: alert ${plan.kind} ${plan.level} on ${SAMSUNG} (the form step did not make it)`);
    const a = await userApi("POST", "/api/v1/alerts", {
      symbol: SAMSUNG,
      kind: plan.kind,
      level: String(plan.level),
      mode: "once",
      channels: ["in_app"],
    });
    return (state.alert = { id: a.id, ...plan });
  };

  try {
    // ---- signed out ----
    await capture("login", "/login", S.auth);

    await step("guard", "signed out: /portfolio shows the sign-in form", async () => {
      await goto("/portfolio");
      await visible(page, S.auth, "sign-in form on a page that needs a session");
      await visible(page, S.navLink("/login"), "sign-in link in the nav (signed out)");
    });

    await step("signup-refusals", "sign-up: bad input refused in the page's language, server refusal shown", async (st) => {
      const cases = [
        { what: "empty sign-up", username: "", password: "" },
        { what: "bad username", username: "a!", password: "password-long-enough" },
        { what: "short password", username: `ok_${randomText(6)}`, password: "short" },
      ];
      for (const c of cases) {
        await goto("/signup");
        const form = await visible(page, S.auth, "sign-up form");
        if (c.username) await form.locator('input[name="username"]').fill(c.username);
        if (c.password) await form.locator('input[name="password"]').fill(c.password);
        await press(form.locator('button[type="submit"]'));
        const text = await alertsIn(page, S.auth, c.what);
        assertLanguage(text, lang, c.what);
        assert.equal(new URL(page.url()).pathname, "/signup", `${c.what}: left the sign-up page`);
      }
      // The server's refusal: the name is taken (the admin account exists).
      await goto("/signup");
      const form = await visible(page, S.auth, "sign-up form");
      await form.locator('input[name="username"]').fill("admin");
      await form.locator('input[name="password"]').fill(randomText(16));
      await press(form.locator('button[type="submit"]'));
      const text = await alertsIn(page, S.auth, "sign-up as a taken name");
      st.diagnostic(`server refusal shown as: ${text}`);
    });

    await step("signup", "sign up at /signup (then signed in)", async () => {
      await goto("/signup");
      const form = await visible(page, S.auth, "sign-up form");
      await form.locator('input[name="username"]').fill(user.name);
      await form.locator('input[name="password"]').fill(user.password);
      await press(form.locator('button[type="submit"]'));
      await page.waitForURL((u) => u.pathname !== "/signup", { timeout: 15_000 }).catch(async () => {
        const alert = await page.locator(`${S.auth} [role="alert"]`).allInnerTexts();
        throw new Error(`sign-up did not leave /signup within 15 s${alert.length ? `; alert: ${alert.join(" | ")}` : ""}`);
      });
      await gone(page, S.auth, "sign-in form after signing up");
      await page
        .waitForFunction((l) => document.documentElement.lang === l, lang, { timeout: 5_000 })
        .catch(async () => {
          const now = await page.evaluate(() => document.documentElement.lang);
          throw new Error(`html[lang] is "${now}", expected "${lang}" for a ${profile.context.locale} browser`);
        });
    });

    await step(
      "shell",
      "shell: nav links and sign-out (signed in), live flag",
      async () => {
        const absent = await missing(page, [
          S.nav,
          S.navLink("/portfolio"),
          S.navLink("/orders"),
          S.navLink("/leaderboard"),
          S.navLink("/keys"),
          S.navLink("/alerts"),
          S.bell,
          S.signOut,
          S.lang,
          S.theme,
          "main[data-live]",
        ]);
        assert.deepEqual(absent, [], `missing from the shell: ${absent.join(", ")}`);
        assert.equal(await page.locator(S.navLink("/login")).count(), 0, "a sign-in link is shown while signed in");
      },
      ["signup"],
    );

    await step(
      "lang",
      "language toggle: html[lang] and visible labels follow",
      async () => {
        const other = lang === "ko" ? "en" : "ko";
        const button = await visible(page, S.lang, "language button");
        const before = await page.locator("header").innerText();
        await press(button);
        await page
          .waitForFunction((l) => document.documentElement.lang === l, other, { timeout: 5_000 })
          .catch(() => {
            throw new Error(`html[lang] did not become "${other}" after pressing ${S.lang}`);
          });
        await page
          .waitForFunction((b) => document.querySelector("header")?.innerText !== b, before, { timeout: 5_000 })
          .catch(() => {
            throw new Error("no label in the header changed with the language");
          });
        await press(page.locator(S.lang).first());
        await page
          .waitForFunction((l) => document.documentElement.lang === l, lang, { timeout: 5_000 })
          .catch(() => {
            throw new Error(`html[lang] did not return to "${lang}"`);
          });
      },
      ["signup"],
    );

    await step(
      "theme",
      "theme toggle: light ↔ dark",
      async () => {
        const button = await visible(page, S.theme, "theme button");
        const before = await page.evaluate(() => document.documentElement.dataset.theme);
        assert.ok(before === "light" || before === "dark", `html[data-theme] is ${JSON.stringify(before)}, not light or dark`);
        const other = before === "light" ? "dark" : "light";
        const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        const bgBefore = await background();
        await press(button);
        await page
          .waitForFunction((th) => document.documentElement.dataset.theme === th, other, { timeout: 5_000 })
          .catch(() => {
            throw new Error(`html[data-theme] did not become "${other}"`);
          });
        await screenshot(page, `${profile.name}-home-${other}`);
        const bgAfter = await background();
        try {
          assert.notEqual(bgAfter, bgBefore, `the page background stayed ${bgBefore} in the ${other} theme`);
          await axeScan(page, `${profile.name} / in the ${other} theme`);
        } finally {
          await press(page.locator(S.theme).first());
          await page.waitForFunction((th) => document.documentElement.dataset.theme === th, before, { timeout: 5_000 });
        }
      },
      ["signup"],
    );

    await step(
      "home",
      "home: stock table with prices, live updates, session / leaders / recommended",
      async () => {
        await goto("/");
        const cell = `${S.stockRow(SAMSUNG)} td[data-col="price"]`;
        await textWhen(page, cell, "digits", "price of 005930 on the home table");
        await visible(page, S.live, "live market data (main[data-live=true]) while signed in", 15_000);
        const s = await server.stock(SAMSUNG);
        const next = stepTicks(s.price, s.price < s.upper ? 1 : -1);
        await server.tick(SAMSUNG, next);
        await textWhen(page, cell, { contains: next.toLocaleString("en-US") }, `home price after a trade at ${next}`, 10_000);
        const absent = await missing(page, [
          `${S.stockRow(SAMSUNG)} td[data-col="change"]`,
          `${S.stockRow(SAMSUNG)} td[data-col="volume"]`,
          `${S.stockRow(SAMSUNG)} svg.sparkline`,
          `${S.stockRow(SAMSUNG)} a[href="/stocks/${SAMSUNG}"]`,
          '[data-testid="session"]',
          '[data-testid="top-leaders"]',
          '[data-testid="recommended"]',
        ]);
        assert.deepEqual(absent, [], `missing on the home page: ${absent.join(", ")}`);
      },
      ["signup"],
    );

    await step("search", `search: type ${SAMSUNG_KO}, pick the result → /stocks/${SAMSUNG}`, async () => {
      await goto("/");
      const input = await visible(page, S.searchInput, "search box");
      await press(input);
      await input.pressSequentially(SAMSUNG_KO, { delay: 40 });
      const option = await visible(page, S.searchOption(SAMSUNG), `search result for ${SAMSUNG_KO}`);
      await press(option);
      await page.waitForURL((u) => u.pathname === `/stocks/${SAMSUNG}`, { timeout: 5_000 });
      await textWhen(page, S.stockHead, { contains: SAMSUNG }, "stock page heading name[code]");
      await textWhen(page, S.quote, "digits", "stock page quote");
    });

    await step(
      "stock-page",
      "stock page: chart timeframes; ticket estimate, available and tick steppers",
      async () => {
        await goto(`/stocks/${SAMSUNG}`);
        await visible(page, S.chart, "price chart");
        for (const tf of ["5m", "1d"]) {
          await press(page.locator(`${S.chart} button[data-tf="${tf}"]`));
          await visible(page, `${S.chart} button[data-tf="${tf}"][aria-pressed="true"]`, `timeframe ${tf} chosen`, 5_000);
        }
        const s = await server.stock(SAMSUNG);
        const limit = Math.max(s.lower, snapDown(s.price * 0.95));
        const ticket = await fillTicket(SAMSUNG, { side: "buy", type: "limit", qty: "2", limit });
        await textWhen(page, `${S.ticket} [data-testid="estimate"]`, "digits", "order estimate");
        await textWhen(page, `${S.ticket} [data-testid="available"]`, "digits", "buying power shown");
        const input = ticket.locator('input[name="limit_price"]');
        await press(ticket.locator('button[data-step="limit_price:+1"]'));
        const up = stepTicks(limit, 1);
        await page
          .waitForFunction(
            ({ sel, want }) => Number(document.querySelector(sel)?.value.replace(/,/g, "")) === want,
            { sel: `${S.ticket} input[name="limit_price"]`, want: up },
            { timeout: 5_000 },
          )
          .catch(async () => {
            throw new Error(`limit price ${limit} +1 tick should be ${up}, the field says "${await input.inputValue()}"`);
          });
      },
      ["signup"],
    );

    await step(
      "buy-market",
      "ticket: buy 10 at market → status, filled after a trade",
      async (st) => {
        const ticket = await fillTicket(SAMSUNG, { side: "buy", type: "market", qty: "10" });
        const before = (await ordersOf()).length;
        await press(ticket.locator('button[type="submit"]'));
        const status = await textWhen(page, `${S.ticket} [role="status"]`, { not: "" }, "status of the accepted order");
        st.diagnostic(`ticket status after submitting: ${status}`);
        await until("the market order on the server", async () => (await ordersOf()).length > before, { timeoutMs: 5_000 });
        await server.tick(SAMSUNG, (await server.stock(SAMSUNG)).price);
        await until(`10 shares of ${SAMSUNG} held`, async () => Number((await position(SAMSUNG))?.qty ?? 0) >= 10);
        state.marketOrderId = (await ordersOf()).find((o) => o.type === "market" && o.symbol === SAMSUNG)?.id ?? null;
      },
      ["signup"],
    );

    await step(
      "ticket-refusals",
      "ticket: bad input refused in the page's language (empty, non-numeric, off-tick, over buying power)",
      async (st) => {
        const s = await server.stock(SAMSUNG);
        const ordersBefore = (await ordersOf()).length;
        const offTick = snapDown(s.price * 0.97) + 1; // 005930 trades in ticks of 100 or more
        const cases = [
          { what: "empty quantity", fill: { type: "market", qty: "" } },
          { what: "non-numeric quantity", fill: { type: "market", qty: "abc" } },
          { what: `off-tick limit price ${offTick}`, fill: { type: "limit", qty: "1", limit: offTick } },
          { what: "buy over buying power", fill: { type: "market", qty: "100000" } },
        ];
        await goto(`/stocks/${SAMSUNG}`);
        const qtyType = await (await visible(page, S.ticket, "order ticket")).locator('input[name="qty"]').getAttribute("type");
        // A number input cannot hold "abc"; the nearest a user gets is a fraction.
        if (qtyType === "number") cases[1] = { what: "fractional quantity", fill: { type: "market", qty: "1.5" } };
        for (const c of cases) {
          const ticket = await fillTicket(SAMSUNG, { side: "buy", ...c.fill });
          await press(ticket.locator('button[type="submit"]'));
          const text = await alertsIn(page, S.ticket, c.what);
          assertLanguage(text, lang, c.what);
          st.diagnostic(`${c.what}: ${text}`);
        }
        assert.equal((await ordersOf()).length, ordersBefore, "a refused ticket still sent an order");
      },
      ["signup"],
    );

    await step(
      "server-refusal",
      `ticket: the server's refusal is shown (${HALT_SYMBOL} halted under the open page)`,
      async (st) => {
        const ticket = await fillTicket(HALT_SYMBOL, { side: "buy", type: "market", qty: "1" });
        await server.setStatus(HALT_SYMBOL, "halted");
        try {
          await press(ticket.locator('button[type="submit"]'));
          const text = await alertsIn(page, S.ticket, "order for a halted stock");
          st.diagnostic(`refusal shown as: ${text}`);
        } finally {
          await server.setStatus(HALT_SYMBOL, "active");
        }
      },
      ["signup"],
    );

    await step(
      "limit-buy",
      "ticket: limit buy below the market → accepted, open",
      async (st) => {
        const s = await server.stock(SAMSUNG);
        const limit = Math.max(s.lower, snapDown(s.price * 0.9));
        const ticket = await fillTicket(SAMSUNG, { side: "buy", type: "limit", qty: "1", limit, tif: "day" });
        await press(ticket.locator('button[type="submit"]'));
        const status = await textWhen(page, `${S.ticket} [role="status"]`, { not: "" }, "status of the limit order");
        st.diagnostic(`ticket status: ${status}`);
        const order = await until(`an open limit order at ${limit}`, async () =>
          (await ordersOf("open")).find((o) => o.type === "limit" && Number(o.limit_price) === limit),
        );
        state.limitOrderId = order.id;
      },
      ["signup"],
    );

    await step(
      "orders",
      "orders: cancel the open limit order → canceled in history; fills listed",
      async (st) => {
        const id = await ensureOpenLimit(st);
        await ensureHolding(st);
        await goto("/orders");
        const row = await visible(page, S.openOrder(id), `open order ${id}`);
        await press(row.locator('button[data-action="cancel"]'));
        await gone(page, S.openOrder(id), "the canceled order in open orders");
        await visible(page, S.historyStatus(id, "canceled"), `order ${id} in history as canceled`);
        const absent = await missing(page, [
          ...(state.marketOrderId ? [S.historyStatus(state.marketOrderId, "filled")] : []),
          `${S.fills(SAMSUNG)} td[data-col="commission"]`,
          `${S.fills(SAMSUNG)} td[data-col="tax"]`,
        ]);
        assert.deepEqual(absent, [], `missing on /orders: ${absent.join(", ")}`);
        const canceled = (await ordersOf()).find((o) => o.id === id);
        assert.equal(canceled?.status, "canceled", `the server says order ${id} is ${canceled?.status}`);
      },
      ["signup"],
    );

    await step(
      "portfolio",
      "portfolio: a price move changes the holding's unrealized P&L and the equity",
      async (st) => {
        await ensureHolding(st);
        await goto("/portfolio");
        const row = S.holding(SAMSUNG);
        await textWhen(page, `${row} td[data-col="qty"]`, { contains: "10" }, "holding of 10 shares");
        const plSel = `${row} td[data-col="unrealized_pl"]`;
        const eqSel = '[data-testid="equity"]';
        const plBefore = await textWhen(page, plSel, "digits", "unrealized P&L");
        const eqBefore = await textWhen(page, eqSel, "digits", "equity");
        const s = await server.stock(SAMSUNG);
        const moved = Math.min(stepTicks(s.price, 6), stepTicks(s.upper, -1));
        await server.tick(SAMSUNG, moved);
        const plAfter = await textWhen(page, plSel, { not: plBefore }, `unrealized P&L after a trade at ${moved}`, 15_000);
        const eqAfter = await textWhen(page, eqSel, { not: eqBefore }, `equity after a trade at ${moved}`, 15_000);
        st.diagnostic(`P&L ${plBefore} → ${plAfter}, equity ${eqBefore} → ${eqAfter}`);
        // The figures settle on the server's.
        const grouped = (n) => Math.abs(Math.round(n)).toLocaleString("en-US");
        const serverPl = Number((await position(SAMSUNG)).unrealized_pl);
        const serverEquity = Number((await userApi("GET", "/v2/account")).equity);
        await textWhen(page, plSel, { contains: grouped(serverPl) }, `unrealized P&L = the server's ${serverPl}`);
        await textWhen(page, eqSel, { contains: grouped(serverEquity) }, `equity = the server's ${serverEquity}`);
        const absent = await missing(page, [
          '[data-testid="cash"]',
          '[data-testid="total-pl"]',
          '[data-testid="day-pl"]',
          '[data-testid="return-pct"]',
          '[data-testid="equity-curve"]',
          `${row} td[data-col="avg_cost"]`,
          `${row} td[data-col="price"]`,
          `${row} td[data-col="weight"]`,
        ]);
        assert.deepEqual(absent, [], `missing on /portfolio: ${absent.join(", ")}`);
      },
      ["signup"],
    );

    await step(
      "topup",
      "portfolio: top up 1,000,000 won → cash rises; empty top-up refused",
      async (st) => {
        await goto("/portfolio");
        const form = await visible(page, S.topup, "top-up form");
        await form.locator('input[name="amount"]').fill("");
        await press(form.locator('button[type="submit"]'));
        assertLanguage(await alertsIn(page, S.topup, "empty top-up"), lang, "empty top-up");
        const cashBefore = await textWhen(page, '[data-testid="cash"]', "digits", "cash");
        await form.locator('input[name="amount"]').fill("1000000");
        await press(form.locator('button[type="submit"]'));
        await textWhen(page, `${S.topup} [role="status"]`, { not: "" }, "top-up confirmation");
        const cashAfter = await textWhen(page, '[data-testid="cash"]', { not: cashBefore }, "cash after the top-up");
        const [a, b] = [amountOf(cashBefore), amountOf(cashAfter)];
        st.diagnostic(`cash ${cashBefore} → ${cashAfter}`);
        assert.ok(b > a, `cash did not rise: ${cashBefore} → ${cashAfter}`);
        if (!/[만억]/.test(cashAfter)) assert.equal(b - a, 1_000_000, `cash rose by ${b - a}, not 1,000,000`);
      },
      ["signup"],
    );

    await step(
      "leaderboard",
      "leaderboard: my row is marked (aria-current)",
      async () => {
        await goto("/leaderboard");
        await visible(page, S.myRow(user.name), `my row (${user.name})`);
      },
      ["signup"],
    );

    await step(
      "keys",
      "API keys: create one → secret and snippet shown, listed as active",
      async (st) => {
        await goto("/keys");
        const form = await visible(page, S.newKey, "new-key form");
        await form.locator('input[name="name"]').fill(`e2e ${profile.name}`);
        await press(form.locator('button[type="submit"]'));
        await visible(page, S.newSecret, "the new key's secret");
        const keyId = await textWhen(page, `${S.newSecret} [data-testid="key-id"]`, { not: "" }, "key id");
        const secret = await textWhen(page, `${S.newSecret} [data-testid="secret"]`, { not: "" }, "secret");
        assert.ok(secret.length >= 16, `the secret "${secret}" looks too short`);
        await visible(page, `${S.newSecret} button[data-action="copy"]`, "copy button");
        const snippet = await textWhen(page, 'pre[data-testid="snippet"]', { contains: keyId }, "alpaca-py snippet with the key id");
        assert.match(snippet, /alpaca/i, "the snippet does not use alpaca-py");
        await visible(page, `${S.keysRow(keyId)} td[data-col="status"]`, `key ${keyId} listed`);
        await visible(page, `${S.keysRow(keyId)} button[data-action="revoke"]`, `revoke button of key ${keyId}`);
        st.diagnostic(`key ${keyId} created`);
      },
      ["signup"],
    );

    // ---- price alerts and the notification inbox ----
    await step(
      "alert-create",
      "alerts: create a price alert with the stock page's form → shown, listed as armed",
      async (st) => {
        const plan = await alertPlan();
        await goto(`/stocks/${SAMSUNG}`);
        const form = await fillAlert(plan);
        await press(form.locator('button[type="submit"]'));
        const created = await visible(page, `${S.alertForm} [role="status"][data-alert-id]`, "the created alert");
        const id = await created.getAttribute("data-alert-id");
        const shown = (await created.innerText()).trim();
        await visible(page, S.alertStatus(id, "armed"), `alert ${id} listed as armed under the form`);
        const condition = await textWhen(
          page,
          `${S.alertRow(id)} [data-col="condition"]`,
          { contains: plan.level.toLocaleString("en-US") },
          `alert ${id}'s condition with its level ${plan.level}`,
        );
        const onServer = (await alertsOf()).find((a) => a.id === id);
        assert.ok(onServer, `alert ${id} is not on the server`);
        assert.deepEqual(
          { kind: onServer.kind, level: onServer.level, mode: onServer.mode, channels: onServer.channels, status: onServer.status },
          { kind: plan.kind, level: String(plan.level), mode: "once", channels: ["in_app"], status: "armed" },
        );
        state.alert = { id, ...plan };
        st.diagnostic(`alert ${id} at ${plan.level} (price ${plan.price}): "${shown}"; listed as "${condition}"`);
      },
      ["signup"],
    );

    await step(
      "alert-refusals",
      "alerts: bad levels refused in the page's language; the server's refusal (loopback webhook) shown by the form",
      async (st) => {
        const plan = await alertPlan();
        const before = (await alertsOf()).length;
        for (const c of [
          { what: "empty level", level: "" },
          { what: "fractional won", level: `${plan.level}.5` },
        ]) {
          await goto(`/stocks/${SAMSUNG}`);
          const form = await fillAlert({ ...plan, level: c.level });
          await press(form.locator('button[type="submit"]'));
          const text = await alertsIn(page, S.alertForm, c.what);
          assertLanguage(text, lang, c.what);
          st.diagnostic(`${c.what}: ${text}`);
        }
        await goto(`/stocks/${SAMSUNG}`);
        const form = await fillAlert({ ...plan, webhook: "http://127.0.0.1:9/hook" });
        await press(form.locator('button[type="submit"]'));
        const text = await textWhen(page, `${S.alertForm} [role="alert"]`, { contains: "webhook_url" }, "the server's refusal of a loopback webhook");
        st.diagnostic(`server refusal shown as: ${text}`);
        assert.equal(await form.locator('input[name="webhook_url"]').getAttribute("aria-invalid"), "true", "the refused field is not marked");
        assert.equal((await alertsOf()).length, before, "a refused alert was created");
      },
      ["signup"],
    );

    await step(
      "alert-delete",
      "alerts: a second alert (repeat, cooldown) from the form, then deleted from the list",
      async (st) => {
        const s = await server.stock(SAMSUNG);
        const level = Math.max(s.lower, stepTicks(s.price, -3));
        await goto(`/stocks/${SAMSUNG}`);
        const form = await fillAlert({ kind: "price_at_or_below", level, mode: "repeat", cooldown: 10 });
        await press(form.locator('button[type="submit"]'));
        const created = await visible(page, `${S.alertForm} [role="status"][data-alert-id]`, "the second alert");
        const id = await created.getAttribute("data-alert-id");
        const onServer = (await alertsOf()).find((a) => a.id === id);
        assert.equal(onServer?.cooldown_s, 600, `alert ${id}'s cooldown on the server is ${onServer?.cooldown_s}, not 600 s`);
        const row = await visible(page, S.alertRow(id), `alert ${id} listed`);
        await press(row.locator('button[data-action="delete"]'));
        await gone(page, S.alertRow(id), `deleted alert ${id} in the list`);
        assert.ok(!(await alertsOf()).some((a) => a.id === id), `alert ${id} is still on the server`);
        st.diagnostic(`alert ${id} (price_at_or_below ${level}, repeat every 10 min) created and deleted`);
      },
      ["signup"],
    );

    await step(
      "alerts-page",
      "alerts page: the nav link opens /alerts with the alert, its condition, mode and status",
      async () => {
        await goto("/");
        await press(await visible(page, S.navLink("/alerts"), "alerts link in the nav"));
        await page.waitForURL((u) => u.pathname === "/alerts", { timeout: 5_000 });
        if (!state.alert) throw new Error("no alert to look for (the create step failed)");
        const id = state.alert.id;
        await visible(page, S.alertStatus(id, "armed"), `alert ${id} as armed on /alerts`);
        const absent = await missing(page, [
          `${S.alertRow(id)} a[href="/stocks/${SAMSUNG}"]`,
          `${S.alertRow(id)} [data-col="condition"]`,
          `${S.alertRow(id)} [data-col="mode"][data-mode="once"]`,
          `${S.alertRow(id)} [data-col="last_fired"]`,
          `${S.alertRow(id)} [data-col="channels"]`,
          `${S.alertRow(id)} button[data-action="delete"]`,
        ]);
        assert.deepEqual(absent, [], `missing on /alerts: ${absent.join(", ")}`);
      },
      ["signup"],
    );

    await step(
      "inbox-open",
      "inbox: /notifications open and empty, badge 0, the /stream connection listening to notifications",
      async () => {
        await goto("/notifications");
        await visible(page, S.inbox, "the inbox");
        await visible(page, '[data-testid="inbox-empty"]', "the empty inbox");
        await present(page, S.unread(0), "the header badge at 0");
        await page.evaluate(() => (window.__ikInboxOpen = true)); // gone after a reload
        await visible(page, `${S.bell}[data-live="true"]`, "the bell's data-live=true (the server's /stream reply to listen " +
          'names "notifications")', 15_000).catch(async (e) => {
          const live = await page.locator(S.bell).getAttribute("data-live");
          throw new Error(`${e.message}; the bell says data-live="${live}": the server did not confirm the notifications stream`);
        });
      },
      ["signup"],
    );

    await step(
      "alert-fires",
      "alerts: an injected tick crossing the level fires the alert (notification stored, alert fired)",
      async (st) => {
        const alert = await ensureAlert(st);
        if (new URL(page.url()).pathname !== "/notifications" || !(await page.evaluate(() => window.__ikInboxOpen === true))) {
          st.diagnostic("the inbox was not open: opened now");
          await goto("/notifications");
          await visible(page, S.inbox, "the inbox");
          await page.evaluate(() => (window.__ikInboxOpen = true));
        }
        const tick = await server.tick(SAMSUNG, alert.level);
        st.diagnostic(`tick ${SAMSUNG} at ${alert.level} injected (${JSON.stringify(tick)})`);
        const found = await until(
          `a notification of alert ${alert.id} in GET /api/v1/notifications after a tick at ${alert.level}`,
          async () => (await inboxOf()).notifications.find((n) => n.alert_id === alert.id),
          { timeoutMs: 15_000, intervalMs: 200 },
        ).catch(async (e) => {
          const a = (await alertsOf()).find((x) => x.id === alert.id);
          throw new Error(`${e.message}; the alert is ${JSON.stringify(a)}`);
        });
        state.notification = found;
        st.diagnostic(`notification ${found.id}: ${found.message}`);
        assert.equal(found.symbol, SAMSUNG);
        assert.equal(found.read, false);
        const fired = await until(`alert ${alert.id} fired (status)`, async () =>
          (await alertsOf()).find((a) => a.id === alert.id && a.status === "fired" && a.last_fired_at),
        );
        st.diagnostic(`alert ${alert.id} fired at ${fired.last_fired_at}`);
      },
      ["signup"],
    );

    await step(
      "notification-live",
      "inbox: without a reload the header badge shows 1 and the open inbox lists the notification on top, unread",
      async () => {
        const n = state.notification;
        await present(page, S.unread(1), `the header badge at 1 (pushed notification ${n.id})`, 15_000).catch(async (e) => {
          const count = await page.locator(`${S.bell} [data-testid="unread"]`).getAttribute("data-count");
          throw new Error(`${e.message}; the badge says data-count="${count}"`);
        });
        await textWhen(page, `${S.unread(1)} .count`, { contains: "1" }, "the badge's visible number");
        await visible(page, `${S.unread(1)} .count`, "the badge's visible number");
        await visible(page, `${S.notification(n.id)}[data-read="false"]`, `notification ${n.id} in the inbox, unread`, 15_000);
        const first = await page.locator('ol[data-testid="notifications"] li').first().getAttribute("data-notification-id");
        assert.equal(first, n.id, `the inbox's first item is ${first}, not the new notification ${n.id}`);
        const text = await page.locator(S.notification(n.id)).innerText();
        assert.ok(text.includes(n.message), `the inbox item says "${text}", not the message "${n.message}"`);
        assert.ok(await page.evaluate(() => window.__ikInboxOpen === true), "the page was reloaded");
        await screenshot(page, `${profile.name}-notifications-unread`);
      },
      ["alert-fires"],
    );

    await step(
      "notification-read",
      "inbox: mark read → the item is read, the badge goes to 0, the server agrees",
      async () => {
        const n = state.notification;
        await press(page.locator(`${S.notification(n.id)} button[data-action="read"]`));
        await visible(page, `${S.notification(n.id)}[data-read="true"]`, `notification ${n.id} marked read`);
        await present(page, S.unread(0), "the header badge back at 0");
        assert.equal(await page.locator(`${S.bell} .count`).isVisible(), false, "the badge still shows a number at 0");
        const inbox = await inboxOf();
        assert.equal(inbox.unread, 0, `the server counts ${inbox.unread} unread`);
        assert.equal(inbox.notifications.find((x) => x.id === n.id)?.read, true, "the server does not have it read");
      },
      ["notification-live"],
    );

    await step(
      "alert-rearm",
      "alerts page: the fired alert shows fired with its time; re-arm → armed",
      async () => {
        const id = state.alert.id;
        await goto("/alerts");
        await visible(page, S.alertStatus(id, "fired"), `alert ${id} as fired`);
        await textWhen(page, `${S.alertRow(id)} [data-col="last_fired"]`, "digits", `alert ${id}'s last firing time`);
        await press(page.locator(`${S.alertRow(id)} button[data-action="rearm"]`));
        await visible(page, S.alertStatus(id, "armed"), `alert ${id} re-armed`);
        const onServer = (await alertsOf()).find((a) => a.id === id);
        assert.equal(onServer?.status, "armed", `the server says alert ${id} is ${onServer?.status}`);
      },
      ["alert-fires"],
    );

    // ---- every page, for the record ----
    await capture("home", "/", S.stocks);
    await capture("stock", `/stocks/${SAMSUNG}`, S.ticket);
    await capture("portfolio", "/portfolio", S.holdings);
    await capture("orders", "/orders", S.history);
    await capture("leaderboard", "/leaderboard", S.leaderboard);
    await capture("keys", "/keys", S.newKey);
    await capture("alerts", "/alerts", 'table[data-testid="alerts"]');
    await capture("notifications", "/notifications", S.inbox);
  } finally {
    await context.close().catch(() => {});
  }
}

// ---- time to live prices ----

/** Runs before the app: notes (performance.now, ms since navigation start) when prices and live data show. */
function measureInPage() {
  const times = (window.__ikTimes = {});
  const check = () => {
    const now = performance.now();
    if (times.prices === undefined) {
      const cell = document.querySelector('tr[data-symbol] td[data-col="price"]');
      if (cell && /\d/.test(cell.textContent ?? "")) times.prices = now;
    }
    if (times.live === undefined && document.querySelector('main[data-live="true"]')) times.live = now;
    if (times.prices !== undefined && times.live !== undefined) observer.disconnect();
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
}

async function timeToLive(t) {
  const username = `e2e_ttl_${randomText(8)}`;
  const password = randomText(16);
  await server.signUp(username, password);

  // Sign in through the form, then load / in a new context (empty HTTP cache) carrying the session.
  const signIn = await browser.newContext({ ...DESKTOP.context, baseURL: server.url });
  let storageState;
  try {
    const page = await signIn.newPage();
    await page.goto("/login");
    const form = await visible(page, S.auth, "sign-in form");
    await form.locator('input[name="username"]').fill(username);
    await form.locator('input[name="password"]').fill(password);
    await form.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.pathname !== "/login", { timeout: 15_000 });
    storageState = await signIn.storageState();
  } finally {
    await signIn.close();
  }

  const context = await browser.newContext({ ...DESKTOP.context, baseURL: server.url, storageState });
  const page = await context.newPage();
  const watch = watchPage(page);
  try {
    await context.addInitScript(measureInPage);
    await page.goto("/", { waitUntil: "commit" });
    await page
      .waitForFunction(() => window.__ikTimes?.prices !== undefined && window.__ikTimes?.live !== undefined, null, {
        timeout: 30_000,
      })
      .catch(() => {});
    const times = await page.evaluate(() => window.__ikTimes ?? {});
    const fmt = (v) => (v === undefined ? "none" : String(Math.round(v)));
    const line = `e2e: time-to-prices-ms=${fmt(times.prices)} time-to-live-ms=${fmt(times.live)}`;
    figures.push(line);
    if (times.prices === undefined || times.live === undefined) {
      await screenshot(page, "time-to-live-FAIL");
      const problems = watch.since(0);
      throw new Error(
        `within 30 s of loading / the page never showed ` +
          [times.prices === undefined && 'a price in tr[data-symbol] td[data-col="price"]', times.live === undefined && S.live]
            .filter(Boolean)
            .join(" nor ") +
          (problems.length ? `\n  browser problems:\n    ${problems.join("\n    ")}` : ""),
      );
    }
  } finally {
    await context.close().catch(() => {});
  }
}

// ---- the suite ----

describe("InvestKing web app in Chromium against the real server", { timeout: 900_000 }, () => {
  before(async () => {
    cleanOutDir();
    server = await new Server({
      binary: BINARY,
      url: process.env.IK_E2E_URL ?? "",
      adminPassword: process.env.IK_E2E_ADMIN_PASSWORD ?? "",
    }).start();
    log(`e2e: server ${server.url} (data ${server.dir}), screenshots in ${OUT_DIR}`);
    browser = await launchBrowser();
    log(`e2e: chromium ${browser.version()}`);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    if (!server) return;
    const exitedEarly = server.exit;
    const exit = await server.stop();
    const sanitizer = server.sanitizerReports();
    if (failures.length || exitedEarly || sanitizer.length) {
      console.error(`e2e: ${failures.length} failed step(s):\n  ${failures.join("\n  ")}`);
      console.error(`e2e: server log tail (${server.logPath}):\n${server.tail(60)}`);
      console.error(`e2e: the data directory is kept: ${server.dir}`);
    } else {
      server.removeDataDir();
    }
    for (const f of figures) log(f);
    if (exitedEarly) throw new Error(`the server exited during the run: ${JSON.stringify(exitedEarly)}`);
    if (sanitizer.length) throw new Error(`sanitizer reports in the server log:\n  ${sanitizer.join("\n  ")}`);
    if (exit && exit.code !== 0) throw new Error(`the server exited with ${JSON.stringify(exit)} after SIGTERM`);
  });

  test("walk: desktop 1280×800, Korean", { timeout: 420_000 }, (t) => walk(t, DESKTOP));

  test("walk: phone 390×844 (touch), English", { timeout: 420_000 }, (t) => walk(t, PHONE));

  test("time to live prices; JS size", { timeout: 120_000 }, async (t) => {
    const js = jsGzipBytes();
    const line = `e2e: js-gzip-bytes=${js.total}`;
    figures.push(`${line} files=${js.files}`);
    await timeToLive(t);
  });
});

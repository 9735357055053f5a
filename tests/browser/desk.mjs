// Browser test of the registrar desk (/desk) against a `scrutineer serve --demo` server.
//
//   node desk.mjs BASE_URL USER PASSWORD SCREENSHOT_DIR
//   e.g. node desk.mjs http://127.0.0.1:18282 demo-registrar xxxx-xxxx-xxxx-xxxx /tmp/shots/desk
//
// Signs in, searches by number and by pinyin initials, checks a voter in with the keyboard
// (the time shown is the hall's, from /healthz, in a browser set to UTC), is refused a second
// check-in (with the time of the first; the error code small, after the sentence, and gone
// once the next search is typed), finds no proxy field (the demo is a party election, where
// proxies are forbidden) but finds it, capped at 3 principals, when the kinds say a contest
// takes proxies, reads the quorum in words with its formula on hover, watches the live counts
// update after a check-in and by the 5-second refresh, and switches to English. Exits 1 with
// a message on the first failed expectation.
// Re-runnable against the same server: it picks voters not yet checked in.
// Needs: npm i playwright-core; Chromium at /usr/bin/chromium (or $SCRUTINEER_CHROMIUM).

import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";

const [BASE, USER, PASSWORD, SHOTS] = process.argv.slice(2);
if (!SHOTS) {
  console.error("usage: node desk.mjs BASE_URL USER PASSWORD SCREENSHOT_DIR");
  process.exit(2);
}

// ---------------------------------------------------------------- helpers

class Failure extends Error {}
function expect(cond, message) { if (!cond) throw new Failure(message); }
async function until(fn, message, timeoutMs = 5000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Failure(message);
    await new Promise((r) => setTimeout(r, 100));
  }
}

fs.mkdirSync(SHOTS, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.SCRUTINEER_CHROMIUM || process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
// The browser's clock is UTC: the page must show the hall's time (GET /healthz), not the browser's.
const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "zh-CN", timezoneId: "UTC" });
const page = await context.newPage();
page.setDefaultTimeout(10000);
const problems = [];
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
page.on("console", (m) => {
  // Refused API calls (4xx) are expected here and shown by the page itself.
  if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) problems.push(`console error: ${m.text()}`);
});
let step = 0;
async function shot(name) {
  step += 1;
  const file = path.join(SHOTS, `desk-${String(step).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`  screenshot ${file}`);
}
function clean() { expect(problems.length === 0, `browser errors:\n  ${problems.join("\n  ")}`); }

const voterRows = () => page.locator("#results .voter[data-number]");
const deskMsg = () => page.locator("#desk-msg").innerText();

/** Types a query and waits for the result list of exactly that query. */
async function search(q) {
  await page.fill("#search", "");
  await page.type("#search", q, { delay: 20 });
  await until(async () => {
    const numbers = await voterRows().evaluateAll((rows) => rows.map((r) => r.dataset.number));
    const empty = await page.locator("#results .empty").count();
    return numbers.length > 0 || empty > 0;
  }, `no answer in #results for “${q}”`);
  await page.waitForTimeout(400); // the debounce (200 ms) and the answer of the last keystroke
}

/** The live counts of the first contest: {present, issued}. */
async function counts() {
  const row = page.locator("#desk-counts tbody tr").first();
  return {
    present: Number(await row.locator("td.present").innerText()),
    issued: Number(await row.locator("td.issued").innerText()),
  };
}

/** The numbers of voters not yet checked in among the first 50 matches of `q`. */
async function unchecked(q) {
  await search(q);
  return voterRows().evaluateAll((rows) => rows.filter((r) => r.querySelector("button.checkin")).map((r) => r.dataset.number));
}

/** Submits the sign-in form and waits for the page, or fails with the page's own error. */
async function signIn(user, password) {
  await page.fill("#login-form input[name=username]", user);
  await page.fill("#login-form input[name=password]", password);
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/api/v1/login") && r.request().method() === "POST"),
    page.click("#login-form button[type=submit]"),
  ]);
  if (!answer.ok()) {
    await page.waitForSelector("#login-msg .notice");
    throw new Failure(`signing in as ${user} failed: ${await page.locator("#login-msg").innerText()}`);
  }
  await page.waitForSelector("#app:not(.hidden)");
}

// ---------------------------------------------------------------- the test

try {
  console.log(`desk: ${BASE}/desk as ${USER}`);
  const res = await page.goto(`${BASE}/desk`);
  expect(res && res.ok(), `GET /desk answered ${res && res.status()}`);
  await page.waitForSelector("#login-form");
  await shot("login");

  // A wrong password is refused with its code.
  await page.fill("#login-form input[name=username]", USER);
  await page.fill("#login-form input[name=password]", "wrong-password");
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#login-msg .notice.bad");
  expect((await page.innerText("#login-msg")).includes("bad_login"), "a wrong password should show [bad_login]");

  await page.fill("#login-form input[name=password]", "");
  await signIn(USER, PASSWORD);
  await page.waitForSelector("#desk-counts tbody tr");
  expect(await page.evaluate(() => document.activeElement && document.activeElement.id === "search"), "#search should have the focus after sign-in");
  const nContests = await page.locator("#desk-counts tbody tr").count();
  expect(nContests >= 1, "#desk-counts shows no contest");
  await shot("signed-in");

  // Search by number.
  await search("D0001");
  let numbers = await voterRows().evaluateAll((rows) => rows.map((r) => r.dataset.number));
  expect(numbers.length === 1 && numbers[0] === "D0001", `search “D0001” should show exactly D0001, shows ${JSON.stringify(numbers)}`);
  const name1 = (await page.locator('#results .voter[data-number="D0001"] .name').innerText()).trim();
  const unit1 = (await page.locator('#results .voter[data-number="D0001"] .unit').innerText()).trim();
  expect(name1.length > 0 && unit1.length > 0, "the D0001 row should show a name and a unit");
  await shot("search-number");

  // Search by pinyin initials (demo: D0001 is 王建国 = wjg).
  await search("wjg");
  numbers = await voterRows().evaluateAll((rows) => rows.map((r) => r.dataset.number));
  expect(numbers.includes("D0001"), `search “wjg” should find D0001 (${name1}), shows ${JSON.stringify(numbers)}`);
  await shot("search-pinyin");

  // Check in with the keyboard: the number, then Enter (D0001 first, else the first voter left).
  let target = "D0001";
  const d1 = await page.locator('#results .voter[data-number="D0001"] button.checkin').count();
  if (!d1) {
    const left = await unchecked("D0");
    expect(left.length >= 3, "fewer than 3 voters among D0001-D0050 are left to check in: use a fresh demo server");
    target = left[0];
  }
  const before = await counts();
  await search(target);
  await page.press("#search", "Enter");
  await until(async () => (await deskMsg()).includes("已签到"), `no check-in answer in #desk-msg for ${target}`);
  let msg = await deskMsg();
  expect(msg.includes("发给 1 张选票码"), `#desk-msg should say “已签到, 发给 1 张选票码”, says: ${msg}`);
  expect(await page.locator("#desk-msg.ok").count() === 1, "#desk-msg should be an ok message");
  const fs0 = await page.locator("#desk-msg .headline").evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  expect(fs0 >= 28, `the check-in answer should be large text (font-size ${fs0}px)`);
  await until(async () => (await page.locator(`#results .voter[data-number="${target}"] .done`).count()) === 1,
    `the row of ${target} should show “已签到 hh:mm” after the check-in`);
  const doneText = await page.locator(`#results .voter[data-number="${target}"] .done`).innerText();
  expect(/已签到.*\d\d:\d\d/.test(doneText), `the row should show “已签到 hh:mm”, shows “${doneText}”`);
  // In the hall's zone (/healthz), not the browser's (UTC here).
  const health = await (await page.request.get(`${BASE}/healthz`)).json();
  const hallNow = (deltaMin) => new Date(Date.now() + (health.utc_offset_minutes + deltaMin) * 60000).toISOString().slice(11, 16);
  const shown = /(\d\d:\d\d)/.exec(doneText)[1];
  expect([-1, 0, 1].some((d) => hallNow(d) === shown), `the check-in time ${shown} is not the hall's time (${health.timezone}, ${hallNow(0)})`);
  const after = await counts();
  expect(after.present === before.present + 1 && after.issued === before.issued + 1,
    `counts should rise by one after the check-in: before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
  await shot("checked-in");

  // A second check-in is refused by the server, naming the time of the first.
  await page.press("#search", "Enter");
  await until(async () => (await deskMsg()).includes("already_checked_in"), "a second check-in should show [already_checked_in]");
  msg = await deskMsg();
  expect(/已于 .*\d\d:\d\d/.test(msg) && msg.includes("不能重复签到"), `the refusal should name the time of the first check-in: ${msg}`);
  expect(await page.locator("#desk-msg.bad").count() === 1, "the refusal should be shown as an error");
  // The code is for support: small, muted, after the sentence, not inside it.
  const code = page.locator("#desk-msg .err-code");
  expect(await code.count() === 1 && (await code.innerText()).trim() === "[already_checked_in]", "the error code should sit in its own .err-code element");
  const sizes = await page.locator("#desk-msg [role=alert]").evaluate((el) => ({
    text: parseFloat(getComputedStyle(el).fontSize), code: parseFloat(getComputedStyle(el.querySelector(".err-code")).fontSize),
    last: el.lastElementChild?.classList.contains("err-code") }));
  expect(sizes.code < sizes.text && sizes.last, `the code should be smaller than the sentence and come last: ${JSON.stringify(sizes)}`);
  expect(!(await page.locator("#desk-msg .zh").first().innerText()).includes("already_checked_in"), "the code is inside the Chinese sentence");
  const again = await counts();
  expect(again.present === after.present, "a refused check-in must not change the counts");
  await shot("second-check-in-refused");
  // The next search clears the refusal: nothing stale stays on screen.
  await search("D0002");
  expect((await deskMsg()).trim() === "", `the refusal stays on screen after the next search: ${await deskMsg()}`);

  // The quorum in words, with the formula on hover.
  const rule = page.locator("#quorum-rule .rule").first();
  expect((await rule.innerText()).includes("到会人数须超过应到会人数的五分之四"), `the quorum is not said in words: ${await page.locator("#quorum-rule").innerText()}`);
  expect((await rule.getAttribute("title") || "").includes("5·P > 4·E"), "the quorum's formula is not in its title");
  expect(!(await page.locator("#counts-card, .counts-card").first().innerText()).includes("5·P"), "the formula shows in the text instead of on hover");
  expect((await page.locator("#desk-counts td.quorum").first().getAttribute("title") || "").includes("5·P > 4·E"), "the quorum cell has no formula on hover");

  // Proxies: the demo is a party election, where they are forbidden: no proxy field at all.
  const left = (await unchecked("D0")).filter((n) => n !== target);
  expect(left.length >= 2, "need two voters not yet checked in for the proxy test");
  expect(!(await page.locator("#proxy-principals").isVisible()), "the proxy field shows in a party election (proxies are forbidden there)");
  await shot("no-proxy-field");

  // Several matches: Enter asks to choose; ↓ then Enter checks in the selected one.
  await search("D00");
  const many = await voterRows().count();
  expect(many > 1, "“D00” should match several voters");
  await page.press("#search", "Enter");
  await until(async () => /个匹配|matches/.test(await deskMsg()), "Enter with several matches should ask to choose");
  expect(await page.locator("#results .voter.selected").count() === 0, "nothing should be selected before ↑↓");
  await page.press("#search", "ArrowDown");
  expect(await page.locator("#results .voter.selected").count() === 1, "↓ should select a row");

  // The counts refresh by themselves every 5 s: check a voter in through the API meanwhile.
  await page.fill("#search", "");
  await page.press("#search", "Escape");
  const bg = left[1];
  const before2 = await counts();
  const session = await (await page.request.get(`${BASE}/api/v1/session`)).json();
  const r = await page.request.post(`${BASE}/api/v1/checkins`, { data: { number: bg }, headers: { "X-CSRF-Token": session.csrf } });
  expect(r.status() === 201, `background check-in of ${bg} answered ${r.status()}`);
  await until(async () => (await counts()).present === before2.present + 1, "#desk-counts did not refresh by itself within 7 s", 7000);
  await shot("counts-refreshed");

  // A kind that takes proxies (a faked GET /api/v1/kinds): the field shows, and four
  // principals are stopped before asking the server.
  await page.route("**/api/v1/kinds", async (route) => {
    const real = await (await route.fetch()).json();
    for (const k of real.kinds) k.proxies = true;
    await route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(real) });
  });
  await page.reload();
  await page.waitForSelector("#app:not(.hidden)");
  expect(await page.locator("#proxy-principals").isVisible(), "the proxy field is hidden although a contest's kind takes proxies");
  await search(left[0]);
  await page.fill("#proxy-principals", "X1, X2, X3, X4");
  await page.press("#proxy-principals", "Enter");
  await until(async () => (await deskMsg()).includes("too_many_principals"), "four principals should be refused [too_many_principals]");
  await shot("proxy-field-when-allowed");
  await page.fill("#proxy-principals", "");
  await page.unroute("**/api/v1/kinds");
  await page.reload();
  await page.waitForSelector("#app:not(.hidden)");
  await until(async () => !(await page.locator("#proxy-principals").isVisible()), "the proxy field should hide again with the real kinds");

  // English.
  await page.click("#lang");
  await until(async () => (await page.evaluate(() => document.documentElement.dataset.lang)) === "en", "the language switch should set data-lang=en");
  await search(target);
  await page.press("#search", "Enter");
  await until(async () => (await deskMsg()).includes("already checked in"), "the English refusal should be shown");
  await shot("english");
  await page.click("#lang");

  clean();
  console.log("desk: all checks passed");
  await browser.close();
  process.exit(0);
} catch (err) {
  console.error(`desk: FAILED: ${err instanceof Failure ? err.message : err.stack || err}`);
  if (problems.length) console.error(`  browser errors:\n  ${problems.join("\n  ")}`);
  await page.screenshot({ path: path.join(SHOTS, "desk-failure.png"), fullPage: true }).catch(() => {});
  await browser.close().catch(() => {});
  process.exit(1);
}

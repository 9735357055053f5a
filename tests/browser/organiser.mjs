// Browser test of the organiser page (/organiser) against a FRESH `scrutineer serve` (no
// --demo, no election yet).
//
//   node organiser.mjs BASE_URL ORGANISER_PASSWORD SPEC_PATH SCREENSHOT_DIR
//   e.g. node organiser.mjs http://127.0.0.1:18283 xxxx-xxxx-xxxx-xxxx \
//          /work/main/examples/township-party-congress/spec.json /tmp/shots/organiser
//
// Signs in, loads the spec with the file picker (into the builder), switches to the expert
// JSON view, deletes its "min_surplus" overrides and
// sees the live 差额 refusal, restores it and sees the check pass (with the override
// warning), creates the election (election day 2026-12-01), imports a roll that is refused
// row by row (a 预备 member) and then a clean one, pairs a kiosk (and uses the code), prints
// slips for style 0 (a new tab with the sheet), creates a registrar account (and signs in
// with its one-time password), opens a contest, and switches to English.
// Exits 1 with a message on the first failed expectation.
// Needs: npm i playwright-core; Chromium at /usr/bin/chromium (or $SCRUTINEER_CHROMIUM).

import { chromium, request } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const [BASE, PASSWORD, SPEC_PATH, SHOTS] = process.argv.slice(2);
if (!SHOTS) {
  console.error("usage: node organiser.mjs BASE_URL ORGANISER_PASSWORD SPEC_PATH SCREENSHOT_DIR");
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
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "scrutineer-organiser-"));
const browser = await chromium.launch({
  executablePath: process.env.SCRUTINEER_CHROMIUM || process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "zh-CN" });
const page = await context.newPage();
page.setDefaultTimeout(10000);
const problems = [];
const watch = (p) => {
  p.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  p.on("console", (m) => {
    // Refused API calls (4xx) are expected here and shown by the page itself.
    if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) problems.push(`console error: ${m.text()}`);
  });
};
watch(page);
const dialogs = [];
page.on("dialog", async (d) => { dialogs.push(d.message()); await d.accept(); });
let step = 0;
async function shot(name, p = page) {
  step += 1;
  const file = path.join(SHOTS, `organiser-${String(step).padStart(2, "0")}-${name}.png`);
  await p.screenshot({ path: file, fullPage: true });
  console.log(`  screenshot ${file}`);
}
const text = (sel) => page.locator(sel).innerText();
async function lastDialog(re, what) {
  await until(async () => dialogs.length && re.test(dialogs[dialogs.length - 1]), `expected a confirm dialog for ${what}`);
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
  if ((await answer.json()).must_change_password) {
    // The first start's one-time password must be changed before anything else: a common
    // password and a mismatch are refused with their codes, then a passphrase is taken.
    await page.waitForSelector("#first-password-form");
    await shot("first-sign-in-password");
    await page.fill("#first-password-form input[name=new]", "password1234");
    await page.fill("#first-password-form input[name=repeat]", "password1234");
    await page.click("#first-password-form button[type=submit]");
    await until(async () => (await text("#first-password-msg")).includes("password_common"), "a common password should be refused with [password_common]");
    await page.fill("#first-password-form input[name=new]", `${password} renewed at the first sign-in`);
    await page.fill("#first-password-form input[name=repeat]", "something else entirely");
    await page.click("#first-password-form button[type=submit]");
    await until(async () => (await text("#first-password-msg")).includes("password_mismatch"), "two different passwords should be refused with [password_mismatch]");
    await page.fill("#first-password-form input[name=repeat]", `${password} renewed at the first sign-in`);
    const [changed] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/api/v1/password") && r.request().method() === "POST"),
      page.click("#first-password-form button[type=submit]"),
    ]);
    expect(changed.ok(), `the password change answered ${changed.status()}`);
  }
  await page.waitForSelector("#app:not(.hidden)");
}

// ---------------------------------------------------------------- the test

try {
  const specText = fs.readFileSync(SPEC_PATH, "utf8");
  const spec = JSON.parse(specText);
  const broken = JSON.parse(specText);
  let removed = 0;
  for (const c of broken.contests) {
    if (c.overrides && "min_surplus" in c.overrides) { delete c.overrides.min_surplus; removed += 1; }
  }
  expect(removed > 0, `${SPEC_PATH} has no "min_surplus" override to delete`);

  console.log(`organiser: ${BASE}/organiser`);
  const res = await page.goto(`${BASE}/organiser`);
  expect(res && res.ok(), `GET /organiser answered ${res && res.status()}`);
  await page.waitForSelector("#login-form");
  await shot("login");
  await signIn("organiser", PASSWORD);

  // No election yet: the creation form.
  await until(async () => (await page.locator("#create-form:not(.hidden)").count()) || (await page.locator(".contest[data-id]").count()),
    "the page shows neither the creation form nor an election");
  expect(await page.locator("#create-form:not(.hidden)").count(), "the server already holds an election: run this test against a fresh server (no --demo)");
  expect(await page.locator("#create-election").isDisabled(), "#create-election should be disabled while the spec is empty");
  await shot("no-election");

  // The file picker fills the textarea and the check passes.
  await page.setInputFiles("#spec-file", SPEC_PATH);
  await until(async () => (await page.inputValue("#spec-input")).includes('"contests"'), "#spec-file should fill #spec-input");
  await until(async () => (await text("#spec-check")).includes("候选人名单符合差额规定"), "the spec from the file should pass the surplus check");

  // Without its min_surplus override the list breaks the 差额 rule: shown as you type (in
  // the expert view, where the JSON is; the builder is tests/browser/builder.mjs).
  await page.click("#expert-toggle");
  await page.fill("#spec-input", JSON.stringify(broken, null, 2));
  await until(async () => (await text("#spec-check")).includes("surplus_rule_broken"), "deleting min_surplus should show [surplus_rule_broken] in #spec-check", 8000);
  const refusal = await text("#spec-check");
  expect(/候选人须不少于 \d+ 名.*现有 \d+ 名/s.test(refusal), `#spec-check should carry the server's message with the numbers: ${refusal}`);
  expect(await page.locator("#create-election").isDisabled(), "#create-election should be disabled while the spec breaks a rule");
  await shot("spec-surplus-error");

  // A typo in the JSON is caught before asking the server.
  await page.fill("#spec-input", specText.replace(/}\s*$/, ""));
  await until(async () => (await text("#spec-check")).includes("bad_json"), "broken JSON should show [bad_json]");

  // Fixed: the check passes and names the override with its basis.
  await page.fill("#spec-input", specText);
  await until(async () => (await text("#spec-check")).includes("✓"), "the fixed spec should pass the surplus check", 8000);
  const ok = await text("#spec-check");
  expect(ok.includes("候选人名单符合差额规定"), `#spec-check should say the lists meet their rules: ${ok}`);
  expect(ok.includes("override_below_statute"), `#spec-check should show the override warning: ${ok}`);
  expect(!(await page.locator("#create-election").isDisabled()), "#create-election should be enabled once the spec passes");

  // Creating without an election day is stopped (the roll's age check needs it).
  await page.click("#create-election");
  await until(async () => (await text("#election-msg")).includes("election_date_missing"), "creating without a date should show [election_date_missing]");
  await page.fill("#election-date", "2026-12-01");
  // No tellers here: encrypted ballots (the default) need at least three. Plaintext needs a
  // reason, which the page asks for.
  await page.check('input[name="secrecy"][value="plaintext"]');
  await page.click("#create-election");
  await until(async () => (await text("#election-msg")).includes("plaintext_reason_missing"), "plaintext without a reason should show [plaintext_reason_missing]");
  await page.fill("#plaintext-reason", "本测试不设计票人 / this test has no tellers");
  await shot("spec-ok");

  await page.click("#create-election");
  await lastDialog(/创建选举/, "creating the election");
  await page.waitForSelector("#election-summary .contest[data-id]");
  const ids = await page.locator(".contest[data-id]").evaluateAll((rows) => rows.map((r) => r.dataset.id));
  expect(JSON.stringify(ids) === JSON.stringify(spec.contests.map((c) => c.id)), `the summary should list the contests ${spec.contests.map((c) => c.id)}, lists ${ids}`);
  for (const c of spec.contests) {
    const row = page.locator(`.contest[data-id="${c.id}"]`);
    expect((await row.getAttribute("data-state")) === "draft", `contest ${c.id} should be a draft`);
    expect((await row.locator(".seats").innerText()).trim() === String(c.seats), `contest ${c.id} should show ${c.seats} seats`);
    expect(await row.locator(`button.open[data-contest="${c.id}"]`).count() === 1, `contest ${c.id} should have an open button`);
  }
  expect(await page.locator("#create-form.hidden").count() === 1, "the creation form should be hidden once the election exists");
  await shot("election-created");

  // The roll: a probationary member refuses the whole file, every problem listed by line.
  const header = "姓名,党员编号,选举单位,出生日期,政治权利,党员类别";
  const badCsv = path.join(tmp, "roll-bad.csv");
  const goodCsv = path.join(tmp, "roll.csv");
  fs.writeFileSync(badCsv, `${header}\n王一,A001,青山镇,1980-01-01,是,正式\n李二,A002,青山镇,1985-02-03,是,预备\n`);
  fs.writeFileSync(goodCsv, `${header}\n王一,A001,青山镇,1980-01-01,是,正式\n赵三,A003,青山镇,1975-06-30,是,正式\n`);
  await page.setInputFiles("#roll-file", badCsv);
  await page.click("#roll-import");
  await page.waitForSelector("#roll-report table.refused tbody tr");
  const report = await text("#roll-report");
  expect(report.includes("roll_refused"), `#roll-report should show [roll_refused]: ${report}`);
  const refusedLines = await page.locator("#roll-report table.refused tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.line));
  expect(refusedLines.includes("3"), `line 3 (the 预备 member) should be listed, lines: ${refusedLines}`);
  expect(report.includes("not_full_member"), `the refused row should carry its code not_full_member: ${report}`);
  expect((await text("#roll-size")).includes("0"), "nothing should be imported from a refused file");
  await shot("roll-refused");

  await page.setInputFiles("#roll-file", goodCsv);
  await page.click("#roll-import");
  await until(async () => (await text("#roll-report")).includes("已导入 2 人"), "the clean roll should answer “已导入 2 人”");
  await until(async () => /2\s*人/.test(await text("#roll-size")), "#roll-size should show 2 voters");
  await shot("roll-imported");

  // Kiosk pairing: a 12-digit code with its 10-minute expiry, and it pairs a kiosk.
  await page.click("#pairing");
  await page.waitForSelector("#pairing-box:not(.hidden)");
  const code = (await text("#pairing-code")).trim();
  expect(/^\d{4} \d{4} \d{4}$/.test(code), `#pairing-code should be 12 digits in groups of 4, is “${code}”`);
  expect((await text("#pairing-expiry")).includes("10 分钟"), "#pairing-expiry should name the 10 minutes");
  const size = await page.locator("#pairing-code").evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  expect(size >= 40, `the pairing code should be large (font-size ${size}px)`);
  const kiosk = await request.newContext({ baseURL: BASE });
  const paired = await kiosk.post("/api/v1/kiosks/pair", { data: { code, name: "browser-test" } });
  expect(paired.status() === 200, `the pairing code should pair a kiosk, answered ${paired.status()}`);
  await shot("pairing");
  // The kiosk is listed in 登录会话与投票机; 解除配对 stops it at once.
  await page.click("#sessions-refresh");
  await page.waitForSelector('#sessions-list tr[data-username="kiosk-browser-test"] button.kiosk-unpair');
  await page.locator("#sessions-card").scrollIntoViewIfNeeded();
  await shot("sessions");
  expect((await kiosk.get("/api/v1/session")).status() === 200, "the paired kiosk's session should work before unpairing");
  await page.click('#sessions-list tr[data-username="kiosk-browser-test"] button.kiosk-unpair');
  await lastDialog(/解除投票机 browser-test 的配对/, "unpairing a kiosk");
  await until(async () => (await page.locator('#sessions-list tr[data-username="kiosk-browser-test"]').count()) === 0, "the unpaired kiosk should leave the list");
  const after = await kiosk.get("/api/v1/session");
  expect(after.status() === 401, `an unpaired kiosk should be refused at once, answered ${after.status()}`);
  await kiosk.dispose();

  // Slips for style 0: a new tab with the A4 sheet.
  await page.selectOption("#pool-style", "0");
  const [sheet] = await Promise.all([context.waitForEvent("page", { timeout: 10000 }), page.click("#pool-print")]);
  watch(sheet);
  await lastDialog(/选票码/, "printing slips");
  await until(async () => sheet.url().startsWith("blob:"), `the slip tab should show the sheet from a blob: URL, shows ${sheet.url()}`, 10000);
  await sheet.waitForLoadState("load");
  const slips = await sheet.locator(".slip").count();
  expect(slips >= 2, `the sheet should hold at least 2 slips (roll 2 plus spares), holds ${slips}`);
  // The sheet's inline style sheet is allowed by the Content-Security-Policy (by its hash; a
  // blob: document inherits the organiser page's policy): its cut lines are drawn.
  const cut = await sheet.locator(".slip").first().evaluate((e) => getComputedStyle(e).borderRightStyle);
  expect(cut === "dashed", `the slip sheet's style should apply under the CSP, the cut line is “${cut}”`);
  await sheet.setViewportSize({ width: 1366, height: 900 });
  await shot("slips-sheet", sheet);
  await sheet.close();
  await until(async () => (await text("#pool-msg")).includes("选票码已生成"), "#pool-msg should confirm the slips");
  expect(await page.locator("#pool-open[href^='blob:']").count() === 1, "#pool-msg should keep a link to the sheet");
  await shot("slips-printed");

  // Accounts: a registrar with a one-time password that works; a second one is refused.
  await page.fill("#account-name", "desk1");
  await page.selectOption("#account-role", "registrar");
  await page.click("#account-create");
  await page.waitForSelector("#account-password");
  const pw = (await text("#account-password")).trim();
  expect(pw.length >= 8, `the one-time password should be shown, is “${pw}”`);
  await page.waitForSelector('#accounts-list tr[data-username="desk1"]');
  const desk = await request.newContext({ baseURL: BASE });
  const login = await desk.post("/api/v1/login", { data: { username: "desk1", password: pw } });
  const loginBody = await login.json();
  expect(login.status() === 200 && loginBody.role === "registrar", `desk1 should sign in with the shown password, answered ${login.status()}`);
  expect(loginBody.must_change_password === true, "a new account's one-time password must be changed at the first sign-in");
  const before = await desk.get("/api/v1/desk");
  expect(before.status() === 403 && (await before.json()).code === "password_change_required", `desk1 before changing its password: ${before.status()}`);
  await desk.dispose();
  await shot("account-created");
  await page.fill("#account-name", "desk1");
  await page.click("#account-create");
  await until(async () => /\[[a-z_]+\]/.test(await text("#account-msg")) && !(await page.locator("#account-password").count()), "a second desk1 should be refused with its code");

  // Open the first contest.
  const first = spec.contests[0].id;
  await page.click(`button.open[data-contest="${first}"]`);
  await lastDialog(/确定开始投票\?/, "opening a contest");
  await until(async () => (await page.locator(`.contest[data-id="${first}"]`).getAttribute("data-state")) === "open", `contest ${first} should be open`);
  expect(await page.locator(`button.open[data-contest="${first}"]`).count() === 0, "an open contest has no open button");
  await page.locator("#election-card").scrollIntoViewIfNeeded();
  await shot("contest-opened");

  // Results: none yet.
  expect((await text("#results-list")).includes("尚无计票结果"), "#results-list should say there are no results yet");

  // English.
  await page.click("#lang");
  await until(async () => (await page.evaluate(() => document.documentElement.dataset.lang)) === "en", "the language switch should set data-lang=en");
  await shot("english");
  await page.click("#lang");

  expect(problems.length === 0, `browser errors:\n  ${problems.join("\n  ")}`);
  console.log("organiser: all checks passed");
  await browser.close();
  process.exit(0);
} catch (err) {
  console.error(`organiser: FAILED: ${err instanceof Failure ? err.message : err.stack || err}`);
  if (problems.length) console.error(`  browser errors:\n  ${problems.join("\n  ")}`);
  await page.screenshot({ path: path.join(SHOTS, "organiser-failure.png"), fullPage: true }).catch(() => {});
  await browser.close().catch(() => {});
  process.exit(1);
}

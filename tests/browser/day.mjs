// Browser test of an organiser's day (issue 14) on the real pages, in two phases around what
// tests/browser.rs does through the API in between:
//
//   node day.mjs open   BASE_URL ORGANISER_PASSWORD PAIRING_CODE TOKEN SCREENSHOT_DIR
//   node day.mjs revote BASE_URL ORGANISER_PASSWORD SCREENSHOT_DIR DESK_USER DESK_PASSWORD
//
// `open`: the organiser opens the contest while the desk shows the quorum not met: the
// confirmation warns, in words, before it opens; then the kiosk shows the candidates in
// 姓氏笔画 order as the convention gives it (王、刘、李、杨、张、陈: stroke count, then the stroke
// types 横竖撇点折), not by code point.
// `revote`: the desk page refuses a check-in for the closed round, in words; the published
// result says 本轮无效; the organiser starts the re-vote from the
// results card (with the reason asked for), the contest list shows the new round; then the
// organiser archives the election from the election list: it is listed as archived with its
// board and export, and the create form is back for the next election.
// Env: CHROMIUM (default /usr/bin/chromium). Exits 1 with a message on the first failure.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [phase, base, password, ...rest] = process.argv.slice(2);
const shots = phase === "open" ? rest[2] : rest[0];
if (!["open", "revote"].includes(phase) || !base || !password || !shots) {
  console.error("usage: node day.mjs open BASE ORG_PASSWORD PAIRING_CODE TOKEN SHOTS | node day.mjs revote BASE ORG_PASSWORD SHOTS");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

class Failure extends Error {}
function expect(cond, message) {
  if (!cond) throw new Failure(message);
}
const log = (...a) => console.log("✓", ...a);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const problems = [];
let exitCode = 0;
let n = phase === "open" ? 0 : 10;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "zh-CN" });
  await context.addInitScript(() => { try { localStorage.setItem("scrutineer.lang", "zh"); } catch { /* none */ } });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  const shot = async (p, name) => p.screenshot({ path: join(shots, `day-${String(++n).padStart(2, "0")}-${name}.png`), fullPage: true });
  const dialogs = [];
  page.on("dialog", async (d) => {
    dialogs.push(d.message());
    if (d.type() === "prompt") await d.accept("到会人数未超过应到会人数的五分之四, 本轮无效, 重新投票");
    else await d.accept();
  });

  if (phase === "open") {
    // 0. The landing page links every page by role and says the service's state.
    await page.goto(`${base}/`);
    await page.waitForSelector('#service-state[data-status="up"]', { timeout: 10000 });
    for (const [id, href] of [["organiser", "/organiser"], ["desk", "/desk"], ["kiosk", "/kiosk"], ["teller", "/teller"], ["auditor", "/auditor"], ["verify", "/verify"]]) {
      const got = await page.locator(`#link-${id} a, a#link-${id}`).first().getAttribute("href");
      expect(got && got.startsWith(href), `the landing page's ${id} link is ${got}`);
    }
    // The election is fetched after the service's state is shown: wait for it.
    await page.waitForFunction(() => /镇党委换届/.test(document.querySelector("#election-summary")?.innerText || ""), null, { timeout: 10000 }).catch(() => {});
    expect(/镇党委换届/.test(await page.locator("#election-summary").innerText()), "the landing page does not name the election");
    expect(!/尚未完成/.test(await page.locator("body").innerText()), "the landing page still says the pages are not finished");
    await shot(page, "landing");
    log("the landing page links every page and names the election");
  }

  await page.goto(`${base}/organiser`);
  await page.waitForSelector("#login-form", { timeout: 10000 });
  await page.fill('#login-form input[name="username"]', "organiser");
  await page.fill('#login-form input[name="password"]', password);
  await page.click('#login-form button[type="submit"]');
  await page.waitForSelector("#app:not(.hidden)", { timeout: 10000 });

  if (phase === "open") {
    const [code, token] = rest;
    // 1. Opening below the quorum warns before it opens.
    await page.waitForSelector('button.open[data-contest="c"]', { timeout: 10000 });
    await shot(page, "before-open");
    await page.click('button.open[data-contest="c"]');
    await page.waitForSelector('tr.contest[data-id="c"][data-state="open"]', { timeout: 10000 });
    const asked = dialogs.join("\n");
    expect(/尚未达到法定人数/.test(asked) && /实到 \d+ 人, 应到 \d+ 人/.test(asked), `opening below the quorum did not warn: ${asked}`);
    await shot(page, "opened-after-warning");
    log("opening below the quorum warned:", asked.split("\n").find((l) => l.includes("⚠")));

    // 2. The kiosk shows the candidates in 姓氏笔画 order.
    const kiosk = await context.newPage();
    kiosk.on("pageerror", (e) => problems.push(`kiosk page error: ${e.message}`));
    await kiosk.goto(`${base}/kiosk`);
    await kiosk.locator("#pair-code").fill(code);
    await kiosk.locator("#pair-name").fill("day");
    await kiosk.locator("#pair-submit").click();
    await kiosk.waitForSelector("#screen-idle:not([hidden])", { timeout: 10000 });
    await kiosk.locator("#token-input").focus();
    await kiosk.keyboard.type(token, { delay: 0 });
    await kiosk.keyboard.press("Enter");
    await kiosk.waitForSelector("#candidates .candidate", { timeout: 15000 });
    const names = await kiosk.locator("#candidates .candidate .name, #candidates .candidate [class*=name]").evaluateAll((els) => els.map((e) => e.textContent.trim()).filter(Boolean));
    const surnames = names.map((x) => x[0]).join("");
    expect(surnames === "王刘李杨张陈", `the kiosk's order is ${names.join("、")}, not 王、刘、李、杨、张、陈`);
    await kiosk.screenshot({ path: join(shots, `day-${String(++n).padStart(2, "0")}-kiosk-stroke-order.png`), fullPage: true });
    log("the kiosk lists", names.join("、"));
  } else {
    // 3. The desk refuses a check-in once the contest is closed, and says why.
    const [, deskUser, deskPassword] = rest;
    // Another browser (a registrar's laptop): its own session.
    const deskContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "zh-CN" });
    const desk = await deskContext.newPage();
    desk.on("pageerror", (e) => problems.push(`desk page error: ${e.message}`));
    await desk.goto(`${base}/desk`);
    await desk.waitForSelector("#login-form", { timeout: 10000 });
    await desk.fill("#login-form input[name=username]", deskUser);
    await desk.fill("#login-form input[name=password]", deskPassword);
    await desk.click('#login-form button[type="submit"]');
    await desk.waitForSelector("#search", { timeout: 10000 });
    await desk.fill("#search", "M0006");
    await desk.press("#search", "Enter");
    let refusal = "";
    for (let i = 0; i < 50 && !/已结束投票/.test(refusal); i++) {
      await desk.waitForTimeout(200);
      refusal = (await desk.locator("#desk-msg").innerText()).replace(/\s+/g, " ");
    }
    expect(/镇党委委员” 已结束投票/.test(refusal) && /不再签到/.test(refusal), `the desk did not refuse a check-in after the close in words: ${refusal}`);
    await desk.screenshot({ path: join(shots, `day-${String(++n).padStart(2, "0")}-desk-closed.png`), fullPage: true });
    log("the desk refuses after the close:", refusal.slice(0, 100));
    await deskContext.close();

    // 4. The invalid round's re-vote from the results card.
    await page.waitForSelector("tr.result", { timeout: 10000 });
    const row = page.locator("tr.result").first();
    expect(/本轮无效/.test(await row.innerText()), `the result does not say the round is invalid: ${await row.innerText()}`);
    await shot(page, "invalid-round");
    await page.click('button.revote[data-contest="c"]');
    await page.waitForSelector('tr.contest[data-id="c-v1"]', { timeout: 10000 });
    expect(dialogs.some((d) => /重新投票/.test(d)), `the re-vote did not ask for its reason: ${dialogs.join(" | ")}`);
    const msg = (await page.locator("#results-msg").innerText()).replace(/\s+/g, " ");
    expect(/已安排重新投票/.test(msg), `no re-vote confirmation: ${msg}`);
    await shot(page, "revote-created");
    log("re-vote created:", msg.slice(0, 120));

    // 5. The election list: archive, then the create form is back.
    await page.waitForSelector("#elections-list li.current", { timeout: 10000 });
    await page.click("#election-archive");
    await page.waitForSelector("#elections-list li.archived", { timeout: 15000 });
    const list = (await page.locator("#elections-list").innerText()).replace(/\s+/g, " ");
    expect(/已归档/.test(list) && /公示页/.test(list) && /导出/.test(list), `the archived election is not listed with its board and export: ${list}`);
    await page.waitForSelector("#create-form:not(.hidden)", { timeout: 10000 });
    const board = await page.locator("#elections-list li.archived a[href*='/board/']").first().getAttribute("href");
    const resp = await page.request.get(`${base}${board}`);
    expect(resp.ok() && /本轮无效/.test(await resp.text()), `the archived board is not served: ${board}`);
    await shot(page, "archived");
    log("archived; listed:", list.slice(0, 160));
  }
  expect(problems.length === 0, `browser errors:\n  ${problems.join("\n  ")}`);
} catch (err) {
  exitCode = 1;
  console.error("✗", err instanceof Failure ? err.message : err.stack || err);
} finally {
  await browser.close();
}
process.exit(exitCode);

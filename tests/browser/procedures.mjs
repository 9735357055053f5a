// Browser test of a multi-round procedure on the organiser page (#procedures-card): the chain
// of rounds is shown; the qualified list is typed and recorded; the interview scores are
// keyed; the shortlist shows best first and the chain creates the evaluation contest; an
// approval below its ratio is refused with its code.
//
//   node procedures.mjs BASE_URL ORGANISER_PASSWORD SCREENSHOT_DIR
//
// Exits 1 with a message on the first failed expectation.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [base, password, shots] = process.argv.slice(2);
if (!base || !password || !shots) {
  console.error("usage: node procedures.mjs BASE_URL ORGANISER_PASSWORD SCREENSHOT_DIR");
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
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "zh-CN" });
  await context.addInitScript(() => { try { localStorage.setItem("scrutineer.lang", "zh"); } catch { /* none */ } });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  const card = page.locator("#procedures-card");
  const shot = (name) => card.screenshot({ path: join(shots, `procedures-${name}.png`) });
  const text = async (sel) => (await page.locator(sel).innerText()).replace(/\s+/g, " ");
  await page.goto(`${base}/organiser`);
  await page.waitForSelector("#login-form", { timeout: 10000 });
  await page.fill('#login-form input[name="username"]', "organiser");
  await page.fill('#login-form input[name="password"]', password);
  await page.click('#login-form button[type="submit"]');
  await page.waitForSelector("#procedures-card:not(.hidden) table.chain", { timeout: 10000 });
  const rounds = await page.$$eval("table.chain tr.round", (r) => r.map((x) => `${x.dataset.round}:${x.dataset.status}`));
  expect(rounds.join(",") === "qualify:current,interview:pending,evaluate:pending,recommend:pending,approve:pending,elect:pending", `the chain shows ${rounds}`);
  await shot("01-start");
  await page.screenshot({ path: join(shots, "procedures-00-page.png"), fullPage: true });
  log("the chain shows six rounds, the qualification current");

  // The qualified list, one per line, and the basis.
  await page.fill("#proc-people", "a 王建国\nb 李秀英\nc 张伟\nd 刘洋");
  await page.fill("#proc-basis", "县委组织部资格审查");
  await page.click("#proc-submit");
  await page.waitForSelector('tr.round[data-round="qualify"][data-status="done"]', { timeout: 10000 });
  expect(/王建国、李秀英、张伟、刘洋/.test(await text('tr.round[data-round="qualify"]')), "the qualification row does not list the four");
  log("qualification recorded:", await text("#procedures-msg"));

  // Interview scores: the three best go on, best first; the evaluation contest is created.
  for (const [id, v] of [["a", "88.5"], ["b", "91"], ["c", "79"], ["d", "85"]]) {
    await page.fill(`input.proc-score[data-id="${id}"]`, v);
  }
  await page.fill("#proc-basis", "集中面试, 现场打分");
  await page.click("#proc-submit");
  await page.waitForSelector('tr.round[data-round="interview"][data-status="done"]', { timeout: 10000 });
  expect(/李秀英、王建国、刘洋/.test(await text('tr.round[data-round="interview"]')), `the interview row: ${await text('tr.round[data-round="interview"]')}`);
  expect(/kaocha/.test(await text('tr.round[data-round="evaluate"]')), "the evaluation round does not name its contest");
  expect(/当前轮次: 组织考察民主测评/.test(await text(".proc-form")), "the evaluation is not the current round");
  await shot("02-interview-done");
  log("interview recorded; the shortlist is best first and the evaluation contest exists");

  // The evaluation's step waits for its published result.
  await page.fill("#proc-basis", "考察");
  await page.click("#proc-submit");
  await page.waitForSelector("#procedures-msg .notice.bad", { timeout: 5000 });
  expect(/procedure_result_missing/.test(await text("#procedures-msg")), `no refusal: ${await text("#procedures-msg")}`);
  await shot("03-result-missing");
  log("the evaluation's step waits for its published result:", await text("#procedures-msg"));
  if (problems.length) throw new Failure(problems.join("\n"));
} catch (e) {
  console.error(e instanceof Failure ? `✗ ${e.message}` : e);
  exitCode = 1;
} finally {
  await browser.close();
}
process.exit(exitCode);

// Browser test of a rated-score evaluation at the kiosk (/kiosk): the voter keys each
// subject's score on its number pad, a score past the top is refused on screen, backspace and
// clear work, the review shows the scores, and the cast ballot carries them.
//
//   node scores.mjs BASE_URL PAIRING_CODE TOKEN SCREENSHOT_DIR
//
// Exits 1 with a message on the first failed expectation.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [base, code, token, shots] = process.argv.slice(2);
if (!base || !code || !token || !shots) {
  console.error("usage: node scores.mjs BASE_URL PAIRING_CODE TOKEN SCREENSHOT_DIR");
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
  await page.goto(`${base}/kiosk?receipt_seconds=1`);
  await page.locator("#pair-code").fill(code);
  await page.locator("#pair-name").fill("scores");
  await page.locator("#pair-submit").click();
  await page.waitForSelector("#screen-idle:not([hidden])", { timeout: 10000 });
  await page.locator("#token-input").focus();
  await page.keyboard.type(token, { delay: 0 });
  await page.keyboard.press("Enter");
  await page.waitForSelector("#candidates .subject.scored", { timeout: 15000 });
  const key = async (subject, digits) => {
    for (const d of digits) await page.click(`.subject[data-id="${subject}"] button[data-digit="${d}"]`);
  };
  const value = async (subject) => (await page.locator(`.subject[data-id="${subject}"] .score-value`).innerText()).trim();
  expect(/0 至 100 分/.test(await page.locator("#contest-rule").innerText()), "the rule does not say 0 to 100");

  // 赵村长: 9, 5 → 95; a third digit would make 950: refused on screen, 95 kept.
  await key("a", ["9", "5"]);
  expect((await value("a")) === "95 分", `a shows ${await value("a")}`);
  await key("a", ["0"]);
  expect((await value("a")) === "95 分", `past the top, a shows ${await value("a")}`);
  expect(/最高 100 分/.test(await page.locator("#overmark-msg").innerText()), "no message for a score past the top");
  // 孙主任: 5, 8, backspace, 7 → 57; clear; then 100.
  await key("b", ["5", "8", "back", "7"]);
  expect((await value("b")) === "57 分", `b shows ${await value("b")}`);
  await key("b", ["clear"]);
  expect((await value("b")) === "未打分", `after clear b shows ${await value("b")}`);
  await key("b", ["1", "0", "0"]);
  expect(/已打分 2 个, 共 2 个/.test(await page.locator("#marks-left").innerText()), "the counter does not say 2 of 2 scored");
  await page.screenshot({ path: join(shots, "scores-01-pad.png"), fullPage: true });
  log("scores keyed on the pad: 95 and 100; 950 refused; backspace and clear work");

  await page.click("#next");
  await page.waitForSelector("#screen-review:not([hidden])", { timeout: 10000 });
  const review = (await page.locator("#review-list").innerText()).replace(/\s+/g, " ");
  expect(review.includes("赵村长: 95 分") && review.includes("孙主任: 100 分"), `the review says: ${review}`);
  await page.screenshot({ path: join(shots, "scores-02-review.png"), fullPage: true });
  const sentP = page.waitForRequest((r) => r.url().endsWith("/api/v1/ballots") && r.method() === "POST");
  const castP = page.waitForResponse((r) => r.url().endsWith("/api/v1/ballots"), { timeout: 20000 });
  await page.click("#confirm");
  const sent = (await sentP).postDataJSON();
  const cast = await castP;
  expect(cast.status() === 201, `casting answered ${cast.status()}`);
  expect(JSON.stringify(sent.ballots) === JSON.stringify([{ contest: "s", scores: { a: 95, b: 100 } }]), `the page sent ${JSON.stringify(sent.ballots)}`);
  log("the review shows the scores and the cast ballot carries them:", JSON.stringify(sent.ballots));
  if (problems.length) throw new Failure(problems.join("\n"));
} catch (e) {
  console.error(e instanceof Failure ? `✗ ${e.message}` : e);
  exitCode = 1;
} finally {
  await browser.close();
}
process.exit(exitCode);

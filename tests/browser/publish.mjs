// The organiser publishes every result that has its teller signatures, from the organiser
// page, and the board link appears.
//   node publish.mjs BASE_URL ORGANISER_PASSWORD SCREENSHOT_DIR
import { chromium } from "playwright-core";
import path from "node:path";

const [base, password, shots] = process.argv.slice(2);
if (!base || !password || !shots) {
  console.error("usage: node publish.mjs BASE_URL ORGANISER_PASSWORD SCREENSHOT_DIR");
  process.exit(2);
}
const fail = (msg) => { console.error("FAILED: " + msg); process.exit(1); };
const browser = await chromium.launch({
  executablePath: process.env.SCRUTINEER_CHROMIUM || process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 }, locale: "zh-CN" });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // Content-Security-Policy violations are logged to the console.
  page.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) errors.push(m.text()); });
  page.on("dialog", (d) => d.accept());
  await page.goto(base + "/organiser");
  await page.waitForSelector("#login-form");
  await page.fill("#login-form input[name=username]", "organiser");
  await page.fill("#login-form input[name=password]", password);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#results-list");
  if (await page.$("#results-refresh")) await page.click("#results-refresh");
  await page.waitForSelector("button.publish[data-index]", { timeout: 15000 }).catch(() => fail("no result to publish on the organiser page"));
  // The list re-renders when its refresh lands: let it settle, then click through a locator
  // (it finds the button again if the row was redrawn; an element handle would go stale).
  await page.waitForLoadState("networkidle");
  const publishable = page.locator("button.publish[data-index]:not([disabled])");
  if ((await publishable.count()) === 0) fail("no publishable result (all need signatures?)");
  const index = await publishable.first().getAttribute("data-index");
  await page.locator(`button.publish[data-index="${index}"]:not([disabled])`).click();
  await page.waitForSelector(`tr.result[data-index="${index}"][data-published="true"], tr.result[data-index="${index}"][data-published="1"]`, { timeout: 15000 })
    .catch(() => fail(`result ${index} not shown as published`));
  const board = await page.$(`a[href="/board/${index}"]`);
  if (!board) fail(`no board link for result ${index}`);
  await page.screenshot({ path: path.join(shots, "organiser-publish.png"), fullPage: true });
  const res = await page.request.get(`${base}/board/${index}`);
  if (res.status() !== 200) fail(`board ${index} answered ${res.status()}`);
  if (!/frame-ancestors 'none'/.test(res.headers()["content-security-policy"] || "")) fail(`board ${index} has no Content-Security-Policy`);
  // The board's inline style sheet is allowed by the policy (by its hash): the masthead is set
  // at 28pt (37px; unstyled it would be 32px).
  await page.goto(`${base}/board/${index}`);
  const size = await page.locator("header.masthead h1").evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  if (!(size > 36)) fail(`the board's style should apply under its CSP; the masthead is ${size}px`);
  await page.goto(`${base}/api/docs`);
  const docs = await page.locator("table").first().evaluate((e) => getComputedStyle(e).borderCollapse);
  if (docs !== "collapse") fail(`the API docs' style should apply under their CSP; border-collapse is ${docs}`);
  if (errors.length) fail("page errors: " + errors.join("; "));
  console.log(`published ${index}`);
} finally {
  await browser.close();
}

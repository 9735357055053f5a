// Browser test of Scrutineer's public pages /verify and /auditor, as a user sees them.
//
//   node verify.mjs BASE_URL RECEIPT_CODE SCREENSHOT_DIR
//
// BASE_URL is a running `scrutineer serve` (e.g. http://127.0.0.1:18484), RECEIPT_CODE a
// receipt of a ballot cast there (e.g. R4-0SQN2BWKPKWGKS3A). Drives Debian's /usr/bin/chromium
// through playwright-core (CHROMIUM=/path overrides), saves one PNG per step in SCREENSHOT_DIR,
// and exits non-zero with a message on the first failed expectation.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [base, receipt, shots] = process.argv.slice(2);
if (!base || !receipt || !shots) {
  console.error("usage: node verify.mjs BASE_URL RECEIPT_CODE SCREENSHOT_DIR");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** The receipt with its last character replaced by another Crockford character. */
function tamper(code) {
  const last = code[code.length - 1];
  const other = CROCKFORD[(CROCKFORD.indexOf(last) + 1) % 32];
  return code.slice(0, -1) + other;
}

class Expectation extends Error {}
function expect(condition, message) {
  if (!condition) throw new Expectation(message);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "zh-CN" });
const page = await context.newPage();
const problems = [];
page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
page.on("console", (msg) => {
  // Failed loads are reported with their address by the response handler below.
  if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) problems.push(`console error: ${msg.text()}`);
});
let expectNotFound = null; // the receipt lookup that is meant to answer 404
page.on("response", (res) => {
  const url = new URL(res.url());
  if (res.status() < 400 || url.pathname === "/favicon.ico") return;
  if (expectNotFound && url.pathname === expectNotFound && res.status() === 404) return;
  problems.push(`HTTP ${res.status()} for ${url.pathname}`);
});
page.on("requestfailed", (req) => {
  // Leaving a page aborts its requests still in flight; that is not a fault of the page.
  if (req.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`);
});

let step = 0;
async function shot(name) {
  step += 1;
  const file = join(shots, `${String(step).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`  screenshot ${file}`);
}
function noProblems(where) {
  expect(problems.length === 0, `${where}: ${problems.join("; ")}`);
}
async function noHorizontalScroll(where) {
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(scroll <= width, `${where}: the page is ${scroll}px wide in a ${width}px window (horizontal scrolling)`);
}
/** Waits until `selector` has a final data-status and returns it. */
async function finalStatus(selector, timeout = 20000) {
  await page.waitForFunction((sel) => {
    const s = document.querySelector(sel)?.dataset.status;
    return s && s !== "checking";
  }, selector, { timeout });
  return page.$eval(selector, (el) => el.dataset.status);
}
async function text(selector) {
  return page.$eval(selector, (el) => el.innerText);
}
async function setLanguage(lang) {
  const current = await page.evaluate(() => document.documentElement.dataset.lang);
  if (current !== lang) await page.click("#lang");
  await page.waitForFunction((l) => document.documentElement.dataset.lang === l, lang);
}

try {
  const code = receipt.trim().toUpperCase();
  const index = /^R(\d+)-/.exec(code)?.[1];
  expect(index !== undefined, `"${receipt}" is not a receipt code`);

  // 1. A voter types the receipt code and checks it.
  console.log("verify: a genuine receipt");
  await page.goto(`${base}/verify`);
  await page.evaluate(() => { try { localStorage.removeItem("scrutineer.lang"); } catch {} });
  await page.reload();
  await setLanguage("zh");
  await page.waitForSelector("#receipt-input");
  await page.fill("#receipt-input", code.toLowerCase());
  await page.click("#receipt-check");
  let status = await finalStatus("#receipt-result");
  let out = await text("#receipt-result");
  expect(status === "ok", `a genuine receipt was not verified: ${out}`);
  expect(out.includes(`您的选票是日志第 ${index} 条`) && out.includes("已包含在由日志密钥签名的第") && out.includes("它不显示您投了谁"),
    `the success text is not the expected plain words: ${out}`);
  const steps = await page.$$eval("#receipt-result li[data-step]", (lis) => lis.map((li) => `${li.dataset.step}:${li.className}`));
  expect(steps.join(",") === "signature:ok,origin:ok,inclusion:ok,code:ok", `not every check passed: ${steps}`);
  expect(await page.inputValue("#receipt-input") === code, "the typed code was not normalised to upper case");
  noProblems("/verify");
  await noHorizontalScroll("/verify");
  await shot("verify-ok");

  // 2. The same in English.
  await setLanguage("en");
  out = await text("#receipt-result");
  expect(out.includes(`Your ballot is entry ${index} of the log`) && out.includes("does not show how you voted"),
    `the English success text is missing: ${out}`);
  await shot("verify-ok-en");
  await setLanguage("zh");

  // 3. A receipt with one character changed.
  console.log("verify: a receipt with one character changed");
  const wrong = tamper(code);
  expectNotFound = `/api/v1/receipts/${wrong}`;
  await page.fill("#receipt-input", wrong);
  await page.click("#receipt-check");
  status = await finalStatus("#receipt-result");
  out = await text("#receipt-result");
  expect(status === "fail", `a changed receipt ${wrong} was not refused: ${out}`);
  expect(await page.$("#receipt-result .notice.bad") !== null && await page.$("#receipt-result .notice.ok") === null,
    "the changed receipt does not show a plain failure notice");
  expect(out.includes(wrong) && out.includes("没有"), `the failure does not say plainly what is wrong: ${out}`);
  noProblems("/verify (changed receipt)");
  await shot("verify-changed");

  // 4. Not a receipt code at all.
  await page.fill("#receipt-input", "hello");
  await page.click("#receipt-check");
  status = await finalStatus("#receipt-result");
  out = await text("#receipt-result");
  expect(status === "fail" && out.includes("不是回执码"), `a malformed code is not explained: ${out}`);

  // 5. ?receipt=CODE prefills and checks.
  console.log("verify: ?receipt= link");
  await page.goto(`${base}/verify?receipt=${encodeURIComponent(code)}`);
  status = await finalStatus("#receipt-result");
  expect(status === "ok", `?receipt=${code} did not verify: ${await text("#receipt-result")}`);
  expect(await page.inputValue("#receipt-input") === code, "?receipt= did not prefill the input");
  await page.waitForFunction(() => !document.querySelector("#results")?.innerText.includes("加载中"));
  const results = await text("#results");
  expect(!/无法|Could not/.test(results), `the published results did not load: ${results}`);
  const published = (await (await page.request.get(`${base}/api/v1/public/results`)).json()).results || [];
  const boardLinks = await page.$$eval("#results a[href^='/board/']", (as) => as.map((a) => a.getAttribute("href")));
  for (const r of published) expect(boardLinks.includes(`/board/${r.index}`), `#results has no link to /board/${r.index}`);
  console.log(`  published results listed: ${boardLinks.length}`);
  noProblems("/verify?receipt=");

  // 5b. A browser whose WebCrypto has no Ed25519 falls back to the built-in verifier.
  console.log("verify: without Ed25519 in WebCrypto");
  {
    const old = await context.newPage();
    await old.addInitScript(() => {
      const importKey = crypto.subtle.importKey.bind(crypto.subtle);
      crypto.subtle.importKey = (format, data, algorithm, ...rest) => {
        const name = typeof algorithm === "string" ? algorithm : algorithm?.name;
        if (name === "Ed25519") return Promise.reject(new DOMException("Unrecognized name.", "NotSupportedError"));
        return importKey(format, data, algorithm, ...rest);
      };
    });
    await old.goto(`${base}/verify?receipt=${encodeURIComponent(code)}`);
    await old.waitForFunction(() => ["ok", "fail"].includes(document.querySelector("#receipt-result")?.dataset.status), null, { timeout: 20000 });
    const fallback = await old.$eval("#receipt-result", (el) => [el.dataset.status, el.innerText]);
    expect(fallback[0] === "ok" && fallback[1].includes("内置实现"), `without WebCrypto Ed25519 the receipt did not verify with the built-in code: ${fallback[1]}`);
    await old.close();
  }

  // 6. A server that lies: each altered answer must fail exactly the check it breaks.
  console.log("verify: altered server answers");
  const flipHex = (h) => (h[0] === "0" ? "1" : "0") + h.slice(1);
  const lies = [
    ["proof", (r) => ({ ...r, proof: r.proof.length ? [flipHex(r.proof[0]), ...r.proof.slice(1)] : ["00".repeat(32)] }), "signature:ok,origin:ok,inclusion:bad,code:ok"],
    ["root", (r) => { const lines = r.checkpoint.split("\n"); lines[2] = "A".repeat(43) + "="; return { ...r, checkpoint: lines.join("\n") }; }, "signature:bad,origin:ok,inclusion:bad,code:ok"],
    ["hash", (r) => ({ ...r, hash: flipHex(r.hash) }), "signature:ok,origin:ok,inclusion:bad,code:bad"],
  ];
  for (const [what, alter, want] of lies) {
    await page.route("**/api/v1/receipts/**", async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, json: alter(await res.json()) });
    });
    await page.goto(`${base}/verify?receipt=${encodeURIComponent(code)}`);
    status = await finalStatus("#receipt-result");
    const got = await page.$$eval("#receipt-result li[data-step]", (lis) => lis.map((li) => `${li.dataset.step}:${li.className}`).join(","));
    expect(status === "fail" && got === want, `an altered ${what} gave ${status} with ${got}, expected fail with ${want}`);
    expect(await page.$("#receipt-result .notice.bad") !== null, `an altered ${what} shows no failure notice`);
    if (what === "root") await shot("verify-altered-root");
    await page.unroute("**/api/v1/receipts/**");
  }
  noProblems("/verify (altered answers)");

  // 7. The auditor page.
  console.log("auditor: log, checkpoints, keys, files");
  await page.goto(`${base}/auditor`);
  await page.waitForFunction(() => document.querySelector("#log-size")?.dataset.size !== undefined, null, { timeout: 15000 });
  const firstUpdate = await text("#log-updated");
  const size = Number(await page.$eval("#log-size", (el) => el.dataset.size));
  const ballots = Number(await page.$eval("#log-size", (el) => el.dataset.ballots));
  expect(size > Number(index) && ballots >= 1, `#log-size shows size ${size}, ballots ${ballots}`);
  await page.waitForSelector("#checkpoints #latest-note");
  expect((await text("#latest-note")).includes("\u2014 scrutineer/"), "#checkpoints does not show the latest signed note");
  const exportLink = await page.$eval("#export-link", (a) => ({ href: a.getAttribute("href"), download: a.hasAttribute("download") }));
  expect(exportLink.href === "/api/v1/export" && exportLink.download, `#export-link is ${JSON.stringify(exportLink)}`);
  const exported = await page.request.get(`${base}/api/v1/export`);
  expect(exported.ok() && (exported.headers()["content-type"] || "").includes("tar"), `GET /api/v1/export answered ${exported.status()}`);
  await page.waitForFunction(() => document.querySelector("#assets")?.dataset.status, null, { timeout: 15000 });
  const assets = await page.$$eval("#assets tr[data-path]", (rows) => rows.map((r) => [r.dataset.path, r.querySelector("td.hash").textContent, r.querySelector("td.state").className]));
  const paths = assets.map((a) => a[0]);
  for (const p of ["verify.html", "auditor.html", "js/tlog.js", "js/verify.js", "js/auditor.js", "js/common.js", "css/app.css"]) {
    expect(paths.includes(p), `#assets does not list ${p}`);
  }
  expect(assets.every((a) => /^[0-9a-f]{64}$/.test(a[1])), "#assets has a row without a SHA-256");
  const differing = assets.filter((a) => !a[2].includes("ok")).map((a) => a[0]);
  expect(differing.length === 0, `files served differ from their published SHA-256: ${differing}`);
  expect((await text("body")).includes("核对投票机运行的文件"), "the note on kiosk files is missing");
  await page.waitForSelector("#keys table");
  expect((await text("#keys")).includes("scrutineer/"), "#keys does not list the log key");
  for (const href of ["/api/docs", "/checkpoint"]) {
    expect(await page.$(`a[href='${href}']`) !== null, `no link to ${href}`);
  }
  noProblems("/auditor");
  await noHorizontalScroll("/auditor");
  await shot("auditor");

  // 8. The auditor checks the latest checkpoint (twice: the second time against the first).
  console.log("auditor: check the latest checkpoint");
  await page.click("#check-latest");
  status = await finalStatus("#check-result");
  out = await text("#check-result");
  expect(status === "ok", `the latest checkpoint did not check: ${out}`);
  const checkSteps = await page.$$eval("#check-result li[data-step]", (lis) => lis.map((li) => `${li.dataset.step}:${li.className}`));
  expect(checkSteps.join(",") === "key:ok,signature:ok,origin:ok,size:ok", `not every checkpoint check passed: ${checkSteps}`);
  await page.click("#check-latest");
  status = await finalStatus("#check-result");
  expect(status === "ok" && (await text("#check-result")).includes("以前见过"), "the second check does not compare with the size seen before");

  // 9. A browser that saw a larger tree before must report a rollback.
  console.log("auditor: a smaller tree than seen before");
  const seenKey = "scrutineer.auditor.seen";
  const saved = await page.evaluate((k) => localStorage.getItem(k), seenKey);
  await page.evaluate(([k, v]) => {
    const seen = JSON.parse(v || "{}");
    for (const origin of Object.keys(seen)) seen[origin] = { ...seen[origin], size: String(BigInt(seen[origin].size) + 1000n) };
    localStorage.setItem(k, JSON.stringify(seen));
  }, [seenKey, saved]);
  await page.reload();
  await page.click("#check-latest");
  status = await finalStatus("#check-result");
  const rollback = await page.$$eval("#check-result li[data-step]", (lis) => lis.map((li) => `${li.dataset.step}:${li.className}`).join(","));
  expect(status === "fail" && rollback === "key:ok,signature:ok,origin:ok,size:bad" && (await text("#check-result")).includes("回滚"),
    `a rolled-back tree was not reported: ${status} ${rollback}`);
  await page.$eval("#check-result", (el) => el.scrollIntoView());
  await shot("auditor-rollback");
  await page.evaluate(([k, v]) => localStorage.setItem(k, v), [seenKey, saved]);

  // 10. The self-test of tlog.js.
  console.log("auditor: self-test");
  await page.click("#self-test");
  status = await finalStatus("#self-test-result");
  out = await text("#self-test-result");
  expect(status === "ok", `the self-test failed: ${out}`);
  noProblems("/auditor checks");
  await page.$eval("#check-result", (el) => el.scrollIntoView());
  await shot("auditor-checked");

  // The log size refreshes every 10 seconds.
  await page.goto(`${base}/auditor`);
  await page.waitForFunction(() => document.querySelector("#log-size")?.dataset.size !== undefined);
  const loaded = await text("#log-updated");
  await page.waitForFunction((before) => document.querySelector("#log-updated").innerText !== before, loaded, { timeout: 15000 })
    .catch(() => { throw new Expectation(`#log-size did not refresh within 15 s (still “${loaded}”)`); });
  expect(firstUpdate.length > 0, "#log-updated was empty");
  await page.click("#check-latest");
  expect(await finalStatus("#check-result") === "ok", "the latest checkpoint did not check after a reload");

  await setLanguage("en");
  expect((await text("#check-result")).includes("is signed by the log key"), "the English check result is missing");
  await noHorizontalScroll("/auditor (English)");
  await shot("auditor-en");
  await setLanguage("zh");

  console.log("all expectations met");
  await browser.close();
} catch (err) {
  try { await shot("failure"); } catch { /* the page may be gone */ }
  await browser.close();
  console.error(`FAILED: ${err instanceof Expectation ? err.message : err.stack || err}`);
  process.exit(1);
}

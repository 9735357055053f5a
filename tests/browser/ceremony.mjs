// Browser test of the key ceremony from the teller console (/teller): a fresh encrypted
// election with three tellers; each teller, on "its own machine", downloads the export, runs
// `scrutineer teller run` (its key share never leaves that machine) and uploads the steps file
// on the page, which lists the steps in words before anything is sent. Three rounds
// (commitments, shares, checks); then the page shows the election key's fingerprint. Before
// that, a first attempt is abandoned by a teller whose state file was lost after its round 1
// (`teller run --restart REASON`): the page shows the restart and its reason.
//
//   node ceremony.mjs BASE_URL TELLER_USER TELLER_PASSWORD TELLERS_DIR SCREENSHOT_DIR
//
// TELLERS_DIR holds t1.key … t3.key (scrutineer teller keygen); the states are written there.
// Env: SCRUTINEER_BIN (the binary), CHROMIUM (default /usr/bin/chromium).
// Exits 1 with a message on the first failed expectation.
import { chromium } from "playwright-core";
import { writeFileSync, mkdirSync, existsSync, readFileSync, rmSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";

const [base, user, password, tellersDir, shots] = process.argv.slice(2);
if (!base || !user || !password || !tellersDir || !shots) {
  console.error("usage: node ceremony.mjs BASE_URL TELLER_USER TELLER_PASSWORD TELLERS_DIR SCREENSHOT_DIR");
  process.exit(2);
}
const bin = process.env.SCRUTINEER_BIN;
if (!bin) {
  console.error("SCRUTINEER_BIN is needed");
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
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "zh-CN" });
  await context.addInitScript(() => { try { localStorage.setItem("scrutineer.lang", "zh"); } catch { /* none */ } });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of (4\d\d)/.test(m.text())) problems.push(`console error: ${m.text()}`);
  });
  let shot = 0;
  const snap = async (name, sel) => {
    shot += 1;
    const file = join(shots, `ceremony-${String(shot).padStart(2, "0")}-${name}.png`);
    if (sel) await page.locator(sel).screenshot({ path: file });
    else await page.screenshot({ path: file, fullPage: true });
  };
  const text = async (sel) => (await page.locator(sel).innerText()).replace(/\s+/g, " ");

  await page.goto(`${base}/teller`);
  await page.waitForSelector("#login-form", { timeout: 10000 });
  await page.fill('#login-form input[name="username"]', user);
  await page.fill('#login-form input[name="password"]', password);
  await page.click('#login-form button[type="submit"]');
  await page.locator("#decryption-card:not(.hidden)").waitFor({ timeout: 15000 });
  const before = await text("#decryption-status");
  expect(/密钥仪式进行中/.test(before), `the ceremony is not shown in progress: ${before}`);
  await snap("before", "#decryption-card");
  log("the console shows the ceremony in progress");

  const tellers = ["t1", "t2", "t3"];
  let uploads = 0;
  // One teller's run on a fresh export, its steps file uploaded on the page: the preview
  // says what the step does (`words`) before it is sent.
  const upload = async (t, label, words, extra = []) => {
    const exp = await page.request.get(`${base}/api/v1/export`);
    expect(exp.ok(), `the export answered ${exp.status()}`);
    const tar = join(tellersDir, `export-${t}-${label}.tar`);
    writeFileSync(tar, await exp.body());
    const steps = join(tellersDir, `steps-${t}-${label}.json`);
    const out = execFileSync(bin, ["teller", "run", "--key", join(tellersDir, `${t}.key`), "--state", join(tellersDir, `${t}.state`), "--export", tar, "--out", steps, ...extra], { encoding: "utf8" });
    expect(existsSync(steps), `${t} has nothing to submit (${label}): ${out}`);
    await page.setInputFiles("#steps-file", steps);
    await page.locator("#steps-preview ol.steps-list").waitFor({ state: "visible", timeout: 10000 });
    const preview = await text("#steps-preview");
    expect(words.test(preview), `${label}: the preview does not say what the step does: ${preview}`);
    const n = JSON.parse(readFileSync(steps, "utf8")).steps.length;
    expect(await page.locator("#steps-preview ol.steps-list > li").count() === n, `the preview does not list the ${n} steps: ${preview}`);
    if (t === "t1" || extra.length) await snap(`${label}-preview`, "#decryption-card");
    await page.click("#steps-submit");
    await page.waitForSelector("#steps-msg ul.steps-done, #steps-msg .notice.bad", { timeout: 20000 });
    const m = await text("#steps-msg");
    expect(!/\[[a-z_]+\]/.test(m), `${t}'s ${label} was refused: ${m}\n${out}`);
    uploads += 1;
  };
  const reload = async () => {
    await page.reload();
    await page.locator("#decryption-card:not(.hidden)").waitFor({ timeout: 15000 });
  };

  // A first attempt: every teller's round 1; then t2's machine loses its state file, so t2
  // abandons the attempt with its reason, and every teller starts again.
  for (const t of tellers) await upload(t, "attempt1-round1", /承诺/);
  rmSync(join(tellersDir, "t2.state"));
  const reason = "二号计票人电脑损坏, 状态文件丢失";
  await upload("t2", "restart", new RegExp(`作废.*原因: ${reason}`), ["--restart", reason]);
  await reload();
  const restarted = await text("#decryption-status");
  expect(restarted.includes("第 2 次尝试") && restarted.includes(`第 1 次由第 2 号计票人作废: ${reason}`), `the console does not show the restart with its reason: ${restarted}`);
  await snap("restarted", "#decryption-card");
  // The organiser page's summary carries it too.
  const summary = await (await page.request.get(`${base}/api/v1/election`)).json();
  const r0 = summary.secrecy?.ceremony?.restarts?.[0];
  expect(r0 && r0.attempt === 1 && r0.teller === 2 && r0.reason === reason && summary.secrecy.ceremony.attempt === 2, `the election summary does not carry the restart: ${JSON.stringify(summary.secrecy)}`);
  // The new attempt's step 1 waits for every teller, named for the organiser to call.
  expect(JSON.stringify(summary.secrecy.ceremony.waiting) === JSON.stringify(tellers), `the election summary does not name whom step 1 waits for: ${JSON.stringify(summary.secrecy.ceremony)}`);
  log("a teller who lost its state file restarted the ceremony, with its reason shown");

  for (let round = 1; round <= 3; round++) {
    const words = { 1: /承诺/, 2: /份额/, 3: /核对/ }[round];
    for (const [i, t] of tellers.entries()) {
      await upload(t, `round${round}`, words);
      // The step waits for the tellers after this one, then (the last done) for all of the
      // next step's, until the key is set.
      const waits = (await (await page.request.get(`${base}/api/v1/election`)).json()).secrecy.ceremony?.waiting ?? [];
      const want = i + 1 < tellers.length ? tellers.slice(i + 1) : round < 3 ? tellers : [];
      expect(JSON.stringify(waits) === JSON.stringify(want), `round ${round} after ${t}: waiting for ${JSON.stringify(waits)}, not ${JSON.stringify(want)}`);
    }
    await reload();
    await snap(`round${round}-done`, "#decryption-card");
    log(`round ${round}: every teller's steps logged`);
  }
  expect(uploads === 13, `${uploads} uploads, not 13`);
  const after = await text("#decryption-status");
  expect(/密钥仪式已完成/.test(after) && /[0-9a-f]{4}(-[0-9a-f]{4}){7}/.test(after), `the ceremony is not shown complete with the key's fingerprint: ${after}`);
  // The fingerprint the page shows is the one every teller's tool computed on its machine.
  const fp = after.match(/[0-9a-f]{4}(-[0-9a-f]{4}){7}/)[0];
  const exp = await page.request.get(`${base}/api/v1/export`);
  const tar = join(tellersDir, "export-final.tar");
  writeFileSync(tar, await exp.body());
  const out = execFileSync(bin, ["teller", "run", "--key", join(tellersDir, "t1.key"), "--state", join(tellersDir, "t1.state"), "--export", tar], { encoding: "utf8" });
  expect(out.includes(fp), `teller t1's tool does not print the fingerprint ${fp}: ${out}`);
  await snap("complete", "#decryption-card");
  log("the key ceremony ran from the console; fingerprint", fp);
  expect(problems.length === 0, `the page reported problems: ${problems.join("; ")}`);
} catch (e) {
  exitCode = 1;
  console.error("FAILED:", e instanceof Failure ? e.message : e);
} finally {
  await browser.close();
}
process.exit(exitCode);

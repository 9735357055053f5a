// Browser test of the meeting's decision to reduce a party contest's seats (protocol 8: logged
// only with a registered teller's signature), on both pages that record it.
//
//   node reduce.mjs SCREENSHOT_DIR
//
// Env: SCRUTINEER_BIN (the binary), CHROMIUM (default /usr/bin/chromium). Starts its own
// `scrutineer serve` on a fresh directory and sets up over the API: a plaintext election with
// one registered teller key (teller-wang), two party contests of 3 seats each in which two
// candidates are elected (one seat unfilled each), counted, signed and published. Then:
//   - the teller page: without a key the reduction is refused on the page (no_key); with the key
//     file loaded, button.reduce-seats asks for the decision in the confirm dialog
//     (#reduce-basis) and the page signs it: logged, attested by teller 1;
//   - the organiser page: button.reduce-seats opens #reduce-dialog, whose #reduce-command is
//     `scrutineer teller attest … --contest C --basis "…"` with the decision typed; sent without
//     a signature it is refused (`unattested`) in #reduce-msg; with the output of that very
//     command (run here on an export) pasted in #reduce-attested it is logged.
// Exits 1 with a message on the first failed expectation.
import { chromium } from "playwright-core";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import net from "node:net";
import crypto from "node:crypto";

const [shots] = process.argv.slice(2);
const bin = process.env.SCRUTINEER_BIN;
if (!shots || !bin) {
  console.error("usage: SCRUTINEER_BIN=… node reduce.mjs SCREENSHOT_DIR");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
class Failure extends Error {}
function expect(cond, message) {
  if (!cond) throw new Failure(message);
}
const log = (...a) => console.log("✓", ...a);

// The teller key of tests/e2e_support's plain_teller (seed 32 × 0x0b), as `teller keygen` writes it.
const SEED = Buffer.alloc(32, 0x0b);
const KEY_NAME = "teller-wang";
const KEY_TEXT = "PRIVATE+KEY+teller-wang+456c8555+AQsLCwsLCwsLCwsLCwsLCwsLCwsLCwsLCwsLCwsLCwsL\n";
const VERIFIER = "teller-wang+456c8555+AWa+fjMsekUzMr2dCn99sFX1xe8aBq2mbZizn7aBDEc6";
const privateKey = crypto.createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), SEED]), format: "der", type: "pkcs8" });
/** The signed-note signature line of a checkpoint text by the teller key. */
const signatureLine = (text) => `— ${KEY_NAME} ${Buffer.concat([Buffer.from("456c8555", "hex"), crypto.sign(null, Buffer.from(text), privateKey)]).toString("base64")}`;

const tmp = mkdtempSync(join(tmpdir(), "reduce-test-"));
const keyFile = join(tmp, "teller-wang.key");
writeFileSync(keyFile, KEY_TEXT);

const port = await new Promise((resolve) => {
  const srv = net.createServer().listen(0, "127.0.0.1", () => { const p = srv.address().port; srv.close(() => resolve(p)); });
});
const base = `http://127.0.0.1:${port}`;
const out = join(tmp, "server.out");
const server = spawn(bin, ["serve", "--bind", `127.0.0.1:${port}`, "--data-dir", join(tmp, "data"), "--keys-dir", join(tmp, "keys"),
  "--logins-per-minute", "1000", "--exports-per-minute", "1000", "--token-checks-per-minute", "10000"], { stdio: ["ignore", "pipe", "pipe"] });
let serverOut = "";
server.stdout.on("data", (d) => { serverOut += d; });
server.stderr.on("data", () => {});

async function call(method, path, token, body, contentType = "application/json") {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = contentType;
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : contentType === "application/json" ? JSON.stringify(body) : body });
  const text = await res.text();
  let v;
  try { v = JSON.parse(text); } catch { v = text; }
  return { status: res.status, v };
}
async function ok(method, path, token, body, contentType) {
  const r = await call(method, path, token, body, contentType);
  expect(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.v).slice(0, 300)}`);
  return r.v;
}

const contests = [["c", "镇党委委员"], ["k", "镇纪委委员"]];
const spec = {
  format: "scrutineer.election/v1", id: "reduce-page-2026", title: "减少名额页面测试 seat reduction pages",
  contests: contests.map(([id, title]) => ({ id, title, kind: "party_committee", seats: 3,
    candidates: [{ id: `${id}a`, name: `王芳${id}` }, { id: `${id}b`, name: `李强${id}` }, { id: `${id}d`, name: `张军${id}` }, { id: `${id}e`, name: `陈静${id}` }] })),
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const problems = [];
let exitCode = 0;
try {
  // The service and its one-time organiser password.
  let orgOneTime = "";
  for (let i = 0; i < 600 && !orgOneTime; i++) {
    orgOneTime = serverOut.split("\n").map((l) => l.trim()).find((l) => l.length === 19 && (l.match(/-/g) || []).length === 3) || "";
    if (!orgOneTime) await new Promise((r) => setTimeout(r, 100));
  }
  expect(orgOneTime, `no one-time password printed: ${serverOut}`);
  for (let i = 0; i < 600; i++) {
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const passwords = {};
  async function signIn(user, oneTime) {
    const s = await ok("POST", "/api/v1/login", null, { username: user, password: oneTime, bearer: true });
    passwords[user] = `${oneTime} renewed at the first sign-in`;
    if (s.must_change_password) await ok("POST", "/api/v1/password", s.token, { old: oneTime, new: passwords[user] });
    return s.token;
  }
  const org = await signIn("organiser", orgOneTime);
  const account = async (name, role) => signIn(name, (await ok("POST", "/api/v1/accounts", org, { username: name, role })).password);
  const desk = await account("desk1", "registrar");
  const teller = await account("teller1", "teller");
  const code = (await ok("POST", "/api/v1/kiosks/pairing", org)).code;
  const kiosk = (await ok("POST", "/api/v1/kiosks/pair", null, { code, name: "hall-1" })).token;
  await ok("POST", "/api/v1/election", org, { spec, tellers: [VERIFIER], signatures_required: 1, election_date: "2026-12-01",
    secrecy: { mode: "plaintext", reason: "测试 test" } });
  let roll = "姓名,党员编号,选举单位,出生日期,政治权利,党员类别\n";
  for (let i = 1; i <= 10; i++) roll += `党员${i},M${String(i).padStart(3, "0")},一支部,1980-05-01,是,正式党员\n`;
  await ok("POST", "/api/v1/roll", org, roll, "text/csv");
  const sheet = await fetch(`${base}/api/v1/pools`, { method: "POST", headers: { Authorization: `Bearer ${org}`, "Content-Type": "application/json" }, body: JSON.stringify({ style: 0 }) }).then((r) => r.text());
  const tokens = sheet.split('<div class="code">').slice(1).map((s) => s.split("</div>")[0].replace(/<span class="line">/g, " ").replace(/<\/span>/g, " ").replace(/\s+/g, ""));
  expect(tokens.length >= 9, `only ${tokens.length} slips`);
  for (const [id] of contests) await ok("POST", `/api/v1/contests/${id}/open`, org);
  for (let i = 1; i <= 9; i++) await ok("POST", "/api/v1/checkins", desk, { number: `M${String(i).padStart(3, "0")}` });
  // P = 9: a and b get 9 each (elected), d and e 4 each (not more than half): one seat unfilled.
  for (let n = 0; n < 9; n++) {
    const pick = n <= 3 ? ["a", "b", "d"] : n <= 7 ? ["a", "b", "e"] : ["a", "b"];
    await ok("POST", "/api/v1/ballots", kiosk, { token: tokens[n], ballots: contests.map(([id]) => ({ contest: id, marks: Object.fromEntries(pick.map((x) => [`${id}${x}`, "for"])) })) });
  }
  for (const [id] of contests) {
    await ok("POST", `/api/v1/contests/${id}/close`, teller);
    const r = await ok("POST", `/api/v1/contests/${id}/tally`, teller);
    const index = r.result_index ?? r.index;
    const d = await ok("GET", `/api/v1/results/${index}`, teller);
    expect(d.result.contests[0].unfilled_seats === 1, `contest ${id} should leave one seat unfilled: ${JSON.stringify(d.result.contests[0]).slice(0, 300)}`);
    await ok("POST", `/api/v1/results/${index}/signatures`, teller, { line: signatureLine(d.checkpoint_text) });
    await ok("POST", `/api/v1/results/${index}/publish`, org);
  }
  const reducedBy = async (id) => (await ok("GET", "/api/v1/election")).contests.find((c) => c.id === id);
  expect((await reducedBy("k")).reducible === true, "contest k is not reducible after its publication");
  log("two party contests published with one seat unfilled each");

  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "zh-CN" });
  await context.addInitScript(() => { try { localStorage.setItem("scrutineer.lang", "zh"); } catch { /* none */ } });
  let shot = 0;
  const snap = async (p, name, opts = {}) => p.screenshot({ path: join(shots, `reduce-${String(++shot).padStart(2, "0")}-${name}.png`), fullPage: true, ...opts });
  const signInPage = async (p, path, user) => {
    p.on("pageerror", (e) => problems.push(`${path} page error: ${e.message}`));
    p.on("console", (m) => { if (m.type() === "error" && !/status of (4\d\d)/.test(m.text())) problems.push(`${path} console error: ${m.text()}`); });
    await p.goto(`${base}${path}`);
    await p.waitForSelector("#login-form");
    await p.fill("#login-form input[name=username]", user);
    await p.fill("#login-form input[name=password]", passwords[user]);
    await p.click("#login-form button[type=submit]");
  };

  // The teller page: contest k, signed with the loaded key.
  const page = await context.newPage();
  await signInPage(page, "/teller", "teller1");
  const button = page.locator('button.reduce-seats[data-contest="k"]');
  await button.waitFor({ state: "visible", timeout: 15000 });
  expect(await page.locator('button.reduce-seats[data-contest="c"]').count() === 1, "the teller page offers no reduction of c");
  await button.click();
  await page.waitForSelector("#msg .notice.bad", { timeout: 5000 });
  expect(/\[no_key\]/.test(await page.locator("#msg").innerText()), `without a key the reduction is not refused on the page: ${await page.locator("#msg").innerText()}`);
  await page.setInputFiles("#key-file", keyFile);
  await page.waitForSelector("#key-info[data-registered='yes']", { timeout: 5000 });
  await button.click();
  await page.locator("#confirm-dialog").waitFor({ state: "visible", timeout: 5000 });
  expect(/第 1 号/.test(await page.locator("#confirm-text").innerText()), "the dialog does not say which teller's key signs");
  const tellerBasis = "大会决定 the meeting decided: 纪委委员减为 2 名";
  await page.fill("#reduce-basis", `  ${tellerBasis} `);
  await snap(page, "teller-dialog", { fullPage: false });
  await page.click("#confirm-ok");
  await page.waitForSelector("#msg .notice.ok", { timeout: 10000 });
  const done = await page.locator("#msg").innerText();
  expect(/已记录减少名额的决定/.test(done) && done.includes(KEY_NAME), `no confirmation naming the key: ${done}`);
  await page.waitForSelector('tr.contest[data-id="k"] button.reduce-seats', { state: "detached", timeout: 10000 });
  const k = await reducedBy("k");
  expect(k.seats_reduced_by === 1, `contest k is not reduced: ${JSON.stringify(k)}`);
  expect((await page.locator('tr.contest[data-id="k"]').innerText()).includes("现为 2 名"), "the contest row does not show the reduced seats");
  await snap(page, "teller-done");
  log("the teller page signs a seat reduction with the loaded key:", done.replace(/\s+/g, " ").slice(0, 140));

  // The organiser page: contest c, with the signature `scrutineer teller attest` prints.
  const orgPage = await context.newPage();
  await signInPage(orgPage, "/organiser", "organiser");
  const orgButton = orgPage.locator('button.reduce-seats[data-contest="c"]');
  await orgButton.waitFor({ state: "visible", timeout: 15000 });
  expect(await orgPage.locator('button.reduce-seats[data-contest="k"]').count() === 0, "the organiser page still offers to reduce k");
  await orgButton.click();
  await orgPage.locator("#reduce-dialog").waitFor({ state: "visible", timeout: 5000 });
  const basis = "第二次全体会议表决通过: 委员名额由 3 名减为 2 名, 不再选举";
  await orgPage.fill("#reduce-basis", basis);
  const command = (await orgPage.locator("#reduce-command").innerText()).replace(/\s+/g, " ");
  expect(command.includes(`scrutineer teller attest --key 计票人密钥.key --export export.tar --contest c --basis "${basis}"`), `the command is not filled in: ${command}`);
  await orgPage.click("#reduce-ok");
  await orgPage.waitForSelector("#reduce-msg .notice.bad", { timeout: 10000 });
  const refused = (await orgPage.locator("#reduce-msg").innerText()).replace(/\s+/g, " ");
  expect(/\[unattested\]/.test(refused), `a reduction without a teller's signature was not refused with unattested: ${refused}`);
  expect((await reducedBy("c")).seats_reduced_by === 0, "the unsigned reduction was logged");
  // The teller runs the command on an export and the organiser pastes what it prints.
  const tar = join(tmp, "export.tar");
  const exp = await fetch(`${base}/api/v1/export`, { headers: { Authorization: `Bearer ${org}` } });
  expect(exp.ok, `the export answered ${exp.status}`);
  writeFileSync(tar, Buffer.from(await exp.arrayBuffer()));
  const printed = execFileSync(bin, ["teller", "attest", "--key", keyFile, "--export", tar, "--contest", "c", "--basis", basis], { encoding: "utf8" });
  await orgPage.fill("#reduce-attested", printed);
  await snap(orgPage, "organiser-dialog", { fullPage: false });
  await orgPage.click("#reduce-ok");
  await orgPage.locator("#reduce-dialog").waitFor({ state: "hidden", timeout: 10000 });
  await orgPage.waitForSelector("#results-msg .notice.ok", { timeout: 10000 });
  const orgDone = (await orgPage.locator("#results-msg").innerText()).replace(/\s+/g, " ");
  expect(/已记录减少名额的决定/.test(orgDone) && orgDone.includes(KEY_NAME), `no confirmation naming the teller: ${orgDone}`);
  expect((await reducedBy("c")).seats_reduced_by === 1, "contest c is not reduced");
  await snap(orgPage, "organiser-done");
  log("the organiser page takes the teller's signature from scrutineer teller attest:", orgDone.slice(0, 140));
  expect(problems.length === 0, `browser errors:\n  ${problems.join("\n  ")}`);
} catch (err) {
  exitCode = 1;
  console.error("✗", err instanceof Failure ? err.message : err.stack || err);
  if (problems.length) console.error("browser errors:\n  " + problems.join("\n  "));
} finally {
  await browser.close();
  server.kill();
  try { rmSync(tmp, { recursive: true, force: true }); } catch { /* left */ }
}
process.exit(exitCode);

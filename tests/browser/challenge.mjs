// Browser test of cast-or-check (a Benaloh challenge, docs/E2E.md §8.4) on the real pages:
// the kiosk (/kiosk), the check page on a phone (/verify) and the teller page's kiosk test
// card (/teller).
//
//   node challenge.mjs BASE_URL PAIRING_CODE TOKEN1 TOKEN2 TOKEN3 TELLER_PASSWORD SCREENSHOT_DIR
//
// BASE_URL        e.g. http://127.0.0.1:18181 (a `scrutineer serve --demo` server)
// PAIRING_CODE    a fresh 12-digit code from POST /api/v1/kiosks/pairing
// TOKEN1..3       three unspent ballot codes of style 0 (153 characters, from the slip sheet);
//                 TOKEN1 is a voter's (checked, then cast), TOKEN2 is checked on a tampered
//                 kiosk, TOKEN3 is a 监票人's test slip (checked, recorded as a match, and
//                 then refused at the kiosk with token_tested). TOKEN2 and TOKEN3 are never cast.
// TOKEN4          a voter whose cast's answer is lost (the ballot is cast): the kiosk no longer
//                 offers a check of those choices; first refused by a downgraded kiosk.
// TELLER_PASSWORD the password of the teller account TELLER_USER
// SCREENSHOT_DIR  where the challenge-NN-step.png screenshots go (created if missing)
//
// Env: TELLER_USER (default demo-teller), CHROMIUM (default /usr/bin/chromium), HEADFUL=1.
// Expects the demo election: encrypted, style 0 with two open party contests (committee: 7
// seats, 8 candidates; discipline: 3 seats, 4 candidates), a teller account that may record
// kiosk tests. Steps:
//  (i)   a voter chooses, sees the confirmation code, presses #check; #screen-spoiled shows the
//        same code, the check receipt and a QR code; a phone opens check_url and the verify
//        page shows the same code and exactly the marks pressed; the code typed instead of
//        the receipt finds the same ballot;
//  (iii) the spoiled ballot's lines posted to /api/v1/ballots from the kiosk's session are
//        refused with ballot_spoiled;
//  (ii)  #revote: the choices are kept; a second check whose answer is lost (page.route
//        lets it reach the server, then resets the connection) says nothing is cast or
//        checked and no longer offers #cast (its openings were sent), pressing #check again
//        shows it as logged and the check page finds it by its
//        code; then a fresh encryption (a new code) is cast with the same slip; the receipt
//        repeats the new code and the verify page shows it (and no choices);
//  (iv)  a tampered kiosk (kiosk.js served with one mark flipped, for → 不赞成, just before
//        encryption): the voter's review is right, but the verify page shows the flipped mark:
//        the cheat is caught; left alone on #screen-spoiled (?idle_seconds=8), the kiosk goes
//        back to the start saying nothing was cast;
//  (v)   a 监票人 on the teller page opens the tampered kiosk's check receipt, records a
//        mismatch, and table#kiosk-tests shows it highlighted; the honest test (TOKEN3) is
//        recorded as a match, and TOKEN3 can no longer vote (token_tested).
// Besides: a server that leaves the election key out of one voter's ballot (a downgrade to
// plaintext), or gives it under another election's id, is refused by a kiosk that has
// encrypted for the election since it was paired, the slip unused; a
// cast whose answer is lost leaves #check disabled, also after a fresh encryption.
// Two ballots are cast (TOKEN1's and TOKEN4's); what they hold is written to
// SCREENSHOT_DIR/challenge-choices.json ({token, ballots: [ballot lines]}, like kiosk.mjs's
// kiosk-choices.json) so a decrypted count can include it. Four spoiled ballots are logged
// (TOKEN1 twice, TOKEN2, TOKEN3) and two kiosk tests (a mismatch, a match).
// Exits 0 when every expectation holds; otherwise prints the failed expectation, saves
// challenge-FAILED.png in SCREENSHOT_DIR and exits 1.

import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";

const [BASE, PAIRING_CODE, TOKEN1, TOKEN2, TOKEN3, TOKEN4, TELLER_PASSWORD, DIR] = process.argv.slice(2);
if (!BASE || !PAIRING_CODE || !TOKEN1 || !TOKEN2 || !TOKEN3 || !TOKEN4 || !TELLER_PASSWORD || !DIR) {
  console.error("usage: node challenge.mjs BASE_URL PAIRING_CODE TOKEN1 TOKEN2 TOKEN3 TOKEN4 TELLER_PASSWORD SCREENSHOT_DIR");
  process.exit(2);
}
const TELLER_USER = process.env.TELLER_USER || "demo-teller";
fs.mkdirSync(DIR, { recursive: true });

const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const SCREENS = ["screen-pair", "screen-idle", "screen-contest", "screen-review", "screen-confirm", "screen-spoiled", "screen-receipt"];
/** The line of kiosk.js a tampered kiosk changes (the plaintext marks, before encryption). */
const TAMPER_AT = `for (const p of c.candidates) marks[p.index] = choice.marks.get(p.id) || "abstain";`;
/** The tampered kiosk: the first candidate (in ballot order) marked for is encrypted as against. */
const TAMPER_WITH = `${TAMPER_AT} { const k = marks.indexOf("for"); if (k >= 0 && c.shape.against) marks[k] = "against"; }`;

class Failed extends Error {}
function expect(cond, message) {
  if (!cond) throw new Failed(message);
}
const log = (msg) => console.log(`  ✓ ${msg}`);

let current = null; // the page last driven, for the failure screenshot
let step = 0;
async function shot(page, name) {
  step += 1;
  const file = path.join(DIR, `challenge-${String(step).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`  screenshot ${path.basename(file)}`);
}

/**
 * Page errors and console errors: 4xx answers are expected here (refusals are part of the
 * test), and so is the connection reset this script makes to lose a check's answer.
 */
function watch(page, problems, what) {
  page.on("pageerror", (e) => problems.push(`${what}: page error ${e}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of 4\d\d|net::ERR_CONNECTION_RESET/.test(m.text())) problems.push(`${what}: console error ${m.text()}`);
  });
}

const textOf = async (page, sel) => (await page.locator(sel).first().innerText()).replace(/\s+/g, " ").trim();

async function expectScreen(page, id, why) {
  try {
    await page.locator(`#${id}`).waitFor({ state: "visible", timeout: 15000 });
  } catch {
    const err = await page.locator("#kiosk-error").isVisible() ? ` (the page says: “${await textOf(page, "#kiosk-error")}”)` : "";
    expect(false, `${why}: #${id} is not shown${err}`);
  }
  for (const other of SCREENS) {
    if (other !== id) expect(!(await page.locator(`#${other}`).isVisible()), `${why}: #${other} is shown together with #${id}`);
  }
}

/** Scans a token as a USB scanner does; returns the ballot JSON. */
async function openBallot(page, token, why) {
  const answer = page.waitForResponse((r) => r.url().endsWith("/api/v1/kiosk/ballot"), { timeout: 15000 });
  await page.locator("#token-input").focus();
  await page.keyboard.type(token, { delay: 0 });
  await page.keyboard.press("Enter");
  const res = await answer;
  const ballot = await res.json();
  expect(res.status() === 200, `${why}: the ballot fetch answered ${res.status()} ${JSON.stringify(ballot)}`);
  expect(ballot.e2e && ballot.e2e.fingerprint, `${why}: the demo election is not encrypted`);
  await expectScreen(page, "screen-contest", why);
  return ballot;
}

/**
 * Marks a ballot: `plan` maps contest id → {marks: {candidate id: mark}, writeIns: []}.
 * Ends on the review screen.
 */
async function vote(page, ballot, plan) {
  for (const c of ballot.contests) {
    const p = plan[c.id] || { marks: {}, writeIns: [] };
    for (const [id, mark] of Object.entries(p.marks)) {
      await page.locator(`.candidate[data-id="${id}"] button[data-mark="${mark}"]`).click();
    }
    for (const name of p.writeIns || []) {
      await page.locator("#write-in").fill(name);
      await page.locator("#write-in-add").click();
    }
    await page.locator("#next").click();
  }
  await expectScreen(page, "screen-review", "after the last contest");
}

/**
 * A new kiosk page (same browser, so the same pairing and remembered key) whose ballot
 * answers `edit` changes as a server could: TOKEN4 is scanned, and the refusal it shows is
 * returned; the ballot must not open and nothing may be cast. `shotName`: a screenshot.
 */
async function refusedAnswer(context, problems, what, edit, shotName) {
  const page = await context.newPage();
  current = page;
  watch(page, problems, what);
  let casts = 0;
  page.on("request", (r) => { if (r.url().endsWith("/api/v1/ballots")) casts += 1; });
  await page.route("**/api/v1/kiosk/ballot", async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    edit(body);
    await route.fulfill({ response: res, json: body });
  });
  await page.goto(`${BASE}/kiosk`);
  await expectScreen(page, "screen-idle", what);
  await page.locator("#token-input").focus();
  await page.keyboard.type(TOKEN4, { delay: 0 });
  await page.keyboard.press("Enter");
  await page.locator("#kiosk-error").waitFor({ state: "visible", timeout: 15000 });
  const msg = await textOf(page, "#kiosk-error");
  expect(!(await page.locator("#screen-contest").isVisible()), `${what}: the ballot is shown`);
  expect(casts === 0, `${what}: a ballot was sent`);
  if (shotName) await shot(page, shotName);
  await page.close();
  return msg;
}

/** #confirm: encrypts and shows the code; returns it. */
async function encrypt(page, why) {
  await page.locator("#confirm").click();
  await expectScreen(page, "screen-confirm", why);
  const code = await textOf(page, "#confirm-code");
  expect(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/.test(code), `${why}: the confirmation code looks wrong: “${code}”`);
  return code;
}

/** #check: returns {request, answer} of POST /api/v1/kiosk/spoil; ends on #screen-spoiled. */
async function check(page, code, why) {
  const reqP = page.waitForRequest((r) => r.url().endsWith("/api/v1/kiosk/spoil") && r.method() === "POST", { timeout: 15000 });
  const resP = page.waitForResponse((r) => r.url().endsWith("/api/v1/kiosk/spoil"), { timeout: 30000 });
  await page.locator("#check").click();
  const request = (await reqP).postDataJSON();
  const res = await resP;
  const answer = await res.json();
  expect(res.status() === 201, `${why}: the check answered ${res.status()} ${JSON.stringify(answer)}`);
  expect(Array.isArray(request.encrypted) && request.encrypted.every((l) => typeof l.opening === "string" && l.opening.length > 40),
    `${why}: the check was not sent with the openings`);
  expect(answer.confirmation === code, `${why}: the server logged the code ${answer.confirmation}, the kiosk showed ${code}`);
  expect(/^R\d+-[0-9A-Z]{16}$/.test(answer.receipt || ""), `${why}: the check receipt looks wrong: ${answer.receipt}`);
  expect(typeof answer.check_url === "string" && answer.check_url.includes("/verify?receipt="), `${why}: check_url is ${answer.check_url}`);
  await expectScreen(page, "screen-spoiled", why);
  expect((await textOf(page, "#spoiled-code")) === code, `${why}: #spoiled-code is not the code shown before the check`);
  expect((await textOf(page, "#spoiled-receipt")) === answer.receipt, `${why}: #spoiled-receipt is not the check receipt`);
  expect(await page.locator("#spoiled-qr svg").count() === 1, `${why}: no QR code in #spoiled-qr`);
  return { request, answer };
}

/** Waits for the verify page's verdict; returns #receipt-result's status. */
async function verdict(page) {
  await page.waitForFunction(() => ["ok", "fail"].includes(document.querySelector("#receipt-result")?.dataset.status), null, { timeout: 60000 });
  return page.$eval("#receipt-result", (el) => el.dataset.status);
}

/** The opened marks on a page: {contest id: {candidate index: mark}} and write-ins. */
async function openedMarks(page, root = "") {
  return page.$$eval(`${root} .spoiled-contest`, (sections) => Object.fromEntries(sections.map((s) => [s.dataset.contest, {
    marks: Object.fromEntries([...s.querySelectorAll(".choice[data-candidate-index]")].map((c) => [c.dataset.candidateIndex, c.dataset.mark])),
    writeIns: [...s.querySelectorAll(".choice.write-in")].map((c) => c.textContent.trim()),
    status: s.dataset.status,
  }])));
}

/** What a plan means as the verify page shows it: every candidate's mark by ballot index. */
function expected(ballot, plan) {
  return Object.fromEntries(ballot.contests.map((c) => [c.id, {
    marks: Object.fromEntries(c.candidates.map((p) => [String(p.index), (plan[c.id]?.marks || {})[p.id] || "abstain"])),
    writeIns: [...(plan[c.id]?.writeIns || [])],
  }]));
}

const absolute = (url) => new URL(url, BASE).toString();

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ARGS, headless: !process.env.HEADFUL });
const problems = [];
let code = 0;
try {
  const kioskContext = await browser.newContext({ viewport: { width: 1080, height: 1920 }, locale: "zh-CN" });
  const kiosk = await kioskContext.newPage();
  current = kiosk;
  watch(kiosk, problems, "kiosk");
  await kiosk.goto(`${BASE}/kiosk`);
  await expectScreen(kiosk, "screen-pair", "a fresh kiosk");
  await kiosk.locator("#pair-code").fill(PAIRING_CODE);
  await kiosk.locator("#pair-name").fill("challenge");
  await kiosk.locator("#pair-submit").click();
  await expectScreen(kiosk, "screen-idle", "after pairing");

  const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "zh-CN", isMobile: true, hasTouch: true });
  const phone = await phoneContext.newPage();
  watch(phone, problems, "phone");

  // (i) A voter checks the kiosk.
  console.log("(i) a voter checks the kiosk's encryption");
  const ballot = await openBallot(kiosk, TOKEN1, "voter");
  const [c1, c2] = ballot.contests;
  expect(c1 && c2 && c1.candidates.length >= 5 && c2.candidates.length >= 2, "the demo ballot does not have its two party contests");
  const plan = {
    [c1.id]: { marks: { [c1.candidates[0].id]: "for", [c1.candidates[1].id]: "for", [c1.candidates[2].id]: "for", [c1.candidates[3].id]: "against" }, writeIns: ["钱多多"] },
    [c2.id]: { marks: { [c2.candidates[0].id]: "for", [c2.candidates[1].id]: "against" }, writeIns: [] },
  };
  await vote(kiosk, ballot, plan);
  const code1 = await encrypt(kiosk, "the voter's ballot");
  await shot(kiosk, "code");
  const spoil1 = await check(kiosk, code1, "the voter's check");
  const spoiledText = await textOf(kiosk, "#screen-spoiled");
  expect(spoiledText.includes("用手机扫描二维码") && spoiledText.includes("用同一张选票码重新投票") && spoiledText.includes("不计入"),
    `#screen-spoiled does not explain what to do: ${spoiledText}`);
  await shot(kiosk, "spoiled");
  log(`code ${code1}, check receipt ${spoil1.answer.receipt}`);

  current = phone;
  await phone.goto(absolute(spoil1.answer.check_url));
  const status1 = await verdict(phone);
  expect(status1 === "ok", `the check page did not verify the checked ballot: ${await textOf(phone, "#receipt-result")}`);
  expect(await phone.locator('#spoiled-result[data-status="ok"]').count() === 1, "#spoiled-result is missing or not ok");
  expect((await textOf(phone, "#spoiled-code")) === code1, `the check page shows the code ${await textOf(phone, "#spoiled-code")}, the kiosk showed ${code1}`);
  const result1 = await textOf(phone, "#receipt-result");
  expect(/作废/.test(result1) && /没有.*计入/.test(result1), `the check page does not say the ballot is void and not counted: ${result1}`);
  expect(result1.includes(ballot.e2e.fingerprint), "the check page does not show the election key fingerprint");
  const want1 = expected(ballot, plan);
  const got1 = await openedMarks(phone);
  for (const c of ballot.contests) {
    expect(got1[c.id], `the check page shows no .spoiled-contest for ${c.id}`);
    expect(JSON.stringify(got1[c.id].marks) === JSON.stringify(want1[c.id].marks),
      `${c.id}: the check page shows ${JSON.stringify(got1[c.id].marks)}, the voter pressed ${JSON.stringify(want1[c.id].marks)}`);
    expect(JSON.stringify(got1[c.id].writeIns) === JSON.stringify(want1[c.id].writeIns), `${c.id}: write-ins ${JSON.stringify(got1[c.id].writeIns)}`);
  }
  await shot(phone, "verify-checked");
  log("the phone shows the same code and exactly the marks pressed");

  // The confirmation code typed instead of the receipt finds the same ballot.
  await phone.goto(`${BASE}/verify`);
  await phone.locator("#receipt-input").fill(` ${code1.toLowerCase().replace("-", " ")} `);
  await phone.locator("#receipt-check").click();
  expect(await verdict(phone) === "ok", `the confirmation code did not find the ballot: ${await textOf(phone, "#receipt-result")}`);
  expect((await textOf(phone, "#spoiled-code")) === code1, "looking up the confirmation code shows another code");
  expect((await textOf(phone, "#receipt-result")).includes(spoil1.answer.receipt), "looking up the confirmation code does not name the receipt");
  await shot(phone, "verify-by-code");
  log("the confirmation code finds the same ballot");

  // (iii) The spoiled ballot can never be cast.
  console.log("(iii) the spoiled ballot cannot be cast");
  current = kiosk;
  const lines = spoil1.request.encrypted.map(({ contest, group, ballot: b }) => ({ contest, group, ballot: b }));
  const repost = await kiosk.evaluate(async (body) => {
    const m = await import("/assets/js/common.js");
    try {
      return { ok: true, answer: await m.api("POST", "/api/v1/ballots", body) };
    } catch (err) {
      return { ok: false, status: err.status, code: err.code, message: err.message };
    }
  }, { token: TOKEN1, encrypted: lines });
  expect(!repost.ok && repost.code === "ballot_spoiled", `re-posting the spoiled lines was not refused with ballot_spoiled: ${JSON.stringify(repost)}`);
  log(`refused: ${repost.status} ${repost.code}`);

  // (ii) Vote again with the same slip.
  console.log("(ii) the voter votes again with the same slip");
  await kiosk.locator("#revote").click();
  await expectScreen(kiosk, "screen-contest", "after #revote");
  expect((await textOf(kiosk, "#contest-title")) === c1.title, "#revote does not go back to the first contest");
  for (const [id, mark] of Object.entries(plan[c1.id].marks)) {
    expect((await kiosk.locator(`.candidate[data-id="${id}"] button[data-mark="${mark}"]`).getAttribute("aria-pressed")) === "true", `#revote lost the mark of ${id}`);
  }
  expect((await textOf(kiosk, "#write-in-list")).includes("钱多多"), "#revote lost the write-in");
  await shot(kiosk, "revote");
  await kiosk.locator("#next").click();
  await kiosk.locator("#next").click();
  await expectScreen(kiosk, "screen-review", "reviewing again");

  // A check whose answer is lost: the kiosk says nothing is cast or checked; pressing again
  // finds it already logged, and the code finds it on the check page.
  const codeLost = await encrypt(kiosk, "an encryption checked with a lost answer");
  await kiosk.route("**/api/v1/kiosk/spoil", async (route) => {
    await route.fetch();
    await route.abort("connectionreset");
  }, { times: 1 });
  await kiosk.locator("#check").click();
  await kiosk.locator("#kiosk-error").waitFor({ state: "visible", timeout: 15000 });
  const lostMsg = await textOf(kiosk, "#kiosk-error");
  expect(lostMsg.includes("既未投出, 也未核验") && lostMsg.includes("核验"), `a lost check answer is not explained: ${lostMsg}`);
  await expectScreen(kiosk, "screen-confirm", "after a lost check answer");
  expect(!(await kiosk.locator("#check").isDisabled()), "#check must stay possible after a lost answer");
  // Its openings reached the server: that encryption must never be cast.
  expect(await kiosk.locator("#cast").isDisabled(), "#cast is possible for an encryption whose openings were sent");
  expect(lostMsg.includes("不能再投出") && lostMsg.includes("返回修改"), `the kiosk does not say the checked encryption cannot be cast: ${lostMsg}`);
  await shot(kiosk, "check-answer-lost");
  await kiosk.locator("#check").click();
  await expectScreen(kiosk, "screen-spoiled", "pressing #check again");
  expect((await textOf(kiosk, "#spoiled-code")) === codeLost, "the already-logged check shows another code");
  expect((await textOf(kiosk, "#spoiled-note")).includes(codeLost), `the kiosk does not say to look the code up: ${await textOf(kiosk, "#spoiled-note")}`);
  await shot(kiosk, "check-already-logged");
  current = phone;
  await phone.goto(`${BASE}/verify?receipt=${encodeURIComponent(codeLost)}`);
  expect(await verdict(phone) === "ok", `the lost check is not found by its code: ${await textOf(phone, "#receipt-result")}`);
  expect((await textOf(phone, "#spoiled-code")) === codeLost, "the lost check's code shows another ballot");
  log(`a lost check answer: logged once, found by its code ${codeLost}`);
  current = kiosk;
  await kiosk.locator("#revote").click();
  await kiosk.locator("#next").click();
  await kiosk.locator("#next").click();
  await expectScreen(kiosk, "screen-review", "reviewing a third time");
  const code2 = await encrypt(kiosk, "the encryption to cast");
  expect(code2 !== code1, `the second encryption shows the same code ${code1}`);
  const castP = kiosk.waitForResponse((r) => r.url().endsWith("/api/v1/ballots"), { timeout: 30000 });
  await kiosk.locator("#cast").click();
  const cast = await castP;
  const castBody = await cast.json();
  expect(cast.status() === 201, `casting with the same slip answered ${cast.status()} ${JSON.stringify(castBody)}`);
  expect(castBody.confirmation === code2, `the cast's confirmation code is ${castBody.confirmation}, the kiosk showed ${code2}`);
  await expectScreen(kiosk, "screen-receipt", "after the cast");
  expect((await textOf(kiosk, "#receipt-confirmation")) === code2, "the receipt does not repeat the confirmation code");
  const receipt2 = await textOf(kiosk, "#receipt-code");
  await shot(kiosk, "cast");
  log(`cast with the same slip: ${receipt2}, code ${code2}`);
  // What this voter cast, for a decrypted count (the same form as kiosk.mjs's file).
  const castLines = ballot.contests.map((c) => ({ contest: c.id, marks: plan[c.id].marks, write_ins: plan[c.id].writeIns }));
  fs.writeFileSync(path.join(DIR, "challenge-choices.json"), JSON.stringify({ token: TOKEN1, ballots: castLines }, null, 2));
  await kiosk.locator("#done").click();
  await expectScreen(kiosk, "screen-idle", "after #done");

  current = phone;
  await phone.goto(`${BASE}/verify?receipt=${encodeURIComponent(receipt2)}`);
  expect(await verdict(phone) === "ok", `the cast receipt did not verify: ${await textOf(phone, "#receipt-result")}`);
  expect((await textOf(phone, "#confirmation-code")) === code2, "the verify page does not show the cast ballot's confirmation code");
  expect(await phone.locator("#spoiled-result, .spoiled-contest").count() === 0, "the verify page opened a cast ballot");
  await shot(phone, "verify-cast");
  log("the cast ballot's receipt shows its code and no choices");

  // Once cast, the spoiled lines are still refused.
  current = kiosk;
  const again = await kiosk.evaluate(async (body) => {
    const m = await import("/assets/js/common.js");
    try { await m.api("POST", "/api/v1/ballots", body); return { ok: true }; } catch (err) { return { ok: false, status: err.status, code: err.code }; }
  }, { token: TOKEN1, encrypted: lines });
  expect(!again.ok && ["ballot_spoiled", "token_spent"].includes(again.code), `re-posting after the cast: ${JSON.stringify(again)}`);

  // A server that hands the kiosk another election key (one it holds) with the registered
  // key's fingerprint: the kiosk computes the fingerprint itself and refuses to encrypt.
  const rekeyed = await kioskContext.newPage();
  current = rekeyed;
  watch(rekeyed, problems, "re-keyed kiosk");
  await rekeyed.route("**/api/v1/kiosk/ballot", async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    // The ristretto255 base point: a valid key whose secret everyone knows.
    body.e2e.key = Buffer.from("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76", "hex").toString("base64");
    await route.fulfill({ response: res, json: body });
  });
  await rekeyed.goto(`${BASE}/kiosk`);
  await expectScreen(rekeyed, "screen-idle", "the re-keyed kiosk");
  await rekeyed.locator("#token-input").focus();
  await rekeyed.keyboard.type(TOKEN2, { delay: 0 });
  await rekeyed.keyboard.press("Enter");
  await rekeyed.locator("#kiosk-error").waitFor({ state: "visible", timeout: 15000 });
  const rekeyedMsg = await textOf(rekeyed, "#kiosk-error");
  expect(rekeyedMsg.includes("指纹不符"), `a kiosk given another key did not refuse: ${rekeyedMsg}`);
  expect(!(await rekeyed.locator("#screen-contest").isVisible()), "the re-keyed kiosk shows the ballot");
  await shot(rekeyed, "kiosk-key-mismatch");
  await rekeyed.close();
  log("a kiosk handed another election key refuses to encrypt");

  // A server that leaves the key out of one voter's answer, so that the kiosk's own code
  // would send the choices in the clear: a kiosk that has encrypted for this election
  // refuses, and the slip is not used.
  const downMsg = await refusedAnswer(kioskContext, problems, "downgraded kiosk", (body) => { delete body.e2e; }, "kiosk-plaintext-refused");
  expect(downMsg.includes("要求不加密投票") && downMsg.includes("选票码未使用") && downMsg.includes("kiosk_plaintext_refused"),
    `a kiosk asked to cast in the clear did not refuse: ${downMsg}`);
  log("a kiosk that has encrypted refuses a ballot answer without the election key");

  // The same for a key given under another election's id (a server's own key, with its
  // own fingerprint, would pass the fingerprint check): a paired kiosk serves one election.
  const movedMsg = await refusedAnswer(kioskContext, problems, "kiosk given another election", (body) => { body.e2e.election_id = "another-election-2026"; }, "");
  expect(movedMsg.includes("kiosk_key_changed") && movedMsg.includes("重新配对"), `a kiosk given another election did not refuse: ${movedMsg}`);
  log("a paired kiosk refuses a key given under another election's id");

  // A cast whose answer is lost (it reached the server): the kiosk no longer offers a
  // check of those choices, not even of a fresh encryption, and pressing Cast again finds the
  // code used.
  current = kiosk;
  const ballot4 = await openBallot(kiosk, TOKEN4, "a voter whose cast's answer is lost");
  const [u1, u2] = ballot4.contests;
  const plan4 = {
    [u1.id]: { marks: { [u1.candidates[1].id]: "for", [u1.candidates[2].id]: "against" }, writeIns: [] },
    [u2.id]: { marks: { [u2.candidates[0].id]: "for" }, writeIns: [] },
  };
  await vote(kiosk, ballot4, plan4);
  await encrypt(kiosk, "the encryption whose cast's answer is lost");
  let lostCast = null;
  await kiosk.route("**/api/v1/ballots", async (route) => {
    const res = await route.fetch();
    lostCast = res.status();
    await route.abort("connectionreset");
  }, { times: 1 });
  await kiosk.locator("#cast").click();
  await kiosk.locator("#kiosk-error").waitFor({ state: "visible", timeout: 15000 });
  expect(lostCast === 201, `the cast whose answer is lost was not cast: ${lostCast}`);
  await expectScreen(kiosk, "screen-confirm", "after a lost cast answer");
  // The same encryption could not be checked before either (its openings are dropped before
  // any cast); the fresh encryption below is what maybeCast guards.
  expect(await kiosk.locator("#check").isDisabled(), "#check is offered after a cast that may have arrived");
  await shot(kiosk, "cast-answer-lost");
  await kiosk.locator("#confirm-edit").click();
  await expectScreen(kiosk, "screen-review", "editing after a lost cast answer");
  await encrypt(kiosk, "a fresh encryption after a lost cast answer");
  expect(await kiosk.locator("#check").isDisabled(), "#check is offered for a fresh encryption of choices that may be cast");
  await kiosk.locator("#cast").click();
  await kiosk.locator("#kiosk-error").waitFor({ state: "visible", timeout: 15000 });
  const spentMsg = await textOf(kiosk, "#kiosk-error");
  expect(spentMsg.includes("很可能已经投出"), `pressing Cast again after a lost answer: ${spentMsg}`);
  await expectScreen(kiosk, "screen-idle", "after the code was found used");
  castLines.push(...ballot4.contests.map((c) => ({ contest: c.id, marks: plan4[c.id].marks, write_ins: plan4[c.id].writeIns })));
  fs.writeFileSync(path.join(DIR, "challenge-choices.json"), JSON.stringify({ token: TOKEN1, ballots: castLines }, null, 2));
  log("after a lost cast answer the kiosk offers no check, and finds the ballot cast");

  // (iv) A tampered kiosk flips a mark before encrypting: the check catches it.
  console.log("(iv) a tampered kiosk is caught");
  const tampered = await kioskContext.newPage();
  current = tampered;
  watch(tampered, problems, "tampered kiosk");
  let swapped = false;
  await tampered.route("**/assets/js/kiosk.js", async (route) => {
    const res = await route.fetch();
    const source = await res.text();
    swapped = source.includes(TAMPER_AT);
    await route.fulfill({ response: res, body: source.replace(TAMPER_AT, TAMPER_WITH) });
  });
  // Short inactivity limits: left alone after the check, it goes back to the start.
  await tampered.goto(`${BASE}/kiosk?idle_seconds=8&idle_grace_seconds=2`);
  await expectScreen(tampered, "screen-idle", "the tampered kiosk");
  expect(swapped, "kiosk.js no longer has the line the tampered kiosk changes; update TAMPER_AT");
  const ballot2 = await openBallot(tampered, TOKEN2, "tampered kiosk");
  const [t1, t2] = ballot2.contests;
  const plan2 = {
    [t1.id]: { marks: { [t1.candidates[0].id]: "for", [t1.candidates[1].id]: "for", [t1.candidates[2].id]: "for" }, writeIns: [] },
    [t2.id]: { marks: { [t2.candidates[0].id]: "for" }, writeIns: [] },
  };
  await vote(tampered, ballot2, plan2);
  const review = await textOf(tampered, "#review-list");
  expect(review.includes("赞成 3 人") && !review.includes("不赞成 1 人"), `the tampered kiosk's review should still show what was pressed: ${review}`);
  const code3 = await encrypt(tampered, "the tampered kiosk");
  const spoil2 = await check(tampered, code3, "the check on the tampered kiosk");
  await shot(tampered, "tampered-spoiled");

  current = phone;
  await phone.goto(absolute(spoil2.answer.check_url));
  expect(await verdict(phone) === "ok", `the tampered kiosk's check did not verify: ${await textOf(phone, "#receipt-result")}`);
  expect((await textOf(phone, "#spoiled-code")) === code3, "the tampered kiosk's check shows another code");
  const want2 = expected(ballot2, plan2);
  const got2 = await openedMarks(phone);
  // The first candidate in ballot order that was pressed "for" is shown as against.
  const flipped = t1.candidates.filter((p) => plan2[t1.id].marks[p.id] === "for").map((p) => p.index).sort((a, b) => a - b)[0];
  const flippedName = t1.candidates.find((p) => p.index === flipped).name;
  expect(want2[t1.id].marks[String(flipped)] === "for" && got2[t1.id].marks[String(flipped)] === "against",
    `the check page should show ${flippedName} (index ${flipped}) as against, shows ${got2[t1.id]?.marks[String(flipped)]}`);
  const differs = Object.keys(want2[t1.id].marks).filter((i) => want2[t1.id].marks[i] !== got2[t1.id].marks[i]);
  expect(differs.length >= 1, "the tampered ballot looks like what was pressed: the check did not catch it");
  const against = phone.locator(`.spoiled-contest[data-contest="${t1.id}"] li[data-mark="against"]`);
  expect((await against.innerText()).includes(flippedName), `the verify page does not list ${flippedName} under 不赞成`);
  await shot(phone, "verify-tampered");
  log(`caught: ${flippedName} was pressed 赞成, the kiosk encrypted 不赞成`);

  // The tampered kiosk, left alone on screen-spoiled, clears itself and says nothing was cast.
  current = tampered;
  await tampered.locator("#screen-idle").waitFor({ state: "visible", timeout: 30000 });
  const left = await textOf(tampered, "#kiosk-error");
  expect(left.includes("没有投出") && left.includes("仍然有效"), `after the spoiled screen timed out: “${left}”`);
  expect(!(await tampered.content()).includes(code3), "the checked ballot's code is still on the page after the timeout");
  await shot(tampered, "spoiled-timed-out");
  await tampered.close();

  // A 监票人's honest test slip (TOKEN3), checked on the honest kiosk.
  current = kiosk;
  const ballot3 = await openBallot(kiosk, TOKEN3, "the 监票人's test slip");
  const [h1] = ballot3.contests;
  const plan3 = { [h1.id]: { marks: { [h1.candidates[1].id]: "for", [h1.candidates[2].id]: "against" }, writeIns: [] } };
  await vote(kiosk, ballot3, plan3);
  const code4 = await encrypt(kiosk, "the test slip");
  const spoil3 = await check(kiosk, code4, "the test slip's check");
  await kiosk.locator("#revote").click();
  await kiosk.locator("#cancel").click();
  await kiosk.locator("#cancel-yes").click();
  await expectScreen(kiosk, "screen-idle", "after the test slip's check");

  // (v) The 监票人 records the tests on the teller page.
  console.log("(v) a 监票人 records the kiosk tests");
  const tellerContext = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "zh-CN" });
  await tellerContext.addInitScript(() => { try { localStorage.setItem("scrutineer.lang", "zh"); } catch { /* none */ } });
  const teller = await tellerContext.newPage();
  current = teller;
  watch(teller, problems, "teller");
  await teller.goto(`${BASE}/teller`);
  await teller.waitForSelector("#login-form", { timeout: 15000 });
  await teller.fill('#login-form input[name="username"]', TELLER_USER);
  await teller.fill('#login-form input[name="password"]', TELLER_PASSWORD);
  await teller.click('#login-form button[type="submit"]');
  await teller.waitForSelector("#app:not(.hidden) table.contests", { timeout: 15000 });
  await teller.locator("#kiosk-test-card").waitFor({ state: "visible", timeout: 10000 });
  const howto = await textOf(teller, "#kiosk-test-card");
  expect(/核验/.test(howto) && /不能再投票/.test(howto), `the kiosk test card does not explain the procedure: ${howto.slice(0, 300)}`);

  const record = async (receipt, slip, outcome, note, name) => {
    await teller.fill("#test-receipt", receipt);
    await teller.click("#test-open");
    await teller.waitForSelector("#test-opened .test-opened, #test-msg .notice.bad", { timeout: 60000 });
    expect(await teller.locator("#test-opened .test-opened").count() === 1, `${receipt} did not open: ${await textOf(teller, "#test-msg")}`);
    await teller.locator("#test-record").waitFor({ state: "visible", timeout: 5000 });
    await shot(teller, `${name}-opened`);
    await teller.fill("#test-note", note);
    await teller.fill("#test-slip", slip);
    await teller.click(outcome === "match" ? "#test-match" : "#test-mismatch");
    await teller.locator("#confirm-dialog").waitFor({ state: "visible", timeout: 5000 });
    await teller.click("#confirm-ok");
    await teller.waitForSelector("#test-msg .notice", { timeout: 15000 });
    expect(await teller.locator("#test-msg .notice.ok").count() === 1, `recording the ${outcome} failed: ${await textOf(teller, "#test-msg")}`);
  };

  await record(spoil2.answer.receipt, TOKEN2, "mismatch", `${flippedName} 按了赞成, 打开后是不赞成`, "teller-tampered");
  const got3 = await openedMarks(teller, "#test-opened");
  expect(got3[t1.id]?.marks[String(flipped)] === "against", "the teller page does not show the flipped mark");
  const spoiledIndex2 = Number(spoil2.answer.index);
  const row = teller.locator(`#kiosk-tests tr.kiosk-test.mismatch[data-spoiled="${spoiledIndex2}"]`);
  await row.waitFor({ state: "visible", timeout: 10000 });
  const rowText = (await row.innerText()).replace(/\s+/g, " ");
  expect(rowText.includes("不一致") && rowText.includes("challenge") && rowText.includes(TELLER_USER), `the mismatch row does not say what happened: ${rowText}`);
  expect(Number(await teller.getAttribute("#kiosk-test-counts", "data-mismatches")) >= 1, `the counts do not show the mismatch: ${await textOf(teller, "#kiosk-test-counts")}`);
  await shot(teller, "teller-mismatch-recorded");
  log("the mismatch is recorded and highlighted");

  await record(spoil3.answer.receipt, TOKEN3, "match", "抽检一致", "teller-honest");
  await teller.locator(`#kiosk-tests tr.kiosk-test[data-spoiled="${Number(spoil3.answer.index)}"][data-outcome="match"]`).waitFor({ state: "visible", timeout: 10000 });
  const counts = await textOf(teller, "#kiosk-test-counts");
  expect(/抽检 \d+ 次/.test(counts) && /不一致 \d+ 次/.test(counts), `the counts line: ${counts}`);
  // Per kiosk: the challenge kiosk's tests and when; every paired kiosk listed.
  const schedule = teller.locator('#kiosk-schedule li[data-kiosk="kiosk-challenge"]');
  expect(Number(await schedule.getAttribute("data-tests")) >= 2, `the per-kiosk line: ${await schedule.innerText()}`);
  expect(/最近/.test(await schedule.innerText()), `the per-kiosk line has no last test time: ${await schedule.innerText()}`);
  await shot(teller, "teller-tests");
  log(`tests recorded: ${counts}`);

  // A slip used for a test can never be cast.
  current = kiosk;
  const refused = kiosk.waitForResponse((r) => r.url().endsWith("/api/v1/kiosk/ballot"), { timeout: 15000 });
  await kiosk.locator("#token-input").focus();
  await kiosk.keyboard.type(TOKEN3, { delay: 0 });
  await kiosk.keyboard.press("Enter");
  const refusedRes = await refused;
  expect(refusedRes.status() >= 400, `the test slip was accepted again (${refusedRes.status()})`);
  await kiosk.locator("#kiosk-error").waitFor({ state: "visible", timeout: 5000 });
  const err = await textOf(kiosk, "#kiosk-error");
  expect(err.includes("token_tested") && err.includes("抽检"), `the test slip's refusal is not explained: ${err}`);
  await shot(kiosk, "test-slip-refused");
  log("the test slip is refused at the kiosk (token_tested)");

  expect(problems.length === 0, `browser errors:\n  ${problems.join("\n  ")}`);
  console.log("challenge: all expectations hold");
} catch (e) {
  code = 1;
  console.error(`challenge: FAILED: ${e instanceof Failed ? e.message : e.stack || e}`);
  if (problems.length) console.error(`browser errors:\n  ${problems.join("\n  ")}`);
  try {
    await current?.screenshot({ path: path.join(DIR, "challenge-FAILED.png"), fullPage: true });
    console.error(`  see ${path.join(DIR, "challenge-FAILED.png")}`);
  } catch { /* the page is gone */ }
} finally {
  await browser.close();
}
process.exit(code);

// Browser test of the teller console (/teller), as a teller would use it.
//
//   node teller.mjs BASE_URL TELLER_PASSWORD KEY_FILE SCREENSHOT_DIR
//
// Run it against `scrutineer serve --demo` after ballots were cast (prep.mjs does that).
// Env: TELLER_USER (default demo-teller), CHROMIUM (default /usr/bin/chromium).
// Signs in, keys in a paper ballot (or sees the refusal with its code), closes every open
// contest through the confirm dialog, loads KEY_FILE and proposes a correction of the figures,
// signed with it (protocol 8: a registered teller's signature; it waits for another role: the
// organiser approves it on the organiser page, ORGANISER_PASSWORD), sees a registrar's
// unsigned proposal (desk page, REGISTRAR_PASSWORD) refused to the organiser (`unattested`)
// and approves it here, signing it; tallies, reads the verdict, checks the browser's
// Ed25519 signing against the golang.org/x/mod/sumdb/note vector, tries a wrong key and a
// malformed key file (both refused with their codes), signs every result with KEY_FILE and
// checks the server accepted it. Exits 1 with a message on the first failed expectation.
import { chromium } from "playwright-core";
import { readFileSync, writeFileSync, mkdirSync, mkdtempSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { tmpdir } from "node:os";
import crypto from "node:crypto";

const [base, password, keyFile, shots] = process.argv.slice(2);
if (!base || !password || !keyFile || !shots) {
  console.error("usage: node teller.mjs BASE_URL TELLER_PASSWORD KEY_FILE SCREENSHOT_DIR");
  process.exit(2);
}
const user = process.env.TELLER_USER || "demo-teller";
mkdirSync(shots, { recursive: true });

class Failure extends Error {}
function expect(cond, message) {
  if (!cond) throw new Failure(message);
}
const log = (...a) => console.log("✓", ...a);

// A key with the same name as KEY_FILE's but another secret: the server must refuse it.
function wrongKeyText(name) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ed25519");
  const seed = privateKey.export({ format: "der", type: "pkcs8" }).subarray(-32);
  const pub = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  const id = crypto.createHash("sha256").update(Buffer.concat([Buffer.from(name + "\n"), Buffer.from([1]), pub])).digest().subarray(0, 4).toString("hex");
  return `PRIVATE+KEY+${name}+${id}+${Buffer.concat([Buffer.from([1]), seed]).toString("base64")}\n`;
}

const keyText = readFileSync(keyFile, "utf8").trim();
const keyName = keyText.split("+")[2];
expect(keyText.startsWith("PRIVATE+KEY+") && keyName, `${keyFile} is not a signer key file`);
const tmp = mkdtempSync(join(tmpdir(), "teller-test-"));
const wrongKey = join(tmp, "wrong.key");
writeFileSync(wrongKey, wrongKeyText(keyName));
const strangerKey = join(tmp, "stranger.key"); // for a re-run where keyName has signed everything
writeFileSync(strangerKey, wrongKeyText("not-a-teller"));
const publicOnly = join(tmp, "public.key");
writeFileSync(publicOnly, `${keyName}+00000000+AQIDBA==\n`);

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
  const snap = async (name, opts = {}) => {
    shot += 1;
    const file = join(shots, `${String(shot).padStart(2, "0")}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true, ...opts });
    return file;
  };
  const text = async (sel) => (await page.locator(sel).innerText()).replace(/\s+/g, " ");
  const dialog = page.locator("#confirm-dialog");
  // The sign dialog's figures, typed as the hall counted them (here: as the count used them).
  const fillBook = async () => {
    const books = page.locator("#book-figures input.book");
    for (let i = 0; i < (await books.count()); i++) await books.nth(i).fill(await books.nth(i).getAttribute("data-expect"));
    expect(!(await page.locator("#confirm-ok").isDisabled()), "OK stays disabled with every figure agreeing");
  };
  const confirm = async (name) => {
    await dialog.waitFor({ state: "visible", timeout: 5000 });
    if (name) await snap(name, { fullPage: false });
    await page.click("#confirm-ok");
    await dialog.waitFor({ state: "hidden", timeout: 5000 });
  };

  // 1. Sign in.
  const res = await page.goto(`${base}/teller`);
  expect(res.ok(), `GET /teller answered ${res.status()}`);
  await page.waitForSelector("#login-form", { timeout: 10000 });
  expect((await page.locator("html").getAttribute("lang")) === "zh-CN", "the page does not start in Chinese");
  await snap("login");
  await page.fill('#login-form input[name="username"]', user);
  await page.fill('#login-form input[name="password"]', "wrong-password");
  await page.click('#login-form button[type="submit"]');
  await page.waitForSelector("#login-msg .notice.bad", { timeout: 5000 });
  expect(/\[\w+\]/.test(await text("#login-msg")), "a refused sign-in shows no error code");
  log("a wrong password is refused with its code:", await text("#login-msg"));
  await page.fill('#login-form input[name="password"]', password);
  await page.evaluate(() => { document.querySelector("#login-msg").innerHTML = ""; });
  await page.click('#login-form button[type="submit"]');
  await page.waitForSelector("#app:not(.hidden) table.contests, #login-msg .notice.bad, #login .notice.bad", { timeout: 10000 });
  expect(await page.locator("#app:not(.hidden)").count(), `signing in as ${user} failed: ${await text("#login")}`);
  expect((await text("#who")) === user, `the header does not name ${user}`);
  const contestIds = await page.$$eval("#contests tr.contest[data-id]", (rows) => rows.map((r) => r.dataset.id));
  expect(contestIds.length > 0, "no .contest rows in #contests");
  log("signed in as", user, "; contests:", contestIds.join(", "));
  await snap("contests");

  // 2. The browser's signing matches the signed-note reference vector (Ed25519 is deterministic).
  const vector = await page.evaluate(async () => {
    const m = await import("/assets/js/teller.js");
    const key = await m.parseSignerKey("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz");
    return m.signNote(key, "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n");
  });
  expect(vector === "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
    `in-browser signature differs from the signed-note vector: ${vector}`);
  log("in-browser Ed25519 signature line equals the signed-note reference vector");

  // 3. Paper ballot entry (唱票): recorded, void, or refused with its code (electronic contest).
  const paperOptions = await page.$$eval("#paper-contest option", (o) => o.map((x) => x.value).filter(Boolean));
  if (paperOptions.length) {
    const first = page.locator("#paper-form button.mark[data-mark='for']").first();
    if (await first.count()) {
      await first.click();
      expect((await first.getAttribute("aria-pressed")) === "true", "a mark button does not show as pressed");
    }
    await page.click("#paper-submit");
    await page.waitForSelector("#paper-msg .notice", { timeout: 5000 });
    const msg = await text("#paper-msg");
    expect(/已录入|废票|\[[a-z_]+\]/.test(msg), `the paper-ballot answer is unclear: ${msg}`);
    log("paper ballot for", await page.inputValue("#paper-contest"), "→", msg);
    await snap("paper-ballot");
  } else {
    // An electronic-only election shows no paper-ballot form at all.
    expect(await page.locator("section:has(#h-paper)").isHidden(), "the paper-ballot form shows for an electronic-only election");
    log("no open contest for paper ballots; the paper form is hidden");
  }

  // 4. Close every open contest through the confirm dialog.
  let first = true;
  for (const id of contestIds) {
    const btn = page.locator(`button.close[data-contest="${id}"]`);
    if (await btn.isDisabled()) continue;
    await btn.click();
    if (first) {
      await dialog.waitFor({ state: "visible" });
      await page.click("#confirm-cancel");
      await dialog.waitFor({ state: "hidden" });
      expect((await page.getAttribute(`tr.contest[data-id="${id}"]`, "data-state")) === "open", "cancelling the dialog closed the contest");
      await btn.click();
      // The dialog shows E, P, I, R and the quorum before the teller confirms.
      await page.locator("#close-figures").waitFor({ state: "visible", timeout: 5000 });
      for (const f of ["eligible", "present", "issued", "received", "quorum"]) {
        expect((await page.locator(`#close-figures [data-figure="${f}"]`).innerText()).trim() !== "", `the close dialog does not show ${f}`);
      }
      expect(Number(await page.locator('#close-figures [data-figure="received"]').innerText()) > 0, "the close dialog shows no ballots received");
    }
    await confirm(first ? "close-dialog" : null);
    first = false;
    await page.waitForSelector(`tr.contest[data-id="${id}"][data-state="closed"]`, { timeout: 10000 });
    const m = await text("#msg");
    expect(/已结束投票/.test(m), `no close confirmation for ${id}: ${m}`);
    log("closed", id, "—", m);
  }
  await snap("closed");

  for (const id of contestIds) {
    const st = await page.getAttribute(`tr.contest[data-id="${id}"]`, "data-state");
    if (st !== "open") expect(await page.locator(`button.close[data-contest="${id}"]`).isDisabled(), `the close button of ${st} contest ${id} is active`);
  }

  // 4a. Corrections of the figures (protocol 8: logged only with a registered teller's
  // signature, given with the proposal or with the approval). This teller loads its key file
  // and proposes one, which the page signs (it waits for a person of another role: no approve
  // button on its own); the organiser approves it on the organiser page with no signature of
  // its own. A registrar proposes another on the desk page, unsigned: the desk says its
  // approval needs a teller's signature (with the command to make one), the organiser's
  // approval is refused (`unattested`), and this teller's approval signs it. Both keep the
  // desk's own figures, so the counts below do not change.
  {
    await page.locator("#corrections-card").waitFor({ state: "visible", timeout: 10000 });
    const [c1, c2] = contestIds;
    expect(c1 && c2, "two contests are needed for the corrections");
    expect(/未读取登记的计票人密钥/.test(await text("#correction-signer")), `without a key the card does not say how to sign: ${await text("#correction-signer")}`);
    await page.setInputFiles("#key-file", keyFile);
    await page.waitForSelector("#key-info[data-registered]", { timeout: 5000 });
    expect((await page.getAttribute("#key-info", "data-registered")) === "yes", `the key is not recognised as registered: ${await text("#key-info")}`);
    await page.waitForSelector("#correction-signer .notice.ok", { timeout: 5000 });
    const ell = Number(await page.getAttribute("#correction-signer", "data-teller"));
    const tellers = (await (await page.request.get(`${base}/api/v1/election`)).json()).tellers;
    expect(ell >= 1 && tellers[ell - 1] === keyName, `the card names teller ${ell}, not ${keyName}'s place among ${tellers}`);
    expect((await text("#correction-signer")).includes(keyName), `the card does not say ${keyName}'s key signs: ${await text("#correction-signer")}`);
    await page.selectOption("#correction-contest", c1);
    expect((await page.inputValue("#correction-present")) !== "", "the correction form is not filled from the desk's figures");
    await page.fill("#correction-reason", "核对签到簿 checking the sign-in book");
    await page.click("#correction-submit");
    await page.waitForSelector("#corrections-pending tr.pending", { timeout: 10000 });
    const proposed = await text("#corrections-msg");
    expect(/须由另一角色的人批准/.test(proposed), `the proposal is not explained: ${proposed}`);
    expect(proposed.includes(`已用计票人 ${keyName}`), `the proposal does not say it was signed with ${keyName}'s key: ${proposed}`);
    const mine = page.locator("#corrections-pending tr.pending");
    expect((await mine.getAttribute("data-attested")) === "yes", "the teller's proposal does not show as signed");
    expect((await mine.locator("td.attest").innerText()).includes(`第 ${ell} 号计票人`), `the proposal does not name teller ${ell}: ${await mine.locator("td.attest").innerText()}`);
    expect(await page.locator("#corrections-pending button.approve").count() === 0, "the proposer is offered to approve its own correction");
    // The organiser approves it on the organiser page (it carries the teller's signature).
    const orgPassword = process.env.ORGANISER_PASSWORD;
    expect(orgPassword, "ORGANISER_PASSWORD is needed");
    const orgContext = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "zh-CN" });
    const org = await orgContext.newPage();
    org.on("pageerror", (e) => problems.push(`organiser page error: ${e.message}`));
    await org.goto(`${base}/organiser`);
    await org.waitForSelector("#login-form");
    await org.fill("#login-form input[name=username]", "organiser");
    await org.fill("#login-form input[name=password]", orgPassword);
    await org.click("#login-form button[type=submit]");
    const orgApprove = org.locator("#corrections-pending button.approve");
    await orgApprove.first().waitFor({ state: "visible", timeout: 15000 });
    expect(/已签名/.test(await org.locator("#corrections-pending tr.pending td.attest").innerText()), "the organiser's page does not show the proposal as signed");
    await orgApprove.first().click();
    await org.waitForSelector("#corrections-logged tr.logged", { timeout: 10000 });
    expect(/核对签到簿/.test(await org.locator("#corrections-logged").innerText()), "the organiser's page does not show the approved correction");
    expect((await org.getAttribute("#corrections-logged tr.logged", "data-teller")) === String(ell), "the logged correction does not name the teller who signed it");
    await org.locator("#corrections-card").screenshot({ path: join(shots, `${String(++shot).padStart(2, "0")}-corrections-organiser.png`) });
    // The registrar proposes the second on the desk page (the desk's own figures, filled in
    // by the card), unsigned, and is not offered to approve it.
    const regPassword = process.env.REGISTRAR_PASSWORD;
    expect(regPassword, "REGISTRAR_PASSWORD is needed");
    const deskContext = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "zh-CN" });
    const desk = await deskContext.newPage();
    desk.on("pageerror", (e) => problems.push(`desk page error: ${e.message}`));
    await desk.goto(`${base}/desk`);
    await desk.waitForSelector("#login-form");
    await desk.fill("#login-form input[name=username]", "demo-registrar");
    await desk.fill("#login-form input[name=password]", regPassword);
    await desk.click("#login-form button[type=submit]");
    await desk.locator("#corrections-card").waitFor({ state: "visible", timeout: 15000 });
    await desk.selectOption("#correction-contest", c2);
    const f = (await (await page.request.get(`${base}/api/v1/desk`)).json()).contests.find((r) => r.contest === c2);
    expect(await desk.inputValue("#correction-present") === String(f.present), "the desk's correction form does not start from the desk's figures");
    await desk.fill("#correction-reason", "流动票箱 mobile ballot box");
    await desk.click("#correction-submit");
    await desk.waitForSelector("#corrections-pending tr.pending", { timeout: 10000 });
    const deskMsg = await desk.locator("#corrections-msg").innerText();
    expect(/须由另一角色的人批准/.test(deskMsg) && /没有计票人签名/.test(deskMsg), `the desk's proposal is not explained: ${deskMsg}`);
    const deskPending = await desk.locator("#corrections-pending tr.pending").count();
    expect(deskPending === 1, `the desk shows ${deskPending} pending corrections, not 1`);
    expect(await desk.locator("#corrections-pending button.approve").count() === 0, "the registrar is offered to approve its own correction");
    const deskRow = desk.locator("#corrections-pending tr.pending");
    expect((await deskRow.getAttribute("data-attested")) === "no", "the registrar's proposal shows as signed");
    expect(/批准须附计票人签名/.test(await deskRow.locator("td.attest").innerText()), `the desk does not say the approval needs a teller's signature: ${await deskRow.locator("td.attest").innerText()}`);
    const command = (await deskRow.locator("pre.attest-command").innerText()).replace(/\s+/g, " ");
    for (const part of ["scrutineer teller attest", `--contest ${c2}`, `--eligible ${f.eligible}`, `--present ${f.present}`, `--issued ${f.slips_issued}`, '--reason "流动票箱 mobile ballot box"']) {
      expect(command.includes(part), `the desk's command lacks ${part}: ${command}`);
    }
    await desk.screenshot({ path: join(shots, `${String(++shot).padStart(2, "0")}-corrections-desk.png`), fullPage: true });
    const pendingId = await deskRow.getAttribute("data-id");
    await deskContext.close();
    // The organiser cannot approve it without a teller's signature: the service says so.
    await org.reload();
    const unsigned = org.locator(`#corrections-pending tr.pending[data-id="${pendingId}"]`);
    await unsigned.locator("button.approve").waitFor({ state: "visible", timeout: 15000 });
    expect(/批准须附计票人签名/.test(await unsigned.locator("td.attest").innerText()), "the organiser's page does not say the approval needs a teller's signature");
    expect((await unsigned.locator("pre.attest-command").innerText()).includes(`--contest ${c2}`), "the organiser's page does not show the command for the proposal");
    await unsigned.locator("button.approve").click();
    await org.waitForSelector("#corrections-msg .notice.bad", { timeout: 10000 });
    const refusedMsg = (await org.locator("#corrections-msg").innerText()).replace(/\s+/g, " ");
    expect(/\[unattested\]/.test(refusedMsg) && /登记的计票人/.test(refusedMsg), `the organiser's unsigned approval was not refused with unattested: ${refusedMsg}`);
    expect(await org.locator("#corrections-logged tr.logged").count() === 1, "the unsigned approval was logged");
    await org.locator("#corrections-card").screenshot({ path: join(shots, `${String(++shot).padStart(2, "0")}-corrections-unattested.png`) });
    log("the organiser's approval of an unsigned proposal is refused:", refusedMsg.slice(0, 160));
    await orgContext.close();
    // This teller approves it: the page signs the approval with the loaded key.
    await page.click("#refresh");
    const approve = page.locator("#corrections-pending button.approve");
    await approve.first().waitFor({ state: "visible", timeout: 10000 });
    expect(await approve.count() === 1, "the registrar's correction has no approve button for a teller");
    expect((await text("#corrections-pending tr.pending td.attest")).includes(`计票人 ${keyName} 的密钥签名`), `the teller page does not say approving signs: ${await text("#corrections-pending tr.pending td.attest")}`);
    await approve.first().click();
    await page.waitForFunction(() => document.querySelectorAll("#corrections-logged tr.logged").length === 2, null, { timeout: 10000 });
    const approved = await text("#corrections-msg");
    expect(/已批准并记入日志/.test(approved) && approved.includes(`已用计票人 ${keyName}`), `no approval message naming the signing key: ${approved}`);
    expect(/流动票箱/.test(await text("#corrections-logged")), "the logged correction does not show its reason");
    const signedBy = await page.$$eval("#corrections-logged tr.logged", (rows) => rows.map((r) => r.dataset.teller));
    expect(signedBy.length === 2 && signedBy.every((x) => x === String(ell)), `the logged corrections do not both name teller ${ell}: ${signedBy}`);
    for (const cell of await page.locator("#corrections-logged tr.logged td.attest").allInnerTexts()) {
      expect(cell.includes(`第 ${ell} 号计票人 ${keyName}`), `a logged correction does not show its signing teller: ${cell}`);
    }
    const logged = (await (await page.request.get(`${base}/api/v1/corrections`)).json()).approved;
    expect(logged.length === 2 && logged.every((a) => a.correction.attested?.teller === ell), `the service's corrections are not both signed by teller ${ell}`);
    await page.locator("#corrections-card").screenshot({ path: join(shots, `${String(++shot).padStart(2, "0")}-corrections.png`) });
    log(`a teller's correction, signed with ${keyName}'s key (teller ${ell}), is approved by the organiser; a registrar's unsigned one is refused to the organiser (unattested) and approved, signed, on the teller page`);
  }

  // 4b. Encrypted ballots: three of the five demo tellers give decryption shares of the
  // totals, shuffle the write-in names of a contest with write-ins and give shares of them,
  // each on "its own machine" (scrutineer teller run on an export it
  // downloads), each uploading its steps file on this page. The other two never act.
  if (await page.locator("#decryption-card:not(.hidden)").count()) {
    const bin = process.env.SCRUTINEER_BIN;
    const data = process.env.DEMO_DATA_DIR;
    expect(bin && data, "SCRUTINEER_BIN and DEMO_DATA_DIR are needed for an encrypted election");
    expect(/密钥仪式已完成/.test(await text("#decryption-status")), `the key ceremony is not shown complete: ${await text("#decryption-status")}`);
    // What this teller owes next, and the command with its own file names.
    const due = await page.getAttribute("#teller-due", "data-due");
    expect(["due", "waiting", "done"].includes(due), `#teller-due does not say what ${user} owes next (${due}): ${await text("#teller-due")}`);
    if (due === "due") expect(/现在轮到您/.test(await text("#teller-due")), `#teller-due: ${await text("#teller-due")}`);
    expect((await text("#teller-run-command")).includes(`--key ${user}.key --state ${user}.state`), `the command does not name ${user}'s files: ${await text("#teller-run-command")}`);
    await page.locator("#decryption-card").screenshot({ path: join(shots, `${String(++shot).padStart(2, "0")}-decryption-before.png`) });
    const ready = async () => page.$$eval("#decryption-status table.decryption tbody tr", (rows) =>
      // Every "given/needed" of the row's shares cell: the totals', and the names' when due.
      rows.length > 0 && rows.every((r) => {
        const pairs = [...r.querySelector("td.shares").innerText.matchAll(/(\d+)\/(\d+)/g)];
        return pairs.length > 0 && pairs.every((m) => Number(m[1]) >= Number(m[2])) && r.dataset.ready === "yes";
      }));
    let uploads = 0;
    for (let round = 0; round < 4 && !(await ready()); round++) {
      for (const teller of ["demo-teller", "demo-teller-2", "demo-teller-3"]) {
        // The checkpoint this teller confirms: in a hall, read from the board posted at the
        // close or another teller's screen; here the service's latest, taken before the
        // export so the export holds it.
        const cp = (await (await page.request.get(`${base}/checkpoint`)).text()).split("\n");
        const exp = await page.request.get(`${base}/api/v1/export`);
        expect(exp.ok(), `the export answered ${exp.status()}`);
        const tar = join(tmp, `export-${teller}-${round}.tar`);
        writeFileSync(tar, await exp.body());
        const steps = join(tmp, `steps-${teller}-${round}.json`);
        const out = execFileSync(bin, ["teller", "run", "--key", join(data, `${teller}.key`), "--state", join(data, `${teller}.state`), "--export", tar, "--out", steps, "--checkpoint", `${cp[1]}:${cp[2]}`, "--allow-small-totals"], { encoding: "utf8" });
        if (!existsSync(steps)) continue;
        await page.setInputFiles("#steps-file", steps);
        // The steps are listed in words, with the election key's fingerprint, before anything is sent.
        await page.locator("#steps-preview ol.steps-list").waitFor({ state: "visible", timeout: 10000 });
        const preview = await text("#steps-preview");
        const stepCount = JSON.parse(readFileSync(steps, "utf8")).steps.length;
        expect(await page.locator("#steps-preview ol.steps-list > li").count() === stepCount, `the preview does not list the ${stepCount} steps: ${preview}`);
        expect(/混洗写入姓名|提交解密份额/.test(preview), `the preview does not say what the steps do: ${preview}`);
        expect(/[0-9a-f]{4}(-[0-9a-f]{4}){7}/.test(preview), `the preview does not show the election key fingerprint: ${preview}`);
        if (uploads === 0) await page.locator("#decryption-card").screenshot({ path: join(shots, `${String(++shot).padStart(2, "0")}-steps-preview.png`) });
        await page.click("#steps-submit");
        await page.waitForSelector("#steps-msg ul.steps-done, #steps-msg .notice.bad", { timeout: 20000 });
        const m = await text("#steps-msg");
        expect(!/\[[a-z_]+\]/.test(m), `${teller}'s steps were refused: ${m}\n${out}`);
        const progress = await page.$eval("#steps-progress", (p) => [p.value, p.max]);
        expect(progress[0] === stepCount && progress[1] === stepCount, `#steps-progress shows ${progress[0]} of ${progress[1]}, not ${stepCount} of ${stepCount}`);
        uploads += 1;
        log(teller, "submitted:", m.slice(0, 160));
      }
    }
    expect(await ready(), `decryption shares are still missing: ${await text("#decryption-status")}`);
    expect(uploads >= 5, `only ${uploads} uploads for three tellers' shuffles and shares`);
    await page.locator("#decryption-card").screenshot({ path: join(shots, `${String(++shot).padStart(2, "0")}-decryption-ready.png`) });
    log("three of five tellers shuffled and gave decryption shares through the page");
  }

  // 5. Tally every closed contest and read the verdict.
  for (const id of contestIds) {
    const btn = page.locator(`button.tally[data-contest="${id}"]`);
    if (await btn.isDisabled()) continue;
    await btn.click();
    await page.waitForSelector(`#verdict article.verdict[data-contest="${id}"]`, { timeout: 15000 });
    const v = await text("#verdict");
    if (/evaluation/.test(await text(`#verdict article.verdict[data-contest="${id}"] h3`))) {
      expect(/好评率/.test(v) && /得分/.test(v), `the evaluation verdict for ${id} lacks rates or scores`);
    } else {
      expect(/发出 \d+ 张, 收回 \d+ 张/.test(v), `the verdict for ${id} lacks the reconciliation line`);
      expect(/本轮有效|本轮无效/.test(v), `the verdict for ${id} does not say whether the round is valid`);
      expect(/法定人数/.test(v), `the verdict for ${id} lacks the quorum line`);
      const valid = /本轮有效/.test(v);
      if (valid) expect(/即至少 \d+ 票/.test(v), `the verdict for ${id} lacks the threshold in votes`);
      const names = await page.$$eval(`#verdict article[data-contest="${id}"] tr.cand td:nth-child(2)`, (tds) => tds.map((td) => td.innerText.trim()));
      expect(names.length > 0, `the verdict table for ${id} has no candidates`);
      const sentences = await text(`#verdict article[data-contest="${id}"] ul.sentences`);
      if (valid) for (const n of names) expect(sentences.includes(n), `no sentence about ${n} in ${id}`);
      const tied = await page.$$eval(`#verdict article[data-contest="${id}"] tr.cand[data-status="tied"] td:nth-child(2)`, (tds) => tds.map((td) => td.innerText.trim()));
      if (tied.length) {
        expect(/均得 \d+ 票, 争最后 \d+ 个名额, 须就.+再次投票/.test(sentences), `the tie in ${id} is not explained: ${sentences}`);
        log("tie in", id, ":", tied.join("、"));
      }
      const elected = await page.$$eval(`#verdict article[data-contest="${id}"] tr.cand[data-status="elected"]`, (r) => r.length);
      if (elected) expect(/当选/.test(sentences), `no elected sentence in ${id}`);
    }
    expect(/已计票, 结果 \d+/.test(await text("#msg")), `no tally confirmation for ${id}`);
    log("tallied", id, "—", (await text(`#verdict article[data-contest="${id}"] ul.sentences`)).slice(0, 160), "…");
    await page.locator("#verdict").screenshot({ path: join(shots, `${String(++shot).padStart(2, "0")}-verdict-${id}.png`) });
  }
  await snap("tallied");

  // 6. Signing: results are listed with their signature counts.
  const indexes = await page.$$eval("#results tr.result[data-index]", (rows) => rows.map((r) => Number(r.dataset.index)));
  expect(indexes.length > 0, "no results listed in #results");
  const target = indexes[indexes.length - 1];

  // A malformed key file is refused in the browser.
  await page.setInputFiles("#key-file", publicOnly);
  await page.waitForSelector("#key-info .notice.bad", { timeout: 5000 });
  expect(/\[bad_key\]/.test(await text("#key-info")), `a public-key file was not refused as bad_key: ${await text("#key-info")}`);
  log("a malformed key file is refused:", await text("#key-info"));

  // A well-formed key that is not the registered one (same name, other secret) is refused by
  // the server. On a re-run where that name signed everything already, a stranger's key.
  await page.setInputFiles("#key-file", wrongKey);
  await page.waitForSelector("#key-info[data-registered]", { timeout: 5000 });
  expect((await text("#key-info")).includes(keyName), "the wrong key's name is not shown");
  expect((await page.getAttribute("#key-info", "data-registered")) === "no", "a key that is not the registered one is shown as registered");
  if (await page.locator(`button.sign[data-index="${target}"]`).isDisabled()) {
    await page.setInputFiles("#key-file", strangerKey);
    await page.waitForSelector("#key-info[data-registered='no']", { timeout: 5000 });
    log("every result already carries", keyName, "; trying a stranger's key instead");
  }
  await page.click(`button.sign[data-index="${target}"]`);
  // Before signing, the teller types the hall's own figures (sign-in book, slips counted):
  // OK stays disabled while one is missing or differs, and a difference says not to sign.
  await dialog.waitFor({ state: "visible", timeout: 5000 });
  const books = page.locator("#book-figures input.book");
  expect((await books.count()) >= 2, "the sign dialog asks for no figures from the sign-in book");
  expect(await page.locator("#confirm-ok").isDisabled(), "OK is enabled before the hall's figures are typed");
  expect((await books.count()) % 3 === 0, "the sign dialog does not ask E, P and I for each contest");
  const expectP = await books.nth(1).getAttribute("data-expect");
  expect(!(await text("#book-figures")).includes(`P ${expectP},`), "the dialog shows the count's figures before they are typed");
  await books.nth(0).fill(await books.nth(0).getAttribute("data-expect"));
  await books.nth(1).fill(String(Number(expectP) + 1));
  await books.nth(2).fill(await books.nth(2).getAttribute("data-expect"));
  await page.waitForSelector("#book-mismatch:not(.hidden)", { timeout: 5000 });
  expect(await page.locator("#confirm-ok").isDisabled(), "OK is enabled with a present figure that differs from the count's");
  expect(/不要签名/.test(await text("#book-mismatch")), "a difference does not say not to sign");
  expect((await page.getAttribute("#book-figures tr[data-contest]", "data-contest")) !== null, "no contest row");
  await snap("sign-book-mismatch", { fullPage: false });
  await fillBook();
  expect(await page.locator("#book-mismatch").evaluate((e) => e.classList.contains("hidden")), "the mismatch notice stays after the figures agree");
  await confirm("sign-dialog");
  await page.waitForSelector("#sign-msg .notice.bad", { timeout: 10000 });
  const refused = await text("#sign-msg");
  expect(/\[teller_signature\]/.test(refused), `the wrong key was not refused with teller_signature: ${refused}`);
  log("wrong key refused by the server:", refused.slice(0, 200));
  await snap("wrong-key");

  // The teller's own key: sign every result not yet signed with it.
  await page.setInputFiles("#key-file", keyFile);
  await page.waitForSelector("#key-info[data-registered] .notice.ok, #key-info[data-registered='no']", { timeout: 5000 });
  expect((await page.getAttribute("#key-info", "data-registered")) === "yes", `the key is not recognised as registered: ${await text("#key-info")}`);
  await snap("key-loaded");
  for (const index of indexes) {
    const btn = page.locator(`button.sign[data-index="${index}"]`);
    if (await btn.isDisabled()) { log("result", index, "already signed by", keyName); continue; }
    const before = Number(await page.getAttribute(`tr.result[data-index="${index}"]`, "data-signatures"));
    await btn.click();
    await dialog.waitFor({ state: "visible", timeout: 5000 });
    await fillBook();
    await confirm(null);
    await page.waitForSelector("#sign-msg .notice.ok", { timeout: 10000 });
    await page.waitForSelector(`tr.result[data-index="${index}"][data-signatures="${before + 1}"]`, { timeout: 10000 });
    const status = await text("#signature-status");
    expect(status.includes(keyName), `#signature-status does not name ${keyName}: ${status}`);
    expect(/组织者/.test(status), "#signature-status does not say the organiser publishes");
    const note = await page.evaluate(async (i) => (await (await fetch(`/api/v1/results/${i}`)).json()).checkpoint, index);
    expect(note.includes(`\n— ${keyName} `), `the server's signed result #${index} lacks ${keyName}'s line`);
    expect(await page.locator(`button.sign[data-index="${index}"]`).isDisabled(), "the sign button stays active after signing");
    log("signed result", index, "—", status.slice(0, 160));
  }
  await snap("signed");

  // One account, one key: another teller's real key file is refused on this account's page
  // (and by the server: key_not_yours), so one person cannot hand in two signatures.
  const otherKey = process.env.DEMO_DATA_DIR ? join(process.env.DEMO_DATA_DIR, "demo-teller-2.key") : null;
  if (otherKey && existsSync(otherKey) && user === "demo-teller") {
    await page.reload();
    await page.waitForSelector("#app:not(.hidden) table.results", { timeout: 10000 });
    await page.setInputFiles("#key-file", otherKey);
    await page.waitForSelector("#key-info .notice.bad", { timeout: 5000 });
    const m = await text("#key-info");
    expect(/\[key_not_yours\]/.test(m) && m.includes("demo-teller-2"), `another teller's key was not refused: ${m}`);
    await snap("other-tellers-key-refused");
    log("another teller's key file is refused on this account:", m.slice(0, 120));
  }

  // 7. English, reload (the session survives), and no script or CSP errors.
  await page.click("#lang");
  expect((await page.locator("html").getAttribute("data-lang")) === "en", "the language switch did not switch");
  expect(/Teller console/.test(await text("header.bar")), "the English header is missing");
  await snap("english");
  await page.click("#lang");
  await page.reload();
  await page.waitForSelector("#app:not(.hidden) table.results", { timeout: 10000 });
  expect(await page.locator("#verdict article.verdict").count() > 0, "after a reload no verdict is shown");
  log("reload keeps the session and shows the latest verdict");
  expect(problems.length === 0, `browser errors:\n  ${problems.join("\n  ")}`);
  log("no page or console errors; screenshots in", shots);
} catch (err) {
  exitCode = 1;
  console.error("✗", err instanceof Failure ? err.message : err.stack || err);
  if (problems.length) console.error("browser errors:\n  " + problems.join("\n  "));
} finally {
  await browser.close();
}
process.exit(exitCode);

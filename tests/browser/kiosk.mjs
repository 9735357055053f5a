// Browser test of the voting kiosk page (/kiosk), driven as a voter would drive it.
//
//   node kiosk.mjs BASE_URL TOKEN1 TOKEN2 PAIRING_CODE SCREENSHOT_DIR [ORGANISER_TOKEN]
//
// BASE_URL      e.g. http://127.0.0.1:18181 (a `scrutineer serve --demo` server)
// TOKEN1/2      two unspent ballot codes of style 0 (153 characters, from demo-slips.html)
// PAIRING_CODE  a fresh 12-digit code from POST /api/v1/kiosks/pairing
// SCREENSHOT_DIR where the NN-step.png screenshots go (created if missing)
// ORGANISER_TOKEN optional: an organiser's bearer token. With it, the kiosk's session is lost
//               mid-ballot the way it happens in a hall (the organiser unpairs the kiosk,
//               POST /api/v1/kiosks/{name}/unpair) and the test pairs it again with a fresh
//               code; without it, the browser forgets its kiosk cookie and gets it back.
//
// Expects the demo election: style 0 with two open party contests (committee: 7 seats, 8
// candidates; discipline: 3 seats, 4 candidates), encrypted: after the review the kiosk
// encrypts and shows the confirmation code (#screen-confirm), and #cast casts. Both tokens
// are spent by the run. (Checking a ballot instead of casting it: challenge.mjs.) A lost
// session mid-ballot tells the voter plainly whether the ballot was cast (it was not, and
// the slip is still good; or, after a network failure, that it may have been).
// Exits 0 when every expectation holds; otherwise prints the failed expectation, saves
// FAILED.png in SCREENSHOT_DIR and exits 1. Env: CHROMIUM (default /usr/bin/chromium),
// HEADFUL=1 to watch.

import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";
import { confirmationCode, fromHex } from "../../web/js/e2e.js";

const [BASE, TOKEN1, TOKEN2, PAIRING_CODE, DIR, ORGANISER_TOKEN] = process.argv.slice(2);
if (!BASE || !TOKEN1 || !TOKEN2 || !PAIRING_CODE || !DIR) {
  console.error("usage: node kiosk.mjs BASE_URL TOKEN1 TOKEN2 PAIRING_CODE SCREENSHOT_DIR");
  process.exit(2);
}
fs.mkdirSync(DIR, { recursive: true });

const RECEIPT_SECONDS = 3;
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const PORTRAIT = { width: 1080, height: 1920 };
const LANDSCAPE = { width: 1920, height: 1080 };

class Failed extends Error {}
/** Deep equality that ignores object key order. */
function sameJson(a, b) {
  const norm = (v) => Array.isArray(v) ? v.map(norm)
    : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, norm(v[k])])) : v;
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}
function expect(cond, message) {
  if (!cond) throw new Failed(message);
}

let page; // the page being driven, for helpers and the failure screenshot
let step = 0;
const log = (msg) => console.log(`  ${msg}`);

async function shot(name) {
  step += 1;
  const file = path.join(DIR, `${String(step).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  log(`screenshot ${path.basename(file)}`);
}
const loc = (sel) => page.locator(sel);
async function visible(sel, timeout = 5000) {
  try {
    await loc(sel).first().waitFor({ state: "visible", timeout });
    return true;
  } catch {
    return false;
  }
}
async function hiddenOrGone(sel, timeout = 5000) {
  try {
    await loc(sel).first().waitFor({ state: "hidden", timeout });
    return true;
  } catch {
    return false;
  }
}
const text = async (sel) => (await loc(sel).first().innerText()).replace(/\s+/g, " ").trim();
const focusedId = () => page.evaluate(() => document.activeElement?.id || "");
const pressed = (card, mark) => loc(`.candidate[data-id="${card}"] button[data-mark="${mark}"]`).getAttribute("aria-pressed");
const markBtn = (card, mark) => loc(`.candidate[data-id="${card}"] button[data-mark="${mark}"]`);

async function expectScreen(id, why) {
  if (!(await visible(`#${id}`, 8000))) {
    const onScreen = await loc("#kiosk-error").isVisible() ? ` (the page says: “${await text("#kiosk-error")}”)` : "";
    expect(false, `${why}: #${id} is not shown${onScreen}`);
  }
  for (const other of ["screen-pair", "screen-idle", "screen-contest", "screen-review", "screen-confirm", "screen-spoiled", "screen-receipt"]) {
    if (other !== id) expect(!(await loc(`#${other}`).isVisible()), `${why}: #${other} is shown together with #${id}`);
  }
}

async function expectTokenFocus(why) {
  await page.waitForTimeout(100);
  expect((await focusedId()) === "token-input", `${why}: #token-input does not have the focus (focus: ${await focusedId() || "none"})`);
}

/** Types as a USB barcode scanner does: the characters fast, then Enter. */
async function scan(token) {
  await loc("#token-input").focus();
  await page.keyboard.type(token, { delay: 0 });
  await page.keyboard.press("Enter");
}

/** Scans a token and waits for the ballot; returns the server's ballot JSON. */
async function openBallot(token, why) {
  const answer = page.waitForResponse((r) => r.url().endsWith("/api/v1/kiosk/ballot"), { timeout: 10000 });
  await scan(token);
  const res = await answer;
  const ballot = await res.json();
  expect(res.status() === 200, `${why}: the ballot fetch answered ${res.status()} ${JSON.stringify(ballot)}`);
  await expectScreen("screen-contest", why);
  return ballot;
}

/** What must not survive a reset: names the voter marked, write-ins, the receipt. */
async function expectNothingLeft(secrets, why) {
  await expectScreen("screen-idle", why);
  const state = await page.evaluate(() => ({
    html: document.documentElement.outerHTML,
    inputs: [...document.querySelectorAll("input, textarea")].map((e) => e.value).filter(Boolean),
    local: Object.keys(localStorage).filter((k) => k !== "scrutineer.lang" && k !== "scrutineer.kiosk.election-key").map((k) => k + "=" + localStorage.getItem(k)),
    // The one thing kept across voters: the election's id and key fingerprint (kiosk.js
    // KEY_MEMORY), nothing of a voter.
    keyMemory: localStorage.getItem("scrutineer.kiosk.election-key"),
    session: Object.keys(sessionStorage),
    cookies: document.cookie,
    url: location.href,
    historyState: history.state,
    lang: document.documentElement.dataset.lang,
    large: document.body.classList.contains("large"),
    contrast: document.body.classList.contains("contrast"),
    candidates: document.querySelectorAll(".candidate, .subject, .review-contest").length,
    qr: document.querySelectorAll("#receipt-qr *, #spoiled-qr *").length,
    codes: ["#confirm-code", "#spoiled-code", "#spoiled-receipt", "#receipt-confirmation"].map((s) => document.querySelector(s)?.textContent || "").join(""),
  }));
  for (const s of secrets) expect(!state.html.includes(s), `${why}: the page still contains “${s}” after the reset`);
  expect(state.inputs.length === 0, `${why}: inputs still hold ${JSON.stringify(state.inputs)}`);
  expect(state.local.length === 0, `${why}: localStorage holds ${JSON.stringify(state.local)}`);
  if (state.keyMemory !== null) {
    const kept = JSON.parse(state.keyMemory);
    expect(JSON.stringify(Object.keys(kept).sort()) === '["election","fingerprint"]' && /^[0-9a-f]{4}(-[0-9a-f]{4}){7}$/.test(kept.fingerprint),
      `${why}: the kiosk's remembered election key holds more than the election and its fingerprint: ${state.keyMemory}`);
  }
  expect(state.session.length === 0, `${why}: sessionStorage holds ${JSON.stringify(state.session)}`);
  expect(state.cookies === "", `${why}: script-visible cookies ${JSON.stringify(state.cookies)}`);
  expect(!new URL(state.url).hash, `${why}: the URL has a fragment: ${state.url}`);
  expect(state.historyState === null, `${why}: history.state is ${JSON.stringify(state.historyState)}`);
  expect(state.candidates === 0 && state.qr === 0, `${why}: ballot or receipt elements are still in the DOM`);
  expect(state.codes === "", `${why}: a confirmation or receipt code is still on the page: ${state.codes}`);
  expect(state.lang === "zh" && !state.large && !state.contrast, `${why}: the display is not back to Chinese, normal size and colours`);
  await expectTokenFocus(why);
}

async function portrait(browser) {
  console.log("portrait 1080×1920");
  const context = await browser.newContext({ viewport: PORTRAIT, locale: "zh-CN" });
  page = await context.newPage();
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  await page.goto(`${BASE}/kiosk?receipt_seconds=${RECEIPT_SECONDS}`);

  // 1. Pairing.
  await expectScreen("screen-pair", "a fresh browser");
  await shot("pair");
  await loc("#pair-code").fill("1234");
  await loc("#pair-name").fill("browser-test");
  await loc("#pair-submit").click();
  expect(await visible("#kiosk-error"), "a short pairing code shows no error");
  await loc("#pair-code").fill(PAIRING_CODE);
  await loc("#pair-submit").click();
  await expectScreen("screen-idle", "after pairing");
  expect(await visible("#screen-token"), "the token entry is not shown on the idle screen");
  expect((await text("#screen-idle")).includes("请扫描或输入选票码"), "the idle screen lacks 请扫描或输入选票码");
  expect(await loc("#kiosk-name").innerText() === "kiosk-browser-test", "the header does not name the kiosk");
  await expectTokenFocus("after pairing");
  await shot("idle");

  // The kiosk credential is a persistent cookie (it survives a browser restart), HttpOnly.
  const kioskCookie = (await context.cookies()).find((c) => c.name === "scrutineer_session");
  expect(kioskCookie && kioskCookie.expires > Date.now() / 1000 + 3600, `the kiosk cookie should persist, is ${JSON.stringify(kioskCookie)}`);
  expect(kioskCookie.httpOnly && kioskCookie.sameSite === "Strict", "the kiosk cookie should be HttpOnly and SameSite=Strict");

  // The kiosk cookie survives a reload; the page gets its CSRF token back.
  await page.reload();
  await expectScreen("screen-idle", "after a reload");
  await expectTokenFocus("after a reload");
  // Clicking empty space keeps the focus in the code input.
  await page.mouse.click(20, 1500);
  await expectTokenFocus("after a click on empty space");

  // 2. Manual typing with live check-character feedback.
  const A = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const wrong = A[(A.indexOf(TOKEN1[12]) + 1) % 32]; // position 13 is in group 2
  await page.keyboard.type(TOKEN1.slice(0, 12) + wrong + TOKEN1.slice(13, 27), { delay: 5 });
  const fb1 = await text("#token-feedback");
  expect(fb1.includes("第 2 组有误"), `a mistyped group 2 is not reported: “${fb1}”`);
  expect(fb1.includes("还差 126 个字符"), `the characters left are not reported: “${fb1}”`);
  expect(await loc('#token-groups .group[data-state="bad"]').count() === 1, "the group grid does not mark exactly one bad group");
  await shot("token-typo");
  await page.keyboard.press("Enter");
  expect(await visible("#kiosk-error"), "submitting a short code shows no error");
  await expectScreen("screen-idle", "after submitting a short code");
  await shot("token-short-refused");
  await loc("#token-clear").click();
  expect(await loc("#token-input").inputValue() === "", "#token-clear leaves text");
  await expectTokenFocus("after clearing");

  // Lower case, spaces, hyphens, confusables and full-width characters are all accepted.
  const fullWidth = (s) => [...s].map((c) => String.fromCodePoint(c.codePointAt(0) + 0xfee0)).join("");
  const groups = TOKEN1.match(/.{9}/g);
  const messy = fullWidth(groups[0]) + "\u3000" + groups[1].toLowerCase().replace(/0/g, "o").replace(/1/g, "l") + " - "
    + groups.slice(2).join(" ");
  await loc("#token-input").fill(messy);
  const fb2 = await text("#token-feedback");
  expect(fb2.includes("选票码完整无误"), `a complete code typed with full-width, lower case and confusables is not accepted: “${fb2}”`);
  expect(await loc('#token-groups .group[data-state="ok"]').count() === 17, "not all 17 groups show as complete");
  await shot("token-complete");

  // 3. The first contest.
  const answer = page.waitForResponse((r) => r.url().endsWith("/api/v1/kiosk/ballot"));
  await loc("#token-submit").click();
  const ballot = await (await answer).json();
  await expectScreen("screen-contest", "after a valid code");
  const [c1, c2] = ballot.contests;
  expect(c1 && c2, "the demo ballot does not have two contests");
  expect((await text("#contest-title")) === c1.title, "the contest title is wrong");
  const ids = await loc("#candidates .candidate").evaluateAll((els) => els.map((e) => e.dataset.id));
  expect(JSON.stringify(ids) === JSON.stringify(c1.candidates.map((c) => c.id)), `cards are not in the server's order: ${ids}`);
  expect(await loc("#candidates .candidate button[data-mark]").count() === ids.length * 3, "each card needs three mark buttons");
  expect((await text(`.candidate[data-id="${ids[0]}"] button[data-mark="against"]`)).includes(c1.against_label), "the against button does not use against_label");
  expect((await text("#marks-left")).includes(`还可选 ${c1.seats} 人`), `#marks-left starts wrong: ${await text("#marks-left")}`);
  expect(await loc("#write-in-section").isVisible(), "the write-in field is missing for a party contest");
  expect((await text("#write-in-rule")).includes("不赞成"), "the write-in rule is not explained in words");
  expect(await loc("#write-in-add").isDisabled(), "a write-in can be added without a 不赞成 mark");
  await shot("contest-1");

  // Mark all seats but one, then the last, then try to over-mark.
  for (const id of ids.slice(0, c1.seats - 1)) await markBtn(id, "for").click();
  expect((await text("#marks-left")).includes("还可选 1 人"), `after ${c1.seats - 1} marks: ${await text("#marks-left")}`);
  expect(await hiddenOrGone("#overmark-msg", 500), "#overmark-msg shown before the maximum");
  await markBtn(ids[c1.seats - 1], "for").click();
  expect((await text("#marks-left")).includes("还可选 0 人"), "marks left is not 0 at the maximum");
  expect(await visible("#overmark-msg"), "#overmark-msg is not shown at the maximum");
  expect((await text("#overmark-msg")).includes(`本项应选 ${c1.seats} 人, 您已选满`), `overmark message: ${await text("#overmark-msg")}`);
  const extra = ids[c1.seats];
  expect(await markBtn(extra, "for").isDisabled(), "a further 赞成 button is not disabled at the maximum");
  await markBtn(extra, "for").click({ force: true, timeout: 2000 }).catch(() => {});
  expect((await pressed(extra, "for")) === "false", "over-marking was possible");
  expect(!(await markBtn(extra, "against").isDisabled()), "不赞成 must stay possible at the maximum");
  await shot("contest-1-overmark");

  // One 不赞成 allows one write-in; a write-in counts towards the seats.
  const against = ids[c1.seats - 1];
  await markBtn(against, "against").click();
  expect((await pressed(against, "against")) === "true" && (await pressed(against, "for")) === "false", "switching 赞成 to 不赞成 failed");
  expect(!(await markBtn(extra, "for").isDisabled()), "赞成 is still disabled below the maximum");
  await loc("#write-in").fill(c1.candidates[0].name);
  await loc("#write-in-add").click();
  expect((await text("#write-in-msg")).includes("已在候选人名单中"), "a write-in naming a listed candidate is not refused");
  const writeIn = "钱多多";
  await loc("#write-in").fill(writeIn);
  await loc("#write-in").press("Enter");
  expect((await text("#write-in-list")).includes(writeIn), "the write-in is not listed");
  expect(await visible("#overmark-msg"), "a write-in does not count towards the maximum");
  expect(await markBtn(extra, "for").isDisabled(), "赞成 is not disabled when marks + write-ins reach the seats");
  expect(await loc("#write-in-add").isDisabled(), "a second write-in is possible with one 不赞成");
  // Taking back the 不赞成 that carries the write-in is refused with a reason.
  await markBtn(against, "against").click();
  expect((await pressed(against, "against")) === "true", "the 不赞成 backing a write-in could be removed");
  expect((await text("#write-in-msg")).includes("请先删去一个另选人"), "no reason given for keeping the 不赞成");
  await markBtn(extra, "abstain").click();
  expect((await pressed(extra, "abstain")) === "true", "弃权 does not press");
  await shot("contest-1-write-in");

  // Keyboard: Tab to a button and press Space toggles it.
  await markBtn(extra, "abstain").focus();
  await page.keyboard.press("Space");
  expect((await pressed(extra, "abstain")) === "false", "Space on a pressed button does not release it");
  await page.keyboard.press("Enter");
  expect((await pressed(extra, "abstain")) === "true", "Enter on a button does not press it");

  // 4. The second contest; back and forth keeps the marks.
  await loc("#next").click();
  await expectScreen("screen-contest", "the second contest");
  expect((await text("#contest-title")) === c2.title, "the second contest title is wrong");
  const ids2 = c2.candidates.map((c) => c.id);
  await markBtn(ids2[0], "for").click();
  await markBtn(ids2[1], "for").click();
  await markBtn(ids2[2], "against").click();
  expect((await text("#marks-left")).includes(`还可选 ${c2.seats - 2} 人`), "second contest counter wrong");
  await shot("contest-2");
  await loc("#toggle-large").click();
  await loc("#toggle-contrast").click();
  expect((await loc("#toggle-large").getAttribute("aria-pressed")) === "true", "#toggle-large does not report aria-pressed");
  await shot("contest-2-large-contrast");
  await loc("#toggle-large").click();
  await loc("#toggle-contrast").click();
  await loc("#back").click();
  expect((await text("#contest-title")) === c1.title, "#back does not return to the first contest");
  expect((await pressed(ids[0], "for")) === "true" && (await text("#write-in-list")).includes(writeIn), "marks were lost going back");
  await loc("#next").click();
  expect((await pressed(ids2[2], "against")) === "true", "marks on the second contest were lost");

  // 5. Review.
  await loc("#next").click();
  await expectScreen("screen-review", "after the last contest");
  const review = await text("#review-list");
  for (const c of c1.candidates) expect(review.includes(c.name), `the review does not list ${c.name}`);
  expect(review.includes(`赞成 ${c1.seats - 1} 人`) && review.includes("不赞成 1 人") && review.includes(writeIn), `the review does not say the marks in words: ${review}`);
  expect(review.includes("另选 1 人"), "the review does not list the write-in");
  expect(review.includes("未作标记, 按弃权计"), "the unmarked candidate of contest 2 is not explained");
  const e2eNote = await text("#review-e2e");
  expect(/本机加密/.test(e2eNote) && /[0-9a-f]{4}(-[0-9a-f]{4}){7}/.test(e2eNote), `the review does not say the ballot is encrypted here, with the key's fingerprint: “${e2eNote}”`);
  await shot("review");
  await loc("#edit").click();
  await expectScreen("screen-contest", "after #edit");
  expect((await pressed(ids[0], "for")) === "true", "#edit lost the marks");
  await loc("#next").click();
  await loc("#next").click();
  await expectScreen("screen-review", "back at the review");

  // English and the display toggles.
  await loc("#lang").click();
  expect((await text("#review-title")).includes("Check your ballot"), "English does not show");
  await shot("review-english");
  await loc("#lang").click();
  await loc("#toggle-large").click();
  await loc("#toggle-contrast").click();
  expect(await page.evaluate(() => document.body.classList.contains("large") && document.body.classList.contains("contrast")), "the display toggles do not apply");
  await shot("review-large-contrast");

  // 6. Encrypt: the kiosk shows the confirmation code, and only then asks cast or check.
  let posts = 0;
  let sent = null;
  await page.route("**/api/v1/ballots", async (route) => {
    posts += 1;
    sent = route.request().postDataJSON();
    await new Promise((r) => setTimeout(r, 800));
    await route.continue();
  });
  await loc("#confirm").click();
  await expectScreen("screen-confirm", "after #confirm in an encrypted election");
  const shownCode = await text("#confirm-code");
  expect(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/.test(shownCode), `the confirmation code looks wrong: “${shownCode}”`);
  expect(posts === 0, "the ballot was sent before the voter chose to cast");
  expect(!(await loc("#cast").isDisabled()) && !(await loc("#check").isDisabled()), "#cast or #check is not enabled on screen-confirm");
  const confirmText = await text("#screen-confirm");
  expect(confirmText.includes("投出选票") && confirmText.includes("核验本机加密") && confirmText.includes("不计入"), `screen-confirm does not explain cast and check: ${confirmText}`);
  await shot("confirm-code");
  // The back button drops that encryption; the review comes back and a fresh one is made.
  await loc("#confirm-edit").click();
  await expectScreen("screen-review", "after #confirm-edit");
  await loc("#confirm").click();
  await expectScreen("screen-confirm", "encrypted again");
  const code = await text("#confirm-code");
  expect(code !== shownCode, `a fresh encryption gave the same confirmation code ${code}`);

  // Cast: #cast is disabled while posting, and only one request is sent.
  const cast = page.waitForResponse((r) => r.url().endsWith("/api/v1/ballots"));
  await loc("#cast").click();
  expect(await loc("#cast").isDisabled(), "#cast is not disabled while posting");
  expect(await loc("#check").isDisabled(), "#check is not disabled once the ballot is being cast");
  await loc("#cast").click({ force: true, timeout: 1000 }).catch(() => {});
  await page.keyboard.press("Enter");
  const castRes = await cast;
  expect(castRes.status() === 201, `casting answered ${castRes.status()}`);
  const castBody = await castRes.json();
  await page.unroute("**/api/v1/ballots");
  expect(posts === 1, `${posts} cast requests were sent`);
  // Exactly what the voter chose: only marked candidates, the write-in, the canonical token.
  const wantMarks1 = Object.fromEntries([...ids.slice(0, c1.seats - 1).map((id) => [id, "for"]), [against, "against"], [extra, "abstain"]]);
  const want = { token: TOKEN1, ballots: [
    { contest: c1.id, marks: wantMarks1, write_ins: [writeIn] },
    { contest: c2.id, marks: { [ids2[0]]: "for", [ids2[1]]: "for", [ids2[2]]: "against" }, write_ins: [] },
  ] };
  // The demo election is encrypted: the request holds ciphertexts only. What the voter
  // chose goes to a file, and the Rust side checks the decrypted count includes it.
  expect(sent.token === TOKEN1 && sent.ballots === undefined && Array.isArray(sent.encrypted), `the cast request is not an encrypted ballot: ${JSON.stringify(sent).slice(0, 300)}`);
  expect(sameJson(sent.encrypted.map((l) => l.contest), [c1.id, c2.id]), "the encrypted ballot does not hold one line per contest");
  const body = JSON.stringify(sent);
  const names = [...c1.candidates, ...c2.candidates].map((c) => c.name);
  for (const word of [...names, writeIn, '"for"', '"against"', '"marks"', '"write_ins"']) {
    expect(!body.includes(word), `the cast request shows “${word}” in the clear`);
  }
  for (const l of sent.encrypted) {
    expect(/^[A-Za-z0-9+/]+=*$/.test(l.ballot) && l.ballot.length > 1000, `contest ${l.contest}: the ballot is not a ciphertext blob`);
    expect(l.opening === undefined, `contest ${l.contest}: a cast ballot was sent with its opening`);
  }
  // The code shown is the one of the bytes sent (recomputed here), and the server's.
  const recomputed = confirmationCode({ round: ballot.round, style: ballot.style, serial: fromHex(ballot.e2e.token_serial),
    lines: sent.encrypted.map((l) => ({ contest: l.contest, group: l.group || "", ballot: Buffer.from(l.ballot, "base64") })) }).code;
  expect(recomputed === code, `the kiosk showed ${code}, but the ballot it sent has the code ${recomputed}`);
  expect(castBody.confirmation === code, `the server's confirmation code ${castBody.confirmation} is not the one shown, ${code}`);
  fs.writeFileSync(path.join(DIR, "kiosk-choices.json"), JSON.stringify(want, null, 2));
  console.log("✓ the cast request holds ciphertexts only (no name, mark or write-in in the clear)");
  await expectScreen("screen-receipt", "after casting");
  const receipt = (await text("#receipt-code"));
  expect(/^R\d+-[0-9A-Z]+$/.test(receipt), `the receipt code looks wrong: “${receipt}”`);
  expect((await text("#receipt-confirmation")) === code, `the receipt does not repeat the confirmation code ${code}: “${await text("#receipt-confirmation")}”`);
  expect(await loc("#receipt-qr svg").count() === 1, "no QR svg in #receipt-qr");
  expect((await text("#screen-receipt")).includes("请记下或拍下回执码, 可在核验页查询"), "the receipt note is missing");
  const check = await page.request.get(`${BASE}/api/v1/receipts/${encodeURIComponent(receipt)}`);
  expect(check.ok(), `the receipt ${receipt} cannot be found at /api/v1/receipts (${check.status()})`);
  await shot("receipt");

  // 7. Automatic return to idle; nothing of the voter is left.
  await page.waitForTimeout(RECEIPT_SECONDS * 1000 + 1000);
  const marked = [...ids.slice(0, c1.seats - 1), against, ids2[0], ids2[1], ids2[2]]
    .map((id) => [...c1.candidates, ...c2.candidates].find((c) => c.id === id).name);
  await expectNothingLeft([...marked, writeIn, receipt, TOKEN1, TOKEN1.slice(0, 40)], "after the receipt timed out");
  await shot("after-reset");

  // 8. The same code again is refused on screen, scanner style.
  await scan(TOKEN1);
  expect(await visible("#kiosk-error"), "a spent code shows no error");
  const err = await text("#kiosk-error");
  expect(err.includes("此选票码已经用过") && err.includes("token_spent"), `the spent-code message is wrong: “${err}”`);
  await expectScreen("screen-idle", "after a spent code");
  await expectTokenFocus("after a spent code");
  await shot("token-spent");
  // Typing the next code clears the old message.
  await page.keyboard.type("0");
  expect(await hiddenOrGone("#kiosk-error", 2000), "the error stays while the next voter types");
  await loc("#token-clear").click();

  // A closed contest (a faked 409 answer) is explained in words.
  await page.route("**/api/v1/kiosk/ballot", (route) => route.fulfill({
    status: 409, contentType: "application/json",
    body: JSON.stringify({ code: "contest_closed", message: "选举项目已结束投票 / the contest is closed" }),
  }), { times: 1 });
  await scan(TOKEN2);
  expect(await visible("#kiosk-error"), "a closed contest shows no error");
  expect((await text("#kiosk-error")).includes("投票已经结束"), "the closed-contest message is wrong");
  await shot("contest-closed");
  await loc("#token-clear").click();

  await otherContestKinds();
  await encryptedEvaluationRefusals();
  await encryptedRecommendation();

  expect(consoleErrors.filter((e) => !/status of (4\d\d)/.test(e)).length === 0, `console errors: ${consoleErrors.join(" | ")}`);
  const state = await context.storageState();
  await context.close();
  return state;
}

/**
 * Contest kinds the demo election lacks, with a faked ballot answer (nothing reaches the
 * server): a recommendation (max_marks, free write-ins, 反对) and an evaluation (grades).
 */
async function otherContestKinds() {
  const fake = { style: 0, round: 1, contests: [
    { id: "rec", title: "民主推荐 (测试)", kind: "recommendation", kind_label: "民主推荐", seats: 1, max_marks: 2,
      against_label: "反对", write_ins: true, scale: null, subjects: null,
      candidates: [{ id: "r1", name: "丁一" }, { id: "r2", name: "王二" }, { id: "r3", name: "张三" }] },
    { id: "eval", title: "班子成员测评 (测试)", kind: "evaluation", kind_label: "民主测评", seats: 0, max_marks: 0,
      against_label: "反对", write_ins: false, candidates: [],
      scale: { id: "individual", grades: ["excellent", "competent", "basic", "incompetent"], labels: ["优秀", "称职", "基本称职", "不称职"] },
      subjects: [{ id: "s1", name: "李四" }, { id: "s2", name: "赵五" }] },
  ] };
  // A plaintext ballot answer: this kiosk encrypted for the demo election, so it would
  // refuse one (kiosk.js KEY_MEMORY, tested in challenge.mjs) until staff pair it again,
  // which forgets the election as this does (the stored key, and the page's copy with a
  // reload).
  await page.evaluate(() => localStorage.removeItem("scrutineer.kiosk.election-key"));
  await page.reload();
  await expectScreen("screen-idle", "the kiosk restarted without its remembered key");
  await page.route("**/api/v1/kiosk/ballot", (route) => route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(fake) }), { times: 1 });
  let sent = null;
  let calls = 0;
  await page.route("**/api/v1/ballots", (route) => {
    sent = route.request().postDataJSON();
    calls += 1;
    if (calls === 1) {
      return route.fulfill({ status: 422, contentType: "application/json", body: JSON.stringify({
        code: "excellent_over_quota", message: "“班子成员测评 (测试)”: 评为最高等次 1 人, 超过限额 0 人, 废票 / 1 top grades exceed the quota of 0: void" }) });
    }
    return route.fulfill({ status: 201, contentType: "application/json", body: JSON.stringify({
      receipt: "R99-TESTRECEIPT", index: 99, hash: "00", checkpoint_size: 100,
      qr_svg: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4" onload="window.__pwned=1"><script>window.__pwned=2</script><rect width="4" height="4" fill="#fff"/><path d="M0 0h2v2h-2z"/></svg>' }) });
  }, { times: 2 });
  await scan(TOKEN2);
  await expectScreen("screen-contest", "a recommendation ballot");
  expect((await text("#contest-seats")).includes("最多推荐 2 人"), `recommendation seats line: ${await text("#contest-seats")}`);
  expect((await text('.candidate[data-id="r1"] button[data-mark="against"]')).includes("反对"), "the against label is not 反对");
  expect(!(await loc("#write-in-add").isDisabled()), "a free write-in is blocked on a recommendation");
  await markBtn("r1", "for").click();
  await loc("#write-in").fill("孙六");
  await loc("#write-in-add").click();
  expect(await visible("#overmark-msg") && (await text("#overmark-msg")).includes("本项最多推荐 2 人"), "recommendation: max_marks is not enforced");
  expect(await markBtn("r2", "for").isDisabled(), "recommendation: 赞成 not disabled at max_marks");
  await markBtn("r3", "against").click();
  await shot("fake-recommendation");
  await loc("#next").click();
  await expectScreen("screen-contest", "an evaluation ballot");
  expect(await loc(".subject[data-id]").count() === 2, "evaluation: not one row per subject");
  expect(await loc('.subject[data-id="s1"] button[data-grade]').count() === 4, "evaluation: not one button per grade");
  expect((await text('.subject[data-id="s1"] button[data-grade="competent"]')).includes("称职"), "evaluation: grade labels not from scale.labels");
  expect(await hiddenOrGone("#write-in-section", 500), "evaluation: a write-in field is shown");
  await loc('.subject[data-id="s1"] button[data-grade="excellent"]').click();
  await loc('.subject[data-id="s1"] button[data-grade="competent"]').click();
  expect(await loc('.subject[data-id="s1"] button[aria-pressed="true"]').count() === 1, "evaluation: more than one grade pressed");
  await shot("fake-evaluation");
  await loc("#next").click();
  await expectScreen("screen-review", "fake review");
  const review = await text("#review-list");
  expect(review.includes("称职") && review.includes("未评") && review.includes("孙六"), `fake review: ${review}`);
  await shot("fake-review");
  // A refusal by the server keeps the ballot so the voter can change it.
  await loc("#confirm").click();
  expect(await visible("#kiosk-error"), "a refused ballot shows no error");
  expect((await text("#kiosk-error")).includes("请按 “修改” 更正"), `refusal message: ${await text("#kiosk-error")}`);
  await expectScreen("screen-review", "after a refused ballot");
  expect(!(await loc("#edit").isDisabled()) && !(await loc("#confirm").isDisabled()), "#edit/#confirm stay disabled after a refusal");
  await shot("fake-refused");
  await loc("#confirm").click();
  await expectScreen("screen-receipt", "fake receipt");
  const want = { token: TOKEN2, ballots: [
    { contest: "rec", marks: { r1: "for", r3: "against" }, write_ins: ["孙六"] },
    { contest: "eval", ratings: { s1: "competent" } },
  ] };
  expect(sameJson(sent, want), `fake cast payload:\n  sent ${JSON.stringify(sent)}\n  want ${JSON.stringify(want)}`);
  const svg = await loc("#receipt-qr").innerHTML();
  expect(!/script|onload/i.test(svg) && await page.evaluate(() => !window.__pwned), `the QR svg was not cleaned: ${svg}`);
  await loc("#done").click();
  await expectNothingLeft(["丁一", "孙六", "李四", "R99-TESTRECEIPT"], "after the fake ballot");
}

/**
 * What the rules void and only the whole ballot shows, in an encrypted election: the kiosk
 * refuses it itself (the server never sees the grades), keeps the ballot for the voter to
 * change, and sends nothing. A faked ballot answer with the demo's real election key.
 */
async function encryptedEvaluationRefusals() {
  const fake = await encryptedFake([
      { id: "eval", title: "班子成员测评 (测试)", kind: "evaluation", kind_label: "民主测评", seats: 0, max_marks: 0,
        against_label: "反对", write_ins: false, candidates: [], group: "", uniform_void: true, excellent_limit: 1,
        shape: { kind: "evaluation", subjects: 3, grade0_quota: 1 },
        scale: { id: "individual", grades: ["excellent", "competent", "basic", "incompetent"], labels: ["优秀", "称职", "基本称职", "不称职"] },
        subjects: [{ id: "s1", name: "李四" }, { id: "s2", name: "赵五" }, { id: "s3", name: "王六" }] },
    ]);
  await page.route("**/api/v1/kiosk/ballot", (route) => route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(fake) }), { times: 1 });
  const sent = [];
  await page.route("**/api/v1/ballots", (route) => {
    sent.push(route.request().postDataJSON());
    return route.fulfill({ status: 201, contentType: "application/json", body: JSON.stringify({ receipt: "R98-TESTRECEIPT", index: 98, hash: "00", checkpoint_size: 99, qr_svg: "" }) });
  });
  await scan(TOKEN2);
  await expectScreen("screen-contest", "an encrypted evaluation ballot");
  const grade = (s, g) => loc(`.subject[data-id="${s}"] button[data-grade="${g}"]`).click();
  await grade("s1", "competent");
  await grade("s2", "competent");
  await grade("s3", "competent");
  await loc("#next").click();
  await expectScreen("screen-review", "encrypted evaluation review");
  await loc("#confirm").click();
  expect(await visible("#kiosk-error"), "the same grade for every subject is not refused at the kiosk");
  const e1 = await text("#kiosk-error");
  expect(e1.includes("同一等次") && e1.includes("请按 “修改” 更正"), `uniform grades: ${e1}`);
  await shot("encrypted-uniform-refused");
  await loc("#edit").click();
  await grade("s1", "excellent");
  await grade("s2", "excellent");
  await grade("s3", "basic");
  await loc("#next").click();
  await loc("#confirm").click();
  expect(await visible("#kiosk-error"), "two 优秀 over a quota of one are not refused at the kiosk");
  expect((await text("#kiosk-error")).includes("超过限额 1 人"), `quota: ${await text("#kiosk-error")}`);
  expect(sent.length === 0, `the kiosk sent ${sent.length} ballots the rules void`);
  await loc("#edit").click();
  await grade("s2", "basic");
  await loc("#next").click();
  await loc("#confirm").click();
  await expectScreen("screen-confirm", "encrypted evaluation: the confirmation code");
  expect(sent.length === 0, "the encrypted evaluation was sent before #cast");
  const evalCode = await text("#confirm-code");
  await loc("#cast").click();
  await expectScreen("screen-receipt", "encrypted evaluation receipt");
  expect((await text("#receipt-confirmation")) === evalCode, "the receipt does not repeat the kiosk's confirmation code");
  expect(sent.length === 1 && Array.isArray(sent[0].encrypted) && sent[0].ballots === undefined, `the ballot sent: ${JSON.stringify(sent).slice(0, 200)}`);
  expect(!/excellent|basic|ratings|李四/.test(JSON.stringify(sent[0])), "the encrypted evaluation shows its grades in the clear");
  await page.unroute("**/api/v1/ballots");
  await loc("#done").click();
  await expectNothingLeft(["李四", "R98-TESTRECEIPT", evalCode], "after the encrypted evaluation");
}

/**
 * A ballot answer of the demo election (its id and key: a paired kiosk serves one election,
 * kiosk.js KEY_MEMORY) with `contests` of the test's own; nothing of it reaches the server.
 */
async function encryptedFake(contests) {
  const cer = await (await page.request.get(`${BASE}/api/v1/ceremony`)).json();
  const electionId = (await (await page.request.get(`${BASE}/api/v1/election`)).json()).id;
  return { style: 0, round: 1, contests,
    e2e: { protocol: "scrutineer.e2e/v1", election_id: electionId, key: cer.key.key, fingerprint: cer.key.fingerprint, token_serial: "00".repeat(16) } };
}

/**
 * An encrypted recommendation's shape has no against option (docs/E2E.md §4.1): the kiosk
 * offers For and Abstain only, rather than let a voter mark 反对 that it could not encrypt.
 * Nothing is cast: the voter cancels.
 */
async function encryptedRecommendation() {
  const fake = await encryptedFake([
      { id: "rec", title: "民主推荐 (加密测试)", kind: "recommendation", kind_label: "民主推荐", seats: 1, max_marks: 2,
        against_label: "反对", write_ins: true, scale: null, subjects: null, group: "",
        shape: { kind: "candidate", candidates: 3, max_marks: 2, against: false, write_in_lines: 2, write_in_needs_against: false },
        candidates: [{ id: "r1", name: "丁一", index: 0 }, { id: "r2", name: "王二", index: 1 }, { id: "r3", name: "张三", index: 2 }] },
    ]);
  await page.route("**/api/v1/kiosk/ballot", (route) => route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(fake) }), { times: 1 });
  await scan(TOKEN2);
  await expectScreen("screen-contest", "an encrypted recommendation");
  expect(await loc('.candidate button[data-mark="against"]').count() === 0, "an encrypted recommendation offers an against mark it cannot encrypt");
  expect(await loc('.candidate[data-id="r1"] button[data-mark="for"]').count() === 1, "an encrypted recommendation offers no For mark");
  expect(!(await text("#contest-rule")).includes("反对"), `the rule names an against mark: ${await text("#contest-rule")}`);
  await shot("encrypted-recommendation");
  await loc("#cancel").click();
  await loc("#cancel-yes").click();
  await expectNothingLeft(["丁一"], "after the encrypted recommendation");
}

async function landscape(browser, storageState) {
  console.log("landscape 1920×1080");
  const context = await browser.newContext({ viewport: LANDSCAPE, locale: "zh-CN", storageState });
  page = await context.newPage();
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  // Content-Security-Policy violations are logged to the console.
  page.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) consoleErrors.push(m.text()); });

  // Inactivity: a voter who walks away is asked, then everything is cleared (nothing cast).
  await page.goto(`${BASE}/kiosk?receipt_seconds=60&idle_seconds=2&idle_grace_seconds=2`);
  await expectScreen("screen-idle", "the paired kiosk in landscape");
  let ballot = await openBallot(TOKEN2, "landscape, first look");
  const c1 = ballot.contests[0];
  await markBtn(c1.candidates[1].id, "for").click();
  expect(await visible("#idle-dialog", 6000), "no “still voting?” question after inactivity");
  await shot("landscape-idle-question");
  await loc("#still-here").click();
  await expectScreen("screen-contest", "after “continue”");
  expect((await pressed(c1.candidates[1].id, "for")) === "true", "“continue” lost the marks");
  expect(await visible("#idle-dialog", 6000), "the question does not come back");
  expect(await visible("#screen-idle", 6000), "inactivity does not clear the ballot");
  await expectNothingLeft([c1.candidates[1].name], "after inactivity");

  // Cancel keeps nothing either.
  await page.goto(`${BASE}/kiosk?receipt_seconds=60`);
  await expectScreen("screen-idle", "reloaded");

  // On-screen keys type into the code input without taking the focus.
  await loc("#keypad-toggle").click();
  expect(await visible("#keypad"), "#keypad-toggle does not show the keys");
  for (const k of [...TOKEN2.slice(0, 10)]) await loc(`#keypad button[data-key="${k}"]`).click();
  await loc('#keypad button[data-key="back"]').click();
  expect(await loc("#token-input").inputValue() === TOKEN2.slice(0, 9), "the on-screen keys do not type");
  expect((await text("#token-feedback")).includes("还差 144 个字符"), `keypad feedback: ${await text("#token-feedback")}`);
  await expectTokenFocus("after the on-screen keys");
  await shot("landscape-keypad");
  await loc("#token-clear").click();
  await loc("#keypad-toggle").click();
  ballot = await openBallot(TOKEN2, "landscape vote");
  const [k1, k2] = ballot.contests;
  await shot("landscape-contest-1");
  await markBtn(k1.candidates[0].id, "for").click();
  await loc("#cancel").click();
  expect(await visible("#cancel-dialog"), "#cancel asks nothing");
  await shot("landscape-cancel-dialog");
  await loc("#cancel-no").click();
  expect((await pressed(k1.candidates[0].id, "for")) === "true", "“keep voting” lost the marks");
  await loc("#cancel").click();
  await loc("#cancel-yes").click();
  await expectNothingLeft([k1.candidates[0].name], "after cancelling");

  await sessionLostMidBallot(context, k1);

  // The real vote: everything for on contest 1 up to the seats, keyboard on contest 2.
  ballot = await openBallot(TOKEN2, "landscape vote again");
  for (const c of k1.candidates.slice(0, k1.seats)) await markBtn(c.id, "for").click();
  expect(await visible("#overmark-msg"), "landscape: #overmark-msg missing at the maximum");
  await shot("landscape-contest-1-full");
  await loc("#next").click();
  // Keyboard only: Tab from the title to the first 赞成 and press Enter.
  await loc("#contest-title").focus();
  for (let i = 0; i < 10 && !(await page.evaluate(() => document.activeElement?.dataset?.mark === "for")); i++) await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  expect((await pressed(k2.candidates[0].id, "for")) === "true", "keyboard: Tab + Enter did not mark 赞成");
  await markBtn(k2.candidates[3].id, "against").click();
  await shot("landscape-contest-2");
  await loc("#lang").click();
  expect((await text(`.candidate[data-id="${k2.candidates[0].id}"]`)).includes("For"), "English labels missing on the cards");
  await shot("landscape-contest-2-english");
  await loc("#lang").click();
  await loc("#next").click();
  await expectScreen("screen-review", "landscape review");
  await shot("landscape-review");

  // A network failure keeps the ballot and lets the voter cast again.
  await loc("#confirm").click();
  await expectScreen("screen-confirm", "landscape confirmation code");
  const landscapeCode = await text("#confirm-code");
  await shot("landscape-confirm-code");
  await page.route("**/api/v1/ballots", (route) => route.abort("connectionreset"), { times: 1 });
  await loc("#cast").click();
  expect(await visible("#kiosk-error"), "a network failure shows no error");
  const netMsg = await text("#kiosk-error");
  expect(netMsg.includes("无法连接投票服务器") && netMsg.includes("投出选票"), `network message: ${netMsg}`);
  await expectScreen("screen-confirm", "after a network failure");
  expect(!(await loc("#cast").isDisabled()), "#cast stays disabled after a network failure");
  expect(await loc("#check").isDisabled(), "#check is possible after the openings were dropped for a cast");
  expect((await text("#confirm-code")) === landscapeCode, "the confirmation code changed after a network failure");
  await shot("landscape-network-error");
  await loc("#cast").click();
  await expectScreen("screen-receipt", "landscape receipt");
  expect((await text("#receipt-confirmation")) === landscapeCode, "the landscape receipt does not repeat the confirmation code");
  const receipt = await text("#receipt-code");
  await shot("landscape-receipt");
  // What this voter chose, for the decrypted count (kiosk-choices.json, see step 6).
  const choices = JSON.parse(fs.readFileSync(path.join(DIR, "kiosk-choices.json"), "utf8"));
  choices.ballots.push(
    { contest: k1.id, marks: Object.fromEntries(k1.candidates.slice(0, k1.seats).map((c) => [c.id, "for"])), write_ins: [] },
    { contest: k2.id, marks: { [k2.candidates[0].id]: "for", [k2.candidates[3].id]: "against" }, write_ins: [] });
  fs.writeFileSync(path.join(DIR, "kiosk-choices.json"), JSON.stringify(choices, null, 2));
  await loc("#done").click();
  const names = [...k1.candidates.slice(0, k1.seats), k2.candidates[0], k2.candidates[3]].map((c) => c.name);
  await expectNothingLeft([...names, receipt, TOKEN2, landscapeCode], "after #done");
  await shot("landscape-after-reset");

  // An expired kiosk session (a faked 401) goes back to pairing; the real cookie still works.
  await page.route("**/api/v1/kiosk/ballot", (route) => route.fulfill({ status: 401, contentType: "application/json",
    body: JSON.stringify({ code: "unauthenticated", message: "请先登录 / Sign in first." }) }), { times: 1 });
  await scan(TOKEN2);
  await expectScreen("screen-pair", "after a 401");
  expect((await text("#kiosk-error")).includes("配对"), "the 401 message does not mention pairing");
  await shot("landscape-session-expired");
  await page.reload();
  await expectScreen("screen-idle", "reload after a faked 401");
  expect(consoleErrors.length === 0, `page errors: ${consoleErrors.join(" | ")}`);
  await context.close();
}

/** The name this kiosk was paired with (portrait pairs it as browser-test). */
const KIOSK_NAME = "browser-test";

/**
 * Ends the kiosk's session while a voter is voting: the organiser unpairs it (with
 * ORGANISER_TOKEN), or the browser loses its kiosk cookie. Returns what `regainSession` needs.
 */
async function loseSession(context) {
  if (ORGANISER_TOKEN) {
    const r = await page.request.post(`${BASE}/api/v1/kiosks/${encodeURIComponent(KIOSK_NAME)}/unpair`,
      { headers: { Authorization: `Bearer ${ORGANISER_TOKEN}` } });
    expect(r.ok(), `unpairing the kiosk answered ${r.status()} ${await r.text()}`);
    return null;
  }
  const cookies = await context.cookies();
  await context.clearCookies();
  return cookies;
}

/** Pairs the kiosk again as staff would (a fresh code from the organiser), or gives the cookie back. */
async function regainSession(context, cookies) {
  if (ORGANISER_TOKEN) {
    const r = await page.request.post(`${BASE}/api/v1/kiosks/pairing`, { headers: { Authorization: `Bearer ${ORGANISER_TOKEN}` } });
    expect(r.ok(), `a new pairing code answered ${r.status()}`);
    const { code } = await r.json();
    await loc("#pair-code").fill(String(code).replace(/\s/g, ""));
    await loc("#pair-name").fill(KIOSK_NAME);
    await loc("#pair-submit").click();
  } else {
    await context.addCookies(cookies);
    await page.reload();
  }
  await expectScreen("screen-idle", "after pairing again");
  expect(await hiddenOrGone("#kiosk-error", 2000), "the lost-session notice stays after the kiosk is paired again");
}

/** Marks one candidate, goes to the confirmation code (encrypted election); returns the code. */
async function toConfirm(token, k1, why) {
  await openBallot(token, why);
  await markBtn(k1.candidates[0].id, "for").click();
  await loc("#next").click();
  await loc("#next").click();
  await expectScreen("screen-review", `${why}: review`);
  await loc("#confirm").click();
  await expectScreen("screen-confirm", `${why}: confirmation code`);
  return text("#confirm-code");
}

/**
 * Item 9 of issue 14: the kiosk's session is lost while a voter holds a ballot. (a) Nothing
 * was sent: the pairing screen says the ballot was not cast and the slip is still good, and
 * the slip then works. (b) An earlier cast failed on the network: it says the ballot may have
 * been cast, and how to find out (the confirmation code at /verify, or the slip again).
 */
async function sessionLostMidBallot(context, k1) {
  // (a) Lost before anything was sent.
  await toConfirm(TOKEN2, k1, "session lost (a)");
  let saved = await loseSession(context);
  await loc("#cast").click();
  await expectScreen("screen-pair", "cast after the session was lost");
  let notice = await text("#kiosk-error");
  expect(notice.includes("您的选票没有投出") && notice.includes("选票码仍然有效") && notice.includes("请工作人员重新配对本机后再投票"),
    `the lost-session notice does not say plainly that nothing was cast: “${notice}”`);
  expect(!notice.includes("可能已经投出"), `the notice says the ballot may have been cast: “${notice}”`);
  expect(notice.includes("unauthenticated"), `the notice lacks the code for support: “${notice}”`);
  expect(!(await page.content()).includes(k1.candidates[0].name), "the voter's choice is still in the page after the session was lost");
  await shot("landscape-session-lost-not-cast");
  await loc("#lang").click();
  notice = await text("#kiosk-error");
  expect(/not cast/.test(notice) && /still good/.test(notice), `the English notice: “${notice}”`);
  await shot("landscape-session-lost-not-cast-english");
  await loc("#lang").click();
  await regainSession(context, saved);

  // (b) A cast that failed on the network may have arrived: say so.
  const code = await toConfirm(TOKEN2, k1, "session lost (b): the slip is still good");
  await page.route("**/api/v1/ballots", (route) => route.abort("connectionreset"), { times: 1 });
  await loc("#cast").click();
  expect(await visible("#kiosk-error"), "a network failure shows no error");
  await expectScreen("screen-confirm", "after a network failure");
  saved = await loseSession(context);
  await loc("#cast").click();
  await expectScreen("screen-pair", "cast again after the session was lost");
  notice = await text("#kiosk-error");
  expect(notice.includes("可能已经投出") && notice.includes(code) && notice.includes("/verify"),
    `after a network failure the notice should say the ballot may have been cast, with its code ${code}: “${notice}”`);
  expect(!notice.includes("您的选票没有投出"), `the notice says the ballot was not cast, which nobody knows: “${notice}”`);
  await shot("landscape-session-lost-maybe-cast");
  await regainSession(context, saved);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ARGS,
  headless: !process.env.HEADFUL,
});
let code = 0;
try {
  const state = await portrait(browser);
  await landscape(browser, state);
  console.log("kiosk: all expectations hold");
} catch (e) {
  code = 1;
  console.error(`kiosk: FAILED: ${e instanceof Failed ? e.message : e.stack || e}`);
  try {
    await page?.screenshot({ path: path.join(DIR, "FAILED.png"), fullPage: true });
    console.error(`  see ${path.join(DIR, "FAILED.png")}`);
  } catch { /* the page is gone */ }
} finally {
  await browser.close();
}
process.exit(code);

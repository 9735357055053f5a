// Browser test of double-entry paper counting on the teller console (/teller): two tellers,
// each in their own browser, key the same sheet of a `paper_entry: "double"` contest.
//
//   node paper.mjs BASE_URL USER_A PASSWORD_A USER_B PASSWORD_B SCREENSHOT_DIR KEY_A KEY_B
//
// Protocol 9: each teller first sees that keyings are signed with their own key and that none
// is loaded, loads their key file (KEY_A, KEY_B: two registered tellers) and sees which key
// signs; every keying below is signed by the page. The first keying waits and the second teller's page does not show it; the second teller
// keys something else and both pages show the two keyings side by side with the differing
// rows marked; the second teller corrects and the sheet counts on both pages. Exits 1 with a
// message on the first failed expectation.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [base, userA, passA, userB, passB, shots, keyA, keyB] = process.argv.slice(2);
if (!base || !userA || !passA || !userB || !passB || !shots || !keyA || !keyB) {
  console.error("usage: node paper.mjs BASE_URL USER_A PASSWORD_A USER_B PASSWORD_B SCREENSHOT_DIR KEY_A KEY_B");
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
let shot = 0;

async function teller(user, password, keyFile) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "zh-CN" });
  await context.addInitScript(() => { try { localStorage.setItem("scrutineer.lang", "zh"); } catch { /* none */ } });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`${user}: page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/status of (4\d\d)/.test(m.text())) problems.push(`${user}: console error: ${m.text()}`);
  });
  const res = await page.goto(`${base}/teller`);
  expect(res.ok(), `GET /teller answered ${res.status()}`);
  await page.waitForSelector("#login-form", { timeout: 10000 });
  await page.fill('#login-form input[name="username"]', user);
  await page.fill('#login-form input[name="password"]', password);
  await page.click('#login-form button[type="submit"]');
  await page.waitForSelector("#app:not(.hidden) #paper-sheet .notice", { timeout: 10000 });
  // Protocol 9: without a key the card says keyings are signed and none is loaded.
  await page.waitForSelector("#paper-key-note .notice.bad", { timeout: 5000 });
  expect(/密钥签署/.test(await page.locator("#paper-key-note").innerText()), `the card does not say keyings are signed: ${await page.locator("#paper-key-note").innerText()}`);
  await page.setInputFiles("#key-file", keyFile);
  await page.waitForSelector("#key-info[data-registered='yes']", { timeout: 5000 });
  await page.waitForSelector("#paper-key-note .notice.ok", { timeout: 5000 });
  return page;
}

const snap = async (page, name) => {
  shot += 1;
  await page.locator("section:has(#h-paper)").screenshot({ path: join(shots, `paper-${String(shot).padStart(2, "0")}-${name}.png`) });
};
const text = async (page, sel) => (await page.locator(sel).innerText()).replace(/\s+/g, " ");
const mark = (page, candidate, m) => page.click(`#paper-form button.mark[data-candidate="${candidate}"][data-mark="${m}"]`);

try {
  const a = await teller(userA, passA, keyA);
  const b = await teller(userB, passB, keyB);
  const signers = [await a.getAttribute("#paper-key-note .notice", "data-signer"), await b.getAttribute("#paper-key-note .notice", "data-signer")];
  expect(signers[0] === "1" && signers[1] === "2", `the pages sign as tellers ${signers}, not 1 and 2`);
  expect(/双人录入 · 第 1 张/.test(await text(a, "#paper-sheet")), `the sheet line does not say double entry, sheet 1: ${await text(a, "#paper-sheet")}`);
  log("both tellers signed in; the page says: double entry, sheet 1");

  // A keys sheet 1: 王芳 for, 李强 against. It waits for B.
  await mark(a, "a", "for");
  await mark(a, "b", "against");
  await a.click("#paper-submit");
  await a.waitForSelector("#paper-msg .notice", { timeout: 5000 });
  expect(/等待另一名计票人/.test(await text(a, "#paper-msg")), `the first keying does not wait: ${await text(a, "#paper-msg")}`);
  // The button shows once the page has reloaded the sheet's state, a moment after the notice.
  expect(await a.waitForSelector("#paper-withdraw:not(.hidden)", { timeout: 5000 }).then(() => true, () => false), "no withdraw button after a keying");
  await snap(a, "a-waiting");
  log("teller A keyed sheet 1; it waits for a second teller");

  // B's page learns A has keyed (by its poll), without seeing what.
  await b.waitForFunction((u) => document.querySelector("#paper-sheet")?.innerText.includes(u), userA, { timeout: 10000 });
  expect(!(await b.locator("#paper-compare").count()), "B sees a comparison before keying");
  // B keys something else: 王芳 for, 张军 for.
  await mark(b, "a", "for");
  await mark(b, "d", "for");
  await b.click("#paper-submit");
  await b.waitForSelector("#paper-msg .notice.bad", { timeout: 5000 });
  expect(/录入不一致/.test(await text(b, "#paper-msg")), `no mismatch notice: ${await text(b, "#paper-msg")}`);
  await b.waitForSelector("#paper-compare", { timeout: 5000 });
  const differs = await b.$$eval("#paper-compare tr.differs th", (t) => t.map((x) => x.innerText.trim()));
  expect(differs.join(",") === "李强,张军", `the differing rows are ${differs.join(",")}, not 李强 and 张军`);
  await snap(b, "b-mismatch");
  log("teller B keyed differently: the rows that differ are marked:", differs.join("、"));

  // A's page shows the dispute too, with the comparison.
  await a.waitForSelector("#paper-compare tr.differs", { timeout: 10000 });
  expect(/录入不一致/.test(await text(a, "#paper-sheet")), "A's page does not say the keyings differ");
  await snap(a, "a-mismatch");
  log("teller A's page shows the same comparison");

  // The paper is read again: B corrects (张军 unmarked, 李强 against) and the sheet counts.
  // Protocol 9: the page signs again when another keying took its place meanwhile. Here B's
  // first send is answered as a stale signature and the place the page then reads has moved
  // (both made up by the test); the page signs at the place the service gives and sends
  // the keying once more, which counts.
  let posts = 0;
  let faked = false;
  let bumped = false;
  await b.route("**/api/v1/contests/p/paper-ballots", async (route) => {
    posts += 1;
    if (!faked) {
      faked = true;
      return route.fulfill({ status: 422, contentType: "application/json", body: JSON.stringify({ code: "attestation_invalid", message: "测试: 签名已过时 / test: a stale signature" }) });
    }
    return route.continue();
  });
  await b.route("**/api/v1/contests/p/paper-sheet", async (route) => {
    if (!faked || bumped) return route.continue();
    bumped = true;
    const res = await route.fetch();
    const json = await res.json();
    json.keyings_logged += 1;
    return route.fulfill({ response: res, json });
  });
  await mark(b, "d", "for");
  await mark(b, "b", "against");
  expect(/更正我的录入/.test(await text(b, "#paper-submit")), "the submit button does not offer a correction");
  await b.click("#paper-submit");
  await b.waitForFunction(() => /已计入/.test(document.querySelector("#paper-msg")?.innerText || ""), null, { timeout: 5000 });
  expect(posts === 2 && bumped, `the keying was sent ${posts} time(s) (a stale one, then once more, expected)`);
  await b.unroute("**/api/v1/contests/p/paper-ballots");
  await b.unroute("**/api/v1/contests/p/paper-sheet");
  expect(/第 1 张两人一致/.test(await text(b, "#paper-msg")), `B's answer: ${await text(b, "#paper-msg")}`);
  await b.waitForFunction(() => /第 2 张/.test(document.querySelector("#paper-sheet")?.innerText || ""), null, { timeout: 5000 });
  await snap(b, "b-counted");
  log("teller B corrected (signed again after a stale signature); sheet 1 counted; the page moves to sheet 2");

  await a.waitForFunction(() => /已计入/.test(document.querySelector("#paper-msg")?.innerText || ""), null, { timeout: 10000 });
  expect(!(await a.locator("#paper-compare").count()), "A's comparison stays after the sheet counted");
  expect(!(await a.locator("#paper-form button.mark[aria-pressed='true']").count()), "A's form keeps the counted sheet's marks");
  await snap(a, "a-counted");
  log("teller A's page sees sheet 1 counted and an empty form for sheet 2");

  // A rated-score evaluation on paper: a score box per subject instead of JSON.
  await a.selectOption("#paper-contest", "e");
  await a.waitForSelector('input.paper-score[data-subject="s1"]', { timeout: 5000 });
  expect(!(await a.locator("#paper-json").count()), "the evaluation still asks for JSON");
  await a.fill('input.paper-score[data-subject="s1"]', "88");
  await a.fill('input.paper-score[data-subject="s2"]', "6.5");
  await a.click("#paper-submit");
  await a.waitForSelector("#paper-msg .notice.bad", { timeout: 5000 });
  expect(/score_out_of_range/.test(await text(a, "#paper-msg")), `a fraction is not refused: ${await text(a, "#paper-msg")}`);
  await a.fill('input.paper-score[data-subject="s2"]', "61");
  await a.click("#paper-submit");
  await a.waitForFunction(() => /已录入/.test(document.querySelector("#paper-msg")?.innerText || ""), null, { timeout: 5000 });
  await snap(a, "a-scores");
  log("a scored evaluation keyed on paper with a box per subject:", await text(a, "#paper-msg"));

  // A graded evaluation with evaluator groups: the group is chosen, a grade clicked.
  await a.selectOption("#paper-contest", "g");
  await a.waitForSelector('button.grade[data-subject="t1"]', { timeout: 5000 });
  await a.click('button.grade[data-subject="t1"][data-grade="fairly_good"]');
  expect((await a.getAttribute('button.grade[data-subject="t1"][data-grade="fairly_good"]', "aria-pressed")) === "true", "the grade does not show as pressed");
  await a.click("#paper-submit");
  await a.waitForSelector("#paper-msg .notice.bad", { timeout: 5000 });
  expect(/group_missing/.test(await text(a, "#paper-msg")), `no group is not refused: ${await text(a, "#paper-msg")}`);
  await a.selectOption("#paper-group", "staff");
  await a.click("#paper-submit");
  await a.waitForFunction(() => /已录入/.test(document.querySelector("#paper-msg")?.innerText || ""), null, { timeout: 5000 });
  log("a graded evaluation keyed on paper with its group:", await text(a, "#paper-msg"));

  // Protocol 9: the page stops, and sends nothing, when the service's place for this key's
  // next ballot is not past the one it last had acknowledged (as after a ballot answered
  // "counted" and not logged): here the page is made to remember a later place.
  await a.selectOption("#paper-contest", "e");
  await a.waitForSelector('input.paper-score[data-subject="s1"]', { timeout: 5000 });
  const placeKey = await a.evaluate(async () => {
    const e = await (await fetch("/api/v1/election")).json();
    const k = `scrutineer.paper.place.${e.log_id}.e.key1`;
    sessionStorage.setItem(k, "99");
    return k;
  });
  await a.fill('input.paper-score[data-subject="s1"]', "70");
  await a.fill('input.paper-score[data-subject="s2"]', "80");
  await a.click("#paper-submit");
  await a.waitForFunction(() => /paper_place_went_back/.test(document.querySelector("#paper-msg")?.innerText || ""), null, { timeout: 5000 });
  expect(/停止录入/.test(await text(a, "#paper-msg")), `the stop does not say what to do: ${await text(a, "#paper-msg")}`);
  await snap(a, "a-place-went-back");
  await a.evaluate((k) => sessionStorage.removeItem(k), placeKey);
  log("a place that went back stops the page:", await text(a, "#paper-msg"));
  if (problems.length) throw new Failure(problems.join("\n"));
} catch (e) {
  console.error(e instanceof Failure ? `✗ ${e.message}` : e);
  exitCode = 1;
} finally {
  await browser.close();
}
process.exit(exitCode);

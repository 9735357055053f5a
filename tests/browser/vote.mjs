// Voters at the kiosk page of an encrypted election: each token is scanned, every contest
// marked the way a voter would (a pattern that varies with the voter), reviewed, encrypted
// (#confirm shows the confirmation code on #screen-confirm) and cast (#cast).
// What each voter chose is written down (the Rust test compares the decrypted count with
// it); what the page sent must hold ciphertexts only. In a plaintext election (the ballot
// carries no key) #confirm casts the ballot lines themselves, and each line of an evaluation
// counted by evaluator group must name the style's group.
//
//   node vote.mjs BASE_URL PAIRING_CODE TOKENS_FILE CHOICES_OUT SCREENSHOT_DIR
//
// TOKENS_FILE  one token per line (unspent, checked in)
// CHOICES_OUT  where to write [{token, ballots: [ballot lines as docs/FORMATS.md]}]
// Handles candidate contests (赞成 up to the seats, sometimes one 反对/不赞成, no write-ins)
// and evaluations (a grade per subject, sometimes unrated; never all the same grade, never
// over the 优秀 quota). Env: CHROMIUM. Exits 1 with a message on the first failure.
import { chromium } from "playwright-core";
import fs from "node:fs";
import path from "node:path";

const [BASE, CODE, TOKENS, OUT, DIR] = process.argv.slice(2);
if (!BASE || !CODE || !TOKENS || !OUT || !DIR) {
  console.error("usage: node vote.mjs BASE_URL PAIRING_CODE TOKENS_FILE CHOICES_OUT SCREENSHOT_DIR");
  process.exit(2);
}
fs.mkdirSync(DIR, { recursive: true });
const tokens = fs.readFileSync(TOKENS, "utf8").split("\n").map((l) => l.trim()).filter(Boolean);

class Failed extends Error {}
function expect(cond, message) {
  if (!cond) throw new Failed(message);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let page;
let exitCode = 0;
const chosen = [];
try {
  const context = await browser.newContext({ viewport: { width: 1080, height: 1920 }, locale: "zh-CN" });
  page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // Content-Security-Policy violations are logged to the console.
  page.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) errors.push(m.text()); });
  await page.goto(`${BASE}/kiosk?receipt_seconds=1`);
  await page.locator("#pair-code").fill(CODE);
  await page.locator("#pair-name").fill("vote-test");
  await page.locator("#pair-submit").click();
  await page.locator("#screen-idle").waitFor({ state: "visible", timeout: 10000 });
  const loc = (sel) => page.locator(sel);
  let shots = 0;
  const shot = async (name) => {
    shots += 1;
    await page.screenshot({ path: path.join(DIR, `vote-${String(shots).padStart(2, "0")}-${name}.png`), fullPage: true });
  };

  for (const [v, token] of tokens.entries()) {
    const answer = page.waitForResponse((r) => r.url().endsWith("/api/v1/kiosk/ballot"), { timeout: 10000 });
    await loc("#token-input").focus();
    await page.keyboard.type(token, { delay: 0 });
    await page.keyboard.press("Enter");
    const res = await answer;
    const ballot = await res.json();
    expect(res.status() === 200, `voter ${v}: the ballot fetch answered ${res.status()} ${JSON.stringify(ballot)}`);
    const encrypted = process.env.PLAINTEXT !== "1";
    if (encrypted) expect(ballot.e2e && ballot.e2e.fingerprint, `voter ${v}: the ballot of an encrypted election carries no key`);
    else expect(!ballot.e2e, `voter ${v}: the ballot of a plaintext election carries a key`);
    await loc("#screen-contest").waitFor({ state: "visible", timeout: 10000 });
    const lines = [];
    for (const [ci, c] of ballot.contests.entries()) {
      if (c.scale) {
        const ratings = {};
        const subjects = c.subjects || [];
        subjects.forEach((s, si) => {
          if ((v + si) % 5 === 4) return; // unrated now and then
          let g = (v + 2 * si) % 4;
          if (g === 0 && c.excellent_limit !== null && Object.values(ratings).filter((x) => x === c.scale.grades[0]).length >= c.excellent_limit) g = 1;
          ratings[s.id] = c.scale.grades[g];
        });
        const values = Object.values(ratings);
        if (c.uniform_void && subjects.length >= 2 && values.length === subjects.length && values.every((x) => x === values[0])) {
          const first = subjects[0].id;
          ratings[first] = c.scale.grades[(c.scale.grades.indexOf(ratings[first]) + 1) % 4];
          if (ratings[first] === c.scale.grades[0] && c.excellent_limit !== null && Object.values(ratings).filter((x) => x === c.scale.grades[0]).length > c.excellent_limit) {
            ratings[first] = c.scale.grades[2];
          }
        }
        for (const [sid, grade] of Object.entries(ratings)) {
          await loc(`.subject[data-id="${sid}"] button[data-grade="${grade}"]`).click();
        }
        lines.push({ contest: c.id, group: c.group || undefined, ratings });
      } else {
        const marks = {};
        const limit = c.kind === "recommendation" ? Number(c.max_marks) || Number(c.seats) : Number(c.seats);
        const fors = (v % limit) + (v % 3 === 0 ? 0 : 1);
        const cands = c.candidates;
        for (let k = 0; k < Math.min(fors, limit, cands.length); k++) {
          const p = cands[(v + k) % cands.length];
          marks[p.id] = "for";
        }
        const rest = cands.filter((p) => !marks[p.id]);
        if (rest.length && v % 2 === 1) marks[rest[0].id] = "against";
        for (const [id, mark] of Object.entries(marks)) {
          await loc(`.candidate[data-id="${id}"] button[data-mark="${mark}"]`).click();
        }
        lines.push({ contest: c.id, marks, write_ins: [] });
      }
      if (v === 0) await shot(`contest-${ci + 1}`);
      await loc("#next").click();
    }
    await loc("#screen-review").waitFor({ state: "visible", timeout: 10000 });
    const note = (await loc("#review-e2e").innerText()).replace(/\s+/g, " ");
    if (v === 0) await shot("review");
    if (!encrypted) {
      expect(/不加密/.test(note), `voter ${v}: the review does not say the ballot is not encrypted: ${note}`);
      const sentP = page.waitForRequest((r) => r.url().endsWith("/api/v1/ballots") && r.method() === "POST");
      const castP = page.waitForResponse((r) => r.url().endsWith("/api/v1/ballots"), { timeout: 20000 });
      await loc("#confirm").click();
      const sent = (await sentP).postDataJSON();
      const cast = await castP;
      const body = await cast.json();
      expect(cast.status() === 201, `voter ${v}: casting answered ${cast.status()} ${JSON.stringify(body)}`);
      expect(Array.isArray(sent.ballots), `voter ${v}: the page did not send ballot lines`);
      for (const c of ballot.contests.filter((x) => x.group)) {
        const line = sent.ballots.find((l) => l.contest === c.id);
        expect(line && line.group === c.group, `voter ${v}: the line of ${c.id} does not name the group ${c.group}: ${JSON.stringify(line)}`);
      }
      await loc("#screen-receipt").waitFor({ state: "visible", timeout: 10000 });
      await loc("#done").click();
      await loc("#screen-idle").waitFor({ state: "visible", timeout: 10000 });
      chosen.push({ token, ballots: lines.map((l) => JSON.parse(JSON.stringify(l))) });
      console.log(`✓ voter ${v + 1}/${tokens.length} cast a plaintext ballot`);
      continue;
    }
    expect(note.includes(ballot.e2e.fingerprint), `voter ${v}: the review does not show the key's fingerprint: ${note}`);
    await loc("#confirm").click();
    await loc("#screen-confirm").waitFor({ state: "visible", timeout: 20000 });
    const code = (await loc("#confirm-code").innerText()).trim();
    expect(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/.test(code), `voter ${v}: the confirmation code looks wrong: “${code}”`);
    if (v === 0) await shot("confirm-code");
    const sentP = page.waitForRequest((r) => r.url().endsWith("/api/v1/ballots") && r.method() === "POST");
    const castP = page.waitForResponse((r) => r.url().endsWith("/api/v1/ballots"), { timeout: 20000 });
    await loc("#cast").click();
    const sent = (await sentP).postDataJSON();
    const cast = await castP;
    const body = await cast.json();
    expect(cast.status() === 201, `voter ${v}: casting answered ${cast.status()} ${JSON.stringify(body)}`);
    expect(sent.ballots === undefined && Array.isArray(sent.encrypted), `voter ${v}: the page did not send an encrypted ballot`);
    expect(sent.encrypted.every((l) => l.opening === undefined), `voter ${v}: a cast ballot was sent with its openings`);
    expect(body.confirmation === code, `voter ${v}: the server's confirmation code ${body.confirmation} is not the one shown, ${code}`);
    const text = JSON.stringify(sent);
    for (const c of ballot.contests) {
      for (const p of [...(c.candidates || []), ...(c.subjects || [])]) expect(!text.includes(p.name), `voter ${v}: “${p.name}” is in the request`);
    }
    for (const w of ['"for"', '"against"', '"ratings"', '"marks"', ...(ballot.contests.flatMap((c) => c.scale ? c.scale.grades.map((g) => `"${g}"`) : []))]) {
      expect(!text.includes(w), `voter ${v}: ${w} is in the request`);
    }
    await loc("#screen-receipt").waitFor({ state: "visible", timeout: 10000 });
    expect((await loc("#receipt-confirmation").innerText()).trim() === code, `voter ${v}: the receipt does not repeat the confirmation code`);
    if (v === 0) await shot("receipt");
    await loc("#done").click();
    await loc("#screen-idle").waitFor({ state: "visible", timeout: 10000 });
    chosen.push({ token, ballots: lines.map((l) => JSON.parse(JSON.stringify(l))) });
    console.log(`✓ voter ${v + 1}/${tokens.length} cast an encrypted ballot`);
  }
  expect(errors.length === 0, `page errors: ${errors.join(" | ")}`);
  fs.writeFileSync(OUT, JSON.stringify(chosen, null, 2));
} catch (err) {
  exitCode = 1;
  console.error(err instanceof Failed ? `✗ ${err.message}` : err);
  if (page) await page.screenshot({ path: path.join(DIR, "vote-FAILED.png"), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
process.exit(exitCode);

// Browser test of the organiser's election builder (/organiser, builder.js) against a FRESH
// `scrutineer serve` (no --demo, no election yet): an election created without typing JSON.
//
//   node builder.mjs BASE_URL ORGANISER_PASSWORD SCREENSHOT_DIR [TELLER_PUBLIC_KEY ...]
//   e.g. node builder.mjs http://127.0.0.1:18301 xxxx-xxxx-xxxx-xxxx /tmp/shots/builder
//
// ORGANISER_PASSWORD is the first start's one-time password (changed here at the first
// sign-in to "ORGANISER_PASSWORD renewed by the builder test") or an already changed one.
// Teller public keys (from `scrutineer teller keygen`) are optional: without three of them
// the test makes three Ed25519 verifier keys itself (teller-1, teller-2, teller-3).
// Env: SCRUTINEER_CHROMIUM or CHROMIUM, the browser (default /usr/bin/chromium).
//
// Builds a township party congress in the builder: a party committee of 7 seats whose 9
// candidates are typed (Enter moves to the next row) and pasted with attributes; the 差额
// check refuses 8 of them as you type and passes at 9. A discipline committee of 3 seats
// whose 4 candidates are imported from a CSV file, then again from an .xlsx file (written
// here by a minimal zip writer: shared strings with a rich-text run and a phonetic run, an
// inline string, birth dates as date serials (ages on election day), a gap row, the first
// sheet found through the workbook's relationships and not by its file name, deflated and
// stored members). A file without a
// name column is refused in Chinese. Two units get a ballot style each; three teller keys are
// pasted. The expert view shows the JSON (no turnout for electronic contests), a syntax error
// in Chinese with its line and column, and an edit that flows back into the builder. Then the
// election is created, and GET /api/v1/election must hold exactly the contests, seats,
// candidates, styles and tellers entered; the request must have carried the attributes.
// Screenshots: SCREENSHOT_DIR/builder-NN-step.png. Exits 1 with a message on the first
// failed expectation.
// Needs: npm i playwright-core; Chromium at /usr/bin/chromium (or $SCRUTINEER_CHROMIUM).

import { chromium } from "playwright-core";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";

const [BASE, PASSWORD, SHOTS, ...KEYS] = process.argv.slice(2);
if (!SHOTS) {
  console.error("usage: node builder.mjs BASE_URL ORGANISER_PASSWORD SCREENSHOT_DIR [TELLER_PUBLIC_KEY ...]");
  process.exit(2);
}

// ---------------------------------------------------------------- helpers

class Failure extends Error {}
function expect(cond, message) { if (!cond) throw new Failure(message); }
async function until(fn, message, timeoutMs = 8000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Failure(message);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** A signed-note verifier key, as `scrutineer teller keygen` prints it: name+hash+base64(0x01‖pub). */
function tellerKey(name) {
  const { publicKey } = crypto.generateKeyPairSync("ed25519");
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  const blob = Buffer.concat([Buffer.from([1]), raw]);
  const hash = crypto.createHash("sha256").update(Buffer.concat([Buffer.from(`${name}\n`), blob])).digest().subarray(0, 4);
  return `${name}+${hash.toString("hex")}+${blob.toString("base64")}`;
}

// A minimal zip writer (stored and deflated members, no data descriptors) for the .xlsx.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function zip(members) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, text, deflate } of members) {
    const data = Buffer.from(text, "utf8");
    const body = deflate ? zlib.deflateRawSync(data) : data;
    const nameBytes = Buffer.from(name, "utf8");
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(deflate ? 8 : 0, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** The discipline committee's candidates as an .xlsx workbook, as Excel or WPS would save it. */
function disciplineXlsx() {
  const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
  const REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
  const head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
  // Shared strings: 0 姓名 1 性别 2 年龄 (not used) 3 民族 4 学历 5 职务, then values. "吴敏"
  // is a rich-text item in two runs; "徐强" carries a phonetic run that is not part of it.
  const strings = ["姓名", "性别", "年龄", "民族", "学历", "职务", "周明", "男", "汉族", "本科", "纪委副书记",
    null, "女", "研究生", "纪检干事", "徐强", "壮族", "大专", "纪委委员", "汉族"];
  const si = strings.map((s) => (s === null
    ? "<si><r><rPr><b/></rPr><t>吴</t></r><r><t>敏</t></r></si>"
    : s === "徐强" ? "<si><t>徐强</t><rPh sb=\"0\" eb=\"2\"><t>xu qiang</t></rPh></si>" : `<si><t>${s}</t></si>`)).join("");
  const c = (ref, v, type) => (type === "n" ? `<c r="${ref}"><v>${v}</v></c>`
    : type === "inline" ? `<c r="${ref}" t="inlineStr"><is><t>${v}</t></is></c>` : `<c r="${ref}" t="s"><v>${v}</v></c>`);
  const row = (r, cells) => `<row r="${r}">${cells.join("")}</row>`;
  // Birth dates as Excel keeps a date cell: days since 1899-12-30 (ages on 2026-12-01: 44, 39, 47, 35).
  const serial = (y, m, d) => (Date.UTC(y, m - 1, d) - Date.UTC(1899, 11, 30)) / 86400000;
  const sheet = `${head}<worksheet ${NS}><sheetData>
    ${row(1, [c("A1", 0), c("B1", 1), c("C1", "出生年月", "inline"), c("D1", 3), c("E1", 4), c("F1", 5)])}
    ${row(2, [c("A2", 6), c("B2", 7), c("C2", serial(1982, 3, 15), "n"), c("D2", 8), c("E2", 9), c("F2", 10)])}
    ${row(3, [c("A3", 11), c("B3", 12), c("C3", serial(1987, 6, 20), "n"), c("D3", 19), c("E3", 13), c("F3", 14)])}
    ${row(5, [c("A5", 15), c("B5", 7), c("C5", serial(1979, 1, 8), "n"), c("D5", 16), c("E5", 17), c("F5", 18)])}
    ${row(6, [c("A6", "孙丽", "inline"), c("B6", 12), c("C6", serial(1991, 11, 30), "n"), c("D6", 8), c("E6", 9), c("F6", 18)])}
  </sheetData></worksheet>`;
  const decoy = `${head}<worksheet ${NS}><sheetData>${row(1, [c("A1", "不是这张表", "inline")])}</sheetData></worksheet>`;
  return zip([
    { name: "[Content_Types].xml", deflate: true, text: `${head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/candidates.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>` },
    { name: "_rels/.rels", deflate: false, text: `${head}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>` },
    { name: "xl/workbook.xml", deflate: true, text: `${head}<workbook ${NS} xmlns:r="${REL}"><sheets><sheet name="纪委委员候选人" sheetId="1" r:id="rId7"/><sheet name="其他" sheetId="2" r:id="rId8"/></sheets></workbook>` },
    { name: "xl/_rels/workbook.xml.rels", deflate: true, text: `${head}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId8" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId7" Type="${REL}/worksheet" Target="worksheets/candidates.xml"/><Relationship Id="rId9" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>` },
    { name: "xl/worksheets/sheet1.xml", deflate: true, text: decoy },
    { name: "xl/worksheets/candidates.xml", deflate: true, text: sheet },
    { name: "xl/sharedStrings.xml", deflate: false, text: `${head}<sst ${NS} count="${strings.length}" uniqueCount="${strings.length}">${si}</sst>` },
  ]);
}

fs.mkdirSync(SHOTS, { recursive: true });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "scrutineer-builder-"));
const browser = await chromium.launch({
  executablePath: process.env.SCRUTINEER_CHROMIUM || process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "zh-CN" });
const page = await context.newPage();
page.setDefaultTimeout(10000);
const problems = [];
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
page.on("console", (m) => {
  // Refused API calls (4xx) are expected here (the surplus check) and shown by the page.
  if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) problems.push(`console error: ${m.text()}`);
});
const dialogs = [];
page.on("dialog", async (d) => { dialogs.push(d.message()); await d.accept(); });
let step = 0;
async function shot(name) {
  step += 1;
  const file = path.join(SHOTS, `builder-${String(step).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`  screenshot ${file}`);
}
const text = (sel) => page.locator(sel).innerText();
const names = (table) => page.locator(`${table} tbody input[data-f="name"]`).evaluateAll((els) => els.map((e) => e.value));

async function signIn(password) {
  await page.fill("#login-form input[name=username]", "organiser");
  await page.fill("#login-form input[name=password]", password);
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/api/v1/login") && r.request().method() === "POST"),
    page.click("#login-form button[type=submit]"),
  ]);
  if (!answer.ok()) {
    await page.waitForSelector("#login-msg .notice");
    throw new Failure(`signing in failed: ${await page.locator("#login-msg").innerText()}`);
  }
  if ((await answer.json()).must_change_password) {
    const renewed = `${password} renewed by the builder test`;
    await page.waitForSelector("#first-password-form");
    await page.fill("#first-password-form input[name=new]", renewed);
    await page.fill("#first-password-form input[name=repeat]", renewed);
    const [changed] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/api/v1/password") && r.request().method() === "POST"),
      page.click("#first-password-form button[type=submit]"),
    ]);
    expect(changed.ok(), `the password change answered ${changed.status()}`);
  }
  await page.waitForSelector("#app:not(.hidden)");
}

/** The surplus check of the latest edit passes (as you type, debounced; not a stale outcome). */
async function checkPassed() {
  try {
    await until(async () => (await page.locator("#create-form.check-pending").count()) === 0
      && (await text("#spec-check")).includes("候选人名单符合差额规定"), "", 10000);
  } catch {
    throw new Failure(`#spec-check should pass, shows: ${await text("#spec-check")}`);
  }
}

// ---------------------------------------------------------------- the test

try {
  const keys = KEYS.length >= 3 ? KEYS.slice(0, 3) : ["teller-1", "teller-2", "teller-3"].map(tellerKey);
  const tellerNames = keys.map((k) => k.split("+")[0]);

  console.log(`builder: ${BASE}/organiser`);
  const res = await page.goto(`${BASE}/organiser`);
  expect(res && res.ok(), `GET /organiser answered ${res && res.status()}`);
  await page.waitForSelector("#login-form");
  await signIn(PASSWORD);

  // No election yet: the builder is the default view, the JSON is behind the expert toggle.
  await until(async () => (await page.locator("#create-form:not(.hidden)").count()) || (await page.locator(".contest[data-id]").count()),
    "the page shows neither the creation form nor an election");
  expect(await page.locator("#create-form:not(.hidden)").count(), "the server already holds an election: run this test against a fresh server (no --demo)");
  expect(await page.locator("#builder-view").isVisible(), "#builder-view should be the default view");
  expect(!(await page.locator("#expert-view").isVisible()), "#expert-view should be hidden by default");
  expect((await page.getAttribute("#expert-toggle", "aria-pressed")) === "false", "#expert-toggle should not be pressed");
  await page.waitForSelector('#b-c1-kind option[value="party_committee"]', { state: "attached" });
  const kinds = await page.locator("#b-c1-kind option").evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
  expect(kinds.length === 11, `the kind picker should list the 11 kinds of /api/v1/kinds, lists ${kinds}`);
  await until(async () => (await text("#spec-check")).includes("builder_incomplete"), "an empty builder should say what is missing [builder_incomplete]");
  expect(await page.locator("#create-election").isDisabled(), "#create-election should be disabled while the builder is incomplete");
  expect((await text("#spec-check")).includes("请选择类别"), "the check should ask for the kind in Chinese");
  await shot("empty");

  // Every control of the creation form has a label (its own, aria-label or aria-labelledby).
  const unlabelled = await page.locator("#create-form").evaluate((form) => Array.from(form.querySelectorAll("input, select, textarea"))
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
    .map((el) => el.id || el.name || el.outerHTML.slice(0, 60)));
  expect(!unlabelled.length, `controls without a label: ${unlabelled}`);

  // The election: a title, the election day, and the automatic id from the date.
  await page.fill("#b-title", "青山镇第十六次党代会");
  await page.fill("#election-date", "2026-12-01");
  await until(async () => (await page.getAttribute("#b-id", "placeholder")) === "election-2026-12-01", "the automatic election id should come from the date");

  // Contest 1: a party committee; the kind's rules in one sentence.
  await page.selectOption("#b-c1-kind", "party_committee");
  const rules = await text("#b-c1-rules");
  for (const want of ["差额不少于20%", "五分之四", "5·P > 4·E", "当选须得票超过实到", "2·for > P", "不得委托投票"]) {
    expect(rules.includes(want), `#b-c1-rules should state “${want}”: ${rules}`);
  }
  // An ASCII title that ends like a runoff's id ("…-r2") gets another: those ids are the
  // rules' (contest_id_reserved).
  await page.fill("#b-c1-title", "District R2");
  await until(async () => (await page.getAttribute("#b-c1-id", "placeholder")) === "district-r2-c", "a title like a runoff's id should get another automatic id");
  await page.fill("#b-c1-title", "镇党委委员");
  await page.fill("#b-c1-seats", "7");
  expect((await page.getAttribute("#b-c1-id", "placeholder")) === "party-committee", "the automatic contest id should come from the kind (the title is Chinese)");

  // Three typed: Enter moves to a new row.
  await page.click("#b-c1-add-row");
  for (const [i, name] of ["王建国", "李秀英", "张伟"].entries()) {
    await page.keyboard.type(name);
    if (i < 2) await page.keyboard.press("Enter");
  }
  expect(same(await names("#b-c1-cands"), ["王建国", "李秀英", "张伟"]), `typing with Enter should make three rows: ${await names("#b-c1-cands")}`);
  expect(!dialogs.length, `Enter in the builder must not submit the form (dialogs: ${dialogs})`);

  // Five pasted, with attributes after the names.
  await page.click("#b-c1 .b-paste summary");
  await page.fill("#b-c1-paste", "刘洋,男,45,汉族,本科\n陈静，女，38，回族，大专\n杨帆\t男\t41\n赵磊\n黄丽,女,36,汉族,研究生,乡妇联主席\n");
  await page.click("#b-c1-paste-add");
  await until(async () => (await names("#b-c1-cands")).length === 8, "pasting five lines should make eight candidates");
  expect(same(await names("#b-c1-cands"), ["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽"]), `the pasted names: ${await names("#b-c1-cands")}`);
  expect(await page.locator("#b-c1-attrs").isChecked(), "pasted attributes should show the attribute columns");
  const chen = page.locator("#b-c1-cands tbody tr").nth(4);
  expect((await chen.locator('[data-f="gender"]').inputValue()) === "female", "陈静 should be female");
  expect((await chen.locator('[data-f="age"]').inputValue()) === "38", "陈静 should be 38");
  expect((await chen.locator('[data-f="minority"]').inputValue()) === "yes", "陈静 (回族) should be an ethnic minority");
  expect((await chen.locator('[data-f="education"]').inputValue()) === "college", "陈静 should have 大专 (college)");

  // Eight for seven seats breaks the 20% surplus: refused as you type, on the contest too.
  // The check runs behind the typing: wait for the one of the eight, not an earlier one.
  await until(async () => { const c = await text("#spec-check"); return c.includes("surplus_rule_broken") && c.includes("现有 8 名"); }, "8 candidates for 7 seats should show [surplus_rule_broken] with 8", 10000);
  const refusal = await text("#spec-check");
  expect(/候选人须不少于 9 名.*现有 8 名/s.test(refusal), `the refusal should carry the numbers: ${refusal}`);
  expect((await text("#b-c1-status")).includes("✗"), "the party committee should be marked ✗");
  expect(await page.locator("#create-election").isDisabled(), "#create-election should be disabled while a list breaks its rule");
  await page.locator("#b-c1").scrollIntoViewIfNeeded();
  await shot("surplus-refused");

  // The ninth: the check passes.
  await page.click("#b-c1-add-row");
  await page.keyboard.type("孙强");
  await checkPassed();
  await until(async () => (await text("#b-c1-status")).includes("符合差额规定"), "the party committee should be marked as meeting its rule");
  expect(!(await page.locator("#create-election").isDisabled()), "#create-election should be enabled once the lists pass");
  await shot("surplus-ok");

  // Contest 2: a discipline committee of 3, its list imported from CSV.
  await page.click("#b-add-contest");
  await page.waitForSelector("#b-c2-kind");
  await page.selectOption("#b-c2-kind", "discipline_committee");
  await page.fill("#b-c2-title", "镇纪委委员");
  await page.fill("#b-c2-seats", "3");
  const bad = path.join(tmp, "no-header.csv");
  fs.writeFileSync(bad, "周明,男,44\n吴敏,女,39\n");
  await page.setInputFiles("#b-c2-file", bad);
  await until(async () => (await text("#b-c2-import-msg")).includes("import_header"), "a CSV without a name column should be refused [import_header]");
  expect((await text("#b-c2-import-msg")).includes("首行须为表头"), "the refusal should be in Chinese");
  const csv = path.join(tmp, "discipline.csv");
  fs.writeFileSync(csv, "\uFEFF姓名,性别,年龄,民族,学历\r\n周明,男,44,汉族,本科\r\n吴敏,女,39,汉族,研究生\r\n\"徐强\",男,47,壮族,大专\r\n孙丽,女,35,汉族,本科\r\n");
  await page.setInputFiles("#b-c2-file", csv);
  await until(async () => (await text("#b-c2-import-msg")).includes("已从 discipline.csv 导入 4 名"), "the CSV should import 4 candidates");
  expect(same(await names("#b-c2-cands"), ["周明", "吴敏", "徐强", "孙丽"]), `the CSV's names: ${await names("#b-c2-cands")}`);
  const xu = page.locator("#b-c2-cands tbody tr").nth(2);
  expect((await xu.locator('[data-f="minority"]').inputValue()) === "yes", "徐强 (壮族) should be an ethnic minority");
  await checkPassed();
  await page.locator("#b-c2").scrollIntoViewIfNeeded();
  await shot("csv-imported");

  // The same list from an .xlsx file replaces it (after a confirm), with its extra column.
  const xlsx = path.join(tmp, "discipline.xlsx");
  fs.writeFileSync(xlsx, disciplineXlsx());
  const before = dialogs.length;
  await page.setInputFiles("#b-c2-file", xlsx);
  await until(async () => (await text("#b-c2-import-msg")).includes("已从 discipline.xlsx 导入 4 名"), `the XLSX should import 4 candidates: ${await text("#b-c2-import-msg")}`);
  expect(dialogs.length === before + 1 && /替换现有的 4 名/.test(dialogs[dialogs.length - 1]), "replacing a list should ask first");
  expect(same(await names("#b-c2-cands"), ["周明", "吴敏", "徐强", "孙丽"]), `the XLSX's names (replacing, not adding): ${await names("#b-c2-cands")}`);
  const others = await page.locator("#b-c2-cands tbody td.b-other").allInnerTexts();
  expect(same(others, ["职务: 纪委副书记", "职务: 纪检干事", "职务: 纪委委员", "职务: 纪委委员"]), `the XLSX's other column should be kept: ${others}`);
  const ages = await page.locator('#b-c2-cands tbody input[data-f="age"]').evaluateAll((els) => els.map((e) => e.value));
  expect(same(ages, ["44", "39", "47", "35"]), `the XLSX's birth dates should give the ages on election day: ${ages}`);
  expect((await text("#b-c2-import-msg")).includes("年龄按出生日期算到选举日 2026-12-01"), "the import should say the ages come from the birth dates");
  await checkPassed();
  await shot("xlsx-imported");

  // Ballot styles: two units, each with both contests.
  await page.click("#b-styles .b-paste summary");
  await page.fill("#b-units-paste", "机关支部\n农村支部\n");
  await page.click("#b-units-add");
  await until(async () => (await page.locator("#b-styles-table tbody tr").count()) === 2, "two units should make two ballot styles");
  const units = await page.locator('#b-styles-table tbody input[data-f="unit"]').evaluateAll((els) => els.map((e) => e.value));
  expect(same(units, ["机关支部", "农村支部"]), `the styles' units: ${units}`);
  await checkPassed();
  const stylesJson = JSON.parse(await page.inputValue("#styles-input"));
  expect(same(stylesJson, [
    { round: 1, unit: "机关支部", contests: ["party-committee", "discipline-committee"] },
    { round: 1, unit: "农村支部", contests: ["party-committee", "discipline-committee"] },
  ]), `#styles-input should follow the builder: ${JSON.stringify(stylesJson)}`);

  // Paper ballots keyed by two tellers: the choice shows with the paper mode and reaches the
  // spec; back on kiosks, neither stays.
  await page.selectOption("#b-c2-mode", "paper");
  await page.selectOption("#b-c2-paper-entry", "double");
  const contest2 = async () => JSON.parse(await page.inputValue("#spec-input")).contests[1];
  await until(async () => { const c = await contest2(); return c.mode === "paper" && c.paper_entry === "double"; }, "choosing double entry should put paper_entry: double in the spec");
  await page.selectOption("#b-c2-mode", "electronic");
  await until(async () => { const c = await contest2(); return !("mode" in c) && !("paper_entry" in c) && (await page.locator("#b-c2-paper-entry").count()) === 0; }, "an electronic contest should carry no paper_entry");

  // A rated-score evaluation: the scale offers scores, which swap the 优秀 quota for the
  // "drop the highest and lowest" option; the contest (no subjects typed) is removed again.
  await page.click("#b-add-contest");
  await page.waitForSelector("#b-c3-kind");
  await page.selectOption("#b-c3-kind", "evaluation");
  await page.selectOption("#b-c3-scale", "score");
  await page.check("#b-c3-drop");
  expect(!(await page.locator("#b-c3-quota").count()), "a scored evaluation should offer no top-grade quota");
  await until(async () => { const c = JSON.parse(await page.inputValue("#spec-input")).contests[2]; return c && c.scale === "score" && c.drop_extremes === true && !("excellent_quota" in c); }, "a scored evaluation should reach the spec with drop_extremes");
  await page.click("#b-c3-remove");
  await until(async () => JSON.parse(await page.inputValue("#spec-input")).contests.length === 2, "the scored evaluation should be removed");

  // Three tellers' public keys, pasted.
  await page.fill("#tellers-input", keys.join("\n"));
  await until(async () => (await page.locator("#tellers-list li.ok").count()) === 3, "#tellers-list should name three tellers");
  expect((await page.inputValue("#signatures-required")) === "3", "three tellers should make 3 signatures required by default");
  await checkPassed();
  await page.locator("#b-styles").scrollIntoViewIfNeeded();
  await shot("styles-and-tellers");

  // The expert view: the JSON the builder made, with no turnout for electronic contests.
  await page.click("#expert-toggle");
  expect(await page.locator("#spec-input").isVisible(), "#expert-toggle should show #spec-input");
  expect(!(await page.locator("#builder-view").isVisible()), "the expert view hides the builder");
  const specText = await page.inputValue("#spec-input");
  const spec = JSON.parse(specText);
  expect(spec.format === "scrutineer.election/v1" && spec.id === "election-2026-12-01" && spec.title === "青山镇第十六次党代会", `the spec's head: ${specText.slice(0, 200)}`);
  expect(spec.contests.every((c) => !("turnout" in c) && !("mode" in c)), "electronic contests should carry no turnout");
  // A syntax error, in Chinese with its line and column.
  const broken = specText.replace('"kind": "discipline_committee",', '"kind": "discipline_committee"');
  await page.fill("#spec-input", broken);
  await until(async () => (await text("#spec-check")).includes("bad_json"), "a missing comma should show [bad_json]");
  const jsonError = await text("#spec-check");
  const line = broken.slice(0, broken.indexOf('"kind": "discipline_committee"')).split("\n").length + 1;
  expect(jsonError.includes("JSON 格式错误") && jsonError.includes(`第 ${line} 行`) && jsonError.includes("此处缺少逗号或 }"), `the JSON error should be in Chinese with line ${line}: ${jsonError}`);
  expect(await page.locator("#create-election").isDisabled(), "#create-election should be disabled while the JSON is broken");
  await shot("expert-json-error");
  // An edit in the JSON flows back into the builder.
  const edited = JSON.parse(specText);
  edited.title = "青山镇第十六次党员代表大会";
  await page.fill("#spec-input", JSON.stringify(edited, null, 2));
  await checkPassed();
  await page.click("#expert-toggle");
  expect(await page.locator("#builder-view").isVisible(), "#expert-toggle again should show the builder");
  expect((await page.inputValue("#b-title")) === "青山镇第十六次党员代表大会", "the title edited in the JSON should show in the builder");
  expect(same(await names("#b-c1-cands"), ["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "孙强"]), "the builder should keep the party committee's list");
  await checkPassed();

  // English.
  await page.click("#lang");
  await until(async () => (await page.evaluate(() => document.documentElement.dataset.lang)) === "en", "the language switch should set data-lang=en");
  expect(/surplus at least 20%/i.test(await text("#b-c1-rules")), "the rules sentence should be in English behind the switch");
  await page.locator("#create-form").scrollIntoViewIfNeeded();
  await shot("english");
  await page.click("#lang");

  // Create: the request carries the builder's spec, styles and tellers.
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.url().endsWith("/api/v1/election") && r.method() === "POST"),
    page.click("#create-election"),
  ]);
  expect(/创建选举 “青山镇第十六次党员代表大会”/.test(dialogs[dialogs.length - 1] || ""), "creating should ask first");
  const body = request.postDataJSON();
  expect(body.election_date === "2026-12-01" && same(body.tellers, keys) && body.signatures_required === 3, `the request's date, tellers and signatures: ${JSON.stringify({ d: body.election_date, t: body.tellers, s: body.signatures_required })}`);
  expect(same(body.styles, stylesJson), `the request's styles: ${JSON.stringify(body.styles)}`);
  // Electronic contests: no turnout, or the zero placeholder a server that still needs one gets.
  for (const c of body.spec.contests) {
    expect(!c.turnout || same(c.turnout, { eligible: 0, present: 0, ballots_issued: 0 }), `contest ${c.id} should carry no typed turnout: ${JSON.stringify(c.turnout)}`);
  }
  const attrs = Object.fromEntries(body.spec.contests.flatMap((c) => c.candidates.map((x) => [x.name, x.attributes || null])));
  const wantAttrs = {
    王建国: null, 李秀英: null, 张伟: null,
    刘洋: { age: 45, gender: "male", ethnic_minority: false, education: "bachelor" },
    陈静: { age: 38, gender: "female", ethnic_minority: true, education: "college" },
    杨帆: { age: 41, gender: "male" },
    赵磊: null,
    黄丽: { age: 36, gender: "female", ethnic_minority: false, education: "postgraduate", 备注: "乡妇联主席" },
    孙强: null,
    周明: { age: 44, gender: "male", ethnic_minority: false, education: "bachelor", 职务: "纪委副书记" },
    吴敏: { age: 39, gender: "female", ethnic_minority: false, education: "postgraduate", 职务: "纪检干事" },
    徐强: { age: 47, gender: "male", ethnic_minority: true, education: "college", 职务: "纪委委员" },
    孙丽: { age: 35, gender: "female", ethnic_minority: false, education: "bachelor", 职务: "纪委委员" },
  };
  for (const [name, want] of Object.entries(wantAttrs)) {
    expect(same(attrs[name], want), `${name}'s attributes should be ${JSON.stringify(want)}, are ${JSON.stringify(attrs[name])}`);
  }
  await page.waitForSelector("#election-summary .contest[data-id]");
  await until(async () => (await text("#election-msg")).includes("选举已创建"), "the page should confirm the election");

  // The server holds exactly what was entered.
  const answer = await page.request.get(`${BASE}/api/v1/election`);
  expect(answer.ok(), `GET /api/v1/election answered ${answer.status()}`);
  const e = await answer.json();
  expect(e.id === "election-2026-12-01" && e.title === "青山镇第十六次党员代表大会", `the election: ${e.id} ${e.title}`);
  const got = e.contests.map((c) => ({ id: c.id, title: c.title, kind: c.kind, seats: c.seats, mode: c.mode, candidates: c.candidates.map((x) => x.name) }));
  const want = [
    { id: "party-committee", title: "镇党委委员", kind: "party_committee", seats: 7, mode: "electronic", candidates: ["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "孙强"] },
    { id: "discipline-committee", title: "镇纪委委员", kind: "discipline_committee", seats: 3, mode: "electronic", candidates: ["周明", "吴敏", "徐强", "孙丽"] },
  ];
  expect(same(got, want), `GET /api/v1/election should hold the contests entered:\n  got  ${JSON.stringify(got)}\n  want ${JSON.stringify(want)}`);
  const ids = e.contests.flatMap((c) => c.candidates.map((x) => x.id));
  expect(new Set(ids).size === ids.length, `candidate ids should be unique in the election: ${ids}`);
  const styles = e.styles.map((s) => ({ round: s.round, unit: s.unit, contests: s.contests }));
  expect(same(styles, stylesJson.map((s) => ({ round: s.round, unit: s.unit, contests: s.contests }))), `the election's styles: ${JSON.stringify(e.styles)}`);
  expect(same(e.tellers, tellerNames), `the election's tellers: ${e.tellers}`);
  expect(e.secrecy && e.secrecy.encrypted === true && e.secrecy.tellers === 3, `the ballots should be encrypted with 3 tellers: ${JSON.stringify(e.secrecy)}`);
  await page.locator("#election-card").scrollIntoViewIfNeeded();
  await shot("election-created");
  const stillUnlabelled = await page.locator("#create-form").evaluate((form) => Array.from(form.querySelectorAll("input, select, textarea"))
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby")).length);
  expect(stillUnlabelled === 0, `${stillUnlabelled} controls of the filled builder have no label`);
  fs.rmSync(tmp, { recursive: true, force: true });

  expect(problems.length === 0, `browser errors:\n  ${problems.join("\n  ")}`);
  console.log("builder: all checks passed");
  await browser.close();
  process.exit(0);
} catch (err) {
  console.error(`builder: FAILED: ${err instanceof Failure ? err.message : err.stack || err}`);
  if (problems.length) console.error(`  browser errors:\n  ${problems.join("\n  ")}`);
  await page.screenshot({ path: path.join(SHOTS, "builder-failure.png"), fullPage: true }).catch(() => {});
  await browser.close().catch(() => {});
  process.exit(1);
}

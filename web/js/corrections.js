// Corrections of a contest's figures (应到 E, 实到 P, 发出 I) on the teller, organiser and desk pages: a
// closed, uncounted contest's figures as the desk has them, a form to propose others with a reason, the
// proposals waiting for a second person, and those already logged. A correction counts once a
// person of another role (organiser, registrar or teller; never an auditor) approves it; the
// service refuses the rest (`correction_needs_two`; an auditor gets 403 `forbidden`, and
// `correction_role` from the log's rules for the CLI). From protocol 8 it also needs a registered
// teller's signature (docs/LOG_FORMAT.md, "Protocol 8"), given with the proposal or with the
// approval (an approval's stands in for the proposal's, which a correction logged since makes
// stale): the teller page signs with the teller's loaded key (`ctx.attest`), every
// page takes the JSON `scrutineer teller attest` prints, pasted; without one the service refuses
// the approval (`unattested`).
//
// What the page shows: table#corrections-pending (tr.pending[data-id][data-attested="yes"|"no"],
// its td.attest saying who signed or what the approval needs, with pre.attest-command, the
// command filled in for that proposal, on pages that cannot sign; button.approve),
// table#corrections-logged (tr.logged[data-teller]: the teller who signed, "" when none; its
// td.attest), form#correction-form, textarea#correction-attested (the pasted teller's
// signature, for a proposal, or for the approval of a proposal that has none), #correction-signer
// (teller page: whether the loaded key signs), #corrections-msg.
//
// Also the statement payloads a teller signs (correctionPayload, reductionPayload) and the
// helpers the organiser's seat reduction shares (parseAttested, attestCommand, rustTrim).

import { esc, t, api, showError, showOk } from "./common.js";

const $ = (sel, root = document) => root.querySelector(sel);

// { election(), act(el, fn), me(), attest?(what, contest, payload) → {teller, signature} | null,
//   signer?() → {name, teller} | null, keyFile?() → the key file's name for the command }
let ctx = null;

// ------------------------------------------------------------------ what a teller signs

// Unicode White_Space, what Rust's `str::trim` removes (JavaScript's trim keeps U+0085 and
// removes U+FEFF): the reason and the basis are signed as the service stores them.
const TRIM_RE = /^\p{White_Space}+|\p{White_Space}+$/gu;

/** Trims Unicode White_Space at both ends, as Rust's `str::trim`. */
export function rustTrim(text) {
  return String(text ?? "").replace(TRIM_RE, "");
}

function checkU(n, bits, what) {
  const v = BigInt(n);
  if (v < 0n || v >= 1n << BigInt(bits)) {
    throw { code: "correction_figures", message: `${what} 的数字 ${n} 超出范围 (0 至 2^${bits} − 1) / ${what} ${n} is out of range (0 to 2^${bits} − 1)` };
  }
  return v;
}

/**
 * The payload of a correction's teller statement (`src/record/attest.rs`):
 * `position u32 BE ‖ eligible u64 BE ‖ present u64 BE ‖ ballots_issued u64 BE ‖ reason (UTF-8)`,
 * `position` the number of corrections of the same contest logged before it. The reason as the
 * service stores it (trimmed).
 */
export function correctionPayload(position, eligible, present, issued, reason) {
  const text = new TextEncoder().encode(reason);
  const out = new Uint8Array(28 + text.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, Number(checkU(position, 32, "position")), false);
  v.setBigUint64(4, checkU(eligible, 64, "eligible"), false);
  v.setBigUint64(12, checkU(present, 64, "present"), false);
  v.setBigUint64(20, checkU(issued, 64, "ballots_issued"), false);
  out.set(text, 28);
  return out;
}

/**
 * The payload of a seat reduction's teller statement: `reduced_by u32 BE ‖ seats u32 BE ‖ basis
 * (UTF-8)`: the seats the published result left unfilled, the seats left, the decision (trimmed).
 */
export function reductionPayload(reducedBy, seats, basis) {
  const text = new TextEncoder().encode(basis);
  const out = new Uint8Array(8 + text.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, Number(checkU(reducedBy, 32, "reduced_by")), false);
  v.setUint32(4, Number(checkU(seats, 32, "seats")), false);
  out.set(text, 8);
  return out;
}

// A paste that is not the object is the service's `bad_json`; an object whose teller or
// signature cannot be one, its `attestation_invalid`.
const badAttested = (code, zh, en) => ({ code, message: `计票人签名无法使用: ${zh} / the teller's signature cannot be used: ${en}` });

/**
 * A teller's signature as `scrutineer teller attest` prints it, `{"teller": N, "signature": "…"}`
 * (the whole output may be pasted: its last such object is taken); null for an empty text.
 * Throws {code, message} when it is not one: `bad_json` (no such object), `attestation_invalid`
 * (a teller number or a signature that cannot be one), the service's codes for the same.
 */
export function parseAttested(text) {
  const s = String(text ?? "").trim();
  if (!s) return null;
  const objects = s.match(/\{[^{}]*\}/g) || [];
  for (const o of objects.reverse()) {
    let v;
    try { v = JSON.parse(o); } catch { continue; }
    if (!v || typeof v !== "object" || !("teller" in v) || !("signature" in v)) continue;
    if (!Number.isInteger(v.teller) || v.teller < 1 || v.teller > 0xffffffff) {
      throw badAttested("attestation_invalid", `计票人序号 “${v.teller}” 应为正整数`, `the teller number “${v.teller}” must be a positive whole number`);
    }
    if (typeof v.signature !== "string" || !/^[A-Za-z0-9+/]{86}==$/.test(v.signature)) {
      throw badAttested("attestation_invalid", "signature 应为 64 字节签名的 base64 (88 个字符)", "signature must be the base64 of a 64-byte signature (88 characters)");
    }
    return { teller: v.teller, signature: v.signature };
  }
  throw badAttested("bad_json", "请粘贴 scrutineer teller attest 打印的 {\"teller\": N, \"signature\": \"…\"}", "paste the {\"teller\": N, \"signature\": \"…\"} that scrutineer teller attest printed");
}

/** A word for a POSIX shell: as it is when safe, else quoted ("…" when it can be, else '…'). */
export function shellQuote(word) {
  const s = String(word ?? "");
  if (/^[\p{L}\p{N}._:/=@%+,-]+$/u.test(s)) return s;
  if (!/["$`\\!]/.test(s)) return `"${s}"`;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * `scrutineer teller attest …` for a correction (`{contest, eligible, present, issued, reason}`)
 * or a seat reduction (`{contest, basis}`), with the key file `key` and the election `election`
 * (GET /api/v1/election: an older protocol is named). Plain text, to copy.
 */
export function attestCommand(what, key, election) {
  const parts = ["scrutineer teller attest", "--key", shellQuote(key), "--export export.tar", "--contest", shellQuote(what.contest)];
  if (what.basis !== undefined) {
    parts.push("--basis", shellQuote(rustTrim(what.basis)));
  } else {
    parts.push("--eligible", String(what.eligible), "--present", String(what.present), "--issued", String(what.issued), "--reason", shellQuote(rustTrim(what.reason)));
  }
  if (election && election.protocol_current && election.protocol < election.protocol_current) parts.push("--allow-protocol", String(election.protocol));
  return parts.join(" ");
}

/** The registered teller ℓ's name (GET /api/v1/election `tellers`, in the registered order). */
function tellerName(n) {
  return ctx?.election()?.tellers?.[Number(n) - 1] || "";
}

/** "第 ℓ 号计票人 name" as a bilingual pair. */
function tellerWords(n) {
  const name = tellerName(n);
  return t(`第 ${n} 号计票人${name ? ` ${name}` : ""}`, `teller ${n}${name ? ` (${name})` : ""}`);
}

/**
 * The election's protocol asks for a teller's signature (protocol 8 on; assumed when unsaid),
 * and there is a teller to give it: from protocol 9 an election without teller keys takes none.
 */
function signatureNeeded() {
  const e = ctx?.election();
  const p = e?.protocol;
  if (Number.isInteger(p) && p >= 9 && Array.isArray(e?.tellers) && !e.tellers.length) return false;
  return !Number.isInteger(p) || p >= 8;
}

/** The command's key file, in each language: the page's own name for it when it has one. */
function keyFiles() {
  const own = ctx.keyFile?.();
  return own ? [own, own] : ["计票人密钥.key", "teller.key"];
}

/** The pasted teller's signature, or null; throws when something unusable is pasted. */
function pasted() {
  return parseAttested($("#correction-attested").value);
}

/** The corrections of `contest` logged so far: the position a new one's statement names. */
const loggedOf = (list, contest) => (list.approved || []).filter((a) => a.correction?.contest === contest).length;

/**
 * A teller's signature for a correction: the one pasted, else the loaded key's (teller page);
 * `{attested, how}` with `how` "pasted", "key" or "" (none).
 */
async function signatureFor(contest, figures, reason, list) {
  const given = pasted();
  if (given) return { attested: given, how: "pasted" };
  if (!ctx.attest) return { attested: null, how: "" };
  const payload = correctionPayload(loggedOf(list, contest), figures.eligible, figures.present, figures.ballots_issued, reason);
  const a = await ctx.attest("turnout_corrected", contest, payload);
  return a ? { attested: a, how: "key" } : { attested: null, how: "" };
}

/** What a message says of the signature an action carried. */
function signedWords(attested, how) {
  if (!attested) return "";
  const name = tellerName(attested.teller);
  return how === "key"
    ? t(`已用${name ? `计票人 ${name} (第 ${attested.teller} 号) ` : `第 ${attested.teller} 号计票人`}的密钥签名。`,
      ` Signed with ${name ? `teller ${name}'s (number ${attested.teller})` : `teller ${attested.teller}'s`} key.`)
    : t(`附第 ${attested.teller} 号计票人${name ? ` ${name} ` : ""}的签名。`, ` With teller ${attested.teller}'s${name ? ` (${name})` : ""} signature.`);
}

// ------------------------------------------------------------------ the card

/** The card's fixed part: what corrections are, the form, the message and list areas. */
const CARD = `
      <h2 id="h-corrections"><span class="zh">到会数字更正</span><span class="en">Corrections of the figures</span></h2>
      <p class="hint"><span class="zh">项目结束投票后、计票前, 如签到台的应到、实到或发出票数有误 (例如流动票箱的人数未计入), 在此提出更正并写明原因; 须由另一角色的人 (组织者、签到员或计票人) 批准, 并有一名登记的计票人用其计票人密钥签名 (协议 8; 随提出或批准给出), 才记入日志, 计票结果中注明更正。计票人在计票人页面读取自己的密钥文件后, 提出或批准时本页即自动签名; 其他人可粘贴计票人用 scrutineer teller attest 打印的签名。</span><span class="en">Once a contest is closed and until it is counted, if the desk's eligible, present or issued figures are wrong (a mobile ballot box not counted, say), propose a correction here with its reason; it is logged only once a person of another role (organiser, registrar or teller) approves it and a registered teller has signed it with their teller key (protocol 8; with the proposal or with the approval), and the result says so. A teller who loaded their key file on the teller page signs automatically when proposing or approving; anyone else may paste the signature a teller printed with scrutineer teller attest.</span></p>
      <form id="correction-form" class="correction-row">
        <label for="correction-contest"><span class="zh">项目</span><span class="en">Contest</span></label>
        <select id="correction-contest"></select>
        <label for="correction-eligible"><span class="zh">应到</span><span class="en">Eligible</span></label>
        <input id="correction-eligible" inputmode="numeric" size="6" autocomplete="off">
        <label for="correction-present"><span class="zh">实到</span><span class="en">Present</span></label>
        <input id="correction-present" inputmode="numeric" size="6" autocomplete="off">
        <label for="correction-issued"><span class="zh">发出</span><span class="en">Issued</span></label>
        <input id="correction-issued" inputmode="numeric" size="6" autocomplete="off">
        <label for="correction-reason"><span class="zh">原因 (必填)</span><span class="en">Reason (required)</span></label>
        <input id="correction-reason" size="40" maxlength="500" autocomplete="off">
        <button type="submit" id="correction-submit"><span class="zh">提出更正</span><span class="en">Propose</span></button>
      </form>
      <div id="correction-signer" aria-live="polite"></div>
      <div class="correction-row correction-attest-row">
        <label for="correction-attested"><span class="zh">计票人签名 (可不填)</span><span class="en">Teller's signature (optional)</span></label>
        <textarea id="correction-attested" class="mono" rows="2" cols="60" spellcheck="false" autocomplete="off" placeholder='{"teller": 1, "signature": "…"}'></textarea>
      </div>
      <p class="hint small"><span class="zh">粘贴 scrutineer teller attest 打印的 {"teller": …, "signature": "…"}: 提出更正时随提议提交, 或批准一条没有计票人签名的提议时随批准提交。</span><span class="en">Paste the {"teller": …, "signature": "…"} that scrutineer teller attest printed: it goes with a proposal, or with the approval of a proposal that has no teller's signature.</span></p>
      <div id="corrections-msg" aria-live="polite"></div>
      <div id="corrections"></div>`;

/**
 * Fills section#corrections-card and wires the form; `c` gives the election, the page's
 * action runner and the signed-in user, and on the teller page `attest` (signs a statement
 * with the loaded key), `signer` and `keyFile`.
 */
export function initCorrections(c) {
  ctx = c;
  $("#corrections-card").innerHTML = CARD;
  $("#correction-contest").addEventListener("change", () => {
    edited = false;
    fillFromDesk();
  });
  // Figures typed by hand stay until they are sent or another contest is chosen: the
  // page's own refresh must not put the desk's back under them.
  for (const id of ["#correction-eligible", "#correction-present", "#correction-issued"]) {
    $(id).addEventListener("input", () => { edited = true; });
  }
  $("#correction-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const msg = $("#corrections-msg");
    const contest = $("#correction-contest").value;
    const figure = (id) => Number.parseInt($(id).value, 10);
    const body = {
      eligible: figure("#correction-eligible"),
      present: figure("#correction-present"),
      ballots_issued: figure("#correction-issued"),
      reason: rustTrim($("#correction-reason").value),
    };
    if (!contest || [body.eligible, body.present, body.ballots_issued].some((n) => !Number.isInteger(n) || n < 0)) {
      showError(msg, { code: "correction_figures", message: "请选择项目并填写三个非负整数 / choose a contest and give three whole numbers, none negative" });
      return;
    }
    ctx.act(msg, async () => {
      // Signed against the corrections logged now (the statement names their number).
      const list = await api("GET", "/api/v1/corrections");
      const { attested, how } = body.reason ? await signatureFor(contest, body, body.reason, list) : { attested: null, how: "" };
      const a = await api("POST", `/api/v1/contests/${encodeURIComponent(contest)}/corrections`, attested ? { ...body, attested } : body);
      $("#correction-reason").value = "";
      if (how === "pasted") $("#correction-attested").value = "";
      edited = false;
      const later = attested || !signatureNeeded() ? ""
        : t("它没有计票人签名: 批准时须附一名登记计票人的签名。", " It carries no teller's signature: the approval must carry a registered teller's.");
      showOk(msg, `${t(`已提出更正 (第 ${a.proposal} 号), 须由另一角色的人批准后才生效。`,
        `Correction ${a.proposal} proposed: it takes effect once a person of another role approves it.`)}${signedWords(attested, how)}${later}`);
    });
  });
  $("#corrections").addEventListener("click", (ev) => {
    const b = ev.target.closest("button.approve");
    if (!b) return;
    const msg = $("#corrections-msg");
    ctx.act(msg, async () => {
      const list = await api("GET", "/api/v1/corrections");
      const p = (list.pending || []).find((x) => String(x.id) === String(b.dataset.id));
      // The pasted signature or the loaded key's goes with the approval whenever there is
      // one: it is made as the contest's corrections stand now, and the service takes it in
      // place of the proposal's (which a correction logged since makes stale). Without one,
      // the proposal's own is used.
      const { attested, how } = p
        ? await signatureFor(p.contest, p, p.reason, list)
        : { attested: null, how: "" };
      const a = await api("POST", `/api/v1/corrections/${encodeURIComponent(b.dataset.id)}/approve`, attested ? { attested } : undefined);
      if (how === "pasted") $("#correction-attested").value = "";
      showOk(msg, `${t(`已批准并记入日志 (第 ${a.entry} 条)。`, `Approved and logged (entry ${a.entry}).`)}${signedWords(attested, how)}`);
    });
  });
}

let desk = new Map(); // contest id → {eligible, present, slips_issued}
let edited = false; // the figures were typed since the form was last filled
let drawn = ""; // what the lists were last drawn from: drawn again only when it changes

/** The form's figures: the desk's for the chosen contest (what a correction starts from). */
function fillFromDesk() {
  const f = desk.get($("#correction-contest").value);
  $("#correction-eligible").value = f ? f.eligible : "";
  $("#correction-present").value = f ? f.present : "";
  $("#correction-issued").value = f ? f.slips_issued : "";
}

const title = (id) => {
  const c = ctx.election()?.contests.find((x) => x.id === id);
  return c ? c.title || c.id : id;
};

const ROLE = { organiser: ["组织者", "organiser"], registrar: ["签到员", "registrar"], teller: ["计票人", "teller"], auditor: ["审计员", "auditor"] };
const who = (name, role) => `${esc(name)} (${t(...(ROLE[role] || [role, role]))})`;

/** #correction-signer on the teller page: whether the loaded key signs, or how to load one. */
function renderSigner() {
  const el = $("#correction-signer");
  if (!ctx.signer) {
    el.innerHTML = "";
    return;
  }
  const s = ctx.signer();
  el.dataset.teller = s ? String(s.teller) : "";
  el.innerHTML = s
    ? `<div class="notice ok">${t(`提出或批准更正时, 本页以计票人 ${s.name} (第 ${s.teller} 号) 的密钥签名 (密钥只在本页内存中)。`,
      `Proposals and approvals are signed on this page with teller ${s.name}'s key (number ${s.teller}); the key stays in this page's memory.`)}</div>`
    : `<p class="hint">${t("未读取登记的计票人密钥: 在下面 “计票人签名” 卡片中选择您的密钥文件, 本页即在提出或批准更正时签名; 或粘贴 scrutineer teller attest 打印的签名。",
      "No registered teller key is loaded: choose your key file in the “Teller signatures” card below and this page signs when you propose or approve; or paste the signature scrutineer teller attest printed.")}</p>`;
}

/** A pending proposal's td.attest: who signed it, or what its approval needs. */
function pendingAttest(p) {
  if (p.attested) {
    return `<span class="ok">${tellerWords(p.attested.teller)} ${t("已签名", "signed")}</span>`;
  }
  if (!signatureNeeded()) return `<span class="sub">${t("无计票人签名", "no teller's signature")}</span>`;
  const needs = `<strong class="warn">${t("批准须附计票人签名", "the approval needs a teller's signature")}</strong>`;
  const s = ctx.signer ? ctx.signer() : null;
  if (s) {
    return `${needs}<div class="sub">${t(`批准时以计票人 ${s.name} 的密钥签名`, `approving signs it with teller ${s.name}'s key`)}</div>`;
  }
  const [zhKey, enKey] = keyFiles();
  const figures = { contest: p.contest, eligible: p.eligible, present: p.present, issued: p.ballots_issued, reason: p.reason };
  // The teller page without a key: load it (or, where the page cannot read it, the command).
  const how = ctx.signer
    ? t("请先在下面 “计票人签名” 卡片中读取您的计票人密钥文件, 再批准 (本页即签名); 或在自己的电脑上用日志导出运行下面的命令, 把它打印的签名粘贴到上面的 “计票人签名” 框, 再批准:",
      "Load your teller key file in the “Teller signatures” card below first, then approve (this page signs); or run this on your own computer with the log's export, paste the signature it prints in “Teller's signature” above, then approve:")
    : t("请一名计票人在自己的电脑上用日志导出运行下面的命令, 把它打印的签名粘贴到上面的 “计票人签名” 框, 再批准:",
      "Have a teller run this on their own computer with the log's export, paste the signature it prints in “Teller's signature” above, then approve:");
  return `${needs}<div class="sub">${how}</div>
    <pre class="mono attest-command">${t(attestCommand(figures, zhKey, ctx.election()), attestCommand(figures, enKey, ctx.election()))}</pre>`;
}

/** Draws the card from the service's corrections and the desk's figures. */
export async function renderCorrections() {
  // The conduct's order: a closed contest not yet counted (the close dialog sends the teller
  // here afterwards; a correction while voting goes on would replace the close's figures).
  const closed = (ctx.election()?.contests || []).filter((c) => c.state === "closed" && !c.counted);
  const open = new Set(closed.map((c) => c.id));
  const card = $("#corrections-card");
  card.classList.toggle("hidden", closed.length === 0);
  if (closed.length === 0) return;
  renderSigner();
  const [list, d] = await Promise.all([api("GET", "/api/v1/corrections"), api("GET", "/api/v1/desk")]);
  desk = new Map((d.contests || []).map((r) => [r.contest, r]));
  const sel = $("#correction-contest");
  const chosen = sel.value;
  // Rebuilt only when the list changes: a page that refreshes itself must not close the list
  // under the user's finger.
  const listKey = closed.map((c) => c.id).join("\n");
  if (sel.dataset.key !== listKey) {
    sel.dataset.key = listKey;
    sel.innerHTML = closed.map((c) => `<option value="${esc(c.id)}">${esc(c.title || c.id)}</option>`).join("");
    if (closed.some((c) => c.id === chosen)) {
      sel.value = chosen;
    } else {
      edited = false; // the chosen contest is gone (counted): its figures must not follow
    }
  }
  if (!edited) fillFromDesk();
  const me = ctx.me();
  const e = ctx.election();
  const signer = ctx.signer ? ctx.signer() : null;
  const key = JSON.stringify([list, [...open], me?.username, document.documentElement.dataset.lang, signer, e?.tellers, e?.protocol, ctx.keyFile?.()]);
  if (key === drawn) return;
  drawn = key;
  // A proposal for a contest counted since can no longer be approved (the service refuses
  // it, correction_out_of_order): not offered.
  const pending = (list.pending || []).filter((p) => open.has(p.contest)).map((p) => {
    const own = me && p.proposed_by === me.username;
    const sameRole = me && p.proposer_role === me.role;
    const why = own ? t("本人提出, 须由他人批准", "yours: another person approves it")
      : sameRole ? t("同一角色, 须由另一角色批准", "same role: a person of another role approves it") : "";
    return `<tr class="pending" data-id="${esc(p.id)}" data-attested="${p.attested ? "yes" : "no"}">
      <td>${esc(p.id)}</td><td>${esc(title(p.contest))}</td>
      <td class="num">${esc(p.eligible)}</td><td class="num">${esc(p.present)}</td><td class="num">${esc(p.ballots_issued)}</td>
      <td>${esc(p.reason)}</td><td>${who(p.proposed_by, p.proposer_role)}</td>
      <td class="attest">${pendingAttest(p)}</td>
      <td>${why ? `<span class="sub">${why}</span>` : `<button type="button" class="approve" data-id="${esc(p.id)}">${t("批准", "Approve")}</button>`}</td></tr>`;
  });
  const logged = (list.approved || []).map(({ entry, correction: c }) => {
    const by = c.attested?.teller;
    return `<tr class="logged" data-teller="${by ? esc(by) : ""}">
      <td>${esc(entry)}</td><td>${esc(title(c.contest))}</td>
      <td class="num">${esc(c.eligible)}</td><td class="num">${esc(c.present)}</td><td class="num">${esc(c.ballots_issued)}</td>
      <td>${esc(c.reason)}</td><td>${who(c.proposed_by?.name, c.proposed_by?.role)}; ${who(c.approved_by?.name, c.approved_by?.role)}</td>
      <td class="attest">${by ? `<span class="ok">${tellerWords(by)} ${t("签名", "signed")}</span>` : `<span class="sub">${t("无 (协议 8 之前)", "none (before protocol 8)")}</span>`}</td></tr>`;
  });
  const head = (people, action) => `<thead><tr><th>${t("编号", "No.")}</th><th>${t("项目", "Contest")}</th>
    <th class="num">${t("应到", "Eligible")}</th><th class="num">${t("实到", "Present")}</th><th class="num">${t("发出", "Issued")}</th>
    <th>${t("原因", "Reason")}</th><th>${people}</th><th>${t("计票人签名", "Teller's signature")}</th>${action ? "<th></th>" : ""}</tr></thead>`;
  $("#corrections").innerHTML = `
    <h3>${t("待批准", "Waiting for approval")}</h3>
    ${pending.length ? `<table id="corrections-pending" class="contests">${head(t("提出人", "Proposed by"), true)}<tbody>${pending.join("")}</tbody></table>`
      : `<p class="hint">${t("没有待批准的更正。", "No correction is waiting.")}</p>`}
    <h3>${t("已记入日志", "Logged")}</h3>
    ${logged.length ? `<table id="corrections-logged" class="contests">${head(t("提出人; 批准人", "Proposed by; approved by"), false)}<tbody>${logged.join("")}</tbody></table>`
      : `<p class="hint">${t("还没有更正。", "No correction yet.")}</p>`}`;
}

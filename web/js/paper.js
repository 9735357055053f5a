// Paper ballot entry (唱票) on the teller console: a card per candidate with 赞成 / 反对 (不赞成)
// / 弃权 buttons, write-ins as chips, a JSON line for contests without a candidate list
// (evaluations), and the answer in words (void and why).
//
// Double entry (contest `paper_entry: "double"`): two tellers key the same sheet, each under
// their own account; #paper-sheet says which sheet is being keyed and who has keyed it. A
// sheet counts once two keyings agree. Until then this teller's keying stays in the form
// ("waiting"); if it differs from another teller's, the two are compared row by row
// (table#paper-compare, differing rows tr.differs) so both can re-read the paper and key it
// again, or withdraw (#paper-withdraw). The page polls the election every few seconds while a
// double-entry contest is selected, so the first teller sees the sheet counted or disputed.
//
// Protocol 9 (docs/LOG_FORMAT.md, "Protocol 9"): in an election that registered teller keys,
// each keying, withdrawal and single-entry ballot is signed with the teller's loaded key
// (`ctx.attest`): the ballot goes as its JSON text (`keyed`), signed with its place among the
// contest's keyings (double entry) or among the ballots this key signed (single entry), read
// from GET …/paper-sheet just before. A signature that another keying made stale meanwhile
// (the place moved) is made again, at most twice more; any other refusal is shown. Without
// a loaded key the page says so and sends nothing (#paper-key-note says it beforehand).

import { esc, t, api, showError, showOk } from "./common.js";

const $ = (sel, root = document) => root.querySelector(sel);

/** Seconds between polls while a double-entry contest is selected. */
const POLL_MS = 3000;

let ctx = null; // { election(), setElection(e), act(el, fn), bi(msg), localError(code, zh, en), against(kind),
//                  signsPaper(), attest(what, contest, payload) → {teller, signature} | null,
//                  signer() → {name, teller} | null }

/** Attempts at a keying whose signature another teller's keying made stale meanwhile. */
const SIGN_ATTEMPTS = 3;

function u64(n) {
  const v = BigInt(n);
  if (v < 0n || v >= 1n << 64n) throw { code: "bad_json", message: `${n} 超出范围 / ${n} is out of range` };
  return v;
}

/** The log's identity (GET /api/v1/election `log_id`, entry 0's hash in hex) as its 32 bytes. */
function logBytes(hex) {
  if (typeof hex !== "string" || !/^[0-9a-f]{64}$/.test(hex)) {
    throw { code: "bad_answer", message: "服务没有给出日志标识 log_id (旧版本的服务?), 不能签署录入 / the service gave no log_id (an older service?): the keying cannot be signed" };
  }
  return Uint8Array.from(hex.match(/../g), (b) => parseInt(b, 16));
}

/**
 * The payload of a double-entry keying's teller statement (`src/record/attest.rs`, what
 * `paper_keyed`): `log (32 bytes) ‖ position u64 BE ‖ sheet u64 BE ‖ keyed (UTF-8)`; `log` the
 * log's identity (hex), `position` the keyings of the contest logged before it, `keyed` the
 * ballot's JSON text as sent (null: a withdrawal, no text).
 */
export function keyingPayload(log, position, sheet, keyed) {
  const text = new TextEncoder().encode(keyed ?? "");
  const out = new Uint8Array(48 + text.length);
  out.set(logBytes(log));
  const v = new DataView(out.buffer);
  v.setBigUint64(32, u64(position), false);
  v.setBigUint64(40, u64(sheet), false);
  out.set(text, 48);
  return out;
}

/**
 * The payload of a single-entry paper ballot's statement (what `paper_ballot`): `log (32 bytes)
 * ‖ count u64 BE ‖ keyed (UTF-8)`, `count` the contest's paper ballots this key signed before it.
 */
export function paperPayload(log, count, keyed) {
  const text = new TextEncoder().encode(keyed);
  const out = new Uint8Array(40 + text.length);
  out.set(logBytes(log));
  new DataView(out.buffer).setBigUint64(32, u64(count), false);
  out.set(text, 40);
  return out;
}

/**
 * The body of a keying (`ballot`, or null to withdraw this teller's keying of `sheet`) as this
 * page hands it in, with the place its signature names (null unsigned): signed with the loaded
 * key when the election takes a teller's signature (protocol 9 with teller keys registered),
 * as before otherwise. `sheet` is null in a single-entry contest.
 */
async function keyingBody(c, ballot, sheet) {
  const double = isDouble(c);
  if (!ctx.signsPaper()) {
    if (!ballot) return { body: { sheet, withdraw: true }, place: null };
    return { body: double ? { ballot, sheet } : { ballot }, place: null };
  }
  const me = ctx.signer();
  if (!me) {
    throw ctx.localError("unattested", "唱票录入须由您本人的计票人密钥签署: 请先在下方“计票人签名”处选择您的密钥文件", "each paper keying is signed with your own teller key: choose your key file under “Teller signatures” below first");
  }
  const s = await api("GET", `/api/v1/contests/${encodeURIComponent(c.id)}/paper-sheet`);
  const keyed = ballot ? JSON.stringify(ballot) : null;
  const place = double ? s.keyings_logged ?? 0 : (s.paper_signed || {})[me.teller] || 0;
  const log = ctx.election()?.log_id;
  const attested = double
    ? await ctx.attest("paper_keyed", c.id, keyingPayload(log, place, sheet, keyed))
    : await ctx.attest("paper_ballot", c.id, paperPayload(log, place, keyed));
  const body = keyed ? { keyed, attested } : { withdraw: true, attested };
  if (double) body.sheet = sheet;
  return { body, place };
}

/**
 * Where this page's last acknowledged signature stood (sessionStorage, per election, contest and
 * key): the place a later signature names must be past it. The place comes from the service; a
 * service that answered "counted" without logging the keying would report the same place again
 * (single entry: this key's count does not grow), which this catches (README, "Not finished").
 */
function placeKey(c) {
  const who = isDouble(c) ? "keyings" : `key${ctx.signer()?.teller ?? "?"}`;
  return `scrutineer.paper.place.${ctx.election()?.log_id}.${c.id}.${who}`;
}
function placeSeen(c) {
  try { return Number(sessionStorage.getItem(placeKey(c)) ?? -1); } catch { return -1; }
}
function placeAcknowledged(c, place) {
  try { sessionStorage.setItem(placeKey(c), String(Math.max(place, placeSeen(c)))); } catch { /* private mode */ }
}

/** POSTs a keying; signs it again when another keying took its place meanwhile. */
async function sendKeying(c, ballot, sheet) {
  for (let attempt = 1; ; attempt++) {
    const { body, place } = await keyingBody(c, ballot, sheet);
    if (place !== null && place <= placeSeen(c)) {
      throw ctx.localError("paper_place_went_back",
        `服务报告的录入位置 (${place}) 不在本页上次已确认的 (${placeSeen(c)}) 之后: 本页此前“已录入”的某张可能没有记入日志。请停止录入, 告知其他计票人和审计员, 用导出核对日志中的录入。`,
        `The service reports a place (${place}) not past the one this page last had acknowledged (${placeSeen(c)}): a keying it said was recorded may not be in the log. Stop keying, tell the other tellers and the auditor, and check the log's keyings in an export.`);
    }
    try {
      const out = await api("POST", `/api/v1/contests/${encodeURIComponent(c.id)}/paper-ballots`, body);
      if (place !== null) placeAcknowledged(c, place);
      return out;
    } catch (e) {
      // Stale only if the place moved since it was signed: a wrong or unregistered key, or
      // anything else, is said at once.
      if (place === null || e.code !== "attestation_invalid" || attempt >= SIGN_ATTEMPTS) throw e;
      const now = await api("GET", `/api/v1/contests/${encodeURIComponent(c.id)}/paper-sheet`);
      const moved = isDouble(c) ? now.keyings_logged ?? 0 : (now.paper_signed || {})[ctx.signer()?.teller] || 0;
      if (moved === place) throw e;
    }
  }
}

const paper = {
  contest: "",
  marks: {},
  writeIns: [],
  ratings: {}, // an evaluation: subject id → grade id, or the score as typed
  group: "",
  keyed: null, // double entry: {contest, sheet} this teller keyed and is waiting on
  others: [], // double entry, after a mismatch: [{teller, ballot}]
  mine: null, // the ballot this teller keyed last (double entry)
  polling: false,
};

const contestById = (id) => ctx.election()?.contests.find((c) => c.id === id);
const isDouble = (c) => c?.paper_entry === "double";

function paperCounts(contest) {
  try {
    return JSON.parse(sessionStorage.getItem(`scrutineer.paper.${ctx.election()?.id}.${contest}`)) || { n: 0, void: 0 };
  } catch {
    return { n: 0, void: 0 };
  }
}

function bumpPaperCount(contest, isVoid) {
  const c = paperCounts(contest);
  c.n += 1;
  if (isVoid) c.void += 1;
  try { sessionStorage.setItem(`scrutineer.paper.${ctx.election()?.id}.${contest}`, JSON.stringify(c)); } catch { /* private mode */ }
}

/** Fills the contest list from the election; keeps the selection and the form when it can. */
export function renderPaperSelect() {
  const election = ctx.election();
  const sel = $("#paper-contest");
  const modeKnown = election.contests.some((c) => "mode" in c);
  // An election whose contests all vote electronically has no paper ballots to key in.
  const takesPaper = !modeKnown || election.contests.some((c) => c.mode === "paper" || c.mode === "hybrid");
  $("#h-paper").closest("section").classList.toggle("hidden", !takesPaper);
  const open = election.contests.filter((c) => c.state === "open" && (!modeKnown || c.mode === "paper" || c.mode === "hybrid"));
  const prev = paper.contest;
  sel.innerHTML = open.length
    ? open.map((c) => `<option value="${esc(c.id)}">${esc(c.title || c.id)} (${esc(c.id)})${isDouble(c) ? " · 双人录入 double entry" : ""}</option>`).join("")
    : `<option value="">${modeKnown ? "没有收纸质选票的进行中项目 / no open paper contest" : "没有进行中的项目 / no open contest"}</option>`;
  $("#paper-submit").disabled = !open.length;
  $("#paper-mode-note").innerHTML = modeKnown || !open.length
    ? ""
    : `<p class="hint">${t("服务器未说明各项目的投票方式; 只收电子投票的项目会被服务器拒绝录入纸质选票。", "The server does not say how each contest votes; contests that take only electronic ballots will refuse paper ballots.")}</p>`;
  const keep = open.some((c) => c.id === prev) ? prev : open[0]?.id || "";
  sel.value = keep;
  if (keep !== prev) {
    resetPaper(keep);
    $("#paper-msg").innerHTML = "";
  } else {
    if (sheetAdvanced()) return;
    renderPaperForm();
  }
}

function resetPaper(contest) {
  Object.assign(paper, { contest, marks: {}, writeIns: [], ratings: {}, group: "", keyed: null, others: [], mine: null });
  $("#paper-form").innerHTML = "";
  renderPaperForm();
}

/** The sheet this teller keyed was counted (by the other teller's keying): on to the next. */
function sheetAdvanced() {
  const c = contestById(paper.contest);
  if (!paper.keyed || !c || paper.keyed.contest !== c.id || (c.paper_sheet ?? 1) <= paper.keyed.sheet) return false;
  const n = paper.keyed.sheet;
  resetPaper(paper.contest);
  showOk($("#paper-msg"), t(`第 ${n} 张两人录入一致, 已计入; 请录入第 ${n + 1} 张`, `Sheet ${n}: both keyings agree and it is counted; key sheet ${n + 1}`));
  return true;
}

function renderSheet(c) {
  const el = $("#paper-sheet");
  if (!isDouble(c)) {
    el.innerHTML = "";
    return;
  }
  const by = c.paper_keyed_by || [];
  const who = by.length ? by.map(esc).join("、") : t("还没有人", "no one yet");
  const cls = c.paper_mismatch ? "notice bad" : "notice";
  const mismatch = c.paper_mismatch
    ? ` · <strong>${t("录入不一致: 请核对原票后重新录入", "the keyings differ: re-read the paper and key it again")}</strong>`
    : "";
  el.innerHTML = `<div class="${cls}" role="status" data-sheet="${esc(c.paper_sheet)}">
    <strong>${t(`双人录入 · 第 ${c.paper_sheet} 张`, `Double entry · sheet ${c.paper_sheet}`)}</strong> ·
    ${t("已录入", "keyed by")}: ${who}${mismatch}
    <span class="hint">${t("两名计票人各自照原票录入同一张, 一致才计入。", "Two tellers each key the same sheet from the paper; it counts only when both agree.")}</span></div>`;
}

/** Protocol 9: whether this teller can sign keyings, said before they key anything. */
function renderKeyNote(c) {
  const el = $("#paper-key-note");
  if (!c || !ctx.signsPaper()) {
    el.innerHTML = "";
    return;
  }
  const who = ctx.signer();
  el.innerHTML = who
    ? `<div class="notice ok" role="status" data-signer="${esc(who.teller)}">${t(`每次录入以计票人 ${esc(who.name)} (第 ${who.teller} 号) 的密钥签署`, `Each keying is signed with teller ${esc(who.name)}'s key (number ${who.teller})`)}</div>`
    : `<div class="notice bad" role="status" data-signer="">${t("本次选举的唱票录入须由计票人本人的密钥签署: 请先在下方“计票人签名”处选择您的密钥文件。同一张的两次录入须来自两名不同的计票人。", "In this election each paper keying is signed with the teller's own key: choose your key file under “Teller signatures” below first. A sheet's two keyings come from two different tellers.")}</div>`;
}

function renderPaperForm() {
  const id = paper.contest;
  const c = contestById(id);
  const count = id ? paperCounts(id) : null;
  // Double entry: the contest's count, which the other teller's keyings complete too.
  $("#paper-count").innerHTML = isDouble(c)
    ? t(`本项目已计入 ${(c.paper_sheet ?? 1) - 1} 张`, `${(c.paper_sheet ?? 1) - 1} counted in this contest`)
    : count
      ? t(`本机已录入 ${count.n} 张 (其中废票 ${count.void} 张)`, `${count.n} keyed in here (${count.void} void)`)
      : "";
  renderSheet(c);
  renderKeyNote(c);
  $("#paper-withdraw").classList.toggle("hidden", !(isDouble(c) && (c.paper_keyed_by || []).length && paper.keyed));
  $("#paper-submit").innerHTML = paper.keyed
    ? `<span class="zh">更正我的录入</span><span class="en">Correct my keying</span>`
    : `<span class="zh">录入此票</span><span class="en">Record this ballot</span>`;
  if (!c) {
    $("#paper-form").innerHTML = "";
    return;
  }
  if ((c.subjects || []).length) {
    $("#paper-form").innerHTML = evaluationForm(c);
    return;
  }
  if (!(c.candidates || []).length) {
    if (!$("#paper-json")) {
      $("#paper-form").innerHTML = `<p class="hint">${t("此项目没有候选人名单 (如民主测评); 请按 docs/FORMATS.md 的选票格式输入一行 JSON:", "This contest has no candidate list (e.g. an evaluation); type the ballot as one JSON line in the docs/FORMATS.md format:")}</p>
      <textarea id="paper-json" rows="3" spellcheck="false">${esc(JSON.stringify(c.scale === "score" ? { contest: c.id, scores: {} } : { contest: c.id, ratings: {} }))}</textarea>`;
    }
    return;
  }
  const [azh, aen] = ctx.against(c.kind);
  const marks = paper.marks;
  const cards = c.candidates.map((x) => {
    const m = marks[x.id];
    const b = (mark, zh, en) => `<button type="button" class="mark mark-${mark}" data-candidate="${esc(x.id)}" data-mark="${mark}" aria-pressed="${m === mark}">${t(zh, en)}</button>`;
    return `<div class="paper-cand${m ? ` marked-${m}` : ""}" data-candidate="${esc(x.id)}"><span class="name">${esc(x.name)}</span>
      <span class="choices">${b("for", "赞成", "For")}${b("against", azh, aen[0].toUpperCase() + aen.slice(1))}${b("abstain", "弃权", "Abstain")}</span></div>`;
  });
  const nFor = Object.values(marks).filter((m) => m === "for").length + paper.writeIns.length;
  const over = nFor > c.seats;
  const chips = paper.writeIns.map((w, i) => `<span class="chip">${esc(w)} <button type="button" class="remove-write-in secondary" data-i="${i}" aria-label="remove">×</button></span>`).join("");
  $("#paper-form").innerHTML = `
    <div class="paper-grid">${cards.join("")}</div>
    <p class="paper-row"><label for="paper-writein">${t("另选他人", "Write-in")}</label>
      <input id="paper-writein" autocomplete="off"> <button type="button" id="paper-writein-add" class="secondary">${t("添加", "Add")}</button> ${chips}</p>
    <p id="paper-tally" class="${over ? "bad" : ""}">${t(`赞成 ${nFor} 人 (含另选), 应选 ${c.seats} 名${over ? ": 超过应选名额, 录入后为废票" : ""}; 未划的候选人计为弃权`,
      `${nFor} for (write-ins included), ${c.seats} seat(s)${over ? ": over-marked, will be recorded as void" : ""}; unmarked candidates count as abstentions`)}</p>
    ${paper.others.length ? compareTable(c) : ""}`;
}

/** An evaluation ballot: its group, then per subject a grade button or a score box. */
function evaluationForm(c) {
  const groups = c.groups || [];
  const scored = c.scale === "score";
  const group = groups.length
    ? `<p class="paper-row"><label for="paper-group">${t("测评组", "Evaluator group")}</label>
        <select id="paper-group"><option value="">—</option>${groups.map((g) => `<option value="${esc(g.id)}"${paper.group === g.id ? " selected" : ""}>${esc(g.title || g.id)}</option>`).join("")}</select></p>`
    : "";
  const rows = (c.subjects || []).map((x) => {
    const v = paper.ratings[x.id];
    const choice = scored
      ? `<input class="paper-score b-narrow" data-subject="${esc(x.id)}" inputmode="numeric" value="${esc(v ?? "")}" aria-label="${esc(x.name)}" placeholder="0–${esc(c.score_max ?? 100)}">`
      : (c.grades || []).map((g) => `<button type="button" class="grade" data-subject="${esc(x.id)}" data-grade="${esc(g.id)}" aria-pressed="${v === g.id}">${esc(g.label)}</button>`).join("");
    return `<div class="paper-cand${v ? " marked-for" : ""}" data-subject="${esc(x.id)}"><span class="name">${esc(x.name)}</span><span class="choices">${choice}</span></div>`;
  });
  return `${group}<div class="paper-grid">${rows.join("")}</div>
    <p class="hint">${scored ? t(`每个对象填 0 至 ${c.score_max ?? 100} 的整数; 空着为未打分`, `A whole score from 0 to ${c.score_max ?? 100} per subject; blank is unscored`)
      : t("每个对象选一个等次; 不选为未评", "One grade per subject; none is unrated")}</p>`;
}

/** The ballot in the form, or null (with the error shown) when it cannot be read. */
function formBallot(c, el) {
  if ((c.subjects || []).length) {
    const ballot = { contest: c.id };
    if ((c.groups || []).length) {
      if (!paper.group) {
        showError(el, ctx.localError("group_missing", "请选择测评组", "choose the evaluator group"));
        return null;
      }
      ballot.group = paper.group;
    }
    const entries = Object.entries(paper.ratings).filter(([, v]) => v !== undefined && v !== "");
    if (c.scale === "score") {
      const scores = {};
      for (const [k, v] of entries) {
        if (!/^\d+$/.test(String(v).trim())) {
          showError(el, ctx.localError("score_out_of_range", `得分 “${v}” 须为整数`, `the score “${v}” must be a whole number`));
          return null;
        }
        scores[k] = Number(String(v).trim());
      }
      ballot.scores = scores;
    } else {
      ballot.ratings = Object.fromEntries(entries);
    }
    return ballot;
  }
  if (!(c.candidates || []).length) {
    try {
      return JSON.parse($("#paper-json").value);
    } catch (e) {
      showError(el, ctx.localError("ballot_json", `选票不是有效的 JSON: ${e.message}`, `the ballot is not valid JSON: ${e.message}`));
      return null;
    }
  }
  const marks = {};
  for (const [k, v] of Object.entries(paper.marks)) if (v) marks[k] = v;
  const ballot = { contest: c.id, marks };
  if (paper.writeIns.length) ballot.write_ins = paper.writeIns.slice();
  return ballot;
}

const MARK_TEXT = (c, m) => {
  const [azh, aen] = ctx.against(c.kind);
  if (m === "for") return t("赞成", "for");
  if (m === "against") return t(azh, aen);
  return `<span class="sub">${t("弃权", "abstain")}</span>`;
};

/** My keying beside the others', one row per candidate; rows that differ are marked. */
function compareTable(c) {
  const mine = paper.mine || {};
  const rows = [mine, ...paper.others.map((o) => o.ballot || {})];
  if ((c.subjects || []).length) {
    const key = c.scale === "score" ? "scores" : "ratings";
    const label = (v) => (v === undefined ? `<span class="sub">${t("未评", "none")}</span>` : esc((c.grades || []).find((g) => g.id === v)?.label ?? v));
    const body = [
      ...(c.groups || []).length ? [["group", t("测评组", "Group"), rows.map((b) => b.group)]] : [],
      ...(c.subjects || []).map((x) => [x.id, esc(x.name), rows.map((b) => (b[key] || {})[x.id])]),
    ].map(([, name, vs]) => `<tr class="${vs.some((v) => String(v) !== String(vs[0])) ? "differs" : ""}"><th scope="row">${name}</th>${vs.map((v) => `<td>${label(v)}</td>`).join("")}</tr>`);
    return `<table id="paper-compare" class="compare"><caption>${t("与其他计票人的录入对照 (不同处已标出)", "Your keying beside the others' (differences marked)")}</caption>
      <thead><tr><th></th><th>${t("我的录入", "Mine")}</th>${paper.others.map((o) => `<th>${esc(o.teller)}</th>`).join("")}</tr></thead>
      <tbody>${body.join("")}</tbody></table>`;
  }
  const markOf = (b, id) => (b.marks || {})[id] === "abstain" ? undefined : (b.marks || {})[id];
  const cand = (c.candidates || []).map((x) => {
    const ms = rows.map((b) => markOf(b, x.id));
    const differs = ms.some((m) => m !== ms[0]);
    return `<tr class="${differs ? "differs" : ""}"><th scope="row">${esc(x.name)}</th>${ms.map((m) => `<td>${MARK_TEXT(c, m)}</td>`).join("")}</tr>`;
  });
  const w = rows.map((b) => (b.write_ins || []).slice().sort());
  const wDiffers = w.some((x) => x.join("\n") !== w[0].join("\n"));
  cand.push(`<tr class="${wDiffers ? "differs" : ""}"><th scope="row">${t("另选他人", "Write-ins")}</th>${w.map((x) => `<td>${x.map(esc).join("、") || "—"}</td>`).join("")}</tr>`);
  return `<table id="paper-compare" class="compare"><caption>${t("与其他计票人的录入对照 (不同处已标出)", "Your keying beside the others' (differences marked)")}</caption>
    <thead><tr><th></th><th>${t("我的录入", "Mine")}</th>${paper.others.map((o) => `<th>${esc(o.teller)}</th>`).join("")}</tr></thead>
    <tbody>${cand.join("")}</tbody></table>`;
}

async function submitPaper() {
  const id = paper.contest;
  const c = contestById(id);
  const el = $("#paper-msg");
  if (!c) return;
  const ballot = formBallot(c, el);
  if (!ballot) return;
  await ctx.act(el, async () => {
    const out = await sendKeying(c, ballot, isDouble(c) ? c.paper_sheet : null);
    if (out.state === "waiting" || out.state === "mismatch") {
      paper.keyed = { contest: id, sheet: out.sheet };
      paper.mine = ballot;
      paper.others = out.others || [];
      if (out.state === "waiting") {
        showOk(el, t(`第 ${out.sheet} 张已录入 (日志第 ${out.keyed_entry} 条), 等待另一名计票人录入同一张`, `Sheet ${out.sheet} keyed (entry ${out.keyed_entry}); waiting for the second teller to key the same sheet`));
      } else {
        el.innerHTML = `<div class="notice bad" role="alert"><strong>${t("录入不一致", "The keyings differ")}:</strong> ${t(`第 ${out.sheet} 张与其他计票人的录入不同, 此张暂不计入。请唱票人重读原票, 录错的一方更正后再录。`, `sheet ${out.sheet} differs from another teller's keying and is not counted. Have the paper read again; whoever keyed it wrongly corrects and keys it again.`)}</div>`;
      }
      renderPaperForm();
      return;
    }
    bumpPaperCount(id, !!out.void);
    const n = paperCounts(id).n;
    const where = isDouble(c)
      ? t(`第 ${out.sheet} 张两人一致, 已计入 (日志第 ${out.entry} 条)`, `sheet ${out.sheet}: both keyings agree, counted (entry ${out.entry})`)
      : t(`第 ${out.entry} 条, 本机第 ${n} 张`, `entry ${out.entry}, number ${n} here`);
    if (out.void) {
      el.innerHTML = `<div class="notice bad" role="status"><strong>${t("废票", "Void")}:</strong> ${ctx.bi(out.message)} <span class="mono">[${esc(out.void)}]</span> · ${t("已录入为废票", "recorded as void")} · ${where}</div>`;
    } else {
      showOk(el, `${t("已录入", "Recorded")} · ${where}`);
    }
    resetPaper(id);
  });
}

async function withdrawPaper() {
  const c = contestById(paper.contest);
  const el = $("#paper-msg");
  if (!c || !paper.keyed) return;
  const sheet = paper.keyed.sheet;
  await ctx.act(el, async () => {
    await sendKeying(c, null, sheet);
    resetPaper(c.id);
    showOk(el, t(`已撤回我对第 ${sheet} 张的录入`, `My keying of sheet ${sheet} is withdrawn`));
  });
}

/** After a mismatch another teller reports: fetch every keying of the sheet to compare. */
async function loadOthers(c) {
  try {
    const s = await api("GET", `/api/v1/contests/${encodeURIComponent(c.id)}/paper-sheet`);
    const me = s.you;
    paper.others = (s.keyings || []).filter((k) => k.teller !== me);
    const mine = (s.keyings || []).find((k) => k.teller === me);
    if (mine) paper.mine = mine.ballot;
  } catch { /* shown on the next action */ }
}

async function poll() {
  const c = contestById(paper.contest);
  if (!isDouble(c) || document.hidden || paper.polling) return;
  paper.polling = true;
  try {
    const e = await api("GET", "/api/v1/election");
    ctx.setElection(e);
    if (sheetAdvanced()) return;
    const now = contestById(paper.contest);
    if (now?.paper_mismatch && paper.keyed && !paper.others.length) await loadOthers(now);
    if (now) {
      renderSheet(now);
      if (paper.others.length && !$("#paper-compare")) renderPaperForm();
    }
  } catch { /* offline for a moment: the next poll tries again */ } finally {
    paper.polling = false;
  }
}

function addWriteIn() {
  const name = $("#paper-writein").value.trim();
  if (!name) return;
  paper.writeIns.push(name);
  renderPaperForm();
  $("#paper-writein").focus();
}

/** Wires the card's controls; `context` gives the console's election and helpers. */
export function initPaper(context) {
  ctx = context;
  $("#paper").addEventListener("click", (ev) => {
    const b = ev.target.closest("button");
    if (!b || b.disabled) return;
    if (b.matches("button.mark[data-candidate]")) {
      const { candidate, mark } = b.dataset;
      paper.marks[candidate] = paper.marks[candidate] === mark ? undefined : mark;
      renderPaperForm();
      $(`button.mark[data-candidate="${CSS.escape(candidate)}"][data-mark="${mark}"]`)?.focus();
    } else if (b.matches("button.grade[data-subject]")) {
      const { subject, grade } = b.dataset;
      paper.ratings[subject] = paper.ratings[subject] === grade ? undefined : grade;
      renderPaperForm();
      $(`button.grade[data-subject="${CSS.escape(subject)}"][data-grade="${CSS.escape(grade)}"]`)?.focus();
    } else if (b.id === "paper-writein-add") addWriteIn();
    else if (b.matches("button.remove-write-in")) {
      paper.writeIns.splice(Number(b.dataset.i), 1);
      renderPaperForm();
    }
  });
  $("#paper-contest").addEventListener("change", (ev) => {
    resetPaper(ev.target.value);
    $("#paper-msg").innerHTML = "";
  });
  $("#paper-form").addEventListener("input", (ev) => {
    if (ev.target.matches("input.paper-score")) paper.ratings[ev.target.dataset.subject] = ev.target.value;
  });
  $("#paper-form").addEventListener("change", (ev) => {
    if (ev.target.id === "paper-group") paper.group = ev.target.value;
  });
  $("#paper-form").addEventListener("keydown", (ev) => {
    if (ev.target.id === "paper-writein" && ev.key === "Enter") {
      ev.preventDefault();
      addWriteIn();
    }
  });
  $("#paper-submit").addEventListener("click", submitPaper);
  $("#paper-withdraw").addEventListener("click", withdrawPaper);
  $("#paper-clear").addEventListener("click", () => {
    paper.marks = {};
    paper.writeIns = [];
    paper.ratings = {};
    const json = $("#paper-json");
    if (json) json.remove();
    renderPaperForm();
    $("#paper-msg").innerHTML = "";
  });
  setInterval(poll, POLL_MS);
}

// The organiser's page: create the election (with the 差额 surplus check as you type), see
// its contests and open them, import the roll, print slips, pair kiosks, create staff
// accounts, and publish signed results. A published party result with unfilled seats offers
// the meeting's decision to reduce them (button.reduce-seats → dialog#reduce-dialog: the decision
// in #reduce-basis, the `scrutineer teller attest` command filled in from it in #reduce-command,
// the teller's signature it prints pasted in #reduce-attested, refusals in #reduce-msg; protocol
// 8 logs a reduction only with a registered teller's signature).

import { esc, t, api, restoreSession, logout, showError, showOk, languageSwitch, loginForm, clearMessage, localTime, hallZone, hallOffsetLabel } from "./common.js";
import { createBuilder, parseJson, splitMessage } from "./builder.js";
import { initProcedures, loadProcedures } from "./procedures.js";
import { initCorrections, renderCorrections, attestCommand, parseAttested, rustTrim } from "./corrections.js";

const $ = (sel) => document.querySelector(sel);
const CHECK_DELAY_MS = 400;
const REFRESH_EVERY_MS = 15000;

const ROLE_LABELS = {
  organiser: ["组织者", "organiser"],
  registrar: ["签到员", "registrar"],
  teller: ["计票人", "teller"],
  auditor: ["审计员", "auditor"],
  kiosk: ["投票机", "kiosk"],
};
const STATE_LABELS = {
  draft: ["未开始", "draft"],
  open: ["投票中", "open"],
  closed: ["已结束", "closed"],
};

const state = {
  election: null,     // GET /api/v1/election, or null when none exists
  electionJson: "",   // to re-render only on change
  resultsJson: "",
  checkSeq: 0,
  checkTimer: null,
  specOk: false,
  builder: null,      // the election builder (builder.js)
  view: "builder",    // "builder" or "expert" (the JSON)
  jsonStale: false,   // the JSON does not parse (or is no spec): the builder shows the last good one
  loadError: null,    // why parsed JSON is no spec ({zh, en}), or null
  turnoutPlaceholder: false, // the server asks for turnout even of electronic contests
  source: null,       // "builder" or "json": the side edited last, not yet copied to the other
  dirty: false,       // an edit since the last check started
  pairingTimer: null,
  slipsUrl: null,
  refreshTimer: null,
  username: "",       // the signed-in organiser (no disable button on its own row)
};

const label = (pair, fallback) => (pair ? t(pair[0], pair[1]) : esc(fallback));
const titleOf = (id) => {
  const c = state.election && state.election.contests.find((x) => x.id === id);
  return c ? c.title || c.id : id;
};
function clock(date) {
  return localTime(date, { date: false, seconds: true });
}

// ---------------------------------------------------------------- election

async function loadElection() {
  try {
    const e = await api("GET", "/api/v1/election");
    state.election = e;
    const json = JSON.stringify(e);
    if (json !== state.electionJson) {
      state.electionJson = json;
      renderElection();
    }
  } catch (err) {
    if (err.code === "no_election") {
      state.election = null;
      if (state.electionJson !== "none") {
        state.electionJson = "none";
        renderElection();
      }
    } else if (err.status === 401) {
      signedOut();
    } else {
      showError($("#election-msg"), err);
    }
  }
}

/** The session ended (expired, or signed out elsewhere): back to the sign-in form. */
function signedOut() {
  clearInterval(state.refreshTimer);
  $("#who").classList.add("hidden");
  $("#logout").classList.add("hidden");
  showLogin(`<div class="notice bad">${t("登录已失效, 请重新登录", "The session has ended: sign in again")} <span class="mono">[unauthenticated]</span></div>`);
}

/** The ballots' secrecy: the election key's fingerprint, or the ceremony's progress, or the reason for plaintext. */
function secrecyLine(sec) {
  if (!sec) return "";
  if (!sec.encrypted) {
    return `<div class="meta secrecy plaintext">${t("明文选票", "Plaintext ballots")}${sec.reason ? ` · ${t("原因", "reason")}: ${esc(sec.reason)}` : ""}</div>`;
  }
  const k = `${esc(sec.threshold)} / ${esc(sec.tellers)}`;
  if (sec.fingerprint) {
    return `<div class="meta secrecy encrypted">${t("加密选票", "Encrypted ballots")} · ${t("解密需计票人", "tellers to decrypt")} ${k} ·
      ${t("选举密钥指纹", "election key fingerprint")} <span class="mono fingerprint">${esc(sec.fingerprint)}</span></div>`;
  }
  const c = sec.ceremony || {};
  // Who the current step waits for, by name: the organiser calls them.
  const waiting = c.waiting || []; // t() escapes them
  return `<div class="meta secrecy pending notice">${t("加密选票", "Encrypted ballots")} (${k}) ·
    ${t(`密钥仪式进行中 (第 ${c.attempt} 轮尝试): 第一轮 ${c.round1}/${sec.tellers}, 份额 ${c.shares}/${sec.tellers}, 核对 ${c.checks}/${sec.tellers}。计票人各自运行 scrutineer teller run 并在计票人页面提交; 完成前不能打印选票码或开始投票。`,
      `key ceremony in progress (attempt ${c.attempt}): round 1 ${c.round1}/${sec.tellers}, shares ${c.shares}/${sec.tellers}, checks ${c.checks}/${sec.tellers}. Each teller runs scrutineer teller run and submits on the teller page; slips and voting wait for it.`)}${
    waiting.length ? `<br><span class="ceremony-waiting">${t(`这一步还在等: ${waiting.join("、")}`, `this step still waits for: ${waiting.join(", ")}`)}</span>` : ""}${
    (c.restarts || []).map((r) => `<br>${t(`第 ${r.attempt} 轮由第 ${r.teller} 号计票人作废, 原因: `, `attempt ${r.attempt} abandoned by teller ${r.teller}, reason: `)}${esc(r.reason)}`).join("")}</div>`;
}

function renderElection() {
  const e = state.election;
  document.body.classList.toggle("no-election", !e);
  for (const card of document.querySelectorAll(".needs-election")) card.classList.toggle("disabled", !e);
  $("#create-form").classList.toggle("hidden", !!e);
  if (!e) {
    $("#election-summary").innerHTML = "";
    for (const w of document.querySelectorAll(".needs-election .wait")) w.remove();
    for (const card of document.querySelectorAll(".needs-election")) {
      card.querySelector("h2").insertAdjacentHTML("afterend", `<p class="wait notice">${t("请先创建选举", "Create the election first")}</p>`);
    }
    return;
  }
  for (const w of document.querySelectorAll(".needs-election .wait")) w.remove();
  const tellers = e.tellers && e.tellers.length ? e.tellers.map(esc).join("、") : t("无", "none");
  const rows = e.contests.map((c) => {
    const st = STATE_LABELS[c.state];
    const action = c.superseded
      ? `<span class="help">${t("已撤销: 大会决定减少名额, 不再选举", "withdrawn: the meeting reduced the seats")}</span>`
      : c.state === "draft"
        ? `<button type="button" class="open" data-contest="${esc(c.id)}">${t("开始投票", "Open voting")}</button>`
        : "";
    const reduced = c.seats_reduced_by > 0 ? ` <span class="sub">(${t(`减少 ${c.seats_reduced_by} 名, 现为 ${c.seats - c.seats_reduced_by} 名`, `less ${c.seats_reduced_by}: ${c.seats - c.seats_reduced_by}`)})</span>` : "";
    const parent = c.parent ? `<div class="sub">${t(`另行选举, 上一轮: ${titleOf(c.parent)}`, `runoff of ${titleOf(c.parent)}`)}</div>` : "";
    return `<tr class="contest" data-id="${esc(c.id)}" data-state="${esc(c.state)}">
      <td><strong class="title">${esc(c.title || c.id)}</strong> <span class="mono id">${esc(c.id)}</span>${parent}</td>
      <td class="kind">${esc(c.kind_label || c.kind)} <span class="mono">${esc(c.kind)}</span></td>
      <td class="num seats">${esc(c.seats)}${reduced}</td>
      <td class="num">${esc((c.candidates || []).length)}</td>
      <td class="state"><span class="badge ${esc(c.state)}">${label(st, c.state)}</span></td>
      <td class="action">${action}</td>
    </tr>`;
  }).join("");
  const styles = (e.styles || []).map((s, i) => `<tr>
      <td class="num">${i}</td><td class="num">${esc(s.round)}</td>
      <td>${s.unit ? esc(s.unit) : t("全体", "everyone")}</td>
      <td>${esc(s.title || "")}</td>
      <td>${s.contests.map((c) => esc(titleOf(c))).join("、")}</td></tr>`).join("");
  $("#election-summary").innerHTML = `
    <div class="summary-head">
      <div class="election-title">${esc(e.title || e.id)}</div>
      <div class="meta"><span class="mono">${esc(e.id)}</span> ·
        ${t("日志", "log")} ${esc(e.log_size)} ${t("条", "entries")} ·
        ${t("已投选票", "ballots cast")} ${esc(e.ballots)} ·
        ${t("计票人", "tellers")}: ${tellers} ·
        ${t("结果须签名", "signatures required")} ${esc(e.signatures_required)}</div>
      ${secrecyLine(e.secrecy)}
    </div>
    <table class="contests">
      <thead><tr>
        <th>${t("选举项目", "Contest")}</th><th>${t("类别", "Kind")}</th>
        <th class="num">${t("应选", "Seats")}</th><th class="num">${t("候选人", "Candidates")}</th>
        <th>${t("状态", "State")}</th><th></th></tr></thead>
      <tbody>${rows || `<tr><td colspan="6" class="help">${t("还没有选举项目: 多轮程序的各轮选举项目由程序按名单创建 (见 “多轮程序”)。", "No contest yet: a procedure creates its rounds' contests with their lists (see “Multi-round procedures”).")}</td></tr>`}</tbody>
    </table>
    <h3>${t("选票样式", "Ballot styles")}</h3>
    <table class="styles compact">
      <thead><tr><th class="num">#</th><th class="num">${t("轮次", "Round")}</th><th>${t("选区", "Unit")}</th><th>${t("名称", "Title")}</th><th>${t("选举项目", "Contests")}</th></tr></thead>
      <tbody>${styles}</tbody>
    </table>`;
  renderPoolStyles();
}

async function openContest(id) {
  clearMessage($("#election-msg"));
  // Guard rail: the desk's figures first; below the quorum the round would be invalid.
  let warning = "";
  try {
    const desk = await api("GET", "/api/v1/desk");
    const row = (desk.contests || []).find((r) => r.contest === id);
    if (row && row.quorum === "not_met") {
      warning = `\n\n⚠ 签到处显示到会人数尚未达到法定人数 (实到 ${row.present} 人, 应到 ${row.eligible} 人)。现在开始投票可以, 但结束时仍未达到, 本轮无效, 须重新投票。\n⚠ The desk shows the quorum is not met yet (${row.present} present of ${row.eligible} eligible). Voting may open, but if it is still not met at the close, the round is invalid and must be re-voted.`;
    }
  } catch (_) {
    // The dialog still asks; the server decides.
  }
  if (!confirm(`确定开始投票? / Open voting?\n\n${titleOf(id)} (${id})${warning}`)) return;
  try {
    await api("POST", `/api/v1/contests/${encodeURIComponent(id)}/open`);
    showOk($("#election-msg"), t(`“${titleOf(id)}” 已开始投票`, `Voting is open for “${titleOf(id)}”`));
  } catch (err) {
    showError($("#election-msg"), err);
  }
  await loadElection();
}

// ---------------------------------------------------------------- creating the election
//
// The builder (builder.js) is the default view; the expert view is the JSON itself
// (#spec-input, #styles-input). Both stay in sync: an edit in the builder rewrites the JSON,
// JSON that parses (and is shaped like a spec) loads into the builder. The 差额 check runs
// on the JSON after every change, whichever view made it.

const TELLER_KEY = /^([^\s+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/;

/** A server or local message "中文 / English" as bilingual spans (one text when it has no " / "). */
function bilingual(message) {
  const [zh, en] = splitMessage(message);
  return zh === en ? esc(zh) : t(zh, en);
}

function showProblem(el, err) {
  el.innerHTML = `<div class="notice bad" role="alert">${bilingual(err.message || String(err))} <span class="mono">[${esc(err.code || "error")}]</span></div>`;
}

/** serde's words for a JSON type or value, in Chinese. */
function serdeTypeZh(text) {
  const s = text.trim();
  let m;
  if (/^(u8|u16|u32|u64|usize)$/.test(s)) return "非负整数";
  if ((m = /^string (".*")$/.exec(s))) return `字符串 ${m[1]}`;
  if ((m = /^integer `(.*)`$/.exec(s))) return `整数 ${m[1]}`;
  if ((m = /^floating point `(.*)`$/.exec(s))) return `小数 ${m[1]}`;
  if ((m = /^boolean `(.*)`$/.exec(s))) return `布尔值 ${m[1]}`;
  const words = { "a string": "字符串 \"…\"", string: "字符串", "a sequence": "数组 [ … ]", sequence: "数组 [ … ]", map: "对象 { … }", "a map": "对象 { … }", "a boolean": "true 或 false", null: "null", unit: "null", "an integer": "整数" };
  if (words[s]) return words[s];
  if (/^struct /.test(s)) return "对象 { … }";
  return s.replace(/`/g, "");
}

/**
 * The server's spec_json refusal (serde's English after the Chinese prefix) in Chinese, with
 * the line of an unknown field found in the JSON text. Null when the message is not serde's.
 */
function specJsonZh(message, text) {
  const [zhPart] = splitMessage(message);
  const detail = zhPart.replace(/^选举文件不是有效的 JSON: /, "");
  let m;
  let zh = null;
  let field = null;
  if ((m = /^unknown field `([^`]+)`, expected (?:one of )?(.*)$/.exec(detail))) {
    field = m[1];
    zh = `未知字段 “${m[1]}” (拼写错误?); 这里可用的字段: ${m[2].replace(/`/g, "")}`;
  } else if ((m = /^missing field `([^`]+)`/.exec(detail))) {
    zh = `缺少必填字段 “${m[1]}”`;
  } else if ((m = /^invalid type: (.+?), expected (.+)$/.exec(detail))) {
    zh = `类型不对: 给的是${serdeTypeZh(m[1])}, 应为${serdeTypeZh(m[2])}`;
  } else if ((m = /^invalid value: (.+?), expected (.+)$/.exec(detail))) {
    zh = `值不对: 给的是${serdeTypeZh(m[1])}, 应为${serdeTypeZh(m[2])}`;
  } else if ((m = /^unknown variant `([^`]+)`, expected (.*)$/.exec(detail))) {
    zh = `未知的取值 “${m[1]}”; 可用: ${m[2].replace(/`/g, "")}`;
  }
  if (!zh) return null;
  let where = "";
  if (field) {
    const quoted = JSON.stringify(field);
    let at = -1;
    for (let from = text.indexOf(quoted); from >= 0; from = text.indexOf(quoted, from + 1)) {
      if (/^\s*:/.test(text.slice(from + quoted.length))) { at = from; break; }
    }
    if (at >= 0) where = `第 ${text.slice(0, at).split("\n").length} 行: `;
  }
  return `选举规格的字段有误: ${where}${zh}`;
}

/** A JSON syntax error in Chinese with its line and column; "定位" selects it in the textarea. */
function showJsonError(el, what, error, textareaId) {
  const where = `第 ${error.line} 行第 ${error.column} 列`;
  const whereEn = `line ${error.line}, column ${error.column}`;
  el.innerHTML = `<div class="notice bad" role="alert">
    <strong>${t(`${what[0]} JSON 格式错误`, `${what[1]} is not valid JSON`)}</strong> (${t(where, whereEn)}): ${t(error.zh, error.en)}
    <span class="mono">[bad_json]</span>
    <button type="button" class="secondary small json-locate" data-target="${esc(textareaId)}" data-pos="${esc(error.pos)}">${t("定位", "Show")}</button></div>`;
}

function locateJsonError(button) {
  setView("expert");
  const area = document.getElementById(button.dataset.target);
  const pos = Number(button.dataset.pos) || 0;
  area.focus();
  area.setSelectionRange(pos, Math.min(pos + 1, area.value.length));
  // Scroll the textarea so the faulty line shows.
  const line = area.value.slice(0, pos).split("\n").length - 1;
  area.scrollTop = Math.max(0, line * parseFloat(getComputedStyle(area).lineHeight || "20") - area.clientHeight / 2);
}

/** Marks the check's outcome as out of date (dimmed, aria-busy) until the next one is shown. */
function setPending(pending) {
  $("#create-form").classList.toggle("check-pending", pending);
  $("#spec-check").setAttribute("aria-busy", String(pending));
}

function scheduleCheck() {
  state.dirty = true;
  setPending(true);
  clearTimeout(state.checkTimer);
  state.checkTimer = setTimeout(checkSpec, CHECK_DELAY_MS);
}

/**
 * The spec as sent to the server. Electronic contests carry no turnout (the desk supplies
 * it at close); a server that still asks for one (turnout_missing) gets the zero placeholder
 * it uses itself for a next round's contest, which the count replaces by the desk's figures.
 */
function forServer(spec) {
  if (!state.turnoutPlaceholder || !spec || !Array.isArray(spec.contests)) return spec;
  return {
    ...spec,
    contests: spec.contests.map((c) => (c && typeof c === "object" && !c.turnout
      ? { ...c, turnout: { eligible: 0, present: 0, ballots_issued: 0 } } : c)),
  };
}

function showTurnoutNote() {
  const note = $("#turnout-note");
  note.classList.toggle("hidden", !state.turnoutPlaceholder);
  note.innerHTML = state.turnoutPlaceholder
    ? t("投票机选举项目不填投票情况; 本服务目前仍要求该字段, 提交时以 0 占位 (计票时用签到台的数字)。",
      "Electronic contests carry no turnout; this server still asks for the field, so 0 is sent in its place (the count uses the desk's figures).")
    : "";
}

/** The stateless tally with no ballots: the server's check of the spec (差额, names, fields). */
async function tallyCheck(spec) {
  try {
    return await api("POST", "/api/v1/tally", { spec: forServer(spec), ballots: "" });
  } catch (err) {
    if (err.code !== "turnout_missing" || state.turnoutPlaceholder) throw err;
    state.turnoutPlaceholder = true;
    showTurnoutNote();
    return api("POST", "/api/v1/tally", { spec: forServer(spec), ballots: "" });
  }
}

/** The 差额 check: what the builder still misses, else the server counts the spec with no ballots. */
async function checkSpec() {
  clearTimeout(state.checkTimer);
  state.dirty = false;
  setPending(true);
  const seq = ++state.checkSeq;
  try {
    await runCheck(seq);
  } finally {
    // Shown as current only when no later edit or check is waiting.
    if (seq === state.checkSeq && !state.dirty) setPending(false);
  }
}

async function runCheck(seq) {
  syncViews();
  const el = $("#spec-check");
  const text = $("#spec-input").value.trim();
  state.specOk = false;
  syncCreateButton();
  if (!text) {
    el.innerHTML = `<p class="help">${t("填写选举项目, 或在专家视图粘贴选举规格", "Fill in the contests, or paste the spec in the expert view")}</p>`;
    state.builder.annotate(null);
    return;
  }
  if (state.view === "builder") {
    const missing = state.builder.problems();
    if (missing.length) {
      const list = missing.slice(0, 6).map((p) => `<li>${t(p.zh, p.en)}</li>`).join("");
      el.innerHTML = `<div class="notice" role="status"><strong>${t("尚未完成", "Not finished yet")}</strong> <span class="mono">[builder_incomplete]</span>
        <ul class="spec-warnings">${list}</ul></div>`;
      state.builder.annotate({ problem: missing[0] });
      return;
    }
  }
  const parsed = parseJson(text);
  if (parsed.error) {
    showJsonError(el, ["选举规格", "The spec"], parsed.error, "spec-input");
    return;
  }
  if (state.loadError) {
    showProblem(el, { code: "bad_spec", message: `${state.loadError.zh} / ${state.loadError.en}` });
    return;
  }
  el.innerHTML = `<p class="help">${t("检查中…", "Checking…")}</p>`;
  try {
    const doc = await tallyCheck(parsed.value);
    if (seq !== state.checkSeq) return;
    state.specOk = true;
    const contests = (doc.contests || []).map((c) => {
      const n = (c.subjects || c.candidates || []).length;
      const counts = c.subjects
        ? t(`测评对象 ${n} 名`, `${n} subjects`)
        : t(`应选 ${c.seats} 名, 候选人 ${n} 名`, `${c.seats} seats, ${n} candidates`);
      return `<li><strong>${esc(c.title || c.id)}</strong> <span class="mono">${esc(c.kind)}</span> · ${counts}</li>`;
    }).join("");
    const warnings = [];
    for (const c of doc.contests || []) {
      for (const w of c.warnings || []) {
        if (w.code.startsWith("override_")) warnings.push({ where: c.title || c.id, ...w });
      }
    }
    for (const w of doc.warnings || []) warnings.push({ where: "", ...w });
    const warnHtml = warnings.map((w) => `<li class="warn">⚠ ${w.where ? `<strong>${esc(w.where)}</strong>: ` : ""}${bilingual(w.message)} <span class="mono">[${esc(w.code)}]</span></li>`).join("");
    showOk(el, `<strong>✓ ${t("候选人名单符合差额规定", "lists meet their surplus rules")}</strong>`);
    el.insertAdjacentHTML("beforeend", `<ul class="spec-contests">${contests}</ul>${warnHtml ? `<ul class="spec-warnings">${warnHtml}</ul>` : ""}`);
    state.builder.annotate({ doc });
  } catch (err) {
    if (seq !== state.checkSeq) return;
    const zh = err.code === "spec_json" ? specJsonZh(err.message, text) : null;
    if (zh) {
      el.innerHTML = `<div class="notice bad" role="alert">${t(zh, splitMessage(err.message)[1])} <span class="mono">[spec_json]</span></div>`;
    } else {
      showProblem(el, err);
    }
    state.builder.annotate({ error: err });
  }
  syncCreateButton();
}

/** The styles JSON: null when empty, the array, or undefined (with the error shown) when bad. */
function checkStyles() {
  const el = $("#styles-check");
  const text = $("#styles-input").value.trim();
  if (!text) { el.innerHTML = ""; return null; }
  const parsed = parseJson(text);
  if (parsed.error) {
    showJsonError(el, ["选票样式", "The styles"], parsed.error, "styles-input");
    return undefined;
  }
  if (!Array.isArray(parsed.value)) {
    showProblem(el, { code: "bad_styles", message: "选票样式须为数组 [ … ] / styles must be an array [ … ]" });
    return undefined;
  }
  el.innerHTML = `<p class="help ok">✓ ${t(`${parsed.value.length} 种选票样式`, `${parsed.value.length} ballot style(s)`)}</p>`;
  return parsed.value;
}

function syncCreateButton() {
  $("#create-election").disabled = !state.specOk;
}

// Which side changed last and has not been copied to the other yet: "builder" (the JSON is to
// be rewritten from it), "json" (the builder is to load the JSON), or null. The copy waits for
// the check's debounce, so typing in a long list or a long JSON stays quick.

/** The builder changed: the JSON follows before the next check. */
function builderChanged() {
  state.source = "builder";
  state.loadError = null;
  state.jsonStale = false;
  state.specOk = false;
  syncCreateButton();
  scheduleCheck();
}

/** The JSON (spec or styles) was typed or read from a file: the builder follows before the next check. */
function jsonChanged() {
  state.source = "json";
  state.specOk = false;
  syncCreateButton();
  scheduleCheck();
}

function stylesChanged() {
  checkStyles();
  jsonChanged();
}

/** Copies the side that changed to the other: the builder's JSON, or the JSON into the builder. */
function syncViews() {
  const source = state.source;
  state.source = null;
  if (source === "builder") {
    const b = state.builder;
    $("#spec-input").value = JSON.stringify(b.spec(), null, 2);
    const styles = b.styles();
    $("#styles-input").value = styles ? JSON.stringify(styles, null, 2) : "";
    checkStyles();
  } else if (source === "json") {
    const text = $("#spec-input").value;
    const parsed = parseJson(text);
    state.loadError = null;
    if (!text.trim() || parsed.error) {
      state.jsonStale = true;
    } else {
      const styles = checkStyles();
      state.loadError = state.builder.load(parsed.value, styles === undefined ? null : styles);
      state.jsonStale = !!state.loadError;
    }
  }
}

function setView(view) {
  if (view === state.view) return;
  syncViews();
  if (view === "builder" && state.jsonStale) {
    // The builder holds the last JSON that was a spec: going back drops the broken edits.
    if ($("#spec-input").value.trim() && !confirm("JSON 有错误, 向导中是最后一次有效的内容。放弃 JSON 中的改动, 回到向导?\nThe JSON has an error; the builder holds the last valid content. Drop the JSON edits and go back to the builder?")) return;
    builderChanged();
    syncViews();
  }
  state.view = view;
  const expert = view === "expert";
  $("#expert-toggle").setAttribute("aria-pressed", String(expert));
  $("#builder-view").classList.toggle("hidden", expert);
  $("#expert-view").classList.toggle("hidden", !expert);
  checkSpec();
}

function exportSpec() {
  syncViews();
  const parsed = parseJson($("#spec-input").value);
  if (parsed.error) {
    showJsonError($("#spec-check"), ["选举规格", "The spec"], parsed.error, "spec-input");
    return;
  }
  const id = (parsed.value && typeof parsed.value.id === "string" && parsed.value.id) || "election";
  const url = URL.createObjectURL(new Blob([JSON.stringify(parsed.value, null, 2) + "\n"], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = `${id.replace(/[^A-Za-z0-9._-]+/g, "-")}.json`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function tellers() {
  return $("#tellers-input").value.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
}

/** The pasted teller keys, one per line, each named or refused, with duplicates marked. */
function renderTellers() {
  const out = $("#tellers-list");
  const lines = $("#tellers-input").value.split(/\r?\n/);
  const names = new Map();
  const items = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const m = TELLER_KEY.exec(line);
    let ok = false;
    if (m) {
      try { const b = atob(m[3]); ok = b.length === 33 && b.charCodeAt(0) === 1; } catch { ok = false; }
    }
    if (!ok) {
      items.push(`<li class="bad">✗ ${t(`第 ${i + 1} 行不是计票人公钥 (应形如 teller-wang+1a2b3c4d+Ab…, 由 scrutineer teller keygen 生成)`, `line ${i + 1} is not a teller public key (like teller-wang+1a2b3c4d+Ab…, from scrutineer teller keygen)`)}</li>`);
      return;
    }
    const twice = names.has(m[1]);
    names.set(m[1], true);
    items.push(twice
      ? `<li class="bad">✗ ${t(`第 ${i + 1} 行: 计票人 ${m[1]} 重复`, `line ${i + 1}: teller ${m[1]} appears twice`)}</li>`
      : `<li class="ok" data-teller="${esc(m[1])}">✓ <strong>${esc(m[1])}</strong> <span class="mono">${esc(m[2])}</span></li>`);
  });
  const n = names.size;
  const encrypted = (document.querySelector('input[name="secrecy"]:checked')?.value || "encrypted") === "encrypted";
  const summary = !items.length ? ""
    : `<p class="help ${encrypted && n < 3 ? "warn" : ""}">${t(`计票人 ${n} 名`, `${n} teller(s)`)}${encrypted && n < 3 ? ` · ${t("加密选票需至少 3 名计票人", "encrypted ballots need at least 3 tellers")}` : ""}</p>`;
  out.innerHTML = items.length ? `<ol class="tellers">${items.join("")}</ol>${summary}` : "";
}

async function createElection(ev) {
  ev.preventDefault();
  syncViews();
  const msg = $("#election-msg");
  const parsed = parseJson($("#spec-input").value);
  if (parsed.error) { showJsonError(msg, ["选举规格", "The spec"], parsed.error, "spec-input"); return; }
  const styles = checkStyles();
  if (styles === undefined) { showError(msg, { code: "bad_styles", message: "请改正选票样式 / fix the ballot styles" }); return; }
  const date = $("#election-date").value;
  if (!date) {
    showError(msg, { code: "election_date_missing", message: "请填写选举日, 用于核对选民年龄 / give the election day: the roll's age check needs it" });
    $("#election-date").focus();
    return;
  }
  const body = {
    spec: forServer(parsed.value),
    election_date: date,
    tellers: tellers(),
    signatures_required: Number($("#signatures-required").value || 0),
  };
  const mode = document.querySelector('input[name="secrecy"]:checked')?.value || "encrypted";
  if (mode === "plaintext") {
    const reason = $("#plaintext-reason").value.trim();
    if (!reason) {
      showError(msg, { code: "plaintext_reason_missing", message: "明文投票须写明原因 / plaintext ballots need a reason" });
      $("#plaintext-reason").focus();
      return;
    }
    body.secrecy = { mode: "plaintext", reason };
  } else {
    const k = Number($("#threshold").value);
    if (k) body.secrecy = { mode: "encrypted", threshold: k };
  }
  if (styles) body.styles = styles;
  const title = parsed.value.title || parsed.value.id || "";
  if (!confirm(`确定创建选举 “${title}”? 创建后规格不能修改。\nCreate the election “${title}”? The spec cannot be changed afterwards.`)) return;
  $("#create-election").disabled = true;
  try {
    await api("POST", "/api/v1/election", body);
    showOk(msg, t("选举已创建。下一步: 导入选民名单, 打印选票码, 开始投票。", "The election is created. Next: import the roll, print the slips, open voting."));
    await loadElection();
    await loadElections();
    await Promise.all([loadRollSize(), loadResults()]);
  } catch (err) {
    showProblem(msg, err);
  } finally {
    syncCreateButton();
  }
}

async function loadKinds() {
  try {
    const r = await api("GET", "/api/v1/kinds");
    state.builder.setKinds(r.kinds || []);
  } catch (err) {
    state.builder.setKinds([], err.message || String(err));
  }
}

// ---------------------------------------------------------------- roll

async function loadRollSize() {
  if (!state.election) { $("#roll-size").innerHTML = ""; return null; }
  try {
    const [d, e] = await Promise.all([api("GET", "/api/v1/desk"), api("GET", "/api/v1/election")]);
    const warnHtml = (e.roll_warnings || []).map((w) => `<li class="warn">⚠ ${bilingual(w.message)} <span class="mono">[${esc(w.code)}]</span></li>`).join("");
    $("#roll-size").innerHTML = `${t("当前名单", "Now on the roll")}: <strong>${esc(d.roll_size)}</strong> ${t("人", "voters")}${
      warnHtml ? `<ul class="spec-warnings roll-warnings">${warnHtml}</ul>` : ""}`;
    return d.roll_size;
  } catch (err) {
    showError($("#roll-size"), err);
    return null;
  }
}

async function importRoll() {
  const out = $("#roll-report");
  const file = $("#roll-file").files[0];
  if (!file) {
    showError(out, { code: "no_file", message: "请先选择 CSV 文件 / choose a CSV file first" });
    return;
  }
  const size = await loadRollSize();
  if (size && !confirm(`导入将替换现有名单 (${size} 人)。继续?\nThe import replaces the current roll (${size} voters). Continue?`)) return;
  $("#roll-import").disabled = true;
  out.innerHTML = `<p class="help">${t("导入中…", "Importing…")}</p>`;
  try {
    const r = await api("POST", "/api/v1/roll", await file.arrayBuffer(), { contentType: "text/csv; charset=utf-8" });
    // The answer's warnings (an evaluator group of one or two) stay shown under the roll's
    // size, from the election summary (loadRollSize, below).
    showOk(out, `<strong>${t(`已导入 ${r.imported} 人`, `${r.imported} imported`)}</strong> <span class="mono">${esc(file.name)}</span>`);
  } catch (err) {
    showError(out, err);
    const rows = (err.data && err.data.rows) || [];
    if (rows.length) {
      out.insertAdjacentHTML("beforeend", `<table class="refused compact">
        <thead><tr><th class="num">${t("行", "Line")}</th><th>${t("代码", "Code")}</th><th>${t("问题", "Problem")}</th></tr></thead>
        <tbody>${rows.map((r) => `<tr data-line="${esc(r.line)}"><td class="num">${esc(r.line)}</td><td class="mono">${esc(r.code)}</td><td>${esc(r.message)}</td></tr>`).join("")}</tbody>
      </table>`);
    }
  } finally {
    $("#roll-import").disabled = false;
    await loadRollSize();
  }
}

// ---------------------------------------------------------------- slips

function renderPoolStyles() {
  const sel = $("#pool-style");
  const before = sel.value;
  const e = state.election;
  sel.innerHTML = (e ? e.styles || [] : []).map((s, i) => {
    const names = s.contests.map(titleOf).join("、");
    const who = s.unit || "全体 all";
    return `<option value="${i}">${esc(`#${i} · 第${s.round}轮 R${s.round} · ${s.title && s.title !== s.unit ? s.title + " · " : ""}${who} · ${names}`)}</option>`;
  }).join("");
  if (before && sel.querySelector(`option[value="${before}"]`)) sel.value = before;
}

async function printSlips() {
  const out = $("#pool-msg");
  const style = Number($("#pool-style").value);
  if ($("#pool-style").value === "") {
    showError(out, { code: "unknown_style", message: "没有选票样式 / no ballot style" });
    return;
  }
  const countText = $("#pool-count").value.trim();
  const body = { style };
  if (countText) {
    const n = Number(countText);
    if (!Number.isInteger(n) || n < 1) {
      showError(out, { code: "bad_count", message: "张数须为正整数 / the count must be a positive whole number" });
      return;
    }
    body.count = n;
  }
  const howMany = body.count ? `${body.count} 张` : "按名单人数加备用";
  const howManyEn = body.count ? `${body.count} slips` : "roll size plus spares";
  if (!confirm(`为样式 ${style} 生成一批新的选票码 (${howMany})?\nGenerate a new batch of slips for style ${style} (${howManyEn})?`)) return;
  // Open the tab now, while the click still counts as the user's, and fill it once the sheet is here.
  const tab = window.open("", "_blank");
  $("#pool-print").disabled = true;
  out.innerHTML = `<p class="help">${t("生成中…", "Generating…")}</p>`;
  try {
    const res = await api("POST", "/api/v1/pools", body, { raw: true });
    const html = await res.text();
    if (state.slipsUrl) URL.revokeObjectURL(state.slipsUrl);
    state.slipsUrl = URL.createObjectURL(new Blob([html], { type: "text/html;charset=utf-8" }));
    const n = (html.match(/class="slip\b/g) || []).length;
    const stamp = clock(new Date());
    showOk(out, `${t("选票码已生成", "Slips generated")} (${t("样式", "style")} ${style}${n ? `, ${n} ${t("张", "slips")}` : ""}, ${esc(stamp)}).
      <a id="pool-open" href="${state.slipsUrl}" target="_blank" rel="noopener">${t("打开打印页", "Open the print sheet")}</a> ·
      <a id="pool-download" href="${state.slipsUrl}" download="slips-style${style}-${stamp.replace(/:/g, "")}.html">${t("下载", "Download")}</a>`);
    if (tab) tab.location.href = state.slipsUrl;
  } catch (err) {
    if (tab) tab.close();
    showError(out, err);
  } finally {
    $("#pool-print").disabled = false;
  }
}

// ---------------------------------------------------------------- kiosk pairing

async function newPairing() {
  const box = $("#pairing-box");
  try {
    const r = await api("POST", "/api/v1/kiosks/pairing");
    $("#pairing-msg").innerHTML = "";
    $("#pairing-code").textContent = r.code;
    box.classList.remove("hidden", "expired");
    const until = Date.now() + r.expires_in_seconds * 1000;
    const minutes = Math.round(r.expires_in_seconds / 60);
    const tick = () => {
      const left = Math.max(0, Math.round((until - Date.now()) / 1000));
      const mmss = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
      if (left === 0) {
        box.classList.add("expired");
        $("#pairing-expiry").innerHTML = t("已过期, 请重新生成", "Expired: make a new one");
        clearInterval(state.pairingTimer);
        return;
      }
      const at = clock(new Date(until));
      $("#pairing-expiry").innerHTML = t(`${minutes} 分钟内有效, 至 ${at} · 剩余 ${mmss}`, `valid ${minutes} minutes, until ${at} · ${mmss} left`);
    };
    clearInterval(state.pairingTimer);
    tick();
    state.pairingTimer = setInterval(tick, 1000);
  } catch (err) {
    showError($("#pairing-msg"), err);
  }
}

// ---------------------------------------------------------------- accounts

async function loadAccounts() {
  try {
    const r = await api("GET", "/api/v1/accounts");
    $("#accounts-list tbody").innerHTML = (r.accounts || []).map((a) => {
      const stateText = a.disabled ? t("已停用", "disabled") : a.must_change_password ? t("待改一次性密码", "one-time password") : t("正常", "active");
      const self = state.username === a.username;
      const button = self ? "" : a.disabled
        ? `<button type="button" class="secondary account-enable" data-username="${esc(a.username)}">${t("恢复", "Enable")}</button>`
        : `<button type="button" class="secondary account-disable" data-username="${esc(a.username)}">${t("停用", "Disable")}</button>`;
      return `<tr data-username="${esc(a.username)}" data-disabled="${a.disabled ? "yes" : "no"}"><td class="mono">${esc(a.username)}</td><td>${label(ROLE_LABELS[a.role], a.role)}</td><td>${stateText}</td><td>${button}</td></tr>`;
    }).join("");
  } catch (err) {
    showError($("#account-msg"), err);
  }
  await loadSessions();
}

async function setAccountDisabled(username, disable) {
  const out = $("#account-msg");
  if (disable && !confirm(`停用账号 ${username}? 其所有会话立即结束。\nDisable ${username}? All its sessions end at once.`)) return;
  try {
    const r = await api("POST", `/api/v1/accounts/${encodeURIComponent(username)}/${disable ? "disable" : "enable"}`);
    showOk(out, disable
      ? t(`已停用 ${username}, 结束了 ${r.sessions_ended} 个会话`, `${username} disabled; ${r.sessions_ended} session(s) ended`)
      : t(`已恢复 ${username}`, `${username} enabled`));
    await loadAccounts();
  } catch (err) {
    showError(out, err);
  }
}

async function loadSessions() {
  try {
    const r = await api("GET", "/api/v1/sessions");
    $("#sessions-list tbody").innerHTML = (r.sessions || []).map((x) => {
      const kiosk = x.role === "kiosk";
      const name = kiosk ? x.username.replace(/^kiosk-/, "") : x.username;
      const action = x.current ? `<span class="help">${t("本会话", "this session")}</span>`
        : kiosk ? `<button type="button" class="secondary kiosk-unpair" data-name="${esc(name)}">${t("解除配对", "Unpair")}</button>`
        : `<button type="button" class="secondary session-revoke" data-id="${esc(x.id)}">${t("结束会话", "End session")}</button>`;
      return `<tr data-session="${esc(x.id)}" data-username="${esc(x.username)}"><td class="mono">${esc(name)}</td><td>${label(ROLE_LABELS[x.role] || [x.role, x.role], x.role)}</td><td class="mono">${esc(x.client)}</td><td class="mono">${esc(localTime(x.expires ?? x.expires_utc))}</td><td>${action}</td></tr>`;
    }).join("");
  } catch (err) {
    showError($("#sessions-msg"), err);
  }
}

async function revokeSession(id) {
  try {
    const r = await api("POST", `/api/v1/sessions/${encodeURIComponent(id)}/revoke`);
    showOk($("#sessions-msg"), t(`已结束 ${r.username} 的会话`, `${r.username}'s session ended`));
  } catch (err) {
    showError($("#sessions-msg"), err);
  }
  await loadSessions();
}

async function unpairKiosk(name) {
  if (!confirm(`解除投票机 ${name} 的配对? 它将立即不能再投票, 须用新配对码重新配对。\nUnpair kiosk ${name}? It stops at once and needs a new pairing code.`)) return;
  try {
    await api("POST", `/api/v1/kiosks/${encodeURIComponent(name)}/unpair`);
    showOk($("#sessions-msg"), t(`已解除投票机 ${name} 的配对`, `kiosk ${name} unpaired`));
  } catch (err) {
    showError($("#sessions-msg"), err);
  }
  await loadSessions();
}

async function createAccount() {
  const out = $("#account-msg");
  const username = $("#account-name").value.trim();
  const role = $("#account-role").value;
  if (!username) {
    showError(out, { code: "bad_username", message: "请填写用户名 / give a user name" });
    $("#account-name").focus();
    return;
  }
  try {
    const r = await api("POST", "/api/v1/accounts", { username, role });
    showOk(out, `${t(`账号 ${username} (${ROLE_LABELS[r.role][0]}) 已创建, 一次性密码:`, `Account ${username} (${r.role}) created; one-time password:`)}
      <div id="account-password" class="one-time mono">${esc(r.password)}</div>
      <strong>${t("密码只显示这一次, 请现在交给本人", "The password is shown this once: hand it over now")}</strong>`);
    $("#account-name").value = "";
    await loadAccounts();
  } catch (err) {
    showError(out, err);
  }
}

async function changePassword(ev) {
  ev.preventDefault();
  const out = $("#password-msg");
  try {
    const r = await api("POST", "/api/v1/password", { old: $("#password-old").value, new: $("#password-new").value });
    $("#password-old").value = "";
    $("#password-new").value = "";
    showOk(out, t(`密码已修改; 结束了本账号的其他 ${r.other_sessions_ended} 个会话`, `Password changed; ${r.other_sessions_ended} other session(s) of this account ended`));
    await loadSessions();
  } catch (err) {
    showError(out, err);
  }
}

// ---------------------------------------------------------------- results

async function loadResults(force = false) {
  if (!state.election) { $("#results-list").innerHTML = ""; return; }
  let list;
  try {
    list = (await api("GET", "/api/v1/results")).results || [];
  } catch (err) {
    if (err.status === 401) signedOut();
    else showError($("#results-msg"), err);
    return;
  }
  const json = JSON.stringify(list);
  if (!force && json === state.resultsJson) return;
  state.resultsJson = json;
  if (!list.length) {
    $("#results-list").innerHTML = `<p class="help">${t("尚无计票结果: 计票人结束投票并计票后在此出现。", "No results yet: they appear here once the tellers close and count.")}</p>`;
    return;
  }
  // Who was elected, from each signed result (few results: one request each).
  const details = await Promise.all(list.map((r) => api("GET", `/api/v1/results/${r.index}`).catch(() => null)));
  $("#results-list").innerHTML = `<table class="results">
    <thead><tr><th class="num">${t("结果", "Result")}</th><th>${t("选举项目与当选", "Contests and elected")}</th>
      <th>${t("计票人签名", "Teller signatures")}</th><th>${t("状态", "State")}</th><th></th></tr></thead>
    <tbody>${list.map((r, i) => resultRow(r, details[i])).join("")}</tbody></table>`;
}

function resultRow(r, detail) {
  const doc = detail && detail.result;
  const contests = (doc && doc.contests) || r.contests.map((id) => ({ id, title: titleOf(id) }));
  const lines = contests.map((c) => {
    let elected = "";
    if (c.elected) {
      const names = c.elected.map((id) => {
        if (id.startsWith("write-in:")) return id.slice(9);
        const cand = (c.candidates || []).find((x) => x.id === id);
        return cand ? cand.name : id;
      });
      const why = (c.problems || []).map((p) => p.code).join(", ");
      const revoted = (state.election?.contests || []).some((x) => x.id === `${c.id}-v1` || (x.id.startsWith(`${c.id}-v`) && /-v\d+$/.test(x.id)));
      const revote = c.valid === false && !revoted
        ? (r.published
          ? ` <button type="button" class="revote" data-contest="${esc(c.id)}">${t("重新投票", "Re-vote")}</button>`
          : ` <span class="help">${t("先公布本轮无效的结果, 再重新投票", "publish this invalid result first, then re-vote")}</span>`)
        : "";
      elected = c.valid === false
        ? ` <span class="bad">${t("本轮无效, 须重新投票", "round invalid: it must be re-voted")}</span>${why ? ` <span class="mono err-code">[${esc(why)}]</span>` : ""}${revote}`
        : ` · ${t("当选", "elected")}: ${names.length ? esc(names.join("、")) : t("无", "none")}`;
      const now = (state.election?.contests || []).find((x) => x.id === c.id) || {};
      if (now.seats_reduced_by > 0) {
        elected += ` · <span class="warn">${t(`经大会决定减少名额 ${now.seats_reduced_by} 名, 不再选举`, `seats reduced by ${now.seats_reduced_by} by decision of the meeting; no new round`)}</span>`;
      } else if (c.runoff || (c.unfilled_seats > 0 && now.reducible)) {
        if (c.runoff) elected += ` · <span class="warn">${t("需另行选举", "runoff needed")}</span>`;
        if (r.published && now.reducible) {
          elected += ` <button type="button" class="reduce-seats" data-contest="${esc(c.id)}" data-unfilled="${esc(c.unfilled_seats)}">${t("减少名额 (大会决定)", "Reduce seats (meeting's decision)")}</button>`;
        }
      }
    }
    return `<div><strong>${esc(c.title || c.id)}</strong>${elected}</div>`;
  }).join("");
  const enough = r.signatures >= r.required;
  const sigs = `<span class="${enough ? "ok" : "warn"}">${esc(r.signatures)} / ${esc(r.required)}</span>`;
  const status = r.published
    ? `<span class="badge open">${t("已公布", "published")}</span>`
    : `<span class="badge draft">${t("未公布", "not published")}</span>`;
  const links = [
    r.published ? `<a href="/board/${esc(r.index)}" target="_blank" rel="noopener">${t("张榜公布页", "Board page")}</a>` : "",
    `<a href="/api/v1/results/${esc(r.index)}/csv" download>CSV</a>`,
    `<a href="/api/v1/results/${esc(r.index)}/xlsx" download>XLSX</a>`,
  ].filter(Boolean).join(" · ");
  const publish = r.published ? "" : `<button type="button" class="publish" data-index="${esc(r.index)}">${t("公布", "Publish")}</button>`;
  return `<tr class="result" data-index="${esc(r.index)}" data-published="${r.published}">
    <td class="num">${t("结果", "Result")} ${esc(r.number ?? r.index)} <span class="sub">(${t("日志第", "entry")} ${esc(r.index)}${t(" 条", "")})</span></td><td>${lines}</td><td class="sigs">${sigs}${enough ? "" : ` <span class="help">${t("签名不足", "not enough")}</span>`}</td>
    <td>${status}</td><td class="action">${publish}<div class="links">${links}</div></td></tr>`;
}

/** A re-vote of a contest whose posted result declared the round invalid (same list, new round). */
async function revote(contest) {
  const out = $("#results-msg");
  clearMessage(out);
  const reason = prompt(`“${titleOf(contest)}” 本轮无效, 以同一名单重新投票。请写明原因 (记入日志, 公示页上显示):\nThe round of “${titleOf(contest)}” is invalid: re-vote it with the same list. The reason (logged, shown on the board):`,
    "到会人数未超过应到会人数的五分之四, 本轮无效, 重新投票");
  if (reason === null) return;
  try {
    const r = await api("POST", `/api/v1/contests/${encodeURIComponent(contest)}/revote`, { reason });
    showOk(out, t(`已安排重新投票 “${r.contest.title}”: 请为它的新选票样式 (投过该项目的每个选举单位各一个) 打印选票码, 开始投票; 签到处按新的轮次签到。`,
      `Re-vote “${r.contest.title}” created: print the slips of its new ballot style(s) (one for each unit that voted the contest), open it; the desk checks voters in for the new round.`));
  } catch (err) {
    showError(out, err);
  }
  await Promise.all([loadResults(true), loadElection()]);
}

/** The contest whose seats the open #reduce-dialog reduces: {contest, unfilled}. */
let reducing = null;

/** #reduce-command: the teller's `scrutineer teller attest` with the contest and the decision. */
function renderReduceCommand() {
  if (!reducing) return;
  const what = { contest: reducing.contest, basis: $("#reduce-basis").value };
  $("#reduce-command").innerHTML = t(attestCommand(what, "计票人密钥.key", state.election), attestCommand(what, "teller.key", state.election));
}

/**
 * The meeting's recorded decision to reduce a party contest's seats instead of a new round,
 * typed in #reduce-dialog with a registered teller's signature of it (pasted).
 */
function reduceSeats(contest, unfilled) {
  clearMessage($("#results-msg"));
  clearMessage($("#reduce-msg"));
  reducing = { contest, unfilled: Number(unfilled) };
  const c = (state.election?.contests || []).find((x) => x.id === contest);
  const seats = c ? c.seats : null;
  $("#reduce-title").innerHTML = t(`减少“${titleOf(contest)}”的名额?`, `Reduce the seats of “${titleOf(contest)}”?`);
  $("#reduce-text").innerHTML = `<p>${t(`“${titleOf(contest)}” 未选足 ${unfilled} 名。大会决定减少名额 ${unfilled} 名${seats != null ? ` (应选 ${seats} 名, 减少后为 ${seats - unfilled} 名)` : ""}, 不再另行选举; 已准备的另行选举将撤销。记入日志后不能撤回。`,
    `“${titleOf(contest)}” has ${unfilled} seat(s) unfilled. The meeting reduces the seats by ${unfilled}${seats != null ? ` (from ${seats} to ${seats - unfilled})` : ""}, with no new round; a prepared runoff is withdrawn. Once logged it cannot be withdrawn.`)}</p>`;
  $("#reduce-basis").value = `经大会表决, 减少名额 ${unfilled} 名, 不再选举`;
  $("#reduce-attested").value = "";
  // An election begun under an older protocol takes no signature (its log refuses one).
  const p = state.election?.protocol ?? 8;
  $("#reduce-signature").hidden = p < 8 || (p >= 9 && !(state.election?.tellers || []).length);
  renderReduceCommand();
  $("#reduce-dialog").showModal();
  $("#reduce-basis").focus();
}

/** #reduce-ok: the decision and the pasted signature sent; a refusal stays in the dialog. */
async function submitReduction() {
  const out = $("#reduce-msg");
  clearMessage(out);
  const r = reducing;
  if (!r) return;
  const basis = rustTrim($("#reduce-basis").value);
  let attested;
  try {
    attested = parseAttested($("#reduce-attested").value);
  } catch (err) {
    showError(out, err);
    return;
  }
  try {
    await api("POST", `/api/v1/contests/${encodeURIComponent(r.contest)}/reduce-seats`, attested ? { basis, attested } : { basis });
  } catch (err) {
    if (err.status === 401) { $("#reduce-dialog").close(); signedOut(); return; }
    showError(out, err);
    return;
  }
  reducing = null;
  $("#reduce-dialog").close();
  const by = attested ? (state.election?.tellers || [])[attested.teller - 1] : "";
  showOk($("#results-msg"), t(`已记录减少名额的决定: “${titleOf(r.contest)}” 减少 ${r.unfilled} 名, 不再选举${attested ? `; 第 ${attested.teller} 号计票人${by ? ` ${by} ` : ""}已签名` : ""}。`,
    `Seat reduction recorded: “${titleOf(r.contest)}” less ${r.unfilled}; no new round${attested ? `; signed by teller ${attested.teller}${by ? ` (${by})` : ""}` : ""}.`));
  await Promise.all([loadResults(true), loadElection()]);
}

async function publish(index) {
  clearMessage($("#results-msg"));
  if (!confirm(`确定公布第 ${index} 条计票结果? 公布后不能撤回。\nPublish result ${index}? This cannot be undone.`)) return;
  const out = $("#results-msg");
  try {
    const r = await api("POST", `/api/v1/results/${index}/publish`);
    const runoffs = (r.runoffs || []).length
      ? ` ${t(`已创建另行选举: ${r.runoffs.join("、")}`, `runoffs created: ${r.runoffs.join(", ")}`)}` : "";
    showOk(out, `${t(`第 ${index} 条结果已公布`, `Result ${index} published`)}.${runoffs} <a href="/board/${esc(index)}" target="_blank" rel="noopener">${t("打印张榜公布页", "Print the board page")}</a>`);
  } catch (err) {
    showError(out, err);
  }
  await Promise.all([loadResults(true), loadElection()]);
}

// ---------------------------------------------------------------- several elections

async function loadElections() {
  let list;
  try {
    list = await api("GET", "/api/v1/elections");
  } catch (err) {
    showError($("#elections-msg"), err);
    return;
  }
  const cur = list.current
    ? `<li class="current" data-id="${esc(list.current.id)}"><strong>${esc(list.current.title || list.current.id)}</strong> <span class="mono">${esc(list.current.id)}</span> · ${t("当前", "current")}</li>`
    : `<li class="none">${t("当前没有选举: 可以在上面新建。", "No current election: create one above.")}</li>`;
  const arch = (list.archived || []).map((a) => {
    const boards = (a.results || []).map((r) => `<a href="/elections/${encodeURIComponent(a.id)}/board/${esc(r.index)}" target="_blank" rel="noopener">${t(`结果 ${r.number} 公示页`, `result ${r.number} board`)}</a>`).join(" · ");
    return `<li class="archived" data-id="${esc(a.id)}"><strong>${esc(a.title || a.id)}</strong> <span class="mono">${esc(a.id)}</span> · ${t("已归档", "archived")} ${esc(String(a.archived_at || "").slice(0, 10))}
      · <a href="/api/v1/elections/${encodeURIComponent(a.id)}/export" download>${t("导出 (供核验)", "export (to verify)")}</a>${boards ? ` · ${boards}` : ""}</li>`;
  }).join("");
  $("#elections-list").innerHTML = `<ul class="elections">${cur}${arch}</ul>`;
  $("#election-archive").classList.toggle("hidden", !list.current);
}

async function archiveElection() {
  const out = $("#elections-msg");
  clearMessage(out);
  const e = state.election;
  if (!e) return;
  if (!confirm(`归档选举 “${e.title || e.id}”? 归档后它只读 (仍可核验、打印公示页), 本服务可以新建下一个选举。名单和签到记录会清除。\nArchive “${e.title || e.id}”? It becomes read-only (still verifiable, boards printable) and the service can take the next election. The roll and check-ins are cleared.`)) return;
  try {
    const meta = await api("POST", "/api/v1/election/archive");
    showOk(out, t(`已归档 “${meta.title || meta.id}”。现在可以新建选举。`, `“${meta.title || meta.id}” is archived. A new election can be created now.`));
  } catch (err) {
    showError(out, err);
  }
  await loadElection();
  await Promise.all([loadElections(), loadResults(true), loadRollSize()]);
}

// ---------------------------------------------------------------- start

function wire() {
  state.builder = createBuilder($("#builder"), { onChange: builderChanged, electionDate: () => $("#election-date").value });
  builderChanged();
  syncViews();
  loadKinds();
  $("#expert-toggle").addEventListener("click", () => setView(state.view === "expert" ? "builder" : "expert"));
  $("#spec-export").addEventListener("click", exportSpec);
  $("#spec-input").addEventListener("input", jsonChanged);
  $("#spec-file").addEventListener("change", async () => {
    const f = $("#spec-file").files[0];
    if (!f) return;
    $("#spec-input").value = await f.text();
    $("#spec-file").value = "";
    jsonChanged();
    syncViews();
    if (state.jsonStale) setView("expert");
    checkSpec();
  });
  $("#styles-input").addEventListener("input", stylesChanged);
  $("#create-form").addEventListener("click", (ev) => {
    const b = ev.target.closest("button.json-locate");
    if (b) locateJsonError(b);
  });
  $("#election-msg").addEventListener("click", (ev) => {
    const b = ev.target.closest("button.json-locate");
    if (b) locateJsonError(b);
  });
  $("#election-date").addEventListener("input", () => {
    // The automatic election id may be made from the date.
    state.builder.refresh();
    if (state.view === "builder" && !state.jsonStale && state.source !== "json") builderChanged();
  });
  $("#tellers-input").addEventListener("input", () => {
    const s = $("#signatures-required");
    if (!s.dataset.touched) s.value = String(tellers().length);
    renderTellers();
  });
  for (const r of document.querySelectorAll('input[name="secrecy"]')) r.addEventListener("change", renderTellers);
  $("#signatures-required").addEventListener("input", (ev) => { ev.target.dataset.touched = "1"; });
  $("#create-form").addEventListener("submit", createElection);
  $("#election-summary").addEventListener("click", (ev) => {
    const b = ev.target.closest("button.open[data-contest]");
    if (b) openContest(b.dataset.contest);
  });
  $("#roll-import").addEventListener("click", importRoll);
  $("#pool-print").addEventListener("click", printSlips);
  $("#pairing").addEventListener("click", newPairing);
  $("#account-create").addEventListener("click", createAccount);
  $("#accounts-list").addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-username]");
    if (b) setAccountDisabled(b.dataset.username, b.classList.contains("account-disable"));
  });
  $("#sessions-refresh").addEventListener("click", loadSessions);
  $("#sessions-list").addEventListener("click", (ev) => {
    const revoke = ev.target.closest("button.session-revoke");
    if (revoke) revokeSession(revoke.dataset.id);
    const unpair = ev.target.closest("button.kiosk-unpair");
    if (unpair) unpairKiosk(unpair.dataset.name);
  });
  $("#account-name").addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); createAccount(); } });
  $("#results-refresh").addEventListener("click", () => Promise.all([loadResults(true), loadElection()]));
  $("#results-list").addEventListener("click", (ev) => {
    const b = ev.target.closest("button.publish[data-index]");
    if (b) publish(Number(b.dataset.index));
    const rv = ev.target.closest("button.revote[data-contest]");
    if (rv) revote(rv.dataset.contest);
    const rs = ev.target.closest("button.reduce-seats[data-contest]");
    if (rs) reduceSeats(rs.dataset.contest, rs.dataset.unfilled);
  });
  $("#election-archive").addEventListener("click", archiveElection);
  $("#reduce-basis").addEventListener("input", renderReduceCommand);
  $("#reduce-attested").addEventListener("input", () => clearMessage($("#reduce-msg")));
  $("#reduce-ok").addEventListener("click", submitReduction);
  $("#reduce-cancel").addEventListener("click", () => { reducing = null; $("#reduce-dialog").close(); });
  $("#reduce-dialog").addEventListener("cancel", () => { reducing = null; });
  initProcedures(() => Promise.all([loadElection(), loadResults(true)]));
  initCorrections({
    election: () => state.election,
    me: () => ({ username: state.username, role: "organiser" }),
    // The card's own action runner: shows the error with its code, then draws the card again.
    act: async (el, fn) => {
      try {
        await fn();
      } catch (err) {
        showError(el, err);
      }
      await loadElection();
      await refreshCorrections();
    },
  });
  $("#password-form").addEventListener("submit", changePassword);
  $("#logout").addEventListener("click", async () => {
    await logout();
    location.reload();
  });
}

/** The corrections card (js/corrections.js), drawn again; quiet when there is no election. */
async function refreshCorrections() {
  if (!state.election) {
    $("#corrections-card").classList.add("hidden");
    return;
  }
  try {
    await renderCorrections();
  } catch (err) {
    if (err.status === 401) signedOut();
  }
}

async function start(session) {
  await hallZone();
  if (session.role !== "organiser") {
    await logout();
    showLogin(`<div class="notice bad">${t("此页面供组织者使用, 请用组织者账号登录", "This page is for the organiser: sign in with the organiser account")}</div>`);
    return;
  }
  $("#login").innerHTML = "";
  $("#app").classList.remove("hidden");
  state.username = session.username;
  $("#who").textContent = session.username;
  $("#who").classList.remove("hidden");
  $("#logout").classList.remove("hidden");
  syncCreateButton();
  checkSpec();
  await loadElection();
  await Promise.all([loadRollSize(), loadAccounts(), loadResults(), loadElections(), loadProcedures(), refreshCorrections()]);
  clearInterval(state.refreshTimer);
  state.refreshTimer = setInterval(() => { loadElection(); loadResults(); loadProcedures(); refreshCorrections(); }, REFRESH_EVERY_MS);
}

function showLogin(extra = "") {
  $("#app").classList.add("hidden");
  loginForm($("#login"), t("组织者登录", "Organiser sign-in"), start);
  if (extra) $("#login").insertAdjacentHTML("afterbegin", extra);
  const u = $("#login input[name=username]");
  if (u) u.focus();
}

languageSwitch($("#lang"));
wire();
restoreSession().then((s) => (s ? start(s) : showLogin()));

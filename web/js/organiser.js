// The organiser's page: create the election (with the 差额 surplus check as you type), see
// its contests and open them, import the roll, print slips, pair kiosks, create staff
// accounts, and publish signed results.

import { esc, t, api, restoreSession, logout, showError, showOk, languageSwitch, loginForm } from "./common.js";

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
  return date.toLocaleTimeString("zh-CN", { hour12: false });
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
  return `<div class="meta secrecy pending notice">${t("加密选票", "Encrypted ballots")} (${k}) ·
    ${t(`密钥仪式进行中 (第 ${c.attempt} 轮尝试): 第一轮 ${c.round1}/${sec.tellers}, 份额 ${c.shares}/${sec.tellers}, 核对 ${c.checks}/${sec.tellers}。计票人各自运行 scrutineer teller run 并在计票人页面提交; 完成前不能打印选票码或开始投票。`,
      `key ceremony in progress (attempt ${c.attempt}): round 1 ${c.round1}/${sec.tellers}, shares ${c.shares}/${sec.tellers}, checks ${c.checks}/${sec.tellers}. Each teller runs scrutineer teller run and submits on the teller page; slips and voting wait for it.`)}</div>`;
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
    const action = c.state === "draft"
      ? `<button type="button" class="open" data-contest="${esc(c.id)}">${t("开始投票", "Open voting")}</button>`
      : "";
    const parent = c.parent ? `<div class="sub">${t(`另行选举, 上一轮: ${titleOf(c.parent)}`, `runoff of ${titleOf(c.parent)}`)}</div>` : "";
    return `<tr class="contest" data-id="${esc(c.id)}" data-state="${esc(c.state)}">
      <td><strong class="title">${esc(c.title || c.id)}</strong> <span class="mono id">${esc(c.id)}</span>${parent}</td>
      <td class="kind">${esc(c.kind_label || c.kind)} <span class="mono">${esc(c.kind)}</span></td>
      <td class="num seats">${esc(c.seats)}</td>
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
      <tbody>${rows}</tbody>
    </table>
    <h3>${t("选票样式", "Ballot styles")}</h3>
    <table class="styles compact">
      <thead><tr><th class="num">#</th><th class="num">${t("轮次", "Round")}</th><th>${t("选区", "Unit")}</th><th>${t("名称", "Title")}</th><th>${t("选举项目", "Contests")}</th></tr></thead>
      <tbody>${styles}</tbody>
    </table>`;
  renderPoolStyles();
}

async function openContest(id) {
  if (!confirm(`确定开始投票? / Open voting?\n\n${titleOf(id)} (${id})`)) return;
  try {
    await api("POST", `/api/v1/contests/${encodeURIComponent(id)}/open`);
    showOk($("#election-msg"), t(`“${titleOf(id)}” 已开始投票`, `Voting is open for “${titleOf(id)}”`));
  } catch (err) {
    showError($("#election-msg"), err);
  }
  await loadElection();
}

// ---------------------------------------------------------------- creating the election

function parseJson(text) {
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return { error: e.message };
  }
}

function scheduleCheck() {
  clearTimeout(state.checkTimer);
  state.checkTimer = setTimeout(checkSpec, CHECK_DELAY_MS);
}

/** The 差额 check: the stateless tally endpoint counts the spec with no ballots. */
async function checkSpec() {
  clearTimeout(state.checkTimer);
  const el = $("#spec-check");
  const text = $("#spec-input").value.trim();
  const seq = ++state.checkSeq;
  state.specOk = false;
  syncCreateButton();
  if (!text) {
    el.innerHTML = `<p class="help">${t("粘贴选举规格, 或从文件读取", "Paste the election spec, or read it from a file")}</p>`;
    return;
  }
  const parsed = parseJson(text);
  if (parsed.error) {
    showError(el, { code: "bad_json", message: `JSON 格式错误 / not valid JSON: ${parsed.error}` });
    return;
  }
  el.innerHTML = `<p class="help">${t("检查中…", "Checking…")}</p>`;
  try {
    const doc = await api("POST", "/api/v1/tally", { spec: parsed.value, ballots: "" });
    if (seq !== state.checkSeq) return;
    state.specOk = true;
    const contests = (doc.contests || []).map((c) => {
      const n = (c.candidates || c.subjects || []).length;
      return `<li><strong>${esc(c.title || c.id)}</strong> <span class="mono">${esc(c.kind)}</span> · ${t(`应选 ${c.seats} 名, 候选人 ${n} 名`, `${c.seats} seats, ${n} candidates`)}</li>`;
    }).join("");
    const warnings = [];
    for (const c of doc.contests || []) {
      for (const w of c.warnings || []) {
        if (w.code.startsWith("override_")) warnings.push({ where: c.title || c.id, ...w });
      }
    }
    for (const w of doc.warnings || []) warnings.push({ where: "", ...w });
    const warnHtml = warnings.map((w) => `<li class="warn">⚠ ${w.where ? `<strong>${esc(w.where)}</strong>: ` : ""}${esc(w.message)} <span class="mono">[${esc(w.code)}]</span></li>`).join("");
    showOk(el, `<strong>✓ ${t("候选人名单符合差额规定", "lists meet their surplus rules")}</strong>`);
    el.insertAdjacentHTML("beforeend", `<ul class="spec-contests">${contests}</ul>${warnHtml ? `<ul class="spec-warnings">${warnHtml}</ul>` : ""}`);
  } catch (err) {
    if (seq !== state.checkSeq) return;
    showError(el, err);
  }
  syncCreateButton();
}

function checkStyles() {
  const el = $("#styles-check");
  const text = $("#styles-input").value.trim();
  if (!text) { el.innerHTML = ""; return true; }
  const parsed = parseJson(text);
  if (parsed.error) {
    showError(el, { code: "bad_json", message: `选票样式 JSON 格式错误 / styles are not valid JSON: ${parsed.error}` });
    return false;
  }
  if (!Array.isArray(parsed.value)) {
    showError(el, { code: "bad_styles", message: "选票样式须为数组 / styles must be an array" });
    return false;
  }
  el.innerHTML = `<p class="help ok">✓ ${t(`${parsed.value.length} 种选票样式`, `${parsed.value.length} ballot style(s)`)}</p>`;
  return true;
}

function syncCreateButton() {
  $("#create-election").disabled = !state.specOk;
}

function tellers() {
  return $("#tellers-input").value.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
}

async function createElection(ev) {
  ev.preventDefault();
  const msg = $("#election-msg");
  const parsed = parseJson($("#spec-input").value);
  if (parsed.error) { showError(msg, { code: "bad_json", message: `选举规格 JSON 格式错误 / the spec is not valid JSON: ${parsed.error}` }); return; }
  if (!checkStyles()) { showError(msg, { code: "bad_styles", message: "请改正选票样式 / fix the ballot styles" }); return; }
  const date = $("#election-date").value;
  if (!date) {
    showError(msg, { code: "election_date_missing", message: "请填写选举日, 用于核对选民年龄 / give the election day: the roll's age check needs it" });
    $("#election-date").focus();
    return;
  }
  const body = {
    spec: parsed.value,
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
  const styles = $("#styles-input").value.trim();
  if (styles) body.styles = JSON.parse(styles);
  const title = parsed.value.title || parsed.value.id || "";
  if (!confirm(`确定创建选举 “${title}”? 创建后规格不能修改。\nCreate the election “${title}”? The spec cannot be changed afterwards.`)) return;
  $("#create-election").disabled = true;
  try {
    await api("POST", "/api/v1/election", body);
    showOk(msg, t("选举已创建。下一步: 导入选民名单, 打印选票码, 开始投票。", "The election is created. Next: import the roll, print the slips, open voting."));
    await loadElection();
    await Promise.all([loadRollSize(), loadResults()]);
  } catch (err) {
    showError(msg, err);
  } finally {
    syncCreateButton();
  }
}

// ---------------------------------------------------------------- roll

async function loadRollSize() {
  if (!state.election) { $("#roll-size").innerHTML = ""; return null; }
  try {
    const d = await api("GET", "/api/v1/desk");
    $("#roll-size").innerHTML = `${t("当前名单", "Now on the roll")}: <strong>${esc(d.roll_size)}</strong> ${t("人", "voters")}`;
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
      return `<tr data-session="${esc(x.id)}" data-username="${esc(x.username)}"><td class="mono">${esc(name)}</td><td>${label(ROLE_LABELS[x.role] || [x.role, x.role], x.role)}</td><td class="mono">${esc(x.client)}</td><td class="mono">${esc(x.expires_utc)}</td><td>${action}</td></tr>`;
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
    <thead><tr><th class="num">${t("条目", "Entry")}</th><th>${t("选举项目与当选", "Contests and elected")}</th>
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
      elected = c.valid === false
        ? ` <span class="bad">${t("本轮无效", "round invalid")}</span>${why ? ` <span class="mono">[${esc(why)}]</span>` : ""}`
        : ` · ${t("当选", "elected")}: ${names.length ? esc(names.join("、")) : t("无", "none")}`;
      if (c.runoff) elected += ` · <span class="warn">${t("需另行选举", "runoff needed")}</span>`;
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
    <td class="num">${esc(r.index)}</td><td>${lines}</td><td class="sigs">${sigs}${enough ? "" : ` <span class="help">${t("签名不足", "not enough")}</span>`}</td>
    <td>${status}</td><td class="action">${publish}<div class="links">${links}</div></td></tr>`;
}

async function publish(index) {
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

// ---------------------------------------------------------------- start

function wire() {
  $("#spec-input").addEventListener("input", () => { state.specOk = false; syncCreateButton(); scheduleCheck(); });
  $("#spec-file").addEventListener("change", async () => {
    const f = $("#spec-file").files[0];
    if (!f) return;
    $("#spec-input").value = await f.text();
    checkSpec();
  });
  $("#styles-input").addEventListener("input", checkStyles);
  $("#tellers-input").addEventListener("input", () => {
    const s = $("#signatures-required");
    if (!s.dataset.touched) s.value = String(tellers().length);
  });
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
  });
  $("#password-form").addEventListener("submit", changePassword);
  $("#logout").addEventListener("click", async () => {
    await logout();
    location.reload();
  });
}

async function start(session) {
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
  await Promise.all([loadRollSize(), loadAccounts(), loadResults()]);
  clearInterval(state.refreshTimer);
  state.refreshTimer = setInterval(() => { loadElection(); loadResults(); }, REFRESH_EVERY_MS);
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

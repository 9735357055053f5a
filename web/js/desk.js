// The registrar desk (签到台): find a voter by name, pinyin initials or number, check them in
// (with proxies where the law allows: the field shows only when a contest of the round's
// ballot styles is of a kind that takes proxies, per GET /api/v1/kinds), and watch present /
// slips / quorum per contest (the quorum in words, its formula on hover). Times are the
// hall's (GET /healthz). Keyboard first: type, Enter checks in the single (or selected)
// match, Esc clears. Once a contest is closed and until it is counted, the corrections card
// (js/corrections.js) lets the registrar propose a correction of the desk's figures or
// approve one a person of another role proposed.

import {
  esc, t, bi, api, restoreSession, logout, showError, languageSwitch, loginForm,
  errorCode, clearMessage, localTime, hallZone,
} from "./common.js";
import { initCorrections, renderCorrections } from "./corrections.js";

const $ = (sel) => document.querySelector(sel);
const SEARCH_DELAY_MS = 200;
const COUNTS_EVERY_MS = 5000;
const PRINCIPALS_MAX = 3;

const state = {
  voters: [],       // the rows now shown
  selected: -1,     // index in voters chosen with the arrow keys
  seq: 0,           // search sequence, to drop stale answers
  pending: null,    // the promise of the search in flight
  timer: null,
  countsTimer: null,
  titles: {},       // contest id -> title
  contestKinds: {}, // contest id -> kind id
  styles: [],       // the election's ballot styles ({round, contests, ...})
  kinds: null,      // kind id -> {proxies, quorum} from GET /api/v1/kinds; null until known
  busy: false,      // a check-in is in flight
  rounds: [1],      // the rounds the election's ballot styles have
  election: null,   // GET /api/v1/election (the corrections card reads its contests' states)
  session: null,    // the signed-in user
};

/** The round checked in: 1 unless a runoff round is chosen. */
const round = () => Number($("#checkin-round").value || 1);

/** The hall's clock time hh:mm of a Unix time in seconds. */
const hhmm = (secs) => localTime(secs, { date: false });

function deskMessage(kind, html) {
  const el = $("#desk-msg");
  el.className = `desk-msg ${kind}`;
  el.innerHTML = html;
}

/** Clears the answer of the last action (every action starts with this). */
function clearDeskMessage() {
  const el = $("#desk-msg");
  el.className = "desk-msg";
  clearMessage(el);
}

function deskError(err) {
  if (err.status === 401) { signedOut(); return; }
  deskMessage("bad", `<div role="alert">${bi(err.message || err)}${errorCode(err.code || "error")}</div>`);
}

// ---------------------------------------------------------------- search

function renderResults() {
  const list = $("#results");
  const q = $("#search").value.trim();
  if (!q) {
    list.innerHTML = "";
    return;
  }
  if (state.voters.length === 0) {
    list.innerHTML = `<li class="empty">${t("名单上没有匹配的选民", "Nobody on the roll matches")} “${esc(q)}”</li>`;
    return;
  }
  list.innerHTML = state.voters.map((v, i) => {
    // The roll answers round 1's check-in; a later round always offers the button.
    const done = v.checked_in_at != null && round() === 1;
    const earlier = v.checked_in_at != null && round() > 1
      ? `<span class="earlier">${t(`第 1 轮 ${hhmm(v.checked_in_at)}`, `round 1 ${hhmm(v.checked_in_at)}`)}</span> ` : "";
    const action = done
      ? `<span class="done">${t("已签到", "Checked in")} ${esc(hhmm(v.checked_in_at))}</span>`
      : `${earlier}<button type="button" class="checkin" data-number="${esc(v.number)}" tabindex="-1">${t("签到", "Check in")}</button>`;
    return `<li class="voter${done ? " is-done" : ""}${i === state.selected ? " selected" : ""}" data-number="${esc(v.number)}" aria-selected="${i === state.selected}">
      <span class="name">${esc(v.name)}</span>
      <span class="number mono">${esc(v.number)}</span>
      <span class="unit">${esc(v.unit)}</span>
      <span class="action">${action}</span>
    </li>`;
  }).join("");
  if (state.voters.length === 50) {
    list.insertAdjacentHTML("beforeend", `<li class="empty">${t("只显示前 50 个匹配, 请输入更多", "First 50 matches only: type more")}</li>`);
  }
}

/** Searches now; resolves when the list shows the answer for the current text. */
function searchNow() {
  clearTimeout(state.timer);
  state.timer = null;
  const q = $("#search").value.trim();
  const seq = ++state.seq;
  if (!q) {
    state.voters = [];
    state.selected = -1;
    renderResults();
    state.pending = Promise.resolve();
    return state.pending;
  }
  state.pending = api("GET", `/api/v1/roll?q=${encodeURIComponent(q)}`)
    .then((r) => {
      if (seq !== state.seq) return;
      state.voters = r.voters || [];
      state.selected = state.voters.length === 1 ? 0 : -1;
      renderResults();
    })
    .catch((err) => {
      if (seq !== state.seq) return;
      deskError(err);
    });
  return state.pending;
}

function searchSoon() {
  clearTimeout(state.timer);
  state.timer = setTimeout(searchNow, SEARCH_DELAY_MS);
}

// ---------------------------------------------------------------- check-in

function principals() {
  if (!proxiesAllowed()) return [];
  return $("#proxy-principals").value.split(/[\s,，、;；]+/).map((s) => s.trim()).filter(Boolean);
}

async function checkIn(number) {
  if (state.busy) return;
  clearDeskMessage();
  const ps = principals();
  if (ps.length > PRINCIPALS_MAX) {
    deskError({ code: "too_many_principals", message: `每人接受委托不得超过 ${PRINCIPALS_MAX} 人 / at most ${PRINCIPALS_MAX} principals per proxy` });
    return;
  }
  const body = { number };
  if (ps.length) body.principals = ps;
  if (round() > 1) body.round = round();
  state.busy = true;
  document.body.classList.add("busy");
  try {
    const r = await api("POST", "/api/v1/checkins", body);
    const n = r.slips;
    const proxyNote = ps.length
      ? `<div class="sub">${t(`含委托人 ${ps.join("、")}`, `including principals ${ps.join(", ")}`)}</div>` : "";
    deskMessage("ok", `<div role="status">
      <div class="who-line"><strong>${esc(r.name)}</strong> <span class="mono">${esc(number)}</span> · ${esc(r.unit)}</div>
      <div class="headline">${t(`已签到, 发给 ${n} 张选票码`, `Checked in: hand out ${n} slip${n === 1 ? "" : "s"}`)}</div>
      ${body.round ? `<div class="sub">${t(`第 ${body.round} 轮`, `round ${body.round}`)}</div>` : ""}
      ${proxyNote}</div>`);
    $("#proxy-principals").value = "";
  } catch (err) {
    deskError(err);
  } finally {
    state.busy = false;
    document.body.classList.remove("busy");
  }
  await Promise.all([searchNow(), refreshCounts()]);
  const s = $("#search");
  s.focus();
  s.select();
}

/** Enter: the selected match, else the single match, else an exact number match. */
async function enter() {
  clearDeskMessage();
  if (state.timer || !state.pending) await searchNow();
  else await state.pending;
  const q = $("#search").value.trim().toLowerCase();
  if (!q) return;
  let v = state.voters[state.selected];
  if (!v && state.voters.length === 1) v = state.voters[0];
  if (!v) v = state.voters.find((x) => x.number.toLowerCase() === q);
  if (!v) {
    if (state.voters.length > 1) {
      deskMessage("info", t(`有 ${state.voters.length} 个匹配: 请用 ↑↓ 选择或输入更多`, `${state.voters.length} matches: pick one with ↑↓ or type more`));
    }
    return;
  }
  // Already checked in: still ask the server, whose refusal names the time and desk of the first.
  await checkIn(v.number);
}

function move(delta) {
  if (!state.voters.length) return;
  const n = state.voters.length;
  state.selected = state.selected < 0 ? (delta > 0 ? 0 : n - 1) : (state.selected + delta + n) % n;
  renderResults();
  const row = $("#results .voter.selected");
  if (row) row.scrollIntoView({ block: "nearest" });
}

// ---------------------------------------------------------------- counts

function quorumLabel(q) {
  if (q === "met") return `<span class="ok">✓ ${t("已达到", "met")}</span>`;
  if (q === "not_met") return `<span class="bad">✗ ${t("未达到", "not met")}</span>`;
  return `<span class="muted">${t("无要求", "none")}</span>`;
}

/** A contest's quorum rule from GET /api/v1/kinds ({zh, en, formula}), or null. */
function quorumRule(contest) {
  return state.kinds?.[state.contestKinds[contest]]?.quorum || null;
}

/** The hover text of a quorum: the sentence in both languages, then the formula. */
function quorumTitle(q) {
  return `${q.zh} / ${q.en} (${q.formula}; P 实到 present, E 应到 eligible)`;
}

/** Under the counts: the quorum rules in words (one line per distinct rule), formula on hover. */
function renderQuorumRules(contests) {
  let el = $("#quorum-rule");
  if (!el) {
    $("#desk-counts").insertAdjacentHTML("afterend", '<p id="quorum-rule" class="help quorum-rule"></p>');
    el = $("#quorum-rule");
  }
  const rules = new Map(); // formula -> {q, titles}
  for (const c of contests) {
    const q = quorumRule(c.contest);
    if (!q) continue;
    const r = rules.get(q.formula) || { q, titles: [] };
    r.titles.push(state.titles[c.contest] || c.contest);
    rules.set(q.formula, r);
  }
  el.innerHTML = [...rules.values()].map(({ q, titles }) => {
    const which = rules.size > 1 ? ` (${esc(titles.join("、"))})` : "";
    return `<span class="rule" title="${esc(quorumTitle(q))}">${t("法定人数:", "Quorum:")} ${t(q.zh, q.en)}${which}</span>`;
  }).join("<br>");
}

async function refreshCounts() {
  try {
    const d = await api("GET", "/api/v1/desk");
    $("#desk-counts tbody").innerHTML = (d.contests || []).map((c) => `
      <tr data-contest="${esc(c.contest)}">
        <td>${esc(state.titles[c.contest] || c.contest)}</td>
        <td class="num eligible">${esc(c.eligible)}</td>
        <td class="num present">${esc(c.present)}</td>
        <td class="num issued">${esc(c.slips_issued)}</td>
        <td class="quorum" data-quorum="${esc(c.quorum)}"${quorumRule(c.contest) ? ` title="${esc(quorumTitle(quorumRule(c.contest)))}"` : ""}>${quorumLabel(c.quorum)}</td>
      </tr>`).join("");
    renderQuorumRules(d.contests || []);
    $("#counts-status").innerHTML = `${t("名单人数", "On the roll")} ${esc(d.roll_size)} · ${t("更新于", "updated")} ${esc(localTime(new Date(), { date: false, seconds: true }))}`;
  } catch (err) {
    if (err.status === 401) { signedOut(); return; }
    showError($("#counts-status"), err);
  }
}

/** The corrections card drawn again; its errors stay in the card. */
async function refreshCorrections() {
  await renderCorrections().catch((err) => {
    if (err.status === 401) { signedOut(); return; }
    showError($("#corrections-msg"), err);
  });
}

/** Runs a corrections action, shows its error (with the code) in `el`, refreshes afterwards. */
async function act(el, fn) {
  try {
    await fn();
  } catch (err) {
    showError(el, err);
    if (err && err.status === 401) { signedOut(); return; }
  }
  await loadTitles();
  await refreshCounts();
  await refreshCorrections();
}

/** The session ended (expired, or signed out elsewhere): back to the sign-in form. */
function signedOut() {
  clearInterval(state.countsTimer);
  $("#who").classList.add("hidden");
  $("#logout").classList.add("hidden");
  showLogin(`<div class="notice bad">${t("登录已失效, 请重新登录", "The session has ended: sign in again")}${errorCode("unauthenticated")}</div>`);
}

async function loadTitles() {
  try {
    const e = await api("GET", "/api/v1/election");
    state.election = e;
    for (const c of e.contests || []) {
      state.titles[c.id] = c.title || c.id;
      state.contestKinds[c.id] = c.kind;
    }
    state.styles = e.styles || [];
    $("#election-title").textContent = e.title || e.id || "";
    const rounds = [...new Set((e.styles || []).map((s) => s.round))].sort((a, b) => a - b);
    if (rounds.join() !== state.rounds.join() && rounds.length) {
      state.rounds = rounds;
      const sel = $("#checkin-round");
      const before = sel.value;
      sel.innerHTML = rounds.map((r) => `<option value="${r}">第 ${r} 轮 · round ${r}</option>`).join("");
      sel.value = rounds.includes(Number(before)) ? before : String(rounds[rounds.length - 1]);
    }
    $("#round-row").classList.toggle("hidden", state.rounds.length < 2);
  } catch (err) {
    showError($("#election-title"), err);
  }
  showProxyRow();
}

/** Each contest kind's rules the desk needs (proxies, quorum), from GET /api/v1/kinds. */
async function loadKinds() {
  if (state.kinds) return;
  try {
    const r = await api("GET", "/api/v1/kinds");
    state.kinds = Object.fromEntries((r.kinds || []).map((k) => [k.id, k]));
  } catch {
    state.kinds = null; // unknown: the proxy field shows and the server decides
  }
}

/**
 * Whether the round checked in has a contest whose kind takes proxies (party elections do
 * not). Unknown kinds (GET /api/v1/kinds failed) count as allowing: the server decides.
 */
function proxiesAllowed() {
  const styles = state.styles.filter((s) => Number(s.round || 1) === round());
  let ids = (styles.length ? styles : state.styles).flatMap((s) => s.contests || []);
  if (ids.length === 0) ids = Object.keys(state.contestKinds);
  if (!state.kinds) return true;
  return ids.some((id) => state.kinds[state.contestKinds[id]]?.proxies);
}

/** Shows the proxy field only where proxies are allowed; a hidden field holds nothing. */
function showProxyRow() {
  const allowed = proxiesAllowed();
  const row = $(".proxy-row");
  row.classList.toggle("hidden", !allowed);
  row.hidden = !allowed;
  if (!allowed) $("#proxy-principals").value = "";
}

// ---------------------------------------------------------------- start

function wire() {
  const s = $("#search");
  s.addEventListener("input", () => {
    // A refusal or a question about the last text is stale once the text changes; the last
    // check-in's answer (whom to hand how many slips) stays until the next check-in.
    if (/\b(bad|info)\b/.test($("#desk-msg").className)) clearDeskMessage();
    searchSoon();
  });
  s.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") { ev.preventDefault(); enter(); }
    else if (ev.key === "ArrowDown") { ev.preventDefault(); move(1); }
    else if (ev.key === "ArrowUp") { ev.preventDefault(); move(-1); }
    else if (ev.key === "Escape") { s.value = ""; searchNow(); }
  });
  $("#checkin-round").addEventListener("change", () => { renderResults(); showProxyRow(); s.focus(); });
  $("#proxy-principals").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") { ev.preventDefault(); enter(); }
  });
  $("#results").addEventListener("click", (ev) => {
    const b = ev.target.closest("button.checkin");
    if (b) { checkIn(b.dataset.number); return; }
    const row = ev.target.closest(".voter");
    if (row) {
      state.selected = state.voters.findIndex((v) => v.number === row.dataset.number);
      renderResults();
      s.focus();
    }
  });
  $("#logout").addEventListener("click", async () => {
    await logout();
    location.reload();
  });
}

async function start(session) {
  if (!["registrar", "organiser"].includes(session.role)) {
    await logout();
    showLogin(`<div class="notice bad">${t("此页面供签到员使用, 请用签到员账号登录", "This page is for registrars: sign in with a registrar account")}</div>`);
    return;
  }
  $("#login").innerHTML = "";
  $("#app").classList.remove("hidden");
  $("#who").classList.remove("hidden");
  $("#who").textContent = session.username;
  $("#logout").classList.remove("hidden");
  if (session.role !== "registrar") {
    deskMessage("info", t("组织者可以查找和查看人数; 签到须用签到员账号", "Organisers can search and watch the counts; check-in needs a registrar account"));
  }
  state.session = session;
  initCorrections({ election: () => state.election, act, me: () => state.session });
  await Promise.all([hallZone(), loadKinds()]);
  await loadTitles();
  await refreshCounts();
  await refreshCorrections();
  clearInterval(state.countsTimer);
  let ticks = 0;
  state.countsTimer = setInterval(async () => {
    refreshCounts();
    // A runoff adds contests and a round; a close shows the corrections card.
    if (++ticks % 6 === 0) {
      await loadTitles();
      await refreshCorrections();
    }
  }, COUNTS_EVERY_MS);
  $("#search").focus();
}

function showLogin(extra = "") {
  $("#app").classList.add("hidden");
  loginForm($("#login"), t("签到员登录", "Registrar sign-in"), start);
  if (extra) $("#login").insertAdjacentHTML("afterbegin", extra);
  const u = $("#login input[name=username]");
  if (u) u.focus();
}

languageSwitch($("#lang"));
wire();
restoreSession().then((s) => (s ? start(s) : showLogin()));

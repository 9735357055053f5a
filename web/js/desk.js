// The registrar desk (签到台): find a voter by name, pinyin initials or number, check them in
// (with proxies where the law allows), and watch present / slips / quorum per contest.
// Keyboard first: type, Enter checks in the single (or selected) match, Esc clears.

import { esc, t, api, restoreSession, logout, showError, languageSwitch, loginForm } from "./common.js";

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
  busy: false,      // a check-in is in flight
  rounds: [1],      // the rounds the election's ballot styles have
};

/** The round checked in: 1 unless a runoff round is chosen. */
const round = () => Number($("#checkin-round").value || 1);

/** A "中文 / English" server message as a bilingual pair (split at the first " / " whose right
 *  side is mostly not Chinese); the whole text when it does not split that way. */
function bi(message) {
  const text = String(message ?? "");
  const cjk = (s) => (s.match(/[\u3400-\u9fff]/g) || []).length;
  let at = text.indexOf(" / ");
  while (at > 0) {
    const zh = text.slice(0, at), en = text.slice(at + 3);
    const letters = en.replace(/\s/g, "").length;
    if (cjk(zh) > 0 && letters > 0 && cjk(en) * 4 < letters) return t(zh, en);
    at = text.indexOf(" / ", at + 3);
  }
  return esc(text);
}

/** Local clock time hh:mm of a Unix time in seconds. */
function hhmm(secs) {
  const d = new Date(secs * 1000);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

function deskMessage(kind, html) {
  const el = $("#desk-msg");
  el.className = `desk-msg ${kind}`;
  el.innerHTML = html;
}

function deskError(err) {
  if (err.status === 401) { signedOut(); return; }
  deskMessage("bad", `<div role="alert">${bi(err.message || err)} <span class="mono code">[${esc(err.code || "error")}]</span></div>`);
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
  return $("#proxy-principals").value.split(/[\s,，、;；]+/).map((s) => s.trim()).filter(Boolean);
}

async function checkIn(number) {
  if (state.busy) return;
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

async function refreshCounts() {
  try {
    const d = await api("GET", "/api/v1/desk");
    $("#desk-counts tbody").innerHTML = (d.contests || []).map((c) => `
      <tr data-contest="${esc(c.contest)}">
        <td>${esc(state.titles[c.contest] || c.contest)}</td>
        <td class="num eligible">${esc(c.eligible)}</td>
        <td class="num present">${esc(c.present)}</td>
        <td class="num issued">${esc(c.slips_issued)}</td>
        <td class="quorum" data-quorum="${esc(c.quorum)}">${quorumLabel(c.quorum)}</td>
      </tr>`).join("");
    const now = new Date();
    $("#counts-status").innerHTML = `${t("名单人数", "On the roll")} ${esc(d.roll_size)} · ${t("更新于", "updated")} ${esc(now.toLocaleTimeString("zh-CN", { hour12: false }))}`;
  } catch (err) {
    if (err.status === 401) { signedOut(); return; }
    showError($("#counts-status"), err);
  }
}

/** The session ended (expired, or signed out elsewhere): back to the sign-in form. */
function signedOut() {
  clearInterval(state.countsTimer);
  $("#who").classList.add("hidden");
  $("#logout").classList.add("hidden");
  showLogin(`<div class="notice bad">${t("登录已失效, 请重新登录", "The session has ended: sign in again")} <span class="mono">[unauthenticated]</span></div>`);
}

async function loadTitles() {
  try {
    const e = await api("GET", "/api/v1/election");
    for (const c of e.contests || []) state.titles[c.id] = c.title || c.id;
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
}

// ---------------------------------------------------------------- start

function wire() {
  const s = $("#search");
  s.addEventListener("input", searchSoon);
  s.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") { ev.preventDefault(); enter(); }
    else if (ev.key === "ArrowDown") { ev.preventDefault(); move(1); }
    else if (ev.key === "ArrowUp") { ev.preventDefault(); move(-1); }
    else if (ev.key === "Escape") { s.value = ""; searchNow(); }
  });
  $("#checkin-round").addEventListener("change", () => { renderResults(); s.focus(); });
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
  await loadTitles();
  await refreshCounts();
  clearInterval(state.countsTimer);
  let ticks = 0;
  state.countsTimer = setInterval(() => {
    refreshCounts();
    if (++ticks % 6 === 0) loadTitles(); // a runoff adds contests and a round
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

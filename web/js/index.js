// The landing page (/): what the service is doing now (GET /healthz, GET /api/v1/election,
// GET /api/v1/public/results, all public), a link to every page by role with the next step
// suggested, and the published results with their board pages. Refreshed every 30 s.

import { esc, t, api, bi, errorCode, languageSwitch, localTime, hallZone, hallOffsetLabel } from "./common.js";

const $ = (sel) => document.querySelector(sel);
const REFRESH_EVERY_MS = 30000;

const PHASES = {
  draft: ["未开始", "not open yet"],
  open: ["投票中", "voting open"],
  closed: ["已结束", "closed"],
};
const MODES = {
  electronic: ["投票机", "kiosks"],
  paper: ["纸质选票", "paper"],
  hybrid: ["投票机与纸质", "kiosks and paper"],
};
const pair = (table, key) => (table[key] ? t(table[key][0], table[key][1]) : esc(key));

/** GET that resolves to {ok, data} or {ok: false, err} (never rejects). */
async function get(path) {
  try {
    return { ok: true, data: await api("GET", path) };
  } catch (err) {
    return { ok: false, err: err instanceof Error ? { code: "network", message: "无法连接服务 / the service cannot be reached" } : err };
  }
}

async function healthz() {
  try {
    const r = await fetch("/healthz", { cache: "no-store" });
    if (!r.ok) return { ok: false, err: { code: `http_${r.status}`, message: `HTTP ${r.status}` } };
    return { ok: true, data: await r.json() };
  } catch {
    return { ok: false, err: { code: "network", message: "无法连接服务 / the service cannot be reached" } };
  }
}

function renderService(h) {
  const el = $("#service-state");
  el.dataset.status = h.ok ? "up" : "down";
  if (!h.ok) {
    el.innerHTML = `<p class="state-line"><span class="down" id="service-status"><span class="dot"></span>${t("服务无法连接", "The service cannot be reached")}</span>${errorCode(h.err.code)}</p>
      <p>${t("请检查本机与服务器的网络, 或请管理员查看服务是否在运行。", "Check this computer's network to the server, or ask the administrator whether the service is running.")}</p>`;
    return;
  }
  const d = h.data;
  el.innerHTML = `<p class="state-line">
      <span class="up" id="service-status"><span class="dot"></span>${t("服务运行中", "The service is running")}</span>
      <span>${t("版本", "version")} <span class="mono">${esc(d.version)}</span></span>
      <span>${t("时区", "time zone")} ${esc(d.timezone)} (${esc(hallOffsetLabel())})</span>
      <span>${t("更新于", "updated")} ${esc(localTime(new Date(), { seconds: true }))}</span>
    </p>`;
}

/** The step an organiser or the hall takes next, with the page it happens on. */
function nextStep(e, results) {
  if (!e) {
    return { role: "organiser", html: t("下一步: 组织者登录组织者页面, 创建选举并导入选民名单。",
      "Next: the organiser signs in on the organiser page, creates the election and imports the roll.") };
  }
  const contests = e.contests || [];
  const states = contests.map((c) => c.state);
  const published = new Set(results.flatMap((r) => r.contests || []));
  if (e.secrecy?.encrypted && !e.secrecy.fingerprint) {
    return { role: "teller", html: t("加密选票的密钥仪式尚未完成。下一步: 各计票人在计票人页面完成密钥仪式。",
      "The key ceremony of the encrypted ballots is not done. Next: each teller completes it on the teller page.") };
  }
  if (states.length && states.every((s) => s === "draft")) {
    return { role: "organiser", html: t("选举已创建, 尚未开始投票。下一步: 组织者打印选票码, 配对投票机, 开始投票。",
      "The election exists; voting has not started. Next: the organiser prints the slips, pairs the kiosks and opens voting.") };
  }
  if (states.includes("open")) {
    return { role: "desk", html: t("投票进行中: 签到处签到, 选民在投票机投票。", "Voting is open: the desk checks voters in, voters vote at the kiosks.") };
  }
  if (contests.some((c) => c.state === "closed" && !published.has(c.id))) {
    return { role: "teller", html: t("投票已结束。下一步: 计票人计票并签名, 组织者公布结果。", "Voting is closed. Next: the tellers count and sign, the organiser publishes.") };
  }
  return { role: "verify", html: t("结果已公布: 选民可用回执码核验自己的选票。", "Results are published: voters can check their ballots with their receipt codes.") };
}

function renderElection(er, results) {
  const el = $("#election-summary");
  if (!er.ok && er.err.code !== "no_election") {
    el.innerHTML = `<div class="notice bad" role="alert">${t("无法读取选举", "Cannot read the election")}: ${bi(er.err.message)}${errorCode(er.err.code)}</div>`;
    suggest(null);
    return;
  }
  const e = er.ok ? er.data : null;
  const next = nextStep(e, results);
  suggest(next.role);
  const link = { organiser: "/organiser", desk: "/desk", teller: "/teller", verify: "/verify" }[next.role];
  const step = `<p class="next-step" id="next-step">${next.html} <a href="${link}">${esc(link)}</a></p>`;
  if (!e) {
    el.innerHTML = `<p class="election-title" id="election-title">${t("尚未创建选举", "No election yet")}</p>${step}`;
    return;
  }
  const s = e.secrecy || {};
  const secrecy = s.encrypted
    ? (s.fingerprint
      ? `${t(`加密选票 (${s.tellers} 名计票人中任 ${s.threshold} 人可解密)`, `encrypted ballots (any ${s.threshold} of ${s.tellers} tellers decrypt)`)} · ${t("选举密钥指纹", "election key")} <span class="mono fingerprint">${esc(s.fingerprint)}</span>`
      : t(`加密选票, 密钥仪式进行中 (${s.tellers} 名计票人)`, `encrypted ballots, key ceremony under way (${s.tellers} tellers)`))
    : `${t("明文选票", "plaintext ballots")}${s.reason ? `: ${esc(s.reason)}` : ""}`;
  const facts = [
    `<li>${t("编号", "id")} <span class="mono">${esc(e.id)}</span></li>`,
    `<li>${secrecy}</li>`,
    e.roll_registered != null ? `<li>${t(`名单 ${e.roll_registered} 人`, `${e.roll_registered} on the roll`)}</li>` : "",
    `<li>${t(`已投电子选票 ${e.ballots}`, `${e.ballots} electronic ballots cast`)}</li>`,
    `<li>${t(`日志 ${e.log_size} 条`, `log of ${e.log_size} entries`)}</li>`,
  ].join("");
  const rows = (e.contests || []).map((c) => `
    <tr data-contest="${esc(c.id)}" data-state="${esc(c.state)}">
      <td>${esc(c.title || c.id)}${c.parent ? ` <span class="muted">${t("(另行选举)", "(runoff)")}</span>` : ""}</td>
      <td>${esc(c.kind_label || c.kind)}</td>
      <td class="num">${esc(c.seats)}</td>
      <td>${pair(MODES, c.mode)}</td>
      <td class="phase phase-${esc(c.state)}">${pair(PHASES, c.state)}</td>
    </tr>`).join("");
  el.innerHTML = `
    <p class="election-title" id="election-title">${esc(e.title || e.id)}</p>
    <ul class="facts">${facts}</ul>
    ${step}
    <table id="contests">
      <thead><tr>
        <th>${t("选举项目", "Contest")}</th><th>${t("类别", "Kind")}</th><th class="num">${t("应选", "Seats")}</th>
        <th>${t("投票方式", "Ballots")}</th><th>${t("状态", "State")}</th>
      </tr></thead>
      <tbody>${rows}</tbody>
    </table>`;
}

/** Marks the role whose page the next step happens on. */
function suggest(role) {
  for (const li of document.querySelectorAll("#role-links li")) {
    li.classList.toggle("suggested", Boolean(role) && li.querySelector(`#link-${role}`) !== null);
  }
}

function renderResults(rr, titles) {
  const el = $("#public-results");
  if (!rr.ok && rr.err.code !== "no_election") {
    el.innerHTML = `<div class="notice bad" role="alert">${t("无法读取公布的结果", "Cannot read the published results")}: ${bi(rr.err.message)}${errorCode(rr.err.code)}</div>`;
    return;
  }
  const list = rr.ok ? rr.data.results || [] : [];
  if (!list.length) {
    el.innerHTML = `<p class="muted" id="no-results">${t("尚未公布结果。结果由计票人签名、组织者公布后在此列出。", "Nothing published yet. Results are listed here once the tellers have signed and the organiser has published them.")}</p>`;
    return;
  }
  el.innerHTML = `<ul class="results-list">${list.map((r) => `
    <li data-index="${esc(r.index)}">
      <span class="index">${t(`第 ${r.index} 条`, `Result ${r.index}`)}</span>
      <span>${esc((r.contests || []).map((id) => titles[id] || id).join("、"))}</span>
      <a href="${esc(r.board)}">${t("张榜公布页", "Board page")}</a>
      <a href="${esc(r.url)}" class="mono">JSON</a>
    </li>`).join("")}</ul>`;
}

async function refresh() {
  const h = await healthz();
  renderService(h);
  if (!h.ok) {
    $("#election-summary").innerHTML = "";
    $("#public-results").innerHTML = "";
    suggest(null);
    return;
  }
  // /healthz names the election, if any: without one, the other two would only answer 409.
  const none = { ok: false, err: { code: "no_election" } };
  const [er, rr] = h.data.election == null ? [none, none]
    : await Promise.all([get("/api/v1/election"), get("/api/v1/public/results")]);
  const results = rr.ok ? rr.data.results || [] : [];
  renderElection(er, results);
  const titles = er.ok ? Object.fromEntries((er.data.contests || []).map((c) => [c.id, c.title || c.id])) : {};
  renderResults(rr, titles);
}

languageSwitch($("#lang"));
hallZone().then(refresh);
setInterval(refresh, REFRESH_EVERY_MS);

// Corrections of a contest's figures (应到 E, 实到 P, 发出 I) on the teller, organiser and desk pages: a
// closed, uncounted contest's figures as the desk has them, a form to propose others with a reason, the
// proposals waiting for a second person, and those already logged. A correction counts once a
// person of another role (organiser, registrar or teller; never an auditor) approves it; the
// service refuses the rest (`correction_needs_two`; an auditor gets 403 `forbidden`, and
// `correction_role` from the log's rules for the CLI). What the page
// shows: table#corrections-pending (tr.pending[data-id], button.approve), table#corrections-
// logged (tr.logged), form#correction-form, #corrections-msg.

import { esc, t, api, showError, showOk } from "./common.js";

const $ = (sel, root = document) => root.querySelector(sel);

let ctx = null; // { election(), act(el, fn), me() }

/** The card's fixed part: what corrections are, the form, the message and list areas. */
const CARD = `
      <h2 id="h-corrections"><span class="zh">到会数字更正</span><span class="en">Corrections of the figures</span></h2>
      <p class="hint"><span class="zh">项目结束投票后、计票前, 如签到台的应到、实到或发出票数有误 (例如流动票箱的人数未计入), 在此提出更正并写明原因; 须由另一角色的人 (组织者、签到员或计票人) 批准后才记入日志, 计票结果中注明更正。</span><span class="en">Once a contest is closed and until it is counted, if the desk's eligible, present or issued figures are wrong (a mobile ballot box not counted, say), propose a correction here with its reason; it is logged only once a person of another role (organiser, registrar or teller) approves it, and the result says so.</span></p>
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
      <div id="corrections-msg" aria-live="polite"></div>
      <div id="corrections"></div>`;

/**
 * Fills section#corrections-card and wires the form; `c` gives the election, the page's
 * action runner and the signed-in user.
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
      reason: $("#correction-reason").value.trim(),
    };
    if (!contest || [body.eligible, body.present, body.ballots_issued].some((n) => !Number.isInteger(n) || n < 0)) {
      showError(msg, { code: "correction_figures", message: "请选择项目并填写三个非负整数 / choose a contest and give three whole numbers, none negative" });
      return;
    }
    ctx.act(msg, async () => {
      const a = await api("POST", `/api/v1/contests/${encodeURIComponent(contest)}/corrections`, body);
      $("#correction-reason").value = "";
      edited = false;
      showOk(msg, t(`已提出更正 (第 ${a.proposal} 号), 须由另一角色的人批准后才生效。`,
        `Correction ${a.proposal} proposed: it takes effect once a person of another role approves it.`));
    });
  });
  $("#corrections").addEventListener("click", (ev) => {
    const b = ev.target.closest("button.approve");
    if (!b) return;
    const msg = $("#corrections-msg");
    ctx.act(msg, async () => {
      const a = await api("POST", `/api/v1/corrections/${encodeURIComponent(b.dataset.id)}/approve`);
      showOk(msg, t(`已批准并记入日志 (第 ${a.entry} 条)。`, `Approved and logged (entry ${a.entry}).`));
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
const who = (name, role) => `${esc(name)} (${t(...(ROLE[role] || [role, role]).map(esc))})`;

/** Draws the card from the service's corrections and the desk's figures. */
export async function renderCorrections() {
  // The conduct's order: a closed contest not yet counted (the close dialog sends the teller
  // here afterwards; a correction while voting goes on would replace the close's figures).
  const closed = (ctx.election()?.contests || []).filter((c) => c.state === "closed" && !c.counted);
  const open = new Set(closed.map((c) => c.id));
  const card = $("#corrections-card");
  card.classList.toggle("hidden", closed.length === 0);
  if (closed.length === 0) return;
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
  const key = JSON.stringify([list, [...open], me?.username, document.documentElement.dataset.lang]);
  if (key === drawn) return;
  drawn = key;
  // A proposal for a contest counted since can no longer be approved (the service refuses
  // it, correction_out_of_order): not offered.
  const pending = (list.pending || []).filter((p) => open.has(p.contest)).map((p) => {
    const own = me && p.proposed_by === me.username;
    const sameRole = me && p.proposer_role === me.role;
    const why = own ? t("本人提出, 须由他人批准", "yours: another person approves it")
      : sameRole ? t("同一角色, 须由另一角色批准", "same role: a person of another role approves it") : "";
    return `<tr class="pending" data-id="${esc(p.id)}">
      <td>${esc(p.id)}</td><td>${esc(title(p.contest))}</td>
      <td class="num">${esc(p.eligible)}</td><td class="num">${esc(p.present)}</td><td class="num">${esc(p.ballots_issued)}</td>
      <td>${esc(p.reason)}</td><td>${who(p.proposed_by, p.proposer_role)}</td>
      <td>${why ? `<span class="sub">${why}</span>` : `<button type="button" class="approve" data-id="${esc(p.id)}">${t("批准", "Approve")}</button>`}</td></tr>`;
  });
  const logged = (list.approved || []).map(({ entry, correction: c }) => `<tr class="logged">
      <td>${esc(entry)}</td><td>${esc(title(c.contest))}</td>
      <td class="num">${esc(c.eligible)}</td><td class="num">${esc(c.present)}</td><td class="num">${esc(c.ballots_issued)}</td>
      <td>${esc(c.reason)}</td><td>${who(c.proposed_by?.name, c.proposed_by?.role)}; ${who(c.approved_by?.name, c.approved_by?.role)}</td></tr>`);
  const head = (last) => `<thead><tr><th>${t("编号", "No.")}</th><th>${t("项目", "Contest")}</th>
    <th class="num">${t("应到", "Eligible")}</th><th class="num">${t("实到", "Present")}</th><th class="num">${t("发出", "Issued")}</th>
    <th>${t("原因", "Reason")}</th><th>${last}</th>${pending.length && last === t("提出人", "Proposed by") ? "<th></th>" : ""}</tr></thead>`;
  $("#corrections").innerHTML = `
    <h3>${t("待批准", "Waiting for approval")}</h3>
    ${pending.length ? `<table id="corrections-pending" class="contests">${head(t("提出人", "Proposed by"))}<tbody>${pending.join("")}</tbody></table>`
      : `<p class="hint">${t("没有待批准的更正。", "No correction is waiting.")}</p>`}
    <h3>${t("已记入日志", "Logged")}</h3>
    ${logged.length ? `<table id="corrections-logged" class="contests">${head(t("提出人; 批准人", "Proposed by; approved by"))}<tbody>${logged.join("")}</tbody></table>`
      : `<p class="hint">${t("还没有更正。", "No correction yet.")}</p>`}`;
}

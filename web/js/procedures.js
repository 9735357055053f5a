// Multi-round procedures on the organiser page (#procedures-card, RULES.md section 4): each
// procedure's chain of rounds (table.chain, one tr.round[data-status] per round) with the
// list each round passed on, and a form for the current round: the qualified list
// (#proc-people), the interview scores (input.proc-score), the approved candidates
// (input.proc-approve), or, for a round held as a contest, the step that takes its published
// result. Every form needs a basis (#proc-basis); the answer lands in #procedures-msg.

import { esc, t, api, showError, showOk } from "./common.js";

const $ = (sel, root = document) => root.querySelector(sel);

const STATUS = {
  done: ["已完成", "done"],
  current: ["进行中", "current"],
  pending: ["待进行", "to come"],
};
const CONTEST_STATE = {
  draft: ["未开始", "not open"],
  open: ["投票中", "open"],
  closed: ["已结束", "closed"],
};

let data = { procedures: [] };
let json = "";

/** Fetches the procedures and redraws the card when they changed. */
export async function loadProcedures() {
  try {
    const d = await api("GET", "/api/v1/procedures");
    const j = JSON.stringify(d);
    if (j === json) return;
    json = j;
    data = d;
    render();
  } catch (err) {
    if (err.code !== "no_election") showError($("#procedures-msg"), err);
    data = { procedures: [] };
    render();
  }
}

const names = (list) => (list || []).map((p) => esc(p.name)).join("、") || "—";

function roundRow(r, i) {
  const [zh, en] = STATUS[r.status] || [r.status, r.status];
  const step = r.step;
  let what = step ? names(step.people) : "";
  if (step?.widened) what += ` <span class="warn">${t("(并列扩大)", "(widened by a tie)")}</span>`;
  if (!step && r.contest) {
    const [czh, cen] = CONTEST_STATE[r.contest_state] || ["尚未创建", "not created yet"];
    what = `<span class="mono">${esc(r.contest)}</span> · ${t(czh, cen)}${r.published_result !== null && r.published_result !== undefined ? ` · ${t("结果已公布", "result published")}` : ""}`;
  }
  return `<tr class="round" data-round="${esc(r.id)}" data-status="${esc(r.status)}">
    <td class="num">${i + 1}</td><td>${esc(r.title)}</td><td>${esc(r.kind_label)}</td>
    <td>${r.ratio ? `${esc(r.ratio)} : 1` : "—"}</td><td>${t(zh, en)}</td>
    <td>${step ? `${t(`职位 ${step.posts} 个`, `${step.posts} post(s)`)} · ` : ""}${what}</td>
    <td class="small">${step ? esc(step.basis) : ""}</td></tr>`;
}

function currentForm(p) {
  const r = p.rounds.find((x) => x.status === "current");
  if (!r) return `<p class="ok">${t("程序已完成", "The procedure is complete")}: ${names(p.people)}</p>`;
  let fields = "";
  if (r.kind === "qualification") {
    fields = `<label for="proc-people">${t("资格审查合格人员 (每行一人: 姓名, 或 “编号 姓名”)", "Who passed the review (one per line: a name, or “id name”)")}</label>
      <textarea id="proc-people" rows="5" spellcheck="false"></textarea>`;
  } else if (r.kind === "interview") {
    fields = `<table class="compact"><thead><tr><th>${t("人选", "Person")}</th><th>${t("面试得分", "Interview score")}</th></tr></thead><tbody>
      ${p.people.map((x) => `<tr><td>${esc(x.name)}</td><td><input class="proc-score b-narrow" data-id="${esc(x.id)}" inputmode="decimal" aria-label="${esc(x.name)}"></td></tr>`).join("")}</tbody></table>`;
  } else if (r.kind === "approval") {
    fields = `<fieldset><legend>${t(`批准为正式候选人 (至少 ${r.ratio} : 1)`, `Approved as formal candidates (at least ${r.ratio} : 1)`)}</legend>
      ${p.people.map((x) => `<label class="check"><input type="checkbox" class="proc-approve" value="${esc(x.id)}"> ${esc(x.name)}</label>`).join(" ")}</fieldset>`;
  } else {
    const ready = r.published_result !== null && r.published_result !== undefined;
    fields = `<p class="help">${ready
      ? t("此轮的结果已公布: 记录后按结果进入下一轮。", "This round's result is published: record it to go on with the names it passes on.")
      : t("此轮的选举项目投票、计票并公布结果后, 才能进入下一轮。", "Open, count and publish this round's contest first.")}</p>`;
  }
  return `<div class="proc-form" data-procedure="${esc(p.id)}" data-round="${esc(r.id)}" data-kind="${esc(r.kind)}">
    <h4>${t(`当前轮次: ${r.title}`, `Current round: ${r.title}`)} · ${t(`职位 ${p.posts} 个`, `${p.posts} post(s)`)}</h4>
    ${p.people.length ? `<p>${t("进入本轮的名单", "The list going into it")}: ${names(p.people)}</p>` : ""}
    ${fields}
    <label for="proc-basis">${t("依据 (谁决定的, 依据什么)", "Basis (who decided, on what)")}</label>
    <input id="proc-basis" autocomplete="off">
    <p><button type="button" id="proc-submit">${t("记录本轮结果", "Record this round")}</button></p></div>`;
}

function render() {
  const card = $("#procedures-card");
  if (!card) return;
  const list = data.procedures || [];
  card.classList.toggle("hidden", !list.length);
  $("#procedures-list").innerHTML = list.map((p) => `
    <article class="procedure" data-procedure="${esc(p.id)}">
      <h3>${esc(p.title || p.id)} <span class="sub">${t(`职位 ${p.posts} 个`, `${p.posts} post(s)`)}${p.posts !== p.posts_declared ? t(` (原定 ${p.posts_declared} 个)`, ` (declared ${p.posts_declared})`) : ""}</span></h3>
      <table class="chain compact"><thead><tr><th class="num">#</th><th>${t("轮次", "Round")}</th><th>${t("类型", "Kind")}</th><th>${t("比例", "Ratio")}</th><th>${t("状态", "State")}</th><th>${t("结果", "Outcome")}</th><th>${t("依据", "Basis")}</th></tr></thead>
      <tbody>${p.rounds.map(roundRow).join("")}</tbody></table>
      ${currentForm(p)}
    </article>`).join("");
}

async function submit(form) {
  const msg = $("#procedures-msg");
  const body = { round: form.dataset.round, basis: $("#proc-basis", form).value };
  if (form.dataset.kind === "qualification") {
    body.people = $("#proc-people", form).value.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
      const m = l.match(/^(\S+)\s+(.+)$/);
      return m && /^[A-Za-z0-9_-]+$/.test(m[1]) ? { id: m[1], name: m[2] } : { name: l };
    });
  } else if (form.dataset.kind === "interview") {
    body.scores = [...form.querySelectorAll("input.proc-score")].map((i) => [i.dataset.id, i.value.trim()]);
  } else if (form.dataset.kind === "approval") {
    body.approved = [...form.querySelectorAll("input.proc-approve:checked")].map((i) => i.value);
  }
  try {
    const out = await api("POST", `/api/v1/procedures/${encodeURIComponent(form.dataset.procedure)}/steps`, body);
    json = "";
    data = { procedures: out.procedures };
    render();
    showOk(msg, t(`已记录 (日志第 ${out.entries.join("、")} 条)`, `Recorded (log entries ${out.entries.join(", ")})`));
  } catch (err) {
    showError(msg, err);
  }
}

/** Wires the card; `onStep` runs after a step (a new contest may have been created). */
export function initProcedures(onStep) {
  $("#procedures-list").addEventListener("click", async (ev) => {
    const b = ev.target.closest("#proc-submit");
    if (!b) return;
    b.disabled = true;
    await submit(b.closest(".proc-form"));
    b.disabled = false;
    await onStep();
  });
}

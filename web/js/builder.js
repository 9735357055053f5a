// The organiser's election builder: an election spec (scrutineer.election/v1, docs/FORMATS.md)
// and its ballot styles made with forms instead of typed JSON. Contests with a kind picker that
// states the kind's 差额, quorum and threshold rules (GET /api/v1/kinds), seats, candidates
// typed, pasted or imported from CSV/XLSX (name plus attributes), local overrides with their
// basis, evaluations (subjects, scale, groups), ballot styles per unit. The organiser page keeps
// the JSON in sync (its expert view) and runs the server's surplus check on every change.
//
// The builder decides nothing about the rules: the kinds' sentences come from the server and
// every spec is checked by the server (POST /api/v1/tally); the checks here only say what is
// still missing before asking (a kind, seats, a name), in Chinese and English.
//
// Fields of a spec the builder has no form for (rankings, structure, points, triggers,
// parent, ...) are kept as they were loaded and written back unchanged.

import { esc, t } from "./common.js";
import { cleanName } from "./names.js";
import { readFirstSheet } from "./xlsx.js";
import {
  CATEGORIES, EDUCATION, parseJson, parseDelimited, detectDelimiter, decodeText, tableToPeople, pasteToPeople, slug,
} from "./builder-input.js";

export { parseJson, slug };

export const FORMAT = "scrutineer.election/v1";

/** Bilingual text for attributes (aria-label, placeholder, title), where spans cannot go. */
const both = (zh, en) => `${zh} / ${en}`;
const optionText = (zh, en) => `${zh} ${en}`;

const GENDERS = { female: ["女", "female"], male: ["男", "male"] };
const SCALES = {
  individual: ["干部个人: 优秀 / 称职 / 基本称职 / 不称职", "individual: excellent / competent / basic / incompetent"],
  team: ["领导班子: 好 / 较好 / 一般 / 差", "team: good / fairly good / average / poor"],
  member: ["党员: 优秀 / 合格 / 基本合格 / 不合格", "member: excellent / qualified / basic / unqualified"],
  score: ["打分: 每个对象 0 至 100 分", "scores: 0 to 100 per subject"],
};
const MODES = {
  electronic: ["投票机", "kiosks"],
  paper: ["纸质选票 (唱票录入)", "paper, keyed in"],
  hybrid: ["投票机和纸质选票", "kiosks and paper"],
};
const PAPER_ENTRY = {
  single: ["一名计票人录入", "one teller keys"],
  double: ["两名计票人分别录入 (一致才计入)", "two tellers key each (counted when they agree)"],
};
const THRESHOLD_BASES = {
  present: ["实到人数 (参加投票)", "present (who voted)"],
  eligible: ["应到人数 (全体)", "eligible (all)"],
  returned: ["收回选票数", "ballots returned"],
};
const FAMILY_LABELS = {
  party: ["党内选举", "party"],
  congress: ["人大选举", "people's congress"],
  villager: ["村委会选举", "villager committee"],
  recommendation: ["民主推荐", "recommendation"],
  evaluation: ["民主测评", "evaluation"],
};

// Contest fields the builder has a form for; the others are kept in `extra`.
const CONTEST_FIELDS = new Set(["id", "title", "kind", "seats", "candidates", "turnout", "overrides",
  "only_one_nominated", "max_marks", "shortlist", "quorum", "mode", "paper_entry", "scale", "drop_extremes", "subjects", "groups",
  "uniform_void", "excellent_quota"]);
const OVERRIDE_FIELDS = ["min_surplus", "max_surplus", "quorum_comparison", "threshold_base"];

// ---------------------------------------------------------------- the builder

/**
 * Makes the builder inside `root`. Options: `onChange()` after every edit (the page syncs the
 * JSON and runs the check), `electionDate()` for the automatic election id.
 * Returns {setKinds, load, loadStyles, spec, styles, problems, annotate, render, refresh}.
 */
export function createBuilder(root, { onChange = () => {}, electionDate = () => "" } = {}) {
  let seq = 0;
  const next = () => (seq += 1);
  // Contests are numbered apart (1, 2, 3 in the order they were added, again from 1 after a
  // load), so their controls have ids a script can name: #b-c1-kind, #b-c2-seats, ...
  let contestSeq = 0;
  const st = {
    kinds: [],
    kindsError: null,
    title: "",
    id: "",
    offline: false,
    extra: {},
    contests: [],
    styles: [],
    status: {},       // contest key → {ok, zh, en, warnings: [{zh, en, code}]}
    unitsPasteOpen: false,
  };

  const kindOf = (id) => st.kinds.find((k) => k.id === id) || null;
  const isEvaluation = (c) => c.kind === "evaluation" || (kindOf(c.kind) && kindOf(c.kind).candidates === false);
  const contestByKey = (key) => st.contests.find((c) => String(c.key) === String(key));

  function newContest() {
    return {
      key: (contestSeq += 1), kind: "", title: "", id: "", seats: "", mode: "electronic", paper_entry: "single", showAttrs: false,
      rows: [], subjects: [], groups: [], scale: "individual", drop_extremes: false, uniform_void: false, excellent_quota: "",
      max_marks: "", sl_posts: "", sl_cands: "", q_fraction: "", q_comparison: "more_than",
      only_one_nominated: false,
      ov: { min_surplus: "", max_surplus: "", quorum_comparison: "", threshold_base: "", basis: "" },
      ovExtra: {}, ovOpen: false, pasteOpen: false, importMsg: null,
      turnout: { eligible: "", present: "", ballots_issued: "" },
      extra: {},
    };
  }
  function newStyle(contestKeys) {
    return { key: next(), unit: "", title: "", group: "", round: 1, contests: new Set(contestKeys) };
  }

  /** The largest n of the ids `prefix + n` over every candidate, subject or group. */
  function maxIdNumber(prefix) {
    let max = 0;
    const re = new RegExp(`^${prefix}(\\d+)$`);
    for (const c of st.contests) {
      for (const list of [c.rows, c.subjects, c.groups]) {
        for (const x of list) {
          const m = re.exec(x.id || "");
          if (m) max = Math.max(max, Number(m[1]));
        }
      }
    }
    return max;
  }
  /** The next free id `prefix + n`, unique in the election. */
  const freshId = (prefix) => `${prefix}${maxIdNumber(prefix) + 1}`;
  function newRow(p = {}) {
    return {
      key: next(), id: p.id || freshId("c"), name: p.name || "",
      gender: p.attrs?.gender || "", age: p.attrs?.age || "", minority: p.attrs?.minority || "",
      category: p.attrs?.category || "", education: p.attrs?.education || "",
      other: { ...(p.other || {}) },
    };
  }

  // ------------------------------------------------ ids and the spec

  /** A runoff's or a re-vote's id, which only the rules give (`contest_id_reserved`). */
  const RESERVED_ID = /.-[rv][0-9]+$/;
  /** Contest ids in order: the typed id, else an ASCII id from the title or the kind, unique. */
  function contestIds() {
    const taken = new Set(st.contests.map((c) => c.id.trim()).filter(Boolean));
    const ids = new Map();
    for (const c of st.contests) {
      if (c.id.trim()) { ids.set(c.key, c.id.trim()); continue; }
      let base = slug(c.title) || slug(c.kind.replace(/_/g, "-")) || "contest";
      // "…-r2" and "…-v2" are the ids the rules give runoffs and re-votes (contest_id_reserved).
      if (RESERVED_ID.test(base)) base = `${base}-c`;
      let id = base;
      for (let n = 2; taken.has(id); n += 1) id = `${base}-${n}`;
      taken.add(id);
      ids.set(c.key, id);
    }
    return ids;
  }
  function electionId() {
    if (st.id.trim()) return st.id.trim();
    const date = electionDate();
    return slug(st.title) || (date ? `election-${date}` : "election");
  }
  /** A contest's name for people: its title, else its kind's name, else "" (not chosen yet). */
  const contestName = (c) => c.title.trim() || (kindOf(c.kind) ? kindOf(c.kind).label_zh : "");
  const contestLabel = (c, i) => contestName(c) || `选举项目 ${i + 1}`;
  const cleaned = (name) => { const r = cleanName(name); return r.ok ? r.name : String(name).trim(); };
  const intOrNull = (v) => (/^\s*\d+\s*$/.test(String(v)) ? Number(v) : null);
  const showTurnout = (c) => st.offline || c.mode === "paper";

  function rowAttributes(r) {
    const a = {};
    if (r.category) a.category = r.category;
    if (r.age !== "" && intOrNull(r.age) !== null) a.age = intOrNull(r.age);
    if (r.gender) a.gender = r.gender;
    if (r.minority) a.ethnic_minority = r.minority === "yes";
    if (r.education) a.education = r.education;
    for (const [k, v] of Object.entries(r.other)) if (!(k in a)) a[k] = v;
    return a;
  }

  function contestJson(c, id) {
    const k = kindOf(c.kind);
    const out = { id };
    if (c.title.trim()) out.title = c.title.trim();
    out.kind = c.kind;
    const seats = intOrNull(c.seats);
    out.seats = isEvaluation(c) ? seats ?? 1 : seats ?? 0;
    if (isEvaluation(c)) {
      out.scale = c.scale;
      out.subjects = c.subjects.filter((s) => s.name.trim()).map((s) => ({ id: s.id, name: cleaned(s.name) }));
      const groups = c.groups.filter((g) => g.title.trim() || g.id);
      if (groups.length) {
        out.groups = groups.map((g) => {
          const o = { id: g.id };
          if (g.title.trim()) o.title = g.title.trim();
          if (String(g.weight).trim()) o.weight = /^\d+$/.test(String(g.weight).trim()) ? Number(g.weight) : String(g.weight).trim();
          return o;
        });
      }
      if (c.scale !== "score" && c.excellent_quota.trim()) out.excellent_quota = c.excellent_quota.trim();
      if (c.scale === "score" && c.drop_extremes) out.drop_extremes = true;
      if (c.uniform_void) out.uniform_void = true;
    } else {
      out.candidates = c.rows.filter((r) => r.name.trim()).map((r) => {
        const o = { id: r.id, name: cleaned(r.name) };
        const a = rowAttributes(r);
        if (Object.keys(a).length) o.attributes = a;
        return o;
      });
    }
    if (c.kind === "recommendation") {
      if (intOrNull(c.max_marks) !== null) out.max_marks = intOrNull(c.max_marks);
      if (intOrNull(c.sl_posts) !== null && intOrNull(c.sl_cands) !== null) {
        out.shortlist = { posts: intOrNull(c.sl_posts), candidates: intOrNull(c.sl_cands) };
      }
    }
    if (c.kind === "township_head" && c.only_one_nominated) out.only_one_nominated = true;
    if ((!k || !k.quorum) && c.q_fraction.trim()) out.quorum = { fraction: c.q_fraction.trim(), comparison: c.q_comparison };
    if (!isEvaluation(c) && c.kind !== "recommendation") {
      const ov = { ...c.ovExtra };
      for (const f of ["min_surplus", "max_surplus"]) if (intOrNull(c.ov[f]) !== null) ov[f] = intOrNull(c.ov[f]);
      if (c.ov.quorum_comparison && (!k || (k.quorum && !k.fixed_by_law))) ov.quorum_comparison = c.ov.quorum_comparison;
      if (c.ov.threshold_base && (!k || (k.threshold && !k.fixed_by_law))) ov.threshold_base = c.ov.threshold_base;
      if (Object.keys(ov).length || c.ov.basis.trim()) out.overrides = { basis: c.ov.basis.trim(), ...ov };
    }
    if (c.mode !== "electronic") out.mode = c.mode;
    if (c.mode !== "electronic" && c.paper_entry === "double") out.paper_entry = "double";
    if (showTurnout(c)) {
      const e = intOrNull(c.turnout.eligible);
      const p = intOrNull(c.turnout.present);
      const i = intOrNull(c.turnout.ballots_issued);
      if (e !== null && p !== null && i !== null) out.turnout = { eligible: e, present: p, ballots_issued: i };
    }
    return { ...out, ...c.extra };
  }

  /** The election spec (scrutineer.election/v1) the forms describe. */
  function spec() {
    const ids = contestIds();
    return {
      format: FORMAT,
      id: electionId(),
      title: st.title.trim(),
      contests: st.contests.map((c) => contestJson(c, ids.get(c.key))),
      ...st.extra,
    };
  }

  const firstRound = () => st.contests.filter((c) => !c.extra.parent);
  function defaultStyles() {
    if (st.styles.length !== 1) return false;
    const s = st.styles[0];
    const want = firstRound().map((c) => c.key);
    return !s.unit.trim() && !s.title.trim() && !s.group && s.round === 1
      && s.contests.size === want.length && want.every((k) => s.contests.has(k));
  }

  /** The ballot styles, or null for the server's default (one style with every contest). */
  function styles() {
    if (defaultStyles()) return null;
    const ids = contestIds();
    return st.styles.map((s) => {
      const o = { round: s.round };
      if (s.unit.trim()) o.unit = s.unit.trim();
      if (s.title.trim()) o.title = s.title.trim();
      if (s.group) o.group = s.group;
      o.contests = st.contests.filter((c) => s.contests.has(c.key)).map((c) => ids.get(c.key));
      return o;
    });
  }

  /** What is still missing before the server can check: [{key?, zh, en}]. */
  function problems() {
    const out = [];
    if (!st.contests.length) out.push({ zh: "至少需要一个选举项目", en: "add at least one contest" });
    st.contests.forEach((c, i) => {
      const name = contestName(c);
      const add = (zh, en) => out.push({ key: c.key, zh: `选举项目 ${i + 1}${name ? ` “${name}”` : ""}: ${zh}`, en: `contest ${i + 1}${name ? ` “${name}”` : ""}: ${en}` });
      if (!c.kind) { add("请选择类别", "choose its kind"); return; }
      const id = c.id.trim();
      if (id && RESERVED_ID.test(id) && c.extra.parent === undefined) {
        add(`id “${id}” 形如另行投票或重新投票的 id (…-r数字、…-v数字), 这种 id 由规则使用: 请另选一个`,
          `the id “${id}” has the form of a runoff's or a re-vote's id (…-r<number>, …-v<number>), which the rules use: choose another`);
      }
      if (isEvaluation(c)) {
        if (!c.subjects.some((s) => s.name.trim())) add("尚无测评对象", "no subjects yet");
        return;
      }
      if (!(intOrNull(c.seats) >= 1)) add("应选名额须为正整数", "seats must be a whole number, at least 1");
      if (!c.rows.some((r) => r.name.trim())) add("尚无候选人", "no candidates yet");
      const badAge = c.rows.find((r) => r.name.trim() && r.age !== "" && intOrNull(r.age) === null);
      if (badAge) add(`候选人 “${badAge.name.trim()}” 的年龄须为整数`, `the age of “${badAge.name.trim()}” must be a whole number`);
      if (showTurnout(c)) {
        const vals = ["eligible", "present", "ballots_issued"].map((f) => c.turnout[f]);
        const given = vals.filter((v) => String(v).trim() !== "");
        if (given.length && (given.length < 3 || vals.some((v) => intOrNull(v) === null))) {
          add("应到、实到、发出选票须都填整数 (或都不填)", "eligible, present and issued must all be whole numbers (or all empty)");
        }
      }
    });
    const seen = new Map();
    st.styles.forEach((s, i) => {
      if (!s.contests.size) out.push({ zh: `选票样式 ${i + 1}${s.unit.trim() ? ` (${s.unit.trim()})` : ""} 没有选举项目`, en: `ballot style ${i + 1} has no contests` });
      const k = `${s.round}\u0000${s.unit.trim()}`;
      if (seen.has(k)) {
        out.push({ zh: `选票样式 ${seen.get(k) + 1} 和 ${i + 1} 的单位相同 (“${s.unit.trim() || "全体"}”)`, en: `ballot styles ${seen.get(k) + 1} and ${i + 1} have the same unit (“${s.unit.trim() || "everyone"}”)` });
      }
      seen.set(k, i);
    });
    return out;
  }

  // ------------------------------------------------ loading JSON

  /**
   * Loads a spec (and its styles, or null for the default). Returns null when loaded, or
   * {zh, en} saying why the JSON cannot be a spec (it is then not loaded).
   */
  function load(spec, stylesJson = null) {
    if (!spec || typeof spec !== "object" || Array.isArray(spec)) return { zh: "选举规格须为 JSON 对象 { … }", en: "the spec must be a JSON object { … }" };
    const contests = spec.contests ?? [];
    if (!Array.isArray(contests)) return { zh: "“contests” 须为数组 [ … ]", en: "“contests” must be an array [ … ]" };
    for (const [i, c] of contests.entries()) {
      if (!c || typeof c !== "object" || Array.isArray(c)) return { zh: `第 ${i + 1} 个选举项目须为对象 { … }`, en: `contest ${i + 1} must be an object { … }` };
      for (const f of ["candidates", "subjects", "groups"]) {
        if (c[f] !== undefined && (!Array.isArray(c[f]) || c[f].some((x) => !x || typeof x !== "object"))) {
          return { zh: `第 ${i + 1} 个选举项目的 “${f}” 须为对象数组`, en: `“${f}” of contest ${i + 1} must be an array of objects` };
        }
      }
    }
    const { format: _f, id, title, contests: _c, ...extra } = spec;
    st.id = typeof id === "string" ? id : "";
    st.title = typeof title === "string" ? title : "";
    st.extra = extra;
    contestSeq = 0;
    st.contests = contests.map(contestFromJson);
    // A spec for the offline tally carries the turnout of electronic contests; one with only
    // the service's zero placeholders does not.
    st.offline = contests.some((c) => (c.mode || "electronic") !== "paper" && c.turnout
      && ["eligible", "present", "ballots_issued"].some((f) => Number(c.turnout[f]) > 0));
    st.status = {};
    const err = applyStyles(stylesJson);
    if (err) st.styles = [newStyle(firstRound().map((c) => c.key))];
    render();
    return null;
  }

  const str = (v) => (v === undefined || v === null ? "" : String(v));
  function contestFromJson(j) {
    const c = newContest();
    const extra = {};
    for (const [k, v] of Object.entries(j)) if (!CONTEST_FIELDS.has(k)) extra[k] = v;
    c.extra = extra;
    c.id = str(j.id);
    c.title = str(j.title);
    c.kind = str(j.kind);
    c.seats = str(j.seats);
    c.mode = MODES[j.mode] ? j.mode : "electronic";
    if (j.mode !== undefined && !MODES[j.mode]) c.extra.mode = j.mode;
    c.paper_entry = j.paper_entry === "double" ? "double" : "single";
    if (j.paper_entry !== undefined && !PAPER_ENTRY[j.paper_entry]) c.extra.paper_entry = j.paper_entry;
    c.rows = (j.candidates || []).map((x) => {
      const r = { key: next(), id: str(x.id), name: str(x.name), gender: "", age: "", minority: "", category: "", education: "", other: {} };
      const a = x.attributes && typeof x.attributes === "object" ? x.attributes : {};
      for (const [k, v] of Object.entries(a)) {
        if (k === "gender" && GENDERS[v]) r.gender = v;
        else if (k === "age" && Number.isInteger(v) && v >= 0 && v <= 150) r.age = String(v);
        else if (k === "ethnic_minority" && typeof v === "boolean") r.minority = v ? "yes" : "no";
        else if (k === "category" && CATEGORIES[v]) r.category = v;
        else if (k === "education" && EDUCATION[v]) r.education = v;
        else r.other[k] = v;
      }
      return r;
    });
    c.showAttrs = c.rows.some((r) => Object.keys(rowAttributes(r)).length);
    c.subjects = (j.subjects || []).map((x) => ({ key: next(), id: str(x.id), name: str(x.name) }));
    c.groups = (j.groups || []).map((x) => ({ key: next(), id: str(x.id), title: str(x.title), weight: str(x.weight) }));
    if (SCALES[j.scale]) c.scale = j.scale; else if (j.scale !== undefined) c.extra.scale = j.scale;
    c.drop_extremes = j.drop_extremes === true;
    c.uniform_void = j.uniform_void === true;
    c.excellent_quota = str(j.excellent_quota);
    c.max_marks = str(j.max_marks);
    if (j.shortlist && typeof j.shortlist === "object") { c.sl_posts = str(j.shortlist.posts); c.sl_cands = str(j.shortlist.candidates); }
    if (j.quorum && typeof j.quorum === "object") { c.q_fraction = str(j.quorum.fraction); c.q_comparison = j.quorum.comparison === "at_least" ? "at_least" : "more_than"; }
    c.only_one_nominated = j.only_one_nominated === true;
    if (j.overrides && typeof j.overrides === "object") {
      for (const [k, v] of Object.entries(j.overrides)) {
        if (k === "basis") c.ov.basis = str(v);
        else if (OVERRIDE_FIELDS.includes(k)) c.ov[k] = str(v);
        else c.ovExtra[k] = v;
      }
      c.ovOpen = true;
    }
    if (j.turnout && typeof j.turnout === "object") {
      const zero = ["eligible", "present", "ballots_issued"].every((f) => Number(j.turnout[f]) === 0);
      if (!zero || c.mode === "paper") {
        c.turnout = { eligible: str(j.turnout.eligible), present: str(j.turnout.present), ballots_issued: str(j.turnout.ballots_issued) };
      }
    }
    return c;
  }

  /** Loads ballot styles (an array, or null for the default). Returns null or {zh, en}. */
  function loadStyles(list) {
    const err = applyStyles(list);
    if (!err) render();
    return err;
  }
  function applyStyles(list) {
    if (list === null || list === undefined) {
      st.styles = [newStyle(firstRound().map((c) => c.key))];
      return null;
    }
    if (!Array.isArray(list)) return { zh: "选票样式须为数组 [ … ]", en: "the styles must be an array [ … ]" };
    const ids = contestIds();
    const byId = new Map(st.contests.map((c) => [ids.get(c.key), c.key]));
    const out = [];
    for (const [i, s] of list.entries()) {
      if (!s || typeof s !== "object" || !Array.isArray(s.contests)) return { zh: `第 ${i + 1} 个选票样式须为对象, 且有 “contests” 数组`, en: `style ${i + 1} must be an object with a “contests” array` };
      const x = newStyle(s.contests.map((id) => byId.get(id)).filter((k) => k !== undefined));
      x.unit = str(s.unit);
      x.title = str(s.title);
      x.group = str(s.group);
      x.round = Number.isInteger(s.round) && s.round >= 1 ? s.round : 1;
      out.push(x);
    }
    st.styles = out.length ? out : [newStyle(firstRound().map((c) => c.key))];
    return null;
  }

  // ------------------------------------------------ rendering

  const sel = (value, options, attrs) => `<select ${attrs}>${options.map(([v, zh, en]) =>
    `<option value="${esc(v)}"${v === value ? " selected" : ""}>${esc(en === undefined ? zh : optionText(zh, en))}</option>`).join("")}</select>`;
  const pairs = (obj) => Object.entries(obj).map(([v, [zh, en]]) => [v, zh, en]);

  function kindSentence(k) {
    const q = k.quorum;
    const zh = [
      k.surplus.zh,
      q ? `${q.zh} (${q.formula})` : "不设法定到会人数",
      k.threshold ? `当选须${k.threshold.zh}` : k.candidates ? "只按得票排名, 不设当选票数" : "按等次统计好评率和得分, 不选人",
    ].join("；") + "。";
    const en = [
      k.surplus.en,
      q ? `${q.en} (${q.formula})` : "no quorum",
      k.threshold ? `elected with ${k.threshold.en}` : k.candidates ? "ranked by votes, no threshold" : "rated by grade: favourable rates and scores, nobody elected",
    ].join("; ") + ".";
    const ballotZh = k.candidates
      ? `选票: 赞成 / ${k.against_label} / 弃权${k.write_ins ? (k.family === "party" ? "; 投不赞成票的可另选他人" : "; 可另选他人") : ""}; ${k.proxies ? "可以委托投票" : "不得委托投票"}。`
      : `选票: 对每个测评对象评定等次; ${k.proxies ? "可以委托投票" : "不得委托投票"}。`;
    const ballotEn = k.candidates
      ? `Ballot: for / ${k.family === "party" ? "not in favour" : "against"} / abstain${k.write_ins ? "; write-ins allowed" : ""}; ${k.proxies ? "proxies allowed" : "no proxies"}.`
      : `Ballot: a grade for each subject; ${k.proxies ? "proxies allowed" : "no proxies"}.`;
    return `<strong>${t(k.label_zh, k.label_en)}:</strong> ${t(zh, en.charAt(0).toUpperCase() + en.slice(1))}<br><span class="b-ballot">${t(ballotZh, ballotEn)}</span>`;
  }

  function kindOptions(value) {
    const groups = new Map();
    for (const k of st.kinds) {
      if (!groups.has(k.family)) groups.set(k.family, []);
      groups.get(k.family).push(k);
    }
    let html = `<option value=""${value ? "" : " selected"}>${esc(optionText("请选择类别…", "choose a kind…"))}</option>`;
    for (const [family, list] of groups) {
      const [zh, en] = FAMILY_LABELS[family] || [family, family];
      html += `<optgroup label="${esc(optionText(zh, en))}">${list.map((k) =>
        `<option value="${esc(k.id)}"${k.id === value ? " selected" : ""}>${esc(optionText(k.label_zh, k.label_en))}</option>`).join("")}</optgroup>`;
    }
    if (value && !kindOf(value)) html += `<option value="${esc(value)}" selected>${esc(value)}</option>`;
    return html;
  }

  function statusHtml(c) {
    const s = st.status[c.key];
    if (!s) return "";
    const warn = (s.warnings || []).map((w) => `<li class="warn">⚠ ${t(w.zh, w.en)}${w.code ? ` <span class="mono">[${esc(w.code)}]</span>` : ""}</li>`).join("");
    const head = s.ok
      ? `<span class="ok">✓ ${t(s.zh, s.en)}</span>`
      : `<span class="bad">✗ ${t(s.zh, s.en)}${s.code ? ` <span class="mono">[${esc(s.code)}]</span>` : ""}</span>`;
    return `${head}${warn ? `<ul class="b-warnings">${warn}</ul>` : ""}`;
  }

  function countText(c) {
    const n = (isEvaluation(c) ? c.subjects : c.rows).filter((x) => x.name.trim()).length;
    if (isEvaluation(c)) return t(`测评对象 ${n} 名`, `${n} subject(s)`);
    const s = intOrNull(c.seats);
    return t(`应选 ${s ?? "?"} 名 · 候选人 ${n} 名`, `${s ?? "?"} seat(s) · ${n} candidate(s)`);
  }

  function candidatesHtml(c, i) {
    const p = `b-c${c.key}`;
    const attrs = c.showAttrs;
    const rows = c.rows.map((r, n) => {
      const rp = `${p}-r${r.key}`;
      const d = `data-c="${c.key}" data-r="${r.key}"`;
      const who = both(`第 ${n + 1} 名候选人`, `candidate ${n + 1}`);
      const clean = r.name.trim() ? cleanName(r.name) : { ok: true };
      let cells = `<td class="num">${n + 1}</td>
        <td><input id="${rp}-name" ${d} data-f="name" value="${esc(r.name)}" autocomplete="off" spellcheck="false"
          aria-label="${esc(both(`第 ${n + 1} 名候选人姓名`, `name of candidate ${n + 1}`))}"${clean.ok ? "" : ` aria-invalid="true" title="${esc(clean.message)}"`}></td>`;
      if (attrs) {
        cells += `<td>${sel(r.gender, [["", "—"], ...pairs(GENDERS)], `id="${rp}-gender" ${d} data-f="gender" aria-label="${esc(`${who}: 性别 gender`)}"`)}</td>
          <td><input id="${rp}-age" ${d} data-f="age" value="${esc(r.age)}" inputmode="numeric" class="b-narrow" aria-label="${esc(`${who}: 年龄 age`)}"></td>
          <td>${sel(r.minority, [["", "—"], ["yes", "是", "yes"], ["no", "否", "no"]], `id="${rp}-minority" ${d} data-f="minority" aria-label="${esc(`${who}: 少数民族 ethnic minority`)}"`)}</td>
          <td>${sel(r.category, [["", "—"], ...pairs(CATEGORIES)], `id="${rp}-category" ${d} data-f="category" aria-label="${esc(`${who}: 类别 category`)}"`)}</td>
          <td>${sel(r.education, [["", "—"], ...pairs(EDUCATION)], `id="${rp}-education" ${d} data-f="education" aria-label="${esc(`${who}: 学历 education`)}"`)}</td>
          <td class="b-other">${esc(Object.entries(r.other).map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`).join("; "))}</td>`;
      }
      cells += `<td class="b-id mono">${esc(r.id)}</td>
        <td class="action"><button type="button" class="secondary small" data-act="remove-row" ${d} aria-label="${esc(both(`删除第 ${n + 1} 名候选人`, `remove candidate ${n + 1}`))}">${t("删除", "Remove")}</button></td>`;
      return `<tr data-r="${r.key}">${cells}</tr>`;
    }).join("");
    const head = `<tr><th class="num">#</th><th>${t("姓名", "Name")}</th>${attrs ? `<th>${t("性别", "Gender")}</th><th>${t("年龄", "Age")}</th><th>${t("少数民族", "Minority")}</th><th>${t("类别", "Category")}</th><th>${t("学历", "Education")}</th><th>${t("其他属性", "Other")}</th>` : ""}<th>id</th><th></th></tr>`;
    return `
      <div class="b-people">
        <div class="b-people-head">
          <h4 id="${p}-cands-h">${t("正式候选人", "Formal candidates")}</h4>
          <label class="check"><input type="checkbox" id="${p}-attrs" data-c="${c.key}" data-f="showAttrs"${attrs ? " checked" : ""}> ${t("填写属性 (性别、年龄、民族、类别、学历; 用于结构比例)", "attributes (gender, age, ethnicity, category, education; for the structure targets)")}</label>
        </div>
        <table class="compact b-table" id="${p}-cands" aria-labelledby="${p}-cands-h">
          <thead>${head}</thead>
          <tbody>${rows || `<tr class="b-empty"><td colspan="${attrs ? 10 : 4}">${t("尚无候选人: 添加一行、粘贴名单或从文件导入", "No candidates yet: add a row, paste a list or import a file")}</td></tr>`}</tbody>
        </table>
        ${peopleActions(c, i, "candidate")}
      </div>`;
  }

  function peopleActions(c, i, what) {
    const p = `b-c${c.key}`;
    const cand = what === "candidate";
    return `
        <div class="b-actions">
          <button type="button" class="secondary" id="${p}-add-row" data-act="${cand ? "add-row" : "add-subject"}" data-c="${c.key}">${cand ? t("+ 添加候选人", "+ Add a candidate") : t("+ 添加测评对象", "+ Add a subject")}</button>
          <button type="button" class="secondary" id="${p}-clear" data-act="clear" data-c="${c.key}">${t("清空名单", "Clear the list")}</button>
          <span class="b-file">
            <label for="${p}-file">${t("从 CSV / XLSX 导入 (替换名单):", "Import CSV / XLSX (replaces the list):")}</label>
            <input type="file" id="${p}-file" data-act="import" data-c="${c.key}" accept=".csv,.txt,.tsv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet">
          </span>
        </div>
        <details class="b-paste" data-c="${c.key}" data-open="pasteOpen"${c.pasteOpen ? " open" : ""}>
          <summary>${t("粘贴多行名单", "Paste a list")}</summary>
          <label for="${p}-paste">${cand
            ? t("每行一人: 姓名, 可加 性别、年龄、民族、学历、类别, 用逗号或 Tab 分开 (如 “王建国,男,45,汉族,本科”); 也可从 Excel 复制带表头的几列。", "One person a line: the name, then optionally gender, age, ethnicity, education, category, separated by commas or tabs (e.g. “王建国,男,45,汉族,本科”); or copy columns with their header from Excel.")
            : t("每行一个测评对象的姓名或名称", "One subject's name a line")}</label>
          <textarea id="${p}-paste" rows="4" spellcheck="false"></textarea>
          <button type="button" class="secondary" id="${p}-paste-add" data-act="paste" data-c="${c.key}">${t("加入名单", "Add to the list")}</button>
        </details>
        <div class="b-import-msg" id="${p}-import-msg" aria-live="polite">${importMsgHtml(c)}</div>`;
  }

  function importMsgHtml(c) {
    const m = c.importMsg;
    if (!m) return "";
    const warnings = (m.warnings || []).map((w) => `<li>${t(w.zh, w.en)}</li>`).join("");
    return `<div class="notice ${m.ok ? "ok" : "bad"}" role="${m.ok ? "status" : "alert"}">${t(m.zh, m.en)}${m.code ? ` <span class="mono">[${esc(m.code)}]</span>` : ""}${warnings ? `<ul class="b-warnings">${warnings}</ul>` : ""}</div>`;
  }

  function evaluationHtml(c) {
    const p = `b-c${c.key}`;
    const rows = c.subjects.map((s, n) => `<tr data-s="${s.key}"><td class="num">${n + 1}</td>
        <td><input id="${p}-s${s.key}-name" data-c="${c.key}" data-s="${s.key}" data-f="name" value="${esc(s.name)}" autocomplete="off" spellcheck="false" aria-label="${esc(both(`第 ${n + 1} 个测评对象`, `subject ${n + 1}`))}"></td>
        <td class="b-id mono">${esc(s.id)}</td>
        <td class="action"><button type="button" class="secondary small" data-act="remove-subject" data-c="${c.key}" data-s="${s.key}" aria-label="${esc(both(`删除第 ${n + 1} 个测评对象`, `remove subject ${n + 1}`))}">${t("删除", "Remove")}</button></td></tr>`).join("");
    const groups = c.groups.map((g, n) => `<tr data-g="${g.key}">
        <td><input id="${p}-g${g.key}-title" data-c="${c.key}" data-g="${g.key}" data-f="title" value="${esc(g.title)}" aria-label="${esc(both(`第 ${n + 1} 个测评组名称`, `evaluator group ${n + 1}`))}"></td>
        <td><input id="${p}-g${g.key}-weight" data-c="${c.key}" data-g="${g.key}" data-f="weight" value="${esc(g.weight)}" class="b-narrow" inputmode="decimal" aria-label="${esc(both(`第 ${n + 1} 个测评组权重`, `weight of group ${n + 1}`))}"></td>
        <td class="b-id mono">${esc(g.id)}</td>
        <td class="action"><button type="button" class="secondary small" data-act="remove-group" data-c="${c.key}" data-g="${g.key}" aria-label="${esc(both(`删除第 ${n + 1} 个测评组`, `remove group ${n + 1}`))}">${t("删除", "Remove")}</button></td></tr>`).join("");
    return `
      <div class="field-row">
        <div class="field">
          <label for="${p}-scale">${t("测评等次", "Scale")}</label>
          ${sel(c.scale, pairs(SCALES), `id="${p}-scale" data-c="${c.key}" data-f="scale"`)}
        </div>
        ${c.scale === "score" ? `<div class="field field-check">
          <label class="check"><input type="checkbox" id="${p}-drop" data-c="${c.key}" data-f="drop_extremes"${c.drop_extremes ? " checked" : ""}> ${t("打分人数多于 5 人时去掉一个最高分和一个最低分", "drop the highest and the lowest score when more than 5 raters")}</label>
        </div>` : `<div class="field">
          <label for="${p}-quota">${t("优秀票上限 (可选, 如 1/3)", "Top-grade quota (optional, e.g. 1/3)")}</label>
          <input id="${p}-quota" data-c="${c.key}" data-f="excellent_quota" value="${esc(c.excellent_quota)}" placeholder="1/3">
        </div>`}
        <div class="field field-check">
          <label class="check"><input type="checkbox" id="${p}-uniform" data-c="${c.key}" data-f="uniform_void"${c.uniform_void ? " checked" : ""}> ${t("所有对象评同一等次的选票作废", "a ballot giving every subject the same grade is void")}</label>
        </div>
      </div>
      <div class="b-people">
        <h4 id="${p}-subjects-h">${t("测评对象", "Subjects")}</h4>
        <table class="compact b-table" id="${p}-subjects" aria-labelledby="${p}-subjects-h">
          <thead><tr><th class="num">#</th><th>${t("姓名或名称", "Name")}</th><th>id</th><th></th></tr></thead>
          <tbody>${rows || `<tr class="b-empty"><td colspan="4">${t("尚无测评对象", "No subjects yet")}</td></tr>`}</tbody>
        </table>
        ${peopleActions(c, 0, "subject")}
      </div>
      <div class="b-people">
        <h4 id="${p}-groups-h">${t("测评组 (可选; 有权重时按权重合成得分)", "Evaluator groups (optional; weighted scores when weights are given)")}</h4>
        ${groups ? `<table class="compact b-table" id="${p}-groups" aria-labelledby="${p}-groups-h">
          <thead><tr><th>${t("名称", "Title")}</th><th>${t("权重", "Weight")}</th><th>id</th><th></th></tr></thead>
          <tbody>${groups}</tbody></table>` : ""}
        <button type="button" class="secondary" id="${p}-add-group" data-act="add-group" data-c="${c.key}">${t("+ 添加测评组", "+ Add a group")}</button>
      </div>`;
  }

  function kindOptionsHtml(c) {
    const p = `b-c${c.key}`;
    const k = kindOf(c.kind);
    const parts = [];
    if (c.kind === "township_head") {
      parts.push(`<div class="field field-check"><label class="check"><input type="checkbox" id="${p}-one" data-c="${c.key}" data-f="only_one_nominated"${c.only_one_nominated ? " checked" : ""}> ${t("只有一人被提名 (可以等额, 地方组织法第 27 条)", "only one person was nominated (C = s allowed, LOL Art. 27)")}</label></div>`);
    }
    if (c.kind === "recommendation") {
      parts.push(`<div class="field"><label for="${p}-max-marks">${t("每票最多推荐人数 (默认为名额数)", "Most names a ballot may mark (default: the posts)")}</label>
        <input id="${p}-max-marks" data-c="${c.key}" data-f="max_marks" value="${esc(c.max_marks)}" inputmode="numeric" placeholder="${esc(c.seats)}"></div>`);
      parts.push(`<div class="field"><label for="${p}-sl-posts">${t("入围比例: 职位数", "Shortlist ratio: posts")}</label>
        <input id="${p}-sl-posts" data-c="${c.key}" data-f="sl_posts" value="${esc(c.sl_posts)}" inputmode="numeric"></div>
        <div class="field"><label for="${p}-sl-cands">${t("入围比例: 入围人数", "Shortlist ratio: candidates")}</label>
        <input id="${p}-sl-cands" data-c="${c.key}" data-f="sl_cands" value="${esc(c.sl_cands)}" inputmode="numeric"></div>`);
    }
    if (k && !k.quorum) {
      parts.push(`<div class="field"><label for="${p}-quorum">${t("法定到会比例 (可选, 如 1/2)", "Quorum (optional, e.g. 1/2)")}</label>
        <input id="${p}-quorum" data-c="${c.key}" data-f="q_fraction" value="${esc(c.q_fraction)}" placeholder="1/2"></div>
        <div class="field"><label for="${p}-quorum-cmp">${t("到会人数须", "Those present must be")}</label>
        ${sel(c.q_comparison, [["more_than", "超过", "more than"], ["at_least", "达到", "at least"]], `id="${p}-quorum-cmp" data-c="${c.key}" data-f="q_comparison"`)}</div>`);
    }
    return parts.length ? `<div class="field-row b-kind-options">${parts.join("")}</div>` : "";
  }

  function overridesHtml(c) {
    if (isEvaluation(c) || c.kind === "recommendation" || !c.kind) return "";
    const p = `b-c${c.key}`;
    const k = kindOf(c.kind);
    const any = OVERRIDE_FIELDS.some((f) => c.ov[f]) || c.ov.basis;
    const rows = [
      `<div class="field"><label for="${p}-ov-min">${t("差额至少 (候选人 ≥ 名额 + 此数)", "Surplus at least (candidates ≥ seats + this)")}</label>
        <input id="${p}-ov-min" data-c="${c.key}" data-f="ov.min_surplus" value="${esc(c.ov.min_surplus)}" inputmode="numeric"></div>`,
      `<div class="field"><label for="${p}-ov-max">${t("差额至多 (候选人 ≤ 名额 + 此数)", "Surplus at most (candidates ≤ seats + this)")}</label>
        <input id="${p}-ov-max" data-c="${c.key}" data-f="ov.max_surplus" value="${esc(c.ov.max_surplus)}" inputmode="numeric"></div>`,
    ];
    // A kind whose quorum and threshold the law fixes takes no local rule for them
    // (override_statutory); its list range only within the statute.
    if (!k || (k.quorum && !k.fixed_by_law)) {
      rows.push(`<div class="field"><label for="${p}-ov-quorum">${t("法定人数比较", "Quorum comparison")}</label>
        ${sel(c.ov.quorum_comparison, [["", "按法定", "statutory"], ["more_than", "超过 (>)", "more than"], ["at_least", "达到 (≥)", "at least"]], `id="${p}-ov-quorum" data-c="${c.key}" data-f="ov.quorum_comparison"`)}</div>`);
    }
    if (!k || (k.threshold && !k.fixed_by_law)) {
      rows.push(`<div class="field"><label for="${p}-ov-base">${t("当选票数的基数", "Threshold base")}</label>
        ${sel(c.ov.threshold_base, [["", "按法定", "statutory"], ...pairs(THRESHOLD_BASES)], `id="${p}-ov-base" data-c="${c.key}" data-f="ov.threshold_base"`)}</div>`);
    }
    const extra = Object.keys(c.ovExtra).length ? `<p class="help">${t("另有 JSON 中的规定", "also from the JSON")}: <span class="mono">${esc(JSON.stringify(c.ovExtra))}</span></p>` : "";
    return `<details class="b-overrides" data-c="${c.key}" data-open="ovOpen"${c.ovOpen || any ? " open" : ""}>
        <summary>${t("本地规定 (须写明文件依据)", "Local rules (with their documentary basis)")}${any ? ` <span class="badge draft">${t("已设", "set")}</span>` : ""}</summary>
        <p class="help">${t("只在上级文件另有规定时使用; 每条本地规定都会在结果中作为警告显示。", "Only where a document from above says so; every local rule shows as a warning in the results.")}</p>
        <div class="field-row">${rows.join("")}</div>
        <div class="field"><label for="${p}-ov-basis">${t("文件依据 (必填, 如 “县委组织部换届选举工作意见”)", "Documentary basis (required, e.g. the county's election guidance)")}</label>
          <input id="${p}-ov-basis" data-c="${c.key}" data-f="ov.basis" value="${esc(c.ov.basis)}"></div>
        ${extra}
      </details>`;
  }

  function turnoutHtml(c) {
    if (!showTurnout(c)) return "";
    const p = `b-c${c.key}`;
    const f = (field, zh, en) => `<div class="field"><label for="${p}-t-${field}">${t(zh, en)}</label>
      <input id="${p}-t-${field}" data-c="${c.key}" data-f="turnout.${field}" value="${esc(c.turnout[field])}" inputmode="numeric"></div>`;
    return `<fieldset class="b-turnout"><legend>${t("投票情况 (离线计票或纸质选票用; 在本服务上投票时以签到台的数字为准)", "Turnout (for the offline tally or paper ballots; on this service the desk's figures count)")}</legend>
      <div class="field-row">${f("eligible", "应到人数 E", "Eligible E")}${f("present", "实到人数 P", "Present P")}${f("ballots_issued", "发出选票 I", "Ballots issued I")}</div></fieldset>`;
  }

  function contestHtml(c, i, ids) {
    const p = `b-c${c.key}`;
    const k = kindOf(c.kind);
    const rules = k ? kindSentence(k) : c.kind
      ? t(`未知的类别 “${c.kind}”`, `unknown kind “${c.kind}”`)
      : t("请选择类别: 页面会说明它的差额、法定人数和当选规定。", "Choose a kind: the page states its surplus, quorum and threshold rules.");
    return `
      <section class="b-contest" id="${p}" data-key="${c.key}" aria-labelledby="${p}-h">
        <div class="b-contest-head">
          <h3 id="${p}-h">${t(`选举项目 ${i + 1}`, `Contest ${i + 1}`)}<span class="b-label">${contestName(c) ? ` · ${esc(contestName(c))}` : ""}</span></h3>
          <span class="b-count" id="${p}-count">${countText(c)}</span>
          <button type="button" class="secondary small" data-act="remove-contest" data-c="${c.key}" id="${p}-remove">${t("删除此项目", "Remove this contest")}</button>
        </div>
        <div class="field-row">
          <div class="field b-kind">
            <label for="${p}-kind">${t("类别", "Kind")}</label>
            <select id="${p}-kind" data-c="${c.key}" data-f="kind" aria-describedby="${p}-rules">${kindOptions(c.kind)}</select>
          </div>
          <div class="field">
            <label for="${p}-title">${t("名称", "Title")}</label>
            <input id="${p}-title" data-c="${c.key}" data-f="title" value="${esc(c.title)}" placeholder="${esc(k ? k.label_zh : "")}" autocomplete="off">
          </div>
          <div class="field b-idfield">
            <label for="${p}-id">${t("项目 id (留空自动)", "Contest id (empty: automatic)")}</label>
            <input id="${p}-id" data-c="${c.key}" data-f="id" value="${esc(c.id)}" placeholder="${esc(ids.get(c.key))}" autocomplete="off" spellcheck="false" class="mono">
          </div>
          ${isEvaluation(c) ? "" : `<div class="field b-seats">
            <label for="${p}-seats">${c.kind === "recommendation" ? t("职位数", "Posts") : t("应选名额", "Seats")}</label>
            <input id="${p}-seats" data-c="${c.key}" data-f="seats" value="${esc(c.seats)}" inputmode="numeric" type="number" min="1" step="1">
          </div>`}
          <div class="field">
            <label for="${p}-mode">${t("投票方式", "Ballots")}</label>
            ${sel(c.mode, pairs(MODES), `id="${p}-mode" data-c="${c.key}" data-f="mode"`)}
          </div>
          ${c.mode === "electronic" ? "" : `<div class="field">
            <label for="${p}-paper-entry">${t("纸质选票录入", "Paper entry")}</label>
            ${sel(c.paper_entry, pairs(PAPER_ENTRY), `id="${p}-paper-entry" data-c="${c.key}" data-f="paper_entry"`)}
          </div>`}
        </div>
        <p class="b-rules" id="${p}-rules">${rules}</p>
        <div class="b-status" id="${p}-status" aria-live="polite">${statusHtml(c)}</div>
        ${kindOptionsHtml(c)}
        ${isEvaluation(c) ? evaluationHtml(c) : candidatesHtml(c, i)}
        ${overridesHtml(c)}
        ${turnoutHtml(c)}
        ${Object.keys(c.extra).length ? `<p class="help">${t("JSON 中的其他字段 (原样保留)", "Other fields from the JSON (kept as they are)")}: <span class="mono">${esc(Object.keys(c.extra).join(", "))}</span></p>` : ""}
      </section>`;
  }

  function stylesHtml(ids) {
    const contests = st.contests;
    const groupOptions = [];
    for (const c of contests) {
      if (!isEvaluation(c)) continue;
      for (const g of c.groups) if (g.id && !groupOptions.some((o) => o[0] === g.id)) groupOptions.push([g.id, g.title || g.id]);
    }
    const rows = st.styles.map((s, n) => {
      const sp = `b-st${s.key}`;
      const d = `data-st="${s.key}"`;
      const who = s.unit.trim() || "全体";
      const boxes = contests.map((c, i) => `<td class="b-center"><input type="checkbox" id="${sp}-c${c.key}" ${d} data-c="${c.key}" data-f="has"${s.contests.has(c.key) ? " checked" : ""}
          aria-label="${esc(both(`${who} 的选民领 “${contestLabel(c, i)}”`, `voters of ${s.unit.trim() || "everyone"} get “${contestLabel(c, i)}”`))}"></td>`).join("");
      const group = groupOptions.length
        ? `<td>${sel(s.group, [["", "—"], ...groupOptions.map(([id, title]) => [id, title])], `id="${sp}-group" ${d} data-f="group" aria-label="${esc(both(`${who} 的测评组`, "evaluator group"))}"`)}</td>`
        : "";
      return `<tr data-st="${s.key}">
        <td><input id="${sp}-unit" ${d} data-f="unit" value="${esc(s.unit)}" placeholder="${esc(optionText("全体选民", "everyone"))}" aria-label="${esc(both(`第 ${n + 1} 种选票样式的单位`, `unit of ballot style ${n + 1}`))}"></td>
        <td><input id="${sp}-title" ${d} data-f="title" value="${esc(s.title)}" aria-label="${esc(both(`第 ${n + 1} 种选票样式的名称`, `title of ballot style ${n + 1}`))}"></td>
        ${boxes}${group}
        <td class="action"><button type="button" class="secondary small" data-act="remove-style" ${d} aria-label="${esc(both(`删除第 ${n + 1} 种选票样式`, `remove ballot style ${n + 1}`))}"${st.styles.length > 1 ? "" : " disabled"}>${t("删除", "Remove")}</button></td></tr>`;
    }).join("");
    const heads = contests.map((c, i) => `<th class="b-center b-st-head" data-c="${c.key}">${esc(contestLabel(c, i))}<br><span class="mono">${esc(ids.get(c.key))}</span></th>`).join("");
    const orphans = contests.filter((c) => !c.extra.parent && !st.styles.some((s) => s.contests.has(c.key)));
    return `
      <fieldset class="b-styles" id="b-styles">
        <legend>${t("选票样式 (按选举单位)", "Ballot styles (per unit)")}</legend>
        <p class="help">${t("每个选举单位 (选区、支部) 的选民领到哪些选举项目。单位名称须与选民名单的 “选举单位/选区” 一致; 留空表示全体选民。默认: 一种样式, 包含全部选举项目。",
          "Which contests the voters of each unit receive. A unit must be spelt as in the roll's unit column; empty means every voter. Default: one style with every contest.")}</p>
        <table class="compact b-table" id="b-styles-table">
          <thead><tr><th>${t("单位", "Unit")}</th><th>${t("名称 (可选)", "Title (optional)")}</th>${heads}${groupOptions.length ? `<th>${t("测评组", "Group")}</th>` : ""}<th></th></tr></thead>
          <tbody>${rows}</tbody>
        </table>
        <div class="b-actions">
          <button type="button" class="secondary" id="b-add-style" data-act="add-style">${t("+ 添加单位", "+ Add a unit")}</button>
        </div>
        <details class="b-paste" data-open="unitsPasteOpen"${st.unitsPasteOpen ? " open" : ""}>
          <summary>${t("粘贴多个单位", "Paste several units")}</summary>
          <label for="b-units-paste">${t("每行一个单位名称; 每个单位一种选票样式, 包含全部选举项目", "One unit a line; each gets a style with every contest")}</label>
          <textarea id="b-units-paste" rows="3" spellcheck="false"></textarea>
          <button type="button" class="secondary" id="b-units-add" data-act="paste-units">${t("加入", "Add")}</button>
        </details>
        ${orphans.length ? `<p class="notice" role="status">${t(`这些选举项目不在任何选票样式中, 无人能投: ${orphans.map((c) => contestLabel(c, contests.indexOf(c))).join("、")}`, `These contests are on no ballot style, so nobody can vote in them: ${orphans.map((c) => contestLabel(c, contests.indexOf(c))).join(", ")}`)}</p>` : ""}
      </fieldset>`;
  }

  function render() {
    const active = document.activeElement;
    const focusId = active && root.contains(active) ? active.id : null;
    const selection = focusId && typeof active.selectionStart === "number" ? [active.selectionStart, active.selectionEnd] : null;
    const ids = contestIds();
    const kindsNote = st.kindsError
      ? `<div class="notice bad" role="alert">${t("无法读取选举项目类别", "Cannot read the contest kinds")}: ${esc(st.kindsError)}</div>`
      : st.kinds.length ? "" : `<p class="help">${t("正在读取选举项目类别…", "Reading the contest kinds…")}</p>`;
    root.innerHTML = `
      ${kindsNote}
      <fieldset class="b-election">
        <legend>${t("选举", "Election")}</legend>
        <div class="field-row">
          <div class="field b-wide">
            <label for="b-title">${t("选举名称", "Election title")}</label>
            <input id="b-title" data-f="title" value="${esc(st.title)}" placeholder="${esc(optionText("例如: 青山镇第十六次党代会", "e.g. a township party congress"))}" autocomplete="off">
          </div>
          <div class="field">
            <label for="b-id">${t("选举 id (留空自动)", "Election id (empty: automatic)")}</label>
            <input id="b-id" data-f="id" value="${esc(st.id)}" placeholder="${esc(electionId())}" autocomplete="off" spellcheck="false" class="mono">
          </div>
        </div>
        <label class="check"><input type="checkbox" id="b-offline" data-f="offline"${st.offline ? " checked" : ""}> ${t("用于离线计票 (scrutineer tally): 在规格中写入每个项目的应到、实到和发出选票人数。在本服务上投票时不填, 这些数字由签到台提供。",
          "For the offline tally (scrutineer tally): write each contest's eligible, present and issued figures into the spec. Not needed for voting on this service: the desk supplies them.")}</label>
      </fieldset>
      <div id="b-contests">${st.contests.map((c, i) => contestHtml(c, i, ids)).join("")}</div>
      <p><button type="button" class="secondary" id="b-add-contest" data-act="add-contest">${t("+ 添加选举项目", "+ Add a contest")}</button></p>
      ${stylesHtml(ids)}`;
    if (focusId) {
      const el = document.getElementById(focusId);
      if (el) {
        el.focus({ preventScroll: true });
        if (selection && typeof el.setSelectionRange === "function") {
          try { el.setSelectionRange(selection[0], selection[1]); } catch { /* not a text field */ }
        }
      }
    }
  }

  /** Updates what depends on typed text (labels, counts, automatic ids) without re-rendering. */
  function refresh() {
    const ids = contestIds();
    const bid = root.querySelector("#b-id");
    if (bid) bid.placeholder = electionId();
    st.contests.forEach((c, i) => {
      const p = `b-c${c.key}`;
      const label = root.querySelector(`#${p}-h .b-label`);
      if (label) label.textContent = contestName(c) ? ` · ${contestName(c)}` : "";
      const count = root.querySelector(`#${p}-count`);
      if (count) count.innerHTML = countText(c);
      const id = root.querySelector(`#${p}-id`);
      if (id) id.placeholder = ids.get(c.key);
      const mm = root.querySelector(`#${p}-max-marks`);
      if (mm) mm.placeholder = c.seats;
      const head = root.querySelector(`.b-st-head[data-c="${c.key}"]`);
      if (head) head.innerHTML = `${esc(contestLabel(c, i))}<br><span class="mono">${esc(ids.get(c.key))}</span>`;
    });
  }

  function changed({ structural = false } = {}) {
    if (structural) render(); else refresh();
    onChange();
  }

  // ------------------------------------------------ annotations from the check

  /**
   * Shows the check's outcome on the contests: `{problem: {key, zh, en}}` (local),
   * `{error: {code, message}}` (the server refused), `{doc}` (the server's result with no
   * ballots: passed), or null (clear).
   */
  function annotate(outcome) {
    st.status = {};
    const ids = contestIds();
    if (outcome && outcome.problem && outcome.problem.key !== undefined) {
      st.status[outcome.problem.key] = { ok: false, zh: outcome.problem.zh, en: outcome.problem.en };
    } else if (outcome && outcome.error) {
      const quoted = [...String(outcome.error.message || "").matchAll(/“([^”]*)”/g)].map((m) => m[1]);
      const c = st.contests.find((x) => quoted.some((q) => q === ids.get(x.key) || q.startsWith(`${ids.get(x.key)}/`)));
      if (c) {
        const [zh, en] = splitMessage(outcome.error.message);
        st.status[c.key] = { ok: false, zh, en, code: outcome.error.code };
      }
    } else if (outcome && outcome.doc) {
      for (const c of st.contests) {
        const r = (outcome.doc.contests || []).find((x) => x.id === ids.get(c.key));
        if (!r) continue;
        const warnings = (r.warnings || []).filter((w) => w.code.startsWith("override_")).map((w) => {
          const [zh, en] = splitMessage(w.message);
          return { zh, en, code: w.code };
        });
        st.status[c.key] = isEvaluation(c) || c.kind === "recommendation"
          ? { ok: true, zh: "设置有效", en: "valid", warnings }
          : { ok: true, zh: "符合差额规定", en: "meets its surplus rule", warnings };
      }
    }
    for (const c of st.contests) {
      const el = root.querySelector(`#b-c${c.key}-status`);
      if (el) el.innerHTML = statusHtml(c);
    }
  }

  // ------------------------------------------------ events

  function setField(ev) {
    const el = ev.target;
    const f = el.dataset.f;
    if (!f) return null;
    const value = el.type === "checkbox" ? el.checked : el.value;
    const st_ = el.dataset.st !== undefined ? st.styles.find((s) => String(s.key) === el.dataset.st) : null;
    if (st_) {
      if (f === "has") {
        const key = Number(el.dataset.c);
        if (value) st_.contests.add(key); else st_.contests.delete(key);
        return { structural: true };
      }
      st_[f] = value;
      return { structural: f === "group" };
    }
    const c = el.dataset.c !== undefined ? contestByKey(el.dataset.c) : null;
    if (!c) {
      if (f === "offline") { st.offline = value; return { structural: true }; }
      st[f] = value;
      return { structural: false };
    }
    if (el.dataset.r !== undefined) {
      const r = c.rows.find((x) => String(x.key) === el.dataset.r);
      if (r) r[f] = value;
      return { structural: false };
    }
    if (el.dataset.s !== undefined) {
      const s = c.subjects.find((x) => String(x.key) === el.dataset.s);
      if (s) s[f] = value;
      return { structural: false };
    }
    if (el.dataset.g !== undefined) {
      const g = c.groups.find((x) => String(x.key) === el.dataset.g);
      if (g) g[f] = value;
      return { structural: false };
    }
    if (f.startsWith("ov.")) { c.ov[f.slice(3)] = value; return { structural: false }; }
    if (f.startsWith("turnout.")) { c.turnout[f.slice(8)] = value; return { structural: false }; }
    c[f] = value;
    return { structural: ["kind", "mode", "showAttrs", "scale", "only_one_nominated", "uniform_void", "q_comparison"].includes(f) };
  }

  const isToggle = (el) => el.tagName === "SELECT" || el.type === "checkbox" || el.type === "radio" || el.type === "file";

  root.addEventListener("input", (ev) => {
    if (isToggle(ev.target) || ev.target.tagName === "TEXTAREA") return;
    const r = setField(ev);
    if (r) changed({ structural: false });
  });
  root.addEventListener("change", (ev) => {
    const el = ev.target;
    if (el.type === "file") { importFile(el); return; }
    if (!isToggle(el)) return;
    const r = setField(ev);
    if (r) changed(r);
  });
  // <details> remember whether they are open across re-renders ("toggle" does not bubble).
  root.addEventListener("toggle", (ev) => {
    const d = ev.target;
    if (!(d instanceof HTMLDetailsElement) || !d.dataset.open) return;
    const c = d.dataset.c !== undefined ? contestByKey(d.dataset.c) : st;
    if (c) c[d.dataset.open] = d.open;
  }, true);
  root.addEventListener("keydown", (ev) => {
    const el = ev.target;
    if (ev.key !== "Enter" || el.tagName !== "INPUT" || isToggle(el)) return;
    // Enter must not submit the creation form from inside the builder.
    ev.preventDefault();
    if (el.dataset.f !== "name" || (el.dataset.r === undefined && el.dataset.s === undefined)) return;
    // In a list of names, Enter goes to the next row (a new one after the last).
    const c = contestByKey(el.dataset.c);
    const list = el.dataset.r !== undefined ? c.rows : c.subjects;
    const at = list.findIndex((x) => String(x.key) === (el.dataset.r ?? el.dataset.s));
    let nextItem = list[at + 1];
    if (!nextItem) {
      if (!el.value.trim()) return;
      nextItem = el.dataset.r !== undefined ? newRow() : { key: next(), id: freshId("s"), name: "" };
      list.push(nextItem);
      changed({ structural: true });
    }
    const id = el.dataset.r !== undefined ? `b-c${c.key}-r${nextItem.key}-name` : `b-c${c.key}-s${nextItem.key}-name`;
    const target = document.getElementById(id);
    if (target) target.focus();
  });
  root.addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-act]");
    if (!b || !root.contains(b)) return;
    const c = b.dataset.c !== undefined ? contestByKey(b.dataset.c) : null;
    const focus = (id) => { const el = document.getElementById(id); if (el) el.focus(); };
    switch (b.dataset.act) {
      case "add-contest": {
        const nc = newContest();
        st.contests.push(nc);
        for (const s of st.styles) s.contests.add(nc.key);
        changed({ structural: true });
        focus(`b-c${nc.key}-kind`);
        break;
      }
      case "remove-contest": {
        const i = st.contests.indexOf(c);
        const named = c.rows.some((r) => r.name.trim()) || c.subjects.some((s) => s.name.trim());
        if (named && !confirm(`删除选举项目 “${contestLabel(c, i)}” 及其名单?\nRemove the contest “${contestLabel(c, i)}” and its list?`)) return;
        st.contests.splice(i, 1);
        for (const s of st.styles) s.contests.delete(c.key);
        changed({ structural: true });
        focus(st.contests.length ? `b-c${st.contests[Math.min(i, st.contests.length - 1)].key}-kind` : "b-add-contest");
        break;
      }
      case "add-row": {
        const r = newRow();
        c.rows.push(r);
        changed({ structural: true });
        focus(`b-c${c.key}-r${r.key}-name`);
        break;
      }
      case "remove-row": {
        const i = c.rows.findIndex((r) => String(r.key) === b.dataset.r);
        c.rows.splice(i, 1);
        changed({ structural: true });
        focus(c.rows[i] ? `b-c${c.key}-r${c.rows[i].key}-name` : `b-c${c.key}-add-row`);
        break;
      }
      case "add-subject": {
        const s = { key: next(), id: freshId("s"), name: "" };
        c.subjects.push(s);
        changed({ structural: true });
        focus(`b-c${c.key}-s${s.key}-name`);
        break;
      }
      case "remove-subject": {
        const i = c.subjects.findIndex((s) => String(s.key) === b.dataset.s);
        c.subjects.splice(i, 1);
        changed({ structural: true });
        focus(c.subjects[i] ? `b-c${c.key}-s${c.subjects[i].key}-name` : `b-c${c.key}-add-row`);
        break;
      }
      case "add-group": {
        const g = { key: next(), id: freshId("g"), title: "", weight: "" };
        c.groups.push(g);
        changed({ structural: true });
        focus(`b-c${c.key}-g${g.key}-title`);
        break;
      }
      case "remove-group": {
        c.groups = c.groups.filter((g) => String(g.key) !== b.dataset.g);
        changed({ structural: true });
        focus(`b-c${c.key}-add-group`);
        break;
      }
      case "clear": {
        const list = isEvaluation(c) ? c.subjects : c.rows;
        if (list.some((x) => x.name.trim()) && !confirm("清空这份名单? / Clear this list?")) return;
        if (isEvaluation(c)) c.subjects = []; else c.rows = [];
        c.importMsg = null;
        changed({ structural: true });
        focus(`b-c${c.key}-add-row`);
        break;
      }
      case "paste": {
        const area = document.getElementById(`b-c${c.key}-paste`);
        const res = pasteToPeople(area.value, electionDate());
        if (res.error) { c.importMsg = { ok: false, ...res.error }; render(); return; }
        addPeople(c, res.people);
        const n = res.people.length;
        c.importMsg = { ok: true, zh: `已加入 ${n} 名`, en: `${n} added`, warnings: res.warnings };
        area.value = "";
        changed({ structural: true });
        focus(`b-c${c.key}-paste`);
        break;
      }
      case "add-style": {
        const s = newStyle(firstRound().map((x) => x.key));
        st.styles.push(s);
        changed({ structural: true });
        focus(`b-st${s.key}-unit`);
        break;
      }
      case "remove-style": {
        if (st.styles.length <= 1) return;
        st.styles = st.styles.filter((s) => String(s.key) !== b.dataset.st);
        changed({ structural: true });
        focus("b-add-style");
        break;
      }
      case "paste-units": {
        const area = document.getElementById("b-units-paste");
        const units = [...new Set(area.value.split(/\r?\n/).map((u) => u.trim()).filter(Boolean))];
        if (!units.length) return;
        // A lone default style (every voter) gives way to the units.
        if (st.styles.length === 1 && !st.styles[0].unit.trim() && !st.styles[0].title.trim()) st.styles = [];
        const have = new Set(st.styles.map((s) => s.unit.trim()));
        for (const u of units) {
          if (have.has(u)) continue;
          const s = newStyle(firstRound().map((x) => x.key));
          s.unit = u;
          st.styles.push(s);
        }
        area.value = "";
        changed({ structural: true });
        focus("b-units-paste");
        break;
      }
      default:
        break;
    }
  });

  /** Appends people (from a paste or a file) to a contest's list, with fresh ids. */
  function addPeople(c, people) {
    // Ids given in the file are kept when free; the others are numbered on from the largest.
    const prefix = isEvaluation(c) ? "s" : "c";
    const taken = new Set(st.contests.flatMap((x) => (isEvaluation(c) ? x.subjects : x.rows).map((r) => r.id)));
    let n = maxIdNumber(prefix);
    const idFor = (p) => {
      let id = p.id && !taken.has(p.id) ? p.id : `${prefix}${(n += 1)}`;
      while (id !== p.id && taken.has(id)) id = `${prefix}${(n += 1)}`;
      taken.add(id);
      return id;
    };
    if (isEvaluation(c)) {
      for (const p of people) c.subjects.push({ key: next(), id: idFor(p), name: p.name });
      return;
    }
    // Rows left empty are dropped so the list reads as pasted.
    c.rows = c.rows.filter((r) => r.name.trim());
    for (const p of people) c.rows.push(newRow({ ...p, id: idFor(p) }));
    if (people.some((p) => Object.keys(p.attrs).length || Object.keys(p.other).length)) c.showAttrs = true;
  }

  async function importFile(input) {
    const c = contestByKey(input.dataset.c);
    const file = input.files && input.files[0];
    if (!c || !file) return;
    let rows;
    let gbk = false;
    try {
      if (/\.xls$/i.test(file.name)) {
        throw Object.assign(new Error(), { zh: "旧版 .xls 文件不能读取, 请在 Excel 或 WPS 中另存为 .xlsx 或 CSV", en: "old .xls files cannot be read: save as .xlsx or CSV" });
      }
      const buffer = await file.arrayBuffer();
      const bytes = new Uint8Array(buffer, 0, Math.min(4, buffer.byteLength));
      const zip = bytes[0] === 0x50 && bytes[1] === 0x4b;
      if (zip || /\.xlsx$/i.test(file.name)) {
        rows = await readFirstSheet(buffer);
      } else {
        const d = decodeText(buffer);
        gbk = d.gbk;
        rows = parseDelimited(d.text, detectDelimiter(d.text));
      }
    } catch (e) {
      c.importMsg = { ok: false, zh: `无法读取 ${file.name}: ${e.zh || e.message}`, en: `cannot read ${file.name}: ${e.en || e.message}`, code: e.code || "import_unreadable" };
      render();
      return;
    }
    const res = tableToPeople(rows, electionDate());
    if (res.error) {
      c.importMsg = { ok: false, zh: `${file.name}: ${res.error.zh}`, en: `${file.name}: ${res.error.en}`, code: "import_header" };
      render();
      return;
    }
    const list = isEvaluation(c) ? c.subjects : c.rows;
    const named = list.filter((x) => x.name.trim()).length;
    if (named && !confirm(`用 ${file.name} 的 ${res.people.length} 名替换现有的 ${named} 名?\nReplace the ${named} on the list with the ${res.people.length} in ${file.name}?`)) {
      input.value = "";
      return;
    }
    if (isEvaluation(c)) c.subjects = []; else c.rows = [];
    addPeople(c, res.people);
    const warnings = [...res.warnings];
    if (gbk) warnings.unshift({ zh: "文件不是 UTF-8, 已按 GBK (GB18030) 读取; 请核对姓名", en: "the file is not UTF-8 and was read as GBK (GB18030): check the names" });
    c.importMsg = { ok: true, zh: `已从 ${file.name} 导入 ${res.people.length} 名`, en: `${res.people.length} imported from ${file.name}`, warnings };
    changed({ structural: true });
  }

  function setKinds(kinds, error = null) {
    st.kinds = Array.isArray(kinds) ? kinds : [];
    st.kindsError = error;
    render();
  }

  // The first state: one contest to fill in, one style with it.
  st.contests = [newContest()];
  st.styles = [newStyle([st.contests[0].key])];
  render();

  return { setKinds, load, loadStyles, spec, styles, problems, annotate, render, refresh };
}

/** A server message "中文 / English" as [zh, en] (the whole message twice when it has no " / "). */
export function splitMessage(message) {
  const m = String(message || "");
  const at = m.indexOf(" / ");
  return at < 0 ? [m, m] : [m.slice(0, at), m.slice(at + 3)];
}

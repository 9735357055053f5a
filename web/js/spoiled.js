// Opening a spoiled ballot: the "check" of cast-or-check (a Benaloh challenge, docs/E2E.md
// §8.4). A voter who chose 核验 at the kiosk, or a 监票人 testing a kiosk, sees here what the
// kiosk really encrypted. Shared by the public check page (verify.js) and the teller page's
// kiosk test card (teller.js).
//
// Nothing is taken on the server's word that the bytes can show: the entry's bytes (the
// RFC 6962 leaf the receipt names) are decoded here, the encrypted contests and their
// openings come from those bytes (not from the JSON beside them), the confirmation code is
// recomputed from them, and each contest is opened with e2e.js (verify the proofs, recover
// the plaintext with the revealed nonces, re-encrypt and compare every ciphertext). Only the
// words come from the server: titles, candidate and subject names, grade labels and the
// contest's shape, matched to the logged lines by contest id and group.
//
//   entry = version u8 (1) ‖ kind u8 (spoiled_ballot = 23) ‖ prev [32] ‖ body_len u32be ‖ body
//   body  = version u8 (1) ‖ round u8 ‖ style u16be ‖ serial [16] ‖ time u64be ‖
//           kiosk_len u16be ‖ kiosk ‖ count u16be ‖ line × count
//   line  = contest_len u16be ‖ contest ‖ group_len u16be ‖ group ‖
//           ballot_len u32be ‖ ballot ‖ opening_len u32be ‖ opening

import { esc, t, checkTime } from "./common.js";
import { openContest, fingerprint, toHex, confirmationCode, E2EError } from "./e2e.js";
import * as tlog from "./tlog.js";

export const ENTRY_VERSION = 1;
export const KIND_SPOILED_BALLOT = 23;
export const SPOILED_BODY_VERSION = 1;

/** A failure that stops the opening, in words: `code`, `zh`, `en`. */
export class SpoiledError extends Error {
  constructor(code, zh, en) {
    super(en);
    this.name = "SpoiledError";
    this.code = code;
    this.zh = zh;
    this.en = en;
  }
}

const fail = (code, zh, en) => { throw new SpoiledError(code, zh, en); };
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Strict big-endian reader over bytes; every shortfall is a `bad_entry` in words. */
class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.at = 0;
  }
  take(n, what) {
    if (this.at + n > this.bytes.length) {
      fail("bad_entry", `记录在读取${what}时提前结束`, `the entry ends early, reading the ${what}`);
    }
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  u8(what) { return this.take(1, what)[0]; }
  u16(what) { const b = this.take(2, what); return (b[0] << 8) | b[1]; }
  u32(what) { const b = this.take(4, what); return ((b[0] << 24) >>> 0) + ((b[1] << 16) | (b[2] << 8) | b[3]); }
  u64(what) {
    const b = this.take(8, what);
    let v = 0n;
    for (const x of b) v = (v << 8n) | BigInt(x);
    return v;
  }
  text16(what) {
    const b = this.take(this.u16(`${what}长度 / ${what} length`), what);
    try {
      return strictUtf8.decode(b);
    } catch {
      return fail("bad_entry", `记录中的${what}不是 UTF-8`, `the ${what} in the entry is not UTF-8`);
    }
  }
  blob32(what) {
    return this.take(this.u32(what), what);
  }
  end(what) {
    if (this.at !== this.bytes.length) {
      fail("bad_entry", `${what}末尾多出 ${this.bytes.length - this.at} 字节`, `${this.bytes.length - this.at} bytes left over after the ${what}`);
    }
  }
}

/** The header of a log entry: `{version, kind, prev, body}` (docs/LOG_FORMAT.md). */
export function decodeEntry(bytes) {
  const r = new Reader(bytes);
  const version = r.u8("版本 / version");
  if (version !== ENTRY_VERSION) fail("bad_entry", `记录版本 ${version} 未知`, `unknown entry version ${version}`);
  const kind = r.u8("类别 / kind");
  const prev = r.take(32, "前一条的哈希 / previous hash");
  const body = r.blob32("正文 / body");
  r.end("记录 / entry");
  return { version, kind, prev, body };
}

/** The body of a `spoiled_ballot` entry (src/record/spoiled.rs), decoded strictly. */
export function decodeSpoiledBody(bytes) {
  const r = new Reader(bytes);
  const version = r.u8("正文版本 / body version");
  if (version !== SPOILED_BODY_VERSION) fail("bad_entry", `作废选票的格式版本 ${version} 未知`, `unknown spoiled ballot version ${version}`);
  const round = r.u8("轮次 / round");
  const style = r.u16("选票样式 / style");
  const serial = r.take(16, "选票码序号 / token serial").slice();
  const time = r.u64("时间 / time");
  const kiosk = r.text16("投票机名称 / kiosk name");
  const count = r.u16("项目数 / line count");
  const lines = [];
  for (let i = 0; i < count; i++) {
    const contest = r.text16("项目 / contest id");
    const group = r.text16("测评组 / group id");
    const ballot = r.blob32("加密选票 / encrypted contest").slice();
    const opening = r.blob32("随机数 / opening").slice();
    lines.push({ contest, group, ballot, opening });
  }
  r.end("作废选票 / spoiled ballot");
  return { round, style, serial, time: Number(time), kiosk, lines };
}

/** Words for an e2e.js error met while opening one contest: `{code, zh, en, detail}`. */
export function describeOpeningError(err) {
  const code = err instanceof E2EError ? err.code : err?.code || "error";
  const detail = String(err?.message ?? err);
  if (code === "opening_mismatch") {
    return { code, detail,
      zh: "投票机给出的随机数不能还原这张选票: 投票机可能有问题, 请告知监票人",
      en: "The randomness the kiosk gave does not reproduce this ballot: the kiosk may be faulty; please tell a scrutineer" };
  }
  if (code === "invalid_shape" || code === "invalid_context") {
    return { code, detail,
      zh: "服务器给出的选票格式与这张选票不符, 无法核验: 请告知监票人",
      en: "The ballot layout the server gave does not fit this ballot, so it cannot be checked: please tell a scrutineer" };
  }
  return { code, detail,
    zh: "这张加密选票本身无效 (编码或证明有误): 投票机可能有问题, 请告知监票人",
    en: "This encrypted ballot is itself invalid (its encoding or a proof is wrong): the kiosk may be faulty; please tell a scrutineer" };
}

function bytesOf(value, what) {
  const b = tlog.base64ToBytes(typeof value === "string" ? value : "");
  if (!b) fail("bad_answer", `服务器给出的${what}不是 base64`, `the ${what} from the server is not base64`);
  return b;
}

/**
 * Opens a spoiled ballot from `GET /api/v1/spoiled/{index}`. `receiptHash` (bytes or hex; the
 * hash the receipt check proved in the log) must equal SHA-256(0x00 ‖ entry) when given.
 * Throws a SpoiledError when the entry cannot be read or does not agree with what the
 * server says about it. Returns `{index, receipt, hashChecked, entryHash, kiosk, time (Unix
 * s), round, style, serial (hex), code, confirmationHash, fingerprint, electionId, contests,
 * ok, problems, test}`; each contest is `{contest, group, title, kind, against_label,
 * candidates, subjects, scale, plaintext}` or, when it does not open, `{…, error: {code,
 * zh, en, detail}}`. `problems` lists non-fatal disagreements (`{zh, en}`).
 */
export async function openSpoiled(data, receiptHash) {
  if (!data || typeof data !== "object") fail("bad_answer", "服务器没有给出作废选票的数据", "the server gave no spoiled ballot data");
  const entry = bytesOf(data.entry, "记录 / entry");
  const entryHash = await tlog.leafHash(entry);
  let hashChecked = false;
  if (receiptHash) {
    const want = typeof receiptHash === "string" ? tlog.hexToBytes(receiptHash, 32) : receiptHash;
    if (!tlog.equalBytes(entryHash, want)) {
      fail("entry_hash", "服务器给出的选票记录与回执所证明的记录哈希不符: 这不是日志里的那一条",
        "the entry the server gave does not have the hash the receipt proves: it is not the entry in the log");
    }
    hashChecked = true;
  }
  const head = decodeEntry(entry);
  if (head.kind !== KIND_SPOILED_BALLOT) {
    fail("not_spoiled", `日志第 ${data.index} 条不是作废 (核验) 的选票 (类别 ${head.kind})`, `log entry ${data.index} is not a spoiled ballot (kind ${head.kind})`);
  }
  const body = decodeSpoiledBody(head.body);
  const serial = toHex(body.serial);
  const problems = [];
  const disagree = (what, said, logged) => problems.push({
    zh: `服务器说${what}是 “${said}”, 记录中是 “${logged}” (以记录为准)`,
    en: `the server says the ${what} is "${said}"; the entry says "${logged}" (the entry counts)`,
  });
  if (data.round !== undefined && data.round !== body.round) disagree("轮次 / round", data.round, body.round);
  if (data.style !== undefined && data.style !== body.style) disagree("选票样式 / style", data.style, body.style);
  if (data.token_serial !== undefined && String(data.token_serial).toLowerCase() !== serial) disagree("选票码序号 / token serial", data.token_serial, serial);
  if (data.kiosk !== undefined && data.kiosk !== body.kiosk) disagree("投票机 / kiosk", data.kiosk, body.kiosk);

  const { code, hash } = confirmationCode({ round: body.round, style: body.style, serial: body.serial, lines: body.lines });
  if (data.confirmation && data.confirmation !== code) disagree("确认码 / confirmation code", data.confirmation, code);

  const key = bytesOf(data.key, "选举密钥 / election key");
  let fp;
  try {
    fp = fingerprint(key);
  } catch (err) {
    fail("bad_key", `服务器给出的选举密钥无效 (${err.message})`, `the election key from the server is invalid (${err.message})`);
  }
  if (data.fingerprint && data.fingerprint !== fp) disagree("密钥指纹 / key fingerprint", data.fingerprint, fp);
  const electionId = data.election_id;
  if (typeof electionId !== "string" || !electionId) fail("bad_answer", "服务器没有给出选举标识", "the server gave no election id");

  // Words from the server, matched to the logged lines by contest id and group.
  const meta = Array.isArray(data.lines) ? data.lines : [];
  if (meta.length !== body.lines.length) {
    fail("line_mismatch", `记录中有 ${body.lines.length} 个项目, 服务器说明了 ${meta.length} 个`, `the entry holds ${body.lines.length} contests; the server describes ${meta.length}`);
  }
  const used = new Set();
  const contests = body.lines.map((l) => {
    const j = meta.findIndex((m, k) => !used.has(k) && m && m.contest === l.contest && (m.group ?? "") === l.group);
    if (j < 0) {
      fail("line_mismatch", `记录中的项目 “${l.contest}”${l.group ? ` (${l.group})` : ""} 在服务器的说明中找不到`,
        `the server does not describe the entry's contest "${l.contest}"${l.group ? ` (${l.group})` : ""}`);
    }
    used.add(j);
    const m = meta[j];
    const out = {
      contest: l.contest,
      group: l.group,
      title: m.title || l.contest,
      kind: m.kind || "",
      against_label: m.against_label || "",
      candidates: Array.isArray(m.candidates) ? m.candidates : [],
      subjects: Array.isArray(m.subjects) ? m.subjects : null,
      scale: m.scale && typeof m.scale === "object" ? m.scale : null,
      plaintext: null,
      error: null,
    };
    try {
      const context = { electionId, contestId: l.contest, groupId: l.group, tokenSerial: body.serial };
      out.plaintext = openContest(key, m.shape, context, l.ballot, l.opening);
    } catch (err) {
      out.error = describeOpeningError(err);
    }
    return out;
  });
  return {
    index: data.index,
    receipt: data.receipt,
    hashChecked,
    entryHash: toHex(entryHash),
    kiosk: body.kiosk,
    time: body.time,
    round: body.round,
    style: body.style,
    serial,
    code,
    confirmationHash: toHex(hash),
    fingerprint: fp,
    electionId,
    contests,
    ok: contests.every((c) => !c.error),
    problems,
    test: data.test || null,
  };
}

// ------------------------------------------------------------------ words

const GRADE_EN = {
  excellent: "Excellent", competent: "Competent", basic: "Basically competent", incompetent: "Incompetent",
  good: "Good", fairly_good: "Fairly good", average: "Average", poor: "Poor",
  qualified: "Qualified", unqualified: "Unqualified",
};

/** A Unix time (seconds) or an RFC 3339 string in the hall's time zone (common.js). */
export function localTime(value) {
  return esc(checkTime(value));
}

/** The HTML of one opened contest, grouped as the kiosk's review screen groups it. */
export function renderContest(c) {
  const attrs = `class="spoiled-contest" data-contest="${esc(c.contest)}" data-group="${esc(c.group)}" data-status="${c.error ? "fail" : "ok"}"`;
  const head = `<h3>${esc(c.title)}${c.group ? ` <span class="sub">(${esc(c.group)})</span>` : ""}</h3>`;
  if (c.error) {
    return `<section ${attrs}>${head}<div class="notice bad" role="alert">✗ ${t(c.error.zh, c.error.en)} <span class="mono">[${esc(c.error.code)}]</span>
      <div class="sub mono">${esc(c.error.detail)}</div></div></section>`;
  }
  const p = c.plaintext;
  if (Array.isArray(p.grades)) {
    const grades = c.scale?.grades || [];
    const labels = c.scale?.labels || grades;
    const subjects = c.subjects || [];
    const rows = p.grades.map((g, i) => {
      const s = subjects[i] || { id: String(i), name: `第 ${i + 1} 个对象 / subject ${i + 1}` };
      const key = g === null ? "" : grades[g] ?? String(g);
      const word = g === null
        ? t("未评 (弃权)", "not rated (abstain)")
        : t(labels[g] ?? key, GRADE_EN[key] ?? key);
      return `<li class="choice" data-subject="${esc(s.id)}" data-grade-index="${g === null ? "" : g}" data-grade="${esc(key)}"><span class="who">${esc(s.name)}</span>: <strong>${word}</strong></li>`;
    }).join("");
    return `<section ${attrs}>${head}<ul class="opened-lines">${rows}</ul></section>`;
  }
  // A candidate contest: the listed candidates in the order the kiosk showed them, then any
  // ballot position the server did not name.
  const names = new Map();
  const order = [];
  for (const x of c.candidates) {
    const i = Number(x.index);
    if (Number.isInteger(i) && i >= 0 && i < p.marks.length && !names.has(i)) {
      names.set(i, x.name);
      order.push(i);
    }
  }
  for (let i = 0; i < p.marks.length; i++) {
    if (!names.has(i)) {
      names.set(i, `第 ${i + 1} 位候选人 / candidate ${i + 1}`);
      order.push(i);
    }
  }
  const against = c.against_label || "反对";
  const row = (mark, zh, en, items) =>
    `<li class="opened-mark" data-mark="${mark}"><strong>${t(`${zh} ${items.length} 人`, `${en}: ${items.length}`)}</strong>${items.length ? ": " + items.join("、") : ""}</li>`;
  const chip = (i, mark) => `<span class="choice who" data-candidate-index="${i}" data-mark="${mark}">${esc(names.get(i))}</span>`;
  const by = (mark) => order.filter((i) => p.marks[i] === mark).map((i) => chip(i, mark));
  const writeIns = (p.write_ins || []).map((w, j) => (w === null ? null : `<span class="choice who write-in" data-write-in="${j}" data-mark="for">${esc(w)}</span>`)).filter(Boolean);
  const voided = p.void
    ? `<p class="notice bad void" data-void="true">${t("这张选票被加密为废票: 所有候选人按弃权计, 不计入任何人。", "This ballot was encrypted as void: every candidate counts as abstaining; it counts for no one.")}</p>`
    : "";
  return `<section ${attrs}>${head}${voided}<ul class="opened-lines">
    ${row("for", "赞成", "For", by("for"))}
    ${row("against", against, "Against", by("against"))}
    ${row("abstain", "弃权", "Abstain", by("abstain"))}
    ${(p.write_ins || []).length ? row("write-in", "另选", "Written in", writeIns) : ""}
  </ul></section>`;
}

/** The HTML of every opened contest of `openSpoiled`'s answer. */
export function renderChoices(opened) {
  return opened.contests.map(renderContest).join("");
}

/** Non-fatal disagreements between the server's words and the entry, as a warning (or ""). */
export function renderProblems(opened) {
  if (!opened.problems.length) return "";
  return `<div class="notice warn" role="status">${t("服务器的说明与记录有出入 (以记录为准), 请告知监票人:", "What the server says differs from the entry (the entry counts); please tell a scrutineer:")}
    <ul>${opened.problems.map((p) => `<li>${t(p.zh, p.en)}</li>`).join("")}</ul></div>`;
}

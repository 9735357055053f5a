// The public receipt check (/verify). Everything that matters is verified here, in the
// browser, with tlog.js: the checkpoint's Ed25519 signature by the log key, its origin, the
// inclusion proof of the ballot's entry against the checkpoint's root, and the receipt code's
// hash part. The server only supplies data.
//
// Cast-or-check (encrypted elections): a receipt of kind `spoiled_ballot` is a ballot the
// voter chose to check instead of casting. After the log checks, this page fetches it, opens
// it here with spoiled.js (the entry's bytes, the kiosk's revealed randomness, e2e.js) and
// shows the confirmation code the kiosk showed and the choices it really encrypted, so the
// voter can compare them with what they pressed. A cast `encrypted_ballot` shows its
// confirmation code only (a cast ballot is never opened). A confirmation code (XXXX-XXXX-XXXX-XXXX)
// typed instead of a receipt looks up the ballot(s) that carry it.
//
// DOM contract: #receipt-input, #receipt-check (submit of #receipt-form), #receipt-result
// (data-status = checking | ok | fail; one li[data-step] per check with class ok | bad | skip),
// #results (published results, links to /board/{index}), #lang. ?receipt=CODE prefills and checks.
// Spoiled ballots: #spoiled-result (data-status ok | fail), #spoiled-code (the confirmation
// code), .spoiled-contest[data-contest] with .choice[data-candidate-index][data-mark] (for |
// against | abstain), write-ins .choice.write-in, grades .choice[data-subject][data-grade]; a
// cast encrypted ballot: #confirmation-code. The e2e code loads only when needed.

import { esc, t, api, languageSwitch } from "./common.js";
import * as tlog from "./tlog.js";

const $ = (id) => document.getElementById(id);
const result = $("receipt-result");
const input = $("receipt-input");
const button = $("receipt-check");

languageSwitch($("lang"));

/** A verdict line: the mark once, then the Chinese and (under it) the English. */
const verdict = (mark, zh, en) => `<p class="bi verdict">${mark} ${t(zh, en)}</p>`;

function setResult(status, html) {
  result.dataset.status = status;
  result.innerHTML = html;
}

function failure(zh, en, extra = "") {
  setResult("fail", `<div class="notice bad" role="alert">${verdict("✗", zh, en)}</div>${extra}`);
}

// ------------------------------------------------------------------ the checks

const ok = (zh, en, detailZh = "", detailEn = "") => ({ status: "ok", zh, en, detailZh, detailEn });
const bad = (zh, en, err) => ({ status: "bad", zh, en, detailZh: err.zh || String(err.message || err), detailEn: err.en || String(err.message || err) });
const skip = (zh, en, detailZh, detailEn) => ({ status: "skip", zh, en, detailZh, detailEn });
const problem = (zh, en) => new tlog.TlogError("check", zh, en);

/**
 * Runs the four checks independently, so that every failing one is named.
 * Returns {steps, facts} where steps maps a step id to its outcome.
 */
async function runChecks(parsed, receipt, keys) {
  const steps = {};
  const facts = { engine: null };
  let key = null, keyError = null, checkpoint = null, checkpointError = null;

  // 1. The checkpoint is signed by the log key.
  const sigTitle = ["检查点由日志密钥签名", "The checkpoint is signed by the log key"];
  try {
    key = await tlog.parseVerifierKey(keys.log_key);
    facts.key = key;
    const { engine } = await tlog.verifyNote(receipt.checkpoint, [key]);
    facts.engine = engine;
    steps.signature = ok(...sigTitle,
      `日志密钥 ${key.name}, 密钥 ID ${tlog.keyIdHex(key.keyId)}; Ed25519 签名在本浏览器中验证通过 (${engine === "webcrypto" ? "WebCrypto" : "内置实现"})。`,
      `Log key ${key.name}, key ID ${tlog.keyIdHex(key.keyId)}; the Ed25519 signature verified in this browser (${engine === "webcrypto" ? "WebCrypto" : "built-in code"}).`);
  } catch (err) {
    if (!key) keyError = err;
    steps.signature = bad(...sigTitle, err);
  }

  try {
    checkpoint = tlog.parseCheckpoint(tlog.parseNote(receipt.checkpoint).text);
    facts.checkpoint = checkpoint;
  } catch (err) {
    checkpointError = err;
  }

  // 2. The checkpoint belongs to this election's log.
  const originTitle = ["检查点属于本选举的日志", "The checkpoint belongs to this election's log"];
  if (!checkpoint) {
    steps.origin = bad(...originTitle, checkpointError);
  } else {
    try {
      const expected = keys.origin;
      if (typeof expected !== "string" || expected !== `scrutineer/${keys.election}`) {
        throw problem(`服务器给出的日志名 “${expected}” 与选举 “${keys.election}” 不对应`, `The server's log name "${expected}" does not belong to election "${keys.election}"`);
      }
      if (checkpoint.origin !== expected) {
        throw problem(`检查点属于 “${checkpoint.origin}”, 不是本选举的日志 “${expected}”`, `The checkpoint is for "${checkpoint.origin}", not this election's log "${expected}"`);
      }
      if (key && key.name !== expected) {
        throw problem(`日志密钥名 “${key.name}” 不是本选举的日志 “${expected}”`, `The log key is named "${key.name}", not after this election's log "${expected}"`);
      }
      steps.origin = ok(...originTitle, `日志名 ${expected}`, `Log name ${expected}`);
    } catch (err) {
      steps.origin = bad(...originTitle, err);
    }
  }

  // 3. The entry is in the tree whose root the checkpoint signs.
  const inclusionTitle = ["您的选票在签名的日志里", "Your ballot is in the signed log"];
  let hash = null;
  try {
    hash = tlog.hexToBytes(String(receipt.hash), 32);
  } catch { /* reported below */ }
  if (!checkpoint) {
    steps.inclusion = skip(...inclusionTitle, "检查点无法读取, 无法核对包含证明。", "The checkpoint could not be read, so the inclusion proof could not be checked.");
  } else {
    try {
      if (!hash) throw problem(`服务器给出的记录哈希 “${receipt.hash}” 不是 32 字节的十六进制数`, `The entry hash "${receipt.hash}" from the server is not 32 bytes of hex`);
      if (String(receipt.tree_size) !== checkpoint.size.toString()) {
        throw problem(`证明所用的树大小 ${receipt.tree_size} 与签名检查点的大小 ${checkpoint.size} 不同`, `The proof is for tree size ${receipt.tree_size}, but the signed checkpoint has size ${checkpoint.size}`);
      }
      if (!Array.isArray(receipt.proof)) throw problem("服务器没有给出包含证明", "The server gave no inclusion proof");
      // The index comes from the voter's own code, the size and root from the signed checkpoint.
      await tlog.verifyInclusion(hash, parsed.index, checkpoint.size, receipt.proof, checkpoint.root);
      steps.inclusion = ok(...inclusionTitle,
        `用第 ${parsed.index} 条的哈希和 ${receipt.proof.length} 个证明哈希 (RFC 9162) 重新算出的根哈希, 与第 ${checkpoint.size} 号检查点的根哈希相同。`,
        `The root recomputed from entry ${parsed.index}'s hash and ${receipt.proof.length} proof hashes (RFC 9162) equals the root of checkpoint ${checkpoint.size}.`);
    } catch (err) {
      steps.inclusion = bad(...inclusionTitle, err);
    }
  }

  // 4. The receipt code names this entry.
  const codeTitle = ["回执码与这条记录相符", "The receipt code matches this entry"];
  try {
    if (!hash) throw problem(`服务器给出的记录哈希 “${receipt.hash}” 不是 32 字节的十六进制数`, `The entry hash "${receipt.hash}" from the server is not 32 bytes of hex`);
    const expected = tlog.receiptCode(parsed.index, hash);
    if (expected !== parsed.code) {
      throw problem(`回执码 ${parsed.code} 的哈希部分与第 ${parsed.index} 条记录的哈希 (应为 ${expected}) 不符`, `The hash part of ${parsed.code} does not match entry ${parsed.index}'s hash (that would be ${expected})`);
    }
    steps.code = ok(...codeTitle,
      `${parsed.hashPart} 是记录哈希前 10 字节的 Crockford base32 编码。`,
      `${parsed.hashPart} is the Crockford base32 of the first 10 bytes of the entry hash.`);
  } catch (err) {
    steps.code = bad(...codeTitle, err);
  }

  if (keyError && steps.origin.status === "ok") {
    // The origin check could not compare the key's name: say so rather than pass silently.
    steps.origin = skip(...originTitle, "日志密钥无法读取, 只核对了检查点的日志名。", "The log key could not be read; only the checkpoint's log name was checked.");
  }
  return { steps, facts, hash };
}

// ------------------------------------------------------------------ rendering

const STEP_ORDER = ["signature", "origin", "inclusion", "code"];
const MARK = { ok: "✓", bad: "✗", skip: "–" };

function renderSteps(steps) {
  return `<ol class="steps">${STEP_ORDER.map((id) => {
    const s = steps[id];
    const cls = s.status;
    return `<li data-step="${id}" class="${cls}"><span class="mark ${cls === "ok" ? "ok" : cls === "bad" ? "bad" : "muted"}" aria-hidden="true">${MARK[cls]}</span>
      <span class="title">${t(s.zh, s.en)}<span class="visually-hidden"> (${cls === "ok" ? "通过 / passed" : cls === "bad" ? "未通过 / failed" : "未检查 / not checked"})</span></span>
      <span class="detail bi">${t(s.detailZh, s.detailEn)}</span></li>`;
  }).join("")}</ol>`;
}

function renderTechnical(parsed, receipt, keys, facts) {
  const proof = Array.isArray(receipt.proof) ? receipt.proof : [];
  const engine = facts.engine === "webcrypto" ? "WebCrypto" : facts.engine === "builtin" ? t("内置实现 (经审计的 @noble/curves; 此浏览器在本页没有支持 Ed25519 的 WebCrypto)", "built-in (the audited @noble/curves; this browser offers no WebCrypto with Ed25519 on this page)") : "–";
  return `<details><summary>${t("技术细节", "Technical details")}</summary>
    <dl class="tech">
      <dt>${t("回执码", "Receipt code")}</dt><dd class="mono">${esc(parsed.code)}</dd>
      <dt>${t("记录序号", "Entry index")}</dt><dd class="mono">${esc(parsed.index)}</dd>
      <dt>${t("记录哈希", "Entry hash")}</dt><dd class="mono">${esc(receipt.hash)}</dd>
      <dt>${t("包含证明", "Inclusion proof")}</dt><dd class="mono">${proof.length ? proof.map((p) => esc(p)).join("<br>") : t("(空: 树只有这一条)", "(empty: the tree holds only this entry)")}</dd>
      <dt>${t("日志密钥", "Log key")}</dt><dd class="mono">${esc(keys.log_key)}</dd>
      <dt>Ed25519</dt><dd>${engine}</dd>
      <dt>${t("检查点", "Checkpoint")}</dt><dd><pre class="note">${esc(receipt.checkpoint)}</pre></dd>
    </dl>
  </details>`;
}

/** The log checks of one receipt as HTML: `{ok, html}`. */
function render(parsed, receipt, keys, { steps, facts }) {
  const allOk = STEP_ORDER.every((id) => steps[id].status === "ok");
  const tech = renderTechnical(parsed, receipt, keys, facts);
  if (allOk) {
    const cp = facts.checkpoint;
    const root = tlog.bytesToBase64(cp.root);
    const [zh, en] = receipt.kind === "spoiled_ballot"
      ? [`这张核验过 (作废) 的选票是日志第 ${parsed.index} 条, 已包含在由日志密钥签名的第 ${cp.size} 号检查点 (共 ${cp.size} 条) 中, 根哈希 ${root}。它没有计入结果。`,
        `This checked (void) ballot is entry ${parsed.index} of the log and is included in checkpoint ${cp.size} (${cp.size} entries) signed by the log key, root ${root}. It was not counted.`]
      : [`您的选票是日志第 ${parsed.index} 条, 已包含在由日志密钥签名的第 ${cp.size} 号检查点 (共 ${cp.size} 条) 中, 根哈希 ${root}。这证明选票已被记录且未被改动; 它不显示您投了谁。`,
        `Your ballot is entry ${parsed.index} of the log and is included in checkpoint ${cp.size} (${cp.size} entries) signed by the log key, root ${root}. This proves it was recorded and not changed; it does not show how you voted.`];
    return { ok: true, html: `<div class="notice ok" role="status">${verdict("✓", zh, en)}</div>${renderSteps(steps)}${tech}` };
  }
  const failed = STEP_ORDER.filter((id) => steps[id].status !== "ok").map((id) => steps[id]);
  const zh = `核对未通过。以下${failed.length > 1 ? "各" : "这一"}项没有得到证明: ${failed.map((s) => `“${s.zh}”`).join("、")}。请保留回执, 并告知监票人。`;
  const en = `The check failed. Not proven: ${failed.map((s) => `"${s.en}"`).join("; ")}. Keep your receipt and tell the scrutineers.`;
  return { ok: false, html: `<div class="notice bad" role="alert">${verdict("✗", zh, en)}</div>${renderSteps(steps)}${tech}` };
}

// ------------------------------------------------------------------ cast-or-check

/** A code as typed on a phone: full-width forms and dash look-alikes to ASCII. */
function toAscii(text) {
  let out = "";
  for (const ch of String(text ?? "")) {
    const c = ch.codePointAt(0);
    if (c >= 0xff01 && c <= 0xff5e) out += String.fromCodePoint(c - 0xfee0);
    else if (c === 0x3000) out += " ";
    else if ((c >= 0x2010 && c <= 0x2015) || c === 0x2212 || c === 0x30fc || c === 0xfe63) out += "-";
    else out += ch;
  }
  return out;
}

/**
 * What a receipt's kind adds below the log checks: a checked (spoiled) ballot opened here, or
 * a cast encrypted ballot's confirmation code. `ids` hands out the page's DOM ids once.
 * Returns `{ok, html}`.
 */
async function kindReport(parsed, receipt, hash, ids) {
  if (receipt.kind === "encrypted_ballot" && receipt.confirmation) {
    const id = ids.take("confirmation-code");
    return { ok: true, html: `<div class="confirmation-line notice">
      <p class="bi">${t("确认码", "Confirmation code")} <strong ${id ? `id="${id}"` : ""} class="code">${esc(receipt.confirmation)}</strong></p>
      <p class="bi">${t("请与投票机在您投出之前显示的确认码核对: 相同, 说明日志里的正是您投出的那张加密选票。投出的选票从不被打开, 只解密所有选票的总数。",
        "Compare it with the confirmation code the kiosk showed before you cast: if they are the same, the log holds exactly the encrypted ballot you cast. A cast ballot is never opened; only the totals of all ballots are decrypted.")}</p></div>` };
  }
  if (receipt.kind !== "spoiled_ballot") return { ok: true, html: "" };
  const id = ids.take("spoiled-result");
  const wrap = (status, inner) => `<div ${id ? `id="${id}"` : ""} class="spoiled-result" data-status="${status}">${inner}</div>`;
  const statement = `<div class="notice warn void-statement"><p class="bi verdict">${t("这张选票已作废, 没有也不会计入结果。",
    "This ballot is void: it was not counted and never will be.")}</p>
    <p class="bi">${t("投票人在投票机上选择了 “核验”: 投票机公开了加密所用的随机数, 本页用它在您的浏览器里打开这张选票, 让您核对投票机是否如实加密了您的选择。",
      "The voter chose “Check” at the kiosk: the kiosk revealed the randomness of the encryption, and this page uses it to open the ballot in your browser, so that you can check the kiosk encrypted exactly your choices.")}</p></div>`;
  let data;
  try {
    data = await api("GET", `/api/v1/spoiled/${encodeURIComponent(parsed.index)}`);
  } catch (err) {
    return { ok: false, html: wrap("fail", `${statement}<div class="notice bad" role="alert">${t(`无法取得这张作废选票的内容 (${err.code || err.message || err})。请稍后再试, 或告知监票人。`,
      `Could not get this void ballot's content (${err.code || err.message || err}). Try again later, or tell a scrutineer.`)}</div>`) };
  }
  let spoiled, opened;
  try {
    spoiled = await import("./spoiled.js");
    opened = await spoiled.openSpoiled(data, hash);
  } catch (err) {
    return { ok: false, html: wrap("fail", `${statement}<div class="notice bad" role="alert">${verdict("✗", `无法打开这张选票: ${err.zh || err.message || err}。请告知监票人。`,
      `This ballot could not be opened: ${err.en || err.message || err}. Please tell a scrutineer.`)}${err.code ? ` <span class="mono">[${esc(err.code)}]</span>` : ""}</div>`) };
  }
  const codeId = ids.take("spoiled-code");
  const test = opened.test
    ? `<p class="bi test-record" data-outcome="${esc(opened.test.outcome)}">${opened.test.outcome === "mismatch"
      ? `<strong class="bad">${t(`监票人抽检记录: 不一致 (投票机有问题), 由 ${opened.test.teller} 记录`, `Scrutineer test record: MISMATCH (the kiosk is faulty), recorded by ${opened.test.teller}`)}</strong>`
      : t(`监票人抽检记录: 一致, 由 ${opened.test.teller} 记录`, `Scrutineer test record: match, recorded by ${opened.test.teller}`)}
      · ${spoiled.localTime(opened.test.time)}${opened.test.note ? ` · ${esc(opened.test.note)}` : ""}</p>`
    : "";
  const advice = opened.ok
    ? `<div class="notice"><p class="bi">${t("如果以上选择与您在投票机上所按的完全一致, 且确认码相同: 投票机如实加密了您的选票。请回到投票机, 用同一张选票码重新投票。",
        "If these choices are exactly what you pressed at the kiosk, and the confirmation code is the same: the kiosk encrypted your ballot faithfully. Go back to the kiosk and vote again with the same slip.")}</p>
      <p class="bi"><strong>${t("如果有任何一项不同, 或确认码不同: 请立即告知监票人, 不要在这台投票机上投票。",
        "If anything differs, or the confirmation code is different: tell a scrutineer at once, and do not vote on that kiosk.")}</strong></p></div>`
    : `<div class="notice bad" role="alert">${verdict("✗", "有项目不能用投票机给出的随机数打开 (见上)。请立即告知监票人。", "Some contests do not open with the randomness the kiosk gave (see above). Tell a scrutineer at once.")}</div>`;
  const inner = `${statement}
    <p class="bi spoiled-code-line">${t("投票机在您选择 “核验” 之前显示的确认码应为", "Before you chose “Check”, the kiosk should have shown the confirmation code")}
      <strong ${codeId ? `id="${codeId}"` : ""} class="code">${esc(opened.code)}</strong></p>
    <h3 class="bi">${t("这张选票加密的选择", "The choices this ballot encrypts")}</h3>
    ${spoiled.renderChoices(opened)}
    ${advice}
    ${spoiled.renderProblems(opened)}
    <dl class="tech spoiled-facts">
      <dt>${t("选举密钥指纹", "Election key fingerprint")}</dt><dd><span class="mono fingerprint">${esc(opened.fingerprint)}</span> <span class="muted">${t("(应与选票码纸条和公告栏上的相同)", "(must match your slip and the board)")}</span></dd>
      <dt>${t("投票机", "Kiosk")}</dt><dd class="mono">${esc(opened.kiosk)}</dd>
      <dt>${t("核验时间", "Checked at")}</dt><dd>${spoiled.localTime(opened.time)}</dd>
      <dt>${t("记录哈希", "Entry hash")}</dt><dd class="mono">${esc(opened.entryHash)} ${opened.hashChecked ? t("(与回执相符)", "(matches the receipt)") : ""}</dd>
    </dl>
    ${test}`;
  return { ok: opened.ok, html: wrap(opened.ok ? "ok" : "fail", inner) };
}

/** Hands out each DOM id of the page once (a confirmation code may list several entries). */
function idPool() {
  const used = new Set();
  return { take: (id) => (used.has(id) ? "" : (used.add(id), id)) };
}

/** One receipt: the log checks, then what its kind adds. `{ok, html}`; throws on fetch errors. */
async function receiptReport(parsed, ids) {
  const [receipt, keys] = await Promise.all([api("GET", `/api/v1/receipts/${encodeURIComponent(parsed.code)}`), getKeys()]);
  const outcome = await runChecks(parsed, receipt, keys);
  const log = render(parsed, receipt, keys, outcome);
  const extra = await kindReport(parsed, receipt, outcome.hash, ids);
  return { ok: log.ok && extra.ok, html: log.html + extra.html };
}

// ------------------------------------------------------------------ flow

let keysPromise = null;
function getKeys() {
  keysPromise = keysPromise || api("GET", "/api/v1/keys").catch((err) => { keysPromise = null; throw err; });
  return keysPromise;
}

async function check(text) {
  const parsed = tlog.parseReceiptCode(toAscii(text));
  if (!parsed) {
    // Sixteen characters (or eight, a code of the first version): perhaps a confirmation
    // code (its parser is e2e.js's, loaded now).
    let code = null;
    if ([16, 8].includes(toAscii(text).replace(/[\s-]/g, "").length)) {
      try {
        code = (await import("./e2e.js")).parseConfirmationCode(toAscii(text));
      } catch (err) {
        failure(`无法加载核对代码 (${err.message || err}), 请刷新页面再试。`, `The checking code could not be loaded (${err.message || err}); reload the page and try again.`);
        return;
      }
    }
    if (code) {
      await checkConfirmation(code);
      return;
    }
    failure(`“${text.trim()}” 不是回执码, 也不是确认码。回执码形如 R42-5Q3ZK8M1T0C7W2H4: 字母 R、数字、短横线, 再加 16 个字母或数字; 确认码形如 7K2Q-M9XD-4T1B-ZC08: 16 个字母或数字, 每 4 个一组。`,
      `"${text.trim()}" is not a receipt code or a confirmation code. A receipt code looks like R42-5Q3ZK8M1T0C7W2H4: the letter R, digits, a dash and 16 letters or digits; a confirmation code looks like 7K2Q-M9XD-4T1B-ZC08: 16 letters or digits in groups of four.`);
    return;
  }
  input.value = parsed.code;
  button.disabled = true;
  setResult("checking", `<p class="muted">${t("正在核对…", "Checking…")}</p>`);
  try {
    let report;
    try {
      report = await receiptReport(parsed, idPool());
    } catch (err) {
      if (err && err.status === 404) {
        failure(`日志里没有回执码为 ${parsed.code} 的选票。请逐个字符核对回执码是否抄写正确; 如果确认无误, 请告知监票人。`,
          `No ballot in the log has the receipt code ${parsed.code}. Check the code character by character; if it is right, tell the scrutineers.`);
      } else if (err && err.status === 429) {
        failure("查询太频繁, 请过一分钟再试。", "Too many checks from here; try again in a minute.");
      } else if (err && err.status === 400) {
        failure(`服务器不接受这个回执码: ${err.message || ""}`, `The server refused this receipt code: ${err.message || ""}`);
      } else {
        failure(`无法从服务器取得数据 (${(err && (err.code || err.message)) || err}), 请稍后再试。`, `Could not get the data from the server (${(err && (err.code || err.message)) || err}); try again later.`);
      }
      return;
    }
    setResult(report.ok ? "ok" : "fail", report.html);
  } catch (err) {
    failure(`核对时出错: ${err && (err.zh || err.message) || err}`, `The check could not run: ${err && (err.en || err.message) || err}`);
  } finally {
    button.disabled = false;
  }
}

/** Most entries one confirmation code's lookup checks (normally there is exactly one). */
const CONFIRMATION_ENTRIES_MAX = 4;

/** A confirmation code: the ballot(s) that carry it, each checked like its receipt. */
async function checkConfirmation(code) {
  input.value = code;
  button.disabled = true;
  setResult("checking", `<p class="muted">${t("正在查询确认码…", "Looking up the confirmation code…")}</p>`);
  try {
    let found;
    try {
      found = await api("GET", `/api/v1/confirmations/${encodeURIComponent(code)}`);
    } catch (err) {
      if (err && err.status === 404) {
        failure(`日志里没有确认码为 ${code} 的选票。请逐个字符核对; 如果确认无误, 请告知监票人。`,
          `No ballot in the log has the confirmation code ${code}. Check it character by character; if it is right, tell the scrutineers.`);
      } else if (err && err.status === 422) {
        failure(`服务器不接受这个确认码: ${err.message || ""}`, `The server refused this confirmation code: ${err.message || ""}`);
      } else if (err && err.status === 429) {
        failure("查询太频繁, 请过一分钟再试。", "Too many checks from here; try again in a minute.");
      } else {
        failure(`无法从服务器取得数据 (${(err && (err.code || err.message)) || err}), 请稍后再试。`, `Could not get the data from the server (${(err && (err.code || err.message)) || err}); try again later.`);
      }
      return;
    }
    const entries = (Array.isArray(found.entries) ? found.entries : []).slice(0, CONFIRMATION_ENTRIES_MAX);
    if (!entries.length) {
      failure(`日志里没有确认码为 ${code} 的选票。`, `No ballot in the log has the confirmation code ${code}.`);
      return;
    }
    const ids = idPool();
    const parts = [];
    let ok = true;
    for (const e of entries) {
      const parsed = tlog.parseReceiptCode(String(e.receipt || ""));
      if (!parsed) {
        ok = false;
        parts.push(`<div class="notice bad">${t(`服务器给出的回执码 “${e.receipt}” 无法读取`, `The receipt code "${e.receipt}" from the server cannot be read`)}</div>`);
        continue;
      }
      try {
        const report = await receiptReport(parsed, ids);
        ok = ok && report.ok;
        parts.push(`<section class="receipt-report" data-receipt="${esc(parsed.code)}"><h3>${t("回执码", "Receipt code")} <span class="mono">${esc(parsed.code)}</span></h3>${report.html}</section>`);
      } catch (err) {
        ok = false;
        parts.push(`<div class="notice bad">${t(`回执 ${parsed.code} 无法核对 (${err.code || err.message || err})`, `Receipt ${parsed.code} could not be checked (${err.code || err.message || err})`)}</div>`);
      }
    }
    // An 8-character code is what kiosks showed before 2026-12-05: the first half of the
    // 16 characters shown below, which are compared then only as far as it goes.
    const short = code.replace(/-/g, "").length === 8
      ? `<p class="bi notice">${t(`这是 8 位的确认码: 2026-12-05 之前的投票机只显示确认码的前 8 位。下面显示的是完整的 16 位确认码, 其前 8 位应与 ${code} 相同。`,
        `This is an 8-character code: kiosks before 2026-12-05 showed only the first 8 characters. The full 16-character code is shown below; its first 8 characters must be ${code}.`)}</p>`
      : "";
    const head = `<p class="bi lead">${t(`确认码 ${code} 属于日志中的 ${entries.length} 张选票, 逐张核对如下:`, `The confirmation code ${code} belongs to ${entries.length} ballot(s) in the log, each checked below:`)}</p>${short}`;
    setResult(ok ? "ok" : "fail", head + parts.join(""));
  } catch (err) {
    failure(`核对时出错: ${err && (err.zh || err.message) || err}`, `The check could not run: ${err && (err.en || err.message) || err}`);
  } finally {
    button.disabled = false;
  }
}

$("receipt-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  check(input.value);
});

// ------------------------------------------------------------------ published results

async function loadResults() {
  const el = $("results");
  try {
    const [list, election] = await Promise.all([
      api("GET", "/api/v1/public/results"),
      api("GET", "/api/v1/election").catch(() => null),
    ]);
    if (election && election.title) {
      $("election-title").innerHTML = `${t("选举", "Election")}: ${esc(election.title)}`;
    }
    const titles = new Map(((election && election.contests) || []).map((c) => [c.id, c.title]));
    const results = list.results || [];
    if (results.length === 0) {
      el.innerHTML = `<p class="muted">${t("尚未公布任何结果。", "No results have been published yet.")}</p>`;
      return;
    }
    el.innerHTML = `<ul class="results">${results.map((r) => {
      const names = (r.contests || []).map((c) => esc(titles.get(c) || c)).join("、") || t("计票结果", "Result");
      const index = encodeURIComponent(r.index);
      return `<li data-index="${esc(r.index)}"><a href="/board/${index}" title="张榜公布 / board"><strong>${names}</strong></a>
        <span class="muted">(${t(`日志第 ${r.index} 条`, `log entry ${r.index}`)})</span>
        · <a href="/api/v1/public/results/${index}">${t("签名的结果 (JSON)", "signed result (JSON)")}</a></li>`;
    }).join("")}</ul>`;
  } catch (err) {
    el.innerHTML = `<p class="bad">${t("无法取得已公布的结果", "Could not load the published results")}: ${esc(err.message || err)}</p>`;
  }
}

loadResults();

const initial = new URLSearchParams(location.search).get("receipt");
if (initial) {
  input.value = initial;
  check(initial);
}

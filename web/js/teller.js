// Teller console (计票台): close and tally contests, read the verdict in plain words, key in
// paper ballots (唱票), and sign results in this browser with the teller's own key file.
// The key file is read here and never sent to the server: only the signature line is. Signing
// uses WebCrypto's Ed25519 when the browser has it, otherwise the audited @noble/curves ed25519
// of ./vendor/noble.js (a page served over plain HTTP to another machine has no crypto.subtle);
// Ed25519 is deterministic, so both give the same signature.
//
// Encrypted elections: the key ceremony and decryption status, what this teller owes next
// (#teller-due) with the command to run, a steps file previewed in words (#steps-preview)
// before #steps-submit sends it with a progress bar (#steps-progress); and the kiosk test
// card (#kiosk-test-card): a 监票人 opens a checked (spoiled) ballot by its receipt
// (#test-receipt, #test-open, opened with spoiled.js into #test-opened), records match or
// mismatch (#test-note, #test-match, #test-mismatch → POST /api/v1/kiosk-tests), and sees
// every test in table#kiosk-tests (tr.kiosk-test[data-outcome], mismatches tr.mismatch) with
// the counts in #kiosk-test-counts.
//
// Protocol 8: a correction of a contest's figures and a seat reduction are logged only with a
// registered teller's signature of the teller statement (docs/LOG_FORMAT.md, "Protocol 8";
// tellerStatement, signStatement): the corrections card (corrections.js) signs a proposal or
// an approval with the loaded key, and a published party result with unfilled seats offers
// button.reduce-seats[data-contest] in its contest row, which asks for the meeting's decision
// in the confirm dialog (textarea#reduce-basis) and signs it.

import { initPaper, renderPaperSelect } from "./paper.js";
import { initCorrections, renderCorrections, reductionPayload, rustTrim } from "./corrections.js";
import { esc, t, api, restoreSession, logout, showError, showOk, languageSwitch, loginForm, hallZone, checkTime } from "./common.js";
import { ed25519, sha256 as nobleSha256 } from "./vendor/noble.js";

const $ = (sel, root = document) => root.querySelector(sel);

const state = {
  session: null,
  election: null,
  results: [], // [{index, contests, signatures, required, published}]
  details: new Map(), // result index -> GET /api/v1/results/{index}
  verdictIndex: null,
  ceremony: null, // GET /api/v1/ceremony (encrypted elections)
  statusIndex: null,
  key: null, // {name, keyId, keyIdHex, engine, cryptoKey (WebCrypto) or seed (built-in), verifierText}
  ed25519: null, // the signing engine: null = not probed yet, "webcrypto" or "builtin"
  steps: null, // the previewed steps file
  stepsReading: null, // the promise of reading it
  kioskTests: null, // GET /api/v1/kiosk-tests (encrypted elections)
  testOpened: null, // {index, opened}: the spoiled ballot opened in the kiosk test card
};

// ------------------------------------------------------------------ small helpers

/** A server message "中文 / English" as a bilingual pair (or as it is when it has no " / "). */
function bi(message) {
  const s = String(message ?? "");
  const i = s.indexOf(" / ");
  return i < 0 ? esc(s) : t(s.slice(0, i), s.slice(i + 3));
}

/** The page's language now ("zh" or "en": the switch of common.js sets <html data-lang>). */
const lang = () => (document.documentElement.dataset.lang === "en" ? "en" : "zh");

/**
 * Plain text in the page's language, for what takes no HTML: textContent, attributes, option
 * labels, commands to copy (t() gives both languages as spans). What is drawn with it is drawn
 * again when the language switches (see wire()).
 */
const plain = (zh, en) => (lang() === "en" ? en : zh);

/** A local error shaped like the ones `api` throws. */
function localError(code, zh, en) {
  return { code, message: `${zh} / ${en}` };
}

function notice(kind, html) {
  return `<div class="notice ${kind}">${html}</div>`;
}

const CN_COUNT = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
const people = (n) => (n < CN_COUNT.length ? `${CN_COUNT[n]}人` : `这 ${n} 人`);

const PARTY_KINDS = new Set(["party_delegates", "party_committee", "discipline_committee", "party_secretary"]);
const against = (kind) => (PARTY_KINDS.has(kind) ? ["不赞成", "against"] : ["反对", "against"]);

const STATUS = {
  elected: ["当选", "elected", "ok"],
  not_elected: ["未当选", "not elected", ""],
  tied: ["票数相等", "tied", "warn"],
  shortlisted: ["入围", "shortlisted", "ok"],
  not_shortlisted: ["未入围", "not shortlisted", ""],
  ranked: ["已排名", "ranked", ""],
};
const statusLabel = (s) => {
  const [zh, en, cls] = STATUS[s] || [s, s, ""];
  return `<span class="status ${cls}">${t(zh, en)}</span>`;
};

const CONTEST_STATE = {
  draft: ["未开始", "not open"],
  open: ["投票中", "voting open"],
  closed: ["已结束, 待计票", "closed, awaiting tally"],
  tallied: ["已计票", "tallied"],
};

const VOID_REASONS = {
  over_marked: ["多选超过应选名额", "over-marked"],
  write_in_without_against: ["另选他人而未划不赞成", "write-in without an against mark"],
  duplicate_write_in: ["重复另选同一人", "same write-in twice"],
  write_in_is_candidate: ["另选了正式候选人", "write-in names a candidate"],
  uniform_grades: ["所有对象同一等次", "every subject the same grade"],
  excellent_over_quota: ["优秀等次超过限额", "too many top grades"],
};

const GRADES = {
  individual: [["excellent", "优秀", "excellent"], ["competent", "称职", "competent"], ["basic", "基本称职", "basically competent"], ["incompetent", "不称职", "incompetent"]],
  team: [["good", "好", "good"], ["fairly_good", "较好", "fairly good"], ["average", "一般", "average"], ["poor", "差", "poor"]],
  member: [["excellent", "优秀", "excellent"], ["qualified", "合格", "qualified"], ["basic", "基本合格", "basically qualified"], ["unqualified", "不合格", "unqualified"]],
};
const FLAGS = {
  favourable_below: ["好评率低于触发线, 须关注", "favourable rate below the trigger"],
  unfavourable_above: ["差评率高于触发线, 须关注", "unfavourable rate above the trigger"],
};

/** An evaluation flag: {code, message} from the server, or a bare code. */
function flagWords(f) {
  if (f && typeof f === "object") return `${bi(f.message || f.code)} <span class="mono">[${esc(f.code)}]</span>`;
  const [zh, en] = FLAGS[f] || [f, f];
  return t(zh, en);
}

const votes = (n) => `${n} vote${n === 1 ? "" : "s"}`;

function contestById(id) {
  return state.election?.contests.find((c) => c.id === id);
}

function contestTitle(id) {
  const c = contestById(id);
  return c ? c.title || c.id : id;
}

/** The latest result covering a contest, or undefined. */
function latestResultFor(id) {
  return state.results.filter((r) => (r.contests || []).includes(id)).sort((a, b) => b.index - a.index)[0];
}

// ------------------------------------------------------------------ signed notes and keys

const PKCS8_ED25519_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

function b64encode(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function b64decode(text) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new Error("base64");
  const s = atob(text);
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function b64urlDecode(text) {
  const s = text.replace(/-/g, "+").replace(/_/g, "/");
  return b64decode(s + "=".repeat((4 - (s.length % 4)) % 4));
}

function pkcs8(seed) {
  const der = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
  der.set(PKCS8_ED25519_PREFIX);
  der.set(seed, PKCS8_ED25519_PREFIX.length);
  return der;
}

/** Imports an Ed25519 seed into WebCrypto; the DER copy of the seed is overwritten after
 *  (importKey copies its input before it returns). */
async function importSeed(seed, extractable) {
  const der = pkcs8(seed);
  try {
    return await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, extractable, ["sign"]);
  } finally {
    der.fill(0);
  }
}

let signingEngine = null; // the promise of the engine, probed once

/**
 * How this page signs: "webcrypto" when the browser's WebCrypto imports Ed25519 keys, otherwise
 * "builtin", @noble/curves' ed25519 (no crypto.subtle on a plain-HTTP page from another
 * machine, or a browser whose WebCrypto has no Ed25519).
 */
function ed25519Engine() {
  if (!signingEngine) {
    signingEngine = (async () => {
      if (!globalThis.crypto?.subtle) return "builtin";
      try {
        await crypto.subtle.importKey("pkcs8", pkcs8(new Uint8Array(32)), { name: "Ed25519" }, false, ["sign"]);
        return "webcrypto";
      } catch {
        return "builtin";
      }
    })();
  }
  return signingEngine;
}

/** SHA-256 with WebCrypto, or with @noble/hashes where the page has no crypto.subtle. */
async function sha256(bytes) {
  if (globalThis.crypto?.subtle) return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return nobleSha256(bytes);
}

/** Key ID: first 4 bytes, big-endian, of SHA-256(name || 0x0A || 0x01 || public key). */
async function keyIdOf(name, publicKey) {
  const nameBytes = new TextEncoder().encode(name);
  const buf = new Uint8Array(nameBytes.length + 2 + publicKey.length);
  buf.set(nameBytes);
  buf[nameBytes.length] = 0x0a;
  buf[nameBytes.length + 1] = 0x01;
  buf.set(publicKey, nameBytes.length + 2);
  const h = await sha256(buf);
  return ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
}

/**
 * Parses a signer key `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>` and checks the
 * key ID against the public key derived from the seed. Throws {code, message}.
 */
export async function parseSignerKey(text) {
  const bad = (zh, en) => localError("bad_key", `签名密钥文件无法使用: ${zh}`, `the key file cannot be used: ${en}`);
  const s = String(text).trim();
  const prefix = "PRIVATE+KEY+";
  if (!s.startsWith(prefix)) throw bad("不以 PRIVATE+KEY+ 开头 (是不是选了公钥文件?)", "it does not start with PRIVATE+KEY+ (is it the public key?)");
  const rest = s.slice(prefix.length);
  const a = rest.indexOf("+");
  const b = a < 0 ? -1 : rest.indexOf("+", a + 1);
  if (a <= 0 || b < 0) throw bad("格式应为 PRIVATE+KEY+名字+密钥ID+密钥", "the form is PRIVATE+KEY+name+keyid+key");
  const name = rest.slice(0, a);
  const hex = rest.slice(a + 1, b);
  const key64 = rest.slice(b + 1);
  if (/[\s+]/.test(name) || !name) throw bad("名字不能含空格或 +", "the name must not contain spaces or +");
  if (!/^[0-9a-f]{8}$/.test(hex)) throw bad("密钥 ID 应为 8 位十六进制", "the key ID must be 8 lower-case hex digits");
  let raw;
  try { raw = b64decode(key64); } catch { throw bad("密钥部分不是 base64", "the key is not base64"); }
  if (raw.length !== 33 || raw[0] !== 0x01) throw bad("不是 Ed25519 密钥 (应为 0x01 加 32 字节)", "not an Ed25519 key (0x01 and 32 bytes expected)");
  const seed = raw.slice(1);
  raw.fill(0);
  const engine = await ed25519Engine();
  let publicKey;
  try {
    if (engine === "webcrypto") {
      let pair;
      try {
        pair = await importSeed(seed, true);
      } catch (e) {
        throw localError("no_ed25519", `此浏览器不能导入 Ed25519 密钥: ${e.message || e}`, `this browser cannot import an Ed25519 key: ${e.message || e}`);
      }
      const jwk = await crypto.subtle.exportKey("jwk", pair);
      publicKey = b64urlDecode(jwk.x);
    } else {
      publicKey = ed25519.getPublicKey(seed);
    }
    const keyId = await keyIdOf(name, publicKey);
    const stated = parseInt(hex, 16) >>> 0;
    if (keyId !== stated) {
      throw bad(`密钥 ID ${hex} 与密钥不符 (应为 ${keyId.toString(16).padStart(8, "0")}), 文件可能已损坏`, `key ID ${hex} does not match the key (${keyId.toString(16).padStart(8, "0")}); the file may be damaged`);
    }
    const verifier = new Uint8Array(33);
    verifier[0] = 0x01;
    verifier.set(publicKey, 1);
    const key = { name, keyId, keyIdHex: hex, engine, verifierText: `${name}+${hex}+${b64encode(verifier)}` };
    if (engine === "webcrypto") {
      // Keep only a non-extractable copy for signing.
      key.cryptoKey = await importSeed(seed, false);
    } else {
      // The built-in signer needs the seed itself: it stays in this page's memory exactly as
      // long as the WebCrypto key would (until forgetKey: another file, "Forget key", or the
      // page closes), and is overwritten then.
      key.seed = seed.slice();
    }
    return key;
  } finally {
    seed.fill(0);
  }
}

/** Overwrites a loaded key's secret (the built-in signer's seed) and makes it unusable. */
function forgetKey(key) {
  if (!key) return;
  if (key.seed) key.seed.fill(0);
  key.seed = null;
  key.cryptoKey = null;
}

/** The signature line `— <name> <base64(key ID BE || Ed25519 signature)>` over a note text. */
export async function signNote(key, text) {
  if (!text.endsWith("\n")) throw localError("bad_checkpoint", "检查点文本不以换行结尾", "the checkpoint text does not end with a newline");
  if (!key.cryptoKey && !key.seed) throw localError("no_key", "请先选择您的签名密钥文件", "choose your key file first");
  const message = new TextEncoder().encode(text);
  const sig = key.cryptoKey
    ? new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key.cryptoKey, message))
    : ed25519.sign(message, key.seed);
  const blob = new Uint8Array(4 + sig.length);
  blob[0] = key.keyId >>> 24;
  blob[1] = (key.keyId >>> 16) & 0xff;
  blob[2] = (key.keyId >>> 8) & 0xff;
  blob[3] = key.keyId & 0xff;
  blob.set(sig, 4);
  return `— ${key.name} ${b64encode(blob)}`;
}

/**
 * The teller statement a registered teller's key signs (src/record/entry.rs `teller_statement`):
 * `"scrutineer.teller-statement/v1\0" ‖ what ‖ "\0" ‖ election id ‖ "\0" ‖ context ‖ "\0" ‖
 * SHA-256(payload)`; for a correction or a seat reduction `what` is `turnout_corrected` or
 * `seats_reduced` and `context` the contest id (docs/LOG_FORMAT.md, "Protocol 8").
 */
export async function tellerStatement(what, electionId, context, payload) {
  const head = new TextEncoder().encode(["scrutineer.teller-statement/v1", what, electionId, context, ""].join("\u0000"));
  const digest = await sha256(payload);
  const message = new Uint8Array(head.length + digest.length);
  message.set(head);
  message.set(digest, head.length);
  return message;
}

/**
 * The loaded key's Ed25519 signature of a teller statement ([`tellerStatement`]), base64 of the
 * 64 bytes: what `attested.signature` carries.
 */
export async function signStatement(key, what, electionId, context, payload) {
  if (!key || (!key.cryptoKey && !key.seed)) throw localError("no_key", "请先选择您的签名密钥文件", "choose your key file first");
  const message = await tellerStatement(what, electionId, context, payload);
  const sig = key.cryptoKey
    ? new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key.cryptoKey, message))
    : ed25519.sign(message, key.seed);
  return b64encode(sig);
}

/**
 * The loaded key's index ℓ among the election's registered tellers (1-based, the order of GET
 * /api/v1/keys `tellers`): its verifier key's place; null when it is not registered (or no key).
 * Where the keys could not be read, its name's place among GET /api/v1/election `tellers`.
 */
export function tellerIndex(key, tellerKeys = state.tellerKeys, names = state.election?.tellers) {
  if (!key) return null;
  const i = Array.isArray(tellerKeys) ? tellerKeys.indexOf(key.verifierText) : (names || []).indexOf(key.name);
  return i < 0 ? null : i + 1;
}

/**
 * Whether this election's log takes a teller's signature of its figures (protocol 8 on; from
 * protocol 9 not in an election without teller keys).
 */
function signsFigures() {
  const p = state.election?.protocol ?? 8;
  return p >= 8 && (p < 9 || (state.election?.tellers || []).length > 0);
}

/**
 * Whether this election's log takes a teller's signature of each paper keying: protocol 9 on,
 * with teller keys registered (an election without any keys its paper as before).
 */
function signsPaper() {
  return (state.election?.protocol ?? 9) >= 9 && (state.election?.tellers || []).length > 0;
}

/**
 * The corrections card's signer: `{teller, signature}` of the statement by the loaded key, or
 * null when no registered key is loaded (or the election's protocol takes none).
 */
async function attest(what, contest, payload) {
  const key = state.key;
  const teller = tellerIndex(key);
  // An election begun under an older protocol takes no signature (its log refuses one).
  if (!teller || !state.election || !signsFigures()) return null;
  return { teller, signature: await signStatement(key, what, state.election.id, contest, payload) };
}

/** The names on the signature lines of a signed note, the note's own origin excluded. */
function signersOf(note) {
  const text = String(note || "");
  const origin = text.split("\n")[0];
  const sep = text.indexOf("\n\n");
  if (sep < 0) return [];
  const names = text
    .slice(sep + 2)
    .split("\n")
    .filter((l) => l.startsWith("— "))
    .map((l) => l.split(/\s+/)[1])
    .filter((n) => n && n !== origin);
  return [...new Set(names)];
}

// ------------------------------------------------------------------ loading

/**
 * ` --allow-protocol N` when this election was registered by an older release (its log keeps
 * that protocol after an upgrade): the tools take such a log only when told.
 */
function olderProtocol() {
  const e = state.election;
  return e && e.protocol_current && e.protocol < e.protocol_current ? ` --allow-protocol ${e.protocol}` : "";
}

async function refresh() {
  const [election, list, keys] = await Promise.all([
    api("GET", "/api/v1/election"),
    api("GET", "/api/v1/results"),
    api("GET", "/api/v1/keys").catch(() => null),
  ]);
  state.election = election;
  state.ceremony = election.secrecy?.encrypted ? await api("GET", "/api/v1/ceremony").catch(() => null) : null;
  state.kioskTests = state.ceremony ? await api("GET", "/api/v1/kiosk-tests").catch(() => null) : null;
  state.tellerKeys = keys?.tellers || null;
  state.results = (list.results || []).slice().sort((a, b) => a.index - b.index);
  const details = await Promise.all(state.results.map((r) => api("GET", `/api/v1/results/${r.index}`)));
  state.details = new Map(details.map((d) => [d.result_index, d]));
  $("#election-title").textContent = election.title || election.id || "";
  renderContests();
  renderDecryption();
  renderTellerDue();
  renderKioskTests();
  renderPaperSelect();
  // Its own card's error, never the whole page's refresh.
  await renderCorrections().catch((err) => showError($("#corrections-msg"), err));
  renderResults();
  renderLineSelect();
  renderSignatureStatus();
}

/** Runs an action, shows its error (with the code) in `el`, refreshes afterwards. */
async function act(el, fn) {
  try {
    await fn();
  } catch (err) {
    showError(el, err);
    if (err && err.status === 401) setTimeout(signedOut, 1500);
  }
  try {
    await refresh();
  } catch (err) {
    showError($("#msg"), err);
  }
}

// ------------------------------------------------------------------ contests

function renderContests() {
  const encrypted = Boolean(state.election.secrecy?.encrypted);
  $("#contests-hint").classList.toggle("hidden", encrypted);
  $("#contests-hint-encrypted").classList.toggle("hidden", !encrypted);
  const rows = state.election.contests.map((c) => {
    const r = latestResultFor(c.id);
    const st = c.state === "closed" && r ? "tallied" : c.state;
    const [zh, en] = CONTEST_STATE[st] || [st, st];
    const result = r
      ? `<button type="button" class="view link" data-index="${r.index}" title="${esc(plain("查看结果", "View the result"))}">${t("结果", "Result")} ${esc(resultNo(r.index))}</button>`
      : "";
    const parent = c.parent ? `<div class="sub">${t(`“${contestTitle(c.parent)}”的再次投票`, `new round of “${contestTitle(c.parent)}”`)}</div>` : "";
    const withdrawn = c.superseded ? `<div class="sub">${t("已撤销: 大会决定减少名额, 不再选举", "withdrawn: the meeting reduced the seats")}</div>` : "";
    const reduced = c.seats_reduced_by > 0 ? `<div class="sub">${t(`大会决定减少 ${c.seats_reduced_by} 名, 现为 ${c.seats - c.seats_reduced_by} 名`, `reduced by ${c.seats_reduced_by} by the meeting: ${c.seats - c.seats_reduced_by}`)}</div>` : "";
    const reducible = reductionOf(c);
    const reduce = reducible
      ? `<button type="button" class="reduce-seats secondary" data-contest="${esc(c.id)}" data-unfilled="${esc(reducible.unfilled)}">${t("减少名额 (大会决定)", "Reduce seats (meeting's decision)")}</button>`
      : "";
    return `<tr class="contest" data-id="${esc(c.id)}" data-state="${esc(st)}">
      <td><strong>${esc(c.title || c.id)}</strong><div class="mono sub">${esc(c.id)}</div>${parent}</td>
      <td class="kind">${t(c.kind_label || c.kind, c.kind)}${c.mode ? `<div class="sub">${esc(c.mode)}</div>` : ""}</td>
      <td class="num">${esc(c.seats)}${reduced}</td>
      <td><span class="state state-${esc(st)}">${t(zh, en)}</span>${withdrawn}</td>
      <td>${result}</td>
      <td class="actions">
        <button type="button" class="close danger" data-contest="${esc(c.id)}" ${c.state === "open" ? "" : "disabled"}>${t("结束投票", "Close voting")}</button>
        <button type="button" class="tally" data-contest="${esc(c.id)}" ${c.state === "closed" && !r ? "" : "disabled"}
          ${r ? `title="${esc(plain(`已计票, 见结果 ${resultNo(r.index)}`, `Already tallied: result ${resultNo(r.index)}`))}"` : ""}>${t("计票", "Tally")}</button>
        ${reduce}
      </td></tr>`;
  });
  $("#contests").innerHTML = `
    <p class="sub">${t(`已收到电子选票 ${state.election.ballots ?? 0} 张`, `${state.election.ballots ?? 0} electronic ballots received`)}</p>
    <table class="contests">
      <thead><tr><th>${t("项目", "Contest")}</th><th>${t("类别", "Kind")}</th><th class="num">${t("应选", "Seats")}</th>
      <th>${t("状态", "State")}</th><th>${t("结果", "Result")}</th><th></th></tr></thead>
      <tbody>${rows.join("")}</tbody>
    </table>`;
}

/**
 * A party contest whose published result left seats unfilled, which the meeting may reduce
 * instead of a new round (`reducible`, not reduced yet, not withdrawn): `{unfilled, seats}`, the
 * seats the reduction removes (the result's `unfilled_seats`) and those left; else null.
 */
function reductionOf(c) {
  // A teller records a reduction from protocol 8 (signing it); before, only an organiser did.
  if (!signsFigures() || !c.reducible || c.seats_reduced_by > 0 || c.superseded) return null;
  const r = latestResultFor(c.id);
  if (!r || !r.published) return null;
  const rc = (state.details.get(r.index)?.result?.contests || []).find((x) => x.id === c.id);
  const unfilled = Number(rc?.unfilled_seats || 0);
  if (!Number.isInteger(unfilled) || unfilled <= 0 || unfilled > c.seats) return null;
  return { unfilled, seats: c.seats - unfilled };
}

/**
 * button.reduce-seats: the meeting's decision to reduce a party contest's seats by those its
 * published result left unfilled, with no new round. The teller types the decision in the
 * confirm dialog (textarea#reduce-basis); the page signs it with the loaded key (protocol 8).
 */
async function reduceSeats(id) {
  const el = $("#msg");
  el.innerHTML = "";
  const c = contestById(id);
  const r = c && reductionOf(c);
  if (!r) return;
  const key = state.key;
  const teller = tellerIndex(key);
  if (!teller) {
    showError(el, key
      ? localError("key_not_registered", `减少名额的决定须由一名登记的计票人签名: 已读取的密钥 ${key.name} 不是本次选举登记的计票人密钥, 请在下面 “计票人签名” 卡片中选择您自己的密钥文件`,
        `a seat reduction needs a registered teller's signature: the key loaded, ${key.name}, is not a registered teller key of this election; choose your own key file in the “Teller signatures” card below`)
      : localError("no_key", "减少名额的决定须由一名登记的计票人签名: 请先在下面 “计票人签名” 卡片中选择您的密钥文件",
        "a seat reduction needs a registered teller's signature: choose your key file in the “Teller signatures” card below first"));
    $("#key-file").focus();
    return;
  }
  const title = contestTitle(id);
  const answer = confirmDialog({
    title: t(`减少“${title}”的名额?`, `Reduce the seats of “${title}”?`),
    text: `<p>${t(`“${title}”已公布的结果未选足 ${r.unfilled} 名。大会决定减少名额 ${r.unfilled} 名 (应选 ${c.seats} 名, 减少后为 ${r.seats} 名), 不再另行选举; 已准备的另行选举将撤销。记入日志后不能撤回。`,
      `The published result of “${title}” left ${r.unfilled} seat(s) unfilled. The meeting reduces the seats by ${r.unfilled} (from ${c.seats} to ${r.seats}), with no new round; a prepared runoff is withdrawn. Once logged it cannot be withdrawn.`)}</p>
      <p><label for="reduce-basis">${t("大会的决定及其依据 (记入日志, 公示页上显示)", "The meeting's decision and its basis (logged, shown on the board)")}</label>
      <textarea id="reduce-basis" class="dialog-input" rows="3" maxlength="500">${esc(`经大会表决, 减少名额 ${r.unfilled} 名, 不再选举`)}</textarea></p>
      <p class="sub">${t(`将以计票人 ${key.name} (第 ${teller} 号) 的密钥签署: 选举 ${state.election.id}, 项目 ${id}, 减少 ${r.unfilled} 名, 余 ${r.seats} 名, 以及上面的决定原文。`,
        `Teller ${key.name}'s key (number ${teller}) signs: election ${state.election.id}, contest ${id}, ${r.unfilled} seat(s) less, ${r.seats} left, and the decision above as written.`)}</p>`,
    ok: t("签名并记录", "Sign and record"),
    danger: true,
  });
  $("#reduce-basis").focus();
  if (!(await answer)) return;
  const basis = rustTrim($("#reduce-basis").value);
  await act(el, async () => {
    if (!basis) throw localError("reduction_basis", "请写明大会的决定及其依据", "write the meeting's decision and its basis");
    const signature = await signStatement(key, "seats_reduced", state.election.id, id, reductionPayload(r.unfilled, r.seats, basis));
    await api("POST", `/api/v1/contests/${encodeURIComponent(id)}/reduce-seats`, { basis, attested: { teller, signature } });
    showOk(el, t(`已记录减少名额的决定: “${title}”减少 ${r.unfilled} 名, 现为 ${r.seats} 名, 不再选举; 已用计票人 ${key.name} (第 ${teller} 号) 的密钥签名。`,
      `Seat reduction recorded: “${title}” less ${r.unfilled}, now ${r.seats}; no new round. Signed with teller ${key.name}'s key (number ${teller}).`));
  });
}

// ------------------------------------------------------------------ encrypted ballots

const yes = (b) => (b ? "✓" : "·");

/** The key ceremony by teller, the election key, and per closed contest the shuffles and shares. */
function renderDecryption() {
  const c = state.ceremony;
  $("#decryption-card").classList.toggle("hidden", !c);
  if (!c) return;
  const tellers = (c.tellers || []).map((x) => `<tr><td class="num">${esc(x.index)}</td><td class="mono">${esc(x.name)}</td>
    <td>${yes(x.round1)}</td><td>${yes(x.shares)}</td><td>${yes(x.checked)}</td></tr>`).join("");
  const key = c.key
    ? notice("ok", `${t("密钥仪式已完成。选举密钥指纹", "The key ceremony is complete. Election key fingerprint")}
      <span class="mono fingerprint">${esc(c.key.fingerprint)}</span>${t(`; 任意 ${c.threshold} 名计票人可解密总数。`, `; any ${c.threshold} tellers decrypt the totals.`)}`)
    : notice("warn", t(`密钥仪式进行中 (第 ${c.attempt} 次尝试): 每位计票人运行命令并上传步骤文件, 共三步。某位计票人的状态文件丢失了? 他在命令末尾加上 --restart "原因" 运行并上传: 本次尝试作废, 原因记入日志, 所有计票人从第一步重新开始。`,
      `The key ceremony is in progress (attempt ${c.attempt}): each teller runs the command and uploads the steps file, three times. A teller's state file lost? That teller adds --restart "reason" to the command and uploads the result: this attempt is abandoned, the reason is logged, and every teller starts again from step 1.`));
  const restarts = (c.restarts || []).map((r) => `<li class="restart">${t(`第 ${r.attempt} 次由第 ${r.teller} 号计票人作废`, `attempt ${r.attempt} abandoned by teller ${r.teller}`)}: ${esc(r.reason)}</li>`).join("");
  const rows = (c.contests || []).filter((x) => x.phase !== "open").map((x) => {
    const shuffled = x.shuffled_by.length;
    const shares = x.shares_from.length;
    // Protocol 3: with write-ins, the names' shares too.
    const nameShares = (x.name_shares_from || []).length;
    const namesDue = x.names_after_flags && x.write_ins > 0;
    const ready = shares >= x.shares_needed && (!namesDue || nameShares >= x.shares_needed);
    const what = x.phase === "counted"
      ? t("已计票", "counted")
      : ready ? t("可以计票", "ready to tally") : t("等待计票人", "waiting for tellers");
    return `<tr data-contest="${esc(x.contest)}" data-ready="${ready ? "yes" : "no"}"><td>${esc(contestTitle(x.contest))}${x.group ? ` <span class="sub">(${esc(x.group)})</span>` : ""}</td>
      <td class="num">${esc(x.ballots)}</td>
      <td class="num">${x.shuffles_needed ? `${shuffled}/${esc(x.shuffles_needed)}` : "—"}</td>
      <td class="num shares">${shares}/${esc(x.shares_needed)}${namesDue ? ` · ${t("姓名", "names")} ${nameShares}/${esc(x.shares_needed)}` : ""}</td><td>${what}</td></tr>`;
  }).join("");
  $("#decryption-status").innerHTML = `${key}${restarts ? `<ul class="ceremony-restarts">${restarts}</ul>` : ""}
    <table class="compact"><thead><tr><th class="num">#</th><th>${t("计票人", "Teller")}</th><th>${t("第一轮", "Round 1")}</th><th>${t("份额", "Shares")}</th><th>${t("核对", "Check")}</th></tr></thead><tbody>${tellers}</tbody></table>
    ${rows ? `<table class="compact decryption"><thead><tr><th>${t("项目", "Contest")}</th><th class="num">${t("电子选票", "Ballots")}</th>
      <th class="num">${t("写入姓名混洗", "Write-in shuffles")}</th><th class="num">${t("解密份额", "Decryption shares")}</th><th></th></tr></thead><tbody>${rows}</tbody></table>` : ""}`;
}

// ------------------------------------------------------------------ teller steps (teller run)

/** Each step kind of a steps file, in words (src/e2e/teller.rs). */
const STEP_WORDS = {
  ceremony_round1: ["密钥仪式第一步: 发布承诺 (公开系数承诺)", "Key ceremony, step 1: publish the commitments (the public coefficient commitments)"],
  ceremony_shares: ["密钥仪式第二步: 向其他计票人发送加密份额", "Key ceremony, step 2: send an encrypted share to each other teller"],
  ceremony_check: ["密钥仪式第三步: 核对收到的份额 (有问题即投诉)", "Key ceremony, step 3: check the shares received (complain about any bad one)"],
  ceremony_restart: ["密钥仪式本次作废, 所有计票人从第一步重新开始", "Abandon this attempt of the key ceremony: every teller starts again from step 1"],
  shuffle: ["混洗写入姓名", "Shuffle the write-in names"],
  decryption_shares: ["提交解密份额", "Give decryption shares"],
};

const stepWords = (kind) => STEP_WORDS[kind] || [`未知的步骤 “${kind}”`, `unknown step "${kind}"`];

/** What one step of a steps file does, in words, with the contest or complaints it concerns. */
function stepLine(step) {
  const [zh, en] = stepWords(step.kind);
  const b = step.body && typeof step.body === "object" ? step.body : {};
  const details = [];
  if (step.kind === "shuffle" || step.kind === "decryption_shares") {
    const title = contestTitle(String(b.contest ?? ""));
    const group = b.group ? ` (${b.group})` : "";
    details.push(t(`项目 “${title}”${group}`, `contest “${title}”${group}`));
    if (step.kind === "shuffle" && Number.isInteger(b.count)) details.push(t(`${b.count} 个写入姓名`, `${b.count} write-in names`));
  }
  if (step.kind === "ceremony_check" && Array.isArray(b.complaints)) {
    details.push(b.complaints.length
      ? `<strong class="bad">${t(`投诉 ${b.complaints.length} 份无效份额: 本次仪式将重来`, `${b.complaints.length} complaint(s) about bad shares: the ceremony restarts`)}</strong>`
      : t("收到的份额全部有效", "every share received is valid"));
  }
  if (step.kind === "ceremony_restart" && typeof b.reason === "string") {
    details.push(`<strong class="bad">${t(`原因: ${b.reason}`, `reason: ${b.reason}`)}</strong>`);
  }
  if (b.attempt !== undefined && step.kind.startsWith("ceremony_")) details.push(t(`第 ${b.attempt} 次仪式`, `attempt ${b.attempt}`));
  return `<li data-kind="${esc(step.kind)}"><strong>${t(zh, en)}</strong>${details.length ? ` · ${details.join(" · ")}` : ""}
    ${step.summary ? `<div class="sub">${bi(step.summary)}</div>` : ""}</li>`;
}

/** Reads and checks a steps file (scrutineer teller run --out); throws a local error. */
async function readSteps(file) {
  let doc;
  try {
    doc = JSON.parse(await file.text());
  } catch {
    throw localError("teller_steps", "这不是步骤文件 (JSON 无法读取)。", "This is not a steps file (the JSON does not parse).");
  }
  if (doc?.format !== "scrutineer.teller-steps/v1" || !Array.isArray(doc.steps)) {
    throw localError("teller_steps", "这不是 scrutineer teller run 写出的步骤文件。", "This is not a steps file written by scrutineer teller run.");
  }
  if (state.election && doc.election !== state.election.id) {
    throw localError("teller_steps", `步骤文件属于选举 “${doc.election}”, 不是本选举。`, `The steps file belongs to election “${doc.election}”, not this one.`);
  }
  if (!doc.steps.length) throw localError("teller_steps", "步骤文件中没有步骤。", "The steps file holds no steps.");
  return doc;
}

/** #steps-file chosen: list its steps in words (#steps-preview) before anything is sent. */
function previewSteps() {
  const file = $("#steps-file").files[0];
  const preview = $("#steps-preview");
  $("#steps-msg").innerHTML = "";
  $("#steps-submit").hidden = true;
  state.steps = null;
  if (!file) {
    preview.hidden = true;
    preview.innerHTML = "";
    return;
  }
  const reading = readSteps(file).then((doc) => {
    if ($("#steps-file").files[0] !== file) return null;
    const fp = state.ceremony?.key?.fingerprint;
    const who = state.session?.username;
    const mine = !doc.teller || !who || doc.teller === who;
    preview.innerHTML = `<p>${t(`步骤文件: 计票人 ${doc.teller ?? "?"} (第 ${doc.index ?? "?"} 号) 在核验了日志的前 ${doc.log_size ?? "?"} 条之后算出, 共 ${doc.steps.length} 步:`,
      `Steps file: computed by teller ${doc.teller ?? "?"} (number ${doc.index ?? "?"}) after verifying the first ${doc.log_size ?? "?"} log entries; ${doc.steps.length} step(s):`)}</p>
      <ol class="steps-list">${doc.steps.map(stepLine).join("")}</ol>
      <p>${fp
        ? `${t("选举密钥指纹", "Election key fingerprint")} <span class="mono fingerprint">${esc(fp)}</span> ${t("(与公告栏和选票码纸条上的相同)", "(as on the board and the slips)")}`
        : t("密钥仪式尚未完成, 还没有选举密钥。", "The key ceremony is not complete: there is no election key yet.")}</p>
      ${mine ? "" : notice("warn", t(`注意: 这是计票人 ${doc.teller} 的步骤文件, 当前登录的是 ${who}。`, `Note: these are teller ${doc.teller}'s steps; ${who} is signed in.`))}`;
    preview.hidden = false;
    state.steps = doc;
    $("#steps-submit").hidden = false;
    return doc;
  }).catch((err) => {
    if ($("#steps-file").files[0] !== file) return null;
    preview.hidden = false;
    showError(preview, err);
    return null;
  });
  state.stepsReading = reading;
}

/** Submits the previewed steps in order with a progress bar; stops at the first refusal. */
async function submitSteps() {
  const out = $("#steps-msg");
  out.innerHTML = "";
  const doc = state.steps || (await state.stepsReading);
  if (!doc) {
    showError(out, localError("no_file", "请先选择步骤文件。", "Choose the steps file first."));
    return;
  }
  const n = doc.steps.length;
  const bar = $("#steps-progress");
  const text = $("#steps-progress-text");
  const button = $("#steps-submit");
  button.disabled = true;
  bar.max = n;
  bar.value = 0;
  bar.hidden = false;
  const done = [];
  await act(out, async () => {
    for (const [k, step] of doc.steps.entries()) {
      text.innerHTML = t(`正在提交第 ${k + 1} 步, 共 ${n} 步`, `Submitting step ${k + 1} of ${n}`);
      const r = await api("POST", "/api/v1/teller/entries", { kind: step.kind, body: step.body });
      bar.value = k + 1;
      const [zh, en] = stepWords(step.kind);
      done.push(`<li data-kind="${esc(step.kind)}">${t(zh, en)}${step.summary ? ` <span class="sub">(${bi(step.summary)})</span>` : ""} — ${t(`已记录, 第 ${r.index} 条`, `logged as entry ${r.index}`)}</li>`);
    }
    text.innerHTML = t(`全部 ${n} 步已提交`, `All ${n} steps submitted`);
    $("#steps-file").value = "";
    state.steps = null;
    state.stepsReading = null;
    $("#steps-preview").hidden = true;
    $("#steps-preview").innerHTML = "";
    button.hidden = true;
  });
  button.disabled = false;
  if (done.length < n) text.innerHTML = t(`已提交 ${done.length} 步, 共 ${n} 步: 见下面的错误`, `${done.length} of ${n} steps submitted: see the error below`);
  if (done.length) out.insertAdjacentHTML("afterbegin", `<ul class="steps-done">${done.join("")}</ul>`);
}

/**
 * What this teller owes next, from GET /api/v1/ceremony (as `scrutineer teller run` computes
 * it from its own replay): `{state: "due" | "waiting" | "done" | "stranger", kinds, words}`.
 */
function tellerDue(c, name) {
  const tellers = c.tellers || [];
  const me = tellers.find((x) => x.name === name);
  if (!me) return { state: "stranger", kinds: [], words: [] };
  const n = tellers.length;
  const count = (k) => tellers.filter((x) => x[k]).length;
  // The tellers a step still waits for, by name, so that the others can call them (t()
  // escapes them). A ceremony step needs every teller; shares and shuffles need a number of
  // them, which any of those not yet in can give.
  const notYet = (k) => {
    const names = tellers.filter((x) => !x[k]).map((x) => x.name);
    return names.length ? t(`; 还在等 ${names.join("、")}`, `; still waiting for ${names.join(", ")}`) : "";
  };
  const anyOf = (indices, needed) => {
    const have = (indices || []).length;
    const names = tellers.filter((x) => !(indices || []).includes(x.index)).map((x) => x.name);
    return names.length && have < needed
      ? t(`; 还差 ${needed - have} 份, ${names.join("、")} 中任一可提交`, `; ${needed - have} more needed, from any of ${names.join(", ")}`)
      : "";
  };
  const due = (kind, extra = "") => {
    const [zh, en] = stepWords(kind);
    return t(zh + extra, en + extra);
  };
  if (!c.key) {
    if (!me.round1) return { state: "due", kinds: ["ceremony_round1"], words: [due("ceremony_round1")] };
    if (count("round1") < n) return { state: "waiting", kinds: [], words: [t(`等待其他计票人完成第一步 (${count("round1")}/${n})`, `waiting for the other tellers' step 1 (${count("round1")}/${n})`) + notYet("round1")] };
    if (!me.shares) return { state: "due", kinds: ["ceremony_shares"], words: [due("ceremony_shares")] };
    if (count("shares") < n) return { state: "waiting", kinds: [], words: [t(`等待其他计票人发送份额 (${count("shares")}/${n})`, `waiting for the other tellers' shares (${count("shares")}/${n})`) + notYet("shares")] };
    if (!me.checked) return { state: "due", kinds: ["ceremony_check"], words: [due("ceremony_check")] };
    return { state: "waiting", kinds: [], words: [t(`等待其他计票人核对份额 (${count("checked")}/${n})`, `waiting for the other tellers' checks (${count("checked")}/${n})`) + notYet("checked")] };
  }
  const kinds = [];
  const words = [];
  const waits = [];
  const closed = (c.contests || []).filter((y) => y.phase === "closed");
  if (!closed.length) {
    return { state: "waiting", kinds: [], words: [t("还没有结束投票而未计票的项目: 投票结束后, 请回来混洗写入姓名并提交解密份额。",
      "No contest is closed and waiting for its count: once voting ends, come back to shuffle the write-in names and give decryption shares.")] };
  }
  for (const x of closed) {
    const label = `${contestTitle(x.contest)}${x.group ? ` (${x.group})` : ""}`;
    const shuffled = x.shuffled_by || [];
    if (x.names_after_flags) {
      // Protocol 3: shares of the totals first; the names only when the write-in count,
      // decrypted from enough tellers' shares, is above zero.
      if (!(x.shares_from || []).includes(me.index)) {
        kinds.push("decryption_shares");
        words.push(t(`“${label}”: 提交总数的解密份额`, `“${label}”: give decryption shares of the totals`));
        continue;
      }
      if (x.write_ins === null || x.write_ins === undefined) {
        waits.push(t(`“${label}”: 等待其他计票人提交总数的解密份额 (${(x.shares_from || []).length}/${x.shares_needed})`, `“${label}”: waiting for other tellers' shares of the totals (${(x.shares_from || []).length}/${x.shares_needed})`) + anyOf(x.shares_from, x.shares_needed));
        continue;
      }
      if (!x.write_ins) continue;
    }
    if (x.write_in_lines && shuffled.length < x.shuffles_needed) {
      if (!shuffled.includes(me.index)) {
        kinds.push("shuffle");
        words.push(t(`“${label}”: 混洗写入姓名`, `“${label}”: shuffle the write-in names`));
      } else {
        waits.push(t(`“${label}”: 等待其他计票人混洗 (${shuffled.length}/${x.shuffles_needed})`, `“${label}”: waiting for other tellers' shuffles (${shuffled.length}/${x.shuffles_needed})`) + anyOf(shuffled, x.shuffles_needed));
      }
      continue;
    }
    const given = x.names_after_flags ? (x.name_shares_from || []) : (x.shares_from || []);
    if (!given.includes(me.index)) {
      kinds.push("decryption_shares");
      words.push(x.names_after_flags
        ? t(`“${label}”: 提交写入姓名的解密份额`, `“${label}”: give decryption shares of the write-in names`)
        : t(`“${label}”: 提交解密份额`, `“${label}”: give decryption shares`));
    }
  }
  if (kinds.length) return { state: "due", kinds, words };
  if (waits.length) return { state: "waiting", kinds: [], words: waits };
  return { state: "done", kinds: [], words: [] };
}

/**
 * `scrutineer teller run …` for the signed-in teller: the key and state files named after the
 * teller when the account is one. `words(zh, en)` gives the parts that depend on the language:
 * plain() (the default) for text, t() for HTML.
 */
function tellerRunCommand(words = plain) {
  const name = state.session?.username || "";
  const safe = /^[A-Za-z0-9._-]+$/.test(name) && (state.ceremony?.tellers || []).some((x) => x.name === name);
  return (safe
    ? `scrutineer teller run --key ${name}.key --state ${name}.state --export export.tar --out steps.json`
    : `scrutineer teller run --key ${words("我的密钥.key", "my.key")} --state ${words("我的状态.state", "my.state")} --export export.tar --out steps.json`) + olderProtocol();
}

/** #teller-due and the command to run, for the signed-in teller. */
function renderTellerDue() {
  const c = state.ceremony;
  const el = $("#teller-due");
  if (!c) {
    el.innerHTML = "";
    return;
  }
  const name = state.session?.username || "";
  // Plain text in the page's language (textContent takes no t() spans); redrawn on a switch.
  $("#teller-run-command").textContent = tellerRunCommand();
  const d = tellerDue(c, name);
  const me = (c.tellers || []).find((x) => x.name === name);
  el.dataset.due = d.state;
  el.dataset.kinds = d.kinds.join(" ");
  if (d.state === "stranger") {
    // An account that is not named after a teller key (e.g. one desk account that uploads the
    // tellers' steps): what each registered teller owes next.
    const rows = (c.tellers || []).map((x) => {
      const e = tellerDue(c, x.name);
      const what = e.state === "due" ? `<strong>${e.words.join("; ")}</strong>` : e.state === "waiting" ? e.words.join("; ") : t("已完成", "done");
      return `<li data-teller="${esc(x.name)}" data-due="${e.state}"><span class="mono">${esc(x.name)}</span>: ${what}</li>`;
    }).join("");
    el.innerHTML = notice("", `${t(`账号 ${name} 不是计票人密钥的名字, 各计票人接下来的步骤:`, `${name} is not the name of a teller key; what each teller owes next:`)}
      <ul class="due-list">${rows}</ul>`);
    return;
  }
  const who = t(`您是第 ${me.index} 号计票人 ${name}。`, `You are teller ${me.index}, ${name}.`);
  if (d.state === "due") {
    el.innerHTML = notice("warn", `${who} <strong>${t("现在轮到您:", "Your turn now:")}</strong><ul class="due-list">${d.words.map((w) => `<li>${w}</li>`).join("")}</ul>
      ${t("请下载导出, 在您的电脑上运行下面的命令, 再上传它写出的步骤文件。", "Download the export, run the command below on your computer, then upload the steps file it writes.")}`);
  } else if (d.state === "waiting") {
    el.innerHTML = notice("", `${who} ${t("现在没有需要您提交的步骤:", "Nothing for you to submit now:")}<ul class="due-list">${d.words.map((w) => `<li>${w}</li>`).join("")}</ul>`);
  } else {
    el.innerHTML = notice("ok", `${who} ${c.key
      ? t("您已提交所有已结束投票的项目所需的步骤。", "You have given every step the closed contests need.")
      : t("您的密钥仪式步骤已全部完成。", "Your key ceremony steps are all done.")}`);
  }
}

// ------------------------------------------------------------------ kiosk test challenges

/** A result's number in this election (结果 1, 2, ...): its place among the results, not its
 *  log entry (the server's `number`; the entry index when an older server does not say). */
function resultNo(index) {
  const r = (state.results || []).find((x) => Number(x.index) === Number(index));
  return r?.number ?? index;
}

/** A check's or a kiosk test's time in the hall's time zone (common.js `checkTime`). */
function localTime(value) {
  return esc(checkTime(value));
}

const OUTCOME = { match: ["一致", "match", "ok"], mismatch: ["不一致 (投票机有问题)", "MISMATCH (kiosk faulty)", "bad"] };
const outcomeWords = (o) => {
  const [zh, en, cls] = OUTCOME[o] || [o, o, ""];
  return `<span class="${cls}">${t(zh, en)}</span>`;
};

/** The card: counts, the tests recorded (mismatches highlighted), the spoiled ballots. */
function renderKioskTests() {
  const card = $("#kiosk-test-card");
  card.classList.toggle("hidden", !state.ceremony);
  if (!state.ceremony) return;
  const kt = state.kioskTests;
  const list = $("#kiosk-tests-list");
  const counts = $("#kiosk-test-counts");
  if (!kt) {
    counts.innerHTML = "";
    list.innerHTML = `<p class="hint">${t("无法取得抽检记录。", "The kiosk tests could not be loaded.")}</p>`;
    return;
  }
  const spoiled = Array.isArray(kt.spoiled) ? kt.spoiled : [];
  const tests = Array.isArray(kt.tests) ? kt.tests : [];
  const c = kt.counts || { spoiled: spoiled.length, tests: tests.length, mismatches: tests.filter((x) => x.outcome === "mismatch").length };
  counts.dataset.mismatches = String(c.mismatches ?? 0);
  counts.innerHTML = `${t(`核验 (作废) 的选票 ${c.spoiled} 张 · 监票人抽检 ${c.tests} 次 · 不一致 ${c.mismatches} 次`,
    `${c.spoiled} checked (void) ballot${c.spoiled === 1 ? "" : "s"} · ${c.tests} scrutineer test${c.tests === 1 ? "" : "s"} · ${c.mismatches} mismatch${c.mismatches === 1 ? "" : "es"}`)}${c.mismatches
    ? notice("bad", t("有投票机抽检不一致: 请立即停用这台投票机, 并告知组织者和其他监票人。", "A kiosk test did not match: take that kiosk out of use at once and tell the organiser and the other scrutineers."))
    : ""}`;
  // Per kiosk: how often and when it was last tested; a paired kiosk never tested is due.
  const kiosks = Array.isArray(kt.kiosks) ? kt.kiosks : [];
  const perKiosk = kiosks.map((k) => `<li class="kiosk-schedule ${k.tests ? "" : "untested"}" data-kiosk="${esc(k.kiosk)}" data-tests="${esc(k.tests)}">
      <span class="mono">${esc(k.kiosk)}</span>: ${k.tests
        ? t(`抽检 ${k.tests} 次, 最近 ${localTime(k.last_test)}${k.mismatches ? `, 不一致 ${k.mismatches} 次` : ""}`,
          `tested ${k.tests} time${k.tests === 1 ? "" : "s"}, last ${localTime(k.last_test)}${k.mismatches ? `, ${k.mismatches} mismatched` : ""}`)
        : `<strong>${t("尚未抽检", "not tested yet")}</strong>`}${k.spoiled ? t(` · 核验作废 ${k.spoiled} 张`, ` · ${k.spoiled} checked`) : ""}</li>`).join("");
  counts.insertAdjacentHTML("beforeend", kiosks.length
    ? `<ul id="kiosk-schedule">${perKiosk}</ul>`
    : "");
  const receiptOf = new Map(spoiled.map((s) => [Number(s.index), s.receipt]));
  const rows = tests.map((x) => `<tr class="kiosk-test ${x.outcome === "mismatch" ? "mismatch" : ""}" data-index="${esc(x.index)}" data-spoiled="${esc(x.spoiled)}" data-outcome="${esc(x.outcome)}">
      <td class="mono">${esc(x.kiosk)}</td><td>${localTime(x.time)}</td><td>${outcomeWords(x.outcome)}</td>
      <td class="mono">${esc(x.teller)}</td><td>${esc(x.note || "")}</td>
      <td class="mono">${receiptOf.has(Number(x.spoiled)) ? `<button type="button" class="link open-spoiled" data-receipt="${esc(receiptOf.get(Number(x.spoiled)))}">${esc(receiptOf.get(Number(x.spoiled)))}</button>` : `#${esc(x.spoiled)}`}</td></tr>`).join("");
  const spoiledRows = spoiled.map((s) => `<tr class="spoiled" data-index="${esc(s.index)}" data-tested="${s.tested ? "true" : "false"}">
      <td class="mono"><button type="button" class="link open-spoiled" data-receipt="${esc(s.receipt)}">${esc(s.receipt)}</button></td>
      <td class="mono">${esc(s.kiosk)}</td><td>${localTime(s.time)}</td><td class="mono">${esc(s.confirmation)}</td>
      <td>${s.tested ? t("已抽检", "tested") : t("选民核验", "voter's check")}</td></tr>`).join("");
  list.innerHTML = `<table id="kiosk-tests" class="compact kiosk-tests">
      <thead><tr><th>${t("投票机", "Kiosk")}</th><th>${t("时间", "Time")}</th><th>${t("结果", "Outcome")}</th><th>${t("监票人", "Teller")}</th><th>${t("备注", "Note")}</th><th>${t("回执", "Receipt")}</th></tr></thead>
      <tbody>${rows || `<tr class="empty"><td colspan="6" class="hint">${t("还没有抽检记录。", "No kiosk test yet.")}</td></tr>`}</tbody></table>
    ${spoiled.length ? `<details id="spoiled-list"><summary>${t(`全部核验 (作废) 的选票 (${spoiled.length} 张)`, `All checked (void) ballots (${spoiled.length})`)}</summary>
      <table class="compact"><thead><tr><th>${t("回执", "Receipt")}</th><th>${t("投票机", "Kiosk")}</th><th>${t("时间", "Time")}</th><th>${t("确认码", "Code")}</th><th></th></tr></thead>
      <tbody>${spoiledRows}</tbody></table></details>` : ""}`;
}

/** #test-open: a check receipt (or confirmation code) opened here with spoiled.js. */
async function openTest() {
  const out = $("#test-opened");
  const msg = $("#test-msg");
  msg.innerHTML = "";
  out.innerHTML = `<p class="hint">${t("正在打开…", "Opening…")}</p>`;
  $("#test-record").classList.add("hidden");
  state.testOpened = null;
  const text = $("#test-receipt").value;
  try {
    const [tlog, e2e, spoiled] = await Promise.all([import("./tlog.js"), import("./e2e.js"), import("./spoiled.js")]);
    let parsed = tlog.parseReceiptCode(text);
    if (!parsed) {
      const code = e2e.parseConfirmationCode(text);
      // A test is of a ballot the kiosk just showed, whole: two groups (a code of the first
      // version) would find any ballot sharing its first 40 bits.
      if (code && code.replace(/-/g, "").length !== 16) {
        throw localError("bad_receipt", `请输入投票机显示的完整 16 位确认码 (四组), 不是 “${code}”`, `enter the whole 16-character code the kiosk showed (four groups), not "${code}"`);
      }
      if (!code) throw localError("bad_receipt", `“${text.trim()}” 不是回执码 (形如 R42-5Q3ZK8M1T0C7W2H4) 或确认码 (形如 7K2Q-M9XD-4T1B-ZC08)`, `"${text.trim()}" is not a receipt code (like R42-5Q3ZK8M1T0C7W2H4) or a confirmation code (like 7K2Q-M9XD-4T1B-ZC08)`);
      const found = await api("GET", `/api/v1/confirmations/${encodeURIComponent(code)}`);
      const entry = (found.entries || []).find((e) => e.kind === "spoiled_ballot");
      if (!entry) throw localError("not_spoiled", `确认码 ${code} 的选票没有被核验 (投出的选票不能打开)`, `the ballot with confirmation code ${code} was not checked (a cast ballot cannot be opened)`);
      parsed = tlog.parseReceiptCode(entry.receipt);
      if (!parsed) throw localError("bad_receipt", "服务器给出的回执码无法读取", "the receipt code from the server cannot be read");
    }
    $("#test-receipt").value = parsed.code;
    const receipt = await api("GET", `/api/v1/receipts/${encodeURIComponent(parsed.code)}`);
    if (receipt.kind !== "spoiled_ballot") {
      throw localError("not_spoiled", `回执 ${parsed.code} 不是核验 (作废) 的选票: 投出的选票不能打开`, `receipt ${parsed.code} is not a checked (void) ballot: a cast ballot cannot be opened`);
    }
    const hash = tlog.hexToBytes(String(receipt.hash), 32);
    if (tlog.receiptCode(parsed.index, hash) !== parsed.code) {
      throw localError("receipt_hash", `回执码 ${parsed.code} 与日志第 ${parsed.index} 条记录的哈希不符`, `receipt ${parsed.code} does not match the hash of log entry ${parsed.index}`);
    }
    const data = await api("GET", `/api/v1/spoiled/${encodeURIComponent(parsed.index)}`);
    const opened = await spoiled.openSpoiled(data, hash);
    const index = Number(opened.index ?? parsed.index);
    state.testOpened = { index, opened };
    const tested = opened.test
      ? notice(opened.test.outcome === "mismatch" ? "bad" : "ok", `${t("已记录抽检结果:", "Test already recorded:")} ${outcomeWords(opened.test.outcome)} · ${esc(opened.test.teller)} · ${localTime(opened.test.time)}${opened.test.note ? ` · ${esc(opened.test.note)}` : ""}`)
      : "";
    out.innerHTML = `<div class="test-opened" data-index="${index}" data-status="${opened.ok ? "ok" : "fail"}">
      <p>${t(`日志第 ${index} 条, 投票机 ${opened.kiosk}, `, `log entry ${index}, kiosk ${opened.kiosk}, `)}${localTime(opened.time)}</p>
      <p>${t("确认码", "Confirmation code")} <strong id="test-code" class="mono code">${esc(opened.code)}</strong>
        ${t("(应与投票机在按 “核验” 之前显示的相同)", "(must be the one the kiosk showed before “Check” was pressed)")}</p>
      <p>${t("选举密钥指纹", "Election key fingerprint")} <span class="mono fingerprint">${esc(opened.fingerprint)}</span></p>
      ${spoiled.renderProblems(opened)}
      <p><strong>${t("请与您在投票机上所按的逐项核对:", "Compare with what you pressed on the kiosk, contest by contest:")}</strong></p>
      ${spoiled.renderChoices(opened)}
      ${tested}</div>`;
    if (!opened.test) {
      $("#test-record").classList.remove("hidden");
      // A ballot that does not open cannot be a match.
      $("#test-match").disabled = !opened.ok;
    }
  } catch (err) {
    out.innerHTML = "";
    const e = err instanceof Error && !err.code ? { message: err.message, code: "error" } : err;
    showError(msg, e.zh ? { code: e.code, message: `${e.zh} / ${e.en}` } : e);
  }
}

/** #test-match / #test-mismatch: the outcome goes into the log (POST /api/v1/kiosk-tests). */
async function recordTest(outcome) {
  const opened = state.testOpened;
  const msg = $("#test-msg");
  if (!opened) {
    showError(msg, localError("no_ballot", "请先打开一张核验过的选票", "open a checked ballot first"));
    return;
  }
  const note = $("#test-note").value.trim();
  const token = $("#test-slip").value.trim();
  if (!token) {
    showError(msg, localError("test_slip", "请扫描或输入抽检所用的那张选票码", "scan or type the slip you tested with"));
    $("#test-slip").focus();
    return;
  }
  const sure = await confirmDialog({
    title: outcome === "match" ? t("记录抽检结果: 一致?", "Record the test: match?") : t("记录抽检结果: 不一致?", "Record the test: MISMATCH?"),
    text: `<p>${t(`日志第 ${opened.index} 条 (投票机 ${opened.opened.kiosk}) 的抽检结果将写入选票日志, 不能撤回。这张选票码以后不能再投票。`,
      `The outcome of the test of log entry ${opened.index} (kiosk ${opened.opened.kiosk}) goes into the ballot log and cannot be withdrawn. This slip can never be cast afterwards.`)}</p>
      ${outcome === "mismatch" ? notice("bad", t("不一致表示投票机加密的不是您所按的: 请同时停用这台投票机并告知组织者。", "A mismatch means the kiosk encrypted something other than what you pressed: also take the kiosk out of use and tell the organiser.")) : ""}`,
    ok: outcome === "match" ? t("记录: 一致", "Record: match") : t("记录: 不一致", "Record: mismatch"),
    danger: outcome === "mismatch",
  });
  if (!sure) return;
  await act(msg, async () => {
    const r = await api("POST", "/api/v1/kiosk-tests", { spoiled: opened.index, outcome, note, token });
    showOk(msg, t(`抽检结果已记录 (第 ${r.index} 条): ${outcome === "match" ? "一致" : "不一致"}`, `The test is recorded (entry ${r.index}): ${outcome}`));
    $("#test-record").classList.add("hidden");
    $("#test-note").value = "";
    $("#test-slip").value = "";
    state.testOpened = null;
  });
}

/** Opens the confirm dialog; resolves true on OK. */
/**
 * Opens the confirm dialog; resolves true on OK. `ready`, when given, is asked on every input
 * in the dialog whether OK may be pressed yet (it stays disabled until then).
 */
function confirmDialog({ title, text, ok, danger = false, ready = null }) {
  const dlg = $("#confirm-dialog");
  $("#confirm-title").innerHTML = title;
  $("#confirm-text").innerHTML = text;
  const okBtn = $("#confirm-ok");
  okBtn.innerHTML = ok;
  okBtn.className = danger ? "danger" : "";
  return new Promise((resolve) => {
    const check = () => {
      okBtn.disabled = ready ? !ready() : false;
    };
    const done = (v) => {
      okBtn.removeEventListener("click", yes);
      $("#confirm-cancel").removeEventListener("click", no);
      dlg.removeEventListener("cancel", no);
      dlg.removeEventListener("input", check);
      okBtn.disabled = false;
      dlg.close();
      resolve(v);
    };
    const yes = () => {
      if (ready && !ready()) return;
      done(true);
    };
    const no = () => done(false);
    okBtn.addEventListener("click", yes);
    $("#confirm-cancel").addEventListener("click", no);
    dlg.addEventListener("cancel", no);
    dlg.addEventListener("input", check);
    check();
    dlg.showModal();
    const first = ready ? dlg.querySelector("#confirm-text input") : null;
    (first || $("#confirm-cancel")).focus();
  });
}

async function closeContest(id) {
  const title = contestTitle(id);
  // The figures the close will log come from the desk; show them before the teller confirms.
  let figures = "";
  try {
    const desk = await api("GET", "/api/v1/desk");
    const row = (desk.contests || []).find((r) => r.contest === id);
    if (row) {
      const q = { met: t("已达到", "met"), not_met: t("未达到", "NOT met"), none: t("不适用", "n/a") }[row.quorum] || row.quorum;
      const r = Number(row.ballots_received ?? 0);
      figures = `<table class="compact close-figures" id="close-figures">
        <tr><th>${t("应到 E", "Eligible E")}</th><td class="num" data-figure="eligible">${esc(row.eligible)}</td></tr>
        <tr><th>${t("实到 P", "Present P")}</th><td class="num" data-figure="present">${esc(row.present)}</td></tr>
        <tr><th>${t("发出选票 I", "Slips issued I")}</th><td class="num" data-figure="issued">${esc(row.slips_issued)}</td></tr>
        <tr><th>${t("收回选票 R", "Ballots received R")}</th><td class="num" data-figure="received">${esc(r)}</td></tr>
        <tr><th>${t("法定人数", "Quorum")}</th><td data-figure="quorum">${q}</td></tr></table>`;
      // What makes this close worth a second look: said before the teller confirms.
      const warnings = [];
      if (Number(row.present) === 0) warnings.push(t("没有人签到 (实到 0 人)。", "Nobody has checked in (0 present)."));
      if (r === 0) warnings.push(t("还没有收到任何选票。", "No ballot has been received yet."));
      if (row.quorum === "not_met") warnings.push(t("到会人数未达到法定人数: 结束后计票, 本轮将无效, 须重新投票。", "Quorum is not met: once closed and counted, this round is invalid and must be re-voted."));
      if (r > Number(row.slips_issued)) warnings.push(t("收回选票多于发出选票: 本轮将无效。", "More ballots received than issued: this round will be invalid."));
      if (warnings.length) figures += notice("warn", `<strong>${t("请注意", "Please note")}:</strong> ${warnings.join(" ")}`);
    }
  } catch (_) {
    // The dialog still says where the figures come from.
  }
  const sure = await confirmDialog({
    title: t(`结束“${title}”的投票?`, `Close voting in “${title}”?`),
    text: `${figures}<p>${t("结束后这一项目不能再投票。应到、实到和发出票数按签到处的数字原样写入选票日志, 不能手改; 如数字有误, 结束后提出更正, 由另一角色的人批准, 并须有一名登记计票人的签名。本轮所有项目都结束后, 未使用的选票码作废。", "No more ballots can be cast in this contest afterwards. Eligible, present and issued are written to the log exactly as the desk has them and cannot be typed; if they are wrong, propose a correction afterwards for a person of another role to approve, signed by a registered teller. Once every contest of the round is closed, unused ballot tokens are voided.")}</p>`,
    ok: t("结束投票", "Close voting"),
    danger: true,
  });
  if (!sure) return;
  const encrypted = Boolean(state.election?.secrecy?.encrypted);
  await act($("#msg"), async () => {
    const out = await api("POST", `/api/v1/contests/${encodeURIComponent(id)}/close`);
    if (encrypted) {
      showOk($("#msg"), encryptedNextStep(title, out));
      return;
    }
    showOk($("#msg"), t(`“${title}”已结束投票: 应到 ${out.eligible} 人, 实到 ${out.present} 人, 发出选票 ${out.ballots_issued} 张 (取自签到处)。下一步: 计票。`,
      `“${title}” is closed: ${out.eligible} eligible, ${out.present} present, ${out.ballots_issued} ballots issued (from the desk). Next: tally.`));
  });
}

/**
 * What comes after closing a contest of an encrypted election: not the tally yet (the server
 * refuses it, shares_missing, until k tellers' decryption shares are logged), but the
 * checkpoint compared aloud, `teller run --checkpoint` and its steps file uploaded here.
 */
function encryptedNextStep(title, out) {
  const k = state.ceremony?.threshold ?? state.election?.secrecy?.threshold;
  const run = tellerRunCommand(t);
  return `${t(`“${title}”已结束投票: 应到 ${out.eligible} 人, 实到 ${out.present} 人, 发出选票 ${out.ballots_issued} 张 (取自签到处)。本选举的选票是加密的, 现在还不能计票。下一步:`,
    `“${title}” is closed: ${out.eligible} eligible, ${out.present} present, ${out.ballots_issued} ballots issued (from the desk). This election's ballots are encrypted, so it cannot be tallied yet. Next:`)}
    <ol class="next-steps">
      <li>${t("每位计票人在自己的电脑上下载日志导出 (export.tar) 并运行", "Each teller downloads the log export (export.tar) on their own computer and runs")}
        <code class="mono">${run}</code>${t(": 它会打印“收票后的检查点” (条数:根)。", ": it prints “the checkpoint after the last close” (SIZE:ROOT).")}</li>
      <li>${t("计票人把这个检查点念出来, 相互核对, 并与大厅张贴的检查点核对, 必须完全一致。", "The tellers read that checkpoint aloud and compare it with each other's and with the one posted in the hall: it must be the same.")}</li>
      <li>${t("一致后, 每位计票人重新下载导出, 在这份新导出上运行", "Once it matches, each teller downloads a fresh export and runs, on it,")}
        <code class="mono">${run} --checkpoint ${t("条数:根", "SIZE:ROOT")}</code>${t(", 再把它写出的步骤文件 steps.json 上传到本页的 “加密选票: 密钥仪式与解密” 卡片。",
          ", then uploads the steps file steps.json it writes in this page's card “Encrypted ballots: key ceremony and decryption”.")}</li>
      <li>${k
        ? t(`有 ${k} 名计票人的解密份额后, 才能点 “计票”。`, `“Tally” works once ${k} tellers' decryption shares are in.`)
        : t("有足够计票人的解密份额后, 才能点 “计票”。", "“Tally” works once enough tellers' decryption shares are in.")}</li>
    </ol>`;
}

async function tallyContest(id) {
  const title = contestTitle(id);
  await act($("#msg"), async () => {
    const out = await api("POST", `/api/v1/contests/${encodeURIComponent(id)}/tally`);
    const no = out.number ?? resultNo(out.result_index);
    showOk($("#msg"), t(`“${title}”已计票, 结果 ${no}。请核对下面的结果, 然后签名。`,
      `“${title}” is tallied: result ${no}. Check the verdict below, then sign it.`));
    state.verdictIndex = out.result_index;
    state.statusIndex = out.result_index;
    renderVerdict(out.result, out.result_index);
    $("#verdict").scrollIntoView({ behavior: "instant", block: "start" });
  });
}

// ------------------------------------------------------------------ verdict

async function showResult(index) {
  try {
    const d = state.details.get(index) || (await api("GET", `/api/v1/results/${index}`));
    state.verdictIndex = index;
    state.statusIndex = index;
    renderVerdict(d.result, index);
    renderSignatureStatus();
    $("#verdict").scrollIntoView({ behavior: "instant", block: "start" });
  } catch (err) {
    showError($("#verdict"), err);
  }
}

function renderVerdict(doc, index) {
  const parts = [];
  for (const c of doc.contests || []) parts.push(c.kind === "evaluation" ? evaluationVerdict(c, index) : candidateVerdict(c, index));
  for (const r of doc.rankings || []) parts.push(rankingVerdict(r));
  if ((doc.warnings || []).length) {
    parts.push(notice("warn", `<strong>${t("提示", "Warnings")}</strong><ul>${doc.warnings.map((w) => `<li>${bi(w.message)} <span class="mono">[${esc(w.code)}]</span></li>`).join("")}</ul>`));
  }
  $("#verdict").innerHTML = parts.join("") || `<p>${t("此结果不含任何项目。", "This result holds no contest.")}</p>`;
}

function verdictHead(c, index) {
  const seats = c.kind === "evaluation" ? "" : ` · ${t(`应选 ${c.seats} 名`, `${c.seats} seat(s)`)}`;
  const round = c.parent ? ` · ${t(c.parent.reason === "tie" ? "因票数相等再次投票" : "另行选举", c.parent.reason === "tie" ? "new vote after a tie" : "new round after a shortfall")}` : "";
  return `<h3>${t(`结果 ${resultNo(index)}`, `Result ${resultNo(index)}`)} · ${esc(c.title || c.id)} <span class="sub">${esc(c.kind)}</span>${seats}${round}</h3>`;
}

function reconciliationLines(c) {
  const b = c.ballots || {};
  const turnout = c.turnout || {};
  const lines = [];
  const valid = c.valid !== false;
  const okRI = b.returned <= b.issued;
  lines.push(`<li class="${okRI ? "" : "bad"}">${okRI
    ? t(`发出 ${b.issued} 张, 收回 ${b.returned} 张, 收回 ≤ 发出${valid ? ", 本轮有效" : ""}`, `${b.issued} issued, ${b.returned} returned: returned ≤ issued${valid ? ", the round is valid" : ""}`)
    : t(`发出 ${b.issued} 张, 收回 ${b.returned} 张, 收回多于发出, 本轮无效`, `${b.issued} issued, ${b.returned} returned: more returned than issued, the round is invalid`)}</li>`);
  const voids = Object.entries(c.void_reasons || {}).filter(([, n]) => n > 0)
    .map(([k, n]) => { const [zh, en] = VOID_REASONS[k] || [k, k]; return [`${zh} ${n} 张`, `${en} ${n}`]; });
  lines.push(`<li>${t(`有效票 ${b.valid} 张, 废票 ${b.void} 张${voids.length ? ` (${voids.map((v) => v[0]).join(", ")})` : ""}`,
    `${b.valid} valid, ${b.void} void${voids.length ? ` (${voids.map((v) => v[1]).join(", ")})` : ""}`)}</li>`);
  lines.push(`<li>${t(`应到 ${turnout.eligible} 人, 实到 ${turnout.present} 人`, `${turnout.eligible} eligible, ${turnout.present} present`)}</li>`);
  lines.push(`<li>${quorumWords(c)}</li>`);
  if (c.kind !== "evaluation") lines.push(`<li>${thresholdWords(c.threshold)}</li>`);
  return `<ul class="facts">${lines.join("")}</ul>`;
}

function quorumWords(c) {
  const q = c.quorum;
  if (!q) return t("法定人数: 本类选举法律未规定", "Quorum: none set by law for this kind");
  const E = c.turnout?.eligible;
  const P = c.turnout?.present;
  const m = /^(\d+)·P\s*(>|≥|>=)\s*(\d+)·E$/.exec(q.rule || "");
  let calc = "";
  if (m && E != null && P != null) {
    const [a, op, b] = [Number(m[1]), m[2] === ">" ? ">" : "≥", Number(m[3])];
    const holds = op === ">" ? a * P > b * E : a * P >= b * E;
    calc = ` (${a}×${P} = ${a * P} ${holds ? op : op === ">" ? "≤" : "<"} ${b}×${E} = ${b * E})`;
  }
  return q.met
    ? `<span class="ok">${t(`法定人数: ${q.rule}${calc}, 已达到`, `Quorum: ${q.rule}${calc}, met`)}</span>`
    : `<span class="bad">${t(`法定人数: ${q.rule}${calc}, 未达到, 本轮无效`, `Quorum: ${q.rule}${calc}, not met: the round is invalid`)}</span>`;
}

function thresholdWords(th) {
  if (!th) return t("当选票数: 只按得票多少排序", "Threshold: ranking by votes only");
  const bases = { present: ["实到", "人", "present"], eligible: ["应到", "人", "eligible"], returned: ["收回选票", "张", "ballots returned"] };
  const [bz, unit, be] = bases[th.base] || [th.base, "", th.base];
  const n = th.base_count;
  const need = th.votes_needed;
  const rule = `<span class="mono sub">(${esc(th.rule)}${n != null ? `, ${esc(th.base === "eligible" ? "E" : th.base === "returned" ? "R" : "P")} = ${n}` : ""})</span>`;
  let words;
  if (need == null) {
    return `${t("当选条件", "To be elected")}: ${bi(th.description || th.rule)}`;
  } else if (/^2·for >/.test(th.rule || "")) {
    words = t(`当选须得票超过${bz} ${n} ${unit}的半数, 即至少 ${need} 票`, `To be elected: more than half of the ${n} ${be}, i.e. at least ${need} votes`);
  } else if (/^3·for ≥/.test(th.rule || "")) {
    words = t(`当选须得票不少于${bz} ${n} ${unit}的三分之一, 即至少 ${need} 票`, `To be elected: at least a third of the ${n} ${be}, i.e. at least ${need} votes`);
  } else {
    const d = String(th.description || th.rule);
    const i = d.indexOf(" / ");
    words = i < 0 ? t(`${d}, 即至少 ${need} 票`, `${d}, i.e. at least ${need} votes`) : t(`${d.slice(0, i)}, 即至少 ${need} 票`, `${d.slice(i + 3)}, i.e. at least ${need} votes`);
  }
  return `${words} ${rule}`;
}

function candidateVerdict(c, index) {
  const valid = c.valid !== false;
  const [azh] = against(c.kind);
  const need = c.threshold?.votes_needed;
  const majority = /^2·for >/.test(c.threshold?.rule || "");
  const out = [verdictHead(c, index)];
  out.push(valid
    ? notice("ok", t("本轮有效", "The round is valid"))
    : notice("bad", `<strong>${t("本轮无效, 无人当选, 须重新投票", "The round is invalid: nobody is elected; the vote must be held again")}</strong><ul>${(c.problems || []).map((p) => `<li>${bi(p.message)} <span class="mono">[${esc(p.code)}]</span></li>`).join("")}</ul>`));
  out.push(reconciliationLines(c));

  const rows = (c.candidates || []).map((x) => `<tr class="cand" data-candidate="${esc(x.id)}" data-status="${esc(x.status)}">
      <td class="num">${esc(x.rank)}</td><td>${esc(x.name)}</td><td class="num">${esc(x.for)}</td><td class="num">${esc(x.against)}</td>
      <td class="num">${esc(x.abstain)}</td><td>${statusLabel(x.status)}</td></tr>`);
  for (const w of c.write_ins || []) {
    rows.push(`<tr class="write-in" data-status="${esc(w.status)}"><td class="num">${esc(w.rank)}</td><td>${esc(w.name)} <span class="sub">${t("另选他人", "write-in")}</span></td>
      <td class="num">${esc(w.for)}</td><td class="num">—</td><td class="num">—</td><td>${statusLabel(w.status)}</td></tr>`);
  }
  const sorted = rows.length ? rows : [`<tr><td colspan="6">${t("没有候选人", "no candidates")}</td></tr>`];
  out.push(`<table class="verdict-table"><thead><tr><th class="num">${t("名次", "Rank")}</th><th>${t("候选人", "Candidate")}</th>
    <th class="num">${t("赞成", "For")}</th><th class="num">${t(azh, "Against")}</th><th class="num">${t("弃权", "Abstain")}</th>
    <th>${t("结果", "Status")}</th></tr></thead><tbody>${sorted.join("")}</tbody></table>`);

  // One sentence per candidate, in rank order; the tied together.
  const sentences = [];
  const everyone = [
    ...(c.candidates || []).map((x) => ({ ...x, writeIn: false })),
    ...(c.write_ins || []).map((w) => ({ ...w, writeIn: true })),
  ].sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9));
  const nameOf = (x) => (x.writeIn ? [`${x.name} (另选他人)`, `${x.name} (write-in)`] : [x.name, x.name]);
  if (!valid) {
    sentences.push(`<li class="bad">${t("本轮无效, 以上票数不产生当选人", "The round is invalid: these counts elect nobody")}</li>`);
  } else {
    const tiedDone = new Set();
    const tieSeats = c.runoff?.reason === "tie" ? c.runoff.seats : c.unfilled_seats;
    for (const x of everyone) {
      const [nz, ne] = nameOf(x);
      if (x.status === "elected") {
        if (need == null) sentences.push(`<li class="ok">${t(`${nz} 得 ${x.for} 票, 名列第 ${x.rank}, 当选`, `${ne}: ${votes(x.for)}, ranked ${x.rank}: elected`)}</li>`);
        else if (x.for > need) sentences.push(`<li class="ok">${t(`${nz} 得 ${x.for} 票, 超过 ${need} 票, 当选`, `${ne}: ${votes(x.for)}, over the ${need} needed: elected`)}</li>`);
        else sentences.push(`<li class="ok">${t(`${nz} 得 ${x.for} 票, 达到 ${need} 票, 当选`, `${ne}: ${votes(x.for)}, exactly the ${need} needed: elected`)}</li>`);
      } else if (x.status === "tied") {
        if (tiedDone.has(x.for)) continue;
        tiedDone.add(x.for);
        const group = everyone.filter((y) => y.status === "tied" && y.for === x.for);
        sentences.push(`<li class="warn">${t(`${group.map((y) => nameOf(y)[0]).join("、")} 均得 ${x.for} 票, 争最后 ${tieSeats} 个名额, 须就${people(group.length)}再次投票`,
          `${group.map((y) => nameOf(y)[1]).join(", ")} tied on ${votes(x.for)} for the last ${tieSeats} seat(s): a new vote between ${group.length === 2 ? "the two" : `these ${group.length}`}`)}</li>`);
      } else if (x.status === "not_elected") {
        if (need != null && x.for < need) {
          sentences.push(majority
            ? `<li>${t(`${nz} 得 ${x.for} 票, 未过半数 (须至少 ${need} 票), 未当选`, `${ne}: ${votes(x.for)}, not more than half (${need} needed): not elected`)}</li>`
            : `<li>${t(`${nz} 得 ${x.for} 票, 未达到 ${need} 票, 未当选`, `${ne}: ${votes(x.for)}, short of the ${need} needed: not elected`)}</li>`);
        } else {
          sentences.push(`<li>${t(`${nz} 得 ${x.for} 票, 名列第 ${x.rank}, 应选 ${c.seats} 名已由得票更多者当选, 未当选`, `${ne}: ${votes(x.for)}, ranked ${x.rank}; the ${c.seats} seat(s) went to those with more votes: not elected`)}</li>`);
        }
      } else if (x.status === "shortlisted") {
        sentences.push(`<li class="ok">${t(`${nz} 得 ${x.for} 票, 名列第 ${x.rank}, 入围`, `${ne}: ${votes(x.for)}, ranked ${x.rank}: shortlisted`)}</li>`);
      } else if (x.status === "not_shortlisted") {
        sentences.push(`<li>${t(`${nz} 得 ${x.for} 票, 名列第 ${x.rank}, 未入围`, `${ne}: ${votes(x.for)}, ranked ${x.rank}: not shortlisted`)}</li>`);
      } else {
        sentences.push(`<li>${t(`${nz} 得 ${x.for} 票, 名列第 ${x.rank}`, `${ne}: ${votes(x.for)}, ranked ${x.rank}`)}</li>`);
      }
    }
  }
  out.push(`<ul class="sentences">${sentences.join("")}</ul>`);

  if (valid && c.elected) {
    const names = c.elected.map((id) => (id.startsWith("write-in:") ? id.slice(9) : (c.candidates || []).find((x) => x.id === id)?.name || id));
    out.push(`<p class="elected-line"><strong>${t(`当选 (${names.length} 名)`, `Elected (${names.length})`)}:</strong> ${names.length ? esc(names.join("、")) : t("无", "none")}${c.unfilled_seats ? ` · ${t(`尚缺 ${c.unfilled_seats} 名`, `${c.unfilled_seats} seat(s) unfilled`)}` : ""}</p>`);
  }
  if (c.runoff) {
    const r = c.runoff;
    const names = (r.candidates || []).map((id) => (c.candidates || []).find((x) => x.id === id)?.name || id);
    const ls = r.list_size;
    const size = !ls ? "" : ls.max == null
      ? ` · ${t(`名单至少 ${ls.min} 人`, `a list of at least ${ls.min}`)}`
      : ls.max === ls.min ? ` · ${t(`名单 ${ls.min} 人`, `a list of ${ls.min}`)}`
        : ` · ${t(`名单 ${ls.min}–${ls.max} 人`, `a list of ${ls.min}–${ls.max}`)}`;
    out.push(notice("warn", `<strong>${r.reason === "tie" ? t("再次投票", "New vote (tie)") : t("另行选举", "New round (shortfall)")}:</strong>
      ${t(`${r.seats} 个名额, 候选人: ${names.join("、")}`, `${r.seats} seat(s), candidates: ${names.join(", ")}`)}${size}<br>${bi(r.message)}
      <br><span class="sub">${t("结果公布后由组织者建立再次投票。", "The organiser creates the new vote when the result is published.")}</span>`));
  }
  if ((c.warnings || []).length) {
    out.push(notice("warn", `<strong>${t("提示", "Warnings")}</strong><ul>${c.warnings.map((w) => `<li>${bi(w.message)} <span class="mono">[${esc(w.code)}]</span></li>`).join("")}</ul>`));
  }
  return `<article class="verdict" data-contest="${esc(c.id)}" data-index="${esc(index)}">${out.join("")}</article>`;
}

function evaluationVerdict(c, index) {
  const grades = GRADES[c.scale] || Object.keys(c.subjects?.[0]?.counts || {}).filter((k) => k !== "abstain").map((k) => [k, k, k]);
  const valid = c.valid !== false;
  const out = [verdictHead(c, index)];
  out.push(valid ? notice("ok", t("本次测评有效", "The evaluation is valid"))
    : notice("bad", `<strong>${t("本次测评无效", "The evaluation is invalid")}</strong><ul>${(c.problems || []).map((p) => `<li>${bi(p.message)} <span class="mono">[${esc(p.code)}]</span></li>`).join("")}</ul>`));
  out.push(reconciliationLines(c));
  const head = `<tr><th>${t("测评对象", "Subject")}</th><th class="num">${t("有效票", "Valid")}</th>${grades.map(([, zh, en]) => `<th class="num">${t(zh, en)}</th>`).join("")}
    <th class="num">${t("弃权", "Abstain")}</th><th class="num">${t("好评率", "Favourable")}</th><th class="num">${t("得分", "Score")}</th><th>${t("提示", "Flags")}</th></tr>`;
  const row = (s, label) => `<tr><td>${label}</td><td class="num">${esc(s.valid)}</td>
    ${grades.map(([k]) => `<td class="num">${esc(s.counts?.[k] ?? 0)}<span class="sub"> (${esc(s.rates?.[k] ?? "—")}%)</span></td>`).join("")}
    <td class="num">${esc(s.counts?.abstain ?? 0)}</td><td class="num">${esc(s.favourable_rate)}%</td><td class="num"><strong>${esc(s.score ?? s.points_score)}</strong></td>
    <td>${(s.flags || []).map((f) => `<span class="bad">${flagWords(f)}</span>`).join("<br>") || "—"}</td></tr>`;
  const rows = [];
  for (const s of c.subjects || []) {
    rows.push(row(s, `<strong>${esc(s.name)}</strong>`));
    for (const g of s.groups || []) rows.push(row(g, `<span class="group">${t(`· ${g.id}${g.weight != null ? ` (权重 ${g.weight})` : ""}`, `· ${g.id}${g.weight != null ? ` (weight ${g.weight})` : ""}`)}</span>`).replace("<tr>", '<tr class="group-row">'));
  }
  out.push(`<table class="verdict-table eval"><thead>${head}</thead><tbody>${rows.join("")}</tbody></table>`);
  const sentences = (c.subjects || []).map((s) => {
    const flags = s.flags || [];
    return `<li class="${flags.length ? "warn" : ""}">${t(`${s.name}: 有效票 ${s.valid} 张, 好评率 ${s.favourable_rate}%, 得分 ${s.score ?? s.points_score}`,
      `${s.name}: ${s.valid} valid, ${s.favourable_rate}% favourable, score ${s.score ?? s.points_score}`)}${flags.map((f) => `; ${flagWords(f)}`).join("")}</li>`;
  });
  out.push(`<ul class="sentences">${sentences.join("")}</ul>`);
  if ((c.warnings || []).length) {
    out.push(notice("warn", `<ul>${c.warnings.map((w) => `<li>${bi(w.message)} <span class="mono">[${esc(w.code)}]</span></li>`).join("")}</ul>`));
  }
  return `<article class="verdict" data-contest="${esc(c.id)}" data-index="${esc(index)}">${out.join("")}</article>`;
}

function rankingVerdict(r) {
  const rows = (r.entries || []).map((e) => `<tr><td class="num">${esc(e.rank)}</td><td>${esc(e.name)}${e.tied ? ` ${statusLabel("tied")}` : ""}</td>
    ${(r.components || []).map((c) => `<td class="num">${esc(e.components?.[c.id] ?? "—")}</td>`).join("")}<td class="num"><strong>${esc(e.total)}</strong></td></tr>`);
  return `<article class="verdict ranking"><h3>${esc(r.title || r.id)}</h3>
    <table class="verdict-table"><thead><tr><th class="num">${t("名次", "Rank")}</th><th>${t("姓名", "Name")}</th>
    ${(r.components || []).map((c) => `<th class="num">${esc(c.title || c.id)} <span class="sub">×${esc(c.weight)}</span></th>`).join("")}<th class="num">${t("总分", "Total")}</th></tr></thead>
    <tbody>${rows.join("")}</tbody></table>
    ${(r.unresolved_ties || []).length ? notice("warn", t("有并列名次未能区分, 须另行决定", "Some ties remain unresolved and must be decided separately")) : ""}</article>`;
}

// ------------------------------------------------------------------ results and signatures

function renderResults() {
  const el = $("#results");
  if (!state.results.length) {
    el.innerHTML = `<p class="hint">${t("还没有计票结果。", "No results yet.")}</p>`;
    return;
  }
  const rows = state.results.map((r) => {
    const d = state.details.get(r.index);
    const signers = signersOf(d?.checkpoint);
    const mine = state.key && signers.includes(state.key.name);
    const have = signers.length;
    const enough = have >= r.required;
    const stateCell = r.published
      ? `<span class="ok">${t("已公布", "published")}</span>`
      : enough
        ? `<span class="ok">${t("签名已够, 待组织者公布", "enough signatures; awaiting the organiser")}</span>`
        : `<span class="warn">${t(`还需 ${r.required - have} 人签名`, `${r.required - have} more signature(s) needed`)}</span>`;
    return `<tr class="result" data-index="${r.index}" data-signatures="${have}" data-required="${r.required}" data-published="${r.published}">
      <td class="num">${esc(resultNo(r.index))} <span class="sub">(${t("日志第", "entry")} ${esc(r.index)}${t(" 条", "")})</span></td>
      <td>${(r.contests || []).map((c) => esc(contestTitle(c))).join("、")}</td>
      <td class="num sigs">${have} / ${r.required}</td>
      <td>${stateCell}${signers.length ? `<div class="sub">${t(`已签: ${signers.join("、")}`, `signed: ${signers.join(", ")}`)}</div>` : ""}</td>
      <td class="actions">
        <button type="button" class="view secondary" data-index="${r.index}">${t("查看", "View")}</button>
        <button type="button" class="sign" data-index="${r.index}" ${mine ? "disabled" : ""}>${mine ? t("已签名", "Signed") : t("签名", "Sign")}</button>
      </td></tr>`;
  });
  el.innerHTML = `<table class="results"><thead><tr><th class="num">${t("结果", "Result")}</th><th>${t("项目", "Contests")}</th>
    <th class="num">${t("签名", "Signatures")}</th><th>${t("状态", "State")}</th><th></th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function renderSignatureStatus() {
  const el = $("#signature-status");
  const index = state.statusIndex ?? state.results[state.results.length - 1]?.index;
  const r = state.results.find((x) => x.index === index);
  if (!r) {
    el.innerHTML = "";
    return;
  }
  const signers = signersOf(state.details.get(index)?.checkpoint);
  const registered = new Set(state.election?.tellers || []);
  const missing = Math.max(0, r.required - signers.length);
  const waiting = (state.election?.tellers || []).filter((n) => !signers.includes(n));
  el.innerHTML = `<div class="sig-status ${missing ? "" : "done"}" data-index="${index}">
    <strong>${t(`结果 ${resultNo(index)} 的签名`, `Signatures on result ${resultNo(index)}`)}:</strong>
    ${signers.length ? signers.map((n) => `<span class="signer">${esc(n)}${registered.has(n) ? "" : " ?"}</span>`).join(" ") : t("尚无计票人签名", "no teller has signed yet")}
    · ${t(`已签 ${signers.length} 人, 须 ${r.required} 人`, `${signers.length} signed, ${r.required} required`)}
    · ${missing ? `<span class="warn">${t(`还需 ${missing} 人`, `${missing} more needed`)}</span>` : `<span class="ok">${t("签名已够", "enough signatures")}</span>`}
    ${waiting.length && missing ? `<div class="sub">${t(`尚未签名的计票人: ${waiting.join("、")}`, `tellers who have not signed: ${waiting.join(", ")}`)}</div>` : ""}
    <div class="sub">${r.published ? t("此结果已公布。", "This result is published.") : t("公布由组织者完成: 签名够数后, 请组织者公布结果。", "Publication is done by the organiser: once enough tellers have signed, the organiser publishes the result.")}</div>
  </div>`;
}

async function loadKeyFile(file) {
  const info = $("#key-info");
  forgetKey(state.key);
  state.key = null;
  delete info.dataset.registered;
  info.innerHTML = "";
  $("#key-forget").classList.add("hidden");
  if (!file) {
    info.innerHTML = "";
    renderResults();
    if (state.election) renderPaperSelect();
    await renderCorrections().catch((err) => showError($("#corrections-msg"), err));
    return;
  }
  try {
    // A page that came over plain HTTP from another machine may have been changed on the way
    // to read the key: it does not take the key file (the stricter reading; the command line
    // signs instead). A changed page could skip this too: the notice above says why before a
    // file is chosen.
    if (globalThis.isSecureContext === false) {
      throw localError("insecure_page", "本页不是通过 HTTPS 打开的, 为保护签名密钥不在此读取密钥文件; 请用 HTTPS 打开本页, 或用下面“命令行签名”的办法",
        "this page was not opened over HTTPS, so it does not read the key file, to protect the signing key; open the page over HTTPS, or use the command-line instructions below");
    }
    if (file.size > 4096) throw localError("bad_key", "文件太大, 不是签名密钥文件", "the file is too large to be a key file");
    const key = await parseSignerKey(await file.text());
    // One account signs with one key: a key other than the one this account signed with
    // before is refused here, as the server refuses it (key_not_yours).
    const bound = state.session?.teller_key;
    if (bound && bound !== key.name) {
      forgetKey(key);
      throw localError("key_not_yours", `这是计票人 ${key.name} 的密钥; 账号 ${state.session.username} 只能用自己的密钥 ${bound} 签名。每位计票人用自己的账号和密钥签名。`,
        `This is teller ${key.name}'s key; account ${state.session.username} signs only with its own key ${bound}. Each teller signs with their own account and key.`);
    }
    state.key = key;
    // Registered = the same verifier key as one the election lists (name, key ID and public key).
    const keys = state.tellerKeys;
    const registered = keys ? keys.includes(key.verifierText) : (state.election?.tellers || []).includes(key.name);
    const nameOnly = !registered && (state.election?.tellers || []).includes(key.name);
    const verdict = registered
      ? t("已登记为本次选举的计票人", "registered as a teller of this election")
      : nameOnly
        ? t(`与登记的 ${key.name} 公钥不符 (是不是旧的或别人的密钥文件?), 服务器会拒绝其签名`, `does not match the public key registered for ${key.name} (an old or someone else's key file?): the server will refuse its signatures`)
        : t("不是本次选举登记的计票人, 服务器会拒绝其签名", "not a registered teller of this election: the server will refuse its signatures");
    info.innerHTML = notice(registered ? "ok" : "bad", `${t("已读取密钥", "Key loaded")}: <strong>${esc(key.name)}</strong> <span class="mono">(key ID ${esc(key.keyIdHex)})</span> · ${verdict}
      <div class="sub">${t("密钥只保存在此页面内存中, 未发送到服务器。", "The key stays in this page's memory; it was not sent to the server.")}</div>
      ${!state.session?.teller_key && key.name !== state.session?.username
        ? `<div class="sub warn">${t(`注意: 第一次签名后, 账号 ${esc(state.session?.username || "")} 就只能用密钥 ${esc(key.name)} 签名。请确认这是您自己的密钥。`, `Note: after the first signature, account ${esc(state.session?.username || "")} signs only with key ${esc(key.name)}. Make sure it is your own key.`)}</div>`
        : ""}`);
    info.dataset.registered = registered ? "yes" : "no";
    $("#key-forget").classList.remove("hidden");
  } catch (err) {
    showError(info, err);
  }
  renderResults();
  // The paper card and the corrections card say whether the loaded key signs.
  if (state.election) renderPaperSelect();
  await renderCorrections().catch((err) => showError($("#corrections-msg"), err));
}

/**
 * The sign dialog's comparison with the hall's own records (EL Art. 43, BER Art. 22-23: the
 * tellers check the number of voters against the ballots before they sign): for each contest
 * of the result the teller types the eligible count of the published roll (应到, E), the present
 * count of the sign-in book (实到, P) and the slips counted as handed out (发出, I); OK stays
 * disabled until every figure agrees with the one the count used (the desk's at the close, or
 * an approved correction's). The dialog asks first and shows the count's figures only on a
 * difference, but the same page shows them in the verdict: this makes the comparison a step,
 * it cannot make a teller count. These figures are the service's record (the roll's size,
 * the check-ins), which no one else signs (README, "Not finished").
 */
function bookTable(contests) {
  if (!contests.length) return "";
  const rows = contests.map((c) => `<tr data-contest="${esc(c.id)}">
      <th>${esc(contestTitle(c.id))}</th>
      <td><input type="text" inputmode="numeric" autocomplete="off" class="book" data-figure="eligible" data-expect="${esc(c.turnout.eligible)}" aria-label="${esc(plain(`${c.id} 应到人数 (公布的名单)`, `${c.id} eligible (the published roll)`))}"></td>
      <td><input type="text" inputmode="numeric" autocomplete="off" class="book" data-figure="present" data-expect="${esc(c.turnout.present)}" aria-label="${esc(plain(`${c.id} 签到簿实到人数`, `${c.id} present by the sign-in book`))}"></td>
      <td><input type="text" inputmode="numeric" autocomplete="off" class="book" data-figure="issued" data-expect="${esc(c.turnout.ballots_issued)}" aria-label="${esc(plain(`${c.id} 清点的发出选票数`, `${c.id} slips issued by your count`))}"></td>
      <td class="book-state" data-state="empty"></td></tr>`).join("");
  return `<p>${t("签名前请核对: 按公布的选民名单填写应到人数, 按签到簿填写实到人数, 按清点的选票存根填写发出选票数。都与计票所用的数字相符后才能签名。",
    "Before signing, check: type the number eligible from the published roll, the number present from the sign-in book and the number of slips issued from the counted stubs. You can sign once all agree with the figures the count used.")}</p>
    <table class="compact" id="book-figures"><tr><th>${t("项目", "Contest")}</th><th>${t("名单应到 E", "Eligible E (roll)")}</th><th>${t("签到簿实到 P", "Present P (sign-in book)")}</th><th>${t("清点发出 I", "Issued I (slips counted)")}</th><th></th></tr>${rows}</table>
    <div id="book-mismatch" class="hidden">${notice("bad", t("与计票所用的数字不符: 请不要签名。先与其他计票人重新清点签到簿和选票存根; 如日志里的数字有误, 提出到会数字更正 (须另一角色的人批准, 并有一名登记计票人签名), 更正后重新计票再签名。",
      "These do not agree with the figures the count used: do not sign. Recount the sign-in book and the stubs with the other tellers; if the log's figures are wrong, propose a correction of the figures (approved by a person of another role and signed by a registered teller), then count again and sign that result."))}</div>`;
}

/** Whether every figure typed in the sign dialog agrees (bookTable); marks each row. */
function bookMatches() {
  let all = true;
  let wrong = false;
  for (const tr of document.querySelectorAll("#book-figures tr[data-contest]")) {
    const inputs = [...tr.querySelectorAll("input.book")];
    const typed = inputs.map((i) => i.value.trim());
    const cell = tr.querySelector(".book-state");
    if (typed.some((v) => v === "")) {
      all = false;
      for (const i of inputs) i.removeAttribute("aria-invalid");
      cell.dataset.state = "empty";
      cell.innerHTML = "";
      continue;
    }
    const bad = inputs.filter((i) => !/^[0-9]+$/.test(i.value.trim()) || BigInt(i.value.trim()) !== BigInt(i.dataset.expect));
    for (const i of inputs) i.setAttribute("aria-invalid", bad.includes(i) ? "true" : "false");
    if (bad.length) {
      all = false;
      wrong = true;
      cell.dataset.state = "mismatch";
      // Only now, with both typed: what the count used, to find the difference.
      cell.innerHTML = `<span class="bad">${t("不符: 计票用", "differs: the count used")} E ${esc(inputs[0].dataset.expect)}, P ${esc(inputs[1].dataset.expect)}, I ${esc(inputs[2].dataset.expect)}</span>`;
    } else {
      cell.dataset.state = "match";
      cell.innerHTML = `<span class="ok">${t("相符", "agrees")}</span>`;
    }
  }
  $("#book-mismatch")?.classList.toggle("hidden", !wrong);
  return all;
}

async function signResult(index) {
  const el = $("#sign-msg");
  el.innerHTML = "";
  state.statusIndex = index;
  renderSignatureStatus();
  if (!state.key) {
    showError(el, localError("no_key", "请先选择您的签名密钥文件", "choose your key file first"));
    $("#key-file").focus();
    return;
  }
  const key = state.key;
  const titles = (state.results.find((r) => r.index === index)?.contests || []).map(contestTitle).join("、");
  const contests = state.details.get(index)?.result?.contests || [];
  const sure = await confirmDialog({
    title: t(`签名确认结果 ${resultNo(index)}?`, `Sign result ${resultNo(index)}?`),
    text: `<p>${t(`以计票人 ${key.name} 的密钥签名结果 ${resultNo(index)} (${titles})。签名表示您已核对计票结果无误; 签名写入选票日志, 不能撤回。`,
      `Sign result ${resultNo(index)} (${titles}) with teller ${key.name}'s key. Signing states that you checked the count; the signature goes into the ballot log and cannot be withdrawn.`)}</p>
      ${bookTable(contests)}
      ${$("#key-info").dataset.registered === "no" ? notice("bad", t("注意: 此密钥与登记的计票人公钥不符, 服务器会拒绝。", "Note: this key does not match a registered teller key; the server will refuse it.")) : ""}`,
    ok: t("签名", "Sign"),
    ready: contests.length ? bookMatches : null,
  });
  if (!sure) return;
  await act(el, async () => {
    const d = await api("GET", `/api/v1/results/${index}`);
    if (signersOf(d.checkpoint).includes(key.name)) {
      throw localError("already_signed", `${key.name} 已签过结果 ${resultNo(index)}`, `${key.name} has already signed result ${resultNo(index)}`);
    }
    const line = await signNote(key, d.checkpoint_text);
    const out = await api("POST", `/api/v1/results/${index}/signatures`, { line });
    showOk(el, t(`${key.name} 对结果 ${resultNo(index)} 的签名已被服务器核验并记录 (第 ${out.entry} 条)`, `The server verified and recorded ${key.name}'s signature on result ${resultNo(index)} (entry ${out.entry})`));
  });
}

function renderLineSelect() {
  const sel = $("#line-result");
  const prev = sel.value;
  // An <option> holds text only: the label in the page's language, redrawn on a switch.
  sel.innerHTML = state.results.length
    ? state.results.map((r) => `<option value="${r.index}">${esc(plain("结果", "Result"))} ${esc(r.number ?? r.index)} ${esc((r.contests || []).map(contestTitle).join("、"))}</option>`).join("")
    : `<option value="">—</option>`;
  if (state.results.some((r) => String(r.index) === prev)) sel.value = prev;
  else if (state.results.length) sel.value = String(state.results[state.results.length - 1].index);
  renderCheckpointText();
}

/** The signed-in teller's key file name as the command suggests it (plain text). */
function keyFileHint() {
  const user = state.session?.username || "";
  return /^[A-Za-z0-9._-]+$/.test(user) ? `${user}.key` : plain("我的密钥.key", "my.key");
}

function renderCheckpointText() {
  const index = Number($("#line-result").value);
  const d = state.details.get(index);
  $("#checkpoint-text").textContent = d ? d.checkpoint_text : "";
  // The teller's own machine signs the text; the service keeps running (`ledger sign` would
  // need it stopped). Plain text in the page's language, to be copied; redrawn on a switch.
  // With the hall's own figures of each contest (E from the published roll, P from the
  // sign-in book, I from the slips counted), which the tool compares before it signs.
  const book = (d?.result?.contests || [])
    .map((c) => ` --book ${c.id}=${plain("应到/实到/发出", "E/P/I")}`)
    .join("");
  $("#cli-command").textContent = `scrutineer teller sign --key ${keyFileHint()} --export export.tar --result ${d ? index : "N"} --checkpoint ${plain("条数:根", "SIZE:ROOT")}${book}${olderProtocol()}`;
}

async function submitLine() {
  const el = $("#line-msg");
  $("#sign-msg").innerHTML = "";
  const index = Number($("#line-result").value);
  const line = $("#line-input").value.trim();
  if (!line) {
    showError(el, localError("no_line", "请粘贴签名行", "paste a signature line"));
    return;
  }
  await act(el, async () => {
    const out = await api("POST", `/api/v1/results/${index}/signatures`, { line });
    showOk(el, t(`签名已被服务器核验并记录 (第 ${out.entry} 条)`, `The server verified and recorded the signature (entry ${out.entry})`));
    $("#line-input").value = "";
    state.statusIndex = index;
  });
}

// ------------------------------------------------------------------ wiring

/** What is drawn as plain text in the page's language (plain()), drawn again after a switch. */
function redrawPlainText() {
  if (!state.election) return;
  renderContests();
  renderTellerDue();
  renderLineSelect();
}

function wire() {
  // The switch (common.js) sets <html data-lang>; commands, options and titles follow it.
  new MutationObserver(redrawPlainText).observe(document.documentElement, { attributes: true, attributeFilter: ["data-lang"] });
  $("#refresh").addEventListener("click", () => act($("#msg"), async () => { $("#msg").innerHTML = ""; }));
  $("#logout").addEventListener("click", async () => {
    await logout();
    location.reload();
  });
  document.addEventListener("click", (ev) => {
    const b = ev.target.closest("button");
    if (!b || b.disabled) return;
    if (b.matches("button.close[data-contest]")) closeContest(b.dataset.contest);
    else if (b.matches("button.tally[data-contest]")) tallyContest(b.dataset.contest);
    else if (b.matches("button.view[data-index]")) showResult(Number(b.dataset.index));
    else if (b.matches("button.sign[data-index]")) signResult(Number(b.dataset.index));
    else if (b.matches("button.reduce-seats[data-contest]")) reduceSeats(b.dataset.contest);
    else if (b.matches("button.open-spoiled[data-receipt]")) {
      $("#test-receipt").value = b.dataset.receipt;
      openTest();
      $("#kiosk-test-card").scrollIntoView({ block: "start" });
    }
  });
  initPaper({
    election: () => state.election,
    setElection: (e) => { state.election = e; },
    act,
    bi,
    localError,
    against,
    // Protocol 9: paper keyings signed with the loaded key (null without a registered one).
    signsPaper,
    attest,
    signer: () => {
      const teller = signsPaper() ? tellerIndex(state.key) : null;
      return teller ? { name: state.key.name, teller } : null;
    },
  });
  initCorrections({
    election: () => state.election,
    act,
    me: () => state.session,
    // Protocol 8: a proposal or an approval signed with the loaded key (null without one).
    attest,
    signer: () => {
      const teller = signsFigures() ? tellerIndex(state.key) : null;
      return teller ? { name: state.key.name, teller } : null;
    },
    keyFile: () => keyFileHint(),
  });
  $("#key-file").addEventListener("change", (ev) => loadKeyFile(ev.target.files[0]));
  $("#key-forget").addEventListener("click", () => {
    $("#key-file").value = "";
    loadKeyFile(null);
  });
  $("#line-result").addEventListener("change", renderCheckpointText);
  $("#line-submit").addEventListener("click", submitLine);
  $("#steps-file").addEventListener("change", previewSteps);
  $("#steps-submit").addEventListener("click", submitSteps);
  $("#test-open").addEventListener("click", openTest);
  $("#test-receipt").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.isComposing) {
      ev.preventDefault();
      openTest();
    }
  });
  $("#test-match").addEventListener("click", () => recordTest("match"));
  $("#test-mismatch").addEventListener("click", () => recordTest("mismatch"));
}

function signedOut() {
  state.session = null;
  $("#app").classList.add("hidden");
  $("#logout").classList.add("hidden");
  $("#who").textContent = "";
  $("#login").classList.remove("hidden");
  loginForm($("#login"), t("计票人登录", "Teller sign-in"), start);
}

async function start(session) {
  if (session.role !== "teller") {
    $("#login").innerHTML = `<div class="card">${notice("bad", `${t(`此页面供计票人使用; 当前账号 ${session.username} 的角色是 ${session.role_label || session.role}。`,
      `This page is for tellers; ${session.username} is signed in as ${session.role}.`)} <span class="mono">[wrong_role]</span>`)}
      <button type="button" id="wrong-role-out">${t("退出", "Sign out")}</button></div>`;
    $("#wrong-role-out").addEventListener("click", async () => { await logout(); location.reload(); });
    return;
  }
  state.session = session;
  $("#login").classList.add("hidden");
  $("#app").classList.remove("hidden");
  $("#logout").classList.remove("hidden");
  $("#who").textContent = session.username;
  try {
    await refresh();
    const last = state.results[state.results.length - 1];
    if (last) {
      state.verdictIndex = last.index;
      renderVerdict(state.details.get(last.index).result, last.index);
    }
  } catch (err) {
    showError($("#msg"), err);
  }
}

async function main() {
  languageSwitch($("#lang"));
  wire();
  // The hall's time zone before any time is shown.
  await hallZone();
  const engine = await ed25519Engine();
  state.ed25519 = engine;
  const notes = [];
  if (engine === "builtin") {
    notes.push(notice("", `${globalThis.crypto?.subtle
      ? t("此浏览器的 WebCrypto 不支持 Ed25519 签名", "This browser's WebCrypto has no Ed25519 signatures")
      : t("此浏览器在本页不提供 WebCrypto (通过 HTTP 从其他计算机访问时浏览器会关闭它)", "This browser offers no WebCrypto on this page (browsers turn it off for plain HTTP from another machine)")}${t(
      ": 本页改用内置的 Ed25519 实现 (经审计的 @noble/curves) 签名, 签名与 WebCrypto 的完全相同。",
      ": this page signs with its built-in Ed25519 (the audited @noble/curves) instead; the signature is the same as WebCrypto's.")}`));
  }
  if (globalThis.isSecureContext === false) {
    notes.push(notice("bad", t("本页不是通过 HTTPS 打开的: 网络上的人可能改动页面代码并读走您选择的密钥文件, 所以本页不在此签名。请用 HTTPS 打开本页, 或用下面“命令行签名”的办法。",
      "This page was not opened over HTTPS: someone on the network could alter its code and read the key file you choose, so it does not sign here. Open the page over HTTPS, or use the command-line instructions below.")));
  }
  $("#webcrypto-note").innerHTML = notes.join("");
  document.body.dataset.ed25519 = engine;
  const s = await restoreSession();
  if (s) await start(s);
  else loginForm($("#login"), t("计票人登录", "Teller sign-in"), start);
  document.body.dataset.ready = "1";
}

main();

// The voting kiosk (/kiosk): pairing, ballot code entry, one screen per contest, review,
// casting and the receipt. Touch first, keyboard operable, Chinese first with English.
//
// Encrypted elections add cast-or-check (a Benaloh challenge, docs/E2E.md §8.4): #confirm on
// the review encrypts the ballot here and shows its confirmation code (screen-confirm); only
// then does the voter press #cast (sent without the openings; the receipt repeats the code)
// or #check (sent WITH the openings to POST /api/v1/kiosk/spoil: logged as spoiled, never
// counted; screen-spoiled shows the code and a QR code of the check page, and #revote goes
// back to the first contest with the choices kept, for a fresh encryption with the same
// slip). A plaintext election casts from the review, as before.
//
// Privacy: the voter's choices live only in `ballot` (JS memory) and in the DOM of the
// contest/review screens while the voter is voting; an encryption's openings (which reveal
// the vote) only in `ballot.sealed`, overwritten and dropped once the ballot is cast (unsent)
// or checked (sent), or the voter goes back to edit. `reset()` drops all of it, clears every
// input and leaves the URL clean. Nothing of a voter is written to localStorage,
// sessionStorage, cookies or history, and no input carries a `name` (so the browser keeps no
// form history); localStorage holds only the language and, since the kiosk was paired, the
// encrypted election's id and key fingerprint (KEY_MEMORY), the same for every voter.

import { esc, t, api, restoreSession, setCsrf, languageSwitch } from "./common.js";
import { encryptContest, confirmationCode, fingerprint, fromHex, utf8Length, MAX_NAME_BYTES } from "./e2e.js";
import { cleanName } from "./names.js";

// ---------------------------------------------------------------- ballot code (token) text

/** Crockford base32; a character's index is its value (src/record/token.rs). */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const TOKEN_GROUPS = 17;
export const GROUP_CHARS = 8;
export const GROUP_TEXT_CHARS = GROUP_CHARS + 1;
export const TOKEN_TEXT_CHARS = TOKEN_GROUPS * GROUP_TEXT_CHARS; // 153
const CHECK_MODULUS = 32;

/**
 * Maps what an input method may produce to ASCII: full-width forms (ＡＢ０１, U+FF01–FF5E),
 * the ideographic and other non-ASCII spaces, and dash look-alikes (－ — – ‐ ー).
 */
export function toAscii(text) {
  let out = "";
  for (const ch of String(text ?? "")) {
    const c = ch.codePointAt(0);
    if (c >= 0xff01 && c <= 0xff5e) out += String.fromCodePoint(c - 0xfee0);
    else if (c === 0x3000 || c === 0x00a0 || c === 0x2007 || c === 0x202f || (c >= 0x2000 && c <= 0x200a)) out += " ";
    else if ((c >= 0x2010 && c <= 0x2015) || c === 0x2212 || c === 0x30fc || c === 0xfe63 || c === 0x2043) out += "-";
    else out += ch;
  }
  return out;
}

/** Whether a character is ignored like the Rust parser ignores ASCII whitespace and `-`. */
function isSeparator(ch) {
  return ch === "-" || /\s/.test(ch);
}

/**
 * The Crockford value of one typed character, mirroring `symbol_value` in token.rs: ASCII
 * letters are upper-cased, then O→0, I→1, L→1; `-1` for anything else (U included).
 */
export function symbolValue(ch) {
  let c = ch;
  if (c >= "a" && c <= "z") c = String.fromCharCode(c.charCodeAt(0) - 32);
  if (c === "O") c = "0";
  else if (c === "I" || c === "L") c = "1";
  return c.length === 1 ? ALPHABET.indexOf(c) : -1;
}

/** Luhn mod N "doubling": 2v written in base N, digits summed (`luhn_double`). */
function luhnDouble(value) {
  const doubled = value * 2;
  return Math.floor(doubled / CHECK_MODULUS) + (doubled % CHECK_MODULUS);
}

/**
 * Whether a group of 9 values (8 data values, then the check value) is consistent, exactly
 * as `luhn_valid`: walking from the right, every second value (index 1, 3, …) is doubled,
 * and the sum mod 32 must be 0.
 */
export function luhnValid(group) {
  let sum = 0;
  for (let i = 0; i < group.length; i++) {
    const value = group[group.length - 1 - i] & 0x1f;
    sum = (sum + (i % 2 === 1 ? luhnDouble(value) : value)) % CHECK_MODULUS;
  }
  return sum === 0;
}

/**
 * Reads a typed or scanned ballot code. Returns
 * `{count, canonical, invalid, groups, badGroups, ok}`: `count` code characters (separators
 * not counted), `canonical` the upper-case text without separators (what is sent to the
 * server), `invalid` the first character that is not a code character (`{character,
 * position, group, index}`, 1-based) or null, `groups` 17 × `{text, state}` with state
 * `empty` | `partial` | `ok` | `bad` | `invalid`, `badGroups` the 1-based numbers of complete
 * groups that fail their check character, `ok` when the code is complete and every check
 * character matches.
 */
export function analyseToken(text) {
  const values = [];
  const chars = [];
  let invalid = null;
  const invalidGroups = new Set();
  for (const ch of toAscii(text)) {
    if (isSeparator(ch)) continue;
    const v = symbolValue(ch);
    const position = values.length + 1;
    const group = Math.floor((position - 1) / GROUP_TEXT_CHARS) + 1;
    if (v < 0) {
      if (!invalid) invalid = { character: ch, position, group, index: ((position - 1) % GROUP_TEXT_CHARS) + 1 };
      invalidGroups.add(group);
    }
    values.push(v);
    chars.push(v < 0 ? ch : ALPHABET[v]);
  }
  const groups = [];
  const badGroups = [];
  for (let g = 0; g < TOKEN_GROUPS; g++) {
    const slice = values.slice(g * GROUP_TEXT_CHARS, (g + 1) * GROUP_TEXT_CHARS);
    const text = chars.slice(g * GROUP_TEXT_CHARS, (g + 1) * GROUP_TEXT_CHARS).join("");
    let state = "empty";
    if (invalidGroups.has(g + 1)) state = "invalid";
    else if (slice.length === GROUP_TEXT_CHARS) {
      state = luhnValid(slice) ? "ok" : "bad";
      if (state === "bad") badGroups.push(g + 1);
    } else if (slice.length > 0) state = "partial";
    groups.push({ text, state });
  }
  const count = values.length;
  return {
    count,
    canonical: chars.join(""),
    invalid,
    groups,
    badGroups,
    ok: !invalid && count === TOKEN_TEXT_CHARS && badGroups.length === 0,
  };
}

// ---------------------------------------------------------------- messages

/** A server message "中文 / English" as a bilingual pair. */
function splitMessage(message) {
  const text = String(message ?? "");
  const at = text.indexOf(" / ");
  return at < 0 ? [text, text] : [text.slice(0, at), text.slice(at + 3)];
}

/** Plainer words for the refusals a voter may meet, by error code. */
const FRIENDLY = {
  token_spent: ["此选票码已经用过, 不能再次投票。如有疑问, 请找工作人员。", "This ballot code has already been used and cannot vote again. Please ask a member of staff if you have questions."],
  contest_closed: ["投票已经结束, 不能再投票。请找工作人员。", "Voting has closed. Please ask a member of staff."],
  contest_not_open: ["投票尚未开始, 请稍候或找工作人员。", "Voting has not started yet. Please wait or ask a member of staff."],
  tokens_voided: ["此选票码已作废。请找工作人员。", "This ballot code has been voided. Please ask a member of staff."],
  pool_exhausted: ["此选票码不能再使用。请找工作人员。", "This ballot code can no longer be used. Please ask a member of staff."],
  token_signature: ["选票码无效: 可能输入有误, 请逐组核对; 仍不行请找工作人员。", "This ballot code is not valid: it may be mistyped, so please check each group; if it still fails, ask a member of staff."],
  token_wrong_election: ["此选票码属于另一场选举, 不能在这里使用。", "This ballot code belongs to a different election and cannot be used here."],
  unknown_style: ["此选票码的选票样式不存在。请找工作人员。", "This ballot code names a ballot style that does not exist. Please ask a member of staff."],
  network: ["无法连接投票服务器。请稍后再试, 或找工作人员。", "Cannot reach the voting server. Please try again in a moment, or ask a member of staff."],
  unauthenticated: ["本投票机尚未配对或配对已失效, 请工作人员重新配对。", "This kiosk is not paired, or its pairing has expired: staff need to pair it again."],
  forbidden: ["本机当前登录的不是投票机账号, 请工作人员重新配对。", "This browser is not signed in as a kiosk: staff need to pair it again."],
  no_election: ["尚未创建选举。请找工作人员。", "No election has been created yet. Please ask a member of staff."],
  internal: ["投票服务器出错, 您的选票未被接受。请找工作人员。", "The voting server failed; your ballot was not accepted. Please ask a member of staff."],
  token_tested: ["此选票码已用于投票机抽检, 不能再投票。请找工作人员。", "This ballot code was used to test a kiosk and can never be cast. Please ask a member of staff."],
  spoils_exhausted: ["这张选票码核验的次数已达上限, 不能再核验; 您仍可以投出这张选票。如有疑问, 请找工作人员。", "This ballot code has been checked as many times as allowed: no more checks. You can still cast this ballot. Please ask a member of staff if you have questions."],
  opening_mismatch: ["投票机给出的随机数不能还原这张选票: 投票机可能有问题, 请告知监票人。您的选票未投出, 选票码仍可在另一台投票机上使用。", "The randomness this kiosk gave does not reproduce the ballot: the kiosk may be faulty; please tell a scrutineer. Nothing was cast; your code can still be used at another kiosk."],
  ballot_already_cast: ["这张选票已经投出, 不能再核验。请找工作人员。", "This ballot has already been cast and cannot be checked. Please ask a member of staff."],
};

/** Said on the pairing screen when the kiosk's session ends while a voter holds a ballot that
 *  never reached the server. */
const LOST_NOT_CAST = ["您的选票没有投出, 选票码仍然有效; 请工作人员重新配对本机后再投票。",
  "Your ballot was not cast, and your ballot code is still good: please ask a member of staff to pair this kiosk again, then vote."];

/** The same, when an earlier cast may have reached the server (a network failure): `code` is
 *  that ballot's confirmation code, when the election is encrypted. */
function lostMaybeCast(code) {
  return [
    "本机的登录已失效。此前与服务器的连接中断过, 您的选票可能已经投出。请找工作人员: 本机重新配对后再扫描您的选票码, 若提示 “已经用过”, 选票已投出; 否则选票码仍然有效, 可以投票。"
      + (code ? `也可以在核验页 /verify 用确认码 ${code} 查询。` : ""),
    "This kiosk's session has ended. The connection to the server failed earlier, so your ballot may have been cast. Please ask a member of staff: once this kiosk is paired again, scan your ballot code; if it says the code has been used, your ballot was cast; otherwise the code is still good and you can vote."
      + (code ? ` You can also look up the confirmation code ${code} on the verify page /verify.` : ""),
  ];
}

/** Said on the idle screen after a voter left a checked or encrypted ballot alone. */
const NOTHING_CAST = ["上一位投票人的选票没有投出, 其选票码仍然有效, 可以重新投票。", "The last voter's ballot was not cast: their ballot code is still good and can vote again."];

/** Codes after which the voter's ballot stays on screen so they can change it. */
const BALLOT_FIXABLE = new Set([
  "over_marked", "write_in_without_against", "duplicate_write_in", "write_in_is_candidate",
  "uniform_grades", "excellent_over_quota", "bad_write_in", "wrong_shape", "group_missing",
  "unknown_group", "unknown_subject", "unknown_grade", "unknown_mark", "unknown_candidate",
  "ballot_shape", "ballot_json", "name_format_character", "name_control_character",
]);

/** Token codes that usually mean a typing mistake: the typed code stays for correction. */
const TYPING = new Set(["token_characters", "token_length", "token_check", "token_signature", "token_version"]);

/** [zh, en] for an error from `api` (or a network failure). */
function describe(err) {
  const code = err?.code || "error";
  if (FRIENDLY[code]) return FRIENDLY[code];
  if (err?.status >= 500 && !err.message) return FRIENDLY.internal;
  return splitMessage(err?.message || String(err));
}

// ---------------------------------------------------------------- page state

const $ = (selector, root = document) => root.querySelector(selector);
const params = new URLSearchParams(globalThis.location?.search ?? "");
const positive = (value, fallback) => {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};
/** Seconds the receipt stays on screen (`?receipt_seconds=N` for tests). */
const RECEIPT_SECONDS = positive(params.get("receipt_seconds"), 15);
/** Seconds without a touch or key before "are you still voting?" (`?idle_seconds=N`). */
const IDLE_SECONDS = positive(params.get("idle_seconds"), 180);
/** Seconds that question waits before everything is cleared. */
const IDLE_GRACE_SECONDS = positive(params.get("idle_grace_seconds"), 30);

const SCREENS = ["screen-pair", "screen-idle", "screen-contest", "screen-review", "screen-confirm", "screen-spoiled", "screen-receipt"];
const PARTY_KINDS = new Set(["party_delegates", "party_committee", "discipline_committee", "party_secretary"]);
const GRADE_EN = {
  excellent: "Excellent", competent: "Competent", basic: "Basically competent", incompetent: "Incompetent",
  good: "Good", fairly_good: "Fairly good", average: "Average", poor: "Poor",
  qualified: "Qualified", unqualified: "Unqualified",
};
const WRITE_IN_MAX_CHARS = 100;

/**
 * The voter's ballot while voting; null otherwise. `{token, contests, round, style, e2e,
 * step, choices, posting, maybeCast, maybeCastCode, maybeSpoiled, sealed, noCheck}` where `choices[i]` is
 * `{marks: Map, writeIns: [], ratings: Map}` and `sealed` (encrypted elections, between the
 * review and cast-or-check) is `{lines: [{contest, group, ballot, opening}], code}`.
 */
let ballot = null;
let screen = "loading";
let tokenBusy = false;
let receiptTimer = null;
let receiptEndsAt = 0;
let lastActivity = Date.now();
let idleDeadline = 0;
let camera = null;
let errorTimer = null;

function show(id) {
  screen = id;
  document.body.dataset.screen = id;
  $("#screen-loading").hidden = true;
  for (const s of SCREENS) $("#" + s).hidden = s !== id;
}

function focusTokenInput() {
  const input = $("#token-input");
  if (screen === "screen-idle" && !anyDialogOpen()) input.focus({ preventScroll: true });
}

function anyDialogOpen() {
  return $("#cancel-dialog").open || $("#idle-dialog").open;
}

/**
 * Shows an error (from `api`, or `[zh, en]`) in large text at the top of the page; `info`
 * shows a plain message in the same place.
 */
function showKioskError(err, { seconds = 0, info = false, code: withCode = "" } = {}) {
  const [zh, en] = Array.isArray(err) ? err : describe(err);
  const code = Array.isArray(err) ? withCode : err?.code || "";
  const box = $("#kiosk-error");
  box.classList.toggle("info", info);
  box.setAttribute("role", info ? "status" : "alert");
  box.innerHTML = `<p class="error-text">${t(zh, en)}</p>${code ? `<p class="error-code mono">[${esc(code)}]</p>` : ""}`;
  box.hidden = false;
  clearTimeout(errorTimer);
  if (seconds > 0) errorTimer = setTimeout(clearKioskError, seconds * 1000);
}

function clearKioskError() {
  clearTimeout(errorTimer);
  const box = $("#kiosk-error");
  box.hidden = true;
  box.replaceChildren();
}

/**
 * Calls the API; a network failure becomes `{code: "network"}`, and a lost CSRF token is
 * fetched again once (the kiosk cookie survives) before the call is retried.
 */
async function call(method, path, body) {
  try {
    return await api(method, path, body);
  } catch (err) {
    if (err instanceof Error) throw { status: 0, code: "network", message: err.message };
    if (err.code === "csrf") {
      const s = await restoreSession();
      if (s?.role === "kiosk") {
        try {
          return await api(method, path, body);
        } catch (again) {
          if (again instanceof Error) throw { status: 0, code: "network", message: again.message };
          throw again;
        }
      }
    }
    throw err;
  }
}

// ---------------------------------------------------------------- header toggles

function setToggle(button, cls, on) {
  document.body.classList.toggle(cls, on);
  button.setAttribute("aria-pressed", on ? "true" : "false");
}

function wireHeader() {
  languageSwitch($("#lang"));
  const large = $("#toggle-large");
  const contrast = $("#toggle-contrast");
  large.addEventListener("click", () => { setToggle(large, "large", !document.body.classList.contains("large")); focusTokenInput(); });
  contrast.addEventListener("click", () => { setToggle(contrast, "contrast", !document.body.classList.contains("contrast")); focusTokenInput(); });
  $("#lang").addEventListener("click", () => { renderTokenFeedback(); focusTokenInput(); });
}

/** Puts the display back to the defaults for the next voter (Chinese, normal size and colours). */
function resetDisplay() {
  setToggle($("#toggle-large"), "large", false);
  setToggle($("#toggle-contrast"), "contrast", false);
  if (document.documentElement.dataset.lang === "en") $("#lang").click();
}

// ---------------------------------------------------------------- pairing

function wirePairing() {
  $("#pair-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const code = toAscii($("#pair-code").value).replace(/[\s-]/g, "");
    const name = $("#pair-name").value.trim();
    if (!/^\d{12}$/.test(code)) {
      showKioskError(["配对码应为 12 位数字。", "The pairing code has 12 digits."]);
      $("#pair-code").focus();
      return;
    }
    if (!name || [...name].length > 40) {
      showKioskError(["请给本机起一个名称 (1 至 40 个字符)。", "Give this kiosk a name (1 to 40 characters)."]);
      $("#pair-name").focus();
      return;
    }
    const button = $("#pair-submit");
    button.disabled = true;
    try {
      const s = await call("POST", "/api/v1/kiosks/pair", { code, name });
      setCsrf(s.csrf);
      // A new pairing serves the election it is paired for (KEY_MEMORY).
      forgetKey();
      setKioskName("kiosk-" + name);
      $("#pair-code").value = "";
      $("#pair-name").value = "";
      reset();
    } catch (err) {
      showKioskError(err);
    } finally {
      button.disabled = false;
    }
  });
}

function setKioskName(username) {
  const el = $("#kiosk-name");
  el.textContent = username || "";
  el.hidden = !username;
}

function showPairing(err) {
  ballot = null;
  setKioskName("");
  show("screen-pair");
  if (err) showKioskError(err);
  $("#pair-code").focus();
}

/**
 * The kiosk's session ended (unpaired, expired, revoked) while a voter was voting: back to
 * pairing, telling the voter plainly whether the ballot was cast. It was not, unless an
 * earlier cast of this ballot failed on the network (`maybeCast`) and may have arrived.
 */
function sessionLost(current, err) {
  const maybe = Boolean(current?.maybeCast);
  const code = current?.maybeCastCode || "";
  reset();
  showPairing();
  showKioskError(maybe ? lostMaybeCast(code) : LOST_NOT_CAST, { code: err?.code || "unauthenticated" });
}

// ---------------------------------------------------------------- ballot code entry

const KEYPAD_KEYS = [...ALPHABET];

function wireTokenEntry() {
  const input = $("#token-input");
  input.addEventListener("input", () => {
    lastActivity = Date.now();
    if (!$("#kiosk-error").hidden && ballot === null) clearKioskError();
    // A pasted or scanned line break (without a key event) submits, like Enter.
    if (/[\r\n]/.test(input.value)) {
      input.value = input.value.replace(/[\r\n]+/g, "");
      renderTokenFeedback();
      submitToken();
      return;
    }
    renderTokenFeedback();
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.isComposing) {
      ev.preventDefault();
      submitToken();
    }
  });
  // The input keeps the focus on the idle screen (a USB scanner types into it), unless the
  // voter moved to another control on purpose (the header toggles, the keypad switch).
  input.addEventListener("blur", () => {
    setTimeout(() => {
      const a = document.activeElement;
      if (screen === "screen-idle" && (!a || a === document.body || a === document.documentElement)) focusTokenInput();
    }, 0);
  });
  document.addEventListener("keydown", (ev) => {
    // A scanner typing while another control has the focus still reaches the input.
    if (screen !== "screen-idle" || anyDialogOpen() || document.activeElement === input) return;
    if (ev.key.length === 1 && !ev.ctrlKey && !ev.metaKey && !ev.altKey && ev.key !== " ") input.focus();
  });
  $("#token-submit").addEventListener("click", () => submitToken());
  $("#token-clear").addEventListener("click", () => {
    input.value = "";
    clearKioskError();
    renderTokenFeedback();
    focusTokenInput();
  });

  // On-screen keys for touch screens without a keyboard: the 32 code characters.
  const keypad = $("#keypad");
  keypad.innerHTML = KEYPAD_KEYS.map((k) => `<button type="button" tabindex="-1" data-key="${k}">${k}</button>`).join("")
    + `<button type="button" tabindex="-1" data-key="back" class="wide">⌫ ${t("退格", "Delete")}</button>`;
  keypad.addEventListener("pointerdown", (ev) => ev.preventDefault()); // keep the focus in the input
  keypad.addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-key]");
    if (!b) return;
    lastActivity = Date.now();
    const key = b.dataset.key;
    if (key === "back") input.value = input.value.replace(/[\s-]*.$/u, "");
    else input.value += key;
    input.setSelectionRange(input.value.length, input.value.length);
    input.dispatchEvent(new Event("input"));
    focusTokenInput();
  });
  const toggle = $("#keypad-toggle");
  toggle.addEventListener("click", () => {
    const on = keypad.hidden;
    keypad.hidden = !on;
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    focusTokenInput();
  });

  // Camera scanning only where the browser can read QR codes itself.
  if ("BarcodeDetector" in window) {
    Promise.resolve(window.BarcodeDetector.getSupportedFormats?.() ?? [])
      .then((formats) => { $("#camera-button").hidden = !formats.includes("qr_code"); })
      .catch(() => {});
    $("#camera-button").addEventListener("click", startCamera);
    $("#camera-cancel").addEventListener("click", () => { stopCamera(); focusTokenInput(); });
  }
  renderTokenFeedback();
}

/** Draws the 17 groups (like the printed slip) and says what is wrong or left. */
function renderTokenFeedback() {
  const a = analyseToken($("#token-input").value);
  const groups = $("#token-groups");
  groups.innerHTML = a.groups.map((g, i) =>
    `<span class="group" data-state="${g.state}"><span class="num">${i + 1}</span><span class="chars code-font">${esc(g.text.padEnd(GROUP_TEXT_CHARS, "·"))}</span></span>`).join("");
  $("#token-feedback").innerHTML = tokenFeedbackHtml(a);
  $("#token-feedback").dataset.state = a.ok ? "ok" : a.count === 0 ? "empty" : (a.invalid || a.badGroups.length || a.count > TOKEN_TEXT_CHARS) ? "bad" : "partial";
  return a;
}

function tokenFeedbackHtml(a) {
  const parts = [];
  if (a.count === 0) {
    return t(`选票码共 ${TOKEN_TEXT_CHARS} 个字符: ${TOKEN_GROUPS} 组, 每组 ${GROUP_TEXT_CHARS} 个。`,
      `A ballot code has ${TOKEN_TEXT_CHARS} characters: ${TOKEN_GROUPS} groups of ${GROUP_TEXT_CHARS}.`);
  }
  if (a.invalid) {
    const c = a.invalid.character;
    parts.push(`<span class="bad">${t(`第 ${a.invalid.group} 组第 ${a.invalid.index} 个字符 “${c}” 不是选票码中的字符。`,
      `Character “${c}” in group ${a.invalid.group} (position ${a.invalid.index}) is not used in ballot codes.`)}</span>`);
  }
  if (a.badGroups.length) {
    const zh = a.badGroups.join("、");
    const en = a.badGroups.length === 1 ? `group ${a.badGroups[0]}` : `groups ${a.badGroups.join(", ")}`;
    parts.push(`<span class="bad">${t(`第 ${zh} 组有误, 请核对。`, `${en[0].toUpperCase() + en.slice(1)} mistyped: please check.`)}</span>`);
  }
  const complete = a.groups.filter((g) => g.state === "ok").length;
  if (a.count < TOKEN_TEXT_CHARS) {
    const left = TOKEN_TEXT_CHARS - a.count;
    parts.push(t(`已输入 ${a.count} 个, 还差 ${left} 个字符 (已完成 ${complete} 组)。`,
      `${a.count} typed, ${left} ${left === 1 ? "character" : "characters"} left (${complete} ${complete === 1 ? "group" : "groups"} complete).`));
  } else if (a.count > TOKEN_TEXT_CHARS) {
    const extra = a.count - TOKEN_TEXT_CHARS;
    parts.push(`<span class="bad">${t(`多了 ${extra} 个字符, 选票码只有 ${TOKEN_TEXT_CHARS} 个。`,
      `${extra} characters too many: a ballot code has ${TOKEN_TEXT_CHARS}.`)}</span>`);
  } else if (a.ok) {
    parts.push(`<span class="ok">${t("选票码完整无误, 请按 “确定”。", "The code is complete: press OK.")}</span>`);
  }
  return parts.join(" ");
}

/** [zh, en] for a code that cannot be sent yet, or null. */
function localTokenProblem(a) {
  if (a.invalid) {
    const c = a.invalid.character;
    return [`第 ${a.invalid.group} 组第 ${a.invalid.index} 个字符 “${c}” 不是选票码中的字符, 请核对。`,
      `Character “${c}” in group ${a.invalid.group} (position ${a.invalid.index}) is not used in ballot codes: please check.`];
  }
  if (a.count !== TOKEN_TEXT_CHARS) {
    return [`选票码应有 ${TOKEN_TEXT_CHARS} 个字符 (不计空格), 现在是 ${a.count} 个, 请核对。`,
      `A ballot code has ${TOKEN_TEXT_CHARS} characters (not counting spaces), but ${a.count} were entered: please check.`];
  }
  if (a.badGroups.length) {
    const en = a.badGroups.length === 1 ? `Group ${a.badGroups[0]}` : `Groups ${a.badGroups.join(", ")}`;
    return [`第 ${a.badGroups.join("、")} 组有误, 请对照选票码逐个核对。`, `${en} mistyped: please compare with your slip.`];
  }
  return null;
}

async function submitToken() {
  if (tokenBusy || screen !== "screen-idle") return;
  const input = $("#token-input");
  const a = renderTokenFeedback();
  if (a.count === 0) {
    focusTokenInput();
    return;
  }
  const problem = localTokenProblem(a);
  if (problem) {
    showKioskError(problem);
    focusTokenInput();
    return;
  }
  tokenBusy = true;
  input.readOnly = true;
  $("#token-submit").disabled = true;
  $("#token-busy").hidden = false;
  clearKioskError();
  stopCamera();
  try {
    const answer = await call("POST", "/api/v1/kiosk/ballot", { token: a.canonical });
    startBallot(a.canonical, answer);
  } catch (err) {
    if (err.status === 401 || err.code === "forbidden") {
      // Nothing was cast with the code the voter typed.
      sessionLost(null, err);
      return;
    }
    if (!TYPING.has(err.code) && err.code !== "network" && err.code !== "rate_limited") input.value = "";
    renderTokenFeedback();
    showKioskError(err);
  } finally {
    tokenBusy = false;
    input.readOnly = false;
    $("#token-submit").disabled = false;
    $("#token-busy").hidden = true;
    focusTokenInput();
  }
}

async function startCamera() {
  if (camera || !("BarcodeDetector" in window)) return;
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    const video = $("#camera-video");
    video.srcObject = stream;
    $("#camera-view").hidden = false;
    await video.play();
    camera = { stream, timer: null };
    const scan = async () => {
      if (!camera) return;
      try {
        const found = await detector.detect(video);
        const text = found.map((f) => f.rawValue).find((v) => analyseToken(v).ok);
        if (text) {
          $("#token-input").value = text;
          stopCamera();
          renderTokenFeedback();
          submitToken();
          return;
        }
      } catch { /* a frame that cannot be read */ }
      if (camera) camera.timer = setTimeout(scan, 250);
    };
    scan();
  } catch {
    stopCamera();
    showKioskError(["无法打开摄像头, 请用扫码枪或手动输入。", "The camera cannot be opened: use the scanner or type the code."], { seconds: 10 });
  }
}

function stopCamera() {
  if (camera) {
    clearTimeout(camera.timer);
    for (const track of camera.stream.getTracks()) track.stop();
    camera = null;
  }
  const video = $("#camera-video");
  if (video) {
    video.pause?.();
    video.srcObject = null;
  }
  $("#camera-view").hidden = true;
}

// ---------------------------------------------------------------- contests

// ---------------------------------------------------------------- the election's key, remembered

/**
 * The one thing this kiosk keeps across voters and reloads (localStorage): the election id
 * and key fingerprint of the first encrypted ballot it opened since it was paired. Whether a ballot is
 * encrypted, and under which key, is the server's answer for each ballot code; without this,
 * a server could leave the key out for chosen voters, and have this very code send their
 * choices in the clear, or give them a key of its own under another election's id (then
 * re-encrypt the choices itself, so the log looks right). A paired kiosk serves one election
 * with one key: it refuses a plaintext ballot, another key or another election until staff
 * pair it again (a pairing lasts the election day; a new election is paired anew). Not voter
 * data: the same for every voter of the election.
 */
const KEY_MEMORY = "scrutineer.kiosk.election-key";
/** The same in memory: it holds for the page's life even where storage fails or is full. */
let keyMemory = null;

function rememberedKey() {
  if (keyMemory) return keyMemory;
  try {
    const v = JSON.parse(localStorage.getItem(KEY_MEMORY) || "null");
    if (v && typeof v.election === "string" && typeof v.fingerprint === "string") keyMemory = v;
  } catch { /* storage unavailable: only the page's memory */ }
  return keyMemory;
}

function forgetKey() {
  keyMemory = null;
  try { localStorage.removeItem(KEY_MEMORY); } catch { /* nothing kept */ }
}

/** Why this answer must be refused given the remembered key, or "" (and the key remembered). */
function keyMemoryRefusal(answer) {
  const known = rememberedKey();
  if (!answer.e2e) {
    return known ? "plaintext" : "";
  }
  const election = String(answer.e2e.election_id ?? "");
  if (known && (known.election !== election || known.fingerprint !== answer.e2e.fingerprint)) {
    return "other_key";
  }
  keyMemory = { election, fingerprint: answer.e2e.fingerprint };
  try {
    localStorage.setItem(KEY_MEMORY, JSON.stringify(keyMemory));
  } catch { /* storage unavailable or full: kept in memory for this page's life */ }
  return "";
}

function startBallot(token, answer) {
  const contests = Array.isArray(answer?.contests) ? answer.contests : [];
  if (!contests.length) {
    $("#token-input").value = "";
    renderTokenFeedback();
    showKioskError(["此选票码没有可投的选举项目。请找工作人员。", "There is nothing to vote on with this code. Please ask a member of staff."]);
    return;
  }
  // The fingerprint shown to the voter is computed here from the key this kiosk encrypts
  // with, not taken from the server's answer: a server that handed out another key would
  // otherwise show the right fingerprint beside it.
  if (answer.e2e) {
    let local = "";
    try {
      local = fingerprint(fromB64(answer.e2e.key));
    } catch { /* an unusable key: refused below */ }
    if (!local || local !== answer.e2e.fingerprint) {
      $("#token-input").value = "";
      renderTokenFeedback();
      showKioskError(["投票机收到的选举密钥与其指纹不符, 不能加密。请停用这台投票机并告知监票人。",
        "The election key this kiosk was given does not match its fingerprint: it cannot encrypt. Take this kiosk out of use and tell a scrutineer."]);
      return;
    }
    answer.e2e.fingerprint = local;
  }
  const refusal = keyMemoryRefusal(answer);
  if (refusal) {
    $("#token-input").value = "";
    renderTokenFeedback();
    const known = rememberedKey();
    showKioskError(refusal === "plaintext"
      ? [`本投票机配对后已打开过加密选票 (密钥指纹 ${known.fingerprint}), 服务器这次却要求不加密投票: 投票机拒绝, 选票码未使用。请停用这台投票机并告知监票人。如选举确已改为明文选举, 请工作人员重新配对本机。`,
        `Since it was paired, this kiosk has opened an encrypted ballot (key fingerprint ${known.fingerprint}), and the server now asks it to cast without encryption: refused, and the ballot code is not used. Take this kiosk out of use and tell a scrutineer. If the election really is a plaintext one now, staff pair this kiosk again.`]
      : [`服务器给出的选举或密钥 (指纹 ${answer.e2e.fingerprint}) 与本投票机配对后所用的 (${known.fingerprint}) 不同: 投票机拒绝, 选票码未使用。请停用这台投票机并告知监票人。如确已换为新的选举, 请工作人员重新配对本机。`,
        `The server gave an election or key (fingerprint ${answer.e2e.fingerprint}) other than the one this kiosk has used since it was paired (${known.fingerprint}): refused, and the ballot code is not used. Take this kiosk out of use and tell a scrutineer. If this really is a new election, staff pair this kiosk again.`],
    { code: refusal === "plaintext" ? "kiosk_plaintext_refused" : "kiosk_key_changed" });
    return;
  }
  ballot = {
    token,
    contests,
    // An encrypted election: the election key and what each contest is bound to; the
    // token's round and style go into the confirmation code.
    e2e: answer.e2e || null,
    round: answer.round,
    style: answer.style,
    step: 0,
    choices: contests.map(() => ({ marks: new Map(), writeIns: [], ratings: new Map(), scores: new Map() })),
    posting: false,
    maybeCast: false,
    maybeCastCode: "",
    maybeSpoiled: false,
    sealed: null,
    noCheck: false,
  };
  // The code has done its job on this screen; it is kept only in `ballot` until casting.
  $("#token-input").value = "";
  renderTokenFeedback();
  lastActivity = Date.now();
  renderContest(0);
}

const isEvaluation = (c) => !!c.scale;
// A rated-score evaluation: a whole score from 0 to `score_max` per subject, keyed on a pad.
const isScored = (c) => c.scale?.id === "score";
const perAgainst = (c) => PARTY_KINDS.has(c.kind) || c.against_label === "不赞成";
/**
 * Whether the ballot offers an against mark: not on an encrypted contest whose shape has
 * none (a recommendation, docs/E2E.md §4.1), which could not encrypt one; a plaintext
 * ballot keeps it.
 */
const hasAgainst = (c) => !(ballot?.e2e && c.shape && c.shape.against === false);
const markLimit = (c) => (c.kind === "recommendation" ? Number(c.max_marks) || Number(c.seats) : Number(c.seats));

function counts(contest, choice) {
  let forCount = 0;
  let against = 0;
  let abstain = 0;
  for (const m of choice.marks.values()) {
    if (m === "for") forCount++;
    else if (m === "against") against++;
    else if (m === "abstain") abstain++;
  }
  const used = forCount + choice.writeIns.length;
  return { forCount, against, abstain, used, limit: markLimit(contest), left: Math.max(0, markLimit(contest) - used) };
}

function renderContest(step) {
  ballot.step = step;
  const c = ballot.contests[step];
  const total = ballot.contests.length;
  $("#contest-progress").innerHTML = t(`第 ${step + 1} 项, 共 ${total} 项`, `Ballot ${step + 1} of ${total}`);
  $("#contest-title").textContent = c.title;
  const list = $("#candidates");
  const writeInSection = $("#write-in-section");
  for (const el of document.querySelectorAll(".flash")) el.classList.remove("flash");
  $("#write-in").value = "";
  $("#write-in-msg").replaceChildren();
  if (isScored(c)) {
    const n = (c.subjects || []).length;
    const max = Number(c.score_max) || 100;
    $("#contest-seats").innerHTML = t(`考核打分: ${n} 个测评对象`, `Scores: ${n} subjects`);
    $("#contest-rule").innerHTML = t(`请用数字键为每个对象打分 (0 至 ${max} 分的整数); 不打分视为弃权。`, `Key a whole score from 0 to ${max} for each subject; a subject left blank is an abstention.`);
    list.className = "cards subjects";
    const pad = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0].map((d) => `<button type="button" data-digit="${d}">${d}</button>`).join("");
    list.innerHTML = (c.subjects || []).map((s) => `
      <div class="subject scored" data-id="${esc(s.id)}" role="group" aria-label="${esc(s.name)}">
        <div class="name">${esc(s.name)}</div>
        <output class="score-value" aria-live="polite"></output>
        <div class="choices pad">${pad}<button type="button" data-digit="back" aria-label="退格 backspace">⌫</button><button type="button" data-digit="clear">${t("清除", "Clear")}</button></div>
      </div>`).join("");
    writeInSection.hidden = true;
  } else if (isEvaluation(c)) {
    const n = (c.subjects || []).length;
    $("#contest-seats").innerHTML = t(`民主测评: ${n} 个测评对象`, `Evaluation: ${n} subjects`);
    $("#contest-rule").innerHTML = t("请为每个对象选一个等次; 不选视为弃权。", "Choose one grade for each subject; a subject left blank is an abstention.");
    list.className = "cards subjects";
    const grades = c.scale.grades || [];
    const labels = c.scale.labels || grades;
    list.innerHTML = (c.subjects || []).map((s) => `
      <div class="subject" data-id="${esc(s.id)}" role="group" aria-label="${esc(s.name)}">
        <div class="name">${esc(s.name)}</div>
        <div class="choices">${grades.map((g, i) => `<button type="button" data-grade="${esc(g)}" aria-pressed="false">${t(labels[i] ?? g, GRADE_EN[g] ?? g)}</button>`).join("")}</div>
      </div>`).join("");
    writeInSection.hidden = true;
  } else {
    const limit = markLimit(c);
    const nCand = (c.candidates || []).length;
    $("#contest-seats").innerHTML = c.kind === "recommendation"
      ? t(`最多推荐 ${limit} 人 (候选人 ${nCand} 名)`, `Recommend at most ${limit} (${nCand} candidates)`)
      : t(`应选 ${limit} 人 (候选人 ${nCand} 名)`, `${limit} to elect (${nCand} candidates)`);
    const against = c.against_label || "反对";
    $("#contest-rule").innerHTML = hasAgainst(c)
      ? t(`每位候选人可选 “赞成”、“${against}” 或 “弃权”, 不标记视为弃权; 赞成${c.write_ins ? " (含另选)" : ""}最多 ${limit} 人。`,
        `For each candidate choose For, Against (${against}) or Abstain; no mark counts as abstaining. At most ${limit} For${c.write_ins ? ", write-ins included" : ""}.`)
      : t(`每位候选人可选 “赞成” 或 “弃权”, 不标记视为弃权; 赞成${c.write_ins ? " (含另选)" : ""}最多 ${limit} 人。`,
        `For each candidate choose For or Abstain; no mark counts as abstaining. At most ${limit} For${c.write_ins ? ", write-ins included" : ""}.`);
    list.className = "cards";
    list.innerHTML = (c.candidates || []).map((p) => `
      <div class="candidate" data-id="${esc(p.id)}" role="group" aria-label="${esc(p.name)}">
        <div class="name">${esc(p.name)}</div>
        <div class="choices">
          <button type="button" data-mark="for" aria-pressed="false">${t("赞成", "For")}</button>
          ${hasAgainst(c) ? `<button type="button" data-mark="against" aria-pressed="false">${t(against, "Against")}</button>` : ""}
          <button type="button" data-mark="abstain" aria-pressed="false">${t("弃权", "Abstain")}</button>
        </div>
      </div>`).join("");
    writeInSection.hidden = !c.write_ins;
    if (c.write_ins) {
      $("#write-in-rule").innerHTML = perAgainst(c)
        ? t(`对候选人投了 “${against}” 才能另选他人: 每个 “${against}” 可另选一人。请先投 “${against}”, 再写姓名。`,
          `Write-ins only in place of a candidate marked ${against} (against): one write-in per ${against}. Mark ${against} first, then type the name.`)
        : t("可以写上候选人名单以外的人选。另选的人计入赞成人数。", "You may write in someone who is not on the list. Write-ins count towards the number in favour.");
    }
  }
  $("#back").disabled = step === 0;
  $("#back").classList.toggle("invisible", step === 0);
  $("#next").innerHTML = step === total - 1 ? t("检查选票", "Review") : t("下一项", "Next");
  updateContest();
  show("screen-contest");
  window.scrollTo(0, 0);
  $("#contest-title").focus({ preventScroll: true });
}

/** Brings the pressed/disabled states and the counters up to date without rebuilding. */
function updateContest() {
  const c = ballot.contests[ballot.step];
  const choice = ballot.choices[ballot.step];
  if (isScored(c)) {
    for (const row of document.querySelectorAll("#candidates .subject")) {
      const v = choice.scores.get(row.dataset.id);
      row.dataset.grade = v === undefined ? "" : String(v);
      row.querySelector(".score-value").innerHTML = v === undefined ? t("未打分", "no score") : t(`${v} 分`, `${v}`);
    }
    const n = (c.subjects || []).length;
    $("#marks-left").innerHTML = t(`已打分 ${choice.scores.size} 个, 共 ${n} 个`, `${choice.scores.size} of ${n} scored`);
    $("#marks-left").dataset.full = "false";
    $("#overmark-msg").hidden = true;
    return;
  }
  if (isEvaluation(c)) {
    for (const row of document.querySelectorAll("#candidates .subject")) {
      const grade = choice.ratings.get(row.dataset.id);
      row.dataset.grade = grade || "";
      for (const b of row.querySelectorAll("button[data-grade]")) b.setAttribute("aria-pressed", b.dataset.grade === grade ? "true" : "false");
    }
    const rated = choice.ratings.size;
    const n = (c.subjects || []).length;
    $("#marks-left").innerHTML = t(`已评 ${rated} 个, 共 ${n} 个`, `${rated} of ${n} rated`);
    $("#marks-left").dataset.full = "false";
    $("#overmark-msg").hidden = true;
    return;
  }
  const k = counts(c, choice);
  const full = k.used >= k.limit;
  for (const card of document.querySelectorAll("#candidates .candidate")) {
    const mark = choice.marks.get(card.dataset.id) || "";
    card.dataset.mark = mark;
    for (const b of card.querySelectorAll("button[data-mark]")) {
      b.setAttribute("aria-pressed", b.dataset.mark === mark ? "true" : "false");
      if (b.dataset.mark === "for") b.disabled = full && mark !== "for";
    }
  }
  $("#marks-left").innerHTML = t(`还可选 ${k.left} 人`, `${k.left} ${k.left === 1 ? "mark" : "marks"} left`);
  $("#marks-left").dataset.full = full ? "true" : "false";
  const over = $("#overmark-msg");
  over.hidden = !full;
  if (full) {
    over.innerHTML = c.kind === "recommendation"
      ? t(`本项最多推荐 ${k.limit} 人, 您已选满。要改选, 请先取消一个 “赞成”。`, `At most ${k.limit} names: you have marked the maximum. To change, first undo a For.`)
      : t(`本项应选 ${k.limit} 人, 您已选满。要改选, 请先取消一个 “赞成”。`, `${k.limit} seats: you have marked the maximum. To change, first undo a For.`);
  }
  if (c.write_ins) renderWriteIns(c, choice, k);
}

function renderWriteIns(c, choice, k) {
  $("#write-in-list").innerHTML = choice.writeIns.map((name, i) =>
    `<li><span class="write-in-name">${esc(name)}</span> <button type="button" class="secondary write-in-remove" data-index="${i}">${t("删去", "Remove")}</button></li>`).join("");
  const reason = writeInBlocked(c, choice, k);
  $("#write-in-add").disabled = !!reason;
  $("#write-in").disabled = !!reason;
  $("#write-in").setAttribute("aria-describedby", "write-in-rule write-in-msg");
  if (perAgainst(c)) {
    const may = Math.max(0, Math.min(k.against - choice.writeIns.length, k.left));
    $("#write-in-msg").innerHTML = reason ? reason : t(`现在可另选 ${may} 人。`, `You may write in ${may} now.`);
  } else {
    $("#write-in-msg").innerHTML = reason || "";
  }
}

/** Why no further write-in can be added now (bilingual HTML), or "". */
function writeInBlocked(c, choice, k) {
  if (c.shape && c.shape.kind === "candidate" && choice.writeIns.length >= c.shape.write_in_lines) {
    const w = c.shape.write_in_lines;
    return t(`本选票最多另选 ${w} 人。`, `This ballot has ${w} write-in lines: no more write-ins.`);
  }
  if (k.used >= k.limit) return t("赞成与另选已达应选人数, 不能再另选。", "For marks and write-ins already reach the number to elect: no more write-ins.");
  if (perAgainst(c) && choice.writeIns.length >= k.against) {
    const against = c.against_label || "不赞成";
    return t(`请先对一位候选人投 “${against}”, 才能另选一人。`, `Mark a candidate ${against} first: each write-in needs one ${against}.`);
  }
  return "";
}

function setMark(id, mark) {
  const c = ballot.contests[ballot.step];
  const choice = ballot.choices[ballot.step];
  const current = choice.marks.get(id) || null;
  const next = current === mark ? null : mark;
  const k = counts(c, choice);
  if (next === "for" && current !== "for" && k.used >= k.limit) {
    flash($("#overmark-msg"));
    return;
  }
  if (current === "against" && next !== "against" && perAgainst(c) && choice.writeIns.length > k.against - 1) {
    const against = c.against_label || "不赞成";
    $("#write-in-msg").innerHTML = `<span class="bad">${t(`每个另选人需要一个 “${against}”。要改这一票, 请先删去一个另选人。`,
      `Each write-in needs one ${against} mark: to change this one, first remove a write-in.`)}</span>`;
    flash($("#write-in-msg"));
    return;
  }
  if (next) choice.marks.set(id, next);
  else choice.marks.delete(id);
  updateContest();
}

/** A key of a subject's number pad: a digit, backspace or clear; never past the top score. */
function keyScore(id, digit) {
  const c = ballot.contests[ballot.step];
  const choice = ballot.choices[ballot.step];
  const max = Number(c.score_max) || 100;
  const cur = choice.scores.get(id);
  let next;
  if (digit === "clear") next = undefined;
  else if (digit === "back") next = cur === undefined || cur < 10 ? undefined : Math.floor(cur / 10);
  else next = (cur ?? 0) * 10 + Number(digit);
  if (next !== undefined && next > max) {
    const msg = $("#overmark-msg");
    msg.innerHTML = t(`最高 ${max} 分`, `The top score is ${max}`);
    msg.hidden = false;
    flash(msg);
    return;
  }
  if (next === undefined) choice.scores.delete(id);
  else choice.scores.set(id, next);
  updateContest();
}

function setGrade(id, grade) {
  const choice = ballot.choices[ballot.step];
  if (choice.ratings.get(id) === grade) choice.ratings.delete(id);
  else choice.ratings.set(id, grade);
  updateContest();
}

function addWriteIn() {
  const c = ballot.contests[ballot.step];
  const choice = ballot.choices[ballot.step];
  const input = $("#write-in");
  const k = counts(c, choice);
  const blocked = writeInBlocked(c, choice, k);
  const say = (zh, en) => { $("#write-in-msg").innerHTML = `<span class="bad">${t(zh, en)}</span>`; flash($("#write-in-msg")); };
  if (blocked) { $("#write-in-msg").innerHTML = `<span class="bad">${blocked}</span>`; return; }
  // The name in the server's canonical form (names.js): invisible and direction characters
  // are refused here, before anything is encrypted, with the server's message.
  const cleaned = cleanName(input.value);
  if (!cleaned.ok && cleaned.code === "name_empty") return say("请先输入另选人的姓名。", "Type the name first.");
  if (!cleaned.ok) return say(`另选人的姓名无效: ${cleaned.zh}。请删去后重新输入。`, `The name was not accepted: ${cleaned.en}. Clear it and type it again.`);
  const name = cleaned.name;
  if (c.shape && utf8Length(name.normalize("NFC")) > MAX_NAME_BYTES) return say(`姓名太长 (加密选票上的姓名最多 ${Math.floor(MAX_NAME_BYTES / 3)} 个汉字)。`, `The name is too long (an encrypted ballot holds names of up to ${MAX_NAME_BYTES} bytes, ${Math.floor(MAX_NAME_BYTES / 3)} Chinese characters).`);
  if ([...name].length > WRITE_IN_MAX_CHARS || /\p{Cc}/u.test(name)) return say(`姓名最多 ${WRITE_IN_MAX_CHARS} 个字符。`, `A name has at most ${WRITE_IN_MAX_CHARS} characters.`);
  if ((c.candidates || []).some((p) => p.name === name)) return say(`“${name}” 已在候选人名单中, 请直接在名单上标记。`, `“${name}” is on the list: mark them there instead.`);
  if (choice.writeIns.includes(name)) return say(`“${name}” 已经另选过了。`, `“${name}” is already written in.`);
  choice.writeIns.push(name);
  input.value = "";
  updateContest();
  input.focus();
}

function removeWriteIn(index) {
  const choice = ballot.choices[ballot.step];
  choice.writeIns.splice(index, 1);
  updateContest();
  $("#write-in").focus();
}

function flash(el) {
  clearTimeout(el.flashTimer);
  el.classList.remove("flash");
  void el.offsetWidth; // restart the animation
  el.classList.add("flash");
  el.flashTimer = setTimeout(() => el.classList.remove("flash"), 1400);
}

function wireContest() {
  $("#candidates").addEventListener("click", (ev) => {
    if (!ballot) return;
    const mark = ev.target.closest("button[data-mark]");
    if (mark && !mark.disabled) return setMark(mark.closest(".candidate").dataset.id, mark.dataset.mark);
    const grade = ev.target.closest("button[data-grade]");
    if (grade) return setGrade(grade.closest(".subject").dataset.id, grade.dataset.grade);
    const digit = ev.target.closest("button[data-digit]");
    if (digit) return keyScore(digit.closest(".subject").dataset.id, digit.dataset.digit);
  });
  $("#write-in-add").addEventListener("click", () => ballot && addWriteIn());
  $("#write-in").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.isComposing) {
      ev.preventDefault();
      if (ballot) addWriteIn();
    }
  });
  $("#write-in-list").addEventListener("click", (ev) => {
    const b = ev.target.closest("button.write-in-remove");
    if (b && ballot) removeWriteIn(Number(b.dataset.index));
  });
  $("#back").addEventListener("click", () => {
    if (ballot && ballot.step > 0) renderContest(ballot.step - 1);
  });
  $("#next").addEventListener("click", () => {
    if (!ballot) return;
    if (ballot.step < ballot.contests.length - 1) renderContest(ballot.step + 1);
    else renderReview();
  });
  for (const b of document.querySelectorAll(".cancel-ballot")) {
    b.addEventListener("click", () => {
      if (!ballot || ballot.posting) return;
      $("#cancel-dialog").showModal();
      $("#cancel-no").focus();
    });
  }
  $("#cancel-no").addEventListener("click", () => $("#cancel-dialog").close());
  $("#cancel-yes").addEventListener("click", () => {
    $("#cancel-dialog").close();
    reset();
  });
}

// ---------------------------------------------------------------- review and casting

function names(contest, choice, mark) {
  return (contest.candidates || []).filter((p) => (choice.marks.get(p.id) || "abstain") === mark).map((p) => p.name);
}

function renderReview() {
  const html = ballot.contests.map((c, i) => {
    const choice = ballot.choices[i];
    let body;
    if (isScored(c)) {
      body = `<ul class="review-lines">${(c.subjects || []).map((s) => {
        const v = choice.scores.get(s.id);
        const word = v === undefined ? t("未打分 (弃权)", "no score (abstain)") : t(`${v} 分`, `${v}`);
        return `<li data-score="${v ?? ""}"><span class="who">${esc(s.name)}</span>: <strong>${word}</strong></li>`;
      }).join("")}</ul>`;
    } else if (isEvaluation(c)) {
      const grades = c.scale.grades || [];
      const labels = c.scale.labels || grades;
      body = `<ul class="review-lines">${(c.subjects || []).map((s) => {
        const g = choice.ratings.get(s.id);
        const gi = grades.indexOf(g);
        const word = g ? t(labels[gi] ?? g, GRADE_EN[g] ?? g) : t("未评 (弃权)", "not rated (abstain)");
        return `<li data-grade="${esc(g || "")}"><span class="who">${esc(s.name)}</span>: <strong>${word}</strong></li>`;
      }).join("")}</ul>`;
    } else {
      const against = c.against_label || "反对";
      const row = (mark, zh, en, list) =>
        `<li class="review-mark" data-mark="${mark}"><strong>${t(`${zh} ${list.length} 人`, `${en}: ${list.length}`)}</strong>${list.length ? ": " + list.map((n) => `<span class="who">${esc(n)}</span>`).join("、") : ""}</li>`;
      const marked = new Set(choice.marks.keys());
      const unmarked = (c.candidates || []).filter((p) => !marked.has(p.id)).length;
      body = `<ul class="review-lines">
        ${row("for", "赞成", "For", names(c, choice, "for"))}
        ${hasAgainst(c) ? row("against", against, "Against", names(c, choice, "against")) : ""}
        ${row("abstain", "弃权", "Abstain", names(c, choice, "abstain"))}
        ${c.write_ins ? row("write-in", "另选", "Written in", choice.writeIns) : ""}
      </ul>${unmarked ? `<p class="note">${t(`其中 ${unmarked} 人未作标记, 按弃权计。`, `${unmarked} left unmarked, counted as abstaining.`)}</p>` : ""}`;
      const k = counts(c, choice);
      if (k.used < k.limit) body += `<p class="note">${t(`赞成${c.write_ins ? "与另选" : ""}共 ${k.used} 人, 少于应选的 ${k.limit} 人, 这是允许的。`, `${k.used} in favour, fewer than the ${k.limit} to elect: that is allowed.`)}</p>`;
    }
    return `<section class="review-contest" data-contest="${esc(c.id)}">
      <div class="review-head"><h3>${esc(c.title)}</h3><button type="button" class="secondary review-edit" data-index="${i}">${t("修改此项", "Change")}</button></div>
      ${body}</section>`;
  }).join("");
  $("#review-list").innerHTML = html;
  $("#confirm").disabled = false;
  $("#edit").disabled = false;
  $("#review-cancel").disabled = false;
  $("#review-status").hidden = true;
  // An encrypted election: #confirm encrypts and shows the confirmation code; casting (or
  // checking) comes after it.
  $("#confirm").innerHTML = ballot.e2e ? t("加密并显示确认码", "Encrypt and show the code") : t("确认投票", "Confirm and cast");
  $("#review-rule").innerHTML = ballot.e2e
    ? t("请核对您的选择。下一步在本机加密选票并显示确认码, 然后您选择投出或核验。没有标记的候选人按弃权计。",
      "Check your choices. Next, this kiosk encrypts the ballot and shows a confirmation code; then you choose to cast it or to check it. Candidates you did not mark count as abstentions.")
    : t("确认投票后不能再修改。没有标记的候选人按弃权计。", "Once you confirm, the ballot cannot be changed. Candidates you did not mark count as abstentions.");
  // The contest screen is rebuilt from `ballot` when the voter goes back; drop it meanwhile.
  clearContestDom();
  const e2eNote = $("#review-e2e");
  // Always shown: a plaintext ballot says so before it is cast, so that a voter sees it
  // when a server leaves the key out (this kiosk also refuses that once it has encrypted).
  e2eNote.hidden = false;
  e2eNote.classList.toggle("bad", !ballot.e2e);
  e2eNote.innerHTML = ballot.e2e
    ? `${t("选票在本机加密后才发送, 服务器看不到您的选择。选举密钥指纹", "The ballot is encrypted on this kiosk before it is sent: the server never sees your choices. Election key fingerprint")}
      <span class="mono">${esc(ballot.e2e.fingerprint)}</span>${t(" (与选票码和公告栏上的相同)。", " (the same as on your slip and the board).")}`
    : `<strong>${t("本选票不加密: 服务器能看到您的选择, 投票结束后公开的日志里任何人都能按投票顺序读到。", "This ballot is not encrypted: the server can see your choices, and once voting closes anyone can read them in the public log, in the order ballots were cast.")}</strong>
      ${t("只有组织方登记为明文选举 (公告栏会写明) 时才应如此; 否则请不要投出, 并告知监票人。", "That is right only for an election the organiser registered as plaintext (the board says so); otherwise do not cast it, and tell a scrutineer.")}`;
  show("screen-review");
  window.scrollTo(0, 0);
  $("#review-title").focus({ preventScroll: true });
}

/** base64 of bytes (the server decodes standard base64). */
function b64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromB64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** Resolves once the browser has had a chance to paint (before a long encryption). */
function painted() {
  return new Promise((resolve) => {
    let done = false;
    const go = () => { if (!done) { done = true; resolve(); } };
    requestAnimationFrame(() => setTimeout(go, 0));
    setTimeout(go, 100);
  });
}

/**
 * The ballot encrypted here, contest by contest (web/js/e2e.js, docs/E2E.md): marks in the
 * contest's candidate order (the screen shows them in 姓氏笔画 order), write-ins on the first
 * lines, grades by subject. Returns `[{contest, group, ballot, opening}]` (bytes): the
 * openings reveal the vote, so they are kept only until the voter casts (then dropped
 * unsent) or checks (then sent to be logged with the spoiled ballot, and dropped).
 */
function encryptedLines() {
  const e = ballot.e2e;
  // What the rules void and only the whole ballot shows: the server never sees the grades of
  // an encrypted ballot, so this kiosk refuses it here, as the server refuses a plaintext one.
  ballot.contests.forEach((c, i) => {
    if (!isEvaluation(c)) return;
    const grades = [...ballot.choices[i].ratings.values()];
    const n = (c.subjects || []).length;
    if (c.uniform_void && n >= 2 && grades.length === n && grades.every((g) => g === grades[0])) {
      throw { code: "uniform_grades", message: `“${c.title}”: 对所有对象评为同一等次, 按本项目规定为废票 / every subject given the same grade: void under this contest's rule` };
    }
    const top = grades.filter((g) => g === c.scale.grades[0]).length;
    if (c.excellent_limit !== null && c.excellent_limit !== undefined && top > c.excellent_limit) {
      throw { code: "excellent_over_quota", message: `“${c.title}”: 评为最高等次 ${top} 人, 超过限额 ${c.excellent_limit} 人, 废票 / ${top} top grades exceed the quota of ${c.excellent_limit}: void` };
    }
  });
  const key = fromB64(e.key);
  const serial = fromHex(e.token_serial);
  return ballot.contests.map((c, i) => {
    const choice = ballot.choices[i];
    let plaintext;
    if (isEvaluation(c)) {
      const grades = c.scale.grades;
      plaintext = { grades: (c.subjects || []).map((s) => {
        const g = choice.ratings.get(s.id);
        return g === undefined ? null : grades.indexOf(g);
      }) };
    } else {
      const marks = new Array(c.shape.candidates).fill("abstain");
      for (const p of c.candidates) marks[p.index] = choice.marks.get(p.id) || "abstain";
      const writeIns = [...choice.writeIns];
      while (writeIns.length < c.shape.write_in_lines) writeIns.push(null);
      plaintext = { marks, write_ins: writeIns };
    }
    const context = { electionId: e.election_id, contestId: c.id, groupId: c.group || "", tokenSerial: serial };
    const { bytes, opening } = encryptContest(key, c.shape, context, plaintext);
    return { contest: c.id, group: c.group || "", ballot: bytes, opening };
  });
}

/**
 * Shows a confirmation code in `el` a group of four characters at a time (span.code-group,
 * never broken inside): on a narrow screen or in large type the sixteen characters wrap
 * between groups instead of running off the screen.
 */
function showCode(el, code) {
  const parts = String(code || "").split("-");
  el.replaceChildren(...parts.flatMap((g, i) => {
    const span = document.createElement("span");
    span.className = "code-group";
    span.textContent = g;
    // <wbr>: a break after the dash (a dash before a digit is not one by itself); its text
    // is empty, so the code reads and copies as it is.
    return i === 0 ? [span] : [document.createTextNode("-"), document.createElement("wbr"), span];
  }));
}

/**
 * Encrypts the ballot and computes its confirmation code (e2e.js `confirmationCode`, the
 * same as the server's): `{lines, code}`.
 */
function seal() {
  const round = Number(ballot.round);
  const style = Number(ballot.style);
  if (!Number.isInteger(round) || !Number.isInteger(style)) {
    throw { code: "ballot_shape", message: "投票机没有收到选票的轮次和样式, 无法计算确认码 / the kiosk was not given the ballot's round and style, so it cannot compute the confirmation code" };
  }
  const lines = encryptedLines();
  const { code } = confirmationCode({ round, style, serial: fromHex(ballot.e2e.token_serial), lines });
  return { lines, code };
}

/** Forgets an encryption: its openings and bytes are overwritten and dropped. */
function dropSealed(b = ballot) {
  if (!b?.sealed) return;
  for (const l of b.sealed.lines) {
    l.opening?.fill(0);
    l.ballot?.fill(0);
    l.opening = null;
    l.ballot = null;
  }
  b.sealed = null;
}

function payload() {
  return ballot.contests.map((c, i) => {
    const choice = ballot.choices[i];
    // An evaluation counted by evaluator group names the style's group (the service refuses
    // a grouped contest's line without it, `group_missing`; the encrypted path binds it in
    // the proofs' context).
    if (isScored(c)) return { contest: c.id, group: c.group || undefined, scores: Object.fromEntries(choice.scores) };
    if (isEvaluation(c)) return { contest: c.id, group: c.group || undefined, ratings: Object.fromEntries(choice.ratings) };
    return { contest: c.id, marks: Object.fromEntries(choice.marks), write_ins: [...choice.writeIns] };
  });
}

/** The review screen's controls, disabled while the ballot is being encrypted or cast. */
function setReviewBusy(busy, html = "") {
  for (const id of ["#confirm", "#edit", "#review-cancel"]) $(id).disabled = busy;
  for (const b of document.querySelectorAll(".review-edit")) b.disabled = busy;
  const status = $("#review-status");
  if (html) status.innerHTML = html;
  status.hidden = !busy;
}

/**
 * The confirm screen's controls; #check only while the openings are still held, #cast only
 * while they have never left this kiosk (an encryption sent to be checked, whatever the
 * answer, is known to whoever received its openings: it is never cast).
 */
function setConfirmBusy(busy, html = "") {
  const sealed = ballot?.sealed;
  $("#cast").disabled = busy || !sealed || sealed.revealed;
  $("#confirm-edit").disabled = busy;
  // Not after a cast that may have arrived (maybeCast): the openings of a fresh encryption
  // of the same choices would tell the server a vote it may already have counted.
  $("#check").disabled = busy || !sealed || ballot.noCheck || ballot.maybeCast || !sealed.lines.every((l) => l.opening);
  const status = $("#confirm-status");
  if (html) status.innerHTML = html;
  status.hidden = !busy;
}

/**
 * #confirm on the review screen. A plaintext election casts at once; an encrypted one is
 * encrypted here and its confirmation code shown (screen-confirm), where the voter casts or
 * checks.
 */
async function confirmBallot() {
  if (!ballot || ballot.posting) return;
  if (ballot.e2e) {
    await sealBallot();
    return;
  }
  const current = ballot;
  current.posting = true;
  setReviewBusy(true, t("正在提交…", "Casting your ballot…"));
  clearKioskError();
  let answer;
  try {
    answer = await call("POST", "/api/v1/ballots", { token: current.token, ballots: payload() });
  } catch (err) {
    castFailed(current, err, "review");
    return;
  }
  showReceipt(answer, "");
}

async function sealBallot() {
  const current = ballot;
  current.posting = true;
  setReviewBusy(true, t("正在本机加密…", "Encrypting on this kiosk…"));
  clearKioskError();
  await painted();
  if (ballot !== current) return;
  dropSealed(current);
  let sealed;
  try {
    sealed = seal();
  } catch (err) {
    // Nothing was sent: the voter corrects the ballot (an encryption refuses only what the
    // voter can change, e.g. grades the rules void).
    current.posting = false;
    setReviewBusy(false);
    const [zh, en] = describe(err);
    showKioskError([`${zh} 请按 “修改” 更正。`, `${en} Press Edit to correct it.`]);
    $("#edit").focus();
    return;
  }
  current.posting = false;
  current.sealed = sealed;
  setReviewBusy(false);
  showConfirm();
}

function showConfirm() {
  $("#review-list").replaceChildren();
  showCode($("#confirm-code"), ballot.sealed.code);
  setConfirmBusy(false);
  show("screen-confirm");
  window.scrollTo(0, 0);
  $("#confirm-title").focus({ preventScroll: true });
}

/** #cast: the encrypted ballot is sent without its openings (a cast ballot is never opened). */
async function castSealed() {
  const current = ballot;
  if (!current || current.posting || !current.sealed || current.sealed.revealed) return;
  const sealed = current.sealed;
  for (const l of sealed.lines) {
    l.opening?.fill(0);
    l.opening = null;
  }
  current.posting = true;
  setConfirmBusy(true, t("正在投出选票…", "Casting your ballot…"));
  clearKioskError();
  let answer;
  try {
    const encrypted = sealed.lines.map((l) => ({ contest: l.contest, group: l.group, ballot: b64(l.ballot) }));
    answer = await call("POST", "/api/v1/ballots", { token: current.token, encrypted });
  } catch (err) {
    castFailed(current, err, "confirm");
    return;
  }
  const code = sealed.code;
  dropSealed(current);
  showReceipt(answer, code);
}

/** A refused or failed cast, from the review screen (plaintext) or screen-confirm (encrypted). */
function castFailed(current, err, from) {
  if (ballot !== current) return;
  current.posting = false;
  const again = from === "confirm" ? ["投出选票", "Cast the ballot"] : ["确认投票", "Confirm"];
  if (err.code === "network" || (err.status === 429 && err.code !== "spoils_exhausted") || err.status === 503 || err.status === 0) {
    // The ballot may or may not have reached the server; a retry answers which.
    current.maybeCast = current.maybeCast || err.code === "network" || err.status === 503;
    if ((err.code === "network" || err.status === 503) && current.sealed) current.maybeCastCode = current.sealed.code;
    if (from === "confirm") setConfirmBusy(false);
    else setReviewBusy(false);
    const [zh, en] = describe(err);
    showKioskError([`${zh} 选票尚未确认投出, 请再按 “${again[0]}”。`, `${en} The ballot is not confirmed as cast: press ${again[1]} again.`]);
    $(from === "confirm" ? "#cast" : "#confirm").focus();
    return;
  }
  if (BALLOT_FIXABLE.has(err.code) || err.code === "ballot_spoiled") {
    // Back to the review: the voter corrects the ballot, and a fresh encryption is made (one
    // whose line was revealed by a check can never be cast).
    dropSealed(current);
    if (from === "confirm") renderReview();
    else setReviewBusy(false);
    const [zh, en] = err.code === "ballot_spoiled"
      ? ["这张加密选票已被核验 (作废), 不能投出。请再检查一次选票, 本机将重新加密。", "This encrypted ballot was checked (voided) and cannot be cast. Review your ballot again; this kiosk will encrypt it afresh."]
      : describe(err);
    showKioskError(err.code === "ballot_spoiled" ? [zh, en] : [`${zh} 请按 “修改” 更正。`, `${en} Press Edit to correct it.`]);
    $(err.code === "ballot_spoiled" ? "#confirm" : "#edit").focus();
    return;
  }
  if (err.status === 401 || err.code === "forbidden") {
    sessionLost(current, err);
    return;
  }
  const spentAfterRetry = err.code === "token_spent" && current.maybeCast;
  reset();
  if (spentAfterRetry) {
    showKioskError(["此选票码已经用过: 您刚才的选票很可能已经投出。请找工作人员, 可在核验页查询。",
      "This ballot code has been used: your ballot was most likely cast a moment ago. Please ask a member of staff; you can check at the verify page."]);
  } else {
    showKioskError(err);
  }
}

/**
 * #check: the encrypted ballot goes to the server WITH its openings; the server logs it as
 * spoiled (never counted) and the voter checks it on another device. The slip stays good.
 */
async function checkSealed() {
  const current = ballot;
  if (!current || current.posting || !current.sealed || current.noCheck) return;
  if (current.maybeCast) {
    // A cast of these choices may have reached the server (its answer was lost): checking a
    // fresh encryption of them would publish a vote that may be counted.
    showKioskError(["刚才的投出可能已送达服务器, 不能再核验这张选票。请按 “投出选票” 确认; 如提示选票码已用过, 您的选票已投出。",
      "The earlier cast may have reached the server, so this ballot can no longer be checked. Press Cast to confirm: if the code is reported as used, your ballot was cast."]);
    return;
  }
  const sealed = current.sealed;
  if (!sealed.lines.every((l) => l.opening)) return;
  // From here on its openings may be read by whoever receives the request, even if the
  // answer is a refusal or never arrives: this encryption is never cast.
  sealed.revealed = true;
  current.posting = true;
  setConfirmBusy(true, t("正在发送核验…", "Sending the ballot to be checked…"));
  clearKioskError();
  let answer;
  try {
    const encrypted = sealed.lines.map((l) => ({ contest: l.contest, group: l.group, ballot: b64(l.ballot), opening: b64(l.opening) }));
    answer = await call("POST", "/api/v1/kiosk/spoil", { token: current.token, encrypted });
  } catch (err) {
    checkFailed(current, err);
    return;
  }
  if (ballot !== current) return;
  current.posting = false;
  current.maybeSpoiled = false;
  const code = sealed.code;
  dropSealed(current);
  showSpoiled(answer, code);
}

function checkFailed(current, err) {
  if (ballot !== current) return;
  current.posting = false;
  const code = current.sealed?.code || "";
  if (err.code === "network" || (err.status === 429 && err.code !== "spoils_exhausted") || err.status === 503 || err.status === 0) {
    current.maybeSpoiled = current.maybeSpoiled || err.code === "network" || err.status === 503;
    setConfirmBusy(false);
    const [zh, en] = describe(err);
    showKioskError([`${zh} 这张选票既未投出, 也未核验。请再按 “核验”; 已发送核验的加密选票不能再投出, 如要投票, 请按 “返回修改”, 本机将重新加密。`,
      `${en} The ballot is neither cast nor checked: press Check again. An encryption sent to be checked can no longer be cast: to vote instead, press Back to edit and this kiosk will encrypt afresh.`]);
    $("#check").focus();
    return;
  }
  if (err.code === "ballot_spoiled") {
    // Already logged as spoiled (most likely by the attempt that seemed to fail): it can be
    // looked up by its confirmation code.
    dropSealed(current);
    current.maybeSpoiled = false;
    showSpoiled({ confirmation: code, receipt: "", qr_svg: "", check_url: "" }, code);
    return;
  }
  if (err.code === "spoils_exhausted") {
    // Refused, but its openings were sent: this encryption is never cast. A fresh one is,
    // without a check.
    current.noCheck = true;
    dropSealed(current);
    renderReview();
    const [zh, en] = describe(err);
    showKioskError([`${zh} 刚才发送核验的加密选票已作废; 请按 “确认投票”, 本机将重新加密, 然后投出。`,
      `${en} The encryption sent to be checked is discarded: press Confirm, and this kiosk will encrypt afresh for you to cast.`]);
    $("#confirm").focus();
    return;
  }
  if (BALLOT_FIXABLE.has(err.code)) {
    dropSealed(current);
    renderReview();
    const [zh, en] = describe(err);
    showKioskError([`${zh} 请按 “修改” 更正。`, `${en} Press Edit to correct it.`]);
    $("#edit").focus();
    return;
  }
  if (err.status === 401 || err.code === "forbidden") {
    // A check casts nothing; an earlier cast of this ballot may have (maybeCast).
    sessionLost(current, err);
    return;
  }
  reset();
  showKioskError(err);
}

/** The check's answer: the code, the receipt, a QR code of the check page; nothing cast. */
function showSpoiled(answer, localCode) {
  $("#review-list").replaceChildren();
  $("#confirm-code").replaceChildren();
  const code = answer.confirmation || localCode;
  showCode($("#spoiled-code"), code);
  $("#spoiled-receipt").textContent = answer.receipt || "";
  $("#spoiled-receipt-line").hidden = !answer.receipt;
  $("#spoiled-url").textContent = answer.check_url || "";
  const qr = $("#spoiled-qr");
  qr.replaceChildren();
  const svg = safeSvg(answer.qr_svg, "核验页二维码 check page QR code");
  if (svg) qr.append(svg);
  qr.hidden = !svg;
  const note = $("#spoiled-note");
  const notes = [];
  if (!answer.receipt) {
    notes.push(t(`核验已记录。请在核验页 /verify 输入确认码 ${code} 查看这张选票。`,
      `The check is logged. Enter the confirmation code ${code} at the check page /verify to see this ballot.`));
  }
  if (answer.confirmation && localCode && answer.confirmation !== localCode) {
    notes.push(`<strong class="bad">${t(`服务器记录的确认码 ${answer.confirmation} 与本机显示的 ${localCode} 不同: 请告知监票人。`,
      `The server logged the confirmation code ${answer.confirmation}, not ${localCode} as shown here: please tell a scrutineer.`)}</strong>`);
  }
  note.innerHTML = notes.join(" ");
  note.hidden = notes.length === 0;
  show("screen-spoiled");
  window.scrollTo(0, 0);
  $("#spoiled-title").focus({ preventScroll: true });
}

/** #revote: back to the first contest with the choices kept; a fresh encryption follows. */
function revote() {
  if (!ballot || ballot.posting) return;
  dropSealed();
  clearSpoiledDom();
  clearKioskError();
  renderContest(0);
}

function clearSpoiledDom() {
  for (const id of ["#confirm-code", "#spoiled-code", "#spoiled-receipt", "#spoiled-url", "#spoiled-qr", "#spoiled-note"]) $(id).replaceChildren();
  $("#spoiled-note").hidden = true;
}

/** Drops the ballot from memory and the page, then shows the receipt. */
function showReceipt(answer, localCode) {
  ballot = null;
  clearContestDom();
  clearSpoiledDom();
  $("#review-list").replaceChildren();
  $("#receipt-code").textContent = answer.receipt || "";
  const code = answer.confirmation || localCode || "";
  showCode($("#receipt-confirmation"), code);
  $("#receipt-confirmation-line").hidden = !code;
  const qr = $("#receipt-qr");
  qr.replaceChildren();
  const svg = safeSvg(answer.qr_svg, "回执码二维码 receipt QR code");
  if (svg) qr.append(svg);
  show("screen-receipt");
  window.scrollTo(0, 0);
  $("#receipt-title").focus({ preventScroll: true });
  if (answer.confirmation && localCode && answer.confirmation !== localCode) {
    showKioskError([`服务器记录的确认码 ${answer.confirmation} 与本机显示的 ${localCode} 不同: 请告知监票人。`,
      `The server logged the confirmation code ${answer.confirmation}, not ${localCode} as shown here: please tell a scrutineer.`]);
  }
  receiptEndsAt = Date.now() + RECEIPT_SECONDS * 1000;
  renderCountdown();
  clearInterval(receiptTimer);
  receiptTimer = setInterval(() => {
    if (Date.now() >= receiptEndsAt) reset();
    else renderCountdown();
  }, 250);
}

function renderCountdown() {
  const s = Math.max(0, Math.ceil((receiptEndsAt - Date.now()) / 1000));
  $("#receipt-countdown").innerHTML = t(`${s} 秒后返回首页`, `Returning to the start in ${s} s`);
}

/** The server's QR SVG, parsed and kept to plain shapes (no scripts, links or foreign content). */
function safeSvg(markup, label) {
  if (typeof markup !== "string" || !markup.trim()) return null;
  // Event-handler attributes go before parsing too, so not even a blocked handler is seen.
  const text = markup.replace(/\son[a-z]+\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi, "");
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const root = doc.documentElement;
  if (!root || root.localName !== "svg" || doc.querySelector("parsererror")) return null;
  const allowed = new Set(["svg", "rect", "path", "g", "title", "desc"]);
  for (const el of [...root.querySelectorAll("*")]) if (!allowed.has(el.localName)) el.remove();
  for (const el of [root, ...root.querySelectorAll("*")]) {
    for (const attr of [...el.attributes]) {
      if (/^on/i.test(attr.name) || /href$/i.test(attr.name) || /^\s*(javascript|data):/i.test(attr.value)) el.removeAttribute(attr.name);
    }
  }
  root.setAttribute("role", "img");
  root.setAttribute("aria-label", label);
  return document.importNode(root, true);
}

function wireReview() {
  $("#edit").addEventListener("click", () => ballot && !ballot.posting && renderContest(0));
  $("#review-list").addEventListener("click", (ev) => {
    const b = ev.target.closest("button.review-edit");
    if (b && ballot && !ballot.posting) renderContest(Number(b.dataset.index));
  });
  $("#confirm").addEventListener("click", confirmBallot);
  $("#cast").addEventListener("click", castSealed);
  $("#check").addEventListener("click", checkSealed);
  $("#confirm-edit").addEventListener("click", () => {
    if (!ballot || ballot.posting) return;
    dropSealed();
    $("#confirm-code").replaceChildren();
    clearKioskError();
    renderReview();
  });
  $("#revote").addEventListener("click", revote);
  $("#done").addEventListener("click", () => reset());
}

// ---------------------------------------------------------------- reset and inactivity

function clearContestDom() {
  for (const id of ["#candidates", "#write-in-list", "#write-in-msg", "#contest-progress", "#contest-title", "#contest-seats",
    "#contest-rule", "#marks-left", "#overmark-msg", "#write-in-rule"]) $(id).replaceChildren();
  for (const el of document.querySelectorAll(".flash")) el.classList.remove("flash");
  $("#write-in").value = "";
  $("#write-in").disabled = false;
  $("#write-in-add").disabled = false;
  $("#overmark-msg").hidden = true;
  $("#write-in-section").hidden = true;
}

/**
 * Back to the start for the next voter: nothing of the last voter's ballot is left in
 * memory, in the page or in the URL, and the display is back to its defaults.
 */
function reset() {
  clearInterval(receiptTimer);
  receiptTimer = null;
  stopCamera();
  for (const d of document.querySelectorAll("dialog")) if (d.open) d.close();
  idleDeadline = 0;
  dropSealed();
  ballot = null;
  clearContestDom();
  clearSpoiledDom();
  $("#review-list").replaceChildren();
  $("#review-status").hidden = true;
  $("#confirm-status").hidden = true;
  $("#receipt-code").replaceChildren();
  $("#receipt-confirmation").replaceChildren();
  $("#receipt-confirmation-line").hidden = true;
  $("#receipt-qr").replaceChildren();
  $("#receipt-countdown").replaceChildren();
  for (const id of ["#confirm", "#edit", "#review-cancel", "#cast", "#check", "#confirm-edit"]) $(id).disabled = false;
  const input = $("#token-input");
  input.value = "";
  input.readOnly = false;
  $("#keypad").hidden = true;
  $("#keypad-toggle").setAttribute("aria-pressed", "false");
  clearKioskError();
  resetDisplay();
  renderTokenFeedback();
  history.replaceState(null, "", location.pathname + location.search);
  lastActivity = Date.now();
  show("screen-idle");
  window.scrollTo(0, 0);
  focusTokenInput();
}

/** Whether leaving the kiosk alone should end in a reset. */
function needsWatch() {
  if (["screen-contest", "screen-review", "screen-confirm", "screen-spoiled"].includes(screen)) return !ballot?.posting;
  return screen === "screen-idle" && ($("#token-input").value !== "" || !$("#kiosk-error").hidden) && !tokenBusy;
}

function wireInactivity() {
  const touch = () => { lastActivity = Date.now(); };
  for (const type of ["pointerdown", "keydown", "input", "wheel"]) document.addEventListener(type, touch, { capture: true, passive: true });
  const dialog = $("#idle-dialog");
  $("#still-here").addEventListener("click", () => { dialog.close(); });
  dialog.addEventListener("close", () => {
    idleDeadline = 0;
    lastActivity = Date.now();
    if (screen === "screen-idle") focusTokenInput();
  });
  setInterval(() => {
    if (!needsWatch()) {
      if (dialog.open) dialog.close();
      return;
    }
    const now = Date.now();
    if (dialog.open) {
      if (now >= idleDeadline) {
        // A checked (or encrypted, not yet cast) ballot left alone: say that nothing was cast.
        const wasSealed = screen === "screen-confirm" || screen === "screen-spoiled";
        reset();
        if (wasSealed) showKioskError(NOTHING_CAST, { seconds: 30, info: true });
      } else renderIdleCountdown(now);
      return;
    }
    if (now - lastActivity >= IDLE_SECONDS * 1000) {
      if (screen === "screen-idle") {
        // Only a half-typed code or an old message: clear it quietly.
        reset();
        return;
      }
      idleDeadline = now + IDLE_GRACE_SECONDS * 1000;
      renderIdleCountdown(now);
      $("#cancel-dialog").open && $("#cancel-dialog").close();
      dialog.showModal();
      $("#still-here").focus();
    }
  }, 500);
}

function renderIdleCountdown(now) {
  const s = Math.max(0, Math.ceil((idleDeadline - now) / 1000));
  $("#idle-countdown").innerHTML = t(`如无操作, ${s} 秒后将清除本次选择 (选票尚未投出, 选票码仍可再用)。`,
    `If nothing happens, your choices will be cleared in ${s} s (nothing has been cast; your code can be used again).`);
}

// ---------------------------------------------------------------- start

async function boot() {
  wireHeader();
  wirePairing();
  wireTokenEntry();
  wireContest();
  wireReview();
  wireInactivity();
  history.replaceState(null, "", location.pathname + location.search);
  // Clicking on empty space on the idle screen puts the focus back into the code input.
  document.addEventListener("click", (ev) => {
    if (screen === "screen-idle" && !ev.target.closest("button, input, textarea, select, a, label, dialog")) focusTokenInput();
  });
  await connect();
}

async function connect() {
  const s = await restoreSession();
  if (s?.role === "kiosk") {
    setKioskName(s.username);
    reset();
    return;
  }
  if (s) {
    showPairing([`此浏览器已用 “${s.username}” (${s.role}) 登录, 不是投票机。请输入配对码把它配对为投票机。`,
      `This browser is signed in as “${s.username}” (${s.role}), not as a kiosk. Enter a pairing code to pair it as a kiosk.`]);
    return;
  }
  // No session, or no server: tell the two apart before asking for a pairing code.
  let reachable = false;
  try {
    reachable = (await fetch("/healthz", { cache: "no-store" })).status < 500;
  } catch { /* unreachable */ }
  if (reachable) {
    showPairing();
    return;
  }
  $("#screen-loading").hidden = true;
  showKioskError(FRIENDLY.network);
  setTimeout(() => { clearKioskError(); connect(); }, 5000);
}

if (typeof document !== "undefined" && document.getElementById("screen-idle")) {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
}

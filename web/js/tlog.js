// Transparency-log verification in the browser, with no network and one dependency, the
// vendored audited noble bundle (./vendor/noble.js, see vendor/README.md):
//
// * RFC 6962 / RFC 9162 Merkle hashing, inclusion proofs (RFC 9162 §2.1.3.2) and consistency
//   proofs (§2.1.4.2), mirroring src/record/merkle.rs step by step;
// * C2SP signed notes and checkpoints (c2sp.org/signed-note, c2sp.org/tlog-checkpoint),
//   mirroring src/record/note.rs: verifier keys "name+keyid+base64(0x01 || public key)",
//   key ID = first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key), signature lines
//   "— name base64(key ID || signature)" over the note text;
// * SHA-256 with WebCrypto, or with @noble/hashes where the page has no `crypto.subtle` (a
//   page served over plain HTTP to another machine);
// * Ed25519 verification with the semantics of ed25519-dalek's `verify_strict`, which the
//   server uses: canonical encodings of A and R, S < L, neither A nor R of small order, and
//   the cofactorless equation encode([S]B - [k]A) == R. WebCrypto verifies when the browser
//   has Ed25519 there (and noble's point API makes the canonical, small-order and S < L
//   checks too, which not every WebCrypto makes); otherwise @noble/curves' ed25519 does
//   (RFC 8032 strict decoding, `zip215: false`, plus those checks and the cofactorless
//   equation with noble's point API: no field arithmetic is written here). Public keys are
//   also checked as the server checks them (canonical, not of small order);
// * receipt codes "R<index>-<Crockford base32 of the first 10 bytes of the entry hash>".
//
// Sizes and indices are BigInt (a u64 does not fit a JS number, and JS bit operators are
// 32-bit). Every failure throws a TlogError with a stable `code`, a Chinese and an English
// sentence, and the values involved.

import { ed25519, sha256 as nobleSha256, sha512 as nobleSha512, bytesToNumberLE, numberToBytesLE, mod } from "./vendor/noble.js";

export class TlogError extends Error {
  constructor(code, zh, en, details = {}) {
    super(en);
    this.name = "TlogError";
    this.code = code;
    this.zh = zh;
    this.en = en;
    this.details = details;
  }
}

const fail = (code, zh, en, details) => { throw new TlogError(code, zh, en, details); };

// ------------------------------------------------------------------ bytes

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8(text) {
  return encoder.encode(text);
}

/** Concatenates byte arrays (or arrays of numbers). */
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

export function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Strict hex (even length, digits only) to bytes; `length` (if given) is required. */
export function hexToBytes(hex, length) {
  if (typeof hex !== "string" || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    fail("bad_hex", `“${excerpt(hex)}” 不是十六进制`, `"${excerpt(hex)}" is not hexadecimal`, { hex });
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  if (length !== undefined && out.length !== length) {
    fail("bad_hex_length", `“${excerpt(hex)}” 应为 ${length} 字节`, `"${excerpt(hex)}" must be ${length} bytes`, { hex, length });
  }
  return out;
}

export function bytesToBase64(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Padded standard base64 to bytes, strictly (canonical trailing bits); null if invalid. */
export function base64ToBytes(text) {
  if (typeof text !== "string" || !BASE64_RE.test(text)) return null;
  let raw;
  try { raw = atob(text); } catch { return null; }
  const out = Uint8Array.from(raw, (c) => c.charCodeAt(0));
  return bytesToBase64(out) === text ? out : null;
}

function excerpt(value) {
  const s = String(value ?? "");
  const chars = Array.from(s);
  return chars.length > 64 ? chars.slice(0, 64).join("") + "…" : s;
}

function toBig(value, what) {
  try {
    const v = typeof value === "bigint" ? value : BigInt(value);
    if (v < 0n || v >= 1n << 64n) throw new RangeError();
    return v;
  } catch {
    return fail("bad_number", `${what} “${excerpt(value)}” 不是 64 位无符号整数`, `${what} "${excerpt(value)}" is not an unsigned 64-bit integer`, { value });
  }
}

// ------------------------------------------------------------------ hashes

/** WebCrypto's SubtleCrypto, or null where the page has none (browsers offer it only in a
 *  secure context: https, or http to localhost). */
function subtle() {
  return (globalThis.crypto && globalThis.crypto.subtle) || null;
}

const asBytes = (bytes) => (bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes));

/** SHA-256 with WebCrypto, or with @noble/hashes where the page has no `crypto.subtle`. */
export async function sha256(bytes) {
  const s = subtle();
  if (s) return new Uint8Array(await s.digest("SHA-256", bytes));
  return nobleSha256(asBytes(bytes));
}

/** SHA-256(0x00 || entry): the leaf hash of an entry. */
export async function leafHash(entry) {
  return sha256(concat([0], entry));
}

/** SHA-256(0x01 || left || right). */
export async function nodeHash(left, right) {
  return sha256(concat([1], left, right));
}

/** SHA-256(""): the root of the empty tree. */
export async function emptyRoot() {
  return sha256(new Uint8Array(0));
}

/** MTH of RFC 6962 §2.1 over leaf hashes (split at the largest power of two below n). */
export async function rootFromLeaves(leaves) {
  if (leaves.length === 0) return emptyRoot();
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(await rootFromLeaves(leaves.slice(0, k)), await rootFromLeaves(leaves.slice(k)));
}

// ------------------------------------------------------------------ Merkle proofs

const bitLength = (v) => (v === 0n ? 0n : BigInt(v.toString(2).length));
const popCount = (v) => BigInt([...v.toString(2)].filter((c) => c === "1").length);
const trailingZeros = (v) => { let n = 0n; while (v > 0n && (v & 1n) === 0n) { v >>= 1n; n++; } return n; };
const isPowerOfTwo = (v) => v > 0n && (v & (v - 1n)) === 0n;

/** Number of hashes in a correct inclusion proof for index < size. */
export function inclusionProofLength(index, size) {
  const i = toBig(index, "index"), n = toBig(size, "size");
  const inner = bitLength(i ^ (n - 1n));
  return Number(inner + popCount(i >> inner));
}

/** Number of hashes in a correct consistency proof for 0 < old < new. */
export function consistencyProofLength(oldSize, newSize) {
  const m = toBig(oldSize, "old size"), n = toBig(newSize, "new size");
  const inner = bitLength((m - 1n) ^ (n - 1n));
  const border = popCount((m - 1n) >> inner);
  const shift = trailingZeros(m);
  const seed = isPowerOfTwo(m) ? 0n : 1n;
  return Number(seed + (inner > shift ? inner - shift : 0n) + border);
}

function proofHashes(proof) {
  return proof.map((p) => (typeof p === "string" ? hexToBytes(p, 32) : p));
}

/**
 * Verifies that `leaf` is leaf `index` of the tree of `size` leaves with root `root`
 * (RFC 9162 §2.1.3.2). Take size and root together from one signed checkpoint.
 * Proof hashes may be hex strings or byte arrays. Returns the recomputed root; throws a
 * TlogError (index_out_of_range, inclusion_proof_length, inclusion_root_mismatch).
 */
export async function verifyInclusion(leaf, index, size, proof, root) {
  const i = toBig(index, "index"), n = toBig(size, "size");
  const path = proofHashes(proof);
  if (i >= n) {
    fail("index_out_of_range", `第 ${i} 条不在大小为 ${n} 的树中`, `Leaf index ${i} is not below tree size ${n}`, { index: i, size: n });
  }
  const expected = inclusionProofLength(i, n);
  const lengthError = () => fail("inclusion_proof_length",
    `第 ${i} 条在 ${n} 条的树中的包含证明有 ${path.length} 个哈希, 应为 ${expected} 个`,
    `The inclusion proof for leaf ${i} in a tree of size ${n} has ${path.length} hashes, but exactly ${expected} are required`,
    { index: i, size: n, actual: path.length, expected });
  if (path.length !== expected) lengthError();
  let fnode = i, snode = n - 1n, r = leaf;
  for (const p of path) {
    if (snode === 0n) lengthError();
    if ((fnode & 1n) === 1n || fnode === snode) {
      r = await nodeHash(p, r);
      if ((fnode & 1n) === 0n) {
        while ((fnode & 1n) === 0n && fnode !== 0n) { fnode >>= 1n; snode >>= 1n; }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fnode >>= 1n;
    snode >>= 1n;
  }
  if (snode !== 0n) lengthError();
  if (!equalBytes(r, root)) {
    fail("inclusion_root_mismatch",
      `由第 ${i} 条及其证明算出的根哈希 ${bytesToHex(r)} 与检查点的根哈希 ${bytesToHex(root)} 不同`,
      `The inclusion proof for leaf ${i} in a tree of size ${n} yields root ${bytesToHex(r)}, but the checkpoint's root is ${bytesToHex(root)}`,
      { index: i, size: n, computed: r, expected: root });
  }
  return r;
}

/**
 * Verifies that the tree (newSize, newRoot) extends the tree (oldSize, oldRoot)
 * (RFC 9162 §2.1.4.2, with the edge cases of src/record/merkle.rs: old > new is rejected,
 * old == new needs an empty proof and equal roots, old == 0 needs an empty proof and the
 * empty root). Throws a TlogError.
 */
export async function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
  const m = toBig(oldSize, "old size"), n = toBig(newSize, "new size");
  const path = proofHashes(proof);
  if (m > n) {
    fail("sizes_out_of_order", `旧树大小 ${m} 大于新树大小 ${n}`, `Old tree size ${m} is larger than new tree size ${n}`, { oldSize: m, newSize: n });
  }
  if (m === n || m === 0n) {
    if (path.length !== 0) {
      fail("consistency_proof_length", `从 ${m} 到 ${n} 的一致性证明应为空`, `The consistency proof from ${m} to ${n} must be empty`, { oldSize: m, newSize: n, actual: path.length, expected: 0 });
    }
    const expectedOld = m === 0n ? await emptyRoot() : newRoot;
    if (!equalBytes(oldRoot, expectedOld)) {
      fail("old_root_mismatch", `大小 ${m} 的旧根哈希不符`, `The old root for size ${m} does not match`, { oldSize: m, newSize: n, computed: expectedOld, expected: oldRoot });
    }
    return;
  }
  const expected = consistencyProofLength(m, n);
  const lengthError = () => fail("consistency_proof_length",
    `从 ${m} 到 ${n} 的一致性证明有 ${path.length} 个哈希, 应为 ${expected} 个`,
    `The consistency proof from tree size ${m} to tree size ${n} has ${path.length} hashes, but exactly ${expected} are required`,
    { oldSize: m, newSize: n, actual: path.length, expected });
  if (path.length !== expected) lengthError();
  const full = isPowerOfTwo(m) ? [oldRoot, ...path] : path;
  let fnode = m - 1n, snode = n - 1n;
  while ((fnode & 1n) === 1n) { fnode >>= 1n; snode >>= 1n; }
  let fr = full[0], sr = full[0];
  for (const c of full.slice(1)) {
    if (snode === 0n) lengthError();
    if ((fnode & 1n) === 1n || fnode === snode) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if ((fnode & 1n) === 0n) {
        while ((fnode & 1n) === 0n && fnode !== 0n) { fnode >>= 1n; snode >>= 1n; }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fnode >>= 1n;
    snode >>= 1n;
  }
  if (snode !== 0n) lengthError();
  if (!equalBytes(fr, oldRoot)) {
    fail("old_root_mismatch", `一致性证明算出的旧根哈希 ${bytesToHex(fr)} 与 ${bytesToHex(oldRoot)} 不同`,
      `The consistency proof from ${m} to ${n} yields old root ${bytesToHex(fr)}, but the expected old root is ${bytesToHex(oldRoot)}`,
      { oldSize: m, newSize: n, computed: fr, expected: oldRoot });
  }
  if (!equalBytes(sr, newRoot)) {
    fail("new_root_mismatch", `一致性证明算出的新根哈希 ${bytesToHex(sr)} 与 ${bytesToHex(newRoot)} 不同`,
      `The consistency proof from ${m} to ${n} yields new root ${bytesToHex(sr)}, but the expected new root is ${bytesToHex(newRoot)}`,
      { oldSize: m, newSize: n, computed: sr, expected: newRoot });
  }
}

// ------------------------------------------------------------------ receipt codes

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** Crockford base32 (no padding, most significant bits first) of bytes. */
export function crockford(bytes) {
  let out = "", acc = 0, bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += CROCKFORD[(acc >> bits) & 31];
    }
  }
  if (bits > 0) out += CROCKFORD[(acc << (5 - bits)) & 31];
  return out;
}

/** The receipt code R<index>-<Crockford base32 of hash[0..10]> (src/tokens/mod.rs). */
export function receiptCode(index, hash) {
  return `R${toBig(index, "index")}-${crockford(hash.slice(0, 10))}`;
}

/**
 * Reads a typed receipt code: trims, drops spaces, upper-cases, maps the letters a person may
 * confuse (O → 0, I and L → 1) and drops leading zeros of the index. Returns
 * {code, index (BigInt), hashPart}, or null when it is not R<digits>-<16 Crockford characters>.
 */
export function parseReceiptCode(text) {
  const code = String(text ?? "").replace(/\s+/g, "").toUpperCase().replace(/[‐‑‒–—―－]/g, "-");
  const m = /^R(\d{1,20})-([0-9A-Z]{16})$/.exec(code);
  if (!m) return null;
  const hashPart = m[2].replace(/O/g, "0").replace(/[IL]/g, "1");
  if (![...hashPart].every((c) => CROCKFORD.includes(c))) return null;
  const index = BigInt(m[1]);
  if (index >= 1n << 64n) return null;
  return { code: `R${index}-${hashPart}`, index, hashPart };
}

// ------------------------------------------------------------------ Ed25519

// Every point and scalar operation here is @noble/curves' (ed25519.Point); none is written here.
const Point = ed25519.Point;
const L = Point.Fn.ORDER;

/** RFC 8032 §5.1.3 strict decoding (y < p; x = 0 only with sign bit 0); null if not a point. */
function decodeStrict(bytes) {
  try {
    return Point.fromBytes(asBytes(bytes), false);
  } catch {
    return null;
  }
}

/**
 * Why a 32-byte Ed25519 public key is unusable ("not_on_curve", "not_canonical",
 * "small_order"), or null when it is fine. Mirrors check_public_key in note/keys.rs: a key
 * whose bytes decode only leniently (y ≥ p, or x = 0 with the sign bit set, as
 * curve25519-dalek decompresses them) is "not canonical".
 */
export function ed25519KeyProblem(publicKey) {
  if (!publicKey || publicKey.length !== 32) return "not_on_curve";
  let point;
  try {
    point = Point.fromBytes(asBytes(publicKey), true); // ZIP 215: any y below 2^255
  } catch {
    return "not_on_curve";
  }
  if (!equalBytes(point.toBytes(), publicKey) || !decodeStrict(publicKey)) return "not_canonical";
  if (point.isSmallOrder()) return "small_order";
  return null;
}

/**
 * The checks of ed25519-dalek's `verify_strict` that WebCrypto implementations do not all
 * make: A and R canonical points not of small order, S < L. Returns the parts {a, r, s}
 * (points A and R, scalar S), or null when a check fails.
 */
function strictParts(publicKey, signature) {
  if (!publicKey || !signature || publicKey.length !== 32 || signature.length !== 64) return null;
  const a = decodeStrict(publicKey);
  const r = decodeStrict(signature.subarray(0, 32));
  if (!a || !r || a.isSmallOrder() || r.isSmallOrder()) return null;
  const s = bytesToNumberLE(signature.subarray(32, 64));
  if (s >= L) return null;
  return { a, r, s };
}

/**
 * Ed25519 verification with @noble/curves, as strict as ed25519-dalek's `verify_strict`:
 * noble's RFC 8032 verification (`zip215: false`: canonical encodings, S < L, A not of small
 * order, the cofactored equation), R not of small order either, and the cofactorless equation
 * encode([S]B - [k]A) == R with k = SHA-512(R || A || M) mod L, all with noble's point API.
 */
export async function ed25519VerifyFallback(publicKey, message, signature) {
  const pk = asBytes(publicKey ?? []), msg = asBytes(message ?? []), sig = asBytes(signature ?? []);
  const parts = strictParts(pk, sig);
  if (!parts) return false;
  let ok;
  try {
    ok = ed25519.verify(sig, msg, pk, { zip215: false });
  } catch {
    return false;
  }
  if (!ok) return false;
  const rBytes = sig.subarray(0, 32);
  const k = mod(bytesToNumberLE(nobleSha512(concat(rBytes, pk, msg))), L);
  const expected = Point.BASE.multiplyUnsafe(parts.s).subtract(parts.a.multiplyUnsafe(k));
  return equalBytes(expected.toBytes(), rBytes);
}

let webCryptoEd25519; // undefined: not probed yet; true / false afterwards

/** Ed25519 with WebCrypto; null when the page has no WebCrypto or it has no Ed25519. */
async function ed25519VerifyWebCrypto(publicKey, message, signature) {
  const s = subtle();
  if (!s || webCryptoEd25519 === false) return null;
  let key;
  try {
    key = await s.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
  } catch (err) {
    if (err && err.name === "NotSupportedError") {
      webCryptoEd25519 = false;
      return null;
    }
    return false; // the browser refuses this key: not a valid Ed25519 public key
  }
  webCryptoEd25519 = true;
  try {
    return await s.verify({ name: "Ed25519" }, key, signature, message);
  } catch {
    return false;
  }
}

/**
 * Verifies an Ed25519 signature: WebCrypto when the browser has it (and the checks of
 * `verify_strict` it may not make pass), otherwise @noble/curves (ed25519VerifyFallback).
 * Resolves to {ok, engine: "webcrypto" | "builtin"}.
 */
export async function ed25519Verify(publicKey, message, signature) {
  const viaWebCrypto = await ed25519VerifyWebCrypto(publicKey, message, signature);
  if (viaWebCrypto !== null) {
    // A browser's Ed25519 may use the cofactored equation, which takes a mixed-order R that
    // verify_strict refuses: what WebCrypto accepts must also pass the strict check.
    return { ok: viaWebCrypto === true && await ed25519VerifyFallback(publicKey, message, signature), engine: "webcrypto" };
  }
  return { ok: await ed25519VerifyFallback(publicKey, message, signature), engine: "builtin" };
}

// ------------------------------------------------------------------ signed notes

const NOTE_BYTES_MAX = 1 << 20;
const SIGNATURES_MAX = 100;
const SIGNATURE_PREFIX = "\u2014 ";
// Rust's char::is_whitespace (Unicode White_Space), '+', and ASCII control characters.
const BAD_NAME_CHAR = /[\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000+\u0000-\u001f\u007f]/u;

export function isValidKeyName(name) {
  return typeof name === "string" && name.length > 0 && !BAD_NAME_CHAR.test(name);
}

/** First 4 bytes, big-endian, of SHA-256(name || 0x0A || key material incl. its type byte). */
export async function keyId(name, material) {
  const digest = await sha256(concat(utf8(name), [0x0a], material));
  return ((digest[0] << 24) | (digest[1] << 16) | (digest[2] << 8) | digest[3]) >>> 0;
}

export const keyIdHex = (id) => id.toString(16).padStart(8, "0");

/**
 * Parses a verifier key "name+keyid+base64(0x01 || public key)" and checks its key ID and
 * public key (Go note.NewVerifier; Verifier::parse in note.rs). Resolves to
 * {name, keyId, publicKey, text}; throws a TlogError (key_malformed, key_id_mismatch,
 * key_type, key_invalid).
 */
export async function parseVerifierKey(text) {
  const malformed = (zh, en) => fail("key_malformed", `公钥文本格式不对: ${zh}`, `The verifier key text is malformed: ${en}`, { text });
  if (typeof text !== "string") malformed("不是文本", "it is not text");
  const first = text.indexOf("+");
  if (first < 0) malformed("钥名后没有 '+'", "it has no '+' after the key name");
  const second = text.indexOf("+", first + 1);
  if (second < 0) malformed("密钥 ID 后没有 '+'", "it has no '+' after the key ID");
  const name = text.slice(0, first), idHex = text.slice(first + 1, second), b64 = text.slice(second + 1);
  if (!isValidKeyName(name)) {
    fail("key_malformed", `钥名 “${excerpt(name)}” 无效`, `The key name "${excerpt(name)}" is invalid`, { text });
  }
  if (!/^[0-9a-fA-F]{8}$/.test(idHex)) malformed("密钥 ID 不是 8 位十六进制数", "the key ID is not exactly 8 hexadecimal digits");
  const material = base64ToBytes(b64);
  if (!material) malformed("密钥不是标准 base64", "the key material is not padded standard base64");
  if (material.length === 0) malformed("密钥为空", "the key material is empty");
  const stated = parseInt(idHex, 16) >>> 0;
  const computed = await keyId(name, material);
  if (stated !== computed) {
    fail("key_id_mismatch",
      `公钥 ${name} 标注的密钥 ID ${keyIdHex(stated)} 与由公钥算出的 ${keyIdHex(computed)} 不符`,
      `The key ID ${keyIdHex(stated)} written for key ${name} does not match the key ID ${keyIdHex(computed)} computed from its public key`,
      { name, stated, computed });
  }
  if (material[0] !== 0x01) {
    fail("key_type", `公钥 ${name} 不是 Ed25519 密钥 (类型 ${material[0]})`, `Key ${name} uses signature type ${material[0]}, but only Ed25519 (1) is supported`, { name });
  }
  if (material.length !== 33) malformed("Ed25519 公钥必须恰好 32 字节", "an Ed25519 key must be exactly 32 bytes");
  const publicKey = material.slice(1);
  const problem = ed25519KeyProblem(publicKey);
  if (problem) {
    const why = { not_on_curve: ["不在曲线上", "it is not a point on the curve"], not_canonical: ["编码不规范", "its encoding is not canonical"], small_order: ["阶太小", "it has small order"] }[problem];
    fail("key_invalid", `公钥 ${name} 不可用: ${why[0]}`, `The public key of ${name} is not a usable Ed25519 key: ${why[1]}`, { name, problem });
  }
  return { name, keyId: stated, publicKey, text };
}

function checkControlCharacters(text) {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) {
      fail("note_control_character", `文本第 ${i} 个字符是控制字符 U+${c.toString(16).padStart(4, "0").toUpperCase()}`,
        `The note contains the control character U+${c.toString(16).padStart(4, "0").toUpperCase()} at offset ${i}`, { offset: i });
    }
  }
}

/**
 * Parses a signed note without verifying it (Note::parse in note.rs). Resolves to
 * {text, signatures: [{name, keyId, signature}]}; throws a TlogError (note_malformed …).
 */
export function parseNote(message) {
  if (typeof message !== "string") fail("note_malformed", "签名文本不是文本", "The note is not text");
  if (utf8(message).length > NOTE_BYTES_MAX) {
    fail("note_too_large", "签名文本过长", `The note exceeds ${NOTE_BYTES_MAX} bytes`);
  }
  checkControlCharacters(message);
  const split = message.lastIndexOf("\n\n");
  if (split < 0) fail("note_malformed", "签名文本没有空行分隔正文与签名", "The note has no blank line separating its text from its signature lines");
  const text = message.slice(0, split + 1);
  let block = message.slice(split + 2);
  if (block === "") fail("note_malformed", "签名文本没有签名行", "The note has no signature lines");
  if (!block.endsWith("\n")) fail("note_malformed", "最后一行签名没有换行结尾", "The last signature line of the note does not end with a newline");
  block = block.slice(0, -1);
  const lines = block.split("\n");
  if (lines.length > SIGNATURES_MAX) {
    fail("note_malformed", `签名多于 ${SIGNATURES_MAX} 个`, `The note has ${lines.length} signatures, which exceeds the limit of ${SIGNATURES_MAX}`);
  }
  const signatures = lines.map((line, i) => {
    const bad = (zh, en) => fail("note_malformed", `第 ${i + 1} 行签名格式不对: ${zh}`, `Signature line ${i + 1} of the note is malformed: ${en}`, { line: i + 1 });
    if (!line.startsWith(SIGNATURE_PREFIX)) bad("不以破折号和空格开头", "it does not start with an em dash and a space");
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(" ");
    if (space < 0) bad("钥名与签名之间没有空格", "it has no space between key name and signature");
    const name = rest.slice(0, space);
    if (!isValidKeyName(name)) bad("钥名无效", "the key name is empty or contains a space, plus sign or control character");
    const blob = base64ToBytes(rest.slice(space + 1));
    if (!blob) bad("签名不是标准 base64", "the signature is not padded standard base64");
    if (blob.length <= 4) bad("签名太短", "the signature is too short to hold a key ID and signature bytes");
    const id = ((blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3]) >>> 0;
    return { name, keyId: id, signature: blob.slice(4) };
  });
  return { text, signatures };
}

/**
 * Verifies a signed note against known verifier keys (from parseVerifierKey), with the
 * signed-note rules of note.rs `verify`: signatures by unknown keys are ignored, every
 * signature by a known key must verify, and at least one must. Resolves to
 * {note, verified: [names], engine}; throws a TlogError (note_malformed, ambiguous_key,
 * bad_signature, no_known_signature).
 */
export async function verifyNote(message, verifiers) {
  const note = parseNote(message);
  const verified = [];
  let engine = null;
  for (const sig of note.signatures) {
    const matching = verifiers.filter((v) => v.name === sig.name && v.keyId === sig.keyId);
    if (matching.length === 0) continue;
    if (matching.length > 1) {
      fail("ambiguous_key", `密钥 ${sig.name}+${keyIdHex(sig.keyId)} 给了不止一次`, `More than one verifier was given for key ${sig.name}+${keyIdHex(sig.keyId)}`, { name: sig.name });
    }
    const result = await ed25519Verify(matching[0].publicKey, utf8(note.text), sig.signature);
    engine = result.engine;
    if (!result.ok) {
      fail("bad_signature", `密钥 ${sig.name}+${keyIdHex(sig.keyId)} 的签名验证不通过`, `The signature by known key ${sig.name}+${keyIdHex(sig.keyId)} does not verify`, { name: sig.name, keyId: sig.keyId });
    }
    if (!verified.includes(sig.name)) verified.push(sig.name);
  }
  if (verified.length === 0) {
    fail("no_known_signature",
      `签名文本上的 ${note.signatures.length} 个签名都不是所给密钥 (${verifiers.map((v) => `${v.name}+${keyIdHex(v.keyId)}`).join(", ")}) 签的`,
      `None of the note's ${note.signatures.length} signatures is by the given key (${verifiers.map((v) => `${v.name}+${keyIdHex(v.keyId)}`).join(", ")})`,
      { signatures: note.signatures.map((s) => `${s.name}+${keyIdHex(s.keyId)}`) });
  }
  return { note, verified, engine };
}

// ------------------------------------------------------------------ checkpoints

/**
 * Parses checkpoint text (the note text: origin, size, base64 root, extension lines), as
 * strictly as Checkpoint::parse in note.rs. Resolves to {origin, size (BigInt), root,
 * extensions}; throws a TlogError (checkpoint_malformed).
 */
export function parseCheckpoint(text) {
  const bad = (zh, en, details) => fail("checkpoint_malformed", `检查点格式不对: ${zh}`, `The checkpoint is malformed: ${en}`, details);
  checkControlCharacters(text);
  if (!text.endsWith("\n")) bad("没有以换行结尾", "its text does not end with a newline");
  const lines = text.slice(0, -1).split("\n");
  const empty = lines.findIndex((l) => l === "");
  if (empty >= 0) bad(`第 ${empty + 1} 行为空`, `line ${empty + 1} is empty`);
  if (lines.length < 3) bad(`只有 ${lines.length} 行, 至少需要 3 行`, `it has ${lines.length} lines, but at least 3 (origin, size, root) are required`);
  const [origin, sizeLine, rootLine, ...extensions] = lines;
  if (!/^[0-9]+$/.test(sizeLine)) bad(`树大小 “${excerpt(sizeLine)}” 不是十进制数`, `the tree size "${excerpt(sizeLine)}" must consist of decimal digits only`);
  if (sizeLine.length > 1 && sizeLine.startsWith("0")) bad(`树大小 “${excerpt(sizeLine)}” 有前导零`, `the tree size "${excerpt(sizeLine)}" has a leading zero`);
  const size = BigInt(sizeLine);
  if (size >= 1n << 64n) bad(`树大小 “${excerpt(sizeLine)}” 超出 64 位`, `the tree size "${excerpt(sizeLine)}" does not fit in 64 bits`);
  const root = base64ToBytes(rootLine);
  if (!root || root.length !== 32) bad(`根哈希 “${excerpt(rootLine)}” 不是 32 字节的标准 base64`, `the root "${excerpt(rootLine)}" must be exactly 32 bytes in padded standard base64`);
  return { origin, size, root, extensions };
}

/**
 * Opens a signed checkpoint: verifies the note against the log key (a verifier key text or a
 * parsed key) and parses the checkpoint. With `expectedOrigin`, also requires the
 * checkpoint's origin and the log key's name to equal it. Resolves to
 * {checkpoint, note, key, engine}; throws a TlogError (the errors above and origin_mismatch).
 */
export async function openCheckpoint(noteText, logKey, expectedOrigin) {
  const key = typeof logKey === "string" ? await parseVerifierKey(logKey) : logKey;
  const { note, engine } = await verifyNote(noteText, [key]);
  const checkpoint = parseCheckpoint(note.text);
  if (expectedOrigin !== undefined) checkOrigin(checkpoint, key, expectedOrigin);
  return { checkpoint, note, key, engine };
}

/** Requires the checkpoint origin and the log key name to be the election's origin. */
export function checkOrigin(checkpoint, key, expectedOrigin) {
  if (checkpoint.origin !== expectedOrigin) {
    fail("origin_mismatch", `检查点属于 “${excerpt(checkpoint.origin)}”, 不是本选举的日志 “${excerpt(expectedOrigin)}”`,
      `The checkpoint is for "${excerpt(checkpoint.origin)}", not this election's log "${excerpt(expectedOrigin)}"`, { origin: checkpoint.origin, expectedOrigin });
  }
  if (key.name !== expectedOrigin) {
    fail("origin_mismatch", `日志密钥名 “${excerpt(key.name)}” 不是本选举的日志 “${excerpt(expectedOrigin)}”`,
      `The log key is named "${excerpt(key.name)}", not after this election's log "${excerpt(expectedOrigin)}"`, { name: key.name, expectedOrigin });
  }
}

// ------------------------------------------------------------------ self-test

// Vectors from docs/LOG_FORMAT.md, the RFC 6962 reference test data (as in
// src/record/merkle.rs) and golang.org/x/mod/sumdb/note (as in src/record/note.rs).
const VECTORS = {
  ctLeaves: ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"],
  ctRoots: [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  ],
  inclusion: [
    [0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]],
    [5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]],
    [2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]],
    [1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]],
  ],
  consistency: [
    [1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]],
    [6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]],
    [2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]],
    [6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]],
  ],
  electionId: "example-2026",
  genesis: "0c64806f65daee10df8b09e72ec6ac2a79b7ad14429c5358db820e7de356f3c2",
  entry: "01020c64806f65daee10df8b09e72ec6ac2a79b7ad14429c5358db820e7de356f3c2000000107b22636f6e74657374223a226431227d",
  entryHash: "3253aacd0b5f40d9c01e457f18d9a35567c3e860a2671a8c0ac3a0efe26681ca",
  logKey: "scrutineer/example-2026+90b1e9c4+AYqI4910CfGV/VLbLTy6XXLKZwm/HZQSG/N0iAG0D29c",
  checkpoint: "scrutineer/example-2026\n1\nMlOqzQtfQNnAHkV/GNmjVWfD6GCiZxqMCsOg7+Jmgco=\n\n\u2014 scrutineer/example-2026 kLHpxAfi/oS1UsEHwLXwIG2chpfErElkgGrpTEKFw3giwo89cfItMoMMCP1K1gIypHDVL0rQzrkZJdblHMbTz8bxeQY=\n",
  // Receipt for entry 4 with hash 066f512f… (computed independently of this module).
  receipt: ["066f512f93b4f909e46aa65bf58fdc64d8fdc70b9e12a7c09bb86d552087af3f", 4, "R4-0SQN2BWKPKWGKS3A"],
  goKey: "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
  // The signer key of that example (base64 of 0x01 || seed): a published test key.
  goSecretKey: "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
  goNote: "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
};

async function rejects(promise, code) {
  try {
    await promise;
  } catch (err) {
    const codes = Array.isArray(code) ? code : [code];
    if (err instanceof TlogError && codes.includes(err.code)) return true;
    throw new Error(`expected ${codes.join(" or ")}, got ${err && (err.code || err.message)}`);
  }
  throw new Error(`expected ${code}, but it was accepted`);
}

/**
 * Runs this module against the documented vectors. Resolves to a list of
 * {name (English), zh (Chinese), ok, detail}; never throws.
 */
export async function selfTest() {
  const results = [];
  const check = async ([zh, name], fn) => {
    try {
      const detail = await fn();
      results.push({ name, zh, ok: true, detail: detail || "" });
    } catch (err) {
      results.push({ name, zh, ok: false, detail: err && (err.message || String(err)) });
    }
  };
  const V = VECTORS;
  const leaves = await Promise.all(V.ctLeaves.map((l) => leafHash(hexToBytes(l))));
  const expectEqual = (got, want, what) => {
    if (bytesToHex(got) !== want) throw new Error(`${what}: got ${bytesToHex(got)}, want ${want}`);
    return want.slice(0, 16) + "…";
  };

  await check(["RFC 6962 七叶树的根哈希 (LOG_FORMAT.md)", "RFC 6962 7-leaf root (LOG_FORMAT.md)"], async () => expectEqual(await rootFromLeaves(leaves.slice(0, 7)), V.ctRoots[6], "root"));
  await check(["RFC 6962 1 至 8 叶的根哈希", "RFC 6962 roots of 1..8 leaves"], async () => {
    for (let n = 1; n <= 8; n++) expectEqual(await rootFromLeaves(leaves.slice(0, n)), V.ctRoots[n - 1], `root of ${n}`);
    expectEqual(await emptyRoot(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty root");
    return "8 roots";
  });
  await check(["RFC 9162 包含证明 (篡改后不通过)", "RFC 9162 inclusion proofs (and tampered ones fail)"], async () => {
    for (const [index, size, proof] of V.inclusion) {
      const root = hexToBytes(V.ctRoots[size - 1]);
      await verifyInclusion(leaves[index], index, size, proof, root);
      const bad = proof.map((h) => hexToBytes(h));
      bad[0][0] ^= 1;
      await rejects(verifyInclusion(leaves[index], index, size, bad, root), "inclusion_root_mismatch");
      await rejects(verifyInclusion(leaves[index], index, size, proof.slice(1), root), "inclusion_proof_length");
      await rejects(verifyInclusion(leaves[index], size, size, proof, root), "index_out_of_range");
    }
    await verifyInclusion(leaves[0], 0, 1, [], leaves[0]);
    return `${V.inclusion.length + 1} proofs`;
  });
  await check(["RFC 9162 一致性证明 (篡改后不通过)", "RFC 9162 consistency proofs (and tampered ones fail)"], async () => {
    for (const [m, n, proof] of V.consistency) {
      const oldRoot = hexToBytes(V.ctRoots[m - 1]), newRoot = hexToBytes(V.ctRoots[n - 1]);
      await verifyConsistency(m, n, oldRoot, newRoot, proof);
      const bad = proof.map((h) => hexToBytes(h));
      bad[bad.length - 1][31] ^= 0x80;
      await rejects(verifyConsistency(m, n, oldRoot, newRoot, bad), ["old_root_mismatch", "new_root_mismatch"]);
      await rejects(verifyConsistency(m, n, oldRoot, newRoot, proof.slice(0, -1)), "consistency_proof_length");
      await rejects(verifyConsistency(n, m, newRoot, oldRoot, proof), "sizes_out_of_order");
    }
    await verifyConsistency(1, 1, hexToBytes(V.ctRoots[0]), hexToBytes(V.ctRoots[0]), []);
    await verifyConsistency(0, 5, await emptyRoot(), hexToBytes(V.ctRoots[4]), []);
    return `${V.consistency.length + 2} proofs`;
  });
  await check(["记录哈希与创世值 (LOG_FORMAT.md)", "Entry hash and genesis (LOG_FORMAT.md)"], async () => {
    expectEqual(await sha256(concat(utf8("scrutineer.genesis/v1\0"), utf8(V.electionId))), V.genesis, "genesis");
    return expectEqual(await leafHash(hexToBytes(V.entry)), V.entryHash, "entry hash");
  });
  await check(["日志密钥文本与密钥 ID (LOG_FORMAT.md)", "Log key text and key ID (LOG_FORMAT.md)"], async () => {
    const key = await parseVerifierKey(V.logKey);
    if (key.name !== "scrutineer/example-2026" || keyIdHex(key.keyId) !== "90b1e9c4") throw new Error("wrong name or key ID");
    await rejects(parseVerifierKey(V.logKey.replace("+90b1e9c4+", "+90b1e9c5+")), "key_id_mismatch");
    return `${key.name}+${keyIdHex(key.keyId)}`;
  });
  await check(["日志密钥签名的检查点 (LOG_FORMAT.md)", "Checkpoint signed by the log key (LOG_FORMAT.md)"], async () => {
    const { checkpoint, engine } = await openCheckpoint(V.checkpoint, V.logKey, "scrutineer/example-2026");
    if (checkpoint.size !== 1n) throw new Error(`size ${checkpoint.size}`);
    expectEqual(checkpoint.root, V.entryHash, "one-entry root");
    await verifyInclusion(hexToBytes(V.entryHash), 0, checkpoint.size, [], checkpoint.root);
    await rejects(openCheckpoint(V.checkpoint.replace("\n1\n", "\n2\n"), V.logKey), "bad_signature");
    await rejects(openCheckpoint(V.checkpoint, V.goKey), "no_known_signature");
    await rejects(openCheckpoint(V.checkpoint, V.logKey, "scrutineer/other"), "origin_mismatch");
    return `size 1, Ed25519 via ${engine}`;
  });
  await check(["golang.org/x/mod/sumdb/note 的签名文本", "Signed note of golang.org/x/mod/sumdb/note"], async () => {
    const { verified } = await verifyNote(V.goNote, [await parseVerifierKey(V.goKey)]);
    return verified.join(", ");
  });
  await check(["内置 Ed25519 (noble) 与向量一致, 并拒绝不严格的签名", "Built-in Ed25519 (noble) agrees with the vectors and refuses non-strict signatures"], async () => {
    const key = await parseVerifierKey(V.logKey);
    const note = parseNote(V.checkpoint);
    const msg = utf8(note.text);
    const sig = note.signatures[0].signature;
    const accepts = (pk, m, s) => ed25519VerifyFallback(pk, m, s);
    const refuses = async (pk, m, s, what) => {
      if (await accepts(pk, m, s)) throw new Error(`${what} accepted`);
    };
    if (!(await accepts(key.publicKey, msg, sig))) throw new Error("good signature rejected");
    const goKey = await parseVerifierKey(V.goKey);
    const goNote = parseNote(V.goNote);
    if (!(await accepts(goKey.publicKey, utf8(goNote.text), goNote.signatures[0].signature))) throw new Error("signed-note vector rejected");
    const flipped = Uint8Array.from(sig);
    flipped[40] ^= 1;
    await refuses(key.publicKey, msg, flipped, "bad signature");
    await refuses(key.publicKey, utf8(note.text.replace("1", "2")), sig, "other message");
    // S + L: the same [S]B, from a scalar that is not reduced.
    const s = bytesToNumberLE(sig.subarray(32));
    await refuses(key.publicKey, msg, concat(sig.subarray(0, 32), numberToBytesLE(s + L, 32)), "S + L");
    // A small-order key (the identity): R = [x]B, S = x meets [S]B = R + [k]A for any message.
    const identity = new Uint8Array(32);
    identity[0] = 1;
    if (ed25519KeyProblem(identity) !== "small_order") throw new Error("small-order key accepted");
    const twisted = Uint8Array.from(identity);
    twisted[31] |= 0x80;
    if (ed25519KeyProblem(twisted) !== "not_canonical") throw new Error("non-canonical key accepted");
    await refuses(identity, msg, concat(Point.BASE.multiply(12345n).toBytes(), numberToBytesLE(12345n, 32)), "signature under a small-order key");
    // A small-order R (the identity) with S = k·a meets [S]B = R + [k]A; verify_strict refuses it.
    const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(base64ToBytes(V.goSecretKey).subarray(1));
    if (!equalBytes(pointBytes, goKey.publicKey)) throw new Error("the signed-note secret key does not give its public key");
    const k = mod(bytesToNumberLE(nobleSha512(concat(identity, pointBytes, msg))), L);
    await refuses(pointBytes, msg, concat(identity, numberToBytesLE(mod(k * scalar, L), 32)), "small-order R");
    return "ok";
  });
  await check(["回执码 (10 字节的 Crockford base32)", "Receipt code (Crockford base32 of 10 bytes)"], async () => {
    const [hash, index, code] = V.receipt;
    const got = receiptCode(index, hexToBytes(hash));
    if (got !== code) throw new Error(`got ${got}, want ${code}`);
    const parsed = parseReceiptCode(" r4-osqn2bwkpkwgks3a ");
    if (!parsed || parsed.code !== code || parsed.index !== 4n) throw new Error("typed code not normalised");
    if (parseReceiptCode("R4-0SQN2BWKPKWGKS3") !== null || parseReceiptCode("R4-0SQN2BWKPKWGKS3U") !== null) throw new Error("bad code accepted");
    return code;
  });
  return results;
}

// Voter-side cryptography of Scrutineer's end-to-end encrypted ballots, protocol
// `scrutineer.e2e/v1`. The byte-level specification is E2E.md of the crate
// scrutineer-e2e (cited below as "E2E.md §n"); the Rust crate is the reference
// implementation and its vector file (vectors/e2e-v1.json) is the contract: fed the
// same nonces, this module produces the same bytes (tests/e2e_js/vectors.mjs checks
// every voter-side vector).
//
// Every group and scalar operation goes through the audited noble libraries bundled
// in ./vendor/noble.js (@noble/curves ristretto255, @noble/hashes SHA-2): no field or
// curve arithmetic is written here.
//
// Secrets: the encryption nonces and the proof randomness live only in local
// variables of the functions below and in the returned opening; nothing secret is
// kept at module level and nothing is logged. The only module-level state is public:
// the fixed-base table of G and the table of the last election key used. JavaScript
// cannot zeroize BigInts and its BigInt arithmetic is not constant time (E2E.md §16);
// the prover at least performs the same sequence of group operations whatever the
// vote is (every branch of a disjunctive proof costs the same, the true branch is
// picked by a selection, never by a different computation).

import {
  ristretto255,
  ristretto255_hasher,
  pippenger,
  mod,
  bytesToNumberLE,
  numberToBytesLE,
  sha256,
  sha512,
} from "./vendor/noble.js";

const Point = ristretto255.Point;
const Fn = Point.Fn;
/** The group order ℓ = 2^252 + 27742317777372353535851937790883648493 (E2E.md §1). */
export const ORDER = Fn.ORDER;
const G = Point.BASE;
const ZERO = Point.ZERO;

/** Protocol label and domain labels (E2E.md §2). */
export const PROTOCOL = "scrutineer.e2e/v1";
export const DOMAIN = Object.freeze({
  BALLOT_CONTEXT: "scrutineer.e2e/v1/ballot-context",
  CHALLENGE: "scrutineer.e2e/v1/challenge",
  COMBINE: "scrutineer.e2e/v1/combine",
  GENERATOR: "scrutineer.e2e/v1/generator",
  KEY_FINGERPRINT: "scrutineer.e2e/v1/key-fingerprint",
});

/** Proof labels (E2E.md §6.1). */
export const LABELS = Object.freeze({
  CANDIDATE: "candidate",
  WRITE_IN_FLAG: "write-in-flag",
  WRITE_IN_NAME: "write-in-name",
  VOID: "void",
  MARKS_RANGE: "marks-range",
  AGAINST_RANGE: "against-range",
  SUBJECT: "subject",
  QUOTA_RANGE: "quota-range",
});

const FORMAT_VERSION = 0x01;
const KIND_CANDIDATE = 0x01;
const KIND_EVALUATION = 0x02;
const GRADES = 4;
const MAX_CANDIDATES = 1000;
const MAX_WRITE_IN_LINES = 16;
const MAX_SUBJECTS = 1000;
/** Largest range bound proved with one disjunction (E2E.md §6.4). */
const RANGE_DISJUNCTION_MAX = 5;
/** Maximum write-in name length in UTF-8 bytes (E2E.md §9). */
export const MAX_NAME_BYTES = 60;
const NAME_CHUNK = 30;
const NAME_MAX_COUNTER = 8192;

// ----------------------------------------------------------------------------- errors

/**
 * An error of the protocol, with the code of E2E.md §13 (`bad_length`,
 * `bad_encoding`, `identity_point`, `proof_invalid`, `invalid_shape`,
 * `invalid_plaintext`, `invalid_name`, `opening_mismatch`), the same code the Rust
 * crate reports for the same input.
 */
export class E2EError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.name = "E2EError";
    this.code = code;
  }
}

const fail = (code, message) => {
  throw new E2EError(code, message);
};

// ----------------------------------------------------------------------------- bytes

const textEncoder = new TextEncoder();
/** UTF-8 decoding that refuses invalid input and keeps a leading U+FEFF (like Rust's from_utf8). */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

const utf8 = (s) => textEncoder.encode(s);

/** The UTF-8 length of a string, in bytes (a write-in name holds at most MAX_NAME_BYTES). */
export function utf8Length(s) {
  return utf8(String(s)).length;
}

/** 4-byte big-endian encoding of a u32. */
export function u32be(x) {
  if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new RangeError("u32 expected");
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, x, false);
  return b;
}

function concatBytes(parts) {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** Lowercase hex of bytes. */
export function toHex(bytes) {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** Bytes of a hex string (even length, hex digits only). */
export function fromHex(hex) {
  if (typeof hex !== "string" || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new TypeError("hex string expected");
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function asBytes(x, what) {
  if (x instanceof Uint8Array) return x;
  if (typeof x === "string") return fromHex(x);
  throw new TypeError(`${what}: Uint8Array or hex string expected`);
}

// ----------------------------------------------------------------------------- group (E2E.md §1)

/** Canonical 32-byte encoding of a ristretto255 element (RFC 9496 §4.3.2). */
export function encodePoint(p) {
  return p.toBytes();
}

/**
 * Strict decoding of a 32-byte element (RFC 9496 §4.3.1): every non-canonical
 * encoding is `bad_encoding`, a wrong length `bad_length`.
 */
export function decodePoint(bytes, what = "group element") {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("Uint8Array expected");
  if (bytes.length !== 32) fail("bad_length", `${what} (expected 32 bytes, got ${bytes.length})`);
  try {
    return Point.fromBytes(bytes);
  } catch {
    return fail("bad_encoding", `${what} (not a canonical ristretto255 element)`);
  }
}

/** 32-byte little-endian encoding of a scalar in [0, ℓ). */
export function encodeScalar(s) {
  return numberToBytesLE(s, 32);
}

/** Strict decoding of a canonical scalar (strictly below ℓ), else `bad_encoding`. */
export function decodeScalar(bytes, what = "scalar") {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("Uint8Array expected");
  if (bytes.length !== 32) fail("bad_length", `${what} (expected 32 bytes, got ${bytes.length})`);
  const s = bytesToNumberLE(bytes);
  if (s >= ORDER) fail("bad_encoding", `${what} (scalar not reduced mod the group order)`);
  return s;
}

/** Wide reduction: 64 bytes read little-endian, reduced mod ℓ (E2E.md §1). */
export function reduceWide(bytes64) {
  if (!(bytes64 instanceof Uint8Array) || bytes64.length !== 64) {
    throw new TypeError("64 bytes expected");
  }
  return mod(bytesToNumberLE(bytes64), ORDER);
}

/** Element derivation from 64 uniform bytes (RFC 9496 §4.3.4; noble `deriveToCurve`). */
export function elementFromUniformBytes(bytes64) {
  return ristretto255_hasher.deriveToCurve(bytes64);
}

/** Independent generator `from_uniform_bytes(H(generator; label, u32be(i)))` (E2E.md §2). */
export function deriveGenerator(label, index) {
  return elementFromUniformBytes(transcriptHash(DOMAIN.GENERATOR, [label, u32be(index)]));
}

// Fixed-base tables. noble multiplies a point that has a window table
// (`precompute(W)`) by one table addition per W-bit window with a data-oblivious table
// scan (constant operation sequence); a point without one takes the fixed-window path
// (about 250 doublings and 50 additions). G is noble's own `Point.BASE` (W = 6 by
// default, raised to 8 here), whose multiplications noble also blinds (s + b·ℓ, b a
// 128-bit random); K gets a W = 8 table when it is loaded (see loadKey). Measured in
// Chromium (tests/e2e_js/bench.mjs) this more than halves the encryption time. The
// tables are built lazily on first use (a few tens of ms each); `prepare()` builds
// them in advance.
const WINDOW = 8;
const G_TABLE = G.precompute(WINDOW);

/** s·G for a scalar s in [0, ℓ) (0 gives the identity, which noble's multiply refuses). */
function mulG(s) {
  return s === 0n ? ZERO : G_TABLE.multiply(s);
}

/**
 * d·G computed as (d + 1)·G − G, so that the same operations run whether d is zero
 * or not (d = 0 is the true branch of a disjunctive proof, §6.2). (d + 1) is zero only
 * when d = ℓ − 1, where the result −G is still right.
 */
function mulGShifted(d) {
  const e = Fn.add(d, 1n);
  return (e === 0n ? ZERO : G_TABLE.multiply(e)).subtract(G);
}

/** s·G for a public scalar, as encoding. */
export function mulBase(s) {
  return mulG(s).toBytes();
}

// ----------------------------------------------------------------------------- election key

let keyCache = null; // public: { hex, point, bytes } of the last key used

/**
 * Decodes the election key K (32 bytes or hex) as the Rust `ElectionKey::from_bytes`
 * does (bad_length, bad_encoding, identity_point) and keeps a window table for it.
 */
function loadKey(keyBytes) {
  const bytes = asBytes(keyBytes, "election key");
  const hex = toHex(bytes);
  if (keyCache !== null && keyCache.hex === hex) return keyCache;
  const point = decodePoint(bytes, "election key");
  if (point.is0()) fail("identity_point", "election key");
  point.precompute(WINDOW);
  keyCache = { hex, point, bytes: Uint8Array.from(bytes) };
  return keyCache;
}

function mulK(key, s) {
  return s === 0n ? ZERO : key.point.multiply(s);
}

/**
 * Builds the fixed-base tables of G and of the election key now rather than during
 * the first encryption (a kiosk calls this when it loads the election).
 */
export function prepare(electionKeyBytes) {
  const key = loadKey(electionKeyBytes);
  G_TABLE.multiply(1n);
  key.point.multiply(1n);
}

/**
 * Election key fingerprint (E2E.md §10.6): the first 16 bytes of
 * SHA-256(u32be(33) ‖ "scrutineer.e2e/v1/key-fingerprint" ‖ u32be(32) ‖ K) as 8
 * groups of 4 lowercase hex digits joined by '-'.
 */
export function fingerprint(electionKeyBytes) {
  const key = loadKey(electionKeyBytes);
  const d = sha256(transcriptBytes(DOMAIN.KEY_FINGERPRINT, [key.bytes]));
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(toHex(d.subarray(i, i + 2)));
  return groups.join("-");
}

// ----------------------------------------------------------------------------- transcripts (E2E.md §2)

function fieldBytes(f) {
  if (typeof f === "string") return utf8(f);
  if (f instanceof Uint8Array) return f;
  if (Array.isArray(f)) return concatBytes(f.map(fieldBytes));
  throw new TypeError("transcript field: string, Uint8Array or array of them expected");
}

/**
 * Serialized transcript `F(label) ‖ F(f1) ‖ … ‖ F(fn)` with F(x) = u32be(|x|) ‖ x. A
 * field is a string (UTF-8), bytes, or an array of parts concatenated into one field.
 */
export function transcriptBytes(label, fields) {
  const parts = [];
  for (const f of [label, ...fields]) {
    const b = fieldBytes(f);
    parts.push(u32be(b.length), b);
  }
  return concatBytes(parts);
}

/** H(label; fields): SHA-512 of the transcript (64 bytes). */
export function transcriptHash(label, fields) {
  return sha512(transcriptBytes(label, fields));
}

/** Hs(label; fields): the transcript hash reduced mod ℓ. */
export function transcriptScalar(label, fields) {
  return reduceWide(transcriptHash(label, fields));
}

/**
 * Fiat–Shamir challenge of a ballot proof (E2E.md §6.1):
 * Hs(challenge; ctx, label, u32be(position), STATEMENT, COMMITMENTS), where STATEMENT
 * and COMMITMENTS are arrays of parts forming one field each.
 */
export function challengeScalar(ctx, label, position, statement, commitments) {
  return transcriptScalar(DOMAIN.CHALLENGE, [ctx, label, u32be(position), statement, commitments]);
}

/** Combination coefficient λ = Hs(combine; ctx, label, u32be(position)) (E2E.md §6.1, §6.3). */
export function combineCoefficient(ctx, label, position) {
  return transcriptScalar(DOMAIN.COMBINE, [ctx, label, u32be(position)]);
}

// ----------------------------------------------------------------------------- shapes (E2E.md §4.1)

/** Shape constructors, mirroring the Rust `ContestShape::party/npc/recommendation/evaluation`. */
export const shapes = Object.freeze({
  party: (candidates, seats, writeInLines) => ({
    kind: "candidate",
    candidates,
    max_marks: seats,
    against: true,
    write_in_lines: writeInLines,
    write_in_needs_against: true,
  }),
  npc: (candidates, seats, against, writeInLines) => ({
    kind: "candidate",
    candidates,
    max_marks: seats,
    against: !!against,
    write_in_lines: writeInLines,
    write_in_needs_against: false,
  }),
  recommendation: (candidates, maxMarks, writeInLines) => ({
    kind: "candidate",
    candidates,
    max_marks: maxMarks,
    against: false,
    write_in_lines: writeInLines,
    write_in_needs_against: false,
  }),
  evaluation: (subjects, grade0Quota = null) => ({
    kind: "evaluation",
    subjects,
    grade0_quota: grade0Quota === undefined ? null : grade0Quota,
  }),
});

function pick(obj, snake, camel) {
  return obj[snake] !== undefined ? obj[snake] : obj[camel];
}

function boolField(v, what) {
  if (typeof v !== "boolean") fail("invalid_shape", `${what} must be true or false`);
  return v;
}

function u32Field(v, what) {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) fail("invalid_shape", `${what} must be a u32`);
  return v;
}

/**
 * Reads and validates a shape object (snake_case as in the Rust crate and the vector
 * file, or camelCase): `{kind: "candidate", candidates, max_marks, against,
 * write_in_lines, write_in_needs_against}` or `{kind: "evaluation", subjects,
 * grade0_quota}` (null or absent without a quota). Limits as the Rust `validate`.
 */
export function readShape(shape) {
  if (shape === null || typeof shape !== "object") fail("invalid_shape", "shape object expected");
  if (shape.kind === "candidate") {
    const s = {
      kind: "candidate",
      n: u32Field(shape.candidates, "candidates"),
      m: u32Field(pick(shape, "max_marks", "maxMarks"), "max_marks"),
      a: boolField(shape.against, "against"),
      w: u32Field(pick(shape, "write_in_lines", "writeInLines"), "write_in_lines"),
      x: boolField(pick(shape, "write_in_needs_against", "writeInNeedsAgainst"), "write_in_needs_against"),
    };
    if (s.n === 0 || s.n > MAX_CANDIDATES) {
      fail("invalid_shape", `the number of candidates must be 1 to ${MAX_CANDIDATES}`);
    }
    if (s.w > MAX_WRITE_IN_LINES) {
      fail("invalid_shape", `at most ${MAX_WRITE_IN_LINES} write-in lines are supported`);
    }
    if (s.m === 0 || s.m > s.n + s.w) {
      fail("invalid_shape", "the number of marks must be 1 to candidates + write-in lines");
    }
    if (s.x && !s.a) {
      fail("invalid_shape", "write-ins can only need an against mark when there is an against option");
    }
    return s;
  }
  if (shape.kind === "evaluation") {
    const q = pick(shape, "grade0_quota", "grade0Quota");
    const s = {
      kind: "evaluation",
      S: u32Field(shape.subjects, "subjects"),
      q: q === null || q === undefined ? null : u32Field(q, "grade0_quota"),
    };
    if (s.S === 0 || s.S > MAX_SUBJECTS) {
      fail("invalid_shape", `the number of subjects must be 1 to ${MAX_SUBJECTS}`);
    }
    if (s.q !== null && s.q > s.S) {
      fail("invalid_shape", "the grade-0 quota cannot exceed the number of subjects");
    }
    return s;
  }
  return fail("invalid_shape", 'shape kind must be "candidate" or "evaluation"');
}

/** Shape encoding hashed into the ballot context (E2E.md §4.1). */
export function shapeBytes(shape) {
  const s = readShape(shape);
  if (s.kind === "candidate") {
    return concatBytes([
      Uint8Array.of(KIND_CANDIDATE),
      u32be(s.n),
      u32be(s.m),
      Uint8Array.of(s.a ? 1 : 0),
      u32be(s.w),
      Uint8Array.of(s.x ? 1 : 0),
    ]);
  }
  return concatBytes([
    Uint8Array.of(KIND_EVALUATION),
    u32be(s.S),
    Uint8Array.of(s.q === null ? 0 : 1),
    u32be(s.q === null ? 0 : s.q),
  ]);
}

function countCiphertexts(s) {
  return s.kind === "candidate" ? s.n * (s.a ? 2 : 1) + 3 * s.w + 1 : GRADES * s.S;
}

/** Number of ciphertexts of a contest (= number of opening nonces), E2E.md §7. */
export function ciphertextCount(shape) {
  return countCiphertexts(readShape(shape));
}

/** Length of a CDS proof with t branches (E2E.md §6.2). */
export function cdsLength(t) {
  return 128 * t - 32;
}

/**
 * Range-bit weights 1, 2, …, 2^(k−2), m − (2^(k−1) − 1), k = ⌊log₂ m⌋ + 1 (E2E.md §6.4).
 */
export function bitWeights(m) {
  if (m === 0) return [];
  let k = 1; // 2^(k−1) ≤ m < 2^k
  while (2 ** k <= m) k++;
  const w = [];
  for (let i = 0; i < k - 1; i++) w.push(2 ** i);
  w.push(m - (2 ** (k - 1) - 1));
  return w;
}

/** Range layout for bound m: `{kind: "disjunction"}` or `{kind: "bits", weights}` (E2E.md §6.4). */
export function rangeLayout(m) {
  return m <= RANGE_DISJUNCTION_MAX ? { kind: "disjunction" } : { kind: "bits", weights: bitWeights(m) };
}

/** Encoded length of a range proof for bound m (E2E.md §6.4). */
export function rangeProofLength(m) {
  const l = rangeLayout(m);
  if (l.kind === "disjunction") return cdsLength(m + 1);
  return 64 * (l.weights.length - 1) + cdsLength(2) * l.weights.length;
}

function lengthOf(s) {
  const cts = 2 + 64 * countCiphertexts(s);
  if (s.kind === "candidate") {
    let len =
      cts +
      s.n * cdsLength(s.a ? 3 : 2) +
      s.w * (cdsLength(2) + 64) +
      cdsLength(2) +
      rangeProofLength(s.m);
    if (s.a) len += rangeProofLength(s.n);
    return len;
  }
  return cts + s.S * cdsLength(GRADES + 1) + (s.q === null ? 0 : rangeProofLength(s.q));
}

/** Exact length of an encrypted contest of this shape (E2E.md §7). */
export function encryptedLength(shape) {
  return lengthOf(readShape(shape));
}

/** Exact length of an opening of this shape (E2E.md §8.4). */
export function openingLength(shape) {
  return 1 + 32 * countCiphertexts(readShape(shape));
}

// ----------------------------------------------------------------------------- context (E2E.md §4.2)

function readContext(context) {
  if (context === null || typeof context !== "object") throw new TypeError("context object expected");
  const electionId = pick(context, "election_id", "electionId");
  const contestId = pick(context, "contest_id", "contestId");
  const groupId = pick(context, "group_id", "groupId") ?? "";
  const serial = pick(context, "token_serial", "tokenSerial");
  if (typeof electionId !== "string" || typeof contestId !== "string" || typeof groupId !== "string") {
    throw new TypeError("context: electionId, contestId and groupId must be strings");
  }
  const tokenSerial = asBytes(serial, "tokenSerial");
  if (tokenSerial.length !== 16) throw new TypeError("context: tokenSerial must be 16 bytes");
  return { electionId, contestId, groupId, tokenSerial };
}

function contextHash(key, s, ci, ctsBytes) {
  return transcriptHash(DOMAIN.BALLOT_CONTEXT, [
    ci.electionId,
    ci.contestId,
    ci.groupId,
    key.bytes,
    ci.tokenSerial,
    shapeBytesOf(s),
    ctsBytes,
  ]);
}

function shapeBytesOf(s) {
  return s.kind === "candidate"
    ? shapeBytes({
        kind: "candidate",
        candidates: s.n,
        max_marks: s.m,
        against: s.a,
        write_in_lines: s.w,
        write_in_needs_against: s.x,
      })
    : shapeBytes({ kind: "evaluation", subjects: s.S, grade0_quota: s.q });
}

/**
 * Ballot context (E2E.md §4.2): H(ballot-context; election_id, contest_id, group_id,
 * K, token_serial, shape_bytes, CTS), CTS the concatenation of every ciphertext.
 */
export function ballotContext(electionKeyBytes, shape, context, ciphertextBytes) {
  const key = loadKey(electionKeyBytes);
  return contextHash(key, readShape(shape), readContext(context), asBytes(ciphertextBytes, "ciphertexts"));
}

// ----------------------------------------------------------------------------- write-in names (E2E.md §9)

// Unicode White_Space, the set Rust's `str::trim` removes (JavaScript's trim differs:
// it keeps U+0085 and removes U+FEFF).
const WS = "\\u0009-\\u000D\\u0020\\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";
const TRIM_RE = new RegExp(`^[${WS}]+|[${WS}]+$`, "g");

/** Trims Unicode White_Space at both ends, as Rust's `str::trim`. */
export function trimName(name) {
  return name.replace(TRIM_RE, "");
}

/** The client-side normalisation of a write-in name (E2E.md §4.3): trimmed, then NFC. */
export function normalizeName(name) {
  return trimName(name).normalize("NFC");
}

function validateName(name) {
  const b = utf8(name);
  if (b.length > MAX_NAME_BYTES) {
    fail("invalid_name", `it has ${b.length} UTF-8 bytes and the maximum is ${MAX_NAME_BYTES}`);
  }
  if (b.includes(0)) fail("invalid_name", "it contains the character U+0000");
  if (name.normalize("NFC") !== name) fail("invalid_name", "it is not in Unicode normalisation form NFC");
  return b;
}

/**
 * Encodes a name (already NFC) into two group elements by try-and-increment
 * (E2E.md §9). Returns `{ points, elements (32-byte encodings), counters }`.
 */
export function encodeName(name) {
  if (typeof name !== "string") throw new TypeError("name must be a string");
  const b = validateName(name);
  const data = new Uint8Array(MAX_NAME_BYTES);
  data.set(b);
  const points = [];
  const elements = [];
  const counters = [];
  for (let j = 0; j < 2; j++) {
    let found = false;
    for (let ctr = 0; ctr < NAME_MAX_COUNTER && !found; ctr++) {
      const s = new Uint8Array(32);
      s[0] = (ctr & 0x7f) << 1;
      s.set(data.subarray(NAME_CHUNK * j, NAME_CHUNK * j + NAME_CHUNK), 1);
      s[31] = ctr >> 7;
      let p = null;
      try {
        p = Point.fromBytes(s);
      } catch {
        p = null;
      }
      if (p !== null) {
        points.push(p);
        elements.push(s);
        counters.push(ctr);
        found = true;
      }
    }
    // Probability about 2^-3400 per element (E2E.md §9).
    if (!found) fail("invalid_name", "no counter yields a group element");
  }
  return { points, elements, counters };
}

/**
 * Decodes two group elements (points or 32-byte encodings) back into the name
 * (E2E.md §9); `bad_encoding` if they do not hold a name.
 */
export function decodeName(elements) {
  if (!Array.isArray(elements) || elements.length !== 2) throw new TypeError("two elements expected");
  const data = new Uint8Array(MAX_NAME_BYTES);
  for (let j = 0; j < 2; j++) {
    const e = elements[j];
    const s = e instanceof Uint8Array ? decodePoint(e, "write-in name element").toBytes() : e.toBytes();
    if (s[31] > 63) fail("bad_encoding", "write-in name element (byte 31 above 63)");
    data.set(s.subarray(1, 31), NAME_CHUNK * j);
  }
  let len = data.indexOf(0);
  if (len < 0) len = MAX_NAME_BYTES;
  for (let i = len; i < MAX_NAME_BYTES; i++) {
    if (data[i] !== 0) fail("bad_encoding", "write-in name (non-zero byte after the zero padding)");
  }
  let name;
  try {
    name = strictUtf8.decode(data.subarray(0, len));
  } catch {
    return fail("bad_encoding", "write-in name (invalid UTF-8)");
  }
  if (name.normalize("NFC") !== name) fail("bad_encoding", "write-in name (not in NFC)");
  return name;
}

// ----------------------------------------------------------------------------- plaintexts (E2E.md §4.3)

const MARKS = new Set(["abstain", "for", "against"]);

/**
 * The plaintext as it is encrypted (E2E.md §4.3, the Rust `normalized`/`validate`):
 * candidate `{marks: ["for"|"against"|"abstain", …], write_ins: [string|null, …],
 * void}` — names trimmed and NFC-normalised; voided or over-marked (Σ for + Σ flags >
 * m, or, when write-ins need an against mark, Σ flags > Σ against) becomes the void
 * ballot. A write-in entry is unused iff it is null/undefined. Evaluation
 * `{grades: [0..3|null, …]}`, more than q grade-0 entries is an error.
 */
export function normalizePlaintext(shape, plaintext) {
  return normalizeFor(readShape(shape), plaintext);
}

function normalizeFor(s, p) {
  if (p === null || typeof p !== "object") fail("invalid_plaintext", "plaintext object expected");
  if (s.kind === "candidate") {
    const marks = p.marks;
    const writeIns = pick(p, "write_ins", "writeIns");
    if (!Array.isArray(marks) || !Array.isArray(writeIns)) {
      fail("invalid_plaintext", "the plaintext kind does not match the contest shape");
    }
    if (marks.length !== s.n) fail("invalid_plaintext", `${marks.length} marks for ${s.n} candidates`);
    if (writeIns.length !== s.w) {
      fail("invalid_plaintext", `${writeIns.length} write-in entries for ${s.w} lines`);
    }
    for (const m of marks) {
      if (!MARKS.has(m)) fail("invalid_plaintext", 'a mark must be "for", "against" or "abstain"');
    }
    if (!s.a && marks.includes("against")) {
      fail("invalid_plaintext", "an against mark in a contest without an against option");
    }
    const lines = [];
    for (const w of writeIns) {
      if (w === null || w === undefined) {
        lines.push(null);
        continue;
      }
      if (typeof w !== "string") fail("invalid_plaintext", "a write-in entry must be a string or null");
      const n = normalizeName(w);
      if (n.length === 0) fail("invalid_plaintext", "a flagged write-in line with an empty name");
      validateName(n);
      lines.push(n);
    }
    const fors = marks.filter((m) => m === "for").length;
    const againsts = marks.filter((m) => m === "against").length;
    const flags = lines.filter((l) => l !== null).length;
    const over = fors + flags > s.m || (s.x && flags > againsts);
    if (p.void === true || over) {
      return { marks: marks.map(() => "abstain"), write_ins: lines.map(() => null), void: true };
    }
    return { marks: marks.slice(), write_ins: lines, void: false };
  }
  const grades = p.grades;
  if (!Array.isArray(grades)) fail("invalid_plaintext", "the plaintext kind does not match the contest shape");
  if (grades.length !== s.S) fail("invalid_plaintext", `${grades.length} grades for ${s.S} subjects`);
  const out = [];
  for (const g of grades) {
    if (g === null || g === undefined) out.push(null);
    else if (Number.isInteger(g) && g >= 0 && g < GRADES) out.push(g);
    else fail("invalid_plaintext", "a grade outside 0..3");
  }
  if (s.q !== null) {
    const n0 = out.filter((g) => g === 0).length;
    if (n0 > s.q) fail("invalid_plaintext", `${n0} subjects rated grade 0 but the quota is ${s.q}`);
  }
  return { grades: out };
}

// ----------------------------------------------------------------------------- randomness (E2E.md §3)

/** One uniform scalar: 64 bytes from crypto.getRandomValues, reduced mod ℓ. */
function randomScalar() {
  const b = new Uint8Array(64);
  globalThis.crypto.getRandomValues(b);
  const s = reduceWide(b);
  b.fill(0);
  return s;
}

/**
 * The draw function: every random value of the protocol is one scalar. A caller's
 * `nonceSource()` may return a bigint in [0, ℓ), a 32-byte canonical scalar or a
 * 64-byte block (wide-reduced), e.g. the `nonces` of a vector in order.
 */
function makeDraw(nonceSource) {
  if (nonceSource === undefined || nonceSource === null) return randomScalar;
  if (typeof nonceSource !== "function") throw new TypeError("nonceSource must be a function");
  return () => {
    const v = nonceSource();
    if (typeof v === "bigint") {
      if (v < 0n || v >= ORDER) throw new RangeError("nonceSource returned a scalar outside [0, ℓ)");
      return v;
    }
    if (v instanceof Uint8Array && v.length === 64) return reduceWide(v);
    if (v instanceof Uint8Array && v.length === 32) return decodeScalar(v, "nonce");
    throw new TypeError("nonceSource must return a bigint, 32 or 64 bytes");
  };
}

// ----------------------------------------------------------------------------- ElGamal (E2E.md §1)

/** Ciphertext record: points and the 64-byte encoding α ‖ β. */
function makeCt(alpha, beta) {
  const bytes = new Uint8Array(64);
  bytes.set(alpha.toBytes(), 0);
  bytes.set(beta.toBytes(), 32);
  return { alpha, beta, bytes };
}

/** Enc(M; r) = (r·G, M + r·K) for a message point M (exponential: M = m·G). */
function encryptPoint(key, msg, r) {
  return makeCt(mulG(r), msg.add(mulK(key, r)));
}

/** Exponential encryption of a bit: the message point is selected, not computed. */
function encryptBit(key, bit, r) {
  return encryptPoint(key, bit === 1 ? G : ZERO, r);
}

// ----------------------------------------------------------------------------- CDS prover (E2E.md §6.2)

/**
 * First move of the CDS disjunctive proof (Cramer–Damgård–Schoenmakers 1994, the
 * OR-composition of Chaum–Pedersen proofs of an encryption of zero, ElectionGuard
 * 2.0 §3.3.5), commitment form, E2E.md §6.2.
 *
 * Statement: X encrypts values[index] with nonce `witness`. Draw order: u, then
 * (c_b, z_b) for every branch (the true branch's pair is drawn and discarded).
 *
 * The simulated commitments Tα_b = z_b·G − c_b·Xα and Tβ_b = z_b·K − c_b·(Xβ − v_b·G)
 * are computed from the witness, with Xα = witness·G and Xβ = witness·K + v*·G
 * (v* = values[index]):
 *   Tα_b = s_b·G,  Tβ_b = s_b·K + d_b·G,  s_b = z_b − c_b·witness,  d_b = c_b·(v_b − v*),
 * the same group elements (hence the same bytes) with fixed-base multiplications
 * only. For the true branch s_b = u and d_b = 0, which gives Tα = u·G, Tβ = u·K; so
 * every branch runs the same three multiplications and the true one is only
 * selected (`s`), never computed differently.
 */
function cdsCommit(key, values, index, witness, draw) {
  const t = values.length;
  const u = draw();
  const simC = new Array(t);
  const simZ = new Array(t);
  for (let b = 0; b < t; b++) {
    simC[b] = draw();
    simZ[b] = draw();
  }
  const vStar = values[index];
  const commitments = [];
  for (let b = 0; b < t; b++) {
    const s = b === index ? u : Fn.sub(simZ[b], Fn.mul(simC[b], witness));
    const d = Fn.mul(simC[b], Fn.sub(values[b], vStar));
    commitments.push(mulG(s).toBytes(), mulK(key, s).add(mulGShifted(d)).toBytes());
  }
  return {
    commitments,
    /** Second move (§6.2 step 4): the encoding Tα_0‖Tβ_0‖…‖c_0‖…‖c_{t−2}‖z_0‖…‖z_{t−1}. */
    respond(c) {
      let simSum = 0n;
      for (let b = 0; b < t; b++) simSum = Fn.add(simSum, b === index ? 0n : simC[b]);
      const cReal = Fn.sub(c, simSum);
      const zReal = Fn.add(u, Fn.mul(cReal, witness));
      const parts = commitments.slice();
      for (let b = 0; b < t - 1; b++) parts.push(encodeScalar(b === index ? cReal : simC[b]));
      for (let b = 0; b < t; b++) parts.push(encodeScalar(b === index ? zReal : simZ[b]));
      return concatBytes(parts);
    },
  };
}

/** Challenge of a CDS over ciphertexts `cts` with values `values` (E2E.md §6.1). */
function cdsChallenge(ctx, label, position, cts, values, commitments) {
  return challengeScalar(
    ctx,
    label,
    position,
    [...cts.map((c) => c.bytes), ...values.map(encodeScalar)],
    commitments,
  );
}

/** Proves a CDS over ciphertexts `cts` (statement X of §6.3 given through its witness). */
function cdsProve(key, ctx, label, position, cts, values, index, witness, draw) {
  const prover = cdsCommit(key, values, index, witness, draw);
  const c = cdsChallenge(ctx, label, position, cts, values, prover.commitments);
  return prover.respond(c);
}

// ----------------------------------------------------------------------------- range prover (E2E.md §6.4)

/**
 * Range proof that E (nonce `nonce`) encrypts `value` ∈ [0, m], E2E.md §6.4:
 * m ≤ 5 one CDS over 0…m; m ≥ 6 bit ciphertexts B_0…B_{k−2} = Enc(w_t·b_t; r_t), the
 * implicit B_{k−1} = E − Σ B_t with nonce R − Σ r_t, one binary CDS per bit over
 * (0, w_t), all under one challenge. Draw order: r_0…r_{k−2}, then each bit's CDS.
 */
function rangeProve(key, ctx, label, position, m, value, nonce, draw) {
  if (!Number.isInteger(value) || value < 0 || value > m) {
    throw new Error("internal error: range value outside its bound (plaintext not normalised)");
  }
  const stmt = u32be(m);
  const layout = rangeLayout(m);
  if (layout.kind === "disjunction") {
    const values = [];
    for (let v = 0; v <= m; v++) values.push(BigInt(v));
    const prover = cdsCommit(key, values, value, nonce, draw);
    const c = challengeScalar(ctx, label, position, [stmt], prover.commitments);
    return prover.respond(c);
  }
  const w = layout.weights;
  const k = w.length;
  const top = 2 ** (k - 1);
  const high = value >= top ? 1 : 0;
  const rest = high === 1 ? value - w[k - 1] : value;
  const bits = [];
  for (let i = 0; i < k - 1; i++) bits.push(Math.floor(rest / 2 ** i) % 2);
  bits.push(high);
  const nonces = [];
  for (let i = 0; i < k - 1; i++) nonces.push(draw());
  const bitCts = [];
  let lastNonce = nonce;
  for (let i = 0; i < k - 1; i++) {
    const weightPoint = mulG(BigInt(w[i])); // public
    bitCts.push(encryptPoint(key, bits[i] === 1 ? weightPoint : ZERO, nonces[i]));
    lastNonce = Fn.sub(lastNonce, nonces[i]);
  }
  const provers = [];
  for (let i = 0; i < k; i++) {
    const values = [0n, BigInt(w[i])];
    provers.push(cdsCommit(key, values, bits[i], i + 1 < k ? nonces[i] : lastNonce, draw));
  }
  const statement = [stmt, ...bitCts.map((b) => b.bytes)];
  const commitments = provers.flatMap((p) => p.commitments);
  const c = challengeScalar(ctx, label, position, statement, commitments);
  return concatBytes([...bitCts.map((b) => b.bytes), ...provers.map((p) => p.respond(c))]);
}

// ----------------------------------------------------------------------------- encryption (E2E.md §7, §8.1)

/**
 * Encrypts one contest ballot with its proofs (E2E.md §5–§8).
 *
 * @param electionKeyBytes the election key K (32 bytes or hex)
 * @param shape the contest shape (see `readShape`, `shapes`)
 * @param context `{electionId, contestId, groupId, tokenSerial}` (tokenSerial 16 bytes)
 * @param plaintext the voter's choices (see `normalizePlaintext`); normalised here
 * @param nonceSource optional `() => scalar` (see `makeDraw`); default: crypto.getRandomValues
 * @returns `{ bytes, opening }`: the encrypted contest (§7) and its opening (§8.4:
 *   0x01 ‖ every ciphertext nonce), which reveals the vote — keep it only for a
 *   Benaloh challenge, never send it with a cast ballot. The code a voter compares is
 *   `confirmationCode` over every contest of the ballot (§8.6).
 *
 * Draw order (§8.1): one nonce per ciphertext in ciphertext order, then the proof
 * randomness proof by proof in encoding order.
 */
export function encryptContest(electionKeyBytes, shape, context, plaintext, nonceSource) {
  const key = loadKey(electionKeyBytes);
  const s = readShape(shape);
  const ci = readContext(context);
  const p = normalizeFor(s, plaintext);
  const draw = makeDraw(nonceSource);
  return s.kind === "candidate" ? encryptCandidate(key, s, ci, p, draw) : encryptEvaluation(key, s, ci, p, draw);
}

function openingBytes(nonces) {
  return concatBytes([Uint8Array.of(FORMAT_VERSION), ...nonces.map(encodeScalar)]);
}

function encryptCandidate(key, s, ci, p, draw) {
  const { n, w } = s;
  const names = p.write_ins.map((x) => encodeName(x === null ? "" : x));
  const fa = p.marks.map((m) => [m === "for" ? 1 : 0, m === "against" ? 1 : 0]);
  const flags = p.write_ins.map((x) => (x === null ? 0 : 1));
  const v = p.void ? 1 : 0;

  // 1. Ciphertexts, one nonce each, in ciphertext order (§7, §8.1).
  const nonces = [];
  const rF = [];
  const rA = [];
  const rW = [];
  const rN = [];
  const cands = [];
  for (let i = 0; i < n; i++) {
    const r = draw();
    rF.push(r);
    nonces.push(r);
    const F = encryptBit(key, fa[i][0], r);
    let A = null;
    if (s.a) {
      const ra = draw();
      rA.push(ra);
      nonces.push(ra);
      A = encryptBit(key, fa[i][1], ra);
    }
    cands.push({ F, A });
  }
  const lines = [];
  for (let j = 0; j < w; j++) {
    const rw = draw();
    nonces.push(rw);
    rW.push(rw);
    const W = encryptBit(key, flags[j], rw);
    const r0 = draw();
    nonces.push(r0);
    const N0 = encryptPoint(key, names[j].points[0], r0);
    const r1 = draw();
    nonces.push(r1);
    const N1 = encryptPoint(key, names[j].points[1], r1);
    rN.push([r0, r1]);
    lines.push({ W, N0, N1 });
  }
  const rV = draw();
  nonces.push(rV);
  const V = encryptBit(key, v, rV);

  const cts = [];
  for (const c of cands) {
    cts.push(c.F);
    if (c.A) cts.push(c.A);
  }
  for (const l of lines) cts.push(l.W, l.N0, l.N1);
  cts.push(V);
  const ctsBytes = concatBytes(cts.map((c) => c.bytes));

  // 2. Ballot context (§4.2), after every ciphertext is fixed.
  const ctx = contextHash(key, s, ci, ctsBytes);
  const proofs = [];

  // 3. Candidate proofs (§6.3): CDS over F + λ·A with values (0, 1, λ), or over F.
  for (let i = 0; i < n; i++) {
    const { F, A } = cands[i];
    if (A) {
      const lambda = combineCoefficient(ctx, LABELS.CANDIDATE, i);
      const values = [0n, 1n, lambda];
      const witness = Fn.add(rF[i], Fn.mul(lambda, rA[i]));
      const index = fa[i][0] + 2 * fa[i][1];
      proofs.push(cdsProve(key, ctx, LABELS.CANDIDATE, i, [F, A], values, index, witness, draw));
    } else {
      proofs.push(cdsProve(key, ctx, LABELS.CANDIDATE, i, [F], [0n, 1n], fa[i][0], rF[i], draw));
    }
  }

  // 4. Write-in lines: flag CDS, then the Schnorr name proof (§6.5).
  for (let j = 0; j < w; j++) {
    const { W, N0, N1 } = lines[j];
    proofs.push(cdsProve(key, ctx, LABELS.WRITE_IN_FLAG, j, [W], [0n, 1n], flags[j], rW[j], draw));
    proofs.push(nameProof(ctx, j, N0, N1, rN[j][0], rN[j][1], draw));
  }

  // 5. Void CDS.
  proofs.push(cdsProve(key, ctx, LABELS.VOID, 0, [V], [0n, 1n], v, rV, draw));

  // 6. Marks range (§5): Σ for + Σ flags + m·V ∈ [0, m].
  {
    let r = Fn.mul(BigInt(s.m), rV);
    let value = s.m * v;
    for (let i = 0; i < n; i++) {
      r = Fn.add(r, rF[i]);
      value += fa[i][0];
    }
    for (let j = 0; j < w; j++) {
      r = Fn.add(r, rW[j]);
      value += flags[j];
    }
    proofs.push(rangeProve(key, ctx, LABELS.MARKS_RANGE, 0, s.m, value, r, draw));
  }

  // 7. Against range (§5): Σ against − [x]·Σ flags + n·V ∈ [0, n].
  if (s.a) {
    let r = Fn.mul(BigInt(n), rV);
    let value = n * v;
    for (let i = 0; i < n; i++) {
      r = Fn.add(r, rA[i]);
      value += fa[i][1];
    }
    if (s.x) {
      for (let j = 0; j < w; j++) {
        r = Fn.sub(r, rW[j]);
        value -= flags[j];
      }
    }
    proofs.push(rangeProve(key, ctx, LABELS.AGAINST_RANGE, 0, n, value, r, draw));
  }

  const bytes = concatBytes([Uint8Array.of(FORMAT_VERSION, KIND_CANDIDATE), ctsBytes, ...proofs]);
  return { bytes, opening: openingBytes(nonces) };
}

/**
 * Write-in name proof (Schnorr 1991, commitment form), E2E.md §6.5: knowledge of
 * w = r_0 + λ'·r_1 with Y = α(N_0) + λ'·α(N_1). Encoding T ‖ z.
 */
function nameProof(ctx, j, N0, N1, r0, r1, draw) {
  const lambda = combineCoefficient(ctx, LABELS.WRITE_IN_NAME, j);
  const witness = Fn.add(r0, Fn.mul(lambda, r1));
  const u = draw();
  const T = mulG(u).toBytes();
  const c = cdsChallenge(ctx, LABELS.WRITE_IN_NAME, j, [N0, N1], [lambda], [T]);
  const z = Fn.add(u, Fn.mul(c, witness));
  return concatBytes([T, encodeScalar(z)]);
}

function encryptEvaluation(key, s, ci, p, draw) {
  const nonces = [];
  const subjects = [];
  for (const g of p.grades) {
    const row = [];
    for (let t = 0; t < GRADES; t++) {
      const r = draw();
      nonces.push(r);
      row.push(encryptBit(key, g === t ? 1 : 0, r));
    }
    subjects.push(row);
  }
  const ctsBytes = concatBytes(subjects.flat().map((c) => c.bytes));
  const ctx = contextHash(key, s, ci, ctsBytes);
  const proofs = [];
  // Subject proofs (§6.3): CDS over Σ_t λ^t·g_t with values (0, 1, λ, λ², λ³).
  p.grades.forEach((g, si) => {
    const lambda = combineCoefficient(ctx, LABELS.SUBJECT, si);
    const values = subjectValues(lambda);
    let witness = 0n;
    let pow = 1n;
    for (let t = 0; t < GRADES; t++) {
      witness = Fn.add(witness, Fn.mul(pow, nonces[GRADES * si + t]));
      pow = Fn.mul(pow, lambda);
    }
    const index = g === null ? 0 : g + 1;
    proofs.push(cdsProve(key, ctx, LABELS.SUBJECT, si, subjects[si], values, index, witness, draw));
  });
  // Quota range: Σ_s g_{s,0} ∈ [0, q].
  if (s.q !== null) {
    let r = 0n;
    let value = 0;
    p.grades.forEach((g, si) => {
      r = Fn.add(r, nonces[GRADES * si]);
      value += g === 0 ? 1 : 0;
    });
    proofs.push(rangeProve(key, ctx, LABELS.QUOTA_RANGE, 0, s.q, value, r, draw));
  }
  const bytes = concatBytes([Uint8Array.of(FORMAT_VERSION, KIND_EVALUATION), ctsBytes, ...proofs]);
  return { bytes, opening: openingBytes(nonces) };
}

function subjectValues(lambda) {
  const l2 = Fn.mul(lambda, lambda);
  return [0n, 1n, lambda, l2, Fn.mul(l2, lambda)];
}

// ----------------------------------------------------------------------------- decoding (E2E.md §7)

class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.pos = 0;
  }
  take(n) {
    if (this.pos + n > this.bytes.length) {
      fail("bad_length", `encrypted contest (expected ${this.pos + n} bytes, got ${this.bytes.length})`);
    }
    const s = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  u8() {
    return this.take(1)[0];
  }
  element(what) {
    const bytes = this.take(32);
    return { point: decodePoint(bytes, what), bytes };
  }
  scalar(what) {
    return decodeScalar(this.take(32), what);
  }
  /** A ciphertext; α must not be the identity (E2E.md §1, §7). */
  ct(what) {
    const start = this.pos;
    const a = this.element(what);
    if (a.point.is0()) fail("identity_point", `alpha of ${what}`);
    const b = this.element(what);
    return { alpha: a.point, beta: b.point, bytes: this.bytes.subarray(start, start + 64) };
  }
  cds(t, what) {
    const T = [];
    const commitments = [];
    for (let b = 0; b < t; b++) {
      const ta = this.element(what);
      const tb = this.element(what);
      T.push([ta.point, tb.point]);
      commitments.push(ta.bytes, tb.bytes);
    }
    const c = [];
    for (let b = 0; b < t - 1; b++) c.push(this.scalar(what));
    const z = [];
    for (let b = 0; b < t; b++) z.push(this.scalar(what));
    return { T, commitments, c, z };
  }
  schnorr(what) {
    const t = this.element(what);
    return { T: t.point, tBytes: t.bytes, z: this.scalar(what) };
  }
  range(m, what) {
    const l = rangeLayout(m);
    if (l.kind === "disjunction") return { bits: [], proofs: [this.cds(m + 1, what)] };
    const bits = [];
    for (let i = 0; i < l.weights.length - 1; i++) bits.push(this.ct(what));
    const proofs = [];
    for (let i = 0; i < l.weights.length; i++) proofs.push(this.cds(2, what));
    return { bits, proofs };
  }
}

/** Strict decoding for a known shape (exact length, version, kind, canonical encodings, α ≠ 0). */
function decodeContest(s, bytes) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("encrypted contest: Uint8Array expected");
  const expected = lengthOf(s);
  if (bytes.length !== expected) {
    fail("bad_length", `encrypted contest (expected ${expected} bytes, got ${bytes.length})`);
  }
  const r = new Reader(bytes);
  if (r.u8() !== FORMAT_VERSION) fail("bad_encoding", "encrypted contest (unknown format version)");
  const kind = r.u8();
  if (s.kind === "candidate") {
    if (kind !== KIND_CANDIDATE) fail("bad_encoding", "encrypted contest (wrong kind byte)");
    const cands = [];
    for (let i = 0; i < s.n; i++) {
      const F = r.ct("candidate ciphertext");
      const A = s.a ? r.ct("candidate ciphertext") : null;
      cands.push({ F, A });
    }
    const lines = [];
    for (let j = 0; j < s.w; j++) {
      const W = r.ct("write-in flag ciphertext");
      const N0 = r.ct("write-in name ciphertext");
      const N1 = r.ct("write-in name ciphertext");
      lines.push({ W, N0, N1 });
    }
    const V = r.ct("void ciphertext");
    const ctsEnd = r.pos;
    const candProofs = [];
    for (let i = 0; i < s.n; i++) candProofs.push(r.cds(s.a ? 3 : 2, "candidate proof"));
    const lineProofs = [];
    for (let j = 0; j < s.w; j++) {
      const flag = r.cds(2, "write-in flag proof");
      const name = r.schnorr("write-in name proof");
      lineProofs.push({ flag, name });
    }
    const voidProof = r.cds(2, "void proof");
    const marksRange = r.range(s.m, "marks range proof");
    const againstRange = s.a ? r.range(s.n, "against range proof") : null;
    const cts = [];
    for (const c of cands) {
      cts.push(c.F);
      if (c.A) cts.push(c.A);
    }
    for (const l of lines) cts.push(l.W, l.N0, l.N1);
    cts.push(V);
    return {
      kind: "candidate",
      cands,
      lines,
      V,
      candProofs,
      lineProofs,
      voidProof,
      marksRange,
      againstRange,
      cts,
      ctsBytes: bytes.subarray(2, ctsEnd),
    };
  }
  if (kind !== KIND_EVALUATION) fail("bad_encoding", "encrypted contest (wrong kind byte)");
  const subjects = [];
  for (let si = 0; si < s.S; si++) {
    const row = [];
    for (let t = 0; t < GRADES; t++) row.push(r.ct("grade ciphertext"));
    subjects.push(row);
  }
  const ctsEnd = r.pos;
  const subjectProofs = [];
  for (let si = 0; si < s.S; si++) subjectProofs.push(r.cds(GRADES + 1, "subject proof"));
  const quotaRange = s.q !== null ? r.range(s.q, "quota range proof") : null;
  return { kind: "evaluation", subjects, subjectProofs, quotaRange, cts: subjects.flat(), ctsBytes: bytes.subarray(2, ctsEnd) };
}

// ----------------------------------------------------------------------------- verification (E2E.md §8.2)

// Equations `g·G + k·K + mult·Σ s_i·P_i = P_t` are emitted into a sink (as the Rust
// `Sink`): BatchSink combines them with powers of a random ρ into one multiscalar
// multiplication, CheckSink evaluates each one (to name a failing proof), Recorder
// keeps the derived λ and c (for the test vectors).

class BatchSink {
  constructor() {
    let rho = 0n;
    while (rho === 0n) rho = randomScalar();
    this.rho = rho;
    this.weight = 1n;
    this.points = [];
    this.coeffs = [];
    this.g = 0n;
    this.k = 0n;
  }
  push(p) {
    this.points.push(p);
    this.coeffs.push(0n);
    return this.points.length - 1;
  }
  context() {}
  note() {}
  equation(g, k, terms, mult, t) {
    this.weight = Fn.mul(this.weight, this.rho);
    const w = this.weight;
    this.g = Fn.add(this.g, Fn.mul(w, g));
    this.k = Fn.add(this.k, Fn.mul(w, k));
    const wm = Fn.mul(w, mult);
    for (const [i, s] of terms) this.coeffs[i] = Fn.add(this.coeffs[i], Fn.mul(wm, s));
    this.coeffs[t] = Fn.sub(this.coeffs[t], w);
  }
  check(key) {
    const points = [...this.points, G, key.point];
    const scalars = [...this.coeffs, this.g, this.k];
    return pippenger(Point, points, scalars).is0();
  }
}

class CheckSink {
  constructor(key) {
    this.key = key;
    this.points = [];
    this.current = ["", 0];
    this.failed = null;
  }
  push(p) {
    this.points.push(p);
    return this.points.length - 1;
  }
  context(label, position) {
    this.current = [label, position];
  }
  note() {}
  equation(g, k, terms, mult, t) {
    if (this.failed !== null) return;
    const points = [G, this.key.point, ...terms.map(([i]) => this.points[i])];
    const scalars = [g, k, ...terms.map(([, s]) => Fn.mul(mult, s))];
    if (!pippenger(Point, points, scalars).equals(this.points[t])) this.failed = this.current;
  }
}

class Recorder {
  constructor() {
    this.n = 0;
    this.notes = [];
  }
  push() {
    return this.n++;
  }
  context() {}
  equation() {}
  note(kind, label, position, value) {
    this.notes.push({ kind, label, position, value: encodeScalar(value) });
  }
}

const single = (ct) => ({ a: [[ct[0], 1n]], b: [[ct[1], 1n]] });
const pushCt = (sink, ct) => [sink.push(ct.alpha), sink.push(ct.beta)];

/** The 2t equations (E1), (E2) of a CDS proof over X (E2E.md §6.2). */
function cdsEquations(sink, proof, x, values, c) {
  const t = values.length;
  let last = c;
  for (const cb of proof.c) last = Fn.sub(last, cb);
  for (let b = 0; b < t; b++) {
    const cb = b + 1 === t ? last : proof.c[b];
    const neg = Fn.neg(cb);
    const ta = sink.push(proof.T[b][0]);
    const tb = sink.push(proof.T[b][1]);
    const z = proof.z[b];
    sink.equation(z, 0n, x.a, neg, ta);
    sink.equation(Fn.mul(cb, values[b]), z, x.b, neg, tb);
  }
}

/** Equations of a range proof over E (E2E.md §6.4, §8.2). */
function rangeEquations(sink, ctx, label, position, proof, e, m) {
  sink.context(label, position);
  const stmt = u32be(m);
  const layout = rangeLayout(m);
  if (layout.kind === "disjunction") {
    const values = [];
    for (let v = 0; v <= m; v++) values.push(BigInt(v));
    const p = proof.proofs[0];
    const c = challengeScalar(ctx, label, position, [stmt], p.commitments);
    sink.note("c", label, position, c);
    cdsEquations(sink, p, e, values, c);
    return;
  }
  const w = layout.weights;
  const k = w.length;
  const statement = [stmt, ...proof.bits.map((b) => b.bytes)];
  const commitments = proof.proofs.flatMap((p) => p.commitments);
  const c = challengeScalar(ctx, label, position, statement, commitments);
  sink.note("c", label, position, c);
  const last = { a: e.a.slice(), b: e.b.slice() };
  const minusOne = Fn.neg(1n);
  for (let i = 0; i < k; i++) {
    const values = [0n, BigInt(w[i])];
    if (i + 1 < k) {
      const idx = pushCt(sink, proof.bits[i]);
      last.a.push([idx[0], minusOne]);
      last.b.push([idx[1], minusOne]);
      cdsEquations(sink, proof.proofs[i], single(idx), values, c);
    } else {
      cdsEquations(sink, proof.proofs[i], last, values, c);
    }
  }
}

/** Emits every equation of a decoded ballot, in the order of the Rust `emit_equations`. */
function emitEquations(key, s, ci, d, sink) {
  const ctx = contextHash(key, s, ci, d.ctsBytes);
  if (s.kind === "candidate") {
    const fIdx = [];
    const aIdx = [];
    for (const c of d.cands) {
      fIdx.push(pushCt(sink, c.F));
      aIdx.push(c.A ? pushCt(sink, c.A) : null);
    }
    const wIdx = [];
    const nIdx = [];
    for (const l of d.lines) {
      wIdx.push(pushCt(sink, l.W));
      nIdx.push([pushCt(sink, l.N0), pushCt(sink, l.N1)]);
    }
    const vIdx = pushCt(sink, d.V);
    for (let i = 0; i < s.n; i++) {
      sink.context(LABELS.CANDIDATE, i);
      const proof = d.candProofs[i];
      const { F, A } = d.cands[i];
      if (A) {
        const lambda = combineCoefficient(ctx, LABELS.CANDIDATE, i);
        const values = [0n, 1n, lambda];
        const c = cdsChallenge(ctx, LABELS.CANDIDATE, i, [F, A], values, proof.commitments);
        sink.note("lambda", LABELS.CANDIDATE, i, lambda);
        sink.note("c", LABELS.CANDIDATE, i, c);
        const x = {
          a: [[fIdx[i][0], 1n], [aIdx[i][0], lambda]],
          b: [[fIdx[i][1], 1n], [aIdx[i][1], lambda]],
        };
        cdsEquations(sink, proof, x, values, c);
      } else {
        const values = [0n, 1n];
        const c = cdsChallenge(ctx, LABELS.CANDIDATE, i, [F], values, proof.commitments);
        sink.note("c", LABELS.CANDIDATE, i, c);
        cdsEquations(sink, proof, single(fIdx[i]), values, c);
      }
    }
    for (let j = 0; j < s.w; j++) {
      const { W, N0, N1 } = d.lines[j];
      const { flag, name } = d.lineProofs[j];
      sink.context(LABELS.WRITE_IN_FLAG, j);
      const values = [0n, 1n];
      const c = cdsChallenge(ctx, LABELS.WRITE_IN_FLAG, j, [W], values, flag.commitments);
      sink.note("c", LABELS.WRITE_IN_FLAG, j, c);
      cdsEquations(sink, flag, single(wIdx[j]), values, c);

      // Schnorr name proof (§6.5): z·G − c·Y = T.
      sink.context(LABELS.WRITE_IN_NAME, j);
      const lambda = combineCoefficient(ctx, LABELS.WRITE_IN_NAME, j);
      const cn = cdsChallenge(ctx, LABELS.WRITE_IN_NAME, j, [N0, N1], [lambda], [name.tBytes]);
      sink.note("lambda", LABELS.WRITE_IN_NAME, j, lambda);
      sink.note("c", LABELS.WRITE_IN_NAME, j, cn);
      const y = [[nIdx[j][0][0], 1n], [nIdx[j][1][0], lambda]];
      const t = sink.push(name.T);
      sink.equation(name.z, 0n, y, Fn.neg(cn), t);
    }
    {
      sink.context(LABELS.VOID, 0);
      const values = [0n, 1n];
      const c = cdsChallenge(ctx, LABELS.VOID, 0, [d.V], values, d.voidProof.commitments);
      sink.note("c", LABELS.VOID, 0, c);
      cdsEquations(sink, d.voidProof, single(vIdx), values, c);
    }
    {
      // E = Σ F_i + Σ W_j + m·V (§8.2).
      const e = { a: [[vIdx[0], BigInt(s.m)]], b: [[vIdx[1], BigInt(s.m)]] };
      for (const f of fIdx) {
        e.a.push([f[0], 1n]);
        e.b.push([f[1], 1n]);
      }
      for (const wi of wIdx) {
        e.a.push([wi[0], 1n]);
        e.b.push([wi[1], 1n]);
      }
      rangeEquations(sink, ctx, LABELS.MARKS_RANGE, 0, d.marksRange, e, s.m);
    }
    if (s.a) {
      // E = Σ A_i − [x]·Σ W_j + n·V (§8.2).
      const e = { a: [[vIdx[0], BigInt(s.n)]], b: [[vIdx[1], BigInt(s.n)]] };
      for (const ai of aIdx) {
        e.a.push([ai[0], 1n]);
        e.b.push([ai[1], 1n]);
      }
      if (s.x) {
        const minusOne = Fn.neg(1n);
        for (const wi of wIdx) {
          e.a.push([wi[0], minusOne]);
          e.b.push([wi[1], minusOne]);
        }
      }
      rangeEquations(sink, ctx, LABELS.AGAINST_RANGE, 0, d.againstRange, e, s.n);
    }
    return;
  }
  const idx = d.subjects.map((row) => row.map((ct) => pushCt(sink, ct)));
  for (let si = 0; si < s.S; si++) {
    sink.context(LABELS.SUBJECT, si);
    const lambda = combineCoefficient(ctx, LABELS.SUBJECT, si);
    const values = subjectValues(lambda);
    const proof = d.subjectProofs[si];
    const c = cdsChallenge(ctx, LABELS.SUBJECT, si, d.subjects[si], values, proof.commitments);
    sink.note("lambda", LABELS.SUBJECT, si, lambda);
    sink.note("c", LABELS.SUBJECT, si, c);
    const x = { a: [], b: [] };
    let pow = 1n;
    for (let t = 0; t < GRADES; t++) {
      x.a.push([idx[si][t][0], pow]);
      x.b.push([idx[si][t][1], pow]);
      pow = Fn.mul(pow, lambda);
    }
    cdsEquations(sink, proof, x, values, c);
  }
  if (s.q !== null) {
    const e = { a: idx.map((row) => [row[0][0], 1n]), b: idx.map((row) => [row[0][1], 1n]) };
    rangeEquations(sink, ctx, LABELS.QUOTA_RANGE, 0, d.quotaRange, e, s.q);
  }
}

/**
 * Decodes and verifies one contest ballot (E2E.md §7, §8.2): one random linear
 * combination of all equations, one multiscalar multiplication. Throws an E2EError
 * with the Rust error code (`bad_length`, `bad_encoding`, `identity_point`,
 * `proof_invalid` naming the failing proof, …); returns the decoded ballot.
 */
export function checkContest(electionKeyBytes, shape, context, bytes) {
  const key = loadKey(electionKeyBytes);
  const s = readShape(shape);
  const ci = readContext(context);
  const d = decodeContest(s, asBytes(bytes, "encrypted contest"));
  const sink = new BatchSink();
  emitEquations(key, s, ci, d, sink);
  if (!sink.check(key)) {
    const check = new CheckSink(key);
    emitEquations(key, s, ci, d, check);
    const [label, pos] = check.failed ?? ["ballot proof batch", 0];
    fail("proof_invalid", check.failed ? `${label} proof at position ${pos}` : "ballot proof batch");
  }
  return d;
}

/** Single-ballot verification (E2E.md §8.2): true iff the ballot decodes and every proof holds. */
export function verifyContest(electionKeyBytes, shape, context, bytes) {
  try {
    checkContest(electionKeyBytes, shape, context, bytes);
    return true;
  } catch (e) {
    if (e instanceof E2EError) return false;
    throw e;
  }
}

/**
 * Every λ and c of a ballot in verification order, as `{kind: "lambda"|"c", label,
 * position, value (32 bytes)}` (the `derived` list of the vector file).
 */
export function derivedValues(electionKeyBytes, shape, context, bytes) {
  const key = loadKey(electionKeyBytes);
  const s = readShape(shape);
  const d = decodeContest(s, asBytes(bytes, "encrypted contest"));
  const rec = new Recorder();
  emitEquations(key, s, readContext(context), d, rec);
  return rec.notes;
}

// ----------------------------------------------------------------------------- opening (E2E.md §8.4)

function decodeOpening(s, bytes) {
  const expected = 1 + 32 * countCiphertexts(s);
  if (bytes.length !== expected) fail("bad_length", `opening (expected ${expected} bytes, got ${bytes.length})`);
  if (bytes[0] !== FORMAT_VERSION) fail("bad_encoding", "opening (unknown format version)");
  const nonces = [];
  for (let i = 1; i < bytes.length; i += 32) nonces.push(decodeScalar(bytes.subarray(i, i + 32), "opening nonce"));
  return nonces;
}

/**
 * Benaloh check of a spoiled ballot (E2E.md §8.4): verifies the ballot, recovers
 * every plaintext as β − r·K with the revealed nonces, decodes the names, re-encrypts
 * the recovered plaintext with the same nonces and requires every ciphertext to be
 * identical (`opening_mismatch` otherwise). Returns the plaintext in the form of
 * `normalizePlaintext`.
 */
export function openContest(electionKeyBytes, shape, context, bytes, openingBytesIn) {
  const key = loadKey(electionKeyBytes);
  const s = readShape(shape);
  const d = checkContest(electionKeyBytes, shape, context, bytes);
  const nz = decodeOpening(s, asBytes(openingBytesIn, "opening"));
  if (nz.length !== d.cts.length) fail("opening_mismatch", "number of ciphertexts");
  const small = (ct, r, what) => {
    const m = ct.beta.subtract(mulK(key, r));
    if (m.is0()) return 0;
    if (m.equals(G)) return 1;
    return fail("opening_mismatch", what);
  };
  let plaintext;
  if (s.kind === "candidate") {
    const stride = s.a ? 2 : 1;
    const marks = d.cands.map((c, i) => {
      const f = small(c.F, nz[i * stride], "candidate ciphertext");
      const a = c.A ? small(c.A, nz[i * stride + 1], "candidate ciphertext") : 0;
      if (f === 0 && a === 0) return "abstain";
      if (f === 1 && a === 0) return "for";
      if (f === 0 && a === 1) return "against";
      return fail("opening_mismatch", "candidate ciphertext");
    });
    const base = s.n * stride;
    const writeIns = d.lines.map((l, j) => {
      const flag = small(l.W, nz[base + 3 * j], "write-in flag ciphertext");
      const e0 = l.N0.beta.subtract(mulK(key, nz[base + 3 * j + 1]));
      const e1 = l.N1.beta.subtract(mulK(key, nz[base + 3 * j + 2]));
      let name;
      try {
        name = decodeName([e0, e1]);
      } catch (e) {
        if (e instanceof E2EError) fail("opening_mismatch", "write-in name ciphertext");
        throw e;
      }
      if (flag === 1 && name !== "") return name;
      if (flag === 0 && name === "") return null;
      return fail("opening_mismatch", "write-in line (flag and name disagree)");
    });
    const v = small(d.V, nz[base + 3 * s.w], "void ciphertext") === 1;
    plaintext = { marks, write_ins: writeIns, void: v };
  } else {
    const grades = d.subjects.map((row, si) => {
      let grade = null;
      row.forEach((ct, t) => {
        if (small(ct, nz[GRADES * si + t], "grade ciphertext") === 1) {
          if (grade !== null) fail("opening_mismatch", "grade ciphertexts");
          grade = t;
        }
      });
      return grade;
    });
    plaintext = { grades };
  }
  // Re-encrypt with the revealed nonces and compare every ciphertext.
  const re = reencrypt(key, s, plaintext, nz);
  re.forEach((ct, k) => {
    if (!bytesEqual(ct.bytes, d.cts[k].bytes)) fail("opening_mismatch", `ciphertext number ${k}`);
  });
  return plaintext;
}

function reencrypt(key, s, p, nonces) {
  let i = 0;
  const next = () => {
    if (i >= nonces.length) fail("opening_mismatch", "number of nonces");
    return nonces[i++];
  };
  const out = [];
  if (s.kind === "candidate") {
    for (const m of p.marks) {
      out.push(encryptBit(key, m === "for" ? 1 : 0, next()));
      if (s.a) out.push(encryptBit(key, m === "against" ? 1 : 0, next()));
    }
    for (const w of p.write_ins) {
      out.push(encryptBit(key, w === null ? 0 : 1, next()));
      const name = encodeName(w === null ? "" : w);
      out.push(encryptPoint(key, name.points[0], next()));
      out.push(encryptPoint(key, name.points[1], next()));
    }
    out.push(encryptBit(key, p.void ? 1 : 0, next()));
  } else {
    for (const g of p.grades) {
      for (let t = 0; t < GRADES; t++) out.push(encryptBit(key, g === t ? 1 : 0, next()));
    }
  }
  return out;
}

// ----------------------------------------------------------------------------- confirmation code (cast-or-check)

/** Domain of the confirmation hash, with its trailing NUL byte (src/record/spoiled.rs). */
const CONFIRMATION_DOMAIN = utf8("scrutineer.e2e/v1/confirmation\0");
/** One Unicode White_Space character (Rust's `char::is_whitespace`). */
const WHITE_SPACE_RE = new RegExp(`^[${WS}]$`);
/** Crockford base32: a character's index is its value. */
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function u16be(x, what) {
  if (!Number.isInteger(x) || x < 0 || x > 0xffff) throw new RangeError(`${what}: u16 expected`);
  return Uint8Array.of(x >> 8, x & 0xff);
}

/** u16be(|s|) ‖ s for a UTF-8 string of at most 65535 bytes. */
function text16(s, what) {
  if (typeof s !== "string") throw new TypeError(`${what}: string expected`);
  const b = utf8(s);
  return concatBytes([u16be(b.length, `${what} length`), b]);
}

/**
 * The code a voter compares before choosing to cast or to check an encrypted ballot:
 * hash = SHA-256("scrutineer.e2e/v1/confirmation\0" ‖ round u8 ‖ style u16be ‖ serial [16] ‖
 * count u16be ‖ per line: contest_len u16be ‖ contest ‖ group_len u16be ‖ group ‖
 * ballot_len u32be ‖ ballot), lines in the order sent; code = the first 80 bits of the hash
 * in Crockford base32, "XXXX-XXXX-XXXX-XXXX" (40 bits in the first version: a kiosk could find
 * an honest and a cheating ballot with one code in 2^20 tries a side). The openings are not
 * part of it. `lines` is
 * `[{contest, group, ballot: Uint8Array}]`; `serial` 16 bytes (or hex). Returns
 * `{hash: Uint8Array, code: string}`.
 */
export function confirmationCode({ round, style, serial, lines }) {
  if (!Number.isInteger(round) || round < 0 || round > 0xff) throw new RangeError("round: u8 expected");
  const s = asBytes(serial, "serial");
  if (s.length !== 16) throw new TypeError("serial: 16 bytes expected");
  if (!Array.isArray(lines)) throw new TypeError("lines: array expected");
  const parts = [CONFIRMATION_DOMAIN, Uint8Array.of(round), u16be(style, "style"), s, u16be(lines.length, "line count")];
  for (const l of lines) {
    const ballot = asBytes(l.ballot, "ballot");
    parts.push(text16(l.contest, "contest"), text16(l.group ?? "", "group"), u32be(ballot.length), ballot);
  }
  const hash = sha256(concatBytes(parts));
  let code = "";
  // 80 bits = 16 characters of 5 bits, most significant first, in groups of four.
  let acc = 0n;
  for (let i = 0; i < 10; i++) acc = (acc << 8n) | BigInt(hash[i]);
  for (let i = 0; i < 16; i++) {
    if (i > 0 && i % 4 === 0) code += "-";
    code += CROCKFORD[Number((acc >> BigInt(75 - 5 * i)) & 31n)];
  }
  return { hash, code };
}

/**
 * Reads a typed confirmation code as the Rust `parse_code`: drops whitespace and dashes,
 * upper-cases ASCII letters and maps O → 0, I and L → 1; null unless sixteen Crockford
 * characters remain (or eight: a code of the first version, which the service still looks
 * up). Returns them in groups of four, "XXXX-XXXX-XXXX-XXXX".
 */
export function parseConfirmationCode(text) {
  let s = "";
  for (const ch of String(text ?? "")) {
    if (ch === "-" || WHITE_SPACE_RE.test(ch)) continue;
    let c = ch >= "a" && ch <= "z" ? ch.toUpperCase() : ch;
    if (c === "O") c = "0";
    else if (c === "I" || c === "L") c = "1";
    s += c;
  }
  if ((s.length !== 16 && s.length !== 8) || ![...s].every((c) => CROCKFORD.includes(c))) return null;
  return s.match(/.{4}/g).join("-");
}

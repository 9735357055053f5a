// Checks web/js/e2e.js against every voter-side item of the Rust reference vectors
// (scrutineer-e2e, vectors/e2e-v1.json; E2E.md §15) and checks that the vendored
// noble bundle is the one web/js/vendor/README.md describes.
//
//   node tests/e2e_js/vectors.mjs path/to/e2e-v1.json
//
// Prints one line per group of checks and a closing "N passed, N failed" line;
// exits non-zero on any failure.

import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { isDeepStrictEqual } from "node:util";

import * as e2e from "../../web/js/e2e.js";
import { sha512 } from "../../web/js/vendor/noble.js";

const here = dirname(fileURLToPath(import.meta.url));
const vectorPath = process.argv[2];
if (!vectorPath) {
  console.error("usage: node tests/e2e_js/vectors.mjs path/to/e2e-v1.json");
  process.exit(2);
}
const V = JSON.parse(readFileSync(vectorPath, "utf8"));

const { fromHex: unhex, toHex: hex } = e2e;
let passed = 0;
let failed = 0;

/** Runs one group of checks; `fn(check)` calls check(cond, message) for each check. */
function group(name, fn) {
  let n = 0;
  const failures = [];
  const check = (cond, msg) => {
    n++;
    if (!cond) failures.push(msg);
  };
  try {
    fn(check);
  } catch (e) {
    failures.push(`exception: ${e && e.stack ? e.stack : e}`);
  }
  if (failures.length === 0) {
    passed++;
    console.log(`ok   ${name} (${n} checks)`);
  } else {
    failed++;
    console.log(`FAIL ${name} (${failures.length} of ${n} checks failed)`);
    for (const f of failures.slice(0, 10)) console.log(`       ${f}`);
  }
}

/** The error code thrown by fn(), or null if it does not throw an E2EError. */
function errorCode(fn) {
  try {
    fn();
    return null;
  } catch (e) {
    if (e instanceof e2e.E2EError) return e.code;
    return `non-protocol error: ${e}`;
  }
}

const ctxOf = (c) => ({
  electionId: c.election_id,
  contestId: c.contest_id,
  groupId: c.group_id,
  tokenSerial: unhex(c.token_serial),
});

const K = unhex(V.election_key.public);

// ------------------------------------------------------------------ bundle
group("vendor bundle: SHA-256 of web/js/vendor/noble.js matches vendor/README.md", (check) => {
  const bundle = readFileSync(join(here, "../../web/js/vendor/noble.js"));
  const digest = createHash("sha256").update(bundle).digest("hex");
  const readme = readFileSync(join(here, "../../web/js/vendor/README.md"), "utf8");
  const m = readme.match(/SHA-256[^\n]*?`([0-9a-f]{64})`/);
  check(m !== null, "no `SHA-256 ... \\`hex\\`` line in vendor/README.md");
  check(m !== null && m[1] === digest, `README says ${m && m[1]}, file has ${digest}`);
  check(!/^\s*import\s|from\s+["'][^./]/m.test(bundle.toString("utf8")), "bundle has a bare import");
});

// ------------------------------------------------------------------ group
group("group: basepoint, order, multiples of G, wide reduction, element derivation", (check) => {
  const g = V.group;
  check(hex(e2e.mulBase(1n)) === g.basepoint, "basepoint");
  check(hex(numberLE(e2e.ORDER)) === g.order_l, "order ℓ");
  for (const m of g.multiples_of_G) {
    const s = e2e.decodeScalar(unhex(m.scalar));
    check(hex(e2e.mulBase(s)) === m.point, `s·G for s = ${m.scalar}`);
    check(hex(e2e.encodePoint(e2e.decodePoint(unhex(m.point)))) === m.point, `round trip ${m.point}`);
  }
  for (const w of g.wide_reduction) {
    check(hex(e2e.encodeScalar(e2e.reduceWide(unhex(w.bytes64)))) === w.scalar, "wide reduction");
  }
  for (const f of g.from_uniform_bytes) {
    check(hex(e2e.encodePoint(e2e.elementFromUniformBytes(unhex(f.input)))) === f.output, "from_uniform_bytes");
  }
  for (const gen of g.generators) {
    check(hex(e2e.encodePoint(e2e.deriveGenerator(gen.label, gen.index))) === gen.point, `generator ${gen.label}/${gen.index}`);
  }
});

function numberLE(n) {
  const b = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    b[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return b;
}

group("group: rejected point and scalar encodings", (check) => {
  for (const r of V.group.rejected_point_encodings) {
    const code = errorCode(() => e2e.decodePoint(unhex(r.encoding)));
    check(code === r.expected_error, `${r.description}: got ${code}`);
  }
  for (const r of V.group.rejected_scalar_encodings) {
    const code = errorCode(() => e2e.decodeScalar(unhex(r.encoding)));
    check(code === r.expected_error, `scalar ${r.encoding}: got ${code}`);
  }
  check(errorCode(() => e2e.decodePoint(new Uint8Array(31))) === "bad_length", "31-byte point");
});

// ------------------------------------------------------------------ transcripts
group("transcript: serialization, SHA-512, scalar", (check) => {
  for (const t of V.transcript) {
    const fields = t.fields.map(unhex);
    check(hex(e2e.transcriptBytes(t.domain, fields)) === t.serialized, `${t.domain}: serialized`);
    check(hex(e2e.transcriptHash(t.domain, fields)) === t.sha512, `${t.domain}: sha512`);
    check(hex(e2e.encodeScalar(e2e.transcriptScalar(t.domain, fields))) === t.scalar, `${t.domain}: scalar`);
  }
});

// ------------------------------------------------------------------ names
group("names: encodings, counters, decoding", (check) => {
  for (const n of V.names) {
    const enc = e2e.encodeName(n.name);
    check(new TextEncoder().encode(n.name).length === n.utf8_len, `${n.name}: utf8_len`);
    check(isDeepStrictEqual(enc.counters, n.counters), `${n.name}: counters ${enc.counters}`);
    check(isDeepStrictEqual(enc.elements.map(hex), n.elements), `${n.name}: elements`);
    check(e2e.decodeName(n.elements.map(unhex)) === n.name, `${n.name}: decode`);
    check(e2e.decodeName(enc.points) === n.name, `${n.name}: decode from points`);
  }
  const dn = V.decryption.name;
  check(e2e.decodeName(dn.elements.map(unhex)) === dn.name, "decryption section: name elements");
  check(errorCode(() => e2e.encodeName("x".repeat(61))) === "invalid_name", "61 bytes refused");
  check(errorCode(() => e2e.encodeName("a\u0000b")) === "invalid_name", "U+0000 refused");
  check(errorCode(() => e2e.encodeName("e\u0301")) === "invalid_name", "non-NFC refused");
  check(e2e.normalizeName("\u3000 e\u0301\t") === "\u00e9", "trim + NFC");
  check(e2e.normalizeName("\u0085赵六\u2003") === "赵六", "Unicode White_Space trimmed (U+0085, U+2003)");
  check(e2e.normalizeName("\ufeff赵六") === "\ufeff赵六", "U+FEFF is not White_Space (kept, as Rust's trim)");
  const random = e2e.encodePoint(e2e.elementFromUniformBytes(new Uint8Array(64).fill(7)));
  check(errorCode(() => e2e.decodeName([random, random])) === "bad_encoding", "random element is no name");
});

// ------------------------------------------------------------------ election key
group("election key: public key, fingerprints", (check) => {
  const ek = V.election_key;
  check(hex(e2e.mulBase(e2e.decodeScalar(unhex(ek.secret)))) === ek.public, "K = x·G");
  check(e2e.fingerprint(K) === ek.fingerprint, `fingerprint ${e2e.fingerprint(K)}`);
  check(e2e.fingerprint(unhex(V.dkg.joint_key)) === V.dkg.fingerprint, "DKG joint key fingerprint");
  check(errorCode(() => e2e.fingerprint(new Uint8Array(32))) === "identity_point", "identity key refused");
  check(errorCode(() => e2e.fingerprint(new Uint8Array(33))) === "bad_length", "33-byte key refused");
});

// ------------------------------------------------------------------ ballots
/** Nonce stream of E2E.md §3: block_i = SHA-512("scrutineer.e2e/v1/test-nonce" ‖ seed ‖ u64be(i)). */
function testNonce(seed, i) {
  const label = new TextEncoder().encode("scrutineer.e2e/v1/test-nonce");
  const s = new TextEncoder().encode(seed);
  const ctr = new Uint8Array(8);
  new DataView(ctr.buffer).setBigUint64(0, BigInt(i), false);
  const msg = new Uint8Array(label.length + s.length + 8);
  msg.set(label);
  msg.set(s, label.length);
  msg.set(ctr, label.length + s.length);
  return e2e.reduceWide(sha512(msg));
}

const listSource = (list) => {
  let i = 0;
  const src = () => {
    if (i >= list.length) throw new Error("vector nonces exhausted");
    return list[i++];
  };
  src.used = () => i;
  return src;
};

let ballotCount = 0;
let invalidCount = 0;
for (const b of V.ballots) {
  group(`ballot ${b.id}: shape, nonces, normalisation, encryption, context, λ/c, verify, open`, (check) => {
    ballotCount++;
    const shape = b.shape;
    const ctx = ctxOf(b.context);
    check(hex(e2e.shapeBytes(shape)) === b.shape_bytes, "shape bytes");
    check(e2e.encryptedLength(shape) === b.encrypted_len, "encrypted length");
    check(e2e.ciphertextCount(shape) === b.opening_nonce_count, "ciphertext count");
    check(e2e.openingLength(shape) === b.opening.length / 2, "opening length");
    const nonces = b.nonces.map((n) => e2e.decodeScalar(unhex(n)));
    check(nonces.every((n, i) => n === testNonce(b.seed, i)), "listed nonces = the seed's nonce stream (§3)");
    check(isDeepStrictEqual(e2e.normalizePlaintext(shape, b.plaintext), b.encrypted_plaintext), "normalised plaintext");

    const src = listSource(nonces);
    const out = e2e.encryptContest(K, shape, ctx, b.plaintext, src);
    check(src.used() === nonces.length, `drew ${src.used()} nonces, the vector lists ${nonces.length}`);
    check(out.bytes.length === b.encrypted_len, `length ${out.bytes.length}`);
    check(hex(out.bytes) === b.encrypted, "encrypted bytes identical to the Rust bytes");
    check(hex(out.opening) === b.opening, "opening identical");

    // Nonces given as 32-byte scalars and as 64-byte blocks give the same bytes.
    const blocks = b.nonces.map((n) => unhex(n));
    const out32 = e2e.encryptContest(K, shape, ctx, b.plaintext, listSource(blocks));
    check(hex(out32.bytes) === b.encrypted, "same bytes with 32-byte nonces");

    const enc = unhex(b.encrypted);
    const ctsBytes = enc.subarray(2, 2 + 64 * b.opening_nonce_count);
    check(hex(e2e.ballotContext(K, shape, ctx, ctsBytes)) === b.ballot_context, "ballot context");
    const derived = e2e.derivedValues(K, shape, ctx, enc).map((d) => ({ ...d, value: hex(d.value) }));
    check(isDeepStrictEqual(derived, b.derived), "every λ and c in verification order");

    check(e2e.verifyContest(K, shape, ctx, enc) === true, "verifies");
    const opened = e2e.openContest(K, shape, ctx, enc, unhex(b.opening));
    check(isDeepStrictEqual(opened, b.encrypted_plaintext), `opens to the encrypted plaintext: ${JSON.stringify(opened)}`);

    // Openings that do not match must be refused.
    const op = unhex(b.opening);
    const bumped = op.slice();
    const r0 = e2e.decodeScalar(bumped.subarray(1, 33));
    bumped.set(e2e.encodeScalar((r0 + 1n) % e2e.ORDER), 1);
    check(errorCode(() => e2e.openContest(K, shape, ctx, enc, bumped)) === "opening_mismatch", "first nonce changed");
    const lastBumped = op.slice();
    const rl = e2e.decodeScalar(lastBumped.subarray(op.length - 32));
    lastBumped.set(e2e.encodeScalar((rl + 1n) % e2e.ORDER), op.length - 32);
    check(errorCode(() => e2e.openContest(K, shape, ctx, enc, lastBumped)) === "opening_mismatch", "last nonce changed");
    const v2 = op.slice();
    v2[0] = 2;
    check(errorCode(() => e2e.openContest(K, shape, ctx, enc, v2)) === "bad_encoding", "opening version");
    check(errorCode(() => e2e.openContest(K, shape, ctx, enc, op.subarray(0, op.length - 1))) === "bad_length", "opening truncated");
    const other = V.ballots.find((o) => o.id !== b.id && o.shape_bytes === b.shape_bytes);
    if (other) {
      check(
        errorCode(() => e2e.openContest(K, shape, ctx, enc, unhex(other.opening))) === "opening_mismatch",
        `opening of ${other.id} refused`,
      );
    }
  });

  if (b.invalid) {
    group(`ballot ${b.id}: ${b.invalid.length} invalid variants fail with the Rust error code`, (check) => {
      for (const inv of b.invalid) {
        invalidCount++;
        const ictx = ctxOf(inv.context);
        const bytes = unhex(inv.encrypted);
        check(e2e.verifyContest(K, b.shape, ictx, bytes) === false, `${inv.description}: verifies`);
        const code = errorCode(() => e2e.checkContest(K, b.shape, ictx, bytes));
        check(code === inv.expected_error, `${inv.description}: ${code}, expected ${inv.expected_error}`);
        const ocode = errorCode(() => e2e.openContest(K, b.shape, ictx, bytes, unhex(b.opening)));
        check(ocode === inv.expected_error, `${inv.description}: opening gives ${ocode}`);
      }
    });
  }
}

group("normalisation: whitespace/NFD names and void flag give the expected bytes", (check) => {
  const b = V.ballots.find((x) => x.id === "party-9-7-w3-normal");
  const ctx = ctxOf(b.context);
  const nonces = b.nonces.map((n) => e2e.decodeScalar(unhex(n)));
  const padded = { ...b.plaintext, write_ins: b.plaintext.write_ins.map((w) => (w === null ? null : `\u3000 ${w}\t`)) };
  const out = e2e.encryptContest(K, b.shape, ctx, padded, listSource(nonces));
  check(hex(out.bytes) === b.encrypted, "trimmed write-in gives the vector bytes");
  // An over-marked party ballot with an explicit void flag gives the void vector.
  const v = V.ballots.find((x) => x.id === "party-9-7-w3-overmarked-void");
  const voided = { ...v.plaintext, void: true, marks: v.plaintext.marks.map(() => "against") };
  check(isDeepStrictEqual(e2e.normalizePlaintext(v.shape, voided), v.encrypted_plaintext), "void flag → void ballot");
  check(errorCode(() => e2e.normalizePlaintext(b.shape, { ...b.plaintext, write_ins: [" ", null, null] })) === "invalid_plaintext", "blank write-in refused");
  check(errorCode(() => e2e.normalizePlaintext(b.shape, { ...b.plaintext, marks: b.plaintext.marks.slice(1) })) === "invalid_plaintext", "wrong number of marks");
  const rec = V.ballots.find((x) => x.id === "recommendation-6-3-w1");
  check(errorCode(() => e2e.normalizePlaintext(rec.shape, { ...rec.plaintext, marks: ["against", ...rec.plaintext.marks.slice(1)] })) === "invalid_plaintext", "against without option");
  const ev = V.ballots.find((x) => x.id === "evaluation-5-quota-2");
  check(errorCode(() => e2e.normalizePlaintext(ev.shape, { grades: [0, 0, 0, null, null] })) === "invalid_plaintext", "quota exceeded");
  check(errorCode(() => e2e.readShape({ ...b.shape, max_marks: 13 })) === "invalid_shape", "m > n + w refused");
  // Random nonces: a fresh encryption verifies and opens.
  const fresh = e2e.encryptContest(K, b.shape, ctx, b.plaintext);
  check(fresh.bytes.length === b.encrypted_len && hex(fresh.bytes) !== b.encrypted, "fresh encryption differs");
  check(e2e.verifyContest(K, b.shape, ctx, fresh.bytes), "fresh encryption verifies");
  check(isDeepStrictEqual(e2e.openContest(K, b.shape, ctx, fresh.bytes, fresh.opening), b.encrypted_plaintext), "fresh encryption opens");
});

// ------------------------------------------------------------------ confirmation code
// The code a kiosk shows before cast-or-check (src/record/spoiled.rs): the same vector as
// the Rust unit test.
group("confirmation code: hash and code of the reference vector, parsing typed codes", (check) => {
  const lines = [
    { contest: "委员", group: "", ballot: Uint8Array.of(1, 2, 3) },
    { contest: "eval", group: "staff", ballot: new Uint8Array(10).fill(9) },
  ];
  const serial = new Uint8Array(16).fill(7);
  const out = e2e.confirmationCode({ round: 1, style: 2, serial, lines });
  check(hex(out.hash) === "11798163c041c4b66714595b6575b79ec8176f9c4820231d39949ddb82399fad", `hash ${hex(out.hash)}`);
  check(out.code === "25WR-2RY0-872B-CSRM", `code ${out.code}`);
  check(e2e.confirmationCode({ round: 1, style: 2, serial: hex(serial), lines }).code === "25WR-2RY0-872B-CSRM", "serial given as hex");
  // Every input is bound: round, style, serial, order, contest, group, ballot bytes.
  const variants = [
    { round: 2, style: 2, serial, lines },
    { round: 1, style: 3, serial, lines },
    { round: 1, style: 2, serial: new Uint8Array(16).fill(8), lines },
    { round: 1, style: 2, serial, lines: [lines[1], lines[0]] },
    { round: 1, style: 2, serial, lines: [{ ...lines[0], group: "x" }, lines[1]] },
    { round: 1, style: 2, serial, lines: [lines[0], { ...lines[1], ballot: new Uint8Array(11).fill(9) }] },
    // Length prefixes: moving a byte from the contest id to the group changes the hash.
    { round: 1, style: 2, serial, lines: [lines[0], { ...lines[1], contest: "eva", group: "lstaff" }] },
  ];
  for (const [i, v] of variants.entries()) check(e2e.confirmationCode(v).code !== out.code, `variant ${i} gives the same code`);
  check(e2e.parseConfirmationCode("25WR-2RY0-872B-CSRM") === "25WR-2RY0-872B-CSRM", "canonical form");
  check(e2e.parseConfirmationCode(" 25wr 2ryo 872b\u3000csrm") === "25WR-2RY0-872B-CSRM", "spaces, lower case, O for 0");
  check(e2e.parseConfirmationCode("25WR2RYO872BCSRM") === "25WR-2RY0-872B-CSRM", "no dashes, O read as 0");
  check(e2e.parseConfirmationCode("i1l1-0000-0000-0000") === "1111-0000-0000-0000", "I and L read as 1");
  // The first version's eight characters (the first half) are still read, to find an old receipt.
  check(e2e.parseConfirmationCode("25WR-2RY0") === "25WR-2RY0", "a first-version code");
  check(e2e.parseConfirmationCode("25WR-2RY0-872B-CSR") === null, "fifteen characters refused");
  check(e2e.parseConfirmationCode("25WR-2RY0-872B-CSRM0") === null, "seventeen characters refused");
  check(e2e.parseConfirmationCode("25WR-2RY0-872B") === null, "twelve characters refused");
  check(e2e.parseConfirmationCode("25WR-2RY") === null, "seven characters refused");
  check(e2e.parseConfirmationCode("25WR-2RY0-872B-CSRU") === null, "U is not a Crockford character");
  check(e2e.parseConfirmationCode("25WR_2RY0") === null, "only dashes and spaces are separators");
  check(e2e.parseConfirmationCode("") === null && e2e.parseConfirmationCode(null) === null, "empty refused");
});

group(`coverage: ${ballotCount} ballots, ${invalidCount} invalid variants`, (check) => {
  check(ballotCount === V.ballots.length && ballotCount >= 8, "every ballot checked");
  check(invalidCount >= 20, "at least 20 invalid variants");
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

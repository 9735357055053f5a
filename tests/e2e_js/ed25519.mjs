// Checks web/js/tlog.js's Ed25519 verification (WebCrypto and the noble fallback) and
// SHA-256 without crypto.subtle, against the golang.org/x/mod/sumdb/note vector and
// strictness cases of ed25519-dalek's verify_strict.
// Run by tests/e2e_js.rs:  node tests/e2e_js/ed25519.mjs [REPO_ROOT]
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";
const repo = process.argv[2] || resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const noble = await import(`${repo}/web/js/vendor/noble.js`);
const { ed25519, bytesToNumberLE, numberToBytesLE, mod, sha512 } = noble;
const Point = ed25519.Point, L = Point.Fn.ORDER;

let passed = 0, failed = 0;
const check = (cond, what) => { if (cond) passed++; else failed++; console.log(`${cond ? "ok  " : "FAIL"} ${what}`); };

const realCrypto = globalThis.crypto;
function setMode(mode) {
  if (mode === "webcrypto") {
    Object.defineProperty(globalThis, "crypto", { value: realCrypto, configurable: true, writable: true });
  } else if (mode === "no-subtle") {
    Object.defineProperty(globalThis, "crypto", { value: { getRandomValues: (a) => realCrypto.getRandomValues(a) }, configurable: true, writable: true });
  } else if (mode === "no-ed25519") {
    const subtle = realCrypto.subtle;
    const fake = Object.create(subtle);
    fake.importKey = (format, data, alg, ...rest) => {
      const name = typeof alg === "string" ? alg : alg?.name;
      if (name === "Ed25519") return Promise.reject(new DOMException("Unrecognized name.", "NotSupportedError"));
      return subtle.importKey(format, data, alg, ...rest);
    };
    fake.digest = (...a) => subtle.digest(...a);
    fake.verify = (...a) => subtle.verify(...a);
    fake.sign = (...a) => subtle.sign(...a);
    fake.exportKey = (...a) => subtle.exportKey(...a);
    Object.defineProperty(globalThis, "crypto", { value: { subtle: fake, getRandomValues: (a) => realCrypto.getRandomValues(a) }, configurable: true, writable: true });
  }
}

const goKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const goSecret = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const goText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const goLine = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";
const goNote = `${goText}\n${goLine}\n`;
const cat = (...p) => { const o = new Uint8Array(p.reduce((n, x) => n + x.length, 0)); let i = 0; for (const x of p) { o.set(x, i); i += x.length; } return o; };
const eq = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
/** The cofactorless equation [S]B == R + [k]A with S taken mod L and lenient decoding: what a lax verifier checks. */
function laxEquation(pk, msg, sig) {
  const A = Point.fromBytes(pk, true), R = Point.fromBytes(sig.subarray(0, 32), true);
  const S = mod(bytesToNumberLE(sig.subarray(32)), L);
  const k = mod(bytesToNumberLE(sha512(cat(sig.subarray(0, 32), pk, msg))), L);
  return Point.BASE.multiplyUnsafe(S).equals(R.add(A.multiplyUnsafe(k)));
}

for (const mode of ["webcrypto", "no-ed25519", "no-subtle"]) {
  setMode(mode);
  console.log(`--- tlog.js, ${mode}`);
  const tlog = await import(`${repo}/web/js/tlog.js?${mode}`);
  const key = await tlog.parseVerifierKey(goKey);
  const note = tlog.parseNote(goNote);
  const msg = tlog.utf8(note.text), sig = note.signatures[0].signature;
  const want = mode === "webcrypto" ? "webcrypto" : "builtin";

  const r = await tlog.verifyNote(goNote, [key]);
  check(r.verified.join() === "PeterNeumann" && r.engine === want, `sumdb/note vector verifies (engine ${r.engine})`);
  const good = await tlog.ed25519Verify(key.publicKey, msg, sig);
  check(good.ok && good.engine === want, `ed25519Verify accepts the vector (${JSON.stringify(good)})`);
  check(await tlog.ed25519VerifyFallback(key.publicKey, msg, sig), "noble fallback accepts the vector");

  for (let bit of [0, 100, 300, 511]) {
    const f = Uint8Array.from(sig); f[bit >> 3] ^= 1 << (bit & 7);
    const v = await tlog.ed25519Verify(key.publicKey, msg, f);
    check(!v.ok && !(await tlog.ed25519VerifyFallback(key.publicKey, msg, f)), `flipped signature bit ${bit} refused (${v.engine})`);
  }
  const m2 = Uint8Array.from(msg); m2[0] ^= 1;
  check(!(await tlog.ed25519Verify(key.publicKey, m2, sig)).ok, "flipped message bit refused");

  // Small-order public key (identity): R = [x]B, S = x meets the lax equation for any message.
  const id = new Uint8Array(32); id[0] = 1;
  const forged = cat(Point.BASE.multiply(777n).toBytes(), numberToBytesLE(777n, 32));
  check(laxEquation(id, msg, forged), "  (the small-order-key forgery meets the lax equation)");
  check(!(await tlog.ed25519Verify(id, msg, forged)).ok && !(await tlog.ed25519VerifyFallback(id, msg, forged)), "signature under small-order public key (identity) refused");
  check(tlog.ed25519KeyProblem(id) === "small_order", `ed25519KeyProblem(identity) = ${tlog.ed25519KeyProblem(id)}`);
  // Every point of order 2, 4, 8 as a key.
  let allSmall = true;
  for (const hex of ["0000000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"]) {
    const pk = Uint8Array.from(hex.match(/../g), (h) => parseInt(h, 16));
    allSmall &&= tlog.ed25519KeyProblem(pk) === "small_order" && !(await tlog.ed25519VerifyFallback(pk, msg, forged));
  }
  check(allSmall, "points of order 4, 2, 8, 8 refused as keys");
  let keyErr = null;
  const idMaterial = cat([1], id);
  try { await tlog.parseVerifierKey(`x+${tlog.keyIdHex(await tlog.keyId("x", idMaterial))}+${Buffer.from(idMaterial).toString("base64")}`); } catch (e) { keyErr = e.code; }
  check(keyErr === "key_invalid", `verifier key text with the identity refused (${keyErr})`);

  // Small-order R (identity) with S = k·a: meets the lax equation; verify_strict refuses it.
  const seed = Uint8Array.from(Buffer.from(goSecret.split("+").slice(4).join("+"), "base64")).subarray(1);
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(seed);
  check(eq(pointBytes, key.publicKey), "secret key of the vector gives its public key");
  const k = mod(bytesToNumberLE(sha512(cat(id, pointBytes, msg))), L);
  const smallR = cat(id, numberToBytesLE(mod(k * scalar, L), 32));
  check(laxEquation(pointBytes, msg, smallR), "  (the small-order-R forgery meets the lax equation)");
  check(!(await tlog.ed25519Verify(pointBytes, msg, smallR)).ok && !(await tlog.ed25519VerifyFallback(pointBytes, msg, smallR)), "small-order R refused");

  // Cofactored vs cofactorless: key A' = [a]B + T (T of order 8), R = [r]B, S = r + k·a. Then
  // [S]B - [k]A' = R - [k]T: noble's cofactored verify accepts when [k]T != 0, verify_strict does not.
  const T8 = Point.fromBytes(Uint8Array.from("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05".match(/../g), (h) => parseInt(h, 16)));
  const A2 = Point.BASE.multiply(scalar).add(T8).toBytes();
  let mixedSig = null;
  for (let r = 1000n; !mixedSig; r++) {
    const R = Point.BASE.multiply(r).toBytes();
    const k2 = mod(bytesToNumberLE(sha512(cat(R, A2, msg))), L);
    if (k2 % 8n !== 0n) mixedSig = cat(R, numberToBytesLE(mod(r + k2 * scalar, L), 32));
  }
  check(ed25519.verify(mixedSig, msg, A2, { zip215: false }), "  (noble's cofactored verify, zip215: false, accepts the torsion-key signature)");
  check(!(await tlog.ed25519Verify(A2, msg, mixedSig)).ok && !(await tlog.ed25519VerifyFallback(A2, msg, mixedSig)), "torsion-key signature refused (cofactorless, as verify_strict)");
  // Non-canonical S: S + L (and S + 2L, S + 15L still below 2^256).
  const s = bytesToNumberLE(sig.subarray(32));
  for (const j of [1n, 2n, 15n]) {
    const big = cat(sig.subarray(0, 32), numberToBytesLE(s + j * L, 32));
    check(laxEquation(key.publicKey, msg, big) && !(await tlog.ed25519Verify(key.publicKey, msg, big)).ok && !(await tlog.ed25519VerifyFallback(key.publicKey, msg, big)), `non-canonical S = S + ${j}L refused`);
  }
  // Non-canonical key encodings.
  const tw = Uint8Array.from(id); tw[31] |= 0x80;
  check(tlog.ed25519KeyProblem(tw) === "not_canonical", `identity with sign bit: ${tlog.ed25519KeyProblem(tw)}`);
  const notPoint = new Uint8Array(32); notPoint[0] = 2;
  check(tlog.ed25519KeyProblem(notPoint) === "not_on_curve", `y = 2: ${tlog.ed25519KeyProblem(notPoint)}`);
  check(tlog.ed25519KeyProblem(key.publicKey) === null, "the vector's key is fine");
  // A key with a torsion component (A + T8) is not small order: accepted as a key, as dalek does;
  // the vector's signature does not verify under it.
  const mixed = Point.fromBytes(key.publicKey).add(Point.fromBytes(Uint8Array.from("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05".match(/../g), (h) => parseInt(h, 16)))).toBytes();
  check(tlog.ed25519KeyProblem(mixed) === null && !(await tlog.ed25519VerifyFallback(mixed, msg, sig)), "mixed-order key: a usable key, the vector's signature does not verify under it");

  // SHA-256 and the whole self-test.
  check(tlog.bytesToHex(await tlog.sha256(tlog.utf8("abc"))) === "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256(abc)");
  const st = await tlog.selfTest();
  const bad = st.filter((x) => !x.ok);
  check(bad.length === 0, `tlog selfTest: ${st.length - bad.length}/${st.length} ok${bad.length ? ": " + bad.map((x) => `${x.name}: ${x.detail}`).join("; ") : ""}; ${st.find((x) => x.name.startsWith("Checkpoint signed"))?.detail}`);
}

// teller.js: parseSignerKey + signNote with both engines give the vector's line.
process.on("unhandledRejection", () => { /* teller.js's main() needs a page; not here */ });
for (const mode of ["webcrypto", "no-ed25519", "no-subtle"]) {
  setMode(mode);
  const teller = await import(`${repo}/web/js/teller.js?${mode}`);
  const key = await teller.parseSignerKey(goSecret);
  const line = await teller.signNote(key, goText);
  check(line === goLine && key.engine === (mode === "webcrypto" ? "webcrypto" : "builtin"), `teller.js signs the sumdb/note vector (${mode}, engine ${key.engine})`);
  check(key.verifierText === goKey, `teller.js derives the verifier key (${mode})`);
}
setMode("webcrypto");
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

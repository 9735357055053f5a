// Checks the teller page's protocol-8 statements (docs/LOG_FORMAT.md, "Protocol 8"): the
// payloads of web/js/corrections.js (correctionPayload, reductionPayload), of the protocol-9
// paper keyings of web/js/paper.js (keyingPayload, paperPayload; "Protocol 9"), the statement and
// its signature of web/js/teller.js (tellerStatement, signStatement) with each engine
// (WebCrypto, a WebCrypto without Ed25519, no crypto.subtle at all), and the helpers the pages
// use around them (tellerIndex, rustTrim, parseAttested, attestCommand).
// The expected bytes were computed with python3 (hashlib, cryptography) from the format; the
// same vectors are in docs/LOG_FORMAT.md, which tests/log_format.rs checks against the Rust code.
// Run by tests/e2e_js.rs:  node tests/e2e_js/attest.mjs [REPO_ROOT]
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";
import { readFileSync } from "node:fs";
const repo = process.argv[2] || resolve(dirname(fileURLToPath(import.meta.url)), "../..");

let passed = 0, failed = 0;
const check = (cond, what) => { if (cond) passed++; else failed++; console.log(`${cond ? "ok  " : "FAIL"} ${what}`); };
const hex = (b) => Buffer.from(b).toString("hex");

// The second correction (one logged before) of contest d1 of election example-2026 to E 120,
// P 98, I 98, reason "流动票箱 mobile box"; a reduction of d1 by 1 seat to 2.
const CORRECTION_PAYLOAD = "00000001" + "0000000000000078" + "0000000000000062" + "0000000000000062" + Buffer.from("流动票箱 mobile box").toString("hex");
const CORRECTION_STATEMENT = "7363727574696e6565722e74656c6c65722d73746174656d656e742f7631007475726e6f75745f636f72726563746564006578616d706c652d3230323600643100d7ede28f1573535f2862b4dcd83ef52133d1cf4379bb8ccb5fcd3036207ba0df";
const REDUCTION_PAYLOAD = "00000001" + "00000002" + Buffer.from("大会决定 the meeting decided").toString("hex");
const REDUCTION_STATEMENT = "7363727574696e6565722e74656c6c65722d73746174656d656e742f76310073656174735f72656475636564006578616d706c652d3230323600643100efdadeded549dfcade443ec586176a7a365b36f8994959b9848a635b2afca6a8";
// The key with seed 32 × 0x0b, named teller-wang, and its signatures of the two statements.
const WANG_KEY = "PRIVATE+KEY+teller-wang+456c8555+AQsLCwsLCwsLCwsLCwsLCwsLCwsLCwsLCwsLCwsLCwsL";
const WANG_VERIFIER = "teller-wang+456c8555+AWa+fjMsekUzMr2dCn99sFX1xe8aBq2mbZizn7aBDEc6";
const CORRECTION_SIGNATURE = "AHabhWMaYjlwkzRFHZAtKap/Gek245rj+Q5UvjMmM5m4hMnkf2wJN6lTfmds+q2oI31r7o3B+Af+8r5GUOEgCA==";
const REDUCTION_SIGNATURE = "5x+tPs1ZhuELxp/Wax0C5X0etZiF9DLyZxrV/fqqrnDvhoCrgX64VBENDwrdjuu/6VZolmvtjF2KpgD0808gBQ==";
// Protocol 9: in the log whose identity is 32 × 0x11, a keying of sheet 3 of d1 after 5 keyings
// of the contest, its withdrawal, and a single-entry ballot after 2 others its key signed, all
// of this ballot text.
const KEYED = '{"contest":"d1","marks":{"c1":"for","c2":"against"}}';
const KEYING_STATEMENT = "7363727574696e6565722e74656c6c65722d73746174656d656e742f76310070617065725f6b65796564006578616d706c652d32303236006431002b97411cdd94f9bba778d211da35ec086f2d97502ddb1ad288a195a44dfb5cd8";
const KEYING_SIGNATURE = "EAsR3XQAlhl3EHUpx2HGXqbtIBLf7lvHMENRp/nbjRTOzlYsiik2kGmpeGlk7pBi6VYWpuTbndBzhVhRRhcJDg==";
const WITHDRAWAL_STATEMENT = "7363727574696e6565722e74656c6c65722d73746174656d656e742f76310070617065725f6b65796564006578616d706c652d3230323600643100b1d217ed63cf436eda2d36ae19886a05a1a59b906124df710261601ce470ab8d";
const PAPER_STATEMENT = "7363727574696e6565722e74656c6c65722d73746174656d656e742f76310070617065725f62616c6c6f74006578616d706c652d3230323600643100153eec5c1a9e911419913cf777c145b05d62c8ce227c0add846dc39c52a8d984";

// The vectors as docs/LOG_FORMAT.md states them, when it does.
const doc = (() => { try { return readFileSync(`${repo}/docs/LOG_FORMAT.md`, "utf8"); } catch { return ""; } })();
const docVector = (label) => (doc.match(new RegExp(`^${label}\\s+(\\S+)\\s*$`, "m")) || [])[1];
for (const [label, want] of [["correction statement", CORRECTION_STATEMENT], ["its signature", CORRECTION_SIGNATURE], ["reduction statement", REDUCTION_STATEMENT],
  ["keying statement", KEYING_STATEMENT], ["keying signature", KEYING_SIGNATURE], ["withdrawal statement", WITHDRAWAL_STATEMENT], ["paper statement", PAPER_STATEMENT]]) {
  const stated = docVector(label);
  check(stated === undefined || stated === want, `docs/LOG_FORMAT.md's "${label}" ${stated === undefined ? "is not there (not compared)" : "is this test's"}`);
}

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
    for (const f of ["digest", "verify", "sign", "exportKey"]) fake[f] = (...a) => subtle[f](...a);
    Object.defineProperty(globalThis, "crypto", { value: { subtle: fake, getRandomValues: (a) => realCrypto.getRandomValues(a) }, configurable: true, writable: true });
  }
}

const corrections = await import(`${repo}/web/js/corrections.js`);
const { correctionPayload, reductionPayload, rustTrim, parseAttested, attestCommand, shellQuote } = corrections;

// The payloads, big-endian, the text as UTF-8.
const cp = correctionPayload(1, 120, 98, 98, "流动票箱 mobile box");
check(hex(cp) === CORRECTION_PAYLOAD, `correction payload ${hex(cp)}`);
const rp = reductionPayload(1, 2, "大会决定 the meeting decided");
check(hex(rp) === REDUCTION_PAYLOAD, `reduction payload ${hex(rp)}`);
const wide = correctionPayload(0xffffffff, 2 ** 53 - 1, 2 ** 40 + 5, 0, "");
check(hex(wide) === "ffffffff" + "001fffffffffffff" + "0000010000000005" + "0000000000000000", `correction payload of wide figures ${hex(wide)}`);
let thrown = 0;
for (const f of [() => correctionPayload(-1, 1, 1, 1, "x"), () => correctionPayload(2 ** 32, 1, 1, 1, "x"), () => reductionPayload(1, -2, "x"), () => correctionPayload(0, 1.5, 1, 1, "x")]) {
  try { f(); } catch { thrown++; }
}
check(thrown === 4, `figures that are no u32/u64 are refused (${thrown}/4)`);

// Protocol 9: the paper keyings' payloads (web/js/paper.js).
const paperJs = await import(`${repo}/web/js/paper.js`);
const LOG = "11".repeat(32);
const kp = paperJs.keyingPayload(LOG, 5, 3, KEYED);
check(hex(kp) === LOG + "0000000000000005" + "0000000000000003" + Buffer.from(KEYED).toString("hex"), `keying payload ${hex(kp)}`);
const wp = paperJs.keyingPayload(LOG, 5, 3, null);
check(hex(wp) === LOG + "0000000000000005" + "0000000000000003", `withdrawal payload ${hex(wp)}`);
const pp = paperJs.paperPayload(LOG, 2, KEYED);
check(hex(pp) === LOG + "0000000000000002" + Buffer.from(KEYED).toString("hex"), `single-entry paper payload ${hex(pp)}`);
let paperThrown = 0;
for (const f of [() => paperJs.keyingPayload(LOG, -1, 1, KEYED), () => paperJs.keyingPayload(LOG, 0, 2 ** 64, null), () => paperJs.paperPayload(LOG, 1.5, KEYED),
  () => paperJs.paperPayload(undefined, 1, KEYED), () => paperJs.keyingPayload("11", 1, 1, null)]) {
  try { f(); } catch { paperThrown++; }
}
check(paperThrown === 5, `positions and sheets that are no u64, and a missing or short log id, are refused (${paperThrown}/5)`);

// Trimmed as Rust's str::trim: Unicode White_Space (U+3000, U+0085 too), not U+FEFF.
check(rustTrim("\u3000 流动票箱 mobile box\u0085\n") === "流动票箱 mobile box", "rustTrim removes U+3000, U+0085 and ASCII space");
check(rustTrim("\uFEFFx\uFEFF") === "\uFEFFx\uFEFF", "rustTrim keeps U+FEFF (as Rust does)");
check(rustTrim(" 大会 决定 ") === "大会 决定", "rustTrim keeps inner spaces");

// What `scrutineer teller attest` prints, pasted whole or as its last line.
const cliOut = `导出已核验 / the export verifies (选举 election example-2026, 共 40 条 entries)
计票人 teller 2 (teller-wang) 签署 signs: 人数更正 correction of “d1” (此前 1 次 after 1 logged): 签到台 desk E 100 P 90 I 90 → E 120 P 98 I 98; 原因 reason: 流动票箱 mobile box
{"teller":2,"signature":"${CORRECTION_SIGNATURE}"}
`;
const parsed = parseAttested(cliOut);
check(parsed && parsed.teller === 2 && parsed.signature === CORRECTION_SIGNATURE && Object.keys(parsed).length === 2, `parseAttested takes the whole output: ${JSON.stringify(parsed)}`);
check(parseAttested("  ") === null, "parseAttested of nothing is null");
const refusal = (text) => { try { parseAttested(text); return null; } catch (e) { return e.code; } };
check(refusal("hello") === "bad_json", "parseAttested refuses text without the object (bad_json)");
check(refusal('{"teller": 1}') === "bad_json", "parseAttested refuses an object without a signature (bad_json)");
check(refusal('{"teller": 0, "signature": "' + CORRECTION_SIGNATURE + '"}') === "attestation_invalid", "parseAttested refuses teller 0 (attestation_invalid)");
check(refusal('{"teller": 1, "signature": "AAAA"}') === "attestation_invalid", "parseAttested refuses a short signature (attestation_invalid)");

// The command with the proposal filled in, quoted for a POSIX shell.
const cmd = attestCommand({ contest: "d1", eligible: 120, present: 98, issued: 98, reason: " 流动票箱 mobile box " }, "teller.key", { protocol: 8, protocol_current: 8 });
check(cmd === 'scrutineer teller attest --key teller.key --export export.tar --contest d1 --eligible 120 --present 98 --issued 98 --reason "流动票箱 mobile box"', `correction command: ${cmd}`);
const rcmd = attestCommand({ contest: "d1", basis: "大会决定 the meeting decided" }, "计票人密钥.key", { protocol: 7, protocol_current: 8 });
check(rcmd === 'scrutineer teller attest --key 计票人密钥.key --export export.tar --contest d1 --basis "大会决定 the meeting decided" --allow-protocol 7', `reduction command: ${rcmd}`);
check(shellQuote("it's $5") === `'it'\\''s $5'` && shellQuote('say "x"') === `'say "x"'` && shellQuote("a b") === '"a b"', "shellQuote quotes what a shell would expand");

// The statements and their signatures, with every engine.
process.on("unhandledRejection", () => { /* teller.js's main() needs a page; not here */ });
for (const mode of ["webcrypto", "no-ed25519", "no-subtle"]) {
  setMode(mode);
  const teller = await import(`${repo}/web/js/teller.js?attest-${mode}`);
  const st = await teller.tellerStatement("turnout_corrected", "example-2026", "d1", cp);
  check(hex(st) === CORRECTION_STATEMENT, `correction statement (${mode})`);
  const rs = await teller.tellerStatement("seats_reduced", "example-2026", "d1", rp);
  check(hex(rs) === REDUCTION_STATEMENT, `reduction statement (${mode})`);
  const key = await teller.parseSignerKey(WANG_KEY);
  check(key.verifierText === WANG_VERIFIER && key.engine === (mode === "webcrypto" ? "webcrypto" : "builtin"), `the key of seed 32 × 0x0b (${mode}, engine ${key.engine})`);
  const sig = await teller.signStatement(key, "turnout_corrected", "example-2026", "d1", cp);
  check(sig === CORRECTION_SIGNATURE, `the correction's signature (${mode}): ${sig}`);
  const rsig = await teller.signStatement(key, "seats_reduced", "example-2026", "d1", rp);
  check(rsig === REDUCTION_SIGNATURE, `the reduction's signature (${mode}): ${rsig}`);
  check(hex(await teller.tellerStatement("paper_keyed", "example-2026", "d1", kp)) === KEYING_STATEMENT, `keying statement (${mode})`);
  check(hex(await teller.tellerStatement("paper_keyed", "example-2026", "d1", wp)) === WITHDRAWAL_STATEMENT, `withdrawal statement (${mode})`);
  check(hex(await teller.tellerStatement("paper_ballot", "example-2026", "d1", pp)) === PAPER_STATEMENT, `single-entry paper statement (${mode})`);
  const ksig = await teller.signStatement(key, "paper_keyed", "example-2026", "d1", kp);
  check(ksig === KEYING_SIGNATURE, `the keying's signature (${mode}): ${ksig}`);
  // It verifies with the pages' strict verifier, and not as the other statement.
  const tlog = await import(`${repo}/web/js/tlog.js?attest-${mode}`);
  const pub = (await tlog.parseVerifierKey(WANG_VERIFIER)).publicKey;
  const sigBytes = Uint8Array.from(Buffer.from(sig, "base64"));
  check((await tlog.ed25519Verify(pub, st, sigBytes)).ok && !(await tlog.ed25519Verify(pub, rs, sigBytes)).ok, `the signature verifies (verify_strict) over its statement only (${mode})`);
  // ℓ: the key's place among the registered tellers' verifier keys, from 1.
  check(teller.tellerIndex(key, ["teller-li+00000000+AQ==", WANG_VERIFIER]) === 2, "tellerIndex is the 1-based place of the verifier key");
  check(teller.tellerIndex(key, ["teller-wang+00000000+AQ=="]) === null, "tellerIndex of a key that is not registered (same name, other key) is null");
  check(teller.tellerIndex(key, null, ["teller-li", "teller-zhao", "teller-wang"]) === 3, "tellerIndex by name where the keys are unknown");
  check(teller.tellerIndex(null, [WANG_VERIFIER]) === null, "tellerIndex without a key is null");
  let noKey = null;
  try { await teller.signStatement({ name: "x" }, "seats_reduced", "e", "c", rp); } catch (e) { noKey = e.code; }
  check(noKey === "no_key", `signStatement without a loaded key is refused (${noKey})`);
}
setMode("webcrypto");
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

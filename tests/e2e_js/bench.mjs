// Measures web/js/e2e.js in headless Chromium: encryption with proofs of the party
// ballot (9 candidates, 7 seats, against option, 3 write-in lines, write-ins need an
// against mark) and of the npc ballot (3 candidates, 1 seat, against option, 1
// write-in line), against a scalar-multiplication baseline measured in the same page
// run (before and after the ballots, so load changes on the machine show).
//
//   node tests/e2e_js/bench.mjs [RUNS]          (from the repository root; RUNS default 20)
//
// Needs playwright-core in tests/browser/node_modules (npm ci there) and Debian's
// /usr/bin/chromium (env CHROMIUM overrides). Serves web/js on 127.0.0.1 with a tiny
// static server of its own (no CSP: not needed for timing), prints a JSON report and a
// summary. Medians over RUNS runs after 3 warm-up runs. Takes about a minute.

import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "../browser/node_modules/playwright-core/index.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
// E2E_JS_DIR: measure another copy of web/js (e.g. a variant without the fixed-base tables).
const JS_DIR = path.resolve(process.env.E2E_JS_DIR || path.resolve(here, "../../web/js"));
const RUNS = Number(process.argv[2] || 20);
const BASELINE_N = 1000;

// Static server: /assets/js/... from web/js, / an empty page.
const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  if (url.pathname === "/") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end("<!doctype html><meta charset=utf-8><title>e2e bench</title>");
    return;
  }
  const m = url.pathname.match(/^\/assets\/js\/([A-Za-z0-9_./-]+\.js)$/);
  const file = m ? path.resolve(JS_DIR, m[1]) : null;
  if (!file || !file.startsWith(JS_DIR + path.sep) || !fs.existsSync(file)) {
    res.writeHead(404);
    res.end();
    return;
  }
  res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" });
  res.end(fs.readFileSync(file));
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
  ],
});
let report;
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(300_000);
  await page.goto(base + "/");
  report = await page.evaluate(
    async ({ RUNS, BASELINE_N }) => {
      const e2e = await import("/assets/js/e2e.js");
      const { ristretto255 } = await import("/assets/js/vendor/noble.js");
      const P = ristretto255.Point;
      const rnd = () => e2e.reduceWide(crypto.getRandomValues(new Uint8Array(64))) || 1n;
      const median = (xs) => {
        const s = [...xs].sort((a, b) => a - b);
        return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
      };
      const round = (x, d = 3) => Number(x.toFixed(d));

      // Baseline: 1000 noble multiplications by the basepoint (noble's own BASE: W=6
      // table, blinded), 1000 by a fresh non-base point (no table: fixed-window
      // constant-time path; the kind of baseline the Rust figures of E2E.md §14 use,
      // s·P), and, for information, 1000 by a point with a W=8 table (what e2e.js does
      // for G and K).
      const tabled = P.fromBytes(P.BASE.multiply(rnd()).toBytes()).precompute(8);
      tabled.multiply(1n);
      const baseline = () => {
        const scalars = Array.from({ length: BASELINE_N }, rnd);
        const Q = P.fromBytes(P.BASE.multiply(rnd()).toBytes());
        for (let i = 0; i < 20; i++) P.BASE.multiply(scalars[i]), Q.multiply(scalars[i]), tabled.multiply(scalars[i]);
        let t0 = performance.now();
        for (const s of scalars) P.BASE.multiply(s);
        const baseMs = (performance.now() - t0) / BASELINE_N;
        t0 = performance.now();
        for (const s of scalars) Q.multiply(s);
        const pointMs = (performance.now() - t0) / BASELINE_N;
        t0 = performance.now();
        for (const s of scalars) tabled.multiply(s);
        const tableMs = (performance.now() - t0) / BASELINE_N;
        return { base_mul_ms: round(baseMs, 4), point_mul_ms: round(pointMs, 4), table_w8_mul_ms: round(tableMs, 4) };
      };

      const K = e2e.mulBase(rnd());
      let t0 = performance.now();
      if (e2e.prepare) e2e.prepare(K);
      const prepareMs = performance.now() - t0;

      const ctx = (contestId, serialByte) => ({
        electionId: "2026-示例选举",
        contestId,
        groupId: "",
        tokenSerial: new Uint8Array(16).fill(serialByte),
      });
      const cases = [
        {
          name: "party 9/7 against w=3 (write-ins need against)",
          shape: e2e.shapes.party(9, 7, 3),
          context: ctx("党委委员", 1),
          plaintext: {
            marks: ["for", "for", "against", "for", "abstain", "for", "against", "for", "for"],
            write_ins: ["赵六", null, null],
            void: false,
          },
        },
        {
          name: "npc 3/1 against w=1",
          shape: e2e.shapes.npc(3, 1, true, 1),
          context: ctx("第3选区", 4),
          plaintext: { marks: ["against", "for", "abstain"], write_ins: [null], void: false },
        },
      ];
      // Warm-up of the JIT: a few ballots and one discarded baseline round.
      for (const c of cases) for (let i = 0; i < 3; i++) e2e.encryptContest(K, c.shape, c.context, c.plaintext);
      baseline();
      const baselineBefore = baseline();
      const results = [];
      for (const c of cases) {
        const times = [];
        let out;
        for (let i = 0; i < 3 + RUNS; i++) {
          const t = performance.now();
          out = e2e.encryptContest(K, c.shape, c.context, c.plaintext);
          const dt = performance.now() - t;
          if (i >= 3) times.push(dt);
        }
        const vtimes = [];
        for (let i = 0; i < 5; i++) {
          const t = performance.now();
          if (!e2e.verifyContest(K, c.shape, c.context, out.bytes)) throw new Error("did not verify");
          vtimes.push(performance.now() - t);
        }
        const otimes = [];
        for (let i = 0; i < 3; i++) {
          const t = performance.now();
          e2e.openContest(K, c.shape, c.context, out.bytes, out.opening);
          otimes.push(performance.now() - t);
        }
        results.push({
          name: c.name,
          bytes: out.bytes.length,
          encrypt_ms_median: round(median(times)),
          encrypt_ms_min: round(Math.min(...times)),
          encrypt_ms_max: round(Math.max(...times)),
          verify_ms_median: round(median(vtimes)),
          open_ms_median: round(median(otimes)),
        });
      }
      const baselineAfter = baseline();
      const pointMs = (baselineBefore.point_mul_ms + baselineAfter.point_mul_ms) / 2;
      const baseMs = (baselineBefore.base_mul_ms + baselineAfter.base_mul_ms) / 2;
      for (const r of results) {
        r.encrypt_ratio_to_point_mul = round(r.encrypt_ms_median / pointMs, 1);
        r.encrypt_ratio_to_base_mul = round(r.encrypt_ms_median / baseMs, 1);
        r.verify_ratio_to_point_mul = round(r.verify_ms_median / pointMs, 1);
      }
      return {
        user_agent: navigator.userAgent,
        runs: RUNS,
        prepare_ms_first_key: round(prepareMs),
        baseline_before: baselineBefore,
        baseline_after: baselineAfter,
        results,
      };
    },
    { RUNS, BASELINE_N },
  );
} finally {
  await browser.close();
  server.close();
}

console.log(JSON.stringify(report, null, 2));
const b = report.baseline_before;
const a = report.baseline_after;
console.log(
  `baseline (ms per multiplication, before/after): BASE.multiply ${b.base_mul_ms}/${a.base_mul_ms}, ` +
    `non-base multiply ${b.point_mul_ms}/${a.point_mul_ms}, W=8 table ${b.table_w8_mul_ms}/${a.table_w8_mul_ms}; tables for G and K: ${report.prepare_ms_first_key} ms once`,
);
for (const r of report.results) {
  console.log(
    `${r.name}: ${r.bytes} B, encrypt median ${r.encrypt_ms_median} ms ` +
      `(${r.encrypt_ratio_to_point_mul}× non-base mul, ${r.encrypt_ratio_to_base_mul}× BASE mul; ` +
      `min ${r.encrypt_ms_min}, max ${r.encrypt_ms_max}), verify ${r.verify_ms_median} ms, open ${r.open_ms_median} ms`,
  );
}

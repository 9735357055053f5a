// The public auditor page (/auditor): the log's size (refreshed every 10 s), the checkpoint
// history, the audit export, the public keys, the SHA-256 of every served file, an in-browser
// check of the latest checkpoint and a self-test of tlog.js.
//
// DOM contract: #log-size (data-size, data-ballots), #checkpoints (data-latest), #export-link,
// #keys, #assets (table rows tr[data-path], data-status on #assets once recomputed),
// #check-latest → #check-result (data-status = checking | ok | fail; li[data-step]),
// #self-test → #self-test-result (data-status = checking | ok | fail), #lang.

import { esc, t, api, languageSwitch } from "./common.js";
import * as tlog from "./tlog.js";

const $ = (id) => document.getElementById(id);
languageSwitch($("lang"));

const REFRESH_MS = 10_000;
const SIZES_SHOWN = 24;
const SEEN_KEY = "scrutineer.auditor.seen";

/** A verdict line: the mark once, then the Chinese and the English. */
const verdict = (mark, zh, en) => `<p class="bi verdict">${mark} ${t(zh, en)}</p>`;
const clock = () => new Date().toLocaleTimeString("zh-CN", { hour12: false });
const errText = (err) => (err && (err.message || err.code)) || String(err);

// ------------------------------------------------------------------ log size and checkpoints

let refreshing = false;
let shownLatest = null;

function figure(label, value) {
  return `<span class="figure"><span class="small muted">${label}</span><span class="big">${esc(value)}</span></span>`;
}

async function refreshLog() {
  if (refreshing) return;
  refreshing = true;
  try {
    const e = await api("GET", "/api/v1/election");
    if (e.title) $("election-title").innerHTML = `${t("选举", "Election")}: ${esc(e.title)} <span class="mono small">(${esc(e.id)})</span>`;
    const el = $("log-size");
    el.dataset.size = e.log_size;
    el.dataset.ballots = e.ballots;
    el.innerHTML = figure(t("日志条数", "Log entries"), e.log_size) + figure(t("选票", "Ballots"), e.ballots);
    // An election of an older conduct protocol is verified only with it named.
    const older = Number.isInteger(e.protocol) && Number.isInteger(e.protocol_current) && e.protocol < e.protocol_current;
    $("verify-protocol").innerHTML = older
      ? t(`本选举按较早的协议 ${esc(e.protocol)} 进行: 核对时加上 <code>--allow-protocol ${esc(e.protocol)}</code>, 例如 <code>scrutineer verify 下载的.tar --allow-protocol ${esc(e.protocol)}</code>。`,
        `This election follows the older conduct protocol ${esc(e.protocol)}: verify it with <code>--allow-protocol ${esc(e.protocol)}</code>, for example <code>scrutineer verify downloaded.tar --allow-protocol ${esc(e.protocol)}</code>.`)
      : "";
    $("log-updated").innerHTML = t(`更新于 ${clock()}, 每 10 秒刷新一次。`, `Updated at ${clock()}; refreshes every 10 seconds.`);
  } catch (err) {
    $("log-updated").innerHTML = `<span class="bad">${t("无法取得日志大小", "Could not get the log size")}: ${esc(errText(err))}</span>`;
  }
  try {
    // The checkpoint list only changes when the log grows (a checkpoint follows every commit).
    const size = $("log-size").dataset.size;
    if (shownLatest === null || size !== $("checkpoints").dataset.latest) await refreshCheckpoints();
  } finally {
    refreshing = false;
  }
}

async function refreshCheckpoints() {
  const el = $("checkpoints");
  let data;
  try {
    data = await api("GET", "/api/v1/checkpoints");
  } catch (err) {
    el.innerHTML = `<p class="bad">${t("无法取得检查点", "Could not get the checkpoints")}: ${esc(errText(err))}</p>`;
    shownLatest = null;
    return;
  }
  const sizes = data.sizes || [];
  const latest = data.latest;
  if (!latest) {
    el.innerHTML = `<p class="muted">${t("还没有检查点。", "There is no checkpoint yet.")}</p>`;
    return;
  }
  if (shownLatest === latest.note) return; // unchanged: keep an opened <details> open
  shownLatest = latest.note;
  el.dataset.latest = latest.size;
  const recent = sizes.slice(-SIZES_SHOWN);
  el.innerHTML = `
    <p>${t(`共 ${sizes.length} 个检查点; 最新的大小为 ${latest.size}。`, `${sizes.length} checkpoints; the latest has size ${latest.size}.`)}</p>
    <p class="sizes"><span class="muted">${t("最近的大小", "Recent sizes")}:</span> ${sizes.length > recent.length ? "… " : ""}${recent.map((s) => esc(s)).join(" · ")}</p>
    ${sizes.length > recent.length ? `<details><summary>${t("全部大小", "All sizes")}</summary><p class="sizes">${sizes.map((s) => esc(s)).join(" · ")}</p></details>` : ""}
    <p class="small muted note-label">${t("最新的签名检查点", "The latest signed checkpoint")}:</p>
    <pre class="note" id="latest-note">${esc(latest.note)}</pre>`;
}

// ------------------------------------------------------------------ public keys

async function loadKeys() {
  const el = $("keys");
  let keys;
  try {
    keys = await api("GET", "/api/v1/keys");
  } catch (err) {
    el.innerHTML = `<p class="bad">${t("无法取得公钥", "Could not get the public keys")}: ${esc(errText(err))}</p>`;
    return;
  }
  const checked = async (text) => {
    try {
      const k = await tlog.parseVerifierKey(text);
      return `<span class="ok">✓ ${t(`密钥 ID ${tlog.keyIdHex(k.keyId)} 相符`, `key ID ${tlog.keyIdHex(k.keyId)} matches`)}</span>`;
    } catch (err) {
      return `<span class="bad">✗ ${t(err.zh || errText(err), err.en || errText(err))}</span>`;
    }
  };
  const rows = [
    [t("日志密钥 (签检查点)", "Log key (signs checkpoints)"), keys.log_key, await checked(keys.log_key)],
    [t("选举密钥 (签选票码)", "Election key (signs ballot tokens)"), keys.election_key, `<span class="muted">${t("Ed25519 公钥, base64", "Ed25519 public key, base64")}</span>`],
  ];
  for (const [i, teller] of (keys.tellers || []).entries()) {
    rows.push([t(`计票人 ${i + 1}`, `Teller ${i + 1}`), teller, await checked(teller)]);
  }
  el.innerHTML = `<table class="keys">
      <thead><tr><th>${t("用途", "Role")}</th><th>${t("公钥", "Key")}</th><th>${t("本机核对", "Checked here")}</th></tr></thead>
      <tbody>${rows.map(([role, key, state]) => `<tr><td>${role}</td><td class="key">${esc(key)}</td><td>${state}</td></tr>`).join("")}</tbody>
    </table>
    <p class="small muted bi">${t(`日志名 ${keys.origin}; 每个结果需要 ${keys.signatures_required} 个计票人签名。`, `Log name ${keys.origin}; each result needs ${keys.signatures_required} teller signatures.`)}</p>`;
}

// ------------------------------------------------------------------ served files

async function loadAssets() {
  const el = $("assets");
  let list;
  try {
    list = (await api("GET", "/api/v1/assets")).assets || [];
  } catch (err) {
    el.innerHTML = `<p class="bad">${t("无法取得文件列表", "Could not get the file list")}: ${esc(errText(err))}</p>`;
    return;
  }
  el.innerHTML = `<table class="files">
      <thead><tr><th>${t("文件", "File")}</th><th class="num">${t("字节", "Bytes")}</th><th>SHA-256</th><th>${t("本机重算", "Recomputed here")}</th></tr></thead>
      <tbody>${list.map((a) => `<tr data-path="${esc(a.path)}">
        <td><a href="/assets/${a.path.split("/").map(encodeURIComponent).join("/")}">${esc(a.path)}</a></td>
        <td class="num">${esc(a.bytes)}</td><td class="hash">${esc(a.sha256)}</td>
        <td class="state muted">…</td></tr>`).join("")}</tbody>
    </table>`;
  // Fetch each file as the browser receives it and hash it here.
  let allSame = true;
  await Promise.all(list.map(async (a, i) => {
    const cell = el.querySelectorAll("tbody tr")[i].querySelector("td.state");
    try {
      const res = await fetch(`/assets/${a.path.split("/").map(encodeURIComponent).join("/")}`, { cache: "no-store" });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const got = tlog.bytesToHex(await tlog.sha256(new Uint8Array(await res.arrayBuffer())));
      if (got === a.sha256) {
        cell.className = "state ok";
        cell.innerHTML = `✓ ${t("相同", "same")}`;
      } else {
        allSame = false;
        cell.className = "state bad";
        cell.innerHTML = `✗ ${t("不同", "differs")}`;
        cell.title = got;
      }
    } catch (err) {
      allSame = false;
      cell.className = "state bad";
      cell.innerHTML = `✗ ${esc(errText(err))}`;
    }
  }));
  el.dataset.status = allSame ? "ok" : "fail";
}

// ------------------------------------------------------------------ latest checkpoint check

function readSeen() {
  try { return JSON.parse(localStorage.getItem(SEEN_KEY) || "{}") || {}; } catch { return {}; }
}
let seenMemory = readSeen();
function rememberSeen(origin, size, root) {
  seenMemory = { ...readSeen(), [origin]: { size: size.toString(), root, at: new Date().toISOString() } };
  try { localStorage.setItem(SEEN_KEY, JSON.stringify(seenMemory)); } catch { /* private mode: memory only */ }
}

const MARK = { ok: "✓", bad: "✗", skip: "–" };
function renderSteps(steps) {
  return `<ol class="steps">${steps.map((s) => `<li data-step="${s.id}" class="${s.status}">
      <span class="mark ${s.status === "ok" ? "ok" : s.status === "bad" ? "bad" : "muted"}" aria-hidden="true">${MARK[s.status]}</span>
      <span class="title">${t(s.zh, s.en)}<span class="visually-hidden"> (${s.status === "ok" ? "通过 / passed" : s.status === "bad" ? "未通过 / failed" : "未检查 / not checked"})</span></span>
      <span class="detail bi">${t(s.detailZh, s.detailEn)}</span></li>`).join("")}</ol>`;
}

async function checkLatest() {
  const el = $("check-result");
  const button = $("check-latest");
  button.disabled = true;
  el.dataset.status = "checking";
  el.innerHTML = `<p class="muted">${t("正在核对…", "Checking…")}</p>`;
  try {
    let cps, keys;
    try {
      [cps, keys] = await Promise.all([api("GET", "/api/v1/checkpoints"), api("GET", "/api/v1/keys")]);
    } catch (err) {
      el.dataset.status = "fail";
      el.innerHTML = `<div class="notice bad" role="alert">${verdict("✗", `无法从服务器取得数据: ${errText(err)}`, `Could not get the data from the server: ${errText(err)}`)}</div>`;
      return;
    }
    const latest = cps.latest;
    if (!latest) {
      el.dataset.status = "fail";
      el.innerHTML = `<div class="notice bad" role="alert">${verdict("✗", "还没有检查点可以核对。", "There is no checkpoint to check yet.")}</div>`;
      return;
    }
    const steps = [];
    const step = (id, status, zh, en, detailZh, detailEn) => steps.push({ id, status, zh, en, detailZh, detailEn });
    const failStep = (id, zh, en, err) => step(id, "bad", zh, en, err.zh || errText(err), err.en || errText(err));

    let key = null, checkpoint = null, engine = null;
    try {
      key = await tlog.parseVerifierKey(keys.log_key);
      step("key", "ok", "日志密钥格式正确", "The log key is well formed",
        `${key.name}, 密钥 ID ${tlog.keyIdHex(key.keyId)} 与公钥相符。`, `${key.name}, key ID ${tlog.keyIdHex(key.keyId)} matches the public key.`);
    } catch (err) {
      failStep("key", "日志密钥格式正确", "The log key is well formed", err);
    }

    if (key) {
      try {
        ({ engine } = await tlog.verifyNote(latest.note, [key]));
        step("signature", "ok", "检查点由日志密钥签名", "The checkpoint is signed by the log key",
          `Ed25519 签名在本浏览器中验证通过 (${engine === "webcrypto" ? "WebCrypto" : "内置实现"})。`, `The Ed25519 signature verified in this browser (${engine === "webcrypto" ? "WebCrypto" : "built-in"}).`);
      } catch (err) {
        failStep("signature", "检查点由日志密钥签名", "The checkpoint is signed by the log key", err);
      }
    } else {
      step("signature", "skip", "检查点由日志密钥签名", "The checkpoint is signed by the log key", "日志密钥无法读取, 无法核对签名。", "The log key could not be read, so the signature could not be checked.");
    }

    try {
      checkpoint = tlog.parseCheckpoint(tlog.parseNote(latest.note).text);
    } catch (err) {
      failStep("origin", "检查点属于本选举的日志", "The checkpoint belongs to this election's log", err);
    }

    if (checkpoint) {
      try {
        if (keys.origin !== `scrutineer/${keys.election}`) {
          throw new tlog.TlogError("origin", `服务器给出的日志名 “${keys.origin}” 与选举 “${keys.election}” 不对应`, `The server's log name "${keys.origin}" does not belong to election "${keys.election}"`);
        }
        if (key) tlog.checkOrigin(checkpoint, key, keys.origin);
        else if (checkpoint.origin !== keys.origin) throw new tlog.TlogError("origin", `检查点属于 “${checkpoint.origin}”`, `The checkpoint is for "${checkpoint.origin}"`);
        step("origin", "ok", "检查点属于本选举的日志", "The checkpoint belongs to this election's log", `日志名 ${keys.origin}`, `Log name ${keys.origin}`);
      } catch (err) {
        failStep("origin", "检查点属于本选举的日志", "The checkpoint belongs to this election's log", err);
      }

      const sizeTitle = ["树的大小没有变小", "The tree did not shrink"];
      try {
        const size = checkpoint.size;
        const root = tlog.bytesToBase64(checkpoint.root);
        if (String(latest.size) !== size.toString()) {
          throw new tlog.TlogError("size", `列表说最新大小是 ${latest.size}, 签名的检查点却是 ${size}`, `The list says the latest size is ${latest.size}, but the signed checkpoint says ${size}`);
        }
        const sizes = (cps.sizes || []).map((s) => BigInt(s));
        for (let i = 1; i < sizes.length; i++) {
          if (sizes[i] <= sizes[i - 1]) {
            throw new tlog.TlogError("size", `检查点历史不是递增的: ${sizes[i - 1]} 之后是 ${sizes[i]}`, `The checkpoint history does not increase: ${sizes[i]} follows ${sizes[i - 1]}`);
          }
        }
        if (sizes.length && sizes[sizes.length - 1] !== size) {
          throw new tlog.TlogError("size", `历史中最大的检查点是 ${sizes[sizes.length - 1]}, 不是 ${size}`, `The largest checkpoint in the history is ${sizes[sizes.length - 1]}, not ${size}`);
        }
        const seen = readSeen()[checkpoint.origin] || seenMemory[checkpoint.origin];
        if (seen) {
          const before = BigInt(seen.size);
          if (size < before) {
            throw new tlog.TlogError("size", `这个检查点的大小 ${size} 小于本浏览器以前见过的 ${before} (${seen.at}): 日志可能被回滚`, `This checkpoint's size ${size} is smaller than the size ${before} this browser saw before (${seen.at}): the log may have been rolled back`);
          }
          if (size === before && root !== seen.root) {
            throw new tlog.TlogError("size", `大小同为 ${size}, 根哈希却与以前见过的不同: 日志出现了分叉`, `At the same size ${size} the root differs from the one seen before: the log has forked`);
          }
          step("size", "ok", ...sizeTitle, `大小 ${size} ≥ 本浏览器以前见过的 ${before}。`, `Size ${size} ≥ the size ${before} this browser saw before.`);
        } else {
          step("size", "ok", ...sizeTitle, `大小 ${size}; 本浏览器以前没有见过这个日志的检查点, 已记下以便下次比较。`, `Size ${size}; this browser had not seen this log before and remembers it for next time.`);
        }
      } catch (err) {
        failStep("size", ...sizeTitle, err);
      }
    } else {
      step("size", "skip", "树的大小没有变小", "The tree did not shrink", "检查点无法读取。", "The checkpoint could not be read.");
    }

    const allOk = steps.every((s) => s.status === "ok");
    if (allOk) {
      rememberSeen(checkpoint.origin, checkpoint.size, tlog.bytesToBase64(checkpoint.root));
      // Hex, as `scrutineer verify` prints it (the checkpoint text itself holds base64).
      const root = tlog.bytesToHex(checkpoint.root);
      el.dataset.status = "ok";
      el.innerHTML = `<div class="notice ok" role="status">${verdict("✓",
        `第 ${checkpoint.size} 号检查点 (共 ${checkpoint.size} 条) 由日志密钥 ${key.name}+${tlog.keyIdHex(key.keyId)} 签名, 属于本选举的日志, 且没有变小。根哈希 ${root}。核对于 ${clock()}。`,
        `Checkpoint ${checkpoint.size} (${checkpoint.size} entries) is signed by the log key ${key.name}+${tlog.keyIdHex(key.keyId)}, belongs to this election's log and did not shrink. Root ${root}. Checked at ${clock()}.`)}</div>${renderSteps(steps)}`;
    } else {
      const failed = steps.filter((s) => s.status !== "ok");
      el.dataset.status = "fail";
      el.innerHTML = `<div class="notice bad" role="alert">${verdict("✗",
        `核对未通过。以下${failed.length > 1 ? "各" : "这一"}项没有得到证明: ${failed.map((s) => `“${s.zh}”`).join("、")}。`,
        `The check failed. Not proven: ${failed.map((s) => `"${s.en}"`).join("; ")}.`)}</div>${renderSteps(steps)}`;
    }
  } catch (err) {
    el.dataset.status = "fail";
    el.innerHTML = `<div class="notice bad" role="alert">${verdict("✗", `核对时出错: ${err.zh || errText(err)}`, `The check could not run: ${err.en || errText(err)}`)}</div>`;
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------------ self-test

async function runSelfTest() {
  const el = $("self-test-result");
  const button = $("self-test");
  button.disabled = true;
  el.dataset.status = "checking";
  el.innerHTML = `<p class="muted">${t("正在自检…", "Running…")}</p>`;
  try {
    const results = await tlog.selfTest();
    const passed = results.filter((r) => r.ok).length;
    const allOk = passed === results.length;
    el.dataset.status = allOk ? "ok" : "fail";
    el.innerHTML = `<div class="notice ${allOk ? "ok" : "bad"}" role="${allOk ? "status" : "alert"}">${allOk
      ? verdict("✓", `自检通过: ${passed}/${results.length} 项。`, `Self-test passed: ${passed}/${results.length}.`)
      : verdict("✗", `自检未通过: ${results.length - passed} 项失败 (共 ${results.length} 项)。`, `Self-test failed: ${results.length - passed} of ${results.length} failed.`)}</div>
      <ol class="steps">${results.map((r, i) => `<li data-step="${i}" class="${r.ok ? "ok" : "bad"}">
        <span class="mark ${r.ok ? "ok" : "bad"}" aria-hidden="true">${r.ok ? "✓" : "✗"}</span>
        <span class="title">${t(r.zh, r.name)}</span><span class="detail mono">${esc(r.detail)}</span></li>`).join("")}</ol>`;
  } catch (err) {
    el.dataset.status = "fail";
    el.innerHTML = `<div class="notice bad" role="alert">✗ ${esc(errText(err))}</div>`;
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------------ start

$("check-latest").addEventListener("click", checkLatest);
$("self-test").addEventListener("click", runSelfTest);
refreshLog();
setInterval(refreshLog, REFRESH_MS);
loadKeys();
loadAssets();

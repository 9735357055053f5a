// Shared by every page: the API client (session cookie + CSRF header), the language switch,
// HTML escaping, bilingual messages (an error's code small after the sentence; `act` clears a
// message area before each action), and the hall's clock (`localTime`, in the zone GET
// /healthz names, not the browser's). No dependencies, no network beyond this server.

let csrf = null;

/** Escapes text for HTML. */
export function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

/** A bilingual span pair: Chinese first, English second. */
export function t(zh, en) {
  return `<span class="zh">${esc(zh)}</span><span class="en">${esc(en)}</span>`;
}

/** Calls the API. Resolves to the JSON body; rejects with {status, code, message}. */
export async function api(method, path, body, { raw = false, contentType = "application/json" } = {}) {
  const headers = {};
  if (csrf && method !== "GET") headers["X-CSRF-Token"] = csrf;
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = contentType;
    payload = contentType === "application/json" ? JSON.stringify(body) : body;
  }
  const res = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
  if (raw && res.ok) return res;
  const text = await res.text();
  let data;
  try { data = text ? JSON.parse(text) : {}; } catch { data = { message: text }; }
  if (!res.ok) throw { status: res.status, code: data.code || "http_" + res.status, message: data.message || text, data };
  return data;
}

/** Signs in with a cookie session and keeps the CSRF token. */
export async function login(username, password) {
  const s = await api("POST", "/api/v1/login", { username, password });
  csrf = s.csrf;
  return s;
}

/** Restores the session after a reload (the cookie survives; the CSRF token is fetched again). */
export async function restoreSession() {
  try {
    const s = await api("GET", "/api/v1/session");
    csrf = s.csrf;
    // A session whose one-time password is not changed yet can do nothing else: sign in
    // again, which leads to the change form.
    if (s.must_change_password) {
      await logout();
      return null;
    }
    return s;
  } catch {
    return null;
  }
}

export function setCsrf(token) { csrf = token; }

export async function logout() {
  try { await api("POST", "/api/v1/logout"); } catch { /* already gone */ }
  csrf = null;
}

/** A "中文 / English" server message as a bilingual pair (split at the first " / " whose right
 *  side is mostly not Chinese); the whole text, escaped, when it does not split that way. */
export function bi(message) {
  const text = String(message ?? "");
  const cjk = (s) => (s.match(/[\u3400-\u9fff]/g) || []).length;
  let at = text.indexOf(" / ");
  while (at > 0) {
    const zh = text.slice(0, at), en = text.slice(at + 3);
    const letters = en.replace(/\s/g, "").length;
    if (cjk(zh) > 0 && letters > 0 && cjk(en) * 4 < letters) return t(zh, en);
    at = text.indexOf(" / ", at + 3);
  }
  return esc(text);
}

/** An error code for support, after the sentence: small and muted, never inside it. */
export function errorCode(code) {
  return code ? ` <small class="err-code mono">[${esc(code)}]</small>` : "";
}

/** Shows an error from `api` in an element: the message in the page's language, then its
 *  code, small, so support can find it. */
export function showError(el, err) {
  if (!el) return;
  el.innerHTML = `<div class="notice bad" role="alert">${bi(err?.message || err)}${errorCode(err?.code || "error")}</div>`;
}

export function showOk(el, html) {
  if (!el) return;
  el.innerHTML = `<div class="notice ok" role="status">${html}</div>`;
}

/** Empties a message area: every action clears its message first, so nothing stale stays. */
export function clearMessage(el) {
  if (el) el.replaceChildren();
}

/**
 * Runs one action of a page: clears `el` first, then runs `fn`; a refusal is shown in `el`
 * (and passed to `onError` first, which may return true to say it handled it, e.g. a lost
 * session). Resolves to what `fn` resolved to, or undefined after a refusal.
 */
export async function act(el, fn, { onError } = {}) {
  clearMessage(el);
  try {
    return await fn();
  } catch (err) {
    if (!(onError && onError(err))) showError(el, err);
    return undefined;
  }
}

// ---------------------------------------------------------------- the hall's clock

/** The hall's offset from UTC when /healthz cannot say (China Standard Time). */
const HALL_OFFSET_DEFAULT_MINUTES = 480;
const hall = { timezone: "Asia/Shanghai", offset: HALL_OFFSET_DEFAULT_MINUTES, known: false };
let hallLoading = null;

/**
 * The hall's time zone from GET /healthz (`timezone`, `utc_offset_minutes`), fetched once and
 * cached. Resolves to `{timezone, offset}`; UTC+8 when the service does not answer.
 */
export function hallZone() {
  if (!hallLoading) {
    hallLoading = fetch("/healthz", { cache: "no-store", credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((h) => {
        if (h && Number.isInteger(h.utc_offset_minutes) && Math.abs(h.utc_offset_minutes) <= 18 * 60) {
          hall.offset = h.utc_offset_minutes;
          hall.timezone = String(h.timezone || "");
          hall.known = true;
        }
      })
      .catch(() => { /* the default stands */ })
      .then(() => ({ timezone: hall.timezone, offset: hall.offset }));
  }
  return hallLoading;
}

/** "UTC+8" or "UTC+5:30" for the hall's offset. */
export function hallOffsetLabel() {
  const m = hall.offset;
  const a = Math.abs(m);
  return `UTC${m < 0 ? "-" : "+"}${Math.floor(a / 60)}${a % 60 ? `:${String(a % 60).padStart(2, "0")}` : ""}`;
}

/** Milliseconds since the epoch of a Unix time in seconds, a Date, an RFC 3339 string or the
 *  service's "2026-12-01 01:30:00 UTC"; NaN when it is none of those. */
function epochMs(value) {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value * 1000;
  const s = String(value ?? "").trim();
  if (/^\d{9,11}$/.test(s)) return Number(s) * 1000;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(?:UTC|Z)$/i.exec(s);
  if (m) return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  return s ? Date.parse(s) : NaN;
}

/**
 * A time in the hall's zone (not the browser's, not UTC): `2026-12-01 09:30`. `value` is a
 * Unix time in seconds, a Date, or a time string with its zone. `{date: false}` gives `09:30`,
 * `{seconds: true}` adds the seconds. Plain text (escape it). The offset is /healthz's once it
 * has answered (see `hallZone`; pages that show times await it once), UTC+8 before.
 */
export function localTime(value, { date = true, seconds = false } = {}) {
  const ms = epochMs(value);
  if (!Number.isFinite(ms)) return String(value ?? "");
  if (!hall.known) hallZone();
  const d = new Date(ms + hall.offset * 60000);
  const p = (n) => String(n).padStart(2, "0");
  let out = `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
  if (seconds) out += `:${p(d.getUTCSeconds())}`;
  if (date) out = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${out}`;
  return out;
}

/**
 * The time of a check (spoiled ballot) or a kiosk test: from conduct protocol 10 the log keeps
 * the hour only (docs/LOG_FORMAT.md, "Protocol 10"), shown as the hour it falls in
 * ("2026-12-05 10:00–11:00"); an older log's time to the second.
 */
export function checkTime(value) {
  const ms = epochMs(value);
  if (!Number.isFinite(ms)) return String(value ?? "");
  if (ms % 3600000 !== 0) return localTime(value, { seconds: true });
  return `${localTime(value)}–${localTime(new Date(ms + 3600000), { date: false })}`;
}

/** Wires the 中文/English switch button and remembers the choice. */
export function languageSwitch(button) {
  const apply = (lang) => {
    document.documentElement.dataset.lang = lang;
    document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
    button.textContent = lang === "en" ? "中文" : "English";
    try { localStorage.setItem("scrutineer.lang", lang); } catch { /* private mode */ }
  };
  let lang = "zh";
  try { lang = localStorage.getItem("scrutineer.lang") || "zh"; } catch { /* none */ }
  apply(lang);
  button.addEventListener("click", () => apply(document.documentElement.dataset.lang === "en" ? "zh" : "en"));
}

/** A simple sign-in form in `el`; calls `done(session)` on success. */
export function loginForm(el, roleLabel, done) {
  el.innerHTML = `
    <form class="card" id="login-form">
      <h2>${roleLabel}</h2>
      <p><label>${t("用户名", "User name")}<br><input name="username" autocomplete="username" required></label></p>
      <p><label>${t("密码", "Password")}<br><input name="password" type="password" autocomplete="current-password" required></label></p>
      <p><button type="submit">${t("登录", "Sign in")}</button></p>
      <div id="login-msg"></div>
    </form>`;
  el.querySelector("form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    clearMessage(el.querySelector("#login-msg"));
    try {
      const s = await login(f.get("username"), f.get("password"));
      if (s.must_change_password) passwordForm(el, s, f.get("password"), done);
      else done(s);
    } catch (err) {
      showError(el.querySelector("#login-msg"), err);
    }
  });
}

/** The first sign-in with a one-time password: a new password before anything else. */
export function passwordForm(el, session, oldPassword, done) {
  el.innerHTML = `
    <form class="card" id="first-password-form">
      <h2>${t("请设置新密码", "Choose a new password")}</h2>
      <p>${t("这是一次性密码, 须先换成只有您知道的新密码。至少 12 个字符; 欢迎用一句好记的话 (几个不相关的词)。常用密码、键盘顺序和日期会被拒绝。",
        "This is a one-time password: replace it with one only you know. At least 12 characters; a passphrase of a few unrelated words is welcome. Common passwords, keyboard runs and dates are refused.")}</p>
      <p><label>${t("新密码", "New password")}<br><input name="new" type="password" autocomplete="new-password" minlength="12" required></label></p>
      <p><label>${t("再输入一次", "Repeat it")}<br><input name="repeat" type="password" autocomplete="new-password" minlength="12" required></label></p>
      <p><button type="submit">${t("保存并继续", "Save and continue")}</button></p>
      <div id="first-password-msg"></div>
    </form>`;
  const form = el.querySelector("form");
  form.querySelector("input[name=new]").focus();
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const msg = el.querySelector("#first-password-msg");
    clearMessage(msg);
    if (f.get("new") !== f.get("repeat")) {
      showError(msg, { message: "两次输入的密码不一致 / the two passwords differ", code: "password_mismatch" });
      return;
    }
    try {
      await api("POST", "/api/v1/password", { old: oldPassword, new: f.get("new") });
      done({ ...session, must_change_password: false });
    } catch (err) {
      showError(msg, err);
    }
  });
}

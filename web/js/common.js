// Shared by every page: the API client (session cookie + CSRF header), the language switch,
// HTML escaping and bilingual messages. No dependencies, no network beyond this server.

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

/** Shows an error from `api` in an element, code included so support can find it. */
export function showError(el, err) {
  el.innerHTML = `<div class="notice bad" role="alert">${esc(err.message || err)} <span class="mono">[${esc(err.code || "error")}]</span></div>`;
}

export function showOk(el, html) {
  el.innerHTML = `<div class="notice ok" role="status">${html}</div>`;
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

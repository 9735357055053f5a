//! Accounts, sessions and roles. Passwords are hashed with Argon2; sessions are random tokens
//! stored only as their SHA-256; browsers hold them in an HttpOnly SameSite=Strict cookie and
//! must echo the session's CSRF token in `X-CSRF-Token` on every state-changing request;
//! scripts send `Authorization: Bearer <token>` instead (no cookie, so no CSRF).

use crate::codes::Code;
use std::future::{ready, Ready};
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::state::AppState;
use crate::records::Session;

pub const SESSION_COOKIE: &str = "scrutineer_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The roles of DESIGN.md. `Public` needs no account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Organiser,
    Registrar,
    Kiosk,
    Teller,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Organiser,
        Role::Registrar,
        Role::Kiosk,
        Role::Teller,
        Role::Auditor,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Role::Organiser => "organiser",
            Role::Registrar => "registrar",
            Role::Kiosk => "kiosk",
            Role::Teller => "teller",
            Role::Auditor => "auditor",
        }
    }

    pub fn from_id(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.id() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Organiser => "组织者",
            Role::Registrar => "签到员",
            Role::Kiosk => "投票机",
            Role::Teller => "计票人",
            Role::Auditor => "审计员",
        }
    }
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub fn random_token(bytes: usize) -> Result<String, ApiError> {
    let mut b = vec![0u8; bytes];
    SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| ApiError::Internal("random source failed".into()))?;
    Ok(B64URL.encode(b))
}

/// A readable one-time password: 4 groups of 4 from an unambiguous alphabet.
pub fn random_password() -> Result<String, ApiError> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut b = [0u8; 16];
    SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| ApiError::Internal("random source failed".into()))?;
    let chars: Vec<char> = b
        .iter()
        .map(|x| ALPHABET[*x as usize % ALPHABET.len()] as char)
        .collect();
    Ok(chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub fn hash_password(password: &str) -> Result<String, ApiError> {
    let mut salt = [0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| ApiError::Internal("random source failed".into()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| ApiError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(e.to_string()))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PASSWORD_CHECKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// An Argon2 hash with the service's parameters that no password matches in practice: a
/// sign-in for an unknown account is checked against it, so that it costs what a wrong
/// password for a real account costs and the answer's timing does not tell them apart.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut secret = [0u8; 32];
        let _ = SystemRandom::new().fill(&mut secret);
        hash_password(&B64URL.encode(secret)).unwrap_or_default()
    })
}

/// Argon2 verifications run (against real and dummy hashes alike); `/metrics` shows it and
/// the tests use it to see that an unknown name costs one verification, like a wrong password.
pub static PASSWORD_CHECKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Checks a sign-in's password against the account, or against the dummy hash when there is
/// no such account: one Argon2 verification either way.
pub fn verify_login(password: &str, account: Option<&crate::records::Account>) -> bool {
    match account {
        Some(a) => verify_password(password, &a.password_hash),
        None => {
            let _ = verify_password(password, dummy_hash());
            false
        }
    }
}

/// Work of one kind running now, from all requests, with a cap: a place is taken before the
/// work starts and given back when its [`Slot`] is dropped. For CPU- or memory-heavy work a
/// public request can start (a password check, a stateless tally), so that many clients,
/// each within its own rate limit, cannot together take the hall machine from casting.
#[derive(Default)]
pub struct Slots(std::sync::atomic::AtomicUsize);

impl Slots {
    pub const fn new() -> Slots {
        Slots(std::sync::atomic::AtomicUsize::new(0))
    }

    /// A place, or `None` when `max` are taken (the caller answers 429 `rate_limited`).
    pub fn take(&'static self, max: usize) -> Option<Slot> {
        self.0
            .fetch_update(
                std::sync::atomic::Ordering::AcqRel,
                std::sync::atomic::Ordering::Acquire,
                |n| (n < max).then_some(n + 1),
            )
            .ok()
            .map(|_| Slot(&self.0))
    }
}

/// A place among [`Slots`]; given back when dropped.
pub struct Slot(&'static std::sync::atomic::AtomicUsize);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

/// Password checks (Argon2id, 19 MiB and two passes each) running now, from all requests.
static PASSWORD_CHECKS_RUNNING: Slots = Slots::new();

/// Most password checks at once: two per core, at least four. Sign-ins spread over many
/// addresses each pass the per-address limit; together they must not take the hall machine's
/// memory and cores from casting.
fn password_checks_max() -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .saturating_mul(2)
        .max(4)
}

/// A place for one password check, or `None` when [`password_checks_max`] run already (the
/// caller answers 429 `rate_limited`, to be tried again in a second).
pub fn password_slot() -> Option<Slot> {
    PASSWORD_CHECKS_RUNNING.take(password_checks_max())
}

/// Warms the dummy hash up, so the first unknown sign-in is not slower than the rest.
pub fn prepare() {
    let _ = dummy_hash();
}

/// A staff account's name: 1 to 40 of ASCII letters, digits, `-` and `_` (so it reads the
/// same on every screen and no two names look alike), not starting with `kiosk-` in any case
/// (a paired kiosk's session name: pairing kiosk `x` would end staff `kiosk-x`'s sessions).
pub fn check_username(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !name.to_ascii_lowercase().starts_with("kiosk-");
    if ok {
        Ok(())
    } else {
        Err(ApiError::Invalid {
            code: Code::BadUsername,
            message: "用户名只能用字母、数字、- 和 _, 最多 40 个, 不以 kiosk- 开头 / user names use letters, digits, - and _, at most 40, and do not start with kiosk-".into(),
        })
    }
}

/// Fewest characters in a new password.
pub const PASSWORD_CHARS_MIN: usize = 12;
/// Most characters in a password (Argon2 takes any length; the strength check does not need
/// more, and a megabyte of password is an attack on the CPU).
pub const PASSWORD_CHARS_MAX: usize = 256;

/// The password policy (NIST SP 800-63B §5.1.1.2): at least 12 characters, any characters,
/// passphrases welcome; refused if it is among the commonly used passwords, a keyboard or
/// date pattern, or made from the user name: the zxcvbn estimator (its dictionaries of common
/// passwords and words) must rate it at least 3 of 4 ("safely unguessable").
pub fn check_new_password(username: &str, old: &str, new: &str) -> Result<(), ApiError> {
    let chars = new.chars().count();
    if chars < PASSWORD_CHARS_MIN {
        return Err(ApiError::Invalid {
            code: Code::PasswordTooShort,
            message: format!("新密码至少 {PASSWORD_CHARS_MIN} 个字符 (现在 {chars} 个); 可以用一句好记的话 / the new password needs at least {PASSWORD_CHARS_MIN} characters (it has {chars}); a passphrase of a few words is welcome"),
        });
    }
    if chars > PASSWORD_CHARS_MAX {
        return Err(ApiError::Invalid {
            code: Code::PasswordTooLong,
            message: format!("新密码最多 {PASSWORD_CHARS_MAX} 个字符 / the new password has at most {PASSWORD_CHARS_MAX} characters"),
        });
    }
    if new == old {
        return Err(ApiError::Invalid {
            code: Code::PasswordUnchanged,
            message: "新密码不能与旧密码相同 / the new password must differ from the old one"
                .into(),
        });
    }
    let estimate = zxcvbn::zxcvbn(new, &[username, "scrutineer", "jianpiao", "监票"]);
    if (estimate.score() as u8) < 3 {
        let hint = estimate
            .feedback()
            .and_then(|f| f.warning())
            .map(|w| format!(" ({w})"))
            .unwrap_or_default();
        return Err(ApiError::Invalid {
            code: Code::PasswordCommon,
            message: format!("这个密码太常见或太好猜 (常用密码、键盘顺序、日期或用户名), 请换一个, 例如几个词组成的一句话 / this password is too common or too easy to guess{hint}; try a passphrase of a few unrelated words"),
        });
    }
    Ok(())
}

/// What a session with a one-time password may do before the password is changed.
pub const ALLOWED_BEFORE_PASSWORD_CHANGE: [&str; 3] =
    ["/api/v1/session", "/api/v1/password", "/api/v1/logout"];

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Caller {
    pub username: String,
    pub role: Role,
    pub token_hash: Vec<u8>,
}

impl Caller {
    /// Refuses a caller whose role is not among `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden {
                role: self.role.id(),
                allowed: roles.iter().map(|r| r.id()).collect::<Vec<_>>().join(", "),
            })
        }
    }
}

fn extract(req: &HttpRequest) -> Result<Caller, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal("no app state".into()))?;
    let bearer = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let (token, via_cookie) = match bearer {
        Some(t) => (t, false),
        None => match req.cookie(SESSION_COOKIE) {
            Some(c) => (c.value().to_string(), true),
            None => return Err(ApiError::Unauthenticated),
        },
    };
    let token_hash = hash_token(&token);
    let session: Session = state
        .records
        .session(&token_hash)
        .map_err(ApiError::from)?
        .ok_or(ApiError::Unauthenticated)?;
    if session.expires < now() {
        let _ = state.records.remove_session(&token_hash);
        return Err(ApiError::Unauthenticated);
    }
    let method = req.method().as_str();
    if via_cookie && !matches!(method, "GET" | "HEAD" | "OPTIONS") {
        let sent = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !crate::records::ct_eq(sent.as_bytes(), session.csrf.as_bytes()) {
            return Err(ApiError::Csrf);
        }
    }
    let role = Role::from_id(&session.role).ok_or(ApiError::Unauthenticated)?;
    // A staff session holds only while its account does: disabling an account and ending
    // its sessions are two writes, and a crash between them (or a session written back by a
    // racing request) must not leave a disabled account signed in.
    if role != Role::Kiosk {
        match state
            .records
            .account(&session.username)
            .map_err(ApiError::from)?
        {
            Some(a) if !a.disabled => {}
            Some(_) => {
                let _ = state.records.remove_session(&token_hash);
                return Err(ApiError::AccountDisabled);
            }
            None => {
                let _ = state.records.remove_session(&token_hash);
                return Err(ApiError::Unauthenticated);
            }
        }
    }
    if session.must_change_password && !ALLOWED_BEFORE_PASSWORD_CHANGE.contains(&req.path()) {
        return Err(ApiError::PasswordChangeRequired);
    }
    Ok(Caller {
        username: session.username,
        role,
        token_hash,
    })
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(extract(req))
    }
}

/// Creates a session that ends at `expires` (Unix seconds) and returns (token, csrf).
pub fn create_session(
    state: &AppState,
    username: &str,
    role: Role,
    expires: u64,
    client: &str,
    must_change_password: bool,
) -> Result<(String, String), ApiError> {
    let token = random_token(32)?;
    let csrf = random_token(24)?;
    state
        .records
        .put_session(
            &hash_token(&token),
            &Session {
                username: username.to_string(),
                role: role.id().to_string(),
                csrf: csrf.clone(),
                expires,
                created: now(),
                client: client.to_string(),
                must_change_password,
            },
        )
        .map_err(ApiError::from)?;
    Ok((token, csrf))
}

/// The roles an extractor admits.
pub trait Allowed {
    const ROLES: &'static [Role];
}

/// A caller already checked against `R::ROLES`. As an extractor it runs before the body is
/// read, so a wrong role is refused with 403 whatever the body holds.
pub struct As<R: Allowed>(pub Caller, std::marker::PhantomData<R>);

impl<R: Allowed> std::ops::Deref for As<R> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl<R: Allowed> FromRequest for As<R> {
    type Error = ApiError;
    type Future = Ready<Result<As<R>, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(extract(req).and_then(|c| {
            c.require(R::ROLES)?;
            Ok(As(c, std::marker::PhantomData))
        }))
    }
}

macro_rules! roles {
    ($name:ident, $($role:ident),+) => {
        pub struct $name;
        impl Allowed for $name {
            const ROLES: &'static [Role] = &[$(Role::$role),+];
        }
    };
}

roles!(Org, Organiser);
roles!(Desk, Organiser, Registrar);
roles!(DeskView, Organiser, Registrar, Teller, Auditor);
roles!(Registrar, Registrar);
roles!(KioskRole, Kiosk);
roles!(TellerRole, Teller);
roles!(Staff, Organiser, Registrar, Teller, Auditor);
roles!(Results, Organiser, Teller, Auditor);
// `rules::conduct::CORRECTION_ROLES`: an auditor reads the corrections, makes none.
roles!(Correctors, Organiser, Registrar, Teller);
roles!(OrgTeller, Organiser, Teller);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn password_checks_at_once_are_capped_and_places_come_back() {
        let held: Vec<Slot> = (0..password_checks_max())
            .map(|_| password_slot().unwrap())
            .collect();
        assert!(password_slot().is_none(), "one more than the cap");
        drop(held);
        assert!(password_slot().is_some());
    }

    #[test]
    fn staff_names_refuse_the_kiosk_prefix_in_any_case() {
        for bad in ["kiosk-x", "Kiosk-hall", "KIOSK-", "a b", ""] {
            assert!(check_username(bad).is_err(), "{bad}");
        }
        for ok in ["kiosk", "kiosk_1", "teller-kiosk-1", "organiser"] {
            assert!(check_username(ok).is_ok(), "{ok}");
        }
    }
}

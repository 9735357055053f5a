//! Per-client fixed-window rate limits for login, pairing, token checks and receipt lookups.
//! A refused request gets 429 with `Retry-After`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed sign-ins of one account name per minute, from every address together: three
/// times the default per-address limit, so that one mistyping person is never stopped by it.
pub const LOGIN_FAILURES_PER_NAME_PER_MINUTE: u32 = 30;

/// Most distinct clients tracked per limit before old windows are dropped.
const CLIENTS_MAX: usize = 100_000;

pub struct Limiter {
    per_minute: u32,
    windows: Mutex<Windows>,
}

/// Each client's window, and when windows older than a minute were last dropped.
struct Windows {
    by_client: HashMap<String, (Instant, u32)>,
    swept: Instant,
}

impl Limiter {
    pub fn new(per_minute: u32) -> Limiter {
        Limiter {
            per_minute,
            windows: Mutex::new(Windows {
                by_client: HashMap::new(),
                swept: Instant::now(),
            }),
        }
    }

    /// Counts one request from `client`; `Err(seconds)` when over the limit. When
    /// [`CLIENTS_MAX`] clients were all seen within the minute, a client not among them waits
    /// (fails closed): the table neither grows without bound nor forgets the busy ones.
    pub fn check(&self, client: &str) -> Result<(), u64> {
        let Ok(mut w) = self.windows.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        let key = client.to_string();
        // Old windows dropped at most once a second, not on every request while full.
        if w.by_client.len() > CLIENTS_MAX && now.duration_since(w.swept) >= Duration::from_secs(1)
        {
            w.by_client
                .retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
            w.swept = now;
        }
        if w.by_client.len() > CLIENTS_MAX && !w.by_client.contains_key(&key) {
            return Err(1);
        }
        let entry = w.by_client.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= Duration::from_secs(60) {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_minute {
            let left = 60u64
                .saturating_sub(now.duration_since(entry.0).as_secs())
                .max(1);
            return Err(left);
        }
        entry.1 += 1;
        Ok(())
    }
}

impl Limiter {
    /// Whether `client` is over the limit now, without counting a request.
    pub fn peek(&self, client: &str) -> Result<(), u64> {
        let Ok(w) = self.windows.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        match w.by_client.get(client) {
            Some((start, n))
                if now.duration_since(*start) < Duration::from_secs(60)
                    && *n >= self.per_minute =>
            {
                Err(60u64
                    .saturating_sub(now.duration_since(*start).as_secs())
                    .max(1))
            }
            _ => Ok(()),
        }
    }
}

/// How long an address that signed in as a name stays known for it ([`KnownSignIns`]): one
/// day (twice the default 12-hour session), so a desk that signed in this morning is known
/// all day.
const KNOWN_SIGN_IN: Duration = Duration::from_secs(24 * 3600);

/// Most addresses remembered per account name; past it the name's oldest is dropped (one
/// account signing in from many addresses cannot push out another's desk).
const KNOWN_ADDRESSES_PER_NAME: usize = 8;

/// The addresses each account name signed in from with its right password, lately. The cap
/// on failed sign-ins per name ([`LOGIN_FAILURES_PER_NAME_PER_MINUTE`]) bounds guesses spread
/// over many addresses; without this, the same cap let anyone on the hall's network keep a
/// name (the first organiser's is always `organiser`) from signing in at all, right password
/// or not, for as long as they sent 30 wrong ones a minute. An address the name signed in
/// from before is not held back by the name's cap (its own per-address limit still holds).
/// Keyed by the account's exact name; forgotten when the account is disabled or its
/// password changes. Only successful sign-ins add to it, so it holds at most
/// [`KNOWN_ADDRESSES_PER_NAME`] addresses per account.
#[derive(Default)]
pub struct KnownSignIns(Mutex<HashMap<String, Vec<(String, Instant)>>>);

impl KnownSignIns {
    /// Remembers that `name` signed in from `client` now.
    pub fn remember(&self, name: &str, client: &str) {
        let Ok(mut m) = self.0.lock() else {
            return;
        };
        let now = Instant::now();
        let list = m.entry(name.to_string()).or_default();
        list.retain(|(c, at)| c != client && now.duration_since(*at) < KNOWN_SIGN_IN);
        if list.len() >= KNOWN_ADDRESSES_PER_NAME {
            list.remove(0);
        }
        list.push((client.to_string(), now));
    }

    /// Whether `name` signed in from `client` within [`KNOWN_SIGN_IN`].
    pub fn knows(&self, name: &str, client: &str) -> bool {
        let Ok(m) = self.0.lock() else {
            return false;
        };
        m.get(name).is_some_and(|l| {
            l.iter()
                .any(|(c, at)| c == client && at.elapsed() < KNOWN_SIGN_IN)
        })
    }

    /// Forgets every address of `name` (its account disabled, or its password changed).
    pub fn forget(&self, name: &str) {
        if let Ok(mut m) = self.0.lock() {
            m.remove(name);
        }
    }
}

pub struct Limits {
    pub login: Limiter,
    /// Failed sign-ins per account name from all addresses together
    /// ([`LOGIN_FAILURES_PER_NAME_PER_MINUTE`]).
    pub login_failures: Limiter,
    /// Where each name signed in from lately: not held back by `login_failures`.
    pub known_sign_ins: KnownSignIns,
    pub pairing: Limiter,
    /// Wrong pairing codes from all clients together (one window, key `"all"`).
    pub pairing_failures: Limiter,
    pub token_check: Limiter,
    pub receipt: Limiter,
    pub export: Limiter,
    /// The public stateless tally (CPU work proportional to its body).
    pub tally: Limiter,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn known_sign_ins_are_per_account_bounded_and_forgotten() {
        let k = KnownSignIns::default();
        for i in 0..=KNOWN_ADDRESSES_PER_NAME {
            k.remember("desk1", &format!("10.0.0.{i}"));
        }
        // The oldest address gave way to the ninth; another account is not touched.
        assert!(!k.knows("desk1", "10.0.0.0"));
        assert!(k.knows("desk1", &format!("10.0.0.{KNOWN_ADDRESSES_PER_NAME}")));
        assert!(!k.knows("Desk1", "10.0.0.1"), "names are exact");
        k.remember("organiser", "10.0.0.1");
        k.forget("desk1");
        assert!(!k.knows("desk1", "10.0.0.1"));
        assert!(k.knows("organiser", "10.0.0.1"));
    }

    #[test]
    fn a_full_table_keeps_its_clients_and_makes_new_ones_wait() {
        let l = Limiter::new(5);
        {
            let mut w = l.windows.lock().unwrap();
            let now = Instant::now();
            for i in 0..=CLIENTS_MAX {
                w.by_client.insert(format!("c{i}"), (now, 1));
            }
        }
        // Everyone was seen this minute: a known client goes on, a new one waits.
        l.check("c7").unwrap();
        assert_eq!(l.check("newcomer"), Err(1));
        assert_eq!(l.windows.lock().unwrap().by_client.len(), CLIENTS_MAX + 1);
    }
}

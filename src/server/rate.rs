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

/// The key a client is limited under: its address, except that an IPv6 address counts as
/// its /64 (one host is usually given a whole /64, and could otherwise take a new address
/// for every request).
fn rate_key(client: &str) -> String {
    match client.parse::<std::net::Ipv6Addr>() {
        Ok(a) if a.to_ipv4_mapped().is_none() => {
            let s = a.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        _ => client.to_string(),
    }
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
        let key = rate_key(client);
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
        match w.by_client.get(&rate_key(client)) {
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

pub struct Limits {
    pub login: Limiter,
    /// Failed sign-ins per account name from all addresses together
    /// ([`LOGIN_FAILURES_PER_NAME_PER_MINUTE`]).
    pub login_failures: Limiter,
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
    fn an_ipv6_client_is_limited_as_its_64_and_ipv4_as_itself() {
        let l = Limiter::new(2);
        // Two addresses of one /64 share a window; another /64 has its own.
        l.check("2001:db8:1:2::1").unwrap();
        l.check("2001:db8:1:2:ffff::9").unwrap();
        assert!(l.check("2001:db8:1:2:abcd::").is_err());
        assert!(l.peek("2001:db8:1:2::77").is_err());
        l.check("2001:db8:1:3::1").unwrap();
        // IPv4 (and IPv4-mapped IPv6) addresses are limited one by one.
        l.check("192.0.2.1").unwrap();
        l.check("192.0.2.1").unwrap();
        assert!(l.check("192.0.2.1").is_err());
        l.check("192.0.2.2").unwrap();
        assert_eq!(rate_key("::ffff:192.0.2.1"), "::ffff:192.0.2.1");
        assert_eq!(rate_key("not an address"), "not an address");
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

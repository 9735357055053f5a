//! Per-client fixed-window rate limits for login, pairing, token checks and receipt lookups.
//! A refused request gets 429 with `Retry-After`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most distinct clients tracked per limit before old windows are dropped.
const CLIENTS_MAX: usize = 100_000;

pub struct Limiter {
    per_minute: u32,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Limiter {
    pub fn new(per_minute: u32) -> Limiter {
        Limiter {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request from `client`; `Err(seconds)` when over the limit.
    pub fn check(&self, client: &str) -> Result<(), u64> {
        let Ok(mut w) = self.windows.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        if w.len() > CLIENTS_MAX {
            w.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let entry = w.entry(client.to_string()).or_insert((now, 0));
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
        match w.get(client) {
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
    pub pairing: Limiter,
    /// Wrong pairing codes from all clients together (one window, key `"all"`).
    pub pairing_failures: Limiter,
    pub token_check: Limiter,
    pub receipt: Limiter,
    pub export: Limiter,
    /// The public stateless tally (CPU work proportional to its body).
    pub tally: Limiter,
}

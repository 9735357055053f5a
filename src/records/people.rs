//! Accounts, sessions and kiosk pairing.

use super::*;

impl Records {
    // ---- accounts ----
    pub fn account(&self, username: &str) -> Result<Option<Account>, RecordsError> {
        self.get("accounts", username.as_bytes())
    }

    pub fn accounts(&self) -> Result<Vec<Account>, RecordsError> {
        self.all("accounts")
    }

    /// Creates an account; refuses an existing name.
    pub fn create_account(&self, a: &Account) -> Result<(), RecordsError> {
        let t = self.tree("accounts")?;
        let bytes = serde_json::to_vec(a).map_err(json_err)?;
        match t
            .compare_and_swap(a.username.as_bytes(), None as Option<&[u8]>, Some(bytes))
            .map_err(index_err)?
        {
            Ok(()) => self.flush(),
            Err(_) => Err(RecordsError::Refused {
                code: Code::AccountExists,
                message: format!(
                    "账号 “{}” 已存在 / the account “{}” already exists",
                    a.username, a.username
                ),
            }),
        }
    }

    pub fn set_account(&self, a: &Account) -> Result<(), RecordsError> {
        self.put("accounts", a.username.as_bytes(), a)?;
        self.flush()
    }

    // ---- sessions (keyed by the SHA-256 of the token, never the token) ----
    pub fn session(&self, token_hash: &[u8]) -> Result<Option<Session>, RecordsError> {
        self.get("sessions", token_hash)
    }

    /// Stores a session and flushes it, so a paired kiosk stays paired across a crash.
    pub fn put_session(&self, token_hash: &[u8], s: &Session) -> Result<(), RecordsError> {
        self.put("sessions", token_hash, s)?;
        self.flush()
    }

    /// Ends every session of an account; returns how many there were.
    pub fn remove_sessions_of(&self, username: &str) -> Result<usize, RecordsError> {
        let t = self.tree("sessions")?;
        let mut gone = 0;
        for kv in t.iter() {
            let (k, v) = kv.map_err(index_err)?;
            let s: Session = serde_json::from_slice(&v).map_err(json_err)?;
            if s.username == username {
                t.remove(k).map_err(index_err)?;
                gone += 1;
            }
        }
        self.flush()?;
        Ok(gone)
    }

    pub fn remove_session(&self, token_hash: &[u8]) -> Result<(), RecordsError> {
        self.tree("sessions")?
            .remove(token_hash)
            .map_err(index_err)?;
        Ok(())
    }

    /// Every live session, with its id; expired ones are removed on the way.
    pub fn sessions(&self, now: u64) -> Result<Vec<SessionInfo>, RecordsError> {
        let t = self.tree("sessions")?;
        let mut out = Vec::new();
        for kv in t.iter() {
            let (k, v) = kv.map_err(index_err)?;
            let s: Session = serde_json::from_slice(&v).map_err(json_err)?;
            if s.expires < now {
                t.remove(k).map_err(index_err)?;
                continue;
            }
            out.push(SessionInfo {
                id: session_id(&k),
                session: s,
            });
        }
        out.sort_by(|a, b| (a.session.created, &a.id).cmp(&(b.session.created, &b.id)));
        Ok(out)
    }

    /// Ends the session with this id; returns it, or `None` if there is none.
    pub fn remove_session_by_id(&self, id: &str) -> Result<Option<Session>, RecordsError> {
        let t = self.tree("sessions")?;
        for kv in t.iter() {
            let (k, v) = kv.map_err(index_err)?;
            if session_id(&k) == id {
                let s: Session = serde_json::from_slice(&v).map_err(json_err)?;
                t.remove(k).map_err(index_err)?;
                self.flush()?;
                return Ok(Some(s));
            }
        }
        Ok(None)
    }

    /// Ends every session of an account but one (the caller's own, after a password change).
    pub fn remove_other_sessions_of(
        &self,
        username: &str,
        keep: &[u8],
    ) -> Result<usize, RecordsError> {
        let t = self.tree("sessions")?;
        let mut gone = 0;
        for kv in t.iter() {
            let (k, v) = kv.map_err(index_err)?;
            let s: Session = serde_json::from_slice(&v).map_err(json_err)?;
            if s.username == username && k.as_ref() != keep {
                t.remove(k).map_err(index_err)?;
                gone += 1;
            }
        }
        self.flush()?;
        Ok(gone)
    }

    // ---- kiosk pairing codes (keyed by their 4-digit slot; the secret only as its SHA-256) ----
    /// Stores a new code under a free slot; `false` if the slot is taken by a live code.
    pub fn put_pairing(&self, slot: &str, p: &Pairing, now: u64) -> Result<bool, RecordsError> {
        let t = self.tree("pairing_slots")?;
        let bytes = serde_json::to_vec(p).map_err(json_err)?;
        loop {
            let current = t.get(slot.as_bytes()).map_err(index_err)?;
            if let Some(v) = &current {
                let live: Pairing = serde_json::from_slice(v).map_err(json_err)?;
                if live.expires >= now {
                    return Ok(false);
                }
            }
            match t
                .compare_and_swap(slot.as_bytes(), current, Some(bytes.clone()))
                .map_err(index_err)?
            {
                Ok(()) => return Ok(true),
                Err(_) => continue,
            }
        }
    }

    /// Whether `slot` holds a live pairing code whose secret hashes to `secret_hash`, without
    /// counting a try (a right code pairs while wrong ones from all clients are paused).
    pub fn pairing_is(
        &self,
        slot: &str,
        secret_hash: &[u8],
        now: u64,
    ) -> Result<bool, RecordsError> {
        let t = self.tree("pairing_slots")?;
        let Some(current) = t.get(slot.as_bytes()).map_err(index_err)? else {
            return Ok(false);
        };
        let p: Pairing = serde_json::from_slice(&current).map_err(json_err)?;
        Ok(p.expires >= now && ct_eq(&p.secret_hash, secret_hash))
    }

    /// Tries a pairing code. A right secret uses the code up; a wrong one counts against it,
    /// and the `tries_max`-th wrong one kills it. Atomic under concurrent tries.
    pub fn take_pairing(
        &self,
        slot: &str,
        secret_hash: &[u8],
        now: u64,
        tries_max: u32,
    ) -> Result<PairingOutcome, RecordsError> {
        let t = self.tree("pairing_slots")?;
        loop {
            let Some(current) = t.get(slot.as_bytes()).map_err(index_err)? else {
                return Ok(PairingOutcome::Unknown);
            };
            let mut p: Pairing = serde_json::from_slice(&current).map_err(json_err)?;
            if p.expires < now {
                t.remove(slot.as_bytes()).map_err(index_err)?;
                return Ok(PairingOutcome::Unknown);
            }
            let right = ct_eq(&p.secret_hash, secret_hash);
            let (next, outcome) = if right {
                (None, PairingOutcome::Paired)
            } else {
                p.failures += 1;
                if p.failures >= tries_max {
                    (None, PairingOutcome::Dead)
                } else {
                    let left = tries_max - p.failures;
                    (
                        Some(serde_json::to_vec(&p).map_err(json_err)?),
                        PairingOutcome::Wrong { left },
                    )
                }
            };
            match t
                .compare_and_swap(slot.as_bytes(), Some(current), next)
                .map_err(index_err)?
            {
                Ok(()) => {
                    self.flush()?;
                    return Ok(outcome);
                }
                Err(_) => continue,
            }
        }
    }
}

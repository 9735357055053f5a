//! The roll, token pools and what each style spent, the desk's figures.

use super::*;

impl Conduct {
    // ------------------------------------------------------------ roll and pools

    /// Registers the roll's size per unit. Protocol 2: only before any contest opened.
    /// Protocol 9: a roll that replaces another leaves every style within its new cap (a
    /// large roll, pools printed against it, then the real roll: the pools stood, and the
    /// tokens past the real roll's cap could be spent).
    pub fn register_roll(&mut self, units: BTreeMap<String, u64>) -> Result<(), ConductError> {
        if self.strict() && self.contests.values().any(|c| c.phase != Phase::Draft) {
            return Err(ConductError::RollLocked);
        }
        let before = self.roll.replace(Arc::new(units));
        if self.protocol >= PROTOCOL_ATTESTED_PAPER {
            let over = (0..self.styles.len())
                .filter_map(|n| u16::try_from(n).ok())
                .find_map(|n| {
                    let registered = self.pool(n).registered;
                    let cap = self.pool_cap(n).unwrap_or(0);
                    (registered > cap).then_some((n, registered, cap))
                });
            if let Some((style, registered, cap)) = over {
                let voters = self.style_voters(style).unwrap_or(0);
                self.roll = before;
                return Err(ConductError::RollBelowPools {
                    style,
                    registered,
                    cap,
                    voters,
                });
            }
        }
        Ok(())
    }

    /// The styles whose token pools closing `contest` voids (before the close is applied):
    /// those holding `contest` whose other contests are all closed, with tokens registered
    /// and not voided yet. The service logs a `tokens_voided` for each in the close's append,
    /// in this order; from protocol 11 `verify` requires them there.
    pub fn pools_a_close_voids(&self, contest: &str) -> Vec<u16> {
        self.styles
            .iter()
            .enumerate()
            .filter(|(_, st)| {
                st.contests.iter().any(|c| c == contest)
                    && st
                        .contests
                        .iter()
                        .all(|c| c == contest || self.phase(c) == Some(Phase::Closed))
            })
            .filter_map(|(n, _)| u16::try_from(n).ok())
            .filter(|n| {
                let pool = self.pool(*n);
                pool.registered > 0 && !pool.voided
            })
            .collect()
    }

    /// The roll's units, in order (none without a roll).
    pub fn roll_units(&self) -> Vec<String> {
        self.roll
            .as_ref()
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Voters on the roll who get this style: the style's unit, or for a style without a
    /// unit, every unit that has no style of its own in that round. `None` without a roll.
    pub fn style_voters(&self, style: u16) -> Option<u64> {
        let roll = self.roll.as_ref()?;
        let s = self.styles.get(usize::from(style))?;
        Some(style_voters(&self.styles, s, roll))
    }

    /// The most tokens a style may have: its voters plus the spare percentage, rounded up.
    pub fn pool_cap(&self, style: u16) -> Option<u64> {
        self.style_voters(style)
            .map(|n| n + (n * u64::from(self.spare_percent)).div_ceil(100))
    }

    /// Whether any contest of a style has started.
    fn style_started(&self, s: &StyleDef) -> bool {
        s.contests.iter().any(|c| {
            self.contests
                .get(c)
                .is_some_and(|x| x.phase != Phase::Draft)
        })
    }

    /// Registers a pool of `count` tokens for a style. Protocol 2: within the cap, and with a
    /// reason once voting in the style has started.
    pub fn register_pool(
        &mut self,
        style: u16,
        count: u64,
        reason: Option<&str>,
    ) -> Result<(), ConductError> {
        let s = self.style(style)?.clone();
        let late = self.style_started(&s);
        if self.strict() {
            let cap = self.pool_cap(style).ok_or(ConductError::RollMissing)?;
            if s.contests.iter().all(|c| {
                self.contests
                    .get(c)
                    .is_some_and(|x| x.phase == Phase::Closed)
            }) {
                return Err(ConductError::PoolAfterClose(style));
            }
            let registered = self.pool(style).registered;
            if registered.saturating_add(count) > cap {
                return Err(ConductError::PoolOverCap {
                    style,
                    cap,
                    voters: self.style_voters(style).unwrap_or(0),
                    spare: self.spare_percent,
                    registered,
                    asked: count,
                });
            }
            if late && reason.is_none_or(|r| r.trim().is_empty()) {
                return Err(ConductError::PoolReasonMissing);
            }
            if late && self.protocol() >= 5 && !reason.is_some_and(super::board_reason_ok) {
                return Err(ConductError::ReasonText("补印选票码", "late pool"));
            }
        }
        let p = self.pools.entry(style).or_default();
        // Saturating: protocol 1 has no cap, and a forged count must not wrap a total.
        p.registered = p.registered.saturating_add(count);
        if late {
            p.late = p.late.saturating_add(count);
        }
        Ok(())
    }

    /// Whether a ballot of this style may be cast now, with `pending` more of the style
    /// already accepted into the current batch.
    pub fn check_spend(&self, style: u16, pending: u64) -> Result<(), ConductError> {
        let s = self.style(style)?;
        for c in &s.contests {
            let cc = self.contest(c)?;
            match cc.phase {
                Phase::Open => {}
                Phase::Draft => return Err(ConductError::ContestNotOpen(c.clone())),
                Phase::Closed => return Err(ConductError::ContestClosed(c.clone())),
            }
            if self.strict() && cc.mode == Mode::Paper {
                return Err(ConductError::NotAnElectronicContest(c.clone()));
            }
        }
        let p = self.pool(style);
        if p.voided {
            return Err(ConductError::TokensVoided);
        }
        if p.spent + pending >= p.registered {
            return Err(ConductError::PoolExhausted {
                style,
                spent: p.spent + pending,
                registered: p.registered,
            });
        }
        Ok(())
    }

    /// Spends one token of a style (after [`Conduct::check_spend`]).
    pub fn spend(&mut self, style: u16) -> Result<(), ConductError> {
        self.check_spend(style, 0)?;
        self.pools.entry(style).or_default().spent += 1;
        Ok(())
    }

    /// Voids the unspent tokens of a style whose contests are all closed; the logged counts
    /// must be what the log implies.
    pub fn void(&mut self, style: u16, voided: u64, spent: u64) -> Result<(), ConductError> {
        let s = self.style(style)?.clone();
        if let Some(c) = s.contests.iter().find(|c| {
            self.contests
                .get(*c)
                .is_none_or(|x| x.phase != Phase::Closed)
        }) {
            return Err(ConductError::ContestNotClosed(c.clone()));
        }
        let p = self.pool(style);
        if p.voided {
            return Err(ConductError::TokensVoided);
        }
        let left = p.registered.saturating_sub(p.spent);
        if self.strict() && (voided != left || spent != p.spent) {
            return Err(ConductError::VoidMismatch {
                style,
                voided_logged: voided,
                spent_logged: spent,
                voided: left,
                spent: p.spent,
            });
        }
        self.pools.entry(style).or_default().voided = true;
        Ok(())
    }
}

//! The ledger's operations: each builds the entries of one step of the election and appends
//! them, checked by the state machine (`state.rs`, over `rules::conduct`) before anything is
//! written. Operations of several entries are appended whole or not at all. The election
//! core (`crate::procedure`) decides what to append from the service records; this layer
//! only knows the log.

use crate::codes::Code;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use ring::rand::SystemRandom;

use super::{keys, store, Appended, Ledger, LedgerConfig, LedgerError};
use crate::record::attest::KeyedBy;
use crate::record::election::{clean_contest, parse_election_to_log};
use crate::record::entry::{
    body_bytes, BallotBody, CheckInCount, ContestClosed, ContestCreated, ContestOpened,
    ElectionRegistered, Entry, EntryKind, PaperBallot, PaperKeyed, PersonBody, PoolRegistered,
    ResultBody, ResultPublished, RollRegistered, RunoffCreated, Secrecy, Style, TellerSignature,
    TokensVoided, TurnoutCorrected,
};
use crate::record::note::{Note, Signer};
use crate::record::parse_logged_ballots;
use crate::record::token::Token;
use crate::rules::conduct::{Figures, Phase, PROTOCOL_CURRENT};
use crate::tokens::pool::{generate_pool, pool_commitment};

pub(super) fn io(path: &Path, e: std::io::Error) -> LedgerError {
    LedgerError::Io {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The default ballot styles: one style in round 1 holding every first-round contest.
pub fn default_styles(spec: &serde_json::Value) -> Vec<Style> {
    let contests: Vec<String> = spec
        .get("contests")
        .and_then(|c| c.as_array())
        .map(|cs| {
            cs.iter()
                .filter(|c| c.get("parent").is_none())
                .filter_map(|c| c.get("id").and_then(|v| v.as_str()).map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if contests.is_empty() {
        // An election of procedures only: their rounds' contests bring their own styles.
        return Vec::new();
    }
    vec![Style {
        round: 1,
        contests,
        title: String::new(),
        unit: String::new(),
        group: String::new(),
    }]
}

/// What registering an election takes.
#[derive(Clone, Debug)]
pub struct Registration {
    /// The election spec, `scrutineer.election/v1`.
    pub spec: Vec<u8>,
    /// Ballot styles; default: one style with every first-round contest.
    pub styles: Option<Vec<Style>>,
    /// Tellers' public keys as signed-note verifier keys.
    pub tellers: Vec<String>,
    pub signatures_required: u32,
    /// Spare tokens per style beyond the roll, in percent.
    pub pool_spare_percent: u32,
    /// Encrypted ballots (with the threshold of tellers), or plaintext with a reason.
    pub secrecy: Secrecy,
}

/// `SHA-256("scrutineer.roll/v1\0" ‖ each number followed by \n, sorted)`: commits to who is
/// on the roll without putting a name in the log.
pub fn roll_commitment<'a>(numbers: impl Iterator<Item = &'a str>) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut sorted: Vec<&str> = numbers.collect();
    sorted.sort_unstable();
    let mut h = Sha256::new();
    h.update(b"scrutineer.roll/v1\0");
    for n in sorted {
        h.update(n.as_bytes());
        h.update(b"\n");
    }
    h.finalize().into()
}

/// A ballot style as it is logged: its title and roll unit in canonical form
/// (`record::names::clean_name`; blank ones stay as they are, meaning none). The unit must
/// match the roll's, which is cleaned the same way.
fn clean_style(style: Style) -> Result<Style, LedgerError> {
    crate::record::election::clean_style(style).map_err(|e| LedgerError::Spec {
        code: e.code(),
        message: e.to_string(),
    })
}

fn clean_styles(styles: Vec<Style>) -> Result<Vec<Style>, LedgerError> {
    styles.into_iter().map(clean_style).collect()
}

/// Who made or approved a change.
pub fn person(name: &str, role: &str) -> PersonBody {
    PersonBody {
        name: name.to_string(),
        role: role.to_string(),
    }
}

impl Ledger {
    /// Creates a new ledger for an election spec and registers it as entry 0, with the
    /// default spare percentage.
    pub fn init(
        config: LedgerConfig,
        spec_bytes: &[u8],
        styles: Option<Vec<Style>>,
        tellers: Vec<String>,
        signatures_required: u32,
    ) -> Result<Ledger, LedgerError> {
        Ledger::register(
            config,
            Registration {
                spec: spec_bytes.to_vec(),
                styles,
                tellers,
                signatures_required,
                pool_spare_percent: super::state::POOL_SPARE_PERCENT_DEFAULT,
                secrecy: Secrecy::Plaintext {
                    reason: "ledger-level tests and tools (Ledger::init)".into(),
                },
            },
        )
    }

    /// Creates a new ledger and registers the election as entry 0 (protocol 2).
    pub fn register(config: LedgerConfig, r: Registration) -> Result<Ledger, LedgerError> {
        // The spec is logged with its names in canonical form (record::names), so that the
        // log, read back as logged, gives the names the input check gave.
        let (election, spec) = parse_election_to_log(&r.spec).map_err(|e| LedgerError::Spec {
            code: e.code(),
            message: e.to_string(),
        })?;
        let styles = match r.styles {
            Some(styles) => Some(clean_styles(styles)?),
            None => None,
        };
        if r.pool_spare_percent > 100 {
            return Err(LedgerError::Refused {
                code: Code::PoolSparePercent,
                message: format!(
                    "备用选票码比例 {}% 超过 100% / a spare of {}% exceeds 100%",
                    r.pool_spare_percent, r.pool_spare_percent
                ),
            });
        }
        let ledger = Ledger::open(config, &election.id)?;
        let log_key = ledger.log_verifier_text()?;
        let body = ElectionRegistered {
            styles: styles.unwrap_or_else(|| default_styles(&spec)),
            spec,
            election_key: keys::election_key_text(&ledger.election_signing_key().verifying_key()),
            log_key,
            tellers: r.tellers,
            signatures_required: r.signatures_required,
            protocol: PROTOCOL_CURRENT,
            pool_spare_percent: Some(r.pool_spare_percent),
            secrecy: Some(r.secrecy),
        };
        if let Err(e) = ledger.append(EntryKind::ElectionRegistered, body_bytes(&body)) {
            // Nothing was written: leave no half-made data directory behind a refused spec.
            let _ = ledger.close();
            return Err(e);
        }
        Ok(ledger)
    }

    /// Whether `data_dir` holds a log that never got its entry 0 whole: a registration cut
    /// off (a crash, a power cut) between making the log and writing its first entry. Such a
    /// log holds nothing (no election); a damaged one (an error reading it) is not this.
    pub fn creation_incomplete(data_dir: &Path) -> bool {
        use crate::record::segment::{
            frames, FrameError, FRAME_ENTRY_BYTES_MAX, FRAME_OVERHEAD_BYTES, SEGMENT_HEADER_BYTES,
        };
        let log = data_dir.join("log");
        if !log.is_dir() {
            return false;
        }
        // A checkpoint is journaled as soon as entry 0 is durable: with one, this is a real
        // election's log (a damaged one is refused at open, never set aside).
        let journal = log.join("checkpoints.log");
        if fs::metadata(&journal).is_ok_and(|m| m.len() > 0) {
            return false;
        }
        let Ok(files) = store::segment_files(&log) else {
            return false;
        };
        match files.as_slice() {
            [] => true,
            [(0, path)] => {
                // Only a stub, or entry 0's frame cut short, is a creation cut off; a frame
                // that is whole but fails its check is damage. Read no more than one frame.
                let most =
                    (SEGMENT_HEADER_BYTES + FRAME_OVERHEAD_BYTES + FRAME_ENTRY_BYTES_MAX) as u64;
                let Ok(meta) = fs::metadata(path) else {
                    return false;
                };
                if meta.len() > most {
                    return false;
                }
                let Ok(bytes) = fs::read(path) else {
                    return false;
                };
                if bytes.len() <= SEGMENT_HEADER_BYTES {
                    return true;
                }
                let (found, error) = frames(&bytes);
                found.is_empty()
                    && matches!(error, Some(FrameError::Truncated { offset }) if offset == SEGMENT_HEADER_BYTES as u64)
            }
            _ => false,
        }
    }

    /// Moves a log that never got its entry 0 ([`Ledger::creation_incomplete`]) aside, with
    /// its index and the keys that registration made, to `incomplete-<unix time>` beside
    /// each (nothing is deleted): the service then starts with no election, and the
    /// organiser creates it again. Answers where the log went.
    pub fn set_aside_incomplete(config: &LedgerConfig) -> Result<std::path::PathBuf, LedgerError> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let aside = config.data_dir.join(format!("incomplete-{stamp}"));
        fs::create_dir_all(&aside).map_err(|e| store::io(&aside, e))?;
        for part in ["log", "index"] {
            let from = config.data_dir.join(part);
            if from.exists() {
                fs::rename(&from, aside.join(part)).map_err(|e| store::io(&from, e))?;
            }
        }
        let keys_aside = config.keys_dir.join(format!("incomplete-{stamp}"));
        for f in keys::KEY_FILES {
            let from = config.keys_dir.join(f);
            if from.exists() {
                fs::create_dir_all(&keys_aside).map_err(|e| store::io(&keys_aside, e))?;
                fs::rename(&from, keys_aside.join(f)).map_err(|e| store::io(&from, e))?;
            }
        }
        Ok(aside)
    }

    /// Opens an existing ledger, reading the election id from its first entry.
    pub fn open_existing(config: LedgerConfig) -> Result<Ledger, LedgerError> {
        let log_dir = config.data_dir.join("log");
        let bytes = store::read_at(
            &log_dir,
            0,
            crate::record::segment::SEGMENT_HEADER_BYTES as u64,
        )
        .map_err(|_| LedgerError::NotInitialised)?;
        let e = Entry::decode(&bytes).map_err(|err| LedgerError::Damaged {
            path: log_dir.display().to_string(),
            detail: err.to_string(),
        })?;
        let reg: ElectionRegistered = e.body_as().map_err(|err| LedgerError::Damaged {
            path: log_dir.display().to_string(),
            detail: err.to_string(),
        })?;
        let id = reg
            .spec
            .get("id")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        Ledger::open(config, &id)
    }

    fn log_verifier_text(&self) -> Result<String, LedgerError> {
        let path = self.keys_dir().join(keys::LOG_PUB_FILE);
        fs::read_to_string(&path)
            .map(|s| s.trim().to_string())
            .map_err(|e| io(&path, e))
    }

    /// Checks entries as if they were appended now, without writing anything.
    pub fn check_all(&self, entries: &[(EntryKind, Vec<u8>)]) -> Result<(), LedgerError> {
        let entries: Vec<Entry> = entries
            .iter()
            .map(|(kind, body)| Entry {
                kind: *kind,
                prev: [0; 32],
                body: body.clone(),
            })
            .collect();
        self.read(|s| s.state.check_admin_all(&entries, &s.tree).map(|_| ()))?
    }

    pub fn open_contest(&self, contest: &str) -> Result<Appended, LedgerError> {
        self.append(
            EntryKind::ContestOpened,
            body_bytes(&ContestOpened {
                contest: contest.to_string(),
            }),
        )
    }

    /// Logs the roll's size per unit and its commitment.
    pub fn register_roll(
        &self,
        units: BTreeMap<String, u64>,
        commitment: [u8; 32],
    ) -> Result<Appended, LedgerError> {
        let voters = units.values().sum();
        self.append(
            EntryKind::RollRegistered,
            body_bytes(&RollRegistered {
                units,
                voters,
                commitment: hex(&commitment),
            }),
        )
    }

    /// Generates a shuffled pool of `count` tokens for a style and registers its count and
    /// commitment. The tokens are returned for printing; the log never learns who gets which.
    /// The pool must fit the style's cap, and carry a reason once voting has started.
    pub fn register_pool(
        &self,
        style: u16,
        count: usize,
        reason: Option<String>,
    ) -> Result<(Vec<Token>, Appended), LedgerError> {
        self.register_pool_staged(style, count, reason, &mut |_| Ok(()))
    }

    /// [`Ledger::register_pool`], with `stage` given the tokens after they are made and
    /// before they are registered: what it refuses (the slip sheet that cannot be written)
    /// registers nothing, so no token is counted against the style's cap that no slip
    /// carries.
    pub fn register_pool_staged(
        &self,
        style: u16,
        count: usize,
        reason: Option<String>,
        stage: &mut dyn FnMut(&[Token]) -> Result<(), LedgerError>,
    ) -> Result<(Vec<Token>, Appended), LedgerError> {
        let (id, round) = self.read(|s| -> Result<(String, u8), LedgerError> {
            let info = s.state.info()?;
            let st = info
                .styles
                .get(style as usize)
                .ok_or_else(|| LedgerError::Refused {
                    code: Code::UnknownStyle,
                    message: format!("没有选票样式 {style} / no ballot style {style}"),
                })?;
            Ok((info.id.clone(), st.round))
        })??;
        let body = |tokens: &[Token]| PoolRegistered {
            style,
            round,
            count: tokens.len() as u64,
            commitment: hex(&pool_commitment(tokens)),
            reason: reason.clone().filter(|r| !r.trim().is_empty()),
        };
        // Refuse before generating: a pool over its cap costs nothing.
        self.check_all(&[(
            EntryKind::PoolRegistered,
            body_bytes(&PoolRegistered {
                count: count as u64,
                ..body(&[])
            }),
        )])?;
        let tokens = generate_pool(
            self.election_signing_key(),
            &id,
            round,
            style,
            count,
            &SystemRandom::new(),
        )
        .map_err(|e| LedgerError::Refused {
            code: e.code(),
            message: e.to_string(),
        })?;
        stage(&tokens)?;
        let appended = self.append(EntryKind::PoolRegistered, body_bytes(&body(&tokens)))?;
        Ok((tokens, appended))
    }

    /// Closes a contest with the desk's figures of each of its styles: one `check_in_count`
    /// per style, the close with their sum, and the voiding of the unspent tokens of every
    /// style whose contests are then all closed, appended whole or not at all.
    pub fn close_contest(
        &self,
        contest: &str,
        desk: &[(u16, Figures)],
    ) -> Result<Vec<Appended>, LedgerError> {
        self.close_contest_by(contest, desk, "")
    }

    /// [`Ledger::close_contest`], naming the account that closed it in the log (`by`). The
    /// pools the close voids, and their spent figures, are read before the append; when
    /// another close, a pool or a ballot changed them in between, the sequencer refuses it
    /// (`group_incomplete`, `void_mismatch`) and it is built again from the state as it now
    /// is (up to 8 times).
    pub fn close_contest_by(
        &self,
        contest: &str,
        desk: &[(u16, Figures)],
        by: &str,
    ) -> Result<Vec<Appended>, LedgerError> {
        self.close_contest_pausing(contest, desk, by, || {})
    }

    /// [`Ledger::close_contest_by`], calling `pause` between each build of the close and its
    /// append (a seam for the test of a ballot or a pool landing in between;
    /// `tests/ledger.rs`).
    #[doc(hidden)]
    pub fn close_contest_pausing(
        &self,
        contest: &str,
        desk: &[(u16, Figures)],
        by: &str,
        mut pause: impl FnMut(),
    ) -> Result<Vec<Appended>, LedgerError> {
        let mut tries = 0;
        loop {
            match self.close_contest_once(contest, desk, by, &mut pause) {
                // A ballot committed since the read changes the pool's spent figure
                // (`void_mismatch`), another close or a pool the pools voided
                // (`group_incomplete`): built again from the state as it now is.
                Err(e)
                    if (e.code() == Code::GroupIncomplete.as_str()
                        || e.code() == Code::VoidMismatch.as_str())
                        && tries < 8 =>
                {
                    tries += 1
                }
                other => return other,
            }
        }
    }

    fn close_contest_once(
        &self,
        contest: &str,
        desk: &[(u16, Figures)],
        by: &str,
        pause: &mut impl FnMut(),
    ) -> Result<Vec<Appended>, LedgerError> {
        let entries = self.read(|s| -> Result<_, LedgerError> {
            let conduct = s.state.conduct()?;
            let mut entries = Vec::new();
            let mut sum = Figures::default();
            for (style, f) in desk {
                let round = conduct.style(*style)?.round;
                entries.push((
                    EntryKind::CheckInCount,
                    body_bytes(&CheckInCount {
                        style: *style,
                        round,
                        present: f.present,
                        slips_issued: f.issued,
                        eligible: Some(f.eligible),
                    }),
                ));
                sum.eligible += f.eligible;
                sum.present += f.present;
                sum.issued += f.issued;
            }
            entries.push((
                EntryKind::ContestClosed,
                body_bytes(&ContestClosed {
                    contest: contest.to_string(),
                    eligible: sum.eligible,
                    present: sum.present,
                    ballots_issued: sum.issued,
                    by: by.to_string(),
                }),
            ));
            for n in conduct.pools_a_close_voids(contest) {
                let pool = conduct.pool(n);
                entries.push((
                    EntryKind::TokensVoided,
                    body_bytes(&TokensVoided {
                        style: n,
                        round: conduct.style(n)?.round,
                        voided: pool.registered.saturating_sub(pool.spent),
                        spent: pool.spent,
                    }),
                ));
            }
            Ok(entries)
        })??;
        pause();
        self.append_all(entries)
    }

    /// Logs an approved correction of a contest's figures beside the desk's.
    pub fn correct_figures(&self, c: TurnoutCorrected) -> Result<Appended, LedgerError> {
        self.append(EntryKind::TurnoutCorrected, body_bytes(&c))
    }

    /// Appends a paper ballot read aloud (唱票) for a paper or hybrid contest. A well-formed
    /// ballot is recorded even when it is void: the tally counts it as void. `sheet`, when
    /// given, must be the sheet being keyed.
    ///
    /// `by` (protocol 9): the text the teller keyed and their signature of it.
    pub fn add_paper_ballot(
        &self,
        contest: &str,
        ballot: serde_json::Value,
        sheet: Option<u64>,
        by: KeyedBy,
    ) -> Result<Appended, LedgerError> {
        let ballot = self.logged_ballot_line(&ballot)?;
        self.append(
            EntryKind::PaperBallot,
            body_bytes(&PaperBallot {
                contest: contest.to_string(),
                ballot,
                sheet,
                keyed: by.keyed,
                attested: by.attested,
            }),
        )
    }

    /// Appends one teller's keying of a sheet of a double-entry contest (`ballot` None: a
    /// withdrawal) and, when `count` is set, the sheet's `paper_ballot` right after it, in
    /// one batch: the rules refuse the pair unless two tellers' keyings then agree. `by`
    /// (protocol 9): the text the teller keyed and their signature of the keying.
    pub fn key_paper_ballot(
        &self,
        contest: &str,
        sheet: u64,
        teller: &str,
        ballot: Option<serde_json::Value>,
        count: bool,
        by: KeyedBy,
    ) -> Result<Vec<Appended>, LedgerError> {
        let ballot = ballot.map(|b| self.logged_ballot_line(&b)).transpose()?;
        let mut entries = vec![(
            EntryKind::PaperKeyed,
            body_bytes(&PaperKeyed {
                contest: contest.to_string(),
                sheet,
                teller: teller.to_string(),
                ballot: ballot.clone(),
                keyed: by.keyed,
                attested: by.attested,
            }),
        )];
        if let (true, Some(ballot)) = (count, ballot) {
            entries.push((
                EntryKind::PaperBallot,
                body_bytes(&PaperBallot {
                    contest: contest.to_string(),
                    ballot,
                    sheet: Some(sheet),
                    keyed: None,
                    attested: None,
                }),
            ));
        }
        self.append_all(entries)
    }

    /// A ballot line as it is logged: its write-ins in canonical form (record::names); a
    /// refused name refuses the ballot before anything is written.
    fn logged_ballot_line(
        &self,
        ballot: &serde_json::Value,
    ) -> Result<serde_json::Value, LedgerError> {
        self.read(|s| -> Result<serde_json::Value, LedgerError> {
            let info = s.state.info()?;
            crate::record::ballot::clean_ballot_line(&info.election, 1, ballot)
                .map(|(_, _, logged)| logged)
                .map_err(LedgerError::Ballot)
        })?
    }

    /// Adds a contest of a later round, created from the published result of contest `from`,
    /// with its style and (protocol 9) its styles for the source's other units.
    pub fn create_contest(
        &self,
        from: &str,
        contest: serde_json::Value,
        (style, more_styles): (Style, Vec<Style>),
    ) -> Result<Appended, LedgerError> {
        let (contest, style) = clean_new_round(contest, style)?;
        let more_styles = clean_styles(more_styles)?;
        self.append(
            EntryKind::ContestCreated,
            body_bytes(&ContestCreated {
                from: from.to_string(),
                contest,
                style,
                more_styles,
                procedure: None,
            }),
        )
    }

    /// Logs a step of a multi-round procedure and, when the next round is held as a contest,
    /// that contest (`(round, contest, style)`) in the same append: the rules check the step
    /// and that the contest lists whom the step passed on.
    pub fn procedure_step(
        &self,
        step: crate::record::procedure::ProcedureStep,
        next: Option<(String, serde_json::Value, Style)>,
    ) -> Result<Vec<Appended>, LedgerError> {
        let procedure = step.procedure.clone();
        let mut entries = vec![(EntryKind::ProcedureStep, body_bytes(&step))];
        if let Some((round, contest, style)) = next {
            let (contest, style) = clean_new_round(contest, style)?;
            entries.push((
                EntryKind::ContestCreated,
                body_bytes(&ContestCreated {
                    from: round,
                    contest,
                    style,
                    more_styles: Vec::new(),
                    procedure: Some(procedure),
                }),
            ));
        }
        self.append_all(entries)
    }

    /// Logs a re-vote of `source`'s invalid round: the new contest and its styles, and why.
    pub fn create_revote(
        &self,
        source: &str,
        reason: &str,
        contest: serde_json::Value,
        (style, more_styles): (Style, Vec<Style>),
    ) -> Result<Appended, LedgerError> {
        let (contest, style) = clean_new_round(contest, style)?;
        let more_styles = clean_styles(more_styles)?;
        self.append(
            EntryKind::RevoteCreated,
            body_bytes(&crate::record::entry::RevoteCreated {
                source: source.to_string(),
                reason: reason.trim().to_string(),
                contest,
                style,
                more_styles,
            }),
        )
    }

    /// The seats a reduction of `contest` removes (those its published result left unfilled)
    /// and the seats it leaves.
    pub fn reduction_of(&self, contest: &str) -> Result<(u32, u32), LedgerError> {
        self.read(|s| -> Result<_, LedgerError> {
            let info = s.state.info()?;
            let c = info
                .election
                .contest_index(contest)
                .and_then(|i| info.election.contests.get(i))
                .ok_or_else(|| {
                    crate::rules::conduct::ConductError::UnknownContest(contest.to_string())
                })?;
            let unfilled = s.state.conduct()?.contest(contest)?.unfilled;
            Ok((unfilled, c.seats().saturating_sub(unfilled)))
        })?
    }

    /// Logs the meeting's decision to reduce `contest`'s seats by those its published result
    /// left unfilled, instead of a new round. The rules check it as they replay it.
    pub fn reduce_seats(
        &self,
        contest: &str,
        basis: &str,
        attested: Option<crate::record::attest::Attested>,
    ) -> Result<Appended, LedgerError> {
        let (reduced_by, seats) = self.reduction_of(contest)?;
        self.append(
            EntryKind::SeatsReduced,
            body_bytes(&crate::record::entry::SeatsReduced {
                contest: contest.to_string(),
                reduced_by,
                seats,
                basis: basis.trim().to_string(),
                attested,
            }),
        )
    }

    /// Reads the first `size` entries in order.
    pub fn entries_upto(&self, size: u64) -> Result<Vec<Entry>, LedgerError> {
        let scan = store::scan(self.log_dir(), false)?;
        scan.entries
            .into_iter()
            .take(size as usize)
            .map(|s| {
                Entry::decode(&s.bytes).map_err(|e| LedgerError::Damaged {
                    path: self.log_dir().display().to_string(),
                    detail: e.to_string(),
                })
            })
            .collect()
    }

    /// Counts closed contests with the rules engine and appends the result, using each
    /// contest's counting figures (the desk's, or an approved correction). The result covers
    /// every entry before it; the checkpoint right after it is what tellers sign.
    pub fn tally(&self, contests: &[String]) -> Result<(Appended, serde_json::Value), LedgerError> {
        self.tally_pausing(contests, || {})
    }

    /// [`Ledger::tally`], calling `pause` between the count and the append of its result
    /// (a seam for the test of a correction racing a tally; `tests/procedure.rs`).
    #[doc(hidden)]
    pub fn tally_pausing(
        &self,
        contests: &[String],
        pause: impl FnOnce(),
    ) -> Result<(Appended, serde_json::Value), LedgerError> {
        // Nothing that changes these contests' count lands between the state read below and
        // the result's append (`Inner::counting`).
        let _counting = self.counting_lock();
        let (spec, conduct, book, size, mut wanted) =
            self.read(|s| -> Result<_, LedgerError> {
                let info = s.state.info()?;
                let conduct = s.state.conduct()?;
                for c in contests {
                    if conduct.contest(c)?.phase != Phase::Closed {
                        return Err(crate::rules::conduct::ConductError::ContestNotClosed(
                            c.clone(),
                        )
                        .into());
                    }
                }
                // The entries that can hold these contests' plaintext ballots: their styles'
                // ballots (plaintext elections) and their paper ballots.
                let mut wanted: Vec<u64> = Vec::new();
                if s.state.admin.book.is_none() {
                    for (n, st) in info.styles.iter().enumerate() {
                        if st.contests.iter().any(|c| contests.contains(c)) {
                            if let Some(v) = s.state.style_ballots.get(&(n as u16)) {
                                wanted.extend_from_slice(v);
                            }
                        }
                    }
                }
                for c in contests {
                    if let Some(v) = s.state.paper_entries.get(c) {
                        wanted.extend_from_slice(v);
                    }
                }
                Ok((
                    info.spec.clone(),
                    conduct.clone(),
                    s.state.admin.book.clone(),
                    s.tree.size(),
                    wanted,
                ))
            })??;
        wanted.sort_unstable();
        wanted.dedup();
        let mut read_ballots = |election: &crate::rules::Election| -> Result<
            Vec<Vec<crate::rules::Ballot>>,
            crate::count::CountError,
        > {
            let mut lines = String::new();
            // A few entries are read through the index; when they are a large share of the
            // log, one sequential scan is cheaper. Either way only ballots of these contests
            // are counted.
            let entries = if (wanted.len() as u64).saturating_mul(4) >= size {
                self.entries_upto(size)
            } else {
                wanted
                    .iter()
                    .map(|i| self.entry(*i))
                    .collect::<Result<Vec<_>, _>>()
            }
            .map_err(|e| crate::count::CountError::Spec {
                code: e.code(),
                message: e.to_string(),
            })?;
            for e in entries {
                let ballots = match e.kind {
                    EntryKind::Ballot => e.body_as::<BallotBody>().map(|b| b.ballots),
                    EntryKind::PaperBallot => e.body_as::<PaperBallot>().map(|b| vec![b.ballot]),
                    _ => continue,
                }
                .map_err(|err| crate::count::CountError::Spec {
                    code: Code::Damaged,
                    message: err.to_string(),
                })?;
                for line in ballots {
                    if line
                        .get("contest")
                        .and_then(|c| c.as_str())
                        .is_some_and(|c| contests.iter().any(|x| x == c))
                    {
                        lines.push_str(&line.to_string());
                        lines.push('\n');
                    }
                }
            }
            parse_logged_ballots(election, lines.as_bytes()).map_err(|e| {
                crate::count::CountError::Spec {
                    code: e.code,
                    message: e.to_string(),
                }
            })
        };
        let counted = crate::count::count(
            &spec,
            contests,
            &conduct,
            &mut read_ballots,
            book.as_deref(),
        )
        .map_err(|e| LedgerError::Refused {
            code: e.code(),
            message: e.to_string(),
        })?;
        let body = ResultBody {
            contests: contests.to_vec(),
            covers_size: size,
            result: counted.result.clone(),
            decrypted: counted.decrypted,
        };
        pause();
        let appended = self
            .append_all_now(vec![(EntryKind::Result, body_bytes(&body))])?
            .pop()
            .ok_or(LedgerError::Stopped)?;
        Ok((appended, counted.result))
    }

    /// The checkpoint text a teller signs for the result at `result_index`.
    pub fn result_checkpoint_text(&self, result_index: u64) -> Result<String, LedgerError> {
        self.read(|s| -> Result<String, LedgerError> {
            let info = s.state.info()?;
            if s.state.conduct()?.result(result_index).is_none() {
                return Err(
                    crate::rules::conduct::ConductError::UnknownResult(result_index).into(),
                );
            }
            super::state::result_checkpoint_text(&info.id, &s.tree, result_index)
        })?
    }

    /// Adds a teller's signature line (made with the teller's own key) to the checkpoint that
    /// covers a result. The state machine verifies it: exactly one signature, by a registered
    /// teller whose key has not signed this result yet.
    pub fn add_teller_signature(
        &self,
        result_index: u64,
        line: &str,
    ) -> Result<Appended, LedgerError> {
        self.append(
            EntryKind::TellerSignature,
            body_bytes(&TellerSignature {
                result_index,
                // The admin check refuses an index that names no result; a saturated size
                // never matches one.
                checkpoint_size: result_index.saturating_add(1),
                line: line.trim_end_matches([' ', '\t']).to_string(),
            }),
        )
    }

    /// A publication and the runoffs its result calls for, in one append (all or none). The
    /// runoffs are those the caller checked, each with the ones before it
    /// (`Core::publish`: one the rules refuse is reported there, never appended).
    pub fn publish(
        &self,
        result_index: u64,
        runoffs: Vec<RunoffCreated>,
    ) -> Result<Vec<Appended>, LedgerError> {
        let mut entries = vec![(
            EntryKind::ResultPublished,
            body_bytes(&ResultPublished { result_index }),
        )];
        entries.extend(
            runoffs
                .iter()
                .map(|r| (EntryKind::RunoffCreated, body_bytes(r))),
        );
        self.append_all(entries)
    }
}

/// Signs a checkpoint text with a teller's key and returns the signature line.
pub fn teller_signature_line(text: &str, signer: &Signer) -> Result<String, LedgerError> {
    let mut note = Note::new(text.to_string()).map_err(|e| LedgerError::Refused {
        code: Code::TellerSignature,
        message: e.to_string(),
    })?;
    note.sign(signer).map_err(|e| LedgerError::Refused {
        code: Code::TellerSignature,
        message: e.to_string(),
    })?;
    let encoded = note.encode().map_err(|e| LedgerError::Refused {
        code: Code::TellerSignature,
        message: e.to_string(),
    })?;
    Ok(encoded.lines().last().unwrap_or_default().to_string())
}

/// A later round's contest and style as they are logged: names cleaned (record::names).
fn clean_new_round(
    contest: serde_json::Value,
    style: Style,
) -> Result<(serde_json::Value, Style), LedgerError> {
    let mut contest = contest;
    clean_contest(&mut contest).map_err(|e| LedgerError::Spec {
        code: e.code(),
        message: e.to_string(),
    })?;
    Ok((contest, clean_style(style)?))
}

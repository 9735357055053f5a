//! Election operations on the ledger: register, open, pools, close, void, tally, teller
//! signatures, export. Each one checks what it can up front and then appends one entry.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use ring::rand::SystemRandom;

use super::{keys, store, Appended, Ledger, LedgerConfig, LedgerError};
use crate::record::entry::{
    body_bytes, BallotBody, ContestClosed, ContestCreated, ContestOpened, ElectionRegistered,
    Entry, EntryKind, PaperBallot, PoolRegistered, ResultBody, Style, TellerSignature,
    TokensVoided,
};
use crate::record::note::{Checkpoint, Note, Signer};
use crate::record::segment::{frames, segment_name};
use crate::record::token::Token;
use crate::record::{parse_ballots, parse_election, result_json};
use crate::rules::tally_election;
use crate::tokens::pool::{generate_pool, pool_commitment};

fn io(path: &Path, e: std::io::Error) -> LedgerError {
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
    let contests = spec
        .get("contests")
        .and_then(|c| c.as_array())
        .map(|cs| {
            cs.iter()
                .filter(|c| c.get("parent").is_none())
                .filter_map(|c| c.get("id").and_then(|v| v.as_str()).map(String::from))
                .collect()
        })
        .unwrap_or_default();
    vec![Style {
        round: 1,
        contests,
        title: String::new(),
        unit: String::new(),
    }]
}

impl Ledger {
    /// Creates a new ledger for an election spec and registers it as entry 0.
    pub fn init(
        config: LedgerConfig,
        spec_bytes: &[u8],
        styles: Option<Vec<Style>>,
        tellers: Vec<String>,
        signatures_required: u32,
    ) -> Result<Ledger, LedgerError> {
        let election = parse_election(spec_bytes).map_err(|e| LedgerError::Spec {
            code: e.code(),
            message: e.to_string(),
        })?;
        let spec: serde_json::Value =
            serde_json::from_slice(spec_bytes).map_err(|e| LedgerError::Spec {
                code: "spec_json",
                message: e.to_string(),
            })?;
        let ledger = Ledger::open(config, &election.id)?;
        let log_key = ledger.log_verifier_text()?;
        let body = ElectionRegistered {
            styles: styles.unwrap_or_else(|| default_styles(&spec)),
            spec,
            election_key: keys::election_key_text(&ledger.election_signing_key().verifying_key()),
            log_key,
            tellers,
            signatures_required,
        };
        ledger.append(EntryKind::ElectionRegistered, body_bytes(&body))?;
        Ok(ledger)
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

    pub fn open_contest(&self, contest: &str) -> Result<Appended, LedgerError> {
        self.append(
            EntryKind::ContestOpened,
            body_bytes(&ContestOpened {
                contest: contest.to_string(),
            }),
        )
    }

    /// Generates a shuffled pool of `count` tokens for a style and registers its count and
    /// commitment. The tokens are returned for printing; the log never learns who gets which.
    pub fn register_pool(
        &self,
        style: u16,
        count: usize,
    ) -> Result<(Vec<Token>, Appended), LedgerError> {
        let (id, round) = self.read(|s| -> Result<(String, u8), LedgerError> {
            let info = s.state.info()?;
            let st = info
                .styles
                .get(style as usize)
                .ok_or_else(|| LedgerError::Refused {
                    code: "unknown_style",
                    message: format!("没有选票样式 {style} / no ballot style {style}"),
                })?;
            Ok((info.id.clone(), st.round))
        })??;
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
        let body = PoolRegistered {
            style,
            round,
            count: tokens.len() as u64,
            commitment: hex(&pool_commitment(&tokens)),
        };
        let appended = self.append(EntryKind::PoolRegistered, body_bytes(&body))?;
        Ok((tokens, appended))
    }

    pub fn close_contest(
        &self,
        contest: &str,
        eligible: u64,
        present: u64,
        ballots_issued: u64,
    ) -> Result<Appended, LedgerError> {
        self.append(
            EntryKind::ContestClosed,
            body_bytes(&ContestClosed {
                contest: contest.to_string(),
                eligible,
                present,
                ballots_issued,
            }),
        )
    }

    /// Appends a paper ballot read aloud (唱票) for a paper or hybrid contest. A well-formed
    /// ballot is recorded even when it is void: the tally counts it as void.
    pub fn add_paper_ballot(
        &self,
        contest: &str,
        ballot: serde_json::Value,
    ) -> Result<Appended, LedgerError> {
        self.append(
            EntryKind::PaperBallot,
            body_bytes(&PaperBallot {
                contest: contest.to_string(),
                ballot,
            }),
        )
    }

    /// Adds a contest of a later round, created from the result of contest `from`.
    pub fn create_contest(
        &self,
        from: &str,
        contest: serde_json::Value,
        style: Style,
    ) -> Result<Appended, LedgerError> {
        self.append(
            EntryKind::ContestCreated,
            body_bytes(&ContestCreated {
                from: from.to_string(),
                contest,
                style,
            }),
        )
    }

    /// Voids the unspent tokens of a style whose contests are all closed.
    pub fn void_tokens(&self, style: u16) -> Result<Appended, LedgerError> {
        let body = self.read(|s| -> Result<TokensVoided, LedgerError> {
            let info = s.state.info()?;
            let round = info
                .styles
                .get(style as usize)
                .map(|st| st.round)
                .unwrap_or(0);
            let pool = s
                .state
                .pools
                .get(&(round, style))
                .copied()
                .unwrap_or_default();
            Ok(TokensVoided {
                style,
                round,
                voided: pool.count.saturating_sub(pool.spent),
                spent: pool.spent,
            })
        })??;
        self.append(EntryKind::TokensVoided, body_bytes(&body))
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

    /// Counts closed contests with the rules engine and appends the result. The result covers
    /// every entry before it; the checkpoint right after it is what tellers sign.
    pub fn tally(&self, contests: &[String]) -> Result<(Appended, serde_json::Value), LedgerError> {
        let (spec, closed, size, mut wanted) = self.read(|s| -> Result<_, LedgerError> {
            let info = s.state.info()?;
            // The entries that can hold these contests' ballots: their styles' ballots and
            // their paper ballots.
            let mut wanted: Vec<u64> = Vec::new();
            for (n, st) in info.styles.iter().enumerate() {
                if st.contests.iter().any(|c| contests.contains(c)) {
                    if let Some(v) = s.state.style_ballots.get(&(n as u16)) {
                        wanted.extend_from_slice(v);
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
                s.state.closed.clone(),
                s.tree.size(),
                wanted,
            ))
        })??;
        wanted.sort_unstable();
        wanted.dedup();
        let mut keep = Vec::new();
        for c in spec
            .get("contests")
            .and_then(|c| c.as_array())
            .cloned()
            .unwrap_or_default()
        {
            let id = c
                .get("id")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            if !contests.contains(&id) {
                continue;
            }
            let close: &ContestClosed = closed.get(&id).ok_or_else(|| LedgerError::Refused {
                code: "contest_not_closed",
                message: format!("选举项目 “{id}” 尚未结束 / contest “{id}” is not closed"),
            })?;
            let mut c = c.clone();
            c["turnout"] = serde_json::json!({"eligible": close.eligible, "present": close.present, "ballots_issued": close.ballots_issued});
            keep.push(c);
        }
        if keep.len() != contests.len() {
            return Err(LedgerError::Refused {
                code: "unknown_contest",
                message: "要计票的选举项目不存在 / a contest to count does not exist".into(),
            });
        }
        let mut s = spec.clone();
        s["contests"] = serde_json::Value::Array(keep);
        let election = parse_election(s.to_string().as_bytes()).map_err(|e| LedgerError::Spec {
            code: e.code(),
            message: e.to_string(),
        })?;
        let mut lines = String::new();
        // A few entries are read through the index; when they are a large share of the log, one
        // sequential scan is cheaper. Either way only ballots of these contests are counted.
        let entries = if (wanted.len() as u64).saturating_mul(4) >= size {
            self.entries_upto(size)?
        } else {
            wanted
                .iter()
                .map(|i| self.entry(*i))
                .collect::<Result<Vec<_>, _>>()?
        };
        for e in entries {
            let damaged = |err: crate::record::entry::EntryError| LedgerError::Damaged {
                path: self.log_dir().display().to_string(),
                detail: err.to_string(),
            };
            let ballots = match e.kind {
                EntryKind::Ballot => e.body_as::<BallotBody>().map_err(damaged)?.ballots,
                EntryKind::PaperBallot => vec![e.body_as::<PaperBallot>().map_err(damaged)?.ballot],
                _ => continue,
            };
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
        let by_contest = parse_ballots(&election, lines.as_bytes()).map_err(LedgerError::Ballot)?;
        let result = result_json(&election, &tally_election(&election, &by_contest));
        let body = ResultBody {
            contests: contests.to_vec(),
            covers_size: size,
            result: result.clone(),
        };
        let appended = self.append(EntryKind::Result, body_bytes(&body))?;
        Ok((appended, result))
    }

    /// The checkpoint text a teller signs for the result at `result_index`.
    pub fn result_checkpoint_text(&self, result_index: u64) -> Result<String, LedgerError> {
        self.read(|s| -> Result<String, LedgerError> {
            let info = s.state.info()?;
            if !s.state.results.iter().any(|(i, _)| *i == result_index) {
                return Err(LedgerError::Refused {
                    code: "unknown_result",
                    message: format!(
                        "第 {result_index} 条不是计票结果 / entry {result_index} is not a result"
                    ),
                });
            }
            let root = s
                .tree
                .root_at(result_index + 1)
                .map_err(|e| LedgerError::Index(e.to_string()))?;
            Checkpoint {
                origin: crate::record::entry::origin(&info.id),
                size: result_index + 1,
                root,
                extensions: Vec::new(),
            }
            .to_text()
            .map_err(|e| LedgerError::Index(e.to_string()))
        })?
    }

    /// Adds a teller's signature line (made with the teller's own key) to the checkpoint that
    /// covers a result. The key must be one of the tellers the election registered.
    pub fn add_teller_signature(
        &self,
        result_index: u64,
        line: &str,
    ) -> Result<Appended, LedgerError> {
        let text = self.result_checkpoint_text(result_index)?;
        let signed = format!("{text}\n{}\n", line.trim_end());
        let note = Note::parse(signed.as_bytes()).map_err(|e| LedgerError::Refused {
            code: "teller_signature",
            message: e.to_string(),
        })?;
        let tellers = self.read(|s| s.state.info().map(|i| i.tellers.clone()))??;
        crate::record::note::verify(&note, &tellers).map_err(|e| LedgerError::Refused {
            code: "teller_signature",
            message: format!("计票人签名无效或不是登记的计票人 / the signature is invalid or not from a registered teller: {e}"),
        })?;
        self.append(
            EntryKind::TellerSignature,
            body_bytes(&TellerSignature {
                result_index,
                checkpoint_size: result_index + 1,
                line: line.trim_end().to_string(),
            }),
        )
    }

    /// Writes an export directory: segments cut at one size, every checkpoint up to it, the
    /// public keys, the spec and the results. Nothing secret.
    pub fn export(&self, out: &Path) -> Result<u64, LedgerError> {
        let (size, spec, results, election_pub, log_pub) =
            self.read(|s| -> Result<_, LedgerError> {
                let info = s.state.info()?;
                Ok((
                    s.checkpoint.as_ref().map(|c| c.0).unwrap_or(0),
                    info.spec.clone(),
                    s.state.results.clone(),
                    keys::election_key_text(&info.election_key),
                    info.log_key.to_text(),
                ))
            })??;
        for d in ["log", "checkpoints", "keys", "results"] {
            fs::create_dir_all(out.join(d)).map_err(|e| io(out, e))?;
        }
        // Segments, with anything past `size` cut off so the export is one consistent state.
        let mut copied = 0u64;
        for (first, path) in store::segment_files(self.log_dir())? {
            if first >= size {
                break;
            }
            let bytes = fs::read(&path).map_err(|e| io(&path, e))?;
            let (found, _) = frames(&bytes);
            let keep = (size - first).min(found.len() as u64) as usize;
            let end = match found.get(keep) {
                Some(f) => f.offset as usize,
                None => bytes.len(),
            };
            let dest = out.join("log").join(segment_name(first));
            fs::write(&dest, &bytes[..end]).map_err(|e| io(&dest, e))?;
            copied += keep as u64;
        }
        for (n, note) in self.checkpoints()? {
            if n > size {
                continue;
            }
            let dest = out.join("checkpoints").join(format!("{n:020}.note"));
            fs::write(&dest, note).map_err(|e| io(&dest, e))?;
        }
        fs::write(out.join("keys/election.pub"), election_pub + "\n").map_err(|e| io(out, e))?;
        fs::write(out.join("keys/log.pub"), log_pub + "\n").map_err(|e| io(out, e))?;
        fs::write(
            out.join("election.json"),
            serde_json::to_string_pretty(&spec).unwrap_or_default(),
        )
        .map_err(|e| io(out, e))?;
        let mut by_index: HashMap<u64, &ResultBody> = HashMap::new();
        for (i, r) in &results {
            if *i < size {
                by_index.insert(*i, r);
            }
        }
        for (i, r) in by_index {
            let dest = out.join("results").join(format!("{i:020}.json"));
            fs::write(
                &dest,
                serde_json::to_string_pretty(&r.result).unwrap_or_default(),
            )
            .map_err(|e| io(&dest, e))?;
        }
        fs::write(
            out.join("README.txt"),
            "Scrutineer export: log/ segments (docs/LOG_FORMAT.md), checkpoints/ signed notes, keys/ public keys, election.json, results/.\nVerify with: scrutineer verify THIS_DIRECTORY\n",
        )
        .map_err(|e| io(out, e))?;
        Ok(copied)
    }
}

/// Signs a checkpoint text with a teller's key and returns the signature line.
pub fn teller_signature_line(text: &str, signer: &Signer) -> Result<String, LedgerError> {
    let mut note = Note::new(text.to_string()).map_err(|e| LedgerError::Refused {
        code: "teller_signature",
        message: e.to_string(),
    })?;
    note.sign(signer).map_err(|e| LedgerError::Refused {
        code: "teller_signature",
        message: e.to_string(),
    })?;
    let encoded = note.encode().map_err(|e| LedgerError::Refused {
        code: "teller_signature",
        message: e.to_string(),
    })?;
    Ok(encoded.lines().last().unwrap_or_default().to_string())
}

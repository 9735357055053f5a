//! Setting an election up: registration, the roll, token pools and their slip sheets, opening.

use crate::codes::Code;
use std::collections::BTreeMap;

use serde_json::Value;

use super::{conflict, invalid, Core, CoreError};
use crate::ledger::{roll_commitment, Appended, Ledger, LedgerConfig, LedgerError, Registration};
use crate::record::entry::{Secrecy, Style};
use crate::record::token::Token;
use crate::records::{Records, Voter};
use crate::rules::kind::Family;
use crate::rules::notice::Notice;
use crate::tokens::pool::{SlipSheet, SHEET_TOKENS_MAX};

/// What creating an election takes.
#[derive(Clone, Debug)]
pub struct NewElection {
    pub spec: Value,
    pub styles: Option<Vec<Style>>,
    pub tellers: Vec<String>,
    pub signatures_required: u32,
    /// ISO date of election day, for the roll's age check.
    pub election_date: Option<String>,
    pub pool_spare_percent: u32,
    /// Encrypted ballots (the default) or plaintext with a reason.
    pub secrecy: Secrecy,
}

/// The default threshold of tellers for `n` registered tellers: a majority (3 of 5, 2 of 3).
pub fn default_threshold(tellers: usize) -> u32 {
    u32::try_from(tellers / 2 + 1).unwrap_or(u32::MAX)
}

/// The teller signatures a result needs when the organiser does not say: the threshold in an
/// encrypted election (the tellers who decrypt also sign what was counted), none in a
/// plaintext one.
pub fn default_signatures(secrecy: &crate::record::entry::Secrecy) -> u32 {
    match secrecy {
        crate::record::entry::Secrecy::Encrypted { threshold } => *threshold,
        crate::record::entry::Secrecy::Plaintext { .. } => 0,
    }
}

/// Registers a new election in a data directory that holds none.
pub fn create_election(
    config: LedgerConfig,
    records: &Records,
    e: NewElection,
) -> Result<Ledger, CoreError> {
    if config.data_dir.join("log").exists() {
        return Err(conflict(
            Code::ElectionExists,
            "本服务已有选举; 一个数据目录只办一次选举 / this service already holds an election; one data directory holds one election",
        ));
    }
    if let Some(d) = &e.election_date {
        crate::rules::roll::Date::parse(d)
            .map_err(|err| invalid(Code::ElectionDate, err.to_string()))?;
    }
    let mut spec = e.spec.clone();
    crate::record::election::with_desk_turnout(&mut spec);
    // The key files this attempt makes, to be taken back if it is refused: they are named
    // for its election id, and a retry under another id was refused by them (`bad_key`).
    let keys_before: Vec<bool> = crate::ledger::keys::KEY_FILES
        .iter()
        .map(|f| config.keys_dir.join(f).exists())
        .collect();
    let ledger = Ledger::register(
        config.clone(),
        Registration {
            spec: spec.to_string().into_bytes(),
            styles: e.styles,
            tellers: e.tellers,
            signatures_required: e.signatures_required,
            pool_spare_percent: e.pool_spare_percent,
            secrecy: e.secrecy,
        },
    );
    let ledger = match ledger {
        Ok(l) => l,
        Err(err) => {
            // A refused registration leaves no log behind, nor the keys it made, so the
            // organiser can try again (under another id too).
            let _ = std::fs::remove_dir_all(config.data_dir.join("log"));
            let _ = std::fs::remove_dir_all(config.data_dir.join("index"));
            for (f, existed) in crate::ledger::keys::KEY_FILES.iter().zip(keys_before) {
                if !existed {
                    let _ = std::fs::remove_file(config.keys_dir.join(f));
                }
            }
            return Err(err.into());
        }
    };
    if let Some(d) = &e.election_date {
        records.set_setting("election_date", d)?;
    }
    Ok(ledger)
}

/// A printed pool: the tokens (for the slip sheet only; never stored) and the sheet's text.
pub struct PrintedPool {
    pub tokens: Vec<Token>,
    pub sheet: SlipSheet,
    pub appended: Appended,
}

impl Core {
    /// Imports the roll from CSV (docs in `record::roll`): every row or none, every problem
    /// reported by line. Its size per unit goes into the log; names never do. Answers the
    /// number of voters and the warnings about what the roll makes of the election (an
    /// evaluator group of one or two voters, [`crate::rules::evaluation::small_groups`]).
    pub fn import_roll(&self, csv: &[u8]) -> Result<(usize, Vec<Notice>), CoreError> {
        let day = self.records.setting("election_date")?.ok_or_else(|| {
            invalid(
                Code::ElectionDateMissing,
                "创建选举时须写明选举日 (election_date), 用于核对年龄 / the election needs its election_date to check ages",
            )
        })?;
        let day = crate::rules::roll::Date::parse(&day)
            .map_err(|e| invalid(Code::ElectionDateMissing, e.to_string()))?;
        let kind = self.ledger.read(|s| {
            s.state.info().map(|i| {
                if i.election
                    .contests
                    .iter()
                    .any(|c| c.kind().family() == Family::Party)
                {
                    crate::rules::roll::RollKind::Party
                } else {
                    crate::rules::roll::RollKind::Public
                }
            })
        })??;
        // Every problem at once: the rows' format and the rules over the rows that parsed.
        let (rows, mut refused) = match crate::record::roll::parse_roll_csv_partial(csv) {
            Ok(parsed) => parsed,
            Err(crate::record::roll::RollCsvError::Rows(refused)) => {
                return Err(CoreError::RollRefused(refused))
            }
            Err(e) => return Err(invalid(e.code(), e.to_string())),
        };
        let checked = crate::rules::roll::check_roll(&rows, kind, day).into_clean();
        let accepted = match checked {
            Ok(accepted) if refused.is_empty() => accepted,
            Ok(_) => return Err(CoreError::RollRefused(refused)),
            Err(more) => {
                refused.extend(more);
                refused.sort_by_key(|r| r.line);
                return Err(CoreError::RollRefused(refused));
            }
        };
        let voters: Vec<Voter> = accepted
            .into_iter()
            .map(|r| Voter {
                line: r.line,
                name: r.name,
                number: r.number,
                unit: r.unit,
                birth: r.birth.map(|b| b.to_string()).unwrap_or_default(),
                flags: r.flags,
            })
            .collect();
        self.set_roll(&voters)?;
        Ok((voters.len(), self.roll_warnings()?))
    }

    /// Warnings about the roll now registered ([`roll_warnings`]).
    pub fn roll_warnings(&self) -> Result<Vec<Notice>, CoreError> {
        self.ledger.read(|s| -> Result<_, CoreError> {
            Ok(roll_warnings(s.state.info()?, s.state.conduct()?))
        })?
    }

    /// Registers a checked roll: its size per unit and commitment in the log, the voters in
    /// the records.
    pub fn set_roll(&self, voters: &[Voter]) -> Result<(), CoreError> {
        let mut units: BTreeMap<String, u64> = BTreeMap::new();
        for v in voters {
            *units.entry(v.unit.clone()).or_default() += 1;
        }
        // One roll at a time: the records and the log must end up with the same one.
        static ROLL: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one = ROLL.lock().unwrap_or_else(|p| p.into_inner());
        // The records first, then the log, which refuses a roll once voting has started and
        // is the truth the desk's counts are checked against: a failed records write leaves
        // nothing logged (a retry logs one roll, not two), and a refused or failed append
        // puts the previous roll back, so the desk never checks voters in against a roll the
        // log does not hold.
        let previous = self.records.roll()?.voters.clone();
        self.records.replace_roll(voters)?;
        if let Err(e) = self.ledger.register_roll(
            units,
            roll_commitment(voters.iter().map(|v| v.number.as_str())),
        ) {
            if let Err(back) = self.records.replace_roll(&previous) {
                tracing::error!(error = %back, "the roll the log refused could not be replaced by the previous one");
            }
            return Err(e.into());
        }
        Ok(())
    }

    /// Generates and registers a pool of tokens for a style, for one slip sheet: `count`, or
    /// what is left of the style's cap (its voters plus the spare percentage). After voting
    /// in the style has started a pool needs a reason, which the log and the board show.
    pub fn print_pool(
        &self,
        style: u16,
        count: Option<usize>,
        reason: Option<String>,
    ) -> Result<PrintedPool, CoreError> {
        self.print_pool_staged(style, count, reason, &mut |_, _| Ok(()))
    }

    /// [`Core::print_pool`], with `stage` given the sheet and its tokens before they are
    /// registered (the slip sheet rendered and written aside): if it fails, nothing is
    /// registered and the style's cap is untouched.
    pub fn print_pool_staged(
        &self,
        style: u16,
        count: Option<usize>,
        reason: Option<String>,
        stage: &mut StagePool<'_>,
    ) -> Result<PrintedPool, CoreError> {
        // A reason said is held to the board's rules in every election, new input being held
        // to the current protocol's (the conduct checks a late pool's from protocol 5).
        if reason
            .as_deref()
            .is_some_and(|r| !r.trim().is_empty() && !crate::rules::conduct::board_reason_ok(r))
        {
            return Err(
                crate::rules::conduct::ConductError::ReasonText("补印选票码", "late pool").into(),
            );
        }
        let (sheet, left) = self.ledger.read(|s| -> Result<_, CoreError> {
            let info = s.state.info()?;
            let conduct = s.state.conduct()?;
            // The slips carry the election key's fingerprint: the ceremony comes first.
            if s.state.admin().book.as_deref().is_some_and(|b| b.key().is_none()) {
                return Err(super::conflict(
                    Code::ElectionKeyMissing,
                    "选举密钥尚未生成: 请计票人先完成密钥仪式, 选票码上要印选举密钥指纹 / the election key is not set yet: the tellers complete the key ceremony first, since the slips carry the key's fingerprint",
                ));
            }
            let st = info.styles.get(usize::from(style)).ok_or_else(|| {
                invalid(
                    Code::UnknownStyle,
                    format!("没有选票样式 {style} / no ballot style {style}"),
                )
            })?;
            let names = st
                .contests
                .iter()
                .filter_map(|c| {
                    info.election
                        .contest_index(c)
                        .map(|i| info.election.contests[i].title().clone())
                })
                .collect();
            let left = conduct
                .pool_cap(style)
                .map(|cap| cap.saturating_sub(conduct.pool(style).registered));
            Ok((
                SlipSheet {
                    title: "选票码 Ballot codes".into(),
                    election_title: if info.election.title.is_empty() {
                        info.id.clone()
                    } else {
                        info.election.title.clone()
                    },
                    round: st.round,
                    style_name: if st.title.is_empty() {
                        // The number is the one `--style` and the API take; the unit says
                        // whose slips these are (a bare "style 0" meant nothing at the desk).
                        if st.unit.is_empty() {
                            format!("样式 {style}: 全体选民 / style {style}: all voters")
                        } else {
                            format!("样式 {style}: {0} / style {style}: {0}", st.unit)
                        }
                    } else {
                        st.title.clone()
                    },
                    contest_names: names,
                    key_fingerprint: s
                        .state
                        .admin()
                        .book
                        .as_deref()
                        .and_then(|b| b.key())
                        .map(|k| k.fingerprint()),
                },
                left,
            ))
        })??;
        let count = match (count, left) {
            (Some(n), _) => n,
            (None, Some(n)) => usize::try_from(n).unwrap_or(usize::MAX),
            (None, None) => {
                return Err(invalid(
                    Code::RollMissing,
                    "请先导入选民名单 / import the roll first",
                ))
            }
        };
        // Refuse before anything reaches the log: a refused sheet must not register tokens.
        if count == 0 {
            return Err(invalid(
                Code::PoolFull,
                "此样式的选票码已达上限 (名单人数加备用比例), 不能再印 / this style's tokens have reached their cap (the roll plus the spare): no more can be printed",
            ));
        }
        if count > SHEET_TOKENS_MAX {
            return Err(invalid(
                Code::SheetTooMany,
                format!("一次生成的选票码须为 1 至 {SHEET_TOKENS_MAX} 张, 请求 {count} 张; 请分批生成 / a sheet holds 1 to {SHEET_TOKENS_MAX} tokens, {count} asked: generate in batches"),
            ));
        }
        let mut staged: Option<CoreError> = None;
        let registered =
            self.ledger
                .register_pool_staged(style, count, reason, &mut |tokens| match stage(
                    &sheet, tokens,
                ) {
                    Ok(()) => Ok(()),
                    Err(e) => {
                        let refusal = LedgerError::Refused {
                            code: e.code(),
                            message: e.to_string(),
                        };
                        staged = Some(e);
                        Err(refusal)
                    }
                });
        let (tokens, appended) = match (registered, staged) {
            (Err(_), Some(e)) => return Err(e),
            (r, _) => r?,
        };
        Ok(PrintedPool {
            tokens,
            sheet,
            appended,
        })
    }

    pub fn open_contest(&self, id: &str) -> Result<Appended, CoreError> {
        Ok(self.ledger.open_contest(id)?)
    }
}

/// What [`Core::print_pool_staged`] runs on a pool's sheet and tokens before registering them.
pub type StagePool<'a> = dyn FnMut(&SlipSheet, &[Token]) -> Result<(), CoreError> + 'a;

/// Warnings about the registered roll: each evaluation contest's groups that one or two
/// voters evaluate in, counted from the ballot styles that assign those groups
/// ([`crate::rules::evaluation::small_groups`]). None without a roll.
pub fn roll_warnings(
    info: &crate::ledger::ElectionInfo,
    conduct: &crate::rules::conduct::Conduct,
) -> Vec<Notice> {
    let mut warnings = Vec::new();
    for c in &info.election.contests {
        let Some(setup) = c.evaluation() else {
            continue;
        };
        // The voters of the styles that put their voters in `group` for this contest; `None`
        // when no style does.
        let voters = |group: &str| {
            (0..info.styles.len())
                .filter(|&i| {
                    let st = &info.styles[i];
                    st.group == group && st.contests.iter().any(|x| x == c.id())
                })
                .map(|i| {
                    u16::try_from(i)
                        .ok()
                        .and_then(|i| conduct.style_voters(i))
                        .unwrap_or(0)
                })
                .fold(None, |sum: Option<u64>, n| Some(sum.unwrap_or(0) + n))
        };
        warnings.extend(crate::rules::evaluation::small_groups(
            c.title(),
            setup,
            voters,
        ));
    }
    warnings.extend(write_ins_too_many(info, conduct));
    warnings
}

/// The encrypted contests whose write-in lines (the voters on the roll whose style holds the
/// contest × the lines of its ballot) could not all be shuffled in one entry
/// ([`crate::e2e::shuffle_lines_max`]): if most of those voters cast, and anyone writes a
/// name in, the contest's names cannot be counted, since a shuffle in several entries is not
/// built (README, "Not finished"). Never blocking: the organiser splits the contest into
/// smaller constituencies or takes it on paper before voting.
fn write_ins_too_many(
    info: &crate::ledger::ElectionInfo,
    conduct: &crate::rules::conduct::Conduct,
) -> Vec<Notice> {
    if !matches!(
        conduct.secrecy(),
        crate::rules::conduct::Secrecy::Encrypted { .. }
    ) {
        return Vec::new();
    }
    let max = crate::e2e::shuffle_lines_max(info.protocol >= 4);
    let mut warnings = Vec::new();
    for c in &info.election.contests {
        let electronic = conduct
            .contest(c.id())
            .is_ok_and(|cc| cc.mode != crate::rules::conduct::Mode::Paper);
        let lines = match crate::e2e::shape_of(c) {
            Ok(crate::crypto::ContestShape::Candidate(s)) => u64::from(s.write_in_lines),
            _ => 0,
        };
        if !electronic || lines == 0 {
            continue;
        }
        let voters: u64 = (0..info.styles.len())
            .filter(|&i| info.styles[i].contests.iter().any(|x| x == c.id()))
            .filter_map(|i| u16::try_from(i).ok().and_then(|i| conduct.style_voters(i)))
            .sum();
        let total = voters.saturating_mul(lines);
        if total > max {
            let title = c.title();
            warnings.push(Notice::new(
                "write_ins_too_many",
                format!(
                    "“{title}”: {voters} 名选民 × 每张选票 {lines} 行写入 = {total} 行, 超过一次混洗最多 {max} 行: 如有人写入姓名, 写入姓名将无法计票; 请在投票前拆分选区或改用纸质选票 / “{title}”: {voters} voters × {lines} write-in lines per ballot = {total} lines, more than one shuffle holds ({max}): if anyone writes a name in, the write-in names cannot be counted. Split the constituency or vote on paper before voting"
                ),
            ));
        }
    }
    warnings
}

//! The rules of cast-or-check (docs/E2E.md §8.6), kept by the ledger before it appends and by
//! the verifier over an export, so that what one refuses the other names:
//!
//! - a ballot is spoiled (opened) only while its slip is unused, at most
//!   [`SPOILS_PER_SLIP_MAX`] times per slip, and never twice;
//! - no contest of a spoiled ballot is ever cast, nor any of its ciphertexts (under fresh
//!   proofs, or in another contest's bytes): its nonces are public;
//! - a 监票人's test challenge names a spoiled ballot, once; the slip it used can never be cast.
//!
//! Pure bookkeeping over digests and serials; the proofs and openings are checked by
//! [`super::Book::open_spoiled`] before an entry reaches these rules.

use crate::codes::Code;
use std::collections::{BTreeMap, HashMap, HashSet};

use crate::record::spoiled::{KioskTest, SpoiledBallotBody, TestOutcome};

/// How many ballots one slip may spoil: enough for a voter who checks twice and a 监票人
/// who tests several kiosks with one slip, few enough that a slip cannot flood the log.
pub const SPOILS_PER_SLIP_MAX: u32 = 5;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    #[error("这张选票码已经投过票, 投出的选票不能再打开核验 / This slip has been used to cast: a cast ballot is never opened.")]
    AlreadyCast,
    #[error("这张选票 (或其中一项) 已经核验作废, 不能投出; 请重新生成选票 / This ballot (or one of its contests) was checked and spoiled: it can never be cast. Encrypt a fresh one.")]
    Spoiled,
    #[error("这张选票码已核验 {0} 次, 达到上限 / This slip has already checked {0} ballots, the most allowed.")]
    Exhausted(u32),
    #[error("这张选票码用于投票机抽检, 永远不能投票 / This slip was used to test a kiosk and can never be cast.")]
    Tested,
    #[error("第 {0} 条核验作废的选票所用的选票码已经投过票: 那是选民的核验, 不是抽检 / The slip of the spoiled ballot at entry {0} has been used to cast: that check was a voter's, not a test.")]
    CastNotTest(u64),
    #[error("抽检须出示第 {0} 条核验作废的选票所用的那张选票码 (完整的选票码, 含签名) / A test must show the slip the spoiled ballot at entry {0} was made with (the whole slip code, with its signature): a 监票人 retires only a slip in hand.")]
    TestSlip(u64),
    #[error("第 {0} 条不是核验作废的选票 / Entry {0} is not a spoiled ballot.")]
    NotSpoiled(u64),
    #[error("第 {spoiled} 条核验作废的选票已在第 {test} 条记录抽检结果 / The spoiled ballot at entry {spoiled} was already recorded as a test at entry {test}.")]
    AlreadyTested { spoiled: u64, test: u64 },
}

impl ChallengeError {
    pub fn code(&self) -> Code {
        match self {
            ChallengeError::AlreadyCast | ChallengeError::CastNotTest(_) => Code::BallotAlreadyCast,
            ChallengeError::Spoiled => Code::BallotSpoiled,
            ChallengeError::Exhausted(_) => Code::SpoilsExhausted,
            ChallengeError::Tested => Code::TokenTested,
            ChallengeError::NotSpoiled(_) => Code::NotSpoiled,
            ChallengeError::TestSlip(_) => Code::TestSlip,
            ChallengeError::AlreadyTested { .. } => Code::AlreadyTested,
        }
    }
}

/// A spoiled ballot as the rules keep it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spoiled {
    pub serial: [u8; 16],
    pub round: u8,
    pub style: u16,
    pub kiosk: String,
    pub time: u64,
    /// Its confirmation hash (`record::spoiled::confirmation_hash`).
    pub confirmation: [u8; 32],
    /// The `kiosk_test` entry that recorded it as a test, if any.
    pub test: Option<u64>,
}

#[derive(Clone, Debug, Default)]
pub struct Challenges {
    digests: HashSet<[u8; 32]>,
    /// `book::ciphertext_alphas` of every spoiled contest.
    alphas: HashSet<[u8; 32]>,
    per_slip: HashMap<[u8; 16], u32>,
    tested: HashSet<[u8; 16]>,
    /// Spoiled ballots by entry index.
    pub spoiled: BTreeMap<u64, Spoiled>,
    /// Test challenges by entry index.
    pub tests: BTreeMap<u64, KioskTest>,
}

impl Challenges {
    /// May this ballot be spoiled? `cast`: its slip's serial was used to cast.
    pub fn check_spoil(
        &self,
        serial: &[u8; 16],
        cast: bool,
        digests: &[[u8; 32]],
    ) -> Result<(), ChallengeError> {
        if cast {
            return Err(ChallengeError::AlreadyCast);
        }
        if digests.iter().any(|d| self.digests.contains(d)) {
            return Err(ChallengeError::Spoiled);
        }
        let n = self.per_slip.get(serial).copied().unwrap_or(0);
        if n >= SPOILS_PER_SLIP_MAX {
            return Err(ChallengeError::Exhausted(n));
        }
        Ok(())
    }

    /// Whether a ballot was checked (spoiled) with this slip's serial.
    pub fn was_checked(&self, serial: &[u8; 16]) -> bool {
        self.per_slip.contains_key(serial)
    }

    /// Records a spoiled ballot checked by [`Challenges::check_spoil`].
    pub fn spoil(&mut self, index: u64, body: &SpoiledBallotBody, digests: &[[u8; 32]]) {
        self.digests.extend(digests.iter().copied());
        for l in &body.lines {
            self.alphas
                .extend(crate::e2e::book::ciphertext_alphas(&l.line.ballot));
        }
        *self.per_slip.entry(body.serial).or_default() += 1;
        self.spoiled.insert(
            index,
            Spoiled {
                serial: body.serial,
                round: body.round,
                style: body.style,
                kiosk: body.kiosk.clone(),
                time: body.time,
                confirmation: body.confirmation_hash(),
                test: None,
            },
        );
    }

    /// May a ballot with this serial, these contest digests and these
    /// `book::ciphertext_alphas` be cast?
    pub fn check_cast(
        &self,
        serial: &[u8; 16],
        digests: &[[u8; 32]],
        alphas: &[[u8; 32]],
    ) -> Result<(), ChallengeError> {
        if self.tested.contains(serial) {
            return Err(ChallengeError::Tested);
        }
        if !self.digests.is_empty()
            && (digests.iter().any(|d| self.digests.contains(d))
                || alphas.iter().any(|a| self.alphas.contains(a)))
        {
            return Err(ChallengeError::Spoiled);
        }
        Ok(())
    }

    /// May this test be recorded? The serial of the slip it retires. `cast`: whether a
    /// serial was used to cast. A test's slip never casts, before or after the test: a
    /// spoiled ballot whose slip then cast was a voter's check (recording it as a test would
    /// misreport who checked, and retire nothing). `slip`: whether the test shows the slip
    /// of the spoiled ballot (protocol 4, [`slip_shown`]; otherwise any 监票人 account could
    /// retire a voter's slip between the voter's check and re-vote).
    pub fn check_test(
        &self,
        test: &KioskTest,
        cast: impl Fn(&[u8; 16]) -> bool,
        slip: impl Fn(&Spoiled) -> bool,
    ) -> Result<[u8; 16], ChallengeError> {
        let s = self
            .spoiled
            .get(&test.spoiled)
            .ok_or(ChallengeError::NotSpoiled(test.spoiled))?;
        if let Some(t) = s.test {
            return Err(ChallengeError::AlreadyTested {
                spoiled: test.spoiled,
                test: t,
            });
        }
        if cast(&s.serial) {
            return Err(ChallengeError::CastNotTest(test.spoiled));
        }
        if !slip(s) {
            return Err(ChallengeError::TestSlip(test.spoiled));
        }
        Ok(s.serial)
    }

    /// Records a test checked by [`Challenges::check_test`].
    pub fn test(
        &mut self,
        index: u64,
        test: KioskTest,
        cast: impl Fn(&[u8; 16]) -> bool,
        slip: impl Fn(&Spoiled) -> bool,
    ) -> Result<(), ChallengeError> {
        let serial = self.check_test(&test, cast, slip)?;
        self.tested.insert(serial);
        if let Some(s) = self.spoiled.get_mut(&test.spoiled) {
            s.test = Some(index);
        }
        self.tests.insert(index, test);
        Ok(())
    }

    pub fn mismatches(&self) -> usize {
        self.tests
            .values()
            .filter(|t| t.outcome == TestOutcome::Mismatch)
            .count()
    }
}

/// Whether `token` (a test's `token`) is the signed slip a spoiled ballot was made with: its
/// serial, round and style, and a valid signature under the election's token key. The
/// signature is published with the test, which retires the slip in the same entry.
pub fn slip_shown(
    token: &str,
    s: &Spoiled,
    key: &ed25519_dalek::VerifyingKey,
    election_id: &str,
) -> bool {
    crate::record::token::Token::parse(token).is_ok_and(|t| {
        t.serial() == &s.serial && t.verify(key, election_id, s.round, s.style).is_ok()
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::record::encrypted::EncryptedLine;
    use crate::record::spoiled::SpoiledLine;

    fn body(serial: u8, ballot: u8) -> SpoiledBallotBody {
        SpoiledBallotBody {
            round: 1,
            style: 0,
            serial: [serial; 16],
            time: 0,
            kiosk: "k1".into(),
            lines: vec![SpoiledLine {
                line: EncryptedLine {
                    contest: "c".into(),
                    group: String::new(),
                    ballot: vec![ballot],
                },
                opening: vec![],
            }],
        }
    }

    fn test(spoiled: u64) -> KioskTest {
        KioskTest {
            spoiled,
            outcome: TestOutcome::Match,
            teller: "t".into(),
            time: 0,
            note: String::new(),
            token: String::new(),
        }
    }

    #[test]
    fn the_rules_of_cast_or_check() {
        let mut c = Challenges::default();
        let d1 = [[1u8; 32]];
        // A cast slip is never opened.
        assert_eq!(
            c.check_spoil(&[1; 16], true, &d1),
            Err(ChallengeError::AlreadyCast)
        );
        c.check_spoil(&[1; 16], false, &d1).unwrap();
        c.spoil(10, &body(1, 1), &d1);
        // The same contest again, spoiled or cast: refused.
        assert_eq!(
            c.check_spoil(&[1; 16], false, &d1),
            Err(ChallengeError::Spoiled)
        );
        assert_eq!(
            c.check_cast(&[1; 16], &[[9; 32], [1; 32]], &[]),
            Err(ChallengeError::Spoiled)
        );
        // A fresh encryption with the same slip: cast is fine.
        c.check_cast(&[1; 16], &[[2; 32]], &[]).unwrap();
        // At most SPOILS_PER_SLIP_MAX per slip.
        for n in 1..SPOILS_PER_SLIP_MAX {
            let d = [[n as u8 + 100; 32]];
            c.check_spoil(&[1; 16], false, &d).unwrap();
            c.spoil(10 + u64::from(n), &body(1, 0), &d);
        }
        assert_eq!(
            c.check_spoil(&[1; 16], false, &[[200; 32]]),
            Err(ChallengeError::Exhausted(SPOILS_PER_SLIP_MAX))
        );
        // A test retires its slip, once per spoiled ballot, only of a spoiled ballot, and
        // never of a slip that cast (that check was a voter's).
        let unused = |_: &[u8; 16]| false;
        assert_eq!(
            c.test(99, test(5), unused, |_| true),
            Err(ChallengeError::NotSpoiled(5))
        );
        assert_eq!(
            c.test(20, test(10), |s| *s == [1; 16], |_| true),
            Err(ChallengeError::CastNotTest(10))
        );
        assert_eq!(
            ChallengeError::CastNotTest(10).code(),
            Code::BallotAlreadyCast
        );
        assert_eq!(c.spoiled[&10].test, None);
        assert_eq!(
            c.test(20, test(10), unused, |_| false),
            Err(ChallengeError::TestSlip(10))
        );
        c.test(20, test(10), unused, |s| s.serial == [1; 16])
            .unwrap();
        assert_eq!(
            c.test(21, test(10), unused, |_| true),
            Err(ChallengeError::AlreadyTested {
                spoiled: 10,
                test: 20
            })
        );
        assert_eq!(
            c.check_cast(&[1; 16], &[[3; 32]], &[]),
            Err(ChallengeError::Tested)
        );
        assert_eq!(c.spoiled[&10].test, Some(20));
    }
}

//! The encrypted-ballot shape of a contest (docs/E2E.md §4.1) and a ballot line as the
//! plaintext the kiosk encrypts (§4.3).

use crate::crypto::{
    CandidatePlaintext, ContestPlaintext, ContestShape, ContextInputs, EvaluationPlaintext, Mark,
};
use crate::record::entry::ENTRY_BODY_BYTES_MAX;
use crate::rules::ballot::{Ballot, Mark as RulesMark};
use crate::rules::kind::{Family, WriteIns};
use crate::rules::{Contest, ContestKind};

use super::E2eError;

/// Write-in lines on an encrypted ballot: the contest's seats (or marks), at most this many.
/// A paper ballot has a blank line per seat; three lines are what a kiosk voter uses in
/// practice and keep a 7-seat ballot under 10 KB (docs/E2E.md §14).
pub const WRITE_IN_LINES_MAX: u32 = 3;

/// The most write-in lines (a contest's ballots × its lines per ballot) one shuffle entry
/// can hold: each line is `width` ciphertexts (its two name elements, and from protocol 4
/// its flag) of 64 bytes and 160 bytes of the shuffle's proof, written in base64 in an entry
/// of at most [`ENTRY_BODY_BYTES_MAX`] (4 KiB kept for the entry's other fields). That is
/// 35,736 lines from protocol 4, 43,678 before it. A contest past it cannot be shuffled,
/// since one contest's shuffle is one entry (README, "Not finished"): the roll's import
/// warns (`write_ins_too_many`).
pub fn shuffle_lines_max(names_with_flags: bool) -> u64 {
    let width: u64 = if names_with_flags { 3 } else { 2 };
    let raw = (ENTRY_BODY_BYTES_MAX as u64 - 4096) / 4 * 3;
    let fixed = 32 * (6 + 3 * width);
    (raw - fixed) / (64 * width + 160)
}

fn shape_err(c: &Contest, reason: impl Into<String>) -> E2eError {
    E2eError::Shape {
        contest: c.id().clone(),
        reason: reason.into(),
    }
}

/// The shape of a contest's encrypted ballot: its listed candidates in spec order, the
/// seats (or a recommendation's marks), whether there is an against option (反对 / 不赞成;
/// every kind but recommendation), the write-in lines, and for party kinds the rule that
/// each write-in needs an against mark (BER Art. 25). An evaluation: its subjects and the
/// 优秀 quota per ballot.
pub fn shape_of(c: &Contest) -> Result<ContestShape, E2eError> {
    let u = |v: usize, what: &str| {
        u32::try_from(v).map_err(|_| shape_err(c, format!("too many {what}")))
    };
    let shape = if let Some(e) = c.evaluation() {
        // Not yet: a score needs a range proof per subject, and dropping the extremes needs
        // each ballot's scores, which the homomorphic totals do not give (README, "Not
        // finished"). A rated-score evaluation votes on paper or in a plaintext election.
        if e.score.is_some() {
            return Err(shape_err(
                c,
                "打分制测评 (scale: score) 暂不支持加密投票机投票, 请用纸质选票 (mode: paper) 或明文选举 / a rated-score evaluation (scale: score) cannot be cast encrypted yet: use paper ballots (mode: paper) or a plaintext election",
            ));
        }
        let quota = match e.excellent_limit() {
            Some(q) => Some(u32::try_from(q).map_err(|_| shape_err(c, "quota"))?),
            None => None,
        };
        ContestShape::evaluation(u(e.subjects.len(), "subjects")?, quota)
    } else {
        let n = u(c.candidates().len(), "candidates")?;
        let marks = if c.kind() == ContestKind::Recommendation {
            c.max_marks()
        } else {
            c.seats()
        };
        let w = match c.write_ins() {
            WriteIns::Refused => 0,
            _ => marks.min(WRITE_IN_LINES_MAX),
        };
        match c.kind().family() {
            Family::Party => ContestShape::party(n, marks, w),
            Family::Recommendation => ContestShape::recommendation(n, marks, w),
            _ => ContestShape::npc(n, marks, true, w),
        }
    };
    shape.validate().map_err(|e| shape_err(c, e.to_string()))?;
    Ok(shape)
}

/// The proof context of one contest of one ballot (docs/E2E.md §4.2).
pub fn context<'a>(
    election_id: &'a str,
    contest_id: &'a str,
    group_id: &'a str,
    token_serial: [u8; 16],
) -> ContextInputs<'a> {
    ContextInputs {
        election_id,
        contest_id,
        group_id,
        token_serial,
    }
}

/// A ballot line (already parsed against the contest) as the plaintext of its encrypted
/// ballot: marks in the contest's candidate order, write-in names on the first lines, the
/// other lines unused. The kiosk refuses a ballot the rules would void for a reason the
/// encryption cannot carry (a name written twice, or naming a listed candidate); an
/// over-marked ballot is encrypted as the void ballot (normalisation, docs/E2E.md §4.3).
pub fn plaintext_of(
    c: &Contest,
    shape: &ContestShape,
    ballot: &Ballot,
) -> Result<ContestPlaintext, E2eError> {
    match (ballot, shape) {
        (Ballot::Candidates(b), ContestShape::Candidate(s)) => {
            let mut marks = vec![Mark::Abstain; c.candidates().len()];
            for (i, m) in &b.marks {
                if let Some(slot) = marks.get_mut(*i) {
                    *slot = match m {
                        RulesMark::For => Mark::For,
                        RulesMark::Against => Mark::Against,
                        RulesMark::Abstain => Mark::Abstain,
                    };
                }
            }
            let lines = s.write_in_lines as usize;
            if b.write_ins.len() > lines {
                return Err(shape_err(
                    c,
                    format!(
                        "{} write-ins on a ballot with {lines} write-in lines",
                        b.write_ins.len()
                    ),
                ));
            }
            let mut write_ins: Vec<Option<String>> =
                b.write_ins.iter().map(|w| Some(w.clone())).collect();
            write_ins.resize(lines, None);
            Ok(ContestPlaintext::Candidate(CandidatePlaintext {
                marks,
                write_ins,
                void: false,
            }))
        }
        (Ballot::Evaluation(b), ContestShape::Evaluation(s)) => {
            let mut grades = vec![None; s.subjects as usize];
            for (subject, grade) in &b.ratings {
                if let (Some(slot), Ok(g)) = (grades.get_mut(*subject), u8::try_from(*grade)) {
                    *slot = Some(g);
                }
            }
            Ok(ContestPlaintext::Evaluation(EvaluationPlaintext { grades }))
        }
        _ => Err(shape_err(c, "the ballot's kind does not match the contest")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::crypto::shuffle::ShuffleProof;
    use crate::record::entry::{body_bytes, ShuffleBody};
    use base64::engine::general_purpose::STANDARD as BASE64;
    use base64::Engine as _;

    /// The entry of a shuffle of `lines` lines of `width` ciphertexts, as a teller writes it
    /// (random-looking bytes do not change base64's length).
    fn shuffle_entry_len(lines: u64, width: usize) -> usize {
        let n = lines as usize;
        let body = ShuffleBody {
            contest: "county-constituency-0403-第四百零三选区".into(),
            index: 5,
            count: lines,
            output: BASE64.encode(vec![7u8; n * width * 64]),
            proof: BASE64.encode(vec![7u8; ShuffleProof::encoded_len(n, width)]),
            signature: BASE64.encode([7u8; 64]),
        };
        body_bytes(&body).len()
    }

    #[test]
    fn the_largest_shuffle_fits_one_entry_and_a_few_lines_more_do_not() {
        for (flags, width) in [(true, 3), (false, 2)] {
            let max = shuffle_lines_max(flags);
            assert!(
                shuffle_entry_len(max, width) <= ENTRY_BODY_BYTES_MAX,
                "{width}"
            );
            // The 4 KiB kept for the other fields is less than 16 lines: the bound is tight.
            assert!(
                shuffle_entry_len(max + 16, width) > ENTRY_BODY_BYTES_MAX,
                "{width}"
            );
        }
        assert_eq!(shuffle_lines_max(true), 35_736);
        assert_eq!(shuffle_lines_max(false), 43_678);
    }
}

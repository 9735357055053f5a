//! What a kiosk does with a voter's choices in an encrypted election: one encrypted contest
//! per contest of the token's style, each bound to the election, the contest, the style's
//! evaluator group and the token's serial (docs/E2E.md §4.2). The browser kiosk does the
//! same in `web/js/e2e.js`; this one serves the CLI (`scrutineer ledger cast`, `scrutineer
//! ballot encrypt`) and the tests.

use rand_core::CryptoRngCore;
use serde_json::Value;

use super::{crypto, plaintext_of, shape_of, E2eError};
use crate::crypto::ballot::{encrypt_contest, Opening};
use crate::crypto::ElectionKey;
use crate::record::ballot::parse_ballot_line;
use crate::record::encrypted::EncryptedLine;
use crate::record::entry::Style;
use crate::record::names::Names;
use crate::rules::Election;

/// The evaluator group a contest's encrypted ballot carries on a style: the style's group
/// for an evaluation counted by group, empty otherwise.
pub fn group_on(election: &Election, contest: &str, style: &Style) -> String {
    let grouped = election
        .contest_index(contest)
        .and_then(|ci| election.contests[ci].evaluation().as_ref())
        .is_some_and(|e| !e.groups.is_empty());
    if grouped {
        style.group.clone()
    } else {
        String::new()
    }
}

/// Encrypts ballot lines (the plaintext format of `record::ballot`) for a token of
/// `style`. A line the rules would void is refused: kiosks never cast a void ballot. A line
/// naming an evaluator group must name the style's. Returns each encrypted line with its
/// opening (which reveals the vote: keep it only to audit a spoiled ballot).
pub fn encrypt_lines(
    election: &Election,
    election_id: &str,
    style: &Style,
    key: &ElectionKey,
    token_serial: [u8; 16],
    lines: &[Value],
    rng: &mut dyn CryptoRngCore,
) -> Result<Vec<(EncryptedLine, Opening)>, E2eError> {
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let (ci, ballot) = parse_ballot_line(election, i + 1, &line.to_string(), Names::Clean)
            .map_err(|e| E2eError::Refused(e.to_string()))?;
        let contest = &election.contests[ci];
        crate::rules::conduct::check_electronic_ballot(contest, &ballot)
            .map_err(|e| E2eError::Refused(e.to_string()))?;
        let group = group_on(election, contest.id(), style);
        if let Some(g) = line.get("group").and_then(|g| g.as_str()) {
            if g != group {
                return Err(E2eError::Refused(format!(
                    "选票写的测评组 “{g}” 不是此选票样式的 “{group}” / the ballot names group “{g}”, the style's is “{group}”"
                )));
            }
        }
        let shape = shape_of(contest)?;
        let plaintext = plaintext_of(contest, &shape, &ballot)?;
        let ctx = super::context(election_id, contest.id(), &group, token_serial);
        let (enc, opening) = encrypt_contest(key, &shape, &ctx, &plaintext, rng)
            .map_err(crypto("加密选票", "encrypting the ballot"))?;
        out.push((
            EncryptedLine {
                contest: contest.id().clone(),
                group,
                ballot: enc.to_bytes(),
            },
            opening,
        ));
    }
    Ok(out)
}

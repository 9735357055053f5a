//! Encrypted ballots at the ledger: a cast checked (token, style, every contest decoded and
//! its proofs verified in a batch with the ballots arriving at the same moment, `batch.rs`)
//! off the sequencer, then appended; and a spoiled ballot opened and logged.

use std::sync::mpsc;
use std::sync::Arc;

use super::*;

impl Ledger {
    /// Checks an encrypted ballot without touching the log: the token (signature, election,
    /// round, style), one encrypted contest for each contest of the style with the style's
    /// evaluator group, each decoded against its shape and every proof verified: in one
    /// batch with the other ballots being checked at the same moment (docs/E2E.md §8.3;
    /// `batch.rs`: a bad ballot is still refused alone), outside the state's lock. Safe to
    /// call from many threads at once.
    pub fn prepare_encrypted(
        &self,
        token_text: &str,
        lines: Vec<crate::record::encrypted::EncryptedLine>,
    ) -> Result<(BallotKey, Vec<u8>, Arc<CheckedBallot>), LedgerError> {
        let token = Token::parse(token_text).map_err(LedgerError::Token)?;
        let body = crate::record::encrypted::EncryptedBallotBody {
            token: token.clone(),
            lines,
        };
        let (mut checked, proofs) = self.read(|s| -> Result<_, LedgerError> {
            let info = s.state.info()?;
            s.state.conduct()?.check_ballot_kind(true)?;
            let style = token_style(info, &token)?;
            let named: Vec<&str> = body.lines.iter().map(|l| l.contest.as_str()).collect();
            crate::rules::conduct::check_ballot_contests(&state::style_def(style), &named)?;
            let book = s.state.admin.book()?;
            let checked = book.decode_ballot(&info.election, style, &body)?;
            Ok((checked, self.ballot_proofs(book)?))
        })??;
        let bytes = body.encode();
        // Hashed here, on the caller's thread, not in the sequencer.
        checked.confirmation = state::encrypted_confirmation(&bytes);
        let checked = Arc::new(checked);
        let serial = *token.serial();
        self.inner
            .proofs
            .check((checked.clone(), serial), &|items| {
                let v: Vec<(&CheckedBallot, [u8; 16])> =
                    items.iter().map(|(b, s)| (&**b, *s)).collect();
                proofs.verify(&v)
            })
            .map_err(LedgerError::from)?;
        Ok((
            BallotKey {
                serial,
                round: token.round(),
                style: token.style(),
                encrypted: true,
            },
            bytes,
            checked,
        ))
    }

    /// The election and key encrypted ballots are checked under, kept once built.
    fn ballot_proofs(
        &self,
        book: &crate::e2e::book::Book,
    ) -> Result<Arc<crate::e2e::book::BallotProofs>, LedgerError> {
        let mut kept = self
            .inner
            .ballot_proofs
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(p) = kept.as_ref().filter(|p| p.is_for(book)) {
            return Ok(p.clone());
        }
        let p = Arc::new(
            book.ballot_proofs()
                .ok_or(LedgerError::from(crate::e2e::E2eError::NoKey))?,
        );
        *kept = Some(p.clone());
        Ok(p)
    }

    /// Casts an encrypted ballot (checked by [`Ledger::prepare_encrypted`]) within the
    /// desk's bound, and waits until its entry is durable. With its confirmation hash
    /// (`record::spoiled`), computed once, when it was prepared.
    pub fn cast_encrypted(
        &self,
        token_text: &str,
        lines: Vec<crate::record::encrypted::EncryptedLine>,
        issued: Option<u64>,
    ) -> Result<(Appended, Option<[u8; 32]>), LedgerError> {
        let (key, entry_body, checked) = self.prepare_encrypted(token_text, lines)?;
        let confirmation = checked.confirmation;
        let (reply, rx) = mpsc::channel();
        self.send(Request::Ballot {
            key,
            entry_body,
            issued,
            encrypted: Some(checked),
            reply,
        })?;
        let a = rx.recv().map_err(|_| LedgerError::Stopped)??;
        Ok((a, confirmation))
    }

    /// Spoils a ballot the voter chose to check (docs/E2E.md §8.6): the token checked as for a
    /// cast (signature, election, round, style; the slip unused) but not spent, one contest per
    /// contest of the style, each contest's proofs and opening verified
    /// (`Book::open_spoiled`), then logged as a `spoiled_ballot` without the token's
    /// signature. Returns the entry and the opened plaintexts.
    pub fn spoil(
        &self,
        token_text: &str,
        lines: Vec<crate::record::spoiled::SpoiledLine>,
        kiosk: &str,
        time: u64,
    ) -> Result<Appended, LedgerError> {
        let token = Token::parse(token_text).map_err(LedgerError::Token)?;
        let body = crate::record::spoiled::SpoiledBallotBody {
            round: token.round(),
            style: token.style(),
            serial: *token.serial(),
            time,
            kiosk: kiosk.to_string(),
            lines,
        };
        let (info, style, book) = self.read(|s| -> Result<_, LedgerError> {
            let info = s.state.info()?;
            s.state.conduct()?.check_ballot_kind(true)?;
            let style = token_style(info, &token)?;
            if s.state.spent.contains(token.serial()) {
                return Err(crate::e2e::challenges::ChallengeError::AlreadyCast.into());
            }
            s.state.style_open(style.round, token.style())?;
            let named: Vec<&str> = body.lines.iter().map(|l| l.line.contest.as_str()).collect();
            crate::rules::conduct::check_ballot_contests(&state::style_def(style), &named)?;
            let digests: Vec<[u8; 32]> = body
                .lines
                .iter()
                .map(|l| crate::e2e::book::line_digest(&l.line.ballot))
                .collect();
            s.state
                .challenges
                .check_spoil(token.serial(), false, &digests)?;
            let (info, book) = s.state.verifying_copy()?;
            Ok((info, style.clone(), book))
        })??;
        // Each contest's proofs and opening are verified off the state's lock, as a cast's
        // are: the sequencer would otherwise wait on them, and every append with it. The
        // append checks the slip and the challenges again (`State::check_challenge`).
        book.open_spoiled(&info.election, &style, &body)?;
        self.append(EntryKind::SpoiledBallot, body.encode())
    }
}

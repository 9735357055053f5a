//! A teller's saved tallies (docs/E2E.md §11.2): what the encrypted ballots of the log it
//! verified last add up to, per contest and evaluator group, kept in its state file next to
//! that log's size and root (`e2e::teller::TellerState::tallies`). Its next run installs
//! them before replaying and does not decode the ballots of that prefix again: each
//! ciphertext of a ballot costs two square roots to decompress, and a county's log holds
//! millions. Only the ballots' part of a tally is saved (their number, the sums, the
//! write-in names in log order); shuffles and decryption shares are replayed from the log.
//!
//! The encoding (integers big-endian, points as 32-byte ristretto255 encodings):
//!
//! ```text
//! "scrutineer.teller-tallies/v1\0" ‖ u32 count ‖ count × tally
//! tally = u32 len ‖ contest ‖ u32 len ‖ group ‖ shape ‖ u64 ballots
//!         ‖ u32 sums ‖ sums × (α ‖ β) ‖ u32 names ‖ u32 width ‖ names × width × (α ‖ β)
//! shape = (`ContestShape::to_bytes`, docs/E2E.md §4.1)
//!         0x01 ‖ u32 candidates ‖ u32 max_marks ‖ u8 against ‖ u32 write_in_lines
//!              ‖ u8 write_in_needs_against
//!       | 0x02 ‖ u32 subjects ‖ u8 has_quota ‖ u32 quota
//! ```

use curve25519_dalek::ristretto::CompressedRistretto;

use super::*;
use crate::crypto::ballot::{CandidateShape, EvaluationShape, KIND_CANDIDATE, KIND_EVALUATION};

const MAGIC: &[u8] = b"scrutineer.teller-tallies/v1\0";

fn refused(what: &str) -> E2eError {
    E2eError::Refused(format!(
        "保存的计票累计无效 ({what}) / the saved tallies are damaged ({what})"
    ))
}

/// Reads the saved encoding front to back.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], E2eError> {
        if self.0.len() < n {
            return Err(refused("truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, E2eError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, E2eError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> Result<u64, E2eError> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(u64::from_be_bytes(a))
    }
    fn text(&mut self) -> Result<String, E2eError> {
        let n = self.count(1)?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| refused("name"))
    }
    /// A count of items of `size` bytes each, no more than the bytes left can hold.
    fn count(&mut self, size: usize) -> Result<usize, E2eError> {
        let n = self.u32()? as usize;
        if n.saturating_mul(size) > self.0.len() {
            return Err(refused("count"));
        }
        Ok(n)
    }
    fn point(&mut self) -> Result<RistrettoPoint, E2eError> {
        CompressedRistretto::from_slice(self.take(32)?)
            .ok()
            .and_then(|c| c.decompress())
            .ok_or_else(|| refused("point"))
    }
}

fn push_text(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn read_shape(r: &mut Reader<'_>) -> Result<ContestShape, E2eError> {
    let flag = |b: u8| match b {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(refused("shape")),
    };
    match r.u8()? {
        KIND_CANDIDATE => Ok(ContestShape::Candidate(CandidateShape {
            candidates: r.u32()?,
            max_marks: r.u32()?,
            against: flag(r.u8()?)?,
            write_in_lines: r.u32()?,
            write_in_needs_against: flag(r.u8()?)?,
        })),
        KIND_EVALUATION => {
            let subjects = r.u32()?;
            let has = flag(r.u8()?)?;
            let quota = r.u32()?;
            Ok(ContestShape::Evaluation(EvaluationShape {
                subjects,
                grade0_quota: has.then_some(quota),
            }))
        }
        _ => Err(refused("shape")),
    }
}

/// Write-in names saved with a tally, still encoded (`count` × `width` ciphertexts of 64
/// bytes): most contests never need them, and each point costs a square root to decode.
#[derive(Clone)]
pub(super) struct SavedNames {
    bytes: Vec<u8>,
    width: usize,
    pub(super) count: usize,
    /// The saved names decoded, followed by the names added since, once asked for.
    all: std::sync::OnceLock<Result<Vec<CiphertextVector>, String>>,
}

impl SavedNames {
    /// The saved names, then `appended` (the names of ballots after the saved prefix),
    /// decoded the first time and kept.
    pub(super) fn with(
        &self,
        appended: &[CiphertextVector],
    ) -> Result<&[CiphertextVector], E2eError> {
        self.all
            .get_or_init(|| {
                let mut all = Vec::with_capacity(self.count + appended.len());
                for name in self.bytes.chunks(self.width * 64) {
                    let v = name
                        .chunks(64)
                        .map(|c| Ciphertext::from_bytes(c, "saved name"))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| refused(&format!("name: {e}")).to_string())?;
                    all.push(v);
                }
                all.extend(appended.iter().cloned());
                Ok(all)
            })
            .as_deref()
            .map_err(|e| E2eError::Refused(e.clone()))
    }

    /// A name is about to be appended: what was decoded with the names before it is stale.
    pub(super) fn appending(&mut self) {
        self.all = std::sync::OnceLock::new();
    }
}

impl Book {
    /// The ballots' part of every tally, encoded (the module's documentation): what a teller
    /// saves after a run, for its next run to start from ([`Book::seed_tallies`]).
    pub fn save_tallies(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&(self.tallies.len() as u32).to_be_bytes());
        for ((contest, group), t) in &self.tallies {
            push_text(&mut out, contest);
            push_text(&mut out, group);
            // The canonical shape encoding (docs/E2E.md §4.1).
            out.extend_from_slice(&t.shape.to_bytes());
            out.extend_from_slice(&t.ballots.to_be_bytes());
            out.extend_from_slice(&(t.sums.len() as u32).to_be_bytes());
            for (a, b) in &t.sums {
                out.extend_from_slice(a.compress().as_bytes());
                out.extend_from_slice(b.compress().as_bytes());
            }
            // The names still encoded from the run before, then those added since.
            let (saved, saved_width) = t
                .saved_names
                .as_ref()
                .map_or((0, 0), |n| (n.count, n.width));
            let width = if saved > 0 {
                saved_width
            } else {
                t.names.first().map_or(0, Vec::len)
            };
            out.extend_from_slice(&((saved + t.names.len()) as u32).to_be_bytes());
            out.extend_from_slice(&(width as u32).to_be_bytes());
            if let Some(n) = &t.saved_names {
                out.extend_from_slice(&n.bytes);
            }
            for name in &t.names {
                for c in name.iter().take(width) {
                    c.write(&mut out);
                }
            }
        }
        out
    }

    /// Installs tallies saved by [`Book::save_tallies`] after replaying a prefix of this
    /// log, before this book has any: the caller then must not add the ballots of that
    /// prefix again (`verify::verify_export_resuming`). Nothing is installed on an error.
    pub fn seed_tallies(&mut self, bytes: &[u8]) -> Result<(), E2eError> {
        if !self.tallies.is_empty() {
            return Err(refused("the book has tallies already"));
        }
        let mut r = Reader(bytes);
        if r.take(MAGIC.len())? != MAGIC {
            return Err(refused("format"));
        }
        let count = r.count(1)?;
        let mut tallies = BTreeMap::new();
        for _ in 0..count {
            let contest = r.text()?;
            let group = r.text()?;
            let shape = read_shape(&mut r)?;
            // Within the limits every shape is held to, before its tally is allocated.
            shape.validate().map_err(|_| refused("shape"))?;
            let mut t = ContestTally::new(shape);
            t.ballots = r.u64()?;
            // No contest has more ballots than a u32 counts; more would size the discrete
            // logarithm's table from a damaged file.
            if t.ballots > u64::from(u32::MAX) {
                return Err(refused("ballots"));
            }
            let sums = r.count(64)?;
            if sums != t.sums.len() {
                return Err(refused("sums"));
            }
            for slot in &mut t.sums {
                *slot = (r.point()?, r.point()?);
            }
            let names = r.count(1)?;
            let width = r.count(1)?;
            let len = names.saturating_mul(width).saturating_mul(64);
            if len > r.0.len() || (names > 0 && width == 0) {
                return Err(refused("names"));
            }
            // Kept encoded: decoded only if the contest's names are ever needed.
            if names > 0 {
                t.saved_names = Some(SavedNames {
                    bytes: r.take(len)?.to_vec(),
                    width,
                    count: names,
                    all: std::sync::OnceLock::new(),
                });
            }
            if tallies.insert((contest, group), t).is_some() {
                return Err(refused("a tally twice"));
            }
        }
        if !r.0.is_empty() {
            return Err(refused("trailing bytes"));
        }
        self.tallies = tallies;
        Ok(())
    }
}

#[cfg(test)]
pub(super) mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::record::note::Signer;
    use curve25519_dalek::scalar::Scalar;
    use ed25519_dalek::SigningKey;

    /// A book of three tellers, threshold 2, protocol 3, no tallies.
    pub(in crate::e2e::book) fn book() -> Book {
        let tellers = (1..=3u8)
            .map(|i| {
                Signer::new(&format!("t{i}"), SigningKey::from_bytes(&[i; 32]))
                    .unwrap()
                    .verifier()
                    .unwrap()
            })
            .collect();
        Book::new("e", tellers, 2, 3).unwrap()
    }

    /// A book with a party tally (sums and two write-in names) and an evaluation tally.
    fn filled() -> Book {
        let mut b = book();
        let key = ElectionKey::new(Element::from_point(crate::crypto::group::mul_g(
            &Scalar::from(7u64),
        )))
        .unwrap();
        let mut party = ContestTally::new(ContestShape::party(3, 2, 1));
        party.ballots = 12;
        for (n, slot) in party.sums.iter_mut().enumerate() {
            let ct = Ciphertext::encrypt_exp(&key, n as u64, &Scalar::from(n as u64 + 3));
            *slot = (*ct.alpha.point(), *ct.beta.point());
        }
        for m in [5u64, 6] {
            let ct = Ciphertext::encrypt_exp(&key, m, &Scalar::from(m));
            party.names.push(vec![ct, ct]);
        }
        b.tallies.insert(("d1".into(), String::new()), party);
        let mut eval = ContestTally::new(ContestShape::Evaluation(EvaluationShape {
            subjects: 2,
            grade0_quota: Some(1),
        }));
        eval.ballots = 4;
        b.tallies.insert(("e1".into(), "中层".into()), eval);
        b
    }

    fn names(t: &ContestTally) -> Vec<Vec<[u8; 64]>> {
        t.current_names()
            .unwrap()
            .iter()
            .map(|v| v.iter().map(Ciphertext::to_bytes).collect())
            .collect()
    }

    fn same(a: &Book, b: &Book) -> bool {
        a.tallies.len() == b.tallies.len()
            && a.tallies
                .iter()
                .zip(&b.tallies)
                .all(|((ka, ta), (kb, tb))| {
                    ka == kb
                        && ta.shape == tb.shape
                        && ta.ballots == tb.ballots
                        && ta.sums == tb.sums
                        && names(ta) == names(tb)
                })
    }

    #[test]
    fn saved_tallies_come_back_as_they_were_saved() {
        let a = filled();
        let bytes = a.save_tallies();
        let mut b = book();
        b.seed_tallies(&bytes).unwrap();
        assert!(same(&a, &b));
        assert_eq!(b.save_tallies(), bytes);
        // Only into a book without tallies.
        assert!(b.seed_tallies(&bytes).is_err());
    }

    #[test]
    fn damaged_saved_tallies_install_nothing() {
        let bytes = filled().save_tallies();
        let magic = MAGIC.len();
        let mut cases: Vec<Vec<u8>> = vec![
            bytes[..bytes.len() - 1].to_vec(),
            [bytes.as_slice(), &[0]].concat(),
            [
                b"scrutineer.teller-tallies/v2\0".as_slice(),
                &bytes[magic..],
            ]
            .concat(),
        ];
        // A count far above what the bytes hold.
        let mut huge = bytes.clone();
        huge[magic..magic + 4].copy_from_slice(&u32::MAX.to_be_bytes());
        cases.push(huge);
        // An unknown shape tag (after "d1" and the empty group).
        let mut shape = bytes.clone();
        shape[magic + 4 + 4 + 2 + 4] = 9;
        cases.push(shape);
        // A shape beyond the limits (4,294,967,295 candidates: its tally is not allocated).
        let mut wide = bytes.clone();
        let candidates = magic + 4 + 4 + 2 + 4 + 1;
        wide[candidates..candidates + 4].copy_from_slice(&u32::MAX.to_be_bytes());
        cases.push(wide);
        // A ballot count no contest has.
        let mut many = bytes.clone();
        let ballots = magic + 4 + 6 + 4 + 15;
        many[ballots..ballots + 8].copy_from_slice(&u64::MAX.to_be_bytes());
        cases.push(many);
        // A point that is not a valid encoding (the first sum's α).
        let mut point = bytes.clone();
        let first_sum = magic + 4 + 6 + 4 + 15 + 8 + 4;
        point[first_sum..first_sum + 32].copy_from_slice(&[0xff; 32]);
        cases.push(point);
        for (n, bad) in cases.iter().enumerate() {
            let mut b = book();
            assert!(b.seed_tallies(bad).is_err(), "case {n} was accepted");
            assert!(b.tallies.is_empty(), "case {n} installed something");
        }
        // A name that is not a valid encoding is found when the names are needed: the
        // shuffle or decryption that asks for them is refused.
        let mut name = bytes.clone();
        let first_name = first_sum + 8 * 64 + 4 + 4;
        name[first_name..first_name + 32].copy_from_slice(&[0xff; 32]);
        let mut b = book();
        b.seed_tallies(&name).unwrap();
        let t = &b.tallies[&("d1".to_string(), String::new())];
        assert!(t.has_names());
        assert!(t.current_names().is_err());
    }

    #[test]
    fn names_added_after_the_saved_ones_come_after_them() {
        let a = filled();
        let mut b = book();
        b.seed_tallies(&a.save_tallies()).unwrap();
        let key = ("d1".to_string(), String::new());
        // Decoded once before a name is added: the next ask sees the new one too.
        assert_eq!(names(&b.tallies[&key]).len(), 2);
        let extra = a.tallies[&key].names[0].clone();
        let t = b.tallies.get_mut(&key).unwrap();
        t.saved_names.as_mut().unwrap().appending();
        t.names.push(extra.clone());
        let all = names(t);
        assert_eq!(all.len(), 3);
        assert_eq!(
            all[2],
            extra.iter().map(Ciphertext::to_bytes).collect::<Vec<_>>()
        );
        // And they are saved in that order.
        let mut c = book();
        c.seed_tallies(&b.save_tallies()).unwrap();
        assert_eq!(names(&c.tallies[&key]), all);
    }
}

//! The cryptographic core of end-to-end encrypted ballots (`scrutineer.e2e/v1`).
//!
//! Group: ristretto255 (RFC 9496) with generator G = the ristretto basepoint,
//! through `curve25519-dalek` 4.1.3 only (no hand-written field or curve
//! arithmetic). Joint election key K = x·G, x shared among the tellers.
//!
//! * [`ballot`]: encrypted contest ballots (candidate, party, people's
//!   congress, recommendation and evaluation contests) with exponential
//!   ElGamal, CDS disjunctive proofs, range proofs, write-in names, Benaloh
//!   openings and a batch verifier.
//! * [`dkg`]: Pedersen/Feldman distributed key generation as in ElectionGuard
//!   2.0 §3.2, with hashed-ElGamal share encryption and verifiable complaints.
//! * [`decrypt`]: threshold decryption shares with Chaum–Pedersen proofs,
//!   Lagrange combination, baby-step giant-step discrete logarithms.
//! * [`shuffle`]: Terelius–Wikström verifiable re-encryption shuffle of
//!   ciphertext vectors (CHVote §8 GenShuffleProof/CheckShuffleProof, Haenni et
//!   al.), for write-in names.
//! * [`names`]: reversible encoding of write-in names into group elements.
//!
//! The byte-level specification is `docs/E2E.md`; the test vectors are
//! `docs/e2e-vectors/e2e-v1.json`, which the Rust code (`tests/e2e_vectors.rs`) and the
//! browser's `web/js/e2e.js` (`tests/e2e_js.rs`) both reproduce byte for byte.
//!
//! Architecture invariant: pure. No I/O, no clock, no serde; randomness only from the
//! caller's RNG ([`SystemRng`], over ring, in production).
//!
//! ## Why not `elastic-elgamal`
//!
//! `elastic-elgamal` (0.3) bundles ElGamal on ristretto255, ring (CDS-like)
//! proofs, range proofs and a Feldman DKG, and was considered. It is not used
//! because (1) every proof transcript is a `merlin`/STROBE transcript, which the
//! browser client (`@noble/curves` + `@noble/hashes`) cannot reproduce without
//! hand-writing Keccak-f/STROBE code; (2) its byte formats and serde encodings
//! are its own and would have to be frozen as our wire format; (3) its proofs
//! are in challenge form (Abe–Ohkubo–Suzuki rings), which cannot be batched
//! into one multiscalar multiplication, and measurements (E2E.md §Measurements)
//! show the batched commitment form is what meets the 2 ms/ballot server
//! budget; (4) it has no write-in name encoding, no verifiable shuffle and no
//! share encryption with complaints. Its constructions (CDS rings, range
//! decompositions) informed ours; the code here uses only curve25519-dalek,
//! sha2 and hmac.
//!
//! ## Conventions
//!
//! * Every hash: SHA-512 over a length-prefixed transcript
//!   ([`transcript::Transcript`]), the first field a domain label
//!   `scrutineer.e2e/v1/…`; scalars reduced mod ℓ from 64 bytes.
//! * Every random value: one 64-byte block from the caller's
//!   `&mut dyn CryptoRngCore`, reduced mod ℓ ([`group::draw_scalar`]); production
//!   passes [`SystemRng`] (ring's `SystemRandom`), tests and vectors feed
//!   [`group::DeterministicRng`] through the same path.
//! * Secrets (nonces, shares) are only used with constant-time dalek
//!   operations; vartime multiscalar multiplication only verifies public data.
//! * Bad input returns [`Error`] with a stable [`Error::code`]; nothing panics.

// Index loops mirror the numbered equations of docs/E2E.md.
#![allow(clippy::needless_range_loop, clippy::large_enum_variant)]

pub mod ballot;
pub mod decrypt;
pub mod dkg;
pub mod elgamal;
pub mod error;
pub mod group;
pub mod names;
pub mod shuffle;
pub mod sigma;
pub(crate) mod sink;
pub mod transcript;

pub use ballot::{
    aggregate, ballot_context, encrypt_contest, open_contest, verify_contest, verify_contest_bytes,
    verify_contest_unbatched, verify_contest_with_rng, verify_contests_batch, BatchFailure,
    BatchItem, CandidatePlaintext, CandidateShape, ContestPlaintext, ContestShape, ContextInputs,
    EncryptedContest, EvaluationPlaintext, EvaluationShape, Mark, Opening,
};
pub use elgamal::Ciphertext;
pub use error::{Error, Result};
pub use group::{DeterministicRng, ElectionKey, Element};

/// The operating system's randomness through `ring::rand::SystemRandom` (the project's one
/// source of randomness), as the `rand_core` RNG the constructions take.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemRng;

impl rand_core::RngCore for SystemRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // Invariant: the system RNG does not fail on the platforms we run on (ring's
        // `SystemRandom` reads getrandom(2)); if it ever did, a zero-filled nonce must never
        // be used, so stop the process rather than continue.
        #[allow(clippy::panic)]
        if self.try_fill_bytes(dest).is_err() {
            panic!("the system random source failed"); // Invariant: never an unfilled nonce (see above).
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> std::result::Result<(), rand_core::Error> {
        use ring::rand::SecureRandom;
        ring::rand::SystemRandom::new().fill(dest).map_err(|_| {
            rand_core::Error::from(
                core::num::NonZeroU32::new(rand_core::Error::CUSTOM_START)
                    .unwrap_or(core::num::NonZeroU32::MIN),
            )
        })
    }
}

impl rand_core::CryptoRng for SystemRng {}

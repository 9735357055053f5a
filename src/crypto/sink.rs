//! Where the ballot proofs' verification equations go (`crypto::sigma` emits them): the
//! batch accumulator [`BatchSink`], with the verifier's random weights ([`Weights`], also
//! the shuffle verifier's), or [`CheckSink`], which checks each equation on its own.

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use rand_core::CryptoRngCore;
use zeroize::Zeroize;

use crate::crypto::group::{generator, ElectionKey, Element};
use crate::crypto::sigma::Pi;

/// Receiver of verification equations `g·G + k·K + mult·Σ sᵢ·Pᵢ = P_t`.
pub(crate) trait Sink {
    /// Registers a decoded element; returns its index.
    fn push(&mut self, e: &Element) -> Pi;
    /// Names the proof whose equations follow (for error messages).
    fn context(&mut self, label: &'static str, position: u32);
    /// One equation.
    fn equation(&mut self, g: &Scalar, k: &Scalar, terms: &[(Pi, Scalar)], mult: &Scalar, t: Pi);
    /// Records a derived value (challenge `c` or coefficient `lambda`) for
    /// test vectors; ignored by verifiers.
    fn note(&mut self, _kind: &'static str, _label: &'static str, _position: u32, _value: &Scalar) {
    }
}

/// Random-linear-combination accumulator: the small-exponent batch test of
/// Bellare, Garay and Rabin ("Fast batch verification for modular exponentiation
/// and digital signatures", EUROCRYPT '98), as Ed25519 batch verification uses it.
/// Equation e, `g·G + k·K + mult·Σ sᵢ·Pᵢ = P_t`, gets an independent weight w_e,
/// uniform in [1, 2^128), from a ChaCha20 stream seeded by the verifier's CSPRNG,
/// and adds `w_e·(P_t − g·G − k·K − mult·Σ sᵢ·Pᵢ)`; the whole batch holds iff
/// `(Σ g)·G + (Σ k)·K + Σ coeffᵢ·Pᵢ` is the identity (one vartime MSM). If an
/// equation fails, its difference D_e is a non-identity element of a group of
/// prime order ℓ, so for any fixed other weights at most one value of w_e cancels
/// it: a batch with a false equation passes with probability ≤ 2^-127.
///
/// Why weights of 128 bits and this sign: a commitment P_t appears in its own
/// equation only, so its coefficient is w_e itself, whose upper signed-radix digits
/// are zero, and the multiscalar multiplication (Pippenger or Straus) skips the
/// additions of zero digits: about half of its work for the commitments, which are
/// most of a ballot's points. (Successive powers ρ^e of one random ρ, used before,
/// gave every point a full-size coefficient.) The weights are local to the
/// verifier and not part of any format.
pub(crate) struct BatchSink {
    pub points: Vec<RistrettoPoint>,
    pub coeffs: Vec<Scalar>,
    pub g: Scalar,
    pub k: Scalar,
    weights: Weights,
    pub equations: usize,
}

/// A verifier's batch weights: independent scalars uniform in [1, 2^128) from a ChaCha20
/// stream, unknown to the prover until the whole proof is fixed (the condition of the
/// small-exponent test: weights a prover could learn before its last message would let it
/// choose responses that cancel false equations). [`BatchSink`] and the shuffle's verifier
/// (`crypto::shuffle`) draw theirs here.
pub(crate) struct Weights(rand_chacha::ChaCha20Rng);

impl Weights {
    /// Weights seeded with 32 bytes of `rng` (the operating system's CSPRNG to verify).
    pub(crate) fn new(rng: &mut dyn CryptoRngCore) -> Self {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let w = Self::seeded(seed);
        seed.zeroize();
        w
    }

    /// Weights from a fixed seed: for counting equations only, never to verify.
    pub(crate) fn seeded(seed: [u8; 32]) -> Self {
        use rand_chacha::rand_core::SeedableRng;
        Weights(rand_chacha::ChaCha20Rng::from_seed(seed))
    }

    /// The next weight, uniform in [1, 2^128) (a zero draw, probability 2^-128, becomes 1).
    pub(crate) fn next(&mut self) -> Scalar {
        use rand_chacha::rand_core::RngCore;
        let mut b = [0u8; 16];
        self.0.fill_bytes(&mut b);
        Scalar::from(u128::from_le_bytes(b).max(1))
    }
}

impl BatchSink {
    /// A sink whose weights are seeded from `rng` (the operating system's CSPRNG in
    /// the service, the teller's tool and `verify`).
    pub(crate) fn new(rng: &mut dyn CryptoRngCore) -> Self {
        Self::with_weights(Weights::new(rng))
    }

    /// A sink with weights from a fixed seed: for counting equations only, never to
    /// verify (a prover who knows the weights can make false equations cancel).
    pub(crate) fn seeded(seed: [u8; 32]) -> Self {
        Self::with_weights(Weights::seeded(seed))
    }

    fn with_weights(weights: Weights) -> Self {
        BatchSink {
            points: Vec::new(),
            coeffs: Vec::new(),
            g: Scalar::ZERO,
            k: Scalar::ZERO,
            weights,
            equations: 0,
        }
    }

    /// State to roll back to (see [`BatchSink::restore`]).
    pub(crate) fn snapshot(&self) -> (usize, Scalar, Scalar, usize) {
        (self.points.len(), self.g, self.k, self.equations)
    }

    /// Drops everything accumulated since `snapshot` (the weights drawn since are
    /// not drawn again: every later equation still gets a fresh one).
    pub(crate) fn restore(&mut self, s: (usize, Scalar, Scalar, usize)) {
        self.points.truncate(s.0);
        self.coeffs.truncate(s.0);
        self.g = s.1;
        self.k = s.2;
        self.equations = s.3;
    }

    /// Evaluates the combination; true iff it is the identity.
    pub(crate) fn check(&self, key: &ElectionKey) -> bool {
        let extra_p = [generator(), *key.point()];
        let extra_s = [self.g, self.k];
        let pts = self.points.iter().chain(extra_p.iter());
        let sc = self.coeffs.iter().chain(extra_s.iter());
        RistrettoPoint::vartime_multiscalar_mul(sc, pts).is_identity()
    }
}

impl Sink for BatchSink {
    fn push(&mut self, e: &Element) -> Pi {
        self.points.push(*e.point());
        self.coeffs.push(Scalar::ZERO);
        (self.points.len() - 1) as Pi
    }
    fn context(&mut self, _label: &'static str, _position: u32) {}
    fn equation(&mut self, g: &Scalar, k: &Scalar, terms: &[(Pi, Scalar)], mult: &Scalar, t: Pi) {
        let w = self.weights.next();
        self.equations += 1;
        self.g -= w * g;
        self.k -= w * k;
        let wm = w * mult;
        for (i, s) in terms {
            self.coeffs[*i as usize] -= wm * s;
        }
        self.coeffs[t as usize] += w;
    }
}

/// Recomputes each commitment separately and compares encodings: the work of
/// a challenge-form verifier, and the way to name the first failing proof.
pub(crate) struct CheckSink<'k> {
    key: &'k ElectionKey,
    points: Vec<Element>,
    current: (&'static str, u32),
    pub failed: Option<(&'static str, u32)>,
    pub equations: usize,
}

impl<'k> CheckSink<'k> {
    pub(crate) fn new(key: &'k ElectionKey) -> Self {
        CheckSink {
            key,
            points: Vec::new(),
            current: ("", 0),
            failed: None,
            equations: 0,
        }
    }
}

impl Sink for CheckSink<'_> {
    fn push(&mut self, e: &Element) -> Pi {
        self.points.push(*e);
        (self.points.len() - 1) as Pi
    }
    fn context(&mut self, label: &'static str, position: u32) {
        self.current = (label, position);
    }
    fn equation(&mut self, g: &Scalar, k: &Scalar, terms: &[(Pi, Scalar)], mult: &Scalar, t: Pi) {
        self.equations += 1;
        let scalars: Vec<Scalar> = terms.iter().map(|(_, s)| mult * s).collect();
        let pts: Vec<RistrettoPoint> = terms
            .iter()
            .map(|(i, _)| *self.points[*i as usize].point())
            .collect();
        let q = self.key.vartime_combo(g, k, &scalars, &pts);
        // A challenge-form verifier hashes the recomputed commitment, so it
        // pays for one compression per equation; we do the same.
        if q.compress().to_bytes() != self.points[t as usize].to_bytes() && self.failed.is_none() {
            self.failed = Some(self.current);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::crypto::group::{draw_scalar, mul_g, DeterministicRng};

    /// Two false equations whose errors cancel under equal weights (G too many in
    /// one, G too few in the other) pass a sum without weights and any weighting
    /// the prover can predict; independent random weights refuse them. Each true
    /// equation alone passes, each false one alone is refused, and a commitment's
    /// coefficient is its 128-bit weight (the upper half of the scalar zero).
    #[test]
    fn batch_weights_are_independent_and_small() {
        let mut rng = DeterministicRng::new(b"weights");
        let key = ElectionKey::new(Element::from_point(mul_g(&draw_scalar(&mut rng)))).unwrap();
        let two_g = Element::from_point(mul_g(&Scalar::from(2u8)));
        let emit = |sink: &mut BatchSink, lhs: &[u8]| {
            for l in lhs {
                let t = sink.push(&two_g);
                sink.equation(&Scalar::from(*l), &Scalar::ZERO, &[], &Scalar::ONE, t);
            }
        };
        // Without weights: (2G − 1·G) + (2G − 3·G) is the identity.
        let g = |v: u8| mul_g(&Scalar::from(v));
        assert!(((g(2) - g(1)) + (g(2) - g(3))).is_identity());
        for _ in 0..16 {
            let mut sink = BatchSink::new(&mut rng);
            emit(&mut sink, &[1, 3]);
            assert!(!sink.check(&key), "cancelling false equations passed");
            let mut sink = BatchSink::new(&mut rng);
            emit(&mut sink, &[2, 2]);
            assert!(sink.check(&key));
            let mut sink = BatchSink::new(&mut rng);
            emit(&mut sink, &[2, 3]);
            assert!(!sink.check(&key));
            for c in &sink.coeffs {
                assert_eq!(c.as_bytes()[16..], [0u8; 16], "weight wider than 128 bits");
                assert_ne!(*c, Scalar::ZERO);
            }
        }
    }

    /// Weights drawn from the system's CSPRNG differ between verifiers (a prover cannot
    /// know them), fit in 128 bits and are never zero.
    #[test]
    fn verifier_weights_are_fresh_for_each_verifier() {
        let mut a = Weights::new(&mut crate::crypto::SystemRng);
        let mut b = Weights::new(&mut crate::crypto::SystemRng);
        let (wa, wb): (Vec<Scalar>, Vec<Scalar>) = (0..8).map(|_| (a.next(), b.next())).unzip();
        assert_ne!(wa, wb);
        for w in wa.iter().chain(&wb) {
            assert_eq!(w.as_bytes()[16..], [0u8; 16]);
            assert_ne!(*w, Scalar::ZERO);
        }
        // A fixed seed gives a fixed stream (for counting only).
        assert_eq!(
            Weights::seeded([1; 32]).next(),
            Weights::seeded([1; 32]).next()
        );
    }
}

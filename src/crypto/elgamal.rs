//! ElGamal over ristretto255 (ElGamal 1985), in its two forms:
//!
//! * exponential: `Enc(m; r) = (r·G, m·G + r·K)` for small integers m, additively
//!   homomorphic (tallies are sums);
//! * plain: `Enc(M; r) = (r·G, M + r·K)` for a group element M (write-in names).
//!
//! A ciphertext is encoded as 64 bytes: `α ‖ β`, each a canonical ristretto255
//! encoding. Decoding refuses α = identity (an honest nonce is never 0).

use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;

use crate::crypto::error::Result;
use crate::crypto::group::{mul_g, ElectionKey, Element, Reader};

/// Encoded size of a ciphertext.
pub const CIPHERTEXT_LEN: usize = 64;

/// An ElGamal ciphertext (α, β).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ciphertext {
    /// α = r·G.
    pub alpha: Element,
    /// β = m·G + r·K (exponential) or M + r·K (plain).
    pub beta: Element,
}

impl Ciphertext {
    /// Exponential encryption of the small integer `m` with nonce `r`
    /// (constant time in m and r).
    pub fn encrypt_exp(key: &ElectionKey, m: u64, r: &Scalar) -> Self {
        let alpha = mul_g(r);
        let beta = mul_g(&Scalar::from(m)) + key.mul_k(r);
        Ciphertext {
            alpha: Element::from_point(alpha),
            beta: Element::from_point(beta),
        }
    }

    /// Plain encryption of the group element `msg` with nonce `r`.
    pub fn encrypt_point(key: &ElectionKey, msg: &RistrettoPoint, r: &Scalar) -> Self {
        let alpha = mul_g(r);
        let beta = msg + key.mul_k(r);
        Ciphertext {
            alpha: Element::from_point(alpha),
            beta: Element::from_point(beta),
        }
    }

    /// Homomorphic sum of ciphertexts (the empty sum is (identity, identity)).
    pub fn sum<'a>(cts: impl IntoIterator<Item = &'a Ciphertext>) -> Self {
        let mut a = RistrettoPoint::identity();
        let mut b = RistrettoPoint::identity();
        for c in cts {
            a += c.alpha.point();
            b += c.beta.point();
        }
        Ciphertext {
            alpha: Element::from_point(a),
            beta: Element::from_point(b),
        }
    }

    /// Homomorphic addition.
    pub fn add(&self, other: &Ciphertext) -> Self {
        Ciphertext {
            alpha: Element::from_point(self.alpha.point() + other.alpha.point()),
            beta: Element::from_point(self.beta.point() + other.beta.point()),
        }
    }

    /// Re-randomisation: adds an encryption of zero with nonce `r`.
    pub fn rerandomize(&self, key: &ElectionKey, r: &Scalar) -> Self {
        Ciphertext {
            alpha: Element::from_point(self.alpha.point() + mul_g(r)),
            beta: Element::from_point(self.beta.point() + key.mul_k(r)),
        }
    }

    /// 64-byte encoding α ‖ β.
    pub fn to_bytes(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(self.alpha.as_bytes());
        out[32..].copy_from_slice(self.beta.as_bytes());
        out
    }

    /// Appends the encoding to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.alpha.as_bytes());
        out.extend_from_slice(self.beta.as_bytes());
    }

    /// Decodes exactly 64 bytes; α must not be the identity.
    pub fn from_bytes(bytes: &[u8], what: &str) -> Result<Self> {
        crate::crypto::group::expect_len(bytes, CIPHERTEXT_LEN, what)?;
        let mut r = Reader::new(bytes, what);
        Self::read(&mut r, what)
    }

    pub(crate) fn read(r: &mut Reader<'_>, what: &str) -> Result<Self> {
        let alpha = r.element(what)?;
        if alpha.is_identity() {
            return Err(crate::crypto::error::Error::IdentityPoint {
                what: format!("alpha of {what}"),
            });
        }
        let beta = r.element(what)?;
        Ok(Ciphertext { alpha, beta })
    }
}

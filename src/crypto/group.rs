//! Group ristretto255 (RFC 9496) through curve25519-dalek: elements with their
//! canonical encodings, scalar encodings, random scalars, independent
//! generators, the election key, and a strict byte reader.
//!
//! No field or curve arithmetic is written here; everything goes through
//! `RistrettoPoint`, `CompressedRistretto` and `Scalar`.

use curve25519_dalek::constants::{RISTRETTO_BASEPOINT_POINT, RISTRETTO_BASEPOINT_TABLE};
use curve25519_dalek::ristretto::{
    CompressedRistretto, RistrettoBasepointTable, RistrettoPoint, VartimeRistrettoPrecomputation,
};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimePrecomputedMultiscalarMul};
use rand_core::{CryptoRng, CryptoRngCore, RngCore};
use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroize;

use crate::crypto::error::{Error, Result};
use crate::crypto::transcript::{domain, Transcript};

/// Size of an encoded group element.
pub const POINT_LEN: usize = 32;
/// Size of an encoded scalar.
pub const SCALAR_LEN: usize = 32;

/// The generator G (the ristretto255 basepoint).
pub fn generator() -> RistrettoPoint {
    RISTRETTO_BASEPOINT_POINT
}

/// Constant-time fixed-base multiplication s·G.
pub fn mul_g(s: &Scalar) -> RistrettoPoint {
    RISTRETTO_BASEPOINT_TABLE * s
}

/// A group element together with its canonical 32-byte encoding.
///
/// Decoding (`from_bytes`) rejects every non-canonical encoding (RFC 9496
/// §4.3.1); computed elements are compressed once when built.
#[derive(Clone, Copy, Debug)]
pub struct Element {
    point: RistrettoPoint,
    bytes: [u8; 32],
}

impl PartialEq for Element {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}
impl Eq for Element {}

impl Element {
    /// Wraps a computed point (compresses it).
    pub fn from_point(point: RistrettoPoint) -> Self {
        Element {
            point,
            bytes: point.compress().to_bytes(),
        }
    }

    /// Decodes a canonical encoding; `what` names the field in errors.
    pub fn from_bytes(bytes: &[u8], what: &str) -> Result<Self> {
        if bytes.len() != POINT_LEN {
            return Err(Error::BadLength {
                what: what.to_string(),
                expected: POINT_LEN,
                got: bytes.len(),
            });
        }
        let mut b = [0u8; 32];
        b.copy_from_slice(bytes);
        let point = CompressedRistretto(b).decompress().ok_or_else(|| {
            Error::bad_encoding(format!("{what} (not a canonical ristretto255 element)"))
        })?;
        Ok(Element { point, bytes: b })
    }

    /// Decodes and refuses the identity.
    pub fn from_bytes_nonidentity(bytes: &[u8], what: &str) -> Result<Self> {
        let e = Self::from_bytes(bytes, what)?;
        e.require_nonidentity(what)?;
        Ok(e)
    }

    /// Errors if this is the identity element.
    pub fn require_nonidentity(&self, what: &str) -> Result<()> {
        if self.is_identity() {
            return Err(Error::IdentityPoint {
                what: what.to_string(),
            });
        }
        Ok(())
    }

    /// Whether this is the identity element.
    pub fn is_identity(&self) -> bool {
        self.point.is_identity()
    }

    /// The point.
    pub fn point(&self) -> &RistrettoPoint {
        &self.point
    }

    /// The canonical encoding.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.bytes
    }

    /// The canonical encoding by reference.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }
}

/// Canonical 32-byte little-endian encoding of a scalar.
pub fn scalar_to_bytes(s: &Scalar) -> [u8; 32] {
    s.to_bytes()
}

/// Decodes a canonical scalar (strictly below ℓ).
pub fn scalar_from_bytes(bytes: &[u8], what: &str) -> Result<Scalar> {
    if bytes.len() != SCALAR_LEN {
        return Err(Error::BadLength {
            what: what.to_string(),
            expected: SCALAR_LEN,
            got: bytes.len(),
        });
    }
    let mut b = [0u8; 32];
    b.copy_from_slice(bytes);
    Option::<Scalar>::from(Scalar::from_canonical_bytes(b)).ok_or_else(|| {
        Error::bad_encoding(format!("{what} (scalar not reduced mod the group order)"))
    })
}

/// Draws one random scalar: 64 bytes from `rng`, read little-endian, reduced
/// mod ℓ. Every random value of the protocol is drawn this way, so another
/// implementation fed the same 64-byte blocks gets the same scalars.
pub fn draw_scalar(rng: &mut dyn CryptoRngCore) -> Scalar {
    let mut wide = [0u8; 64];
    rng.fill_bytes(&mut wide);
    let s = Scalar::from_bytes_mod_order_wide(&wide);
    wide.zeroize();
    s
}

/// Draws a uniform index in `0..n` (n ≥ 1): one 64-byte block, its first 16
/// bytes read as a little-endian u128, reduced mod n (bias < n/2¹²⁸).
pub fn draw_index(rng: &mut dyn CryptoRngCore, n: usize) -> usize {
    let mut wide = [0u8; 64];
    rng.fill_bytes(&mut wide);
    let mut b = [0u8; 16];
    b.copy_from_slice(&wide[..16]);
    let v = u128::from_le_bytes(b);
    wide.zeroize();
    let n128 = n.max(1) as u128;
    // The remainder is < n, which fits in usize.
    usize::try_from(v % n128).unwrap_or(0)
}

/// Deterministic nonce source for test vectors ONLY (never for real ballots).
///
/// Its byte stream is the concatenation of the 64-byte blocks
/// `SHA-512("scrutineer.e2e/v1/test-nonce" ‖ seed ‖ u64be(counter))` for
/// counter = 0, 1, 2, … (plain concatenation, no length prefixes). Since the
/// protocol draws every random value as one 64-byte block, the i-th drawn
/// scalar is block i reduced mod ℓ.
pub struct DeterministicRng {
    seed: Vec<u8>,
    counter: u64,
    buf: [u8; 64],
    pos: usize,
}

impl DeterministicRng {
    /// Label prefix of every block.
    pub const LABEL: &'static [u8] = b"scrutineer.e2e/v1/test-nonce";

    /// A stream for `seed`.
    pub fn new(seed: &[u8]) -> Self {
        DeterministicRng {
            seed: seed.to_vec(),
            counter: 0,
            buf: [0u8; 64],
            pos: 64,
        }
    }

    /// Block number `counter` of the stream for `seed`.
    pub fn block(seed: &[u8], counter: u64) -> [u8; 64] {
        let mut h = Sha512::new();
        h.update(Self::LABEL);
        h.update(seed);
        h.update(counter.to_be_bytes());
        let mut out = [0u8; 64];
        out.copy_from_slice(&h.finalize());
        out
    }
}

impl RngCore for DeterministicRng {
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
        for byte in dest.iter_mut() {
            if self.pos == 64 {
                self.buf = Self::block(&self.seed, self.counter);
                self.counter = self.counter.wrapping_add(1);
                self.pos = 0;
            }
            *byte = self.buf[self.pos];
            self.pos += 1;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> core::result::Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

// Marker only: the stream is deterministic and meant for reproducible test
// vectors; production callers pass `crate::crypto::SystemRng`.
impl CryptoRng for DeterministicRng {}

/// Derives an independent generator with unknown discrete logarithms:
/// `from_uniform_bytes(H("scrutineer.e2e/v1/generator"; label, u32be(index)))`
/// (RFC 9496 §4.3.4 element derivation; noble-curves:
/// `ristretto255_hasher.deriveToCurve` in v2, `RistrettoPoint.hashToCurve` in v1).
pub fn derive_generator(label: &str, index: u32) -> RistrettoPoint {
    let mut t = Transcript::new(domain::GENERATOR);
    t.field_str(label).field_u32(index);
    RistrettoPoint::from_uniform_bytes(&t.finish())
}

/// The joint election public key K with precomputed tables.
pub struct ElectionKey {
    element: Element,
    table: Box<RistrettoBasepointTable>,
    precomp: VartimeRistrettoPrecomputation,
}

impl Clone for ElectionKey {
    fn clone(&self) -> Self {
        ElectionKey {
            element: self.element,
            table: self.table.clone(),
            precomp: Self::precomp(&self.element),
        }
    }
}

impl core::fmt::Debug for ElectionKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ElectionKey")
            .field("element", &self.element)
            .finish()
    }
}

impl ElectionKey {
    fn precomp(e: &Element) -> VartimeRistrettoPrecomputation {
        VartimeRistrettoPrecomputation::new([generator(), *e.point()])
    }

    /// Wraps a key; the identity is refused.
    pub fn new(element: Element) -> Result<Self> {
        element.require_nonidentity("election key")?;
        let table = Box::new(RistrettoBasepointTable::create(element.point()));
        let precomp = Self::precomp(&element);
        Ok(ElectionKey {
            element,
            table,
            precomp,
        })
    }

    /// Decodes a 32-byte key.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::new(Element::from_bytes(bytes, "election key")?)
    }

    /// The key K = x·G.
    pub fn element(&self) -> &Element {
        &self.element
    }

    /// The key point.
    pub fn point(&self) -> &RistrettoPoint {
        self.element.point()
    }

    /// Encoding of K.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.element.to_bytes()
    }

    /// Constant-time s·K.
    pub fn mul_k(&self, s: &Scalar) -> RistrettoPoint {
        &*self.table * s
    }

    /// Variable-time g·G + k·K + Σ sᵢ·Pᵢ for public data.
    pub fn vartime_combo(
        &self,
        g: &Scalar,
        k: &Scalar,
        scalars: &[Scalar],
        points: &[RistrettoPoint],
    ) -> RistrettoPoint {
        self.precomp
            .vartime_mixed_multiscalar_mul([g, k], scalars, points)
    }

    /// Fingerprint of the key: the first 16 bytes of
    /// SHA-256(u32be(33) ‖ "scrutineer.e2e/v1/key-fingerprint" ‖ u32be(32) ‖ K),
    /// as 8 groups of 4 lowercase hex digits joined by '-'.
    pub fn fingerprint(&self) -> String {
        key_fingerprint(&self.element)
    }
}

/// See [`ElectionKey::fingerprint`].
pub fn key_fingerprint(k: &Element) -> String {
    let mut h = Sha256::new();
    for f in [domain::KEY_FINGERPRINT.as_bytes(), k.as_bytes()] {
        h.update((f.len() as u32).to_be_bytes());
        h.update(f);
    }
    let d = h.finalize();
    let mut groups = Vec::with_capacity(8);
    for chunk in d[..16].chunks(2) {
        groups.push(chunk.iter().map(|b| format!("{b:02x}")).collect::<String>());
    }
    groups.join("-")
}

/// Strict cursor over an encoding whose total length was already checked.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    what: &'a str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8], what: &'a str) -> Self {
        Reader {
            bytes,
            pos: 0,
            what,
        }
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or_else(|| Error::BadLength {
                what: self.what.to_string(),
                expected: self.pos + n,
                got: self.bytes.len(),
            })?;
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn element(&mut self, what: &str) -> Result<Element> {
        let b = self.take(POINT_LEN)?;
        Element::from_bytes(b, what)
    }

    pub(crate) fn scalar(&mut self, what: &str) -> Result<Scalar> {
        let b = self.take(SCALAR_LEN)?;
        scalar_from_bytes(b, what)
    }

    pub(crate) fn array32(&mut self) -> Result<[u8; 32]> {
        let b = self.take(32)?;
        let mut a = [0u8; 32];
        a.copy_from_slice(b);
        Ok(a)
    }

    pub(crate) fn finish(&self) -> Result<()> {
        if self.pos != self.bytes.len() {
            return Err(Error::BadLength {
                what: self.what.to_string(),
                expected: self.pos,
                got: self.bytes.len(),
            });
        }
        Ok(())
    }
}

/// Checks an exact length before decoding.
pub(crate) fn expect_len(bytes: &[u8], expected: usize, what: &str) -> Result<()> {
    if bytes.len() != expected {
        return Err(Error::BadLength {
            what: what.to_string(),
            expected,
            got: bytes.len(),
        });
    }
    Ok(())
}

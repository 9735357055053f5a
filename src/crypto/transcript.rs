//! The one transcript encoding used for every hash in the protocol.
//!
//! A transcript is a sequence of *fields*. Each field is written as its
//! length in bytes (u32, big-endian) followed by the bytes. The first field is
//! always a domain label such as `scrutineer.e2e/v1/challenge`, so two
//! different hashes of the protocol can never be confused. The digest is
//! SHA-512 over the concatenation; challenges and derived scalars are the
//! 64-byte digest read as a little-endian integer and reduced mod ℓ
//! (`Scalar::from_bytes_mod_order_wide`).
//!
//! ```text
//! H(label; f1, …, fn) = SHA-512( u32be(|label|) ‖ label ‖ u32be(|f1|) ‖ f1 ‖ … ‖ u32be(|fn|) ‖ fn )
//! ```

use curve25519_dalek::scalar::Scalar;
use sha2::{Digest, Sha512};

/// Protocol label; every domain label starts with it.
pub const PROTOCOL: &str = "scrutineer.e2e/v1";

/// Domain labels (first transcript field) used by the protocol.
pub mod domain {
    /// Ballot context hash (64 bytes).
    pub const BALLOT_CONTEXT: &str = "scrutineer.e2e/v1/ballot-context";
    /// Fiat–Shamir challenge of a ballot proof.
    pub const CHALLENGE: &str = "scrutineer.e2e/v1/challenge";
    /// Linear-combination coefficient λ of a multi-ciphertext proof.
    pub const COMBINE: &str = "scrutineer.e2e/v1/combine";
    /// Independent generators (input of `from_uniform_bytes`).
    pub const GENERATOR: &str = "scrutineer.e2e/v1/generator";
    /// Schnorr proof of a polynomial coefficient in the key ceremony.
    pub const DKG_COEFFICIENT: &str = "scrutineer.e2e/v1/dkg/coefficient";
    /// Schnorr proof of a share-encryption key in the key ceremony.
    pub const DKG_SHARE_KEY: &str = "scrutineer.e2e/v1/dkg/share-key";
    /// Input of the share-encryption key derivation.
    pub const DKG_SHARE_KDF: &str = "scrutineer.e2e/v1/dkg/share-kdf";
    /// Input of the share-encryption MAC.
    pub const DKG_SHARE_MAC: &str = "scrutineer.e2e/v1/dkg/share-mac";
    /// Chaum–Pedersen proof in a key-ceremony complaint.
    pub const DKG_COMPLAINT: &str = "scrutineer.e2e/v1/dkg/complaint";
    /// Chaum–Pedersen proof of a decryption share.
    pub const DECRYPTION_SHARE: &str = "scrutineer.e2e/v1/decryption-share";
    /// Shuffle statement hash.
    pub const SHUFFLE_STATEMENT: &str = "scrutineer.e2e/v1/shuffle/statement";
    /// Shuffle per-input challenges u_j.
    pub const SHUFFLE_U: &str = "scrutineer.e2e/v1/shuffle/u";
    /// Shuffle Fiat–Shamir challenge.
    pub const SHUFFLE_CHALLENGE: &str = "scrutineer.e2e/v1/shuffle/challenge";
    /// Election key fingerprint (SHA-256, not SHA-512).
    pub const KEY_FINGERPRINT: &str = "scrutineer.e2e/v1/key-fingerprint";
}

/// A length-prefixed SHA-512 transcript.
#[derive(Clone)]
pub struct Transcript {
    hasher: Sha512,
}

impl Transcript {
    /// Starts a transcript whose first field is `domain`.
    pub fn new(domain: &str) -> Self {
        let mut t = Transcript {
            hasher: Sha512::new(),
        };
        t.field(domain.as_bytes());
        t
    }

    /// Appends one field.
    pub fn field(&mut self, bytes: &[u8]) -> &mut Self {
        self.field_parts(&[bytes])
    }

    /// Appends one field made of the concatenation of `parts`.
    pub fn field_parts(&mut self, parts: &[&[u8]]) -> &mut Self {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        // Fields are far below 4 GiB; saturate rather than wrap to stay total.
        let len32 = u32::try_from(len).unwrap_or(u32::MAX);
        self.hasher.update(len32.to_be_bytes());
        for p in parts {
            self.hasher.update(p);
        }
        self
    }

    /// Appends a u32 as a 4-byte big-endian field.
    pub fn field_u32(&mut self, v: u32) -> &mut Self {
        self.field(&v.to_be_bytes())
    }

    /// Appends a UTF-8 string field.
    pub fn field_str(&mut self, s: &str) -> &mut Self {
        self.field(s.as_bytes())
    }

    /// The 64-byte SHA-512 digest.
    pub fn finish(self) -> [u8; 64] {
        let out = self.hasher.finalize();
        let mut d = [0u8; 64];
        d.copy_from_slice(&out);
        d
    }

    /// The digest reduced mod ℓ.
    pub fn scalar(self) -> Scalar {
        Scalar::from_bytes_mod_order_wide(&self.finish())
    }
}

/// Convenience: hash a list of fields under a domain label.
pub fn hash_fields(domain: &str, fields: &[&[u8]]) -> [u8; 64] {
    let mut t = Transcript::new(domain);
    for f in fields {
        t.field(f);
    }
    t.finish()
}

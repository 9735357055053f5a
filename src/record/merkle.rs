//! RFC 6962 / RFC 9162 Merkle tree hashing, as used by Certificate
//! Transparency and by C2SP transparency logs (c2sp.org/tlog-tiles).
//!
//! Hashing rules (RFC 6962 section 2.1):
//!
//! * the root of the empty tree is `SHA-256("")`;
//! * a leaf hash is `SHA-256(0x00 || entry)`;
//! * an interior node hash is `SHA-256(0x01 || left || right)`;
//! * the root of `n > 1` leaves splits them at `k`, the largest power of two
//!   strictly below `n`, and hashes the roots of `[0, k)` and `[k, n)`.
//!
//! [`Tree`] is an in-memory append-only tree that stores every complete
//! subtree hash, so that appending is amortised O(1) and every root,
//! inclusion proof and consistency proof costs O(log n) lookups and hashes.
//! [`verify_inclusion`] and [`verify_consistency`] are stateless verifiers
//! that follow RFC 9162 sections 2.1.3.2 and 2.1.4.2 step by step.
//!
//! This module only depends on `sha2` and `thiserror`.

use sha2::{Digest, Sha256};

/// A SHA-256 digest: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// Domain-separation prefix of leaf hashes (RFC 6962 section 2.1).
const LEAF_PREFIX: u8 = 0x00;
/// Domain-separation prefix of interior node hashes (RFC 6962 section 2.1).
const NODE_PREFIX: u8 = 0x01;

/// Everything that can go wrong when querying a [`Tree`] or verifying a proof.
///
/// Every message is a full sentence that names the offending values.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum MerkleError {
    /// A leaf index is not inside the tree it is supposed to belong to.
    #[error("Leaf index {index} is not below tree size {size}.")]
    IndexOutOfRange {
        /// The zero-based leaf index that was asked for.
        index: u64,
        /// The size of the tree the leaf was supposed to be in.
        size: u64,
    },
    /// A tree size larger than the number of leaves appended so far.
    #[error("Tree size {requested} was requested, but the tree only holds {current} leaves.")]
    SizeBeyondTree {
        /// The tree size that was asked for.
        requested: u64,
        /// The number of leaves the tree holds.
        current: u64,
    },
    /// A consistency proof was requested or presented from a larger tree to a smaller one.
    #[error("Old tree size {old_size} is larger than new tree size {new_size}.")]
    SizesOutOfOrder {
        /// The size of the earlier tree.
        old_size: u64,
        /// The size of the later tree.
        new_size: u64,
    },
    /// An inclusion proof has the wrong number of hashes for its index and size.
    #[error(
        "Inclusion proof for leaf {index} in a tree of size {size} has {actual} hashes, but exactly {expected} are required."
    )]
    InclusionProofLength {
        /// The zero-based leaf index.
        index: u64,
        /// The tree size.
        size: u64,
        /// Number of hashes in the presented proof.
        actual: usize,
        /// Number of hashes a correct proof has.
        expected: usize,
    },
    /// A consistency proof has the wrong number of hashes for its sizes.
    #[error(
        "Consistency proof from tree size {old_size} to tree size {new_size} has {actual} hashes, but exactly {expected} are required."
    )]
    ConsistencyProofLength {
        /// The size of the earlier tree.
        old_size: u64,
        /// The size of the later tree.
        new_size: u64,
        /// Number of hashes in the presented proof.
        actual: usize,
        /// Number of hashes a correct proof has.
        expected: usize,
    },
    /// An inclusion proof is well formed but leads to a different root.
    #[error(
        "Inclusion proof for leaf {index} in a tree of size {size} yields root {}, but the expected root is {}.",
        hex(.computed),
        hex(.expected)
    )]
    InclusionRootMismatch {
        /// The zero-based leaf index.
        index: u64,
        /// The tree size.
        size: u64,
        /// The root recomputed from the leaf and the proof.
        computed: Hash,
        /// The root the caller expected.
        expected: Hash,
    },
    /// A consistency proof does not reproduce the root of the earlier tree.
    #[error(
        "Consistency proof from tree size {old_size} to tree size {new_size} yields old root {}, but the expected old root is {}.",
        hex(.computed),
        hex(.expected)
    )]
    OldRootMismatch {
        /// The size of the earlier tree.
        old_size: u64,
        /// The size of the later tree.
        new_size: u64,
        /// The old root recomputed from the proof.
        computed: Hash,
        /// The old root the caller presented.
        expected: Hash,
    },
    /// A consistency proof does not reproduce the root of the later tree.
    #[error(
        "Consistency proof from tree size {old_size} to tree size {new_size} yields new root {}, but the expected new root is {}.",
        hex(.computed),
        hex(.expected)
    )]
    NewRootMismatch {
        /// The size of the earlier tree.
        old_size: u64,
        /// The size of the later tree.
        new_size: u64,
        /// The new root recomputed from the proof.
        computed: Hash,
        /// The new root the caller presented.
        expected: Hash,
    },
    /// A [`Tree`] lacks a node that its own invariants say it holds.
    #[error(
        "The tree has no stored hash at level {level}, index {index}; this is a bug in the Merkle tree code."
    )]
    MissingNode {
        /// Level of the missing node (0 = leaves).
        level: u32,
        /// Index of the missing node within its level.
        index: u64,
    },
}

/// Lower-case hexadecimal rendering of a hash, for error messages.
fn hex(hash: &Hash) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(64);
    for byte in hash {
        // Invariant: writing into a String never fails.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// `SHA-256(0x00 || entry)`: the hash of a log entry as a tree leaf.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    hasher.update(entry);
    hasher.finalize().into()
}

/// `SHA-256(0x01 || left || right)`: the hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([NODE_PREFIX]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// `SHA-256("")`: the root of the empty tree.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly below `n`.
///
/// Invariant: callers pass `n >= 2`, so the result `k` satisfies `1 <= k < n`.
/// (For `n < 2`, which no caller passes, it returns 1.)
fn split_point(n: u64) -> u64 {
    // For n >= 2 the highest set bit of n - 1 is the answer.
    n.saturating_sub(1)
        .checked_ilog2()
        .map_or(1, |bit| 1u64 << bit)
}

/// The Merkle tree hash MTH of RFC 6962 section 2.1 over already-hashed leaves.
///
/// `leaves[i]` must be [`leaf_hash`] of entry `i`. This is the plain recursive
/// definition (split at the largest power of two below `n`); it is O(n) and is
/// mainly useful as a reference for checking [`Tree`].
pub fn root_from_leaves(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => empty_root(),
        [only] => *only,
        _ => {
            let k = (leaves.len() - 1)
                .checked_ilog2()
                .map_or(1, |bit| 1usize << bit);
            // Invariant: 1 <= k < leaves.len(), so split_at cannot panic.
            let (left, right) = leaves.split_at(k);
            node_hash(&root_from_leaves(left), &root_from_leaves(right))
        }
    }
}

/// An append-only, in-memory RFC 6962 Merkle tree.
///
/// Invariants (for a tree of `n` leaves):
///
/// * `levels[0]` holds the `n` leaf hashes in order;
/// * for every `k`, `levels[k]` holds exactly `n >> k` hashes and
///   `levels[k][i]` is the root of the complete subtree over the leaves
///   `[i * 2^k, (i + 1) * 2^k)`;
/// * there are no trailing empty levels: `levels.len()` is the bit length of
///   `n` (0 for the empty tree).
///
/// Total storage is fewer than `2n` hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tree {
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    /// The empty tree.
    pub fn new() -> Self {
        Self { levels: Vec::new() }
    }

    /// Appends one leaf hash (normally [`leaf_hash`] of the entry).
    ///
    /// Amortised O(1): each completed pair is combined exactly once.
    pub fn push(&mut self, leaf: Hash) {
        let mut carry = leaf;
        for row in &mut self.levels {
            row.push(carry);
            if row.len() % 2 == 1 {
                return;
            }
            // The row now has an even, non-zero length: its last two hashes
            // are siblings that together form a new complete subtree.
            match row.as_slice() {
                [.., left, right] => carry = node_hash(left, right),
                // Invariant: an even, non-empty row has at least two elements.
                _ => return,
            }
        }
        self.levels.push(vec![carry]);
    }

    /// Number of leaves appended so far.
    pub fn size(&self) -> u64 {
        // usize is at most 64 bits on every supported target.
        self.levels.first().map_or(0, |row| row.len() as u64)
    }

    /// The leaf hash at `index`, if the tree holds it.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels
            .first()?
            .get(usize::try_from(index).ok()?)
            .copied()
    }

    /// The stored complete-subtree hashes, level by level (see the type's
    /// invariants). Persisting these is enough to serve proofs later.
    pub fn levels(&self) -> &[Vec<Hash>] {
        &self.levels
    }

    /// The root of the whole tree; [`empty_root`] for the empty tree.
    pub fn root(&self) -> Hash {
        // Bit k of the size is set exactly when levels[k] has odd length, and
        // then its last hash is the unpaired complete subtree of 2^k leaves on
        // the right edge. Folding those from the smallest upwards gives MTH.
        let mut acc: Option<Hash> = None;
        for row in &self.levels {
            if row.len() % 2 == 0 {
                continue;
            }
            if let Some(last) = row.last() {
                acc = Some(match acc {
                    None => *last,
                    Some(right) => node_hash(last, &right),
                });
            }
        }
        acc.unwrap_or_else(empty_root)
    }

    /// The root of the tree formed by the first `size` leaves.
    ///
    /// # Errors
    ///
    /// [`MerkleError::SizeBeyondTree`] if `size` exceeds [`Tree::size`].
    pub fn root_at(&self, size: u64) -> Result<Hash, MerkleError> {
        self.check_size(size)?;
        if size == 0 {
            return Ok(empty_root());
        }
        self.range_hash(0, size)
    }

    /// The RFC 6962 audit path for leaf `index` in the tree of the first
    /// `size` leaves, ordered from the leaf's sibling up to the root's child.
    ///
    /// # Errors
    ///
    /// [`MerkleError::SizeBeyondTree`] if `size` exceeds [`Tree::size`];
    /// [`MerkleError::IndexOutOfRange`] if `index >= size`.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, MerkleError> {
        self.check_size(size)?;
        if index >= size {
            return Err(MerkleError::IndexOutOfRange { index, size });
        }
        // Walk PATH(m, D[start:end]) from the top; each step contributes the
        // hash of the half that does not contain the leaf.
        let mut top_down = Vec::new();
        let (mut start, mut end) = (0u64, size);
        while end - start > 1 {
            let k = split_point(end - start);
            if index < start + k {
                top_down.push(self.range_hash(start + k, end)?);
                end = start + k;
            } else {
                top_down.push(self.range_hash(start, start + k)?);
                start += k;
            }
        }
        top_down.reverse();
        Ok(top_down)
    }

    /// The RFC 6962 consistency proof `PROOF(old_size, D[new_size])`.
    ///
    /// By convention the proof is empty when `old_size == new_size` or
    /// `old_size == 0`; [`verify_consistency`] accepts exactly that.
    ///
    /// # Errors
    ///
    /// [`MerkleError::SizeBeyondTree`] if `new_size` exceeds [`Tree::size`];
    /// [`MerkleError::SizesOutOfOrder`] if `old_size > new_size`.
    pub fn consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<Vec<Hash>, MerkleError> {
        self.check_size(new_size)?;
        if old_size > new_size {
            return Err(MerkleError::SizesOutOfOrder { old_size, new_size });
        }
        if old_size == 0 || old_size == new_size {
            return Ok(Vec::new());
        }
        // SUBPROOF(m, D[start:end], b), unrolled from the top.
        let mut top_down = Vec::new();
        let (mut start, mut end) = (0u64, new_size);
        let mut m = old_size;
        let mut whole_old_tree = true;
        loop {
            let n = end - start;
            if m == n {
                if !whole_old_tree {
                    top_down.push(self.range_hash(start, end)?);
                }
                break;
            }
            let k = split_point(n);
            if m <= k {
                top_down.push(self.range_hash(start + k, end)?);
                end = start + k;
            } else {
                top_down.push(self.range_hash(start, start + k)?);
                start += k;
                m -= k;
                whole_old_tree = false;
            }
        }
        top_down.reverse();
        Ok(top_down)
    }

    fn check_size(&self, size: u64) -> Result<(), MerkleError> {
        let current = self.size();
        if size > current {
            return Err(MerkleError::SizeBeyondTree {
                requested: size,
                current,
            });
        }
        Ok(())
    }

    /// The stored root of the complete subtree at `level`, position `index`.
    fn node(&self, level: u32, index: u64) -> Result<Hash, MerkleError> {
        usize::try_from(level)
            .ok()
            .and_then(|l| self.levels.get(l))
            .and_then(|row| usize::try_from(index).ok().and_then(|i| row.get(i)))
            .copied()
            .ok_or(MerkleError::MissingNode { level, index })
    }

    /// MTH of the leaves `[start, end)`.
    ///
    /// Requires `start < end <= size()` and `start` to be a multiple of the
    /// smallest power of two that is `>= end - start`. Every range met while
    /// walking the RFC 6962 recursion from `[0, n)` satisfies this.
    fn range_hash(&self, start: u64, end: u64) -> Result<Hash, MerkleError> {
        // Decompose [start, end) into complete subtrees, largest first.
        let mut pieces = Vec::with_capacity(64);
        let mut position = start;
        let width = end - start;
        for level in (0..64u32).rev() {
            if (width >> level) & 1 == 1 {
                pieces.push(self.node(level, position >> level)?);
                position += 1u64 << level;
            }
        }
        // MTH nests to the right: fold from the smallest piece leftwards.
        let mut acc: Option<Hash> = None;
        for piece in pieces.iter().rev() {
            acc = Some(match acc {
                None => *piece,
                Some(right) => node_hash(piece, &right),
            });
        }
        acc.ok_or(MerkleError::MissingNode {
            level: 0,
            index: start,
        })
    }
}

/// Number of hashes in a correct inclusion proof for `index < size`.
///
/// This is the length of PATH(index, D[size]): the levels where the paths to
/// `index` and to `size - 1` diverge ("inner"), plus one hash for every left
/// sibling above that point ("border").
fn inclusion_proof_len(index: u64, size: u64) -> usize {
    let inner = 64 - (index ^ (size - 1)).leading_zeros();
    // inner can be 64, where a plain shift would overflow; shifting out every
    // bit leaves no border.
    let border = index.checked_shr(inner).map_or(0, u64::count_ones);
    (inner + border) as usize
}

/// Number of hashes in a correct consistency proof for `0 < old < new`.
fn consistency_proof_len(old_size: u64, new_size: u64) -> usize {
    let inner = 64 - ((old_size - 1) ^ (new_size - 1)).leading_zeros();
    let border = (old_size - 1).checked_shr(inner).map_or(0, u64::count_ones);
    let shift = old_size.trailing_zeros();
    let seed = usize::from(!old_size.is_power_of_two());
    seed + (inner.saturating_sub(shift) + border) as usize
}

/// Verifies that `leaf` is the leaf at `index` in the tree of `size` leaves
/// whose root is `root`, following RFC 9162 section 2.1.3.2.
///
/// The proof binds the leaf to the `(size, root)` pair only as a pair: a
/// proof can also verify under a different size whose tree has the same
/// shape along the path, against the same root. Callers must therefore take
/// `size` and `root` together from one signed checkpoint, never separately.
///
/// # Errors
///
/// [`MerkleError::IndexOutOfRange`], [`MerkleError::InclusionProofLength`]
/// or [`MerkleError::InclusionRootMismatch`] when the proof does not hold.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), MerkleError> {
    // Step 1.
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let expected_len = inclusion_proof_len(index, size);
    let length_error = MerkleError::InclusionProofLength {
        index,
        size,
        actual: proof.len(),
        expected: expected_len,
    };
    if proof.len() != expected_len {
        return Err(length_error);
    }
    // Steps 2 and 3.
    let mut fnode = index;
    let mut snode = size - 1;
    let mut r = *leaf;
    // Step 4.
    for p in proof {
        if snode == 0 {
            return Err(length_error);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 5.
    if snode != 0 {
        return Err(length_error);
    }
    if r != *root {
        return Err(MerkleError::InclusionRootMismatch {
            index,
            size,
            computed: r,
            expected: *root,
        });
    }
    Ok(())
}

/// Verifies that the tree of `new_size` leaves with root `new_root` extends
/// the tree of `old_size` leaves with root `old_root`, following RFC 9162
/// section 2.1.4.2.
///
/// Edge cases that the RFC algorithm (defined for `0 < old_size < new_size`)
/// leaves to the caller:
///
/// * `old_size > new_size` is rejected;
/// * `old_size == new_size` requires an empty proof and equal roots;
/// * `old_size == 0` requires an empty proof and `old_root == empty_root()`;
///   any `new_root` is then consistent, because the empty tree is a prefix
///   of every tree.
///
/// As with [`verify_inclusion`], each size is only meaningful together with
/// its root: take `(old_size, old_root)` and `(new_size, new_root)` each from
/// one signed checkpoint.
///
/// # Errors
///
/// [`MerkleError::SizesOutOfOrder`], [`MerkleError::ConsistencyProofLength`],
/// [`MerkleError::OldRootMismatch`] or [`MerkleError::NewRootMismatch`] when
/// the proof does not hold.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), MerkleError> {
    if old_size > new_size {
        return Err(MerkleError::SizesOutOfOrder { old_size, new_size });
    }
    if old_size == new_size || old_size == 0 {
        if !proof.is_empty() {
            return Err(MerkleError::ConsistencyProofLength {
                old_size,
                new_size,
                actual: proof.len(),
                expected: 0,
            });
        }
        let expected_old = if old_size == 0 {
            empty_root()
        } else {
            *new_root
        };
        if *old_root != expected_old {
            return Err(MerkleError::OldRootMismatch {
                old_size,
                new_size,
                computed: expected_old,
                expected: *old_root,
            });
        }
        return Ok(());
    }

    let expected_len = consistency_proof_len(old_size, new_size);
    let length_error = MerkleError::ConsistencyProofLength {
        old_size,
        new_size,
        actual: proof.len(),
        expected: expected_len,
    };
    // Step 1 (an empty proof is also caught here, since expected_len >= 1).
    if proof.len() != expected_len {
        return Err(length_error);
    }
    // Step 2: if old_size is a power of two, the old root is the first hash.
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    // Step 3.
    let mut fnode = old_size - 1;
    let mut snode = new_size - 1;
    // Step 4.
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 5.
    let Some((first, rest)) = path.split_first() else {
        // Invariant: path holds at least expected_len >= 1 hashes.
        return Err(length_error);
    };
    let mut fr = *first;
    let mut sr = *first;
    // Step 6.
    for c in rest {
        if snode == 0 {
            return Err(length_error);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 7.
    if snode != 0 {
        return Err(length_error);
    }
    if fr != *old_root {
        return Err(MerkleError::OldRootMismatch {
            old_size,
            new_size,
            computed: fr,
            expected: *old_root,
        });
    }
    if sr != *new_root {
        return Err(MerkleError::NewRootMismatch {
            old_size,
            new_size,
            computed: sr,
            expected: *new_root,
        });
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        assert!(s.len().is_multiple_of(2), "odd-length hex {s:?}");
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn h(s: &str) -> Hash {
        unhex(s).try_into().expect("32-byte hex hash")
    }

    /// Leaf inputs of the certificate-transparency reference tests
    /// (merkle_tree_test.cc), reused by trillian and transparency-dev/merkle.
    const CT_LEAVES: [&str; 8] = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ];

    /// Roots of the first 1..=8 CT leaves (same source).
    const CT_ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    /// (zero-based leaf index, tree size, audit path) from
    /// transparency-dev/merkle proof/verify_test.go (there 1-based).
    fn ct_inclusion_vectors() -> Vec<(u64, u64, Vec<Hash>)> {
        vec![
            (0, 1, vec![]),
            (
                0,
                8,
                vec![
                    h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                    h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
                ],
            ),
            (
                5,
                8,
                vec![
                    h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                    h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
                ],
            ),
            (
                2,
                3,
                vec![h(
                    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                )],
            ),
            (
                1,
                5,
                vec![
                    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
                    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                    h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                ],
            ),
        ]
    }

    /// (old size, new size, consistency proof) from the same file.
    fn ct_consistency_vectors() -> Vec<(u64, u64, Vec<Hash>)> {
        vec![
            (1, 1, vec![]),
            (
                1,
                8,
                vec![
                    h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                    h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
                ],
            ),
            (
                6,
                8,
                vec![
                    h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                    h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
                ],
            ),
            (
                2,
                5,
                vec![
                    h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                    h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                ],
            ),
            (
                6,
                7,
                vec![
                    h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                    h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
                    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
                ],
            ),
        ]
    }

    fn ct_leaf_hashes() -> Vec<Hash> {
        CT_LEAVES.iter().map(|l| leaf_hash(&unhex(l))).collect()
    }

    fn ct_tree() -> Tree {
        let mut tree = Tree::new();
        for leaf in ct_leaf_hashes() {
            tree.push(leaf);
        }
        tree
    }

    /// A tree of `n` distinct synthetic leaves.
    fn synthetic(n: u64) -> (Tree, Vec<Hash>) {
        let leaves: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut tree = Tree::new();
        for leaf in &leaves {
            tree.push(*leaf);
        }
        (tree, leaves)
    }

    /// Which bits of proof element `element` to flip in the exhaustive tests:
    /// all 256 for trees of up to 16 leaves; for larger trees one bit in each
    /// 64-bit word, at a position that rotates with size and element, so that
    /// unoptimised test builds (where SHA-256 is slow) stay fast.
    fn bits_to_flip(size: u64, element: usize) -> Vec<usize> {
        if size <= 16 {
            (0..256).collect()
        } else {
            let rotation = (size as usize * 7 + element * 13) % 64;
            (0..4).map(|word| word * 64 + rotation).collect()
        }
    }

    fn flip_bit(hash: &Hash, bit: usize) -> Hash {
        let mut out = *hash;
        out[bit / 8] ^= 1 << (bit % 8);
        out
    }

    #[test]
    fn primitive_hashes_match_known_values() {
        assert_eq!(
            empty_root(),
            h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        // The one-leaf root of the CT vectors is the leaf hash of "".
        assert_eq!(leaf_hash(b""), h(CT_ROOTS[0]));
        // MTH of the first two CT leaves is node_hash of their leaf hashes.
        let leaves = ct_leaf_hashes();
        assert_eq!(node_hash(&leaves[0], &leaves[1]), h(CT_ROOTS[1]));
        assert_ne!(node_hash(&leaves[1], &leaves[0]), h(CT_ROOTS[1]));
    }

    #[test]
    fn split_point_is_largest_power_of_two_below_n() {
        for (n, k) in [
            (2, 1),
            (3, 2),
            (4, 2),
            (5, 4),
            (7, 4),
            (8, 4),
            (9, 8),
            (1 << 40, 1 << 39),
        ] {
            assert_eq!(split_point(n), k, "n = {n}");
        }
        assert_eq!(split_point(u64::MAX), 1 << 63);
    }

    #[test]
    fn roots_match_ct_reference_vectors() {
        let leaves = ct_leaf_hashes();
        let tree = ct_tree();
        for size in 1..=8u64 {
            let want = h(CT_ROOTS[size as usize - 1]);
            assert_eq!(
                root_from_leaves(&leaves[..size as usize]),
                want,
                "size {size}"
            );
            assert_eq!(tree.root_at(size).unwrap(), want, "root_at({size})");
            let mut prefix = Tree::new();
            for leaf in &leaves[..size as usize] {
                prefix.push(*leaf);
            }
            assert_eq!(prefix.root(), want, "root() of {size} leaves");
        }
        assert_eq!(tree.root(), h(CT_ROOTS[7]));
        // The seven-leaf tree (the non-trivial odd shape).
        assert_eq!(
            tree.root_at(7).unwrap(),
            h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c")
        );
        assert_eq!(tree.root_at(0).unwrap(), empty_root());
        assert_eq!(root_from_leaves(&[]), empty_root());
        assert_eq!(Tree::new().root(), empty_root());
    }

    #[test]
    fn ct_inclusion_vectors_are_produced_and_verified() {
        let tree = ct_tree();
        let leaves = ct_leaf_hashes();
        for (index, size, proof) in ct_inclusion_vectors() {
            let root = h(CT_ROOTS[size as usize - 1]);
            assert_eq!(
                tree.inclusion_proof(index, size).unwrap(),
                proof,
                "({index}, {size})"
            );
            verify_inclusion(&leaves[index as usize], index, size, &proof, &root).unwrap();
            // Corruptions from transparency-dev/merkle's corruptInclusionProof.
            let leaf = leaves[index as usize];
            for (i, s) in [
                (index.wrapping_sub(1), size),
                (index + 1, size),
                (index ^ 2, size),
                (index, size * 2),
                (index, size / 2),
            ] {
                if (i, s) != (index, size) {
                    assert!(
                        verify_inclusion(&leaf, i, s, &proof, &root).is_err(),
                        "({i}, {s})"
                    );
                }
            }
            assert!(
                verify_inclusion(&leaf_hash(b"WrongLeaf"), index, size, &proof, &root).is_err()
            );
            assert!(verify_inclusion(&leaf, index, size, &proof, &empty_root()).is_err());
            let mut longer = proof.clone();
            longer.push(root);
            assert!(verify_inclusion(&leaf, index, size, &longer, &root).is_err());
            let mut prefixed = vec![root];
            prefixed.extend_from_slice(&proof);
            assert!(verify_inclusion(&leaf, index, size, &prefixed, &root).is_err());
            if !proof.is_empty() {
                let shorter = &proof[..proof.len() - 1];
                assert!(verify_inclusion(&leaf, index, size, shorter, &root).is_err());
            }
        }
    }

    #[test]
    fn ct_consistency_vectors_are_produced_and_verified() {
        let tree = ct_tree();
        for (old, new, proof) in ct_consistency_vectors() {
            let old_root = h(CT_ROOTS[old as usize - 1]);
            let new_root = h(CT_ROOTS[new as usize - 1]);
            assert_eq!(
                tree.consistency_proof(old, new).unwrap(),
                proof,
                "({old}, {new})"
            );
            verify_consistency(old, new, &old_root, &new_root, &proof).unwrap();
            if old == new {
                continue;
            }
            // Corruptions from transparency-dev/merkle's corruptConsistencyProof.
            for (o, n) in [
                (old - 1, new),
                (old + 1, new),
                (old ^ 2, new),
                (old, new * 2),
                (old, new / 2),
            ] {
                if (o, n) != (old, new) {
                    assert!(
                        verify_consistency(o, n, &old_root, &new_root, &proof).is_err(),
                        "({o}, {n})"
                    );
                }
            }
            assert!(verify_consistency(old, new, &new_root, &old_root, &proof).is_err());
            assert!(verify_consistency(old, new, &old_root, &new_root, &[]).is_err());
            for extra in [old_root, new_root, proof[0]] {
                let mut longer = proof.clone();
                longer.push(extra);
                assert!(verify_consistency(old, new, &old_root, &new_root, &longer).is_err());
                let mut prefixed = vec![extra];
                prefixed.extend_from_slice(&proof);
                assert!(verify_consistency(old, new, &old_root, &new_root, &prefixed).is_err());
            }
            let shorter = &proof[..proof.len() - 1];
            assert!(verify_consistency(old, new, &old_root, &new_root, shorter).is_err());
        }
    }

    #[test]
    fn levels_hold_complete_subtrees() {
        for n in 0..=70u64 {
            let (tree, leaves) = synthetic(n);
            assert_eq!(tree.size(), n);
            let levels = tree.levels();
            assert_eq!(
                levels.len() as u32,
                64 - n.leading_zeros(),
                "level count for n = {n}"
            );
            for (k, row) in levels.iter().enumerate() {
                assert_eq!(row.len() as u64, n >> k, "n = {n}, level {k}");
                for (i, node) in row.iter().enumerate() {
                    let width = 1usize << k;
                    let want = root_from_leaves(&leaves[i * width..(i + 1) * width]);
                    assert_eq!(*node, want, "n = {n}, level {k}, index {i}");
                }
            }
        }
    }

    #[test]
    fn roots_agree_with_reference_definition_up_to_130() {
        let (tree, leaves) = synthetic(130);
        for size in 0..=130u64 {
            let want = root_from_leaves(&leaves[..size as usize]);
            assert_eq!(tree.root_at(size).unwrap(), want, "root_at({size})");
            let (prefix, _) = synthetic(size);
            assert_eq!(prefix.root(), want, "root() of {size} leaves");
        }
    }

    #[test]
    fn every_inclusion_proof_up_to_64_verifies_and_resists_tampering() {
        let (tree, leaves) = synthetic(64);
        for size in 1..=64u64 {
            let root = tree.root_at(size).unwrap();
            for index in 0..size {
                let leaf = leaves[index as usize];
                let proof = tree.inclusion_proof(index, size).unwrap();
                assert_eq!(proof.len(), inclusion_proof_len(index, size));
                verify_inclusion(&leaf, index, size, &proof, &root)
                    .unwrap_or_else(|e| panic!("({index}, {size}): {e}"));
                for (i, element) in proof.iter().enumerate() {
                    for bit in bits_to_flip(size, i) {
                        let mut bad = proof.clone();
                        bad[i] = flip_bit(element, bit);
                        assert!(
                            verify_inclusion(&leaf, index, size, &bad, &root).is_err(),
                            "({index}, {size}) element {i} bit {bit}"
                        );
                    }
                }
                for bit in [0, 77, 255] {
                    assert!(
                        verify_inclusion(&leaf, index, size, &proof, &flip_bit(&root, bit))
                            .is_err()
                    );
                    assert!(
                        verify_inclusion(&flip_bit(&leaf, bit), index, size, &proof, &root)
                            .is_err()
                    );
                }
                for other in 0..size {
                    if other != index {
                        assert!(
                            verify_inclusion(&leaf, other, size, &proof, &root).is_err(),
                            "leaf {index} accepted at index {other} in size {size}"
                        );
                    }
                }
                if size > 1 {
                    let wrong_root = tree.root_at(size - 1).unwrap();
                    assert!(verify_inclusion(&leaf, index, size, &proof, &wrong_root).is_err());
                }
            }
        }
    }

    #[test]
    fn every_consistency_proof_up_to_64_verifies_and_resists_tampering() {
        let (tree, _) = synthetic(64);
        let roots: Vec<Hash> = (0..=64).map(|s| tree.root_at(s).unwrap()).collect();
        for new in 0..=64u64 {
            for old in 0..=new {
                let (old_root, new_root) = (roots[old as usize], roots[new as usize]);
                let proof = tree.consistency_proof(old, new).unwrap();
                if old != 0 && old != new {
                    assert_eq!(
                        proof.len(),
                        consistency_proof_len(old, new),
                        "({old}, {new})"
                    );
                } else {
                    assert!(proof.is_empty());
                }
                verify_consistency(old, new, &old_root, &new_root, &proof)
                    .unwrap_or_else(|e| panic!("({old}, {new}): {e}"));
                for (i, element) in proof.iter().enumerate() {
                    for bit in bits_to_flip(new, i) {
                        let mut bad = proof.clone();
                        bad[i] = flip_bit(element, bit);
                        assert!(
                            verify_consistency(old, new, &old_root, &new_root, &bad).is_err(),
                            "({old}, {new}) element {i} bit {bit}"
                        );
                    }
                }
                for bit in [0, 100, 255] {
                    assert!(verify_consistency(
                        old,
                        new,
                        &flip_bit(&old_root, bit),
                        &new_root,
                        &proof
                    )
                    .is_err());
                    if old != 0 {
                        assert!(verify_consistency(
                            old,
                            new,
                            &old_root,
                            &flip_bit(&new_root, bit),
                            &proof
                        )
                        .is_err());
                    }
                }
                // Roots of neighbouring sizes of the same log are wrong roots.
                for s in [old.wrapping_sub(1), old + 1, new.wrapping_sub(1), new + 1] {
                    let Some(r) = roots.get(s as usize) else {
                        continue;
                    };
                    if *r != old_root {
                        assert!(verify_consistency(old, new, r, &new_root, &proof).is_err());
                    }
                    if *r != new_root && old != 0 {
                        assert!(verify_consistency(old, new, &old_root, r, &proof).is_err());
                    }
                }
            }
        }
    }

    #[test]
    fn edge_cases_of_consistency_verification() {
        let (tree, _) = synthetic(5);
        let r3 = tree.root_at(3).unwrap();
        let r5 = tree.root_at(5).unwrap();
        // Equal sizes: empty proof and equal roots.
        verify_consistency(3, 3, &r3, &r3, &[]).unwrap();
        assert!(matches!(
            verify_consistency(3, 3, &r3, &r5, &[]),
            Err(MerkleError::OldRootMismatch { .. })
        ));
        assert!(matches!(
            verify_consistency(3, 3, &r3, &r3, &[r3]),
            Err(MerkleError::ConsistencyProofLength {
                expected: 0,
                actual: 1,
                ..
            })
        ));
        // Empty old tree: empty proof and the empty root.
        verify_consistency(0, 5, &empty_root(), &r5, &[]).unwrap();
        verify_consistency(0, 0, &empty_root(), &empty_root(), &[]).unwrap();
        assert!(matches!(
            verify_consistency(0, 5, &r3, &r5, &[]),
            Err(MerkleError::OldRootMismatch { .. })
        ));
        assert!(matches!(
            verify_consistency(0, 5, &empty_root(), &r5, &[r5]),
            Err(MerkleError::ConsistencyProofLength { .. })
        ));
        // Time travel.
        assert_eq!(
            verify_consistency(5, 3, &r5, &r3, &[]),
            Err(MerkleError::SizesOutOfOrder {
                old_size: 5,
                new_size: 3
            })
        );
        // Empty proof for a non-trivial pair.
        assert!(matches!(
            verify_consistency(3, 5, &r3, &r5, &[]),
            Err(MerkleError::ConsistencyProofLength { actual: 0, .. })
        ));
    }

    #[test]
    fn edge_cases_of_inclusion_verification() {
        let leaf = leaf_hash(b"data");
        // A one-leaf tree: the root is the leaf and the proof is empty.
        verify_inclusion(&leaf, 0, 1, &[], &leaf).unwrap();
        assert!(verify_inclusion(&leaf, 0, 1, &[], &empty_root()).is_err());
        assert_eq!(
            verify_inclusion(&leaf, 0, 0, &[], &empty_root()),
            Err(MerkleError::IndexOutOfRange { index: 0, size: 0 })
        );
        assert_eq!(
            verify_inclusion(&leaf, 7, 7, &[], &leaf),
            Err(MerkleError::IndexOutOfRange { index: 7, size: 7 })
        );
        assert!(matches!(
            verify_inclusion(&leaf, 2, 1, &[], &leaf),
            Err(MerkleError::IndexOutOfRange { .. })
        ));
    }

    #[test]
    fn huge_sizes_are_handled_without_overflow() {
        let leaf = leaf_hash(b"x");
        let root = empty_root();
        // size - 1 has its top bit set, so the paths diverge at level 64.
        for (index, size) in [
            (0, u64::MAX),
            (1 << 63, u64::MAX),
            (u64::MAX - 1, u64::MAX),
            (0, 1 << 63),
        ] {
            let expected = inclusion_proof_len(index, size);
            assert!(
                (63..=128).contains(&expected),
                "({index}, {size}): {expected}"
            );
            assert_eq!(
                verify_inclusion(&leaf, index, size, &[], &root),
                Err(MerkleError::InclusionProofLength {
                    index,
                    size,
                    actual: 0,
                    expected
                })
            );
            let proof = vec![leaf; expected];
            assert!(matches!(
                verify_inclusion(&leaf, index, size, &proof, &root),
                Err(MerkleError::InclusionRootMismatch { .. })
            ));
        }
        for (old, new) in [
            (1, u64::MAX),
            (1 << 63, u64::MAX),
            (u64::MAX - 1, u64::MAX),
            (3, 1 << 63),
        ] {
            let expected = consistency_proof_len(old, new);
            assert!((1..=130).contains(&expected), "({old}, {new}): {expected}");
            assert_eq!(
                verify_consistency(old, new, &root, &root, &[]),
                Err(MerkleError::ConsistencyProofLength {
                    old_size: old,
                    new_size: new,
                    actual: 0,
                    expected
                })
            );
            let proof = vec![leaf; expected];
            assert!(verify_consistency(old, new, &root, &root, &proof).is_err());
        }
    }

    #[test]
    fn tree_rejects_out_of_range_requests() {
        let (tree, _) = synthetic(5);
        assert_eq!(
            tree.root_at(6),
            Err(MerkleError::SizeBeyondTree {
                requested: 6,
                current: 5
            })
        );
        assert_eq!(
            tree.inclusion_proof(5, 5),
            Err(MerkleError::IndexOutOfRange { index: 5, size: 5 })
        );
        assert_eq!(
            tree.inclusion_proof(0, 6),
            Err(MerkleError::SizeBeyondTree {
                requested: 6,
                current: 5
            })
        );
        assert_eq!(
            tree.consistency_proof(4, 3),
            Err(MerkleError::SizesOutOfOrder {
                old_size: 4,
                new_size: 3
            })
        );
        assert_eq!(
            tree.consistency_proof(2, 6),
            Err(MerkleError::SizeBeyondTree {
                requested: 6,
                current: 5
            })
        );
        assert!(Tree::new().inclusion_proof(0, 0).is_err());
    }

    #[test]
    fn error_messages_are_sentences_with_values() {
        assert_eq!(
            MerkleError::IndexOutOfRange { index: 7, size: 7 }.to_string(),
            "Leaf index 7 is not below tree size 7."
        );
        let msg = MerkleError::InclusionRootMismatch {
            index: 1,
            size: 2,
            computed: [0xab; 32],
            expected: empty_root(),
        }
        .to_string();
        assert!(msg.contains(&"ab".repeat(32)), "{msg}");
        assert!(
            msg.contains("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            "{msg}"
        );
        assert!(msg.ends_with('.'));
    }
}

//! Log entries: the binary frame, the hash chain and the JSON bodies (docs/LOG_FORMAT.md).
//!
//! An entry is `version u8 | kind u8 | prev [32] | body_len u32 BE | body`, where `prev` is the
//! hash of the previous entry (the first links to [`genesis`]) and the body is UTF-8 JSON. The
//! hash of an entry is its RFC 6962 leaf hash, `SHA-256(0x00 ‖ entry)`, so the chain and the
//! Merkle tree agree on what an entry's hash is.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::merkle::{leaf_hash, Hash};

pub const ENTRY_VERSION: u8 = 1;
/// Fixed bytes before the body.
pub const ENTRY_HEADER_BYTES: usize = 1 + 1 + 32 + 4;
/// Largest body accepted, in bytes (an election spec is the largest body).
pub const ENTRY_BODY_BYTES_MAX: usize = 16 * 1024 * 1024;

/// What an entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    ElectionRegistered = 1,
    ContestOpened = 2,
    Ballot = 3,
    PoolRegistered = 4,
    CheckInCount = 5,
    ContestClosed = 6,
    TokensVoided = 7,
    Result = 8,
    TellerSignature = 9,
    RunoffCreated = 10,
    PaperBallot = 11,
    ContestCreated = 12,
    RollRegistered = 13,
    TurnoutCorrected = 14,
    ResultPublished = 15,
    CeremonyRound1 = 16,
    CeremonyShares = 17,
    CeremonyCheck = 18,
    ElectionKeySet = 19,
    EncryptedBallot = 20,
    Shuffle = 21,
    DecryptionShares = 22,
    SpoiledBallot = 23,
    KioskTest = 24,
    RevoteCreated = 25,
    SeatsReduced = 26,
    PaperKeyed = 27,
    ProcedureStep = 28,
    CeremonyRestart = 29,
}

impl EntryKind {
    pub fn from_byte(b: u8) -> Option<EntryKind> {
        use EntryKind::*;
        [
            ElectionRegistered,
            ContestOpened,
            Ballot,
            PoolRegistered,
            CheckInCount,
            ContestClosed,
            TokensVoided,
            Result,
            TellerSignature,
            RunoffCreated,
            PaperBallot,
            ContestCreated,
            RollRegistered,
            TurnoutCorrected,
            ResultPublished,
            CeremonyRound1,
            CeremonyShares,
            CeremonyCheck,
            ElectionKeySet,
            EncryptedBallot,
            Shuffle,
            DecryptionShares,
            SpoiledBallot,
            KioskTest,
            RevoteCreated,
            SeatsReduced,
            PaperKeyed,
            ProcedureStep,
            CeremonyRestart,
        ]
        .into_iter()
        .find(|k| *k as u8 == b)
    }

    pub fn id(self) -> &'static str {
        match self {
            EntryKind::ElectionRegistered => "election_registered",
            EntryKind::ContestOpened => "contest_opened",
            EntryKind::Ballot => "ballot",
            EntryKind::PoolRegistered => "pool_registered",
            EntryKind::CheckInCount => "check_in_count",
            EntryKind::ContestClosed => "contest_closed",
            EntryKind::TokensVoided => "tokens_voided",
            EntryKind::Result => "result",
            EntryKind::TellerSignature => "teller_signature",
            EntryKind::RunoffCreated => "runoff_created",
            EntryKind::PaperBallot => "paper_ballot",
            EntryKind::ContestCreated => "contest_created",
            EntryKind::RollRegistered => "roll_registered",
            EntryKind::TurnoutCorrected => "turnout_corrected",
            EntryKind::ResultPublished => "result_published",
            EntryKind::CeremonyRound1 => "ceremony_round1",
            EntryKind::CeremonyShares => "ceremony_shares",
            EntryKind::CeremonyCheck => "ceremony_check",
            EntryKind::ElectionKeySet => "election_key",
            EntryKind::EncryptedBallot => "encrypted_ballot",
            EntryKind::Shuffle => "shuffle",
            EntryKind::DecryptionShares => "decryption_shares",
            EntryKind::SpoiledBallot => "spoiled_ballot",
            EntryKind::KioskTest => "kiosk_test",
            EntryKind::RevoteCreated => "revote_created",
            EntryKind::SeatsReduced => "seats_reduced",
            EntryKind::PaperKeyed => "paper_keyed",
            EntryKind::ProcedureStep => "procedure_step",
            EntryKind::CeremonyRestart => "ceremony_restart",
        }
    }
}

/// A decoded entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub kind: EntryKind,
    pub prev: Hash,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error(
        "条目只有 {0} 字节, 不足以构成条目头 / The entry has {0} bytes, too few for its header."
    )]
    Short(usize),
    #[error("条目版本 {0} 未知 / Unknown entry version {0}.")]
    Version(u8),
    #[error("条目类型 {0} 未知 / Unknown entry kind {0}.")]
    Kind(u8),
    #[error("条目正文长度 {declared} 与实际 {actual} 不符 / The body length {declared} does not match the {actual} bytes present.")]
    Length { declared: usize, actual: usize },
    #[error("条目正文超过 {max} 字节 / The body exceeds {max} bytes.")]
    TooLarge { max: usize },
    #[error("条目正文不是有效的 JSON: {0} / The body is not valid JSON for its kind: {0}")]
    Body(String),
}

impl Entry {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(ENTRY_HEADER_BYTES + self.body.len());
        out.push(ENTRY_VERSION);
        out.push(self.kind as u8);
        out.extend_from_slice(&self.prev);
        out.extend_from_slice(&(self.body.len() as u32).to_be_bytes());
        out.extend_from_slice(&self.body);
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Entry, EntryError> {
        if bytes.len() < ENTRY_HEADER_BYTES {
            return Err(EntryError::Short(bytes.len()));
        }
        if bytes[0] != ENTRY_VERSION {
            return Err(EntryError::Version(bytes[0]));
        }
        let kind = EntryKind::from_byte(bytes[1]).ok_or(EntryError::Kind(bytes[1]))?;
        let mut prev = [0u8; 32];
        prev.copy_from_slice(&bytes[2..34]);
        let mut len = [0u8; 4];
        len.copy_from_slice(&bytes[34..38]);
        let declared = u32::from_be_bytes(len) as usize;
        if declared > ENTRY_BODY_BYTES_MAX {
            return Err(EntryError::TooLarge {
                max: ENTRY_BODY_BYTES_MAX,
            });
        }
        let actual = bytes.len() - ENTRY_HEADER_BYTES;
        if declared != actual {
            return Err(EntryError::Length { declared, actual });
        }
        Ok(Entry {
            kind,
            prev,
            body: bytes[ENTRY_HEADER_BYTES..].to_vec(),
        })
    }

    /// The entry's hash: its RFC 6962 leaf hash.
    pub fn hash(&self) -> Hash {
        leaf_hash(&self.encode())
    }

    pub fn body_as<T: for<'de> Deserialize<'de>>(&self) -> Result<T, EntryError> {
        serde_json::from_slice(&self.body).map_err(|e| EntryError::Body(e.to_string()))
    }
}

/// The value the first entry's `prev` holds: `SHA-256("scrutineer.genesis/v1\0" ‖ election id)`.
pub fn genesis(election_id: &str) -> Hash {
    let mut h = Sha256::new();
    h.update(b"scrutineer.genesis/v1\0");
    h.update(election_id.as_bytes());
    h.finalize().into()
}

/// The checkpoint origin of an election's log: the first line of every checkpoint.
pub fn origin(election_id: &str) -> String {
    format!("scrutineer/{election_id}")
}

// ---- Bodies ----

/// A ballot style: the contests a voter of one round receives together.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Style {
    pub round: u8,
    pub contests: Vec<String>,
    #[serde(default)]
    pub title: String,
    /// The roll unit (选区 / 选举单位) whose voters get this style; empty: every voter.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
    /// The evaluator group (测评组) of this style's voters, for evaluation contests with
    /// groups: public, not chosen on the ballot (encrypted ballots bind it). Empty: none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionRegistered {
    /// The election spec, `scrutineer.election/v1`.
    pub spec: serde_json::Value,
    /// Ballot styles by index (the token's `style`).
    pub styles: Vec<Style>,
    /// The election key that signs tokens, base64 of 32 bytes.
    pub election_key: String,
    /// The log key that signs checkpoints, as a signed-note verifier key.
    pub log_key: String,
    /// Tellers' keys as signed-note verifier keys.
    #[serde(default)]
    pub tellers: Vec<String>,
    /// How many teller signatures a result needs before publication.
    #[serde(default)]
    pub signatures_required: u32,
    /// The conduct protocol the log follows (`rules::conduct`); absent in logs written before
    /// protocol 2, which replay with the checks of their time.
    #[serde(default = "protocol_one")]
    pub protocol: u32,
    /// Spare tokens a style may have beyond its voters on the roll, in percent (protocol 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_spare_percent: Option<u32>,
    /// How ballots are kept secret. Absent: plaintext ballots (logs written before
    /// encrypted ballots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrecy: Option<Secrecy>,
}

/// How an election keeps its ballots secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum Secrecy {
    /// Every electronic ballot is encrypted on the kiosk under a key that `threshold` of the
    /// registered tellers (in their registered order, teller ℓ = position ℓ) hold together
    /// (docs/E2E.md); only totals are decrypted.
    Encrypted { threshold: u32 },
    /// Plaintext ballots, by the organiser's choice, with the reason (shown on the board).
    Plaintext { reason: String },
}

fn protocol_one() -> u32 {
    1
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContestOpened {
    pub contest: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolRegistered {
    pub style: u16,
    pub round: u8,
    pub count: u64,
    /// `SHA-256("scrutineer.pool/v1\0" ‖ sorted serials)`, hex.
    pub commitment: String,
    /// Why tokens were added after voting in the style started (protocol 2 requires one then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The roll's size per unit, logged when the roll is imported (protocol 2): it bounds the
/// token pools and is the `E` the desk counts must show. Names never reach the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollRegistered {
    /// Voters per roll unit, by unit name.
    pub units: std::collections::BTreeMap<String, u64>,
    /// Voters in all.
    pub voters: u64,
    /// `SHA-256("scrutineer.roll/v1\0" ‖ the roll's numbers, sorted, each followed by \n)`, hex.
    pub commitment: String,
}

impl RollRegistered {
    /// Whether the units' voters add up to `voters` (summed without wrapping: a roll whose
    /// units overflow does not add up to anything).
    pub fn adds_up(&self) -> bool {
        self.units.values().try_fold(0u64, |n, v| n.checked_add(*v)) == Some(self.voters)
    }
}

/// Who made or approved a change, as the service authenticated them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonBody {
    pub name: String,
    pub role: String,
}

/// A correction of a closed contest's figures (for example a paper desk's tally merged in),
/// proposed by one person and approved by a second person of another role. It is logged
/// beside the desk's figures, which stay as they were.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TurnoutCorrected {
    pub contest: String,
    pub eligible: u64,
    pub present: u64,
    pub ballots_issued: u64,
    pub reason: String,
    pub proposed_by: PersonBody,
    pub approved_by: PersonBody,
    /// Protocol 8: the registered teller's signature (`record::attest`); absent before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attested: Option<crate::record::attest::Attested>,
}

/// A teller's round-1 message of the key ceremony (docs/E2E.md §10.1): Feldman commitments,
/// proofs of possession, the share-encryption key. `signature` is the teller's Ed25519
/// signature (its registered signed-note key) over [`teller_statement`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CeremonyRound1 {
    pub attempt: u32,
    /// The teller's index ℓ (1-based position among the registered tellers).
    pub index: u32,
    /// base64 of the `Round1Message` encoding.
    pub message: String,
    /// base64 of 64 bytes.
    pub signature: String,
}

/// A teller's shares, each encrypted to its recipient (docs/E2E.md §10.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CeremonyShares {
    pub attempt: u32,
    pub index: u32,
    /// base64 of the concatenated `EncryptedShare` encodings, in increasing recipient order.
    pub shares: String,
    pub signature: String,
}

/// A teller's check of the shares it received: no complaint means every share was good
/// (docs/E2E.md §10.3). A complaint that holds fails the attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CeremonyCheck {
    pub attempt: u32,
    pub index: u32,
    /// base64 of each `Complaint` encoding.
    #[serde(default)]
    pub complaints: Vec<String>,
    pub signature: String,
}

/// A teller abandons the key ceremony's attempt in progress, with its reason (a state file
/// lost after round 1, say): the next attempt starts from round 1 with new secrets for every
/// teller. Only before the election key is set; signed by the teller over its reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CeremonyRestart {
    pub attempt: u32,
    pub index: u32,
    pub reason: String,
    pub signature: String,
}

/// The joint election key of a completed ceremony attempt: K = Σ C_{i,0}, and each teller's
/// verification key K_ℓ, both computable by anyone from the logged commitments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionKeySet {
    pub attempt: u32,
    /// base64 of the 32-byte key.
    pub key: String,
    /// The key's fingerprint (docs/E2E.md §10.6), as printed on slips and the board.
    pub fingerprint: String,
    /// base64 of each K_ℓ, ℓ = 1..n.
    pub verification_keys: Vec<String>,
}

/// One teller's verifiable re-encryption shuffle of a contest's write-in names
/// (docs/E2E.md §12): the input is the previous shuffle's output, or the names of every
/// ballot of the contest in log order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShuffleBody {
    pub contest: String,
    /// The teller's index ℓ.
    pub index: u32,
    /// How many name ciphertext pairs were shuffled.
    pub count: u64,
    /// base64 of the output pairs (128 bytes each).
    pub output: String,
    /// base64 of the `ShuffleProof` encoding.
    pub proof: String,
    pub signature: String,
}

/// One teller's decryption shares for a closed contest (per evaluator group): of every
/// aggregated ciphertext of the contest, in aggregation order, and of every component of
/// the finally shuffled write-in names (docs/E2E.md §11). Each share carries its
/// Chaum–Pedersen proof against the teller's K_ℓ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecryptionSharesBody {
    pub contest: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    pub index: u32,
    /// base64 of the concatenated `DecryptionShare` encodings of the totals.
    pub totals: String,
    /// base64 of the concatenated `DecryptionShare` encodings of the names (2 per name).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub names: String,
}

/// The message a teller's registered key signs for a ceremony or shuffle entry:
/// `"scrutineer.teller-statement/v1\0" ‖ what ‖ "\0" ‖ election id ‖ "\0" ‖ context ‖ "\0" ‖
/// SHA-256(payload)`, where `what` is the entry kind's id and `context` the attempt number
/// (ceremony) or the contest id (shuffle).
pub fn teller_statement(what: &str, election_id: &str, context: &str, payload: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(96 + election_id.len() + context.len());
    m.extend_from_slice(b"scrutineer.teller-statement/v1\0");
    m.extend_from_slice(what.as_bytes());
    m.push(0);
    m.extend_from_slice(election_id.as_bytes());
    m.push(0);
    m.extend_from_slice(context.as_bytes());
    m.push(0);
    m.extend_from_slice(&Sha256::digest(payload));
    m
}

/// Publication of a result, once enough distinct teller keys signed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultPublished {
    pub result_index: u64,
}

/// One cast ballot: the token that admitted it and the marks for each contest of its style,
/// as ballot lines of docs/FORMATS.md.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BallotBody {
    /// The token's 85 bytes, base64.
    pub token: String,
    pub ballots: Vec<serde_json::Value>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckInCount {
    pub style: u16,
    pub round: u8,
    /// Voters checked in so far (P).
    pub present: u64,
    /// Slips handed out so far (I).
    pub slips_issued: u64,
    /// Voters on the roll for this style (E); protocol 2 logs one count per style.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligible: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContestClosed {
    pub contest: String,
    pub eligible: u64,
    pub present: u64,
    pub ballots_issued: u64,
    /// The account that closed it (the service's; absent from the command line on the
    /// server machine and in logs written before 2026-12-04).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub by: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokensVoided {
    pub style: u16,
    pub round: u8,
    /// Tokens of the pool never spent, voided at close.
    pub voided: u64,
    pub spent: u64,
}

/// The signed tally of closed contests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultBody {
    pub contests: Vec<String>,
    /// The log size the tally covers (every entry before this one).
    pub covers_size: u64,
    /// The `scrutineer.result/v1` document for `contests`.
    pub result: serde_json::Value,
    /// For encrypted contests: what was decrypted and from which shares.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decrypted: Vec<Decrypted>,
}

impl ResultBody {
    /// For each contest of the result: the seats it left unfilled (`unfilled_seats`, 0 if
    /// absent), whether its `runoff` is a new vote among candidates tied at the last seat, and
    /// how many it elected.
    pub fn outcomes(&self) -> Vec<crate::rules::conduct::Outcome> {
        self.result
            .get("contests")
            .and_then(|c| c.as_array())
            .map(|cs| {
                cs.iter()
                    .filter_map(|c| {
                        let id = c.get("id").and_then(|v| v.as_str())?;
                        let tie = c
                            .get("runoff")
                            .and_then(|r| r.get("reason"))
                            .and_then(|v| v.as_str())
                            == Some("tie");
                        let elected = c
                            .get("elected")
                            .and_then(|e| e.as_array())
                            .map_or(0, |e| u32::try_from(e.len()).unwrap_or(u32::MAX));
                        let unfilled = c
                            .get("unfilled_seats")
                            .and_then(|v| v.as_u64())
                            .and_then(|u| u32::try_from(u).ok())
                            .unwrap_or(0);
                        Some(crate::rules::conduct::Outcome {
                            contest: id.to_string(),
                            unfilled,
                            tied: tie,
                            elected,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Records this result, logged at `index`, in the conduct, as the ledger and the verifier
    /// both do: the count, then what it decided of each contest (an invalid round, the
    /// unfilled seats, a tie, whom it elected, whom a procedure's round passes on).
    pub fn record_in(
        &self,
        conduct: &mut crate::rules::conduct::Conduct,
        index: u64,
    ) -> Result<(), crate::rules::conduct::ConductError> {
        conduct.tally(index, &self.contests)?;
        conduct.mark_invalid(&self.invalid_contests())?;
        conduct.mark_outcomes(&self.outcomes())?;
        for c in &self.contests {
            if let Some(kind) = conduct.round_kind_of(c) {
                let passed = crate::record::procedure::passed_on(&self.result, c, kind);
                conduct.record_round_result(index, c, passed);
            }
        }
        Ok(())
    }

    /// The contests whose counted round the result declares invalid (`"valid": false`):
    /// quorum not met, more ballots than issued, ... A re-vote may repeat them.
    pub fn invalid_contests(&self) -> Vec<String> {
        self.result
            .get("contests")
            .and_then(|c| c.as_array())
            .map(|cs| {
                cs.iter()
                    .filter(|c| c.get("valid").and_then(|v| v.as_bool()) == Some(false))
                    .filter_map(|c| c.get("id").and_then(|v| v.as_str()).map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The decrypted totals of one encrypted contest (per evaluator group).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decrypted {
    pub contest: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// Electronic ballots counted.
    pub ballots: u64,
    /// The decrypted totals in aggregation order (docs/E2E.md §8.5).
    pub totals: Vec<u64>,
    /// The write-in names decrypted after the shuffles (empty lines dropped), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// The tellers whose `decryption_shares` entries were combined: the first k by teller
    /// index among those logged before the result.
    pub tellers: Vec<u32>,
}

/// A teller's signature line on the checkpoint that covers a result entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TellerSignature {
    /// Index of the result entry.
    pub result_index: u64,
    /// The checkpoint size signed (`result_index + 1`).
    pub checkpoint_size: u64,
    /// The signature line, `— name base64(keyid ‖ sig)`.
    pub line: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunoffCreated {
    pub parent: String,
    /// The new contest, in the election spec's contest shape.
    pub contest: serde_json::Value,
    pub style: Style,
    /// Protocol 9: the new round's styles after `style`, when its source is on several
    /// ballot styles (one per unit): the new round is on as many, so every unit's voters
    /// vote in it (before, the first style's unit only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_styles: Vec<Style>,
}

/// A re-vote (重新投票) of contest `source`, whose counted round was invalid: a new contest
/// with the same list and seats, in a new round with its own style, and why (the organiser's
/// words: e.g. 到会人数未过五分之四).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevoteCreated {
    pub source: String,
    pub reason: String,
    /// The new contest, in the election spec's contest shape.
    pub contest: serde_json::Value,
    pub style: Style,
    /// Protocol 9: the new round's styles after `style`, when its source is on several
    /// ballot styles (one per unit): the new round is on as many, so every unit's voters
    /// vote in it (before, the first style's unit only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_styles: Vec<Style>,
}

/// A recorded decision of the meeting to reduce the seats of `contest` by the `reduced_by`
/// its published result left unfilled, instead of a new round (RULES.md section 2, party
/// kinds: 如接近应选名额, 也可以由大会讨论决定减少名额, 不再选举). `seats` is the seat count
/// after the reduction; `basis` the decision as the meeting took it (who decided, how).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeatsReduced {
    pub contest: String,
    pub reduced_by: u32,
    pub seats: u32,
    pub basis: String,
    /// Protocol 8: the registered teller's signature (`record::attest`); absent before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attested: Option<crate::record::attest::Attested>,
}

/// A paper ballot keyed in by a teller while it is read aloud (唱票). It carries no token:
/// paper ballots are reconciled by the count of papers issued and returned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperBallot {
    pub contest: String,
    /// One ballot line (docs/FORMATS.md) for `contest`.
    pub ballot: serde_json::Value,
    /// The sheet's number in the contest's paper count (1, 2, ...), when the teller gave it;
    /// always present in a double-entry contest, where two `paper_keyed` entries of this
    /// sheet by different tellers agree with `ballot`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<u64>,
    /// Protocol 9, single entry: the ballot line's JSON text as the teller keyed and signed
    /// it; `ballot` is this text as the service logs a line (`record::attest`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyed: Option<String>,
    /// Protocol 9, single entry: the registered teller's signature of the keying
    /// (`record::attest::Attestation::Paper`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attested: Option<crate::record::attest::Attested>,
}

/// One teller's keying of one paper sheet of a double-entry contest (`paper_entry:
/// "double"`). The sheet counts (a `paper_ballot` entry follows in the same batch) once two
/// different tellers' latest keyings of it agree; until then it stops the contest's paper
/// count. `ballot` absent: the teller withdrew their keying of the sheet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperKeyed {
    pub contest: String,
    pub sheet: u64,
    /// The teller's account name.
    pub teller: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ballot: Option<serde_json::Value>,
    /// Protocol 9: the ballot line's JSON text as the teller keyed and signed it (absent for
    /// a withdrawal); `ballot` is this text as the service logs a line (`record::attest`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyed: Option<String>,
    /// Protocol 9: the registered teller's signature of the keying or the withdrawal
    /// (`record::attest::Attestation::Keying`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attested: Option<crate::record::attest::Attested>,
}

/// A contest of a later round of a multi-round procedure (RULES.md section 4), created from
/// the published result of contest `from` (e.g. a recommendation poll's shortlist).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContestCreated {
    pub from: String,
    pub contest: serde_json::Value,
    pub style: Style,
    /// Protocol 9: the new round's styles after `style`, when its source is on several
    /// ballot styles (one per unit): the new round is on as many, so every unit's voters
    /// vote in it (before, the first style's unit only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_styles: Vec<Style>,

    /// A round of this procedure (RULES.md section 4) created the contest; `from` is then
    /// the round's id, and the contest lists who the procedure's last step passed on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<String>,
}

/// A new round's styles: `style`, then `more_styles` (protocol 9).
pub fn round_styles(style: &Style, more_styles: &[Style]) -> Vec<Style> {
    std::iter::once(style.clone())
        .chain(more_styles.iter().cloned())
        .collect()
}

/// Serialises a body; bodies are plain data, so this cannot fail for our types.
pub fn body_bytes<T: Serialize>(body: &T) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_round_trip_and_strictness() {
        let e = Entry {
            kind: EntryKind::Ballot,
            prev: genesis("e1"),
            body: b"{}".to_vec(),
        };
        let bytes = e.encode();
        assert_eq!(Entry::decode(&bytes).unwrap(), e);
        assert_eq!(bytes.len(), ENTRY_HEADER_BYTES + 2);
        let mut bad = bytes.clone();
        bad[0] = 2;
        assert_eq!(Entry::decode(&bad), Err(EntryError::Version(2)));
        let mut bad = bytes.clone();
        bad[1] = 99;
        assert_eq!(Entry::decode(&bad), Err(EntryError::Kind(99)));
        assert!(matches!(
            Entry::decode(&bytes[..bytes.len() - 1]),
            Err(EntryError::Length { .. })
        ));
        assert!(matches!(
            Entry::decode(&bytes[..5]),
            Err(EntryError::Short(5))
        ));
    }
}

//! Cast-or-check (a Benaloh challenge, docs/E2E.md §8.4 and §8.6): the confirmation code a
//! kiosk shows before the voter chooses, and the body of a `spoiled_ballot` entry, the
//! ballot a voter chose to check instead of casting, logged with its opening.
//!
//! ```text
//! body    = version u8 (= 1) ‖ round u8 ‖ style u16be ‖ serial [16] ‖ time u64be ‖
//!           kiosk_len u16be ‖ kiosk (UTF-8) ‖ count u16be ‖ line × count
//! line    = contest_len u16be ‖ contest ‖ group_len u16be ‖ group ‖
//!           ballot_len u32be ‖ ballot ‖ opening_len u32be ‖ opening
//! ```
//!
//! A spoiled ballot carries the token's round, style and serial but not its signature: the
//! slip stays good for the voter's next ballot, and a published signature would let anyone
//! who reads the log cast with it. `time` is Unix seconds (UTC); `kiosk` the paired kiosk's
//! name. Decoding is strict, as for `encrypted_ballot`.

use sha2::{Digest, Sha256};

use super::encrypted::{
    EncryptedBodyError, EncryptedLine, Reader, ENCRYPTED_CONTEST_BYTES_MAX, ENCRYPTED_LINES_MAX,
};
use super::token::SERIAL_BYTES;

pub const SPOILED_BALLOT_VERSION: u8 = 1;
/// The domain of the confirmation code's hash.
pub const CONFIRMATION_DOMAIN: &[u8] = b"scrutineer.e2e/v1/confirmation\0";
/// Longest kiosk name, in bytes.
pub const KIOSK_NAME_BYTES_MAX: usize = 256;

/// What a confirmation code is computed over: the token's round, style and serial and the
/// encrypted contests in the order the kiosk sends them (their openings are not part of it).
pub struct Confirmable<'a> {
    pub round: u8,
    pub style: u16,
    pub serial: &'a [u8; SERIAL_BYTES],
    pub lines: &'a [EncryptedLine],
}

/// `SHA-256(CONFIRMATION_DOMAIN ‖ round ‖ style ‖ serial ‖ count ‖ line × count)`, each line
/// as in an `encrypted_ballot` body (docs/E2E.md §8.6).
pub fn confirmation_hash(c: &Confirmable<'_>) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(CONFIRMATION_DOMAIN);
    h.update([c.round]);
    h.update(c.style.to_be_bytes());
    h.update(c.serial);
    h.update((c.lines.len() as u16).to_be_bytes());
    let mut buf = Vec::new();
    for l in c.lines {
        buf.clear();
        l.encode_into(&mut buf);
        h.update(&buf);
    }
    h.finalize().into()
}

/// The code a voter compares: the first 80 bits of [`confirmation_hash`] in Crockford
/// base32, sixteen characters in four groups of four (`7K2Q-M9XD-4T1B-ZC08`).
///
/// 80 bits, not the 40 of the first version (2026-12-05): a kiosk makes both of two ballots
/// it could show, so to cast another vote than the one it shows the voter it needs two
/// ballots with one code (an honest one to open if the voter checks, a cheating one to cast
/// otherwise), a birthday search of about 2^(bits/2) ballot variants a side: 2^20 (seconds
/// of a laptop) for 40 bits, 2^40 for 80 (the crypto review of 2026-12-05).
pub fn confirmation_code(c: &Confirmable<'_>) -> String {
    code_of(&confirmation_hash(c))
}

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Bytes of the hash a code stands for.
pub const CODE_BYTES: usize = 10;

/// Bytes of the hash the first version's 8-character codes stood for (still read, to find
/// a ballot by a code printed before).
pub const CODE_BYTES_V1: usize = 5;

/// The code of a confirmation hash.
pub fn code_of(hash: &[u8; 32]) -> String {
    let mut acc: u128 = 0;
    for b in &hash[..CODE_BYTES] {
        acc = (acc << 8) | u128::from(*b);
    }
    let mut out = String::with_capacity(19);
    for i in 0..16 {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        let v = (acc >> (75 - 5 * i)) & 31;
        out.push(ALPHABET[v as usize] as char);
    }
    out
}

/// Reads a typed confirmation code: drops spaces and dashes, upper-cases and maps O → 0,
/// I and L → 1; `None` unless sixteen Crockford characters remain (or eight: a code of the
/// first version, which finds the ballots whose hash begins with its 40 bits).
pub fn parse_code(text: &str) -> Option<String> {
    let s: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    if !(s.len() == 16 || s.len() == 8) || !s.bytes().all(|b| ALPHABET.contains(&b)) {
        return None;
    }
    let groups: Vec<&str> = (0..s.len() / 4).map(|i| &s[4 * i..4 * i + 4]).collect();
    Some(groups.join("-"))
}

/// The bytes of the hash a code written by [`code_of`] stands for (10, or 5 for a code of
/// the first version); `None` unless it is a code as [`parse_code`] returns it.
pub fn code_bytes(code: &str) -> Option<Vec<u8>> {
    let mut acc: u128 = 0;
    let mut n = 0;
    for c in code.bytes().filter(|c| *c != b'-') {
        let v = ALPHABET.iter().position(|a| *a == c)?;
        acc = (acc << 5) | v as u128;
        n += 1;
    }
    let bytes = match n {
        16 => CODE_BYTES,
        8 => CODE_BYTES_V1,
        _ => return None,
    };
    let b = acc.to_be_bytes();
    Some(b[16 - bytes..].to_vec())
}

/// One contest of a spoiled ballot: the encrypted contest and its opening (docs/E2E.md §8.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpoiledLine {
    pub line: EncryptedLine,
    pub opening: Vec<u8>,
}

/// A spoiled ballot as logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpoiledBallotBody {
    pub round: u8,
    pub style: u16,
    pub serial: [u8; SERIAL_BYTES],
    /// Unix seconds (UTC) when the service logged it.
    pub time: u64,
    /// The paired kiosk that sent it.
    pub kiosk: String,
    pub lines: Vec<SpoiledLine>,
}

impl SpoiledBallotBody {
    /// The encrypted contests without their openings, as a cast would hold them.
    pub fn encrypted_lines(&self) -> Vec<EncryptedLine> {
        self.lines.iter().map(|l| l.line.clone()).collect()
    }

    pub fn confirmation_hash(&self) -> [u8; 32] {
        let lines = self.encrypted_lines();
        confirmation_hash(&Confirmable {
            round: self.round,
            style: self.style,
            serial: &self.serial,
            lines: &lines,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let size: usize = self
            .lines
            .iter()
            .map(|l| {
                12 + l.line.contest.len()
                    + l.line.group.len()
                    + l.line.ballot.len()
                    + l.opening.len()
            })
            .sum();
        let mut out = Vec::with_capacity(32 + self.kiosk.len() + 2 + size);
        out.push(SPOILED_BALLOT_VERSION);
        out.push(self.round);
        out.extend_from_slice(&self.style.to_be_bytes());
        out.extend_from_slice(&self.serial);
        out.extend_from_slice(&self.time.to_be_bytes());
        out.extend_from_slice(&(self.kiosk.len() as u16).to_be_bytes());
        out.extend_from_slice(self.kiosk.as_bytes());
        out.extend_from_slice(&(self.lines.len() as u16).to_be_bytes());
        for l in &self.lines {
            l.line.encode_into(&mut out);
            out.extend_from_slice(&(l.opening.len() as u32).to_be_bytes());
            out.extend_from_slice(&l.opening);
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<SpoiledBallotBody, EncryptedBodyError> {
        let mut r = Reader { bytes, at: 0 };
        let version = r.take(1, "version")?[0];
        if version != SPOILED_BALLOT_VERSION {
            return Err(EncryptedBodyError::Version(version));
        }
        let round = r.take(1, "round")?[0];
        let style = r.u16("style")?;
        let mut serial = [0u8; SERIAL_BYTES];
        serial.copy_from_slice(r.take(SERIAL_BYTES, "serial")?);
        let mut time = [0u8; 8];
        time.copy_from_slice(r.take(8, "time")?);
        let time = u64::from_be_bytes(time);
        let kiosk = r.text("kiosk name")?;
        if kiosk.len() > KIOSK_NAME_BYTES_MAX {
            return Err(EncryptedBodyError::TooLarge {
                what: "kiosk name",
                max: KIOSK_NAME_BYTES_MAX,
            });
        }
        let count = r.u16("line count")? as usize;
        if count > ENCRYPTED_LINES_MAX {
            return Err(EncryptedBodyError::TooLarge {
                what: "line count",
                max: ENCRYPTED_LINES_MAX,
            });
        }
        let mut lines = Vec::with_capacity(count);
        for _ in 0..count {
            let contest = r.text("contest id")?;
            let group = r.text("group id")?;
            let mut blob = |what: &'static str| -> Result<Vec<u8>, EncryptedBodyError> {
                let len = r.u32(what)? as usize;
                if len > ENCRYPTED_CONTEST_BYTES_MAX {
                    return Err(EncryptedBodyError::TooLarge {
                        what,
                        max: ENCRYPTED_CONTEST_BYTES_MAX,
                    });
                }
                Ok(r.take(len, what)?.to_vec())
            };
            let ballot = blob("contest ballot")?;
            let opening = blob("opening")?;
            lines.push(SpoiledLine {
                line: EncryptedLine {
                    contest,
                    group,
                    ballot,
                },
                opening,
            });
        }
        if r.at != bytes.len() {
            return Err(EncryptedBodyError::Trailing(bytes.len() - r.at));
        }
        Ok(SpoiledBallotBody {
            round,
            style,
            serial,
            time,
            kiosk,
            lines,
        })
    }
}

/// The body of a `kiosk_test` entry: a 监票人's test challenge of a kiosk, the spoiled ballot
/// it made and whether its opening showed what the 监票人 chose. The slip used for a test can
/// never be cast afterwards.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskTest {
    /// The `spoiled_ballot` entry the test made.
    pub spoiled: u64,
    /// `match` or `mismatch`.
    pub outcome: TestOutcome,
    /// The teller account that recorded it.
    pub teller: String,
    /// Unix seconds (UTC) when it was recorded.
    pub time: u64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// The slip the test used, whole (signed): protocol 4 requires it
    /// (`e2e::challenges::slip_shown`). Published here, it can no longer cast: this entry
    /// retires it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub token: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOutcome {
    /// The opening showed exactly the choices the 监票人 made.
    Match,
    /// It did not: the kiosk encrypted something else.
    Mismatch,
}

impl TestOutcome {
    pub fn id(self) -> &'static str {
        match self {
            TestOutcome::Match => "match",
            TestOutcome::Mismatch => "mismatch",
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn body() -> SpoiledBallotBody {
        SpoiledBallotBody {
            round: 1,
            style: 2,
            serial: [7; 16],
            time: 1_796_000_000,
            kiosk: "一号机".into(),
            lines: vec![SpoiledLine {
                line: EncryptedLine {
                    contest: "委员".into(),
                    group: String::new(),
                    ballot: vec![1, 2, 3],
                },
                opening: vec![4, 5],
            }],
        }
    }

    #[test]
    fn round_trip_and_strictness() {
        let b = body();
        let bytes = b.encode();
        assert_eq!(SpoiledBallotBody::decode(&bytes).unwrap(), b);
        for n in 0..bytes.len() {
            assert!(SpoiledBallotBody::decode(&bytes[..n]).is_err(), "{n}");
        }
        let mut more = bytes.clone();
        more.push(0);
        assert!(SpoiledBallotBody::decode(&more).is_err());
        let mut v2 = bytes;
        v2[0] = 2;
        assert!(SpoiledBallotBody::decode(&v2).is_err());
    }

    /// The vector in docs/E2E.md §8.6 (web/js/e2e.js passes the same one).
    #[test]
    fn confirmation_vector() {
        let lines = vec![
            EncryptedLine {
                contest: "委员".into(),
                group: String::new(),
                ballot: vec![1, 2, 3],
            },
            EncryptedLine {
                contest: "eval".into(),
                group: "staff".into(),
                ballot: vec![9; 10],
            },
        ];
        let c = Confirmable {
            round: 1,
            style: 2,
            serial: &[7; 16],
            lines: &lines,
        };
        let h = confirmation_hash(&c);
        let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "11798163c041c4b66714595b6575b79ec8176f9c4820231d39949ddb82399fad"
        );
        assert_eq!(confirmation_code(&c), "25WR-2RY0-872B-CSRM");
        assert_eq!(code_bytes("25WR-2RY0-872B-CSRM"), Some(h[..10].to_vec()));
        // A code of the first version is this one's first half, and stands for 40 bits.
        assert_eq!(code_bytes("25WR-2RY0"), Some(h[..5].to_vec()));
        // Openings are not part of it: a spoiled ballot has the code its cast would have had.
        let mut b = body();
        b.lines[0].line = lines[0].clone();
        b.lines.push(SpoiledLine {
            line: lines[1].clone(),
            opening: vec![0; 33],
        });
        assert_eq!(b.confirmation_hash(), h);
    }

    #[test]
    fn typed_codes() {
        assert_eq!(
            parse_code(" 7k2q m9xd 4t1b zco8 ").as_deref(),
            Some("7K2Q-M9XD-4T1B-ZC08")
        );
        assert_eq!(
            parse_code("OIL0-0000-0000-0000").as_deref(),
            Some("0110-0000-0000-0000")
        );
        // The first version's eight characters are still read (to find an old receipt).
        assert_eq!(parse_code(" 7k2q m9xd ").as_deref(), Some("7K2Q-M9XD"));
        assert_eq!(parse_code("7K2Q-M9XD-4T1B-ZC0U"), None);
        assert_eq!(parse_code("7K2Q-M9XD-4T1B-ZC0"), None);
        assert_eq!(parse_code("7K2Q-M9XD-4T1B"), None);
        assert_eq!(parse_code("7K2Q-M9X"), None);
    }
}

//! Problems and warnings attached to results: a stable code plus a sentence.

/// A problem (the round is invalid) or a warning (reported, never blocking).
///
/// Invariant: `code` is a stable snake_case identifier that scripts may match on; `message`
/// is Chinese first, then English, and names the numbers involved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub code: &'static str,
    pub message: String,
}

impl Notice {
    pub fn new(code: &'static str, message: impl Into<String>) -> Notice {
        Notice {
            code,
            message: message.into(),
        }
    }
}

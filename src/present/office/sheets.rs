//! Worksheet names Excel accepts: valid, unique, at most 31 UTF-16 units.

use std::collections::{HashMap, HashSet};

use super::xlsx::truncate_utf16;
use super::{MAX_SHEET_NAME, SHEET_FORBIDDEN};

/// Hands out valid, unique worksheet names.
#[derive(Debug, Default)]
pub(super) struct SheetNamer {
    /// Names in use, lower-cased (Excel compares names case-insensitively).
    used: HashSet<String>,
    /// Next suffix to try for a base name, lower-cased.
    next: HashMap<String, usize>,
}

impl SheetNamer {
    fn taken(&self, name: &str) -> bool {
        let lower = name.to_lowercase();
        lower == "history" || self.used.contains(&lower)
    }

    /// A valid name derived from `raw` (or `fallback` if nothing of `raw`
    /// survives), unique among the names handed out so far.
    pub(super) fn name(&mut self, raw: &str, fallback: &str) -> String {
        let mut base = sanitize_sheet_name(raw);
        if base.is_empty() {
            base = sanitize_sheet_name(fallback);
        }
        if base.is_empty() {
            base = "Sheet".to_string();
        }
        let whole = trim_sheet_end(truncate_utf16(&base, MAX_SHEET_NAME)).to_string();
        if !whole.is_empty() && !self.taken(&whole) {
            self.used.insert(whole.to_lowercase());
            return whole;
        }
        let key = base.to_lowercase();
        let mut index = self.next.get(&key).copied().unwrap_or(2);
        loop {
            let suffix = format!(" ({index})");
            let room = MAX_SHEET_NAME.saturating_sub(suffix.len());
            let stem = trim_sheet_end(truncate_utf16(&base, room));
            let candidate = format!("{stem}{suffix}");
            index = index.saturating_add(1);
            if !self.taken(&candidate) {
                self.next.insert(key, index);
                self.used.insert(candidate.to_lowercase());
                return candidate;
            }
        }
    }
}

/// Replaces characters Excel forbids in sheet names (and control characters)
/// with `_`, and trims spaces and apostrophes at both ends.
pub(super) fn sanitize_sheet_name(raw: &str) -> String {
    let replaced: String = raw
        .chars()
        .map(|c| {
            if SHEET_FORBIDDEN.contains(&c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    replaced
        .trim_matches(|c: char| c.is_whitespace() || c == '\'')
        .to_string()
}

fn trim_sheet_end(s: &str) -> &str {
    s.trim_end_matches(|c: char| c.is_whitespace() || c == '\'')
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

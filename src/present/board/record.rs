//! What the log records beside the counts (secrecy, re-votes, seat reductions, procedures,
//! double entry, corrections, late pools), and the verification box with its QR code.

use super::*;

/// Shared `null` returned by [`get`] for a missing field.
static NULL: Value = Value::Null;

// The record beside the result is the service's own envelope (`server::api::results`), read
// as it comes: a missing or oddly typed field is shown as empty or a dash.

/// The field `key` of an object, or `null` when absent (or not an object).
pub(super) fn get<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key).unwrap_or(&NULL)
}

/// A string value, or "" for anything else.
pub(super) fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// An array value as a slice, or empty for anything else.
pub(super) fn list(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// A number copied as its decimal text; strings are kept; anything else is empty.
fn num(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

/// The title of the contest `id` of the result, or the id when it has none.
fn title_of<'a>(result: &'a ResultV1, id: &'a str) -> &'a str {
    result
        .contests
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.title.as_str())
        .filter(|t| !t.is_empty())
        .unwrap_or(id)
}

/// What the log records beside the count, posted with it (the data of
/// `templates/board/record.html`; text unescaped, the template escapes): how the ballots were
/// kept secret (encrypted: the key's fingerprint, k of n tellers and who decrypted the totals;
/// or plaintext with the organiser's logged reason), re-votes, seat reductions, procedures,
/// double entry of paper ballots, corrections of the desk's figures (with both people and the
/// reason) and tokens printed after voting started (with why).
pub(super) struct RecordView {
    pub(super) encrypted: Option<Encrypted>,
    pub(super) plaintext_reason: Option<String>,
    pub(super) revotes: Vec<Revote>,
    pub(super) reductions: Vec<Reduction>,
    pub(super) procedures: Vec<Procedure>,
    pub(super) paper_entry: Vec<PaperEntry>,
    pub(super) corrections: Vec<Correction>,
    pub(super) late_pools: Vec<LatePool>,
}

/// Encrypted ballots: the key's fingerprint, k of n tellers, who decrypted, what was checked.
pub(super) struct Encrypted {
    pub(super) fingerprint: String,
    pub(super) threshold: String,
    pub(super) tellers: String,
    pub(super) decrypted_by: String,
    pub(super) challenges: Option<Challenges>,
}

/// Cast-or-check (docs/E2E.md §8.6): what voters and 监票人 checked, never counted.
pub(super) struct Challenges {
    pub(super) cast: String,
    pub(super) spoiled: String,
    pub(super) kiosk_tests: String,
    pub(super) mismatches: String,
}

/// A re-vote of an invalid round, with the logged reason.
pub(super) struct Revote {
    pub(super) source: String,
    pub(super) entry: String,
    pub(super) reason: String,
}

/// A recorded decision to reduce the seats instead of a new round, with its basis.
pub(super) struct Reduction {
    pub(super) contest: String,
    pub(super) by: String,
    pub(super) seats: String,
    pub(super) entry: String,
    pub(super) basis: String,
    /// Protocol 8: the registered teller whose key signed it (its index ℓ).
    pub(super) attested_by: Option<String>,
}

/// A multi-round procedure: the chain so far, round by round.
pub(super) struct Procedure {
    pub(super) title: String,
    pub(super) steps: Vec<Step>,
}

/// A round of a procedure.
pub(super) struct Step {
    pub(super) title: String,
    pub(super) ratio: Option<String>,
    pub(super) posts: String,
    pub(super) people: Vec<String>,
    pub(super) widened: bool,
    pub(super) entry: String,
    pub(super) basis: String,
}

/// Paper ballots keyed by two tellers: how many, and how many had to be read again.
pub(super) struct PaperEntry {
    pub(super) contest: String,
    pub(super) sheets: String,
    pub(super) keyings: String,
    pub(super) rekeyed: String,
}

/// 应到, 实到, 发出 (each a dash when absent).
pub(super) struct Figures {
    pub(super) eligible: Option<String>,
    pub(super) present: Option<String>,
    pub(super) issued: Option<String>,
}

impl Figures {
    fn of(v: &Value) -> Figures {
        let f = |k| Some(num(get(v, k))).filter(|t| !t.is_empty());
        Figures {
            eligible: f("eligible"),
            present: f("present"),
            issued: f("ballots_issued"),
        }
    }
}

/// Someone named in a correction, with their role.
pub(super) struct Person {
    pub(super) name: String,
    pub(super) role: String,
}

/// A correction of the desk's figures: the desk's (when logged), the corrected, why, who.
pub(super) struct Correction {
    pub(super) contest: String,
    pub(super) desk: Option<Figures>,
    pub(super) figures: Figures,
    pub(super) reason: String,
    pub(super) proposed_by: Person,
    pub(super) approved_by: Person,
    /// Protocol 8: the registered teller whose key signed it (its index ℓ).
    pub(super) attested_by: Option<String>,
}

/// Tokens printed after voting started: style, count, why.
pub(super) struct LatePool {
    pub(super) style: Option<String>,
    pub(super) count: Option<String>,
    pub(super) reason: String,
}

/// A string field, owned.
fn owned(v: &Value, key: &str) -> String {
    text(get(v, key)).to_string()
}

/// The record beside the result.
pub(super) fn record_view(signed: &Value, result: &ResultV1) -> RecordView {
    let s = get(signed, "secrecy");
    let encrypted_flag = get(s, "encrypted").as_bool();
    let encrypted = (encrypted_flag == Some(true)).then(|| {
        let tellers: Vec<String> = list(get(s, "decrypted"))
            .iter()
            .flat_map(|d| list(get(d, "tellers")).iter().map(|t| text(t).to_string()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        Encrypted {
            fingerprint: owned(s, "fingerprint"),
            threshold: num(get(s, "threshold")),
            tellers: num(get(s, "tellers")),
            decrypted_by: tellers.join(", "),
            challenges: (!get(s, "cast").is_null()).then(|| Challenges {
                cast: num(get(s, "cast")),
                spoiled: num(get(s, "spoiled")),
                kiosk_tests: num(get(s, "kiosk_tests")),
                mismatches: num(get(s, "kiosk_test_mismatches")),
            }),
        }
    });
    let desk = list(get(signed, "desk_figures"));
    let person = |p: &Value| Person {
        name: owned(p, "name"),
        role: owned(p, "role"),
    };
    RecordView {
        encrypted,
        plaintext_reason: (encrypted_flag == Some(false)).then(|| owned(s, "reason")),
        revotes: list(get(signed, "revotes"))
            .iter()
            .map(|rv| Revote {
                source: owned(rv, "source"),
                entry: num(get(rv, "entry")),
                reason: owned(rv, "reason"),
            })
            .collect(),
        reductions: list(get(signed, "seat_reductions"))
            .iter()
            .map(|sr| Reduction {
                contest: title_of(result, text(get(sr, "contest"))).to_string(),
                by: num(get(sr, "reduced_by")),
                seats: num(get(sr, "seats")),
                entry: num(get(sr, "entry")),
                basis: owned(sr, "basis"),
                attested_by: Some(num(get(get(sr, "attested"), "teller")))
                    .filter(|t| !t.is_empty()),
            })
            .collect(),
        procedures: list(get(signed, "procedures"))
            .iter()
            .map(|p| Procedure {
                title: owned(p, "title"),
                steps: list(get(p, "steps"))
                    .iter()
                    .map(|st| Step {
                        title: owned(st, "title"),
                        ratio: Some(owned(st, "ratio")).filter(|r| !r.is_empty()),
                        posts: num(get(st, "posts")),
                        people: list(get(st, "people"))
                            .iter()
                            .map(|n| text(n).to_string())
                            .collect(),
                        widened: get(st, "widened") == &Value::Bool(true),
                        entry: num(get(st, "entry")),
                        basis: owned(st, "basis"),
                    })
                    .collect(),
            })
            .collect(),
        paper_entry: list(get(signed, "paper_entry"))
            .iter()
            .map(|pe| PaperEntry {
                contest: title_of(result, text(get(pe, "contest"))).to_string(),
                sheets: num(get(pe, "sheets")),
                keyings: num(get(pe, "keyings")),
                rekeyed: num(get(pe, "rekeyed_sheets")),
            })
            .collect(),
        corrections: list(get(signed, "corrections"))
            .iter()
            .map(|c| {
                let contest = text(get(c, "contest"));
                Correction {
                    contest: contest.to_string(),
                    desk: desk
                        .iter()
                        .find(|d| text(get(d, "contest")) == contest)
                        .map(Figures::of),
                    figures: Figures::of(c),
                    reason: owned(c, "reason"),
                    proposed_by: person(get(c, "proposed_by")),
                    approved_by: person(get(c, "approved_by")),
                    attested_by: Some(num(get(get(c, "attested"), "teller")))
                        .filter(|t| !t.is_empty()),
                }
            })
            .collect(),
        late_pools: list(get(signed, "late_pools"))
            .iter()
            .map(|p| LatePool {
                style: Some(num(get(p, "style"))).filter(|t| !t.is_empty()),
                count: Some(num(get(p, "count"))).filter(|t| !t.is_empty()),
                reason: owned(p, "reason"),
            })
            .collect(),
    }
}

/// The lines of the verification box: checkpoint origin, size and root, the result's entry
/// index, the election, and the signers (values unescaped: the template escapes).
pub(super) fn verification_items(signed: &Value, result: &ResultV1) -> Vec<Item> {
    let cp = parse_checkpoint(text(get(signed, "checkpoint")));
    let dash = |s: &str| {
        if s.is_empty() {
            "—".to_string()
        } else {
            s.to_string()
        }
    };
    let item = |zh, en, value| Item {
        zh,
        en,
        value,
        mono: true,
    };
    let mut items = vec![
        item("日志", "log origin", dash(&cp.origin)),
        item("日志条目数", "tree size", dash(&cp.size)),
        item("根哈希", "root hash", dash(&cp.root)),
        item(
            "结果条目序号",
            "result entry index",
            dash(&num(get(signed, "result_index"))),
        ),
    ];
    if !result.election.is_empty() {
        items.push(item("选举编号", "election id", result.election.clone()));
    }
    items.push(item(
        "日志签名",
        "log signature",
        dash(cp.signers.first().map_or("", String::as_str)),
    ));
    // The signers the service verified, one per teller key; a document without that list
    // (written before it existed) falls back to the names on the signature lines.
    let tellers: Vec<String> = match get(signed, "signers").as_array() {
        Some(names) => names.iter().map(|n| text(n).to_string()).collect(),
        None => cp.signers.iter().skip(1).cloned().collect(),
    };
    items.push(Item {
        zh: "计票人签名",
        en: "tellers' signatures",
        mono: !tellers.is_empty(),
        value: if tellers.is_empty() {
            "—".to_string()
        } else {
            tellers.join(", ")
        },
    });
    items
}

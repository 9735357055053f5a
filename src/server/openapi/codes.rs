//! Error codes that several endpoints share, for `x-error-codes` in `#[utoipa::path]`.

pub const SPEC: &[&str] = &[
    "spec_json",
    "spec_format",
    "spec_too_large",
    "spec_field",
    "unknown_kind",
    "name_format_character",
    "name_control_character",
    "(其他规则代码见 docs/FORMATS.md / other rule codes in docs/FORMATS.md)",
];

pub const BALLOT: &[&str] = &[
    "ballot_json",
    "unknown_contest",
    "unknown_candidate",
    "unknown_mark",
    "unknown_subject",
    "unknown_grade",
    "unknown_group",
    "group_missing",
    "ballot_shape",
    "bad_write_in",
    "name_format_character",
    "name_control_character",
    "line_too_long",
    "not_utf8",
];

pub const TOKEN: &[&str] = &[
    "token_characters",
    "token_length",
    "token_byte_length",
    "token_check",
    "token_version",
    "token_wrong_election",
    "token_wrong_round",
    "token_wrong_style",
    "token_signature",
    "unknown_style",
];

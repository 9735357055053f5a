//! The one table of error codes: every stable `code` an error can carry (in an HTTP answer's
//! `{"code", "message"}`, a CLI's `错误 error [code]`, a refused roll row, a verify report),
//! each with the HTTP status it answers. The table is the [`codes!`] call below; the macro
//! writes the enum, its text and its status from it, so a code without a status does not
//! compile and a mistyped code is not a `Code`. `docs/ERRORS.md` lists the same table and
//! `tests/error_codes.rs` checks the two agree.
//!
//! A code's text is public and never changes meaning (docs/FORMATS.md); a new code is a
//! new row. Codes are ordered, hashed and serialised as their text, so a map keyed by code
//! sorts as the strings did.
//!
//! This module names no other module of the crate (tests/architecture.rs): every layer,
//! the pure rules engine included, may use it.

use std::fmt;

/// The HTTP status a code answers with. The CLI prints codes without a status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// 400: the request is not JSON or not the shape asked for.
    BadRequest,
    /// 401: no session, or a wrong password.
    Unauthorized,
    /// 403: the session's role may not do this, or the account must act first.
    Forbidden,
    /// 404: no such endpoint or record.
    NotFound,
    /// 408: the body did not arrive in time.
    RequestTimeout,
    /// 409: the request is well formed, but the election's state refuses it now.
    Conflict,
    /// 413: the body is over its limit.
    PayloadTooLarge,
    /// 422: the request is well formed JSON but its content breaks a rule.
    Unprocessable,
    /// 429: too many requests or connections.
    TooManyRequests,
    /// 500: a fault of the service; the detail goes to the service log only.
    Internal,
    /// 503: storage is failing (a full disk); retry later.
    Unavailable,
}

impl Status {
    pub const fn as_u16(self) -> u16 {
        match self {
            Status::BadRequest => 400,
            Status::Unauthorized => 401,
            Status::Forbidden => 403,
            Status::NotFound => 404,
            Status::RequestTimeout => 408,
            Status::Conflict => 409,
            Status::PayloadTooLarge => 413,
            Status::Unprocessable => 422,
            Status::TooManyRequests => 429,
            Status::Internal => 500,
            Status::Unavailable => 503,
        }
    }
}

macro_rules! codes {
    ($($variant:ident = $text:literal => $status:ident,)*) => {
        /// A stable error code. See the module's documentation and `docs/ERRORS.md`.
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            /// Every code, in the table's order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code's text, as answered and printed.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }

            /// The HTTP status the code answers with.
            pub const fn status(self) -> Status {
                match self {
                    $(Code::$variant => Status::$status,)*
                }
            }
        }
    };
}

impl Code {
    /// The code with this text, if there is one.
    pub fn from_text(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == text)
    }

    /// Whether the code's message is hidden from the answer (a fault of the service: the
    /// detail goes to the service log only).
    pub const fn is_internal(self) -> bool {
        matches!(self.status(), Status::Internal)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Code) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Ordered as the text, so maps keyed by code keep the order they had as strings.
impl Ord for Code {
    fn cmp(&self, other: &Code) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Code> for &str {
    fn eq(&self, other: &Code) -> bool {
        *self == other.as_str()
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

codes! {
    // ---- first raised in src/rules/ ----
    AlreadyPublished = "already_published" => Conflict,
    AlreadyTallied = "already_tallied" => Conflict,
    BadElectionDay = "bad_election_day" => Unprocessable,
    BallotKindMismatch = "ballot_kind_mismatch" => Unprocessable,
    BallotStyleMismatch = "ballot_style_mismatch" => Unprocessable,
    BirthInvalid = "birth_invalid" => Unprocessable,
    BirthMissing = "birth_missing" => Unprocessable,
    CeremonyAttempt = "ceremony_attempt" => Conflict,
    CeremonyAttemptsMax = "ceremony_attempts_max" => Conflict,
    CeremonyRestartsMax = "ceremony_restarts_max" => Conflict,
    CeremonyRepeated = "ceremony_repeated" => Conflict,
    CeremonyWaiting = "ceremony_waiting" => Conflict,
    CeremonyRestartReason = "ceremony_restart_reason" => Unprocessable,
    CloseFiguresMismatch = "close_figures_mismatch" => Conflict,
    ContestAlreadyOpen = "contest_already_open" => Conflict,
    ContestClosed = "contest_closed" => Conflict,
    ContestExists = "contest_exists" => Conflict,
    ContestNotClosed = "contest_not_closed" => Conflict,
    ContestNotOpen = "contest_not_open" => Conflict,
    ControlCharacter = "control_character" => Unprocessable,
    CorrectionNeedsTwo = "correction_needs_two" => Unprocessable,
    CorrectionRole = "correction_role" => Forbidden,
    Unattested = "unattested" => Unprocessable,
    AttestationInvalid = "attestation_invalid" => Unprocessable,
    CorrectionOutOfOrder = "correction_out_of_order" => Conflict,
    CorrectionReasonMissing = "correction_reason_missing" => Unprocessable,
    DeskCountMissing = "desk_count_missing" => Unprocessable,
    DeskEligibleMismatch = "desk_eligible_mismatch" => Unprocessable,
    DuplicateCandidate = "duplicate_candidate" => Unprocessable,
    DuplicateContest = "duplicate_contest" => Unprocessable,
    DuplicateNumber = "duplicate_number" => Unprocessable,
    DuplicatePerson = "duplicate_person" => Unprocessable,
    DuplicateWriteIn = "duplicate_write_in" => Unprocessable,
    ElectionEmpty = "election_empty" => Unprocessable,
    ElectionKeyMissing = "election_key_missing" => Conflict,
    ElectionKeySet = "election_key_set" => Conflict,
    EmptyName = "empty_name" => Unprocessable,
    EmptyNumber = "empty_number" => Unprocessable,
    EmptyUnit = "empty_unit" => Unprocessable,
    EvaluationFields = "evaluation_fields" => Unprocessable,
    EvaluationSetup = "evaluation_setup" => Unprocessable,
    EvaluationSetupMissing = "evaluation_setup_missing" => Unprocessable,
    ExcellentOverQuota = "excellent_over_quota" => Unprocessable,
    KindMissing = "kind_missing" => Unprocessable,
    MaxMarksZero = "max_marks_zero" => Unprocessable,
    NameTooLong = "name_too_long" => Unprocessable,
    NoUnfilledSeats = "no_unfilled_seats" => Conflict,
    ReductionAllSeats = "reduction_all_seats" => Conflict,
    ProcedureRoundNotMade = "procedure_round_not_made" => Conflict,
    NextRoundOfProcedure = "next_round_of_procedure" => Conflict,
    DeskCountBeforeRoll = "desk_count_before_roll" => Conflict,
    RoundContestReserved = "round_contest_reserved" => Conflict,
    ContestIdReserved = "contest_id_reserved" => Conflict,
    TimeNotHour = "time_not_hour" => Unprocessable,
    RoundsExhausted = "rounds_exhausted" => Conflict,
    ReductionInvalidRound = "reduction_invalid_round" => Conflict,
    ReductionTie = "reduction_tie" => Conflict,
    NotAMember = "not_a_member" => Unprocessable,
    NotAPaperContest = "not_a_paper_contest" => Unprocessable,
    NotAnElectronicContest = "not_an_electronic_contest" => Unprocessable,
    NotDoubleEntry = "not_double_entry" => Unprocessable,
    NotEncrypted = "not_encrypted" => Conflict,
    NotFullMember = "not_full_member" => Unprocessable,
    NotPublished = "not_published" => Conflict,
    OverMarked = "over_marked" => Unprocessable,
    OverrideNotApplicable = "override_not_applicable" => Unprocessable,
    OverrideStatutory = "override_statutory" => Unprocessable,
    OverrideWithoutBasis = "override_without_basis" => Unprocessable,
    PaperKeyTwice = "paper_key_twice" => Conflict,
    PaperNotAgreed = "paper_not_agreed" => Conflict,
    PaperNothingToWithdraw = "paper_nothing_to_withdraw" => Conflict,
    PaperPastIssued = "paper_past_issued" => Conflict,
    PaperSheet = "paper_sheet" => Conflict,
    PaperSheetMissing = "paper_sheet_missing" => Unprocessable,
    PaperSheetOpen = "paper_sheet_open" => Conflict,
    PaperTeller = "paper_teller" => Unprocessable,
    PoolAfterClose = "pool_after_close" => Conflict,
    PoolExhausted = "pool_exhausted" => Conflict,
    PoolOverCap = "pool_over_cap" => Unprocessable,
    PoolReasonMissing = "pool_reason_missing" => Unprocessable,
    PresentExceedsEligible = "present_exceeds_eligible" => Unprocessable,
    ProcedureComplete = "procedure_complete" => Conflict,
    ProcedureInput = "procedure_input" => Unprocessable,
    ProcedureMismatch = "procedure_mismatch" => Unprocessable,
    ProcedureOrder = "procedure_order" => Conflict,
    ProcedureRatio = "procedure_ratio" => Unprocessable,
    ProcedureResultMissing = "procedure_result_missing" => Conflict,
    ProcedureRoundInvalid = "procedure_round_invalid" => Conflict,
    ProcedureSpec = "procedure_spec" => Unprocessable,
    ProcedureTooFew = "procedure_too_few" => Unprocessable,
    QuorumFraction = "quorum_fraction" => Unprocessable,
    QuorumIsStatutory = "quorum_is_statutory" => Unprocessable,
    RankingSetup = "ranking_setup" => Unprocessable,
    RecommendationFields = "recommendation_fields" => Unprocessable,
    ReductionBasis = "reduction_basis" => Unprocessable,
    ReductionMismatch = "reduction_mismatch" => Unprocessable,
    ReductionSeats = "reduction_seats" => Unprocessable,
    RevoteExists = "revote_exists" => Conflict,
    ReasonText = "reason_text" => Unprocessable,
    RevoteReason = "revote_reason" => Unprocessable,
    RightsDeprived = "rights_deprived" => Unprocessable,
    RollLocked = "roll_locked" => Conflict,
    RollMissing = "roll_missing" => Unprocessable,
    RoundNotInvalid = "round_not_invalid" => Conflict,
    RunoffCandidateUnknown = "runoff_candidate_unknown" => Unprocessable,
    RunoffExists = "runoff_exists" => Conflict,
    NextRoundExists = "next_round_exists" => Conflict,
    CorrectionEligibleAboveRoll = "correction_eligible_above_roll" => Unprocessable,
    CorrectionLogged = "correction_logged" => Conflict,
    StyleRoundTaken = "style_round_taken" => Conflict,
    RunoffListShort = "runoff_list_short" => Conflict,
    RunoffParent = "runoff_parent" => Unprocessable,
    RunoffSuperseded = "runoff_superseded" => Conflict,
    SeatsNotReducible = "seats_not_reducible" => Unprocessable,
    SeatsOutOfRange = "seats_out_of_range" => Unprocessable,
    NameSharesMissing = "name_shares_missing" => Unprocessable,
    NamesNotDue = "names_not_due" => Conflict,
    SharesMissing = "shares_missing" => Unprocessable,
    SharesPart = "shares_part" => Unprocessable,
    SharesRepeated = "shares_repeated" => Conflict,
    ShortfallDecided = "shortfall_decided" => Conflict,
    ShortlistRatio = "shortlist_ratio" => Unprocessable,
    ShuffleAfterShares = "shuffle_after_shares" => Conflict,
    ShuffleRepeated = "shuffle_repeated" => Conflict,
    ShufflesComplete = "shuffles_complete" => Conflict,
    ShufflesMissing = "shuffles_missing" => Conflict,
    SignatureDuplicate = "signature_duplicate" => Conflict,
    SignaturesMissing = "signatures_missing" => Conflict,
    StructureSetup = "structure_setup" => Unprocessable,
    SurplusRuleBroken = "surplus_rule_broken" => Unprocessable,
    TellerIndex = "teller_index" => Unprocessable,
    TokensVoided = "tokens_voided" => Conflict,
    TooManyCandidates = "too_many_candidates" => Unprocessable,
    TooManyContests = "too_many_contests" => Unprocessable,
    TotalsExcellentOverQuota = "totals_excellent_over_quota" => Unprocessable,
    TotalsGradesExceedValid = "totals_grades_exceed_valid" => Unprocessable,
    TotalsGroupsValidMismatch = "totals_groups_valid_mismatch" => Unprocessable,
    TotalsGroupsVoidExceedsVoid = "totals_groups_void_exceeds_void" => Unprocessable,
    TotalsKindsDiffer = "totals_kinds_differ" => Unprocessable,
    TotalsMarksExceedLimit = "totals_marks_exceed_limit" => Unprocessable,
    TotalsMarksExceedValid = "totals_marks_exceed_valid" => Unprocessable,
    TotalsOverflow = "totals_overflow" => Unprocessable,
    TotalsScoreOutOfRange = "totals_score_out_of_range" => Unprocessable,
    TotalsShapesDiffer = "totals_shapes_differ" => Unprocessable,
    TotalsVoidExceedsReturned = "totals_void_exceeds_returned" => Unprocessable,
    TotalsVoidReasonsExceedVoid = "totals_void_reasons_exceed_void" => Unprocessable,
    TotalsWriteInExceedsValid = "totals_write_in_exceeds_valid" => Unprocessable,
    TotalsWriteInIsCandidate = "totals_write_in_is_candidate" => Unprocessable,
    TotalsWriteInsExceedAgainst = "totals_write_ins_exceed_against" => Unprocessable,
    TotalsWrongCount = "totals_wrong_count" => Unprocessable,
    TotalsWrongKind = "totals_wrong_kind" => Unprocessable,
    TurnoutMissing = "turnout_missing" => Unprocessable,
    UnderAge = "under_age" => Unprocessable,
    UniformGrades = "uniform_grades" => Unprocessable,
    UnknownContest = "unknown_contest" => Unprocessable,
    UnknownProcedure = "unknown_procedure" => Unprocessable,
    UnknownResult = "unknown_result" => NotFound,
    VoidMismatch = "void_mismatch" => Conflict,
    WriteInIsCandidate = "write_in_is_candidate" => Unprocessable,
    WriteInWithoutAgainst = "write_in_without_against" => Unprocessable,
    WrongShape = "wrong_shape" => Unprocessable,
    // ---- first raised in src/record/ ----
    ResultFormat = "result_format" => Unprocessable,
    ResultInvalid = "result_invalid" => Unprocessable,
    ProcedureBasis = "procedure_basis" => Unprocessable,
    BadDate = "bad_date" => Unprocessable,
    BadHeader = "bad_header" => Unprocessable,
    BadMembership = "bad_membership" => Unprocessable,
    BadRights = "bad_rights" => Unprocessable,
    BadRows = "bad_rows" => Unprocessable,
    BadWriteIn = "bad_write_in" => Unprocessable,
    BallotJson = "ballot_json" => Unprocessable,
    BallotShape = "ballot_shape" => Unprocessable,
    ColumnCount = "column_count" => Unprocessable,
    CsvSyntax = "csv_syntax" => Unprocessable,
    EncryptedBallotFormat = "encrypted_ballot_format" => Unprocessable,
    GroupMissing = "group_missing" => Unprocessable,
    LineTooLong = "line_too_long" => Unprocessable,
    NameControlCharacter = "name_control_character" => Unprocessable,
    NameEmpty = "name_empty" => Unprocessable,
    NameFormatCharacter = "name_format_character" => Unprocessable,
    NameNotCanonical = "name_not_canonical" => Unprocessable,
    NotUtf8 = "not_utf8" => Unprocessable,
    OfficeCsv = "office_csv" => Unprocessable,
    OfficeInput = "office_input" => Unprocessable,
    OfficeTooLarge = "office_too_large" => Unprocessable,
    OfficeXlsx = "office_xlsx" => Unprocessable,
    ReadError = "read_error" => Unprocessable,
    ScoreOutOfRange = "score_out_of_range" => Unprocessable,
    SpecField = "spec_field" => Unprocessable,
    SpecLaterRound = "spec_later_round" => Unprocessable,
    SpecFieldMissing = "spec_field_missing" => Unprocessable,
    SpecFormat = "spec_format" => Unprocessable,
    SpecJson = "spec_json" => Unprocessable,
    SpecTooLarge = "spec_too_large" => Unprocessable,
    TokenBatch = "token_batch" => Unprocessable,
    TokenByteLength = "token_byte_length" => Unprocessable,
    TokenCharacters = "token_characters" => Unprocessable,
    TokenCheck = "token_check" => Unprocessable,
    TokenLength = "token_length" => Unprocessable,
    TokenSignature = "token_signature" => Unprocessable,
    TokenVersion = "token_version" => Unprocessable,
    TokenWrongElection = "token_wrong_election" => Unprocessable,
    TokenWrongRound = "token_wrong_round" => Unprocessable,
    TokenWrongStyle = "token_wrong_style" => Unprocessable,
    TooLarge = "too_large" => Unprocessable,
    TooManyBallots = "too_many_ballots" => Unprocessable,
    TooManyErrors = "too_many_errors" => Unprocessable,
    TooManyRows = "too_many_rows" => Unprocessable,
    UnknownCandidate = "unknown_candidate" => Unprocessable,
    UnknownGrade = "unknown_grade" => Unprocessable,
    UnknownGroup = "unknown_group" => Unprocessable,
    UnknownKind = "unknown_kind" => Unprocessable,
    UnknownMark = "unknown_mark" => Unprocessable,
    UnknownSubject = "unknown_subject" => Unprocessable,
    // ---- first raised in src/crypto/ ----
    BadEncoding = "bad_encoding" => Unprocessable,
    BadLength = "bad_length" => Unprocessable,
    BadTag = "bad_tag" => Unprocessable,
    CommitmentMismatch = "commitment_mismatch" => Unprocessable,
    ComplaintRejected = "complaint_rejected" => Unprocessable,
    DlogOutOfRange = "dlog_out_of_range" => Unprocessable,
    DuplicateIndex = "duplicate_index" => Unprocessable,
    IdentityPoint = "identity_point" => Unprocessable,
    InvalidName = "invalid_name" => Unprocessable,
    InvalidParameters = "invalid_parameters" => Unprocessable,
    InvalidPlaintext = "invalid_plaintext" => Unprocessable,
    InvalidShape = "invalid_shape" => Unprocessable,
    NonCanonical = "non_canonical" => Unprocessable,
    NotEnoughShares = "not_enough_shares" => Unprocessable,
    OpeningMismatch = "opening_mismatch" => Unprocessable,
    ProofInvalid = "proof_invalid" => Unprocessable,
    ShareInvalid = "share_invalid" => Unprocessable,
    // ---- first raised in src/e2e/ ----
    AlreadyTested = "already_tested" => Conflict,
    BallotAlreadyCast = "ballot_already_cast" => Conflict,
    BallotSpoiled = "ballot_spoiled" => Conflict,
    E2eRefused = "e2e_refused" => Unprocessable,
    E2eShape = "e2e_shape" => Unprocessable,
    NotSpoiled = "not_spoiled" => Unprocessable,
    SpoilsExhausted = "spoils_exhausted" => Conflict,
    TellerSignature = "teller_signature" => Unprocessable,
    TestSlip = "test_slip" => Unprocessable,
    TokenTested = "token_tested" => Conflict,
    WriteInCount = "write_in_count" => Unprocessable,
    // ---- first raised in src/tokens/ ----
    PoolRandom = "pool_random" => Unprocessable,
    PoolTooMany = "pool_too_many" => Unprocessable,
    SheetMixedTokens = "sheet_mixed_tokens" => Unprocessable,
    SheetQr = "sheet_qr" => Unprocessable,
    SheetQrVersion = "sheet_qr_version" => Unprocessable,
    SheetTooMany = "sheet_too_many" => Unprocessable,
    SheetWrongRound = "sheet_wrong_round" => Unprocessable,
    // ---- first raised in src/count.rs ----
    DecryptedShape = "decrypted_shape" => Unprocessable,
    // ---- first raised in src/records/ ----
    AccountExists = "account_exists" => Conflict,
    Index = "index" => Internal,
    Storage = "storage" => Unavailable,
    // ---- checks of src/verify/ (a verify report's `check`) ----
    GroupIncomplete = "group_incomplete" => Conflict,
    Ballot = "ballot" => Unprocessable,
    Body = "body" => Unprocessable,
    Chain = "chain" => Unprocessable,
    CheckpointRoot = "checkpoint_root" => Unprocessable,
    CheckpointSignature = "checkpoint_signature" => Unprocessable,
    Consistency = "consistency" => Unprocessable,
    Decode = "decode" => Unprocessable,
    DoubleSpend = "double_spend" => Unprocessable,
    Export = "export" => Unprocessable,
    Frame = "frame" => Unprocessable,
    Genesis = "genesis" => Unprocessable,
    Keys = "keys" => Unprocessable,
    Recount = "recount" => Unprocessable,
    RoundContest = "round_contest" => Unprocessable,
    Segment = "segment" => Unprocessable,
    SideFile = "side_file" => Unprocessable,
    Token = "token" => Unprocessable,
    // ---- first raised in src/ledger/ ----
    AlreadyInitialised = "already_initialised" => Conflict,
    BallotViaAdmin = "ballot_via_admin" => Unprocessable,
    Damaged = "damaged" => Unprocessable,
    EntryBody = "entry_body" => Unprocessable,
    EntryKind = "entry_kind" => Unprocessable,
    EntryTooLarge = "entry_too_large" => PayloadTooLarge,
    LogDamaged = "log_damaged" => Internal,
    NotInitialised = "not_initialised" => Conflict,
    NotYetCheckpointed = "not_yet_checkpointed" => Unprocessable,
    PlaintextReasonMissing = "plaintext_reason_missing" => Unprocessable,
    PoolSparePercent = "pool_spare_percent" => Unprocessable,
    Protocol = "protocol" => Unprocessable,
    ProtocolOld = "protocol_old" => Unprocessable,
    Random = "random" => Internal,
    ResultCovers = "result_covers" => Unprocessable,
    RollCounts = "roll_counts" => Unprocessable,
    SignaturesRequired = "signatures_required" => Unprocessable,
    SlipsNotIssued = "slips_not_issued" => Conflict,
    Stopped = "stopped" => Internal,
    StyleGroup = "style_group" => Unprocessable,
    Styles = "styles" => Unprocessable,
    TellerTwice = "teller_twice" => Unprocessable,
    Threshold = "threshold" => Unprocessable,
    TokenSpent = "token_spent" => Conflict,
    UnknownEntry = "unknown_entry" => NotFound,
    UnknownStyle = "unknown_style" => Unprocessable,
    WrongElection = "wrong_election" => Unprocessable,
    // ---- first raised in src/procedure/ ----
    AlreadyCheckedIn = "already_checked_in" => Conflict,
    BadNote = "bad_note" => Unprocessable,
    BadRequest = "bad_request" => Unprocessable,
    ElectionDate = "election_date" => Unprocessable,
    ElectionDateMissing = "election_date_missing" => Unprocessable,
    ElectionExists = "election_exists" => Conflict,
    KeyNotYours = "key_not_yours" => Conflict,
    NoStyle = "no_style" => Unprocessable,
    NotOnRoll = "not_on_roll" => Unprocessable,
    PoolFull = "pool_full" => Unprocessable,
    ProxyRefusedParty = "proxy_refused_party" => Unprocessable,
    ProxyUnit = "proxy_unit" => Unprocessable,
    RollRefused = "roll_refused" => Unprocessable,
    TellerBody = "teller_body" => Unprocessable,
    TellerKind = "teller_kind" => Unprocessable,
    TooManyPrincipals = "too_many_principals" => Unprocessable,
    UnknownProposal = "unknown_proposal" => Unprocessable,
    // ---- first raised in src/server/ ----
    AccountDisabled = "account_disabled" => Forbidden,
    ArchiveExists = "archive_exists" => Conflict,
    Archiving = "archiving" => Conflict,
    BadConfirmation = "bad_confirmation" => Unprocessable,
    BadJson = "bad_json" => BadRequest,
    BadKioskName = "bad_kiosk_name" => Unprocessable,
    BadLogin = "bad_login" => Unauthorized,
    BadOutcome = "bad_outcome" => Unprocessable,
    BadPairingCode = "bad_pairing_code" => Unprocessable,
    BadReceipt = "bad_receipt" => Unprocessable,
    BadUsername = "bad_username" => Unprocessable,
    BallotMissing = "ballot_missing" => Unprocessable,
    BodyTimeout = "body_timeout" => RequestTimeout,
    BindFailed = "bind_failed" => Unprocessable,
    CannotDisableSelf = "cannot_disable_self" => Unprocessable,
    LastOrganiser = "last_organiser" => Unprocessable,
    ConfigFile = "config_file" => Unprocessable,
    ConfigInvalid = "config_invalid" => Unprocessable,
    ConfigTimezone = "config_timezone" => Unprocessable,
    ConfigTlsPair = "config_tls_pair" => Unprocessable,
    ContestOpen = "contest_open" => Conflict,
    Csrf = "csrf" => Forbidden,
    DataInUse = "data_in_use" => Conflict,
    ElectionIdUsed = "election_id_used" => Unprocessable,
    FiguresFromDesk = "figures_from_desk" => Unprocessable,
    Forbidden = "forbidden" => Forbidden,
    Internal = "internal" => Internal,
    KioskByPairing = "kiosk_by_pairing" => Unprocessable,
    OrganiserByCommandLine = "organiser_by_command_line" => Unprocessable,
    NoElection = "no_election" => Conflict,
    NotFound = "not_found" => NotFound,
    PairingSlotsFull = "pairing_slots_full" => Conflict,
    PasswordChangeRequired = "password_change_required" => Forbidden,
    PasswordCommon = "password_common" => Unprocessable,
    PasswordTooLong = "password_too_long" => Unprocessable,
    PasswordTooShort = "password_too_short" => Unprocessable,
    PasswordUnchanged = "password_unchanged" => Unprocessable,
    RateLimited = "rate_limited" => TooManyRequests,
    RequestTooLarge = "request_too_large" => PayloadTooLarge,
    Tls = "tls" => Unprocessable,
    TooManyConnections = "too_many_connections" => TooManyRequests,
    Unauthenticated = "unauthenticated" => Unauthorized,
    UnknownAccount = "unknown_account" => Conflict,
    UnknownKiosk = "unknown_kiosk" => Conflict,
    UnknownReceipt = "unknown_receipt" => NotFound,
    UnknownRole = "unknown_role" => Unprocessable,
    UnknownSession = "unknown_session" => Conflict,
    WithdrawWithBallot = "withdraw_with_ballot" => Unprocessable,
    // ---- first raised in src/cli/ ----
    BadKey = "bad_key" => Unprocessable,
    BookFigures = "book_figures" => Unprocessable,
    BookFiguresDiffer = "book_figures_differ" => Unprocessable,
    Checkpoint = "checkpoint" => Unprocessable,
    Inclusion = "inclusion" => Unprocessable,
    LogFork = "log_fork" => Unprocessable,
    TellerState = "teller_state" => Unprocessable,
    TellerSteps = "teller_steps" => Unprocessable,
    UnreadableFile = "unreadable_file" => Unprocessable,
    VerifyFailed = "verify_failed" => Unprocessable,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_unique_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            let t = c.as_str();
            assert!(seen.insert(t), "{t} twice");
            assert!(
                t.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{t}"
            );
            assert_eq!(Code::from_text(t), Some(*c));
        }
        assert_eq!(Code::from_text("no_such_code"), None);
    }

    #[test]
    fn ordered_and_serialised_as_text() {
        assert!(Code::ContestClosed < Code::ContestNotOpen);
        assert_eq!(
            serde_json::to_string(&Code::TokenSpent).unwrap(),
            "\"token_spent\""
        );
        assert_eq!(format!("{:?}", Code::TokenSpent), "\"token_spent\"");
    }
}

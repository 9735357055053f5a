//! Fuzz target `note`: `Note::parse`, `Checkpoint::parse`, `Verifier::parse`, `Signer::parse` (src/record/note/).
//! The checks live in `fuzz/src/lib.rs`, shared with `tests/fuzz_regressions.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    scrutineer_fuzz::note(data);
});

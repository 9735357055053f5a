//! Fuzz target `spec`: `parse_election` (src/record/election.rs).
//! The checks live in `fuzz/src/lib.rs`, shared with `tests/fuzz_regressions.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    scrutineer_fuzz::spec(data);
});

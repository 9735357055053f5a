//! Fuzz target `tally`: The offline tally end to end: spec, NUL byte, ballot file.
//! The checks live in `fuzz/src/lib.rs`, shared with `tests/fuzz_regressions.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    scrutineer_fuzz::tally(data);
});

//! Fuzz target `entry`: `Entry::decode` (src/record/entry.rs) and segment `frames` (src/record/segment.rs).
//! The checks live in `fuzz/src/lib.rs`, shared with `tests/fuzz_regressions.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    scrutineer_fuzz::entry(data);
});

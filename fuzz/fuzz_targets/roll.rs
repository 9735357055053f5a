//! Fuzz target `roll`: `parse_roll_csv` (src/record/roll.rs) and `check_roll` (src/rules/roll.rs).
//! The checks live in `fuzz/src/lib.rs`, shared with `tests/fuzz_regressions.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    scrutineer_fuzz::roll(data);
});

//! Fuzz target `token`: `Token::from_bytes` and `Token::parse` (src/record/token.rs).
//! The checks live in `fuzz/src/lib.rs`, shared with `tests/fuzz_regressions.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    scrutineer_fuzz::token(data);
});

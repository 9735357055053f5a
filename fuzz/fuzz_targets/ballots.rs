//! Fuzz target `ballots`: `parse_ballots` (src/record/ballot.rs) against the example
//! elections (township party congress first), then the tally of what parses.
//! The checks live in `fuzz/src/lib.rs`, shared with `tests/fuzz_regressions.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        // Parse the fixed elections once, and make sure none was dropped.
        assert_eq!(
            scrutineer_fuzz::example_elections().len(),
            scrutineer_fuzz::example_spec_count(),
            "an example spec does not parse"
        );
    },
    |data: &[u8]| {
        scrutineer_fuzz::ballots(data);
    }
);

//! The fuzz seeds and every crash the fuzzers found, replayed in every `cargo test`.
//!
//! Each file under `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/` goes through
//! the same function the cargo-fuzz target `<target>` calls (`fuzz/src/lib.rs`, included
//! below), so no cargo-fuzz or nightly is needed here. A panic is a failure; the test names
//! every file that panicked. See `fuzz/README.md`.

use std::path::{Path, PathBuf};

#[path = "../fuzz/src/lib.rs"]
mod checks;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Every file directly inside `dir`, sorted; none if `dir` does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && !is_note(p))
        .collect();
    out.sort();
    out
}

/// README or notes kept next to the inputs are not inputs.
fn is_note(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("README") || n.ends_with(".md"))
}

/// Runs every file of `kind` (`corpus` or `regressions`) and returns the ones that panicked.
fn replay(kind: &str) -> (usize, Vec<String>) {
    let mut count = 0;
    let mut failures = Vec::new();
    for target in checks::TARGETS {
        for path in files(&fuzz_dir().join(kind).join(target)) {
            let data = match std::fs::read(&path) {
                Ok(d) => d,
                Err(e) => {
                    failures.push(format!("{}: cannot read: {e}", path.display()));
                    continue;
                }
            };
            count += 1;
            let outcome = std::panic::catch_unwind(|| checks::run(target, &data));
            if let Err(payload) = outcome {
                let message = payload
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| payload.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)");
                failures.push(format!("{target}: {}: {message}", path.display()));
            }
        }
    }
    (count, failures)
}

#[test]
fn example_specs_parse() {
    assert_eq!(
        checks::example_elections().len(),
        checks::example_spec_count(),
        "an example spec under examples/ no longer parses; the ballots target needs them all"
    );
}

#[test]
fn every_target_has_seeds() {
    for target in checks::TARGETS {
        let dir = fuzz_dir().join("corpus").join(target);
        assert!(
            !files(&dir).is_empty(),
            "no seed files in {}",
            dir.display()
        );
    }
}

#[test]
fn regression_directories_name_targets() {
    let Ok(entries) = std::fs::read_dir(fuzz_dir().join("regressions")) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            checks::TARGETS.contains(&name.as_str()),
            "fuzz/regressions/{name} is not a fuzz target: its files would never run (targets: {:?})",
            checks::TARGETS
        );
    }
}

#[test]
fn corpus_seeds_do_not_panic() {
    let (count, failures) = replay("corpus");
    assert!(count > 0, "no corpus files found under fuzz/corpus");
    assert!(
        failures.is_empty(),
        "{} of {count} corpus inputs panicked:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn saved_crashes_do_not_panic() {
    let (count, failures) = replay("regressions");
    assert!(
        failures.is_empty(),
        "{} of {count} saved fuzz crashes still panic:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn run_knows_every_target() {
    for target in checks::TARGETS {
        assert!(checks::run(target, b""), "{target}");
    }
    assert!(!checks::run("no-such-target", b""));
}

//! The browser's encryption (`web/js/e2e.js`, over the vendored noble bundle) reproduces the
//! Rust reference byte for byte: `tests/e2e_js/vectors.mjs` replays every voter-side vector of
//! `docs/e2e-vectors/e2e-v1.json` in Node, and checks the bundle's pinned SHA-256.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

/// Runs a Node script of tests/e2e_js with `args` from the repository root; it passes when
/// it exits 0 and says ` 0 failed`.
fn node_passes(script: &str, args: &[&str]) {
    let root = env!("CARGO_MANIFEST_DIR");
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok(),
        "the browser-crypto checks need Node.js (`.ci/run` installs it with the browser tests)"
    );
    let o = Command::new("node")
        .arg(format!("{root}/tests/e2e_js/{script}"))
        .args(args)
        .current_dir(root)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains(" 0 failed"), "{out}");
}

#[test]
fn the_browser_implementation_passes_every_vector() {
    node_passes(
        "vectors.mjs",
        &[concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/e2e-vectors/e2e-v1.json"
        )],
    );
}

/// The pages' Ed25519 (`web/js/tlog.js` verifying, `web/js/teller.js` signing) with each
/// engine: WebCrypto, a WebCrypto without Ed25519, and no `crypto.subtle` at all (a page over
/// plain HTTP), all through the vendored noble bundle where WebCrypto cannot: the
/// golang.org/x/mod/sumdb/note vector signs and verifies, and what ed25519-dalek's
/// `verify_strict` refuses (flipped bits, small-order keys and R, S ≥ L, a key with a torsion
/// part that a cofactored check accepts, non-canonical points) is refused.
#[test]
fn the_pages_ed25519_agrees_with_verify_strict_on_every_engine() {
    node_passes("ed25519.mjs", &[env!("CARGO_MANIFEST_DIR")]);
}

/// The teller page's protocol-8 statements (`web/js/corrections.js` payloads, `web/js/teller.js`
/// `tellerStatement` and `signStatement`) equal docs/LOG_FORMAT.md's vectors on every engine.
#[test]
fn the_teller_pages_statements_match_the_log_format_vectors() {
    node_passes("attest.mjs", &[env!("CARGO_MANIFEST_DIR")]);
}

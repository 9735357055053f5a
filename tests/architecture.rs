//! The architecture's walls as rules anyone can run (ARCHITECTURE.md): which module of
//! `src/` may name which other, and what the pure rules engine may not touch. A `crate::x`
//! path in code (comments are skipped) is an import of `x`; `super::` paths stay inside a
//! module. A new dependency that runs upward, or the verifier reaching the ledger or the
//! server, fails here with the file and line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

/// Each module and the modules it may name (besides itself). Ordered from the bottom up.
const ALLOWED: &[(&str, &[&str])] = &[
    // The one table of error codes: names nothing, and every module may name it.
    ("codes", &[]),
    ("rules", &["codes"]),
    ("crypto", &["codes"]),
    ("record", &["codes", "rules"]),
    ("tokens", &["codes", "record"]),
    // The service records (accounts, sessions, the roll, check-ins): never the ledger, so
    // nothing joins the roll to ballots (ARCHITECTURE.md, `src/records/`).
    ("records", &["codes"]),
    ("e2e", &["codes", "crypto", "record", "rules"]),
    ("count", &["codes", "crypto", "e2e", "record", "rules"]),
    // The verifier: never the ledger, the core or the server (ARCHITECTURE.md, `src/verify/`).
    (
        "verify",
        &["codes", "count", "crypto", "e2e", "record", "rules"],
    ),
    (
        "ledger",
        &[
            "codes", "count", "crypto", "e2e", "record", "records", "rules", "tokens",
        ],
    ),
    // Presentation: every public page and file made from a result (ARCHITECTURE.md,
    // `src/present/`).
    ("present", &["codes", "record", "rules", "tokens"]),
    (
        "procedure",
        &[
            "codes", "count", "crypto", "e2e", "ledger", "record", "records", "rules", "tokens",
        ],
    ),
    (
        "server",
        &[
            "codes",
            "count",
            "crypto",
            "e2e",
            "ledger",
            "present",
            "procedure",
            "record",
            "records",
            "rules",
            "tokens",
            "verify",
        ],
    ),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file of a module (`src/m.rs` or `src/m/**`).
fn files(module: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let single = root().join(format!("{module}.rs"));
    if single.exists() {
        out.push(single);
    }
    let mut stack = vec![root().join(module)];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The code of a line: what is left before a `//` comment (strings holding `//` are rare
/// enough in this code base to ignore).
fn code(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Every `crate::name` named in a file's code, with its line number.
fn crate_refs(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let c = code(line);
        let mut rest = c;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '_')
                .collect();
            if !name.is_empty() {
                out.push((n + 1, name));
            }
            rest = after;
        }
    }
    out
}

#[test]
fn no_module_names_one_it_may_not() {
    let modules: Vec<&str> = ALLOWED.iter().map(|(m, _)| *m).collect();
    let mut broken = Vec::new();
    for (module, allowed) in ALLOWED {
        let fs = files(module);
        assert!(!fs.is_empty(), "no source for module {module}");
        for f in fs {
            for (line, name) in crate_refs(&f) {
                let known = modules.contains(&name.as_str());
                if known && name != *module && !allowed.contains(&name.as_str()) {
                    broken.push(format!(
                        "{}:{line}: `{module}` names `crate::{name}`",
                        f.strip_prefix(root()).unwrap().display()
                    ));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "imports across the walls:\n{}",
        broken.join("\n")
    );
}

/// The rules engine is pure (`src/rules/mod.rs`): no I/O, no clock, no randomness, no serde,
/// no HTTP, no threads.
#[test]
fn the_rules_engine_stays_pure() {
    const FORBIDDEN: &[&str] = &[
        "std::fs",
        "std::net",
        "std::io",
        "std::time",
        "std::thread",
        "std::process",
        "serde",
        "rand",
        "actix",
        "tokio",
        "sled",
        "SystemTime",
        "Instant::now",
    ];
    let mut broken = Vec::new();
    for f in files("rules") {
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let c = code(line);
            for word in FORBIDDEN {
                if c.contains(word) {
                    broken.push(format!(
                        "{}:{}: `{word}`",
                        f.strip_prefix(root()).unwrap().display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "the rules engine touches what it may not:\n{}",
        broken.join("\n")
    );
}

/// The test itself can fail: a forged import is caught.
#[test]
fn a_forged_import_is_caught() {
    let dir = std::env::temp_dir().join(format!("scrutineer-arch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("x.rs");
    std::fs::write(
        &f,
        "// crate::ledger in a comment is fine\nuse crate::ledger::Ledger; let _ = crate::server::run;\n",
    )
    .unwrap();
    let refs = crate_refs(&f);
    assert_eq!(
        refs,
        vec![(2, "ledger".to_string()), (2, "server".to_string())]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

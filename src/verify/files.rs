//! The export's side files must say what the log says: the published keys are the keys the
//! log registered, `election.json` is the registered spec, and each file of `results/` is a
//! result entry of the log, byte for byte in meaning. A side file may be left out; a side file
//! that differs, or a result file with no result entry, is a failure. Anything else in the
//! export is listed as ignored.

use crate::codes::Code;
use std::fs;
use std::path::Path;

use super::replay::Replayed;
use super::{fail, Failure, Report};
use crate::record::entry::{ElectionRegistered, Entry, EntryKind};

fn read_json(path: &Path) -> Result<serde_json::Value, Failure> {
    let bytes = fs::read(path).map_err(|e| {
        fail(
            None,
            None,
            Code::SideFile,
            format!("{}: {e}", path.display()),
        )
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        fail(
            None,
            None,
            Code::SideFile,
            format!(
                "{} 不是有效的 JSON: {e} / {} is not valid JSON: {e}",
                path.display(),
                path.display()
            ),
        )
    })
}

pub fn check_side_files(
    dir: &Path,
    entries: &[Entry],
    r: &Replayed,
    report: &mut Report,
) -> Result<(), Failure> {
    let reg: ElectionRegistered =
        entries
            .first()
            .and_then(|e| e.body_as().ok())
            .ok_or_else(|| {
                fail(
                    Some(0),
                    Some(EntryKind::ElectionRegistered),
                    Code::Body,
                    "entry 0",
                )
            })?;
    let kind = Some(EntryKind::ElectionRegistered);
    // The published keys are the keys the log registered.
    for (file, registered, what) in [
        ("keys/log.pub", reg.log_key.trim(), "检查点公钥 the log key"),
        (
            "keys/election.pub",
            reg.election_key.trim(),
            "选举公钥 the election key",
        ),
    ] {
        let path = dir.join(file);
        if let Ok(text) = fs::read_to_string(&path) {
            if text.trim() != registered {
                return Err(fail(Some(0), kind, Code::Keys, format!("导出的 {file} 与日志登记的{what}不同 / {file} differs from {what} the log registered")));
            }
        }
    }
    // election.json is the spec entry 0 registered.
    let spec_path = dir.join("election.json");
    // (Exports written before protocol 2 shipped the spec with every contest added since.)
    if spec_path.exists() {
        let shipped = read_json(&spec_path)?;
        if shipped != r.registered_spec && shipped != r.spec {
            return Err(fail(Some(0), kind, Code::SideFile, "导出的 election.json 与日志第 0 条登记的选举定义不同 / election.json differs from the spec registered in entry 0"));
        }
    }
    // Each results/ file is a result entry of the log.
    let results_dir = dir.join("results");
    if let Ok(list) = fs::read_dir(&results_dir) {
        let mut names: Vec<_> = list.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        names.sort();
        for path in names {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let index = name
                .strip_suffix(".json")
                .and_then(|n| n.parse::<u64>().ok());
            let body = index.and_then(|i| r.results.iter().find(|(ri, _)| *ri == i));
            let Some((i, body)) = body else {
                return Err(fail(None, None, Code::SideFile, format!("results/{name} 不对应日志中的任何计票结果 / results/{name} is not a result entry of the log")));
            };
            if read_json(&path)? != body.result {
                return Err(fail(Some(*i), Some(EntryKind::Result), Code::SideFile, format!("results/{name} 与日志第 {i} 条的结果不同 / results/{name} differs from the result in entry {i}")));
            }
        }
    }
    // Anything else is not read.
    let known = [
        "log",
        "checkpoints",
        "keys",
        "results",
        "election.json",
        "README.txt",
    ];
    if let Ok(list) = fs::read_dir(dir) {
        for e in list.filter_map(|e| e.ok()) {
            let name = e.file_name().to_string_lossy().to_string();
            if !known.contains(&name.as_str()) {
                report.ignored_files.push(name);
            }
        }
    }
    report.ignored_files.sort();
    Ok(())
}

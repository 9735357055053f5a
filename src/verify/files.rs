//! The export's side files must say what the log says: the published keys are the keys the
//! log registered, `election.json` is the registered spec, and each file of `results/` is a
//! result entry of the log, byte for byte in meaning. A side file may be left out; a side file
//! that differs, or a result file with no result entry, is a failure. Anything else in the
//! export is listed as ignored.

use crate::codes::Code;

use super::replay::Replayed;
use super::{fail, Failure, Report, Source};
use crate::record::entry::{ElectionRegistered, Entry, EntryKind};

fn read_json(dir: Source<'_>, rel: &str) -> Result<serde_json::Value, Failure> {
    let path = dir.show(rel);
    let bytes = dir
        .read(rel)
        .map_err(|e| fail(None, None, Code::SideFile, format!("{path}: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        fail(
            None,
            None,
            Code::SideFile,
            format!("{path} 不是有效的 JSON: {e} / {path} is not valid JSON: {e}"),
        )
    })
}

pub fn check_side_files(
    dir: Source<'_>,
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
        if let Ok(bytes) = dir.read(file) {
            let text = String::from_utf8_lossy(&bytes);
            if text.trim() != registered {
                return Err(fail(Some(0), kind, Code::Keys, format!("导出的 {file} 与日志登记的{what}不同 / {file} differs from {what} the log registered")));
            }
        }
    }
    // election.json is the spec entry 0 registered.
    // (Exports written before protocol 2 shipped the spec with every contest added since.)
    if dir.exists("election.json") {
        let shipped = read_json(dir, "election.json")?;
        if shipped != r.registered_spec && shipped != r.spec {
            return Err(fail(Some(0), kind, Code::SideFile, "导出的 election.json 与日志第 0 条登记的选举定义不同 / election.json differs from the spec registered in entry 0"));
        }
    }
    // Each results/ file is a result entry of the log.
    if let Ok(names) = dir.list("results") {
        for name in names {
            let index = name
                .strip_suffix(".json")
                .and_then(|n| n.parse::<u64>().ok());
            let body = index.and_then(|i| r.results.iter().find(|(ri, _)| *ri == i));
            let Some((i, body)) = body else {
                return Err(fail(None, None, Code::SideFile, format!("results/{name} 不对应日志中的任何计票结果 / results/{name} is not a result entry of the log")));
            };
            if read_json(dir, &format!("results/{name}"))? != body.result {
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
    if let Ok(list) = dir.list("") {
        for name in list {
            if !known.contains(&name.as_str()) {
                report.ignored_files.push(name);
            }
        }
    }
    // Nor are files in log/ that are not segments, or in keys/ that are not the two keys
    // compared above: named, so that an auditor does not take them for checked.
    type Read = fn(&str) -> bool;
    let keep: [(&str, Read); 2] = [
        ("log", |n| n.ends_with(".seg")),
        ("keys", |n| n == "log.pub" || n == "election.pub"),
    ];
    for (sub, read) in keep {
        if let Ok(list) = dir.list(sub) {
            for name in list {
                if !read(&name) {
                    report.ignored_files.push(format!("{sub}/{name}"));
                }
            }
        }
    }
    report.ignored_files.sort();
    Ok(())
}

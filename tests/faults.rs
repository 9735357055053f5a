//! Faults: a full disk under the service. The data directory sits on a small tmpfs that is
//! filled to the last byte: new ballots are refused with a clear error (503 `storage`) and never
//! acknowledged, reads keep working, and casting recovers when space returns; every
//! acknowledged ballot is in the log and the log verifies. The same holds when the disk fills
//! at the moment the log rolls over to a new segment.
//!
//! Mounting a tmpfs needs root (CI runs as root); elsewhere the test says so and stops early.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod service;

use std::io::Write;
use std::process::Command;

use ed25519_dalek::SigningKey;
use scrutineer::ledger::{Ledger, LedgerConfig};
use scrutineer::record::note::Signer;
use scrutineer::record::segment::SEGMENT_HEADER_BYTES;
use serde_json::json;
use service::Server;

struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Mounts a tmpfs of `size` at `root`, or says why not and answers `None`.
fn tmpfs(root: &std::path::Path, size: &str) -> Option<Mount> {
    std::fs::create_dir_all(root).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(root)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !mounted {
        eprintln!("faults: cannot mount a tmpfs here (needs root); the disk-full test did not run");
        let _ = std::fs::remove_dir_all(root);
        return None;
    }
    Some(Mount(root.to_path_buf()))
}

fn fill(path: &std::path::Path) -> u64 {
    let mut f = std::fs::File::create(path).unwrap();
    let block = vec![0u8; 64 * 1024];
    let mut written = 0u64;
    loop {
        match f.write(&block) {
            Ok(0) | Err(_) => break,
            Ok(n) => written += n as u64,
        }
    }
    // Fill the last partial block too.
    let small = [0u8; 512];
    while let Ok(n) = f.write(&small) {
        if n == 0 {
            break;
        }
        written += n as u64;
    }
    let _ = f.sync_all();
    written
}

#[test]
fn a_full_disk_refuses_ballots_keeps_reads_and_recovers() {
    let root = std::env::temp_dir().join(format!("scrutineer-fullfs-{}", std::process::id()));
    let Some(_mount) = tmpfs(&root, "16m") else {
        return;
    };
    let s = Server::start_in(root.clone(), &[]);
    let org = s.login("organiser", &s.organiser_password);
    let spec = json!({"format": "scrutineer.election/v1", "id": "fullfs-2026", "contests": [
        {"id": "d1", "kind": "npc_direct", "seats": 1, "candidates": [{"id": "a", "name": "甲"}, {"id": "b", "name": "乙"}],
         "turnout": {"eligible": 100, "present": 90, "ballots_issued": 90}}]});
    s.ok(
        "POST",
        "/api/v1/election",
        Some(&org),
        Some(&json!({"secrecy": {"mode": "plaintext", "reason": "a test of plaintext ballots"}, "spec": spec, "election_date": "2026-12-01"})),
    );
    s.roll(&org, "一区", "V", 100);
    let tokens = s.sheet(&org, &json!({"style": 0, "count": 60}));
    let desk = s.registrar(&org, "desk");
    s.check_in_range(&desk, "V", 1, 60);
    s.ok("POST", "/api/v1/contests/d1/open", Some(&org), None);
    let kiosk = s.pair_kiosk(&org, "k");
    let ballot = json!([{"contest": "d1", "marks": {"a": "for"}}]);
    let mut acked = 0u64;
    for t in tokens.iter().take(5) {
        s.ok(
            "POST",
            "/api/v1/ballots",
            Some(&kiosk),
            Some(&json!({"token": t, "ballots": ballot})),
        );
        acked += 1;
    }

    // Fill the disk.
    let filler = root.join("filler");
    assert!(fill(&filler) > 0);
    // The segment's last page may still hold a few small frames; keep casting until refused.
    let mut refused = 0;
    let mut next = 5;
    for t in tokens.iter().skip(5).take(30) {
        if refused >= 2 {
            break;
        }
        next += 1;
        let (code, v) = s.call(
            "POST",
            "/api/v1/ballots",
            Some(&kiosk),
            Some(&json!({"token": t, "ballots": ballot})),
        );
        match code {
            201 => {
                acked += 1; // fitted into the last free bytes
            }
            503 => {
                assert_eq!(v["code"], "storage", "{v}");
                assert!(v["message"].as_str().unwrap().contains("存储"), "{v}");
                refused += 1;
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert!(refused > 0, "the full disk refused nothing");
    // Reads keep working.
    let e = s.ok("GET", "/api/v1/election", None, None);
    assert_eq!(
        e["ballots"].as_u64().unwrap(),
        acked,
        "refused ballots must not be in the log"
    );
    assert!(s
        .ok("GET", "/checkpoint", None, None)
        .as_str()
        .unwrap()
        .starts_with("scrutineer/fullfs-2026"));
    assert_eq!(s.ok("GET", "/healthz", None, None)["status"], "ok");

    // Check-ins while the disk is full: each that cannot be made durable is refused, and
    // taken back (the durability review: it stayed in the records, to be counted in the
    // desk's figures and to refuse the desk's retry as "already checked in").
    let present = |s: &Server| -> u64 {
        s.ok("GET", "/api/v1/desk", Some(&desk), None)["contests"][0]["present"]
            .as_u64()
            .unwrap()
    };
    let before = present(&s);
    let mut refused_check_ins = Vec::new();
    let mut checked_while_full = 0;
    for i in 61..=90 {
        if refused_check_ins.len() >= 2 {
            break;
        }
        let number = format!("V{i:04}");
        let (code, v) = s.call(
            "POST",
            "/api/v1/checkins",
            Some(&desk),
            Some(&json!({"number": number})),
        );
        match code {
            201 | 200 => checked_while_full += 1,
            503 => {
                assert_eq!(v["code"], "storage", "{v}");
                assert!(
                    v["message"].as_str().unwrap().contains("the disk is full"),
                    "{v}"
                );
                refused_check_ins.push(number);
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert!(
        !refused_check_ins.is_empty(),
        "the full disk refused no check-in"
    );
    assert_eq!(present(&s), before + checked_while_full);

    // Space returns: casting works again, including a token refused while the disk was full.
    std::fs::remove_file(&filler).unwrap();

    for t in tokens.iter().skip(next - 1).take(3) {
        s.ok(
            "POST",
            "/api/v1/ballots",
            Some(&kiosk),
            Some(&json!({"token": t, "ballots": ballot})),
        );
        acked += 1;
    }
    assert_eq!(
        s.ok("GET", "/api/v1/election", None, None)["ballots"]
            .as_u64()
            .unwrap(),
        acked
    );
    let resp = ureq::get(&format!("{}/api/v1/export", s.base))
        .set("Authorization", &format!("Bearer {org}"))
        .call()
        .unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes).unwrap();
    let out = std::env::temp_dir().join(format!("scrutineer-fullfs-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    tar::Archive::new(bytes.as_slice()).unpack(&out).unwrap();
    let report = scrutineer::verify::verify_export(&out.join("scrutineer-export"), &|_, _| {});
    assert!(report.ok, "{report:?}");
    // Every acknowledged ballot, including those cast after the disk was full: checkpoints kept
    // being published although the index could no longer store them.
    assert_eq!(report.ballots, acked);
    let _ = std::fs::remove_dir_all(&out);

    // The records (sled) stay failed after the write error until the service starts again.
    // Then the check-ins refused while the disk was full are made, not "already checked in",
    // and the desk counts each once.
    let (code, v) = s.call(
        "POST",
        "/api/v1/checkins",
        Some(&desk),
        Some(&json!({"number": "V0099"})),
    );
    assert_eq!((code, v["code"].as_str()), (503, Some("storage")), "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("restart the service"),
        "{v}"
    );
    // A refused check-in tried again before the restart is refused for the disk, not as
    // "already checked in": it was taken back (the records still held it before).
    let (code, v) = s.call(
        "POST",
        "/api/v1/checkins",
        Some(&desk),
        Some(&json!({"number": refused_check_ins[0]})),
    );
    assert_eq!((code, v["code"].as_str()), (503, Some("storage")), "{v}");
    let s = Server::restart(s.stop_keep(), &[]);
    assert_eq!(present(&s), before + checked_while_full);
    for number in &refused_check_ins {
        s.ok(
            "POST",
            "/api/v1/checkins",
            Some(&desk),
            Some(&json!({"number": number})),
        );
    }
    assert_eq!(
        present(&s),
        before + checked_while_full + refused_check_ins.len() as u64
    );
    drop(s);
}

/// The disk fills at the moment the log rolls over: the new segment file is created but its
/// header cannot be written. Nothing of the batch is acknowledged, and no headerless segment
/// stays behind: once space returns appends work again (a stub would keep the next segment's
/// name taken), and the ledger opens again (a stub would be a segment without a header).
#[test]
fn a_full_disk_at_a_segment_rollover_leaves_no_stub_and_recovers() {
    let root = std::env::temp_dir().join(format!("scrutineer-rollover-{}", std::process::id()));
    let Some(_mount) = tmpfs(&root, "4m") else {
        return;
    };
    // Only the log is on the small disk: keys and index sit beside it, on the ordinary disk.
    let outside =
        std::env::temp_dir().join(format!("scrutineer-rollover-out-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&outside);
    std::fs::create_dir_all(outside.join("index")).unwrap();
    std::fs::create_dir_all(root.join("data")).unwrap();
    std::os::unix::fs::symlink(outside.join("index"), root.join("data/index")).unwrap();
    let mut config = LedgerConfig::new(root.join("data"), outside.join("keys"));
    // Every batch after a segment's first rolls over to a new segment.
    config.segment_bytes_max = 1;

    let spec = json!({"format": "scrutineer.election/v1", "id": "rollover-2026", "contests": [
        {"id": "d1", "kind": "npc_direct", "seats": 1, "candidates": [{"id": "a", "name": "甲"}, {"id": "b", "name": "乙"}],
         "turnout": {"eligible": 100, "present": 90, "ballots_issued": 90}}]});
    let teller = Signer::new("teller-wang", SigningKey::from_bytes(&[7u8; 32])).unwrap();
    let l = Ledger::init(
        config.clone(),
        spec.to_string().as_bytes(),
        None,
        vec![teller.verifier().unwrap().to_text()],
        1,
    )
    .unwrap();
    l.register_roll([("一区".to_string(), 100)].into(), [0; 32])
        .unwrap();
    let (tokens, _) = l.register_pool(0, 10, None).unwrap();
    l.open_contest("d1").unwrap();
    let ballot = vec![json!({"contest": "d1", "marks": {"a": "for"}})];
    for t in tokens.iter().take(3) {
        l.cast(&t.to_text(), &ballot).unwrap();
    }
    let size = l.read(|s| s.tree.size()).unwrap();
    let segments = |dir: &std::path::Path| -> Vec<u64> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".seg"))
            .map(|e| e.metadata().unwrap().len())
            .collect()
    };
    assert_eq!(
        segments(l.log_dir()).len() as u64,
        size,
        "one segment per batch"
    );

    let filler = root.join("filler");
    assert!(fill(&filler) > 0);
    let err = l.cast(&tokens[3].to_text(), &ballot).unwrap_err();
    assert_eq!(err.code(), "storage", "{err}");
    assert_eq!(l.read(|s| s.tree.size()).unwrap(), size);
    let short: Vec<u64> = segments(l.log_dir())
        .into_iter()
        .filter(|len| *len < SEGMENT_HEADER_BYTES as u64)
        .collect();
    assert!(
        short.is_empty(),
        "a headerless segment stayed behind: {short:?}"
    );

    // Space returns: the refused token casts, in a new segment.
    std::fs::remove_file(&filler).unwrap();
    l.cast(&tokens[3].to_text(), &ballot).unwrap();
    l.cast(&tokens[4].to_text(), &ballot).unwrap();
    assert_eq!(l.read(|s| s.tree.size()).unwrap(), size + 2);
    l.close().unwrap();
    drop(l);

    let l = Ledger::open_existing(config).unwrap();
    assert_eq!(l.read(|s| s.tree.size()).unwrap(), size + 2);
    l.cast(&tokens[5].to_text(), &ballot).unwrap();
    l.close().unwrap();
    drop(l);
    let _ = std::fs::remove_dir_all(&outside);
}

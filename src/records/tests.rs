#![allow(clippy::unwrap_used)]
use super::*;

fn voter(number: &str, unit: &str) -> Voter {
    Voter {
        line: 0,
        name: format!("选民{number}"),
        number: number.into(),
        unit: unit.into(),
        birth: "1980-01-01".into(),
        flags: vec![],
    }
}

/// Opens the records again after a handle was dropped in this process: sled's flusher
/// thread may hold the file lock for a moment after the last handle goes.
fn reopen(dir: &std::path::Path) -> Records {
    for _ in 0..100 {
        if let Ok(r) = Records::open(dir) {
            return r;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Records::open(dir).unwrap()
}

fn check_in(number: &str, round: u8, slips: u64) -> CheckIn {
    CheckIn {
        number: number.into(),
        round,
        at: 1,
        desk: "d".into(),
        principals: vec![],
        slips,
    }
}

#[test]
fn turnout_follows_check_ins_and_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!(
        "scrutineer-records-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let expected = {
        let r = Records::open(&dir).unwrap();
        r.replace_roll(&[voter("1", "一"), voter("2", "一"), voter("3", "二")])
            .unwrap();
        // Built before any check-in, then kept up to date by check_in.
        assert_eq!(r.turnout().unwrap().unit_voters.get("一"), Some(&2));
        assert_eq!(r.roll_size().unwrap(), 3);
        assert!(r.check_in(&check_in("1", 1, 2)).unwrap().is_ok());
        assert!(r.check_in(&check_in("2", 1, 0)).unwrap().is_ok());
        // A second check-in is refused and not counted; another round is its own count.
        assert!(r.check_in(&check_in("1", 1, 1)).unwrap().is_err());
        assert!(r.check_in(&check_in("3", 2, 1)).unwrap().is_ok());
        // Not on the roll: stored by the caller's choice, never counted for a unit.
        assert!(r.check_in(&check_in("9", 1, 1)).unwrap().is_ok());
        let t = r.turnout().unwrap();
        assert_eq!(t.checked.get(&(1, "一".to_string())), Some(&(2, 2)));
        assert_eq!(t.checked.get(&(2, "二".to_string())), Some(&(1, 1)));
        assert_eq!(t.checked.len(), 2);
        r.flush().unwrap();
        t
    };
    // Rebuilt from sled after a restart: the same aggregates.
    let r = reopen(&dir);
    assert_eq!(r.turnout().unwrap(), expected);
    // Replacing the roll drops the aggregates; they are rebuilt from the new roll.
    r.replace_roll(&[voter("1", "三")]).unwrap();
    let t = r.turnout().unwrap();
    assert_eq!(t.unit_voters.len(), 1);
    assert_eq!(t.checked.get(&(1, "三".to_string())), Some(&(1, 2)));
    drop(r);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn concurrent_check_ins_share_flushes_and_all_land() {
    let dir = std::env::temp_dir().join(format!("scrutineer-records-flush-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    {
        let r = Records::open(&dir).unwrap();
        let roll: Vec<Voter> = (0..400).map(|n| voter(&n.to_string(), "一")).collect();
        r.replace_roll(&roll).unwrap();
        std::thread::scope(|s| {
            for t in 0..8 {
                let r = r.clone();
                s.spawn(move || {
                    for n in (t * 50)..(t * 50 + 50) {
                        assert!(r.check_in(&check_in(&n.to_string(), 1, 1)).unwrap().is_ok());
                    }
                });
            }
        });
        assert_eq!(
            r.turnout().unwrap().checked.get(&(1, "一".to_string())),
            Some(&(400, 400))
        );
    }
    let r = reopen(&dir);
    assert_eq!(r.check_ins().unwrap().len(), 400);
    drop(r);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_roll_written_per_voter_by_an_older_version_is_read() {
    let dir = std::env::temp_dir().join(format!(
        "scrutineer-records-old-roll-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    {
        let r = Records::open(&dir).unwrap();
        let v = voter("7", "一");
        r.put("roll", b"7", &v).unwrap();
        r.flush().unwrap();
    }
    let r = reopen(&dir);
    assert_eq!(
        r.voter("7").unwrap().map(|v| v.unit),
        Some("一".to_string())
    );
    assert_eq!(r.roll_size().unwrap(), 1);
    // A new import supersedes it, and survives a restart.
    r.replace_roll(&[voter("8", "二")]).unwrap();
    drop(r);
    let r = reopen(&dir);
    assert_eq!(r.voter("7").unwrap(), None);
    assert_eq!(
        r.voter("8").unwrap().map(|v| v.unit),
        Some("二".to_string())
    );
    drop(r);
    let _ = std::fs::remove_dir_all(&dir);
}

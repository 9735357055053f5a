//! Protocol 8 over real HTTP: a correction of a contest's figures counts only with a
//! registered teller's signature (docs/LOG_FORMAT.md, "Protocol 8"), given with the proposal
//! or with the approval. An organiser can create accounts of every role, so two account
//! names were never two people; a teller's key never reaches the service. Every refusal
//! changes nothing, and the export verifies and names the teller who signed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use serde_json::{json, Value};

use e2e_support::{attest_correction, plain_teller, Server};

const ELECTION: &str = "attested-2026";
const REASON: &str = "流动票箱 2 人未计入 / a mobile box's 2 voters";

fn spec() -> Value {
    json!({"format": "scrutineer.election/v1", "id": ELECTION, "title": "更正签名测试 attested corrections",
        "contests": [{"id": "d", "title": "第一选区", "kind": "npc_direct", "seats": 1,
            "candidates": [{"id": "a", "name": "王芳"}, {"id": "b", "name": "李强"}]}]})
}

#[test]
fn a_correction_counts_only_with_a_registered_tellers_signature() {
    let dir = e2e_support::temp("attested");
    let s = Server::start(&dir);
    let org = s.login("organiser", &s.organiser_password);
    let desk = s.account(&org, "desk1", "registrar");
    let teller = s.account(&org, "teller1", "teller");
    assert_eq!(s.create_plaintext(&org, &spec()).0, 201);
    let mut roll = "姓名,证件号码,选区,出生日期\n".to_string();
    for i in 1..=10 {
        roll.push_str(&format!("选民{i},V{i:03},一区,1980-05-01\n"));
    }
    let (st, v) = s.post_text("/api/v1/roll", &org, &roll);
    assert_eq!(st, 200, "{v}");
    s.sheet(&org, 0);
    s.ok("POST", "/api/v1/contests/d/open", Some(&org), None);
    for i in 1..=4 {
        s.ok(
            "POST",
            "/api/v1/checkins",
            Some(&desk),
            Some(&json!({"number": format!("V{i:03}")})),
        );
    }
    s.ok("POST", "/api/v1/contests/d/close", Some(&teller), None);
    let size =
        |s: &Server| s.ok("GET", "/api/v1/checkpoints", None, None)["latest"]["size"].clone();
    let figures = json!({"eligible": 10, "present": 6, "ballots_issued": 6, "reason": REASON});
    let signed = |position: u32, present: u64| {
        attest_correction(
            &plain_teller(),
            1,
            ELECTION,
            position,
            "d",
            [10, present, present],
            REASON,
        )
    };

    // A teller signs a proposal as the contest's first correction (proposal 1); another
    // correction is logged before it is approved, which makes that signature stale.
    let stale = s.ok(
        "POST",
        "/api/v1/contests/d/corrections",
        Some(&teller),
        Some(
            &json!({"eligible": 10, "present": 7, "ballots_issued": 7, "reason": REASON,
            "attested": signed(0, 7)}),
        ),
    )["proposal"]
        .as_u64()
        .unwrap();
    // A registrar proposes without a signature; an organiser's approval is not enough.
    let n = s.ok(
        "POST",
        "/api/v1/contests/d/corrections",
        Some(&desk),
        Some(&figures),
    )["proposal"]
        .as_u64()
        .unwrap();
    let approve = |who: &str, id: u64, body: Option<&Value>| {
        s.call(
            "POST",
            &format!("/api/v1/corrections/{id}/approve"),
            Some(who),
            body,
        )
    };
    let before = size(&s);
    let (code, v) = approve(&org, n, None);
    assert_eq!((code, v["code"].as_str()), (422, Some("unattested")), "{v}");
    // A teller's signature of other figures, of a teller not registered, by a key that is not
    // the registered teller's, or that is not JSON: refused, nothing logged.
    let stranger = scrutineer::record::note::Signer::new(
        "teller-wang",
        ed25519_dalek::SigningKey::from_bytes(&[99u8; 32]),
    )
    .unwrap();
    for (attested, want) in [
        (signed(0, 7), "attestation_invalid"),
        (
            attest_correction(&plain_teller(), 2, ELECTION, 0, "d", [10, 6, 6], REASON),
            "attestation_invalid",
        ),
        (
            attest_correction(&stranger, 1, ELECTION, 0, "d", [10, 6, 6], REASON),
            "attestation_invalid",
        ),
        (json!({"teller": 1}), "bad_json"),
    ] {
        let (code, v) = approve(&teller, n, Some(&json!({ "attested": attested })));
        assert_eq!(v["code"], want, "{attested}: {v}");
        assert!(code == 422 || code == 400, "{code} {v}");
    }
    // The registrar cannot approve its own proposal, signature or not: refused by the rules
    // in their order (two people first), as verify would name it.
    let (code, v) = approve(&desk, n, Some(&json!({ "attested": signed(0, 6) })));
    assert_eq!(
        (code, v["code"].as_str()),
        (422, Some("correction_needs_two")),
        "{v}"
    );
    assert_eq!(size(&s), before, "a refused approval logged something");

    // The teller approves with a signature of exactly these figures: logged.
    let before_position = signed(0, 6);
    let (code, v) = approve(&teller, n, Some(&json!({ "attested": before_position })));
    assert_eq!(code, 201, "{v}");

    // A signature made before that correction was logged (the contest's first) cannot be
    // used again: a new correction is the contest's second.
    let (code, v) = s.call(
        "POST",
        "/api/v1/contests/d/corrections",
        Some(&teller),
        Some(
            &json!({"eligible": 10, "present": 6, "ballots_issued": 6, "reason": REASON,
            "attested": before_position}),
        ),
    );
    assert_eq!(
        (code, v["code"].as_str()),
        (422, Some("attestation_invalid")),
        "{v}"
    );
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("1 corrections before it"),
        "the refusal does not say what the teller signs: {v}"
    );
    // Proposal 1's signature is stale too: its approval alone is refused, saying what the
    // teller must sign now; an approval with a signature as the contest's second correction
    // stands in for it, and it is logged.
    let (code, v) = approve(&org, stale, None);
    assert_eq!(
        (code, v["code"].as_str()),
        (422, Some("attestation_invalid")),
        "{v}"
    );
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("1 corrections before it"),
        "{v}"
    );
    let (code, v) = approve(&org, stale, Some(&json!({ "attested": signed(1, 7) })));
    assert_eq!(code, 201, "{v}");
    // Signed as the third, a new proposal is taken (and waits for another role's approval).
    let (code, v) = s.call(
        "POST",
        "/api/v1/contests/d/corrections",
        Some(&teller),
        Some(
            &json!({"eligible": 10, "present": 5, "ballots_issued": 5, "reason": REASON,
            "attested": signed(2, 5)}),
        ),
    );
    assert_eq!(code, 201, "{v}");
    let m = v["proposal"].as_u64().unwrap();
    s.ok(
        "POST",
        &format!("/api/v1/corrections/{m}/approve"),
        Some(&desk),
        None,
    );

    // The export verifies, and the report names the teller who signed each correction.
    let tar = dir.join("export.tar");
    s.export_tar(Some(&teller), &tar);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args(["verify", &tar.display().to_string(), "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        r["protocol"],
        scrutineer::rules::conduct::PROTOCOL_CURRENT,
        "{r}"
    );
    let corrections = r["corrections"].as_array().unwrap();
    assert_eq!(corrections.len(), 3, "{r}");
    for c in corrections {
        assert_eq!(c["attested_by"], "1 teller-wang", "{c}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// An election of an older protocol takes no teller's signature: `scrutineer teller attest`
/// says so instead of signing something its log would refuse (the upgrade review).
#[test]
fn teller_attest_refuses_an_election_of_an_older_protocol() {
    let dir = e2e_support::temp("attest-old");
    let key = dir.join("teller.key");
    std::fs::write(&key, plain_teller().to_text()).unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/v1/township-party-encrypted-p2");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args(["teller", "attest", "--key"])
        .arg(&key)
        .arg("--export")
        .arg(&fixture)
        .args([
            "--contest",
            "c",
            "--basis",
            "大会决定",
            "--allow-protocol",
            "2",
        ])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        said.contains("attestation_invalid") && said.contains("protocol 2"),
        "{said}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

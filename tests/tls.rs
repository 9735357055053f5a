//! TLS at the hall (deploy/tls): `scrutineer serve --tls-cert --tls-key` with a server
//! certificate signed by a hall CA serves HTTPS to a client that trusts that CA and to no
//! other; `scrutineer verify https://…/ --ca-cert hall-ca.crt` fetches and verifies the
//! export over it, and without `--ca-cert` it refuses the hall's certificate and says how to
//! go on. The certificates are made here with rcgen as deploy/tls/README.md makes them with
//! OpenSSL (a CA, and a server certificate naming the address).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e_support::{example, Cli, BIN};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, KeyUsagePurpose};
use serde_json::Value;

struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A hall CA and a server certificate for 127.0.0.1 and localhost, signed by it; writes
/// `hall-ca.crt`, `hall.crt`, `hall.key` and, for the negative case, `other-ca.crt`.
fn certificates(cli: &Cli) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "Scrutineer hall CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    let server_cert = server.signed_by(&server_key, &ca_cert, &ca_key).unwrap();
    std::fs::write(cli.path("hall-ca.crt"), ca_cert.pem()).unwrap();
    std::fs::write(cli.path("hall.crt"), server_cert.pem()).unwrap();
    std::fs::write(cli.path("hall.key"), server_key.serialize_pem()).unwrap();
    let other_key = KeyPair::generate().unwrap();
    let mut other = CertificateParams::new(Vec::<String>::new()).unwrap();
    other.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let other_cert = other.self_signed(&other_key).unwrap();
    std::fs::write(cli.path("other-ca.crt"), other_cert.pem()).unwrap();
}

/// A client that trusts only `pem`.
fn agent(pem: &[u8]) -> ureq::Agent {
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_pemfile::certs(&mut &pem[..]) {
        roots.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    ureq::AgentBuilder::new()
        .tls_config(Arc::new(config))
        .build()
}

#[test]
fn an_https_hall_serves_and_verifies_with_its_ca() {
    let cli = Cli::new("tls");
    certificates(&cli);
    std::fs::copy(
        example("npc-direct-constituency/spec.json"),
        cli.path("spec.json"),
    )
    .unwrap();
    cli.ok(&[
        "ledger",
        "init",
        "--spec",
        "spec.json",
        "--plaintext-reason",
        "a test of TLS",
        "--election-date",
        "2026-12-01",
    ]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = std::fs::File::create(cli.path("server.out")).unwrap();
    let _server = Serving(
        Command::new(BIN)
            .args([
                "serve",
                "--bind",
                &format!("127.0.0.1:{port}"),
                "--tls-cert",
                "hall.crt",
                "--tls-key",
                "hall.key",
            ])
            .current_dir(cli.path(""))
            .stdout(Stdio::from(out.try_clone().unwrap()))
            .stderr(Stdio::from(out))
            .spawn()
            .unwrap(),
    );
    let base = format!("https://127.0.0.1:{port}");
    let hall = agent(&std::fs::read(cli.path("hall-ca.crt")).unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    let health: Value = loop {
        match hall.get(&format!("{base}/healthz")).call() {
            Ok(r) => break r.into_json().unwrap(),
            Err(e) => {
                assert!(
                    Instant::now() < deadline,
                    "no HTTPS answer: {e}\n{}",
                    std::fs::read_to_string(cli.path("server.out")).unwrap_or_default()
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    };
    assert_eq!(health["status"], "ok");
    assert_eq!(health["election"], "hexi-county-npc-2026-d017");

    // A client that trusts another CA, or only the web's roots, is refused the connection.
    let other = agent(&std::fs::read(cli.path("other-ca.crt")).unwrap());
    assert!(matches!(
        other.get(&format!("{base}/healthz")).call(),
        Err(ureq::Error::Transport(_))
    ));
    assert!(matches!(
        ureq::get(&format!("{base}/healthz")).call(),
        Err(ureq::Error::Transport(_))
    ));
    // Plain HTTP on the TLS port gets no answer.
    assert!(ureq::get(&format!("http://127.0.0.1:{port}/healthz"))
        .call()
        .is_err());

    // The auditor verifies the hall over HTTPS with the hall CA's certificate.
    let o = cli.run(&[
        "verify",
        &format!("{base}/"),
        "--ca-cert",
        "hall-ca.crt",
        "--json",
    ]);
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(0), "{report}");
    assert_eq!(report["ok"], true);
    assert_eq!(report["election"], "hexi-county-npc-2026-d017");

    // Without it (or with another CA) the hall's certificate is refused, and the message
    // says what to add.
    for args in [vec![], vec!["--ca-cert", "other-ca.crt"]] {
        let url = format!("{base}/");
        let mut a = vec!["verify", url.as_str(), "--json"];
        a.extend(args);
        let o = cli.run(&a);
        assert_eq!(o.status.code(), Some(1));
        let report: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(report["failure"]["check"], "export", "{report}");
        let m = report["failure"]["message"].as_str().unwrap();
        assert!(m.contains("--ca-cert"), "{m}");
    }
    // A file that holds no certificate is named.
    let o = cli.run(&[
        "verify",
        &format!("{base}/"),
        "--ca-cert",
        "spec.json",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let m = report["failure"]["message"].as_str().unwrap();
    assert!(m.contains("spec.json") && m.contains("PEM"), "{m}");
}

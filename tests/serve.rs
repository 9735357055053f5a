//! `scrutineer serve` starts on the given address, answers, and refuses a bad configuration.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn serve_starts_and_answers_healthz() {
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("scrutineer-serve-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
            dir.join("data").to_str().unwrap(),
            "--keys-dir",
            dir.join("keys").to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut answer = String::new();
    while Instant::now() < deadline {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let _ = s.read_to_string(&mut answer);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"status\":\"ok\""), "{answer}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_refuses_a_bad_configuration() {
    let out = Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args(["serve", "--request-bytes-max", "10"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--request-bytes-max 10"));
}

/// The log lines `scrutineer serve` prints until it listens, with `args` after its data
/// and keys directories.
fn start_up_log(name: &str, bind: &str, args: &[&str]) -> String {
    use std::io::BufRead;
    let dir = std::env::temp_dir().join(format!("scrutineer-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args([
            "serve",
            "--bind",
            bind,
            "--data-dir",
            dir.join("data").to_str().unwrap(),
            "--keys-dir",
            dir.join("keys").to_str().unwrap(),
        ])
        .args(args)
        .env_remove("NO_COLOR")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut out = String::new();
    while !out.contains("listening") {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                out.push_str(&line);
                out.push('\n');
            }
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = reader.join();
    let _ = std::fs::remove_dir_all(&dir);
    out
}

/// Log lines carry no terminal colour codes when standard output is a pipe (journald, a file,
/// `docker logs`), even without NO_COLOR.
#[test]
fn logs_carry_no_colour_codes_through_a_pipe() {
    let out = start_up_log("serve-log", &format!("127.0.0.1:{}", free_port()), &[]);
    assert!(out.contains("INFO"), "no log line: {out}");
    assert!(
        !out.contains('\u{1b}'),
        "colour codes in a piped log: {out:?}"
    );
}

/// Plain HTTP on an address the hall's network reaches lets anyone there change what the
/// kiosks run: the start-up says so, even with a proxy named as trusted (the port stays
/// open). On the loopback address (the default, and behind a TLS proxy) it says nothing.
#[test]
fn plain_http_on_a_reachable_address_is_warned_of() {
    const WARNING: &str = "serving plain HTTP";
    let reachable = start_up_log("serve-plain", &format!("0.0.0.0:{}", free_port()), &[]);
    assert!(reachable.contains("listening"), "{reachable}");
    assert!(
        reachable.contains(WARNING) && reachable.contains("--tls-cert"),
        "{reachable}"
    );
    let local = start_up_log("serve-local", &format!("127.0.0.1:{}", free_port()), &[]);
    assert!(
        local.contains("listening") && !local.contains(WARNING),
        "{local}"
    );
    let proxied = start_up_log(
        "serve-proxied",
        &format!("0.0.0.0:{}", free_port()),
        &["--trusted-proxies", "127.0.0.1"],
    );
    assert!(
        proxied.contains("listening") && proxied.contains(WARNING),
        "{proxied}"
    );
    let line = reachable
        .split(WARNING)
        .nth(1)
        .unwrap()
        .lines()
        .next()
        .unwrap();
    assert!(
        !line.contains("  "),
        "the source's indentation in the warning: {line}"
    );
}

//! Key files under the keys directory. Private keys are created with mode 0600 and never
//! logged; public keys sit beside them.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{SigningKey, VerifyingKey};
use ring::rand::{SecureRandom, SystemRandom};

use super::LedgerError;
use crate::record::note::Signer;

pub const ELECTION_KEY_FILE: &str = "election.key";
pub const ELECTION_PUB_FILE: &str = "election.pub";
pub const LOG_KEY_FILE: &str = "log.key";
pub const LOG_PUB_FILE: &str = "log.pub";
/// The key files an election's registration makes (a refused or interrupted one is undone by
/// these names: `procedure::setup::create_election`, `server::state`).
pub const KEY_FILES: [&str; 4] = [
    ELECTION_KEY_FILE,
    ELECTION_PUB_FILE,
    LOG_KEY_FILE,
    LOG_PUB_FILE,
];

/// Writes a file that does not exist yet whole or not at all: beside it, synced, renamed into
/// place, the directory synced (a key file cut short by a crash was refused at every start).
fn create_whole(path: &Path, content: &str, secret: bool) -> Result<(), LedgerError> {
    if secret {
        return replace_secret(path, content);
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".new");
    let tmp = PathBuf::from(tmp);
    let mut f = fs::File::create(&tmp).map_err(|e| io(&tmp, e))?;
    f.write_all(content.as_bytes()).map_err(|e| io(&tmp, e))?;
    f.sync_all().map_err(|e| io(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| io(path, e))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

fn io(path: &Path, e: std::io::Error) -> LedgerError {
    LedgerError::Io {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}

/// Writes a secret file readable by its owner only. Refuses to overwrite.
pub fn write_secret(path: &Path, content: &str) -> Result<(), LedgerError> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| io(path, e))?;
    f.write_all(content.as_bytes()).map_err(|e| io(path, e))?;
    f.sync_all().map_err(|e| io(path, e))
}

/// Replaces a secret file (owner-only) atomically: written beside it, synced, renamed.
pub fn replace_secret(path: &Path, content: &str) -> Result<(), LedgerError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".new");
    let tmp = std::path::PathBuf::from(tmp);
    let _ = fs::remove_file(&tmp);
    write_secret(&tmp, content)?;
    fs::rename(&tmp, path).map_err(|e| io(path, e))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

pub fn random_seed() -> Result<[u8; 32], LedgerError> {
    let mut seed = [0u8; 32];
    SystemRandom::new()
        .fill(&mut seed)
        .map_err(|_| LedgerError::Random)?;
    Ok(seed)
}

/// The election key (signs tokens) and the log key (signs checkpoints).
pub struct Keys {
    pub election: SigningKey,
    pub log: Signer,
}

fn read(path: &Path) -> Result<String, LedgerError> {
    fs::read_to_string(path)
        .map_err(|e| io(path, e))
        .map(|s| s.trim().to_string())
}

/// Loads the keys, generating any that are missing.
pub fn load_or_create(dir: &Path, log_name: &str) -> Result<Keys, LedgerError> {
    fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let ek: PathBuf = dir.join(ELECTION_KEY_FILE);
    if !ek.exists() {
        let key = SigningKey::from_bytes(&random_seed()?);
        // The public half first: a crash between the two leaves no private key without it.
        create_whole(
            &dir.join(ELECTION_PUB_FILE),
            &(BASE64.encode(key.verifying_key().to_bytes()) + "\n"),
            false,
        )?;
        create_whole(&ek, &BASE64.encode(key.to_bytes()), true)?;
    }
    let seed: [u8; 32] = BASE64
        .decode(read(&ek)?)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| LedgerError::Key {
            path: ek.display().to_string(),
        })?;
    let election = SigningKey::from_bytes(&seed);

    let lk = dir.join(LOG_KEY_FILE);
    if !lk.exists() {
        let key = SigningKey::from_bytes(&random_seed()?);
        let signer = Signer::new(log_name, key).map_err(|_| LedgerError::Key {
            path: lk.display().to_string(),
        })?;
        let verifier = signer.verifier().map_err(|_| LedgerError::Key {
            path: lk.display().to_string(),
        })?;
        create_whole(&dir.join(LOG_PUB_FILE), &(verifier.to_text() + "\n"), false)?;
        create_whole(&lk, &signer.to_text(), true)?;
    }
    let log = Signer::parse(&read(&lk)?).map_err(|_| LedgerError::Key {
        path: lk.display().to_string(),
    })?;
    if log.name() != log_name {
        return Err(LedgerError::KeyName {
            found: log.name().to_string(),
            expected: log_name.to_string(),
        });
    }
    Ok(Keys { election, log })
}

pub fn election_key_text(key: &VerifyingKey) -> String {
    BASE64.encode(key.to_bytes())
}

pub fn parse_election_key(text: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = BASE64.decode(text.trim()).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

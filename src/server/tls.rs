//! TLS with rustls and the ring crypto provider.

use crate::codes::Code;
use std::path::Path;
use std::sync::Arc;

/// Why the TLS files cannot be used: the file and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("TLS {path}: {detail}")]
pub struct TlsError {
    pub path: String,
    pub detail: String,
}

impl TlsError {
    pub fn code(&self) -> Code {
        Code::Tls
    }
}

pub fn server_config(cert: &Path, key: &Path) -> Result<rustls::ServerConfig, TlsError> {
    let err = |p: &Path, detail: String| TlsError {
        path: p.display().to_string(),
        detail,
    };
    let read = |p: &Path| std::fs::read(p).map_err(|e| err(p, e.to_string()));
    let certs: Vec<_> = rustls_pemfile::certs(&mut read(cert)?.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|e| err(cert, e.to_string()))?;
    if certs.is_empty() {
        return Err(err(cert, "no certificate found".into()));
    }
    let key_der = rustls_pemfile::private_key(&mut read(key)?.as_slice())
        .map_err(|e| err(key, e.to_string()))?
        .ok_or_else(|| err(key, "no private key found".into()))?;
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| err(cert, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| err(cert, e.to_string()))
}

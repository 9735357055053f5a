//! The pages under `web/`, embedded in the binary at build time, and their SHA-256 hashes,
//! published at `/api/v1/assets` so anyone can check what a kiosk runs.

use actix_web::{web, HttpResponse};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

#[derive(RustEmbed)]
#[folder = "web/"]
struct Web;

/// The pages and where they are served.
pub const PAGES: &[(&str, &str)] = &[
    ("/", "index.html"),
    ("/kiosk", "kiosk.html"),
    ("/desk", "desk.html"),
    ("/organiser", "organiser.html"),
    ("/teller", "teller.html"),
    ("/verify", "verify.html"),
    ("/auditor", "auditor.html"),
];

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "png" => "image/png",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Serves one embedded file, or 404. The security headers (the Content-Security-Policy of
/// HTML pages among them) are added by `headers::security`, for every answer alike.
pub fn file(path: &str) -> HttpResponse {
    match Web::get(path) {
        Some(f) => HttpResponse::Ok()
            .content_type(content_type(path))
            .insert_header(("Cache-Control", "no-cache"))
            .body(f.data.into_owned()),
        None => super::ApiError::NotFound.into_response(),
    }
}

pub async fn asset(path: web::Path<String>) -> HttpResponse {
    file(&path.into_inner())
}

/// Every embedded file with its SHA-256, sorted by path.
pub fn hashes() -> Vec<(String, String, usize)> {
    let mut out: Vec<(String, String, usize)> = Web::iter()
        .filter_map(|p| {
            let f = Web::get(&p)?;
            let h: String = Sha256::digest(&f.data)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            Some((p.to_string(), h, f.data.len()))
        })
        .collect();
    out.sort();
    out
}

pub async fn asset_hashes() -> HttpResponse {
    let list: Vec<serde_json::Value> = hashes()
        .into_iter()
        .map(|(path, sha256, bytes)| serde_json::json!({"path": path, "sha256": sha256, "bytes": bytes}))
        .collect();
    HttpResponse::Ok().json(serde_json::json!({"assets": list}))
}

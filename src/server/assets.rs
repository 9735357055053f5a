//! The pages under `web/`, embedded in the binary at build time, and their SHA-256 hashes,
//! published at `/api/v1/assets` so anyone can check what a kiosk runs.

use actix_web::{web, HttpResponse};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

// The handlers of this area: routed and documented from this one list.
crate::server::openapi::area!(asset_hashes,);

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

/// `GET /favicon.ico`. The pages link `/assets/favicon.svg`; a browser asks for the
/// conventional path anyway for documents without a link (the results board, a slip sheet,
/// the API docs, a JSON answer), and gets the same SVG rather than a 404.
pub async fn favicon() -> HttpResponse {
    file("favicon.svg")
}

/// The address of one of the pages (`page` starts with `/`), for the console: `public_url`
/// when set, otherwise the bind address, where an unspecified address (`0.0.0.0`, `::`) is
/// shown as this machine's loopback (other machines use the hall machine's own address).
pub fn page_url(config: &super::Config, page: &str) -> String {
    if let Some(url) = &config.public_url {
        return format!("{url}{page}");
    }
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let mut at = config.bind;
    if at.ip().is_unspecified() {
        at.set_ip(match at.ip() {
            std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    format!("{scheme}://{at}{page}")
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

#[utoipa::path(
    get,
    path = "/api/v1/assets",
    tag = "public",
    summary = "网页文件及其 SHA-256 / Served page files and their SHA-256",
    description = "任何人都可核对投票机运行的是哪些文件。\n\nAnyone can check what a kiosk runs.",
    responses(
        (status = 200, description = "成功 / OK", body = Object),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn asset_hashes() -> HttpResponse {
    let list: Vec<serde_json::Value> = hashes()
        .into_iter()
        .map(|(path, sha256, bytes)| serde_json::json!({"path": path, "sha256": sha256, "bytes": bytes}))
        .collect();
    HttpResponse::Ok().json(serde_json::json!({"assets": list}))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn page_urls_name_an_address_a_browser_on_this_machine_reaches() {
        let mut c = crate::server::Config {
            bind: "127.0.0.1:8080".parse().unwrap(),
            ..Default::default()
        };
        assert_eq!(
            page_url(&c, "/organiser"),
            "http://127.0.0.1:8080/organiser"
        );
        c.bind = "0.0.0.0:8443".parse().unwrap();
        c.tls = Some(("hall.crt".into(), "hall.key".into()));
        assert_eq!(
            page_url(&c, "/organiser"),
            "https://127.0.0.1:8443/organiser"
        );
        c.bind = "[::]:8443".parse().unwrap();
        assert_eq!(page_url(&c, "/desk"), "https://[::1]:8443/desk");
        c.public_url = Some("https://hall.example/vote".into());
        assert_eq!(
            page_url(&c, "/organiser"),
            "https://hall.example/vote/organiser"
        );
    }

    #[test]
    fn the_favicon_is_embedded_as_svg() {
        assert!(Web::get("favicon.svg").is_some());
        assert_eq!(content_type("favicon.svg"), "image/svg+xml");
    }
}

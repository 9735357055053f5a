//! Security headers on every response: `X-Content-Type-Options: nosniff` and
//! `Referrer-Policy: no-referrer` on all of them, and on every HTML answer (the pages of
//! `web/`, the results board, slip sheets, `/api/docs`) one Content-Security-Policy.
//!
//! The policy allows only the service's own scripts, styles, images and fetches. No inline
//! script, no inline event handler and no `style` attribute runs. Three generated documents
//! carry their style sheet inline because they must stand alone once saved or printed (the
//! results board, the slip sheet, the API docs); the policy allows exactly those three style
//! elements by their SHA-256 (CSP level 2 hash sources), so a change to one of the style
//! sheets changes the policy with it. The slip sheet is also opened from the organiser page as
//! a `blob:` document, which inherits the organiser page's policy: that is why every HTML
//! answer has the same policy.

use std::sync::LazyLock;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The inline style sheets the policy allows: each is the whole content of the one style
/// element of a generated page.
pub fn inline_styles() -> [&'static str; 3] {
    [
        crate::present::board::CSS,
        crate::present::slips::SHEET_CSS,
        super::openapi::STYLE_CSS,
    ]
}

/// The Content-Security-Policy of every HTML answer.
pub fn content_security_policy() -> String {
    let hashes: Vec<String> = inline_styles()
        .iter()
        .map(|css| format!("'sha256-{}'", BASE64.encode(Sha256::digest(css.as_bytes()))))
        .collect();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' {}; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'",
        hashes.join(" ")
    )
}

static POLICY: LazyLock<HeaderValue> = LazyLock::new(|| {
    // The policy is ASCII (directives and base64); should that ever fail, nothing is allowed.
    HeaderValue::from_str(&content_security_policy())
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"))
});

/// Middleware: the headers above, on every response.
pub async fn security(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("text/html"));
    if html {
        headers.insert(header::CONTENT_SECURITY_POLICY, POLICY.clone());
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_no_inline_script_and_only_the_three_style_sheets() {
        let p = content_security_policy();
        assert!(p.contains("script-src 'self';"), "{p}");
        assert!(!p.contains("unsafe-inline"), "{p}");
        assert!(!p.contains("unsafe-eval"), "{p}");
        assert_eq!(p.matches("'sha256-").count(), 3, "{p}");
        for directive in [
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(p.contains(directive), "{directive}: {p}");
        }
        assert_eq!(POLICY.to_str().ok(), Some(p.as_str()));
    }
}

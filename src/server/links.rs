//! The service's own address in absolute links it prints (the results board's QR code).
//!
//! A link printed on paper and pinned on a wall outlives the request that made it, so it must
//! not come from whatever a client wrote in `Host` or `X-Forwarded-Host` (a forged header, or a
//! DNS name rebound to the service, would put an attacker's address under the signed result).
//! In order: the configured `public_url`; the `X-Forwarded-Host`/`X-Forwarded-Proto` a trusted
//! proxy sets; the bind address when it names one; otherwise no address at all (a relative
//! link), with a warning at start-up.

use std::net::IpAddr;

use actix_web::http::header::HeaderMap;

use super::Config;

/// The scheme and authority (and `public_url`'s path) links start with, without a trailing
/// slash; empty when links must stay relative.
pub fn public_base(config: &Config, peer: Option<IpAddr>, headers: &HeaderMap) -> String {
    if let Some(url) = &config.public_url {
        return url.clone();
    }
    let own_scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let trusted = peer.is_some_and(|p| config.trusted_proxies.contains(&p.to_canonical()));
    if trusted {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        if let Some(host) = header("x-forwarded-host").filter(|h| is_host(h)) {
            let scheme = match header("x-forwarded-proto") {
                Some("https") => "https",
                Some("http") => "http",
                _ => own_scheme,
            };
            return format!("{scheme}://{host}");
        }
    }
    if config.bind.ip().is_unspecified() {
        return String::new();
    }
    format!("{own_scheme}://{}", config.bind)
}

/// A host name or address with an optional port, and nothing else.
pub(super) fn is_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
}

/// A link shown on a kiosk's screen (the check QR code): [`public_base`], or, when that has
/// no address, the `Host` the paired kiosk itself used to reach the service — an address
/// a phone on the same network reaches too. Never printed on paper, and only for an
/// authenticated kiosk, so the kiosk's own header is as good as the kiosk.
pub fn kiosk_base(config: &Config, peer: Option<IpAddr>, headers: &HeaderMap) -> String {
    let base = public_base(config, peer, headers);
    if !base.is_empty() {
        return base;
    }
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|h| is_host(h))
        .map(|h| format!("{scheme}://{h}"))
        .unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        h
    }

    fn check(config: &Config, peer: &str, sent: &[(&'static str, &'static str)], expected: &str) {
        let peer: IpAddr = peer.parse().unwrap();
        assert_eq!(
            public_base(config, Some(peer), &headers(sent)),
            expected,
            "peer {peer}, headers {sent:?}"
        );
    }

    const FORGED: &[(&str, &str)] = &[
        ("host", "evil.example"),
        ("x-forwarded-host", "evil.example"),
        ("x-forwarded-proto", "https"),
    ];

    #[test]
    fn links_never_come_from_an_untrusted_client() {
        let config = Config {
            bind: "192.168.10.2:8443".parse().unwrap(),
            ..Config::default()
        };
        check(&config, "192.168.10.50", FORGED, "http://192.168.10.2:8443");
        let everywhere = Config {
            bind: "0.0.0.0:8443".parse().unwrap(),
            ..Config::default()
        };
        check(&everywhere, "192.168.10.50", FORGED, "");
    }

    /// The kiosk's check QR: the printed-link rules first; with no address at all, the Host
    /// the paired kiosk used, but only a well-formed one.
    #[test]
    fn a_kiosk_link_falls_back_to_the_kiosks_own_host() {
        let everywhere = Config {
            bind: "0.0.0.0:8443".parse().unwrap(),
            ..Config::default()
        };
        let peer: Option<IpAddr> = Some("192.168.10.50".parse().unwrap());
        assert_eq!(
            kiosk_base(
                &everywhere,
                peer,
                &headers(&[("host", "192.168.10.2:8443")])
            ),
            "http://192.168.10.2:8443"
        );
        assert_eq!(
            kiosk_base(&everywhere, peer, &headers(&[("host", "evil\"><script>")])),
            ""
        );
        assert_eq!(kiosk_base(&everywhere, peer, &headers(&[])), "");
        let bound = Config {
            bind: "192.168.10.2:8443".parse().unwrap(),
            ..Config::default()
        };
        assert_eq!(
            kiosk_base(&bound, peer, &headers(&[("host", "other.example")])),
            "http://192.168.10.2:8443"
        );
    }

    #[test]
    fn the_public_url_wins_over_everything() {
        let config = Config {
            public_url: Some("https://vote.example.gov.cn".into()),
            trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
            ..Config::default()
        };
        check(&config, "127.0.0.1", FORGED, "https://vote.example.gov.cn");
        check(&config, "192.0.2.9", &[], "https://vote.example.gov.cn");
    }

    #[test]
    fn a_trusted_proxy_names_the_host() {
        let config = Config {
            trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
            ..Config::default()
        };
        check(
            &config,
            "127.0.0.1",
            &[
                ("x-forwarded-host", "hall.local"),
                ("x-forwarded-proto", "https"),
            ],
            "https://hall.local",
        );
        check(
            &config,
            "::ffff:127.0.0.1",
            &[("x-forwarded-host", "hall.local:8443")],
            "http://hall.local:8443",
        );
        // A header that is not a host is ignored.
        check(
            &config,
            "127.0.0.1",
            &[("x-forwarded-host", "evil.example/\"><script>")],
            "http://127.0.0.1:8080",
        );
        // The same headers from another peer are ignored.
        check(&config, "127.0.0.2", FORGED, "http://127.0.0.1:8080");
    }
}

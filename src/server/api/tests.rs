#![allow(clippy::unwrap_used)]

use super::client_address;
use std::net::IpAddr;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn the_client_behind_trusted_proxies() {
    let proxy = ip("127.0.0.1");
    let trusted = [proxy, ip("10.0.0.9")];
    // Not a trusted peer: the header is whatever the client wrote, and is ignored.
    assert_eq!(
        client_address(ip("192.0.2.7"), &["198.51.100.1"], &trusted),
        ip("192.0.2.7")
    );
    assert_eq!(client_address(proxy, &["198.51.100.1"], &[]), proxy);
    // Through nginx: the right-most untrusted hop; a forged left part is skipped.
    assert_eq!(
        client_address(proxy, &["203.0.113.5, 198.51.100.1"], &trusted),
        ip("198.51.100.1")
    );
    assert_eq!(
        client_address(proxy, &["198.51.100.1", "10.0.0.9"], &trusted),
        ip("198.51.100.1")
    );
    // Garbage after the last good hop, or no header: the last trusted hop.
    assert_eq!(
        client_address(proxy, &["198.51.100.1, nonsense"], &trusted),
        proxy
    );
    assert_eq!(client_address(proxy, &[], &trusted), proxy);
    assert_eq!(client_address(proxy, &["::1"], &trusted), ip("::1"));
}

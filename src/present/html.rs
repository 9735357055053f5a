//! The one HTML escaper and the one QR-to-SVG writer of every page and sheet.

use crate::tokens::qr::QrMatrix;

/// Quiet zone around a QR code, in modules (the standard asks for four).
pub const QR_QUIET_ZONE_MODULES: usize = 4;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for ch in t.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// The escaper of askama's templates (`askama.toml`): [`escape`], so a templated page escapes
/// exactly as the hand-written parts do.
#[derive(Clone, Copy, Debug, Default)]
pub struct Html;

impl askama::filters::Escaper for Html {
    fn write_escaped_str<W: std::fmt::Write>(&self, mut dest: W, s: &str) -> std::fmt::Result {
        dest.write_str(&escape(s))
    }
}

/// Where a QR code is drawn; each keeps the attributes it has always had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QrSvg {
    /// Inline in the public board page.
    Board,
    /// Inline in a printed slip sheet (`class="qr"`).
    Slip,
    /// A standalone file for a voter's receipt (a slip's SVG with the SVG namespace).
    Receipt,
}

/// A QR code as SVG, drawn from the module matrix rather than with the qrcode crate's SVG
/// renderer, whose output starts with an XML declaration and names the SVG namespace URL,
/// neither of which belongs in inline HTML5 SVG: a white square with the quiet zone and one
/// path of dark runs (`M{x} {y}h{run}v1h-{run}z`), one unit per module. `None` for an empty
/// matrix.
pub fn qr_svg(code: &QrMatrix, layout: QrSvg) -> Option<String> {
    let width = code.width;
    if width == 0 {
        return None;
    }
    let size = width + 2 * QR_QUIET_ZONE_MODULES;
    let mut path = String::with_capacity(width * width * 4);
    for (y, row) in code.dark.chunks(width).enumerate() {
        let mut x = 0;
        while x < row.len() {
            if row.get(x) == Some(&true) {
                let start = x;
                while row.get(x) == Some(&true) {
                    x += 1;
                }
                // Without the formatting machinery: this loop dominated a slip's QR code.
                path.push('M');
                push_decimal(&mut path, start + QR_QUIET_ZONE_MODULES);
                path.push(' ');
                push_decimal(&mut path, y + QR_QUIET_ZONE_MODULES);
                path.push('h');
                push_decimal(&mut path, x - start);
                path.push_str("v1h-");
                push_decimal(&mut path, x - start);
                path.push('z');
            } else {
                x += 1;
            }
        }
    }
    let (open, path_element) = match layout {
        QrSvg::Board => ("<svg ", format!("<path d=\"{path}\" fill=\"#000\"/>")),
        QrSvg::Slip => (
            "<svg class=\"qr\" ",
            format!("<path fill=\"#000\" d=\"{path}\"/>"),
        ),
        QrSvg::Receipt => (
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" ",
            format!("<path fill=\"#000\" d=\"{path}\"/>"),
        ),
    };
    Some(format!(
        "{open}viewBox=\"0 0 {size} {size}\" role=\"img\" aria-label=\"QR\" \
         shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{size}\" \
         fill=\"#fff\"/>{path_element}</svg>"
    ))
}

/// Appends `n` in decimal, as `{n}` would format it.
fn push_decimal(out: &mut String, n: usize) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn escapes_the_five_characters() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn an_empty_matrix_draws_nothing() {
        let m = crate::tokens::qr::encode_auto(b"x", qrcode::EcLevel::M).unwrap();
        let empty = QrMatrix {
            width: 0,
            dark: vec![],
            ..m
        };
        assert!(qr_svg(&empty, QrSvg::Board).is_none());
    }

    #[test]
    fn push_decimal_formats_like_display() {
        for n in [0, 1, 9, 10, 11, 45, 99, 100, 185, 1000, 123_456, usize::MAX] {
            let mut out = String::from("x");
            push_decimal(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
    }
}

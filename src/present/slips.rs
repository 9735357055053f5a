//! The printed sheet of ballot-token slips and a voter's receipt QR code. `tokens` keeps the
//! data (the pool, the sheet's text, each token's QR module matrix); this draws them, with the
//! one escaper and QR-to-SVG writer of `present::html`. The sheet is an askama template,
//! `templates/slips.html`.

use askama::Template;
use qrcode::EcLevel;

use crate::present::html::{qr_svg, QrSvg};
use crate::record::token::Token;
use crate::tokens::pool::{
    check_sheet, token_qr_code, PoolError, SlipSheet, PAGE_SLIPS, SLIP_LINE_GROUPS,
};
use crate::tokens::qr;

/// One slip: its QR code (trusted SVG) and the typed form, [`SLIP_LINE_GROUPS`] groups a line.
struct Slip {
    qr: String,
    lines: Vec<String>,
}

/// The sheet (`templates/slips.html`).
#[derive(Template)]
#[template(path = "slips.html")]
struct Sheet<'a> {
    sheet: &'a SlipSheet,
    css: &'a str,
    pages: Vec<Vec<Slip>>,
}

/// Renders tokens as a standalone HTML5 document of cut-out slips: A4
/// portrait, 10 mm margins, 2 columns × 4 rows ([`PAGE_SLIPS`]) per page with
/// dashed cut lines and a page break after every 8 slips.
///
/// Each slip shows the election title, round, style and contests, the QR code
/// of [`Token::to_text`] (EcLevel M, inline SVG, version at most
/// [`crate::tokens::pool::QR_VERSION_MAX`]), the typed form ([`Token::to_display`],
/// 3 groups per line) and the instruction. The document loads nothing from elsewhere: no
/// fonts, scripts, images or links. All text is escaped.
///
/// Errors: those of [`check_sheet`], or a QR code that cannot be built or exceeds version 6.
pub fn slip_sheet_html(sheet: &SlipSheet, tokens: &[Token]) -> Result<String, PoolError> {
    check_sheet(sheet, tokens)?;
    let mut pages = Vec::with_capacity(tokens.len().div_ceil(PAGE_SLIPS));
    for page in tokens.chunks(PAGE_SLIPS) {
        let mut slips = Vec::with_capacity(page.len());
        for token in page {
            slips.push(Slip {
                qr: token_qr_svg(token)?,
                lines: code_lines(token),
            });
        }
        pages.push(slips);
    }
    let page = Sheet {
        sheet,
        css: SHEET_CSS,
        pages,
    };
    // Invariant: rendering into a String cannot fail (every value displays infallibly).
    let mut html = page.render().unwrap_or_default();
    // askama drops a template file's final newline; the sheet has always ended with one.
    html.push('\n');
    Ok(html)
}

/// The typed form, [`SLIP_LINE_GROUPS`] groups per line.
fn code_lines(token: &Token) -> Vec<String> {
    let display = token.to_display();
    let groups: Vec<&str> = display.split(' ').collect();
    groups
        .chunks(SLIP_LINE_GROUPS)
        .map(|line| line.join(" "))
        .collect()
}

/// The token's QR code as an inline SVG element.
fn token_qr_svg(token: &Token) -> Result<String, PoolError> {
    qr_svg(&token_qr_code(token)?, QrSvg::Slip).ok_or_else(|| PoolError::Qr {
        reason: "empty QR code".to_string(),
    })
}

/// The receipt code as a standalone SVG QR code (error correction M), for printing on the
/// voter's receipt. The modules are those of `QrCode::with_error_correction_level`, built
/// with the faster [`qr::encode_auto`].
pub fn receipt_qr_svg(code: &str) -> Option<String> {
    let matrix = qr::encode_auto(code.as_bytes(), EcLevel::M).ok()?;
    qr_svg(&matrix, QrSvg::Receipt)
}

/// Print layout. Lengths in mm so that the printed slips have a known size:
/// the A4 content box is 190 mm × 277 mm, a page grid 190 mm × 276 mm (1 mm
/// slack against rounding), a slip 95 mm × 69 mm. The page's only style element holds exactly
/// this text, whose hash the service's Content-Security-Policy allows.
pub const SHEET_CSS: &str = r#"@page { size: A4; margin: 10mm; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body {
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
    "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif;
  color: #000;
  background: #fff;
  -webkit-print-color-adjust: exact;
  print-color-adjust: exact;
}
.page {
  width: 190mm;
  height: 276mm;
  display: grid;
  grid-template-columns: 1fr 1fr;
  grid-template-rows: repeat(4, 1fr);
  overflow: hidden;
  break-after: page;
  page-break-after: always;
}
.page:last-child { break-after: auto; page-break-after: auto; }
.slip {
  display: flex;
  flex-direction: column;
  min-width: 0;
  min-height: 0;
  padding: 4mm 4mm 3mm 4mm;
  border-right: 0.3mm dashed #666;
  border-bottom: 0.3mm dashed #666;
  overflow: hidden;
  break-inside: avoid;
  page-break-inside: avoid;
}
/* Outer cut lines only where there is a slip. */
.slip:nth-child(odd) { border-left: 0.3mm dashed #666; }
.slip:nth-child(-n+2) { border-top: 0.3mm dashed #666; }
.head { line-height: 1.25; }
.election { font-size: 10.5pt; font-weight: 700; }
.meta { font-size: 8pt; margin-top: 0.5mm; }
.contests {
  font-size: 7pt;
  margin-top: 0.6mm;
  color: #222;
  max-height: 2.6em;
  overflow: hidden;
}
.sep { color: #666; }
.body {
  flex: 1;
  display: flex;
  align-items: center;
  gap: 2.5mm;
  margin: 1.5mm 0;
}
.qr { flex: none; width: 27mm; height: 27mm; }
.code {
  font-family: "DejaVu Sans Mono", "Noto Sans Mono", "Liberation Mono",
    Consolas, Menlo, monospace;
  font-size: 3.2mm;
  font-weight: 700;
  line-height: 1.45;
  font-variant-numeric: slashed-zero;
  white-space: nowrap;
}
.code .line { display: block; white-space: pre; }
.instruction { font-size: 7pt; line-height: 1.3; }
.instruction p { margin: 0; }
@media screen {
  body { background: #e6e6e6; }
  .screen-only { width: 190mm; margin: 8mm auto 0; font-size: 10pt; }
  .screen-only h1 { font-size: 14pt; margin: 0 0 2mm; }
  .page { margin: 6mm auto; background: #fff; box-shadow: 0 0 2mm #999; }
}
@media print {
  .screen-only { display: none; }
}
"#;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::record::token::SERIAL_BYTES;
    use crate::tokens::pool::generate_pool;
    use ed25519_dalek::SigningKey;
    use ring::rand::SystemRandom;

    const ELECTION: &str = "2026-council-general";

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[11u8; 32])
    }

    fn sheet() -> SlipSheet {
        SlipSheet {
            title: "第 2 轮选票码 · 样式 A".to_string(),
            election_title: "2026 年市议会选举 / 2026 City Council Election".to_string(),
            round: 2,
            style_name: "北区 A / North A".to_string(),
            contest_names: vec![
                "市议员 / Councillor".to_string(),
                "学校董事 / School trustee".to_string(),
            ],
            key_fingerprint: Some("9246-fad2-1970-21f8-1a24-f8ff-bee2-dbb2".to_string()),
        }
    }

    #[test]
    fn qr_svg_matches_modules() {
        let token = Token::sign(&key(), ELECTION, 2, 7, [5; SERIAL_BYTES]);
        let svg = token_qr_svg(&token).unwrap();
        let code = token_qr_code(&token).unwrap();
        let size = code.width + 2 * crate::present::html::QR_QUIET_ZONE_MODULES;
        assert!(svg.contains(&format!("viewBox=\"0 0 {size} {size}\"")));
        // Summing run lengths gives the number of dark modules.
        let d = svg
            .split(" d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let dark: usize = d
            .split('M')
            .skip(1)
            .map(|run| {
                let h = run.split('h').nth(1).unwrap();
                h.split('v').next().unwrap().parse::<usize>().unwrap()
            })
            .sum();
        let expected = code.dark.iter().filter(|d| **d).count();
        assert_eq!(dark, expected);
    }

    fn strip_between(text: &str, start: &str, end: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find(start) {
            out.push_str(&rest[..i]);
            let after = &rest[i..];
            let j = after.find(end).unwrap() + end.len();
            rest = &after[j..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn slip_sheet_layout_and_content() {
        let rng = SystemRandom::new();
        let tokens = generate_pool(&key(), ELECTION, 2, 7, 19, &rng).unwrap();
        let html = slip_sheet_html(&sheet(), &tokens).unwrap();

        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
        assert!(html.contains("<meta charset=\"utf-8\">"));
        assert!(html.contains("@page { size: A4; margin: 10mm; }"));
        assert!(html.contains("break-after: page"));
        assert!(html.contains("break-inside: avoid"));
        assert!(html.contains("dashed"));
        assert_eq!(html.matches("<svg").count(), 19);
        assert_eq!(html.matches("</svg>").count(), 19);
        assert_eq!(html.matches("<section class=\"page\">").count(), 3);
        assert_eq!(html.matches("<article class=\"slip\">").count(), 19);
        // Pages hold 8, 8 and 3 slips.
        let per_page: Vec<usize> = html
            .split("<section class=\"page\">")
            .skip(1)
            .map(|p| p.matches("<article class=\"slip\">").count())
            .collect();
        assert_eq!(per_page, vec![8, 8, 3]);

        // One style element, exactly the sheet whose hash the service's
        // Content-Security-Policy allows, and no style attribute.
        assert_eq!(html.matches("<style").count(), 1);
        assert!(html.contains(&format!("<style>{SHEET_CSS}</style>")));
        assert!(!html.contains(" style="));

        // Nothing from elsewhere.
        assert!(!html.contains("http"));
        for forbidden in [
            "<script",
            "<link",
            "<img",
            "src=",
            "url(",
            "@import",
            "@font-face",
        ] {
            assert!(!html.contains(forbidden), "{forbidden}");
        }

        for token in &tokens {
            let display = token.to_display();
            let groups: Vec<&str> = display.split(' ').collect();
            let first_line = groups[..3].join(" ");
            assert!(html.contains(&format!("<span class=\"line\">{first_line}</span>")));
            assert!(html.contains(&format!(
                "<span class=\"line\">{}</span>",
                groups[15..].join(" ")
            )));
        }
        assert!(html.contains("请在投票机上扫描或输入此码。每张选票码只能使用一次。"));
        assert!(html.contains("Scan or type this code at a kiosk. Each code works once."));
        assert!(html.contains("第 2 轮"));
        assert!(html.contains("市议员 / Councillor"));

        // Slips are identical apart from their QR code and typed code: no
        // serial number, counter or other identifying mark.
        let slips: Vec<String> = html
            .split("<article class=\"slip\">")
            .skip(1)
            .map(|s| s.split("</article>").next().unwrap())
            .map(|s| strip_between(s, "<svg", "</svg>"))
            .map(|s| strip_between(&s, "<div class=\"code\">", "</div>"))
            .collect();
        assert_eq!(slips.len(), 19);
        assert!(slips.iter().all(|s| *s == slips[0]));
        for token in &tokens {
            let hex: String = token.serial().iter().map(|b| format!("{b:02x}")).collect();
            assert!(!html.to_lowercase().contains(&hex));
        }

        // Every QR code's content parses back to its token: check via the
        // typed form printed next to it (same to_text source).
        assert!(slip_sheet_html(&sheet(), &[]).is_ok());
    }

    #[test]
    fn slip_sheet_escapes_text() {
        let tokens = vec![Token::sign(&key(), ELECTION, 2, 7, [3; SERIAL_BYTES])];
        let evil = SlipSheet {
            title: "</title><script>alert(1)</script>".to_string(),
            election_title: "A & B <b>\"x\" 'y'".to_string(),
            round: 2,
            style_name: "<img src=x onerror=alert(1)>".to_string(),
            contest_names: vec!["</div><style>".to_string()],
            key_fingerprint: Some("<script>x</script>".to_string()),
        };
        let html = slip_sheet_html(&evil, &tokens).unwrap();
        assert!(!html.contains("<script"));
        assert!(!html.contains("<img"));
        assert!(!html.contains("<b>"));
        assert!(!html.contains("</div><style>"));
        assert!(html.contains("A &amp; B &lt;b&gt;&quot;x&quot; &#39;y&#39;"));
        assert!(html.contains("&lt;/title&gt;&lt;script&gt;"));
    }

    #[test]
    fn slip_sheet_refuses_inconsistent_tokens() {
        let signing = key();
        let round2 = Token::sign(&signing, ELECTION, 2, 7, [1; SERIAL_BYTES]);
        let round3 = Token::sign(&signing, ELECTION, 3, 7, [2; SERIAL_BYTES]);
        let style8 = Token::sign(&signing, ELECTION, 2, 8, [3; SERIAL_BYTES]);
        let other = (0..)
            .map(|i| format!("other-{i}"))
            .find(|id| crate::record::token::election_tag(id) != round2.election_tag())
            .unwrap();
        let foreign = Token::sign(&signing, &other, 2, 7, [4; SERIAL_BYTES]);

        let err = slip_sheet_html(&sheet(), &[round2.clone(), round3]).unwrap_err();
        assert_eq!(
            err,
            PoolError::SheetWrongRound {
                index: 1,
                found: 3,
                expected: 2
            }
        );
        assert_eq!(err.code(), "sheet_wrong_round");
        let err = slip_sheet_html(&sheet(), &[round2.clone(), style8]).unwrap_err();
        assert_eq!(err, PoolError::SheetMixedTokens { index: 1 });
        let err = slip_sheet_html(&sheet(), &[round2.clone(), foreign]).unwrap_err();
        assert_eq!(err.code(), "sheet_mixed_tokens");

        let many = vec![round2; crate::tokens::pool::SHEET_TOKENS_MAX + 1];
        assert_eq!(
            slip_sheet_html(&sheet(), &many).unwrap_err().code(),
            "sheet_too_many"
        );
    }

    /// The SVG is byte for byte what the old writers drew from the qrcode crate's `QrCode`.
    #[test]
    fn svg_output_is_unchanged() {
        use qrcode::{Color, QrCode};
        fn old_code_svg(code: &QrCode) -> String {
            let q = crate::present::html::QR_QUIET_ZONE_MODULES;
            let width = code.width();
            let colors = code.to_colors();
            let size = width + 2 * q;
            let mut path = String::new();
            for (y, row) in colors.chunks(width.max(1)).enumerate() {
                let mut x = 0;
                while x < row.len() {
                    if row[x] == Color::Dark {
                        let start = x;
                        while row.get(x) == Some(&Color::Dark) {
                            x += 1;
                        }
                        path.push_str(&format!(
                            "M{} {}h{}v1h-{}z",
                            start + q,
                            y + q,
                            x - start,
                            x - start
                        ));
                    } else {
                        x += 1;
                    }
                }
            }
            format!(
                "<svg class=\"qr\" viewBox=\"0 0 {size} {size}\" role=\"img\" aria-label=\"QR\" \
                 shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>\
                 <path fill=\"#000\" d=\"{path}\"/></svg>"
            )
        }
        for i in 0u8..20 {
            let token = Token::sign(&key(), ELECTION, 2, 7, [i; SERIAL_BYTES]);
            let text = token.to_text();
            let crate_code =
                QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).unwrap();
            let ours = qr::encode_auto(text.as_bytes(), EcLevel::M).unwrap();
            assert_eq!(
                qr_svg(&ours, QrSvg::Slip).unwrap(),
                old_code_svg(&crate_code)
            );
            let receipt = crate::tokens::receipt_code(u64::from(i) * 7919, &[i; 32]);
            let code = QrCode::with_error_correction_level(receipt.as_bytes(), EcLevel::M).unwrap();
            let old = old_code_svg(&code).replacen(
                "<svg ",
                "<svg xmlns=\"http://www.w3.org/2000/svg\" ",
                1,
            );
            assert_eq!(receipt_qr_svg(&receipt).unwrap(), old);
        }
    }
}

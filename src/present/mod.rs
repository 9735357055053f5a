//! Presentation: every public page and file made from a result, in one place. The result is
//! read as a typed [`crate::record::ResultV1`]; a document that is not one is refused with a
//! stable code rather than shown with blanks.
//!
//! * `labels.rs`: the one label table (Chinese and English) of statuses, kinds, grades,
//!   void reasons and run-off reasons.
//! * `html.rs`: the one HTML escaper and the one QR-to-SVG writer.
//! * `office/`: the office CSV and XLSX.
//! * `board/`: the printable results board (askama templates under `templates/board/`).
//! * `slips.rs`: the printed slip sheet and a voter's receipt QR code.
//! * `table.rs`: the CLI table of `scrutineer tally`, from the result and the spec.

pub mod board;
pub mod html;
pub mod labels;
pub mod office;
pub mod slips;
pub mod table;

//! Exports: the size an export may show, its files (log segments, checkpoints, side files),
//! written to a directory or a tar stream.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::ops::io;
use super::*;
use crate::record::entry::ElectionRegistered;

impl Ledger {
    /// The size an export may show: the latest checkpoint, cut before the first result that
    /// is not published (unpublished results are in no export). `all` keeps them (the
    /// operator's own full copy).
    pub fn export_size(&self, all: bool) -> Result<u64, LedgerError> {
        self.read(|s| {
            let size = s.checkpoint.as_ref().map(|c| c.0).unwrap_or(0);
            if all {
                return size;
            }
            s.state
                .results
                .iter()
                .map(|(i, _)| *i)
                .find(|i| *i < size && !s.state.is_published(*i))
                .unwrap_or(size)
        })
    }

    /// The files of an export cut at `size`: segments, every checkpoint up to it, the public
    /// keys, the registered spec and the results. Nothing secret.
    pub fn export_files(&self, size: u64) -> Result<Vec<ExportFile>, LedgerError> {
        let (spec, results, election_pub, log_pub, tree_size, end) =
            self.read(|s| -> Result<_, LedgerError> {
                let info = s.state.info()?;
                Ok((
                    info.spec.clone(),
                    s.state.results.clone(),
                    keys::election_key_text(&info.election_key),
                    info.log_key.to_text(),
                    s.tree.size(),
                    s.end,
                ))
            })??;
        let registered = self
            .entry(0)?
            .body_as::<ElectionRegistered>()
            .map_err(|e| LedgerError::Damaged {
                path: self.log_dir().display().to_string(),
                detail: e.to_string(),
            })?;
        let _ = spec;
        let mut files = Vec::new();
        // Segments up to `size`: whole files before it, the one holding entry `size` cut at
        // that entry's offset (its location in the index). At the log's end, the last
        // segment is cut where entry `size - 1`'s frame ends, never at the file's length:
        // the sequencer may be writing a batch there that is not yet durable nor applied (a
        // torn frame, or an unpublished result, in an export otherwise).
        let cut = if size < tree_size {
            Some(self.location(size)?)
        } else {
            end
        };
        for (first, path) in store::segment_files(self.log_dir())? {
            if first >= size {
                break;
            }
            let len = match cut {
                Some((seg, off)) if seg == first => off,
                _ => fs::metadata(&path).map_err(|e| io(&path, e))?.len(),
            };
            files.push(ExportFile {
                name: format!("log/{}", crate::record::segment::segment_name(first)),
                source: Source::File { path, len },
            });
        }
        for (n, note) in self.checkpoints()? {
            if n > size {
                continue;
            }
            files.push(ExportFile::bytes(
                format!("checkpoints/{n:020}.note"),
                note.into_bytes(),
            ));
        }
        files.push(ExportFile::bytes(
            "keys/election.pub".into(),
            (election_pub + "\n").into_bytes(),
        ));
        files.push(ExportFile::bytes(
            "keys/log.pub".into(),
            (log_pub + "\n").into_bytes(),
        ));
        files.push(ExportFile::bytes(
            "election.json".into(),
            serde_json::to_string_pretty(&registered.spec)
                .unwrap_or_default()
                .into_bytes(),
        ));
        for (i, r) in &results {
            if *i < size {
                files.push(ExportFile::bytes(
                    format!("results/{i:020}.json"),
                    serde_json::to_string_pretty(&r.result)
                        .unwrap_or_default()
                        .into_bytes(),
                ));
            }
        }
        // A log of an older conduct protocol is verified only when its protocol is named
        // (`verify::check_protocol`): the command says so.
        let allow = if registered.protocol < crate::rules::conduct::PROTOCOL_CURRENT {
            format!(
                " --allow-protocol {} (this election follows conduct protocol {}, older than the current {})",
                registered.protocol,
                registered.protocol,
                crate::rules::conduct::PROTOCOL_CURRENT
            )
        } else {
            String::new()
        };
        files.push(ExportFile::bytes(
            "README.txt".into(),
            format!("Scrutineer export: log/ segments (docs/LOG_FORMAT.md), checkpoints/ signed notes, keys/ public keys, election.json (the registered spec), results/ (each equal to its result entry).\nVerify with: scrutineer verify THIS_DIRECTORY{allow}\n").into_bytes(),
        ));
        Ok(files)
    }

    /// Writes an export directory (see [`Ledger::export_files`]); returns the entries it holds.
    pub fn export(&self, out: &Path, all: bool) -> Result<u64, LedgerError> {
        let size = self.export_size(all)?;
        for f in self.export_files(size)? {
            let dest = out.join(&f.name);
            if let Some(parent) = dest.parent() {
                fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
            }
            let mut w = fs::File::create(&dest).map_err(|e| io(&dest, e))?;
            f.copy_to(&mut w).map_err(|e| io(&dest, e))?;
        }
        Ok(size)
    }

    /// Streams an export as a tar archive (directory `scrutineer-export/`) into `w`, reading
    /// the segments from the log as it goes: no copy of the log is made on any disk.
    pub fn export_tar(&self, w: &mut dyn Write, size: u64) -> Result<(), LedgerError> {
        let files = self.export_files(size)?;
        let mut tar = tar::Builder::new(w);
        let err = |e: std::io::Error| LedgerError::Io {
            path: "export".into(),
            detail: e.to_string(),
        };
        for f in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(f.len());
            header.set_mode(0o644);
            header.set_mtime(0);
            header.set_cksum();
            let name = format!("scrutineer-export/{}", f.name);
            match &f.source {
                Source::Bytes(b) => tar.append_data(&mut header, &name, b.as_slice()),
                Source::File { path, len } => {
                    let file = fs::File::open(path).map_err(|e| io(path, e))?;
                    tar.append_data(&mut header, &name, file.take(*len))
                }
            }
            .map_err(err)?;
        }
        tar.into_inner().map_err(err)?.flush().map_err(err)
    }
}

/// One file of an export.
pub struct ExportFile {
    /// The path inside the export directory, with `/`.
    pub name: String,
    pub source: Source,
}

pub enum Source {
    Bytes(Vec<u8>),
    /// The first `len` bytes of a file.
    File {
        path: PathBuf,
        len: u64,
    },
}

impl ExportFile {
    fn bytes(name: String, bytes: Vec<u8>) -> ExportFile {
        ExportFile {
            name,
            source: Source::Bytes(bytes),
        }
    }

    pub fn len(&self) -> u64 {
        match &self.source {
            Source::Bytes(b) => b.len() as u64,
            Source::File { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn copy_to(&self, w: &mut dyn Write) -> std::io::Result<()> {
        match &self.source {
            Source::Bytes(b) => w.write_all(b),
            Source::File { path, len } => {
                let f = fs::File::open(path)?;
                let copied = std::io::copy(&mut f.take(*len), w)?;
                if copied != *len {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "a segment ended early",
                    ));
                }
                Ok(())
            }
        }
    }
}

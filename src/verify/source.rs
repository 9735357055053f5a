//! Where an export's files are read from: a directory as `scrutineer ledger export` writes
//! it, or the tar archive `GET /api/v1/export` streams, read into memory. A county's archive
//! holds some 25,000 checkpoint files: unpacking it to disk only to read it back cost a
//! teller's run (and `verify`) seconds of creating and deleting files, every run.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Component, Path};
use std::sync::{Mutex, MutexGuard};

/// An export's files, by their path relative to the export's top (`log/…`, `checkpoints/…`).
#[derive(Clone, Copy)]
pub enum Source<'a> {
    Dir(&'a Path),
    Archive(&'a Archive),
}

impl<'a> From<&'a Path> for Source<'a> {
    fn from(p: &'a Path) -> Self {
        Source::Dir(p)
    }
}

impl<'a> From<&'a std::path::PathBuf> for Source<'a> {
    fn from(p: &'a std::path::PathBuf) -> Self {
        Source::Dir(p)
    }
}

impl<'a> From<&'a Archive> for Source<'a> {
    fn from(a: &'a Archive) -> Self {
        Source::Archive(a)
    }
}

/// The most read ahead for one file of an archive, whatever its header says.
const RESERVE_MAX: usize = 1 << 20;

/// The most bytes of files an archive may hold, read into memory (a whole county's export is
/// about 1.1 GB): `SCRUTINEER_EXPORT_BYTES_MAX` sets another, in bytes. More is refused
/// before it exhausts the auditor's or the teller's memory.
pub const EXPORT_BYTES_MAX_DEFAULT: u64 = 8 << 30;

/// The most entries an archive may hold (a county's export has about 25,000).
pub const EXPORT_ENTRIES_MAX: usize = 2_000_000;

/// [`EXPORT_BYTES_MAX_DEFAULT`], or the environment's `SCRUTINEER_EXPORT_BYTES_MAX`.
/// A value that is not a number of bytes is said on standard error (once) and the default
/// kept.
pub fn export_bytes_max() -> u64 {
    match std::env::var("SCRUTINEER_EXPORT_BYTES_MAX") {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| {
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                eprintln!(
                    "注意 note: SCRUTINEER_EXPORT_BYTES_MAX={v:?} 不是字节数, 用默认 {EXPORT_BYTES_MAX_DEFAULT} / is not a number of bytes; the default {EXPORT_BYTES_MAX_DEFAULT} is used"
                )
            });
            EXPORT_BYTES_MAX_DEFAULT
        }),
        Err(_) => EXPORT_BYTES_MAX_DEFAULT,
    }
}

fn too_large(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

/// A file of an export directory: a regular file (not a link, which could point at
/// `/dev/zero`, nor a pipe, which would never end) of at most the archive cap
/// ([`export_bytes_max`]), read no further than that whatever it grows to.
fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let meta = std::fs::symlink_metadata(path)?;
    let max = export_bytes_max();
    if !meta.file_type().is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{} 不是普通文件 (链接、管道或设备) / is not a regular file (a link, a pipe or a device)",
                path.display()
            ),
        ));
    }
    if meta.len() > max {
        return Err(too_large(format!(
            "{} 超过 {max} 字节 (SCRUTINEER_EXPORT_BYTES_MAX) / exceeds {max} bytes (SCRUTINEER_EXPORT_BYTES_MAX)",
            path.display()
        )));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).min(RESERVE_MAX));
    std::fs::File::open(path)?
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_large(format!(
            "{} 超过 {max} 字节 / exceeds {max} bytes",
            path.display()
        )));
    }
    Ok(bytes)
}

/// A reader that fails, instead of reading on, past `left` bytes.
struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(too_large(
                "导出包超过大小上限 (SCRUTINEER_EXPORT_BYTES_MAX) / the archive exceeds its size cap (SCRUTINEER_EXPORT_BYTES_MAX)".into(),
            ));
        }
        let max = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = self.inner.read(buf.get_mut(..max).unwrap_or_default())?;
        self.left = self.left.saturating_sub(n as u64);
        Ok(n)
    }
}

/// A tar archive's regular files, in memory, by relative path ('/'-separated); the one top
/// directory of the service's archive (`scrutineer-export/`) taken off.
pub struct Archive {
    name: String,
    /// Behind a lock so the log's segments can be taken out as they are decoded
    /// ([`Source::take`]): a county's are a gigabyte, and the decoded entries as much again.
    files: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl Archive {
    /// Reads a tar archive. Paths that are absolute or climb out (`..`) are refused, as
    /// unpacking refuses them; entries other than regular files (directories, links) are
    /// not read.
    pub fn read(name: &str, r: impl Read) -> io::Result<Archive> {
        Archive::read_limited(name, r, export_bytes_max(), EXPORT_ENTRIES_MAX)
    }

    /// [`Archive::read`] with its caps: at most `bytes_max` bytes of files and `entries_max`
    /// entries.
    fn read_limited(
        name: &str,
        r: impl Read,
        bytes_max: u64,
        entries_max: usize,
    ) -> io::Result<Archive> {
        let mut files = BTreeMap::new();
        // Every entry's path, whatever its type: a file and then a link of the same path is a
        // path twice as well (`tar -x` keeps the last).
        let mut seen = std::collections::HashSet::new();
        let mut total: u64 = 0;
        // The reader itself is capped too: the tar crate reads a long name's or an extension's
        // header whole, before an entry is seen here. Twice the files' cap leaves room for
        // every header an honest archive has.
        let mut archive = tar::Archive::new(Capped {
            inner: r,
            left: bytes_max.saturating_mul(2).saturating_add(1 << 20),
        });
        for entry in archive.entries()? {
            let mut entry = entry?;
            if seen.len() >= entries_max {
                return Err(too_large(format!(
                    "包内条目超过 {entries_max} 个 / the archive holds more than {entries_max} entries"
                )));
            }
            let path = entry.path()?.into_owned();
            let mut parts = Vec::new();
            for c in path.components() {
                match c {
                    Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
                    Component::CurDir => {}
                    _ => {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("{} leaves the archive", path.display()),
                        ))
                    }
                }
            }
            if parts.is_empty() {
                continue;
            }
            let rel = parts.join("/");
            if !seen.insert(rel.clone()) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("包内 {rel} 出现两次 / {rel} is in the archive twice"),
                ));
            }
            if !entry.header().entry_type().is_file() {
                continue;
            }
            // The header's size is the archive's word, not a promise: reserve at most 1 MiB
            // ahead and let the read grow (a forged size must not ask for terabytes).
            let reserve = usize::try_from(entry.size()).map_or(0, |n| n.min(RESERVE_MAX));
            let mut bytes = Vec::with_capacity(reserve);
            // Read no further than the cap allows, whatever the header says.
            let left = bytes_max.saturating_sub(total);
            (&mut entry)
                .take(left.saturating_add(1))
                .read_to_end(&mut bytes)?;
            total = total.saturating_add(bytes.len() as u64);
            if total > bytes_max {
                return Err(too_large(format!(
                    "包内文件超过 {bytes_max} 字节 (SCRUTINEER_EXPORT_BYTES_MAX) / the archive's files exceed {bytes_max} bytes (SCRUTINEER_EXPORT_BYTES_MAX)"
                )));
            }
            // Two copies of one path were refused above: `tar -x` keeps the last, a listing
            // shows both, and an auditor who looked at the first would have checked another
            // file than this one.
            files.insert(rel, bytes);
        }
        // Two exports in one archive (a `log/` at the top and another under a directory):
        // which one was meant is not the verifier's guess to make.
        let roots: std::collections::BTreeSet<&str> = files
            .keys()
            .filter_map(|k| match k.split('/').collect::<Vec<_>>()[..] {
                ["log", _, ..] => Some(""),
                [top, "log", _, ..] => Some(top),
                _ => None,
            })
            .collect();
        if roots.len() > 1 {
            let shown: Vec<String> = roots
                .iter()
                .map(|r| match *r {
                    "" => "log/".to_string(),
                    top => format!("{top}/log/"),
                })
                .collect();
            let shown = shown.join(", ");
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("包内有多个日志 ({shown}) / the archive holds more than one log ({shown})"),
            ));
        }
        // The service's archive holds one top directory: its contents are the export.
        let tops: std::collections::BTreeSet<&str> = files
            .keys()
            .map(|k| k.split('/').next().unwrap_or(""))
            .collect();
        if tops.len() == 1 && files.keys().all(|k| k.contains('/')) && !tops.contains("log") {
            files = files
                .into_iter()
                .map(|(k, v)| {
                    (
                        k.split_once('/').map_or(k.clone(), |(_, r)| r.to_string()),
                        v,
                    )
                })
                .collect();
        }
        Ok(Archive {
            name: name.to_string(),
            files: Mutex::new(files),
        })
    }

    fn files(&self) -> MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        self.files.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn not_found() -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, "not in the archive")
}

impl Source<'_> {
    /// A file's bytes.
    pub fn read(&self, rel: &str) -> io::Result<Vec<u8>> {
        match self {
            Source::Dir(d) => read_regular(&d.join(rel)),
            Source::Archive(a) => a.files().get(rel).cloned().ok_or_else(not_found),
        }
    }

    /// A file's bytes, read once: an archive gives them up (a directory's file stays).
    pub fn take(&self, rel: &str) -> io::Result<Vec<u8>> {
        match self {
            Source::Dir(d) => read_regular(&d.join(rel)),
            Source::Archive(a) => a.files().remove(rel).ok_or_else(not_found),
        }
    }

    /// Whether a file (or, in a directory, a directory) is there.
    pub fn exists(&self, rel: &str) -> bool {
        match self {
            Source::Dir(d) => d.join(rel).exists(),
            Source::Archive(a) => {
                let files = a.files();
                files.contains_key(rel) || files.keys().any(|k| under(k, rel).is_some())
            }
        }
    }

    /// The names in a directory of the export ("" for its top), sorted: files and
    /// directories alike.
    pub fn list(&self, rel: &str) -> io::Result<Vec<String>> {
        let mut names: Vec<String> = match self {
            Source::Dir(d) => std::fs::read_dir(d.join(rel))?
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Source::Archive(a) => {
                let names: std::collections::BTreeSet<String> = a
                    .files()
                    .keys()
                    .filter_map(|k| under(k, rel))
                    .map(|r| r.split('/').next().unwrap_or(r).to_string())
                    .collect();
                if names.is_empty() && !rel.is_empty() {
                    return Err(not_found());
                }
                names.into_iter().collect()
            }
        };
        names.sort();
        Ok(names)
    }

    /// A file's name for messages.
    pub fn show(&self, rel: &str) -> String {
        match self {
            Source::Dir(d) => d.join(rel).display().to_string(),
            Source::Archive(a) => format!("{}:{rel}", a.name),
        }
    }
}

/// `key` relative to directory `dir` ("" is the top), if it lies in it.
fn under<'k>(key: &'k str, dir: &str) -> Option<&'k str> {
    if dir.is_empty() {
        return Some(key);
    }
    key.strip_prefix(dir)?.strip_prefix('/')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, bytes) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, path, *bytes).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn a_directory_export_reads_regular_files_only() {
        let dir = std::env::temp_dir().join(format!("scrutineer-source-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("log")).unwrap();
        std::fs::write(dir.join("log/0.seg"), b"seg").unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.join("log/1.seg")).unwrap();
        let s = Source::Dir(&dir);
        assert_eq!(s.read("log/0.seg").unwrap(), b"seg");
        let e = s.take("log/1.seg").unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_archive_over_its_caps_is_refused_not_read_whole() {
        let big = vec![7u8; 300];
        let t = tar_of(&[("log/0.seg", &big), ("log/1.seg", &big)]);
        // 600 bytes of files: within a cap of 600, not of 599.
        assert!(Archive::read_limited("x.tar", t.as_slice(), 600, 10).is_ok());
        let e = Archive::read_limited("x.tar", t.as_slice(), 599, 10)
            .err()
            .unwrap();
        assert!(e.to_string().contains("599"), "{e}");
        // Refused as soon as the running total passes the cap.
        let e = Archive::read_limited("x.tar", t.as_slice(), 100, 10)
            .err()
            .unwrap();
        assert!(e.to_string().contains("SCRUTINEER_EXPORT_BYTES_MAX"), "{e}");
        let e = Archive::read_limited("x.tar", t.as_slice(), 1 << 20, 1)
            .err()
            .unwrap();
        assert!(e.to_string().contains("entries"), "{e}");
        // The reader is capped as well, whatever the entries' headers hold.
        let mut r = Capped {
            inner: t.as_slice(),
            left: 10,
        };
        let mut out = Vec::new();
        let e = r.read_to_end(&mut out).unwrap_err();
        assert!(e.to_string().contains("cap"), "{e}");
        assert_eq!(out.len(), 10);
    }

    #[test]
    fn the_services_top_directory_is_taken_off() {
        let t = tar_of(&[
            ("scrutineer-export/log/0.seg", b"seg"),
            ("scrutineer-export/checkpoints/1.note", b"cp"),
            ("scrutineer-export/election.json", b"{}"),
        ]);
        let a = Archive::read("x.tar", t.as_slice()).unwrap();
        let s = Source::from(&a);
        assert_eq!(s.read("log/0.seg").unwrap(), b"seg");
        assert_eq!(s.list("").unwrap(), ["checkpoints", "election.json", "log"]);
        assert_eq!(s.list("checkpoints").unwrap(), ["1.note"]);
        assert!(s.exists("log") && s.exists("election.json") && !s.exists("results"));
        assert!(s.list("results").is_err());
        assert_eq!(s.read("nope").unwrap_err().kind(), io::ErrorKind::NotFound);
        assert_eq!(s.show("log/0.seg"), "x.tar:log/0.seg");
        // Taken once.
        assert_eq!(s.take("log/0.seg").unwrap(), b"seg");
        assert!(s.take("log/0.seg").is_err() && !s.exists("log"));
    }

    #[test]
    fn an_archive_without_a_top_directory_is_read_as_it_is() {
        let t = tar_of(&[("log/0.seg", b"seg"), ("README.txt", b"hi")]);
        let a = Archive::read("x.tar", t.as_slice()).unwrap();
        assert_eq!(Source::from(&a).list("").unwrap(), ["README.txt", "log"]);
    }

    #[test]
    fn an_archive_with_two_copies_of_a_path_is_refused() {
        let t = tar_of(&[("log/0.seg", b"one"), ("./log/0.seg", b"two")]);
        let e = Archive::read("x.tar", t.as_slice()).err().unwrap();
        assert!(
            e.to_string().contains("log/0.seg is in the archive twice"),
            "{e}"
        );
        // A file and then a link of the same path.
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(3);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, "log/0.seg", &b"seg"[..]).unwrap();
        let mut l = tar::Header::new_gnu();
        l.set_entry_type(tar::EntryType::Symlink);
        l.set_size(0);
        b.append_link(&mut l, "log/0.seg", "elsewhere").unwrap();
        let t = b.into_inner().unwrap();
        assert!(Archive::read("x.tar", t.as_slice()).is_err());
        // The service's top directory does not hide it either.
        let t = tar_of(&[
            ("scrutineer-export/election.json", b"{}"),
            ("scrutineer-export/election.json", b"{ }"),
        ]);
        assert!(Archive::read("x.tar", t.as_slice()).is_err());
    }

    #[test]
    fn an_archive_with_two_logs_is_refused() {
        let t = tar_of(&[
            ("log/0.seg", b"seg"),
            ("scrutineer-export/log/0.seg", b"other"),
        ]);
        let e = Archive::read("x.tar", t.as_slice()).err().unwrap();
        assert!(
            e.to_string()
                .contains("more than one log (log/, scrutineer-export/log/)"),
            "{e}"
        );
        let t = tar_of(&[("a/log/0.seg", b"seg"), ("b/log/0.seg", b"other")]);
        assert!(Archive::read("x.tar", t.as_slice()).is_err());
        // One log, whatever else lies beside it, is read.
        let t = tar_of(&[("log/0.seg", b"seg"), ("notes/log.txt", b"hi")]);
        assert!(Archive::read("x.tar", t.as_slice()).is_ok());
    }

    #[test]
    fn a_forged_size_in_a_header_reserves_nothing_it_says() {
        // A header that claims 2^62 bytes, followed by 10: refused as truncated (before the
        // read ahead was capped, the reservation alone aborted the process).
        let mut h = tar::Header::new_gnu();
        h.set_path("scrutineer-export/log/0.seg").unwrap();
        h.set_size(1 << 62);
        h.set_mode(0o644);
        h.set_cksum();
        let mut t = h.as_bytes().to_vec();
        t.extend_from_slice(&[7u8; 10]);
        t.resize(512 * 2, 0);
        assert!(Archive::read("x.tar", t.as_slice()).is_err());
    }

    #[test]
    fn paths_that_leave_the_archive_are_refused() {
        // The tar crate's builder refuses to write `..`; write the header's name directly.
        let mut h = tar::Header::new_gnu();
        h.as_old_mut().name[..9].copy_from_slice(b"../escape");
        h.set_size(1);
        h.set_mode(0o644);
        h.set_cksum();
        let mut t = h.as_bytes().to_vec();
        t.extend_from_slice(b"x");
        t.resize(512 * 2, 0);
        t.extend_from_slice(&[0u8; 1024]);
        assert!(Archive::read("x.tar", t.as_slice()).is_err());
    }
}

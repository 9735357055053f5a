//! Several elections per service (issue 14, item 4): the current election is archived
//! read-only, and a new one can be created. An archived election keeps its own log, index and
//! keys (moved under `<data-dir>/archive/<name>/`), its export (the directory `scrutineer
//! verify` checks) and the boards of its published results as they were printed; the list,
//! the exports and the boards stay served. The service records that belonged to it (the roll,
//! check-ins, corrections, settings) are cleared; accounts, sessions and paired kiosks stay.
//!
//! `<name>` is the election id when it is a plain name (ASCII letters, digits, `-`, `_`, `.`,
//! not starting with `.`, at most 200 bytes); any other id (`城关镇/2026`) is archived as `x-`
//! and the lowercase hex of the SHA-256 of its UTF-8 bytes (see `archive_name`). The export,
//! the boards and `archive.json` are written into `archive/.building-<name>/` first, which is
//! renamed to `<name>` once complete: a failure while building leaves no half-made archive
//! (one while moving the log, index and keys in afterwards still does), and names starting
//! with `.` are never listed or served.
//!
//! ```text
//! <data-dir>/archive/<name>/
//!   archive.json        {format, id, title, archived_at, entries, results: [{index, number, contests}]}
//!   export/             the export (log segments, checkpoints, election.json, results/)
//!   boards/<index>.html the board of each published result
//!   log/ index/ keys/   the election's own files, as the service kept them
//! ```

use crate::codes::Code;
use std::path::{Path, PathBuf};

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use sha2::{Digest, Sha256};

use super::api::{block, conflict, invalid, signed_result, Data};
use super::auth::{As, Org};
use super::error::ApiError;
use crate::ledger::{Ledger, LedgerError};
use crate::server::openapi::allowed;

// The handlers of this area: routed and documented from this one list.
crate::server::openapi::area!(archive, list, export, board, result,);

pub const ARCHIVE_FORMAT: &str = "scrutineer.archive/v1";

fn archive_root(data_dir: &Path) -> PathBuf {
    data_dir.join("archive")
}

/// The directory name an election is archived under, for any id: the id itself when it is a
/// plain name (so archives made before other ids were allowed keep their names), otherwise
/// `x-` and the lowercase hex of the id's SHA-256 (an id may hold `/`, `..`, any script, and
/// up to 400 bytes, more than a file name may have). The name never leaves the archive
/// directory and never starts with `.`. A plain id that is itself such a hash name would
/// share it; the new election is then refused (`election_id_used`), nothing is overwritten.
fn archive_name(id: &str) -> String {
    let plain = !id.is_empty()
        && id.len() <= 200
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && !id.starts_with('.');
    if plain {
        return id.to_string();
    }
    let digest = Sha256::digest(id.as_bytes());
    let mut name = String::with_capacity(2 + 2 * digest.len());
    name.push_str("x-");
    for b in digest {
        name.push_str(&format!("{b:02x}"));
    }
    name
}

/// An id as one URL path segment: every byte but ASCII letters, digits, `-`, `_`, `.` and `~`
/// percent-encoded.
fn url_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A filesystem error while archiving: the storage code (503), as the ledger's own.
fn storage(path: &Path) -> impl Fn(std::io::Error) -> ApiError + '_ {
    move |e| {
        ApiError::Ledger(LedgerError::Io {
            path: path.display().to_string(),
            detail: e.to_string(),
        })
    }
}

/// POST /api/v1/election/archive: archives the current election (no contest may be open).
#[utoipa::path(
    post,
    path = "/api/v1/election/archive",
    tag = "election",
    summary = "归档当前选举 / Archive the current election",
    description = "没有正在投票的项目时, 把当前选举 (日志、密钥、导出、已公布结果的公示页) 移入归档, 只读; \
                    之后可以新建选举。\n\nWith no contest open, moves the current election (log, \
                    keys, export, the boards of its published results) into the read-only \
                    archive; a new election can then be created.",
    responses(
        (status = 200, description = "成功 / OK", body = Object),
        (status = 409, extensions(("x-error-codes" = json!(["no_election", "contest_open", "archive_exists"])))),
        (status = 422, extensions(("x-error-codes" = json!(["result_invalid", "result_format"])))),
    ),
    extensions(("x-roles" = json!(allowed::<Org>()))),
)]
pub async fn archive(
    state: Data,
    _caller: As<Org>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let l = state.ledger()?;
    let base = super::links::public_base(
        &state.config,
        req.peer_addr().map(|a| a.ip()),
        req.headers(),
    );
    let st = state.clone();
    let out = block(move || {
        // Nothing is appended from here on (`archiving`): a contest opened or a ballot cast
        // after the check below would be in the moved log but in none of the archive's
        // files. Taken back if the archive is refused or fails.
        if !l.freeze() {
            return Err(conflict(
                Code::Archiving,
                "选举正在归档 / the election is being archived already",
            ));
        }
        // Thawed unless the archive is made, even if building it panics.
        struct Thaw<'a>(&'a Ledger, bool);
        impl Drop for Thaw<'_> {
            fn drop(&mut self) {
                if self.1 {
                    self.0.thaw();
                }
            }
        }
        let mut thaw = Thaw(&l, true);
        let archived = archive_frozen(&st, &l, &base);
        thaw.1 = archived.is_err();
        drop(thaw);
        archived
    })
    .await?;
    Ok(HttpResponse::Ok().json(out))
}

/// The archive of a frozen ledger ([`archive`]).
fn archive_frozen(
    st: &web::Data<crate::server::AppState>,
    l: &Ledger,
    base: &str,
) -> Result<Value, ApiError> {
    {
        let (id, title, open, results) = l.read(|s| -> Result<_, ApiError> {
            let info = s.state.info()?;
            let conduct = s.state.conduct()?;
            let open: Vec<String> = info
                .election
                .contests
                .iter()
                .filter(|c| conduct.phase(c.id()) == Some(crate::rules::conduct::Phase::Open))
                .map(|c| c.id().clone())
                .collect();
            let results: Vec<(u64, usize, Vec<String>, bool)> = s
                .state
                .results()
                .iter()
                .enumerate()
                .map(|(n, (i, r))| (*i, n + 1, r.contests.clone(), s.state.is_published(*i)))
                .collect();
            Ok((info.id.clone(), info.election.title.clone(), open, results))
        })??;
        if !open.is_empty() {
            return Err(conflict(
                Code::ContestOpen,
                format!(
                    "还有正在投票的项目 ({}): 结束投票后才能归档 / contests are still open ({}): close them before archiving",
                    open.join("、"),
                    open.join(", ")
                ),
            ));
        }
        let name = archive_name(&id);
        let root = archive_root(&st.config.data_dir);
        let dir = root.join(&name);
        if dir.exists() {
            return Err(conflict(
                Code::ArchiveExists,
                format!("选举 “{id}” 已经归档过 / election “{id}” is archived already"),
            ));
        }
        // Built aside and renamed into place whole; one left by a failed attempt is rebuilt.
        let building = root.join(format!(".building-{name}"));
        if building.exists() {
            std::fs::remove_dir_all(&building).map_err(storage(&building))?;
        }
        let meta = build(l, &building, &id, &title, &results, base)
            .and_then(|meta| {
                std::fs::rename(&building, &dir).map_err(storage(&dir))?;
                Ok(meta)
            })
            .inspect_err(|_| {
                let _ = std::fs::remove_dir_all(&building);
            })?;
        // Stop the ledger, then move its files: the data directory is free for the next one.
        if let Ok(mut g) = st.ledger.write() {
            *g = None;
        }
        l.close()?;
        for name in ["log", "index"] {
            let from = st.config.data_dir.join(name);
            if from.exists() {
                std::fs::rename(&from, dir.join(name)).map_err(storage(&from))?;
            }
        }
        let keys = dir.join("keys");
        std::fs::create_dir_all(&keys).map_err(storage(&keys))?;
        if let Ok(list) = std::fs::read_dir(&st.config.keys_dir) {
            for e in list.flatten() {
                let p = e.path();
                if p.is_file() && p.file_name().is_some_and(|n| n != "README.md") {
                    if let Some(n) = p.file_name() {
                        std::fs::rename(&p, keys.join(n)).map_err(storage(&p))?;
                    }
                }
            }
        }
        st.records.clear_election()?;
        Ok(meta)
    }
}

/// Writes an election's export, the boards of its published results and `archive.json` into
/// `dir` (which must not exist yet), and answers `archive.json`.
fn build(
    l: &Ledger,
    dir: &Path,
    id: &str,
    title: &str,
    results: &[(u64, usize, Vec<String>, bool)],
    base: &str,
) -> Result<Value, ApiError> {
    let boards = dir.join("boards");
    std::fs::create_dir_all(&boards).map_err(storage(&boards))?;
    let entries = l.export(&dir.join("export"), false)?;
    let mut listed = Vec::new();
    for (index, number, contests, published) in results {
        if !published {
            continue;
        }
        let signed = signed_result(l, *index)?;
        let verify_url = format!(
            "{base}/api/v1/elections/{}/results/{index}",
            url_segment(id)
        );
        let html =
            crate::present::board::board_html(&signed, &verify_url, &|names: &mut Vec<String>| {
                crate::rules::hanzi::sort_by_strokes(names, |n| n.as_str())
            })
            .map_err(|e| invalid(e.code(), e.to_string()))?;
        let path = boards.join(format!("{index}.html"));
        std::fs::write(&path, html).map_err(storage(&path))?;
        let path = boards.join(format!("{index}.json"));
        std::fs::write(
            &path,
            serde_json::to_vec_pretty(&signed).unwrap_or_default(),
        )
        .map_err(storage(&path))?;
        listed.push(json!({"index": index, "number": number, "contests": contests}));
    }
    let meta = json!({"format": ARCHIVE_FORMAT, "id": id, "title": title,
        "archived_at": crate::procedure::rfc3339(crate::procedure::now()),
        "entries": entries, "results": listed});
    let path = dir.join("archive.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&meta).unwrap_or_default())
        .map_err(storage(&path))?;
    Ok(meta)
}

/// Every archived election's `archive.json`, oldest first (never one still being built).
fn archived(data_dir: &Path) -> Vec<Value> {
    let mut out: Vec<Value> = std::fs::read_dir(archive_root(data_dir))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(|e| std::fs::read(e.path().join("archive.json")).ok())
        .filter_map(|b| serde_json::from_slice::<Value>(&b).ok())
        .collect();
    out.sort_by(|a, b| {
        a.get("archived_at")
            .and_then(|v| v.as_str())
            .cmp(&b.get("archived_at").and_then(|v| v.as_str()))
    });
    out
}

/// GET /api/v1/elections: the current election (if any) and the archived ones.
#[utoipa::path(
    get,
    path = "/api/v1/elections",
    tag = "public",
    summary = "选举列表 / Elections",
    description = "当前选举与已归档的选举。\n\nThe current election and the archived ones.",
    responses(
        (status = 200, description = "成功 / OK", body = Object),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn list(state: Data) -> Result<HttpResponse, ApiError> {
    let current = state.ledger().ok().and_then(|l| {
        l.read(|s| {
            s.state
                .info()
                .ok()
                .map(|i| json!({"id": i.id, "title": i.election.title}))
        })
        .ok()
        .flatten()
    });
    let data_dir = state.config.data_dir.clone();
    let archived = block(move || Ok(archived(&data_dir))).await?;
    Ok(HttpResponse::Ok().json(json!({"current": current, "archived": archived})))
}

/// GET /api/v1/elections/{id}/export: an archived election's export as a tar (the same layout
/// as `GET /api/v1/export`: one `scrutineer-export/` directory).
#[utoipa::path(
    get,
    path = "/api/v1/elections/{id}/export",
    tag = "public",
    summary = "已归档选举的导出 / An archived election's export",
    responses(
        (status = 200, description = "导出 tar 包 / the export as a tar archive", content_type = "application/x-tar", body = String),
        (status = 404, extensions(("x-error-codes" = json!(["not_found"])))),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn export(
    state: Data,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    // As the live export: rate-limited per client, one of the exports running at once,
    // streamed (never built whole in memory), cut when left unread.
    crate::server::api::results::export_limited(&state, &req)?;
    let id = path.into_inner();
    let name = archive_name(&id);
    let dir = archive_root(&state.config.data_dir)
        .join(&name)
        .join("export");
    if !dir.is_dir() {
        return Err(ApiError::NotFound);
    }
    let staff = crate::server::api::results::staff_session(&req).await;
    let place = crate::server::api::results::export_place(&state, staff)?;
    let stream = crate::server::api::results::stream_export(&state, place, move |w| {
        let mut tar = tar::Builder::new(w);
        tar.append_dir_all("scrutineer-export", &dir)
            .map_err(|e| e.to_string())?;
        tar.finish().map_err(|e| e.to_string())
    })?;
    Ok(HttpResponse::Ok()
        .content_type("application/x-tar")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}-export.tar\""),
        ))
        .streaming(stream))
}

fn archived_file(state: &Data, id: &str, name: String) -> Result<Vec<u8>, ApiError> {
    let p = archive_root(&state.config.data_dir)
        .join(archive_name(id))
        .join("boards")
        .join(name);
    std::fs::read(p).map_err(|_| ApiError::NotFound)
}

/// GET /elections/{id}/board/{index}: an archived result's board, as it was printed.
#[utoipa::path(
    get,
    path = "/elections/{id}/board/{param}",
    tag = "public",
    summary = "已归档选举的张榜公布页 / An archived election's board",
    description = "归档时保存的公示页, 原样。\n\nThe board as it was saved at archiving.",
    responses(
        (status = 200, description = "HTML 页面 / an HTML page", content_type = "text/html", body = String),
        (status = 404, extensions(("x-error-codes" = json!(["not_found"])))),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn board(state: Data, path: web::Path<(String, u64)>) -> Result<HttpResponse, ApiError> {
    let (id, index) = path.into_inner();
    let html = archived_file(&state, &id, format!("{index}.html"))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// GET /api/v1/elections/{id}/results/{index}: an archived result, signed.
#[utoipa::path(
    get,
    path = "/api/v1/elections/{id}/results/{index}",
    tag = "public",
    summary = "已归档选举的签名结果 / An archived signed result",
    responses(
        (status = 200, description = "成功 / OK", body = Object),
        (status = 404, extensions(("x-error-codes" = json!(["not_found"])))),
    ),
    extensions(("x-roles" = json!([]))),
)]
pub async fn result(state: Data, path: web::Path<(String, u64)>) -> Result<HttpResponse, ApiError> {
    let (id, index) = path.into_inner();
    let json = archived_file(&state, &id, format!("{index}.json"))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(json))
}

/// Refuses a new election's id that an archived one already used (its files would clash).
pub fn check_new_id(data_dir: &Path, id: &str) -> Result<(), ApiError> {
    if archive_root(data_dir).join(archive_name(id)).exists() {
        return Err(invalid(
            Code::ElectionIdUsed,
            format!("选举编号 “{id}” 已被归档的选举使用, 请换一个 / election id “{id}” belongs to an archived election: choose another"),
        ));
    }
    Ok(())
}

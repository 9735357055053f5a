//! The sequencer: the one thread that appends, commits batches with one fdatasync, signs checkpoints and keeps the index; and the index's checkpoint history.

use super::*;

/// The checkpoints an index tree holds, by size.
pub(super) fn history(t: &sled::Tree) -> Result<Vec<(u64, String)>, LedgerError> {
    let mut out = Vec::new();
    for kv in t.iter() {
        let (k, v) = kv.map_err(index_err)?;
        let size = u64::from_be_bytes(
            k.as_ref()
                .try_into()
                .map_err(|_| LedgerError::Index("bad checkpoint key".into()))?,
        );
        out.push((size, String::from_utf8_lossy(&v).to_string()));
    }
    Ok(out)
}

pub(super) fn latest_checkpoint(db: &sled::Db) -> Result<Option<(u64, String)>, LedgerError> {
    let t = db.open_tree("checkpoints").map_err(index_err)?;
    match t.last().map_err(index_err)? {
        None => Ok(None),
        Some((k, v)) => {
            let size = u64::from_be_bytes(
                k.as_ref()
                    .try_into()
                    .map_err(|_| LedgerError::Index("bad checkpoint key".into()))?,
            );
            Ok(Some((size, String::from_utf8_lossy(&v).to_string())))
        }
    }
}

/// Signs and stores a checkpoint for the tree's current size. Ed25519 is deterministic, so a
/// checkpoint lost from the index with a crash is re-created byte for byte.
pub(super) fn sign_checkpoint(
    db: &sled::Db,
    signer: &Signer,
    election_id: &str,
    tree: &Tree,
) -> Result<(u64, String), LedgerError> {
    sign_checkpoint_at(db, signer, election_id, tree, tree.size())
}

/// [`sign_checkpoint`] of the log at `size` entries (at most the tree's): the same note as
/// when it was first signed (the checkpoint and Ed25519 are deterministic), for one the
/// index lost.
pub(super) fn sign_checkpoint_at(
    db: &sled::Db,
    signer: &Signer,
    election_id: &str,
    tree: &Tree,
    size: u64,
) -> Result<(u64, String), LedgerError> {
    let cp = Checkpoint {
        origin: origin(election_id),
        size,
        root: tree
            .root_at(size)
            .map_err(|e| LedgerError::Index(e.to_string()))?,
        extensions: Vec::new(),
    };
    let text = cp
        .to_text()
        .map_err(|e| LedgerError::Index(e.to_string()))?;
    let mut note = Note::new(text).map_err(|e| LedgerError::Index(e.to_string()))?;
    note.sign(signer)
        .map_err(|e| LedgerError::Index(e.to_string()))?;
    let encoded = note
        .encode()
        .map_err(|e| LedgerError::Index(e.to_string()))?;
    // The index copy is best-effort: sled stops accepting writes after an I/O error such as a
    // full disk, and the checkpoint must still be published (the log, not sled, is the
    // record of truth; a checkpoint is re-signed identically from the log at start-up).
    if let Err(e) = db
        .open_tree("checkpoints")
        .and_then(|t| t.insert(size.to_be_bytes(), encoded.as_bytes()))
    {
        tracing::warn!(size, error = %e, "could not store a checkpoint in the index; it is still published");
    }
    Ok((size, encoded))
}

/// Records a contest's phase (open or closed) in the index for lookups.
pub(super) fn index_contest_state(db: &sled::Db, e: &Entry) {
    let state = match e.kind {
        EntryKind::ContestOpened => Phase::Open.id(),
        EntryKind::ContestClosed => Phase::Closed.id(),
        _ => return,
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&e.body) else {
        return;
    };
    if let (Some(c), Ok(t)) = (
        v.get("contest").and_then(|c| c.as_str()),
        db.open_tree("contests"),
    ) {
        let _ = t.insert(c.as_bytes(), state.as_bytes());
    }
}

/// Stores the tree's complete-subtree hashes created since leaf `from`.
pub(super) fn store_tree_nodes(db: &sled::Db, tree: &Tree, from: u64) -> Result<(), LedgerError> {
    let t = db.open_tree("tree").map_err(index_err)?;
    let mut batch = sled::Batch::default();
    for (level, nodes) in tree.levels().iter().enumerate() {
        let start = (from >> level) as usize;
        for (i, h) in nodes.iter().enumerate().skip(start) {
            let mut k = Vec::with_capacity(9);
            k.push(level as u8);
            k.extend_from_slice(&(i as u64).to_be_bytes());
            batch.insert(k, h.to_vec());
        }
    }
    t.apply_batch(batch).map_err(index_err)
}

pub(super) struct Sequencer {
    pub(super) rx: mpsc::Receiver<Request>,
    pub(super) writer: store::Writer,
    pub(super) shared: Arc<RwLock<Shared>>,
    pub(super) db: sled::Db,
    pub(super) signer: Signer,
    pub(super) election_id: String,
    pub(super) batch_max: usize,
    pub(super) batch_wait: Duration,
    pub(super) rng: SystemRandom,
    pub(super) journal: journal::Journal,
}

pub(super) type Reply = mpsc::Sender<Result<Appended, LedgerError>>;

/// A ballot waiting in a commit batch: its key, entry body, the desk's bound, an encrypted
/// ballot's checked contents, and who waits for it.
pub(super) type PendingBallot = (
    BallotKey,
    Vec<u8>,
    Option<u64>,
    Option<Arc<CheckedBallot>>,
    Reply,
);

impl Sequencer {
    pub(super) fn run(mut self) {
        while let Ok(first) = self.rx.recv() {
            // The commit window gathers ballots cast at about the same time under one
            // fdatasync. A batch that starts with an entry that is not a ballot (a close, a
            // tally, a signature, a teller's step: one caller after another, each waiting
            // for its answer) does not wait for others: it takes what is already queued.
            let wait = match first {
                Request::Ballot { .. } => Some(self.batch_wait),
                Request::Admin { .. } => None,
            };
            let mut batch = vec![first];
            let deadline = Instant::now() + wait.unwrap_or_default();
            while batch.len() < self.batch_max {
                let next = match wait {
                    None => self.rx.try_recv().ok(),
                    Some(_) => {
                        let now = Instant::now();
                        if now >= deadline {
                            break;
                        }
                        self.rx.recv_timeout(deadline - now).ok()
                    }
                };
                match next {
                    Some(r) => batch.push(r),
                    None => break,
                }
            }
            // Ballots that arrived together are committed together, in random order; every
            // other entry is committed on its own, in arrival order, after them.
            let mut ballots = Vec::new();
            let mut admin = Vec::new();
            for r in batch {
                match r {
                    Request::Ballot {
                        key,
                        entry_body,
                        issued,
                        encrypted,
                        reply,
                    } => ballots.push((key, entry_body, issued, encrypted, reply)),
                    Request::Admin {
                        entries,
                        pre,
                        reply,
                    } => admin.push((entries, pre, reply)),
                }
            }
            self.shuffle(&mut ballots);
            self.commit_ballots(ballots);
            for (entries, pre, reply) in admin {
                self.commit_admin(entries, pre, reply);
            }
        }
        if let Err(err) = self.journal.sync() {
            tracing::error!(error = %err, "could not sync the checkpoint journal");
        }
    }

    fn shuffle<T>(&self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let mut b = [0u8; 8];
            if self.rng.fill(&mut b).is_err() {
                return;
            }
            let j = (u64::from_le_bytes(b) % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }

    fn commit_ballots(&mut self, ballots: Vec<PendingBallot>) {
        if ballots.is_empty() {
            return;
        }
        let mut accepted: Vec<(BallotKey, Entry, Option<Arc<CheckedBallot>>, Reply)> = Vec::new();
        {
            let Ok(s) = self.shared.read() else { return };
            let mut serials = HashSet::new();
            let mut spent: HashMap<(u8, u16), u64> = HashMap::new();
            let mut head = s.head;
            for (key, body, issued, encrypted, reply) in ballots {
                let within = match issued {
                    Some(issued) => {
                        let pending = spent.get(&(key.round, key.style)).copied().unwrap_or(0);
                        let cast = s
                            .state
                            .conduct()
                            .map(|c| c.pool(key.style).spent)
                            .unwrap_or(0)
                            + pending;
                        if cast >= issued {
                            Err(LedgerError::Refused {
                                code: Code::SlipsNotIssued,
                                message: format!("签到处只发出了 {issued} 张此样式的选票码, 已投 {cast} 张: 此选票码没有经签到发出 / the desk handed out {issued} slips of this style and {cast} were cast: this token was not handed out at check-in"),
                            })
                        } else {
                            Ok(())
                        }
                    }
                    None => Ok(()),
                };
                // A replayed token is named as such before the desk's bound is looked at.
                match state::check_entry_size(body.len())
                    .and_then(|()| {
                        s.state
                            .check_ballot(&key, &serials, &spent, encrypted.as_deref())
                    })
                    .and(within)
                {
                    Ok(()) => {
                        serials.insert(key.serial);
                        *spent.entry((key.round, key.style)).or_default() += 1;
                        let e = Entry {
                            kind: if encrypted.is_some() {
                                EntryKind::EncryptedBallot
                            } else {
                                EntryKind::Ballot
                            },
                            prev: head,
                            body,
                        };
                        head = e.hash();
                        accepted.push((key, e, encrypted, reply));
                    }
                    Err(err) => {
                        let _ = reply.send(Err(err));
                    }
                }
            }
        }
        let mut entries = Vec::with_capacity(accepted.len());
        let mut replies = Vec::with_capacity(accepted.len());
        for (k, e, c, r) in accepted {
            entries.push((Some(k), e, c, None));
            replies.push((r, 1));
        }
        self.commit(entries, replies);
    }

    fn commit_admin(
        &mut self,
        bodies: Vec<(EntryKind, Vec<u8>)>,
        pre: Option<CheckedStep>,
        reply: AdminReply,
    ) {
        let entries = {
            let Ok(s) = self.shared.read() else { return };
            let mut head = s.head;
            let mut entries = Vec::with_capacity(bodies.len());
            for (kind, body) in bodies {
                let e = Entry {
                    kind,
                    prev: head,
                    body,
                };
                head = e.hash();
                entries.push(e);
            }
            match s.state.check_admin_with(&entries, &s.tree, pre) {
                // A lone entry's checked step (a shuffle's or shares' proofs verified, here
                // or off the lock while its tally stays the same) is applied as checked:
                // nothing else is applied between the two. Entries appended together are
                // each checked again as they apply.
                Ok(steps) if entries.len() == 1 => entries.into_iter().zip(steps).collect(),
                Ok(_) => entries.into_iter().map(|e| (e, None)).collect::<Vec<_>>(),
                Err(err) => {
                    let _ = reply.send(Err(err));
                    return;
                }
            }
        };
        let n = entries.len();
        self.commit(
            entries
                .into_iter()
                .map(|(e, step)| (None, e, None, step))
                .collect(),
            vec![(Replier::Admin(reply), n)],
        );
    }

    /// Makes entries durable, then applies them, indexes them, signs a checkpoint, and only
    /// then answers the submitters (each reply covers the next `n` entries).
    fn commit<R: Into<Replier>>(&mut self, entries: Vec<Committed>, replies: Vec<(R, usize)>) {
        let replies: Vec<(Replier, usize)> =
            replies.into_iter().map(|(r, n)| (r.into(), n)).collect();
        if entries.is_empty() {
            return;
        }
        let first_index = match self.shared.read() {
            Ok(s) => s.tree.size(),
            Err(_) => return,
        };
        let mut frames = Vec::new();
        let mut offsets = Vec::with_capacity(entries.len());
        for (_, e, _, _) in &entries {
            offsets.push(frames.len() as u64);
            push_frame(&mut frames, &e.encode());
        }
        // A group of entries (an admin request's) is written whole or, after a crash, cut
        // whole at the next start (`super::group`); a batch of ballots is one entry each.
        let group = replies.iter().any(|(_, n)| *n > 1);
        let written = if group {
            self.writer.mark_group(&super::group::Mark {
                first: first_index,
                count: entries.len() as u64,
                head: entries
                    .first()
                    .map(|(_, e, _, _)| e.hash())
                    .unwrap_or([0; 32]),
            })
        } else {
            Ok(())
        }
        .and_then(|()| self.writer.append(&frames, first_index));
        let (segment, start) = match written {
            Ok(v) => v,
            Err(err) => {
                // The mark stays: if the cut-back of a failed write failed too, it is what
                // cuts the group's frames at the next start; the entries appended later in
                // its place are not its first entry (the mark holds that entry's hash, and the
                // same first entry begins the same group again), and start-up clears it.
                tracing::error!(error = %err, "a commit batch failed: nothing of it was acknowledged");
                let code = err.code();
                let message = err.to_string();
                for (reply, _) in replies {
                    reply.fail(LedgerError::Refused {
                        code,
                        message: message.clone(),
                    });
                }
                return;
            }
        };
        let Ok(mut guard) = self.shared.write() else {
            return;
        };
        let s = &mut *guard;
        let entries_tree = self.db.open_tree("entries");
        let spent_tree = self.db.open_tree("spent");
        let mut appended = Vec::with_capacity(entries.len());
        for (i, (key, e, checked, step)) in entries.into_iter().enumerate() {
            let index = first_index + i as u64;
            let hash = e.hash();
            if let Err(err) = s
                .state
                .apply(index, &e, key, checked.as_deref(), step, &s.tree)
            {
                // Invariant: a checked entry applies; this would be a bug, so say so loudly.
                tracing::error!(index, error = %err, "a durable entry failed to apply");
            }
            s.tree.push(hash);
            s.head = hash;
            if let Ok(t) = &entries_tree {
                let _ = t.insert(
                    index.to_be_bytes(),
                    location(segment, start + offsets[i], &hash),
                );
            }
            if let (Some(k), Ok(t)) = (key, &spent_tree) {
                let _ = t.insert(k.serial, &index.to_be_bytes());
            }
            index_contest_state(&self.db, &e);
            appended.push((index, hash));
        }
        s.end = Some((segment, start + frames.len() as u64));
        let size = s.tree.size();
        let _ = store_tree_nodes(&self.db, &s.tree, first_index);
        if let Ok(meta) = self.db.open_tree("meta") {
            let _ = meta.insert("indexed", &size.to_be_bytes());
        }
        match sign_checkpoint(&self.db, &self.signer, &self.election_id, &s.tree) {
            Ok(cp) => {
                if let Err(err) = self.journal.append(cp.0, &cp.1) {
                    tracing::warn!(size = cp.0, error = %err, "could not journal a checkpoint; it is still published");
                }
                s.checkpoint = Some(cp);
            }
            Err(err) => tracing::error!(error = %err, "could not sign a checkpoint"),
        }
        drop(guard);
        let mut next = appended.into_iter();
        for (reply, n) in replies {
            let mine: Vec<Appended> = next
                .by_ref()
                .take(n)
                .map(|(index, hash)| Appended { index, hash, size })
                .collect();
            reply.done(mine);
        }
    }
}

/// An entry on its way into the log: a ballot's key, the entry, an encrypted ballot's
/// checked contents, a teller step's checked contents (`State::apply`).
type Committed = (
    Option<BallotKey>,
    Entry,
    Option<Arc<CheckedBallot>>,
    Option<CheckedStep>,
);

pub(super) type AdminReply = mpsc::Sender<Result<Vec<Appended>, LedgerError>>;

/// Who waits for entries of a commit: a ballot's submitter (one entry) or an admin request
/// (its whole group).
pub(super) enum Replier {
    Ballot(Reply),
    Admin(AdminReply),
}

impl From<Reply> for Replier {
    fn from(r: Reply) -> Replier {
        Replier::Ballot(r)
    }
}

impl Replier {
    fn fail(self, err: LedgerError) {
        match self {
            Replier::Ballot(r) => {
                let _ = r.send(Err(err));
            }
            Replier::Admin(r) => {
                let _ = r.send(Err(err));
            }
        }
    }

    fn done(self, mut appended: Vec<Appended>) {
        match self {
            Replier::Ballot(r) => {
                let _ = r.send(appended.pop().ok_or(LedgerError::Stopped));
            }
            Replier::Admin(r) => {
                let _ = r.send(Ok(appended));
            }
        }
    }
}

/// The ballot style a token names, once the token's signature, election, round and style
/// are checked: where every ballot, encrypted ballot and spoiled ballot starts.
pub(super) fn token_style<'a>(
    info: &'a ElectionInfo,
    token: &Token,
) -> Result<&'a crate::record::entry::Style, LedgerError> {
    let style = info
        .styles
        .get(token.style() as usize)
        .ok_or_else(|| LedgerError::Refused {
            code: Code::UnknownStyle,
            message: format!(
                "选票码的选票样式 {} 不存在 / the token names ballot style {}, which does not exist",
                token.style(),
                token.style()
            ),
        })?;
    token
        .verify(&info.election_key, &info.id, style.round, token.style())
        .map_err(LedgerError::Token)?;
    Ok(style)
}

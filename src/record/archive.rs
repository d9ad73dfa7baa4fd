//! The archive of signed records under `$RUNBOOK_HOME/archive/`:
//!
//! ```text
//! archive/2026/11/INC-20261128-0001.json      the canonical record, 0444
//! archive/2026/11/INC-20261128-0001.json.sig  its SSHSIG signature, 0444
//! archive/index.jsonl                         one line per record, in archive order
//! archive/lock                                held while a record is added
//! archive/pending                             the index line of a record being added
//! ```
//!
//! `YYYY/MM` is the archive time's year and month (UTC). The index is the
//! archive's order: each record names the SHA-256 of the record on the index
//! line before it (`previous_record`), so a record deleted, inserted or moved
//! breaks the chain where it happened. The index can be rebuilt from the
//! files ([`Archive::reindex`]); the files are the truth.
//!
//! Durability: [`Archive::store`] runs under the archive's `flock`, so two
//! archivers never chain to the same predecessor. It first writes and syncs
//! `pending` (the index line to come), then each file to a temporary name in
//! its directory, `sync_all`, hard-links it into place (which never
//! replaces an existing file) and syncs the directory, then appends the index line with
//! one `write` and `sync_data`, then removes `pending`; an error before the
//! append removes the files it published and `pending`. A crash at any point
//! leaves either no trace of the record or a `pending` that the next
//! [`Archive::lock`] finishes (the files are whole: the index line is
//! appended), undoes (a file is missing: the other is removed) or just
//! removes (an index line already lists the record). The
//! record to chain to comes from [`Archive::tip`], which refuses an index
//! that does not list every record file. Nothing here signs, reads the
//! clock or prints.

pub use super::canonical::sha256_hex;
use super::canonical::{Record, RecordError, canonical_bytes};
use crate::file_util::Existing;
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

pub const INDEX_FILE: &str = "index.jsonl";
pub const LOCK_FILE: &str = "lock";
pub const PENDING_FILE: &str = "pending";
/// What follows a record's file name for its signature.
pub const SIG_SUFFIX: &str = ".sig";

/// One line of `index.jsonl`: enough to list and filter records without
/// opening them, and the SHA-256 that ties the line to the record's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    pub id: String,
    pub archived: DateTime<Utc>,
    pub runbook: String,
    /// The severity at the end.
    pub severity: String,
    pub outcome: String,
    pub started: DateTime<Utc>,
    pub ended: DateTime<Utc>,
    pub duration_s: i64,
    pub on_time: bool,
    pub late_s: i64,
    pub drill: bool,
    /// SHA-256 of the record file's bytes.
    pub sha256: String,
}

impl IndexEntry {
    pub fn of(record: &Record, sha256: &str) -> IndexEntry {
        IndexEntry {
            id: record.incident.clone(),
            archived: record.archived,
            runbook: record.runbook.id.clone(),
            severity: record.severity.clone(),
            outcome: record.outcome.name().to_owned(),
            started: record.started,
            ended: record.ended,
            duration_s: record.duration_s,
            on_time: record.deadline.on_time,
            late_s: record.deadline.late_s,
            drill: record.drill,
            sha256: sha256.to_owned(),
        }
    }

    /// The record's path inside the archive: `YYYY/MM/ID.json`.
    pub fn relative_path(&self) -> PathBuf {
        relative_path(&self.id, self.archived)
    }

    /// The line as written: canonical JSON and `\n`.
    pub fn to_line(&self) -> Result<Vec<u8>, ArchiveError> {
        let value = serde_json::to_value(self).map_err(|error| ArchiveError::Record {
            path: PathBuf::from(INDEX_FILE),
            error: RecordError::Json(error.to_string()),
        })?;
        canonical_bytes(&value).map_err(|error| ArchiveError::Record {
            path: PathBuf::from(INDEX_FILE),
            error,
        })
    }
}

/// `YYYY/MM/ID.json` for a record archived at `archived`.
pub fn relative_path(id: &str, archived: DateTime<Utc>) -> PathBuf {
    month_dir(archived).join(format!("{id}.json"))
}

/// `YYYY/MM`: where the records archived at `archived` are.
pub fn month_dir(archived: DateTime<Utc>) -> PathBuf {
    PathBuf::from(format!("{:04}", archived.year())).join(format!("{:02}", archived.month()))
}

/// The signature's path next to a record's.
pub fn sig_path(record: &Path) -> PathBuf {
    let mut name = record.as_os_str().to_owned();
    name.push(SIG_SUFFIX);
    PathBuf::from(name)
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot {action} {}: {error}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        error: io::Error,
    },
    #[error("{id} is already archived: {}", .path.display())]
    AlreadyArchived { id: String, path: PathBuf },
    #[error("{}: {error}", .path.display())]
    Record { path: PathBuf, error: RecordError },
    #[error("{} line {line}: {reason}", .path.display())]
    Index {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    /// Record files the index does not list: its last line is not the
    /// archive's last record, so nothing may be chained to it.
    #[error("{}", unindexed_message(.index, .files, *.missing))]
    Unindexed {
        index: PathBuf,
        /// Whether the index file is there at all.
        missing: bool,
        /// The record files it does not list, relative to the archive.
        files: Vec<PathBuf>,
    },
}

fn unindexed_message(index: &Path, files: &[PathBuf], missing: bool) -> String {
    const SHOWN: usize = 3;
    let mut names: Vec<String> = files
        .iter()
        .take(SHOWN)
        .map(|f| f.display().to_string())
        .collect();
    if files.len() > SHOWN {
        names.push(format!("and {} more", files.len() - SHOWN));
    }
    let (index, count, names) = (index.display(), files.len(), names.join(", "));
    if missing {
        format!("{index} is missing, but the archive holds {count} record file(s): {names}")
    } else {
        format!("{index} does not list {count} of the archive's record files: {names}")
    }
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> ArchiveError {
    let path = path.to_path_buf();
    move |error| ArchiveError::Io { action, path, error }
}

/// An archive directory: the local one, or a mirror's copy.
#[derive(Debug, Clone)]
pub struct Archive {
    dir: PathBuf,
}

/// Held while records are added or the index rebuilt; released on drop or
/// when the process dies.
#[derive(Debug)]
#[must_use = "the lock is released as soon as it is dropped"]
pub struct ArchiveLock {
    _file: File,
    /// What [`Archive::lock`] found left by a crash and put right.
    pub recovered: Option<String>,
}

/// Where [`Archive::store`] put a record.
#[derive(Debug, Clone)]
pub struct Stored {
    pub path: PathBuf,
    pub sig_path: PathBuf,
    pub entry: IndexEntry,
}

impl Archive {
    pub fn new(dir: impl Into<PathBuf>) -> Archive {
        Archive { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn index_path(&self) -> PathBuf {
        self.dir.join(INDEX_FILE)
    }

    pub fn path_of(&self, entry: &IndexEntry) -> PathBuf {
        self.dir.join(entry.relative_path())
    }

    /// Takes the archive's lock (creating the archive if need be), waiting
    /// for another archiver to finish, and finishes or undoes what a crash
    /// left half done.
    pub fn lock(&self) -> Result<ArchiveLock, ArchiveError> {
        make_dirs(&self.dir)?;
        let path = self.dir.join(LOCK_FILE);
        let file = crate::file_util::open_lock_file(&path).map_err(io_error("open", &path))?;
        file.lock().map_err(io_error("lock", &path))?;
        let mut lock = ArchiveLock {
            _file: file,
            recovered: None,
        };
        lock.recovered = self.recover(&lock)?;
        Ok(lock)
    }

    /// Puts right what a crash during [`Archive::store`] left.
    fn recover(&self, _lock: &ArchiveLock) -> Result<Option<String>, ArchiveError> {
        let pending_path = self.dir.join(PENDING_FILE);
        let line = match fs::read(&pending_path) {
            Ok(line) => line,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(io_error("read", &pending_path)(error)),
        };
        let index = self.index_path();
        let cut = self.cut_torn_tail()?;
        let entry: Option<IndexEntry> = serde_json::from_slice(&line).ok();
        let message = match entry {
            // `pending` itself was cut short: nothing was published yet.
            None => "removed an unfinished archive entry (pending was incomplete)".to_owned(),
            Some(entry) => {
                let path = self.path_of(&entry);
                let sig = sig_path(&path);
                // A crash after the index line was written, on any line:
                // appending it again would list the record twice and chain
                // the next one to it, and undoing it would remove a record
                // the index lists. Only `pending` goes.
                if let Some(line) = self.indexed_on(&entry)? {
                    format!(
                        "removed a stale {PENDING_FILE}: {} is already in the index (line {line})",
                        entry.id
                    )
                } else if read_record_file(&path).is_ok_and(|bytes| sha256_hex(&bytes) == entry.sha256)
                    && sig.is_file()
                {
                    append_line(&index, &entry.to_line()?)?;
                    format!(
                        "finished archiving {} (a crash stopped it before the index)",
                        entry.id
                    )
                } else {
                    for file in [&path, &sig] {
                        match fs::remove_file(file) {
                            Ok(()) => {}
                            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                            Err(error) => return Err(io_error("remove", file)(error)),
                        }
                    }
                    if let Some(dir) = path.parent() {
                        remove_temps(dir);
                        let _ = sync_dir(dir);
                    }
                    format!(
                        "undid the unfinished archiving of {} (a crash stopped it); archive it again",
                        entry.id
                    )
                }
            }
        };
        fs::remove_file(&pending_path).map_err(io_error("remove", &pending_path))?;
        sync_dir(&self.dir)?;
        Ok(Some(match cut {
            Some(bytes) => format!("{message}; cut a partial last line ({bytes} bytes) from the index"),
            None => message,
        }))
    }

    /// The index line that lists `entry`'s incident or record, if any.
    /// Lines that cannot be read are passed over: what they hold is for
    /// `runbook verify` to name.
    fn indexed_on(&self, entry: &IndexEntry) -> Result<Option<usize>, ArchiveError> {
        for line in self.entries()? {
            if let Ok((number, listed)) = line
                && (listed.id == entry.id || listed.sha256 == entry.sha256)
            {
                return Ok(Some(number));
            }
        }
        Ok(None)
    }

    /// Removes a last index line without its `\n`: only ever the line a
    /// crash interrupted, since `pending` still names it.
    fn cut_torn_tail(&self) -> Result<Option<u64>, ArchiveError> {
        let path = self.index_path();
        let mut file = match OpenOptions::new().read(true).write(true).open(&path) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(io_error("open", &path)(error)),
        };
        let len = file.metadata().map_err(io_error("read", &path))?.len();
        let keep = last_newline_end(&mut file, len).map_err(io_error("read", &path))?;
        if keep == len {
            return Ok(None);
        }
        file.set_len(keep).map_err(io_error("truncate", &path))?;
        file.sync_all().map_err(io_error("sync", &path))?;
        Ok(Some(len - keep))
    }

    /// The record the next one chains to: the index's last line, once the
    /// record files confirm that it is the archive's last record. The index
    /// is only a listing; when it was lost, emptied or cut short, its last
    /// line (or none) is an older record, and chaining to it would fork the
    /// chain for good. So this refuses ([`ArchiveError::Unindexed`]) when a
    /// record file is not listed, and ([`ArchiveError::Index`]) when a line
    /// cannot be read or lists an incident twice.
    ///
    /// It costs one pass over the index (as [`Archive::find`]) and one
    /// listing of the month directories, without opening a record: cheap
    /// beside signing, even for a large archive. Read it under the lock
    /// that [`Archive::store`] then runs under.
    pub fn tip(&self) -> Result<Option<IndexEntry>, ArchiveError> {
        let mut listed: HashSet<PathBuf> = HashSet::new();
        let mut lines: HashMap<String, usize> = HashMap::new();
        let mut last = None;
        for entry in self.entries()? {
            let (line, entry) = entry?;
            if let Some(first) = lines.insert(entry.id.clone(), line) {
                return Err(ArchiveError::Index {
                    path: self.index_path(),
                    line,
                    reason: format!("{} is listed again (first on line {first})", entry.id),
                });
            }
            listed.insert(entry.relative_path());
            last = Some(entry);
        }
        let files = self.unindexed(&listed)?;
        if !files.is_empty() {
            return Err(ArchiveError::Unindexed {
                index: self.index_path(),
                missing: !self.index_path().exists(),
                files,
            });
        }
        Ok(last)
    }

    /// The record files (relative to the archive) whose paths are not in
    /// `listed`, sorted.
    pub fn unindexed(&self, listed: &HashSet<PathBuf>) -> Result<Vec<PathBuf>, ArchiveError> {
        Ok(self
            .record_files()?
            .into_iter()
            .filter_map(|path| path.strip_prefix(&self.dir).ok().map(Path::to_path_buf))
            .filter(|relative| !listed.contains(relative))
            .collect())
    }

    /// The index's lines in order, read as they are used.
    pub fn entries(&self) -> Result<Entries, ArchiveError> {
        let path = self.index_path();
        let reader = match crate::file_util::open_regular(&path, crate::file_util::Links::Follow) {
            Ok(file) => Some(BufReader::new(file)),
            Err(failed) if failed.error.kind() == io::ErrorKind::NotFound => None,
            Err(failed) => return Err(io_error("open", &path)(failed.error)),
        };
        Ok(Entries {
            reader,
            path,
            line: 0,
        })
    }

    /// The index entry of incident `id`, if it is archived.
    pub fn find(&self, id: &str) -> Result<Option<IndexEntry>, ArchiveError> {
        for entry in self.entries()? {
            match entry {
                Ok((_, entry)) if entry.id == id => return Ok(Some(entry)),
                Ok(_) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(None)
    }

    /// Stores a record, its signature and its index line. `bytes` must be
    /// the record's canonical bytes, chained to [`Archive::tip`] read under
    /// the same `lock`. A record already archived is never replaced.
    pub fn store(
        &self,
        _lock: &ArchiveLock,
        record: &Record,
        bytes: &[u8],
        signature: &str,
    ) -> Result<Stored, ArchiveError> {
        let entry = IndexEntry::of(record, &sha256_hex(bytes));
        if let Some(found) = self.find(&record.incident)? {
            return Err(ArchiveError::AlreadyArchived {
                id: record.incident.clone(),
                path: self.path_of(&found),
            });
        }
        let path = self.path_of(&entry);
        let sig = sig_path(&path);
        // Whatever is there, even a dangling link, is in the way; and a
        // name that cannot be looked up is not known to be free.
        for existing in [&path, &sig] {
            match fs::symlink_metadata(existing) {
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(error) => return Err(io_error("look up", existing)(error)),
                Ok(_) => {
                    return Err(ArchiveError::AlreadyArchived {
                        id: record.incident.clone(),
                        path: existing.clone(),
                    });
                }
            }
        }
        let dir = path.parent().unwrap_or(&self.dir).to_path_buf();
        make_dirs(&dir)?;

        let line = entry.to_line()?;
        let pending = self.dir.join(PENDING_FILE);
        write_new(&pending, &line, 0o600)?;
        sync_dir(&self.dir)?;
        // Until the index line is written, a failure takes back what this
        // call published and `pending` with it: nothing is left for the
        // next archiver to mistake for a crash. A failure while appending
        // leaves `pending`, since the line may be there, whole or torn;
        // recovery tells which.
        let published = publish(&path, bytes, &record.incident).and_then(|()| {
            publish(&sig, signature.as_bytes(), &record.incident)
                .inspect_err(|_| drop(fs::remove_file(&path)))
        });
        if let Err(error) = published {
            let _ = fs::remove_file(&pending);
            let _ = sync_dir(&dir);
            let _ = sync_dir(&self.dir);
            return Err(error);
        }
        append_line(&self.index_path(), &line)?;
        fs::remove_file(&pending).map_err(io_error("remove", &pending))?;
        sync_dir(&self.dir)?;
        Ok(Stored {
            path,
            sig_path: sig,
            entry,
        })
    }

    /// Every record file (`YYYY/MM/*.json`), sorted by path.
    pub fn record_files(&self) -> Result<Vec<PathBuf>, ArchiveError> {
        let mut files = Vec::new();
        for year in sorted_dir(&self.dir, |name| name.len() == 4 && is_digits(name))? {
            for month in sorted_dir(&year, |name| name.len() == 2 && is_digits(name))? {
                files.extend(sorted_dir(&month, |name| {
                    name.ends_with(".json") && !name.starts_with('.')
                })?);
            }
        }
        Ok(files)
    }

    /// The record file of incident `id`, found by its name whether or not
    /// the index lists it.
    pub fn record_file(&self, id: &str) -> Result<Option<PathBuf>, ArchiveError> {
        Ok(self
            .record_files()?
            .into_iter()
            .find(|path| path.file_stem().is_some_and(|stem| stem == id)))
    }

    /// Rebuilds `index.jsonl` from the record files: in chain order from
    /// the record with no predecessor, each followed by the record naming
    /// it. What does not fit one chain (a fork, a record whose predecessor
    /// is gone, a file that is not a record) is reported, and chainable
    /// leftovers go at the end in archive-time order.
    ///
    /// A line of the old index whose record file is gone (and no file holds
    /// its incident) is kept, in its place in the chain: it is the only
    /// evidence of that record, and `runbook verify` then names the missing
    /// incident rather than a bare SHA-256 its successor names.
    pub fn reindex(&self, _lock: &ArchiveLock) -> Result<Reindexed, ArchiveError> {
        // Read leniently: a line that does not parse names nothing to keep.
        let old: Vec<IndexEntry> = self.entries()?.flatten().map(|(_, entry)| entry).collect();
        let mut problems = Vec::new();
        let mut nodes: Vec<(IndexEntry, Option<String>)> = Vec::new();
        for path in self.record_files()? {
            let bytes = read_record_file(&path).map_err(io_error("read", &path))?;
            let record = match Record::from_bytes(&bytes) {
                Ok(record) => record,
                Err(error) => {
                    problems.push(format!("{}: left out: {error}", path.display()));
                    continue;
                }
            };
            let entry = IndexEntry::of(&record, &sha256_hex(&bytes));
            if self.path_of(&entry) != path {
                problems.push(format!(
                    "{}: left out: its record says it belongs at {}",
                    path.display(),
                    entry.relative_path().display()
                ));
                continue;
            }
            nodes.push((entry, record.previous_record));
        }
        let files = nodes.len();
        let in_files: HashSet<String> = nodes.iter().map(|(entry, _)| entry.id.clone()).collect();
        // A gone record's predecessor is in its file; the old index's line
        // above it is the best witness left.
        let mut above: Option<String> = None;
        for entry in old {
            let path = self.path_of(&entry);
            let gone =
                matches!(fs::symlink_metadata(&path), Err(error) if error.kind() == io::ErrorKind::NotFound);
            let sha = entry.sha256.clone();
            if gone && !in_files.contains(&entry.id) {
                problems.push(format!(
                    "{}: its record file {} is gone (the old index gives its sha256 {}); its line is kept, \
                     so that `runbook verify --all` names it",
                    entry.id,
                    path.display(),
                    short_sha(&entry.sha256)
                ));
                nodes.push((entry, above.clone()));
            }
            above = Some(sha);
        }
        nodes.sort_by(|a, b| (a.0.archived, &a.0.id).cmp(&(b.0.archived, &b.0.id)));

        let mut next: HashMap<Option<String>, Vec<usize>> = HashMap::new();
        for (index, (_, previous)) in nodes.iter().enumerate() {
            next.entry(previous.clone()).or_default().push(index);
        }
        let mut order = Vec::with_capacity(nodes.len());
        let mut placed = vec![false; nodes.len()];
        let mut head: Option<String> = None;
        while let Some(&index) = next.get(&head).and_then(|candidates| candidates.first()) {
            if placed[index] {
                break;
            }
            if let Some(candidates) = next.get(&head).filter(|c| c.len() > 1) {
                let names: Vec<&str> = candidates.iter().map(|&i| nodes[i].0.id.as_str()).collect();
                problems.push(format!(
                    "the chain forks: {} all name the same predecessor",
                    names.join(", ")
                ));
            }
            placed[index] = true;
            order.push(index);
            head = Some(nodes[index].0.sha256.clone());
        }
        for (index, done) in placed.iter().enumerate() {
            if !done {
                let (entry, previous) = &nodes[index];
                problems.push(format!(
                    "{}: its predecessor {} is not in the chain; put after the others",
                    entry.id,
                    previous.as_deref().unwrap_or("(none)")
                ));
                order.push(index);
            }
        }

        let mut text = Vec::new();
        for &index in &order {
            text.extend(nodes[index].0.to_line()?);
        }
        crate::file_util::publish(&self.index_path(), &text, 0o644, Existing::Replace).map_err(path_error)?;
        Ok(Reindexed {
            records: files,
            kept: order.len() - files,
            problems,
        })
    }

    /// Checks the archive's integrity apart from signatures: each index line
    /// against its file (present, same SHA-256, a canonical record of the
    /// same incident and time) and against the line before it (the chain).
    /// `wanted` picks the incidents to check; the others are only read from
    /// the index, for the chain. With `unindexed`, record files that no
    /// index line names are reported too. Each record goes to `each` as it
    /// is checked and is not kept, so memory does not grow with the archive
    /// (beyond a hash and a path per record).
    pub fn audit<E: From<ArchiveError>>(
        &self,
        wanted: &dyn Fn(&str) -> bool,
        unindexed: bool,
        mut each: impl FnMut(Audit) -> Result<(), E>,
    ) -> Result<(), E> {
        // The chain's messages name records by id, not by hash.
        let mut names: HashMap<String, String> = HashMap::new();
        for entry in self.entries()?.flatten() {
            names.insert(entry.1.sha256.clone(), entry.1.id.clone());
        }
        let name = |sha: &str| -> String {
            names
                .get(sha)
                .map(|id| format!("{id} ({})", short_sha(sha)))
                .unwrap_or_else(|| format!("{} (no record in the index has it)", short_sha(sha)))
        };

        let mut indexed: HashSet<PathBuf> = HashSet::new();
        // The SHA-256 the index gives for the line before: what the next
        // record must name.
        let mut previous: Option<(String, String)> = None;
        for line in self.entries()? {
            let (number, entry) = match line {
                Ok(line) => line,
                Err(ArchiveError::Index { line, reason, .. }) => {
                    each(Audit {
                        id: format!("index line {line}"),
                        line: Some(line),
                        path: None,
                        entry: None,
                        bytes: None,
                        record: None,
                        problems: vec![Problem::new(ProblemKind::Index, reason)],
                    })?;
                    // What follows cannot be chained to a line nobody can read.
                    previous = Some((String::new(), format!("index line {line}")));
                    continue;
                }
                Err(error) => return Err(error.into()),
            };
            let path = self.path_of(&entry);
            indexed.insert(path.clone());
            let expected = previous.replace((entry.sha256.clone(), entry.id.clone()));
            if !wanted(&entry.id) {
                continue;
            }
            let mut audit = Audit {
                id: entry.id.clone(),
                line: Some(number),
                path: Some(path.clone()),
                entry: Some(entry.clone()),
                bytes: None,
                record: None,
                problems: Vec::new(),
            };
            let bytes = match read_record_file(&path) {
                Ok(bytes) => bytes,
                Err(error) => {
                    let reason = if error.kind() == io::ErrorKind::NotFound {
                        format!("the record file is missing: {}", path.display())
                    } else {
                        format!("cannot read {}: {error}", path.display())
                    };
                    audit.problems.push(Problem::new(ProblemKind::Missing, reason));
                    each(audit)?;
                    continue;
                }
            };
            let sha = sha256_hex(&bytes);
            if sha != entry.sha256 {
                audit.problems.push(Problem::new(
                    ProblemKind::Digest,
                    format!(
                        "the record's SHA-256 is {}, the index says {}: the record file was changed",
                        short_sha(&sha),
                        short_sha(&entry.sha256)
                    ),
                ));
            }
            match Record::from_bytes(&bytes) {
                Ok(record) => {
                    if record.incident != entry.id || record.archived != entry.archived {
                        audit.problems.push(Problem::new(
                            ProblemKind::Digest,
                            format!(
                                "the file holds the record of {} archived {}, not what the index says",
                                record.incident,
                                super::canonical::timestamp(record.archived)
                            ),
                        ));
                    }
                    let differs = differences(&entry, &IndexEntry::of(&record, &sha));
                    // A changed file or another incident's record is named
                    // above; the fields only matter for the right record.
                    if sha == entry.sha256 && !differs.is_empty() {
                        audit.problems.push(Problem::new(
                            ProblemKind::Index,
                            format!(
                                "the index line does not match the record: {} (rebuild the index \
                                 with `runbook records --reindex`)",
                                differs.join("; ")
                            ),
                        ));
                    }
                    let named = record.previous_record.as_deref();
                    let before = expected.as_ref().map(|(sha, _)| sha.as_str());
                    if named != before {
                        let reason = match (named, &expected) {
                            (None, Some((_, id))) => {
                                format!("it names no previous record, but the index puts {id} before it")
                            }
                            (Some(sha), None) => format!(
                                "it names {} as the previous record, but it is first in the index \
                                 (records before it were removed?)",
                                name(sha)
                            ),
                            (Some(sha), Some((_, id))) => format!(
                                "it names {} as the previous record, but the index puts {id} before it \
                                 (a record was removed, inserted or moved)",
                                name(sha)
                            ),
                            (None, None) => String::new(),
                        };
                        audit.problems.push(Problem::new(ProblemKind::Chain, reason));
                    }
                    audit.record = Some(record);
                }
                Err(error) => audit.problems.push(Problem::new(
                    ProblemKind::Digest,
                    format!("the record file is not a valid record: {error}"),
                )),
            }
            audit.bytes = Some(bytes);
            each(audit)?;
        }

        if unindexed {
            for path in self.record_files()? {
                if indexed.contains(&path) {
                    continue;
                }
                let id = path
                    .file_stem()
                    .map(|stem| stem.to_string_lossy().into_owned())
                    .unwrap_or_default();
                each(Audit {
                    id,
                    line: None,
                    path: Some(path.clone()),
                    entry: None,
                    bytes: None,
                    record: None,
                    problems: vec![Problem::new(
                        ProblemKind::Index,
                        format!(
                            "the record file {} is not in the index (rebuild it with `runbook records --reindex`)",
                            path.display()
                        ),
                    )],
                })?;
            }
        }
        Ok(())
    }
}

/// What [`Archive::reindex`] did.
#[derive(Debug, Clone)]
pub struct Reindexed {
    /// Record files indexed.
    pub records: usize,
    /// Lines kept from the old index for records whose files are gone.
    pub kept: usize,
    pub problems: Vec<String>,
}

/// One record as [`Archive::audit`] found it.
#[derive(Debug, Clone)]
pub struct Audit {
    /// The incident, or `index line N` for a line that cannot be read.
    pub id: String,
    /// Its index line, from 1; `None` for a file no line names.
    pub line: Option<usize>,
    pub path: Option<PathBuf>,
    pub entry: Option<IndexEntry>,
    /// The record file's bytes, when it could be read.
    pub bytes: Option<Vec<u8>>,
    pub record: Option<Record>,
    pub problems: Vec<Problem>,
}

/// What failed about a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// The file is gone or unreadable.
    Missing,
    /// The bytes differ from what the index says, or are not a record.
    Digest,
    /// `previous_record` does not name the record before it.
    Chain,
    /// The index itself: a bad line, or a record it does not list.
    Index,
    Signature,
    /// The record disagrees with the incident's kept journal.
    Journal,
}

impl ProblemKind {
    pub fn name(self) -> &'static str {
        match self {
            ProblemKind::Missing => "missing",
            ProblemKind::Digest => "digest",
            ProblemKind::Chain => "chain",
            ProblemKind::Index => "index",
            ProblemKind::Signature => "signature",
            ProblemKind::Journal => "journal",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub detail: String,
}

impl Problem {
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Problem {
        Problem {
            kind,
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.detail)
    }
}

/// The index's lines, in order: (line number from 1, entry).
#[derive(Debug)]
pub struct Entries {
    reader: Option<BufReader<File>>,
    path: PathBuf,
    line: usize,
}

impl Iterator for Entries {
    type Item = Result<(usize, IndexEntry), ArchiveError>;

    fn next(&mut self) -> Option<Self::Item> {
        let reader = self.reader.as_mut()?;
        let mut bytes = Vec::new();
        match reader.read_until(b'\n', &mut bytes) {
            Ok(0) => None,
            Ok(_) => {
                self.line += 1;
                let line = self.line;
                let index_error = |reason: String| ArchiveError::Index {
                    path: self.path.clone(),
                    line,
                    reason,
                };
                let Some(body) = bytes.strip_suffix(b"\n") else {
                    return Some(Err(index_error(
                        "the last line is cut short (a crash while writing?)".into(),
                    )));
                };
                Some(parse_entry(body).map(|entry| (line, entry)).map_err(index_error))
            }
            Err(error) => {
                self.reader = None;
                Some(Err(io_error("read", &self.path)(error)))
            }
        }
    }
}

/// One index line, read leniently: the index is derived from the records
/// (`runbook records --reindex` rebuilds it), so a line reformatted by hand
/// still finds its record. [`Archive::audit`] compares each line with its
/// record, field by field.
fn parse_entry(line: &[u8]) -> Result<IndexEntry, String> {
    serde_json::from_slice(line).map_err(|error| format!("not an index entry: {error}"))
}

/// Where an index line says something other than its record: `FIELD is A
/// in the index, B in the record` for each such field.
fn differences(indexed: &IndexEntry, record: &IndexEntry) -> Vec<String> {
    let (Ok(Value::Object(indexed)), Ok(Value::Object(record))) =
        (serde_json::to_value(indexed), serde_json::to_value(record))
    else {
        return Vec::new();
    };
    record
        .iter()
        .filter_map(|(field, wanted)| {
            let found = indexed.get(field).unwrap_or(&Value::Null);
            (found != wanted).then(|| format!("{field} is {found} in the index, {wanted} in the record"))
        })
        .collect()
}

/// The most a record file may hold: far beyond any record (command output
/// is capped when it is journaled), and enough to refuse a device.
const RECORD_LIMIT: u64 = 256 * 1024 * 1024;

/// Reads a record file (or its signature) that someone may have replaced:
/// a FIFO or device there is refused instead of waited on.
pub fn read_record_file(path: &Path) -> io::Result<Vec<u8>> {
    crate::file_util::read_regular(path, RECORD_LIMIT, crate::file_util::Links::Follow)
        .map_err(|failed| failed.error)
}

/// The first 12 characters of a SHA-256 (whatever the text, which may come
/// from a file someone edited), as messages show them.
pub fn short_sha(sha: &str) -> String {
    sha.chars().take(12).collect()
}

fn is_digits(name: &str) -> bool {
    name.bytes().all(|b| b.is_ascii_digit())
}

fn sorted_dir(dir: &Path, keep: impl Fn(&str) -> bool) -> Result<Vec<PathBuf>, ArchiveError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(io_error("list", dir)(error)),
    };
    let mut paths: BTreeMap<String, PathBuf> = BTreeMap::new();
    for entry in entries {
        let entry = entry.map_err(io_error("list", dir))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if keep(&name) {
            paths.insert(name, entry.path());
        }
    }
    Ok(paths.into_values().collect())
}

/// The length of `file` up to and including its last `\n` (0 if none).
fn last_newline_end(file: &mut File, len: u64) -> io::Result<u64> {
    let mut end = len;
    let mut buffer = vec![0; 4096];
    while end > 0 {
        let start = end.saturating_sub(buffer.len() as u64);
        let chunk = &mut buffer[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(at) = chunk.iter().rposition(|&b| b == b'\n') {
            return Ok(start + at as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// Creates `dir` and its missing parents (0700), each synced into its parent.
fn make_dirs(dir: &Path) -> Result<(), ArchiveError> {
    crate::file_util::make_dirs(dir, 0o700).map_err(path_error)
}

fn path_error(failed: crate::file_util::PathError) -> ArchiveError {
    io_error(failed.action, &failed.path)(failed.error)
}

fn sync_dir(dir: &Path) -> Result<(), ArchiveError> {
    crate::file_util::sync_dir(dir).map_err(io_error("sync", dir))
}

/// Creates `path` (which must not exist), writes `bytes` and syncs it.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), ArchiveError> {
    crate::file_util::write_new(path, bytes, mode).map_err(path_error)
}

/// Writes a new read-only file whole ([`crate::file_util::publish`]), a
/// record or its signature for incident `id`; never replaces one, and a
/// file that appeared there meanwhile means it is already archived.
fn publish(path: &Path, bytes: &[u8], id: &str) -> Result<(), ArchiveError> {
    crate::file_util::publish(path, bytes, 0o444, Existing::Keep).map_err(|failed| {
        if failed.error.kind() == io::ErrorKind::AlreadyExists && failed.path == path {
            ArchiveError::AlreadyArchived {
                id: id.to_owned(),
                path: path.to_owned(),
            }
        } else {
            path_error(failed)
        }
    })
}

/// Removes temporary files a crash left in a record directory.
fn remove_temps(dir: &Path) {
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.ends_with(".tmp") {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// Appends one whole line with one `write`, then `sync_data`.
fn append_line(path: &Path, line: &[u8]) -> Result<(), ArchiveError> {
    let mut file = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o644)
        .open(path)
        .map_err(io_error("open", path))?;
    file.write_all(line).map_err(io_error("append to", path))?;
    file.sync_data().map_err(io_error("sync", path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Outcome;
    use crate::record::canonical::{Deadline, FORMAT, JournalRef, RunbookRef, Summary};
    use std::os::unix::fs::PermissionsExt;

    fn record(id: &str, minute: u32, previous: Option<String>) -> Record {
        let time = |m: u32| -> DateTime<Utc> { format!("2026-11-28T10:{m:02}:00Z").parse().unwrap() };
        Record {
            format: FORMAT.into(),
            incident: id.into(),
            drill: false,
            runbook: RunbookRef {
                id: "web".into(),
                title: "Web".into(),
                version: None,
                digest: "d".repeat(64),
                source: "web.toml".into(),
            },
            severity: "sev2".into(),
            severity_history: Vec::new(),
            operators: vec!["ops@web1".into()],
            vars: BTreeMap::new(),
            started: time(0),
            ended: time(1),
            archived: time(minute),
            duration_s: 60,
            outcome: Outcome::Resolved,
            end_step: Some("done".into()),
            abort_reason: None,
            deadline: Deadline {
                within_s: 86_400,
                due: time(1) + chrono::TimeDelta::days(1),
                on_time: true,
                late_s: 0,
            },
            milestones: Vec::new(),
            timeline: Vec::new(),
            commands: Vec::new(),
            notifications: Vec::new(),
            escalations: Vec::new(),
            attachments: Vec::new(),
            notes: Vec::new(),
            summary: Summary::default(),
            journal: JournalRef {
                head: "h".repeat(64),
                events: 3,
            },
            previous_record: previous,
        }
    }

    /// Archives three records chained as `archive` does.
    fn three(archive: &Archive) -> Vec<Stored> {
        let mut stored = Vec::new();
        for (n, id) in ["INC-20261128-0001", "INC-20261128-0002", "INC-20261128-0003"]
            .iter()
            .enumerate()
        {
            let lock = archive.lock().unwrap();
            let previous = archive.tip().unwrap().map(|e| e.sha256);
            let record = record(id, 10 + n as u32, previous);
            let bytes = record.to_bytes().unwrap();
            stored.push(archive.store(&lock, &record, &bytes, "SIG\n").unwrap());
        }
        stored
    }

    /// Where the last line of a whole index starts.
    fn last_line_start(index: &[u8]) -> usize {
        index[..index.len() - 1]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |at| at + 1)
    }

    #[test]
    fn the_tip_is_refused_while_the_index_is_behind_or_lists_a_record_twice() {
        let root = tempfile::tempdir().unwrap();
        let archive = Archive::new(root.path().join("archive"));
        assert_eq!(archive.tip().unwrap(), None, "an empty archive");
        let stored = three(&archive);
        assert_eq!(archive.tip().unwrap(), Some(stored[2].entry.clone()));

        let index = archive.index_path();
        let whole = fs::read(&index).unwrap();
        let last = last_line_start(&whole);
        fs::write(&index, &whole[..last]).unwrap();
        match archive.tip().unwrap_err() {
            ArchiveError::Unindexed { missing, files, .. } => {
                assert!(!missing);
                assert_eq!(files, [stored[2].entry.relative_path()]);
            }
            error => panic!("{error}"),
        }
        fs::remove_file(&index).unwrap();
        assert!(matches!(
            archive.tip().unwrap_err(),
            ArchiveError::Unindexed { missing: true, ref files, .. } if files.len() == 3
        ));

        fs::write(&index, &whole[..whole.len() - 1]).unwrap();
        let error = archive.tip().unwrap_err().to_string();
        assert!(
            error.ends_with("line 3: the last line is cut short (a crash while writing?)"),
            "{error}"
        );
        fs::write(&index, [&whole[..], &whole[last..]].concat()).unwrap();
        let error = archive.tip().unwrap_err().to_string();
        assert!(
            error.ends_with("line 4: INC-20261128-0003 is listed again (first on line 3)"),
            "{error}"
        );
    }

    fn problems(archive: &Archive) -> Vec<(String, ProblemKind)> {
        let mut found = Vec::new();
        archive
            .audit(&|_| true, true, |audit| {
                found.extend(audit.problems.into_iter().map(|p| (audit.id.clone(), p.kind)));
                Ok::<(), ArchiveError>(())
            })
            .unwrap();
        found
    }

    #[test]
    fn stores_chains_and_refuses_twice() {
        let root = tempfile::tempdir().unwrap();
        let archive = Archive::new(root.path().join("archive"));
        let stored = three(&archive);
        let path = &stored[0].path;
        assert!(
            path.ends_with("2026/11/INC-20261128-0001.json"),
            "{}",
            path.display()
        );
        let mode = fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o444);
        assert_eq!(fs::read_to_string(&stored[0].sig_path).unwrap(), "SIG\n");
        let entries: Vec<IndexEntry> = archive.entries().unwrap().map(|e| e.unwrap().1).collect();
        assert_eq!(entries.len(), 3);
        assert_eq!(archive.tip().unwrap().unwrap(), entries[2]);
        let second = Record::from_bytes(&fs::read(&stored[1].path).unwrap()).unwrap();
        assert_eq!(
            second.previous_record.as_deref(),
            Some(entries[0].sha256.as_str())
        );
        assert!(problems(&archive).is_empty());

        let lock = archive.lock().unwrap();
        let again = record("INC-20261128-0002", 30, None);
        let error = archive
            .store(&lock, &again, &again.to_bytes().unwrap(), "SIG\n")
            .unwrap_err();
        assert!(matches!(error, ArchiveError::AlreadyArchived { .. }), "{error}");
    }

    #[test]
    fn audit_finds_deleted_swapped_and_unindexed_records() {
        let root = tempfile::tempdir().unwrap();
        let archive = Archive::new(root.path().join("archive"));
        let stored = three(&archive);
        let index = archive.index_path();
        let original = fs::read_to_string(&index).unwrap();
        let lines: Vec<&str> = original.lines().collect();

        // Two lines swapped: both records' chains are wrong.
        fs::write(&index, format!("{}\n{}\n{}\n", lines[0], lines[2], lines[1])).unwrap();
        let found = problems(&archive);
        assert!(
            found.contains(&("INC-20261128-0003".into(), ProblemKind::Chain)),
            "{found:?}"
        );
        assert!(
            found.contains(&("INC-20261128-0002".into(), ProblemKind::Chain)),
            "{found:?}"
        );

        // A line and its file removed: the next record names a missing predecessor.
        fs::write(&index, format!("{}\n{}\n", lines[0], lines[2])).unwrap();
        let found = problems(&archive);
        assert!(
            found.contains(&("INC-20261128-0003".into(), ProblemKind::Chain)),
            "{found:?}"
        );
        assert!(
            found.contains(&("INC-20261128-0002".into(), ProblemKind::Index)),
            "{found:?}"
        );

        // The file gone, the line kept.
        fs::write(&index, &original).unwrap();
        fs::remove_file(&stored[1].path).unwrap();
        assert_eq!(
            problems(&archive),
            [("INC-20261128-0002".into(), ProblemKind::Missing)]
        );
    }

    #[test]
    fn reindex_rebuilds_the_chain_order() {
        let root = tempfile::tempdir().unwrap();
        let archive = Archive::new(root.path().join("archive"));
        three(&archive);
        let original = fs::read(archive.index_path()).unwrap();
        fs::remove_file(archive.index_path()).unwrap();
        let lock = archive.lock().unwrap();
        let done = archive.reindex(&lock).unwrap();
        assert_eq!((done.records, done.problems.len()), (3, 0), "{:?}", done.problems);
        assert_eq!(fs::read(archive.index_path()).unwrap(), original);
    }

    #[test]
    fn a_crash_before_the_index_is_finished_on_the_next_lock() {
        let root = tempfile::tempdir().unwrap();
        let archive = Archive::new(root.path().join("archive"));
        three(&archive);
        let index = archive.index_path();
        let whole = fs::read(&index).unwrap();
        let last = last_line_start(&whole);
        // The last line half written, `pending` still there.
        fs::write(archive.dir().join(PENDING_FILE), &whole[last..]).unwrap();
        fs::write(&index, &whole[..last + 20]).unwrap();
        let lock = archive.lock().unwrap();
        assert!(
            lock.recovered
                .as_deref()
                .unwrap()
                .starts_with("finished archiving INC-20261128-0003")
        );
        assert_eq!(fs::read(&index).unwrap(), whole);
        assert!(!archive.dir().join(PENDING_FILE).exists());
    }

    #[test]
    fn a_crash_before_the_signature_is_undone_on_the_next_lock() {
        let root = tempfile::tempdir().unwrap();
        let archive = Archive::new(root.path().join("archive"));
        let stored = three(&archive);
        let index = archive.index_path();
        let whole = fs::read(&index).unwrap();
        let last = last_line_start(&whole);
        fs::write(archive.dir().join(PENDING_FILE), &whole[last..]).unwrap();
        fs::write(&index, &whole[..last]).unwrap();
        fs::remove_file(&stored[2].sig_path).unwrap();
        let lock = archive.lock().unwrap();
        assert!(lock.recovered.unwrap().contains("undid"));
        assert!(!stored[2].path.exists());
        assert_eq!(archive.entries().unwrap().count(), 2);
    }
}

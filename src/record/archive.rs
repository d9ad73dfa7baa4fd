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
    #[serde(deserialize_with = "crate::model::time::deserialize_utc")]
    pub archived: DateTime<Utc>,
    pub runbook: String,
    /// The severity at the end.
    pub severity: String,
    pub outcome: String,
    #[serde(deserialize_with = "crate::model::time::deserialize_utc")]
    pub started: DateTime<Utc>,
    #[serde(deserialize_with = "crate::model::time::deserialize_utc")]
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
            error: RecordError::Json(error.into()),
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
        reason: IndexProblem,
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
    pub recovered: Option<Recovered>,
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
    fn recover(&self, _lock: &ArchiveLock) -> Result<Option<Recovered>, ArchiveError> {
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
            None => Recovery::Incomplete,
            Some(entry) => {
                let path = self.path_of(&entry);
                let sig = sig_path(&path);
                // A crash after the index line was written, on any line:
                // appending it again would list the record twice and chain
                // the next one to it, and undoing it would remove a record
                // the index lists. Only `pending` goes.
                if let Some(line) = self.indexed_on(&entry)? {
                    Recovery::Stale { id: entry.id, line }
                } else if read_record_file(&path).is_ok_and(|bytes| sha256_hex(&bytes) == entry.sha256)
                    && sig.is_file()
                {
                    append_line(&index, &entry.to_line()?)?;
                    Recovery::Finished { id: entry.id }
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
                    Recovery::Undone { id: entry.id }
                }
            }
        };
        fs::remove_file(&pending_path).map_err(io_error("remove", &pending_path))?;
        sync_dir(&self.dir)?;
        Ok(Some(Recovered { done: message, cut }))
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
                    reason: IndexProblem::ListedAgain {
                        id: entry.id.clone(),
                        first,
                    },
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
                let index_error = |reason: IndexProblem| ArchiveError::Index {
                    path: self.path.clone(),
                    line,
                    reason,
                };
                let Some(body) = bytes.strip_suffix(b"\n") else {
                    return Some(Err(index_error(IndexProblem::CutShort)));
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
fn parse_entry(line: &[u8]) -> Result<IndexEntry, IndexProblem> {
    serde_json::from_slice(line).map_err(|error| IndexProblem::NotAnEntry(error.into()))
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

mod audit;
mod index_problem;
mod recovered;
pub use audit::{Audit, Problem, ProblemKind};
pub use index_problem::IndexProblem;
pub use recovered::{Recovered, Recovery};

#[cfg(test)]
mod tests;

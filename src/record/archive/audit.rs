//! [`Archive::audit`]: each index line against its record file and the
//! line before it.

use super::{Archive, ArchiveError, IndexEntry, read_record_file, sha256_hex, short_sha};
use crate::model::Lang;
use crate::record::canonical::Record;
use crate::tr;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::io;
use std::path::PathBuf;
use std::sync::OnceLock;

impl Archive {
    /// Checks the archive's integrity apart from signatures: each index line
    /// against its file (present, same SHA-256, a canonical record of the
    /// same incident and time) and against the line before it (the chain).
    /// `wanted` picks the incidents to check; the others are only read from
    /// the index, for the chain. With `unindexed`, record files that no
    /// index line names are reported too.
    ///
    /// Records are checked on every core, 256 at a time: each is read
    /// and checked, and then given to `check` (what the caller adds, such
    /// as its signature, which may add problems and returns what else it
    /// found), on whichever core is free; then each goes to `each` with
    /// what `check` returned, in index order, on this thread while the
    /// next 256 are checked. What is found is said in `lang`. No more than
    /// two batches are kept, so memory does not grow with the archive
    /// (beyond a path per record).
    pub fn audit<E: From<ArchiveError>, X: Send>(
        &self,
        wanted: &dyn Fn(&str) -> bool,
        unindexed: bool,
        check: &(dyn Fn(&mut Audit) -> X + Sync),
        mut each: impl FnMut(Audit, X) -> Result<(), E>,
        lang: &Lang,
    ) -> Result<(), E> {
        let names = &Names {
            archive: self,
            by_sha: OnceLock::new(),
        };
        // What a batch found is handed to `each` while the next batch is
        // checked, so that the cores are not idle meanwhile.
        let mut found: Vec<(Audit, X)> = Vec::new();
        let mut flush = |batch: &mut Vec<Pending>| -> Result<(), E> {
            let (audits, handed) = crate::parallel::map_beside(
                batch,
                |pending| {
                    let mut audit = match pending {
                        Pending::Found(audit) => audit.clone(),
                        Pending::Record {
                            number,
                            entry,
                            path,
                            expected,
                        } => load(*number, entry, path, expected.as_ref(), names, lang),
                    };
                    let found = check(&mut audit);
                    (audit, found)
                },
                || found.drain(..).try_for_each(|(audit, found)| each(audit, found)),
            );
            batch.clear();
            found = audits;
            handed
        };

        let mut indexed: HashSet<PathBuf> = HashSet::new();
        let mut batch: Vec<Pending> = Vec::with_capacity(BATCH);
        // The SHA-256 the index gives for the line before: what the next
        // record must name.
        let mut previous: Option<(String, String)> = None;
        for line in self.entries()? {
            let (number, entry) = match line {
                Ok(line) => line,
                Err(ArchiveError::Index { line, reason, .. }) => {
                    batch.push(Pending::Found(Audit {
                        id: tr!(lang, AuditIndexLineId, line = line),
                        line: Some(line),
                        path: None,
                        entry: None,
                        bytes: None,
                        record: None,
                        problems: vec![Problem::new(ProblemKind::Index, reason.in_lang(lang))],
                    }));
                    // What follows cannot be chained to a line nobody can read.
                    previous = Some((String::new(), tr!(lang, AuditIndexLineId, line = line)));
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
            batch.push(Pending::Record {
                number,
                entry,
                path,
                expected,
            });
            if batch.len() == BATCH {
                flush(&mut batch)?;
            }
        }
        flush(&mut batch)?;
        // The last batch's, with none to check beside it.
        flush(&mut batch)?;

        if unindexed {
            for path in self.record_files()? {
                if indexed.contains(&path) {
                    continue;
                }
                let id = path
                    .file_stem()
                    .map(|stem| stem.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let mut audit = Audit {
                    id,
                    line: None,
                    path: Some(path.clone()),
                    entry: None,
                    bytes: None,
                    record: None,
                    problems: vec![Problem::new(
                        ProblemKind::Index,
                        tr!(lang, AuditFileNotInIndex, path = path.display()),
                    )],
                };
                let found = check(&mut audit);
                each(audit, found)?;
            }
        }
        Ok(())
    }
}

/// The chain's messages name records by id, not by hash: the index's
/// records by SHA-256, read from the index again only when a message
/// needs one (a chain that holds needs none).
struct Names<'a> {
    archive: &'a Archive,
    by_sha: OnceLock<HashMap<String, String>>,
}

impl Names<'_> {
    fn get(&self, sha: &str) -> Option<&String> {
        self.by_sha
            .get_or_init(|| {
                let entries = self.archive.entries().into_iter().flatten().flatten();
                entries.map(|(_, entry)| (entry.sha256, entry.id)).collect()
            })
            .get(sha)
    }
}

/// How many records are read and checked together across the cores.
const BATCH: usize = 256;

/// A record of [`Archive::audit`]'s still to check, or found already.
/// At most a batch of them lives at once: the sizes of the two do not
/// matter.
#[allow(clippy::large_enum_variant)]
enum Pending {
    Found(Audit),
    Record {
        number: usize,
        entry: IndexEntry,
        path: PathBuf,
        /// The SHA-256 and id of the index line before, which the record
        /// must name.
        expected: Option<(String, String)>,
    },
}

/// Reads and checks the record `entry` names at `path`: its digest, its
/// form, and that it names the record before it (`expected`).
fn load(
    number: usize,
    entry: &IndexEntry,
    path: &std::path::Path,
    expected: Option<&(String, String)>,
    names: &Names,
    lang: &Lang,
) -> Audit {
    let name = |sha: &str| -> String {
        names
            .get(sha)
            .map(|id| format!("{id} ({})", short_sha(sha)))
            .unwrap_or_else(|| tr!(lang, AuditNoRecordHasIt, sha = short_sha(sha)))
    };
    let mut audit = Audit {
        id: entry.id.clone(),
        line: Some(number),
        path: Some(path.to_owned()),
        entry: Some(entry.clone()),
        bytes: None,
        record: None,
        problems: Vec::new(),
    };
    let bytes = match read_record_file(path) {
        Ok(bytes) => bytes,
        Err(error) => {
            let reason = if error.kind() == io::ErrorKind::NotFound {
                tr!(lang, AuditFileMissing, path = path.display())
            } else {
                tr!(lang, CannotReadPath, path = path.display(), error = error)
            };
            audit.problems.push(Problem::new(ProblemKind::Missing, reason));
            return audit;
        }
    };
    let sha = sha256_hex(&bytes);
    if sha != entry.sha256 {
        audit.problems.push(Problem::new(
            ProblemKind::Digest,
            tr!(
                lang,
                AuditDigestChanged,
                sha = short_sha(&sha),
                indexed = short_sha(&entry.sha256)
            ),
        ));
    }
    match Record::from_bytes(&bytes) {
        Ok(record) => {
            if record.incident != entry.id || record.archived != entry.archived {
                audit.problems.push(Problem::new(
                    ProblemKind::Digest,
                    tr!(
                        lang,
                        AuditHoldsOther,
                        incident = record.incident,
                        archived = crate::record::canonical::timestamp(record.archived)
                    ),
                ));
            }
            // A changed file or another incident's record is named
            // above; the fields only matter for the right record.
            let of = IndexEntry::of(&record, &sha);
            if sha == entry.sha256 && *entry != of {
                let differs = differences(entry, &of);
                if !differs.is_empty() {
                    audit.problems.push(Problem::new(
                        ProblemKind::Index,
                        tr!(lang, AuditIndexMismatch, differs = differs.join("; ")),
                    ));
                }
            }
            let named = record.previous_record.as_deref();
            let before = expected.as_ref().map(|(sha, _)| sha.as_str());
            if named != before {
                let reason = match (named, &expected) {
                    (None, Some((_, id))) => tr!(lang, AuditChainNoPrevious, id = id),
                    (Some(sha), None) => tr!(lang, AuditChainFirst, named = name(sha)),
                    (Some(sha), Some((_, id))) => tr!(lang, AuditChainMoved, named = name(sha), id = id),
                    (None, None) => String::new(),
                };
                audit.problems.push(Problem::new(ProblemKind::Chain, reason));
            }
            audit.record = Some(record);
        }
        Err(error) => audit.problems.push(Problem::new(
            ProblemKind::Digest,
            tr!(lang, AuditNotValid, error = error.in_lang(lang)),
        )),
    }
    audit.bytes = Some(bytes);
    audit
}

/// One record as [`Archive::audit`] found it.
#[derive(Debug, Clone)]
pub struct Audit {
    /// The incident, or `index line N` (in the display language) for a line that cannot be read.
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

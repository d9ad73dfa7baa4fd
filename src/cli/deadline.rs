//! The plan's one-day rule: a finished incident's record is due
//! `archive_within` (default one day) after handling ended.

use super::Context;
use crate::model::{Incident, Status};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::path::Path;

/// Where a finished incident stands against its archive deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Archiving {
    /// Still open: no deadline yet.
    Open,
    Archived,
    Due(DateTime<Utc>),
    Overdue(DateTime<Utc>),
}

/// The ids of archived incidents: those the index lists, and those whose
/// record file is there (the records are the truth; an index that was lost
/// or cut short must not make filed incidents look overdue).
pub fn archived_ids(context: &Context) -> HashSet<String> {
    let archive = crate::record::Archive::new(context.archive_dir());
    let indexed = archive
        .entries()
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok())
        .map(|(_, entry)| entry.id);
    let filed = archive
        .record_files()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|path| Some(path.file_stem()?.to_str()?.to_owned()));
    indexed.chain(filed).collect()
}

/// Whether incident `id` is archived, by the same rule as
/// [`archived_ids`], stopping at the first sign of it.
pub fn is_archived(context: &Context, id: &str) -> bool {
    let archive = crate::record::Archive::new(context.archive_dir());
    archive
        .entries()
        .into_iter()
        .flatten()
        .flatten()
        .any(|(_, entry)| entry.id == id)
        || archive.record_file(id).ok().flatten().is_some()
}

/// Where `incident` (kept in `dir`) stands at `now`.
pub fn archiving(
    context: &Context,
    dir: &Path,
    incident: &Incident,
    archived: &HashSet<String>,
    now: DateTime<Utc>,
) -> Archiving {
    if archived.contains(&incident.id) {
        return Archiving::Archived;
    }
    let (Some(ended), false) = (
        incident.ended,
        matches!(incident.status, Status::Running | Status::Paused | Status::Failed),
    ) else {
        return Archiving::Open;
    };
    // Out of range only for a time no clock gives: never due, then.
    let due = ended
        .checked_add_signed(within(context, dir))
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    if now > due {
        Archiving::Overdue(due)
    } else {
        Archiving::Due(due)
    }
}

/// `archive_within` of the runbook kept with the incident; one day when
/// it cannot be read.
fn within(context: &Context, dir: &Path) -> chrono::Duration {
    super::kept::text(dir).map_or_else(
        |_| super::kept::default_archive_within(),
        |text| super::kept::archive_within_or_default(context, dir, text),
    )
}

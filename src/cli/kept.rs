//! The copy of its runbook each incident keeps, as it was at start
//! (`INCIDENT_DIR/runbook.toml`): written once by `start`, read by
//! `resume`, `check`, `archive`, `report` and the archive deadline.

use super::Context;
use crate::error::{Error, Result};
use crate::file_util::{Links, PathError, read_regular};
use crate::journal::sha256_hex;
use crate::load::{Origin, Source, load};
use crate::model::{Incident, Runbook};
use chrono::TimeDelta;
use std::path::{Path, PathBuf};

const FILE: &str = "runbook.toml";

fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// Keeps `text` with the incident in the new directory `dir`, read-only.
///
/// Durability: the file's contents are synced here; its directory entry is
/// synced with the journal's, which `Journal::create` makes next in the same
/// directory. A crash before that leaves an incident with no journal, which
/// never started: nothing reads its copy.
pub fn write(dir: &Path, text: &str) -> Result<()> {
    crate::file_util::write_new(&path(dir), text.as_bytes(), 0o400).map_err(|failed| failed.error)?;
    Ok(())
}

/// The kept text, if it can be read: a regular file, not a symbolic link
/// (runbook never makes one there; a FIFO would block the read), no
/// larger than a runbook may be.
pub fn text(dir: &Path) -> std::result::Result<String, PathError> {
    let path = path(dir);
    let bytes = read_regular(&path, crate::load::MAX_SIZE, Links::Refuse)?;
    String::from_utf8(bytes).map_err(|error| PathError {
        action: "read",
        path,
        error: std::io::Error::new(std::io::ErrorKind::InvalidData, error),
    })
}

/// The kept text, checked against the digest journaled at start.
pub fn verified(dir: &Path, incident: &Incident) -> Result<String> {
    let path = path(dir);
    let text = text(dir).map_err(|failed| {
        Error::usage(format!(
            "cannot read the runbook kept with {}: {}: {}",
            incident.id,
            path.display(),
            failed.error
        ))
    })?;
    let digest = sha256_hex(text.as_bytes());
    if digest != incident.digest {
        return Err(Error::usage(format!(
            "the runbook kept with {} ({}) is not the one it started with: sha256 {} now, {} journaled at start",
            incident.id,
            path.display(),
            &digest[..12],
            &incident.digest[..12.min(incident.digest.len())]
        )));
    }
    Ok(text)
}

/// `text` (kept with the incident in `dir`) as a runbook, when it loads.
pub fn runbook(context: &Context, dir: &Path, text: String) -> Option<Runbook> {
    load(Source::new(FILE, Origin::File(path(dir)), text), context.today).runbook
}

/// How long after handling ends the record is due: the runbook's
/// `archive_within`. The loader refuses periods too long for a time span,
/// so the default day stands in only for a runbook built some other way.
pub fn archive_within(runbook: &Runbook) -> TimeDelta {
    TimeDelta::from_std(runbook.archive_within.duration).unwrap_or_else(|_| default_archive_within())
}

/// The default `archive_within` (one day), for a kept runbook that no
/// longer loads.
pub fn default_archive_within() -> TimeDelta {
    TimeDelta::days(1)
}

/// The `archive_within` of the kept runbook `text`; the default day when
/// it no longer loads.
pub fn archive_within_or_default(context: &Context, dir: &Path, text: String) -> TimeDelta {
    runbook(context, dir, text).map_or_else(default_archive_within, |runbook| archive_within(&runbook))
}

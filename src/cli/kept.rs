//! The copy of its runbook each incident keeps, as it was at start
//! (`INCIDENT_DIR/runbook.toml`): written once by `start`, read by
//! `resume`, `check`, `archive`, `report` and the archive deadline.

use super::Context;
use crate::error::{Error, Result};
use crate::file_util::{Links, PathError, read_regular};
use crate::journal::sha256_hex;
use crate::load::{Origin, Source, load};
use crate::model::{Incident, Lang, Runbook};
use crate::record::archive::short_sha;
use crate::tr;
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

/// What is wrong with the copy kept with an incident.
#[derive(Debug)]
pub enum Problem {
    /// It cannot be read: gone, not a regular file, not UTF-8.
    Unreadable(PathError),
    /// It is not the runbook whose digest was journaled at start.
    Changed { path: PathBuf, digest: String },
}

impl Problem {
    /// What is wrong, naming the file, for `incident`.
    pub fn describe(&self, incident: &Incident, lang: &Lang) -> String {
        match self {
            Problem::Unreadable(failed) => tr!(
                lang,
                KeptUnreadable,
                incident = incident.id,
                path = failed.path.display(),
                error = failed.error
            ),
            Problem::Changed { path, digest } => tr!(
                lang,
                KeptChanged,
                incident = incident.id,
                path = path.display(),
                now = short_sha(digest),
                then = short_sha(&incident.digest)
            ),
        }
    }

    /// How to put it right: the runbook with the journaled digest back.
    pub fn hint(&self, incident: &Incident, lang: &Lang) -> String {
        tr!(
            lang,
            HintPutKeptBack,
            runbook = incident.runbook,
            digest = incident.digest,
            source = incident.source,
            path = self.path().display()
        )
    }

    fn path(&self) -> &Path {
        match self {
            Problem::Unreadable(failed) => &failed.path,
            Problem::Changed { path, .. } => path,
        }
    }
}

/// The kept text, when it is the runbook whose digest was journaled at start.
pub fn checked(dir: &Path, incident: &Incident) -> std::result::Result<String, Problem> {
    let text = text(dir).map_err(Problem::Unreadable)?;
    let digest = sha256_hex(text.as_bytes());
    if digest != incident.digest {
        return Err(Problem::Changed {
            path: path(dir),
            digest,
        });
    }
    Ok(text)
}

/// The kept text, checked as [`checked`] does (exit 1, saying how to
/// recover, when it fails); when it is missing or
/// changed, put back from the runbook found now (what `found` gives, then
/// the built-in ones) if one has exactly the digest journaled at start. What
/// was wrong, and what was done, is said on `err`. The incident's lock must
/// be held. A changed copy is moved aside to `runbook.toml.changed`, not
/// lost.
pub fn verified_or_restored(
    dir: &Path,
    incident: &Incident,
    found: impl FnOnce() -> Option<String>,
    err: &mut impl std::io::Write,
    lang: &Lang,
) -> Result<String> {
    let problem = match checked(dir, incident) {
        Ok(text) => return Ok(text),
        Err(problem) => problem,
    };
    let builtin = crate::load::builtin_sources().map(|source| source.text);
    let Some(text) = found()
        .into_iter()
        .chain(builtin)
        .find(|text| sha256_hex(text.as_bytes()) == incident.digest)
    else {
        return Err(Error::failed(problem.describe(incident, lang)).with_hint(problem.hint(incident, lang)));
    };
    let path = path(dir);
    let restored = (|| -> std::result::Result<Option<String>, PathError> {
        let mut moved = None;
        if let Problem::Changed { .. } = problem {
            // Under a name of its own: an earlier changed copy stays too.
            let move_aside = PathError::of("move aside", &path);
            let mut n = 1;
            loop {
                let aside = match n {
                    1 => dir.join(format!("{FILE}.changed")),
                    n => dir.join(format!("{FILE}.changed.{n}")),
                };
                match std::fs::hard_link(&path, &aside) {
                    Ok(()) => {
                        moved = aside.file_name().map(|name| name.to_string_lossy().into_owned());
                        break;
                    }
                    Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => n += 1,
                    Err(error) => return Err(move_aside(error)),
                }
            }
            std::fs::remove_file(&path).map_err(move_aside)?;
        }
        crate::file_util::write_new(&path, text.as_bytes(), 0o400)?;
        crate::file_util::sync_dir(dir).map_err(PathError::of("sync", dir))?;
        Ok(moved)
    })();
    let done = match &restored {
        Ok(Some(aside)) => tr!(lang, KeptMovedAndRestored, aside = aside),
        Ok(None) => tr!(lang, KeptRestored).to_owned(),
        Err(failed) => tr!(lang, KeptNotRestored, error = failed),
    };
    let warning = tr!(
        lang,
        KeptProblemDone,
        problem = problem.describe(incident, lang),
        done = done
    );
    writeln!(err, "{}", tr!(lang, WarningLine, warning = warning))?;
    Ok(text)
}

/// The runbook `incident` (kept in `dir`) started with, for a look that
/// takes no lock and puts nothing back: the kept copy, which `check`
/// follows, wherever the runbook is now; or, when that copy cannot be read,
/// has changed or does not load, `found` (the runbook of that id on the
/// search path now) if it has the digest journaled at start.
pub fn started_with(
    context: &Context,
    dir: &Path,
    incident: &Incident,
    found: Option<&crate::load::Entry>,
) -> Option<Runbook> {
    if let Some(runbook) = checked(dir, incident)
        .ok()
        .and_then(|text| runbook(context, dir, text))
    {
        return Some(runbook);
    }
    let loaded = found?.file().as_ref().ok()?;
    (sha256_hex(loaded.source.text.as_bytes()) == incident.digest)
        .then(|| loaded.runbook.clone())
        .flatten()
}

/// `text` (kept with the incident in `dir`) as a runbook, when it loads.
pub fn runbook(context: &Context, dir: &Path, text: String) -> Option<Runbook> {
    loaded(context, dir, text).ok()
}

/// `text` (kept with the incident in `dir`) as a runbook, or why it does
/// not load: its path and the first error, where it is.
pub fn loaded(context: &Context, dir: &Path, text: String) -> std::result::Result<Runbook, String> {
    let path = path(dir);
    let loaded = load(Source::new(FILE, Origin::File(path.clone()), text), context.today);
    if let Some(runbook) = loaded.runbook {
        return Ok(runbook);
    }
    let first = loaded
        .diagnostics
        .iter()
        .find(|diagnostic| diagnostic.level == crate::load::Level::Error)
        .map(|diagnostic| match &diagnostic.location {
            Some(at) => tr!(
                &context.lang,
                KeptFirstErrorAt,
                line = at.line,
                column = at.column,
                message = diagnostic.message
            ),
            None => tr!(&context.lang, KeptFirstError, message = diagnostic.message),
        })
        .unwrap_or_default();
    Err(tr!(
        &context.lang,
        KeptDoesNotLoad,
        path = path.display(),
        first = first
    ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_runbook_that_does_not_load_is_named_with_its_first_error() {
        let dir = tempfile::tempdir().unwrap();
        let context = Context {
            config: Default::default(),
            lang: Default::default(),
            search_path: Vec::new(),
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            data_dir: dir.path().to_owned(),
            command: "check",
        };
        let text =
            "schema = 1\ntitle = \"Broken\"\n\n[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"nonsense\"\n";
        let error = loaded(&context, dir.path(), text.to_owned()).unwrap_err();
        let named = format!(
            "the runbook kept with the incident, {}, does not load: line 7, column ",
            path(dir.path()).display()
        );
        assert!(error.starts_with(&named), "{error}");
    }
}

//! `runbook note`, `runbook abort`, `runbook attach`: add to an incident's
//! journal from outside a walk.

use super::start::journal_error;
use super::{Context, context::actor};
use crate::error::{Error, Result};
use crate::exit_code::ExitCode;
use crate::journal::{Journal, Lock, store_attachment};
use crate::model::{EventKind, Incident};
use std::io::Write;
use std::path::PathBuf;

/// Add a note to an incident's timeline.
#[derive(Debug, clap::Args)]
pub struct NoteArgs {
    pub incident: String,
    /// The note.
    pub text: String,
}

/// Abort an open incident, with the reason.
#[derive(Debug, clap::Args)]
pub struct AbortArgs {
    pub incident: String,
    /// Why it is aborted; kept in the record.
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
}

/// Copy a file into an incident as evidence, with its SHA-256.
#[derive(Debug, clap::Args)]
pub struct AttachArgs {
    pub incident: String,
    pub file: PathBuf,
}

/// Opens an incident's journal for one more event. Refused while another
/// process drives it: that operator adds notes and files at their own
/// prompt.
fn append(
    context: &Context,
    id: &str,
    kind: impl FnOnce(&Incident) -> Result<EventKind>,
) -> Result<Incident> {
    let dir = context.incident_dir(id)?;
    let now = crate::clock::now();
    let actor = actor();
    let lock = Lock::acquire(&dir, &actor, now).map_err(|error| {
        let locked = matches!(error, crate::journal::JournalError::Locked { .. });
        let error = journal_error(error);
        if locked {
            error.with_hint(
                "whoever walks it can add notes and files at any prompt (Other actions); \
                 or run this again once the walk pauses or ends",
            )
        } else {
            error
        }
    })?;
    let (mut journal, replay) = Journal::open(&dir, &actor, lock).map_err(journal_error)?;
    if let Some(torn) = &replay.torn {
        writeln!(
            std::io::stderr(),
            "warning: the journal's last event was cut short (line {}, {} bytes, a crash while writing); it was moved to journal.jsonl.torn",
            torn.line,
            torn.bytes
        )?;
    }
    let mut incident =
        Incident::replay(&replay.events).map_err(|error| Error::usage(format!("{id}: {error}")))?;
    let event = journal.append(now, kind(&incident)?).map_err(journal_error)?;
    incident.apply(&event);
    Ok(incident)
}

pub fn note(context: &Context, args: &NoteArgs) -> Result<ExitCode> {
    if args.text.trim().is_empty() {
        return Err(Error::usage("the note is empty"));
    }
    append(context, &args.incident, |incident| {
        Ok(EventKind::NoteAdded {
            text: args.text.clone(),
            step: incident.current.clone(),
        })
    })?;
    Ok(ExitCode::Success)
}

pub fn abort(context: &Context, args: &AbortArgs) -> Result<ExitCode> {
    if args.reason.trim().is_empty() {
        return Err(Error::usage("give the reason: --reason TEXT"));
    }
    append(context, &args.incident, |incident| {
        if !incident.status.is_open() {
            return Err(Error::usage(format!(
                "{} is not open; it cannot be aborted",
                incident.id
            )));
        }
        Ok(EventKind::Aborted {
            reason: args.reason.clone(),
        })
    })?;
    writeln!(std::io::stderr(), "{} aborted", args.incident)?;
    Ok(ExitCode::Success)
}

pub fn attach(context: &Context, args: &AttachArgs) -> Result<ExitCode> {
    let dir = context.incident_dir(&args.incident)?;
    let metadata = std::fs::metadata(&args.file)
        .map_err(|error| Error::usage(format!("cannot read {}: {error}", args.file.display())))?;
    if !metadata.is_file() {
        return Err(Error::usage(format!(
            "{} is not a regular file",
            args.file.display()
        )));
    }
    if args.file.file_name().is_none() {
        return Err(Error::usage("the file has no name"));
    }
    let mut digest = String::new();
    // Copied while holding the incident's lock: a refused attach leaves
    // nothing behind, and two at once never pick the same name.
    append(context, &args.incident, |_| {
        let stored = store_attachment(&dir, &args.file)?;
        digest.clone_from(&stored.sha256);
        Ok(EventKind::AttachmentAdded {
            name: stored.name,
            sha256: stored.sha256,
            bytes: stored.bytes,
        })
    })?;
    writeln!(
        std::io::stderr(),
        "attached {} to {} (sha256 {digest})",
        args.file.display(),
        args.incident
    )?;
    Ok(ExitCode::Success)
}

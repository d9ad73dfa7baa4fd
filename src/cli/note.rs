//! `runbook note`, `runbook abort`, `runbook attach`: add to an incident's
//! journal from outside a walk.

use super::start::journal_error;
use super::{Context, context::actor};
use crate::error::{Error, Result};
use crate::exit_code::ExitCode;
use crate::journal::{Journal, Lock, sha256_hex_reader};
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
/// process drives it: that operator adds notes at their own prompt.
fn append(
    context: &Context,
    id: &str,
    kind: impl FnOnce(&Incident) -> Result<EventKind>,
) -> Result<Incident> {
    let dir = context.incident_dir(id)?;
    let now = crate::clock::now();
    let actor = actor();
    let lock = Lock::acquire(&dir, &actor, now).map_err(journal_error)?;
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
    let name = args
        .file
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .ok_or_else(|| Error::usage("the file has no name"))?;
    let mut digest = String::new();
    // Copied while holding the incident's lock: a refused attach leaves
    // nothing behind, and two at once never pick the same name.
    append(context, &args.incident, |_| {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let attachments = dir.join("attachments");
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&attachments)?;
        // Never overwrite: a second file of the same name gets a number.
        let mut target = attachments.join(&name);
        let mut n = 1;
        while target.exists() {
            n += 1;
            target = attachments.join(format!("{n}-{name}"));
        }
        let stored = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or(name);
        std::fs::copy(&args.file, &target)?;
        // Evidence: read-only, and on disk before the journal says so.
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o400))?;
        std::fs::File::open(&target)?.sync_all()?;
        digest = sha256_hex_reader(std::fs::File::open(&target)?)?;
        Ok(EventKind::AttachmentAdded {
            name: stored,
            sha256: digest.clone(),
            bytes: std::fs::metadata(&target)?.len(),
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

//! `runbook report`: an incident's report for filing, from its archived
//! record (with the signature checked and the result shown), or, while it
//! is not archived, a draft made from its journal, marked as such.
//!
//! Read-only: the incident's lock is not taken, so a report can be printed
//! while someone still works on the incident.

use super::Context;
use super::start::journal_error;
use crate::error::{Error, Result};
use crate::exit_code::ExitCode;
use crate::journal::sha256_hex;
use crate::model::{Incident, Lang, Status};
use crate::record::archive::{Archive, IndexEntry};
use crate::record::canonical::{DRAFT_FORMAT, Record, Summary, build};
use crate::record::signing::verify_beside;
use crate::report::{IncidentReport, Standing, Verification};
use crate::tr;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Print an incident's report: the incident, its summary with the archive
/// deadline and whether the record's signature verifies, the timeline,
/// escalations and notifications, attachments, each command's evidence
/// (its output cut to its first and last lines unless --full), and the
/// record's hashes.
///
/// An incident not archived yet gets a DRAFT report made from its journal.
/// Exits 1 (after printing the report) when an archived record's signature
/// does not verify.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::any_incident))]
    pub incident: String,
    /// text (80 columns), markdown, html (one printable page), or json
    /// (the record's bytes, as filed; for an ended incident not archived
    /// yet, a draft whose format is runbook-record-draft/1).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print every command's output whole, as the record keeps it (by
    /// default each is cut to its first and last lines, with its size;
    /// the JSON is always whole).
    #[arg(long)]
    pub full: bool,
    /// Who may sign records, in OpenSSH's allowed_signers format (default:
    /// $XDG_CONFIG_HOME/runbook/allowed_signers).
    #[arg(long, value_name = "FILE")]
    pub allowed_signers: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Markdown,
    Html,
    Json,
}

/// A record to report, its bytes, and how it stands.
type Shown = (Record, Vec<u8>, Standing);

/// The width of a text report: what a printed page holds.
const TEXT_WIDTH: usize = 80;

pub fn run(context: &Context, args: &Args) -> Result<ExitCode> {
    let id = args.incident.as_str();
    let archive = Archive::new(context.archive_dir());
    // `checked`: false for a draft whose kept runbook could not be checked.
    let ((record, bytes, standing), checked) = match archived_file(&archive, id, &context.lang)? {
        Some((path, entry)) => (archived(context, args, id, &path, entry.as_ref())?, true),
        None => draft(context, id, args.format)?,
    };
    let plan = plan(context, &record);
    let report = IncidentReport {
        record: &record,
        standing: &standing,
        lang: &context.lang,
        plan: plan.as_ref(),
        full: args.full,
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Text => report.text(&mut out, TEXT_WIDTH)?,
        Format::Markdown => report.markdown(&mut out)?,
        Format::Html => report.html(&mut out)?,
        Format::Json => IncidentReport::json(&mut out, &bytes)?,
    }
    out.flush()?;
    // The report is printed either way; a script filing it learns from the
    // status, and whoever reads stderr from this line, that the record did
    // not check out.
    Ok(match &standing {
        Standing::Archived {
            verification: Verification::NotVerified { why, .. },
            ..
        } => {
            writeln!(
                std::io::stderr(),
                "{}",
                tr!(
                    &context.lang,
                    RecordNotVerified,
                    incident = id,
                    why = crate::term::sanitize(why)
                )
            )?;
            ExitCode::Failure
        }
        _ if !checked => ExitCode::Failure,
        _ => ExitCode::Success,
    })
}

/// The runbook `record` names, when one is at hand with the digest the
/// incident started with: kept with the incident, else on the search
/// path (a bundled plan, most often). `None` when neither is that runbook.
fn plan(context: &Context, record: &Record) -> Option<crate::model::Runbook> {
    let digest = &record.runbook.digest;
    if let Ok(dir) = context.incident_dir(&record.incident)
        && let Ok(text) = super::kept::text(&dir)
        && sha256_hex(text.as_bytes()) == *digest
    {
        return super::kept::runbook(context, &dir, text);
    }
    let catalog = context.catalog_for(&record.runbook.id);
    let loaded = catalog.get(&record.runbook.id)?.file().as_ref().ok()?;
    (sha256_hex(loaded.source.text.as_bytes()) == *digest)
        .then(|| loaded.runbook.clone())
        .flatten()
}

/// The record file of `id` and its index line: the file the line names,
/// or, when the index lacks it, a record file of that name.
fn archived_file(
    archive: &Archive,
    id: &str,
    lang: &crate::model::Lang,
) -> Result<Option<(PathBuf, Option<IndexEntry>)>> {
    let other = |error: crate::record::ArchiveError| Error::failed(error.in_lang(lang));
    if let Some(entry) = archive.find(id).map_err(other)? {
        return Ok(Some((archive.path_of(&entry), Some(entry))));
    }
    if !archive.dir().is_dir() {
        return Ok(None);
    }
    Ok(archive.record_file(id).map_err(other)?.map(|path| (path, None)))
}

/// The archived record of `id` at `path`, and what its checks found: that
/// it is `id`'s record, as its index line says (`entry`), signed by a key
/// the allowed signers trust. A record that fails a check is still shown,
/// under the reason.
fn archived(
    context: &Context,
    args: &Args,
    id: &str,
    path: &Path,
    entry: Option<&IndexEntry>,
) -> Result<Shown> {
    let lang = &context.lang;
    let hint = tr!(lang, HintVerifyAll);
    let bytes = crate::record::archive::read_record_file(path).map_err(|error| {
        Error::failed(tr!(lang, CannotReadPath, path = path.display(), error = error)).with_hint(hint)
    })?;
    let record = Record::from_bytes(&bytes).map_err(|error| {
        Error::failed(tr!(lang, PathError, path = path.display(), error = error)).with_hint(hint)
    })?;
    let sha256 = sha256_hex(&bytes);
    let not_as_filed = if record.incident != id {
        Some(tr!(
            lang,
            HoldsAnotherRecord,
            path = path.display(),
            holds = record.incident,
            id = id
        ))
    } else {
        entry
            .filter(|entry| entry.sha256 != sha256 || entry.archived != record.archived)
            .map(|_| tr!(lang, NotTheIndexedRecord, path = path.display()))
    };
    let verification = match not_as_filed {
        Some(why) => Verification::NotVerified {
            fingerprint: None,
            why,
        },
        None => check_signature(context, args, &bytes, &record, path),
    };
    let standing = Standing::Archived { sha256, verification };
    Ok((record, bytes, standing))
}

/// As `runbook verify` checks it: the signature next to the record,
/// against the allowed signers, at the record's archive time.
fn check_signature(
    context: &Context,
    args: &Args,
    bytes: &[u8],
    record: &Record,
    path: &Path,
) -> Verification {
    let signers = match super::archive::allowed_signers(context, args.allowed_signers.as_deref()) {
        Ok(signers) => signers,
        Err(error) => {
            return Verification::NotVerified {
                fingerprint: None,
                why: error.to_string(),
            };
        }
    };
    match verify_beside(path, bytes, &signers, record.archived) {
        Ok(verified) => Verification::Verified {
            principal: verified.principal,
            fingerprint: verified.fingerprint,
        },
        Err(error) => Verification::NotVerified {
            fingerprint: error.fingerprint().map(str::to_owned),
            why: super::verify::signature_why(&context.lang, &error),
        },
    }
}

/// A record built in memory from the incident's journal and the runbook
/// kept with it, with an empty summary, `archived` now, and the draft's
/// own `format`, so that its JSON says what it is wherever it ends up. While the
/// incident is open there is no end yet: the record is built as if it
/// ended now, and the report says it is open instead. When the kept
/// runbook cannot be checked (gone, or not the one it started with), the
/// draft still shows what the journal holds, says so on stderr, and comes
/// with `false`: the report names a runbook nobody could check.
fn draft(context: &Context, id: &str, format: Format) -> Result<(Shown, bool)> {
    // Not archived: an incident still kept, or nothing (the error says so).
    let dir = context.incident_dir(id)?;
    let replay = crate::journal::read(&dir).map_err(journal_error(&context.lang))?;
    if let Some(torn) = &replay.torn {
        writeln!(
            std::io::stderr(),
            "{}",
            tr!(
                &context.lang,
                ReportTornLine,
                line = torn.line,
                bytes = torn.bytes
            )
        )?;
    }
    let mut incident = super::context::replay(&dir, &replay.events, &context.lang)?;
    let now = crate::clock::now();
    let open = incident
        .status
        .is_open()
        .then(|| open_state(&incident, false, &context.lang));
    if open.is_some() {
        if format == Format::Json {
            let lang = &context.lang;
            return Err(Error::usage(tr!(
                lang,
                StillOpenNoRecord,
                id = id,
                state = open.as_deref().unwrap_or_default()
            ))
            .with_hint(tr!(lang, HintReportDraft, id = id)));
        }
        incident.status = Status::Aborted;
        incident.ended = Some(incident.last_event.unwrap_or(now).max(incident.started));
    }
    let text = match super::kept::checked(&dir, &incident) {
        Ok(text) => Some(text),
        Err(problem) => {
            let mut err = std::io::stderr().lock();
            let lang = &context.lang;
            let warning = tr!(
                lang,
                DraftKeptUnchecked,
                problem = crate::term::sanitize(&problem.describe(&incident, lang)),
                within = crate::i18n::period(lang, crate::load::DEFAULT_ARCHIVE_WITHIN)
            );
            writeln!(err, "{}", tr!(lang, WarningLine, warning = warning))?;
            let hint = problem.hint(&incident, lang);
            writeln!(
                err,
                "{}",
                tr!(lang, HintLine, hint = crate::term::sanitize(&hint))
            )?;
            None
        }
    };
    let within = match &text {
        Some(text) => super::kept::archive_within_or_default(context, &dir, text.clone()),
        None => super::kept::default_archive_within(),
    };
    let mut record = build(
        &incident,
        &replay.events,
        text.as_deref(),
        &Summary::default(),
        now,
        within,
        None,
    )
    .map_err(|error| Error::usage(error.in_lang(&context.lang)))?;
    record.format = DRAFT_FORMAT.to_owned();
    let bytes = record.to_bytes().map_err(|error| Error::Other(error.into()))?;
    if format == Format::Json {
        writeln!(
            std::io::stderr(),
            "{}",
            tr!(&context.lang, DraftRecordNote, incident = id)
        )?;
    }
    Ok(((record, bytes, Standing::Draft { open }), text.is_some()))
}

/// How an open incident stands, in a few words: `paused at step check:
/// REASON`. With `quote_step`, for a message on the terminal, the step's
/// name is quoted as code; a report prints it bare.
pub(super) fn open_state(incident: &Incident, quote_step: bool, lang: &Lang) -> String {
    let state = match incident.status {
        Status::Paused => crate::i18n::state(lang, "paused"),
        Status::Failed => tr!(lang, WaitingAfterFailedStep),
        _ => crate::i18n::state(lang, "running"),
    };
    let at = match incident.current.as_deref() {
        Some(step) if quote_step => tr!(lang, AtStepQuoted, step = step),
        Some(step) => tr!(lang, AtStep, step = step),
        None => String::new(),
    };
    let why = incident
        .waiting_reason
        .as_deref()
        .map(|reason| tr!(lang, StateWhy, reason = crate::i18n::reason(lang, reason)))
        .unwrap_or_default();
    format!("{state}{at}{why}")
}

//! `runbook archive`: files a finished incident as a signed record, as the
//! plan requires within one day of the end of handling.
//!
//! The incident's directory is left as it is; the record, its signature and
//! the index line are written by [`crate::record::archive`], under the
//! archive's lock, with the incident's own lock held so that nothing is
//! journaled while the record is made from the journal.

use super::Context;
use super::context::actor;
use super::start::journal_error;
use crate::error::{Error, Result};
use crate::exit_code::ExitCode;
use crate::journal::Lock;
use crate::model::{EventKind, Incident};
use crate::record::allowed_signers::AllowedSigners;
use crate::record::archive::{Archive, ArchiveError, ArchiveLock, IndexEntry};
use crate::record::canonical::{Summary, build, what_happened};
use crate::record::signing::Signer;
use crate::tr;
use chrono::TimeDelta;
use std::io::Write;
use std::path::{Path, PathBuf};

/// File a finished incident: what happened, the cause, how it was handled,
/// as a signed record in the archive.
///
/// At a terminal, asks for what it is not given; otherwise --cause and
/// --resolution are required.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The incident's id, such as INC-20261128-0001.
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::unarchived_incidents))]
    pub incident: String,
    /// What happened (default: drafted from the timeline).
    #[arg(long, value_name = "TEXT")]
    pub what_happened: Option<String>,
    /// The cause found.
    #[arg(long, value_name = "TEXT")]
    pub cause: Option<String>,
    /// How it was handled, and the result.
    #[arg(long, value_name = "TEXT")]
    pub resolution: Option<String>,
    /// Something still to do; repeat for each.
    #[arg(long = "follow-up", value_name = "TEXT")]
    pub follow_ups: Vec<String>,
    /// Read the summary from a TOML file: what_happened, cause, resolution,
    /// follow_ups (a list). Flags given as well take precedence. A regular
    /// file or a pipe from the shell (<(command)), up to 1 MiB.
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Read the signing key's passphrase from the first line of FILE
    /// (mode 0600), for unattended use.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Never prompt, even at a terminal.
    #[arg(long)]
    pub non_interactive: bool,
}

pub fn run(context: &Context, args: &Args) -> Result<ExitCode> {
    let id = args.incident.as_str();
    let dir = context.incident_dir(id)?;
    let archive = Archive::new(context.archive_dir());
    let mut err = std::io::stderr();

    // Held while the record is made from the journal, so nothing else is
    // journaled meanwhile; a note or file someone queued while the
    // incident was held goes in first, to be part of the record.
    let actor = actor();
    let lock = Lock::acquire(&dir, &actor, context.command, crate::clock::now())
        .map_err(journal_error(&context.lang))?;
    let (mut journal, mut replay) =
        super::note::open_journal(&dir, &actor, lock).map_err(journal_error(&context.lang))?;
    if let Some(torn) = &replay.torn {
        let lang = &context.lang;
        let warning = crate::tr!(lang, JournalTornRecord, line = torn.line, bytes = torn.bytes);
        writeln!(err, "{}", crate::tr!(lang, WarningLine, warning = warning))?;
    }
    let mut incident = super::context::replay(&dir, &replay.events, &context.lang)?;
    if incident.status.is_open() {
        return Err(still_open(&incident, &context.lang));
    }
    if let Some(entry) = archive.find(id).map_err(archive_error(&context.lang))? {
        let lang = &context.lang;
        return Err(Error::usage(tr!(
            lang,
            AlreadyArchived,
            id = id,
            path = archive.path_of(&entry).display()
        ))
        .with_hint(tr!(lang, HintVerifyIt, id = id)));
    }
    // An index that is behind the records is refused now rather than
    // after the summary is typed; the lock puts right what a crash left
    // first, and the check is made again when the record is chained.
    drop(lock_tip(&archive, &mut err, &context.lang)?);

    let runbook_text = super::kept::verified_or_restored(
        &dir,
        &incident,
        || {
            let catalog = context.catalog_for(&incident.runbook);
            let loaded = catalog.get(&incident.runbook)?.file().as_ref().ok()?;
            Some(loaded.source.text.clone())
        },
        &mut err,
        &context.lang,
    )?;
    let within = archive_within(context, &dir, &runbook_text, &mut err)?;
    let interactive = super::walk::interactive(args.non_interactive);
    let passphrase_file = args
        .passphrase_file
        .as_deref()
        .or(context.config.signing_passphrase_file.as_deref());
    let signer = signer(context, passphrase_file, interactive)?;
    // The journal keeps the plan's English title; the draft of what
    // happened names it in the language it is written in.
    let title = super::kept::runbook(context, &dir, runbook_text.clone()).map_or_else(
        || incident.title.clone(),
        |runbook| runbook.title.get(&context.lang).to_owned(),
    );
    let summary = summary(
        args,
        &incident,
        &replay.events,
        interactive,
        (&title, &context.lang),
    )?;
    // And what was handed over while the questions above were answered.
    for event in journal
        .take_inbox(&EventKind::may_be_queued)
        .map_err(journal_error(&context.lang))?
    {
        incident.apply(&event);
        replay.events.push(event);
    }

    let (lock, tip) = lock_tip(&archive, &mut err, &context.lang)?;
    let previous = tip.map(|entry| entry.sha256);
    let archived = crate::clock::now();
    // A record filed before its incident ended says the clock is wrong,
    // here or where the journal was written: not signed as is. (A note
    // from a host whose clock runs ahead may follow; it does not count.)
    if let Some(ended) = incident.ended.filter(|&ended| ended > archived) {
        let when =
            |time: chrono::DateTime<chrono::Utc>| time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let lang = &context.lang;
        return Err(Error::usage(tr!(
            lang,
            ClockBeforeEnd,
            now = when(archived),
            id = incident.id,
            ended = when(ended)
        ))
        .with_hint(tr!(lang, HintCheckClock)));
    }
    let record = build(
        &incident,
        &replay.events,
        Some(&runbook_text),
        &summary,
        archived,
        within,
        previous.as_deref(),
    )
    .map_err(|error| Error::usage(error.in_lang(&context.lang)))?;
    let bytes = record.to_bytes().map_err(|error| Error::Other(error.into()))?;
    let signature = signer.sign(&bytes).map_err(|error| {
        Error::failed(tr!(
            &context.lang,
            CannotSignRecord,
            error = error.in_lang(&context.lang)
        ))
    })?;
    let untrusted = untrusted(context, id, &signer, &bytes, &signature, archived);
    let stored = archive
        .store(&lock, &record, &bytes, &signature)
        .map_err(archive_error(&context.lang))?;

    let mut out = std::io::stdout().lock();
    let lang = &context.lang;
    let path = stored.path.display();
    writeln!(out, "{}", tr!(lang, ArchivedAt, incident = id, path = path))?;
    let path = stored.sig_path.display();
    writeln!(out, "{}", tr!(lang, SignatureAt, path = path))?;
    writeln!(out, "sha256: {}", stored.entry.sha256)?;
    let due = crate::record::canonical::timestamp(record.deadline.due);
    if record.deadline.on_time {
        writeln!(out, "{}", tr!(lang, ArchivedOnTime, due = due))?;
    } else {
        let late = crate::i18n::span(lang, record.deadline.late_s);
        let seconds = record.deadline.late_s;
        writeln!(
            out,
            "{}",
            tr!(lang, ArchivedLate, late = late, seconds = seconds, due = due)
        )?;
    }
    if let Some(warning) = untrusted {
        write!(err, "{}", crate::term::sanitize(&warning))?;
    }
    // A slow push must not hold up other archivers; each mirror has its own lock.
    drop(lock);
    push_mirrors(context, &archive, &mut out, &mut err)?;
    Ok(ExitCode::Success)
}

/// Takes the archive's lock, says what it put right after a crash, and
/// reads the record to chain to ([`Archive::tip`]).
fn lock_tip(
    archive: &Archive,
    err: &mut impl Write,
    lang: &crate::model::Lang,
) -> Result<(ArchiveLock, Option<IndexEntry>)> {
    let lock = archive.lock().map_err(archive_error(lang))?;
    if let Some(recovered) = &lock.recovered {
        let done = crate::term::sanitize(&recovered.in_lang(lang)).into_owned();
        writeln!(err, "{}", tr!(lang, ArchiveRecoveredLine, done = done))?;
    }
    let tip = archive.tip().map_err(archive_error(lang))?;
    Ok((lock, tip))
}

/// Pushes the archive to every configured mirror. A failure is a warning:
/// the record is safe locally, and `runbook check` retries the mirror.
fn push_mirrors(
    context: &Context,
    archive: &Archive,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<()> {
    let state = context.data_dir.join("mirrors");
    for mirror in &context.config.mirrors {
        let name = crate::term::sanitize(&mirror.name()).into_owned();
        match crate::record::mirror::sync(mirror, archive, &state, false) {
            Ok(synced) => writeln!(
                out,
                "{}",
                tr!(
                    &context.lang,
                    MirroredTo,
                    name = name,
                    copied = synced.copied.len()
                )
            )?,
            Err(error) => {
                let lang = &context.lang;
                let message = error.in_lang(lang);
                let warning = tr!(
                    lang,
                    MirrorFailed,
                    name = name,
                    error = crate::term::sanitize(&message)
                );
                writeln!(err, "{}", tr!(lang, WarningLine, warning = warning))?;
                let next = error
                    .next_step_in_lang(mirror, lang)
                    .map(|step| tr!(lang, NextStep, step = step))
                    .unwrap_or_default();
                let hint = tr!(lang, HintMirrorRetry, next = crate::term::sanitize(&next));
                writeln!(err, "{}", tr!(lang, HintLine, hint = hint))?;
            }
        }
    }
    Ok(())
}

fn still_open(incident: &Incident, lang: &crate::model::Lang) -> Error {
    Error::usage(crate::tr!(
        lang,
        StillOpenNotArchived,
        id = incident.id,
        state = super::report::open_state(incident, true, lang)
    ))
    .with_hint(crate::tr!(lang, HintFinishOrAbort, id = incident.id))
}

/// The runbook's `archive_within`, from the kept copy; the default day,
/// said on `err`, when it no longer loads.
fn archive_within(context: &Context, dir: &Path, text: &str, err: &mut impl Write) -> Result<TimeDelta> {
    match super::kept::runbook(context, dir, text.to_owned()) {
        Some(runbook) => Ok(super::kept::archive_within(&runbook)),
        None => {
            let lang = &context.lang;
            let warning = tr!(
                lang,
                KeptNoLongerLoads,
                within = crate::i18n::period(lang, crate::load::DEFAULT_ARCHIVE_WITHIN)
            );
            writeln!(err, "{}", tr!(lang, WarningLine, warning = warning))?;
            Ok(super::kept::default_archive_within())
        }
    }
}

/// `$XDG_CONFIG_HOME/runbook/NAME`.
pub(super) fn config_file(name: &str) -> Option<PathBuf> {
    super::context::config_dir().map(|dir| dir.join(name))
}

/// The allowed signers file: the flag, the config's `allowed_signers`, or
/// `$XDG_CONFIG_HOME/runbook/allowed_signers`.
pub(super) fn allowed_signers_path(context: &Context, flag: Option<&Path>) -> Option<PathBuf> {
    flag.map(Path::to_owned)
        .or_else(|| context.config.allowed_signers.clone())
        .or_else(|| config_file(crate::record::signing::ALLOWED_SIGNERS_FILE))
}

/// The allowed signers from `--allowed-signers`, the config, or beside the
/// signing key, for `verify` and `report`.
pub(super) fn allowed_signers(context: &Context, flag: Option<&Path>) -> Result<AllowedSigners> {
    let lang = &context.lang;
    let path =
        allowed_signers_path(context, flag).ok_or_else(|| Error::usage(tr!(lang, NoHomeForSigners)))?;
    if !path.is_file() {
        return Err(Error::usage(tr!(lang, NoAllowedSigners, path = path.display()))
            .with_hint(tr!(lang, HintAllowedSigners)));
    }
    AllowedSigners::load(&path).map_err(|error| {
        Error::usage(tr!(
            lang,
            CannotUse,
            path = path.display(),
            error = error.in_lang(lang)
        ))
        .with_hint(tr!(lang, HintSignerLine))
    })
}

/// Why `runbook verify` would not accept the signature just made (with
/// the allowed signers it would use, at the record's archive time), and the
/// line that would make it: `None` when it would accept it.
///
/// A warning, not a refusal. The record and its signature are sound, and
/// adding the line later makes `verify` accept them (it judges the key at
/// the record's archive time), whereas refusing would miss the plan's
/// one-day archiving rule over a trust file that may well be kept
/// elsewhere (an auditor's, given to `verify --allowed-signers`).
fn untrusted(
    context: &Context,
    id: &str,
    signer: &Signer,
    bytes: &[u8],
    signature: &str,
    archived: chrono::DateTime<chrono::Utc>,
) -> Option<String> {
    let path = allowed_signers_path(context, None);
    let missing = path.as_deref().is_none_or(|path| !path.is_file());
    let lang = &context.lang;
    let why = match &path {
        None => tr!(lang, NoHomeForSignersWhy).to_owned(),
        Some(path) if missing => tr!(lang, NoAllowedSignersFile, path = path.display()),
        Some(path) => match AllowedSigners::load(path) {
            Err(error) => tr!(
                lang,
                CannotUse,
                path = path.display(),
                error = error.in_lang(lang)
            ),
            Ok(signers) => match crate::record::signing::verify(bytes, signature, &signers, archived) {
                Ok(_) => return None,
                Err(error) => error.to_string(),
            },
        },
    };
    let identity = signer.identity().map_or_else(actor, str::to_owned);
    let line = crate::record::signing::allowed_signers_line(&identity, signer.public_key());
    let file = path.map_or_else(|| "allowed_signers".to_owned(), |path| path.display().to_string());
    let add = if missing {
        tr!(lang, CreateFileWithLine, file = file)
    } else {
        tr!(lang, AddLineTo, file = file)
    };
    let warning = tr!(lang, ArchivedUntrusted, id = id, why = why);
    let hint = tr!(
        lang,
        HintTrustKey,
        fingerprint = signer.fingerprint(),
        add = add,
        line = line
    );
    Some(format!(
        "{}\n{}\n",
        tr!(lang, WarningLine, warning = warning),
        tr!(lang, HintLine, hint = hint)
    ))
}

/// The signing key (`$XDG_CONFIG_HOME/runbook/signing_key`), decrypted
/// with the passphrase from `--passphrase-file`, or asked for at a terminal.
fn signer(context: &Context, passphrase_file: Option<&Path>, interactive: bool) -> Result<Signer> {
    use crate::record::signing::{KEY_FILE, SigningError, read_passphrase_file};
    let path = match &context.config.signing_key {
        Some(path) => path.clone(),
        None => config_file(KEY_FILE).ok_or_else(|| Error::usage(tr!(&context.lang, NoHomeForKey)))?,
    };
    let key_error = |error: SigningError| match error {
        SigningError::Missing { .. } => Error::usage(tr!(&context.lang, NoSigningKey, path = path.display()))
            .with_hint(tr!(&context.lang, HintKeygen)),
        error => Error::usage(error.in_lang(&context.lang)),
    };
    let passphrase = match passphrase_file {
        Some(file) => Some(read_passphrase_file(file).map_err(key_error)?),
        None => None,
    };
    match Signer::load(&path, passphrase.as_deref()) {
        Err(SigningError::PassphraseNeeded { .. }) if interactive => {
            let passphrase = dialoguer::Password::with_theme(&dialoguer::theme::ColorfulTheme::default())
                .with_prompt(tr!(&context.lang, PassphraseFor, path = path.display()))
                .interact()
                .map_err(|error| Error::usage(tr!(&context.lang, NothingArchived, error = error)))?;
            Signer::load(&path, Some(&passphrase)).map_err(key_error)
        }
        result => result.map_err(key_error),
    }
}

/// The summary from the file, then the flags, then (at a terminal) asked.
fn summary(
    args: &Args,
    incident: &Incident,
    events: &[crate::model::Event],
    interactive: bool,
    (title, lang): (&str, &crate::model::Lang),
) -> Result<Summary> {
    let mut summary = match &args.summary {
        Some(path) => read_summary(path, lang)?,
        None => Summary::default(),
    };
    if let Some(text) = &args.what_happened {
        summary.what_happened = text.clone();
    }
    if let Some(text) = &args.cause {
        summary.cause = text.clone();
    }
    if let Some(text) = &args.resolution {
        summary.resolution = text.clone();
    }
    summary.follow_ups.extend(args.follow_ups.iter().cloned());
    let draft = what_happened(incident, events, title, lang);
    let missing = |text: &str| text.trim().is_empty();

    if interactive && (missing(&summary.cause) || missing(&summary.resolution)) {
        ask(&mut summary, &draft, lang)?;
    }
    if missing(&summary.what_happened) {
        summary.what_happened = draft;
    }
    let mut flags = Vec::new();
    if missing(&summary.cause) {
        flags.push("--cause TEXT");
    }
    if missing(&summary.resolution) {
        flags.push("--resolution TEXT");
    }
    if !flags.is_empty() {
        return Err(
            Error::usage(tr!(lang, SummaryNeedsFlags, flags = flags.join(" "))).with_hint(tr!(
                lang,
                HintSummaryFlags,
                id = incident.id
            )),
        );
    }
    summary.follow_ups.retain(|item| !item.trim().is_empty());
    Ok(summary)
}

/// The most a summary file may hold.
const SUMMARY_LIMIT: u64 = 1024 * 1024;

fn read_summary(path: &Path, lang: &crate::model::Lang) -> Result<Summary> {
    let bytes = crate::file_util::read_regular_or_pipe(path, SUMMARY_LIMIT).map_err(|failed| {
        Error::usage(tr!(
            lang,
            SummaryUnreadable,
            path = path.display(),
            error = failed.error
        ))
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::usage(tr!(lang, SummaryNotUtf8, path = path.display())))?;
    toml::from_str(&text).map_err(|error| {
        Error::usage(format!("{}: {}", path.display(), error.to_string().trim_end()))
            .with_hint(tr!(lang, HintSummaryKeys))
    })
}

/// Asks at the terminal for what the summary lacks.
fn ask(summary: &mut Summary, draft: &str, lang: &crate::model::Lang) -> Result<()> {
    use dialoguer::Input;
    let theme = dialoguer::theme::ColorfulTheme::default();
    let term = console::Term::stderr();
    let cancelled = |error: dialoguer::Error| {
        Error::usage(tr!(lang, NothingArchived, error = error)).with_hint(tr!(lang, HintArchiveAgain))
    };
    if summary.what_happened.trim().is_empty() {
        summary.what_happened = Input::<String>::with_theme(&theme)
            .with_prompt(tr!(lang, ArchiveWhatHappened))
            .with_initial_text(crate::term::sanitize_line(draft).into_owned())
            .interact_text_on(&term)
            .map_err(cancelled)?;
    }
    if summary.cause.trim().is_empty() {
        summary.cause = Input::<String>::with_theme(&theme)
            .with_prompt(tr!(lang, ArchiveCause))
            .interact_text_on(&term)
            .map_err(cancelled)?;
    }
    if summary.resolution.trim().is_empty() {
        summary.resolution = Input::<String>::with_theme(&theme)
            .with_prompt(tr!(lang, ArchiveHandled))
            .interact_text_on(&term)
            .map_err(cancelled)?;
    }
    loop {
        let item = Input::<String>::with_theme(&theme)
            .with_prompt(tr!(lang, ArchiveFollowUp))
            .allow_empty(true)
            .interact_text_on(&term)
            .map_err(cancelled)?;
        if item.trim().is_empty() {
            return Ok(());
        }
        summary.follow_ups.push(item);
    }
}

fn archive_error(lang: &crate::model::Lang) -> impl Fn(ArchiveError) -> Error + '_ {
    move |error| match error {
        ArchiveError::AlreadyArchived { .. } => Error::usage(error.in_lang(lang)),
        // Nothing was signed: the record would have been chained to a
        // predecessor the record files contradict.
        ArchiveError::Unindexed { .. } => {
            Error::usage(tr!(lang, NothingArchivedFork, error = error.in_lang(lang)))
                .with_hint(tr!(lang, HintReindexThenArchive))
        }
        // A line that cannot be read (a torn last line, a line listing an
        // incident twice): the index cannot say what to chain to.
        ArchiveError::Index { .. } => Error::usage(tr!(lang, NothingArchived, error = error.in_lang(lang)))
            .with_hint(tr!(lang, HintReindexThenArchive)),
        error => Error::failed(error.in_lang(lang)),
    }
}

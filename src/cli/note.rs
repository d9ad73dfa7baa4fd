//! `runbook note`, `runbook abort`, `runbook attach`: add to an incident's
//! journal from outside a walk. While a walk drives the incident, a note or
//! a file is handed to it through the incident's inbox.

use super::start::journal_error;
use super::{Context, context::actor};
use crate::error::{Error, Result};
use crate::exit_code::ExitCode;
use crate::i18n::Msg;
use crate::journal::{
    ATTACHMENTS_DIR, EntryState, Journal, JournalError, Lock, Queued, Replay, inbox_entry, inbox_state,
    store_attachment,
};
use crate::model::{EventKind, Incident, Lang};
use crate::tr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Add a note to an incident's timeline; while a walk runs, it is handed
/// to that walk, which journals it under your name.
#[derive(Debug, clap::Args)]
pub struct NoteArgs {
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::open_incidents))]
    pub incident: String,
    /// The note.
    pub text: String,
}

/// Abort an open incident, with the reason.
#[derive(Debug, clap::Args)]
pub struct AbortArgs {
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::open_incidents))]
    pub incident: String,
    /// Why it is aborted; kept in the record.
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
}

/// Copy a file into an incident as evidence, with its SHA-256; while a
/// walk runs, it is handed to that walk, which journals it under your name.
#[derive(Debug, clap::Args)]
pub struct AttachArgs {
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::open_incidents))]
    pub incident: String,
    pub file: PathBuf,
}

/// Record that the people of a notice were told by hand: a timer's or a
/// severity level's notification that no notifier delivered (`runbook
/// incidents` lists them). While a walk runs, it is handed to that walk.
#[derive(Debug, clap::Args)]
pub struct ToldArgs {
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::open_incidents))]
    pub incident: String,
    /// Which notice: a timer's id, a notify step's id, or `severity`.
    pub notice: String,
    /// How they were told: phone, in person, a message.
    #[arg(long, value_name = "TEXT")]
    pub how: Option<String>,
    /// They could not be reached: why, or who was tried.
    #[arg(long, value_name = "TEXT", conflicts_with = "how")]
    pub not_reached: Option<String>,
}

/// How long `note` and `attach` wait for the process holding an incident
/// to take what they queued: a walk takes it within a fifth of a second,
/// and a short holder (`check`, another `note`) lets go of the lock sooner.
const HAND_OVER_WAIT: Duration = Duration::from_secs(5);

/// Where an event added from outside a walk went.
enum Added {
    /// Journaled by this process.
    Journaled,
    /// Queued for the process holding the incident, which journaled it.
    Handed { holder: String },
    /// Queued, and on disk at `path`, but not journaled yet: the holder
    /// did not take it in time.
    Queued { holder: String, path: PathBuf },
}

/// Opens an incident's journal to continue it, first journaling what other
/// processes queued for it while it was held (see [`crate::journal::Queued`]).
pub fn open_journal(
    dir: &Path,
    actor: &str,
    lock: Lock,
) -> std::result::Result<(Journal, Replay), JournalError> {
    let (mut journal, mut replay) = Journal::open(dir, actor, lock)?;
    let queued = journal.take_inbox(&EventKind::may_be_queued)?;
    replay.events.extend(queued);
    Ok((journal, replay))
}

/// [`open_journal`], handing each event to `each` in order, those taken
/// from the inbox last, instead of keeping them.
pub fn open_journal_with(
    dir: &Path,
    actor: &str,
    lock: Lock,
    each: &mut dyn FnMut(crate::model::Event),
) -> std::result::Result<(Journal, crate::journal::Scan), JournalError> {
    let (mut journal, scanned) = Journal::open_with(dir, actor, lock, each)?;
    for event in journal.take_inbox(&EventKind::may_be_queued)? {
        each(event);
    }
    Ok((journal, scanned))
}

/// Adds one event to an incident's journal. While another process drives
/// it, a note or a file (`queue`) is handed to that process, which
/// journals it under this user's name; anything else is refused.
fn append(
    context: &Context,
    id: &str,
    queue: bool,
    kind: impl FnOnce(&Incident) -> Result<EventKind>,
) -> Result<Added> {
    let dir = context.incident_dir(id)?;
    let now = crate::clock::now();
    let actor = actor();
    let lock = match Lock::acquire(&dir, &actor, context.command, now) {
        Ok(lock) => lock,
        Err(JournalError::Locked { holder, .. }) if queue => {
            let replay = crate::journal::read(&dir).map_err(journal_error(&context.lang))?;
            let incident = super::context::replay(&dir, &replay.events, &context.lang)?;
            let entry = Queued {
                actor,
                time: now,
                event: kind(&incident)?,
            };
            let holder = super::start::holder_words(&context.lang, holder.as_ref());
            return hand_over(context, &dir, &entry, &holder);
        }
        Err(error) => {
            let locked = matches!(error, JournalError::Locked { .. });
            let error = journal_error(&context.lang)(error);
            return Err(if locked {
                error.with_hint(tr!(&context.lang, HintAbortWhileWalked))
            } else {
                error
            });
        }
    };
    let (mut journal, replay) = open_journal(&dir, &actor, lock).map_err(journal_error(&context.lang))?;
    if let Some(torn) = &replay.torn {
        let lang = &context.lang;
        let warning = crate::tr!(lang, JournalTornMoved, line = torn.line, bytes = torn.bytes);
        writeln!(
            std::io::stderr(),
            "{}",
            crate::tr!(lang, WarningLine, warning = warning)
        )?;
    }
    let incident = super::context::replay(&dir, &replay.events, &context.lang)?;
    journal
        .append(now, kind(&incident)?)
        .map_err(journal_error(&context.lang))?;
    Ok(Added::Journaled)
}

/// Queues `entry` for the process holding the incident and waits for it
/// to be journaled: by that process, or by this one once the lock is free.
fn hand_over(context: &Context, dir: &Path, entry: &Queued, holder: &str) -> Result<Added> {
    let command = context.command;
    let lang = &context.lang;
    let id = crate::journal::queue(dir, entry).map_err(|failed| {
        let error = crate::journal::path_error_in_lang(lang, &failed);
        Error::failed(tr!(lang, HandOverFailed, holder = holder, error = error))
            .with_hint(tr!(lang, HintHandOverFailed))
    })?;
    let give_up = Instant::now() + HAND_OVER_WAIT;
    loop {
        match inbox_state(dir, &id) {
            EntryState::Taken => {
                return Ok(Added::Handed {
                    holder: holder.to_owned(),
                });
            }
            EntryState::Refused(path) => {
                return Err(Error::failed(tr!(lang, HandOverRefused, path = path.display())));
            }
            EntryState::Waiting => {}
        }
        match Lock::acquire(dir, &entry.actor, command, crate::clock::now()) {
            // Let go meanwhile: take it in here, unless the holder did
            // just before (an entry that could not be removed after is
            // waited for like any other).
            Ok(lock) => {
                if inbox_state(dir, &id) == EntryState::Taken {
                    return Ok(Added::Handed {
                        holder: holder.to_owned(),
                    });
                }
                open_journal(dir, &entry.actor, lock).map_err(journal_error(&context.lang))?;
                if inbox_state(dir, &id) == EntryState::Taken {
                    return Ok(Added::Journaled);
                }
            }
            Err(JournalError::Locked { .. }) => {}
            Err(error) => return Err(journal_error(&context.lang)(error)),
        }
        if Instant::now() >= give_up {
            return Ok(Added::Queued {
                holder: holder.to_owned(),
                path: inbox_entry(dir, &id),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Says what became of an event added from outside a walk: `done` once it
/// is journaled (`note added to INC`), `queued` when it waits
/// (`note queued for INC`).
/// Says where the note or file went. File names in it are the user's, so
/// the line is sanitized like any other text bound for a terminal.
fn tell(lang: &Lang, done: &str, queued: &str, added: &Added) -> Result<()> {
    let line = match added {
        Added::Journaled => done.to_owned(),
        Added::Handed { holder } => tr!(lang, TakenInBy, done = done, holder = holder),
        Added::Queued { holder, path } => tr!(
            lang,
            QueuedIn,
            queued = queued,
            path = path.display(),
            holder = holder
        ),
    };
    writeln!(std::io::stderr(), "{}", crate::term::sanitize_line(&line))?;
    Ok(())
}

pub fn note(context: &Context, args: &NoteArgs) -> Result<ExitCode> {
    if args.text.trim().is_empty() {
        return Err(Error::usage(tr!(&context.lang, NoteIsEmpty)));
    }
    let added = append(context, &args.incident, true, |incident| {
        Ok(EventKind::NoteAdded {
            text: args.text.clone(),
            step: incident.current.clone(),
        })
    })?;
    let (lang, incident) = (&context.lang, &args.incident);
    tell(
        lang,
        &tr!(lang, NoteAddedTo, incident = incident),
        &tr!(lang, NoteQueuedFor, incident = incident),
        &added,
    )?;
    warn_if_archived(context, incident, Msg::ArchivedAlreadyNote)?;
    Ok(ExitCode::Success)
}

/// Says that what was just added to an archived incident is in its
/// journal only: its signed record, and so its report, stay as filed.
fn warn_if_archived(context: &Context, id: &str, what: Msg) -> Result<()> {
    if super::deadline::is_archived(context, id) {
        let lang = &context.lang;
        let warning = crate::i18n::fill(lang, what, &[("incident", &id)]);
        writeln!(std::io::stderr(), "{}", tr!(lang, WarningLine, warning = warning))?;
    }
    Ok(())
}

pub fn told(context: &Context, args: &ToldArgs) -> Result<ExitCode> {
    let blank = |text: &Option<String>| text.as_deref().is_some_and(|text| text.trim().is_empty());
    if blank(&args.how) || blank(&args.not_reached) {
        return Err(Error::usage(tr!(&context.lang, SayHowTold)));
    }
    let mut who = Vec::new();
    let added = append(context, &args.incident, true, |incident| {
        let pending = incident
            .undelivered
            .iter()
            .find(|pending| pending.notice() == args.notice)
            .ok_or_else(|| {
                let known: Vec<&str> = incident.undelivered.iter().map(|p| p.notice()).collect();
                let lang = &context.lang;
                let error = Error::usage(tr!(
                    lang,
                    NoNoticeToTell,
                    incident = incident.id,
                    notice = args.notice
                ));
                if known.is_empty() {
                    error.with_hint(tr!(lang, HintEveryoneTold))
                } else {
                    error.with_hint(tr!(lang, HintStillToTell, notices = known.join(", ")))
                }
            })?;
        who = pending.to().to_vec();
        pending
            .told(args.how.clone(), args.not_reached.clone())
            .ok_or_else(|| Error::usage(tr!(&context.lang, NotANotice, notice = args.notice)))
    })?;
    let lang = &context.lang;
    let (incident, notice) = (&args.incident, &args.notice);
    let who = who.join(tr!(lang, ListSeparator));
    let msg = if args.not_reached.is_some() {
        (Msg::NoticeNotReached, Msg::NoticeNotReachedQueued)
    } else {
        (Msg::NoticeToldByHand, Msg::NoticeToldByHandQueued)
    };
    let say = |msg| {
        crate::i18n::fill(
            lang,
            msg,
            &[("incident", incident), ("notice", notice), ("who", &who)],
        )
    };
    tell(lang, &say(msg.0), &say(msg.1), &added)?;
    warn_if_archived(context, incident, Msg::ArchivedAlreadyNotice)?;
    Ok(ExitCode::Success)
}

pub fn abort(context: &Context, args: &AbortArgs) -> Result<ExitCode> {
    if args.reason.trim().is_empty() {
        return Err(Error::usage(tr!(&context.lang, GiveTheReason)));
    }
    append(context, &args.incident, false, |incident| {
        if !incident.status.is_open() {
            return Err(Error::usage(tr!(
                &context.lang,
                NotOpenCannotAbort,
                incident = incident.id
            )));
        }
        Ok(EventKind::Aborted {
            reason: args.reason.clone(),
        })
    })?;
    writeln!(
        std::io::stderr(),
        "{}",
        tr!(&context.lang, IncidentAborted, incident = args.incident)
    )?;
    Ok(ExitCode::Success)
}

pub fn attach(context: &Context, args: &AttachArgs) -> Result<ExitCode> {
    let dir = context.incident_dir(&args.incident)?;
    // A file that is not there, not a file, or not ours to read is bad
    // input, said before anything is journaled or copied.
    crate::file_util::open_regular(&args.file, crate::file_util::Links::Follow)
        .map_err(|failed| Error::usage(crate::journal::path_error_in_lang(&context.lang, &failed)))?;
    if args.file.file_name().is_none() {
        return Err(Error::usage(tr!(&context.lang, FileHasNoName)));
    }
    let mut digest = String::new();
    let mut kept_as = String::new();
    let mut copy = None;
    // Copied once the journal is open, or about to be handed over: an
    // attach refused before leaves nothing behind, and one that fails
    // after removes its copy, which no event names.
    let added = append(context, &args.incident, true, |_| {
        let stored = store_attachment(&dir, &args.file)
            .map_err(|failed| Error::failed(crate::journal::path_error_in_lang(&context.lang, &failed)))?;
        digest.clone_from(&stored.sha256);
        kept_as.clone_from(&stored.name);
        copy = Some(dir.join(ATTACHMENTS_DIR).join(&stored.name));
        Ok(EventKind::AttachmentAdded {
            name: stored.name,
            sha256: stored.sha256,
            bytes: stored.bytes,
        })
    })
    .inspect_err(|_| {
        if let Some(copy) = &copy {
            let _ = std::fs::remove_file(copy);
        }
    })?;
    let (file, incident) = (args.file.display(), &args.incident);
    // A hidden name loses its dot, a second copy gets `2-`, a name too
    // long for that is shortened: said, so the copy can be found.
    let lang = &context.lang;
    let renamed = match args.file.file_name() {
        Some(name) if name.to_string_lossy() == kept_as => String::new(),
        _ => tr!(lang, RenamedAs, name = kept_as),
    };
    tell(
        lang,
        &tr!(
            lang,
            AttachedTo,
            file = file,
            incident = incident,
            renamed = renamed,
            digest = digest
        ),
        &tr!(
            lang,
            AttachedQueued,
            file = file,
            incident = incident,
            renamed = renamed,
            digest = digest
        ),
        &added,
    )?;
    warn_if_archived(context, incident, Msg::ArchivedAlreadyFile)?;
    Ok(ExitCode::Success)
}

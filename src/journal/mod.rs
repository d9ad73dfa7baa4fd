//! The incident journal: one directory per incident, holding an append-only,
//! fsynced, hash-chained `journal.jsonl` and the `lock` of the one process
//! driving it. It stores [`Event`](crate::model::Event)s and knows nothing of
//! what they mean; [`Incident`](crate::model::Incident) folds them. Two
//! exceptions guard the journal itself: `incident-started` must name the
//! incident whose directory holds the journal, and an `attachment-added`
//! handed over through the inbox must name a file stored as it says.
//!
//! The durability contract: an incident id is allocated by exclusively
//! creating its directory, which is fsynced into `incidents/` before the id is
//! handed out, so no two processes ever get the same id; an event is on disk
//! when [`Journal::append`] returns (one `write` of the whole line, then
//! `fdatasync`), so a crash at any moment loses at most the event being
//! appended, whose partial line (a torn tail) [`read`] reports and
//! [`Journal::open`] moves aside to `journal.jsonl.torn`, never using it;
//! every line carries the previous line's SHA-256 and its own, so a line
//! edited, deleted or reordered anywhere is refused as [`JournalError::Corrupt`]
//! rather than repaired; `journal.head`, written after each sync and never
//! ahead of what is on disk, names the last durable event, so whole lines
//! cut off the end, which leave a chain that verifies, are refused as
//! [`JournalError::Truncated`]; a journal whose `incident-started` names
//! another incident than its directory is refused too ([`JournalError::WrongIncident`]: the
//! one thing read from an event, so that no incident is ever taken for
//! another); and the [`Lock`] is an `flock` the kernel drops when
//! its process dies, however it dies, so a crashed driver never blocks the
//! next one. The chain detects damage and careless edits, not a forger who
//! recomputes every hash: that is what the signed archive record is for.
//!
//! This module must not read the clock (callers pass the time in; it only
//! times its own `fdatasync` calls), touch a terminal, or interpret events.

mod attachments;
mod digest;
mod head;
mod id;
mod inbox;
mod line;
mod lock;
mod reader;
mod said;
mod secrets;
mod writer;

pub use attachments::{ATTACHMENTS_DIR, Stored, store as store_attachment};
pub use digest::{sha256_hex, sha256_hex_reader};
pub use head::{HEAD_FILE, Head, read as read_head};
pub use id::{allocate, is_incident_id};
pub use inbox::{EntryState, INBOX_DIR, Queued, entry_path as inbox_entry, queue, state as inbox_state};
pub use line::GENESIS;
pub use line::Link;
pub use lock::{Holder, Lock};
pub use reader::{Replay, Scan, Torn, parse, read, scan_chain};
pub use said::{holder_in_lang, path_error_in_lang};
pub use secrets::{SECRETS_FILE, admit_secret};
pub use writer::Journal;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// The journal's file name inside an incident directory.
pub const JOURNAL_FILE: &str = "journal.jsonl";
/// Where [`Journal::open`] moves a torn tail to.
pub const TORN_FILE: &str = "journal.jsonl.torn";
/// The lock file's name inside an incident directory.
pub const LOCK_FILE: &str = "lock";

/// What went wrong with an incident's journal or lock. Messages name the file
/// (and line) and say what to do; I/O causes are part of the message rather
/// than a separate `source`, so they print once however the error is shown.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(transparent)]
    Io(#[from] io::Error),
    /// An operation on a named file or directory failed.
    #[error("cannot {action} {}: {error}", .path.display())]
    File {
        action: &'static str,
        path: PathBuf,
        error: io::Error,
    },
    /// Another live process holds the incident's lock. `holder` is `None`
    /// when its lock file does not say who (being written, or damaged).
    #[error("{}", locked_message(.dir, .holder.as_ref()))]
    Locked { dir: PathBuf, holder: Option<Holder> },
    /// A line other than a torn last one is wrong. `line` counts from 1.
    #[error(
        "journal {}line {line}: {reason}; the incident cannot be resumed from a corrupted journal",
        path_prefix(.path)
    )]
    Corrupt {
        /// Empty when the bytes did not come from a file ([`parse`]).
        path: PathBuf,
        line: usize,
        reason: Corruption,
    },
    /// The journal's `incident-started` names another incident than its
    /// directory: its files were copied, or it was linked, from that one.
    #[error(
        "journal {} is incident {found}'s, not {expected}'s, whose directory it is in: \
         it was copied or linked from another incident, and is not used",
        .path.display()
    )]
    WrongIncident {
        path: PathBuf,
        /// The id its `incident-started` event holds.
        found: String,
        /// Its directory's name.
        expected: String,
    },
    /// `journal.head` says an event was on disk that the journal no longer
    /// holds: whole lines were cut off its end.
    #[error(
        "journal {} ends {}, but {} says event {} was on disk: {} cut off its end; \
         the incident cannot be resumed from a truncated journal: put journal.jsonl back from a backup \
         (or, to go on without {}, move journal.head aside: the next command writes it again)",
        .path.display(),
        ended_at(*.last, *.torn),
        .path.with_file_name(HEAD_FILE).display(),
        .kept.seq,
        missing(*.last, .kept.seq),
        if .kept.seq - .last == 1 { "it" } else { "them" }
    )]
    Truncated {
        path: PathBuf,
        /// What `journal.head` says.
        kept: Head,
        /// The journal's last whole event's `seq`.
        last: u64,
        /// Whether a cut-short line follows it (it may be what is left of
        /// the next one).
        torn: bool,
    },
    /// The journal holds the event `journal.head` names, but not as it
    /// says: the journal was rewritten after the head was written.
    #[error(
        "journal {} line {}: {} differs from what {} says ({}): the journal was rewritten after it; \
         the incident cannot be resumed from a corrupted journal",
        .path.display(),
        .kept.seq,
        disagreement(.kept, .found),
        .path.with_file_name(HEAD_FILE).display(),
        short_head(.kept)
    )]
    HeadDisagrees {
        path: PathBuf,
        kept: Head,
        /// The same event, as the journal holds it.
        found: Head,
    },
    /// `journal.head` has no slot whose sum checks: damaged by something
    /// else than a crash, it cannot say whether the journal is whole.
    #[error(
        "{} is damaged (neither of its two slots checks), so it cannot tell whether lines were cut off \
         the end of journal.jsonl beside it; check the journal by hand (docs/journal-format.md) and, if it \
         is whole, remove {}: the next command that writes to the incident writes it again",
        .path.display(),
        .path.display()
    )]
    HeadDamaged { path: PathBuf },
    /// An earlier append failed part-way; the journal refuses to continue a
    /// chain whose last line may be broken.
    #[error(
        "journal {} is not written to any more in this process: an earlier append failed part-way; \
         run the command again to resume (a partial last line is then moved aside)",
        .path.display()
    )]
    Poisoned { path: PathBuf },
    /// [`Journal::create`] or [`Journal::open`] was given another incident's lock.
    #[error("the lock held is for {}, not for {}", .locked.display(), .dir.display())]
    WrongLock { locked: PathBuf, dir: PathBuf },
}

impl From<crate::file_util::PathError> for JournalError {
    fn from(failed: crate::file_util::PathError) -> JournalError {
        JournalError::File {
            action: failed.action,
            path: failed.path,
            error: failed.error,
        }
    }
}

impl JournalError {
    pub(crate) fn file(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> JournalError {
        let path = path.to_path_buf();
        move |error| JournalError::File { action, path, error }
    }
}

/// Why a journal line is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Corruption {
    /// Not JSON, or JSON that is not an event (the serde message).
    NotAnEvent(crate::i18n::JsonProblem),
    Empty,
    /// The line ends with something other than its `hash` field.
    HashNotLast,
    /// The hash recomputed from the line's bytes differs from its `hash`.
    HashMismatch,
    /// `prev` is not the hash of line `after` (0: not the start of the chain).
    Prev {
        after: usize,
    },
    Seq {
        found: u64,
        expected: u64,
    },
}

impl fmt::Display for Corruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Corruption::NotAnEvent(error) => write!(f, "not a journal event ({error})"),
            Corruption::Empty => write!(f, "empty line (the journal never writes one)"),
            Corruption::HashNotLast => {
                write!(
                    f,
                    "the line does not end with its hash (it was rewritten by something else)"
                )
            }
            Corruption::HashMismatch => {
                write!(
                    f,
                    "hash does not match its contents (the line was edited or damaged)"
                )
            }
            Corruption::Prev { after: 0 } => write!(
                f,
                "prev is not the start of the chain (lines before it were deleted, or it was moved)"
            ),
            Corruption::Prev { after } => write!(
                f,
                "prev is not the hash of line {after} (a line was deleted, reordered or replaced)"
            ),
            Corruption::Seq { found, expected } => write!(
                f,
                "seq is {found}, expected {expected} (a line was deleted, repeated or reordered)"
            ),
        }
    }
}

/// Where a truncated journal ends, for [`JournalError::Truncated`].
fn ended_at(last: u64, torn: bool) -> String {
    let at = match last {
        0 => "before its first event".to_owned(),
        last => format!("at event {last}"),
    };
    if torn {
        format!("{at} (then a line cut short)")
    } else {
        at
    }
}

/// The events cut off: "event 7 was", "events 5 to 7 were".
fn missing(last: u64, kept: u64) -> String {
    if kept - last == 1 {
        format!("event {kept} was")
    } else {
        format!("events {} to {kept} were", last + 1)
    }
}

fn disagreement(kept: &Head, found: &Head) -> String {
    if kept.hash == found.hash {
        format!("its line ends at byte {}", found.bytes)
    } else {
        format!("its hash {}…", &found.hash[..12.min(found.hash.len())])
    }
}

fn short_head(kept: &Head) -> String {
    format!(
        "hash {}…, ending at byte {}",
        &kept.hash[..12.min(kept.hash.len())],
        kept.bytes
    )
}

fn path_prefix(path: &Path) -> String {
    if path.as_os_str().is_empty() {
        String::new()
    } else {
        format!("{} ", path.display())
    }
}

fn locked_message(dir: &Path, holder: Option<&Holder>) -> String {
    let incident = dir.file_name().unwrap_or(dir.as_os_str()).to_string_lossy();
    let by = holder_description(holder);
    format!(
        "incident {incident} is being driven by {by}; one process drives an incident at a time: \
         wait for it, or stop that process (its lock is released as soon as it exits)"
    )
}

/// Who holds an incident's lock, for messages: "ops@web1 (pid 4242) since
/// 2026-11-28T09:00:00Z, running `runbook start`". "Being driven by" reads
/// differently for a walk and for a `runbook check` run from cron.
pub fn holder_description(holder: Option<&Holder>) -> String {
    let Some(holder) = holder else {
        return "another process (its lock file does not say which)".to_string();
    };
    // The subcommand the holder wrote in, when it is a plain name; a lock
    // file written before it was recorded says nothing of it.
    match holder_command(holder) {
        Some(command) => format!("{holder}, running `{command}`"),
        None => holder.to_string(),
    }
}

/// The command a lock's holder runs, as [`holder_description`] names it:
/// the subcommand it wrote in its lock file, or what this host says the
/// process runs.
pub fn holder_command(holder: &Holder) -> Option<String> {
    let written = holder
        .command
        .as_deref()
        .filter(|name| {
            (1..=32).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        })
        .map(|name| format!("runbook {name}"));
    written.or_else(|| command_line(holder.pid))
}

/// What process `pid` runs, as `runbook check`: its program and first
/// argument, when this host can say (a live lock's holder is a process
/// here), for a holder whose lock file does not say (written by an
/// older `runbook`). The first argument is a global option when one comes
/// before the subcommand. The rest of its arguments may hold secrets
/// (`--var token=...`) and are left out.
fn command_line(pid: u32) -> Option<String> {
    let bytes = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let mut words = bytes
        .split(|&b| b == 0)
        .filter(|word| !word.is_empty())
        .map(String::from_utf8_lossy);
    let program = words.next()?;
    let program = program.rsplit('/').next().unwrap_or(&program).to_owned();
    let line = match words.next() {
        Some(first) => format!("{program} {first}"),
        None => program,
    };
    let line = crate::sanitize::sanitize_line(&line).into_owned();
    const MAX: usize = 60;
    Some(match line.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    })
}

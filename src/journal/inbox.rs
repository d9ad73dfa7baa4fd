//! Events other processes hand to the one driving an incident: a note or a
//! file added from a second terminal while a walk holds the lock. Each is a
//! file `DIR/inbox/ID.json`, written beside and renamed into place, then
//! synced with its directory, so it is there whole or not at all and
//! survives a crash once [`queue`] returns. The holder journals it under its
//! author's name ([`super::Journal::take_inbox`]), then removes it; whoever
//! opens the journal next takes what is left. The event carries the entry's
//! id (`queued`), so an entry found again after a crash between the
//! journal's sync and its removal is removed, never journaled twice.

use crate::file_util::{self, Links, PathError};
use crate::model::EventKind;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// The directory inside an incident directory.
pub const INBOX_DIR: &str = "inbox";

/// What an entry that could not be journaled is renamed to end with.
const REFUSED: &str = ".refused";

/// The most an entry may hold: far more than a note given on a command
/// line (at most 128 KiB) or a file's name and digest.
const ENTRY_LIMIT: u64 = 1024 * 1024;

/// An event waiting to be journaled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queued {
    /// `user@host` of whoever queued it: the event's actor.
    pub actor: String,
    /// When it was queued: the event's time, unless the journal has a
    /// later event by the time it is taken.
    pub time: DateTime<Utc>,
    pub event: EventKind,
}

/// Where an entry stands, for the process that queued it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryState {
    Waiting,
    /// Journaled (or removed by hand).
    Taken,
    /// Unreadable to the holder, or not an event it takes from others:
    /// renamed to this file.
    Refused(PathBuf),
}

/// Queues `entry` for the process holding the incident in `dir`, and
/// returns its id once it is on disk. Ids sort in the order entries were
/// queued.
pub fn queue(dir: &Path, entry: &Queued) -> Result<String, PathError> {
    static COUNT: AtomicU32 = AtomicU32::new(0);
    let inbox = dir.join(INBOX_DIR);
    file_util::make_dirs(&inbox, 0o700)?;
    let id = format!(
        "{}-{:010}-{:06}",
        entry.time.format("%Y%m%dT%H%M%S%.9fZ"),
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    );
    let json = serde_json::to_vec(entry).map_err(|error| PathError {
        action: "write",
        path: inbox.clone(),
        error: io::Error::other(error),
    })?;
    file_util::publish(&entry_path(dir, &id), &json, 0o600, file_util::Existing::Keep)?;
    Ok(id)
}

/// Whether the entry `id` in `dir`'s inbox was taken yet.
pub fn state(dir: &Path, id: &str) -> EntryState {
    let path = entry_path(dir, id);
    if path.exists() {
        return EntryState::Waiting;
    }
    let refused = refused_path(&path);
    if refused.exists() {
        EntryState::Refused(refused)
    } else {
        EntryState::Taken
    }
}

/// `DIR/inbox/ID.json`.
pub fn entry_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(INBOX_DIR).join(format!("{id}.json"))
}

fn refused_path(entry: &Path) -> PathBuf {
    let mut name = entry.file_name().unwrap_or_default().to_os_string();
    name.push(REFUSED);
    entry.with_file_name(name)
}

/// An entry found in the inbox: its id and what it holds, or why it cannot
/// be read.
#[derive(Debug)]
pub(crate) struct Found {
    pub id: String,
    pub path: PathBuf,
    pub entry: Result<Queued, String>,
}

/// The entries waiting in `dir`'s inbox, oldest first. No inbox: none.
/// An entry that is not a regular file of at most [`ENTRY_LIMIT`] bytes (a
/// FIFO, a device, a symbolic link, a huge file: none of them [`queue`]'s)
/// is found unreadable at once, never waited on or read whole.
pub(crate) fn waiting(dir: &Path) -> io::Result<Vec<Found>> {
    let inbox = dir.join(INBOX_DIR);
    let listing = match std::fs::read_dir(&inbox) {
        Ok(listing) => listing,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut found = Vec::new();
    for item in listing {
        let name = item?.file_name();
        let Some(id) = name
            .to_str()
            .filter(|name| !name.starts_with('.'))
            .and_then(|name| name.strip_suffix(".json"))
        else {
            continue; // half-written (`.ID.json.tmp`) or set aside
        };
        let path = inbox.join(&name);
        let entry = file_util::read_regular(&path, ENTRY_LIMIT, Links::Refuse)
            .map_err(|error| error.to_string())
            .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|error| error.to_string()));
        found.push(Found {
            id: id.to_owned(),
            path,
            entry,
        });
    }
    found.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(found)
}

/// Sets an entry aside as `ID.json.refused`, where the process that queued
/// it finds it.
pub(crate) fn refuse(entry: &Path) -> io::Result<()> {
    std::fs::rename(entry, refused_path(entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(text: &str, second: u32) -> Queued {
        Queued {
            actor: "bob@web2".into(),
            time: format!("2026-11-28T09:00:{second:02}Z").parse().unwrap(),
            event: EventKind::NoteAdded {
                text: text.into(),
                step: None,
            },
        }
    }

    #[test]
    fn queued_entries_wait_whole_in_order_until_taken() {
        let dir = tempfile::tempdir().unwrap();
        assert!(waiting(dir.path()).unwrap().is_empty(), "no inbox yet");
        let later = queue(dir.path(), &note("second", 30)).unwrap();
        let first = queue(dir.path(), &note("first", 10)).unwrap();
        assert_eq!(state(dir.path(), &first), EntryState::Waiting);
        // A half-written entry from a crash is not one.
        std::fs::write(dir.path().join(INBOX_DIR).join(".x.json.tmp"), "{").unwrap();
        let found = waiting(dir.path()).unwrap();
        let ids: Vec<&str> = found.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, [first.as_str(), later.as_str()]);
        assert_eq!(found[0].entry.as_ref().unwrap(), &note("first", 10));

        std::fs::remove_file(&found[0].path).unwrap();
        assert_eq!(state(dir.path(), &first), EntryState::Taken);
        refuse(&found[1].path).unwrap();
        let EntryState::Refused(path) = state(dir.path(), &later) else {
            panic!("not refused");
        };
        assert!(path.to_string_lossy().ends_with(".json.refused"), "{path:?}");
        assert!(
            waiting(dir.path()).unwrap().is_empty(),
            "set aside is not waiting"
        );
    }

    #[test]
    fn an_unreadable_entry_is_found_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let id = queue(dir.path(), &note("x", 1)).unwrap();
        std::fs::write(entry_path(dir.path(), &id), "{\"actor\":").unwrap();
        let found = waiting(dir.path()).unwrap();
        assert!(
            found[0].entry.as_ref().unwrap_err().contains("EOF"),
            "{:?}",
            found[0].entry
        );
    }

    #[test]
    fn an_entry_that_is_not_a_small_regular_file_is_unreadable_not_waited_on() {
        let dir = tempfile::tempdir().unwrap();
        let inbox = dir.path().join(INBOX_DIR);
        std::fs::create_dir(&inbox).unwrap();
        let mode = rustix::fs::Mode::from_raw_mode(0o600);
        rustix::fs::mkfifoat(rustix::fs::CWD, inbox.join("a.json"), mode).unwrap();
        std::os::unix::fs::symlink("/dev/zero", inbox.join("b.json")).unwrap();
        let huge = std::fs::File::create(inbox.join("c.json")).unwrap();
        huge.set_len(ENTRY_LIMIT + 1).unwrap();
        let found = waiting(dir.path()).unwrap();
        let reasons: Vec<&str> = found
            .iter()
            .map(|found| found.entry.as_ref().unwrap_err().as_str())
            .collect();
        assert_eq!(reasons.len(), 3);
        assert!(
            reasons[0].ends_with("a.json: is not a regular file (a pipe, socket or device)"),
            "{reasons:?}"
        );
        assert!(
            reasons[1].ends_with("b.json: is a symbolic link, not a file"),
            "{reasons:?}"
        );
        assert!(
            reasons[2].ends_with("c.json: is larger than 1048576 bytes"),
            "{reasons:?}"
        );
    }
}

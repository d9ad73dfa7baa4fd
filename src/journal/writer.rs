//! Appending to an incident's journal while holding its [`Lock`].
//!
//! What survives a crash: an event is durable when [`Journal::append`]
//! returns, because its whole line goes out in one `write` on a file opened
//! for appending and is followed by `fdatasync`. [`Journal::write`] does the
//! same `write` and leaves the `fdatasync` to the next [`Journal::sync`] (or
//! append): such an event survives the process being killed at once (it is
//! in the kernel's hands), and a power cut only if a sync followed it; the
//! walk syncs before every action that leaves the process (a command, a
//! notification, a prompt, exiting), so nothing a person or a system acted
//! on is ever lost. [`Journal::start_sync`] lets a helper thread begin that
//! `fdatasync` while the caller prepares the action (a command's shell
//! starts, held before its script); the [`Journal::sync`] that follows
//! waits for it before the action goes ahead. A crash before that leaves
//! either nothing or a prefix of the line, a torn tail, which [`Journal::open`]
//! copies to `journal.jsonl.torn` (appended, fsynced) before truncating the
//! journal to its valid prefix (fsynced), so no event whose append returned is
//! ever lost and no partial one is ever used. A crash between those two steps
//! only copies the same tail twice. The journal file's directory entry is
//! fsynced when [`Journal::create`] makes it. After an append fails part-way
//! (a write or fsync error), what is on disk is unknown, so the journal is
//! poisoned and refuses further appends rather than continue a broken chain;
//! such an event may still be found whole when the journal is next opened
//! (the line reached the disk, the fsync's report did not), but never half.

use super::id::sync_dir;
use super::inbox;
use super::reader::{self, Replay};
use super::{JOURNAL_FILE, JournalError, Lock, TORN_FILE, line};
use crate::model::{Event, EventKind};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// An incident's journal, open for appending by the process that holds its
/// lock (which it keeps until dropped).
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    actor: String,
    seq: u64,
    head: String,
    poisoned: bool,
    /// Events written since the last `fdatasync` was asked for.
    unsynced: bool,
    /// A helper thread's `fdatasync`, asked for by [`Journal::start_sync`]
    /// and not yet waited for by [`Journal::sync`].
    syncer: Option<Syncer>,
    /// The last `fdatasync` took longer than [`SLOW_SYNC`]: worth handing
    /// to the helper thread.
    slow_disk: bool,
    /// The last event's time: a queued event is never journaled before it.
    last_time: Option<DateTime<Utc>>,
    /// The inbox entries journaled so far (their events' `queued`).
    taken: HashSet<String>,
    lock: Lock,
}

/// An `fdatasync` faster than this is done in place: waking a helper
/// thread costs tens of microseconds, and a journal on a fast disk (or
/// tmpfs) syncs in less.
const SLOW_SYNC: Duration = Duration::from_micros(100);

/// A thread that runs `fdatasync` on the journal when asked, so that the
/// disk can work while the caller starts something else. It says how it
/// went and how long it took.
#[derive(Debug)]
struct Syncer {
    ask: mpsc::Sender<()>,
    done: mpsc::Receiver<(std::io::Result<()>, Duration)>,
    /// Asked and not yet waited for.
    in_flight: bool,
    thread: Option<thread::JoinHandle<()>>,
}

impl Syncer {
    fn spawn(file: &File) -> std::io::Result<Syncer> {
        let file = file.try_clone()?;
        let (ask, asked) = mpsc::channel::<()>();
        let (tell, done) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("journal-sync".into())
            .spawn(move || {
                while asked.recv().is_ok() {
                    if tell.send(timed_sync(&file)).is_err() {
                        return;
                    }
                }
            })?;
        Ok(Syncer {
            ask,
            done,
            in_flight: false,
            thread: Some(thread),
        })
    }

    /// Waits for the `fdatasync` in flight, if any, and returns its result
    /// and how long it took.
    fn wait(&mut self) -> Option<(std::io::Result<()>, Duration)> {
        if !std::mem::take(&mut self.in_flight) {
            return None;
        }
        Some(self.done.recv().unwrap_or_else(|_| {
            (
                Err(std::io::Error::other("the journal's sync thread ended")),
                Duration::ZERO,
            )
        }))
    }
}

/// `fdatasync`, and how long it took.
fn timed_sync(file: &File) -> (std::io::Result<()>, Duration) {
    let begun = Instant::now();
    let result = file.sync_data();
    (result, begun.elapsed())
}

impl Drop for Syncer {
    fn drop(&mut self) {
        // Closing the channel ends the thread once its sync, if any, is done.
        let (ask, _) = mpsc::channel();
        drop(std::mem::replace(&mut self.ask, ask));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Journal {
    /// Creates `DIR/journal.jsonl` (mode 0600), failing if it exists.
    pub fn create(dir: &Path, actor: &str, lock: Lock) -> Result<Journal, JournalError> {
        check_lock(dir, &lock)?;
        let path = dir.join(JOURNAL_FILE);
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(JournalError::file("create", &path))?;
        sync_dir(dir).map_err(JournalError::file("sync", dir))?;
        Ok(Journal::new(file, path, actor, &Replay::default(), lock))
    }

    /// Opens an existing journal to continue it: verifies every line, moves a
    /// torn tail aside to `journal.jsonl.torn`, and returns what was read
    /// (`torn` says whether a tail was moved).
    pub fn open(dir: &Path, actor: &str, lock: Lock) -> Result<(Journal, Replay), JournalError> {
        check_lock(dir, &lock)?;
        let path = dir.join(JOURNAL_FILE);
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&path)
            .map_err(JournalError::file("open", &path))?;
        let mut bytes = Vec::new();
        (&file)
            .read_to_end(&mut bytes)
            .map_err(JournalError::file("read", &path))?;
        let replay = reader::parse_file(&bytes, &path)?;
        if let Some(torn) = replay.torn {
            let start = usize::try_from(torn.offset)
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            set_aside(dir, &bytes[start..])?;
            file.set_len(torn.offset)
                .and_then(|()| file.sync_all())
                .map_err(JournalError::file("truncate", &path))?;
        }
        let journal = Journal::new(file, path, actor, &replay, lock);
        Ok((journal, replay))
    }

    fn new(file: File, path: PathBuf, actor: &str, replay: &Replay, lock: Lock) -> Journal {
        Journal {
            file,
            path,
            actor: actor.to_string(),
            seq: replay.last_seq(),
            head: replay.head().to_string(),
            poisoned: false,
            unsynced: false,
            syncer: None,
            slow_disk: false,
            last_time: replay.events.last().map(|event| event.time),
            taken: replay
                .events
                .iter()
                .filter_map(|event| event.queued.clone())
                .collect(),
            lock,
        }
    }

    /// Appends one event and returns it once it is on disk.
    pub fn append(&mut self, time: DateTime<Utc>, kind: EventKind) -> Result<Event, JournalError> {
        let event = self.write(time, kind)?;
        self.sync()?;
        Ok(event)
    }

    /// Makes every event written so far durable. Once a sync has failed
    /// (here, or on the helper thread for another caller) every later one
    /// fails too: a retried `fdatasync` can succeed without the lost writes
    /// having reached the disk.
    pub fn sync(&mut self) -> Result<(), JournalError> {
        if self.poisoned {
            return Err(JournalError::Poisoned {
                path: self.path.clone(),
            });
        }
        let mut result = Ok(());
        if let Some((handed, took)) = self.syncer.as_mut().and_then(Syncer::wait) {
            self.slow_disk = took > SLOW_SYNC;
            result = handed;
        }
        if result.is_ok() && self.unsynced {
            let (here, took) = timed_sync(&self.file);
            self.slow_disk = took > SLOW_SYNC;
            result = here;
        }
        if let Err(error) = result {
            // What reached the disk is unknown: see the module docs.
            self.poisoned = true;
            return Err(JournalError::file("sync", &self.path)(error));
        }
        self.unsynced = false;
        Ok(())
    }

    /// Starts making every event written so far durable on a helper
    /// thread, and returns at once; the next [`Journal::sync`] waits for it
    /// and reports its failure. Left to that `sync` when the disk syncs
    /// fast (the last sync took under 100 µs) or no helper thread could be
    /// started.
    pub fn start_sync(&mut self) {
        if !self.unsynced
            || !self.slow_disk
            || self.poisoned
            || self.syncer.as_ref().is_some_and(|s| s.in_flight)
        {
            return;
        }
        if self.syncer.is_none() {
            self.syncer = Syncer::spawn(&self.file).ok();
        }
        if let Some(syncer) = &mut self.syncer
            && syncer.ask.send(()).is_ok()
        {
            syncer.in_flight = true;
            self.unsynced = false;
        }
    }

    /// Appends one event with one `write`, leaving the `fdatasync` to the
    /// next [`Journal::sync`].
    pub fn write(&mut self, time: DateTime<Utc>, kind: EventKind) -> Result<Event, JournalError> {
        let actor = self.actor.clone();
        self.write_event(time, actor, kind, None)
    }

    fn write_event(
        &mut self,
        time: DateTime<Utc>,
        actor: String,
        kind: EventKind,
        queued: Option<String>,
    ) -> Result<Event, JournalError> {
        if self.poisoned {
            return Err(JournalError::Poisoned {
                path: self.path.clone(),
            });
        }
        let mut event = Event {
            seq: self.seq + 1,
            time,
            actor,
            kind,
            queued,
            prev: self.head.clone(),
            hash: String::new(),
        };
        let (line, hash) = line::encode(&event)?;
        // From here on a failure may leave part of the line on disk.
        if let Err(error) = self.file.write_all(&line) {
            self.poisoned = true;
            return Err(JournalError::file("append to", &self.path)(error));
        }
        self.unsynced = true;
        event.hash = hash;
        self.seq = event.seq;
        self.head.clone_from(&event.hash);
        self.last_time = Some(time);
        if let Some(id) = &event.queued {
            self.taken.insert(id.clone());
        }
        Ok(event)
    }

    /// Journals what other processes queued in the incident's inbox while
    /// it was held (see [`super::inbox`]), oldest first, each under its
    /// author's name and at its time (or the last event's, if later), and
    /// returns the events once they are on disk; only then are the entries
    /// removed. An entry that cannot be read, or whose event `accept`
    /// refuses, is set aside for its author to find. One already journaled
    /// (a crash came before its removal) is only removed, once the journal
    /// is synced: the process that wrote it may have died before it could.
    ///
    /// Only the journal's own failures are errors. An inbox that cannot be
    /// listed, or an entry that cannot be set aside or removed, is left for
    /// the next look: it must not keep anyone from the incident, and whoever
    /// queued the entry is told it was not taken in.
    pub fn take_inbox(&mut self, accept: &dyn Fn(&EventKind) -> bool) -> Result<Vec<Event>, JournalError> {
        let dir = self.lock.dir().to_path_buf();
        let Ok(found) = inbox::waiting(&dir) else {
            return Ok(Vec::new());
        };
        let mut events = Vec::new();
        let mut done = Vec::new();
        for found in found {
            if self.taken.contains(&found.id) {
                done.push(found.path);
                continue;
            }
            match found.entry {
                Ok(entry) if accept(&entry.event) => {
                    let time = self.last_time.map_or(entry.time, |last| last.max(entry.time));
                    events.push(self.write_event(time, entry.actor, entry.event, Some(found.id))?);
                    done.push(found.path);
                }
                _ => {
                    let _ = inbox::refuse(&found.path);
                }
            }
        }
        if !done.is_empty() {
            self.unsynced = true;
            self.sync()?;
        }
        for path in done {
            // Left behind, it is found again and only removed: see above.
            let _ = std::fs::remove_file(path);
        }
        Ok(events)
    }

    /// The last event's hash (64 zeros before the first event).
    pub fn head(&self) -> &str {
        &self.head
    }

    /// The last event's `seq` (0 before the first event).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The incident directory.
    pub fn dir(&self) -> &Path {
        self.lock.dir()
    }

    /// `DIR/journal.jsonl`.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn check_lock(dir: &Path, lock: &Lock) -> Result<(), JournalError> {
    if lock.dir() == dir {
        Ok(())
    } else {
        Err(JournalError::WrongLock {
            locked: lock.dir().to_path_buf(),
            dir: dir.to_path_buf(),
        })
    }
}

/// Appends a torn tail to `DIR/journal.jsonl.torn`, durably, each tail
/// ending with a newline so that successive ones stay apart.
fn set_aside(dir: &Path, tail: &[u8]) -> Result<(), JournalError> {
    let path = dir.join(TORN_FILE);
    let mut bytes = tail.to_vec();
    if bytes.last() != Some(&b'\n') {
        bytes.push(b'\n');
    }
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(&path)
        .and_then(|mut file| {
            file.write_all(&bytes)?;
            file.sync_data()
        })
        .and_then(|()| sync_dir(dir))
        .map_err(JournalError::file("write", &path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{GENESIS, read};
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    const ACTOR: &str = "ops@web1";

    fn at(minute: u32) -> DateTime<Utc> {
        format!("2026-11-28T09:{minute:02}:00Z").parse().unwrap()
    }

    fn lock(dir: &Path) -> Lock {
        Lock::acquire(dir, ACTOR, at(0)).unwrap()
    }

    fn note(text: &str) -> EventKind {
        EventKind::NoteAdded {
            text: text.into(),
            step: None,
        }
    }

    fn new_journal(dir: &Path, notes: &[&str]) -> Vec<Event> {
        let mut journal = Journal::create(dir, ACTOR, lock(dir)).unwrap();
        notes
            .iter()
            .enumerate()
            .map(|(i, text)| journal.append(at(i as u32 + 1), note(text)).unwrap())
            .collect()
    }

    #[test]
    fn appended_events_read_back_equal_with_a_verifying_chain() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::create(dir.path(), ACTOR, lock(dir.path())).unwrap();
        assert_eq!((journal.seq(), journal.head()), (0, GENESIS));
        let events: Vec<Event> = ["one", "two", "three"]
            .iter()
            .enumerate()
            .map(|(i, text)| journal.append(at(i as u32 + 1), note(text)).unwrap())
            .collect();
        assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(events[0].prev, GENESIS);
        assert_eq!(events[1].prev, events[0].hash);
        assert_eq!(events[2].prev, events[1].hash);
        assert_eq!(journal.head(), events[2].hash);
        assert_eq!(journal.dir(), dir.path());

        let replay = read(dir.path()).unwrap();
        assert_eq!(replay, Replay { events, torn: None });
        let mode = fs::metadata(journal.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn create_refuses_an_existing_journal_and_another_incidents_lock() {
        let dir = tempfile::tempdir().unwrap();
        new_journal(dir.path(), &["one"]);
        let error = Journal::create(dir.path(), ACTOR, lock(dir.path())).unwrap_err();
        assert!(
            matches!(&error, JournalError::File { action: "create", error, .. } if error.kind() == std::io::ErrorKind::AlreadyExists),
            "{error:?}"
        );
        assert_eq!(read(dir.path()).unwrap().events.len(), 1);
        let other = tempfile::tempdir().unwrap();
        let error = Journal::open(dir.path(), ACTOR, lock(other.path())).unwrap_err();
        assert!(matches!(error, JournalError::WrongLock { .. }), "{error:?}");
    }

    #[test]
    fn reopened_journal_continues_the_chain() {
        let dir = tempfile::tempdir().unwrap();
        let first = new_journal(dir.path(), &["one", "two"]);
        let (mut journal, replay) = Journal::open(dir.path(), "dev@web2", lock(dir.path())).unwrap();
        assert_eq!(replay.events, first);
        assert_eq!((journal.seq(), journal.head()), (2, first[1].hash.as_str()));
        let third = journal.append(at(9), note("three")).unwrap();
        assert_eq!(
            (third.seq, third.prev.as_str(), third.actor.as_str()),
            (3, first[1].hash.as_str(), "dev@web2")
        );
        let events = read(dir.path()).unwrap().events;
        assert_eq!(events.len(), 3);
        assert_eq!(events[2], third);
    }

    #[test]
    fn torn_tail_is_moved_aside_and_appending_continues() {
        let dir = tempfile::tempdir().unwrap();
        let first = new_journal(dir.path(), &["one", "two", "three"]);
        let path = dir.path().join(JOURNAL_FILE);
        let whole = fs::read(&path).unwrap();
        let third_starts = whole[..whole.len() - 1]
            .iter()
            .rposition(|&b| b == b'\n')
            .unwrap()
            + 1;
        let cut = third_starts + 30;
        fs::write(&path, &whole[..cut]).unwrap();

        let replay = read(dir.path()).unwrap();
        assert_eq!(replay.events, first[..2]);
        let torn = replay.torn.unwrap();
        assert_eq!((torn.line, torn.offset, torn.bytes), (3, third_starts as u64, 30));

        let (mut journal, replay) = Journal::open(dir.path(), ACTOR, lock(dir.path())).unwrap();
        assert_eq!(replay.torn, Some(torn));
        let mut aside = whole[third_starts..cut].to_vec();
        aside.push(b'\n');
        assert_eq!(fs::read(dir.path().join(TORN_FILE)).unwrap(), aside);
        assert_eq!(fs::read(&path).unwrap(), whole[..third_starts]);

        let again = journal.append(at(30), note("three, again")).unwrap();
        assert_eq!((again.seq, again.prev.as_str()), (3, first[1].hash.as_str()));
        let replay = read(dir.path()).unwrap();
        assert_eq!(replay.torn, None);
        assert_eq!(replay.events.len(), 3);
        assert_eq!(replay.events[2], again);
    }

    #[test]
    fn open_refuses_a_corrupt_journal_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        new_journal(dir.path(), &["one", "two", "three"]);
        let path = dir.path().join(JOURNAL_FILE);
        let edited = fs::read_to_string(&path).unwrap().replacen("two", "TWO", 1);
        fs::write(&path, &edited).unwrap();
        let error = Journal::open(dir.path(), ACTOR, lock(dir.path())).unwrap_err();
        assert!(
            matches!(error, JournalError::Corrupt { line: 2, .. }),
            "{error:?}"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), edited);
        assert!(!dir.path().join(TORN_FILE).exists());
    }

    #[test]
    fn a_sync_started_early_is_waited_for_and_covers_later_writes() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::create(dir.path(), ACTOR, lock(dir.path())).unwrap();
        journal.start_sync(); // nothing written: nothing to do
        assert!(journal.syncer.is_none());
        let one = journal.write(at(1), note("one")).unwrap();
        journal.start_sync(); // a fast disk, as far as anyone knows: left to sync
        assert!(journal.syncer.is_none());
        journal.slow_disk = true;
        journal.start_sync();
        assert!(journal.syncer.as_ref().is_some_and(|s| s.in_flight));
        let two = journal.write(at(2), note("two")).unwrap();
        assert!(journal.unsynced, "written after the sync was asked for");
        journal.sync().unwrap();
        assert!(!journal.unsynced && !journal.syncer.as_ref().unwrap().in_flight);
        assert_eq!(read(dir.path()).unwrap().events, [one, two]);
    }

    #[test]
    fn a_failed_background_sync_poisons_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::create(dir.path(), ACTOR, lock(dir.path())).unwrap();
        journal.append(at(1), note("one")).unwrap();
        // Stand-in for a failing disk: fdatasync on a pipe fails (EINVAL).
        let (reader, _writer) = std::io::pipe().unwrap();
        let real = std::mem::replace(&mut journal.file, File::from(std::os::fd::OwnedFd::from(reader)));
        journal.unsynced = true;
        journal.slow_disk = true;
        journal.start_sync();
        journal.file = real;
        let error = journal.sync().unwrap_err();
        assert!(
            matches!(error, JournalError::File { action: "sync", .. }),
            "{error:?}"
        );
        let error = journal.append(at(2), note("two")).unwrap_err();
        assert!(matches!(error, JournalError::Poisoned { .. }), "{error:?}");
        assert_eq!(read(dir.path()).unwrap().events.len(), 1);
    }

    #[test]
    fn after_a_failed_sync_every_later_sync_fails() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::create(dir.path(), ACTOR, lock(dir.path())).unwrap();
        journal.append(at(1), note("one")).unwrap();
        journal.write(at(2), note("two")).unwrap();
        let (reader, _writer) = std::io::pipe().unwrap();
        let real = std::mem::replace(&mut journal.file, File::from(std::os::fd::OwnedFd::from(reader)));
        journal.slow_disk = true;
        journal.start_sync();
        journal.file = real;
        // Another caller (the timer thread) collects the failure first...
        assert!(journal.sync().is_err());
        // ...and the walk's own sync, with nothing left in flight, still fails.
        let error = journal.sync().unwrap_err();
        assert!(matches!(error, JournalError::Poisoned { .. }), "{error:?}");
    }

    #[test]
    fn a_failed_append_poisons_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::create(dir.path(), ACTOR, lock(dir.path())).unwrap();
        journal.append(at(1), note("one")).unwrap();
        // Stand-in for a failed write: a descriptor that cannot write.
        journal.file = File::open(journal.path()).unwrap();
        let error = journal.append(at(2), note("two")).unwrap_err();
        assert!(matches!(error, JournalError::File { .. }), "{error:?}");
        journal.file = OpenOptions::new().append(true).open(journal.path()).unwrap();
        let error = journal.append(at(3), note("three")).unwrap_err();
        assert!(matches!(error, JournalError::Poisoned { .. }), "{error:?}");
        assert!(error.to_string().contains("run the command again"), "{error}");
        assert_eq!(read(dir.path()).unwrap().events.len(), 1);
    }

    fn queued(actor: &str, minute: u32, kind: EventKind) -> crate::journal::Queued {
        crate::journal::Queued {
            actor: actor.into(),
            time: at(minute),
            event: kind,
        }
    }

    fn notes_only(kind: &EventKind) -> bool {
        matches!(kind, EventKind::NoteAdded { .. })
    }

    #[test]
    fn queued_events_are_journaled_once_under_their_authors_name() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::create(dir.path(), ACTOR, lock(dir.path())).unwrap();
        journal.append(at(5), note("walking")).unwrap();
        let early = crate::journal::queue(dir.path(), &queued("bob@web2", 3, note("from bob"))).unwrap();
        let late = crate::journal::queue(dir.path(), &queued("eve@web3", 7, note("from eve"))).unwrap();
        let kept = fs::read(crate::journal::inbox_entry(dir.path(), &early)).unwrap();

        let taken = journal.take_inbox(&notes_only).unwrap();
        let got: Vec<_> = taken
            .iter()
            .map(|e| (e.seq, e.actor.as_str(), e.time, e.queued.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                // Queued before the walk's last event: journaled at its time.
                (2, "bob@web2", at(5), Some(early.as_str())),
                (3, "eve@web3", at(7), Some(late.as_str())),
            ]
        );
        for id in [&early, &late] {
            assert_eq!(
                crate::journal::inbox_state(dir.path(), id),
                crate::journal::EntryState::Taken
            );
        }
        // On disk with a verifying chain, and the reader keeps `queued`.
        assert_eq!(read(dir.path()).unwrap().events[1..], taken[..]);

        // A crash between the sync and the removal leaves an entry behind:
        // found again, also by the next process, it is only removed.
        drop(journal);
        fs::write(crate::journal::inbox_entry(dir.path(), &early), kept).unwrap();
        let (mut journal, _) = Journal::open(dir.path(), ACTOR, lock(dir.path())).unwrap();
        assert!(journal.take_inbox(&notes_only).unwrap().is_empty());
        assert_eq!(
            crate::journal::inbox_state(dir.path(), &early),
            crate::journal::EntryState::Taken
        );
        assert_eq!(read(dir.path()).unwrap().events.len(), 3);
    }

    #[test]
    fn a_queued_event_not_accepted_or_unreadable_is_set_aside_for_its_author() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::create(dir.path(), ACTOR, lock(dir.path())).unwrap();
        let abort = crate::journal::queue(
            dir.path(),
            &queued("bob@web2", 1, EventKind::Aborted { reason: "no".into() }),
        )
        .unwrap();
        let garbled = crate::journal::queue(dir.path(), &queued("bob@web2", 2, note("x"))).unwrap();
        fs::write(crate::journal::inbox_entry(dir.path(), &garbled), "not json").unwrap();

        assert!(journal.take_inbox(&notes_only).unwrap().is_empty());
        for id in [&abort, &garbled] {
            let state = crate::journal::inbox_state(dir.path(), id);
            assert!(
                matches!(state, crate::journal::EntryState::Refused(_)),
                "{state:?}"
            );
        }
        assert!(read(dir.path()).unwrap().events.is_empty());
        // Set aside once, not again at every look.
        assert!(journal.take_inbox(&notes_only).unwrap().is_empty());
    }
}

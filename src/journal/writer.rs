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
//! on is ever lost. A crash before that leaves
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
//!
//! Each sync that made new events durable is followed by one unsynced
//! write of `journal.head` ([`super::head`]), never before it, so the head
//! is never ahead of what is on disk, however a crash falls. Opening a
//! journal syncs it before its head is brought up to it (a killed process
//! may have left events written and not synced), and gives a journal
//! without a head (one written before heads were kept) its first.

use super::head::{Head, HeadFile};
use super::id::sync_dir;
use super::reader::{self, Replay, Scan};
use super::{JOURNAL_FILE, JournalError, Lock, TORN_FILE, line};
use super::{attachments, inbox};
use crate::file_util::{self, Links};
use crate::model::{Event, EventKind};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Write};
use std::os::unix::fs::FileExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// An incident's journal, open for appending by the process that holds its
/// lock (which it keeps until dropped).
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
    actor: String,
    seq: u64,
    head: String,
    /// The journal's length: where the next line starts.
    bytes: u64,
    /// `journal.head`, written after each sync that made events durable.
    head_file: HeadFile,
    poisoned: bool,
    /// Events written since the last `fdatasync`.
    unsynced: bool,
    /// The last event's time: a queued event is never journaled before it.
    last_time: Option<DateTime<Utc>>,
    /// The inbox entries journaled so far (their events' `queued`).
    taken: HashSet<String>,
    lock: Lock,
}

impl Journal {
    /// Creates `DIR/journal.jsonl` (mode 0600), failing if it exists, and
    /// its `journal.head`, which syncs the directory holding both.
    pub fn create(dir: &Path, actor: &str, lock: Lock) -> Result<Journal, JournalError> {
        check_lock(dir, &lock)?;
        let path = dir.join(JOURNAL_FILE);
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(JournalError::file("create", &path))?;
        let head_file = HeadFile::create(dir, &Head::empty())?;
        Ok(Journal::new(file, path, actor, Scan::default(), head_file, lock))
    }

    /// Opens an existing journal to continue it (a regular file, not a
    /// symbolic link, as [`super::read`] reads): verifies every line, moves a
    /// torn tail aside to `journal.jsonl.torn`, and returns what was read
    /// (`torn` says whether a tail was moved).
    pub fn open(dir: &Path, actor: &str, lock: Lock) -> Result<(Journal, Replay), JournalError> {
        let mut events = Vec::new();
        let (journal, scanned) = Journal::open_with(dir, actor, lock, &mut |event| events.push(event))?;
        Ok((
            journal,
            Replay {
                events,
                torn: scanned.torn,
                kept_head: scanned.kept_head,
            },
        ))
    }

    /// [`Journal::open`], handing each verified event to `each` in order
    /// instead of keeping it: the journal is checked whole, in memory that
    /// does not grow with it. Nothing is written until every line has
    /// verified, and the journal agrees with its `journal.head`.
    pub fn open_with(
        dir: &Path,
        actor: &str,
        lock: Lock,
        each: &mut dyn FnMut(Event),
    ) -> Result<(Journal, Scan), JournalError> {
        check_lock(dir, &lock)?;
        let path = dir.join(JOURNAL_FILE);
        let file =
            file_util::open_regular_with(&path, Links::Refuse, OpenOptions::new().read(true).append(true))?;
        let scanned = reader::scan(
            BufReader::with_capacity(reader::BUFFER, &file),
            dir,
            line::Typed,
            each,
        )?;
        if let Some(torn) = scanned.torn {
            let mut tail = vec![0; torn.bytes];
            file.read_exact_at(&mut tail, torn.offset)
                .map_err(JournalError::file("read", &path))?;
            set_aside(dir, &tail)?;
            file.set_len(torn.offset)
                .and_then(|()| file.sync_all())
                .map_err(JournalError::file("truncate", &path))?;
        }
        let last = scanned.last();
        let head_file = match &scanned.kept_head {
            Some(kept) if *kept == last => HeadFile::open(dir, kept)?,
            kept => {
                // Events a killed process wrote and never synced are read
                // back like the rest: only once synced may the head say so.
                file.sync_data().map_err(JournalError::file("sync", &path))?;
                match kept {
                    Some(kept) => {
                        let mut head_file = HeadFile::open(dir, kept)?;
                        head_file.record(&last);
                        head_file
                    }
                    None => HeadFile::create(dir, &last)?,
                }
            }
        };
        let journal = Journal::new(file, path, actor, scanned.clone(), head_file, lock);
        Ok((journal, scanned))
    }

    fn new(
        file: File,
        path: PathBuf,
        actor: &str,
        scanned: Scan,
        head_file: HeadFile,
        lock: Lock,
    ) -> Journal {
        Journal {
            file,
            path,
            actor: actor.to_string(),
            seq: scanned.last_seq,
            bytes: scanned.bytes,
            head: scanned.head,
            head_file,
            poisoned: false,
            unsynced: false,
            last_time: scanned.last_time,
            taken: scanned.queued,
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
    /// (for this caller or another thread) every later one fails too: a
    /// retried `fdatasync` can succeed without the lost writes having
    /// reached the disk.
    pub fn sync(&mut self) -> Result<(), JournalError> {
        if self.poisoned {
            return Err(JournalError::Poisoned {
                path: self.path.clone(),
            });
        }
        if !self.unsynced {
            return Ok(());
        }
        if let Err(error) = self.file.sync_data() {
            // What reached the disk is unknown: see the module docs.
            self.poisoned = true;
            return Err(JournalError::file("sync", &self.path)(error));
        }
        self.unsynced = false;
        self.head_file.record(&Head {
            seq: self.seq,
            bytes: self.bytes,
            hash: self.head.clone(),
        });
        Ok(())
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
        self.bytes += line.len() as u64;
        self.head.clone_from(&event.hash);
        self.last_time = Some(time);
        if let Some(id) = &event.queued {
            self.taken.insert(id.clone());
        }
        Ok(event)
    }

    /// Journals what other processes queued in the incident's inbox while
    /// it was held (see [`super::Queued`]), oldest first, each under its
    /// author's name and at its time (or the last event's, if later), and
    /// returns the events once they are on disk; only then are the entries
    /// removed. An entry that cannot be read, whose event `accept`
    /// refuses, or that says a file was attached which is not in the
    /// incident's `attachments/` as it says (name, size and SHA-256), is set
    /// aside for its author to find. One already journaled
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
                Ok(entry) if accept(&entry.event) && stored_as_said(&dir, &entry.event) => {
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

/// Whether the file a handed-over `attachment-added` names was stored as
/// it says; any other event names no file.
fn stored_as_said(dir: &Path, event: &EventKind) -> bool {
    match event {
        EventKind::AttachmentAdded { name, sha256, bytes } => attachments::holds(dir, name, sha256, *bytes),
        _ => true,
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
    let mut file = file_util::open_regular_with(
        &path,
        Links::Refuse,
        OpenOptions::new().append(true).create(true).mode(0o600),
    )?;
    file.write_all(&bytes)
        .and_then(|()| file.sync_data())
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
        Lock::acquire(dir, ACTOR, "test", at(0)).unwrap()
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
        assert_eq!(replay.events, events);
        assert_eq!(replay.torn, None);
        assert_eq!(replay.kept_head.map(|kept| kept.seq), Some(3));
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
        let first = new_journal(dir.path(), &["one", "two"]);
        // A crash tears only a line not synced yet, which the head is behind.
        let (mut journal, _) = Journal::open(dir.path(), ACTOR, lock(dir.path())).unwrap();
        journal.write(at(3), note("three")).unwrap();
        drop(journal);
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

    /// The journal's bytes without its last `n` whole lines.
    fn without_last_lines(path: &Path, n: usize) -> Vec<u8> {
        let whole = fs::read(path).unwrap();
        let mut end = whole.len();
        for _ in 0..n {
            end = whole[..end - 1]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |at| at + 1);
        }
        whole[..end].to_vec()
    }

    #[test]
    fn the_head_follows_each_sync_and_never_a_write_alone() {
        let dir = tempfile::tempdir().unwrap();
        let kept = |dir: &Path| crate::journal::read_head(dir).unwrap().map(|head| head.seq);
        let mut journal = Journal::create(dir.path(), ACTOR, lock(dir.path())).unwrap();
        assert_eq!(kept(dir.path()), Some(0));
        journal.append(at(1), note("one")).unwrap();
        assert_eq!(kept(dir.path()), Some(1));
        journal.write(at(2), note("two")).unwrap();
        journal.write(at(3), note("three")).unwrap();
        assert_eq!(
            kept(dir.path()),
            Some(1),
            "written, not synced: the head stays behind"
        );
        journal.sync().unwrap();
        let head = crate::journal::read_head(dir.path()).unwrap().unwrap();
        assert_eq!((head.seq, head.hash.as_str()), (3, journal.head()));
        assert_eq!(head.bytes, fs::metadata(journal.path()).unwrap().len());

        // A process killed after a write, before its sync: the next one
        // reads the event, syncs it, then brings the head up to it.
        journal.write(at(4), note("four")).unwrap();
        drop(journal);
        assert_eq!(kept(dir.path()), Some(3));
        let (_journal, replay) = Journal::open(dir.path(), ACTOR, lock(dir.path())).unwrap();
        assert_eq!(replay.kept_head.map(|head| head.seq), Some(3));
        assert_eq!(kept(dir.path()), Some(4));
    }

    #[test]
    fn last_whole_lines_cut_off_are_refused_by_read_and_open_naming_the_events() {
        let dir = tempfile::tempdir().unwrap();
        new_journal(dir.path(), &["one", "two", "three", "four"]);
        let path = dir.path().join(JOURNAL_FILE);
        let whole = fs::read(&path).unwrap();
        for (cut, last, missing) in [(1, 3, "event 4 was"), (3, 1, "events 2 to 4 were")] {
            fs::write(&path, without_last_lines(&path, cut)).unwrap();
            let error = read(dir.path()).unwrap_err();
            assert!(
                matches!(&error, JournalError::Truncated { kept, last: found, torn: false, .. } if kept.seq == 4 && *found == last),
                "{error:?}"
            );
            let message = error.to_string();
            assert!(message.contains(&format!("ends at event {last}")), "{message}");
            assert!(
                message.contains(&format!("{missing} cut off its end")),
                "{message}"
            );
            let cut_to = fs::read(&path).unwrap();
            let error = Journal::open(dir.path(), ACTOR, lock(dir.path())).unwrap_err();
            assert!(matches!(error, JournalError::Truncated { .. }), "{error:?}");
            assert_eq!(fs::read(&path).unwrap(), cut_to, "open changed nothing");
            fs::write(&path, &whole).unwrap();
        }
        // The last line cut part-way looks torn, but the head says it was
        // whole and on disk: that is truncation, and nothing is moved aside.
        fs::write(&path, &whole[..whole.len() - 20]).unwrap();
        let error = Journal::open(dir.path(), ACTOR, lock(dir.path())).unwrap_err();
        assert!(
            matches!(
                error,
                JournalError::Truncated {
                    last: 3,
                    torn: true,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(!dir.path().join(TORN_FILE).exists());
        // Emptied: every event is missing.
        fs::write(&path, b"").unwrap();
        let message = read(dir.path()).unwrap_err().to_string();
        assert!(message.contains("ends before its first event"), "{message}");
        assert!(message.contains("events 1 to 4 were cut off"), "{message}");
        fs::write(&path, &whole).unwrap();
        assert_eq!(read(dir.path()).unwrap().events.len(), 4);
    }

    #[test]
    fn a_journal_rewritten_under_its_head_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        new_journal(dir.path(), &["one", "two"]);
        let path = dir.path().join(JOURNAL_FILE);
        let head = fs::read(dir.path().join(crate::journal::HEAD_FILE)).unwrap();
        // Another journal of two events, chained afresh, under the old head.
        fs::remove_file(&path).unwrap();
        new_journal(dir.path(), &["uno", "dos"]);
        fs::write(dir.path().join(crate::journal::HEAD_FILE), head).unwrap();
        let error = read(dir.path()).unwrap_err();
        assert!(
            matches!(&error, JournalError::HeadDisagrees { kept, .. } if kept.seq == 2),
            "{error:?}"
        );
        assert!(error.to_string().contains("line 2: its hash"), "{error}");
    }

    #[test]
    fn a_journal_without_a_head_is_read_and_gets_one_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        new_journal(dir.path(), &["one", "two"]);
        let head_path = dir.path().join(crate::journal::HEAD_FILE);
        fs::remove_file(&head_path).unwrap();
        let replay = read(dir.path()).unwrap();
        assert_eq!((replay.events.len(), replay.kept_head), (2, None));
        let (mut journal, replay) = Journal::open(dir.path(), ACTOR, lock(dir.path())).unwrap();
        assert_eq!(replay.kept_head, None);
        let kept = crate::journal::read_head(dir.path()).unwrap().unwrap();
        assert_eq!((kept.seq, kept.hash.as_str()), (2, journal.head()));
        assert_eq!(
            fs::metadata(&head_path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        journal.append(at(3), note("three")).unwrap();
        assert_eq!(read(dir.path()).unwrap().kept_head.map(|head| head.seq), Some(3));
    }

    #[test]
    fn a_damaged_head_is_refused_by_read_and_open() {
        let dir = tempfile::tempdir().unwrap();
        new_journal(dir.path(), &["one"]);
        let head_path = dir.path().join(crate::journal::HEAD_FILE);
        fs::write(&head_path, "not a head\n").unwrap();
        let error = read(dir.path()).unwrap_err();
        assert!(matches!(error, JournalError::HeadDamaged { .. }), "{error:?}");
        let error = Journal::open(dir.path(), ACTOR, lock(dir.path())).unwrap_err();
        assert!(error.to_string().contains("is damaged"), "{error}");
        assert_eq!(fs::read(&head_path).unwrap(), b"not a head\n");
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
    fn a_failed_sync_poisons_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::create(dir.path(), ACTOR, lock(dir.path())).unwrap();
        journal.append(at(1), note("one")).unwrap();
        journal.write(at(2), note("two")).unwrap();
        // Stand-in for a failing disk: fdatasync on a pipe fails (EINVAL).
        let (reader, _writer) = std::io::pipe().unwrap();
        let real = std::mem::replace(&mut journal.file, File::from(std::os::fd::OwnedFd::from(reader)));
        let error = journal.sync().unwrap_err();
        assert!(
            matches!(error, JournalError::File { action: "sync", .. }),
            "{error:?}"
        );
        journal.file = real;
        // A retried fdatasync can succeed without the lost writes having
        // reached the disk: every later sync and append fails.
        let error = journal.sync().unwrap_err();
        assert!(matches!(error, JournalError::Poisoned { .. }), "{error:?}");
        let error = journal.append(at(3), note("three")).unwrap_err();
        assert!(matches!(error, JournalError::Poisoned { .. }), "{error:?}");
        assert_eq!(read(dir.path()).unwrap().events.len(), 2);
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

    #[test]
    fn a_queued_attachment_is_taken_only_if_stored_as_it_says() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let evidence = outside.path().join("df.txt");
        fs::write(&evidence, "100%\n").unwrap();
        let stored = crate::journal::store_attachment(dir.path(), &evidence).unwrap();
        let attachments = dir.path().join(crate::journal::ATTACHMENTS_DIR);
        std::os::unix::fs::symlink(attachments.join("df.txt"), attachments.join("link.txt")).unwrap();
        fs::write(attachments.join(".hidden.txt"), "100%\n").unwrap();
        let file = |name: &str, sha256: &str, bytes: u64| EventKind::AttachmentAdded {
            name: name.into(),
            sha256: sha256.into(),
            bytes,
        };
        let sha = stored.sha256.as_str();
        let queue = |kind| crate::journal::queue(dir.path(), &queued("bob@web2", 1, kind)).unwrap();
        let good = queue(file("df.txt", sha, 5));
        let refused = [
            queue(file("../../../etc/passwd", sha, 5)),
            queue(file("df.txt", &"0".repeat(64), 5)),
            queue(file("df.txt", sha, 6)),
            queue(file("missing.txt", sha, 5)),
            queue(file("link.txt", sha, 5)),
            queue(file(".hidden.txt", sha, 5)),
            queue(file("..", sha, 5)),
            queue(file("", sha, 5)),
        ];

        let mut journal = Journal::create(dir.path(), ACTOR, lock(dir.path())).unwrap();
        let taken = journal.take_inbox(&EventKind::may_be_queued).unwrap();
        assert_eq!(taken.len(), 1, "{taken:#?}");
        assert_eq!(taken[0].queued.as_deref(), Some(good.as_str()));
        for id in &refused {
            let state = crate::journal::inbox_state(dir.path(), id);
            assert!(
                matches!(state, crate::journal::EntryState::Refused(_)),
                "{id}: {state:?}"
            );
        }
    }
}

//! Reading a journal back: every line parsed, its hash recomputed from its
//! bytes, and the chain (`seq` one more each line, `prev` the previous hash)
//! checked.
//!
//! A last line cut short (no `\n`, or not JSON) is what a crash mid-append
//! leaves: it is reported as [`Torn`] and left out, the valid prefix kept.
//! Anything else wrong, anywhere, including a complete last line whose hash
//! or chain is wrong, is [`JournalError::Corrupt`]: never repaired, never
//! skipped. A journal whose `incident-started` names another incident than
//! its directory is [`JournalError::WrongIncident`]. Reading takes no lock
//! and changes nothing, so a crash while reading loses nothing; a line
//! being appended at that moment shows up as torn. A journal is read a
//! buffer at a time, and [`scan`] hands each verified event on instead of
//! keeping it, for callers that fold events as they come.
//!
//! Before the journal, `journal.head` is read (see [`super::head`]): the
//! journal must hold the event it names, as it names it. One that holds
//! fewer events had whole lines cut off its end
//! ([`JournalError::Truncated`]), which the chain alone cannot show. A
//! journal without a head (written before heads were kept) is read as it
//! is, and says so in [`Replay::kept_head`].

use super::head::{self, Head};
use super::line::{ChainOnly, Chained, Decoder, GENESIS, LineError, Link, Typed};
use super::{Corruption, JOURNAL_FILE, JournalError};
use crate::file_util::{self, Links};
use crate::model::Event;
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// A journal's verified events, and the torn tail left out, if any.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Replay {
    pub events: Vec<Event>,
    pub torn: Option<Torn>,
    /// What `journal.head` said, checked against the events; `None` when
    /// there is none (a journal from before heads were kept, or one whose
    /// head was removed).
    pub kept_head: Option<Head>,
}

impl Replay {
    /// The last event's hash: what the next event's `prev` must be.
    pub fn head(&self) -> &str {
        self.events.last().map_or(GENESIS, |event| event.hash.as_str())
    }

    /// The last event's `seq` (0 when there is none).
    pub fn last_seq(&self) -> u64 {
        self.events.last().map_or(0, |event| event.seq)
    }
}

/// What is left of a journal once its verified events have been handed on
/// one by one (as `Journal::open_with` does): what the next event
/// continues, and the torn tail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// The last event's `seq` (0 when there is none).
    pub last_seq: u64,
    /// The last event's hash ([`GENESIS`] when there is none).
    pub head: String,
    pub last_time: Option<DateTime<Utc>>,
    /// The length of the journal up to the end of the last event's line.
    pub bytes: u64,
    /// The inbox entries journaled (their events' `queued`).
    pub queued: HashSet<String>,
    pub torn: Option<Torn>,
    /// What `journal.head` said, checked (`None`: there is none).
    pub kept_head: Option<Head>,
    /// The event `kept_head` names, as the journal holds it.
    marked: Option<Head>,
}

impl Scan {
    /// The journal's own head: its last event, where its line ends.
    pub fn last(&self) -> Head {
        Head {
            seq: self.last_seq,
            bytes: self.bytes,
            hash: self.head.clone(),
        }
    }
}

impl Default for Scan {
    fn default() -> Scan {
        Scan {
            last_seq: 0,
            head: GENESIS.to_owned(),
            last_time: None,
            bytes: 0,
            queued: HashSet::new(),
            torn: None,
            kept_head: None,
            marked: None,
        }
    }
}

/// A last line cut short, left out of the replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Torn {
    /// Its line number, from 1.
    pub line: usize,
    /// Where it starts: the length of the valid prefix.
    pub offset: u64,
    /// How many bytes it has, to the end of the file.
    pub bytes: usize,
}

/// Reads and verifies `DIR/journal.jsonl`, which must be a regular file,
/// not a symbolic link: runbook never makes anything else there, and a
/// FIFO would block the read.
pub fn read(dir: &Path) -> Result<Replay, JournalError> {
    let path = dir.join(JOURNAL_FILE);
    let file = file_util::open_regular(&path, Links::Refuse)?;
    collect(|each| scan(BufReader::with_capacity(BUFFER, file), dir, Typed, each))
}

/// Reads `DIR/journal.jsonl` as [`read`] does, line by line, but each
/// event only as far as its chain needs ([`Link`]), for a caller that holds
/// a signed journal head naming event `typed_after`: the chain (every
/// line's hash over its bytes, `seq`, `prev`), the incident the first line's
/// `incident-started` names, and `journal.head` are checked as [`read`]
/// checks them. A line from `seq` 2 to `typed_after` in the writer's own
/// form is not read as JSON at all: only the head's hash, once the caller
/// has compared it, shows that those lines are what the writer wrote. Any
/// other line is read as JSON, its payload as JSON but not as an event,
/// and the events past `typed_after`, which no such head covers, are read
/// whole. So a journal [`read`] refuses may pass here only if the caller's
/// head does not match it: a caller must then read it again with [`read`]
/// to say what is wrong. Each event goes to `each` in order.
pub fn scan_chain(
    dir: &Path,
    typed_after: u64,
    each: &mut dyn FnMut(Link<'_>),
) -> Result<Scan, JournalError> {
    let path = dir.join(JOURNAL_FILE);
    let file = file_util::open_regular(&path, Links::Refuse)?;
    scan(
        BufReader::with_capacity(BUFFER, file),
        dir,
        ChainOnly { typed_after },
        each,
    )
}

/// How much of a journal is read at a time. Under 64 KiB: glibc's `free`
/// of a block that large consolidates the whole heap, which `verify`,
/// reading a journal per record on every core, paid for each time.
pub(crate) const BUFFER: usize = 60 * 1024;

/// Verifies a journal's bytes. An empty journal has no events.
pub fn parse(bytes: &[u8]) -> Result<Replay, JournalError> {
    collect(|each| verify(bytes, None, &mut Typed, each))
}

/// The events a scan hands on, kept.
fn collect(
    scan: impl FnOnce(&mut dyn FnMut(Event)) -> Result<Scan, JournalError>,
) -> Result<Replay, JournalError> {
    let mut events = Vec::new();
    let scanned = scan(&mut |event| events.push(event))?;
    Ok(Replay {
        events,
        torn: scanned.torn,
        kept_head: scanned.kept_head,
    })
}

/// Reads and verifies the journal of the incident in `dir` from `reader`,
/// handing each event on to `each` in order as soon as it is verified,
/// without keeping it: a journal of any length is checked whole (every
/// line's hash, the chain) in little memory. A [`JournalError::Corrupt`]
/// names the file; a journal whose `incident-started` is another
/// incident's is [`JournalError::WrongIncident`], once the whole journal
/// has verified; then it is checked against `journal.head`, which was read
/// before it. On an error, the events handed on are not to be used.
pub(crate) fn scan<D: Decoder + 'static>(
    reader: impl BufRead,
    dir: &Path,
    mut decoder: D,
    each: &mut dyn for<'a> FnMut(D::Event<'a>),
) -> Result<Scan, JournalError> {
    let path = dir.join(JOURNAL_FILE);
    // First: a head written while the journal is read is then never ahead
    // of what was read.
    let kept = head::read(dir)?;
    let mut incident = None;
    let mark = kept.as_ref().map(|kept| kept.seq);
    let mut scanned = verify(reader, mark, &mut decoder, &mut |event| {
        if let (None, Some(id)) = (&incident, event.started()) {
            incident = Some(id.to_owned());
        }
        each(event);
    })
    .map_err(|error| match error {
        JournalError::Io(error) => JournalError::file("read", &path)(error),
        other => in_file(other, &path),
    })?;
    if let Some(found) = incident
        && dir.file_name() != Some(OsStr::new(&found))
    {
        return Err(JournalError::WrongIncident {
            path,
            found,
            expected: dir.file_name().unwrap_or_default().to_string_lossy().into_owned(),
        });
    }
    if let Some(kept) = &kept {
        match scanned.marked.take() {
            None => {
                return Err(JournalError::Truncated {
                    path,
                    kept: kept.clone(),
                    last: scanned.last_seq,
                    torn: scanned.torn.is_some(),
                });
            }
            Some(found) if found != *kept => {
                return Err(JournalError::HeadDisagrees {
                    path,
                    kept: kept.clone(),
                    found,
                });
            }
            Some(_) => {}
        }
    }
    scanned.kept_head = kept;
    Ok(scanned)
}

/// Verifies a journal, line by line, handing each event on, and keeps the
/// event whose `seq` is `mark` as [`Scan::marked`].
fn verify<D: Decoder + 'static>(
    mut reader: impl BufRead,
    mark: Option<u64>,
    decoder: &mut D,
    each: &mut dyn for<'a> FnMut(D::Event<'a>),
) -> Result<Scan, JournalError> {
    let mut scanned = Scan::default();
    if mark == Some(0) {
        scanned.marked = Some(Head::empty());
    }
    let mut line = Vec::with_capacity(1024);
    let mut offset = 0u64;
    let mut number = 0;
    let read = |error| JournalError::Io(error);
    loop {
        line.clear();
        let length = reader.read_until(b'\n', &mut line).map_err(read)?;
        if length == 0 {
            return Ok(scanned);
        }
        number += 1;
        let torn = Torn {
            line: number,
            offset,
            bytes: length,
        };
        let Some(body) = line.strip_suffix(b"\n") else {
            scanned.torn = Some(torn);
            return Ok(scanned);
        };
        let last = reader.fill_buf().map_err(read)?.is_empty();
        let corrupt = |reason| JournalError::Corrupt {
            path: PathBuf::new(),
            line: number,
            reason,
        };
        if body.is_empty() && !last {
            return Err(corrupt(Corruption::Empty));
        }
        let event = match decoder.decode(body) {
            Ok(event) => event,
            Err(LineError::Syntax(_)) if last => {
                scanned.torn = Some(torn);
                return Ok(scanned);
            }
            Err(LineError::Syntax(error)) => return Err(corrupt(Corruption::NotAnEvent(error.into()))),
            Err(LineError::Corrupt(reason)) => return Err(corrupt(reason)),
        };
        if event.prev() != scanned.head {
            return Err(corrupt(Corruption::Prev { after: number - 1 }));
        }
        let expected = scanned.last_seq + 1;
        if event.seq() != expected {
            return Err(corrupt(Corruption::Seq {
                found: event.seq(),
                expected,
            }));
        }
        scanned.last_seq = expected;
        scanned.head.clear();
        scanned.head.push_str(event.hash());
        scanned.last_time = Some(event.time());
        if let Some(queued) = event.queued() {
            scanned.queued.insert(queued.to_owned());
        }
        offset += length as u64;
        scanned.bytes = offset;
        if mark == Some(expected) {
            scanned.marked = Some(scanned.last());
        }
        each(event);
    }
}

fn in_file(error: JournalError, file: &Path) -> JournalError {
    match error {
        JournalError::Corrupt { line, reason, .. } => JournalError::Corrupt {
            path: file.to_path_buf(),
            line,
            reason,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::super::line;
    use super::*;
    use crate::model::EventKind;
    use std::fs;

    /// A valid three-event journal, built without the writer.
    fn journal() -> Vec<Vec<u8>> {
        let mut prev = GENESIS.to_string();
        (1..=3)
            .map(|seq| {
                let event = Event {
                    seq,
                    time: "2026-11-28T09:00:00Z".parse().unwrap(),
                    actor: "ops@web1".into(),
                    kind: EventKind::StepEntered {
                        step: format!("step{seq}"),
                    },
                    queued: None,
                    prev: prev.clone(),
                    hash: String::new(),
                };
                let (line, hash) = line::encode(&event).unwrap();
                prev = hash;
                line
            })
            .collect()
    }

    fn corrupt_line(bytes: &[u8]) -> (usize, Corruption) {
        match parse(bytes) {
            Err(JournalError::Corrupt { line, reason, .. }) => (line, reason),
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }

    #[test]
    fn empty_journal_has_no_events() {
        assert_eq!(parse(b"").unwrap(), Replay::default());
        assert_eq!(Replay::default().head(), GENESIS);
    }

    #[test]
    fn valid_journal_verifies() {
        let replay = parse(&journal().concat()).unwrap();
        assert_eq!(replay.torn, None);
        assert_eq!(replay.events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(replay.last_seq(), 3);
        assert_eq!(replay.head(), replay.events[2].hash);
    }

    #[test]
    fn cut_short_last_line_is_torn_and_the_prefix_kept() {
        let lines = journal();
        let whole = lines.concat();
        let prefix = lines[0].len() + lines[1].len();
        for cut in [prefix + 1, prefix + 40, whole.len() - 1] {
            let replay = parse(&whole[..cut]).unwrap();
            assert_eq!(replay.events.len(), 2, "cut at {cut}");
            assert_eq!(
                replay.torn,
                Some(Torn {
                    line: 3,
                    offset: prefix as u64,
                    bytes: cut - prefix
                })
            );
        }
        // A power cut can also leave zeros where the data should be.
        let mut zeros = lines[0].clone();
        zeros.extend([0; 100]);
        let replay = parse(&zeros).unwrap();
        assert_eq!((replay.events.len(), replay.torn.unwrap().bytes), (1, 100));
        // A complete line of garbage at the end is torn too; in the middle, corrupt.
        let mut garbage = lines[0].clone();
        garbage.extend(b"\0\0\0\n");
        assert_eq!(parse(&garbage).unwrap().torn.unwrap().line, 2);
        garbage.extend(&lines[1]);
        assert!(matches!(corrupt_line(&garbage), (2, Corruption::NotAnEvent(_))));
    }

    #[test]
    fn flipped_byte_in_a_middle_line_is_corrupt_at_that_line() {
        let lines = journal();
        let mut bytes = lines.concat();
        let at = lines[0].len() + lines[1].iter().position(|&b| b == b'2').unwrap();
        bytes[at] = b'7';
        assert_eq!(corrupt_line(&bytes), (2, Corruption::HashMismatch));
    }

    #[test]
    fn complete_last_line_with_wrong_hash_is_corrupt_not_torn() {
        let lines = journal();
        let mut bytes = lines.concat();
        let at = bytes.len() - 10;
        bytes[at] = if bytes[at] == b'a' { b'b' } else { b'a' };
        assert_eq!(corrupt_line(&bytes), (3, Corruption::HashMismatch));
    }

    #[test]
    fn deleted_middle_line_breaks_the_chain() {
        let lines = journal();
        let bytes = [lines[0].clone(), lines[2].clone()].concat();
        assert_eq!(corrupt_line(&bytes), (2, Corruption::Prev { after: 1 }));
        assert_eq!(corrupt_line(&lines[1]), (1, Corruption::Prev { after: 0 }));
    }

    #[test]
    fn reordered_lines_break_the_chain() {
        let lines = journal();
        let bytes = [lines[0].clone(), lines[2].clone(), lines[1].clone()].concat();
        assert_eq!(corrupt_line(&bytes), (2, Corruption::Prev { after: 1 }));
    }

    #[test]
    fn repeated_line_and_blank_line_are_corrupt() {
        let lines = journal();
        let repeated = [lines[0].clone(), lines[0].clone()].concat();
        assert_eq!(corrupt_line(&repeated), (2, Corruption::Prev { after: 1 }));
        let blank = [lines[0].clone(), b"\n".to_vec(), lines[1].clone()].concat();
        assert_eq!(corrupt_line(&blank), (2, Corruption::Empty));
    }

    #[test]
    fn scan_hands_each_event_on_in_order_and_checks_the_incident_last() {
        let dir = tempfile::tempdir().unwrap();
        let lines = journal();
        let mut seen = Vec::new();
        let scanned = scan(&lines.concat()[..], dir.path(), Typed, &mut |event| {
            seen.push(event.seq)
        })
        .unwrap();
        assert_eq!(seen, [1, 2, 3]);
        assert_eq!((scanned.last_seq, scanned.torn), (3, None));
        assert_eq!(scanned.head, parse(&lines.concat()).unwrap().head());

        // A journal of another incident is refused, but a damaged one is
        // named as damaged first, wherever the damage is.
        let event = |seq, kind| Event {
            seq,
            time: "2026-11-28T09:00:00Z".parse().unwrap(),
            actor: "ops@web1".into(),
            kind,
            queued: None,
            prev: GENESIS.into(),
            hash: String::new(),
        };
        let started = EventKind::IncidentStarted {
            incident: "INC-20261128-0009".into(),
            runbook: "x".into(),
            title: "X".into(),
            version: None,
            digest: "d".into(),
            source: "s".into(),
            severity: "sev2".into(),
            vars: Default::default(),
            drill: false,
            speed: 1,
        };
        let (first, _) = line::encode(&event(1, started)).unwrap();
        let other = scan(&first[..], dir.path(), Typed, &mut |_| {});
        assert!(
            matches!(other, Err(JournalError::WrongIncident { .. })),
            "{other:?}"
        );
        let damaged = [first, b"{\"seq\":2}\n".to_vec(), lines[1].clone()].concat();
        let other = scan(&damaged[..], dir.path(), Typed, &mut |_| {});
        assert!(
            matches!(other, Err(JournalError::Corrupt { line: 2, .. })),
            "{other:?}"
        );
    }

    /// A line holding `payload` as the event of `kind`, hashed and chained
    /// after `prev` as the writer would, whatever the payload.
    fn line_with(seq: u64, kind: &str, payload: &str, prev: &str) -> (Vec<u8>, String) {
        let body = format!(
            r#"{{"seq":{seq},"time":"2026-11-28T09:00:00Z","actor":"ops@web1","type":"{kind}","payload":{payload},"prev":"{prev}"}}"#
        );
        let hash = super::super::sha256_hex(body.as_bytes());
        let line = format!("{},\"hash\":\"{hash}\"}}\n", &body[..body.len() - 1]);
        (line.into_bytes(), hash)
    }

    fn chain_only(bytes: &[u8], typed_after: u64) -> Result<Vec<Link<'static>>, JournalError> {
        let dir = tempfile::tempdir().unwrap();
        let mut links = Vec::new();
        scan(bytes, dir.path(), ChainOnly { typed_after }, &mut |link| {
            links.push(link.into_owned())
        })?;
        Ok(links)
    }

    #[test]
    fn the_chain_only_read_checks_every_line_as_the_typed_read_does() {
        let lines = journal();
        let whole = lines.concat();
        let links = chain_only(&whole, 3).unwrap();
        let events = parse(&whole).unwrap().events;
        assert_eq!(
            links
                .iter()
                .map(|link| (link.seq, link.time, &*link.hash))
                .collect::<Vec<_>>(),
            events
                .iter()
                .map(|event| (event.seq, event.time, event.hash.as_str()))
                .collect::<Vec<_>>()
        );
        // A payload edited, a line deleted, a line cut short: as the typed read says.
        let mut edited = whole.clone();
        let at = lines[0].len() + lines[1].windows(5).position(|w| w == b"step2").unwrap();
        edited[at] = b'S';
        let deleted = [lines[0].clone(), lines[2].clone()].concat();
        for bytes in [&edited, &deleted] {
            let Err(JournalError::Corrupt { line, reason, .. }) = chain_only(bytes, 3) else {
                panic!("expected Corrupt");
            };
            assert_eq!((line, reason), corrupt_line(bytes));
        }
        let cut = chain_only(&whole[..whole.len() - 5], 3).unwrap();
        assert_eq!(cut.len(), 2);
    }

    #[test]
    fn the_chain_only_read_reads_whole_what_is_past_typed_after_and_incident_started() {
        let (first, hash) = line_with(1, "step-entered", r#"{"step":"a"}"#, GENESIS);
        let (second, _) = line_with(2, "step-entered", r#"{"nope":1}"#, &hash);
        let bytes = [first.clone(), second].concat();
        // The second payload is no step-entered: refused when read whole...
        assert!(matches!(corrupt_line(&bytes), (2, Corruption::NotAnEvent(_))));
        let Err(JournalError::Corrupt { line: 2, reason, .. }) = chain_only(&bytes, 1) else {
            panic!("expected Corrupt at line 2");
        };
        assert!(matches!(reason, Corruption::NotAnEvent(_)), "{reason:?}");
        // ...and left to the hash that covers it when a signed head does.
        assert_eq!(chain_only(&bytes, 2).unwrap().len(), 2);

        // An incident-started is always read whole: the incident it names
        // is checked, and a payload that is none refused.
        let started = r#"{"incident":"INC-20261128-0009","runbook":"x","title":"X","digest":"d","source":"s","severity":"sev2","vars":{},"drill":false,"speed":1}"#;
        let (other, _) = line_with(1, "incident-started", started, GENESIS);
        assert!(matches!(
            chain_only(&other, 5),
            Err(JournalError::WrongIncident { .. })
        ));
        let (broken, _) = line_with(1, "incident-started", r#"{"incident":1}"#, GENESIS);
        assert!(matches!(
            chain_only(&broken, 5),
            Err(JournalError::Corrupt {
                line: 1,
                reason: Corruption::NotAnEvent(_),
                ..
            })
        ));
    }

    #[test]
    fn corrupt_message_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let lines = journal();
        let mut bytes = lines.concat();
        let at = lines[0].len() + 20;
        bytes[at] ^= 1;
        fs::write(dir.path().join(JOURNAL_FILE), &bytes).unwrap();
        let message = read(dir.path()).unwrap_err().to_string();
        assert_eq!(
            message,
            format!(
                "journal {} line 2: hash does not match its contents (the line was edited or damaged); \
                 the incident cannot be resumed from a corrupted journal",
                dir.path().join(JOURNAL_FILE).display()
            )
        );
    }
}

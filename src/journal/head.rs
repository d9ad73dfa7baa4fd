//! `journal.head`: the journal's last durable event, kept outside the
//! journal, so that cutting whole lines off the journal's end, which leaves
//! a chain that verifies, is still found.
//!
//! The file is two fixed-size slots of one text line each:
//!
//! ```text
//! seq=00000000000000000042 bytes=00000000000000012345 hash=<64 hex> sum=<16 hex>\n
//! ```
//!
//! `seq` and `hash` are an event's, `bytes` the journal's length up to the
//! end of its line, and `sum` the first 16 hex digits of the SHA-256 of the
//! slot's text before ` sum=`. The newer slot (the higher `seq`) whose sum
//! checks is the head.
//!
//! What survives a crash, and why it costs one `pwrite` per sync: the
//! writer overwrites the older slot in place, and only after the journal's
//! `fdatasync` has returned, so whatever a slot says was on disk in the
//! journal when it was written. The head itself is not synced. A crash can
//! leave it behind the journal (its last write lost), which is harmless:
//! the events after it still chain to it. It can never leave it ahead. A
//! write cut short (a power cut mid-sector) spoils one slot at most, whose
//! sum then fails; the other slot is an older head, which is again only
//! behind. The file is created whole and synced, with its directory, when
//! the journal is created (or first opened without one), so later writes
//! only overwrite bytes that exist, never grow it.
//!
//! A file with no slot that checks was damaged by something else than a
//! crash ([`JournalError::HeadDamaged`]); one that is empty or all zeros
//! was never written (a crash as it was created) and counts as missing.

use super::digest::sha256_hex;
use super::id::sync_dir;
use super::{GENESIS, JournalError};
use crate::file_util::{self, Links};
use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

/// The head file's name inside an incident directory.
pub const HEAD_FILE: &str = "journal.head";

/// One slot's length: `seq=` 20 digits, ` bytes=` 20 digits, ` hash=` 64
/// hex, ` sum=` 16 hex, `\n`.
const SLOT: usize = 4 + 20 + 7 + 20 + 6 + 64 + 5 + 16 + 1;

/// The most a head file can hold; a bigger one is not read whole.
const LIMIT: u64 = 4096;

/// What `journal.head` says: the last event known to be on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// Its `seq` (0: no event yet).
    pub seq: u64,
    /// The journal's length up to the end of its line.
    pub bytes: u64,
    /// Its hash ([`GENESIS`] for no event).
    pub hash: String,
}

impl Head {
    /// The head of an empty journal.
    pub fn empty() -> Head {
        Head {
            seq: 0,
            bytes: 0,
            hash: GENESIS.to_owned(),
        }
    }

    /// Its slot line.
    fn slot(&self) -> String {
        let text = format!("seq={:020} bytes={:020} hash={}", self.seq, self.bytes, self.hash);
        let sum = &sha256_hex(text.as_bytes())[..16];
        format!("{text} sum={sum}\n")
    }

    /// A slot's head, if its sum checks and it is well formed.
    fn parse(slot: &[u8]) -> Option<Head> {
        let line = std::str::from_utf8(slot).ok()?.strip_suffix('\n')?;
        let (text, sum) = line.rsplit_once(" sum=")?;
        if sum.len() != 16 || sha256_hex(text.as_bytes())[..16] != *sum {
            return None;
        }
        let mut fields = text.split(' ');
        let mut field = |name: &str, len: usize| {
            let value = fields.next()?.strip_prefix(name)?.strip_prefix('=')?;
            (value.len() == len).then_some(value)
        };
        let digits = |value: &str| {
            value
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| value.parse().ok())?
        };
        let seq = digits(field("seq", 20)?)?;
        let bytes = digits(field("bytes", 20)?)?;
        let hash = field("hash", 64)?;
        if !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) || fields.next().is_some() {
            return None;
        }
        Some(Head {
            seq,
            bytes,
            hash: hash.to_owned(),
        })
    }
}

/// Reads `DIR/journal.head` (a regular file, not a link): `None` when there
/// is none, or it was never written (empty, or zeros); the newer slot that
/// checks otherwise. Read before the journal, so that a head written while
/// the journal is being read is never ahead of what was read.
pub fn read(dir: &Path) -> Result<Option<Head>, JournalError> {
    let path = dir.join(HEAD_FILE);
    let bytes = match file_util::read_regular(&path, LIMIT, Links::Refuse) {
        Ok(bytes) => bytes,
        Err(failed) if failed.error.kind() == ErrorKind::NotFound => return Ok(None),
        Err(failed) => return Err(failed.into()),
    };
    if bytes.iter().all(|&b| b == 0) {
        return Ok(None);
    }
    let newest = bytes
        .chunks(SLOT)
        .take(2)
        .filter_map(Head::parse)
        .max_by_key(|head| head.seq);
    newest.map(Some).ok_or(JournalError::HeadDamaged { path })
}

/// `journal.head` open for writing, by the process holding the incident's
/// lock.
#[derive(Debug)]
pub(crate) struct HeadFile {
    file: File,
    /// The slot the next write goes to: the older one.
    next: u64,
    /// The `seq` last written.
    written: u64,
}

impl HeadFile {
    /// Creates `DIR/journal.head` holding `head` in both slots, synced with
    /// its directory, replacing one that was never written (empty, or
    /// zeros). The journal must be synced up to `head` first.
    pub(crate) fn create(dir: &Path, head: &Head) -> Result<HeadFile, JournalError> {
        let path = dir.join(HEAD_FILE);
        let file = file_util::open_regular_with(
            &path,
            Links::Refuse,
            OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600),
        )?;
        let slot = head.slot();
        file.write_all_at(format!("{slot}{slot}").as_bytes(), 0)
            .and_then(|()| file.sync_data())
            .and_then(|()| sync_dir(dir))
            .map_err(JournalError::file("write", &path))?;
        Ok(HeadFile {
            file,
            next: 0,
            written: head.seq,
        })
    }

    /// Opens the `DIR/journal.head` that [`read`] found holding `found`, to
    /// overwrite its older slot next.
    pub(crate) fn open(dir: &Path, found: &Head) -> Result<HeadFile, JournalError> {
        let path = dir.join(HEAD_FILE);
        let file =
            file_util::open_regular_with(&path, Links::Refuse, OpenOptions::new().read(true).write(true))?;
        let mut slots = vec![0; 2 * SLOT];
        let read = file
            .read_at(&mut slots, 0)
            .map_err(JournalError::file("read", &path))?;
        let newer = slots[..read]
            .chunks(SLOT)
            .position(|slot| Head::parse(slot).as_ref() == Some(found))
            .unwrap_or(1) as u64;
        Ok(HeadFile {
            file,
            next: 1 - newer,
            written: found.seq,
        })
    }

    /// Records `head`, once the journal holding it is synced. One `pwrite`
    /// into the older slot, not synced: see the module docs. A failed
    /// write leaves the head behind, which is harmless, so it is not an
    /// error for the walk.
    pub(crate) fn record(&mut self, head: &Head) {
        if head.seq == self.written {
            return;
        }
        let at = self.next * SLOT as u64;
        if self.file.write_all_at(head.slot().as_bytes(), at).is_ok() {
            self.next = 1 - self.next;
            self.written = head.seq;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::path::PathBuf;

    fn path(dir: &Path) -> PathBuf {
        dir.join(HEAD_FILE)
    }

    fn head(seq: u64) -> Head {
        Head {
            seq,
            bytes: seq * 300,
            hash: format!("{seq:064x}"),
        }
    }

    #[test]
    fn a_slot_is_one_fixed_size_line_whose_sum_checks() {
        let slot = head(42).slot();
        assert_eq!(slot.len(), SLOT);
        assert!(slot.starts_with("seq=00000000000000000042 bytes=00000000000000012600 hash=0000"));
        assert_eq!(Head::parse(slot.as_bytes()), Some(head(42)));
        let text = slot.rsplit_once(" sum=").unwrap().0;
        assert_eq!(
            slot,
            format!("{text} sum={}\n", &sha256_hex(text.as_bytes())[..16])
        );
        // Any one byte changed, the slot no longer checks.
        for at in 0..SLOT {
            let mut bytes = slot.clone().into_bytes();
            bytes[at] ^= 1;
            assert_eq!(Head::parse(&bytes), None, "byte {at}");
        }
    }

    #[test]
    fn writes_alternate_and_the_newer_slot_wins() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()).unwrap(), None);
        let mut file = HeadFile::create(dir.path(), &Head::empty()).unwrap();
        assert_eq!(read(dir.path()).unwrap(), Some(Head::empty()));
        file.record(&head(1));
        file.record(&head(3));
        let bytes = fs::read(path(dir.path())).unwrap();
        assert_eq!(
            bytes,
            format!("{}{}", head(1).slot(), head(3).slot()).into_bytes()
        );
        assert_eq!(read(dir.path()).unwrap(), Some(head(3)));
        // Reopened, the older slot is written next.
        let mut file = HeadFile::open(dir.path(), &head(3)).unwrap();
        file.record(&head(4));
        assert_eq!(
            fs::read(path(dir.path())).unwrap(),
            format!("{}{}", head(4).slot(), head(3).slot()).into_bytes()
        );
        assert_eq!(read(dir.path()).unwrap(), Some(head(4)));
    }

    #[test]
    fn a_write_cut_short_leaves_the_other_slot() {
        let dir = tempfile::tempdir().unwrap();
        let mut file = HeadFile::create(dir.path(), &head(5)).unwrap();
        file.record(&head(6));
        let mut bytes = fs::read(path(dir.path())).unwrap();
        // Slot 0 holds 6; half of it lost: 5 is read.
        bytes[20..SLOT].fill(0);
        fs::write(path(dir.path()), &bytes).unwrap();
        assert_eq!(read(dir.path()).unwrap(), Some(head(5)));
    }

    #[test]
    fn a_damaged_head_is_refused_and_one_never_written_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        for never in [&b""[..], &[0; 2 * SLOT][..]] {
            fs::write(path(dir.path()), never).unwrap();
            assert_eq!(read(dir.path()).unwrap(), None);
        }
        for damaged in [
            b"seq=1 hash=x\n".to_vec(),
            head(2).slot().replace("sum=", "sun=").into_bytes(),
        ] {
            fs::write(path(dir.path()), damaged).unwrap();
            let error = read(dir.path()).unwrap_err();
            assert!(matches!(error, JournalError::HeadDamaged { .. }), "{error:?}");
        }
    }
}

//! One journal line: an [`Event`] as compact JSON, `hash` last, then `\n`.
//!
//! The hash is the SHA-256 of the line's exact bytes with `,"hash":"…"`
//! removed, which is itself the JSON of the event without its hash:
//!
//! ```text
//! {"seq":1,"time":"…","actor":"ops@web1","type":"…","payload":{…},"prev":"000…000","hash":"<sha256 of everything before ,"hash" plus "}">"}
//! ```
//!
//! Hashing the bytes as written, rather than a re-serialization, means a
//! reader never depends on serializing exactly as the writer did. Pure: the
//! writer and reader do the I/O, so nothing here is affected by a crash.

use super::Corruption;
use super::digest::sha256_hex;
use crate::model::{Event, EventKind, EventLine, INCIDENT_STARTED};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::io;

/// The `prev` of the first event: 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The field serde writes last for an event whose hash is still empty.
const EMPTY_HASH: &str = r#","hash":""}"#;

/// The line for `event` (its `hash` is ignored), ending in `\n`, and its hash.
pub(crate) fn encode(event: &Event) -> io::Result<(Vec<u8>, String)> {
    let unhashed = Event {
        hash: String::new(),
        ..event.clone()
    };
    let json = serde_json::to_string(&unhashed).map_err(io::Error::other)?;
    // `hash` is the struct's last field; if the model ever reorders it this
    // fails loudly instead of writing lines no reader can verify.
    let body = json.strip_suffix(EMPTY_HASH).ok_or_else(|| {
        io::Error::other("an event does not serialize with `hash` last; the journal cannot hash it")
    })?;
    let hash = sha256_hex(format!("{body}}}").as_bytes());
    let line = format!("{body},\"hash\":\"{hash}\"}}\n");
    Ok((line.into_bytes(), hash))
}

/// Why [`decode`] refused a line.
#[derive(Debug)]
pub(crate) enum LineError {
    /// The bytes are not JSON: what a write cut short leaves.
    Syntax(serde_json::Error),
    /// JSON, but not an event, or not the event its hash says.
    Corrupt(Corruption),
}

/// The event on one line (without its `\n`), its hash checked against the
/// line's bytes. The chain (`seq`, `prev`) is the reader's to check.
pub(crate) fn decode(line: &[u8]) -> Result<Event, LineError> {
    let event: Event = serde_json::from_slice(line).map_err(classify)?;
    check_hash(line, &event.hash)?;
    Ok(event)
}

/// A serde error as [`LineError`]: JSON that is not an event is corrupt,
/// bytes that are not JSON may be a write cut short.
fn classify(error: serde_json::Error) -> LineError {
    match error.classify() {
        serde_json::error::Category::Data => LineError::Corrupt(Corruption::NotAnEvent(error.into())),
        _ => LineError::Syntax(error),
    }
}

/// The line must end in `,"hash":"HASH"}`, HASH being the one it holds,
/// and HASH must be the SHA-256 of the line without that field.
fn check_hash(line: &[u8], hash: &str) -> Result<(), LineError> {
    let body = line
        .strip_suffix(b"\"}")
        .and_then(|rest| rest.strip_suffix(hash.as_bytes()))
        .and_then(|rest| rest.strip_suffix(br#","hash":""#))
        .ok_or(LineError::Corrupt(Corruption::HashNotLast))?;
    let digest = Sha256::new().chain_update(body).chain_update(b"}").finalize();
    if !is_hex_of(hash, &digest) {
        return Err(LineError::Corrupt(Corruption::HashMismatch));
    }
    Ok(())
}

/// What the reader checks of each line's event: its place in the chain,
/// and the incident an `incident-started` names.
pub(crate) trait Chained {
    fn seq(&self) -> u64;
    fn time(&self) -> DateTime<Utc>;
    fn prev(&self) -> &str;
    fn hash(&self) -> &str;
    fn queued(&self) -> Option<&str>;
    /// The incident, when this is an `incident-started` event.
    fn started(&self) -> Option<&str>;
}

impl Chained for Event {
    fn seq(&self) -> u64 {
        self.seq
    }
    fn time(&self) -> DateTime<Utc> {
        self.time
    }
    fn prev(&self) -> &str {
        &self.prev
    }
    fn hash(&self) -> &str {
        &self.hash
    }
    fn queued(&self) -> Option<&str> {
        self.queued.as_deref()
    }
    fn started(&self) -> Option<&str> {
        match &self.kind {
            EventKind::IncidentStarted { incident, .. } => Some(incident),
            _ => None,
        }
    }
}

/// How the reader turns a line into an event: [`Typed`] reads it whole,
/// [`ChainOnly`] only what the chain needs.
pub(crate) trait Decoder {
    /// The event read from a line, which may borrow from the line.
    type Event<'a>: Chained;
    fn decode<'a>(&mut self, line: &'a [u8]) -> Result<Self::Event<'a>, LineError>;
}

/// Each line read as the [`Event`] it holds ([`decode`]).
pub(crate) struct Typed;

impl Decoder for Typed {
    type Event<'a> = Event;
    fn decode(&mut self, line: &[u8]) -> Result<Event, LineError> {
        decode(line)
    }
}

/// Each line read for its chain. A line in the writer's own form (see
/// [`plain`]) whose `seq` is from 2 to `typed_after` is read for its `seq`,
/// `time`, `prev` and `hash` alone, and its hash checked against its bytes,
/// which is all the chain needs and all a signed journal head that covers
/// it needs: that head pins every byte of it. Any other line is read as
/// JSON: every field but `payload` as [`decode`] reads it, `payload` as
/// JSON but not as the event its `type` names, its hash checked the same
/// way; and an `incident-started` line, or any whose `seq` is past
/// `typed_after`, is read whole, as [`decode`] reads it: the events a
/// signed record's journal head does not cover are checked as fully as
/// ever. A line the plain reading refuses is read as JSON again, so that
/// what is refused is refused for the reason [`decode`] gives.
pub(crate) struct ChainOnly {
    pub typed_after: u64,
}

impl Decoder for ChainOnly {
    type Event<'a> = Link<'a>;
    fn decode<'a>(&mut self, line: &'a [u8]) -> Result<Link<'a>, LineError> {
        if let Some(link) = plain(line)
            && (2..=self.typed_after).contains(&link.seq)
            && check_hash(line, &link.hash).is_ok()
        {
            return Ok(link);
        }
        let envelope: EventLine<'a> = serde_json::from_slice(line).map_err(classify)?;
        if envelope.seq > self.typed_after || envelope.kind == INCIDENT_STARTED {
            return decode(line).map(Link::of);
        }
        check_hash(line, &envelope.hash)?;
        Ok(Link {
            seq: envelope.seq,
            time: envelope.time,
            prev: envelope.prev,
            hash: envelope.hash,
            queued: envelope.queued,
            started: None,
        })
    }
}

/// The chain of a line in the form the writer gives it, read without
/// reading it as JSON: `{"seq":N,"time":"T",` first (T without escapes),
/// `},"prev":"P","hash":"H"}` last (P and H 64 lowercase hex digits, so
/// with no `queued` before them). `None` for any other line. What is
/// between is not looked at.
fn plain(line: &[u8]) -> Option<Link<'_>> {
    const HEX: usize = 64;
    const PREV: &[u8] = br#"},"prev":""#;
    const HASH: &[u8] = br#"","hash":""#;
    let rest = line.strip_prefix(br#"{"seq":"#)?;
    let digits = rest.iter().position(|b| !b.is_ascii_digit())?;
    let seq = std::str::from_utf8(&rest[..digits]).ok()?;
    if seq.is_empty() || (seq.len() > 1 && seq.starts_with('0')) {
        return None;
    }
    let seq: u64 = seq.parse().ok()?;
    let rest = rest[digits..].strip_prefix(br#","time":""#)?;
    let time = &rest[..rest.iter().position(|&b| b == b'"')?];
    if time.contains(&b'\\') {
        return None;
    }
    let time = crate::model::time::parse_utc(std::str::from_utf8(time).ok()?).ok()?;
    let tail = &line[line.len().checked_sub(PREV.len() + HEX + HASH.len() + HEX + 2)?..];
    let (prev, rest) = tail.strip_prefix(PREV)?.split_at(HEX);
    let (hash, end) = rest.strip_prefix(HASH)?.split_at(HEX);
    let hex = |text: &'_ [u8]| text.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if end != b"\"}" || !hex(prev) || !hex(hash) {
        return None;
    }
    Some(Link {
        seq,
        time,
        prev: Cow::Borrowed(std::str::from_utf8(prev).ok()?),
        hash: Cow::Borrowed(std::str::from_utf8(hash).ok()?),
        queued: None,
        started: None,
    })
}

/// A journal event as its chain holds it: what [`scan_chain`](super::scan_chain)
/// reads of a line, all but its payload; `prev` and `hash` borrowed from
/// the line where they can be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link<'a> {
    pub seq: u64,
    pub time: DateTime<Utc>,
    pub prev: Cow<'a, str>,
    pub hash: Cow<'a, str>,
    queued: Option<String>,
    started: Option<String>,
}

impl Link<'_> {
    /// The link, owning what it borrowed from its line.
    pub fn into_owned(self) -> Link<'static> {
        Link {
            prev: Cow::Owned(self.prev.into_owned()),
            hash: Cow::Owned(self.hash.into_owned()),
            ..self
        }
    }

    fn of(event: Event) -> Link<'static> {
        let started = event.started().map(str::to_owned);
        Link {
            seq: event.seq,
            time: event.time,
            prev: Cow::Owned(event.prev),
            hash: Cow::Owned(event.hash),
            queued: event.queued,
            started,
        }
    }
}

impl Chained for Link<'_> {
    fn seq(&self) -> u64 {
        self.seq
    }
    fn time(&self) -> DateTime<Utc> {
        self.time
    }
    fn prev(&self) -> &str {
        &self.prev
    }
    fn hash(&self) -> &str {
        &self.hash
    }
    fn queued(&self) -> Option<&str> {
        self.queued.as_deref()
    }
    fn started(&self) -> Option<&str> {
        self.started.as_deref()
    }
}

/// Whether `hex` is `digest` as lowercase hex, as [`sha256_hex`] writes it.
fn is_hex_of(hex: &str, digest: &[u8]) -> bool {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    hex.len() == digest.len() * 2
        && hex
            .as_bytes()
            .chunks_exact(2)
            .zip(digest)
            .all(|(pair, &byte)| pair == [DIGITS[usize::from(byte >> 4)], DIGITS[usize::from(byte & 15)]])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Event {
        Event {
            seq: 1,
            time: "2026-11-28T09:00:00Z".parse().unwrap(),
            actor: "ops@web1".into(),
            kind: EventKind::NoteAdded {
                text: "disk \"full\" ✓".into(),
                step: None,
            },
            queued: None,
            prev: GENESIS.into(),
            hash: "ignored".into(),
        }
    }

    #[test]
    fn encode_then_decode_round_trips_and_hashes_the_line_without_its_hash() {
        let (line, hash) = encode(&event()).unwrap();
        assert_eq!(line.last(), Some(&b'\n'));
        let text = std::str::from_utf8(&line).unwrap();
        assert!(text.ends_with(&format!(",\"hash\":\"{hash}\"}}\n")), "{text}");
        let without = text.replace(&format!(",\"hash\":\"{hash}\""), "");
        assert_eq!(sha256_hex(without.trim_end().as_bytes()), hash);
        let back = decode(&line[..line.len() - 1]).unwrap();
        assert_eq!(back, Event { hash, ..event() });
    }

    #[test]
    fn decode_tells_cut_short_from_tampered() {
        let (line, _) = encode(&event()).unwrap();
        let line = &line[..line.len() - 1];
        assert!(matches!(
            decode(&line[..line.len() - 5]),
            Err(LineError::Syntax(_))
        ));
        let edited = String::from_utf8(line.to_vec())
            .unwrap()
            .replace("ops@web1", "ops@web2");
        assert!(matches!(
            decode(edited.as_bytes()),
            Err(LineError::Corrupt(Corruption::HashMismatch))
        ));
        let mut spaced = line.to_vec();
        spaced.push(b' ');
        assert!(matches!(
            decode(&spaced),
            Err(LineError::Corrupt(Corruption::HashNotLast))
        ));
        assert!(matches!(
            decode(br#"{"seq":1}"#),
            Err(LineError::Corrupt(Corruption::NotAnEvent(_)))
        ));
    }

    #[test]
    fn a_line_in_the_writers_form_is_read_plainly_as_decode_reads_it() {
        let (line, hash) = encode(&Event {
            seq: 2,
            prev: "ab".repeat(32),
            ..event()
        })
        .unwrap();
        let body = &line[..line.len() - 1];
        let link = plain(body).unwrap();
        let typed = decode(body).unwrap();
        assert_eq!(
            (link.seq, link.time, &*link.prev, &*link.hash),
            (typed.seq, typed.time, typed.prev.as_str(), hash.as_str())
        );
        // Read plainly only from seq 2 to typed_after; the same either way.
        for typed_after in [0, 1, 2, 9] {
            assert_eq!(ChainOnly { typed_after }.decode(body).unwrap(), link);
        }
        // Queued, escaped, or not in that form: read as JSON.
        let queued = encode(&Event {
            queued: Some("x".into()),
            ..event()
        })
        .unwrap()
        .0;
        assert!(plain(&queued[..queued.len() - 1]).is_none());
        let text = String::from_utf8(body.to_vec()).unwrap();
        for other in [
            text.replace("\"seq\":2", "\"seq\":02"),
            text.replace("2026-11-28T09:00:00Z", "2026-11-28T09:00:00\\u005a"),
            text.replacen(&typed.prev, &typed.prev.to_uppercase(), 1),
            format!("{text} "),
        ] {
            assert!(plain(other.as_bytes()).is_none(), "{other}");
        }
    }

    #[test]
    fn what_lies_between_is_left_to_the_hash_only_where_a_signed_head_covers_it() {
        // Not JSON between the head and the tail, hashed as the writer would.
        let prev = GENESIS;
        let body = format!(
            r#"{{"seq":2,"time":"2026-11-28T09:00:00Z","actor":"ops@web1","type":"step-entered","payload":{{"step":}},"prev":"{prev}"}}"#
        );
        let hash = sha256_hex(body.as_bytes());
        let line = format!("{},\"hash\":\"{hash}\"}}", &body[..body.len() - 1]);
        assert!(matches!(decode(line.as_bytes()), Err(LineError::Syntax(_))));
        assert_eq!(
            ChainOnly { typed_after: 2 }.decode(line.as_bytes()).unwrap().seq,
            2
        );
        assert!(matches!(
            ChainOnly { typed_after: 1 }.decode(line.as_bytes()),
            Err(LineError::Syntax(_))
        ));
        // A byte changed anywhere still fails its hash, and is then read as JSON.
        let edited = line.replace("ops@web1", "ops@web2");
        assert!(matches!(
            ChainOnly { typed_after: 2 }.decode(edited.as_bytes()),
            Err(LineError::Syntax(_))
        ));
    }
}

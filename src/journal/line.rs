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
        serde_json::error::Category::Data => LineError::Corrupt(Corruption::NotAnEvent(error.to_string())),
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
    type Event: Chained;
    fn decode(&mut self, line: &[u8]) -> Result<Self::Event, LineError>;
}

/// Each line read as the [`Event`] it holds ([`decode`]).
pub(crate) struct Typed;

impl Decoder for Typed {
    type Event = Event;
    fn decode(&mut self, line: &[u8]) -> Result<Event, LineError> {
        decode(line)
    }
}

/// Each line read for its chain: every field but `payload` as [`decode`]
/// reads it, `payload` as JSON but not as the event its `type` names, and
/// the hash of the line's bytes checked the same way. An `incident-started`
/// line, and any whose `seq` is past `typed_after`, is read whole, as
/// [`decode`] reads it: the events a signed record's journal head does not
/// cover are checked as fully as ever.
pub(crate) struct ChainOnly {
    pub typed_after: u64,
}

impl Decoder for ChainOnly {
    type Event = Link;
    fn decode(&mut self, line: &[u8]) -> Result<Link, LineError> {
        let envelope: EventLine<'_> = serde_json::from_slice(line).map_err(classify)?;
        if envelope.seq > self.typed_after || envelope.kind == INCIDENT_STARTED {
            return decode(line).map(|event| Link::of(&event));
        }
        check_hash(line, &envelope.hash)?;
        Ok(Link {
            seq: envelope.seq,
            time: envelope.time,
            prev: envelope.prev.into_owned(),
            hash: envelope.hash.into_owned(),
            queued: envelope.queued,
            started: None,
        })
    }
}

/// A journal event as its chain holds it: what [`scan_chain`](super::scan_chain)
/// reads of a line, all but its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub seq: u64,
    pub time: DateTime<Utc>,
    pub prev: String,
    pub hash: String,
    queued: Option<String>,
    started: Option<String>,
}

impl Link {
    fn of(event: &Event) -> Link {
        Link {
            seq: event.seq,
            time: event.time,
            prev: event.prev.clone(),
            hash: event.hash.clone(),
            queued: event.queued.clone(),
            started: event.started().map(str::to_owned),
        }
    }
}

impl Chained for Link {
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
}

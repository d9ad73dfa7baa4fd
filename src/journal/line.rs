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
use crate::model::Event;
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
    let event: Event = serde_json::from_slice(line).map_err(|error| match error.classify() {
        serde_json::error::Category::Data => LineError::Corrupt(Corruption::NotAnEvent(error.into())),
        _ => LineError::Syntax(error),
    })?;
    // The line must end in `,"hash":"HASH"}`, HASH being the one it holds.
    let body = line
        .strip_suffix(b"\"}")
        .and_then(|rest| rest.strip_suffix(event.hash.as_bytes()))
        .and_then(|rest| rest.strip_suffix(br#","hash":""#))
        .ok_or(LineError::Corrupt(Corruption::HashNotLast))?;
    let digest = Sha256::new().chain_update(body).chain_update(b"}").finalize();
    if !is_hex_of(&event.hash, &digest) {
        return Err(LineError::Corrupt(Corruption::HashMismatch));
    }
    Ok(event)
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
    use crate::model::EventKind;

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

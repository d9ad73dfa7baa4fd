//! Canonical JSON: the one byte form a record is signed and hashed in.
//!
//! Written once per record when it is made, and again for every record
//! `verify` and `records` check (to prove the bytes on disk are in this
//! form), so the writer copies runs of plain bytes at once and works out
//! where in the document it is only when it refuses something.

use super::RecordError;
use serde_json::Value;
use std::io::Write as _;

/// `value` as canonical JSON: object keys sorted by their UTF-8 bytes, no
/// whitespace, strings escaped as `serde_json` escapes them (only `"`, `\`
/// and control characters; everything else as UTF-8), integers in plain
/// decimal, and one `\n` at the end. A number that is not an integer is
/// refused, so that no two writers can disagree about how to print it.
pub fn canonical_bytes(value: &Value) -> Result<Vec<u8>, RecordError> {
    canonical_bytes_sized(value, 0)
}

/// [`canonical_bytes`] into a buffer made for about `size` bytes.
fn canonical_bytes_sized(value: &Value, size: usize) -> Result<Vec<u8>, RecordError> {
    let mut out = Vec::with_capacity(size);
    write_value(value, &mut out).map_err(|mut path| {
        // Collected from the refused number outwards.
        path.reverse();
        RecordError::Float {
            path: format!("${}", path.concat()),
        }
    })?;
    out.push(b'\n');
    Ok(out)
}

/// Writes `value`; a number that is not an integer is refused with the
/// path to it, its innermost segment first.
fn write_value(value: &Value, out: &mut Vec<u8>) -> Result<(), Vec<String>> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => {
            // Writing to a Vec cannot fail.
            let _ = if let Some(n) = number.as_u64() {
                write!(out, "{n}")
            } else if let Some(n) = number.as_i64() {
                write!(out, "{n}")
            } else {
                return Err(Vec::new());
            };
        }
        Value::String(text) => write_string(text, out),
        Value::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_value(item, out).map_err(|mut path| {
                    path.push(format!("[{index}]"));
                    path
                })?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // Sorted here rather than trusting the map's order, which a
            // serde_json feature elsewhere in the build could change.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            if !entries.is_sorted_by(|a, b| a.0.as_bytes() <= b.0.as_bytes()) {
                entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            }
            out.push(b'{');
            for (index, (key, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                write_value(item, out).map_err(|mut path| {
                    path.push(format!(".{key}"));
                    path
                })?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// A JSON string: `"` and `\` escaped with a backslash; `\b \f \n \r \t`
/// as such; other characters below U+0020 as `\u00XX` (lowercase hex);
/// everything else, DEL and non-ASCII included, as its UTF-8 bytes.
///
/// Every byte of a multi-byte UTF-8 character is 0x80 or above, so the
/// text is scanned byte by byte and the runs between escapes copied whole.
pub(super) fn write_string(text: &str, out: &mut Vec<u8>) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut plain = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x00..=0x1f => {
                out.extend_from_slice(&bytes[plain..at]);
                let _ = write!(out, "\\u{byte:04x}");
                plain = at + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[plain..at]);
        out.extend_from_slice(escape);
        plain = at + 1;
    }
    out.extend_from_slice(&bytes[plain..]);
    out.push(b'"');
}

/// Parses bytes that must already be canonical JSON.
pub fn parse_canonical(bytes: &[u8]) -> Result<Value, RecordError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|error| RecordError::Json(error.into()))?;
    if canonical_bytes_sized(&value, bytes.len())? != bytes {
        return Err(RecordError::NotCanonical);
    }
    Ok(value)
}

/// `bytes` as text if they are surely canonical JSON, read in one pass
/// without building anything: what [`parse_canonical`] would accept, in the
/// form records are written (object keys without escapes, no deeper than
/// [`MAX_DEPTH`]). `None` means only "not surely": the caller then takes
/// the slow way, which says what is wrong, or accepts what this is too
/// strict for. The text is checked as UTF-8 once, here, so that what reads
/// it next need not check each string again.
pub fn canonical_text(bytes: &[u8]) -> Option<&str> {
    let mut at = 0;
    let text = std::str::from_utf8(bytes).ok()?;
    (value(bytes, &mut at, 0) && bytes.get(at..) == Some(b"\n")).then_some(text)
}

/// Deeper than this, [`canonical_text`] leaves the question to the slow way.
const MAX_DEPTH: usize = 64;

fn value(bytes: &[u8], at: &mut usize, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match bytes.get(*at) {
        Some(b'{') => object(bytes, at, depth),
        Some(b'[') => array(bytes, at, depth),
        Some(b'"') => string(bytes, at).is_some(),
        Some(b'-' | b'0'..=b'9') => number(bytes, at),
        Some(b't') => literal(bytes, at, b"true"),
        Some(b'f') => literal(bytes, at, b"false"),
        Some(b'n') => literal(bytes, at, b"null"),
        _ => false,
    }
}

fn literal(bytes: &[u8], at: &mut usize, word: &[u8]) -> bool {
    let found = bytes[*at..].starts_with(word);
    *at += word.len();
    found
}

/// An integer as [`write_value`] prints it: no sign but a minus, no
/// leading zero, no `-0`, no fraction or exponent, within `i64`/`u64`.
fn number(bytes: &[u8], at: &mut usize) -> bool {
    let start = *at;
    if bytes[*at] == b'-' {
        *at += 1;
    }
    let digits = *at;
    while bytes.get(*at).is_some_and(u8::is_ascii_digit) {
        *at += 1;
    }
    let text = &bytes[start..*at];
    let digits = &bytes[digits..*at];
    if digits.is_empty() || (digits[0] == b'0' && (digits.len() > 1 || text[0] == b'-')) {
        return false;
    }
    if matches!(bytes.get(*at), Some(b'.' | b'e' | b'E')) {
        return false;
    }
    // ASCII digits: always UTF-8.
    let text = std::str::from_utf8(text).unwrap_or("x");
    if text.starts_with('-') {
        text.parse::<i64>().is_ok()
    } else {
        text.parse::<u64>().is_ok()
    }
}

/// A string as [`write_string`] writes it; its raw bytes between the
/// quotes, and whether any escape was in them.
fn string<'a>(bytes: &'a [u8], at: &mut usize) -> Option<(&'a [u8], bool)> {
    *at += 1;
    let start = *at;
    let mut escaped = false;
    loop {
        match *bytes.get(*at)? {
            b'"' => {
                *at += 1;
                return Some((&bytes[start..*at - 1], escaped));
            }
            b'\\' => {
                escaped = true;
                match *bytes.get(*at + 1)? {
                    b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => *at += 2,
                    b'u' => {
                        // Only what has no short form and is below U+0020,
                        // in lowercase hex.
                        let hex = bytes.get(*at + 2..*at + 6)?;
                        let lower = |b: &u8| b.is_ascii_digit() || (b'a'..=b'f').contains(b);
                        if &hex[..2] != b"00" || !hex[2..].iter().all(lower) || hex[2] > b'1' {
                            return None;
                        }
                        let code = u8::from_str_radix(std::str::from_utf8(&hex[2..]).ok()?, 16).ok()?;
                        if matches!(code, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d) {
                            return None;
                        }
                        *at += 6;
                    }
                    _ => return None,
                }
            }
            0x00..=0x1f => return None,
            _ => *at += 1,
        }
    }
}

fn array(bytes: &[u8], at: &mut usize, depth: usize) -> bool {
    *at += 1;
    if bytes.get(*at) == Some(&b']') {
        *at += 1;
        return true;
    }
    loop {
        if !value(bytes, at, depth + 1) {
            return false;
        }
        match bytes.get(*at) {
            Some(b',') => *at += 1,
            Some(b']') => {
                *at += 1;
                return true;
            }
            _ => return false,
        }
    }
}

/// An object with keys in strictly rising byte order (so none twice),
/// none of them escaped.
fn object(bytes: &[u8], at: &mut usize, depth: usize) -> bool {
    *at += 1;
    if bytes.get(*at) == Some(&b'}') {
        *at += 1;
        return true;
    }
    let mut last: Option<&[u8]> = None;
    loop {
        if bytes.get(*at) != Some(&b'"') {
            return false;
        }
        let Some((key, false)) = string(bytes, at) else {
            return false;
        };
        if last.is_some_and(|last| last >= key) {
            return false;
        }
        last = Some(key);
        if bytes.get(*at) != Some(&b':') {
            return false;
        }
        *at += 1;
        if !value(bytes, at, depth + 1) {
            return false;
        }
        match bytes.get(*at) {
            Some(b',') => *at += 1,
            Some(b'}') => {
                *at += 1;
                return true;
            }
            _ => return false,
        }
    }
}

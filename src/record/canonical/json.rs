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
    let value: Value = serde_json::from_slice(bytes).map_err(|error| RecordError::Json(error.to_string()))?;
    if canonical_bytes_sized(&value, bytes.len())? != bytes {
        return Err(RecordError::NotCanonical);
    }
    Ok(value)
}

//! Canonical JSON: the one byte form a record is signed and hashed in.

use super::RecordError;
use serde_json::Value;
use std::fmt::Write as _;

/// `value` as canonical JSON: object keys sorted by their UTF-8 bytes, no
/// whitespace, strings escaped as `serde_json` escapes them (only `"`, `\`
/// and control characters; everything else as UTF-8), integers in plain
/// decimal, and one `\n` at the end. A number that is not an integer is
/// refused, so that no two writers can disagree about how to print it.
pub fn canonical_bytes(value: &Value) -> Result<Vec<u8>, RecordError> {
    let mut out = Vec::new();
    let mut path = String::from("$");
    write_value(value, &mut out, &mut path)?;
    out.push(b'\n');
    Ok(out)
}

fn write_value(value: &Value, out: &mut Vec<u8>, path: &mut String) -> Result<(), RecordError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => {
            if let Some(n) = number.as_u64() {
                out.extend_from_slice(n.to_string().as_bytes());
            } else if let Some(n) = number.as_i64() {
                out.extend_from_slice(n.to_string().as_bytes());
            } else {
                return Err(RecordError::Float { path: path.clone() });
            }
        }
        Value::String(text) => write_string(text, out),
        Value::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                let len = path.len();
                let _ = write!(path, "[{index}]");
                write_value(item, out, path)?;
                path.truncate(len);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // Sorted here rather than trusting the map's order, which a
            // serde_json feature elsewhere in the build could change.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (index, (key, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                let len = path.len();
                let _ = write!(path, ".{key}");
                write_value(item, out, path)?;
                path.truncate(len);
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// A JSON string: `"` and `\` escaped with a backslash; `\b \f \n \r \t`
/// as such; other characters below U+0020 as `\u00XX` (lowercase hex);
/// everything else, DEL and non-ASCII included, as its UTF-8 bytes.
pub(super) fn write_string(text: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in text.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes()),
            c => {
                let mut buffer = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// Parses bytes that must already be canonical JSON.
pub fn parse_canonical(bytes: &[u8]) -> Result<Value, RecordError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|error| RecordError::Json(error.to_string()))?;
    if canonical_bytes(&value)? != bytes {
        return Err(RecordError::NotCanonical);
    }
    Ok(value)
}

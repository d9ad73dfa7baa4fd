//! Runbook text and command output can carry terminal escape sequences and
//! invisible characters; they are shown, never obeyed.
//!
//! Control characters become visible `\xNN` escapes, and so do the code
//! points that make displayed text differ from the text itself:
//! bidirectional controls (which can make a command read differently from
//! what runs), zero-width characters (which hide text) and the Unicode line
//! and paragraph separators (which some terminals break lines at).
//!
//! Text offered to be pasted into a shell (a path in a hint, a principal in
//! a command line) is quoted as one word ([`shell_word`]).
//!
//! This module depends on nothing, so that `load` and `report` can sanitize
//! what they produce without depending on `term`.

use std::borrow::Cow;
use std::io::{self, Write};

/// Escapes control characters (except newline and tab) and invisible or
/// direction-changing code points. For multi-line text.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    escape_if(text, |c| c != '\n' && c != '\t' && is_unsafe(c))
}

/// Like [`sanitize`], but newline and tab are escaped too: for fields that
/// must stay on one line (titles in table cells, headers, messages).
pub fn sanitize_line(text: &str) -> Cow<'_, str> {
    escape_if(text, is_unsafe)
}

/// How many characters of a value [`one_line`] keeps.
const SHOWN_CHARS: usize = 60;

/// A value shown in passing, on a line that says something else too
/// (`service = …`, an answer): its first line, cut at 60 characters and
/// sanitized, then `…` and how many lines were left out. Shown whole, a
/// value holding line breaks could forge lines of its own.
pub fn one_line(value: &str) -> String {
    let mut lines = value.lines();
    let first: String = lines.next().unwrap_or("").chars().take(SHOWN_CHARS).collect();
    let more = lines.count();
    let shown = sanitize_line(&first);
    match more {
        0 if first.len() == value.len() => shown.into_owned(),
        0 => format!("{shown} …"),
        _ => format!("{shown} … ({more} more lines)"),
    }
}

/// `text` as one shell word: as is when it is plainly safe, else in single
/// quotes.
pub fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

fn escape_if(text: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escape(c) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn push_escape(out: &mut String, c: char) {
    use std::fmt::Write as _;
    let code = u32::from(c);
    let _ = if code < 0x100 {
        write!(out, "\\x{code:02x}")
    } else {
        write!(out, "\\u{{{code:x}}}")
    };
}

/// Whether a character must not reach a terminal as it is.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Bidirectional embeddings, overrides and isolates.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
            // Bidirectional marks.
            | '\u{200e}' | '\u{200f}' | '\u{061c}'
            // Line and paragraph separators.
            | '\u{2028}' | '\u{2029}'
            // Zero-width space, non-joiner, joiner; word joiner; BOM.
            | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}'
        )
}

/// An [`io::Write`] adapter that lets no control character but `\n` through:
/// tabs become a space, everything else [`sanitize`] escapes is escaped.
///
/// Renderers write through it so that whatever a runbook holds, their output
/// is safe to print, even where a field was forgotten. Bytes that are not
/// UTF-8 are escaped as `\xNN`; a character split across two writes is
/// held back until its end arrives (or [`SafeWriter::finish`]).
#[derive(Debug)]
pub struct SafeWriter<W: Write> {
    inner: W,
    /// The start of a character whose remaining bytes have not arrived.
    pending: Vec<u8>,
}

impl<W: Write> SafeWriter<W> {
    pub fn new(inner: W) -> SafeWriter<W> {
        SafeWriter {
            inner,
            pending: Vec::new(),
        }
    }

    /// Writes out a character left incomplete, as escapes.
    pub fn finish(&mut self) -> io::Result<()> {
        let pending = std::mem::take(&mut self.pending);
        let mut out = String::new();
        for byte in pending {
            push_escape(&mut out, char::from(byte));
        }
        self.inner.write_all(out.as_bytes())
    }

    fn push_safe(out: &mut String, text: &str) {
        for c in text.chars() {
            match c {
                '\n' => out.push('\n'),
                '\t' => out.push(' '),
                c if is_unsafe(c) => push_escape(out, c),
                c => out.push(c),
            }
        }
    }
}

impl<W: Write> Write for SafeWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut bytes = std::mem::take(&mut self.pending);
        bytes.extend_from_slice(buf);
        let mut out = String::with_capacity(bytes.len());
        let mut rest = &bytes[..];
        loop {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    Self::push_safe(&mut out, text);
                    break;
                }
                Err(error) => {
                    let (valid, after) = rest.split_at(error.valid_up_to());
                    // `valid_up_to` guarantees the prefix is UTF-8.
                    Self::push_safe(&mut out, std::str::from_utf8(valid).unwrap_or_default());
                    match error.error_len() {
                        Some(len) => {
                            for &byte in &after[..len] {
                                push_escape(&mut out, char::from(byte));
                            }
                            rest = &after[len..];
                        }
                        None => {
                            self.pending = after.to_vec();
                            break;
                        }
                    }
                }
            }
        }
        self.inner.write_all(out.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_only_when_they_need_it() {
        assert_eq!(shell_word("ops@example.com"), "ops@example.com");
        assert_eq!(
            shell_word("/home/x/.config/runbook/allowed_signers"),
            "/home/x/.config/runbook/allowed_signers"
        );
        assert_eq!(shell_word("O'Brien@x"), r"'O'\''Brien@x'");
        assert_eq!(shell_word("a$b"), "'a$b'");
        assert_eq!(shell_word("my runbooks"), "'my runbooks'");
    }

    #[test]
    fn escapes_are_shown_not_obeyed() {
        assert_eq!(sanitize("ok\x1b[31mred\x07"), "ok\\x1b[31mred\\x07");
        assert_eq!(sanitize("a\r\nb\tc"), "a\\x0d\nb\tc");
        assert_eq!(sanitize("x\u{202e}y"), "x\\u{202e}y");
        assert!(matches!(sanitize("重启 nginx"), Cow::Borrowed(_)));
    }

    #[test]
    fn invisible_and_direction_marks_are_escaped() {
        for c in [
            '\u{200e}', '\u{200f}', '\u{061c}', '\u{2028}', '\u{2029}', '\u{200b}', '\u{200c}', '\u{200d}',
            '\u{2060}', '\u{feff}', '\u{2066}', '\u{2069}', '\u{202a}',
        ] {
            let text = format!("a{c}b");
            assert_eq!(sanitize(&text), format!("a\\u{{{:x}}}b", u32::from(c)));
        }
        assert_eq!(sanitize("\u{85}"), "\\x85");
    }

    #[test]
    fn one_line_shows_the_first_line_only() {
        assert_eq!(one_line("web"), "web");
        assert_eq!(
            one_line("ok\r\nINC-20261128-0001 ended: resolved"),
            "ok … (1 more lines)"
        );
        assert_eq!(one_line("a\nb\nc"), "a … (2 more lines)");
        assert_eq!(one_line("a\rb\x1b[2J"), "a\\x0db\\x1b[2J");
        assert_eq!(one_line(&"x".repeat(61)), format!("{} …", "x".repeat(60)));
    }

    #[test]
    fn sanitize_line_keeps_one_line() {
        assert_eq!(sanitize_line("a\nb\r\tc"), "a\\x0ab\\x0d\\x09c");
        assert!(matches!(sanitize_line("重启 nginx"), Cow::Borrowed(_)));
    }

    #[test]
    fn safe_writer_lets_only_newline_through() {
        let mut out = SafeWriter::new(Vec::new());
        write!(out, "a\x1b]0;title\x07\tb\u{202e}c\n重").unwrap();
        out.finish().unwrap();
        assert_eq!(
            String::from_utf8(out.inner).unwrap(),
            "a\\x1b]0;title\\x07 b\\u{202e}c\n重"
        );
    }

    #[test]
    fn safe_writer_joins_split_characters_and_escapes_bad_bytes() {
        let mut out = SafeWriter::new(Vec::new());
        let bytes = "重".as_bytes();
        out.write_all(&bytes[..1]).unwrap();
        out.write_all(&bytes[1..]).unwrap();
        out.write_all(b"\xff!").unwrap();
        out.write_all(&bytes[..2]).unwrap();
        out.finish().unwrap();
        assert_eq!(String::from_utf8(out.inner).unwrap(), "重\\xff!\\xe9\\x87");
    }
}

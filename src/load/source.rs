//! A runbook's text and where it came from, with byte offset → line:column.

use crate::model::Span;
use std::path::PathBuf;

/// Where a runbook was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Compiled into the binary from the repository's `runbooks/`.
    Builtin,
    File(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Source {
    /// The name shown in messages: a path, or `<built-in>/NAME.toml`.
    pub name: String,
    pub origin: Origin,
    pub text: String,
    /// Byte offset of the start of every line.
    line_starts: Vec<usize>,
    /// The last offset [`Source::line_col`] placed, as (line index, byte
    /// offset, column): columns further along the same line are counted
    /// from there, so placing every one of many errors on one long line,
    /// in order, reads the line once.
    last_column: std::cell::Cell<(usize, usize, usize)>,
}

impl Source {
    pub fn new(name: impl Into<String>, origin: Origin, text: impl Into<String>) -> Source {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        Source {
            name: name.into(),
            origin,
            text,
            line_starts,
            last_column: std::cell::Cell::new((0, 0, 1)),
        }
    }

    /// The file stem, which is a runbook's id unless it sets one.
    pub fn stem(&self) -> &str {
        let file = self.name.rsplit('/').next().unwrap_or(&self.name);
        file.strip_suffix(".toml").unwrap_or(file)
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = self.floor_char_boundary(offset.min(self.text.len()));
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let (from, counted) = match self.last_column.get() {
            (last_line, last_offset, column) if last_line == line && last_offset <= offset => {
                (last_offset, column)
            }
            _ => (self.line_starts[line], 1),
        };
        let column = counted + self.text[from..offset].chars().count();
        self.last_column.set((line, offset, column));
        (line + 1, column)
    }

    /// The byte offset where a 1-based line starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts[line - 1]
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line(&self, line: usize) -> &str {
        let start = self.line_starts[line - 1];
        let end = self.line_starts.get(line).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// The source text a span covers, or "" for spans outside it.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    fn floor_char_boundary(&self, mut offset: usize) -> usize {
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let source = Source::new("x.toml", Origin::Builtin, "a = 1\ntitle = \"重启\" x\n");
        assert_eq!(source.line_col(0), (1, 1));
        assert_eq!(source.line_col(6), (2, 1));
        let x = source.text.find(" x").unwrap() + 1;
        assert_eq!(source.line_col(x), (2, 14));
        assert_eq!(source.line(2), "title = \"重启\" x");
        assert_eq!(source.line_col(source.text.len()), (3, 1));
    }

    fn decode(bytes: &[u8]) -> Source {
        crate::load::decode("x.toml", Origin::Builtin, bytes.to_vec()).unwrap()
    }

    #[test]
    fn decode_turns_crlf_into_lf() {
        let source = decode(b"run = \"\"\"\r\nsystemctl stop x\r\nsystemctl start x\r\n\"\"\"\r\nk = 1\r\n");
        assert!(!source.text.contains('\r'), "{:?}", source.text);
        assert_eq!(source.line(2), "systemctl stop x");
        // The end of a line is one column past its last character.
        let end = source.text.find("k = 1").unwrap() + 5;
        assert_eq!(source.line_col(end), (5, 6));
        // A lone carriage return is not a line ending; it stays, to be escaped.
        assert_eq!(decode(b"a\rb\r\n").text, "a\rb\n");
    }

    #[test]
    fn decode_drops_a_byte_order_mark() {
        let source = decode(b"\xef\xbb\xbfschema = 1\r\n");
        assert_eq!(source.text, "schema = 1\n");
        assert_eq!(source.line_col(0), (1, 1));
        let empty = decode(b"\xef\xbb\xbf");
        assert_eq!(empty.text, "");
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let loaded = crate::load::load(empty, today);
        assert_eq!(loaded.diagnostics.len(), 1);
        assert_eq!(loaded.diagnostics[0].message, "the file holds no runbook");
    }

    #[test]
    fn decode_locates_bad_utf8_after_a_bom() {
        let error = crate::load::decode("x.toml", Origin::Builtin, b"\xef\xbb\xbfa = 1\r\nb\xff".to_vec())
            .unwrap_err();
        let location = error.location.unwrap();
        assert_eq!((location.line, location.column), (2, 2));
    }

    #[test]
    fn stem_of_builtin_and_paths() {
        let source = Source::new("<built-in>/data-loss.toml", Origin::Builtin, "");
        assert_eq!(source.stem(), "data-loss");
    }
}

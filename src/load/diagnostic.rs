//! Errors and warnings about a runbook, located at `file:line:col`.
//!
//! A diagnostic resolves its location when it is made, so it can be rendered
//! and serialized without the source at hand.

use super::Source;
use crate::model::Span;
use crate::sanitize::sanitize_line;
use serde::Serialize;
use std::fmt::Write as _;
use unicode_width::UnicodeWidthStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub line: usize,
    /// In characters, from 1.
    pub column: usize,
    /// The line as written, or of a line longer than `LINE_MAX` the part
    /// around the caret (`SHOWN_AROUND` characters each side, `…` where
    /// it is cut). It is
    /// sanitized when rendered, and the caret is placed by measuring what
    /// is shown, so it stays under the offending text however much longer
    /// escaping makes the line.
    #[serde(skip)]
    pub line_text: String,
    /// Where the caret starts in `line_text`, in characters.
    #[serde(skip)]
    pub caret_at: usize,
    /// How many characters the caret covers (at most `CARET_MAX`); 0 for
    /// a point.
    #[serde(skip)]
    pub chars: usize,
}

/// How many characters of a long line a diagnostic shows on each side of
/// its caret: enough to recognise the place, and a line of a 4 MiB file
/// shown for each of its errors cannot fill a terminal or a disk.
pub const SHOWN_AROUND: usize = 50;

/// The longest line shown whole, in characters.
pub const LINE_MAX: usize = 120;

/// The longest caret drawn, in characters.
pub const CARET_MAX: usize = 60;

impl Location {
    /// The place `at` (a byte offset into `line`, the text of line number
    /// `number`), in character column `column`, covering `covered`
    /// characters.
    pub fn new(number: usize, column: usize, line: &str, at: usize, covered: usize) -> Location {
        let mut at = at.min(line.len());
        while !line.is_char_boundary(at) {
            at -= 1;
        }
        // Checked by bytes first, so that no long line is counted.
        let short = line.len() <= 4 * LINE_MAX && line.chars().count() <= LINE_MAX;
        let (before, after) = line.split_at(at);
        if short {
            let caret_at = before.chars().count();
            return Location {
                line: number,
                column,
                line_text: line.to_owned(),
                caret_at,
                chars: covered.min(after.chars().count()),
            };
        }
        let mut shown_before: Vec<char> = before.chars().rev().take(SHOWN_AROUND + 1).collect();
        let cut_before = shown_before.len() > SHOWN_AROUND;
        shown_before.truncate(SHOWN_AROUND);
        shown_before.reverse();
        let covered = covered.min(CARET_MAX);
        let mut shown_after: Vec<char> = after.chars().take(covered + SHOWN_AROUND + 1).collect();
        let cut_after = shown_after.len() > covered + SHOWN_AROUND;
        shown_after.truncate(covered + SHOWN_AROUND);
        let mut line_text = String::new();
        if cut_before {
            line_text.push('…');
        }
        line_text.extend(&shown_before);
        line_text.extend(&shown_after);
        if cut_after {
            line_text.push('…');
        }
        Location {
            line: number,
            column,
            line_text,
            caret_at: usize::from(cut_before) + shown_before.len(),
            chars: covered.min(shown_after.len()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub level: Level,
    pub file: String,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub location: Option<Box<Location>>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// How many more diagnostics like this one (same level, message and
    /// hint, on the same line) it stands for (`condense`).
    #[serde(rename = "more_like_this", skip_serializing_if = "is_zero")]
    pub more: usize,
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}

/// How many diagnostics of one file are shown; the rest are counted.
pub const SHOWN_MAX: usize = 50;

/// What makes diagnostics alike: level, line, message and hint.
type Alike = (Level, usize, String, Option<String>);

/// How many diagnostics with the same message on the same line are shown;
/// the last one shown counts the rest.
pub const ALIKE_SHOWN: usize = 3;

/// Folds a file's diagnostics, sorted, for people to read: past
/// [`ALIKE_SHOWN`] with the same message on the same line, the last shown
/// stands for the rest (8,000 undeclared `{{nope}}` on one line are three
/// errors, "and 7,997 more like this"), and past [`SHOWN_MAX`] the rest
/// are counted, one line per level. [`Diagnostic::count`] still adds up to
/// every problem found.
pub fn condense(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut kept: Vec<Diagnostic> = Vec::new();
    // For each kind on a line: how many are shown, and the last of them.
    let mut seen: std::collections::BTreeMap<Alike, (usize, usize)> = std::collections::BTreeMap::new();
    for diagnostic in diagnostics {
        let Some(line) = diagnostic.location.as_ref().map(|location| location.line) else {
            kept.push(diagnostic);
            continue;
        };
        let key = (
            diagnostic.level,
            line,
            diagnostic.message.clone(),
            diagnostic.hint.clone(),
        );
        match seen.get_mut(&key) {
            Some((shown, last)) if *shown >= ALIKE_SHOWN => kept[*last].more += diagnostic.count(),
            Some((shown, last)) => {
                *shown += 1;
                *last = kept.len();
                kept.push(diagnostic);
            }
            None => {
                seen.insert(key, (1, kept.len()));
                kept.push(diagnostic);
            }
        }
    }
    if kept.len() <= SHOWN_MAX {
        return kept;
    }
    let rest = kept.split_off(SHOWN_MAX);
    let file = rest[0].file.clone();
    for (level, what) in [(Level::Error, "errors"), (Level::Warning, "warnings")] {
        let count: usize = rest
            .iter()
            .filter(|diagnostic| diagnostic.level == level)
            .map(Diagnostic::count)
            .sum();
        if count > 0 {
            let mut summary = Diagnostic::file(level, file.clone(), format!("{count} more {what} not shown"))
                .with_hint("fix the ones above, then check the file again");
            summary.more = count - 1;
            kept.push(summary);
        }
    }
    kept
}

impl Diagnostic {
    pub fn new(level: Level, source: &Source, span: Option<Span>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level,
            file: source.name.clone(),
            location: span.map(|span| Box::new(locate(source, span))),
            message: message.into(),
            hint: None,
            more: 0,
        }
    }

    /// A diagnostic about a file as a whole (unreadable, refused, ...).
    pub fn file(level: Level, file: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level,
            file: file.into(),
            location: None,
            message: message.into(),
            hint: None,
            more: 0,
        }
    }

    /// How many problems this stands for: itself and [`Diagnostic::more`].
    pub fn count(&self) -> usize {
        1 + self.more
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }

    /// Renders in the style of compilers:
    ///
    /// ```text
    /// error: unknown key `nxet` in step `restart`
    ///   --> runbooks/x.toml:12:1
    ///    |
    /// 12 | nxet = "verify"
    ///    | ^^^^
    ///    = hint: did you mean `next`?
    /// ```
    ///
    /// Everything in it that came from a runbook (message, file name, hint,
    /// the line) is sanitized onto one line each: it cannot move the cursor,
    /// change colours or reorder what is shown.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        let file = sanitize_line(&self.file);
        let _ = writeln!(out, "{level}: {}", sanitize_line(&self.message));
        let hint = self.hint.as_deref().map(sanitize_line);
        match &self.location {
            Some(location) => {
                let gutter = location.line.to_string().len();
                let pad = " ".repeat(gutter);
                let _ = writeln!(out, "{pad}--> {file}:{}:{}", location.line, location.column);
                let _ = writeln!(out, "{pad} |");
                let (before, covered) = location.split();
                let _ = writeln!(out, "{} | {}", location.line, shown(&location.line_text));
                let _ = writeln!(
                    out,
                    "{pad} | {}{}",
                    " ".repeat(shown(before).width()),
                    "^".repeat(shown(covered).width().max(1))
                );
                if let Some(hint) = hint {
                    let _ = writeln!(out, "{pad} = hint: {hint}");
                }
                if self.more > 0 {
                    let _ = writeln!(
                        out,
                        "{pad} = note: and {} more like this on line {}",
                        self.more, location.line
                    );
                }
            }
            None => {
                let _ = writeln!(out, "  --> {file}");
                if let Some(hint) = hint {
                    let _ = writeln!(out, "  = hint: {hint}");
                }
            }
        }
        out
    }
}

impl Location {
    /// The line before the caret, and the part the caret covers.
    fn split(&self) -> (&str, &str) {
        let at = |chars: usize| {
            self.line_text
                .char_indices()
                .nth(chars)
                .map_or(self.line_text.len(), |(at, _)| at)
        };
        let start = at(self.caret_at);
        let end = at(self.caret_at + self.chars);
        (&self.line_text[..start], &self.line_text[start..end])
    }
}

/// Source text as a diagnostic shows it. Tabs are four spaces, since the
/// terminal's tab stops would not line up with the caret line's gutter.
fn shown(text: &str) -> String {
    sanitize_line(&text.replace('\t', "    ")).into_owned()
}

fn locate(source: &Source, span: Span) -> Location {
    let (line, column) = source.line_col(span.start);
    // The caret covers the span, cut at the end of its first line.
    let covered = source.slice(span);
    let covered = covered.split('\n').next().unwrap_or("");
    let covered = covered.chars().take(LINE_MAX + 1).count();
    let at = span.start.saturating_sub(source.line_start(line));
    Location::new(line, column, source.line(line), at, covered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Origin;

    #[test]
    fn renders_location_caret_and_hint() {
        let source = Source::new("x.toml", Origin::Builtin, "schema = 1\nnxet = \"a\"\n");
        let at = source.text.find("nxet").unwrap();
        let diagnostic = Diagnostic::new(
            Level::Error,
            &source,
            Some(Span::new(at..at + 4)),
            "unknown key `nxet`",
        )
        .with_hint("did you mean `next`?");
        assert_eq!(
            diagnostic.render(),
            "error: unknown key `nxet`\n --> x.toml:2:1\n  |\n2 | nxet = \"a\"\n  | ^^^^\n  = hint: did you mean `next`?\n"
        );
    }

    #[test]
    fn caret_under_wide_characters_is_aligned() {
        let source = Source::new("x.toml", Origin::Builtin, "title = \"重启\" x\n");
        let at = source.text.find(" x").unwrap() + 1;
        let diagnostic = Diagnostic::new(Level::Error, &source, Some(Span::new(at..at + 1)), "m");
        let rendered = diagnostic.render();
        let caret_line = rendered.lines().nth(4).unwrap();
        assert_eq!(caret_line, format!("  | {}^", " ".repeat(15)));
    }

    /// The line and caret lines of a diagnostic at `needle` in `text`.
    fn shown_at(text: &str, needle: &str) -> (String, String) {
        let source = Source::new("x.toml", Origin::Builtin, text);
        let at = source.text.find(needle).unwrap();
        let span = Span::new(at..at + needle.len());
        let rendered = Diagnostic::new(Level::Error, &source, Some(span), "m").render();
        let lines: Vec<&str> = rendered.lines().collect();
        (lines[3].to_owned(), lines[4].to_owned())
    }

    #[test]
    fn caret_after_tabs_is_aligned() {
        let (line, caret) = shown_at("\tkey\t= x\n", "x");
        assert_eq!(line, "1 |     key    = x");
        assert_eq!(caret, "  |              ^");
    }

    #[test]
    fn caret_after_escaped_characters_is_aligned() {
        let (line, caret) = shown_at("t = \"\u{202e}\u{200b}a\" zz\n", "zz");
        assert_eq!(line, "1 | t = \"\\u{202e}\\u{200b}a\" zz");
        assert_eq!(
            caret,
            format!("  | {}^^", " ".repeat(line.find("zz").unwrap() - 4))
        );
        // The caret covers the escape, not the one invisible character.
        let (line, caret) = shown_at("\u{202e}k = 1\n", "\u{202e}k");
        assert_eq!(line, "1 | \\u{202e}k = 1");
        assert_eq!(caret, "  | ^^^^^^^^^");
    }

    #[test]
    fn everything_from_the_runbook_is_sanitized() {
        let source = Source::new("e\x1b[2Jvil.toml", Origin::Builtin, "\x1b]0;t\x07k\t= 1\n");
        let diagnostic = Diagnostic::new(
            Level::Warning,
            &source,
            Some(Span::new(0..1)),
            "unknown key `\x1b]0;t\x07k`\n",
        )
        .with_hint("did you mean \u{2067}`k`\r?");
        let rendered = diagnostic.render();
        assert!(
            !rendered
                .chars()
                .any(|c| c.is_control() && c != '\n' || c == '\u{2067}'),
            "{rendered}"
        );
        assert_eq!(
            rendered,
            "warning: unknown key `\\x1b]0;t\\x07k`\\x0a\n --> e\\x1b[2Jvil.toml:1:1\n  |\n1 | \\x1b]0;t\\x07k    = 1\n  | ^^^^\n  = hint: did you mean \\u{2067}`k`\\x0d?\n"
        );
        let file = Diagnostic::file(Level::Error, "a\u{202e}b", "m\x07").render();
        assert_eq!(file, "error: m\\x07\n  --> a\\u{202e}b\n");
    }
}

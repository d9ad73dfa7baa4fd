//! Errors and warnings about a runbook, located at `file:line:col`.
//!
//! A diagnostic resolves its location when it is made, so it can be rendered
//! and serialized without the source at hand.

use super::Source;
use crate::model::Span;
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
    pub column: usize,
    #[serde(skip)]
    pub line_text: String,
    /// Display width of the caret under the offending text.
    #[serde(skip)]
    pub width: usize,
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
}

impl Diagnostic {
    pub fn new(level: Level, source: &Source, span: Option<Span>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level,
            file: source.name.clone(),
            location: span.map(|span| Box::new(locate(source, span))),
            message: message.into(),
            hint: None,
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
        }
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
    pub fn render(&self) -> String {
        let mut out = String::new();
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        let _ = writeln!(out, "{level}: {}", self.message);
        match &self.location {
            Some(location) => {
                let gutter = location.line.to_string().len();
                let pad = " ".repeat(gutter);
                let _ = writeln!(
                    out,
                    "{pad}--> {}:{}:{}",
                    self.file, location.line, location.column
                );
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{} | {}", location.line, location.line_text);
                let before: String = location.line_text.chars().take(location.column - 1).collect();
                let _ = writeln!(
                    out,
                    "{pad} | {}{}",
                    " ".repeat(before.width()),
                    "^".repeat(location.width.max(1))
                );
                if let Some(hint) = &self.hint {
                    let _ = writeln!(out, "{pad} = hint: {hint}");
                }
            }
            None => {
                let _ = writeln!(out, "  --> {}", self.file);
                if let Some(hint) = &self.hint {
                    let _ = writeln!(out, "  = hint: {hint}");
                }
            }
        }
        out
    }
}

fn locate(source: &Source, span: Span) -> Location {
    let (line, column) = source.line_col(span.start);
    let line_text = crate::term::sanitize(source.line(line)).into_owned();
    // The caret covers the span, cut at the end of its first line.
    let rest: String = line_text.chars().skip(column - 1).collect();
    let covered = source.slice(span);
    let covered = covered.split('\n').next().unwrap_or("");
    let width = if covered.is_empty() {
        1
    } else {
        let chars = covered.chars().count().min(rest.chars().count());
        let shown: String = rest.chars().take(chars).collect();
        shown.width()
    };
    Location {
        line,
        column,
        line_text,
        width,
    }
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
}

//! TOML → model: reading runbooks, checking them, and finding them.
//!
//! Everything that can be wrong with a runbook is reported here as a located
//! [`Diagnostic`], all of them at once; nothing in this module prints. It
//! depends on `model` only.

mod accounts;
mod catalog;
mod diagnostic;
mod parse;
mod reader;
mod source;
mod summary;
mod trust;
mod validate;

pub use accounts::Accounts;
pub use catalog::{
    Catalog, Entry, builtin_sources, find_files, load_builtin, read_file, read_files, read_files_each,
};
pub use diagnostic::{Diagnostic, Level, Location};
pub use parse::{DEFAULT_ARCHIVE_WITHIN, DEFAULT_TIMEOUT, SCHEMA};
pub use reader::did_you_mean;
pub use source::{Origin, Source};
pub use summary::Summary;
pub use trust::{MAX_SIZE, Refusal, Refusals, read_trusted};

use crate::model::{Runbook, Span};
use chrono::NaiveDate;

/// A runbook read from one source: the runbook, if it has no errors, and
/// every error and warning found.
#[derive(Debug)]
pub struct Loaded {
    /// The runbook's id: its `id`, else the file stem; known even when the
    /// runbook has errors, so that a broken file still claims its id.
    pub id: String,
    pub source: Source,
    pub runbook: Option<Runbook>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Turns raw bytes into a source, or says where they stop being UTF-8.
///
/// A leading byte order mark is dropped and Windows line endings become
/// `\n`: TOML keeps the line endings of multi-line strings as written, and a
/// `\r` carried into a shell command or a column count is never wanted.
pub fn decode(name: &str, origin: Origin, mut bytes: Vec<u8>) -> Result<Source, Diagnostic> {
    if bytes.starts_with(b"\xef\xbb\xbf") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(text) if text.contains("\r\n") => Ok(Source::new(name, origin, text.replace("\r\n", "\n"))),
        Ok(text) => Ok(Source::new(name, origin, text)),
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let bytes = error.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let line_text = prefix.rsplit('\n').next().unwrap_or("");
            let line = prefix.matches('\n').count() + 1;
            let column = line_text.chars().count() + 1;
            let mut diagnostic = Diagnostic::file(
                Level::Error,
                name,
                format!("the file is not UTF-8 text (invalid byte 0x{:02x})", bytes[valid]),
            )
            .with_hint("save the runbook as UTF-8");
            diagnostic.location = Some(Box::new(Location::new(
                line,
                column,
                line_text,
                line_text.len(),
                0,
            )));
            Err(diagnostic)
        }
    }
}

/// Reads and checks one runbook. `today` decides whether a review is overdue.
pub fn load(source: Source, today: NaiveDate) -> Loaded {
    let mut ctx = reader::Ctx::new(&source);
    let runbook = read(&mut ctx, today);
    let mut diagnostics = ctx.diagnostics;
    diagnostics.sort_by_key(|diagnostic| {
        (
            diagnostic.level,
            diagnostic
                .location
                .as_ref()
                .map(|location| (location.line, location.column)),
        )
    });
    let diagnostics = diagnostic::condense(diagnostics);
    let runbook = runbook.filter(|_| !diagnostics.iter().any(Diagnostic::is_error));
    let id = match &runbook {
        Some(runbook) => runbook.id.value.clone(),
        // Broken, but it still says which runbook it means to be.
        None => {
            let (table, _) = toml::de::DeTable::parse_recoverable(&source.text);
            table
                .get_ref()
                .get("id")
                .and_then(|id| id.get_ref().as_str().map(str::to_owned))
                .unwrap_or_else(|| source.stem().to_owned())
        }
    };
    Loaded {
        id,
        source,
        runbook,
        diagnostics,
    }
}

/// The findings of `validate --strict` on a runbook that loaded without
/// errors (none for one with errors): warnings, located like the rest.
pub fn strict(loaded: &Loaded) -> Vec<Diagnostic> {
    let Some(runbook) = &loaded.runbook else {
        return Vec::new();
    };
    let mut ctx = reader::Ctx::new(&loaded.source);
    validate::strict(&mut ctx, runbook);
    let mut diagnostics = ctx.diagnostics;
    diagnostics.sort_by_key(|diagnostic| diagnostic.location.as_ref().map(|at| (at.line, at.column)));
    diagnostics
}

fn read(ctx: &mut reader::Ctx<'_>, today: NaiveDate) -> Option<Runbook> {
    let text = ctx.source.text.as_str();
    let meaningful = text
        .lines()
        .map(str::trim)
        .any(|line| !line.is_empty() && !line.starts_with('#'));
    if !meaningful {
        ctx.error(
            Span::NONE,
            "the file holds no runbook",
            Some("start with `schema = 1`, a `title` and [[steps]]; see docs/runbook-format.md".into()),
        );
        return None;
    }
    let (table, errors) = toml::de::DeTable::parse_recoverable(text);
    // After the first syntax error the parser's recovery guesses, and its
    // later errors are as often echoes as real: report the first only.
    if let Some(error) = errors.first() {
        let span = error
            .span()
            .map(Span::new)
            .or_else(|| {
                error
                    .message()
                    .contains("recursion")
                    .then(|| deep_key(text))
                    .flatten()
            })
            .unwrap_or(Span::NONE);
        let (message, hint) = syntax_error(ctx.source.slice(span), error.message().trim_end());
        ctx.error(span, message, Some(hint));
        return None;
    }
    let parsed = parse::runbook(ctx, table.get_ref());
    let runbook = parsed.runbook?;
    validate::runbook(ctx, &runbook, &parsed.broken_steps, today);
    Some(runbook)
}

/// How many parts a dotted key may have: the TOML parser's nesting limit,
/// which it reports without a place.
const KEY_PARTS_MAX: usize = 80;

/// The first dotted key with more than [`KEY_PARTS_MAX`] parts, from its
/// first part to the one past the limit: where "recursion limit" is.
fn deep_key(text: &str) -> Option<Span> {
    use toml_parser::lexer::TokenKind;
    let mut run: Option<(usize, usize)> = None;
    for token in toml_parser::Source::new(text).lex() {
        let span = token.span();
        match token.kind() {
            TokenKind::Whitespace => {}
            TokenKind::Dot => {
                if let Some((_, parts)) = &mut run {
                    *parts += 1;
                }
            }
            TokenKind::Atom | TokenKind::BasicString | TokenKind::LiteralString => {
                let (start, parts) = *run.get_or_insert((span.start(), 1));
                if parts >= KEY_PARTS_MAX {
                    return Some(Span::new(start..span.end()));
                }
            }
            _ => run = None,
        }
    }
    None
}

/// A TOML syntax error in words an operator can act on.
fn syntax_error(at: &str, message: &str) -> (String, String) {
    let key = at.trim();
    if message.starts_with("duplicate key") {
        return (
            format!("`{key}` is set twice in the same table"),
            "remove one of them; each [[steps]] section starts a new step".into(),
        );
    }
    if message.contains("recurs") {
        return (
            format!("invalid TOML: nested more than {KEY_PARTS_MAX} levels deep"),
            "a runbook needs a few levels at most: shorten the dotted key, or close the brackets sooner"
                .into(),
        );
    }
    let hint = if message.contains("string") {
        "close the string with the quote it opens with; use \"\"\"...\"\"\" for several lines"
    } else if message.contains("expected `=`") {
        "write key = value"
    } else if message.contains("table") || message.contains("expected `]`") {
        "table headers look like [name] or [[steps]]"
    } else {
        "check the TOML syntax at this point"
    };
    (format!("invalid TOML: {message}"), hint.into())
}

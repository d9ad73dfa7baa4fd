//! Reads TOML tables field by field, collecting every problem instead of
//! stopping at the first, each located at the key or value at fault.

use super::{Diagnostic, Level, Source};
use crate::model::{CalendarUnit, LONGEST, LONGEST_DURATION, Located, Period, Span, Text};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Collects diagnostics for one source.
#[derive(Debug)]
pub(crate) struct Ctx<'s> {
    pub source: &'s Source,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'s> Ctx<'s> {
    pub fn new(source: &'s Source) -> Ctx<'s> {
        Ctx {
            source,
            diagnostics: Vec::new(),
        }
    }

    /// An error at `span`; [`Span::NONE`] means the file as a whole.
    pub fn error(&mut self, span: Span, message: impl Into<String>, hint: Option<String>) {
        let span = (span != Span::NONE).then_some(span);
        let mut diagnostic = Diagnostic::new(Level::Error, self.source, span, message);
        diagnostic.hint = hint;
        self.diagnostics.push(diagnostic);
    }

    /// An error at `span`, or about the file as a whole.
    pub fn error_at(&mut self, span: Option<Span>, message: impl Into<String>, hint: Option<String>) {
        let mut diagnostic = Diagnostic::new(Level::Error, self.source, span, message);
        diagnostic.hint = hint;
        self.diagnostics.push(diagnostic);
    }

    /// A warning at `span`, or about the file as a whole.
    pub fn warning_at(&mut self, span: Option<Span>, message: impl Into<String>, hint: Option<String>) {
        let mut diagnostic = Diagnostic::new(Level::Warning, self.source, span, message);
        diagnostic.hint = hint;
        self.diagnostics.push(diagnostic);
    }

    pub fn warning(&mut self, span: Span, message: impl Into<String>, hint: Option<String>) {
        let mut diagnostic = Diagnostic::new(Level::Warning, self.source, Some(span), message);
        diagnostic.hint = hint;
        self.diagnostics.push(diagnostic);
    }
}

pub use crate::model::did_you_mean;

pub(crate) fn span_of<T>(spanned: &Spanned<T>) -> Span {
    Span::new(spanned.span())
}

/// What a TOML value is, in words for messages.
pub(crate) fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// One table being read. Keys not in `known` are reported when it is made.
#[derive(Debug)]
pub(crate) struct Fields<'a, 'i> {
    table: &'a DeTable<'i>,
    /// The table's own span, for "missing key" messages.
    pub span: Span,
    /// How messages name this table: "step `restart`", "the runbook".
    pub what: String,
}

impl<'a, 'i> Fields<'a, 'i> {
    pub fn new(
        ctx: &mut Ctx<'_>,
        table: &'a DeTable<'i>,
        span: Span,
        what: impl Into<String>,
        known: &[&str],
    ) -> Fields<'a, 'i> {
        let fields = Fields {
            table,
            span,
            what: what.into(),
        };
        for key in table.keys() {
            if !known.contains(&key.get_ref().as_ref()) {
                let name = key.get_ref();
                ctx.error(
                    span_of(key),
                    format!("unknown key `{name}` in {}", fields.what),
                    did_you_mean(name, known.iter().copied())
                        .or_else(|| Some(format!("known keys: {}", known.join(", ")))),
                );
            }
        }
        fields
    }

    /// A table whose unknown keys the caller reports itself.
    pub fn new_quiet(table: &'a DeTable<'i>, span: Span, what: impl Into<String>) -> Fields<'a, 'i> {
        Fields {
            table,
            span,
            what: what.into(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.table.get(key)
    }

    pub fn missing(&self, ctx: &mut Ctx<'_>, key: &str, example: &str) {
        ctx.error(
            self.span,
            format!("{} is missing `{key}`", self.what),
            Some(format!("add `{key} = {example}`")),
        );
    }

    fn wrong_type(
        &self,
        ctx: &mut Ctx<'_>,
        key: &str,
        value: &Spanned<DeValue<'_>>,
        expected: &str,
        hint: Option<String>,
    ) {
        ctx.error(
            span_of(value),
            format!(
                "`{key}` in {} must be {expected}, found {}",
                self.what,
                type_name(value.get_ref())
            ),
            hint,
        );
    }

    pub fn str(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<Located<String>> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::String(text) => Some(Located::new(text.to_string(), span_of(value))),
            _ => {
                self.wrong_type(
                    ctx,
                    key,
                    value,
                    "a string",
                    Some(format!("quote it: {key} = \"...\"")),
                );
                None
            }
        }
    }

    pub fn required_str(&self, ctx: &mut Ctx<'_>, key: &str, example: &str) -> Option<Located<String>> {
        if self.get(key).is_none() {
            self.missing(ctx, key, example);
            return None;
        }
        self.str(ctx, key)
    }

    pub fn bool(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<bool> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::Boolean(flag) => Some(*flag),
            _ => {
                let hint = format!("write `{key} = true` or `{key} = false`, without quotes");
                self.wrong_type(ctx, key, value, "true or false", Some(hint));
                None
            }
        }
    }

    pub fn integer(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<Located<i64>> {
        let value = self.get(key)?;
        match value.get_ref() {
            DeValue::Integer(integer) => {
                let digits = integer.as_str().replace('_', "");
                let digits = digits
                    .trim_start_matches("0x")
                    .trim_start_matches("0o")
                    .trim_start_matches("0b");
                match i64::from_str_radix(digits, integer.radix()) {
                    Ok(number) => Some(Located::new(number, span_of(value))),
                    Err(_) => {
                        ctx.error(span_of(value), format!("`{key}` is out of range"), None);
                        None
                    }
                }
            }
            DeValue::String(text) if text.trim().parse::<i64>().is_ok() => {
                let hint = format!("write `{key} = {}` without quotes", text.trim());
                self.wrong_type(ctx, key, value, "an integer", Some(hint));
                None
            }
            _ => {
                self.wrong_type(ctx, key, value, "an integer", None);
                None
            }
        }
    }

    pub fn date(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<Located<chrono::NaiveDate>> {
        let value = self.get(key)?;
        let hint = Some(format!("write a bare date: {key} = 2026-06-01"));
        match value.get_ref() {
            DeValue::Datetime(datetime) => match (datetime.date, datetime.time) {
                (Some(date), None) => {
                    chrono::NaiveDate::from_ymd_opt(date.year.into(), date.month.into(), date.day.into())
                        .map(|date| Located::new(date, span_of(value)))
                }
                _ => {
                    ctx.error(
                        span_of(value),
                        format!("`{key}` must be a date without a time"),
                        hint,
                    );
                    None
                }
            },
            _ => {
                self.wrong_type(ctx, key, value, "a date", hint);
                None
            }
        }
    }

    /// A duration that counts clock time, such as `30s`, `5m`, `1h30m`,
    /// `1d`, `2w`. Months and years are refused: `15M` is too easily
    /// written for `15m`, and nothing but a review is that far off.
    pub fn period(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<Period> {
        self.read_period(ctx, key, false)
    }

    /// A review period: a duration that may also count months and years,
    /// such as `6 months`.
    pub fn calendar_period(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<Period> {
        self.read_period(ctx, key, true)
    }

    fn read_period(&self, ctx: &mut Ctx<'_>, key: &str, calendar: bool) -> Option<Period> {
        let located = self.get(key)?;
        let examples = if calendar {
            "\"90d\" or \"6 months\""
        } else {
            "\"30s\", \"5m\", \"1h\" or \"1d\""
        };
        let hint = Some(format!("write a number and a unit, such as {key} = {examples}"));
        let DeValue::String(text) = located.get_ref() else {
            self.wrong_type(ctx, key, located, "a duration string", hint);
            return None;
        };
        if let Some(unit) = CalendarUnit::find(text).filter(|_| !calendar) {
            let hint = match &unit.as_minutes {
                Some(minutes) => format!(
                    "write \"{}\" for minutes; only `review_every` takes months and years",
                    minutes.trim()
                ),
                None => {
                    "write it in s, m, h, d or w, such as \"30d\"; only `review_every` takes months and years"
                        .to_owned()
                }
            };
            let said = if unit.term == unit.meaning {
                String::new()
            } else {
                format!(": `{}` is {}", unit.term, unit.meaning)
            };
            ctx.error(
                span_of(located),
                format!("`{key}` in {} is in {}{said}", self.what, unit.counts),
                Some(hint),
            );
            return None;
        }
        let parsed = match humantime::parse_duration(text.trim()) {
            // Past what a u64 of seconds holds: too long either way.
            Err(humantime::DurationError::NumberOverflow) => Ok(std::time::Duration::MAX),
            parsed => parsed,
        };
        match parsed {
            Ok(duration) if duration > LONGEST_DURATION => {
                ctx.error(
                    span_of(located),
                    format!("`{key}` in {} is too long: at most {LONGEST}", self.what),
                    hint,
                );
                None
            }
            Ok(duration) if !duration.is_zero() => Some(Period::new(text.trim(), duration)),
            Ok(_) => {
                ctx.error(
                    span_of(located),
                    format!("`{key}` in {} must be longer than zero", self.what),
                    hint,
                );
                None
            }
            Err(error) => {
                let why = match error {
                    humantime::DurationError::UnknownUnit { unit, .. } => format!("unknown unit \"{unit}\""),
                    humantime::DurationError::Empty => "it is empty".to_owned(),
                    _ => format!("\"{}\" is not a number and a unit", text.trim()),
                };
                ctx.error(
                    span_of(located),
                    format!("`{key}` in {} is not a duration: {why}", self.what),
                    hint,
                );
                None
            }
        }
    }

    /// A plain string or a table of language → string.
    pub fn text(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<Text> {
        let value = self.get(key)?;
        read_text(ctx, key, &self.what, value)
    }

    pub fn required_text(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<Text> {
        if self.get(key).is_none() {
            self.missing(ctx, key, "\"...\"");
            return None;
        }
        self.text(ctx, key)
    }

    /// An array of strings, such as contact ids.
    pub fn str_list(&self, ctx: &mut Ctx<'_>, key: &str) -> Vec<Located<String>> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            let hint = match value.get_ref() {
                DeValue::String(one) => format!("write a list: {key} = [\"{one}\"]"),
                _ => format!("write a list: {key} = [\"a\", \"b\"]"),
            };
            self.wrong_type(ctx, key, value, "an array of strings", Some(hint));
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| match item.get_ref() {
                DeValue::String(text) => Some(Located::new(text.to_string(), span_of(item))),
                other => {
                    ctx.error(
                        span_of(item),
                        format!(
                            "`{key}` in {} must hold strings, found {}",
                            self.what,
                            type_name(other)
                        ),
                        None,
                    );
                    None
                }
            })
            .collect()
    }

    /// Where commands run (`on`): one string or a list of them. A literal
    /// value must be a destination ssh may be given; one with placeholders
    /// is checked once they are filled in, before it runs.
    /// A string, or a non-empty list of strings (`until`).
    pub fn one_or_list(&self, ctx: &mut Ctx<'_>, key: &str, example: &str) -> Vec<Located<String>> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        match value.get_ref() {
            DeValue::String(one) => vec![Located::new(one.to_string(), span_of(value))],
            DeValue::Array(items) if !items.is_empty() => self.str_list(ctx, key),
            _ => {
                let hint =
                    format!("write `{key} = \"{example}\"`, or a list: `{key} = [\"{example}\", \"...\"]`");
                self.wrong_type(
                    ctx,
                    key,
                    value,
                    "a string or a non-empty list of them",
                    Some(hint),
                );
                Vec::new()
            }
        }
    }

    pub fn destinations(&self, ctx: &mut Ctx<'_>, key: &str) -> Vec<Located<String>> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        let values = match value.get_ref() {
            DeValue::String(one) => vec![Located::new(one.to_string(), span_of(value))],
            DeValue::Array(items) if !items.is_empty() => self.str_list(ctx, key),
            _ => {
                let hint =
                    format!("write `{key} = \"{{{{host}}}}\"`, or a list: `{key} = [\"web1\", \"web2\"]`");
                self.wrong_type(
                    ctx,
                    key,
                    value,
                    "a destination or a non-empty list of them",
                    Some(hint),
                );
                return Vec::new();
            }
        };
        for value in &values {
            if crate::model::placeholders(&value.value).is_empty()
                && let Err(why) = crate::model::destination::check(&value.value)
                && value.value != crate::model::destination::LOCAL
            {
                ctx.error(
                    value.span,
                    format!("`{key}` in {}: `{}` {why}", self.what, value.value.escape_debug()),
                    Some("name this machine with `local`, or another with `host`, `user@host`, an ssh config alias or `ssh://[user@]host[:port]`".into()),
                );
            }
        }
        values
    }

    /// A table of named tables (`[contacts.NAME]`), in the order written.
    pub fn named_tables(
        &self,
        ctx: &mut Ctx<'_>,
        key: &str,
    ) -> Vec<(Located<String>, &'a DeTable<'i>, Span)> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        let DeValue::Table(table) = value.get_ref() else {
            self.wrong_type(
                ctx,
                key,
                value,
                "a table",
                Some(format!("write [{key}.NAME] sections")),
            );
            return Vec::new();
        };
        table
            .iter()
            .filter_map(|(name, entry)| match entry.get_ref() {
                DeValue::Table(inner) => Some((
                    Located::new(name.get_ref().to_string(), span_of(name)),
                    inner,
                    span_of(name),
                )),
                other => {
                    ctx.error(
                        span_of(entry),
                        format!(
                            "`{key}.{}` must be a table, found {}",
                            name.get_ref(),
                            type_name(other)
                        ),
                        Some(format!("write a [{key}.{}] section", name.get_ref())),
                    );
                    None
                }
            })
            .collect()
    }

    /// An array of tables (`[[steps]]` or `[{...}, {...}]`).
    pub fn array_of_tables(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<Vec<(&'a DeTable<'i>, Span)>> {
        let value = self.get(key)?;
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(
                ctx,
                key,
                value,
                "an array of tables",
                Some(format!("write [[{key}]] sections")),
            );
            return None;
        };
        Some(
            items
                .iter()
                .filter_map(|item| match item.get_ref() {
                    DeValue::Table(table) => Some((table, span_of(item))),
                    other => {
                        ctx.error(
                            span_of(item),
                            format!(
                                "each entry of `{key}` must be a table, found {}",
                                type_name(other)
                            ),
                            None,
                        );
                        None
                    }
                })
                .collect(),
        )
    }
}

pub(crate) fn read_text(
    ctx: &mut Ctx<'_>,
    key: &str,
    what: &str,
    value: &Spanned<DeValue<'_>>,
) -> Option<Text> {
    let hint = Some(format!(
        "write {key} = \"...\" or {key} = {{ en = \"...\", zh = \"...\" }}"
    ));
    match value.get_ref() {
        DeValue::String(text) => Some(Text::Plain(text.to_string())),
        DeValue::Table(table) => {
            let mut entries = Vec::new();
            for (lang, text) in table.iter() {
                let name = lang.get_ref();
                if !is_language_tag(name) {
                    ctx.error(
                        span_of(lang),
                        format!("`{name}` is not a language tag in `{key}` of {what}"),
                        Some("use language tags such as en, zh or zh-TW".into()),
                    );
                    continue;
                }
                match text.get_ref() {
                    DeValue::String(text) => entries.push((name.to_string(), text.to_string())),
                    other => ctx.error(
                        span_of(text),
                        format!(
                            "`{key}.{name}` in {what} must be a string, found {}",
                            type_name(other)
                        ),
                        None,
                    ),
                }
            }
            if table.is_empty() {
                ctx.error(span_of(value), format!("`{key}` in {what} has no text"), hint);
            }
            (!entries.is_empty()).then_some(Text::Localized(entries))
        }
        other => {
            ctx.error(
                span_of(value),
                format!("`{key}` in {what} must be text, found {}", type_name(other)),
                hint,
            );
            None
        }
    }
}

/// A BCP 47 language tag as runbooks use them: `en`, `zh`, `zh-TW`,
/// `zh-Hans`; a language of two or three letters and optional subtags.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let language = parts.next().unwrap_or("");
    (2..=3).contains(&language.len())
        && language.chars().all(|c| c.is_ascii_lowercase())
        && parts.all(|part| (2..=8).contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphanumeric()))
}

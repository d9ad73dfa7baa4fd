//! Text: placeholders in display text name declared variables; commands
//! never splice text into shell source; patterns compile and defaults
//! match them.

use super::super::reader::{Ctx, did_you_mean};
use crate::model::{BUILTIN_VARS, Located, Runbook, Span, StepKind, placeholders};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// `{{name}}` in display text must name a variable that exists; scanned on
/// the source so each one can be pointed at.
pub(super) fn variables(ctx: &mut Ctx<'_>, runbook: &Runbook) {
    let mut declared: HashSet<&str> = BUILTIN_VARS.iter().copied().collect();
    declared.extend(runbook.variables().map(|name| name.as_str()));
    let mut run_spans: Vec<Span> = runbook
        .steps
        .iter()
        .filter_map(|step| match &step.kind {
            StepKind::Command(command) => Some(command.run.span),
            _ => None,
        })
        .collect();
    run_spans.sort_by_key(|span| span.start);
    // Whether `offset` is in a command's `run`: the last one starting at or
    // before it is the only one that can hold it (they do not overlap).
    let in_run = |offset: usize| {
        let after = run_spans.partition_point(|run| run.start <= offset);
        after > 0 && offset < run_spans[after - 1].end
    };

    let text = ctx.source.text.clone();
    // Comments as TOML reads them (a `#` line inside a multi-line string
    // is text, and its placeholders are checked), lexed only for a file
    // with a placeholder after a `#` on its line: none other can be in one.
    // Placeholders come in order, so the text before each is read once:
    // linear in the file however many share a line.
    let mut comments: Option<Vec<std::ops::Range<usize>>> = None;
    let (mut read_to, mut hash_on_line) = (0, false);
    let mut in_comment = |offset: usize| {
        for &byte in &text.as_bytes()[read_to.min(offset)..offset] {
            match byte {
                b'\n' => hash_on_line = false,
                b'#' => hash_on_line = true,
                _ => {}
            }
        }
        read_to = read_to.max(offset);
        if !hash_on_line {
            return false;
        }
        let comments = comments.get_or_insert_with(|| {
            toml_parser::Source::new(&text)
                .lex()
                .filter(|token| token.kind() == toml_parser::lexer::TokenKind::Comment)
                .map(|token| token.span().start()..token.span().end())
                .collect()
        });
        let after = comments.partition_point(|comment| comment.start <= offset);
        after > 0 && comments[after - 1].contains(&offset)
    };
    for placeholder in placeholders(&text) {
        let span = Span::new(placeholder.range.clone());
        if in_run(span.start) {
            continue;
        }
        if in_comment(span.start) {
            continue;
        }
        match placeholder.name {
            Some(name) if declared.contains(name.as_str()) => {}
            Some(name) => ctx.error(
                span,
                format!("`{{{{{name}}}}}` names an undeclared variable"),
                did_you_mean(&name, declared.iter().copied())
                    .or_else(|| Some(format!("declare it in a [vars.{name}] section"))),
            ),
            None => {
                let written = &text[placeholder.range.clone()];
                if written.ends_with("}}") {
                    let inner = written[2..written.len() - 2].trim();
                    let fixed: String = inner
                        .chars()
                        .map(|c| {
                            if c.is_ascii_alphanumeric() {
                                c.to_ascii_lowercase()
                            } else {
                                '_'
                            }
                        })
                        .collect();
                    ctx.error(
                        span,
                        format!("`{written}` is not a valid placeholder"),
                        Some(format!(
                            "variable names are lower case letters, digits and `_`: {{{{{fixed}}}}}"
                        )),
                    );
                } else {
                    // Unclosed: point at the `{{` and the name after it.
                    let name_len = written[2..]
                        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == ' '))
                        .unwrap_or(written.len() - 2);
                    ctx.error(
                        Span::new(span.start..span.start + 2 + name_len),
                        "unclosed `{{`",
                        Some("close the placeholder with `}}`: {{name}}".into()),
                    );
                }
            }
        }
    }
}

pub(super) fn commands(ctx: &mut Ctx<'_>, runbook: &Runbook) {
    for step in &runbook.steps {
        let StepKind::Command(command) = &step.kind else {
            continue;
        };
        let raw = ctx.source.slice(command.run.span).to_owned();
        let at = raw.find("{{").map(|at| command.run.span.start + at);
        if at.is_some() || command.run.value.contains("{{") {
            let span = at.map_or(command.run.span, |at| Span::new(at..at + 2));
            ctx.error(
                span,
                format!(
                    "`{{{{` in the command of step `{}`: text is never spliced into shell source",
                    step.id.value
                ),
                Some("use the variable as an environment variable: \"$SERVICE\" for `service`".into()),
            );
        }
        if command.run.value.trim().is_empty() {
            ctx.error(
                command.run.span,
                format!("step `{}` has an empty command", step.id.value),
                None,
            );
        }
        let on = if command.on.is_empty() {
            &runbook.on
        } else {
            &command.on
        };
        if let Some(capture) = &command.capture
            && on.len() > 1
        {
            ctx.error(
                capture.span,
                format!(
                    "step `{}` runs on {} hosts but captures one value",
                    step.id.value,
                    on.len()
                ),
                Some("capture on one host: give this step its own `on = \"HOST\"`".into()),
            );
        }
        if let Some(parallel) = &command.parallel
            && parallel.value > 1
            && on.len() < 2
        {
            // Harmless, but the author meant something this step does not do.
            ctx.warning(
                parallel.span,
                format!(
                    "step `{}` runs on one destination: `parallel = {}` changes nothing",
                    step.id.value, parallel.value
                ),
                Some("list its hosts in `on`, or remove `parallel`".into()),
            );
        }
    }
}

/// Patterns are checked for syntax only (cheap), and compiled only when a
/// default must be matched against them. Both are remembered for the rest
/// of the process ([`checked_pattern`], [`compiled_pattern`]): runbooks
/// share their patterns (a service name, a host), and `validate` of a tree
/// of runbooks meets the same few again and again.
pub(super) fn patterns(ctx: &mut Ctx<'_>, runbook: &Runbook) {
    let check = |ctx: &mut Ctx<'_>, pattern: &Located<String>, default: Option<&String>| {
        if let Some(last) = checked_pattern(&pattern.value) {
            ctx.error(
                pattern.span,
                format!("invalid pattern: {last}"),
                Some("patterns are regular expressions: escape ( ) [ ] { } . * + ? | \\ with \\ to match them as text".into()),
            );
            return;
        }
        let Some(default) = default else {
            return;
        };
        match compiled_pattern(&pattern.value) {
            Ok(regex) if !regex.is_match(default) => ctx.error(
                pattern.span,
                format!("the default \"{default}\" does not match this pattern"),
                Some("change the default or the pattern".into()),
            ),
            Ok(_) => {}
            Err(error) => ctx.error(pattern.span, format!("invalid pattern: {error}"), None),
        }
    };
    for var in &runbook.vars {
        if let Some(pattern) = &var.pattern {
            check(ctx, pattern, var.default.as_ref());
        }
    }
    for step in &runbook.steps {
        if let StepKind::Input {
            pattern: Some(pattern),
            default,
            ..
        } = &step.kind
        {
            check(ctx, pattern, default.as_ref());
        }
    }
}

/// Why `pattern` is not a regular expression (the last line of the
/// parser's message), or `None`; remembered per pattern.
fn checked_pattern(pattern: &str) -> Option<String> {
    static CHECKED: Mutex<Option<HashMap<String, Option<String>>>> = Mutex::new(None);
    let mut checked = CHECKED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let checked = checked.get_or_insert_with(HashMap::new);
    if let Some(found) = checked.get(pattern) {
        return found.clone();
    }
    let found = regex_syntax::Parser::new().parse(pattern).err().map(|error| {
        let detail = error.to_string();
        let last = detail.lines().rfind(|line| !line.trim().is_empty()).unwrap_or("");
        last.trim().trim_start_matches("error: ").to_owned()
    });
    checked.insert(pattern.to_owned(), found.clone());
    found
}

/// `pattern` compiled, or why it does not compile; remembered per pattern.
fn compiled_pattern(pattern: &str) -> Result<regex::Regex, String> {
    static COMPILED: Mutex<Option<HashMap<String, Result<regex::Regex, String>>>> = Mutex::new(None);
    let mut compiled = COMPILED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    compiled
        .get_or_insert_with(HashMap::new)
        .entry(pattern.to_owned())
        .or_insert_with(|| regex::Regex::new(pattern).map_err(|error| error.to_string()))
        .clone()
}

//! Placeholders in display text: each `{{name}}` names a variable the
//! runbook declares, sets or has built in, and is written well.

use crate::load::reader::{Ctx, did_you_mean};
use crate::model::Runbook;
use crate::model::{BUILTIN_VARS, Span, StepKind, placeholders};
use std::collections::HashSet;

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

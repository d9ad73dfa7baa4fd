//! Checks that need the whole runbook: references resolve, every step is
//! reachable and can reach an end, placeholders name declared variables,
//! patterns compile. Also the warnings: review overdue, contacts unreachable.

use super::reader::{Ctx, did_you_mean};
use crate::model::{
    BUILTIN_VARS, Branch, Lang, Located, Runbook, Span, StepKind, TimerFrom, is_name, placeholders,
};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;

/// `broken_steps` are steps that had errors of their own: references to
/// them are not reported again, and the flow is only checked once every
/// step is sound and uniquely named, so one mistake gives one message.
pub(crate) fn runbook(ctx: &mut Ctx<'_>, runbook: &Runbook, broken_steps: &[String], today: NaiveDate) {
    let errors_before = ctx.diagnostics.iter().filter(|d| d.is_error()).count();
    let unique = ids(ctx, runbook);
    let resolved = references(ctx, runbook, broken_steps);
    variables(ctx, runbook);
    patterns(ctx, runbook);
    commands(ctx, runbook);
    if unique && resolved && broken_steps.is_empty() && complete(runbook) {
        reachability(ctx, runbook);
    }
    // Warnings wait until the errors are fixed: one thing at a time.
    if errors_before == 0 && !ctx.diagnostics.iter().any(|d| d.is_error()) {
        warnings(ctx, runbook, today);
    }
}

/// Every step knows where each of its branches goes.
fn complete(runbook: &Runbook) -> bool {
    runbook.steps.iter().all(|step| match &step.kind {
        StepKind::Instruction { next, .. }
        | StepKind::Input { next, .. }
        | StepKind::Checklist { next, .. }
        | StepKind::Notify { next, .. } => next.is_some(),
        StepKind::Command(command) => command.next.is_some(),
        StepKind::Confirm { yes, no } => yes.is_some() && no.is_some(),
        StepKind::Choice { options } => !options.is_empty(),
        StepKind::End { .. } => true,
    })
}

/// "did you mean", or the list of what exists when nothing is close.
fn suggest(wrong: &str, what: &str, known: &[&str]) -> Option<String> {
    did_you_mean(wrong, known.iter().copied()).or_else(|| {
        if known.is_empty() {
            return None;
        }
        let shown: Vec<&str> = known.iter().copied().take(8).collect();
        let more = if known.len() > shown.len() { ", ..." } else { "" };
        Some(format!("{what}: {}{more}", shown.join(", ")))
    })
}

/// Step ids are typed in `--answer STEP=VALUE`, so they stay simple.
fn is_step_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|first| first.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Names longer than this are refused: ids are typed at prompts and on
/// command lines, and unbounded ones make every check slower.
const MAX_ID: usize = 64;

/// Environment variables a runbook variable must never become: they change
/// how the shell, the loader or the locale behave.
fn is_reserved_env(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "PATH",
        "HOME",
        "SHELL",
        "IFS",
        "ENV",
        "BASH_ENV",
        "CDPATH",
        "PS1",
        "PS2",
        "PS4",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TMPDIR",
        "USER",
        "LOGNAME",
        "PWD",
        "OLDPWD",
        "SHELLOPTS",
        "BASHOPTS",
        "POSIXLY_CORRECT",
        "GLOBIGNORE",
        "HOSTALIASES",
        "LOCALDOMAIN",
        "RES_OPTIONS",
        "NLSPATH",
        "GCONV_PATH",
        "GLIBC_TUNABLES",
        "LOCPATH",
        "NODE_OPTIONS",
        "RUBYOPT",
        "RUBYLIB",
        "JAVA_TOOL_OPTIONS",
        "PROMPT_COMMAND",
        "EDITOR",
        "VISUAL",
        "PAGER",
        "SUDO_ASKPASS",
        "TERM",
        "TERMINFO",
        "MAIL",
        "CURL_HOME",
        // Read-only in bash, which is `sh` on many hosts: exporting them
        // stops a remote step's shell before anything runs.
        "UID",
        "EUID",
        "PPID",
        "GROUPS",
        "LESSOPEN",
        "LESSCLOSE",
    ];
    const PREFIXES: &[&str] = &[
        "LD_",
        "DYLD_",
        "LC_",
        "BASH_FUNC_",
        "RUNBOOK_",
        "MALLOC_",
        "PYTHON",
        "PERL",
        "GIT_",
        "SSH_",
        "SSL_",
        "GPG",
        "KRB5",
        "XDG_",
        "OPENSSL_",
    ];
    let upper = name.to_ascii_uppercase();
    NAMES.contains(&upper.as_str())
        || PREFIXES.iter().any(|prefix| upper.starts_with(prefix))
        || upper.ends_with("_PROXY")
}

/// Checks names; false when two steps share an id.
fn ids(ctx: &mut Ctx<'_>, runbook: &Runbook) -> bool {
    let mut unique = true;
    let id_hint = || {
        Some(format!(
            "use up to {MAX_ID} letters, digits, `-`, `_` and `.`, starting with a letter or digit"
        ))
    };
    if !is_step_id(&runbook.id.value) || runbook.id.value.len() > MAX_ID {
        let hint = if runbook.id.span == Span::NONE {
            Some("the id comes from the file name: rename the file, or set `id = \"...\"`".to_owned())
        } else {
            id_hint()
        };
        ctx.error_at(
            (runbook.id.span != Span::NONE).then_some(runbook.id.span),
            format!("`{}` is not a valid runbook id", runbook.id.value),
            hint,
        );
    }
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for step in &runbook.steps {
        let id = step.id.as_str();
        if !is_step_id(id) || id.len() > MAX_ID {
            ctx.error(
                step.id.span,
                format!("`{}` is not a valid step id", shorten(id)),
                id_hint(),
            );
        }
        match seen.entry(id) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(step.id.span);
            }
            std::collections::hash_map::Entry::Occupied(first) => {
                unique = false;
                let (line, _) = ctx.source.line_col(first.get().start);
                ctx.error(
                    step.id.span,
                    format!("duplicate step id `{}`", shorten(id)),
                    Some(format!(
                        "the first step `{}` is on line {line}; give each step its own id",
                        shorten(id)
                    )),
                );
            }
        }
    }
    let other_ids = runbook
        .contacts
        .iter()
        .map(|contact| ("contact", &contact.id))
        .chain(runbook.timers.iter().map(|timer| ("timer", &timer.id)))
        .chain(
            runbook
                .severities
                .iter()
                .filter(|level| level.id.span != Span::NONE)
                .map(|level| ("severity", &level.id)),
        )
        .chain(
            runbook
                .steps
                .iter()
                .filter_map(|step| step.milestone.as_ref().map(|m| ("milestone", m))),
        );
    for (what, id) in other_ids {
        if !is_step_id(&id.value) || id.value.len() > MAX_ID {
            ctx.error(
                id.span,
                format!("`{}` is not a valid {what} name", shorten(&id.value)),
                id_hint(),
            );
        }
    }
    for name in runbook.variables() {
        if !is_name(&name.value) || name.value.len() > MAX_ID {
            ctx.error(
                name.span,
                format!("`{}` is not a valid variable name", shorten(&name.value)),
                Some("use lower case letters, digits and `_`, starting with a letter: commands see it as $NAME".into()),
            );
        } else if BUILTIN_VARS.contains(&name.as_str()) {
            ctx.error(
                name.span,
                format!(
                    "`{}` is a built-in variable and cannot be set by the runbook",
                    name.value
                ),
                Some(format!("built-in variables: {}", BUILTIN_VARS.join(", "))),
            );
        } else if is_reserved_env(&name.value) {
            ctx.error(
                name.span,
                format!(
                    "`{}` would set ${} for commands, which changes how the shell runs them",
                    name.value,
                    name.value.to_ascii_uppercase()
                ),
                Some("choose another name".into()),
            );
        }
    }
    unique
}

/// A name cut for messages.
fn shorten(name: &str) -> String {
    if name.chars().count() > MAX_ID {
        let cut: String = name.chars().take(MAX_ID).collect();
        format!("{cut}…")
    } else {
        name.to_owned()
    }
}

/// Checks that every name used is declared; false when a step reference
/// does not resolve, which makes the flow checks meaningless.
fn references(ctx: &mut Ctx<'_>, runbook: &Runbook, broken_steps: &[String]) -> bool {
    for step in &runbook.steps {
        if let StepKind::Confirm {
            yes: Some(yes),
            no: Some(no),
        } = &step.kind
            && yes.value == no.value
        {
            ctx.error(
                step.id.span,
                format!("both answers of step `{}` lead to `{}`", step.id.value, yes.value),
                Some("a yes/no question must branch; use an instruction step if it does not".into()),
            );
        }
    }
    let steps: Vec<&str> = runbook
        .steps
        .iter()
        .map(|step| step.id.as_str())
        .chain(broken_steps.iter().map(String::as_str))
        .collect();
    let known: std::collections::HashSet<&str> = steps.iter().copied().collect();
    let mut resolved = true;
    let mut check_step = |ctx: &mut Ctx<'_>, target: &Located<String>, message: String| {
        // An empty target is a step without an id, reported on its own.
        if !target.value.is_empty() && !known.contains(target.as_str()) {
            resolved = false;
            ctx.error(target.span, message, suggest(&target.value, "steps", &steps));
        }
    };

    let start = &runbook.start;
    check_step(
        ctx,
        start,
        format!("start step `{}` is not a step in this runbook", start.value),
    );
    for step in &runbook.steps {
        for (branch, target) in step.successors() {
            let message = match branch {
                Branch::Option(label) => format!(
                    "option \"{}\" goes to `{}`, which is not a step in this runbook",
                    label.get(&Lang::english()),
                    target.value
                ),
                branch => format!(
                    "`{}` target `{}` is not a step in this runbook",
                    branch.key(),
                    target.value
                ),
            };
            check_step(ctx, target, message);
        }
    }
    for timer in &runbook.timers {
        if let TimerFrom::Step(step) = &timer.from {
            check_step(
                ctx,
                step,
                format!(
                    "timer `{}` counts from `{}`, which is not a step",
                    timer.id.value, step.value
                ),
            );
        }
        if let Some(goto) = &timer.goto {
            check_step(
                ctx,
                goto,
                format!(
                    "timer `{}` offers `{}`, which is not a step",
                    timer.id.value, goto.value
                ),
            );
        }
    }

    let contacts: Vec<&str> = runbook
        .contacts
        .iter()
        .map(|contact| contact.id.as_str())
        .collect();
    let check_contact = |ctx: &mut Ctx<'_>, contact: &Located<String>| {
        if !contacts.contains(&contact.as_str()) {
            ctx.error(
                contact.span,
                format!("contact `{}` is not declared", contact.value),
                did_you_mean(&contact.value, contacts.iter().copied())
                    .or_else(|| Some(format!("declare it in a [contacts.{}] section", contact.value))),
            );
        }
    };
    for step in &runbook.steps {
        if let StepKind::Notify { to, .. } = &step.kind {
            to.iter().for_each(|contact| check_contact(ctx, contact));
        }
    }
    for level in &runbook.severities {
        level
            .notify
            .iter()
            .for_each(|contact| check_contact(ctx, contact));
    }

    let severities: Vec<&str> = runbook.severities.iter().map(|level| level.id.as_str()).collect();
    // The default, and the levels steps and choice options set.
    let set = runbook.steps.iter().flat_map(|step| {
        let options = match &step.kind {
            StepKind::Choice { options } => options.iter().filter_map(|o| o.severity.as_ref()).collect(),
            _ => Vec::new(),
        };
        step.severity.iter().chain(options)
    });
    for level in std::iter::once(&runbook.default_severity).chain(set) {
        if !severities.contains(&level.as_str()) {
            ctx.error(
                level.span,
                format!("severity `{}` is not defined", level.value),
                Some(format!(
                    "severities: {}; add a [severity.{}] section for a new level",
                    severities.join(", "),
                    level.value
                )),
            );
        }
    }

    let milestones: Vec<&str> = runbook
        .steps
        .iter()
        .filter_map(|step| step.milestone.as_ref().map(Located::as_str))
        .collect();
    for timer in &runbook.timers {
        timer
            .notify
            .iter()
            .for_each(|contact| check_contact(ctx, contact));
        for until in timer
            .until
            .iter()
            .filter(|until| !milestones.contains(&until.as_str()))
        {
            ctx.error(
                until.span,
                format!(
                    "no step declares the milestone `{}` that ends timer `{}`",
                    until.value, timer.id.value
                ),
                did_you_mean(&until.value, milestones.iter().copied()).or_else(|| {
                    Some(format!(
                        "add `milestone = \"{}\"` to the step that reaches it",
                        until.value
                    ))
                }),
            );
        }
        if timer.notify.is_empty() && timer.goto.is_none() {
            ctx.error(
                timer.id.span,
                format!(
                    "timer `{}` neither notifies anyone nor offers a step",
                    timer.id.value
                ),
                Some("add `notify = [...]` or `goto = \"step-id\"`".into()),
            );
        }
    }
    resolved
}

/// `{{name}}` in display text must name a variable that exists; scanned on
/// the source so each one can be pointed at.
fn variables(ctx: &mut Ctx<'_>, runbook: &Runbook) {
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

fn commands(ctx: &mut Ctx<'_>, runbook: &Runbook) {
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
fn patterns(ctx: &mut Ctx<'_>, runbook: &Runbook) {
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

/// Every step must be reachable from the start (or from a timer's target),
/// and from every step some `end` must be reachable.
fn reachability(ctx: &mut Ctx<'_>, runbook: &Runbook) {
    let edges: Vec<Vec<usize>> = runbook
        .steps
        .iter()
        .map(|step| {
            step.successors()
                .into_iter()
                .filter_map(|(_, target)| runbook.step_index(&target.value))
                .collect()
        })
        .collect();

    let roots = std::iter::once(&runbook.start)
        .chain(runbook.timers.iter().filter_map(|timer| timer.goto.as_ref()))
        .filter_map(|target| runbook.step_index(&target.value));
    let reached = walk(roots, &edges);
    for (at, step) in runbook.steps.iter().enumerate() {
        if !reached[at] {
            ctx.error(
                step.id.span,
                format!(
                    "step `{}` cannot be reached from the start step `{}`",
                    step.id.value, runbook.start.value
                ),
                Some("point a `next`, branch or timer `goto` at it, or remove it".into()),
            );
        }
    }

    let mut reverse = vec![Vec::new(); edges.len()];
    for (from, targets) in edges.iter().enumerate() {
        for &to in targets {
            reverse[to].push(from);
        }
    }
    let ends = runbook
        .steps
        .iter()
        .enumerate()
        .filter(|(_, step)| step.is_end())
        .map(|(at, _)| at);
    let finishing = walk(ends, &reverse);
    if !runbook.steps.iter().any(|step| step.is_end()) && !runbook.steps.is_empty() {
        ctx.error(
            runbook.steps[0].span,
            "the runbook has no `end` step",
            Some("add a step with kind = \"end\" and outcome = \"resolved\"".into()),
        );
        return;
    }
    // One message per trap: the first step (in walk order) from which no
    // end can be reached, naming the steps it goes round.
    let mut covered = vec![false; edges.len()];
    for at in runbook.walk_order() {
        if finishing[at] || !reached[at] || covered[at] {
            continue;
        }
        let trapped = walk(std::iter::once(at), &edges);
        let names: Vec<&str> = (0..edges.len())
            .filter(|&other| trapped[other])
            .map(|other| {
                covered[other] = true;
                runbook.steps[other].id.as_str()
            })
            .collect();
        let step = &runbook.steps[at];
        let hint = if names.len() == 1 {
            format!(
                "step `{}` only leads back to itself; add a branch to an end step",
                names[0]
            )
        } else {
            format!(
                "`{}` go round in a loop; add a branch out to an end step",
                names.join("`, `")
            )
        };
        ctx.error(
            step.id.span,
            format!("no `end` step can be reached from step `{}`", step.id.value),
            Some(hint),
        );
    }
}

fn walk(roots: impl Iterator<Item = usize>, edges: &[Vec<usize>]) -> Vec<bool> {
    let mut seen = vec![false; edges.len()];
    let mut queue: VecDeque<usize> = roots.collect();
    while let Some(at) = queue.pop_front() {
        if std::mem::replace(&mut seen[at], true) {
            continue;
        }
        queue.extend(edges[at].iter().copied().filter(|&next| !seen[next]));
    }
    seen
}

fn warnings(ctx: &mut Ctx<'_>, runbook: &Runbook, today: NaiveDate) {
    match (&runbook.review_every, &runbook.last_reviewed) {
        (Some(every), Some(last)) => {
            if let Some(due) = runbook.review_due()
                && due < today
            {
                ctx.warning(
                    last.span,
                    format!(
                        "review overdue since {due}: last reviewed {} and due every {every}",
                        last.value
                    ),
                    Some("review the plan with its owner, then update `last_reviewed`".into()),
                );
            }
        }
        (Some(every), None) => ctx.warning(
            first_key(ctx, "review_every"),
            format!("the plan is to be reviewed every {every} but has no `last_reviewed` date"),
            Some("review it, then add `last_reviewed = YYYY-MM-DD`".into()),
        ),
        _ => {}
    }
    if ctx.source.origin == super::Origin::Builtin {
        // The built-in plans leave contact details for the site to fill in
        // (in a copy under /etc/runbook/runbooks); saying so every time
        // helps nobody.
        return;
    }
    let unreachable: Vec<&Located<String>> = runbook
        .contacts
        .iter()
        .filter(|contact| !contact.is_reachable())
        .map(|contact| &contact.id)
        .collect();
    if let Some(first) = unreachable.first() {
        let names: Vec<&str> = unreachable.iter().map(|id| id.as_str()).collect();
        let message = if names.len() == 1 {
            format!("contact `{}` has no phone or email", names[0])
        } else {
            format!(
                "{} contacts have no phone or email: {}",
                names.len(),
                names.join(", ")
            )
        };
        ctx.warning(
            first.span,
            message,
            Some("fill in the site's contact details before the plan is needed".into()),
        );
    }
}

fn first_key(ctx: &Ctx<'_>, key: &str) -> Span {
    let text = &ctx.source.text;
    text.match_indices(key)
        .find(|(at, _)| *at == 0 || text.as_bytes()[at - 1] == b'\n')
        .map_or(Span::NONE, |(at, _)| Span::new(at..at + key.len()))
}

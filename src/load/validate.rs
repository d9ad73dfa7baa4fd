//! Checks that need the whole runbook: references resolve, every step is
//! reachable and can reach an end, placeholders name declared variables,
//! patterns compile. Also the warnings: review overdue, contacts unreachable.

use super::reader::{did_you_mean, Ctx};
use crate::model::{Branch, Lang, is_name, placeholders, Located, Runbook, Span, StepKind, TimerFrom, BUILTIN_VARS};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet, VecDeque};

/// `broken_steps` are steps that had errors of their own: references to
/// them are not reported again, and the flow is only checked once every
/// step is sound and uniquely named, so one mistake gives one message.
pub(crate) fn runbook(ctx: &mut Ctx<'_>, runbook: &Runbook, broken_steps: &[String], today: NaiveDate) {
    let unique = ids(ctx, runbook);
    references(ctx, runbook, broken_steps);
    variables(ctx, runbook);
    patterns(ctx, runbook);
    commands(ctx, runbook);
    if unique && broken_steps.is_empty() {
        reachability(ctx, runbook);
    }
    warnings(ctx, runbook, today);
}

/// Step ids are typed in `--answer STEP=VALUE`, so they stay simple.
fn is_step_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|first| first.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Checks names; false when two steps share an id.
fn ids(ctx: &mut Ctx<'_>, runbook: &Runbook) -> bool {
    let mut unique = true;
    if !is_step_id(&runbook.id.value) {
        ctx.error(
            runbook.id.span,
            format!("`{}` is not a valid runbook id", runbook.id.value),
            Some("use letters, digits, `-`, `_` and `.`, starting with a letter or digit".into()),
        );
    }
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for step in &runbook.steps {
        let id = step.id.as_str();
        if !is_step_id(id) {
            ctx.error(
                step.id.span,
                format!("`{id}` is not a valid step id"),
                Some("use letters, digits, `-`, `_` and `.`, starting with a letter or digit".into()),
            );
        }
        if let Some(first) = seen.insert(id, step.id.span) {
            unique = false;
            let (line, _) = ctx.source.line_col(first.start);
            ctx.error(
                step.id.span,
                format!("duplicate step id `{id}`"),
                Some(format!("the first step `{id}` is on line {line}; give each step its own id")),
            );
        }
    }
    let names = runbook
        .vars
        .iter()
        .map(|var| &var.name)
        .chain(runbook.steps.iter().filter_map(|step| match &step.kind {
            StepKind::Input { var, .. } => Some(var),
            StepKind::Command(command) => command.capture.as_ref(),
            _ => None,
        }));
    for name in names {
        if !is_name(&name.value) {
            ctx.error(
                name.span,
                format!("`{}` is not a valid variable name", name.value),
                Some("use lower case letters, digits and `_`, starting with a letter: commands see it as $NAME".into()),
            );
        } else if BUILTIN_VARS.contains(&name.as_str()) {
            ctx.error(
                name.span,
                format!("`{}` is a built-in variable and cannot be set by the runbook", name.value),
                Some(format!("built-in variables: {}", BUILTIN_VARS.join(", "))),
            );
        }
    }
    unique
}

fn references(ctx: &mut Ctx<'_>, runbook: &Runbook, broken_steps: &[String]) {
    let steps: Vec<&str> = runbook
        .steps
        .iter()
        .map(|step| step.id.as_str())
        .chain(broken_steps.iter().map(String::as_str))
        .collect();
    let check_step = |ctx: &mut Ctx<'_>, target: &Located<String>, role: &str| {
        if !steps.contains(&target.as_str()) {
            ctx.error(
                target.span,
                format!("{role} `{}` is not a step in this runbook", target.value),
                did_you_mean(&target.value, steps.iter().copied()),
            );
        }
    };

    check_step(ctx, &runbook.start, "start step");
    for step in &runbook.steps {
        for (branch, target) in step.successors() {
            let role = match branch {
                Branch::Next => "next step".to_owned(),
                Branch::Option(label) => format!("target of option \"{}\"", label.get(&Lang::english())),
                branch => format!("`{}` target", branch.label(&Lang::english()).unwrap_or_default()),
            };
            check_step(ctx, target, &role);
        }
    }

    let contacts: Vec<&str> = runbook.contacts.iter().map(|contact| contact.id.as_str()).collect();
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
            if to.is_empty() {
                ctx.error(step.id.span, format!("notify step `{}` names nobody in `to`", step.id.value), None);
            }
            to.iter().for_each(|contact| check_contact(ctx, contact));
        }
    }
    for level in &runbook.severities {
        level.notify.iter().for_each(|contact| check_contact(ctx, contact));
    }

    let severities: Vec<&str> = runbook.severities.iter().map(|level| level.id.as_str()).collect();
    if !severities.contains(&runbook.default_severity.as_str()) {
        ctx.error(
            runbook.default_severity.span,
            format!("severity `{}` is not defined", runbook.default_severity.value),
            did_you_mean(&runbook.default_severity.value, severities.iter().copied())
                .or_else(|| Some(format!("severities: {}", severities.join(", ")))),
        );
    }

    let milestones: Vec<&str> = runbook
        .steps
        .iter()
        .filter_map(|step| step.milestone.as_ref().map(Located::as_str))
        .collect();
    for timer in &runbook.timers {
        timer.notify.iter().for_each(|contact| check_contact(ctx, contact));
        if let TimerFrom::Step(step) = &timer.from {
            check_step(ctx, step, "timer start step");
        }
        if let Some(goto) = &timer.goto {
            check_step(ctx, goto, "timer target");
        }
        if let Some(until) = &timer.until {
            if !milestones.contains(&until.as_str()) {
                ctx.error(
                    until.span,
                    format!("no step declares the milestone `{}` that ends timer `{}`", until.value, timer.id.value),
                    did_you_mean(&until.value, milestones.iter().copied())
                        .or_else(|| Some(format!("add `milestone = \"{}\"` to the step that reaches it", until.value))),
                );
            }
        }
        if timer.notify.is_empty() && timer.goto.is_none() {
            ctx.error(
                timer.id.span,
                format!("timer `{}` neither notifies anyone nor offers a step", timer.id.value),
                Some("add `notify = [...]` or `goto = \"step-id\"`".into()),
            );
        }
    }
}

/// `{{name}}` in display text must name a variable that exists; scanned on
/// the source so each one can be pointed at.
fn variables(ctx: &mut Ctx<'_>, runbook: &Runbook) {
    let mut declared: HashSet<&str> = BUILTIN_VARS.iter().copied().collect();
    declared.extend(runbook.vars.iter().map(|var| var.name.as_str()));
    for step in &runbook.steps {
        match &step.kind {
            StepKind::Input { var, .. } => {
                declared.insert(var.as_str());
            }
            StepKind::Command(command) => {
                if let Some(capture) = &command.capture {
                    declared.insert(capture.as_str());
                }
            }
            _ => {}
        }
    }
    let run_spans: Vec<Span> = runbook
        .steps
        .iter()
        .filter_map(|step| match &step.kind {
            StepKind::Command(command) => Some(command.run.span),
            _ => None,
        })
        .collect();

    let text = ctx.source.text.clone();
    for placeholder in placeholders(&text) {
        let span = Span::new(placeholder.range.clone());
        if run_spans.iter().any(|run| run.start <= span.start && span.start < run.end) {
            continue;
        }
        if is_comment(&text, span.start) {
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
            None => ctx.error(
                span,
                "malformed placeholder",
                Some("write {{name}} with a declared variable name, lower case".into()),
            ),
        }
    }
}

fn is_comment(text: &str, offset: usize) -> bool {
    let line_start = text[..offset].rfind('\n').map_or(0, |at| at + 1);
    text[line_start..offset].trim_start().starts_with('#')
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
                format!("`{{{{` in the command of step `{}`: text is never spliced into shell source", step.id.value),
                Some("use the variable as an environment variable: \"$SERVICE\" for `service`".into()),
            );
        }
        if command.run.value.trim().is_empty() {
            ctx.error(command.run.span, format!("step `{}` has an empty command", step.id.value), None);
        }
    }
}

fn patterns(ctx: &mut Ctx<'_>, runbook: &Runbook) {
    let check = |ctx: &mut Ctx<'_>, pattern: &Located<String>, default: Option<&String>| {
        match regex::Regex::new(&pattern.value) {
            Ok(regex) => {
                if let Some(default) = default {
                    if !regex.is_match(default) {
                        ctx.error(
                            pattern.span,
                            format!("the default \"{default}\" does not match this pattern"),
                            Some("change the default or the pattern".into()),
                        );
                    }
                }
            }
            Err(error) => {
                let detail = error.to_string();
                let last = detail.lines().filter(|line| !line.trim().is_empty()).last().unwrap_or("");
                ctx.error(
                    pattern.span,
                    format!("invalid pattern: {}", last.trim().trim_start_matches("error: ")),
                    Some("patterns are Rust regular expressions; anchor them with ^...$".into()),
                );
            }
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

/// Every step must be reachable from the start (or from a timer's target),
/// and from every step some `end` must be reachable.
fn reachability(ctx: &mut Ctx<'_>, runbook: &Runbook) {
    let index: HashMap<&str, usize> = runbook
        .steps
        .iter()
        .enumerate()
        .map(|(at, step)| (step.id.as_str(), at))
        .rev()
        .collect();
    let edges: Vec<Vec<usize>> = runbook
        .steps
        .iter()
        .map(|step| {
            step.successors()
                .into_iter()
                .filter_map(|(_, target)| index.get(target.as_str()).copied())
                .collect()
        })
        .collect();

    let roots = std::iter::once(&runbook.start)
        .chain(runbook.timers.iter().filter_map(|timer| timer.goto.as_ref()))
        .filter_map(|target| index.get(target.as_str()).copied());
    let reached = walk(roots, &edges);
    for (at, step) in runbook.steps.iter().enumerate() {
        if !reached[at] {
            ctx.error(
                step.id.span,
                format!("step `{}` cannot be reached from the start step `{}`", step.id.value, runbook.start.value),
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
    for (at, step) in runbook.steps.iter().enumerate() {
        if !finishing[at] && reached[at] {
            ctx.error(
                step.id.span,
                format!("no `end` step can be reached from step `{}`", step.id.value),
                Some("the steps after it loop forever; give the loop a way out to an end step".into()),
            );
        }
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
    if let Some(due) = runbook.review_due() {
        if due < today {
            let span = runbook.id.span;
            ctx.warning(
                if span == Span::NONE { first_key(ctx, "last_reviewed") } else { span },
                format!(
                    "review overdue since {due}: last reviewed {} and due every {}",
                    runbook.last_reviewed.map(|date| date.to_string()).unwrap_or_default(),
                    runbook.review_every.as_ref().map(|every| every.text.as_str()).unwrap_or_default(),
                ),
                Some("review the plan with its owner, then update `last_reviewed`".into()),
            );
        }
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
            format!("{} contacts have no phone or email: {}", names.len(), names.join(", "))
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

//! References: step targets, contacts, severity levels and timer
//! milestones name something the runbook declares.

use super::super::reader::{Ctx, did_you_mean};
use super::suggest;
use crate::model::{Branch, Lang, Located, Runbook, StepKind, TimerFrom};

/// Checks that every name used is declared; false when a step reference
/// does not resolve, which makes the flow checks meaningless.
pub(super) fn references(ctx: &mut Ctx<'_>, runbook: &Runbook, broken_steps: &[String]) -> bool {
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

//! The checks of `runbook validate --strict`: what a plan needs before it
//! is relied on, beyond being correct. Every finding is a warning (a plan
//! with them still runs); `--strict` fails on them.
//!
//! - a roster: contacts, each with a phone or an e-mail address (the
//!   loader says it of a site's plans already; here of the built-in ones
//!   too);
//! - an escalation timer;
//! - `archive_within` written, not left to the default;
//! - a review period (`review_every`; an overdue review and a missing
//!   `last_reviewed` are the loader's warnings);
//! - every contact declared is told something somewhere;
//! - no `restore = true` step that a path from the start (or a timer's
//!   step) reaches without passing a step marked `guards = "restore"`;
//! - every command that asks first (`confirm = true`) says what a drill
//!   does (`drill`).

use super::super::reader::Ctx;
use super::warnings::first_key;
use crate::load::Origin;
use crate::model::{Located, Runbook, Span, StepKind};
use std::collections::{HashSet, VecDeque};

pub(crate) fn strict(ctx: &mut Ctx<'_>, runbook: &Runbook) {
    roster(ctx, runbook);
    if runbook.timers.is_empty() {
        ctx.warning_at(
            None,
            "the plan has no escalation timer",
            Some("add a [timers.NAME] with `after` and `notify`: who is told when it drags on".into()),
        );
    }
    if first_key(ctx, "archive_within") == Span::NONE {
        ctx.warning_at(
            None,
            format!(
                "the plan does not say when its record is archived (the default is {})",
                runbook.archive_within
            ),
            Some("write archive_within = \"1d\", or what the site's rules ask".into()),
        );
    }
    if runbook.review_every.is_none() {
        let at = runbook.last_reviewed.as_ref().map(|last| last.span);
        ctx.warning_at(
            at,
            "the plan has no review period",
            Some("add review_every = \"6 months\" and last_reviewed = YYYY-MM-DD".into()),
        );
    }
    unused_contacts(ctx, runbook);
    restores(ctx, runbook);
    drills(ctx, runbook);
}

fn roster(ctx: &mut Ctx<'_>, runbook: &Runbook) {
    if runbook.contacts.is_empty() {
        ctx.warning_at(
            None,
            "the plan names no contacts",
            Some(
                "add a [contacts.ID] with `role` and `phone` or `email` for each person the plan calls"
                    .into(),
            ),
        );
        return;
    }
    // The loader warns of a site's own plans; it leaves the built-in ones,
    // whose details the site fills in, alone.
    if ctx.source.origin != Origin::Builtin {
        return;
    }
    super::warnings::unreachable_contacts(ctx, runbook);
}

fn unused_contacts(ctx: &mut Ctx<'_>, runbook: &Runbook) {
    let mut told: HashSet<&str> = HashSet::new();
    for step in &runbook.steps {
        if let StepKind::Notify { to, .. } = &step.kind {
            told.extend(to.iter().map(Located::as_str));
        }
    }
    for timer in &runbook.timers {
        told.extend(timer.notify.iter().map(Located::as_str));
    }
    for level in &runbook.severities {
        told.extend(level.notify.iter().map(Located::as_str));
    }
    for contact in &runbook.contacts {
        if !told.contains(contact.id.as_str()) {
            ctx.warning(
                contact.id.span,
                format!("contact `{}` is never told anything", contact.id.value),
                Some(
                    "name it in a notify step's `to`, a timer's or a severity's `notify`, or remove it"
                        .into(),
                ),
            );
        }
    }
}

/// Walks from the start and from every timer's step, never past a guard:
/// a restore step met on the way has a path to it that no guard is on.
fn restores(ctx: &mut Ctx<'_>, runbook: &Runbook) {
    if !runbook.steps.iter().any(|step| step.restore) {
        return;
    }
    let mut came_from: Vec<Option<usize>> = vec![None; runbook.steps.len()];
    let mut seen = vec![false; runbook.steps.len()];
    let mut queue: VecDeque<usize> = std::iter::once(&runbook.start)
        .chain(runbook.timers.iter().filter_map(|timer| timer.goto.as_ref()))
        .filter_map(|root| runbook.step_index(&root.value))
        .collect();
    for &root in &queue {
        seen[root] = true;
    }
    while let Some(at) = queue.pop_front() {
        if runbook.steps[at].guards_restore {
            continue;
        }
        for (_, target) in runbook.steps[at].successors() {
            if let Some(next) = runbook.step_index(&target.value)
                && !std::mem::replace(&mut seen[next], true)
            {
                came_from[next] = Some(at);
                queue.push_back(next);
            }
        }
    }
    for (at, step) in runbook.steps.iter().enumerate() {
        if !step.restore || !seen[at] || step.guards_restore {
            continue;
        }
        let mut path = vec![step.id.as_str()];
        let mut back = came_from[at];
        while let Some(before) = back {
            path.push(runbook.steps[before].id.as_str());
            back = came_from[before];
        }
        path.reverse();
        ctx.warning(
            step.id.span,
            format!(
                "step `{}` restores, but is reached without consent or the data kept first: {}",
                step.id.value,
                path.join(" → ")
            ),
            Some(
                "on every path to it, ask first: guards = \"restore\" and note = \"required\" on the consent or data-kept step"
                    .into(),
            ),
        );
    }
}

fn drills(ctx: &mut Ctx<'_>, runbook: &Runbook) {
    for step in &runbook.steps {
        if let StepKind::Command(command) = &step.kind
            && command.confirm
            && !command.drill_written
        {
            ctx.warning(
                step.id.span,
                format!(
                    "step `{}` asks before it runs but does not say what a drill does",
                    step.id.value
                ),
                Some("add drill = \"skip\" (show it), \"simulate-success\" or \"run\"".into()),
            );
        }
    }
}

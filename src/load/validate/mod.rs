//! Checks that need the whole runbook: references resolve, every step is
//! reachable and can reach an end, placeholders name declared variables,
//! patterns compile. Also the warnings: review overdue, contacts unreachable.
//!
//! One file per kind of check: [`names`] (ids and variable names),
//! [`references`] (what names point at), [`text`] (placeholders, commands,
//! patterns), [`timers`] (repeats and their gates), [`secrets`] (what a
//! secret variable may not be), [`flow`]
//! (reachability), [`warnings`]; and [`strict`], what `validate --strict`
//! adds.

mod flow;
mod names;
mod references;
mod secrets;
mod strict;
mod text;
mod timers;
mod warnings;

use super::reader::{Ctx, did_you_mean};
use crate::model::{Runbook, StepKind};

use chrono::NaiveDate;
pub(crate) use strict::strict;

/// `broken_steps` are steps that had errors of their own: references to
/// them are not reported again, and the flow is only checked once every
/// step is sound and uniquely named, so one mistake gives one message.
pub(crate) fn runbook(ctx: &mut Ctx<'_>, runbook: &Runbook, broken_steps: &[String], today: NaiveDate) {
    let errors_before = ctx.diagnostics.iter().filter(|d| d.is_error()).count();
    let unique = names::ids(ctx, runbook);
    let resolved = references::references(ctx, runbook, broken_steps);
    text::variables(ctx, runbook);
    text::patterns(ctx, runbook);
    text::commands(ctx, runbook);
    timers::timers(ctx, runbook);
    secrets::secrets(ctx, runbook);
    if unique && resolved && broken_steps.is_empty() && complete(runbook) {
        flow::reachability(ctx, runbook);
    }
    // Warnings wait until the errors are fixed: one thing at a time.
    if errors_before == 0 && !ctx.diagnostics.iter().any(|d| d.is_error()) {
        warnings::warnings(ctx, runbook, today);
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
pub(super) fn suggest(wrong: &str, what: &str, known: &[&str]) -> Option<String> {
    did_you_mean(wrong, known.iter().copied()).or_else(|| {
        if known.is_empty() {
            return None;
        }
        let shown: Vec<&str> = known.iter().copied().take(8).collect();
        let more = if known.len() > shown.len() { ", ..." } else { "" };
        Some(format!("{what}: {}{more}", shown.join(", ")))
    })
}

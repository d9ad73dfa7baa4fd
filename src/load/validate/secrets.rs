//! Secret variables (`secret = true`) stay out of everything written
//! down: the runbook gives them no default, and no step sets one (an
//! `input` answer and a `capture` are journaled as they are).

use crate::load::reader::Ctx;
use crate::model::{Runbook, StepKind, placeholders};

pub(super) fn secrets(ctx: &mut Ctx<'_>, runbook: &Runbook) {
    let secret = |name: &str| {
        runbook
            .vars
            .iter()
            .any(|var| var.secret && var.name.value == name)
    };
    for var in runbook.vars.iter().filter(|var| var.secret) {
        if var.default.is_some() {
            ctx.error(
                var.name.span,
                format!("the secret variable `{}` has a default", var.name.value),
                Some("remove the default: whoever reads the runbook would know the secret".into()),
            );
        }
    }
    for step in &runbook.steps {
        let (set, what) = match &step.kind {
            StepKind::Input { var, .. } => (Some(var), "an `input` step's answer is journaled"),
            StepKind::Command(command) => (command.capture.as_ref(), "a captured value is journaled"),
            _ => (None, ""),
        };
        if let Some(set) = set.filter(|set| secret(&set.value)) {
            ctx.error(
                set.span,
                format!(
                    "step `{}` sets the secret variable `{}`",
                    step.id.value, set.value
                ),
                Some(format!(
                    "{what}: give it another name, or leave `{}` to be asked when the incident starts",
                    set.value
                )),
            );
        }
    }
    let written = runbook
        .on
        .iter()
        .chain(runbook.steps.iter().flat_map(|step| match &step.kind {
            StepKind::Command(command) => command.on.iter(),
            _ => [].iter(),
        }));
    for on in written {
        let named = placeholders(&on.value)
            .into_iter()
            .filter_map(|placeholder| placeholder.name);
        for name in named.filter(|name| secret(name)) {
            ctx.error(
                on.span,
                format!("the secret variable `{name}` names where commands run"),
                Some("a destination is shown and journaled: use a variable that is not secret".into()),
            );
        }
    }
}

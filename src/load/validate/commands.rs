//! What a command step may hold: shell source without placeholders, and a
//! `capture` only where it runs on one host.

use crate::load::reader::Ctx;
use crate::model::{Runbook, Span, StepKind};

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
    }
}

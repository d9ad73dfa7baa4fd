//! Timers that repeat: each repeat is bounded by a milestone, not so
//! frequent that it floods the people it tells, and only tells; a severity
//! gate names a level.

use super::super::reader::Ctx;
use crate::model::Runbook;

/// The shortest `every`: a report a minute is already more than anyone
/// reads, and `runbook check` runs once a minute from cron.
pub(crate) const EVERY_MIN: std::time::Duration = std::time::Duration::from_secs(60);

pub(super) fn timers(ctx: &mut Ctx<'_>, runbook: &Runbook) {
    for timer in &runbook.timers {
        if let Some(level) = &timer.while_severity
            && runbook.severity(&level.value).is_none()
        {
            let levels: Vec<&str> = runbook.severities.iter().map(|level| level.id.as_str()).collect();
            ctx.error(
                level.span,
                format!(
                    "timer `{}` fires while the severity is `{}`, which is not a level",
                    timer.id.value, level.value
                ),
                Some(format!("severities: {}", levels.join(", "))),
            );
        }
        let Some(every) = &timer.every else {
            continue;
        };
        if every.value.duration < EVERY_MIN {
            ctx.error(
                every.span,
                format!(
                    "timer `{}` repeats every {}, more often than once a minute",
                    timer.id.value, every.value
                ),
                Some("repeat every \"1m\" or longer, such as every = \"30m\"".into()),
            );
        }
        if timer.until.is_empty() {
            ctx.error(
                every.span,
                format!(
                    "timer `{}` repeats with nothing to stop it but the incident's end",
                    timer.id.value
                ),
                Some("add `until = \"milestone\"`: the milestone reached when the reports may stop".into()),
            );
        }
        if let Some(goto) = &timer.goto {
            ctx.error(
                goto.span,
                format!(
                    "timer `{}` repeats and offers a step: a repeating timer only notifies",
                    timer.id.value
                ),
                Some("remove `goto`, or `every` and have a one-shot timer offer the step".into()),
            );
        }
    }
}

//! When an incident's timers fall due.

use crate::model::{Incident, Runbook, Timer, TimerFrom};
use chrono::{DateTime, Utc};

/// A timer that has not fired and is not cancelled, with when it falls due
/// in wall time. Timers counting from a step not yet reached are left out.
pub fn pending<'r>(runbook: &'r Runbook, incident: &Incident) -> Vec<(&'r Timer, DateTime<Utc>)> {
    let mut pending: Vec<(&Timer, DateTime<Utc>)> = unfired(runbook, incident)
        .into_iter()
        .filter_map(|timer| {
            let base = match &timer.from {
                TimerFrom::Start => incident.started,
                TimerFrom::Step(step) => *incident.entered.get(&step.value)?,
            };
            // Drills may run timers faster: `--speed 60` turns an hour into a minute.
            let after = timer.after.duration / incident.speed.max(1);
            let after = chrono::Duration::from_std(after).ok()?;
            Some((timer, base.checked_add_signed(after)?))
        })
        .collect();
    pending.sort_by_key(|(_, due)| *due);
    pending
}

/// The timers that have not fired and are not cancelled, whether or not
/// they count yet (one counting from a step not reached does not): what
/// "escalate now" fires, in the runbook's order.
pub fn unfired<'r>(runbook: &'r Runbook, incident: &Incident) -> Vec<&'r Timer> {
    runbook
        .timers
        .iter()
        .filter(|timer| !incident.timers_fired.contains(&timer.id.value))
        .filter(|timer| {
            timer
                .until
                .as_ref()
                .is_none_or(|until| !incident.milestones.contains_key(&until.value))
        })
        .collect()
}

/// The pending timers that are due at `now`.
pub fn due<'r>(runbook: &'r Runbook, incident: &Incident, now: DateTime<Utc>) -> Vec<&'r Timer> {
    pending(runbook, incident)
        .into_iter()
        .filter(|(_, due)| *due <= now)
        .map(|(timer, _)| timer)
        .collect()
}

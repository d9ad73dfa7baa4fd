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
            !timer
                .until
                .iter()
                .any(|until| incident.milestones.contains_key(&until.value))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Origin, Source, load};
    use crate::model::{Event, EventKind};

    const PLAN: &str = r#"schema = 1
title = "Timers"

[contacts.vendor]
role = "Vendor"
phone = "1"

[timers.locate]
after = "1h"
until = ["found", "restored"]
notify = ["vendor"]

[timers.single]
after = "2h"
until = "found"
notify = ["vendor"]

[[steps]]
id = "restore"
kind = "instruction"
title = "Restore"
next = "back"

[[steps]]
id = "back"
kind = "instruction"
title = "Back"
milestone = "restored"
next = "found"

[[steps]]
id = "found"
kind = "instruction"
title = "Found"
milestone = "found"
next = "done"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

    fn incident(kinds: Vec<EventKind>) -> Incident {
        let start: DateTime<Utc> = "2026-11-28T09:00:00Z".parse().unwrap();
        let started = EventKind::IncidentStarted {
            incident: "i".into(),
            runbook: "timers".into(),
            title: "Timers".into(),
            version: None,
            digest: String::new(),
            source: String::new(),
            severity: "sev2".into(),
            vars: Default::default(),
            drill: false,
            speed: 1,
        };
        let events: Vec<Event> = std::iter::once(started)
            .chain(kinds)
            .enumerate()
            .map(|(seq, kind)| Event {
                seq: seq as u64,
                time: start,
                actor: "test".into(),
                kind,
                queued: None,
                prev: String::new(),
                hash: String::new(),
            })
            .collect();
        Incident::replay(&events).unwrap()
    }

    fn runbook() -> Runbook {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let loaded = load(Source::new("t.toml", Origin::Builtin, PLAN), today);
        loaded.runbook.expect("a valid plan")
    }

    fn ids(timers: Vec<&Timer>) -> Vec<&str> {
        timers.iter().map(|timer| timer.id.as_str()).collect()
    }

    #[test]
    fn any_one_milestone_of_a_list_cancels_the_timer() {
        let runbook = runbook();
        let later: DateTime<Utc> = "2026-11-28T12:00:00Z".parse().unwrap();
        let open = incident(vec![]);
        assert_eq!(ids(due(&runbook, &open, later)), ["locate", "single"]);
        let restored = incident(vec![EventKind::MilestoneReached {
            name: "restored".into(),
            step: "back".into(),
        }]);
        assert_eq!(ids(due(&runbook, &restored, later)), ["single"]);
        let found = incident(vec![EventKind::MilestoneReached {
            name: "found".into(),
            step: "found".into(),
        }]);
        assert!(due(&runbook, &found, later).is_empty());
    }
}

//! When an incident's timers fall due.
//!
//! A repeating timer's firings are counted from its first: the n-th repeat
//! is due at `after` + n × `every`. Which one is next comes from the journal
//! (the latest `repeat` on record), never from memory, so a walk, its
//! background thread and `runbook check` agree on it and none of them fires
//! one twice. A repeat missed while nothing ran is not made up for: the
//! latest one due goes out, once.

use crate::model::{Incident, Runbook, Timer, TimerFrom};
use chrono::{DateTime, TimeDelta, Utc};

/// One firing of a timer: its first (`repeat` is `None`), or the n-th
/// repeat of one with `every`.
#[derive(Debug, Clone, Copy)]
pub struct Firing<'r> {
    pub timer: &'r Timer,
    pub repeat: Option<u32>,
}

/// A timer's next firing that is not on record, with when it falls due in
/// wall time, for each timer that is not cancelled, has not fired (or
/// repeats), and whose severity gate is open. Timers counting from a step
/// not yet reached are left out.
pub fn pending<'r>(runbook: &'r Runbook, incident: &Incident) -> Vec<(&'r Timer, DateTime<Utc>)> {
    let mut pending: Vec<(&Timer, DateTime<Utc>)> = counting(runbook, incident)
        .into_iter()
        .filter_map(|(timer, first)| {
            if !incident.timers_fired.contains(&timer.id.value) {
                return Some((timer, first));
            }
            let every = timer.every.as_ref()?;
            let next = match incident.timer_repeats.get(&timer.id.value) {
                Some(latest) => latest.checked_add(1)?,
                None => 1,
            };
            let since_first =
                scaled(every.value.duration, incident)?.checked_mul(i32::try_from(next).ok()?)?;
            Some((timer, first.checked_add_signed(since_first)?))
        })
        .collect();
    pending.sort_by_key(|(_, due)| *due);
    pending
}

/// The timers not cancelled and open to the incident's severity, with when
/// each first falls due.
fn counting<'r>(runbook: &'r Runbook, incident: &Incident) -> Vec<(&'r Timer, DateTime<Utc>)> {
    runbook
        .timers
        .iter()
        .filter(|timer| !cancelled(timer, incident))
        .filter(|timer| {
            timer
                .while_severity
                .as_ref()
                .is_none_or(|level| runbook.at_or_above(&incident.severity, &level.value))
        })
        .filter_map(|timer| {
            let base = match &timer.from {
                TimerFrom::Start => incident.started,
                TimerFrom::Step(step) => *incident.entered.get(&step.value)?,
            };
            let after = scaled(timer.after.duration, incident)?;
            Some((timer, base.checked_add_signed(after)?))
        })
        .collect()
}

/// A drill may run timers faster: `--speed 60` turns an hour into a minute.
fn scaled(duration: std::time::Duration, incident: &Incident) -> Option<TimeDelta> {
    TimeDelta::from_std(duration / incident.speed.max(1)).ok()
}

fn cancelled(timer: &Timer, incident: &Incident) -> bool {
    timer
        .until
        .iter()
        .any(|until| incident.milestones.contains_key(&until.value))
}

/// The timers that have not fired and are not cancelled, whether or not
/// they count yet (one counting from a step not reached does not): what
/// "escalate now" fires, in the runbook's order.
pub fn unfired<'r>(runbook: &'r Runbook, incident: &Incident) -> Vec<&'r Timer> {
    runbook
        .timers
        .iter()
        .filter(|timer| !incident.timers_fired.contains(&timer.id.value))
        .filter(|timer| !cancelled(timer, incident))
        .collect()
}

/// The firings that are due at `now`: each timer's first, or for one that
/// repeats, the latest repeat due (those missed before it are skipped).
pub fn due<'r>(runbook: &'r Runbook, incident: &Incident, now: DateTime<Utc>) -> Vec<Firing<'r>> {
    let firsts: Vec<(&Timer, DateTime<Utc>)> = counting(runbook, incident);
    pending(runbook, incident)
        .into_iter()
        .filter(|(_, due)| *due <= now)
        .filter_map(|(timer, _)| {
            if !incident.timers_fired.contains(&timer.id.value) && timer.every.is_none() {
                return Some(Firing { timer, repeat: None });
            }
            let (_, first) = firsts
                .iter()
                .find(|(known, _)| known.id.value == timer.id.value)?;
            let every = scaled(timer.every.as_ref()?.value.duration, incident)?;
            let passed = (now - *first).num_milliseconds();
            let latest = u32::try_from(passed / every.num_milliseconds().max(1)).unwrap_or(u32::MAX);
            let repeat = (latest > 0).then_some(latest);
            Some(Firing { timer, repeat })
                .filter(|firing| !incident.has_fired(&timer.id.value, firing.repeat))
        })
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

    fn ids(firings: Vec<Firing<'_>>) -> Vec<&str> {
        firings.iter().map(|firing| firing.timer.id.as_str()).collect()
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

    const REPEATING: &str = r#"schema = 1
title = "Progress"

[contacts.boss]
role = "Manager"
phone = "1"

[timers.progress]
after = "1h"
every = "30m"
while_severity = "sev2"
until = "restored"
notify = ["boss"]

[[steps]]
id = "work"
kind = "instruction"
title = "Work"
next = "back"

[[steps]]
id = "back"
kind = "instruction"
title = "Back"
milestone = "restored"
next = "done"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

    fn repeating() -> Runbook {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let loaded = load(Source::new("p.toml", Origin::Builtin, REPEATING), today);
        assert!(!loaded.has_errors(), "{:?}", loaded.diagnostics);
        loaded.runbook.expect("a valid plan")
    }

    fn at(time: &str) -> DateTime<Utc> {
        format!("2026-11-28T{time}:00Z").parse().unwrap()
    }

    fn fired(repeat: Option<u32>) -> EventKind {
        EventKind::TimerFired {
            timer: "progress".into(),
            repeat,
        }
    }

    fn firings(firings: Vec<Firing<'_>>) -> Vec<(&str, Option<u32>)> {
        firings
            .iter()
            .map(|firing| (firing.timer.id.as_str(), firing.repeat))
            .collect()
    }

    #[test]
    fn a_repeating_timer_fires_first_after_then_every_interval() {
        let runbook = repeating();
        let open = incident(vec![]);
        assert!(due(&runbook, &open, at("09:59")).is_empty());
        assert_eq!(firings(due(&runbook, &open, at("10:00"))), [("progress", None)]);
        let once = incident(vec![fired(None)]);
        assert!(due(&runbook, &once, at("10:29")).is_empty());
        assert_eq!(pending(&runbook, &once)[0].1, at("10:30"));
        assert_eq!(
            firings(due(&runbook, &once, at("10:30"))),
            [("progress", Some(1))]
        );
        let twice = incident(vec![fired(None), fired(Some(1))]);
        assert!(due(&runbook, &twice, at("10:59")).is_empty());
        assert_eq!(
            firings(due(&runbook, &twice, at("11:00"))),
            [("progress", Some(2))]
        );
    }

    #[test]
    fn a_repeat_is_never_due_twice_and_missed_ones_are_not_made_up() {
        let runbook = repeating();
        // Nothing ran for two hours: only the latest repeat due goes out.
        let once = incident(vec![fired(None)]);
        assert_eq!(
            firings(due(&runbook, &once, at("12:10"))),
            [("progress", Some(4))]
        );
        let caught_up = incident(vec![fired(None), fired(Some(4))]);
        assert!(due(&runbook, &caught_up, at("12:10")).is_empty());
        assert!(caught_up.has_fired("progress", Some(3)));
        assert!(!caught_up.has_fired("progress", Some(5)));
        assert_eq!(pending(&runbook, &caught_up)[0].1, at("12:30"));
    }

    #[test]
    fn a_repeating_timer_stops_at_its_milestone() {
        let runbook = repeating();
        let restored = incident(vec![
            fired(None),
            EventKind::MilestoneReached {
                name: "restored".into(),
                step: "back".into(),
            },
        ]);
        assert!(due(&runbook, &restored, at("15:00")).is_empty());
        assert!(pending(&runbook, &restored).is_empty());
    }

    #[test]
    fn a_severity_gate_holds_the_timer_while_the_level_is_lower() {
        let runbook = repeating();
        let lowered = |to: &str| EventKind::SeverityChanged {
            from: "sev2".into(),
            to: to.into(),
            reason: None,
        };
        let minor = incident(vec![lowered("sev3")]);
        assert!(due(&runbook, &minor, at("11:00")).is_empty());
        let severe = incident(vec![lowered("sev1")]);
        assert_eq!(firings(due(&runbook, &severe, at("10:00"))), [("progress", None)]);
        // Lowered after its first report: no more until raised again.
        let calmer = incident(vec![fired(None), lowered("sev3")]);
        assert!(due(&runbook, &calmer, at("11:00")).is_empty());
    }

    #[test]
    fn a_repeat_needs_a_milestone_a_minute_at_least_and_no_step() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let plan = REPEATING
            .replace("every = \"30m\"", "every = \"30s\"")
            .replace("until = \"restored\"\n", "goto = \"work\"\n")
            .replace("while_severity = \"sev2\"", "while_severity = \"sev9\"");
        let loaded = load(Source::new("p.toml", Origin::Builtin, plan), today);
        let messages: Vec<&str> = loaded.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.contains("more often than once a minute")),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("nothing to stop it")),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("only notifies")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("`sev9`, which is not a level")),
            "{messages:?}"
        );
        let months = REPEATING.replace("every = \"30m\"", "every = \"1 month\"");
        let loaded = load(Source::new("p.toml", Origin::Builtin, months), today);
        assert!(loaded.has_errors());
    }
}

//! The first draft of a record's "what happened", written from the
//! timeline in the display language; the operator edits it before it is
//! signed.

use super::abort_reason;
use crate::model::{Event, EventKind, Incident, Lang, Outcome, Status};
use crate::tr;
use chrono::{DateTime, Utc};

/// A first draft of "what happened", from the timeline, in `lang`: which
/// plan (named `title`), when, how it ended, and the steps taken. The
/// operator edits it.
pub fn what_happened(incident: &Incident, events: &[Event], title: &str, lang: &Lang) -> String {
    let mut text = String::new();
    let version = incident
        .version
        .as_deref()
        .map(|v| tr!(lang, RVersionSuffix, v = v))
        .unwrap_or_default();
    let drill = if incident.drill { tr!(lang, DraftDrill) } else { "" };
    text.push_str(&tr!(
        lang,
        DraftFollowed,
        drill = drill,
        title = title,
        runbook = incident.runbook,
        version = version,
        start = stamp(incident.started)
    ));
    if let Some(ended) = incident.ended {
        text.push_str(&tr!(
            lang,
            DraftUntil,
            end = stamp(ended),
            span = crate::i18n::span(lang, (ended - incident.started).num_seconds())
        ));
    }
    let outcome = match incident.status {
        Status::Ended(outcome) => crate::i18n::outcome_name(lang, outcome),
        Status::Aborted => crate::i18n::outcome_name(lang, Outcome::Aborted),
        _ => tr!(lang, DraftOpen),
    };
    text.push_str(&tr!(lang, DraftOutcome, outcome = outcome));
    if let Some(reason) = abort_reason(events).filter(|_| incident.status == Status::Aborted) {
        text.push_str(&tr!(lang, DraftWhy, reason = crate::i18n::reason(lang, &reason)));
    }
    let mut steps: Vec<String> = Vec::new();
    for event in events {
        match &event.kind {
            EventKind::StepEntered { step } => steps.push(step.clone()),
            EventKind::CommandFinished {
                step,
                exit_code,
                timed_out,
                ..
            } => {
                if let Some(last) = steps.last_mut().filter(|last| *last == step) {
                    *last = match (timed_out, exit_code) {
                        (true, _) => tr!(lang, DraftStepTimedOut, step = step),
                        (false, Some(code)) => tr!(lang, DraftStepExit, step = step, code = code),
                        (false, None) => tr!(lang, DraftStepKilled, step = step),
                    };
                }
            }
            EventKind::CommandSkipped { step, reason, .. } => {
                if let Some(last) = steps.last_mut().filter(|last| *last == step) {
                    *last = tr!(
                        lang,
                        DraftStepNotRun,
                        step = step,
                        reason = crate::i18n::reason(lang, reason)
                    );
                }
            }
            _ => {}
        }
    }
    let separator = tr!(lang, ListSeparator);
    if !steps.is_empty() {
        text.push_str(&tr!(lang, DraftSteps, steps = steps.join(separator)));
    }
    let fired: Vec<&str> = incident.timers_fired.iter().map(String::as_str).collect();
    if !fired.is_empty() {
        text.push_str(&tr!(lang, DraftTimersFired, timers = fired.join(separator)));
    }
    text.push_str(tr!(lang, DraftEnd));
    // Sentences start with a capital.
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

fn stamp(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M UTC").to_string()
}

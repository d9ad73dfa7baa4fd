//! What happens when a timer fires or a notification is due, as events:
//! shared by the walk, the background timer thread of a running walk, and
//! `runbook check` for incidents nobody drives.

use super::ports::{Notification, Notifier};
use super::timers::Firing;
use super::walk::render_text;
use crate::model::{Contact, EventKind, Incident, Lang, Runbook, Timer};
use crate::tr;

/// Delivers one notification and says how it went, as the events to
/// journal: one per configured notifier, so that each is retried on its own.
/// Without a notifier the delivery is a failure ("call them"), so that
/// `runbook check` retries it once one is configured: nobody pretends
/// people were told.
///
/// A drill's notification says so in its subject and first line, so that
/// nobody who receives a rehearsal's escalation takes it for a real
/// incident; the notifiers also pass the flag on (`RUNBOOK_DRILL`, `drill`).
/// Control characters from the runbook's text are escaped: they would
/// reach a mailer's headers or a chat message as they are.
pub fn deliver(
    runbook: &Runbook,
    incident: &Incident,
    notifier: Option<&dyn Notifier>,
    (step, timer): (Option<&str>, Option<&str>),
    contacts: &[String],
    (subject, message): (String, String),
    lang: &Lang,
) -> Vec<EventKind> {
    let (subject, message) = marked(incident, &subject, &message, lang);
    let outcomes = match notifier {
        Some(notifier) => notifier.send_each(&notification(runbook, incident, contacts, &subject, &message)),
        None => vec![(
            "none".to_owned(),
            // In English whatever the language: the walk's own reason,
            // read back in the reader's language by `i18n::reason`.
            Err("no notifier is configured: call them".to_owned()),
        )],
    };
    outcomes
        .into_iter()
        .map(|(via, result)| outcome(step, timer, contacts, &subject, &message, via, result))
        .collect()
}

/// A notification's subject and message as they go out, or as a person is
/// asked to pass them on: control characters escaped, and a drill's marked
/// `[DRILL]` first in both (`[演练]` in Chinese: it is for the people who
/// receive it; a machine reads the notifiers' `drill` flag instead).
pub fn marked(incident: &Incident, subject: &str, message: &str, lang: &Lang) -> (String, String) {
    let subject = crate::sanitize::sanitize_line(subject).into_owned();
    let message = crate::sanitize::sanitize(message).into_owned();
    if incident.drill {
        (
            format!("{} {subject}", tr!(lang, DrillMark)),
            format!("{} {}\n{message}", tr!(lang, DrillMark), tr!(lang, DrillMessage)),
        )
    } else {
        (subject, message)
    }
}

fn notification<'a>(
    runbook: &'a Runbook,
    incident: &'a Incident,
    contacts: &[String],
    subject: &str,
    message: &str,
) -> Notification<'a> {
    Notification {
        incident: &incident.id,
        severity: &incident.severity,
        drill: incident.drill,
        subject: subject.to_owned(),
        message: message.to_owned(),
        to: contacts
            .iter()
            .filter_map(|id| runbook.contact(id))
            .collect::<Vec<&Contact>>(),
    }
}

fn outcome(
    step: Option<&str>,
    timer: Option<&str>,
    contacts: &[String],
    subject: &str,
    message: &str,
    via: String,
    result: Result<(), String>,
) -> EventKind {
    let (step, timer, to) = (
        step.map(str::to_owned),
        timer.map(str::to_owned),
        contacts.to_vec(),
    );
    let (subject, message) = (subject.to_owned(), message.to_owned());
    match result {
        Ok(()) => EventKind::NotificationSent {
            step,
            timer,
            to,
            via,
            subject,
            message,
            how: None,
        },
        Err(error) => EventKind::NotificationFailed {
            step,
            timer,
            to,
            via,
            subject,
            message,
            error,
        },
    }
}

/// The events of a timer firing: `timer-fired`, then its notification.
/// Call [`timer_fired`] first and journal it, then [`timer_notification`]:
/// the firing is on record even if delivery takes long or crashes.
pub fn timer_fired(firing: Firing<'_>) -> EventKind {
    EventKind::TimerFired {
        timer: firing.timer.id.value.clone(),
        repeat: firing.repeat,
    }
}

/// The notifications a fired timer sends (none when it names nobody).
/// `by_hand`: the operator escalated before the timer fell due, and the
/// message says so rather than that its time has passed.
pub fn timer_notification(
    runbook: &Runbook,
    incident: &Incident,
    timer: &Timer,
    notifier: Option<&dyn Notifier>,
    lang: &Lang,
    by_hand: bool,
) -> Vec<EventKind> {
    if timer.notify.is_empty() {
        return Vec::new();
    }
    let id = &timer.id.value;
    let contacts: Vec<String> = timer.notify.iter().map(|c| c.value.clone()).collect();
    // A repeating timer's notice is for its latest firing.
    let repeat = incident
        .timer_repeats
        .get(id)
        .copied()
        .filter(|_| timer.every.is_some());
    let title = runbook.title.get(lang);
    let subject = match repeat {
        Some(repeat) => tr!(
            lang,
            TimerSubjectRepeat,
            incident = incident.id,
            title = title,
            timer = id,
            n = repeat + 1
        ),
        None => tr!(
            lang,
            TimerSubject,
            incident = incident.id,
            title = title,
            timer = id
        ),
    };
    let message = timer
        .message
        .as_ref()
        .map(|message| render_text(message.get(lang), incident, None))
        .unwrap_or_else(|| match (&timer.every, repeat) {
            (Some(every), Some(repeat)) => tr!(
                lang,
                TimerMessageRepeat,
                timer = id,
                nth = if crate::i18n::is_zh(lang) {
                    (repeat + 1).to_string()
                } else {
                    ordinal(repeat + 1)
                },
                after = crate::i18n::period(lang, &timer.after.text),
                every = crate::i18n::period(lang, &every.value.text)
            ),
            _ => tr!(
                lang,
                TimerMessage,
                timer = id,
                after = crate::i18n::period(lang, &timer.after.text)
            ),
        });
    let message = if by_hand {
        format!(
            "{}\n{message}",
            tr!(
                lang,
                EscalatedByHandMessage,
                timer = id,
                after = crate::i18n::period(lang, &timer.after.text)
            )
        )
    } else {
        message
    };
    deliver(
        runbook,
        incident,
        notifier,
        (None, Some(id)),
        &contacts,
        (subject, message),
        lang,
    )
}

/// `1st`, `2nd`, `3rd`, `4th`, ... `11th`, `12th`, `13th`, `21st`.
fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The notification of the incident's severity to the contacts its level
/// names (none when it names nobody): it opened at that level (`from` is
/// `None`) or was raised to it from `from`.
pub fn severity_notification(
    runbook: &Runbook,
    incident: &Incident,
    from: Option<&str>,
    notifier: Option<&dyn Notifier>,
    lang: &Lang,
) -> Vec<EventKind> {
    let Some(level) = runbook.severity(&incident.severity) else {
        return Vec::new();
    };
    if level.notify.is_empty() {
        return Vec::new();
    }
    let label = level.label.get(lang);
    let contacts: Vec<String> = level.notify.iter().map(|c| c.value.clone()).collect();
    let subject = format!("[{}] {}: {label}", incident.id, runbook.title.get(lang));
    let message = match from {
        Some(from) => tr!(
            lang,
            SeverityRaisedMessage,
            incident = incident.id,
            from = from,
            to = incident.severity,
            label = label
        ),
        None => tr!(
            lang,
            SeverityOpenedMessage,
            incident = incident.id,
            severity = incident.severity,
            label = label
        ),
    };
    deliver(
        runbook,
        incident,
        notifier,
        (None, None),
        &contacts,
        (subject, message),
        lang,
    )
}

/// A notification that keeps failing is tried this often in all, then left
/// to people: `runbook check` runs every minute and must not spam.
pub const MAX_ATTEMPTS: usize = 10;

/// The first wait before a running walk tries a failed notification again;
/// it doubles after each failure, up to [`RETRY_MAX`].
pub const RETRY_FIRST: chrono::TimeDelta = chrono::TimeDelta::seconds(30);
pub const RETRY_MAX: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// The failed notifications a running walk should try again at `now`:
/// those not given up on whose wait since the last failure has passed
/// (waits divided by a drill's speed, like timers).
pub fn retries_due(incident: &Incident, now: chrono::DateTime<chrono::Utc>) -> Vec<EventKind> {
    incident
        .undelivered
        .iter()
        .filter(|pending| pending.attempts < MAX_ATTEMPTS)
        .filter(|pending| {
            let doublings = u32::try_from(pending.attempts.saturating_sub(1))
                .unwrap_or(u32::MAX)
                .min(16);
            let wait = (RETRY_FIRST * 2i32.pow(doublings)).min(RETRY_MAX)
                / i32::try_from(incident.speed.max(1)).unwrap_or(i32::MAX);
            now - pending.at >= wait
        })
        .map(|pending| pending.failed.clone())
        .collect()
}

/// Delivers again a notification that failed: through
/// the notifier that failed, or through every configured one when there was
/// none at the time.
pub fn retry(
    runbook: &Runbook,
    incident: &Incident,
    notifier: &dyn Notifier,
    failed: &EventKind,
) -> Vec<EventKind> {
    let EventKind::NotificationFailed {
        step,
        timer,
        to,
        subject,
        message,
        via,
        ..
    } = failed
    else {
        return Vec::new();
    };
    let notification = notification(runbook, incident, to, subject, message);
    let outcomes = match notifier.send_via(via, &notification) {
        Some(result) => vec![(via.clone(), result)],
        // There was no notifier then: through every one there is now.
        None if via == "none" => notifier.send_each(&notification),
        // Renamed or removed since: an attempt that fails, so that it is
        // counted, waited for and given up on like any other.
        None => vec![(
            via.clone(),
            Err(format!("notifier `{via}` is not configured any more")),
        )],
    };
    outcomes
        .into_iter()
        .map(|(via, result)| {
            outcome(
                step.as_deref(),
                timer.as_deref(),
                to,
                subject,
                message,
                via,
                result,
            )
        })
        .collect()
}

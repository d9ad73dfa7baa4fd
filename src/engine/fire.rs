//! What happens when a timer fires or a notification is due, as events:
//! shared by the walk, the background timer thread of a running walk, and
//! `runbook check` for incidents nobody drives.

use super::ports::{Notification, Notifier};
use super::walk::render_text;
use crate::model::{Contact, EventKind, Incident, Lang, Runbook, Timer};

/// Delivers one notification and says how it went, as the event to journal.
/// Without a notifier the delivery is a failure ("call them"), so that
/// `runbook check` retries it once one is configured: nobody pretends
/// people were told.
pub fn deliver(
    runbook: &Runbook,
    incident: &Incident,
    notifier: Option<&dyn Notifier>,
    (step, timer): (Option<&str>, Option<&str>),
    contacts: &[String],
    subject: String,
    message: String,
) -> EventKind {
    let to: Vec<&Contact> = contacts.iter().filter_map(|id| runbook.contact(id)).collect();
    let (via, result) = match notifier {
        Some(notifier) => {
            let notification = Notification {
                incident: &incident.id,
                severity: &incident.severity,
                subject: subject.clone(),
                message: message.clone(),
                to,
            };
            (notifier.name().to_owned(), notifier.send(&notification))
        }
        None => (
            "none".to_owned(),
            Err("no notifier is configured: call them".to_owned()),
        ),
    };
    let step = step.map(str::to_owned);
    let timer = timer.map(str::to_owned);
    let to = contacts.to_vec();
    match result {
        Ok(()) => EventKind::NotificationSent {
            step,
            timer,
            to,
            via,
            subject,
            message,
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
pub fn timer_fired(timer: &Timer) -> EventKind {
    EventKind::TimerFired {
        timer: timer.id.value.clone(),
    }
}

/// The notification a fired timer sends, if it names anyone.
pub fn timer_notification(
    runbook: &Runbook,
    incident: &Incident,
    timer: &Timer,
    notifier: Option<&dyn Notifier>,
    lang: &Lang,
) -> Option<EventKind> {
    if timer.notify.is_empty() {
        return None;
    }
    let id = &timer.id.value;
    let contacts: Vec<String> = timer.notify.iter().map(|c| c.value.clone()).collect();
    let subject = format!("[{}] {}: timer {id}", incident.id, incident.title);
    let message = timer
        .message
        .as_ref()
        .map(|message| render_text(message.get(lang), incident, None))
        .unwrap_or_else(|| format!("Timer {id} fired after {}.", timer.after));
    Some(deliver(
        runbook,
        incident,
        notifier,
        (None, Some(id)),
        &contacts,
        subject,
        message,
    ))
}

/// Delivers again a notification that failed, for `runbook check`.
pub fn retry(
    runbook: &Runbook,
    incident: &Incident,
    notifier: &dyn Notifier,
    failed: &EventKind,
) -> Option<EventKind> {
    let EventKind::NotificationFailed {
        step,
        timer,
        to,
        subject,
        message,
        ..
    } = failed
    else {
        return None;
    };
    Some(deliver(
        runbook,
        incident,
        Some(notifier),
        (step.as_deref(), timer.as_deref()),
        to,
        subject.clone(),
        message.clone(),
    ))
}

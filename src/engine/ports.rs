//! The engine's other ports: time, notifications, and where events go.

use crate::model::{Contact, Event, EventKind};
use chrono::{DateTime, Utc};

/// What hides secrets in command output before it is shown or kept.
pub trait Redaction {
    /// A filter for one command's output, line after line: it may
    /// remember what came before in that output (a private key's block).
    fn stream(&self) -> Box<dyn Fn(&str) -> String + '_>;
}

/// A function of one line, which needs nothing from the lines before.
impl<F: Fn(&str) -> String> Redaction for F {
    fn stream(&self) -> Box<dyn Fn(&str) -> String + '_> {
        Box::new(self)
    }
}

/// The wall clock, or a test's.
pub trait Clock {
    fn now(&self) -> DateTime<Utc>;
}

/// A message for people.
#[derive(Debug, Clone)]
pub struct Notification<'a> {
    pub incident: &'a str,
    pub severity: &'a str,
    /// A rehearsal: its subject and message say so too.
    pub drill: bool,
    pub subject: String,
    pub message: String,
    pub to: Vec<&'a Contact>,
}

/// Delivers notifications (configured `command` or `webhook` notifiers).
pub trait Notifier: Send + Sync {
    /// The name journaled with each delivery.
    fn name(&self) -> &str;
    /// Delivers, or says why not. A failure never stops the incident.
    fn send(&self, notification: &Notification<'_>) -> Result<(), String>;

    /// Delivers through each notifier this one stands for, with one outcome
    /// per notifier, so that each is journaled, and retried, on its own.
    fn send_each(&self, notification: &Notification<'_>) -> Vec<(String, Result<(), String>)> {
        vec![(self.name().to_owned(), self.send(notification))]
    }

    /// Delivers through the notifier named `via` only: a retry of what
    /// failed there. `None` when there is no such notifier (any more).
    fn send_via(&self, via: &str, notification: &Notification<'_>) -> Option<Result<(), String>> {
        (self.name() == via).then(|| self.send(notification))
    }
}

/// Where events go: the journal. `record` returns the event with its
/// sequence number and hashes filled in, written but durable only once
/// [`Sink::sync`] returns.
pub trait Sink {
    fn record(&mut self, time: DateTime<Utc>, kind: EventKind) -> std::io::Result<Event>;

    /// Makes every event recorded so far durable. The engine calls it
    /// before each action that leaves the process: a command, a
    /// notification, a prompt, stopping.
    fn sync(&mut self) -> std::io::Result<()> {
        Ok(())
    }

    /// Keeps a copy of `file` with the incident (see
    /// [`crate::journal::store_attachment`]); the engine journals it.
    fn store_attachment(&mut self, _file: &std::path::Path) -> std::io::Result<crate::journal::Stored> {
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "files cannot be attached here",
        ))
    }

    /// Whether `value` is the one the secret variable `name` was given
    /// before in this incident; the first value given is remembered. What
    /// is kept for the comparison stays on this machine and out of the
    /// journal (see `journal::secrets`); a sink that keeps nothing takes
    /// any value.
    fn admit_secret(&mut self, _name: &str, _value: &str) -> std::io::Result<bool> {
        Ok(true)
    }

    /// Events journaled by other writers since the last call, in order.
    fn foreign(&mut self) -> Vec<Event> {
        Vec::new()
    }

    /// Journals that `timer` fired, unless another writer already did:
    /// checking and appending is one step, so a timer fires once however
    /// many threads watch it.
    fn record_timer_fired(
        &mut self,
        time: DateTime<Utc>,
        timer: &str,
        repeat: Option<u32>,
    ) -> std::io::Result<Option<Event>> {
        self.record(
            time,
            EventKind::TimerFired {
                timer: timer.to_owned(),
                repeat,
            },
        )
        .map(Some)
    }
}

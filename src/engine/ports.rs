//! The engine's other ports: time, notifications, and where events go.

use crate::model::{Contact, Event, EventKind};
use chrono::{DateTime, Utc};

/// The wall clock, or a test's.
pub trait Clock {
    fn now(&self) -> DateTime<Utc>;
}

/// A message for people.
#[derive(Debug, Clone)]
pub struct Notification<'a> {
    pub incident: &'a str,
    pub severity: &'a str,
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
}

/// Where events go: the journal. `record` returns once the event is
/// durable, with its sequence number and hashes filled in.
pub trait Sink {
    fn record(&mut self, time: DateTime<Utc>, kind: EventKind) -> std::io::Result<Event>;

    /// Events journaled by other writers since the last call, in order.
    fn foreign(&mut self) -> Vec<Event> {
        Vec::new()
    }
}

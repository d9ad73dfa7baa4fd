//! Several notifiers behind one: every message goes through each of them.
//!
//! This file owns delivering one notification through every configured
//! notifier at once and reporting each failure by name. It must not stop at
//! the first failure, let one slow notifier hold up the others, or let a
//! panicking notifier take the incident down with it.

use std::fmt;
use std::thread;

use crate::engine::{Notification, Notifier};

/// A notifier the fan-out can hand to its threads.
pub type BoxedNotifier = Box<dyn Notifier + Send + Sync>;

/// Delivers through several notifiers; succeeds only if all of them do.
pub struct Fanout {
    notifiers: Vec<BoxedNotifier>,
    name: String,
}

impl Fanout {
    pub fn new(notifiers: Vec<BoxedNotifier>) -> Fanout {
        let name = notifiers
            .iter()
            .map(|notifier| notifier.name())
            .collect::<Vec<_>>()
            .join("+");
        Fanout { notifiers, name }
    }

    pub fn len(&self) -> usize {
        self.notifiers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.notifiers.is_empty()
    }

    /// The names of the notifiers, in the order configured.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.notifiers.iter().map(|notifier| notifier.name())
    }
}

impl Notifier for Fanout {
    /// The names joined with `+`, such as `dingtalk+oncall-mail`.
    fn name(&self) -> &str {
        &self.name
    }

    /// Sends through every notifier at the same time, so the slowest one
    /// (up to its own timeout) sets the pace, not their sum.
    fn send_each(&self, notification: &Notification<'_>) -> Vec<(String, Result<(), String>)> {
        let results: Vec<Result<(), String>> = match self.notifiers.as_slice() {
            [only] => vec![guarded(only.as_ref(), notification)],
            notifiers => thread::scope(|scope| {
                let running: Vec<_> = notifiers
                    .iter()
                    .map(|notifier| {
                        thread::Builder::new()
                            .name("notify".to_owned())
                            .spawn_scoped(scope, move || guarded(notifier.as_ref(), notification))
                    })
                    .collect();
                running
                    .into_iter()
                    .zip(notifiers)
                    .map(|(handle, notifier)| match handle {
                        Ok(handle) => handle
                            .join()
                            .unwrap_or_else(|_| Err("the notifier panicked".to_owned())),
                        // No thread to be had: deliver from this one.
                        Err(_) => guarded(notifier.as_ref(), notification),
                    })
                    .collect()
            }),
        };
        self.notifiers
            .iter()
            .zip(results)
            .map(|(notifier, result)| (notifier.name().to_owned(), result))
            .collect()
    }

    fn send_via(&self, via: &str, notification: &Notification<'_>) -> Option<Result<(), String>> {
        let notifier = self.notifiers.iter().find(|notifier| notifier.name() == via)?;
        Some(guarded(notifier.as_ref(), notification))
    }

    /// The error names each notifier that failed, in the order configured:
    /// `dingtalk: HTTP 500: ...; oncall-mail: exit 1: ...`.
    fn send(&self, notification: &Notification<'_>) -> Result<(), String> {
        let failures: Vec<String> = self
            .send_each(notification)
            .into_iter()
            .filter_map(|(name, result)| result.err().map(|error| format!("{name}: {error}")))
            .collect();
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures.join("; "))
        }
    }
}

/// Sends, turning a panic into a failed delivery.
fn guarded(notifier: &(dyn Notifier + Send + Sync), notification: &Notification<'_>) -> Result<(), String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| notifier.send(notification)))
        .unwrap_or_else(|_| Err("the notifier panicked".to_owned()))
}

impl fmt::Debug for Fanout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fanout")
            .field("notifiers", &self.names().collect::<Vec<_>>())
            .finish()
    }
}

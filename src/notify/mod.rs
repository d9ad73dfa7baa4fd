//! Notifiers: how messages for people leave the program.
//!
//! This module owns the configured notifiers (`[[notifiers]]` in the config
//! file) and the adapters behind the engine's
//! [`Notifier`](crate::engine::Notifier) trait: a shell command
//! ([`CommandNotifier`]), an HTTP webhook ([`WebhookNotifier`], with the
//! `webhook` cargo feature), and [`Fanout`] sending through all of them.
//! It depends on `model` and the engine's ports only; it must not touch a
//! terminal or the journal: what was delivered, and what failed, is the
//! caller's to record.

mod command;
mod config;
mod fanout;
#[cfg(feature = "webhook")]
mod webhook;

pub use command::CommandNotifier;
pub use config::{CommandConfig, InvalidNotifier, NotifierConfig, WebhookConfig, WebhookFormat, validate};
pub use fanout::{BoxedNotifier, Fanout};
#[cfg(feature = "webhook")]
pub use webhook::WebhookNotifier;

/// The notifiers of a config, as one; `None` when none are configured.
///
/// Call [`validate`] first: `build` takes the list as it is. A webhook in
/// a build without the `webhook` feature becomes a notifier whose every
/// delivery fails saying so.
pub fn build(configs: &[NotifierConfig]) -> Option<Fanout> {
    if configs.is_empty() {
        return None;
    }
    Some(Fanout::new(configs.iter().map(notifier).collect()))
}

/// The notifier one config describes.
pub fn notifier(config: &NotifierConfig) -> BoxedNotifier {
    match config {
        NotifierConfig::Command(config) => Box::new(CommandNotifier::new(
            config.name.clone(),
            config.command.clone(),
            config.timeout,
        )),
        NotifierConfig::Webhook(config) => webhook(config),
    }
}

#[cfg(feature = "webhook")]
fn webhook(config: &WebhookConfig) -> BoxedNotifier {
    let notifier = config.headers.iter().fold(
        WebhookNotifier::new(
            config.name.clone(),
            config.url.clone(),
            config.format,
            config.timeout,
        ),
        |notifier, (name, value)| notifier.header(name.clone(), value.clone()),
    );
    Box::new(notifier)
}

#[cfg(not(feature = "webhook"))]
fn webhook(config: &WebhookConfig) -> BoxedNotifier {
    Box::new(unsupported::Unsupported {
        name: config.name.clone(),
    })
}

/// Whether this build can send webhooks (the `webhook` cargo feature).
pub const WEBHOOK_SUPPORT: bool = cfg!(feature = "webhook");

#[cfg(not(feature = "webhook"))]
mod unsupported {
    use crate::engine::{Notification, Notifier};

    /// A webhook in a build that cannot send one: every delivery fails,
    /// saying why.
    #[derive(Debug)]
    pub(super) struct Unsupported {
        pub(super) name: String,
    }

    impl Notifier for Unsupported {
        fn name(&self) -> &str {
            &self.name
        }

        fn send(&self, _: &Notification<'_>) -> Result<(), String> {
            Err(super::config::NO_WEBHOOK_SUPPORT.to_owned())
        }
    }
}

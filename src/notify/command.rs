//! The `command` notifier: hands a message to a shell command.
//!
//! This file owns running one notifier command: `sh -c COMMAND` in a
//! process group of its own, the message on stdin, the subject and the
//! recipients in `RUNBOOK_*` environment variables, and a timeout that kills
//! the whole group. It is an adapter, so it may start processes; it must not
//! hang past its timeout (plus the kill grace), panic, or splice any text of
//! the notification into shell source: text reaches the command only as
//! environment variables and stdin.

use std::io;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use crate::engine::{Notification, Notifier};
use crate::subprocess::{self, Ended, Limits};

/// How long the group has after SIGTERM before SIGKILL.
const GRACE: Duration = Duration::from_secs(2);

/// How much of stderr is kept: its last bytes, then its last lines.
const STDERR_KEPT: usize = 4096;
const STDERR_LINES: usize = 5;
const STDERR_SHOWN: usize = 500;

/// Delivers a notification by running a shell command.
#[derive(Debug, Clone)]
pub struct CommandNotifier {
    name: String,
    command: String,
    timeout: Duration,
}

impl CommandNotifier {
    pub fn new(name: impl Into<String>, command: impl Into<String>, timeout: Duration) -> CommandNotifier {
        CommandNotifier {
            name: name.into(),
            command: command.into(),
            timeout,
        }
    }

    /// The variables the command sees, besides the inherited environment.
    pub fn env(notification: &Notification<'_>) -> Vec<(&'static str, String)> {
        let to = &notification.to;
        vec![
            ("RUNBOOK_SUBJECT", notification.subject.clone()),
            ("RUNBOOK_INCIDENT", notification.incident.to_owned()),
            ("RUNBOOK_SEVERITY", notification.severity.to_owned()),
            (
                "RUNBOOK_DRILL",
                if notification.drill { "1" } else { "0" }.to_owned(),
            ),
            ("RUNBOOK_TO", list(to.iter().map(|contact| contact.id.as_str()))),
            (
                "RUNBOOK_TO_NAMES",
                list(to.iter().map(|contact| contact.name.as_str())),
            ),
            (
                "RUNBOOK_TO_PHONES",
                list(to.iter().map(|contact| contact.phone.as_str())),
            ),
            (
                "RUNBOOK_TO_EMAILS",
                list(to.iter().map(|contact| contact.email.as_str())),
            ),
        ]
    }

    fn deliver(&self, notification: &Notification<'_>) -> Result<(), String> {
        let child = spawn(&self.command, &Self::env(notification))
            .map_err(|error| format!("could not start sh: {error}"))?;
        let mut message = notification.message.clone();
        if !message.ends_with('\n') {
            message.push('\n');
        }
        let limits = Limits {
            timeout: self.timeout,
            grace: GRACE,
            kept: STDERR_KEPT,
        };
        let ran = subprocess::run(child, Some(message.into_bytes()), limits);
        let stderr = last_lines(&ran.stderr);
        match ran.ended {
            Ended::Exited(status) if status.success() => Ok(()),
            Ended::Exited(status) => Err(with_stderr(describe(status), &stderr)),
            Ended::Unknown => Err(with_stderr("ended with an unknown status".to_owned(), &stderr)),
            Ended::TimedOut => Err(format!(
                "timed out after {}",
                humantime::format_duration(self.timeout)
            )),
        }
    }
}

impl Notifier for CommandNotifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn send(&self, notification: &Notification<'_>) -> Result<(), String> {
        self.deliver(notification)
    }
}

/// Comma-separated, empty entries dropped. Commas inside an entry are left
/// as they are: the list is for people and simple scripts.
fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

/// The one place a notifier starts a process: the clippy rule keeping
/// `Command::new` inside adapters is lifted here and nowhere else in this
/// module.
#[allow(clippy::disallowed_methods)]
fn spawn(command: &str, env: &[(&str, String)]) -> io::Result<Child> {
    crate::subprocess::without_given_secrets(&mut Command::new("sh"))
        // `--` so that a command starting with `-` is not read as options.
        .args(["-c", "--", command])
        // A NUL cannot be passed in the environment; dropping it beats
        // failing to notify at all.
        .envs(env.iter().map(|(key, value)| (key, value.replace('\0', ""))))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
}

/// The last few non-blank lines, joined with ` | `, at most
/// [`STDERR_SHOWN`] characters.
fn last_lines(bytes: &[u8]) -> String {
    let start = bytes.len().saturating_sub(STDERR_KEPT);
    let text = String::from_utf8_lossy(&bytes[start..]);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let shown = lines[lines.len().saturating_sub(STDERR_LINES)..].join(" | ");
    let count = shown.chars().count();
    if count <= STDERR_SHOWN {
        shown
    } else {
        let cut: String = shown.chars().skip(count - STDERR_SHOWN).collect();
        format!("…{cut}")
    }
}

fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "ended with an unknown status".to_owned(),
    }
}

fn with_stderr(status: String, stderr: &str) -> String {
    if stderr.is_empty() {
        status
    } else {
        format!("{status}: {stderr}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_drop_empty_entries() {
        assert_eq!(list(["a", "", " b ", "  "].into_iter()), "a,b");
        assert_eq!(list([].into_iter()), "");
    }

    #[test]
    fn last_lines_are_kept_and_capped() {
        let text: String = (1..=9).map(|n| format!("line {n}\n")).collect();
        assert_eq!(
            last_lines(text.as_bytes()),
            "line 5 | line 6 | line 7 | line 8 | line 9"
        );
        let long = "x".repeat(3 * STDERR_SHOWN);
        let shown = last_lines(long.as_bytes());
        assert_eq!(shown.chars().count(), STDERR_SHOWN + 1);
        assert!(shown.starts_with('…'));
        assert_eq!(last_lines(b"\n\n"), "");
    }
}

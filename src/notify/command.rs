//! The `command` notifier: hands a message to a shell command.
//!
//! This file owns running one notifier command: `sh -c COMMAND` in a
//! process group of its own, the message on stdin, the subject and the
//! recipients in `RUNBOOK_*` environment variables, and a timeout that kills
//! the whole group. It is an adapter, so it may start processes; it must not
//! hang past its timeout (plus the kill grace), panic, or splice any text of
//! the notification into shell source: text reaches the command only as
//! environment variables and stdin.

use std::io::{self, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustix::process::Signal;

use crate::engine::{Notification, Notifier};
use crate::process_group::ProcessGroup;

/// How often the command is checked on while it runs.
const POLL: Duration = Duration::from_millis(10);

/// How long the group has after SIGTERM before SIGKILL.
const GRACE: Duration = Duration::from_secs(2);

/// How long to wait for the end of stderr once the command is gone: a
/// process it left in the background may hold the pipe open.
const DRAIN: Duration = Duration::from_millis(500);

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
        let mut child = spawn(&self.command, &Self::env(notification))
            .map_err(|error| format!("could not start sh: {error}"))?;
        let mut group = ProcessGroup::of(&child);
        let writer = child.stdin.take().and_then(|stdin| {
            let mut message = notification.message.clone();
            if !message.ends_with('\n') {
                message.push('\n');
            }
            start_writer(stdin, message)
        });
        let reader = child.stderr.take().and_then(start_reader);

        let deadline = Instant::now().checked_add(self.timeout);
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) => {}
                // Reaped elsewhere (a SIGCHLD handler): gone, status unknown.
                Err(_) => break None,
            }
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                stop(group, &mut child);
                finish(writer, reader);
                return Err(format!(
                    "timed out after {}",
                    humantime::format_duration(self.timeout)
                ));
            }
            thread::sleep(POLL);
        };
        // A command that ended by itself is not signalled: what it left in
        // the background (a mailer queueing the message) is its business.
        group.disarm();
        let stderr = finish(writer, reader);
        match status {
            Some(status) if status.success() => Ok(()),
            Some(status) => Err(with_stderr(describe(status), &stderr)),
            None => Err(with_stderr("ended with an unknown status".to_owned(), &stderr)),
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
    Command::new("sh")
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

/// Writes the message and closes stdin, on a thread of its own: a command
/// that never reads must not block the timeout.
fn start_writer(mut stdin: ChildStdin, message: String) -> Option<JoinHandle<()>> {
    thread::Builder::new()
        .name("notify-stdin".to_owned())
        // A command that exits without reading gives EPIPE: not our failure.
        .spawn(move || {
            let _ = stdin.write_all(message.as_bytes());
        })
        .ok()
}

/// What stderr said so far, shared with the thread reading it, so that
/// what came before a stray process kept the pipe open is not lost.
type Said = Arc<Mutex<Vec<u8>>>;

/// The stderr reader, and what it has read so far.
struct Reader {
    thread: JoinHandle<()>,
    said: Said,
}

/// Reads stderr to its end, keeping about the last [`STDERR_KEPT`] bytes.
fn start_reader(mut stderr: impl Read + Send + 'static) -> Option<Reader> {
    let said = Said::default();
    let kept = Arc::clone(&said);
    let thread = thread::Builder::new()
        .name("notify-stderr".to_owned())
        .spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                let n = match stderr.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                let mut kept = kept.lock().unwrap_or_else(PoisonError::into_inner);
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > 2 * STDERR_KEPT {
                    let extra = kept.len() - STDERR_KEPT;
                    kept.drain(..extra);
                }
            }
        })
        .ok()?;
    Some(Reader { thread, said })
}

/// Waits a little for the helper threads and returns what stderr said. A
/// thread still blocked on a pipe that some escaped process holds is left
/// to finish when that pipe closes.
fn finish(writer: Option<JoinHandle<()>>, reader: Option<Reader>) -> String {
    let Some(reader) = reader else {
        return String::new();
    };
    let until = Instant::now() + DRAIN;
    while !reader.thread.is_finished() && Instant::now() < until {
        thread::sleep(POLL);
    }
    if let Some(writer) = writer.filter(|writer| writer.is_finished()) {
        let _ = writer.join();
    }
    if reader.thread.is_finished() {
        let _ = reader.thread.join();
    }
    let said = reader.said.lock().unwrap_or_else(PoisonError::into_inner);
    last_lines(&said)
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

/// SIGTERM to the command's group, SIGKILL after [`GRACE`] if the shell or
/// anything else in the group is still alive, then reaps the shell.
fn stop(mut group: ProcessGroup, child: &mut Child) {
    // Whatever happens below, the group has been dealt with.
    group.disarm();
    group.signal(Signal::TERM);
    let kill_at = Instant::now() + GRACE;
    let mut reaped = false;
    while Instant::now() < kill_at {
        reaped = reaped || !matches!(child.try_wait(), Ok(None));
        // Once the shell is reaped, only the rest of the group is left.
        if reaped && group.is_empty() {
            return;
        }
        thread::sleep(POLL);
    }
    group.signal(Signal::KILL);
    // SIGKILL cannot be caught; the shell is gone within moments,
    // unless stuck in the kernel, which is not worth hanging for.
    let give_up = Instant::now() + DRAIN;
    while !reaped && Instant::now() < give_up {
        reaped = !matches!(child.try_wait(), Ok(None));
        thread::sleep(POLL);
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

//! A helper process run to its end or its timeout: the one loop the command
//! notifier and a mirror's `git` share.
//!
//! The caller spawns the child (`process_group(0)`, so that it leads a group
//! of its own) with whichever of stdin, stdout and stderr it wants piped;
//! [`run`] feeds stdin, reads the output on threads of their own so that
//! neither side blocks on a full pipe, and waits. Past the timeout the whole
//! group gets SIGTERM, then SIGKILL after a grace period. A child that ends
//! by itself is not signalled: what it left in the background (a mailer
//! queueing a message, an ssh control master) is its own business, and a
//! pipe such a process keeps open is waited on only briefly.
//!
//! The step executor has its own loop (`engine::shell`): it streams output
//! to the screen line by line and can be cancelled by the operator.

use std::io::{self, Read, Write};
use std::process::{Child, ChildStdin, ExitStatus};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustix::process::Signal;

use crate::process_group::ProcessGroup;

/// How often the child is checked on while it runs.
const POLL: Duration = Duration::from_millis(10);

/// How long to wait for the end of the output once the child is gone: a
/// process it left in the background may hold a pipe open.
const DRAIN: Duration = Duration::from_millis(500);

/// How long a child may run, and how it is stopped when it overstays.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// From the start until the group gets SIGTERM.
    pub(crate) timeout: Duration,
    /// From SIGTERM until SIGKILL, if anything in the group still lives.
    pub(crate) grace: Duration,
    /// How many bytes of each output stream are kept: the last ones.
    pub(crate) kept: usize,
}

/// How the child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    /// By itself, with this status.
    Exited(ExitStatus),
    /// By itself, but reaped elsewhere (a SIGCHLD handler): status unknown.
    Unknown,
    /// It overstayed its timeout and its group was stopped.
    TimedOut,
}

/// What a run left behind.
#[derive(Debug)]
pub(crate) struct Ran {
    pub(crate) ended: Ended,
    /// The last [`Limits::kept`] bytes of stdout; empty when not piped.
    pub(crate) stdout: Vec<u8>,
    /// The same of stderr.
    pub(crate) stderr: Vec<u8>,
}

/// Writes `input` to the child's stdin (then closes it) and runs the child
/// to its end or to [`Limits::timeout`]. Never blocks longer than the
/// timeout, the grace and a moment's drain, whatever the child does; an
/// unwind on the way kills the group.
pub(crate) fn run(mut child: Child, input: Option<Vec<u8>>, limits: Limits) -> Ran {
    let mut group = ProcessGroup::of(&child);
    let writer = child
        .stdin
        .take()
        .and_then(|stdin| start_writer(stdin, input.unwrap_or_default()));
    let stdout = child.stdout.take().and_then(|out| Tail::start(out, limits.kept));
    let stderr = child.stderr.take().and_then(|err| Tail::start(err, limits.kept));

    let deadline = Instant::now().checked_add(limits.timeout);
    let ended = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ended::Exited(status),
            Ok(None) => {}
            Err(_) => break Ended::Unknown,
        }
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            stop(&mut group, &mut child, limits.grace);
            break Ended::TimedOut;
        }
        thread::sleep(POLL);
    };
    // Reaped, or stopped: its group id may be anyone's now.
    group.disarm();

    let until = Instant::now() + DRAIN;
    let stdout = stdout.map(|tail| tail.finish(until)).unwrap_or_default();
    let stderr = stderr.map(|tail| tail.finish(until)).unwrap_or_default();
    if let Some(writer) = writer.filter(|writer| writer.is_finished()) {
        let _ = writer.join();
    }
    Ran {
        ended,
        stdout,
        stderr,
    }
}

/// SIGTERM to the group, SIGKILL after `grace` if the child or anything
/// else in the group is still alive, then reaps the child.
fn stop(group: &mut ProcessGroup, child: &mut Child, grace: Duration) {
    group.signal(Signal::TERM);
    let kill_at = Instant::now() + grace;
    let mut reaped = false;
    while Instant::now() < kill_at {
        reaped = reaped || !matches!(child.try_wait(), Ok(None));
        // Once the child is reaped, only the rest of the group is left.
        if reaped && group.is_empty() {
            return;
        }
        thread::sleep(POLL);
    }
    group.signal(Signal::KILL);
    // SIGKILL cannot be caught; the child is gone within moments, unless
    // stuck in the kernel, which is not worth hanging for.
    let give_up = Instant::now() + DRAIN;
    while !reaped && Instant::now() < give_up {
        reaped = !matches!(child.try_wait(), Ok(None));
        thread::sleep(POLL);
    }
}

/// Writes the input and closes stdin, on a thread of its own: a child that
/// never reads must not block the timeout.
fn start_writer(mut stdin: ChildStdin, input: Vec<u8>) -> Option<JoinHandle<()>> {
    thread::Builder::new()
        .name("child-stdin".to_owned())
        // A child that exits without reading gives EPIPE: not our failure.
        .spawn(move || {
            let _ = stdin.write_all(&input);
        })
        .ok()
}

/// A thread reading one output stream to its end, and the last bytes it
/// has read so far: shared, so that what came before a stray process kept
/// the pipe open is not lost.
struct Tail {
    thread: JoinHandle<()>,
    kept: Arc<Mutex<Vec<u8>>>,
    limit: usize,
}

impl Tail {
    fn start(mut pipe: impl Read + Send + 'static, limit: usize) -> Option<Tail> {
        let kept = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::clone(&kept);
        let thread = thread::Builder::new()
            .name("child-output".to_owned())
            .spawn(move || {
                let mut buf = [0u8; 8192];
                loop {
                    let n = match pipe.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                        Err(_) => break,
                    };
                    let mut kept = shared.lock().unwrap_or_else(PoisonError::into_inner);
                    kept.extend_from_slice(&buf[..n]);
                    // Trimmed in batches, not on every read.
                    if kept.len() > 2 * limit.max(buf.len()) {
                        let extra = kept.len() - limit;
                        kept.drain(..extra);
                    }
                }
            })
            .ok()?;
        Some(Tail { thread, kept, limit })
    }

    /// Waits until `until` at most for the end of the stream and returns
    /// its last bytes. A thread still blocked on a pipe that some escaped
    /// process holds is left to finish when that pipe closes.
    fn finish(self, until: Instant) -> Vec<u8> {
        while !self.thread.is_finished() && Instant::now() < until {
            thread::sleep(POLL);
        }
        if self.thread.is_finished() {
            let _ = self.thread.join();
        }
        let mut kept = std::mem::take(&mut *self.kept.lock().unwrap_or_else(PoisonError::into_inner));
        let extra = kept.len().saturating_sub(self.limit);
        kept.drain(..extra);
        kept
    }
}

/// Leaves the secrets given to runbook in its own environment
/// (`RUNBOOK_VAR_NAME`) out of a child's: a command that needs one gets it
/// under its own name (`NAME`), and nothing else is to inherit it.
pub(crate) fn without_given_secrets(command: &mut std::process::Command) -> &mut std::process::Command {
    for (key, _) in std::env::vars_os() {
        if key.as_encoded_bytes().starts_with(b"RUNBOOK_VAR_") {
            command.env_remove(key);
        }
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    use std::process::{Command, Stdio};

    #[allow(clippy::disallowed_methods)]
    fn sh(script: &str) -> Child {
        Command::new("sh")
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap()
    }

    const LIMITS: Limits = Limits {
        timeout: Duration::from_secs(10),
        grace: Duration::from_secs(2),
        kept: 16,
    };

    #[test]
    fn input_reaches_the_child_and_the_output_tails_are_kept() {
        let ran = run(
            sh("tr a-z A-Z; echo 0123456789abcdefXYZ >&2; exit 3"),
            Some(b"hello\n".to_vec()),
            LIMITS,
        );
        assert_eq!(ran.ended, Ended::Exited(ExitStatus::from_raw(3 << 8)));
        assert_eq!(ran.stdout, b"HELLO\n");
        // The last 16 bytes only.
        assert_eq!(ran.stderr, b"456789abcdefXYZ\n");
    }

    #[test]
    fn a_child_past_its_timeout_gets_term_then_kill_with_its_group() {
        let limits = Limits {
            timeout: Duration::from_millis(200),
            grace: Duration::from_millis(300),
            ..LIMITS
        };
        // The shell ignores TERM, and so does the sleep it leaves behind:
        // only KILL ends them, and it must reach both.
        let started = Instant::now();
        let ran = run(sh("trap '' TERM; sleep 30 & echo $! >&2; wait"), None, limits);
        assert_eq!(ran.ended, Ended::TimedOut);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        let pid: i32 = String::from_utf8_lossy(&ran.stderr).trim().parse().unwrap();
        let proc_dir = std::path::PathBuf::from(format!("/proc/{pid}"));
        let gone = || {
            crate::process_group::state_and_group(&proc_dir)
                .is_none_or(|(state, _)| matches!(state, 'Z' | 'X'))
        };
        let until = Instant::now() + Duration::from_secs(2);
        while !gone() && Instant::now() < until {
            thread::sleep(POLL);
        }
        assert!(gone(), "the background sleep {pid} outlived the stop");
    }

    #[test]
    fn a_child_that_ends_by_itself_leaves_its_background_alone_and_is_not_waited_for() {
        let started = Instant::now();
        let ran = run(sh("sleep 30 & echo $!; exit 0"), None, LIMITS);
        assert!(matches!(ran.ended, Ended::Exited(status) if status.success()));
        // The sleep holds stdout open: the run waits only a moment for it.
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        let pid: i32 = String::from_utf8_lossy(&ran.stdout).trim().parse().unwrap();
        let proc_dir = std::path::PathBuf::from(format!("/proc/{pid}"));
        assert!(
            crate::process_group::state_and_group(&proc_dir)
                .is_some_and(|(state, _)| !matches!(state, 'Z' | 'X')),
            "the background sleep was stopped"
        );
        let _ = rustix::process::kill_process(rustix::process::Pid::from_raw(pid).unwrap(), Signal::KILL);
    }
}

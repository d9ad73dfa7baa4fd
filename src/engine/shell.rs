//! The real executor: `sh -c` in its own process group.
//!
//! What it guarantees:
//! - Each command runs as `sh -c SCRIPT` with stdin from `/dev/null`, the
//!   inherited environment plus `spec.env`, and a process group of its own,
//!   so everything it starts (pipelines, `cmd &`) can be stopped together.
//! - No part of the script runs before [`Prepared::run`]: the shell is
//!   started first and waits at a [`GATE`] on its standard input, so that
//!   loading the shell and making the journal durable happen side by side.
//!   A runner that dies or drops the command instead never lets it through.
//! - On a timeout or a cancel the whole group gets SIGTERM, then SIGKILL when
//!   `spec.grace` has passed and anything is left in it. A command that ends
//!   by itself is never signalled: a process it detached and that closed
//!   its output lives on. One that still holds stdout or stderr open keeps
//!   the command running, as in `$(...)`, until the timeout kills the group.
//! - `run` never waits on a process it cannot kill: once SIGKILL is sent, or
//!   the group is empty, it waits at most [`DRAIN`] more for end of output,
//!   then returns and closes its end of the pipes on whatever still holds
//!   them (a process that left the group with `setsid`, or one stuck in
//!   the kernel).
//! - Output is handled by whole lines, so that `redact` sees a secret in one
//!   piece: a partial line waits for its newline or the end of its stream.
//! - Memory stays bounded whatever the command prints: one line is cut at
//!   [`LINE_MAX`] bytes, the captured output at [`OUTPUT_HEAD`] plus
//!   [`OUTPUT_TAIL`] bytes, and the pipes are read no faster than the
//!   caller takes the lines.
//! - If `redact` or `line` panics, the group is killed on the way out.
//!
//! Both pipes are read in the calling thread, as poll(2) finds them ready,
//! so a command costs no threads; a pidfd, where the kernel has them, says
//! when the shell can be reaped.

use std::io::{self, Write as _};
use std::os::fd::OwnedFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::io::Errno;
#[cfg(target_os = "linux")]
use rustix::process::PidfdFlags;
use rustix::process::{Pid, Signal};

use crate::process_group::{self, ProcessGroup};

use super::executor::{
    CommandOutcome, CommandSpec, Executor, IDLE_EVERY, OUTPUT_HEAD, OUTPUT_TAIL, Prepared,
};

/// How often timeout, cancel and the child are checked while output is quiet.
const POLL: Duration = Duration::from_millis(20);

/// How long to wait for end of output once nothing is left to signal.
const DRAIN: Duration = Duration::from_millis(500);

/// The longest line kept whole; the rest of it is counted and left out.
const LINE_MAX: usize = if OUTPUT_HEAD < OUTPUT_TAIL {
    OUTPUT_HEAD
} else {
    OUTPUT_TAIL
};

/// The most read from a pipe at once.
const READ_SIZE: usize = 16 * 1024;

/// The first nap while waiting to reap a shell whose output has ended, when
/// there is no pidfd to wait on; doubled each time up to [`POLL`].
const FIRST_NAP: Duration = Duration::from_micros(20);

/// How much of standard output is kept apart for `capture = "var"`.
const STDOUT_KEPT: usize = 4096;

/// What the shell runs before the script: wait for the go-ahead (a newline)
/// on standard input, the gate's pipe, leaving at once if the runner closes
/// it unopened; then take standard input from `/dev/null` as every command
/// does. A `read` that timed out (bash as `sh` honours `TMOUT`, which
/// hardened hosts set read-only) waits again. On the script's first line,
/// so that the line numbers in the shell's messages stay the script's own.
const GATE: &str = "until read -r _; do [ $? -gt 128 ] || exit 125; done; exec </dev/null; ";

/// Runs commands with `sh -c` here, and with `sh -s` through `ssh` on the
/// destination a step names (see [`Ssh`]).
#[derive(Debug, Default)]
pub struct ShellExecutor {
    ssh: Option<Ssh>,
}

impl ShellExecutor {
    /// Runs remote steps through `ssh`.
    pub fn with_ssh(ssh: Ssh) -> ShellExecutor {
        ShellExecutor { ssh: Some(ssh) }
    }

    /// Ends the ssh control masters the walk started.
    pub fn close(&self) {
        if let Some(ssh) = &self.ssh {
            ssh.close();
        }
    }

    fn ssh(&self, on: &str) -> io::Result<&Ssh> {
        self.ssh.as_ref().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::Unsupported,
                format!("commands cannot run on {on} here: this runner has no ssh"),
            )
        })
    }
}

impl Executor for ShellExecutor {
    fn prepare<'s>(&'s self, spec: &CommandSpec<'s>) -> io::Result<Box<dyn Prepared + 's>> {
        let (child, gate, remote) = match spec.on.as_deref() {
            None => {
                let (gate_out, gate) = io::pipe()?;
                (spawn(spec, gate_out)?, Gate::Local(gate), None)
            }
            Some(on) => {
                let ssh = self.ssh(on)?;
                let (mut child, log) = ssh.spawn(on)?;
                let stdin = child
                    .stdin
                    .take()
                    .ok_or_else(|| io::Error::other("ssh has no stdin"))?;
                let var = |name: &str| {
                    spec.env
                        .iter()
                        .find(|(key, _)| key == name)
                        .map(|(_, value)| value.clone())
                        .unwrap_or_default()
                };
                let remote = Remote {
                    ssh,
                    on: on.to_owned(),
                    log,
                    incident_key: var("RUNBOOK_INCIDENT_KEY"),
                    step: var("RUNBOOK_STEP"),
                };
                (
                    child,
                    Gate::Remote(stdin, remote::payload(&spec.env, spec.script)),
                    Some(remote),
                )
            }
        };
        let group = ProcessGroup::of(&child);
        Ok(Box::new(Held {
            child: Some(child),
            group,
            gate: Some(gate),
            remote,
            timeout: spec.timeout,
            grace: spec.grace,
            cancel: spec.cancel,
        }))
    }

    /// Finds the processes by the variables every command gets
    /// (`RUNBOOK_INCIDENT_KEY`, `RUNBOOK_STEP`) and stops their process groups:
    /// TERM, then KILL two seconds later; on the destination `on` over ssh.
    fn stop_leftovers(&self, incident_key: &str, step: &str, on: Option<&str>) -> Result<Vec<u32>, String> {
        match on {
            None => Ok(stop_leftovers(incident_key, step)),
            Some(on) => self
                .ssh(on)
                .map_err(|error| error.to_string())?
                .stop(on, incident_key, step, LEFTOVER_GRACE)
                .map_err(|why| why.0),
        }
    }

    fn host_name(&self) -> String {
        rustix::system::uname().nodename().to_string_lossy().into_owned()
    }

    fn preflight(&self, on: &str) -> Result<String, String> {
        self.ssh(on)
            .map_err(|error| error.to_string())?
            .preflight(on)
            .map_err(|why| why.0)
    }
}

/// How a held command is let through.
enum Gate {
    /// The write end of the local shell's standard input: a newline opens it.
    Local(io::PipeWriter),
    /// ssh's standard input, and what to send there: the remote shell
    /// runs nothing until it has read its script.
    Remote(ChildStdin, Vec<u8>),
}

/// Where a remote command runs, to stop it there.
struct Remote<'s> {
    ssh: &'s Ssh,
    on: String,
    /// ssh's own messages.
    log: PathBuf,
    incident_key: String,
    step: String,
}

impl Remote<'_> {
    /// Stops the command's process group on the remote host.
    fn stop(&self, grace: Duration) {
        let _ = self.ssh.stop(&self.on, &self.incident_key, &self.step, grace);
    }
}

/// A shell started by [`ShellExecutor::prepare`], waiting at [`GATE`] (or
/// for its script, through ssh).
struct Held<'s> {
    /// Taken by `run`; still here on drop when the script never ran.
    child: Option<Child>,
    group: ProcessGroup,
    gate: Option<Gate>,
    remote: Option<Remote<'s>>,
    timeout: Duration,
    grace: Duration,
    cancel: &'s AtomicBool,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        // Never let through: the gate closed unopened makes the shell leave
        // (should the kill not reach it), then it is killed and reaped.
        drop(self.gate.take());
        if let Some(remote) = &self.remote {
            let _ = std::fs::remove_file(&remote.log);
        }
        if let Some(mut child) = self.child.take() {
            self.group.signal(Signal::KILL);
            let _ = child.wait();
            // Reaped: its group id may be anyone's now.
            self.group.disarm();
        }
    }
}

impl Prepared for Held<'_> {
    fn run(
        mut self: Box<Self>,
        redact: &dyn Fn(&str) -> String,
        line: &mut dyn FnMut(&str),
        started: &mut dyn FnMut(),
        idle: &mut dyn FnMut(),
    ) -> io::Result<CommandOutcome> {
        if self.cancel.load(Ordering::Relaxed) {
            // Ctrl-C while the journal was synced: the script never starts.
            let start = Instant::now();
            drop(self);
            return Ok(CommandOutcome {
                exit_code: None,
                signal: None,
                duration: start.elapsed(),
                timed_out: false,
                cancelled: true,
                output: String::new(),
                output_bytes: 0,
                stdout: String::new(),
                unreachable: None,
            });
        }
        let mut child = self
            .child
            .take()
            .ok_or_else(|| io::Error::other("command already run"))?;
        match self.gate.take() {
            // A shell that already ended (a syntax error on the first
            // line) cannot read it; its exit status says what happened.
            Some(Gate::Local(mut gate)) => {
                let _ = gate.write_all(b"\n");
            }
            // On a thread: ssh takes it only as fast as the connection
            // does, and may never (a host that does not answer); the loop
            // below times that out like any command. A write that fails
            // means ssh is gone, which the loop sees.
            Some(Gate::Remote(mut stdin, payload)) => {
                thread::spawn(move || {
                    let _ = stdin.write_all(&payload);
                });
            }
            None => {}
        }
        let (timeout, grace, cancel) = (self.timeout, self.grace, self.cancel);
        let group = &mut self.group;
        let start = Instant::now();
        let deadline = start.checked_add(timeout);
        // The script runs: what the runner starts meanwhile counts against
        // its timeout, not the other way round.
        started();

        let mut pipes = [
            child.stdout.take().map(|out| Pipe::new(out.into(), true)),
            child.stderr.take().map(|err| Pipe::new(err.into(), false)),
        ];
        // Readable once the shell has exited, so that it is reaped the
        // moment it can be; without one the loop naps and checks.
        let mut exit_fd = exit_fd(&child);

        let mut capture = Capture::default();
        let mut buf = [0u8; READ_SIZE];
        let mut status: Option<ExitStatus> = None;
        let mut exited = false;
        let mut timed_out = false;
        let mut cancelled = false;
        let mut phase = Phase::Running;
        let mut nap = FIRST_NAP;
        let mut next_check = start;
        let mut next_idle = start + IDLE_EVERY;

        loop {
            let now = Instant::now();
            let wait = phase
                .limit(deadline)
                .map_or(POLL, |limit| limit.saturating_duration_since(now).min(POLL));
            let watch_exit = exit_fd.as_ref().filter(|_| !exited);
            // Output read in this round, and news that calls for a look at
            // the shell: a stream ended, or it exited.
            let mut output = false;
            let mut news = false;
            let mut exit_ready = false;
            if pipes.iter().any(Option::is_some) || watch_exit.is_some() {
                let ready = wait_ready(&pipes, watch_exit, wait);
                for (pipe, ready) in pipes.iter_mut().zip(ready.pipes) {
                    let Some(open) = pipe.as_mut().filter(|_| ready) else {
                        continue;
                    };
                    match open.read(&mut buf, |chunk| capture.take(chunk, redact, line)) {
                        Progress::Data => output = true,
                        Progress::Nothing => {}
                        Progress::Ended => {
                            *pipe = None;
                            news = true;
                        }
                    }
                }
                if ready.exited {
                    exit_ready = true;
                    news = true;
                }
                // While output pours in, look at the rest only every POLL.
                if output && !news && Instant::now() < next_check {
                    continue;
                }
            } else {
                // Nothing to wait on. Output closes a moment before the
                // shell can be reaped, so without a pidfd check back soon,
                // then settle to the poll interval.
                thread::sleep(nap.min(wait));
                nap = (nap * 2).min(POLL);
            }
            let streams_open = pipes.iter().any(Option::is_some);
            if !exited {
                match child.try_wait() {
                    Ok(None) => {
                        if exit_ready {
                            // Not a sign of exit after all: nap instead of
                            // spinning on it.
                            exit_fd = None;
                        }
                    }
                    Ok(Some(done)) => {
                        status = Some(done);
                        exited = true;
                    }
                    // Reaped elsewhere (a global SIGCHLD handler): gone, status unknown.
                    Err(_) => exited = true,
                }
            }

            let now = Instant::now();
            next_check = now + POLL;
            if now >= next_idle {
                next_idle = now + IDLE_EVERY;
                idle();
            }
            if let Phase::Running = phase {
                if exited && !streams_open {
                    break;
                }
                if cancel.load(Ordering::Relaxed) {
                    cancelled = true;
                } else if deadline.is_some_and(|deadline| now >= deadline) {
                    timed_out = true;
                }
                if cancelled || timed_out {
                    if let Some(remote) = &self.remote {
                        // There first: the local ssh gone, the remote
                        // command would run on.
                        remote.stop(grace);
                    }
                    group.signal(Signal::TERM);
                    phase = Phase::Terminating {
                        kill_at: now.checked_add(grace),
                    };
                }
            }
            if let Phase::Terminating { kill_at } = phase {
                if exited && group.is_empty() {
                    phase = Phase::Draining { until: now + DRAIN };
                } else if kill_at.is_some_and(|kill_at| now >= kill_at) {
                    group.signal(Signal::KILL);
                    phase = Phase::Draining { until: now + DRAIN };
                }
            }
            if let Phase::Draining { until } = phase
                && ((exited && !streams_open) || now >= until)
            {
                break;
            }
        }
        group.disarm();
        // A pipe still open is held by some escaped process; closing this
        // end leaves it a broken pipe, and its partial line is dropped.
        drop(pipes);

        let exit_code = status.and_then(|status| status.code());
        // ssh exits 255 on its own failures, and says why in its log.
        // A command stopped here (timeout, Ctrl-C) makes ssh exit 255 too:
        // that is the command's end, not a connection that failed.
        let unreachable = self.remote.as_ref().and_then(|remote| {
            let said = remote::take_log(&remote.log);
            (exit_code == Some(255) && !timed_out && !cancelled && !said.trim().is_empty())
                .then(|| remote.ssh.explain(&remote.on, &said))
        });
        Ok(CommandOutcome {
            exit_code,
            signal: status.and_then(|status| status.signal()),
            duration: start.elapsed(),
            timed_out,
            cancelled,
            output_bytes: capture.bytes,
            stdout: std::mem::take(&mut capture.stdout),
            output: capture.finish(),
            unreachable,
        })
    }
}

/// How long what a dead runner left has between TERM and KILL, here and
/// on a remote host.
const LEFTOVER_GRACE: Duration = Duration::from_secs(2);

/// See [`Executor::stop_leftovers`].
fn stop_leftovers(incident_key: &str, step: &str) -> Vec<u32> {
    let wanted = [
        format!("RUNBOOK_INCIDENT_KEY={incident_key}"),
        format!("RUNBOOK_STEP={step}"),
    ];
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut pids = Vec::new();
    let mut groups = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        let vars: Vec<&[u8]> = environ.split(|&b| b == 0).collect();
        if !wanted.iter().all(|want| vars.contains(&want.as_bytes())) {
            continue;
        }
        let group = process_group::state_and_group(&entry.path()).map(|(_, group)| group);
        pids.push(pid);
        if let Some(group) = group.and_then(Pid::from_raw)
            && !groups.contains(&group)
        {
            groups.push(group);
        }
    }
    for group in &groups {
        let _ = rustix::process::kill_process_group(*group, Signal::TERM);
    }
    let deadline = Instant::now() + LEFTOVER_GRACE;
    while Instant::now() < deadline
        && groups
            .iter()
            .any(|group| rustix::process::test_kill_process_group(*group).is_ok())
    {
        thread::sleep(Duration::from_millis(50));
    }
    for group in &groups {
        let _ = rustix::process::kill_process_group(*group, Signal::KILL);
    }
    pids
}

/// This module is the adapter that `clippy.toml` sends every other caller of
/// `Command::new` to, so the lint is lifted here and nowhere else.
#[allow(clippy::disallowed_methods)]
fn spawn(spec: &CommandSpec<'_>, gate: io::PipeReader) -> io::Result<Child> {
    // A PATH of the command's own means looking `sh` up in it.
    let own_path = spec.env.iter().any(|(key, _)| key == "PATH");
    let mut command = Command::new(if own_path {
        std::path::Path::new("sh")
    } else {
        shell()
    });
    crate::subprocess::without_given_secrets(&mut command)
        // `--` so that a script starting with `-` is not read as options.
        .args(["-c", "--", &format!("{GATE}{}", spec.script)])
        .envs(spec.env.iter().map(|(key, value)| (key, value)))
        .stdin(gate)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
}

/// `sh` as found on this process's PATH, looked up once: the child then
/// execs it directly instead of trying every PATH entry for every command.
/// Commands cannot change PATH (it is a reserved variable name).
fn shell() -> &'static std::path::Path {
    static SHELL: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    SHELL.get_or_init(|| {
        use std::os::unix::fs::PermissionsExt;
        std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .map(|dir| dir.join("sh"))
            .find(|path| {
                path.metadata()
                    .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            })
            .unwrap_or_else(|| std::path::PathBuf::from("sh"))
    })
}

/// A pidfd for the shell: readable once it has exited.
#[cfg(target_os = "linux")]
fn exit_fd(child: &Child) -> Option<OwnedFd> {
    rustix::process::pidfd_open(Pid::from_child(child), PidfdFlags::empty()).ok()
}

#[cfg(not(target_os = "linux"))]
fn exit_fd(_child: &Child) -> Option<OwnedFd> {
    None
}

/// Which of the pipes have something to read (or have ended), and whether
/// the shell has exited.
#[derive(Debug)]
struct Ready {
    pipes: [bool; 2],
    exited: bool,
}

/// Waits at most `wait` for the open `pipes` to have something to read, or
/// for `exit` to say the shell has exited.
fn wait_ready(pipes: &[Option<Pipe>; 2], exit: Option<&OwnedFd>, wait: Duration) -> Ready {
    let mut fds = Vec::with_capacity(3);
    for pipe in pipes.iter().flatten() {
        fds.push(PollFd::new(&pipe.fd, PollFlags::IN));
    }
    if let Some(exit) = exit {
        fds.push(PollFd::new(exit, PollFlags::IN));
    }
    // `wait` is at most POLL, so it always converts.
    let timeout = Timespec::try_from(wait).unwrap_or(Timespec {
        tv_sec: 0,
        tv_nsec: 1_000_000,
    });
    let mut ready = Ready {
        pipes: [false; 2],
        exited: false,
    };
    match poll(&mut fds, Some(&timeout)) {
        Ok(_) => {}
        Err(Errno::INTR) => return ready,
        Err(_) => {
            // Cannot wait on them: look at everything now and then (the
            // pipes do not block).
            thread::sleep(wait.min(Duration::from_millis(1)));
            for (ready, pipe) in ready.pipes.iter_mut().zip(pipes) {
                *ready = pipe.is_some();
            }
            ready.exited = exit.is_some();
            return ready;
        }
    }
    let mut events = fds.iter().map(|fd| !fd.revents().is_empty());
    for (ready, pipe) in ready.pipes.iter_mut().zip(pipes) {
        if pipe.is_some() {
            *ready = events.next().unwrap_or(false);
        }
    }
    ready.exited = exit.is_some() && events.next().unwrap_or(false);
    ready
}

/// Where the supervision loop is.
#[derive(Debug, Clone, Copy)]
enum Phase {
    Running,
    /// SIGTERM sent; SIGKILL due at `kill_at` (never, if the grace overflows).
    Terminating {
        kill_at: Option<Instant>,
    },
    /// Nothing left to signal; waiting for end of output until `until`.
    Draining {
        until: Instant,
    },
}

impl Phase {
    /// The next instant at which something has to happen, if any.
    fn limit(self, deadline: Option<Instant>) -> Option<Instant> {
        match self {
            Phase::Running => deadline,
            Phase::Terminating { kill_at } => kill_at,
            Phase::Draining { until } => Some(until),
        }
    }
}

mod capture;
pub mod remote;
use capture::{Capture, Pipe, Progress};
use remote::Ssh;
#[cfg(test)]
mod tests;

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

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::mem;
use std::os::fd::OwnedFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::io::Errno;
#[cfg(target_os = "linux")]
use rustix::process::PidfdFlags;
use rustix::process::{Pid, Signal};

use crate::process_group::{self, ProcessGroup};

use super::executor::{CommandOutcome, CommandSpec, Executor, OUTPUT_HEAD, OUTPUT_TAIL, Prepared};

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

/// Runs commands with `sh -c`.
#[derive(Debug, Default)]
pub struct ShellExecutor;

impl Executor for ShellExecutor {
    fn prepare<'s>(&'s self, spec: &CommandSpec<'s>) -> io::Result<Box<dyn Prepared + 's>> {
        let (gate_out, gate) = io::pipe()?;
        let child = spawn(spec, gate_out)?;
        let group = ProcessGroup::of(&child);
        Ok(Box::new(Held {
            child: Some(child),
            group,
            gate: Some(gate),
            timeout: spec.timeout,
            grace: spec.grace,
            cancel: spec.cancel,
        }))
    }

    /// Finds the processes by the variables every command gets
    /// (`RUNBOOK_INCIDENT_KEY`, `RUNBOOK_STEP`) and stops their process groups:
    /// TERM, then KILL after two seconds.
    fn stop_leftovers(&self, incident_key: &str, step: &str) -> Vec<u32> {
        stop_leftovers(incident_key, step)
    }
}

/// A shell started by [`ShellExecutor::prepare`], waiting at [`GATE`].
struct Held<'s> {
    /// Taken by `run`; still here on drop when the script never ran.
    child: Option<Child>,
    group: ProcessGroup,
    /// The write end of the shell's standard input.
    gate: Option<io::PipeWriter>,
    timeout: Duration,
    grace: Duration,
    cancel: &'s AtomicBool,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        // Never let through: the gate closed unopened makes the shell leave
        // (should the kill not reach it), then it is killed and reaped.
        drop(self.gate.take());
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
            });
        }
        let mut child = self
            .child
            .take()
            .ok_or_else(|| io::Error::other("command already run"))?;
        if let Some(mut gate) = self.gate.take() {
            // A shell that already ended (a syntax error on the first
            // line) cannot read it; its exit status says what happened.
            let _ = gate.write_all(b"\n");
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

        Ok(CommandOutcome {
            exit_code: status.and_then(|status| status.code()),
            signal: status.and_then(|status| status.signal()),
            duration: start.elapsed(),
            timed_out,
            cancelled,
            output_bytes: capture.bytes,
            stdout: std::mem::take(&mut capture.stdout),
            output: capture.finish(),
        })
    }
}

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
    let deadline = Instant::now() + Duration::from_secs(2);
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
    Command::new(if own_path {
        std::path::Path::new("sh")
    } else {
        shell()
    })
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

/// One line as read from a pipe, before decoding.
#[derive(Debug, Default)]
struct Chunk {
    /// At most [`LINE_MAX`] bytes, without the newline.
    bytes: Vec<u8>,
    /// Ended by a newline (only the last line of a stream may not be).
    terminated: bool,
    /// Bytes of this line past [`LINE_MAX`], not kept.
    dropped: u64,
    /// Bytes the command wrote for this line, newline included.
    written: u64,
    /// Read from standard output (not standard error).
    stdout: bool,
}

impl Chunk {
    fn new(stdout: bool) -> Self {
        Chunk {
            stdout,
            ..Chunk::default()
        }
    }

    fn append(&mut self, body: &[u8]) {
        let kept = body.len().min(LINE_MAX.saturating_sub(self.bytes.len()));
        self.bytes.extend_from_slice(&body[..kept]);
        self.dropped += (body.len() - kept) as u64;
    }

    /// Cuts a line that was shortened back to a whole UTF-8 character.
    fn finish(mut self) -> Self {
        if self.dropped > 0 {
            let partial = incomplete_tail(&self.bytes);
            self.bytes.truncate(self.bytes.len() - partial);
            self.dropped += partial as u64;
        }
        self
    }
}

/// One of the command's output streams, split into lines as it is read.
#[derive(Debug)]
struct Pipe {
    fd: OwnedFd,
    /// The line being read.
    chunk: Chunk,
}

/// What one read of a [`Pipe`] gave.
#[derive(Debug, Clone, Copy)]
enum Progress {
    Data,
    Nothing,
    Ended,
}

impl Pipe {
    fn new(fd: OwnedFd, stdout: bool) -> Self {
        // Reads follow poll(2) saying there is something to read; should
        // there be nothing after all, they must not block.
        let _ = rustix::io::ioctl_fionbio(&fd, true);
        Pipe {
            fd,
            chunk: Chunk::new(stdout),
        }
    }

    /// Reads once, handing `take` each line that completes, and at the end
    /// of the stream the last line if it has no newline.
    fn read(&mut self, buf: &mut [u8], mut take: impl FnMut(Chunk)) -> Progress {
        match rustix::io::read(&self.fd, &mut *buf) {
            Ok(0) => {}
            Ok(n) => {
                for piece in buf[..n].split_inclusive(|&b| b == b'\n') {
                    self.chunk.written += piece.len() as u64;
                    match piece.split_last() {
                        Some((b'\n', body)) => {
                            self.chunk.append(body);
                            self.chunk.terminated = true;
                            take(self.next_line());
                        }
                        _ => self.chunk.append(piece),
                    }
                }
                return Progress::Data;
            }
            Err(Errno::AGAIN | Errno::INTR) => return Progress::Nothing,
            // Nothing useful to do with a read error but stop reading.
            Err(_) => {}
        }
        if self.chunk.written > 0 {
            take(self.next_line());
        }
        Progress::Ended
    }

    /// The line read so far, replaced by an empty one.
    fn next_line(&mut self) -> Chunk {
        let stdout = self.chunk.stdout;
        mem::replace(&mut self.chunk, Chunk::new(stdout)).finish()
    }
}

/// Length of an incomplete UTF-8 sequence at the end of `bytes`.
fn incomplete_tail(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(4) {
        let byte = bytes[bytes.len() - back];
        if byte & 0xC0 != 0x80 {
            let needs = match byte {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF7 => 4,
                _ => 1,
            };
            return if needs > back { back } else { 0 };
        }
    }
    0
}

/// The output kept: the first [`OUTPUT_HEAD`] bytes and the last
/// [`OUTPUT_TAIL`], cut between lines where a line fits.
#[derive(Debug, Default)]
struct Capture {
    head: String,
    /// Set once a piece did not fit: from then on everything goes to the tail.
    head_full: bool,
    tail: VecDeque<String>,
    tail_len: usize,
    left_out: u64,
    /// The last piece kept has no newline yet.
    unterminated: bool,
    /// Bytes the command wrote in all.
    bytes: u64,
    /// The start of standard output alone, for `capture`.
    stdout: String,
}

impl Capture {
    fn take(&mut self, chunk: Chunk, redact: &dyn Fn(&str) -> String, line: &mut dyn FnMut(&str)) {
        self.bytes += chunk.written;
        let mut text = redact(&String::from_utf8_lossy(&chunk.bytes));
        if chunk.dropped > 0 {
            let _ = write!(text, " [... {} bytes left out ...]", chunk.dropped);
        }
        line(&text);
        if chunk.stdout && self.stdout.len() < STDOUT_KEPT {
            let room = STDOUT_KEPT - self.stdout.len();
            let cut = floor_boundary(&text, room);
            self.stdout.push_str(&text[..cut]);
            if chunk.terminated && cut == text.len() {
                self.stdout.push('\n');
            }
        }
        // A stream's unterminated last line is ended when the other stream
        // says more, so that the two never run together.
        if self.unterminated {
            self.push("\n".to_owned());
        }
        self.unterminated = !chunk.terminated;
        if chunk.terminated {
            text.push('\n');
        }
        self.push(text);
    }

    fn push(&mut self, mut piece: String) {
        if !self.head_full {
            if self.head.len() + piece.len() <= OUTPUT_HEAD {
                self.head.push_str(&piece);
                return;
            }
            self.head_full = true;
            if self.head.is_empty() {
                // The first line alone is longer than the head.
                let cut = floor_boundary(&piece, OUTPUT_HEAD);
                self.head.push_str(&piece[..cut]);
                piece.drain(..cut);
            }
        }
        self.tail_len += piece.len();
        self.tail.push_back(piece);
        while self.tail_len > OUTPUT_TAIL && self.tail.len() > 1 {
            if let Some(old) = self.tail.pop_front() {
                self.tail_len -= old.len();
                self.left_out += old.len() as u64;
            }
        }
        if self.tail_len > OUTPUT_TAIL
            && let Some(only) = self.tail.front_mut()
        {
            let cut = ceil_boundary(only, only.len() - OUTPUT_TAIL);
            only.drain(..cut);
            self.tail_len -= cut;
            self.left_out += cut as u64;
        }
    }

    fn finish(self) -> String {
        let mut output = self.head;
        if self.left_out > 0 {
            if !output.is_empty() && !output.ends_with('\n') {
                output.push('\n');
            }
            let _ = writeln!(output, "[... {} bytes left out ...]", self.left_out);
        }
        output.extend(self.tail);
        output
    }
}

fn floor_boundary(s: &str, index: usize) -> usize {
    let mut index = index.min(s.len());
    while !s.is_char_boundary(index) {
        index -= 1;
    }
    index
}

fn ceil_boundary(s: &str, index: usize) -> usize {
    let mut index = index.min(s.len());
    while !s.is_char_boundary(index) {
        index += 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use super::*;

    static NEVER: AtomicBool = AtomicBool::new(false);

    fn spec(script: &str) -> CommandSpec<'_> {
        CommandSpec {
            script,
            env: Vec::new(),
            timeout: Duration::from_secs(10),
            grace: Duration::from_secs(1),
            cancel: &NEVER,
        }
    }

    /// Runs `spec` without redaction; returns the outcome and the lines shown.
    fn run(spec: &CommandSpec<'_>) -> (CommandOutcome, Vec<String>) {
        let mut lines = Vec::new();
        let outcome = ShellExecutor
            .run(spec, &|text| text.to_owned(), &mut |text| {
                lines.push(text.to_owned())
            })
            .expect("sh starts");
        (outcome, lines)
    }

    /// Gone, or a zombie waiting for whichever init adopted it.
    fn is_dead(pid: i32) -> bool {
        let Some(pid) = Pid::from_raw(pid) else {
            return true;
        };
        if rustix::process::test_kill_process(pid).is_err() {
            return true;
        }
        std::fs::read_to_string(format!("/proc/{}/stat", pid.as_raw_nonzero())).is_ok_and(|stat| {
            stat.rsplit(')')
                .next()
                .is_some_and(|rest| rest.trim_start().starts_with('Z'))
        })
    }

    fn becomes_dead(pid: i32) -> bool {
        let give_up = Instant::now() + Duration::from_secs(2);
        while Instant::now() < give_up {
            if is_dead(pid) {
                return true;
            }
            thread::sleep(Duration::from_millis(10));
        }
        false
    }

    fn first_pid(lines: &[String]) -> i32 {
        lines
            .first()
            .and_then(|line| line.trim().parse().ok())
            .expect("the script echoes $! first")
    }

    /// A spec whose script may use `$DIR`, a new temporary directory.
    fn spec_in<'s>(script: &'s str, dir: &tempfile::TempDir) -> CommandSpec<'s> {
        let mut spec = spec(script);
        spec.env.push(("DIR".into(), dir.path().display().to_string()));
        spec
    }

    /// Prepares `spec` (which touches `$DIR/ran`), waits `hold`, checks
    /// that nothing ran, then runs it and checks that it did.
    fn held_until_run(spec: &CommandSpec<'_>, dir: &tempfile::TempDir, hold: Duration) {
        let prepared = ShellExecutor.prepare(spec).unwrap();
        thread::sleep(hold);
        assert!(!dir.path().join("ran").exists(), "ran before the gate opened");
        let outcome = prepared
            .run(&|text| text.to_owned(), &mut |_| {}, &mut || {})
            .unwrap();
        assert_eq!(outcome.exit_code, Some(0), "{}", outcome.output);
        assert!(dir.path().join("ran").exists());
    }

    #[test]
    fn nothing_of_the_script_runs_before_the_gate_opens() {
        let dir = tempfile::tempdir().unwrap();
        held_until_run(
            &spec_in("touch \"$DIR/ran\"", &dir),
            &dir,
            Duration::from_millis(300),
        );
    }

    #[test]
    fn the_runner_hears_once_that_the_script_runs_before_any_output() {
        let spec = spec("echo one; echo two");
        let heard = std::cell::RefCell::new(Vec::new());
        let outcome = ShellExecutor
            .prepare(&spec)
            .unwrap()
            .run(
                &|text| text.to_owned(),
                &mut |line| heard.borrow_mut().push(line.to_owned()),
                &mut || heard.borrow_mut().push("started".to_owned()),
            )
            .unwrap();
        assert_eq!(outcome.exit_code, Some(0), "{}", outcome.output);
        assert_eq!(*heard.borrow(), ["started", "one", "two"]);
    }

    #[test]
    fn a_command_dropped_at_the_gate_never_runs_and_is_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let mut spec = spec_in("touch \"$DIR/ran\"", &dir);
        let key = format!("gate-{}", std::process::id());
        spec.env.push(("RUNBOOK_INCIDENT_KEY".into(), key.clone()));
        spec.env.push(("RUNBOOK_STEP".into(), "held".into()));
        let prepared = ShellExecutor.prepare(&spec).unwrap();
        thread::sleep(Duration::from_millis(100));
        drop(prepared);
        thread::sleep(Duration::from_millis(200));
        assert!(!dir.path().join("ran").exists(), "a dropped command ran");
        assert_eq!(
            stop_leftovers(&key, "held"),
            Vec::<u32>::new(),
            "its shell lives on"
        );
    }

    #[test]
    fn a_command_cancelled_at_the_gate_never_runs() {
        let dir = tempfile::tempdir().unwrap();
        let cancel = AtomicBool::new(false);
        let mut spec = spec_in("touch \"$DIR/ran\"", &dir);
        spec.cancel = &cancel;
        let prepared = ShellExecutor.prepare(&spec).unwrap();
        cancel.store(true, Ordering::SeqCst);
        let outcome = prepared
            .run(&|text| text.to_owned(), &mut |_| {}, &mut || {})
            .unwrap();
        assert!(outcome.cancelled && outcome.exit_code.is_none(), "{outcome:?}");
        thread::sleep(Duration::from_millis(200));
        assert!(!dir.path().join("ran").exists(), "a cancelled command ran");
    }

    #[test]
    fn a_read_timeout_at_the_gate_waits_again() {
        // bash as `sh` (as on RHEL) honours TMOUT in `read`: the script
        // still runs once the gate opens, not before and not never.
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::os::unix::fs::symlink("/bin/bash", bin.join("sh")).unwrap();
        let mut spec = spec_in("touch \"$DIR/ran\"", &dir);
        spec.env
            .push(("PATH".into(), format!("{}:/usr/bin:/bin", bin.display())));
        spec.env.push(("TMOUT".into(), "1".into()));
        held_until_run(&spec, &dir, Duration::from_millis(1500));
    }

    #[test]
    fn past_the_gate_stdin_is_dev_null_and_line_numbers_are_the_scripts() {
        let (outcome, _) = run(&spec("cat; readlink /proc/$$/fd/0\nno-such-command-here"));
        let lines: Vec<&str> = outcome.output.lines().collect();
        assert_eq!(lines[0], "/dev/null", "{}", outcome.output);
        // dash: "sh: 2: no-such-command-here: not found"; bash: "line 2: ...".
        assert!(
            lines[1].contains("2: no-such-command-here") || lines[1].contains("line 2"),
            "{}",
            outcome.output
        );
        assert_eq!(outcome.exit_code, Some(127));
    }

    #[test]
    fn exit_codes_are_reported() {
        let (ok, _) = run(&spec("true"));
        assert_eq!((ok.exit_code, ok.signal), (Some(0), None));
        assert!(ok.succeeded());
        let (failed, _) = run(&spec("exit 3"));
        assert_eq!((failed.exit_code, failed.signal), (Some(3), None));
        assert!(!failed.succeeded() && !failed.timed_out && !failed.cancelled);
    }

    #[test]
    fn stdout_and_stderr_are_interleaved_by_line_in_order() {
        let script = "echo one; sleep 0.05; echo two >&2; sleep 0.05; echo three; echo four";
        let (outcome, lines) = run(&spec(script));
        assert_eq!(outcome.output, "one\ntwo\nthree\nfour\n");
        assert_eq!(lines, ["one", "two", "three", "four"]);
        assert_eq!(outcome.output_bytes, 19);
    }

    #[test]
    fn a_last_line_without_newline_is_kept() {
        let (outcome, lines) = run(&spec("printf 'a\\nb'"));
        assert_eq!(outcome.output, "a\nb");
        assert_eq!(lines, ["a", "b"]);
        let (outcome, _) = run(&spec("printf out; exec >&-; sleep 0.05; printf err >&2"));
        assert_eq!(outcome.output, "out\nerr");
        assert_eq!(outcome.output_bytes, 6);
    }

    #[test]
    fn env_reaches_the_command() {
        let mut spec = spec("printf %s \"$SERVICE\"");
        spec.env.push(("SERVICE".into(), "payments-api".into()));
        assert_eq!(run(&spec).0.output, "payments-api");
    }

    #[test]
    fn env_values_are_never_evaluated() {
        let dir = tempfile::tempdir().expect("temp dir");
        let canary = dir.path().join("CANARY");
        let absolute = canary.display().to_string();
        let values = [
            "x; touch CANARY".to_owned(),
            "$(touch CANARY)".to_owned(),
            "`touch CANARY`".to_owned(),
            "x\ntouch CANARY".to_owned(),
            "x' ; touch CANARY; echo '".to_owned(),
            "x\" ; touch CANARY; echo \"".to_owned(),
            "x && touch CANARY || touch CANARY".to_owned(),
            format!("$(touch {absolute})"),
            format!("; touch {absolute} #"),
            "-e x".to_owned(),
        ];
        for value in values {
            let mut spec = spec_in("cd \"$DIR\" && printf '%s' \"$V\"", &dir);
            spec.env.push(("V".into(), value.clone()));
            let (outcome, _) = run(&spec);
            assert_eq!(outcome.exit_code, Some(0), "{value:?}");
            assert_eq!(outcome.output, value);
            assert!(!canary.exists(), "{value:?} ran a command");
        }
    }

    #[test]
    fn a_failure_to_start_is_an_error() {
        let mut spec = spec("true");
        spec.env.push(("PATH".into(), "/nonexistent".into()));
        let result = ShellExecutor.run(&spec, &|text| text.to_owned(), &mut |_| {});
        assert!(result.is_err(), "{result:?}");
    }

    #[test]
    fn a_script_starting_with_a_dash_is_not_an_option() {
        let (outcome, _) = run(&spec("-c"));
        assert_eq!(outcome.exit_code, Some(127));
    }

    #[test]
    fn timeout_stops_the_command() {
        let mut spec = spec("sleep 30");
        spec.timeout = Duration::from_millis(200);
        let start = Instant::now();
        let (outcome, _) = run(&spec);
        assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
        assert!(outcome.timed_out && !outcome.cancelled);
        assert_eq!((outcome.exit_code, outcome.signal), (None, Some(15)));
        assert!(outcome.duration >= Duration::from_millis(200));
    }

    #[test]
    fn timeout_kills_background_grandchildren() {
        let mut spec = spec("sleep 30 & echo $!; sleep 30");
        spec.timeout = Duration::from_millis(300);
        let start = Instant::now();
        let (outcome, lines) = run(&spec);
        assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
        assert!(outcome.timed_out);
        assert!(becomes_dead(first_pid(&lines)));
    }

    #[test]
    fn a_grandchild_holding_the_output_is_killed_after_the_shell_exits() {
        let mut spec = spec("sleep 30 & echo $!");
        spec.timeout = Duration::from_millis(300);
        let start = Instant::now();
        let (outcome, lines) = run(&spec);
        assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
        assert!(outcome.timed_out);
        assert_eq!(outcome.exit_code, Some(0));
        assert!(becomes_dead(first_pid(&lines)));
    }

    #[test]
    fn sigterm_ignored_gets_sigkill_after_grace() {
        let mut spec = spec("trap '' TERM; sleep 30 & echo $!; sleep 30");
        spec.timeout = Duration::from_millis(200);
        spec.grace = Duration::from_millis(300);
        let start = Instant::now();
        let (outcome, lines) = run(&spec);
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(500), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
        assert!(outcome.timed_out);
        assert_eq!(outcome.signal, Some(9));
        assert!(becomes_dead(first_pid(&lines)));
    }

    #[test]
    fn background_processes_get_their_grace_after_sigterm() {
        let dir = tempfile::tempdir().expect("temp dir");
        let done = dir.path().join("cleaned-up");
        let mut spec = spec(
            "sh -c 'trap \"touch \\\"$DONE\\\"; exit\" TERM; while :; do sleep 0.05; done' \
             >/dev/null 2>&1 & sleep 30",
        );
        spec.env.push(("DONE".into(), done.display().to_string()));
        spec.timeout = Duration::from_millis(200);
        spec.grace = Duration::from_secs(2);
        let start = Instant::now();
        let (outcome, _) = run(&spec);
        assert!(outcome.timed_out);
        assert!(done.exists(), "the background cleanup was cut short");
        assert!(start.elapsed() < Duration::from_secs(1), "{:?}", start.elapsed());
    }

    #[test]
    fn a_process_outside_the_group_holding_the_output_does_not_hang_the_call() {
        let mut spec = spec("setsid sleep 3 & echo started");
        spec.timeout = Duration::from_millis(200);
        spec.grace = Duration::from_millis(100);
        let start = Instant::now();
        let (outcome, lines) = run(&spec);
        assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
        assert!(outcome.timed_out);
        assert_eq!(lines, ["started"]);
    }

    #[test]
    fn cancel_from_another_thread_stops_the_command() {
        let cancel = AtomicBool::new(false);
        let mut spec = spec("sleep 30");
        spec.cancel = &cancel;
        let start = Instant::now();
        let outcome = thread::scope(|scope| {
            scope.spawn(|| {
                thread::sleep(Duration::from_millis(200));
                cancel.store(true, Ordering::Relaxed);
            });
            run(&spec).0
        });
        assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
        assert!(outcome.cancelled && !outcome.timed_out && !outcome.succeeded());
        assert!(outcome.signal.is_some());
    }

    #[test]
    fn a_panicking_callback_kills_the_group() {
        let mut pid = None;
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ShellExecutor.run(&spec("echo $$; sleep 30"), &|text| text.to_owned(), &mut |text| {
                pid = text.parse::<i32>().ok();
                panic!("display failed");
            })
        }));
        assert!(result.is_err());
        assert!(becomes_dead(pid.expect("the shell's pid was shown")));
    }

    #[test]
    fn large_output_keeps_head_and_tail() {
        let (outcome, lines) = run(&spec("seq 1 200000"));
        let written: usize = (1..=200_000).map(|n: u32| n.to_string().len() + 1).sum();
        assert_eq!(outcome.output_bytes, written as u64);
        assert_eq!(lines.len(), 200_000);
        let output = &outcome.output;
        assert!(output.starts_with("1\n2\n3\n"));
        assert!(output.ends_with("199999\n200000\n"));
        assert!(output.len() <= OUTPUT_HEAD + OUTPUT_TAIL + 64, "{}", output.len());
        let marker = output
            .lines()
            .find(|line| line.contains("left out"))
            .expect("marker");
        let left_out: usize = marker
            .strip_prefix("[... ")
            .and_then(|rest| rest.strip_suffix(" bytes left out ...]"))
            .and_then(|n| n.parse().ok())
            .expect("marker format");
        assert_eq!(left_out, written - (output.len() - marker.len() - 1));
        // Cut between lines: every kept line is a whole number.
        assert!(
            output
                .lines()
                .filter(|line| *line != marker)
                .all(|line| line.parse::<u32>().is_ok())
        );
    }

    #[test]
    fn a_huge_line_is_cut_and_counted() {
        let (outcome, lines) = run(&spec("head -c 3000000 /dev/zero | tr '\\0' a; echo; echo end"));
        assert_eq!(outcome.output_bytes, 3_000_001 + 4);
        let left_out = 3_000_000 - LINE_MAX;
        let expected = format!("{} [... {left_out} bytes left out ...]", "a".repeat(LINE_MAX));
        assert_eq!(lines, [expected.as_str(), "end"]);
        assert_eq!(outcome.output, format!("{expected}\nend\n"));
    }

    #[test]
    fn cutting_a_line_keeps_characters_whole() {
        // 60,000 bytes of a three-byte character: LINE_MAX falls inside one.
        let (outcome, _) = run(&spec("yes € | head -n 20000 | tr -d '\\n'"));
        assert_eq!(outcome.output_bytes, 60_000);
        assert!(!outcome.output.contains('\u{FFFD}'));
        let kept = LINE_MAX / 3;
        assert!(outcome.output.starts_with(&"€".repeat(kept)));
        assert!(
            outcome
                .output
                .ends_with(&format!(" [... {} bytes left out ...]", 60_000 - kept * 3))
        );
    }

    #[test]
    fn output_that_is_not_utf8_is_converted_lossily() {
        let (outcome, lines) = run(&spec("printf 'a\\377b\\n\\300'"));
        assert_eq!(outcome.output, "a\u{FFFD}b\n\u{FFFD}");
        assert_eq!(lines, ["a\u{FFFD}b", "\u{FFFD}"]);
        assert_eq!(outcome.output_bytes, 5);
    }

    #[test]
    fn redaction_reaches_output_and_display() {
        let mut shown = Vec::new();
        let outcome = ShellExecutor
            .run(
                &spec("echo token=s3cret; sleep 0.05; echo s3cret >&2; sleep 0.05; printf 'last s3cret'"),
                &|text| text.replace("s3cret", "[REDACTED]"),
                &mut |text| shown.push(text.to_owned()),
            )
            .expect("sh starts");
        assert_eq!(outcome.output, "token=[REDACTED]\n[REDACTED]\nlast [REDACTED]");
        assert_eq!(shown, ["token=[REDACTED]", "[REDACTED]", "last [REDACTED]"]);
    }

    #[test]
    fn capture_never_splits_a_character() {
        let mut capture = Capture::default();
        // Pieces of two- and three-byte characters at odd offsets, more
        // than head and tail together.
        capture.push("x".to_owned());
        for _ in 0..5 {
            capture.push("é".repeat(OUTPUT_HEAD / 3));
            capture.push("€".repeat(OUTPUT_TAIL / 2 + 1));
        }
        let written = 1 + 5 * (OUTPUT_HEAD / 3 * 2 + (OUTPUT_TAIL / 2 + 1) * 3);
        let kept = capture.head.len() + capture.tail_len;
        assert!(capture.tail_len <= OUTPUT_TAIL);
        assert_eq!(capture.left_out as usize, written - kept);
        let output = capture.finish();
        assert!(output.contains("bytes left out"));
    }

    #[test]
    fn a_first_line_longer_than_the_head_is_split_not_lost() {
        let mut capture = Capture::default();
        let line = format!("{}\n", "é".repeat(OUTPUT_HEAD / 2 + 10));
        capture.push(line.clone());
        assert_eq!(capture.left_out, 0);
        assert_eq!(capture.finish(), line);
    }

    #[test]
    fn incomplete_tail_finds_a_cut_character() {
        assert_eq!(incomplete_tail(b"abc"), 0);
        assert_eq!(incomplete_tail("a€".as_bytes()), 0);
        assert_eq!(incomplete_tail(&"a€".as_bytes()[..3]), 2);
        assert_eq!(incomplete_tail(&"a€".as_bytes()[..2]), 1);
        assert_eq!(incomplete_tail(&"😀".as_bytes()[..3]), 3);
        assert_eq!(incomplete_tail(b"\xff"), 0);
        assert_eq!(incomplete_tail(b""), 0);
    }
}

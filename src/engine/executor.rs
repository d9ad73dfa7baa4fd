//! Running a command: the [`Executor`] trait the engine calls, and what it
//! gets back. The real one is [`super::ShellExecutor`]; tests use doubles.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// How often a running command lets its runner look beside it.
pub const IDLE_EVERY: Duration = Duration::from_millis(200);

/// Keep this much of a command's output from its start, and as much from its
/// end; the middle is replaced by a line saying how much was left out.
pub const OUTPUT_HEAD: usize = 32 * 1024;
pub const OUTPUT_TAIL: usize = 32 * 1024;

/// The longest value, in bytes, a variable (or an answer that sets one) may
/// have. Variables reach commands through their environment, where Linux
/// takes no string longer than 128 KiB and all of them together within a
/// few MiB; a longer value would make every later command fail to start.
const VALUE_MAX: usize = 64 * 1024;

/// Why `value` cannot reach a command's environment, if it cannot: a NUL
/// byte (which ends a string there) or more than `VALUE_MAX` (64 KiB) bytes.
pub fn unfit_for_environment(value: &str) -> Option<String> {
    if value.contains('\0') {
        Some("holds a NUL byte, which no command's environment can carry".to_owned())
    } else if value.len() > VALUE_MAX {
        Some(format!(
            "is {} bytes long, over the {VALUE_MAX} bytes a variable may hold (commands get variables in their environment)",
            value.len()
        ))
    } else {
        None
    }
}

/// What to run. Variables reach the command only through `env`.
#[derive(Debug)]
pub struct CommandSpec<'a> {
    /// Shell source, run as `sh -c SCRIPT`.
    pub script: &'a str,
    /// Added to the inherited environment.
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
    /// How long a process group gets between SIGTERM and SIGKILL.
    pub grace: Duration,
    /// Set from another thread (Ctrl-C, hang-up) to stop the command: its
    /// whole process group is killed as on a timeout.
    pub cancel: &'a AtomicBool,
    /// The ssh destination to run it on; `None` runs it here.
    pub on: Option<String>,
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutcome {
    /// The exit status, when it exited.
    pub exit_code: Option<i32>,
    /// The signal that ended it, when one did.
    pub signal: Option<i32>,
    pub duration: Duration,
    pub timed_out: bool,
    /// Stopped through `cancel`.
    pub cancelled: bool,
    /// stdout and stderr interleaved by line as they arrived, each line
    /// passed through `redact`, capped to head and tail.
    pub output: String,
    /// Bytes written in all, before capping.
    pub output_bytes: u64,
    /// The first few KiB of standard output alone (redacted), for
    /// `capture`: a variable should not hold the command's warnings.
    pub stdout: String,
    /// Set when ssh could not run it on its destination at all (no
    /// connection, an unknown host key): why, in ssh's words and ours.
    pub unreachable: Option<String>,
}

impl CommandOutcome {
    pub fn succeeded(&self) -> bool {
        self.exit_code == Some(0) && !self.timed_out && !self.cancelled && self.unreachable.is_none()
    }

    /// A command that could not start: `why` is its output.
    pub fn not_started(why: String) -> CommandOutcome {
        CommandOutcome {
            exit_code: None,
            signal: None,
            duration: Duration::ZERO,
            timed_out: false,
            cancelled: false,
            output: why,
            output_bytes: 0,
            stdout: String::new(),
            unreachable: None,
        }
    }
}

/// Shared by the threads that run a step's command on several hosts at
/// once (`parallel`).
pub trait Executor: Sync {
    /// Starts `spec`'s shell held before its script: the shell may load,
    /// but nothing of the script runs until [`Prepared::run`], so that the
    /// runner can make the command's start durable meanwhile. Errors are
    /// failures to start the shell at all.
    fn prepare<'s>(&'s self, spec: &CommandSpec<'s>) -> std::io::Result<Box<dyn Prepared + 's>>;

    /// Prepares `spec` and runs it at once.
    fn run<'s>(
        &'s self,
        spec: &CommandSpec<'s>,
        redact: &(dyn Fn(&str) -> String + Sync),
        line: &mut dyn FnMut(&str),
    ) -> std::io::Result<CommandOutcome> {
        self.prepare(spec)?.run(redact, line, &mut || {}, &mut || {})
    }

    /// Stops what is left of a command whose runner died (`kill -9`, power
    /// to the terminal lost): processes of this incident's `step` still
    /// running here, or on the ssh destination `on`, found by the
    /// incident's key (`RUNBOOK_INCIDENT_KEY`). Returns their process ids,
    /// or why the destination could not be asked.
    fn stop_leftovers(
        &self,
        _incident_key: &str,
        _step: &str,
        _on: Option<&str>,
    ) -> Result<Vec<u32>, String> {
        Ok(Vec::new())
    }

    /// This machine's name: an `on` value naming it runs here.
    fn host_name(&self) -> String {
        "localhost".to_owned()
    }

    /// Checks that commands can run on the ssh destination `on` (connects,
    /// runs a harmless command) and returns the name the host gives
    /// itself, or why not and what to do.
    fn preflight(&self, on: &str) -> Result<String, String> {
        Err(format!(
            "commands cannot run on {on} here: this runner has no ssh"
        ))
    }
}

/// A command whose shell is started and waits to run its script. Dropped
/// without [`Prepared::run`], it is stopped and the script never runs. The
/// engine holds one for the next command while the one before runs.
pub trait Prepared {
    /// Lets the script run and calls `started` at once, before waiting for
    /// it (the runner starts the next command's shell meanwhile); then
    /// calls `line` with each (redacted) line of output as it arrives, for
    /// display, and `idle` every 200 ms or so while it runs, so that
    /// the runner can show what happened beside it (a note, a timer).
    /// Errors are failures to run the command at all; a command that fails
    /// is an `Ok` outcome.
    fn run(
        self: Box<Self>,
        redact: &dyn Fn(&str) -> String,
        line: &mut dyn FnMut(&str),
        started: &mut dyn FnMut(),
        idle: &mut dyn FnMut(),
    ) -> std::io::Result<CommandOutcome>;
}

//! `runbook` turns a written emergency-response plan into something an
//! administrator can run at a terminal or from a script.
//!
//! # Architecture
//!
//! - [`model`]: pure data: runbooks and steps, incident events, the fold of
//!   events into an incident's state. Depends on nothing.
//! - [`i18n`]: the words `runbook` itself says, one catalogue per display
//!   language (English, Chinese), keyed by one enum.
//! - [`load`]: TOML → model, validation and located diagnostics, the catalog
//!   of runbooks on the search path, trust checks on files.
//! - [`journal`]: an incident's append-only, fsynced, hash-chained event log,
//!   its lock and id allocation.
//! - [`engine`]: walks a runbook for one incident. Asks an `Operator`, runs
//!   commands through an `Executor`, reads a `Clock`, sends through a
//!   `Notifier`, hands events to a `Sink`. Never touches a terminal.
//! - [`notify`]: the `command` and `webhook` notifiers.
//! - [`record`]: the canonical incident record, SSHSIG signing and allowed
//!   signers, the archive with its index and chain.
//! - [`report`]: renderers over the model (outlines, graphs), generic over
//!   `Write`.
//! - [`term`]: the only code that knows about terminals: prompts, spinners,
//!   tables, progress lines.
//! - [`cli`]: clap arguments, one file per subcommand, the config; the
//!   wiring of journal, engine, operator and notifiers.
//! - [`sanitize`], [`clock`] and [`file_util`]: the small adapters
//!   everything may use; `process_group` (private): the guard over a
//!   command's process group that the shell executor, the command notifier
//!   and a mirror's `git` share; `subprocess` (private): the run of such a
//!   helper process to its end or its timeout.
//!
//! The dependency rule: `model` depends on nothing; `i18n` depends on
//! `model` alone, and every layer above `model` may use it; `load`,
//! `journal`, `report` depend on `model`; `engine` depends on `model`, `i18n`
//! and its own traits, never on `journal` or `term`; `record` depends on
//! `model`; only `term` and `cli` touch stdin,
//! stdout or a TTY. [`run`] is the single exit point: it alone prints a
//! fatal error and picks the exit code.

pub mod cli;
pub mod clock;
pub mod engine;
pub mod error;
pub mod exit_code;
pub mod file_util;
pub mod i18n;
pub mod journal;
pub mod load;
pub mod model;
pub mod notify;
mod parallel;
mod process_group;
pub mod record;
pub mod report;
pub mod sanitize;
mod subprocess;
pub mod term;

pub use exit_code::ExitCode;

use std::ffi::OsString;

/// Parses arguments, runs the command and turns the outcome into an exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> std::process::ExitCode {
    if let Some(warning) = clock::pinned_warning() {
        term::print_warning(&warning);
    }
    let code = match cli::main(args) {
        Ok(code) => code,
        Err(error) if error.is_broken_pipe() => ExitCode::Success,
        Err(error) => {
            term::print_error(&error);
            error.exit_code()
        }
    };
    code.into()
}

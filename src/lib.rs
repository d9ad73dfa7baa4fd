//! `runbook` turns a written emergency-response plan into something an
//! administrator can run at a terminal or from a script.
//!
//! # Architecture
//!
//! - [`model`]: pure data (runbooks, steps); depends on nothing.
//! - [`load`]: TOML → model, validation and located diagnostics, the catalog
//!   of runbooks on the search path; depends on `model`.
//! - [`report`]: renderers over the model (outlines, graphs), generic over
//!   `Write`; depends on `model`.
//! - [`term`]: the only code that knows about terminals (tables, sanitizing).
//! - [`cli`]: clap arguments, one file per subcommand, the config; the wiring.
//!
//! The dependency rule: `model` depends on nothing; `load` and `report`
//! depend on `model`; only `term` and `cli` touch stdin, stdout or a TTY.
//! [`run`] is the single exit point: it alone prints a fatal error and picks
//! the exit code.

pub mod cli;
pub mod clock;
pub mod engine;
pub mod error;
pub mod exit_code;
pub mod journal;
pub mod load;
pub mod model;
pub mod notify;
pub mod report;
pub mod sanitize;
pub mod term;

pub use exit_code::ExitCode;

use std::ffi::OsString;

/// Parses arguments, runs the command and turns the outcome into an exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> std::process::ExitCode {
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

//! `runbook completions SHELL`: the shell's completion script, on stdout.

use super::Cli;
use crate::error::Result;
use crate::exit_code::ExitCode;
use clap::CommandFactory;
use std::io::Write;

/// Print a completion script for SHELL on stdout.
///
/// For bash: `runbook completions bash > ~/.local/share/bash-completion/completions/runbook`;
/// for zsh, a file named `_runbook` in a directory on `$fpath`; for fish,
/// `~/.config/fish/completions/runbook.fish`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn run(args: &Args) -> Result<ExitCode> {
    // clap_complete panics when a write fails; a buffer cannot fail, and
    // writing it ourselves lets `runbook completions bash | head` end quietly.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "runbook", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(ExitCode::Success)
}

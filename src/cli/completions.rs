//! `runbook completions SHELL`: the shell's completion script, on stdout.

use crate::error::{Error, Result};
use crate::exit_code::ExitCode;
use std::io::Write;

/// Print a completion script for SHELL on stdout.
///
/// For bash: `runbook completions bash > ~/.local/share/bash-completion/completions/runbook`;
/// for zsh, a file named `_runbook` in a directory on `$fpath`; for fish,
/// `~/.config/fish/completions/runbook.fish`. The script asks `runbook`
/// itself at each Tab, so that it completes runbook ids and incidents as
/// they are now: `start <Tab>` the runbooks, `resume <Tab>` open incidents,
/// `archive <Tab>` finished ones not archived yet, `report <Tab>` any.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn run(args: &Args) -> Result<ExitCode> {
    let name = args.shell.to_string();
    let shells = clap_complete::env::Shells::builtins();
    let shell = shells
        .completer(&name)
        .ok_or_else(|| Error::usage(format!("no completion for {name}")))?;
    // Written to a buffer first: `runbook completions bash | head` then
    // ends quietly.
    let mut script = Vec::new();
    shell.write_registration("COMPLETE", "runbook", "runbook", "runbook", &mut script)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(ExitCode::Success)
}

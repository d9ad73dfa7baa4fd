//! The command line: clap arguments, one file per subcommand, the config,
//! and the wiring between them. The only layer, with `term`, that prints.

mod answers;
mod archive;
mod check;
mod complete;
mod completions;
mod config;
mod context;
mod deadline;
mod graph;
mod incidents;
mod kept;
mod keygen;
mod list;
mod man;
mod note;
mod records;
mod redact;
mod report;
mod resume;
mod show;
mod start;
mod validate;
mod verify;
mod walk;

pub use config::Config;
pub use context::Context;

use crate::error::{Error, Result};
use crate::exit_code::ExitCode;
use clap::{CommandFactory, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;

/// The heading of the options every command takes: listed after a
/// command's own.
const GLOBAL: &str = "Global options";

/// Run incident-response runbooks: walk an operator through a plan at the
/// terminal or from a script, and keep a signed record of what was done.
#[derive(Debug, Parser)]
#[command(name = "runbook", version, about, max_term_width = 100)]
pub struct Cli {
    /// Display language for runbook text (en, zh, ...); defaults to the
    /// config's `lang`, then LC_ALL / LC_MESSAGES / LANG, then English.
    #[arg(long, global = true, value_name = "LANG", help_heading = GLOBAL)]
    pub lang: Option<String>,

    /// Look for runbooks in DIR before ./runbooks, the config's
    /// runbook_path, the user's and system directories and the built-in set.
    #[arg(long, global = true, value_name = "DIR", help_heading = GLOBAL)]
    pub runbooks: Option<PathBuf>,

    /// Read the config from FILE instead of $XDG_CONFIG_HOME/runbook/config.toml.
    #[arg(long, global = true, value_name = "FILE", env = "RUNBOOK_CONFIG", help_heading = GLOBAL)]
    pub config: Option<PathBuf>,

    /// Keep incidents and records in DIR (default: RUNBOOK_HOME, the
    /// config's data_dir, then $XDG_DATA_HOME/runbook).
    #[arg(long, global = true, value_name = "DIR", help_heading = GLOBAL)]
    pub data_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    List(list::Args),
    Show(show::Args),
    Graph(graph::Args),
    Validate(validate::Args),
    Start(start::Args),
    /// Rehearse a runbook: `start --drill`.
    Drill(start::Opening),
    Resume(resume::Args),
    Incidents(incidents::Args),
    Note(note::NoteArgs),
    Attach(note::AttachArgs),
    Abort(note::AbortArgs),
    Told(note::ToldArgs),
    Check(check::Args),
    Keygen(keygen::Args),
    Archive(archive::Args),
    Verify(verify::Args),
    Report(report::Args),
    Records(records::Args),
    Completions(completions::Args),
    Man(man::Args),
}

impl Command {
    /// The subcommand's name, as typed: what a lock's holder says it runs.
    pub fn name(&self) -> &'static str {
        match self {
            Command::List(_) => "list",
            Command::Show(_) => "show",
            Command::Graph(_) => "graph",
            Command::Validate(_) => "validate",
            Command::Start(_) => "start",
            Command::Drill(_) => "drill",
            Command::Resume(_) => "resume",
            Command::Incidents(_) => "incidents",
            Command::Note(_) => "note",
            Command::Attach(_) => "attach",
            Command::Abort(_) => "abort",
            Command::Told(_) => "told",
            Command::Check(_) => "check",
            Command::Keygen(_) => "keygen",
            Command::Archive(_) => "archive",
            Command::Verify(_) => "verify",
            Command::Report(_) => "report",
            Command::Records(_) => "records",
            Command::Completions(_) => "completions",
            Command::Man(_) => "man",
        }
    }
}

/// Parses `args` and runs the chosen command.
pub fn main(args: impl IntoIterator<Item = OsString>) -> Result<ExitCode> {
    let args: Vec<OsString> = args.into_iter().collect();
    // A shell asking for completions (`COMPLETE=bash runbook -- …`, set up
    // by `runbook completions SHELL`) is answered before anything else.
    if clap_complete::CompleteEnv::with_factory(Cli::command)
        .try_complete(args.iter().cloned(), None)
        .map_err(|error| Error::usage(error.to_string()))?
    {
        return Ok(ExitCode::Success);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() {
                ExitCode::BadInput
            } else {
                ExitCode::Success
            };
            // clap renders usage, help and version itself.
            error.print().map_err(Error::Io)?;
            return Ok(code);
        }
    };
    // Completions and the manual page describe the program, not this
    // installation: they work whatever the config says.
    match &cli.command {
        Command::Completions(args) => return completions::run(args),
        Command::Man(args) => return man::run(args),
        _ => {}
    }
    let context = Context::new(&cli)?;
    let context = &context;
    let ran = match &cli.command {
        Command::List(args) => list::run(context, args),
        Command::Show(args) => show::run(context, args),
        Command::Graph(args) => graph::run(context, args),
        Command::Validate(args) => validate::run(context, args),
        Command::Start(args) => start::run(context, args),
        Command::Drill(args) => start::begin(context, args, true),
        Command::Resume(args) => resume::run(context, args),
        Command::Incidents(args) => incidents::run(context, args),
        Command::Note(args) => note::note(context, args),
        Command::Attach(args) => note::attach(context, args),
        Command::Abort(args) => note::abort(context, args),
        Command::Told(args) => note::told(context, args),
        Command::Check(args) => check::run(context, args),
        Command::Keygen(args) => keygen::run(context, args),
        Command::Archive(args) => archive::run(context, args),
        Command::Verify(args) => verify::run(context, args),
        Command::Report(args) => report::run(context, args),
        Command::Records(args) => records::run(context, args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    };
    // Its `error:` and `hint:` read in the display language.
    ran.map_err(|error| error.in_lang(&context.lang))
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::{CommandFactory, Parser};

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn command_names_are_the_subcommands() {
        for sub in Cli::command().get_subcommands() {
            let name = sub.get_name();
            if name == "help" {
                continue;
            }
            let mut args = vec!["runbook", name];
            // Enough for each to parse; the values are never used.
            args.extend(match name {
                "show" | "graph" | "start" | "drill" | "resume" | "report" | "archive" => &["x"][..],
                "note" => &["INC", "text"],
                "attach" => &["INC", "file"],
                "abort" => &["INC", "--reason", "r"],
                "told" => &["INC", "severity"],
                "verify" => &["--all"],
                "completions" => &["bash"],
                _ => &[],
            });
            let cli = Cli::try_parse_from(&args).unwrap_or_else(|error| panic!("{name}: {error}"));
            assert_eq!(cli.command.name(), name);
        }
    }
}

//! `runbook man`: the manual page, in roff, on stdout.
//!
//! One page for the whole program: clap_mangen renders the top-level
//! command, and every subcommand's synopsis, description and options
//! follow as a subsection of COMMANDS. (clap_mangen's own SUBCOMMANDS
//! section only points at `runbook-list(1)` and the like, pages that are
//! not installed.)

use super::Cli;
use crate::error::Result;
use crate::exit_code::ExitCode;
use clap::CommandFactory;
use clap_mangen::Man;
use std::io::Write;

/// Print the manual page (roff) on stdout.
///
/// To read it: `runbook man | man -l -`; to install it:
/// `runbook man > /usr/local/share/man/man1/runbook.1`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_: &Args) -> Result<ExitCode> {
    let page = page()?;
    let mut out = std::io::stdout().lock();
    out.write_all(page.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::Success)
}

/// The page, starting with its `.TH` line.
fn page() -> std::io::Result<String> {
    let mut cli = Cli::command();
    // Gives every subcommand its full name, `runbook list`.
    cli.build();
    let man = Man::new(cli.clone());
    let mut page = rendered(|w| man.render_title(w))?;
    // roff's definition of the apostrophe string, which rendered text
    // uses; it goes after `.TH`, which tools expect on the first line.
    page.push_str(APOSTROPHE);
    page.push_str(&rendered(|w| man.render_name_section(w))?);
    page.push_str(&rendered(|w| man.render_synopsis_section(w))?);
    page.push_str(&rendered(|w| man.render_description_section(w))?);
    page.push_str(&rendered(|w| man.render_options_section(w))?);
    page.push_str(".SH COMMANDS\n");
    let commands = cli
        .get_subcommands()
        .filter(|command| !command.is_hide_set() && command.get_name() != "help");
    for command in commands {
        let name = command.get_bin_name().unwrap_or_else(|| command.get_name());
        // The global options and --help are described once, above.
        let shared: Vec<String> = command
            .get_arguments()
            .filter(|arg| arg.is_global_set() || arg.get_id() == "help")
            .map(|arg| arg.get_id().to_string())
            .collect();
        let command = shared.iter().fold(command.clone(), |command, id| {
            command.mut_arg(id, |arg| arg.hide(true))
        });
        let man = Man::new(command.clone());
        page.push_str(&format!(".SS \"{}\"\n", name.replace('-', "\\-")));
        page.push_str(&body(rendered(|w| man.render_synopsis_section(w))?));
        page.push_str(".PP\n");
        page.push_str(&body(rendered(|w| man.render_description_section(w))?));
        if command.get_arguments().any(|arg| !arg.is_hide_set()) {
            page.push_str(&body(rendered(|w| man.render_options_section(w))?));
        }
    }
    page.push_str(&rendered(|w| man.render_version_section(w))?);
    Ok(page)
}

const APOSTROPHE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";

/// What `render` writes, without the apostrophe definition roff puts
/// before every piece.
fn rendered(render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> std::io::Result<String> {
    let mut buf = Vec::new();
    render(&mut buf)?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    Ok(text.strip_prefix(APOSTROPHE).map(str::to_owned).unwrap_or(text))
}

/// A section without its `.SH` heading, to go under a subsection.
fn body(section: String) -> String {
    section
        .lines()
        .filter(|line| !line.starts_with(".SH "))
        .map(|line| format!("{line}\n"))
        .collect()
}

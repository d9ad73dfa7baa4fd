//! `runbook man`: the manual page, in roff, on stdout.
//!
//! One page for the whole program: clap_mangen renders the top-level
//! command, and every subcommand's synopsis, description and options
//! follow as a subsection of COMMANDS. (clap_mangen's own SUBCOMMANDS
//! section only points at `runbook-list(1)` and the like, pages that are
//! not installed.) EXIT STATUS comes from [`ExitCode`]; ENVIRONMENT, FILES
//! and EXAMPLES are written here, from README.md and docs/.

use super::Cli;
use crate::error::Result;
use crate::exit_code::ExitCode;
use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::{Inline, Roff, bold, italic, roman};
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
    page.push_str(&rendered(|w| appendix().to_writer(w))?);
    page.push_str(&rendered(|w| man.render_version_section(w))?);
    Ok(page)
}

/// The variables `runbook` reads, and what for.
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "RUNBOOK_HOME",
        "Where incidents and records are kept, unless --data-dir says otherwise; \
         it comes before the config's data_dir.",
    ),
    ("RUNBOOK_CONFIG", "The config file, as --config FILE."),
    (
        "RUNBOOK_NOW",
        "Pins the clock to an RFC 3339 time, for tests and reproducible output; \
         a value that is not a time is warned about and the system clock used.",
    ),
    (
        "XDG_CONFIG_HOME",
        "Holds runbook/: the config, runbooks and the signing key (default ~/.config).",
    ),
    (
        "XDG_DATA_HOME",
        "Holds runbook/, the default data directory (default ~/.local/share).",
    ),
    (
        "HOME",
        "The home directory: ~/ in config paths, and the defaults above.",
    ),
    (
        "LC_ALL, LC_MESSAGES, LANG",
        "The display language, when neither --lang nor the config's lang sets one.",
    ),
    (
        "COLUMNS",
        "The width tables and outlines are laid out for (default: the terminal's \
         width, or 80 when output is not a terminal).",
    ),
    (
        "PAGER",
        "Shows the whole output of an earlier command (Other actions); default less -R.",
    ),
    (
        "USER, LOGNAME",
        "Who acts, journaled as user@host; /etc/passwd says when neither is set.",
    ),
    (
        "PATH",
        "Where sh, which runs a runbook's commands, and git, for git mirrors, are found.",
    ),
];

/// What the environment of a runbook's commands holds besides the caller's.
const COMMAND_ENVIRONMENT: &str = "Commands a runbook runs see its variables upper-cased \
    (service is $SERVICE) and RUNBOOK_INCIDENT, RUNBOOK_RUNBOOK, RUNBOOK_STEP, RUNBOOK_SEVERITY \
    and RUNBOOK_DRILL. Command notifiers get RUNBOOK_SUBJECT, RUNBOOK_INCIDENT, RUNBOOK_SEVERITY, \
    RUNBOOK_DRILL, RUNBOOK_TO, RUNBOOK_TO_NAMES, RUNBOOK_TO_PHONES and RUNBOOK_TO_EMAILS.";

/// The files `runbook` reads and writes.
const FILES: &[(&str, &str)] = &[
    (
        "./runbooks/, $XDG_CONFIG_HOME/runbook/runbooks/, /etc/runbook/runbooks/",
        "Runbooks (*.toml). After --runbooks DIR, ./runbooks is searched, then the \
         config's runbook_path, then the other two; the first file with an id wins, \
         over the built-in plans too. A file and its directories must belong to the \
         user or root and be writable by their owner alone (or the owner's private group).",
    ),
    (
        "$XDG_CONFIG_HOME/runbook/config.toml",
        "The config: language, search path, data directory, redaction, notifiers, \
         mirrors, signing key.",
    ),
    (
        "$XDG_CONFIG_HOME/runbook/signing_key, signing_key.pub",
        "The ed25519 key that signs records, made by runbook keygen.",
    ),
    (
        "$XDG_CONFIG_HOME/runbook/allowed_signers",
        "Who may sign records, in OpenSSH's allowed_signers format.",
    ),
    (
        "$XDG_DATA_HOME/runbook/incidents/ID/",
        "One incident: journal.jsonl (its events), lock, runbook.toml (the runbook as \
         it was at start), attachments/ and inbox/.",
    ),
    (
        "$XDG_DATA_HOME/runbook/archive/YYYY/MM/",
        "Archived records, ID.json, each with its signature ID.json.sig; read-only.",
    ),
    (
        "$XDG_DATA_HOME/runbook/archive/index.jsonl",
        "One line per record, each naming the SHA-256 of the one before.",
    ),
];

/// Examples: what each does, and the command lines.
const EXAMPLES: &[(&str, &[&str])] = &[
    (
        "Open an incident and walk it at the terminal, step by step:",
        &["runbook start server-software-failure"],
    ),
    (
        "Rehearse a plan, its timers sixty times faster:",
        &["runbook drill server-software-failure --speed 60"],
    ),
    (
        "Start from a monitoring hook: nothing prompts, and the first question \
         nobody answered pauses the incident (exit 3) with the line to go on with:",
        &[
            "runbook start server-software-failure --var host=web1 --var service=nginx --var symptom=\"HTTP 502\"",
            "runbook resume INC-20261128-0001 --answer intake=2",
        ],
    ),
    (
        "Check every runbook on the search path, and the built-in ones:",
        &["runbook validate"],
    ),
    (
        "File the record of a finished incident, then check every record:",
        &[
            "runbook archive INC-20261128-0001 --cause \"disk full\" --resolution \"rotated logs\"",
            "runbook verify --all",
        ],
    ),
    (
        "Fire due timers and retry notifications of incidents nobody drives, every \
         minute from cron:",
        &["* * * * * runbook check"],
    ),
];

/// EXIT STATUS, ENVIRONMENT, FILES and EXAMPLES.
fn appendix() -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    for code in ExitCode::ALL {
        tagged(&mut roff, bold((code as u8).to_string()), code.meaning());
    }
    roff.control("SH", ["ENVIRONMENT"]);
    for (names, meaning) in ENVIRONMENT {
        tagged(&mut roff, bold(*names), meaning);
    }
    roff.control("PP", []).text([roman(COMMAND_ENVIRONMENT)]);
    roff.control("SH", ["FILES"]);
    for (paths, meaning) in FILES {
        tagged(&mut roff, italic(*paths), meaning);
    }
    roff.control("SH", ["EXAMPLES"]);
    for (what, lines) in EXAMPLES {
        roff.control("PP", []).text([roman(*what)]);
        roff.control("RS", ["4"]).control("nf", []);
        for line in *lines {
            roff.text([bold(*line)]);
        }
        roff.control("fi", []).control("RE", []);
    }
    roff
}

/// A tagged paragraph: `term`, and `text` indented under it.
fn tagged(roff: &mut Roff, term: Inline, text: &str) {
    roff.control("TP", []).text([term]).text([roman(text)]);
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

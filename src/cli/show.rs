//! `runbook show ID`: a runbook's steps in walk order.

use super::Context;
use crate::error::{Error, Result};
use crate::exit_code::ExitCode;
use crate::load::{Entry, Origin};
use crate::model::Runbook;
use std::io::Write;

/// Show a runbook: steps in walk order with their branches, commands,
/// timers and contacts.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The runbook's id, as `runbook list` shows it.
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::runbooks))]
    pub id: String,

    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

pub fn run(context: &Context, args: &Args) -> Result<ExitCode> {
    let catalog = context.catalog_for(&args.id);
    let entry = context.find(&catalog, &args.id)?;
    let runbook = valid(entry)?;
    let source = source_name(entry);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        Format::Text => crate::report::text(
            &mut out,
            runbook,
            &source,
            &context.lang,
            usize::from(crate::term::width()),
        )?,
        Format::Markdown => crate::report::markdown(&mut out, runbook, &source, &context.lang)?,
        Format::Json => {
            let document = serde_json::json!({ "source": source, "runbook": runbook });
            serde_json::to_writer_pretty(&mut out, &document).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::Success)
}

pub(super) fn source_name(entry: &Entry) -> String {
    match &entry.origin {
        Origin::Builtin => "built-in".to_owned(),
        Origin::File(path) => path.display().to_string(),
    }
}

/// The entry's runbook, or its errors (or why it was refused) on stderr
/// and exit 2: a broken local plan is never replaced by another one.
pub(super) fn valid(entry: &Entry) -> Result<&Runbook> {
    match entry.runbook() {
        Some(runbook) => Ok(runbook),
        None => Err(Error::Diagnostics(entry.errors())),
    }
}

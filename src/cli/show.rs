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
    let catalog = context.catalog();
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
            serde_json::to_writer_pretty(&mut out, &document).map_err(anyhow::Error::from)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::Success)
}

pub(super) fn source_name(entry: &Entry) -> String {
    match &entry.loaded.source.origin {
        Origin::Builtin => "built-in".to_owned(),
        Origin::File(path) => path.display().to_string(),
    }
}

/// The entry's runbook, or its diagnostics on stderr and exit 2.
pub(super) fn valid(entry: &Entry) -> Result<&Runbook> {
    match &entry.loaded.runbook {
        Some(runbook) => Ok(runbook),
        None => {
            let mut err = std::io::stderr().lock();
            for diagnostic in entry.loaded.diagnostics.iter().filter(|d| d.is_error()) {
                writeln!(err, "{}", diagnostic.render())?;
            }
            Err(Error::Reported(ExitCode::BadInput))
        }
    }
}

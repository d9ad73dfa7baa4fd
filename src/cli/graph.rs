//! `runbook graph ID`: a flowchart of the runbook.

use super::Context;
use super::show::valid;
use crate::error::Result;
use crate::exit_code::ExitCode;
use std::io::Write;

/// Print a flowchart of a runbook for Mermaid or Graphviz.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The runbook's id, as `runbook list` shows it.
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::runbooks))]
    pub id: String,

    #[arg(long, value_enum, default_value_t = Format::Mermaid)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Mermaid,
    Dot,
}

pub fn run(context: &Context, args: &Args) -> Result<ExitCode> {
    let catalog = context.catalog_for(&args.id);
    let runbook = valid(context.find(&catalog, &args.id)?)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        Format::Mermaid => crate::report::mermaid(&mut out, runbook, &context.lang)?,
        Format::Dot => crate::report::dot(&mut out, runbook, &context.lang)?,
    }
    out.flush()?;
    Ok(ExitCode::Success)
}

//! `runbook list`: the runbooks on the search path.

use super::Context;
use crate::error::Result;
use crate::exit_code::ExitCode;
use crate::load::{Catalog, Entry, Origin};
use crate::term::{new_table, sanitize};
use crate::tr;
use chrono::NaiveDate;
use serde::Serialize;
use std::io::Write;

/// List the runbooks that can be started, first match per id winning.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON array on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Row {
    id: String,
    title: String,
    steps: usize,
    default_severity: String,
    source: String,
    valid: bool,
    /// Not read at all: see `runbook validate` for why.
    refused: bool,
    review: Review,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    shadows: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
enum Review {
    NotScheduled,
    Due { on: NaiveDate },
    Overdue { since: NaiveDate },
}

pub fn run(context: &Context, args: &Args) -> Result<ExitCode> {
    let catalog = context.catalog();
    report_problems(&catalog)?;
    let rows: Vec<Row> = catalog.entries.iter().map(|entry| row(context, entry)).collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &rows).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return Ok(ExitCode::Success);
    }
    let lang = &context.lang;
    let mut table = new_table([
        tr!(lang, HeadId),
        tr!(lang, HeadTitle),
        tr!(lang, HeadSteps),
        tr!(lang, HeadSev),
        tr!(lang, HeadSource),
        tr!(lang, HeadReviewDue),
    ]);
    for row in &rows {
        let review = match (&row.review, row.valid) {
            (_, false) if row.refused => tr!(lang, ListRefused).to_owned(),
            (_, false) => tr!(lang, ListInvalid).to_owned(),
            (Review::NotScheduled, _) => "-".to_owned(),
            (Review::Due { on }, _) => on.to_string(),
            (Review::Overdue { since }, _) => tr!(lang, ListOverdue, since = since),
        };
        let source = match row.source.as_str() {
            "built-in" => tr!(lang, ListBuiltIn),
            source => source,
        };
        table.add_row([
            sanitize(&row.id).into_owned(),
            sanitize(&row.title).into_owned(),
            row.steps.to_string(),
            sanitize(&row.default_severity).into_owned(),
            sanitize(source).into_owned(),
            review,
        ]);
    }
    writeln!(out, "{}", crate::term::render_table(&table))?;
    if rows.iter().any(|row| !row.valid) {
        let mut err = std::io::stderr().lock();
        writeln!(err, "{}", tr!(lang, ListHint))?;
    }
    Ok(ExitCode::Success)
}

fn row(context: &Context, entry: &Entry) -> Row {
    let source = match &entry.origin {
        Origin::Builtin => "built-in".to_owned(),
        Origin::File(path) => path.display().to_string(),
    };
    match entry.summary() {
        Some(summary) => Row {
            id: entry.id.clone(),
            title: summary.title.get(&context.lang).to_owned(),
            steps: summary.steps,
            default_severity: summary.default_severity,
            source,
            valid: true,
            refused: false,
            review: match summary.review_due {
                None => Review::NotScheduled,
                Some(due) if due < context.today => Review::Overdue { since: due },
                Some(due) => Review::Due { on: due },
            },
            shadows: entry.shadows.clone(),
        },
        None => Row {
            id: entry.id.clone(),
            title: String::new(),
            steps: 0,
            default_severity: String::new(),
            source,
            valid: false,
            refused: entry.file().is_err(),
            review: Review::NotScheduled,
            shadows: entry.shadows.clone(),
        },
    }
}

/// Refused and unreadable files are named on stderr; they do not stop a
/// listing of the others.
pub(super) fn report_problems(catalog: &Catalog) -> Result<()> {
    let mut err = std::io::stderr().lock();
    for problem in &catalog.problems {
        write!(err, "{}", problem.render())?;
    }
    Ok(())
}

//! `runbook validate [PATH...]`: check runbooks and report every problem.

use super::Context;
use crate::error::{Error, Result};
use crate::exit_code::ExitCode;
use crate::load::{Diagnostic, Level, Refusals, find_files, load_builtin, read_files_each, strict};
use std::io::Write;
use std::path::PathBuf;

/// Check runbooks: syntax, keys and types, references, reachability.
///
/// Errors exit 2; warnings (review overdue, contacts without details) do
/// not, unless --strict. Without PATH, checks every runbook on the search
/// path and the built-in ones.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Runbook files, or directories searched recursively for *.toml.
    pub paths: Vec<PathBuf>,

    /// Print the diagnostics as one JSON document on stdout.
    #[arg(long)]
    pub json: bool,

    /// Also check what a plan needs before it is relied on (contacts
    /// reachable and all used, an escalation timer, `archive_within`, a
    /// review period, restores guarded, drill modes), and exit 1 on any
    /// warning.
    #[arg(long)]
    pub strict: bool,
}

pub fn run(context: &Context, args: &Args) -> Result<ExitCode> {
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut files = Vec::new();
    let explicit = !args.paths.is_empty();
    let dirs: Vec<PathBuf> = if explicit {
        args.paths.clone()
    } else {
        context
            .search_path
            .iter()
            .filter(|dir| dir.is_dir())
            .cloned()
            .collect()
    };
    for path in &dirs {
        match find_files(path) {
            Ok(found) => files.extend(found.into_iter().map(|file| (file, path.clone()))),
            Err(error) => diagnostics.push(
                Diagnostic::file(
                    Level::Error,
                    path.display().to_string(),
                    format!("cannot read: {error}"),
                )
                .with_hint("check the path"),
            ),
        }
    }
    let mut checked = files.len();
    let mut first_with_id: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    // Shown together, after the rest, with one `chmod` for them all.
    let mut refusals = Refusals::default();
    read_files_each(&files, context.today, |result| match result {
        Ok(loaded) => {
            // Two files claiming one id: only the first is ever used.
            match first_with_id.get(&loaded.id) {
                Some(first) => diagnostics.push(
                    Diagnostic::file(
                        Level::Warning,
                        &loaded.source.name,
                        format!(
                            "runbook `{}` is also defined in {first}, which comes first and wins",
                            loaded.id
                        ),
                    )
                    .with_hint("give one of them another `id`, or remove it"),
                ),
                None => {
                    first_with_id.insert(loaded.id.clone(), loaded.source.name.clone());
                }
            }
            if args.strict {
                diagnostics.extend(strict(&loaded));
            }
            diagnostics.extend(loaded.diagnostics);
        }
        Err(refusal) => refusals.add(&refusal),
    });
    if !explicit {
        for loaded in load_builtin(context.today) {
            checked += 1;
            if args.strict {
                diagnostics.extend(strict(&loaded));
            }
            diagnostics.extend(loaded.diagnostics);
        }
    }
    diagnostics.extend(refusals.into_diagnostics());
    if explicit && checked == 0 && diagnostics.is_empty() {
        return Err(Error::usage("no runbooks (*.toml) found in the given paths"));
    }

    let errors: usize = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(Diagnostic::count)
        .sum();
    let warnings: usize = diagnostics
        .iter()
        .filter(|d| !d.is_error())
        .map(Diagnostic::count)
        .sum();
    if args.json {
        let document = serde_json::json!({
            "checked": checked,
            "errors": errors,
            "warnings": warnings,
            "diagnostics": diagnostics,
        });
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &document).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        let mut err = std::io::stderr().lock();
        for diagnostic in &diagnostics {
            writeln!(err, "{}", diagnostic.render())?;
        }
        writeln!(
            err,
            "checked {checked} runbook{}: {errors} error{}, {warnings} warning{}",
            plural(checked),
            plural(errors),
            plural(warnings)
        )?;
    }
    Ok(if errors > 0 {
        ExitCode::BadInput
    } else if args.strict && warnings > 0 {
        ExitCode::Failure
    } else {
        ExitCode::Success
    })
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

//! Completion of what the user has here: runbook ids for `start`, open
//! incidents for `resume`, `note`, `attach`, `abort` and `told`, finished
//! ones not archived yet for `archive`, any for `report` and `verify`.
//!
//! clap_complete's dynamic completion (its `unstable-dynamic` feature,
//! pinned to one version) asks the binary itself at each Tab: the shell
//! runs `COMPLETE=bash runbook -- WORDS…`, which [`super::main`] answers
//! before anything else. The candidates come from the same search path,
//! config and data directory as the command would use; anything that
//! cannot be read offers nothing rather than an error on the command line.

use super::{Cli, Context};
use crate::model::{Incident, Status};
use clap::Parser;
use clap_complete::CompletionCandidate;
use std::ffi::OsStr;

/// The context a plain command would run with (`--runbooks`,
/// `--data-dir` and `--config` typed before the Tab are not seen).
fn context() -> Option<Context> {
    let cli = Cli::try_parse_from(["runbook", "list"]).ok()?;
    Context::new(&cli).ok()
}

fn matching<'a>(current: &'a OsStr) -> impl Fn(&str) -> bool + 'a {
    move |value: &str| current.to_str().is_some_and(|current| value.starts_with(current))
}

/// Runbook ids on the search path, each with its title.
pub fn runbooks(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(context) = context() else {
        return Vec::new();
    };
    let wanted = matching(current);
    context
        .catalog()
        .entries
        .iter()
        .filter(|entry| wanted(&entry.id))
        .map(|entry| {
            let title = entry
                .runbook()
                .map(|runbook| crate::sanitize::sanitize_line(runbook.title.get(&context.lang)).into_owned());
            CompletionCandidate::new(&entry.id).help(title.map(Into::into))
        })
        .collect()
}

/// Incidents that `keep` says yes to, newest first, each with its runbook
/// and state.
fn incidents(current: &OsStr, keep: impl Fn(&Incident, bool) -> bool) -> Vec<CompletionCandidate> {
    let Some(context) = context() else {
        return Vec::new();
    };
    let wanted = matching(current);
    let archived = super::deadline::archived_ids(&context);
    let Ok(mut ids) = context.incident_ids() else {
        return Vec::new();
    };
    ids.reverse();
    ids.into_iter()
        .filter(|id| wanted(id))
        .filter_map(|id| {
            let dir = context.incidents_dir().join(&id);
            let replay = crate::journal::read(&dir).ok()?;
            let incident = Incident::replay(&replay.events).ok()?;
            keep(&incident, archived.contains(&incident.id)).then(|| {
                let state = match incident.status {
                    Status::Running => "running",
                    Status::Paused => "paused",
                    Status::Failed => "failed",
                    Status::Ended(outcome) => outcome.name(),
                    Status::Aborted => "aborted",
                };
                let help = format!("{} · {state}", incident.runbook);
                CompletionCandidate::new(id).help(Some(help.into()))
            })
        })
        .collect()
}

/// Incidents still open: what `resume`, `note`, `attach`, `abort` and
/// `told` take.
pub fn open_incidents(current: &OsStr) -> Vec<CompletionCandidate> {
    incidents(current, |incident, _| incident.status.is_open())
}

/// Finished incidents whose record is not filed yet: what `archive` takes.
pub fn unarchived_incidents(current: &OsStr) -> Vec<CompletionCandidate> {
    incidents(current, |incident, archived| {
        matches!(incident.status, Status::Ended(_) | Status::Aborted) && !archived
    })
}

/// Every incident: what `report` and `verify` take.
pub fn any_incident(current: &OsStr) -> Vec<CompletionCandidate> {
    incidents(current, |_, _| true)
}

//! `runbook incidents`: open and recently ended incidents.

use super::Context;
use crate::error::Result;
use crate::exit_code::ExitCode;
use crate::model::{Incident, ReplayError, Status};
use crate::term::{fitted_table, render_table, sanitize};
use crate::tr;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::io::Write;

/// List incidents: every open one, every one whose record is not archived
/// yet, and those ended in the last 7 days; NEXT shows the next timer, or
/// when the record is due (the plan's one-day rule).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// List every incident, however long ago it ended.
    #[arg(long)]
    pub all: bool,

    /// Print one JSON array on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Row {
    id: String,
    runbook: String,
    title: String,
    state: String,
    severity: String,
    drill: bool,
    step: Option<String>,
    /// `None` when the journal cannot say (see `problem`).
    started: Option<DateTime<Utc>>,
    ended: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_timer: Option<(String, DateTime<Utc>)>,
    /// For a finished incident: `archived`, or when its record is due.
    #[serde(skip_serializing_if = "Option::is_none")]
    archive: Option<ArchiveState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    driven_by: Option<String>,
    /// Notices nobody's notifier delivered and nobody has told by hand
    /// yet: `runbook told ID NOTICE` records them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    to_tell: Vec<ToTell>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

#[derive(Debug, Serialize)]
struct ToTell {
    notice: String,
    to: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
enum ArchiveState {
    Archived,
    Due { due: DateTime<Utc> },
    Overdue { due: DateTime<Utc> },
}

pub fn run(context: &Context, args: &Args) -> Result<ExitCode> {
    let now = crate::clock::now();
    let catalog = context.catalog();
    let archived = super::deadline::archived_ids(context);
    let mut rows = Vec::new();
    let ids = context.incident_ids()?;
    for id in ids {
        let dir = context.incidents_dir().join(&id);
        let driven_by = crate::journal::Lock::holder(&dir)
            .ok()
            .flatten()
            .map(|holder| format!("{} (pid {})", holder.actor, holder.pid));
        let replay = crate::journal::read(&dir);
        // (state, problem, what to do) when it cannot be listed.
        let incident = replay
            .as_ref()
            .map_err(|error| ("unreadable", error.in_lang(&context.lang), None::<String>))
            .and_then(|replay| {
                Incident::replay(&replay.events).map_err(|error| {
                    let (problem, hint) = super::context::replay_problem(&dir, &error, &context.lang);
                    let state = match error {
                        // Its start holds the lock until the first event.
                        ReplayError::Empty if driven_by.is_some() => "starting",
                        ReplayError::Empty => "never started",
                        ReplayError::NoStart(_) => "unreadable",
                    };
                    (state, problem, Some(hint))
                })
            });
        match incident {
            Ok(incident) => {
                // Open, recent, or still owing its record: shown.
                let recent = incident
                    .ended
                    .is_none_or(|ended| now - ended < chrono::Duration::days(7))
                    || !archived.contains(&incident.id);
                if !args.all && !recent {
                    continue;
                }
                // The plan as it was at start, as `check` follows it: the
                // runbook may be off the search path, or changed, by now.
                let next_timer = incident
                    .status
                    .is_open()
                    .then(|| {
                        super::kept::started_with(context, &dir, &incident, catalog.get(&incident.runbook))
                    })
                    .flatten()
                    .and_then(|runbook| crate::engine::next_timer(&runbook, &incident));
                rows.push(Row {
                    state: state(&incident, driven_by.is_some()),
                    id,
                    runbook: incident.runbook.clone(),
                    title: incident.title.clone(),
                    severity: incident.severity.clone(),
                    drill: incident.drill,
                    step: incident.current.clone(),
                    started: Some(incident.started),
                    ended: incident.ended,
                    next_timer,
                    archive: match super::deadline::archiving(context, &dir, &incident, &archived, now) {
                        super::deadline::Archiving::Open => None,
                        super::deadline::Archiving::Archived => Some(ArchiveState::Archived),
                        super::deadline::Archiving::Due(due) => Some(ArchiveState::Due { due }),
                        super::deadline::Archiving::Overdue(due) => Some(ArchiveState::Overdue { due }),
                    },
                    driven_by,
                    problem: None,
                    to_tell: incident
                        .undelivered
                        .iter()
                        .map(|pending| ToTell {
                            notice: pending.notice().to_owned(),
                            to: pending.to().to_vec(),
                        })
                        .collect(),
                });
            }
            Err((state, problem, hint)) => rows.push(Row {
                state: state.to_owned(),
                id,
                runbook: String::new(),
                title: String::new(),
                severity: String::new(),
                drill: false,
                step: None,
                started: None,
                ended: None,
                next_timer: None,
                archive: None,
                driven_by,
                to_tell: Vec::new(),
                // A start in progress is not a problem.
                problem: (state != "starting").then(|| match hint {
                    Some(hint) => format!("{problem}; {hint}"),
                    None => problem,
                }),
            }),
        }
    }

    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &rows).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return Ok(ExitCode::Success);
    }
    let lang = &context.lang;
    let short = |span: chrono::TimeDelta| crate::i18n::span(lang, span.num_seconds());
    if rows.is_empty() {
        let none = if args.all {
            tr!(lang, NoIncidents)
        } else {
            tr!(lang, NoRecentIncidents)
        };
        writeln!(out, "{none}")?;
        return Ok(ExitCode::Success);
    }
    let mut cells = Vec::with_capacity(rows.len());
    for row in &rows {
        let elapsed = row
            .started
            .map(|started| short(row.ended.unwrap_or(now) - started))
            .unwrap_or_default();
        let timer = row
            .next_timer
            .as_ref()
            .map(|(timer, due)| {
                if *due <= now {
                    tr!(lang, IncTimerDue, timer = timer)
                } else {
                    tr!(lang, IncTimerIn, timer = timer, left = short(*due - now))
                }
            })
            .or_else(|| {
                row.archive.as_ref().map(|archive| match archive {
                    ArchiveState::Archived => tr!(lang, IncArchived).to_owned(),
                    ArchiveState::Due { due } => tr!(lang, IncArchiveIn, left = short(*due - now)),
                    ArchiveState::Overdue { due } => tr!(lang, IncArchiveOverdue, late = short(now - *due)),
                })
            })
            .unwrap_or_default();
        let state = crate::i18n::state(lang, &row.state);
        let state = if row.drill {
            tr!(lang, IncDrill, state = state)
        } else {
            state.to_owned()
        };
        cells.push(vec![
            row.id.clone(),
            sanitize(&row.runbook).into_owned(),
            state,
            row.severity.clone(),
            sanitize(row.step.as_deref().unwrap_or("")).into_owned(),
            elapsed,
            timer,
        ]);
    }
    // Runbook, state and step give way; ids and what is due never wrap.
    let header = [
        tr!(lang, HeadIncident),
        tr!(lang, HeadRunbook),
        tr!(lang, HeadState),
        tr!(lang, HeadSev),
        tr!(lang, HeadStep),
        tr!(lang, HeadElapsed),
        tr!(lang, HeadNext),
    ];
    let table = fitted_table(&header, cells, &[1, 2, 4]);
    writeln!(out, "{}", render_table(&table))?;
    // Who still has to hear of an incident: no notifier reached them, and
    // nobody said they told them by hand.
    for row in rows.iter().filter(|row| !row.to_tell.is_empty()) {
        let notices: Vec<String> = row
            .to_tell
            .iter()
            .map(|tell| format!("{} ({})", tell.notice, tell.to.join(", ")))
            .collect();
        writeln!(
            out,
            "{}",
            tr!(
                lang,
                StillToTell,
                incident = row.id,
                notices = sanitize(&notices.join("; "))
            )
        )?;
    }
    if rows.iter().any(|row| !row.to_tell.is_empty()) {
        writeln!(out, "{}", tr!(lang, OnceTold))?;
    }
    for row in rows.iter().filter(|row| row.problem.is_some()) {
        writeln!(
            std::io::stderr(),
            "{}: {}",
            row.id,
            row.problem.as_deref().unwrap_or("")
        )?;
    }
    Ok(ExitCode::Success)
}

fn state(incident: &Incident, driven: bool) -> String {
    match incident.status {
        Status::Running if driven => "running".to_owned(),
        // Running without a driver: the process died; resume picks it up.
        Status::Running => "interrupted".to_owned(),
        Status::Paused => "paused".to_owned(),
        Status::Failed => "failed".to_owned(),
        Status::Ended(outcome) => outcome.name().to_owned(),
        Status::Aborted => "aborted".to_owned(),
    }
}

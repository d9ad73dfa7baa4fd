//! Wiring a walk: the journal as the engine's sink, the operator, the shell,
//! the clock, Ctrl-C; and what to tell the operator when the walk stops.

use super::Context;
use crate::engine::{
    Answers, Engine, Executor, Operator, Ports, ScriptedOperator, ShellExecutor, Sink, Start, Stop,
};
use crate::error::{Error, Result};
use crate::exit_code::ExitCode;
use crate::journal::Journal;
use crate::model::{Event, EventKind, Incident, Runbook};
use chrono::{DateTime, Utc};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by Ctrl-C, SIGTERM or a hang-up: the running command's process
/// group is killed and the incident pauses.
static CANCEL: AtomicBool = AtomicBool::new(false);

fn watch_signals() {
    // Installing twice (a second walk in one process) is harmless to skip.
    let _ = ctrlc::set_handler(|| CANCEL.store(true, Ordering::SeqCst));
}

/// The journal, as the engine's sink.
struct JournalSink<'j>(&'j mut Journal);

impl Sink for JournalSink<'_> {
    fn record(&mut self, time: DateTime<Utc>, kind: EventKind) -> std::io::Result<Event> {
        self.0.append(time, kind).map_err(std::io::Error::other)
    }
}

/// How a walk begins: a new incident, or one from its journal.
#[derive(Debug)]
pub enum Begin {
    Start(Start),
    Resume(Incident),
}

pub struct Walk<'a> {
    pub context: &'a Context,
    pub runbook: &'a Runbook,
    pub journal: &'a mut Journal,
    pub answers: Answers,
    pub json: bool,
    pub interactive: bool,
}

impl Walk<'_> {
    pub fn run(self, begin: Begin) -> Result<ExitCode> {
        watch_signals();
        let redact = redactor(&self.context.config.redact)?;
        let executor = ShellExecutor;
        let clock = crate::clock::SystemClock;
        let lang = self.context.lang.clone();
        let mut progress = crate::term::Progress::new(self.json, lang.clone());
        let mut sink = JournalSink(self.journal);
        let mut scripted = ScriptedOperator::new(self.answers, &mut progress, lang.clone());
        let operator: &mut dyn Operator = &mut scripted;
        let ports = Ports {
            operator,
            executor: &executor as &dyn Executor,
            clock: &clock,
            notifier: None,
            sink: &mut sink,
            cancel: &CANCEL,
            redact: &redact,
            lang: lang.clone(),
        };
        let result = match begin {
            Begin::Start(start) => Engine::start(self.runbook, start, ports),
            Begin::Resume(incident) => Engine::resume(self.runbook, incident, ports),
        };
        let (stop, incident) = result.map_err(|error| Error::Other(anyhow::Error::new(error)))?;
        let unanswered = scripted.unanswered.take();
        drop(scripted);
        report(&incident, &stop, unanswered, &progress)
    }
}

/// Tells the operator why the walk stopped and how to go on.
fn report(
    incident: &Incident,
    stop: &Stop,
    unanswered: Option<(String, String)>,
    progress: &crate::term::Progress,
) -> Result<ExitCode> {
    let id = &incident.id;
    let mut err = std::io::stderr().lock();
    Ok(match stop {
        Stop::Ended(outcome) => {
            if *outcome == crate::model::Outcome::Aborted {
                ExitCode::Aborted
            } else {
                ExitCode::Success
            }
        }
        Stop::Paused { step, reason } => {
            let (expects, how) = unanswered.unwrap_or_else(|| (reason.clone(), String::new()));
            let resume = format!("runbook resume {id} {how}").trim_end().to_owned();
            writeln!(
                err,
                "{id} is paused at step `{}`: {expects}",
                step.as_deref().unwrap_or("-")
            )?;
            writeln!(err, "to continue: {resume}")?;
            progress.awaiting(id, step.as_deref(), &expects, &resume);
            ExitCode::Paused
        }
        Stop::Failed { step, reason } => {
            writeln!(err, "{id}: step `{step}` failed: {reason}")?;
            writeln!(
                err,
                "to retry it: runbook resume {id} --answer {step}=retry   (or {step}=done to go on as if it had worked)"
            )?;
            progress.awaiting(
                id,
                Some(step),
                "retry or done",
                &format!("runbook resume {id} --answer {step}=retry"),
            );
            ExitCode::Failure
        }
        Stop::Aborted(_) => ExitCode::Aborted,
        Stop::Interrupted => {
            writeln!(
                err,
                "{id} is paused (interrupted); any running command was stopped"
            )?;
            writeln!(err, "to continue: runbook resume {id}")?;
            ExitCode::Interrupted
        }
    })
}

/// The configured redaction patterns as one function over lines.
pub fn redactor(patterns: &[String]) -> Result<impl Fn(&str) -> String + use<>> {
    let regexes = patterns
        .iter()
        .map(|pattern| {
            regex::Regex::new(pattern).map_err(|error| {
                Error::usage(format!(
                    "invalid redact pattern `{pattern}` in the config: {error}"
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(move |line: &str| {
        let mut line = line.to_owned();
        for regex in &regexes {
            line = regex.replace_all(&line, "[REDACTED]").into_owned();
        }
        line
    })
}

/// Whether to prompt: a terminal on stdin and stderr, and not told otherwise.
#[allow(clippy::disallowed_methods)] // only asks whether stdin is a terminal
pub fn interactive(non_interactive: bool) -> bool {
    use std::io::IsTerminal;
    !non_interactive && std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

//! What a walk without a terminal prints: one plain line per event on
//! stderr for people reading logs, or the events themselves as JSON lines on
//! stdout (`--json`), the same objects the journal holds.

use crate::engine::{Context, Observer, Question};
use crate::model::{Answer, Event, EventKind, Lang, Step, StepKind};
use crate::sanitize::one_line;
use std::io::Write;

#[derive(Debug)]
pub struct Progress {
    json: bool,
    lang: Lang,
}

impl Progress {
    pub fn new(json: bool, lang: Lang) -> Progress {
        Progress { json, lang }
    }

    /// A final JSON line that is not a journal event: what the walk waits
    /// for. `type` is `awaiting`.
    pub fn awaiting(&self, incident: &str, step: Option<&str>, expects: &str, resume: &str) {
        if self.json {
            let line = serde_json::json!({
                "type": "awaiting",
                "incident": incident,
                "step": step,
                "expects": expects,
                "resume": resume,
            });
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }

    /// A message to pass on, under the line that says to whom.
    fn message(&self, message: &str) {
        for line in message_lines(message, 74) {
            self.line(&format!("    {line}"));
        }
    }

    fn line(&self, text: &str) {
        // One write per line: stderr is unbuffered, and a line written in
        // pieces can be split by another writer to the same log.
        let mut line = super::sanitize(text).into_owned();
        line.push('\n');
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

impl Observer for Progress {
    fn event(&mut self, context: Context<'_>, event: &Event) {
        if self.json {
            json_line(event);
            return;
        }
        // A drill shows what it does not run, as if it were to run.
        if let EventKind::CommandSkipped {
            step, command, on, ..
        } = &event.kind
            && rehearsed(context, step)
        {
            match on.as_slice() {
                [] => self.line(&command_line(command)),
                on => self.line(&format!(
                    "  {} {}",
                    on.join(","),
                    command_line(command).trim_start()
                )),
            }
        }
        let text = describe(context, event, &self.lang);
        self.line(&text);
        // Nobody was told: whoever calls them needs what to say.
        if let EventKind::NotificationFailed { via, message, .. } = &event.kind
            && via == "none"
        {
            self.message(message);
        }
    }

    fn unanswered(&mut self, _context: Context<'_>, question: Question<'_>) {
        if self.json {
            return;
        }
        if let Question::Notified(_, contacts, message) = question {
            let ids: Vec<&str> = contacts.iter().map(|contact| contact.id.as_str()).collect();
            self.line(&format!(
                "  no notifier is configured: tell {} yourself",
                ids.join(", ")
            ));
            self.message(message);
        }
    }

    fn output(&mut self, step: &Step, line: &str) {
        if !self.json && matches!(step.kind, StepKind::Command(_)) {
            self.line(&format!("  │ {line}"));
        }
    }
}

/// An event as one JSON line on stdout (`--json`): the object the journal
/// holds, the same from a terminal walk and a scripted one.
pub(super) fn json_line(event: &Event) {
    let mut out = std::io::stdout().lock();
    if serde_json::to_writer(&mut out, event).is_ok() {
        let _ = writeln!(out);
        let _ = out.flush();
    }
}

/// Whether the command of `step` runs on several hosts at once (`parallel`).
fn at_once(context: Context<'_>, step: &str) -> bool {
    matches!(
        context.runbook.step(step).map(|step| &step.kind),
        Some(StepKind::Command(command)) if command.parallel() > 1
    )
}

/// Whether the command of `step` is one a drill shows without running it
/// (`skip`, `simulate-success`).
pub(super) fn rehearsed(context: Context<'_>, step: &str) -> bool {
    matches!(
        context.runbook.step(step).map(|step| &step.kind),
        Some(StepKind::Command(command)) if !command.runs_in(context.incident.drill)
    )
}

/// A message for people, sanitized and wrapped to `width` columns like
/// other body text.
pub(super) fn message_lines(message: &str, width: usize) -> Vec<String> {
    crate::report::wrap(&super::sanitize(message), width)
}

/// A command on one line: its first line, and `…` when it has more.
fn command_line(command: &str) -> String {
    let mut lines = command.trim().lines();
    let first = lines.next().unwrap_or("");
    let more = if lines.next().is_some() { " …" } else { "" };
    format!("  $ {first}{more}")
}

/// One line saying what an event was, for people.
pub fn describe(context: Context<'_>, event: &Event, lang: &Lang) -> String {
    let runbook = context.runbook;
    let title = |step: &str| {
        runbook
            .step(step)
            .map(|s| crate::engine::render_text(s.title.get(lang), context.incident, Some(step)))
            .unwrap_or_default()
    };
    match &event.kind {
        EventKind::IncidentStarted {
            incident,
            runbook: id,
            severity,
            drill,
            ..
        } => format!(
            "{incident}{} started: {} ({id}), severity {severity}",
            if *drill { " [DRILL]" } else { "" },
            runbook.title.get(lang)
        ),
        EventKind::StepEntered { step } => format!("→ {step}: {}", title(step)),
        EventKind::StepAnswered {
            answer, source, note, ..
        } => {
            let answer = match answer {
                Answer::Result { result } => format!("{result:?}").to_lowercase(),
                Answer::YesNo { yes } => if *yes { "yes" } else { "no" }.to_owned(),
                Answer::Option { label, .. } => label.clone(),
                // The journal keeps the text as given; here it must not
                // forge lines of its own.
                Answer::Text { value } => one_line(value),
                Answer::Ticked { items } if items.is_empty() => "nothing ticked".to_owned(),
                Answer::Ticked { items } => {
                    let numbers: Vec<String> = items.iter().map(|i| (i + 1).to_string()).collect();
                    format!("ticked {}", numbers.join(", "))
                }
            };
            let by = match source {
                crate::model::AnswerSource::Script => "scripted",
                crate::model::AnswerSource::Person => "by the operator",
            };
            match note {
                Some(note) => format!("  {answer} ({by}): {note}"),
                None => format!("  {answer} ({by})"),
            }
        }
        // A captured output can be long: its first line says enough.
        EventKind::VarSet { name, value, .. } => format!("  {name} = {}", one_line(value)),
        EventKind::CommandStarted { command, on, .. } => match on {
            // Where it runs, as a shell prompt shows it.
            Some(on) => format!("  {on} {}", command_line(command).trim_start()),
            None => command_line(command),
        },
        EventKind::CommandFinished {
            step,
            exit_code,
            signal,
            duration_ms,
            timed_out,
            output,
            on,
            ..
        } => {
            let how = match (exit_code, signal, timed_out) {
                (_, _, true) => "timed out".to_owned(),
                (Some(code), _, _) => format!("exit {code}"),
                (None, Some(signal), _) => format!("killed by signal {signal}"),
                // The output is then why ("cannot start the command: …"),
                // which nothing else on screen would say.
                (None, None, _) => match crate::model::start_failure(output) {
                    Some(why) => return format!("  {why}"),
                    None => "could not start".to_owned(),
                },
            };
            let took = *duration_ms as f64 / 1000.0;
            // Run on several hosts at once, results come in any order: each
            // says whose it is.
            match on.as_deref().filter(|_| at_once(context, step)) {
                Some(on) => format!("  {how} after {took:.1}s on {on}"),
                None => format!("  {how} after {took:.1}s"),
            }
        }
        EventKind::CommandSkipped { reason, .. } => format!("  not run ({reason})"),
        EventKind::NotificationSent { to, via, .. } => format!("  notified {} via {via}", to.join(", ")),
        // Through a notifier that failed, it is tried again; whoever
        // reads this may not want to wait for that.
        EventKind::NotificationFailed { to, error, via, .. } if via != "none" => format!(
            "  NOT notified {} via {via}: {error}; it is tried again, call them if it cannot wait",
            to.join(", ")
        ),
        EventKind::NotificationFailed { to, error, .. } => {
            format!("  NOT notified {}: {error}", to.join(", "))
        }
        EventKind::MilestoneReached { name, .. } => format!("  milestone reached: {name}"),
        EventKind::TimerFired { timer } => format!("⏱ timer {timer} fired"),
        EventKind::SeverityChanged { from, to, .. } => format!("severity {from} → {to}"),
        // Handed over from another terminal: whose it is matters.
        EventKind::NoteAdded { text, .. } if event.queued.is_some() => {
            format!("  note from {}: {text}", event.actor)
        }
        EventKind::NoteAdded { text, .. } => format!("  note: {text}"),
        EventKind::AttachmentAdded { name, sha256, .. } if event.queued.is_some() => {
            format!("  {} attached {name} (sha256 {sha256})", event.actor)
        }
        EventKind::AttachmentAdded { name, sha256, .. } => format!("  attached {name} (sha256 {sha256})"),
        EventKind::StepFailed { step, reason } => format!("✗ step {step} failed: {reason}"),
        EventKind::Paused { reason, .. } => format!("paused: {reason}"),
        EventKind::Resumed {} => format!("{} resumed by {}", context.incident.id, event.actor),
        EventKind::HostChecked { on, name, error } => match (name, error) {
            (_, Some(error)) => format!("! cannot run commands on {on}: {error}"),
            (Some(name), None) if name != on => format!("  {on} answers (as {name})"),
            _ => format!("  {on} answers"),
        },
        EventKind::Ended { outcome, .. } => format!("{} ended: {}", context.incident.id, outcome.name()),
        EventKind::Aborted { reason } => format!("{} aborted: {reason}", context.incident.id),
    }
}

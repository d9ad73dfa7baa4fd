//! What a walk without a terminal prints: one plain line per event on
//! stderr for people reading logs, or the events themselves as JSON lines on
//! stdout (`--json`), the same objects the journal holds.

use crate::engine::{Context, Observer, Question};
use crate::i18n;
use crate::model::{Answer, Event, EventKind, Lang, Step, StepKind};
use crate::sanitize::one_line;
use crate::tr;
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
            self.line(&tr!(
                &self.lang,
                NoNotifierTell,
                ids = ids.join(tr!(&self.lang, ListSeparator))
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

/// One line saying what an event was, for people, in the display
/// language. What the journal holds in English (an option's label as
/// chosen, a reason the walk wrote) is shown in `lang` where the runbook or
/// the catalogue has it.
pub fn describe(context: Context<'_>, event: &Event, lang: &Lang) -> String {
    let runbook = context.runbook;
    let title = |step: &str| {
        runbook
            .step(step)
            .map(|s| crate::engine::render_text(s.title.get(lang), context.incident, Some(step)))
            .unwrap_or_default()
    };
    let id = &context.incident.id;
    match &event.kind {
        EventKind::IncidentStarted {
            incident,
            runbook: runbook_id,
            severity,
            drill,
            ..
        } => tr!(
            lang,
            Started,
            incident = incident,
            drill = if *drill { tr!(lang, DrillTag) } else { "" },
            title = runbook.title.get(lang),
            runbook = runbook_id,
            severity = severity,
        ),
        EventKind::StepEntered { step } => format!("→ {step}: {}", title(step)),
        EventKind::StepAnswered {
            step,
            answer,
            source,
            note,
            ..
        } => {
            let answer = match answer {
                Answer::Result { result } => i18n::result(lang, *result).to_owned(),
                Answer::YesNo { yes } => if *yes {
                    tr!(lang, AnswerYes)
                } else {
                    tr!(lang, AnswerNo)
                }
                .to_owned(),
                Answer::Option { index, label } => {
                    option_label(context, step, *index, lang).unwrap_or_else(|| label.clone())
                }
                // The journal keeps the text as given; here it must not
                // forge lines of its own.
                Answer::Text { value } => one_line(value),
                Answer::Ticked { items } if items.is_empty() => tr!(lang, NothingTicked).to_owned(),
                Answer::Ticked { items } => {
                    let numbers: Vec<String> = items.iter().map(|i| (i + 1).to_string()).collect();
                    tr!(lang, Ticked, items = numbers.join(tr!(lang, ListSeparator)))
                }
            };
            let by = match source {
                crate::model::AnswerSource::Script => tr!(lang, ByScript),
                crate::model::AnswerSource::Person => tr!(lang, ByOperator),
            };
            match note {
                Some(note) => tr!(lang, AnsweredWithNote, answer = answer, by = by, note = note),
                None => tr!(lang, Answered, answer = answer, by = by),
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
            let seconds = format!("{:.1}", *duration_ms as f64 / 1000.0);
            let how = match (exit_code, signal, timed_out) {
                (_, _, true) => tr!(lang, CommandTimedOut, seconds = seconds),
                (Some(code), _, _) => tr!(lang, CommandExit, code = code, seconds = seconds),
                (None, Some(signal), _) => tr!(lang, CommandKilled, signal = signal, seconds = seconds),
                // The output is then why ("cannot start the command: …"),
                // which nothing else on screen would say.
                (None, None, _) => match crate::model::start_failure(output) {
                    Some(why) => return format!("  {}", i18n::reason(lang, why)),
                    None => tr!(lang, CommandNotStarted, seconds = seconds),
                },
            };
            // Run on several hosts at once, results come in any order: each
            // says whose it is.
            match on.as_deref().filter(|_| at_once(context, step)) {
                Some(on) => format!("  {}", tr!(lang, CommandOnHost, how = how, on = on)),
                None => format!("  {how}"),
            }
        }
        EventKind::CommandSkipped { reason, .. } => tr!(lang, NotRun, reason = i18n::reason(lang, reason)),
        EventKind::NotificationSent { to, via, .. } => tr!(
            lang,
            NotifiedVia,
            to = to.join(tr!(lang, ListSeparator)),
            via = i18n::via(lang, via)
        ),
        // Through a notifier that failed, it is tried again; whoever
        // reads this may not want to wait for that.
        EventKind::NotificationFailed { to, error, via, .. } if via != "none" => tr!(
            lang,
            NotNotifiedRetried,
            to = to.join(tr!(lang, ListSeparator)),
            via = i18n::via(lang, via),
            error = i18n::reason(lang, error),
        ),
        EventKind::NotificationFailed { to, error, .. } => tr!(
            lang,
            NotNotified,
            to = to.join(tr!(lang, ListSeparator)),
            error = i18n::reason(lang, error)
        ),
        EventKind::MilestoneReached { name, .. } => tr!(lang, MilestoneReached, name = name),
        EventKind::TimerFired { timer, repeat: None } => tr!(lang, TimerFired, timer = timer),
        EventKind::TimerFired {
            timer,
            repeat: Some(repeat),
        } => tr!(lang, TimerFiredAgain, timer = timer, repeat = repeat),
        EventKind::SeverityChanged { from, to, .. } => tr!(lang, SeverityChanged, from = from, to = to),
        // Handed over from another terminal: whose it is matters.
        EventKind::NoteAdded { text, .. } if event.queued.is_some() => {
            tr!(lang, NoteFrom, actor = event.actor, text = i18n::note(lang, text))
        }
        EventKind::NoteAdded { text, .. } => tr!(lang, NoteLine, text = i18n::note(lang, text)),
        EventKind::AttachmentAdded { name, sha256, .. } if event.queued.is_some() => {
            tr!(
                lang,
                AttachedBy,
                actor = event.actor,
                name = name,
                sha256 = sha256
            )
        }
        EventKind::AttachmentAdded { name, sha256, .. } => tr!(lang, Attached, name = name, sha256 = sha256),
        EventKind::StepFailed { step, reason } => {
            tr!(lang, StepFailed, step = step, reason = i18n::reason(lang, reason))
        }
        EventKind::Paused { reason, .. } => tr!(lang, PausedLine, reason = i18n::reason(lang, reason)),
        EventKind::Resumed {} => tr!(lang, ResumedBy, incident = id, actor = event.actor),
        EventKind::HostChecked { on, name, error } => match (name, error) {
            (_, Some(error)) => tr!(lang, HostUnreachable, on = on, error = i18n::reason(lang, error)),
            (Some(name), None) if name != on => tr!(lang, HostAnswersAs, on = on, name = name),
            _ => tr!(lang, HostAnswers, on = on),
        },
        EventKind::Ended { outcome, .. } => {
            tr!(
                lang,
                EndedLine,
                incident = id,
                outcome = i18n::outcome_name(lang, *outcome)
            )
        }
        EventKind::Aborted { reason } => {
            tr!(
                lang,
                AbortedLine,
                incident = id,
                reason = i18n::reason(lang, reason)
            )
        }
    }
}

/// The label of the option chosen at `step`, in `lang`, from the runbook:
/// the journal keeps the label in the language it was chosen in.
fn option_label(context: Context<'_>, step: &str, index: usize, lang: &Lang) -> Option<String> {
    match &context.runbook.step(step)?.kind {
        StepKind::Choice { options, .. } => {
            options.get(index).map(|option| option.label.get(lang).to_owned())
        }
        _ => None,
    }
}

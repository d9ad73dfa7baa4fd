//! The [`Operator`]: whoever makes the decisions. A person at a terminal
//! (`term::TerminalOperator`), a script (`ScriptedOperator`), or a test.

use crate::model::{Contact, Event, Incident, Runbook, Step, StepResult, Timer, Var};

/// What the engine needs decided.
#[derive(Debug, Clone, Copy)]
pub enum Question<'a> {
    /// A variable with no value yet.
    Var(&'a Var),
    /// An `instruction`, `confirm`, `choice`, `input` or `checklist` step.
    Step(&'a Step),
    /// A command with `confirm = true`: run it? (yes / no) With the ssh
    /// destinations it runs on; none when it runs here.
    RunCommand(&'a Step, &'a [String]),
    /// A `notify` step with no notifier configured: were these people told
    /// this message (rendered)? (done / failed / skip)
    Notified(&'a Step, &'a [&'a Contact], &'a str),
    /// The command of this step was started but its result never journaled
    /// (the process running it died): run it again? (yes / no: mark done)
    Unfinished(&'a Step),
    /// This step failed and nothing in the runbook handles it: try again?
    /// (yes / no: mark it done and go on)
    Retry(&'a Step, &'a str),
    /// A timer fired: go to its step now? (yes / no)
    TimerOffer(&'a Timer, &'a Step),
    /// A timer's or a severity level's notice went to nobody (no notifier,
    /// or one that kept failing): were these people told by hand? (done,
    /// with how / failed: not reached / skipped: later). Nothing waits for
    /// it: unanswered, it stays to be told (`runbook told`).
    Told(&'a crate::model::Undelivered, &'a [&'a Contact]),
}

/// A decision, or one of the things an operator can do at any prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Answer(Decision),
    /// Journal a note, then ask again.
    Note(String),
    /// Keep a copy of this file with the incident, then ask again.
    Attach(std::path::PathBuf),
    /// Change the incident's severity, then ask again.
    Severity(String),
    /// Fire every pending escalation timer now, then ask again.
    Escalate,
    /// Stop here; `runbook resume` goes on later.
    Pause,
    Abort(String),
    /// Nobody gave an answer (scripted use): the incident pauses here.
    Unanswered,
    /// Ctrl-C at the prompt: the incident pauses, as on a signal.
    Interrupted,
    /// Something was journaled beside the walk while the question waited
    /// (a timer fired, a note came in): take it in, show it, offer what
    /// fired, then ask again.
    Woken,
}

/// An answer, matching the question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Result(StepResult),
    YesNo(bool),
    /// The index of the chosen option.
    Option(usize),
    Text(String),
    /// The indexes of the ticked checklist items.
    Ticked(Vec<usize>),
}

/// A decision with who made it and an optional note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub value: Value,
    pub source: crate::model::AnswerSource,
    pub note: Option<String>,
}

/// Where the engine is, for the operator to show.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub runbook: &'a Runbook,
    pub incident: &'a Incident,
}

pub trait Operator {
    /// Asks for a decision. Control replies (`Note`, `Severity`,
    /// `Escalate`) are carried out and the question asked again.
    fn ask(&mut self, context: Context<'_>, question: Question<'_>) -> Reply;

    /// Every event, once journaled, for display.
    fn event(&mut self, context: Context<'_>, event: &Event);

    /// A line of a running command's output (already redacted).
    fn output(&mut self, _step: &Step, _line: &str) {}

    /// Something the operator asked for could not be done (a file that
    /// could not be attached), said before the question is asked again.
    fn warn(&mut self, _text: &str) {}
}

//! Steps and what each kind carries.

use super::{Located, Period, Span, Text};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub id: Located<String>,
    #[serde(flatten)]
    pub kind: StepKind,
    pub title: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone: Option<Located<String>>,
    /// The severity the incident is set to when the walk enters the step
    /// (a plan writes it to raise the level: a break-in, data lost).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Located<String>>,
    /// `note = "required"`: its answer is taken only with a note saying
    /// why, or who agreed (consent, data kept before a restore).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub note_required: bool,
    /// `restore = true`: the step overwrites the system or its data from a
    /// copy (an image, a backup). `validate --strict` wants a step that
    /// guards it on every path to it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub restore: bool,
    /// `guards = "restore"`: the step asks for consent to a restore, or has
    /// the original data kept first.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub guards_restore: bool,
    /// Where the step's table starts, for messages about the whole step.
    #[serde(skip)]
    pub span: Span,
}

impl Step {
    /// Every step this one can lead to, with the branch that leads there.
    pub fn successors(&self) -> Vec<(Branch<'_>, &Located<String>)> {
        fn push<'a>(
            out: &mut Vec<(Branch<'a>, &'a Located<String>)>,
            branch: Branch<'a>,
            target: &'a Option<Located<String>>,
        ) {
            if let Some(target) = target {
                out.push((branch, target));
            }
        }
        let mut out = Vec::new();
        match &self.kind {
            StepKind::Instruction { next, on_failure } => {
                push(&mut out, Branch::Next, next);
                push(&mut out, Branch::Failed, on_failure);
            }
            StepKind::Confirm { yes, no } => {
                push(&mut out, Branch::Yes, yes);
                push(&mut out, Branch::No, no);
            }
            StepKind::Choice { options } => {
                for option in options {
                    out.push((Branch::Option(&option.label), &option.goto));
                }
            }
            StepKind::Input { next, .. } | StepKind::Notify { next, .. } => {
                push(&mut out, Branch::Next, next)
            }
            StepKind::Checklist { next, on_any, .. } => {
                push(&mut out, Branch::Next, next);
                push(&mut out, Branch::AnyTicked, on_any);
            }
            StepKind::Command(command) => {
                push(&mut out, Branch::Next, &command.next);
                push(&mut out, Branch::Failed, &command.on_failure);
            }
            StepKind::End { .. } => {}
        }
        out
    }

    pub fn is_end(&self) -> bool {
        matches!(self.kind, StepKind::End { .. })
    }
}

/// How a step leads to the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Branch<'a> {
    /// The plain next step.
    Next,
    Failed,
    Yes,
    No,
    Option(&'a Text),
    /// A checklist with any item ticked.
    AnyTicked,
}

impl Branch<'_> {
    /// The key a runbook writes this branch with.
    pub fn key(&self) -> &'static str {
        match self {
            Branch::Next => "next",
            Branch::Failed => "on_failure",
            Branch::Yes => "yes",
            Branch::No => "no",
            Branch::Option(_) => "goto",
            Branch::AnyTicked => "on_any",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum StepKind {
    /// A manual action: done, failed or skipped, with a note.
    Instruction {
        next: Option<Located<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        on_failure: Option<Located<String>>,
    },
    Confirm {
        yes: Option<Located<String>>,
        no: Option<Located<String>>,
    },
    Choice {
        options: Vec<ChoiceOption>,
    },
    /// Sets `var` from the operator's answer.
    Input {
        var: Located<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pattern: Option<Located<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        default: Option<String>,
        next: Option<Located<String>>,
    },
    Checklist {
        items: Vec<Text>,
        next: Option<Located<String>>,
        /// Where to go when any item is ticked.
        #[serde(skip_serializing_if = "Option::is_none")]
        on_any: Option<Located<String>>,
    },
    Command(Command),
    Notify {
        to: Vec<Located<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        message: Option<Text>,
        next: Option<Located<String>>,
    },
    End {
        outcome: Outcome,
    },
}

impl StepKind {
    pub fn name(&self) -> &'static str {
        match self {
            StepKind::Instruction { .. } => "instruction",
            StepKind::Confirm { .. } => "confirm",
            StepKind::Choice { .. } => "choice",
            StepKind::Input { .. } => "input",
            StepKind::Checklist { .. } => "checklist",
            StepKind::Command(_) => "command",
            StepKind::Notify { .. } => "notify",
            StepKind::End { .. } => "end",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ChoiceOption {
    pub label: Text,
    pub goto: Located<String>,
    /// The severity the incident is set to when this option is chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Located<String>>,
}

/// A shell command. Variables reach it only as environment variables.
#[derive(Debug, Clone, Serialize)]
pub struct Command {
    pub run: Located<String>,
    pub confirm: bool,
    pub timeout: Period,
    pub drill: DrillMode,
    /// Whether the runbook wrote `drill`, rather than the default applying.
    #[serde(skip)]
    pub drill_written: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture: Option<Located<String>>,
    /// Where it runs (`on`), each value expanded and then a
    /// [`crate::model::Destination`]; empty for the runbook's default.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub on: Vec<Located<String>>,
    /// On several hosts: stop at the first that fails (`fail_fast`), the
    /// hosts after it left for a retry; otherwise every one runs.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fail_fast: bool,
    /// On several hosts: how many run at once (`parallel`, at least 1);
    /// `None` when not given, which runs them one after another.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallel: Option<Located<usize>>,
    pub next: Option<Located<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<Located<String>>,
}

impl Command {
    /// How many of its hosts it runs on at once: 1 unless `parallel` says.
    pub fn parallel(&self) -> usize {
        self.parallel.as_ref().map_or(1, |parallel| parallel.value.max(1))
    }

    /// Whether the command runs: always outside a drill, and in a drill
    /// only when its drill mode is `run`; otherwise the walk shows what
    /// would run and goes on.
    pub fn runs_in(&self, drill: bool) -> bool {
        !drill || self.drill == DrillMode::Run
    }
}

/// What a command does during a drill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DrillMode {
    /// Show what would run, run nothing.
    Skip,
    Run,
    /// Run nothing and carry on as if it succeeded.
    SimulateSuccess,
}

impl DrillMode {
    pub const NAMES: &[&str] = &["skip", "run", "simulate-success"];

    pub fn parse(name: &str) -> Option<DrillMode> {
        match name {
            "skip" => Some(DrillMode::Skip),
            "run" => Some(DrillMode::Run),
            "simulate-success" => Some(DrillMode::SimulateSuccess),
            _ => None,
        }
    }

    /// The name a runbook writes, as in [`DrillMode::NAMES`].
    pub fn name(self) -> &'static str {
        match self {
            DrillMode::Skip => "skip",
            DrillMode::Run => "run",
            DrillMode::SimulateSuccess => "simulate-success",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Resolved,
    HandedOver,
    Escalated,
    Aborted,
}

impl Outcome {
    pub const NAMES: &[&str] = &["resolved", "handed-over", "escalated", "aborted"];

    pub fn parse(name: &str) -> Option<Outcome> {
        match name {
            "resolved" => Some(Outcome::Resolved),
            "handed-over" => Some(Outcome::HandedOver),
            "escalated" => Some(Outcome::Escalated),
            "aborted" => Some(Outcome::Aborted),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Outcome::Resolved => "resolved",
            Outcome::HandedOver => "handed-over",
            Outcome::Escalated => "escalated",
            Outcome::Aborted => "aborted",
        }
    }
}

/// Where a step sits in the response flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Report,
    Inspect,
    Handle,
    Recover,
    Review,
}

impl Phase {
    pub const NAMES: &[&str] = &["report", "inspect", "handle", "recover", "review"];

    pub fn parse(name: &str) -> Option<Phase> {
        match name {
            "report" => Some(Phase::Report),
            "inspect" => Some(Phase::Inspect),
            "handle" => Some(Phase::Handle),
            "recover" => Some(Phase::Recover),
            "review" => Some(Phase::Review),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Phase::Report => "report",
            Phase::Inspect => "inspect",
            Phase::Handle => "handle",
            Phase::Recover => "recover",
            Phase::Review => "review",
        }
    }
}

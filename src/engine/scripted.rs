//! The [`ScriptedOperator`]: answers from `--answer`, `--answers` and
//! `--var`, for scripts, monitoring hooks and tests. It never waits: a
//! question nobody answered pauses the incident, a timer's offer included.

use super::operator::{Context, Decision, Operator, Question, Reply, Value};
use super::problem::{Origin, Part, Problem};
use crate::model::{AnswerSource, Event, Lang, Runbook, Step, StepKind, StepResult};
use crate::tr;
use std::collections::{BTreeMap, VecDeque};

/// An answer as a script gives it: one value, or a list (checklists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Given {
    One(String),
    List(Vec<String>),
}

/// Watches a scripted walk: events and command output, for display.
pub trait Observer {
    fn event(&mut self, context: Context<'_>, event: &Event);
    fn output(&mut self, _step: &Step, _line: &str) {}
    /// A question nobody answered, just before the walk pauses at it: for
    /// what whoever takes it up must know that no event says.
    fn unanswered(&mut self, _context: Context<'_>, _question: Question<'_>) {}
}

/// One given answer: as written, and as the answer to the step's own
/// question when it is one (`retry` is not: it answers "try again?").
#[derive(Debug, Clone)]
struct Stored {
    word: String,
    value: Option<Value>,
}

/// Answers checked against the runbook before anything runs.
#[derive(Clone, Default)]
pub struct Answers {
    /// Step or timer id → answers, used in order, each once.
    by_key: BTreeMap<String, VecDeque<Stored>>,
    vars: BTreeMap<String, String>,
    /// Step id → the note to go with its answer (`--note STEP=TEXT`).
    notes: BTreeMap<String, String>,
}

/// Variables by name only: one may be a secret.
impl std::fmt::Debug for Answers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answers")
            .field("by_key", &self.by_key)
            .field("vars", &self.vars.keys().collect::<Vec<_>>())
            .field("notes", &self.notes)
            .finish()
    }
}

impl Answers {
    /// Checks every answer and variable against the runbook: unknown steps,
    /// values that are not among a step's options, text not matching a
    /// pattern. Each comes with where it was given, which each problem
    /// carries back; all problems are returned at once.
    pub fn new(
        runbook: &Runbook,
        given: Vec<(String, Given, Origin)>,
        vars: BTreeMap<String, (String, Origin)>,
        lang: &Lang,
    ) -> Result<Answers, Vec<Problem>> {
        let mut answers = Answers {
            by_key: BTreeMap::new(),
            vars: BTreeMap::new(),
            notes: BTreeMap::new(),
        };
        let mut problems = Vec::new();
        for (name, (value, origin)) in vars {
            let secret = runbook
                .vars
                .iter()
                .any(|var| var.secret && var.name.value == name);
            match var_fault(runbook, &name, &value, lang) {
                None => {
                    answers.vars.insert(name, value);
                }
                Some(fault) => problems.push(Problem {
                    flag: match (&origin, fault.shown) {
                        (Origin::Default, _) => tr!(lang, AnswerTheDefaultOf, name = name),
                        _ if secret => tr!(lang, AnswerTheSecret, name = name),
                        (_, Some(shown)) => format!("--var {name}={shown}"),
                        (_, None) => format!("--var {name}"),
                    },
                    // A problem located in an answers file is shown with its
                    // line, which would show the secret: named, not located.
                    origin: if secret { Origin::Flag } else { origin },
                    part: fault.part,
                    message: fault.message,
                    hint: fault.hint,
                }),
            }
        }
        for (key, given, origin) in given {
            let word = match &given {
                Given::One(word) => word.trim().to_ascii_lowercase(),
                Given::List(_) => String::new(),
            };
            // `retry` answers the question asked after a step failed.
            let side = runbook.step(&key).is_some_and(|step| {
                !matches!(step.kind, StepKind::Input { .. } | StepKind::End { .. }) && word == "retry"
            });
            match check(runbook, &key, &given, lang) {
                Ok(value) => answers.by_key.entry(key).or_default().push_back(Stored {
                    word,
                    value: Some(value),
                }),
                Err(_) if side => answers
                    .by_key
                    .entry(key)
                    .or_default()
                    .push_back(Stored { word, value: None }),
                Err(fault) => problems.push(Problem {
                    origin,
                    part: fault.part,
                    flag: match fault.shown {
                        Some(shown) => format!("--answer {key}={shown}"),
                        None => format!("--answer {key}"),
                    },
                    message: fault.message,
                    hint: fault.hint,
                }),
            }
        }
        if problems.is_empty() {
            Ok(answers)
        } else {
            Err(problems)
        }
    }

    /// The next answer for `key`, read as the answer to `question`; it is
    /// used up only if it answers that question.
    fn take(&mut self, key: &str, question: Question<'_>) -> Option<Value> {
        let queue = self.by_key.get_mut(key)?;
        let value = interpret(question, queue.front()?)?;
        queue.pop_front();
        Some(value)
    }

    /// Adds the notes to go with steps' answers, checked against the
    /// runbook: a step it has, and text that is not the resume line's
    /// placeholder.
    pub fn with_notes(
        mut self,
        runbook: &Runbook,
        notes: Vec<(String, String, Origin)>,
        lang: &Lang,
    ) -> Result<Answers, Vec<Problem>> {
        let mut problems = Vec::new();
        for (key, text, origin) in notes {
            let fault = if runbook.step(&key).is_none() {
                Some(Fault::new(
                    Part::Key,
                    tr!(lang, AnswerNoStep, runbook = runbook.id.value, key = key),
                ))
            } else if text.trim().is_empty() {
                Some(Fault::new(Part::Value, tr!(lang, AnswerEmptyNote)))
            } else {
                placeholder(&text, NOTE_PLACEHOLDER, tr!(lang, AnswerWhatNote), lang).or_else(|| {
                    super::unfit_for_environment(&text)
                        .map(|p| Fault::new(Part::Value, tr!(lang, AnswerTheNoteIs, problem = p)))
                })
            };
            match fault {
                None => {
                    self.notes.insert(key, text);
                }
                Some(fault) => problems.push(Problem {
                    origin,
                    part: fault.part,
                    flag: format!("--note {key}"),
                    message: fault.message,
                    hint: fault.hint,
                }),
            }
        }
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(problems)
        }
    }

    pub fn vars(&self) -> &BTreeMap<String, String> {
        &self.vars
    }

    /// Steps (or timers) whose given answers were never asked for.
    pub fn unused(&self) -> Vec<String> {
        self.by_key
            .iter()
            .filter(|(_, values)| !values.is_empty())
            .map(|(key, _)| key.clone())
            .collect()
    }
}

/// The value of a `--var` flag on a `runbook resume` line, until someone
/// puts a value in its place; refused as it stands.
const VAR_PLACEHOLDER: &str = "VALUE";

/// The value of an `--answer` flag on a `runbook resume` line; refused as
/// it stands, even for a step that takes any text.
const ANSWER_PLACEHOLDER: &str = "ANSWER";

/// The value of a `--note` flag on a `runbook resume` line.
const NOTE_PLACEHOLDER: &str = "NOTE";

/// What a question expects, in words, and the flag to pass on the
/// `runbook resume` line. The value is a placeholder, `ANSWER` (`VALUE`
/// for a variable): a line pasted without reading it must be refused, not
/// taken as a decision.
pub fn expects(question: Question<'_>, lang: &Lang) -> (String, String) {
    let (what, how) = expects_answer(question, lang);
    match question {
        Question::Step(step) if step.note_required => (
            tr!(lang, ExpectsWithNote, what = what),
            format!("{how} --note {}={NOTE_PLACEHOLDER}", step.id.value),
        ),
        _ => (what, how),
    }
}

/// The environment variable a script gives a secret variable's value in:
/// `token` → `RUNBOOK_VAR_TOKEN`.
pub fn secret_env(name: &str) -> String {
    format!("RUNBOOK_VAR_{}", crate::model::Var::env_name(name))
}

fn expects_answer(question: Question<'_>, lang: &Lang) -> (String, String) {
    let answer = |id: &str| format!("--answer {id}={ANSWER_PLACEHOLDER}");
    match question {
        Question::Var(var) if var.secret => (
            format!(
                "a value for the secret `{name}`{pattern}, in the environment as {env}=… or in a file: \
                 never on the command line, where `ps` shows it",
                name = var.name.value,
                pattern = var
                    .pattern
                    .as_ref()
                    .map(|p| format!(" matching {}", p.value))
                    .unwrap_or_default(),
                env = secret_env(&var.name.value),
            ),
            format!("--var-file {}=PATH", var.name.value),
        ),
        Question::Var(var) => (
            match &var.pattern {
                Some(pattern) => tr!(
                    lang,
                    ExpectsValueMatching,
                    name = var.name.value,
                    pattern = pattern.value
                ),
                None => tr!(lang, ExpectsValue, name = var.name.value),
            },
            format!("--var {}={VAR_PLACEHOLDER}", var.name.value),
        ),
        Question::Step(step) => match &step.kind {
            StepKind::Instruction { .. } => (tr!(lang, ExpectsResult).into(), answer(&step.id.value)),
            StepKind::Confirm { .. } => (tr!(lang, ExpectsYesNo).into(), answer(&step.id.value)),
            StepKind::Choice { options } => {
                let labels: Vec<String> = options
                    .iter()
                    .enumerate()
                    .map(|(i, o)| format!("{} ({})", i + 1, o.label.get(lang)))
                    .collect();
                (
                    tr!(lang, ExpectsOneOf, options = labels.join(", ")),
                    answer(&step.id.value),
                )
            }
            StepKind::Input { pattern, .. } => (
                match pattern {
                    Some(pattern) => tr!(lang, ExpectsTextMatching, pattern = pattern.value),
                    None => tr!(lang, ExpectsText).into(),
                },
                answer(&step.id.value),
            ),
            StepKind::Checklist { items, .. } => (
                tr!(lang, ExpectsTicked, count = items.len()),
                answer(&step.id.value),
            ),
            _ => (tr!(lang, ExpectsAnswer).into(), answer(&step.id.value)),
        },
        Question::RunCommand(step, _) => (tr!(lang, ExpectsRunCommand).into(), answer(&step.id.value)),
        Question::Notified(step, ..) => (tr!(lang, ExpectsNotified).into(), answer(&step.id.value)),
        Question::Unfinished(step) => (tr!(lang, ExpectsUnfinished).into(), answer(&step.id.value)),
        Question::Retry(step, _) => (tr!(lang, ExpectsRetry).into(), answer(&step.id.value)),
        // Never declined for the script: whether to leave the step is
        // decided by whoever answers, like every other question.
        Question::TimerOffer(timer, target) => (
            tr!(
                lang,
                ExpectsTimerOffer,
                timer = timer.id.value,
                step = target.id.value
            ),
            answer(&timer.id.value),
        ),
        Question::Told(pending, _) => (
            tr!(lang, ExpectsNotified).into(),
            format!("(runbook told INCIDENT {} --how HOW)", pending.notice()),
        ),
    }
}

/// What is wrong with a given answer or variable, before it is known
/// where it was given.
struct Fault {
    part: Part,
    /// The value as the flag shows it (`--answer ok=maybe`), when it
    /// helps; a value too long or strange to repeat is left out.
    shown: Option<String>,
    message: String,
    hint: Option<String>,
}

impl Fault {
    fn new(part: Part, message: impl Into<String>) -> Fault {
        Fault {
            part,
            shown: None,
            message: message.into(),
            hint: None,
        }
    }

    fn showing(mut self, value: &str) -> Fault {
        self.shown = Some(value.to_owned());
        self
    }

    fn hint(mut self, hint: String) -> Fault {
        self.hint = Some(hint);
        self
    }
}

/// Why the runbook cannot take `value` for the variable `name`, if it
/// cannot.
fn var_fault(runbook: &Runbook, name: &str, value: &str, lang: &Lang) -> Option<Fault> {
    if let Some(fault) = placeholder(value, VAR_PLACEHOLDER, tr!(lang, AnswerWhatValue), lang) {
        return Some(fault);
    }
    if let Some(problem) = super::unfit_for_environment(value) {
        return Some(Fault::new(
            Part::Value,
            tr!(lang, AnswerTheValueIs, problem = problem),
        ));
    }
    let Some(var) = runbook.vars.iter().find(|var| var.name.value == name) else {
        let known: Vec<&str> = runbook.vars.iter().map(|var| var.name.as_str()).collect();
        let hint = crate::model::did_you_mean(name, known.iter().copied()).unwrap_or_else(|| {
            if known.is_empty() {
                tr!(lang, AnswerNoVariables).to_owned()
            } else {
                tr!(lang, AnswerVariables, known = known.join(", "))
            }
        });
        return Some(
            Fault::new(
                Part::Key,
                tr!(lang, AnswerNoVariable, runbook = runbook.id.value, name = name),
            )
            .hint(hint),
        );
    };
    let pattern = var.pattern.as_ref().map(|p| p.value.as_str());
    (!super::matches_pattern(pattern, value)).then(|| {
        let fault = Fault::new(
            Part::Value,
            tr!(lang, AnswerNoMatch, name = name, pattern = pattern.unwrap_or("")),
        );
        // A secret is not repeated, even when it is wrong.
        if var.secret { fault } else { fault.showing(value) }
    })
}

/// The fault of `value` left as the resume line's `placeholder` for the
/// `what` (value, answer) that should stand in its place.
fn placeholder(value: &str, placeholder: &str, what: &str, lang: &Lang) -> Option<Fault> {
    (value.trim() == placeholder).then(|| {
        Fault::new(
            Part::Value,
            tr!(lang, AnswerPlaceholder, placeholder = placeholder, what = what),
        )
        .showing(value)
    })
}

/// Reads an answer for `key` the way its step asks, after refusing what
/// no step takes: the resume line's placeholder, and values no command's
/// environment could carry.
fn check(runbook: &Runbook, key: &str, given: &Given, lang: &Lang) -> Result<Value, Fault> {
    if let Given::One(value) = given
        && let Some(fault) = placeholder(value, ANSWER_PLACEHOLDER, tr!(lang, AnswerWhatAnswer), lang)
    {
        return Err(fault);
    }
    let values = match given {
        Given::One(value) => std::slice::from_ref(value),
        Given::List(values) => values.as_slice(),
    };
    for (index, value) in values.iter().enumerate() {
        if let Some(problem) = super::unfit_for_environment(value) {
            let part = match given {
                Given::One(_) => Part::Value,
                Given::List(_) => Part::Item(index),
            };
            return Err(Fault::new(part, tr!(lang, AnswerTheAnswerIs, problem = problem)));
        }
    }
    parse(runbook, key, given, lang)
}

/// Reads an answer for `key` the way its step asks.
fn parse(runbook: &Runbook, key: &str, given: &Given, lang: &Lang) -> Result<Value, Fault> {
    let one = |given: &Given| match given {
        Given::One(value) => Ok(value.trim().to_owned()),
        Given::List(_) => Err(Fault::new(Part::Value, tr!(lang, AnswerListOnlyChecklists))),
    };
    if runbook.timers.iter().any(|timer| timer.id.value == key) {
        let value = one(given)?;
        return yes_no(&value)
            .map(Value::YesNo)
            .ok_or_else(|| Fault::new(Part::Value, tr!(lang, AnswerTimerYesNo)));
    }
    let Some(step) = runbook.step(key) else {
        let known = runbook
            .steps
            .iter()
            .map(|step| step.id.as_str())
            .chain(runbook.timers.iter().map(|timer| timer.id.as_str()));
        let hint =
            crate::model::did_you_mean(key, known).unwrap_or_else(|| tr!(lang, AnswerHintStepIds).to_owned());
        return Err(Fault::new(
            Part::Key,
            tr!(lang, AnswerNoStep, runbook = runbook.id.value, key = key),
        )
        .hint(hint));
    };
    let bad = |part: Part, expected: &str, value: &str| {
        Fault::new(part, tr!(lang, AnswerExpects, key = key, expected = expected)).showing(value)
    };
    match &step.kind {
        StepKind::Instruction { .. } | StepKind::Notify { .. } => {
            let value = one(given)?;
            result(&value)
                .map(Value::Result)
                .ok_or_else(|| bad(Part::Value, tr!(lang, AnswerExpectsResult), &value))
        }
        StepKind::Confirm { .. } => {
            let value = one(given)?;
            yes_no(&value)
                .map(Value::YesNo)
                .ok_or_else(|| bad(Part::Value, tr!(lang, AnswerExpectsYesNo), &value))
        }
        StepKind::Choice { options } => {
            let value = one(given)?;
            let by_number = value
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=options.len()).contains(n))
                .map(|n| n - 1);
            let by_label = options.iter().position(|option| {
                option
                    .label
                    .variants()
                    .any(|label| label.trim().eq_ignore_ascii_case(&value))
            });
            by_number.or(by_label).map(Value::Option).ok_or_else(|| {
                let labels: Vec<String> = options
                    .iter()
                    .enumerate()
                    .map(|(i, o)| format!("{} ({})", i + 1, o.label.get(lang)))
                    .collect();
                bad(
                    Part::Value,
                    &tr!(lang, AnswerExpectsOption, options = labels.join(", ")),
                    &value,
                )
            })
        }
        StepKind::Input { pattern, .. } => {
            let value = match given {
                Given::One(value) => value.clone(),
                Given::List(_) => return Err(Fault::new(Part::Value, tr!(lang, AnswerListOnlyChecklists))),
            };
            if super::matches_pattern(pattern.as_ref().map(|p| p.value.as_str()), &value) {
                Ok(Value::Text(value))
            } else {
                Err(bad(
                    Part::Value,
                    &tr!(
                        lang,
                        AnswerExpectsText,
                        pattern = pattern.as_ref().map(|p| p.value.as_str()).unwrap_or("")
                    ),
                    &value,
                ))
            }
        }
        StepKind::Checklist { items, .. } => {
            let (parts, listed): (Vec<String>, bool) = match given {
                Given::List(parts) => (parts.clone(), true),
                // Most often an unset shell variable: it must not decide,
                // as "nothing ticked", which way the walk goes.
                Given::One(value) if value.trim().is_empty() => {
                    return Err(Fault::new(Part::Value, tr!(lang, AnswerEmptyChecklist)).showing(""));
                }
                Given::One(value) if value.trim().eq_ignore_ascii_case("none") => (Vec::new(), false),
                Given::One(value) => (
                    value.split(',').map(|part| part.trim().to_owned()).collect(),
                    false,
                ),
            };
            let mut ticked = Vec::new();
            for (at, part) in parts.iter().enumerate() {
                let by_number = part
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=items.len()).contains(n))
                    .map(|n| n - 1);
                let by_label = items.iter().position(|item| {
                    item.variants()
                        .any(|label| label.trim().eq_ignore_ascii_case(part))
                });
                match by_number.or(by_label) {
                    Some(index) if !ticked.contains(&index) => ticked.push(index),
                    Some(_) => {}
                    None => {
                        return Err(bad(
                            if listed { Part::Item(at) } else { Part::Value },
                            &tr!(lang, AnswerExpectsItems, count = items.len()),
                            part,
                        ));
                    }
                }
            }
            ticked.sort_unstable();
            Ok(Value::Ticked(ticked))
        }
        StepKind::Command(_) => {
            let value = one(given)?;
            match value.to_ascii_lowercase().as_str() {
                "yes" | "y" | "run" | "retry" | "true" => Ok(Value::YesNo(true)),
                "no" | "n" | "skip" | "done" | "false" => Ok(Value::YesNo(false)),
                _ => Err(bad(Part::Value, tr!(lang, AnswerExpectsCommand), &value)),
            }
        }
        StepKind::End { .. } => Err(Fault::new(Part::Key, tr!(lang, AnswerEndStep, key = key))),
    }
}

/// A given answer read as the answer to `question`. The words for the
/// questions about a step (run it? were they told? try again?) are the same
/// for every kind of step.
fn interpret(question: Question<'_>, stored: &Stored) -> Option<Value> {
    let word = stored.word.as_str();
    match question {
        Question::Var(_) => None,
        Question::Step(_) | Question::TimerOffer(..) => stored.value.clone(),
        Question::RunCommand(..) => match word {
            "yes" | "y" | "run" | "true" => Some(Value::YesNo(true)),
            "no" | "n" | "skip" | "false" => Some(Value::YesNo(false)),
            _ => None,
        },
        Question::Notified(..) | Question::Told(..) => match word {
            "done" | "yes" | "y" => Some(Value::Result(StepResult::Done)),
            "failed" | "fail" => Some(Value::Result(StepResult::Failed)),
            "skip" | "skipped" | "no" | "n" => Some(Value::Result(StepResult::Skipped)),
            _ => None,
        },
        Question::Unfinished(_) | Question::Retry(..) => match word {
            "retry" | "run" | "yes" | "y" => Some(Value::YesNo(true)),
            "done" | "skip" | "no" | "n" => Some(Value::YesNo(false)),
            _ => None,
        },
    }
}

/// A command's first line, with the values of the variables it reads:
/// `systemctl restart "$SERVICE"` with SERVICE=nginx.
fn command_shown(step: &Step, context: Context<'_>) -> String {
    let StepKind::Command(command) = &step.kind else {
        return String::new();
    };
    let run = command.run.value.trim();
    let first = run.lines().next().unwrap_or_default();
    let more = if run.lines().nth(1).is_some() { " ..." } else { "" };
    let env: Vec<String> = context
        .incident
        .vars
        .iter()
        .map(|(name, value)| (name.to_ascii_uppercase(), value))
        .filter(|(name, _)| run.contains(&format!("${name}")) || run.contains(&format!("${{{name}}}")))
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    if env.is_empty() {
        format!("`{first}`{more}")
    } else {
        format!("`{first}`{more} with {}", env.join(", "))
    }
}

fn yes_no(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "retry" | "run" => Some(true),
        "no" | "n" | "false" | "done" | "skip" => Some(false),
        _ => None,
    }
}

fn result(value: &str) -> Option<StepResult> {
    match value.to_ascii_lowercase().as_str() {
        "done" | "yes" => Some(StepResult::Done),
        "failed" | "fail" => Some(StepResult::Failed),
        "skip" | "skipped" => Some(StepResult::Skipped),
        _ => None,
    }
}

/// Answers questions from [`Answers`]; pauses at the first it cannot.
pub struct ScriptedOperator<'o> {
    answers: Answers,
    observer: Behind<'o>,
    /// The question that paused the walk: (what it expects, how to answer).
    pub unanswered: Option<(String, String)>,
    lang: Lang,
}

impl std::fmt::Debug for ScriptedOperator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptedOperator")
            .field("answers", &self.answers)
            .finish_non_exhaustive()
    }
}

/// Who sees the walk, and who answers what the script does not.
enum Behind<'o> {
    /// Nobody answers: unanswered questions pause the walk.
    Observer(&'o mut dyn Observer),
    /// A person answers the rest (answers given on the command line at a
    /// terminal are used first).
    Person(&'o mut dyn Operator),
}

impl<'o> ScriptedOperator<'o> {
    pub fn new(answers: Answers, observer: &'o mut dyn Observer, lang: Lang) -> ScriptedOperator<'o> {
        ScriptedOperator {
            answers,
            observer: Behind::Observer(observer),
            unanswered: None,
            lang,
        }
    }

    /// Answers given and never used: the walk did not get that far, or
    /// went another way.
    pub fn unused(&self) -> Vec<String> {
        self.answers.unused()
    }

    /// Uses the given answers first, then asks `person`.
    pub fn before(answers: Answers, person: &'o mut dyn Operator, lang: Lang) -> ScriptedOperator<'o> {
        ScriptedOperator {
            answers,
            observer: Behind::Person(person),
            unanswered: None,
            lang,
        }
    }
}

impl Operator for ScriptedOperator<'_> {
    fn ask(&mut self, context: Context<'_>, question: Question<'_>) -> Reply {
        let answer = match question {
            Question::Var(var) => self.answers.vars.get(&var.name.value).cloned().map(Value::Text),
            Question::Step(step)
            | Question::RunCommand(step, _)
            | Question::Notified(step, ..)
            | Question::Unfinished(step)
            | Question::Retry(step, _) => self.answers.take(&step.id.value, question),
            Question::TimerOffer(timer, _) => self.answers.take(&timer.id.value, question),
            // Told with `runbook told`, not in answers.
            Question::Told(..) => None,
        };
        let note = match question {
            Question::Step(step) => self.answers.notes.get(&step.id.value).cloned(),
            _ => None,
        };
        match (answer, &mut self.observer) {
            // A step that needs a note is not answered by a script without one.
            (Some(_), Behind::Observer(observer))
                if note.is_none() && matches!(question, Question::Step(step) if step.note_required) =>
            {
                observer.unanswered(context, question);
                self.unanswered = Some(expects(question, &self.lang));
                Reply::Unanswered
            }
            (Some(_), Behind::Person(person))
                if note.is_none() && matches!(question, Question::Step(step) if step.note_required) =>
            {
                person.ask(context, question)
            }
            (Some(value), _) => Reply::Answer(Decision {
                value,
                source: AnswerSource::Script,
                note,
            }),
            (None, Behind::Person(person)) => person.ask(context, question),
            // Nothing pauses for it: the notice stays to be told, and
            // `incidents` shows it.
            (None, Behind::Observer(_)) if matches!(question, Question::Told(..)) => Reply::Unanswered,
            (None, Behind::Observer(observer)) => {
                observer.unanswered(context, question);
                let (what, how) = expects(question, &self.lang);
                let what = match question {
                    // What would run, and on what: nobody says yes to a
                    // restart without seeing which service it restarts.
                    Question::RunCommand(step, _) => format!("{what}: {}", command_shown(step, context)),
                    _ => what,
                };
                self.unanswered = Some((what, how));
                Reply::Unanswered
            }
        }
    }

    fn event(&mut self, context: Context<'_>, event: &Event) {
        match &mut self.observer {
            Behind::Observer(observer) => observer.event(context, event),
            Behind::Person(person) => person.event(context, event),
        }
    }

    fn output(&mut self, step: &Step, line: &str) {
        match &mut self.observer {
            Behind::Observer(observer) => observer.output(step, line),
            Behind::Person(person) => person.output(step, line),
        }
    }

    /// Said to the person behind the script, who will be asked again; a
    /// script is never asked again, so nothing is said to it.
    fn warn(&mut self, text: &str) {
        if let Behind::Person(person) = &mut self.observer {
            person.warn(text);
        }
    }
}

#[cfg(test)]
mod tests;

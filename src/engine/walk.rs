//! The walk: one incident, step by step, from its start or from where its
//! journal says it stopped.

use super::operator::{Context, Decision, Operator, Question, Reply, Value};
use super::ports::{Clock, Notifier, Redaction, Sink};
use super::{CommandSpec, Executor, Prepared, timers};
use crate::model::{
    Answer, Contact, Destination, DrillMode, Event, EventKind, Incident, Lang, Outcome, Progress, Runbook,
    SECRET_MARKER, Step, StepKind, StepResult, Timer, Var, render,
};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

mod command;
mod fan_out;
mod notify;
mod perform;

/// Why the walk stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    Ended(Outcome),
    /// Waiting for an operator: a question nobody answered, or a pause.
    Paused {
        step: Option<String>,
        reason: String,
    },
    /// A step failed and nothing handles it.
    Failed {
        step: String,
        reason: String,
    },
    Aborted(String),
    /// Ctrl-C or a hang-up: paused, with any running command killed.
    Interrupted,
    /// A step could not run as written (its `on` gives a value that is no
    /// destination): paused there, nothing of it run.
    Refused {
        step: String,
        /// As journaled, in English.
        reason: String,
        /// The same in the language of the walk ([`Ports::lang`]).
        shown: String,
    },
}

/// Everything outside the engine that a walk uses.
pub struct Ports<'a> {
    pub operator: &'a mut dyn Operator,
    pub executor: &'a dyn Executor,
    pub clock: &'a dyn Clock,
    pub notifier: Option<&'a dyn Notifier>,
    pub sink: &'a mut dyn Sink,
    /// Set on Ctrl-C or a hang-up.
    pub cancel: &'a AtomicBool,
    /// Applied to every line of command output before it is shown or kept.
    /// Shared by the threads of a step that runs on several hosts at once,
    /// each taking a stream of its own.
    pub redact: &'a (dyn Redaction + Sync),
    /// The language of notifications.
    pub lang: Lang,
    /// Names this incident among every process on the machine, across
    /// data directories and resumes: commands carry it in their
    /// environment, so that what a crash left running can be found.
    pub incident_key: String,
}

impl std::fmt::Debug for Ports<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ports")
            .field("lang", &self.lang)
            .finish_non_exhaustive()
    }
}

/// How a new incident starts.
#[derive(Clone)]
pub struct Start {
    pub incident: String,
    pub severity: String,
    pub vars: BTreeMap<String, String>,
    pub drill: bool,
    pub speed: u32,
    /// SHA-256 of the runbook's bytes, and where they came from.
    pub digest: String,
    pub source: String,
}

/// Variables by name only: a secret's value is among them until the walk
/// takes it out.
impl std::fmt::Debug for Start {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Start")
            .field("incident", &self.incident)
            .field("severity", &self.severity)
            .field("vars", &self.vars.keys().collect::<Vec<_>>())
            .field("drill", &self.drill)
            .field("speed", &self.speed)
            .field("digest", &self.digest)
            .field("source", &self.source)
            .finish()
    }
}

/// The journal could not be written: nothing more can safely happen.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the journal: {0}")]
pub struct JournalFailed(#[from] pub std::io::Error);

/// What a step led to.
enum Flow {
    Goto(String),
    Fail(String),
    Stop(Stop),
}

/// A walk through one incident.
pub struct Engine<'a> {
    runbook: &'a Runbook,
    incident: Incident,
    ports: Ports<'a>,
    grace: Duration,
    /// Timers that fired and whose step has not been offered yet.
    unoffered: Vec<String>,
    /// Decisions taken in this walk, to tell a loop nobody attends.
    decisions: usize,
    /// The next command's shell, started while the one before ran (see
    /// [`Engine::next_command`]).
    ahead: Option<Ahead<'a>>,
    /// This machine's name, once asked for (an `on` naming it runs here).
    host_name: std::sync::OnceLock<String>,
    /// Notices the operator was asked about in this walk (`Question::Told`).
    told_asked: Vec<EventKind>,
    /// The values of secret variables, given again in each walk: the
    /// journal holds [`SECRET_MARKER`] for them. Only commands' environment
    /// sees these; their output is searched for them.
    secrets: BTreeMap<String, String>,
}

/// A command's shell started before its turn, held at its gate: for
/// `step`, with `env`. Dropped unused, it is stopped unopened.
struct Ahead<'a> {
    step: String,
    env: Vec<(String, String)>,
    /// The ssh destination, `None` for here.
    on: Option<String>,
    prepared: Box<dyn Prepared + 'a>,
}

/// Steps that may run in a row with nobody deciding anything before a
/// script's walk pauses: long enough for any plan, short of forever.
const MAX_UNATTENDED: usize = 200;

impl std::fmt::Debug for Engine<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("incident", &self.incident.id)
            .finish_non_exhaustive()
    }
}

impl<'a> Engine<'a> {
    /// Opens a new incident and walks it until it ends or stops.
    pub fn start(
        runbook: &'a Runbook,
        mut start: Start,
        ports: Ports<'a>,
    ) -> Result<(Stop, Incident), JournalFailed> {
        // Secrets given with the start never reach the journal: the marker
        // stands in, the value stays in memory.
        let mut secrets = BTreeMap::new();
        for var in runbook.vars.iter().filter(|var| var.secret) {
            if let Some(value) = start.vars.get_mut(&var.name.value) {
                let value = std::mem::replace(value, SECRET_MARKER.to_owned());
                ports.sink.admit_secret(&var.name.value, &value)?;
                secrets.insert(var.name.value.clone(), value);
            }
        }
        let now = ports.clock.now();
        let first = ports.sink.record(
            now,
            EventKind::IncidentStarted {
                incident: start.incident,
                runbook: runbook.id.value.clone(),
                title: runbook.title.get(&Lang::english()).to_owned(),
                version: runbook.version.clone(),
                digest: start.digest,
                source: start.source,
                severity: start.severity,
                vars: start.vars,
                drill: start.drill,
                speed: start.speed.max(1),
            },
        )?;
        let incident =
            Incident::replay([&first]).map_err(|error| JournalFailed(std::io::Error::other(error)))?;
        let mut engine = Engine {
            runbook,
            incident,
            ports,
            grace: Duration::from_secs(5),
            unoffered: Vec::new(),
            decisions: 0,
            ahead: None,
            host_name: std::sync::OnceLock::new(),
            told_asked: Vec::new(),
            secrets,
        };
        engine.shown(&first);
        let stop = engine.walk()?;
        engine.ports.sink.sync()?;
        Ok((stop, engine.incident))
    }

    /// Goes on with an incident from its journal.
    pub fn resume(
        runbook: &'a Runbook,
        incident: Incident,
        ports: Ports<'a>,
    ) -> Result<(Stop, Incident), JournalFailed> {
        // Timers that fired while nobody drove the incident (`runbook
        // check`), or just before a crash, still get their step offered.
        let unoffered = incident
            .timers_fired
            .iter()
            .filter(|timer| !incident.timers_offered.contains(*timer))
            .cloned()
            .collect();
        let mut engine = Engine {
            runbook,
            incident,
            ports,
            grace: Duration::from_secs(5),
            unoffered,
            decisions: 0,
            ahead: None,
            host_name: std::sync::OnceLock::new(),
            told_asked: Vec::new(),
            secrets: BTreeMap::new(),
        };
        engine.record(EventKind::Resumed {})?;
        let stop = engine.walk()?;
        engine.ports.sink.sync()?;
        Ok((stop, engine.incident))
    }

    fn shown(&mut self, event: &Event) {
        let context = Context {
            runbook: self.runbook,
            incident: &self.incident,
        };
        self.ports.operator.event(context, event);
    }

    fn record(&mut self, kind: EventKind) -> Result<Event, JournalFailed> {
        self.absorb();
        let now = self.ports.clock.now();
        let event = self.ports.sink.record(now, kind)?;
        self.apply(&event);
        Ok(event)
    }

    fn apply(&mut self, event: &Event) {
        self.incident.apply(event);
        if let EventKind::TimerFired { timer, .. } = &event.kind {
            self.unoffered.push(timer.clone());
        }
        self.shown(event);
    }

    /// Takes in what other writers journaled: the walk's background thread
    /// (timers, notifications, notes and files handed over).
    fn absorb(&mut self) {
        for event in self.ports.sink.foreign() {
            self.apply(&event);
        }
    }

    fn walk(&mut self) -> Result<Stop, JournalFailed> {
        // The severity's contacts hear of the incident first: when it
        // opens, and after a crash that came before they were told.
        self.notify_unannounced_severity()?;
        let mut pending = self.collect_vars()?;
        if pending.is_none() {
            // Before the first change: a host that cannot be reached is
            // told now, not in the middle of a restore.
            self.preflight()?;
        }
        let mut at = match self.incident.current.clone() {
            Some(step) => {
                // A crash may have come between entering the step and
                // reaching its milestone, or between a timer firing and its
                // notification going out: finish both now.
                self.reach_milestone(&step)?;
                self.notify_fired_timers()?;
                step
            }
            None if matches!(pending, Some(Flow::Stop(_))) => String::new(),
            None => {
                let start = self.runbook.start.value.clone();
                self.enter(&start)?;
                start
            }
        };
        // Steps run since anyone last decided anything: a loop of commands
        // must not run forever in a script.
        let mut unattended = 0;
        loop {
            if let Some(flow) = pending.take() {
                match flow {
                    Flow::Goto(step) => {
                        self.enter(&step)?;
                        at = step;
                    }
                    Flow::Stop(stop) => return Ok(stop),
                    Flow::Fail(_) => {}
                }
            }
            if self.ports.cancel.load(Ordering::SeqCst) {
                return self.interrupted(Some(&at));
            }
            let decisions = self.decisions;
            if let Some(flow) = self.fire_timers(false)? {
                match flow {
                    Flow::Goto(step) => {
                        self.enter(&step)?;
                        at = step;
                    }
                    Flow::Stop(stop) => return Ok(stop),
                    Flow::Fail(_) => {}
                }
            }
            let Some(step) = self.runbook.step(&at) else {
                // The journal names a step the runbook no longer has; resume
                // refuses changed runbooks unless told, so say so plainly.
                let reason = format!("step `{at}` is not in the runbook");
                self.record(EventKind::Paused {
                    step: Some(at.clone()),
                    reason: reason.clone(),
                })?;
                return Ok(Stop::Paused {
                    step: Some(at),
                    reason,
                });
            };
            let flow = self.perform(step)?;
            if let Flow::Stop(stop) = flow {
                return Ok(stop);
            }
            unattended = if self.decisions == decisions {
                unattended + 1
            } else {
                0
            };
            if unattended > MAX_UNATTENDED {
                let reason = format!(
                    "{MAX_UNATTENDED} steps in a row ran without anyone deciding anything: a loop? paused for a person"
                );
                self.record(EventKind::Paused {
                    step: Some(at.clone()),
                    reason: reason.clone(),
                })?;
                return Ok(Stop::Paused {
                    step: Some(at),
                    reason,
                });
            }
            match flow {
                Flow::Goto(next) => {
                    self.enter(&next)?;
                    at = next;
                }
                // Journaled, then decided on at once: a person is asked to
                // retry or go on; a script stops with exit 1.
                Flow::Fail(reason) => {
                    self.record(EventKind::StepFailed {
                        step: at.clone(),
                        reason,
                    })?;
                }
                Flow::Stop(stop) => return Ok(stop),
            }
        }
    }

    fn reach_milestone(&mut self, step: &str) -> Result<(), JournalFailed> {
        if let Some(milestone) = self.runbook.step(step).and_then(|step| step.milestone.as_ref())
            && !self.incident.milestones.contains_key(&milestone.value)
        {
            self.record(EventKind::MilestoneReached {
                name: milestone.value.clone(),
                step: step.to_owned(),
            })?;
        }
        Ok(())
    }

    fn enter(&mut self, step: &str) -> Result<(), JournalFailed> {
        // Not where the walk was expected to go: not left waiting.
        if self.ahead.as_ref().is_some_and(|ahead| ahead.step != step) {
            self.ahead = None;
        }
        self.record(EventKind::StepEntered {
            step: step.to_owned(),
        })?;
        self.reach_milestone(step)?;
        // A step that raises the severity does so as the walk reaches it,
        // with the new level's contacts told, as if changed by hand.
        if let Some(level) = self.runbook.step(step).and_then(|step| step.severity.as_ref()) {
            self.change_severity(&level.value, Some(format!("step `{step}`")))?;
        }
        Ok(())
    }

    /// Asks until there is an answer or a stop, carrying out notes,
    /// severity changes and escalations on the way.
    /// Keeps a copy of `file` with the incident, or tells the operator why
    /// it could not.
    fn attach(&mut self, file: &std::path::Path) -> Result<(), JournalFailed> {
        match self.ports.sink.store_attachment(file) {
            Ok(stored) => self
                .record(EventKind::AttachmentAdded {
                    name: stored.name,
                    sha256: stored.sha256,
                    bytes: stored.bytes,
                })
                .map(drop),
            Err(error) => {
                let text = crate::tr!(
                    &self.ports.lang,
                    CannotAttach,
                    file = file.display(),
                    error = error
                );
                self.ports.operator.warn(&text);
                Ok(())
            }
        }
    }

    fn ask(
        &mut self,
        step: Option<&str>,
        question: Question<'_>,
    ) -> Result<Result<Decision, Flow>, JournalFailed> {
        let stop = |stop: Stop| Err(Flow::Stop(stop));
        loop {
            if self.ports.cancel.load(Ordering::SeqCst) {
                return self.interrupted(step).map(stop);
            }
            // What happened beside the walk shows before the question, and
            // a timer that fired there is offered first.
            self.absorb();
            if !self.unoffered.is_empty()
                && !matches!(question, Question::TimerOffer(..))
                && let Some(flow) = self.fire_timers(false)?
            {
                return Ok(Err(flow));
            }
            // People a notice reached nobody for: were they told by hand?
            // After the timer's own offer, which comes first. What the
            // operator does there besides answering is acted on as if done
            // at this question.
            let beside = if matches!(question, Question::TimerOffer(..)) {
                None
            } else {
                self.ask_told()?
            };
            let reply = match beside {
                Some(reply) => reply,
                None => {
                    // What the person sees is on disk before they act on it.
                    self.ports.sink.sync()?;
                    let context = Context {
                        runbook: self.runbook,
                        incident: &self.incident,
                    };
                    self.ports.operator.ask(context, question)
                }
            };
            self.absorb();
            if self.ports.cancel.load(Ordering::SeqCst) {
                return self.interrupted(step).map(stop);
            }
            match reply {
                Reply::Answer(decision) => {
                    self.decisions += 1;
                    return Ok(Ok(decision));
                }
                Reply::Note(text) => {
                    self.record(EventKind::NoteAdded {
                        text,
                        step: step.map(str::to_owned),
                    })?;
                }
                Reply::Attach(file) => self.attach(&file)?,
                Reply::Severity(level) => self.change_severity(&level, None)?,
                Reply::Escalate => {
                    // Accepting a fired timer's step leaves this question.
                    if let Some(flow) = self.fire_timers(true)? {
                        return Ok(Err(flow));
                    }
                }
                // Taken in, shown and offered before the question is asked
                // again.
                Reply::Woken => {}
                Reply::Pause => {
                    let reason = "paused by the operator".to_owned();
                    self.record(EventKind::Paused {
                        step: step.map(str::to_owned),
                        reason: reason.clone(),
                    })?;
                    return Ok(stop(Stop::Paused {
                        step: step.map(str::to_owned),
                        reason,
                    }));
                }
                Reply::Interrupted => return self.interrupted(step).map(stop),
                Reply::Abort(reason) => {
                    self.record(EventKind::Aborted {
                        reason: reason.clone(),
                    })?;
                    return Ok(stop(Stop::Aborted(reason)));
                }
                // A failed step nobody decides about stays failed (exit 1),
                // which says more than "paused".
                Reply::Unanswered if matches!(question, Question::Retry(..)) => {
                    let (failed, reason) = self.incident.failed.clone().unwrap_or_default();
                    return Ok(stop(Stop::Failed { step: failed, reason }));
                }
                Reply::Unanswered => {
                    let reason = match (step, question) {
                        (_, Question::TimerOffer(timer, target)) => format!(
                            "timer `{}` fired: waiting for an answer to its offer of step `{}`",
                            timer.id.value, target.id.value
                        ),
                        (Some(step), _) => format!("waiting for an answer to step `{step}`"),
                        (None, _) => "waiting for an answer".to_owned(),
                    };
                    self.record(EventKind::Paused {
                        step: step.map(str::to_owned),
                        reason: reason.clone(),
                    })?;
                    return Ok(stop(Stop::Paused {
                        step: step.map(str::to_owned),
                        reason,
                    }));
                }
            }
        }
    }

    /// Journals who decided a side question about a step, and how.
    fn decided(&mut self, step: &str, question: &str, decision: &Decision) -> Result<(), JournalFailed> {
        let answer = match &decision.value {
            Value::YesNo(yes) => Answer::YesNo { yes: *yes },
            Value::Result(result) => Answer::Result { result: *result },
            Value::Text(value) => Answer::Text { value: value.clone() },
            Value::Option(index) => Answer::Option {
                index: *index,
                label: String::new(),
            },
            Value::Ticked(items) => Answer::Ticked { items: items.clone() },
        };
        self.record(EventKind::StepAnswered {
            step: step.to_owned(),
            answer,
            source: decision.source,
            note: decision.note.clone(),
            question: Some(question.to_owned()),
        })?;
        Ok(())
    }

    fn interrupted(&mut self, step: Option<&str>) -> Result<Stop, JournalFailed> {
        self.record(EventKind::Paused {
            step: step.map(str::to_owned),
            reason: "interrupted".to_owned(),
        })?;
        Ok(Stop::Interrupted)
    }

    /// Every declared variable gets a value before the first step; a
    /// secret one gets its value again in each walk, and must be the
    /// value it was given first.
    fn collect_vars(&mut self) -> Result<Option<Flow>, JournalFailed> {
        let missing: Vec<&Var> = self
            .runbook
            .vars
            .iter()
            .filter(|var| {
                let name = &var.name.value;
                !self.incident.vars.contains_key(name) || (var.secret && !self.secrets.contains_key(name))
            })
            .collect();
        for var in missing {
            let name = &var.name.value;
            let mut refused: Option<String> = None;
            let value = loop {
                match self.ask(None, Question::Var(var))? {
                    Ok(Decision {
                        value: Value::Text(value),
                        ..
                    }) if matches_pattern(var.pattern.as_ref().map(|p| p.value.as_str()), &value) => {
                        if !var.secret || self.ports.sink.admit_secret(name, &value)? {
                            break value;
                        }
                        if refused.as_ref() == Some(&value) {
                            // Given the same again by someone who cannot be
                            // asked twice (a script): stop rather than loop.
                            return Ok(Some(Flow::Stop(self.pause_secret_refused(name)?)));
                        }
                        self.ports.operator.warn(&secret_refused(name));
                        refused = Some(value);
                    }
                    Ok(_) => continue,
                    Err(flow) => return Ok(Some(flow)),
                }
            };
            let journaled = if var.secret {
                self.secrets.insert(name.clone(), value);
                SECRET_MARKER.to_owned()
            } else {
                value
            };
            if self.incident.vars.get(name) != Some(&journaled) {
                self.record(EventKind::VarSet {
                    name: name.clone(),
                    value: journaled,
                    step: None,
                })?;
            }
        }
        Ok(None)
    }

    fn pause_secret_refused(&mut self, name: &str) -> Result<Stop, JournalFailed> {
        let reason = secret_refused(name);
        self.record(EventKind::Paused {
            step: None,
            reason: reason.clone(),
        })?;
        Ok(Stop::Paused { step: None, reason })
    }

    /// The secrets' values as a command's output might show them: as
    /// given, and URL-encoded where that differs; a value of several lines
    /// (a key from a file) also line by line, as output is redacted, where
    /// a line is long enough to be no common word. Empty values hide
    /// nothing.
    fn secret_forms(&self) -> Vec<String> {
        let mut forms: Vec<String> = Vec::new();
        for value in self.secrets.values().filter(|value| !value.is_empty()) {
            forms.push(value.clone());
            let encoded = url_encoded(value);
            if encoded != *value {
                forms.push(encoded);
            }
            if value.contains('\n') {
                forms.extend(
                    value
                        .lines()
                        .map(str::trim)
                        .filter(|line| line.chars().count() >= 8)
                        .map(str::to_owned),
                );
            }
        }
        // Longest first, so that a secret holding another is hidden whole.
        forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
        forms
    }

    /// Display text with `{{name}}` filled in.
    fn render(&self, text: &str, step: Option<&str>) -> String {
        render_text(text, &self.incident, step)
    }
}

/// What is said when a secret is not the value the incident was given.
fn secret_refused(name: &str) -> String {
    format!(
        "this is not the value `{name}` was given when it was first set in this incident; give that value (it is a secret, so it is not shown)"
    )
}

/// `value` as it would appear in a URL: every byte but the unreserved
/// ones as `%XX`.
fn url_encoded(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// Every form in `forms` (longest first) replaced by [`SECRET_MARKER`].
fn hide_secrets(line: &str, forms: &[String]) -> String {
    let mut line = line.to_owned();
    for form in forms {
        if line.contains(form.as_str()) {
            line = line.replace(form.as_str(), SECRET_MARKER);
        }
    }
    line
}

/// Fills `{{name}}` from an incident's variables and built-ins. One with no
/// value yet (an `input` not reached, the capture of a command that failed)
/// is empty, as commands see it: never the placeholder itself.
pub fn render_text(text: &str, incident: &Incident, step: Option<&str>) -> String {
    render(text, |name| {
        let value = match name {
            "incident" => Some(incident.id.clone()),
            "runbook" => Some(incident.runbook.clone()),
            "severity" => Some(incident.severity.clone()),
            "drill" => Some(if incident.drill { "yes" } else { "no" }.to_owned()),
            "step" => step.or(incident.current.as_deref()).map(str::to_owned),
            "operator" => incident.operators.iter().next_back().cloned(),
            name => incident.vars.get(name).cloned(),
        };
        Some(value.unwrap_or_default())
    })
}

/// Whether `value` matches an input pattern (none: anything does).
pub fn matches_pattern(pattern: Option<&str>, value: &str) -> bool {
    match pattern {
        None => true,
        Some(pattern) => regex::Regex::new(pattern).is_ok_and(|regex| regex.is_match(value)),
    }
}

fn command_of(step: &Step) -> String {
    match &step.kind {
        StepKind::Command(command) => command.run.value.clone(),
        _ => String::new(),
    }
}

/// The time a timer falls due next, for headers and listings.
pub fn next_timer(runbook: &Runbook, incident: &Incident) -> Option<(String, DateTime<Utc>)> {
    timers::pending(runbook, incident)
        .into_iter()
        .next()
        .map(|(timer, due)| (timer.id.value.clone(), due))
}

//! The engine driven by test doubles: a hand-set clock, an executor that
//! records what it was asked to run, an in-memory journal.

use super::*;
use crate::load::{Origin, Source, load};
use crate::model::{Event, EventKind, Incident, Lang, Outcome, Runbook, Status};
use chrono::{DateTime, Duration as Span, Utc};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

fn runbook(toml: &str) -> Runbook {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let loaded = load(Source::new("test.toml", Origin::Builtin, toml), today);
    let errors: Vec<String> = loaded.diagnostics.iter().map(|d| d.render()).collect();
    loaded
        .runbook
        .unwrap_or_else(|| panic!("invalid test runbook:\n{}", errors.join("\n")))
}

struct FakeClock(Cell<DateTime<Utc>>);

impl FakeClock {
    fn new() -> FakeClock {
        FakeClock(Cell::new("2026-11-28T09:00:00Z".parse().unwrap()))
    }
    fn advance(&self, by: Span) {
        self.0.set(self.0.get() + by);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.get()
    }
}

/// A script and the environment it was given (with `@ DESTINATION` after
/// the script when it runs over ssh).
type Ran = (String, Vec<(String, String)>);

/// Runs nothing; fails the scripts that contain "false".
#[derive(Default)]
struct FakeExecutor {
    ran: Locked<Vec<Ran>>,
    /// `prepare SCRIPT`, `run SCRIPT` and `stop SCRIPT` (dropped unrun),
    /// in order, with the sink's entries among them.
    log: Log,
}

/// What the executor and the sink did, in order.
type Log = std::sync::Arc<Locked<Vec<String>>>;

/// A `Mutex` read like a `RefCell`: the executor runs commands of one
/// step on several threads at once (`parallel`).
#[derive(Default, Debug)]
struct Locked<T>(std::sync::Mutex<T>);

impl<T> Locked<T> {
    fn borrow(&self) -> std::sync::MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn borrow_mut(&self) -> std::sync::MutexGuard<'_, T> {
        self.borrow()
    }
}

impl Executor for FakeExecutor {
    fn prepare<'s>(&'s self, spec: &CommandSpec<'s>) -> std::io::Result<Box<dyn Prepared + 's>> {
        let script = match &spec.on {
            Some(on) => format!("{} @ {on}", spec.script),
            None => spec.script.to_owned(),
        };
        self.log.borrow_mut().push(format!("prepare {script}"));
        Ok(Box::new(FakePrepared {
            executor: self,
            ran: Some((script, spec.env.clone())),
        }))
    }

    fn stop_leftovers(&self, _incident_key: &str, step: &str, on: Option<&str>) -> Result<Vec<u32>, String> {
        self.log
            .borrow_mut()
            .push(format!("leftovers {step} @ {}", on.unwrap_or("here")));
        Ok(Vec::new())
    }
}

struct FakePrepared<'s> {
    executor: &'s FakeExecutor,
    /// Taken by `run`.
    ran: Option<Ran>,
}

impl Drop for FakePrepared<'_> {
    fn drop(&mut self) {
        if let Some((script, _)) = &self.ran {
            self.executor.log.borrow_mut().push(format!("stop {script}"));
        }
    }
}

impl Prepared for FakePrepared<'_> {
    fn run(
        self: Box<Self>,
        redact: &dyn Fn(&str) -> String,
        line: &mut dyn FnMut(&str),
        started: &mut dyn FnMut(),
        _idle: &mut dyn FnMut(),
    ) -> std::io::Result<CommandOutcome> {
        let mut this = self;
        let ran = this.ran.take().expect("run once");
        let failed = ran.0.contains("false");
        // A host named `down…` never answers.
        let unreachable = ran
            .0
            .contains("@ down")
            .then(|| "ssh could not reach down".to_owned());
        this.executor.log.borrow_mut().push(format!("run {}", ran.0));
        this.executor.ran.borrow_mut().push(ran);
        started();
        let output = redact("out s3cret");
        line(&output);
        Ok(CommandOutcome {
            exit_code: Some(if unreachable.is_some() {
                255
            } else if failed {
                1
            } else {
                0
            }),
            signal: None,
            duration: std::time::Duration::from_millis(5),
            timed_out: false,
            cancelled: false,
            stdout: output.clone(),
            output,
            output_bytes: 10,
            unreachable,
        })
    }
}

#[derive(Default)]
struct MemorySink {
    events: Vec<Event>,
    /// Fail `sync` once this many commands' starts are recorded (1: the
    /// first): a disk that fails.
    sync_fails_after_command_starts: Option<usize>,
    /// Shared with the executor: `start STEP` when a command's start is
    /// recorded, `sync` when one is asked for.
    log: Log,
    /// The first value each secret was given (a real sink keeps a digest).
    secrets: BTreeMap<String, String>,
}

impl Sink for MemorySink {
    fn admit_secret(&mut self, name: &str, value: &str) -> std::io::Result<bool> {
        Ok(self
            .secrets
            .entry(name.to_owned())
            .or_insert_with(|| value.to_owned())
            == value)
    }

    fn record(&mut self, time: DateTime<Utc>, kind: EventKind) -> std::io::Result<Event> {
        let seq = self.events.len() as u64 + 1;
        let event = Event {
            seq,
            time,
            actor: "test@host".into(),
            kind,
            queued: None,
            prev: format!("{:064}", seq - 1),
            hash: format!("{seq:064}"),
        };
        if let EventKind::CommandStarted { step, .. } = &event.kind {
            self.log.borrow_mut().push(format!("start {step}"));
        }
        self.events.push(event.clone());
        Ok(event)
    }

    fn sync(&mut self) -> std::io::Result<()> {
        self.log.borrow_mut().push("sync".into());
        let started = self
            .events
            .iter()
            .filter(|event| matches!(event.kind, EventKind::CommandStarted { .. }))
            .count();
        if self
            .sync_fails_after_command_starts
            .is_some_and(|fail| started >= fail)
        {
            return Err(std::io::Error::other("disk failed"));
        }
        Ok(())
    }
}

#[derive(Default)]
struct Quiet;

impl Observer for Quiet {
    fn event(&mut self, _context: Context<'_>, _event: &Event) {}
}

struct Notes(std::sync::Mutex<Vec<String>>);

impl Notifier for Notes {
    fn name(&self) -> &str {
        "test"
    }
    fn send(&self, notification: &Notification<'_>) -> Result<(), String> {
        let to: Vec<&str> = notification.to.iter().map(|c| c.id.value.as_str()).collect();
        self.0
            .lock()
            .unwrap()
            .push(format!("{}: {}", to.join(","), notification.message));
        Ok(())
    }
}

/// Answers as `--answer STEP=VALUE` flags give them.
fn flags(given: &[(&str, &str)]) -> Vec<(String, Given, crate::engine::Origin)> {
    given
        .iter()
        .map(|(step, value)| {
            (
                step.to_string(),
                Given::One(value.to_string()),
                crate::engine::Origin::Flag,
            )
        })
        .collect()
}

struct Harness {
    runbook: Runbook,
    clock: FakeClock,
    executor: FakeExecutor,
    sink: MemorySink,
    notifier: Option<Notes>,
    /// The variables given at start.
    vars: BTreeMap<String, String>,
}

impl Harness {
    fn new(toml: &str) -> Harness {
        let log = Log::default();
        Harness {
            runbook: runbook(toml),
            clock: FakeClock::new(),
            executor: FakeExecutor {
                log: log.clone(),
                ..FakeExecutor::default()
            },
            sink: MemorySink {
                log,
                ..MemorySink::default()
            },
            notifier: None,
            vars: BTreeMap::from([("service".to_owned(), "nginx".to_owned())]),
        }
    }

    /// What the executor and the sink did, in order, leaving out the syncs
    /// other than those just before a command runs.
    fn log(&self) -> Vec<String> {
        let log = self.executor.log.borrow();
        log.iter()
            .enumerate()
            .filter(|(i, entry)| {
                *entry != "sync" || log.get(i + 1).is_some_and(|next| next.starts_with("run "))
            })
            .map(|(_, entry)| entry.clone())
            .collect()
    }

    fn answers(&self, given: &[(&str, &str)]) -> Answers {
        Answers::new(
            &self.runbook,
            flags(given),
            BTreeMap::new(),
            &crate::model::Lang::english(),
        )
        .unwrap()
    }

    fn start(&mut self, given: &[(&str, &str)], drill: bool) -> (Stop, Incident) {
        self.try_start(given, drill).unwrap()
    }

    fn try_start(&mut self, given: &[(&str, &str)], drill: bool) -> Result<(Stop, Incident), JournalFailed> {
        let answers = self.answers(given);
        let mut quiet = Quiet;
        let mut operator = ScriptedOperator::new(answers, &mut quiet, Lang::english());
        self.start_with(&mut operator, drill)
    }

    /// Starts the incident with `operator` deciding.
    fn start_with(
        &mut self,
        operator: &mut dyn Operator,
        drill: bool,
    ) -> Result<(Stop, Incident), JournalFailed> {
        let cancel = AtomicBool::new(false);
        let redact = |line: &str| line.replace("s3cret", "[REDACTED]");
        let ports = Ports {
            operator,
            executor: &self.executor,
            clock: &self.clock,
            notifier: self.notifier.as_ref().map(|n| n as &dyn Notifier),
            sink: &mut self.sink,
            cancel: &cancel,
            redact: &redact,
            lang: Lang::english(),
            incident_key: "test-key".into(),
        };
        let start = Start {
            incident: "INC-20261128-0001".into(),
            severity: "sev2".into(),
            vars: self.vars.clone(),
            drill,
            speed: 1,
            digest: "d".repeat(64),
            source: "test.toml".into(),
        };
        Engine::start(&self.runbook, start, ports)
    }

    fn resume(&mut self, given: &[(&str, &str)]) -> (Stop, Incident) {
        let answers = self.answers(given);
        let mut quiet = Quiet;
        let mut operator = ScriptedOperator::new(answers, &mut quiet, Lang::english());
        self.resume_with(&mut operator)
    }

    /// Resumes the incident with `operator` deciding.
    fn resume_with(&mut self, operator: &mut dyn Operator) -> (Stop, Incident) {
        let incident = Incident::replay(&self.sink.events).unwrap();
        let cancel = AtomicBool::new(false);
        let redact = |line: &str| line.to_owned();
        let ports = Ports {
            operator,
            executor: &self.executor,
            clock: &self.clock,
            notifier: self.notifier.as_ref().map(|n| n as &dyn Notifier),
            sink: &mut self.sink,
            cancel: &cancel,
            redact: &redact,
            lang: Lang::english(),
            incident_key: "test-key".into(),
        };
        Engine::resume(&self.runbook, incident, ports).unwrap()
    }

    fn types(&self) -> Vec<&'static str> {
        self.sink.events.iter().map(|e| e.kind.name()).collect()
    }
}

const FLOW: &str = r#"schema = 1
title = "Flow"

[vars.service]
prompt = "Service"

[contacts.vendor]
role = "Vendor"
phone = "1"

[timers.escalate]
after = "1h"
until = "found"
notify = ["vendor"]
goto = "call"

[[steps]]
id = "up"
kind = "confirm"
title = "Is {{service}} up?"
yes = "done"
no = "restart"

[[steps]]
id = "restart"
kind = "command"
title = "Restart"
run = 'systemctl restart "$SERVICE"'
confirm = true

[[steps]]
id = "found"
kind = "instruction"
title = "Cause found"
milestone = "found"
next = "done"

[[steps]]
id = "call"
kind = "notify"
title = "Call the vendor"
to = ["vendor"]

[[steps]]
id = "escalated"
kind = "end"
title = "Escalated"
outcome = "escalated"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

#[test]
fn answers_walk_to_the_end() {
    let mut h = Harness::new(FLOW);
    let (stop, incident) = h.start(&[("up", "no"), ("restart", "yes"), ("found", "done")], false);
    assert_eq!(stop, Stop::Ended(Outcome::Resolved));
    assert_eq!(incident.status, Status::Ended(Outcome::Resolved));
    assert_eq!(
        h.types(),
        [
            "incident-started",
            "step-entered",
            "step-answered",
            "step-entered",
            "step-answered",
            "command-started",
            "command-finished",
            "step-entered",
            "milestone-reached",
            "step-answered",
            "step-entered",
            "ended"
        ]
    );
    let ran = h.executor.ran.borrow();
    assert_eq!(ran[0].0, r#"systemctl restart "$SERVICE""#);
    assert!(ran[0].1.contains(&("SERVICE".to_owned(), "nginx".to_owned())));
    assert!(
        ran[0]
            .1
            .contains(&("RUNBOOK_STEP".to_owned(), "restart".to_owned()))
    );
}

#[test]
fn unanswered_question_pauses_and_resume_goes_on() {
    let mut h = Harness::new(FLOW);
    let (stop, _) = h.start(&[("up", "no")], false);
    assert_eq!(
        stop,
        Stop::Paused {
            step: Some("restart".into()),
            reason: "waiting for an answer to step `restart`".into()
        }
    );
    assert!(
        h.executor.ran.borrow().is_empty(),
        "a command that asks first never runs unasked"
    );
    let (stop, incident) = h.resume(&[("restart", "no"), ("found", "done")]);
    assert_eq!(stop, Stop::Ended(Outcome::Resolved));
    assert!(h.executor.ran.borrow().is_empty(), "declined");
    assert!(matches!(
        &h.sink.events.iter().find(|e| e.kind.name() == "command-skipped").unwrap().kind,
        EventKind::CommandSkipped { reason, .. } if reason == "declined"
    ));
    assert_eq!(incident.events as usize, h.sink.events.len());
}

#[test]
fn drill_skips_commands_that_ask_first() {
    let mut h = Harness::new(FLOW);
    let (stop, _) = h.start(&[("up", "no"), ("found", "done")], true);
    assert_eq!(stop, Stop::Ended(Outcome::Resolved));
    assert!(h.executor.ran.borrow().is_empty());
}

const FAILING: &str = r#"schema = 1
title = "Failing"

[[steps]]
id = "check"
kind = "command"
title = "Check"
run = "false"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

#[test]
fn failed_step_without_handler_waits_and_can_be_retried_or_passed() {
    let mut h = Harness::new(FAILING);
    let (stop, incident) = h.start(&[], false);
    assert!(
        matches!(stop, Stop::Failed { ref step, .. } if step == "check"),
        "{stop:?}"
    );
    assert_eq!(incident.status, Status::Failed);
    let (stop, _) = h.resume(&[]);
    assert!(
        matches!(stop, Stop::Failed { .. }),
        "still failed until someone decides: {stop:?}"
    );
    let (stop, _) = h.resume(&[("check", "retry")]);
    assert!(matches!(stop, Stop::Failed { .. }), "{stop:?}");
    assert_eq!(h.executor.ran.borrow().len(), 2);
    let (stop, _) = h.resume(&[("check", "done")]);
    assert_eq!(stop, Stop::Ended(Outcome::Resolved));
    assert_eq!(h.executor.ran.borrow().len(), 2, "marking done runs nothing");
}

#[test]
fn output_is_redacted_before_it_is_journaled() {
    let mut h = Harness::new(FAILING.replace("run = \"false\"", "run = \"true\"").as_str());
    h.start(&[], false);
    let finished = h
        .sink
        .events
        .iter()
        .find(|e| e.kind.name() == "command-finished")
        .unwrap();
    let EventKind::CommandFinished { output, .. } = &finished.kind else {
        unreachable!()
    };
    assert_eq!(output, "out [REDACTED]");
}

#[test]
fn a_command_whose_start_cannot_be_made_durable_never_runs() {
    let mut h = Harness::new(FAILING.replace("run = \"false\"", "run = \"true\"").as_str());
    h.sink.sync_fails_after_command_starts = Some(1);
    let error = h.try_start(&[], false).unwrap_err();
    assert!(error.to_string().contains("disk failed"), "{error}");
    assert!(
        h.executor.ran.borrow().is_empty(),
        "the script ran before its start was on disk"
    );
    let last = h.sink.events.last().unwrap();
    assert_eq!(last.kind.name(), "command-started");
}

#[test]
fn crash_after_a_command_finished_does_not_run_it_again() {
    let mut h = Harness::new(FAILING.replace("run = \"false\"", "run = \"true\"").as_str());
    h.start(&[], false);
    // Cut the journal right after command-finished, as a crash would.
    let at = h
        .sink
        .events
        .iter()
        .position(|e| e.kind.name() == "command-finished")
        .unwrap();
    h.sink.events.truncate(at + 1);
    let (stop, _) = h.resume(&[]);
    assert_eq!(stop, Stop::Ended(Outcome::Resolved));
    assert_eq!(h.executor.ran.borrow().len(), 1);
}

#[test]
fn crash_while_a_command_ran_asks_before_running_it_again() {
    let mut h = Harness::new(FAILING.replace("run = \"false\"", "run = \"true\"").as_str());
    h.start(&[], false);
    let at = h
        .sink
        .events
        .iter()
        .position(|e| e.kind.name() == "command-started")
        .unwrap();
    h.sink.events.truncate(at + 1);
    let incident = Incident::replay(&h.sink.events).unwrap();
    assert_eq!(incident.unfinished_on("check"), [None]);
    let (stop, _) = h.resume(&[]);
    assert!(matches!(stop, Stop::Paused { .. }), "{stop:?}");
    let (stop, _) = h.resume(&[("check", "done")]);
    assert_eq!(stop, Stop::Ended(Outcome::Resolved));
    assert_eq!(h.executor.ran.borrow().len(), 1, "marked done, not run again");
}

#[test]
fn timer_fires_after_its_time_notifies_and_offers_its_step() {
    let mut h = Harness::new(FLOW);
    h.notifier = Some(Notes(std::sync::Mutex::new(Vec::new())));
    let (stop, _) = h.start(&[("up", "no")], false);
    assert!(matches!(stop, Stop::Paused { .. }));
    h.clock.advance(Span::minutes(61));
    let (stop, incident) = h.resume(&[("escalate", "yes"), ("call", "done")]);
    assert_eq!(stop, Stop::Ended(Outcome::Escalated), "{:?}", h.types());
    assert!(incident.timers_fired.contains("escalate"));
    let sent = h.notifier.as_ref().unwrap().0.lock().unwrap();
    assert!(sent.iter().any(|note| note.starts_with("vendor:")), "{sent:?}");
}

#[test]
fn a_severity_raise_whose_notice_a_crash_lost_is_sent_on_resume() {
    let toml = FLOW.replace(
        "[timers.escalate]",
        "[severity.sev1]\nnotify = [\"vendor\"]\n\n[timers.escalate]",
    );
    let mut h = Harness::new(&toml);
    h.notifier = Some(Notes(std::sync::Mutex::new(Vec::new())));
    let (stop, incident) = h.start(&[], false);
    assert!(matches!(stop, Stop::Paused { .. }));
    assert_eq!(
        incident.unannounced_severity, None,
        "sev2 names nobody, and the walk went on: nothing is owed"
    );
    // Raised to sev1, and the process died before telling anyone.
    h.sink
        .record(
            h.clock.now(),
            EventKind::SeverityChanged {
                from: "sev2".into(),
                to: "sev1".into(),
                reason: None,
            },
        )
        .unwrap();
    h.resume(&[]);
    h.resume(&[]);
    let sent = h.notifier.as_ref().unwrap().0.lock().unwrap();
    let raised: Vec<&String> = sent
        .iter()
        .filter(|note| note.contains("raised from sev2 to sev1"))
        .collect();
    assert_eq!(raised.len(), 1, "told once, on the first resume: {sent:?}");
    assert!(raised[0].starts_with("vendor:"), "{sent:?}");
}

mod beside;
mod escalation;
mod note;
mod remote;
mod secrets;
mod severity;

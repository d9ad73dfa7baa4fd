//! The engine driven by test doubles: a hand-set clock, an executor that
//! records what it was asked to run, an in-memory journal.

use super::*;
use crate::load::{Origin, Source, load};
use crate::model::{Event, EventKind, Incident, Lang, Outcome, Runbook, Status};
use chrono::{DateTime, Duration as Span, Utc};
use std::cell::{Cell, RefCell};
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
    ran: RefCell<Vec<Ran>>,
    /// `prepare SCRIPT`, `run SCRIPT` and `stop SCRIPT` (dropped unrun),
    /// in order, with the sink's entries among them.
    log: Log,
}

/// What the executor and the sink did, in order.
type Log = std::rc::Rc<RefCell<Vec<String>>>;

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
}

impl Sink for MemorySink {
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
        Answers::new(&self.runbook, flags(given), BTreeMap::new()).unwrap()
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
        let incident = Incident::replay(&self.sink.events).unwrap();
        let answers = self.answers(given);
        let mut quiet = Quiet;
        let mut operator = ScriptedOperator::new(answers, &mut quiet, Lang::english());
        let cancel = AtomicBool::new(false);
        let redact = |line: &str| line.to_owned();
        let ports = Ports {
            operator: &mut operator,
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
    assert_eq!(incident.unfinished_command.as_deref(), Some("check"));
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

/// An event at `time` outside any journal, for folding by hand.
fn loose(time: DateTime<Utc>, kind: EventKind) -> Event {
    Event {
        seq: 99,
        time,
        actor: "ops@web1".into(),
        kind,
        queued: None,
        prev: String::new(),
        hash: String::new(),
    }
}

/// The escalation timer's notification to the vendor, failed through `via`.
fn failed_via(via: &str) -> EventKind {
    EventKind::NotificationFailed {
        step: None,
        timer: Some("escalate".into()),
        to: vec!["vendor".into()],
        via: via.into(),
        subject: "s".into(),
        message: "m".into(),
        error: "HTTP 500".into(),
    }
}

/// The same notification, delivered through `via`.
fn sent_via(via: &str) -> EventKind {
    EventKind::NotificationSent {
        step: None,
        timer: Some("escalate".into()),
        to: vec!["vendor".into()],
        via: via.into(),
        subject: "s".into(),
        message: "m".into(),
        how: None,
    }
}

/// Gives its replies in order, one a question, then pauses; keeps what it
/// was warned of.
struct RepliesThenPause {
    replies: Vec<Reply>,
    asked: usize,
    warned: Vec<String>,
}

impl RepliesThenPause {
    fn new(replies: Vec<Reply>) -> RepliesThenPause {
        RepliesThenPause {
            replies,
            asked: 0,
            warned: Vec::new(),
        }
    }
}

impl Operator for RepliesThenPause {
    fn ask(&mut self, _context: Context<'_>, _question: Question<'_>) -> Reply {
        self.asked += 1;
        if self.replies.is_empty() {
            Reply::Pause
        } else {
            self.replies.remove(0)
        }
    }

    fn event(&mut self, _context: Context<'_>, _event: &Event) {}

    fn warn(&mut self, text: &str) {
        self.warned.push(text.to_owned());
    }
}

#[test]
fn a_file_that_cannot_be_attached_is_said_and_the_question_asked_again() {
    let mut h = Harness::new(FLOW);
    let mut operator = RepliesThenPause::new(vec![Reply::Attach("/var/log/auth.log".into())]);
    let (stop, _) = h.start_with(&mut operator, false).unwrap();
    assert!(matches!(stop, Stop::Paused { .. }), "{stop:?}");
    assert_eq!(operator.asked, 2, "asked again after the failed attach");
    // This sink keeps no files: the failure names the file and why.
    assert_eq!(operator.warned.len(), 1, "{:?}", operator.warned);
    assert!(
        operator.warned[0].starts_with("cannot attach /var/log/auth.log: "),
        "{:?}",
        operator.warned
    );
    assert!(!h.types().contains(&"attachment-added"), "{:?}", h.types());
}

/// FLOW with its escalation counting from step `restart`, not yet reached
/// at the first question.
fn flow_escalating_from_restart() -> Harness {
    let mut h = Harness::new(&FLOW.replace("after = \"1h\"", "after = \"1h\"\nfrom = \"step:restart\""));
    h.notifier = Some(Notes(std::sync::Mutex::new(Vec::new())));
    h
}

#[test]
fn escalating_by_hand_fires_a_timer_not_yet_counting_and_says_so() {
    let mut h = flow_escalating_from_restart();
    let mut operator = RepliesThenPause::new(vec![Reply::Escalate]);
    h.start_with(&mut operator, false).unwrap();
    let incident = Incident::replay(&h.sink.events).unwrap();
    assert!(incident.timers_fired.contains("escalate"), "{:?}", h.types());
    let note = h.sink.events.iter().find_map(|event| match &event.kind {
        EventKind::NoteAdded { text, .. } => Some(text.clone()),
        _ => None,
    });
    assert_eq!(
        note.as_deref(),
        Some("escalated by hand: timer escalate fired before it fell due (the plan escalates after 1h)")
    );
    let sent = h.notifier.as_ref().unwrap().0.lock().unwrap().clone();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].starts_with(
            "vendor: Escalated by hand, before timer escalate fell due (the plan escalates after 1h).\n"
        ),
        "{sent:?}"
    );
    assert!(operator.warned.is_empty(), "{:?}", operator.warned);
}

#[test]
fn escalating_with_nothing_left_to_fire_says_so() {
    let mut h = flow_escalating_from_restart();
    let mut operator = RepliesThenPause::new(vec![Reply::Escalate, Reply::Escalate]);
    h.start_with(&mut operator, false).unwrap();
    let fired = h.types().iter().filter(|kind| **kind == "timer-fired").count();
    assert_eq!(fired, 1, "{:?}", h.types());
    assert_eq!(operator.warned.len(), 1, "{:?}", operator.warned);
    assert!(
        operator.warned[0].starts_with("nothing left to escalate"),
        "{:?}",
        operator.warned
    );
}

#[test]
fn a_failed_notification_is_due_again_after_a_doubling_wait_ten_times_at_most() {
    let mut h = Harness::new(FLOW);
    h.start(&[("up", "no")], false);
    let mut incident = Incident::replay(&h.sink.events).unwrap();
    let t0 = h.clock.now();
    let seconds = |n: i64| t0 + Span::seconds(n);
    let due = |incident: &Incident, at| super::fire::retries_due(incident, at).len();

    incident.apply(&loose(t0, failed_via("hook")));
    assert_eq!((due(&incident, seconds(29)), due(&incident, seconds(30))), (0, 1));
    incident.apply(&loose(seconds(30), failed_via("hook")));
    assert_eq!((due(&incident, seconds(89)), due(&incident, seconds(90))), (0, 1));
    // A drill at speed 60 waits a sixtieth.
    incident.speed = 60;
    assert_eq!((due(&incident, seconds(30)), due(&incident, seconds(31))), (0, 1));
    incident.speed = 1;

    incident.apply(&loose(seconds(90), sent_via("hook")));
    assert!(incident.undelivered.is_empty());

    for n in 0..10 {
        incident.apply(&loose(seconds(100 + n), failed_via("hook")));
    }
    assert_eq!(incident.undelivered[0].attempts, 10);
    assert_eq!(due(&incident, seconds(100_000)), 0, "given up after ten attempts");
}

#[test]
fn undelivered_is_one_entry_per_notifier_and_any_delivery_clears_them() {
    let mut h = Harness::new(FLOW);
    h.start(&[("up", "no")], false);
    let mut incident = Incident::replay(&h.sink.events).unwrap();
    let now = h.clock.now();
    let pending = |incident: &Incident| -> Vec<(String, usize)> {
        incident
            .undelivered
            .iter()
            .map(|p| match &p.failed {
                EventKind::NotificationFailed { via, .. } => (via.clone(), p.attempts),
                _ => unreachable!(),
            })
            .collect()
    };
    // No notifier at first; then a real one takes over and carries on counting.
    incident.apply(&loose(now, failed_via("none")));
    incident.apply(&loose(now, failed_via("hook")));
    assert_eq!(pending(&incident), [("hook".to_owned(), 2)]);
    incident.apply(&loose(now, failed_via("mail")));
    assert_eq!(
        pending(&incident),
        [("hook".to_owned(), 2), ("mail".to_owned(), 1)]
    );
    // Told through any of them: nobody is asked again.
    incident.apply(&loose(now, sent_via("mail")));
    assert!(pending(&incident).is_empty());
}

#[test]
fn a_retry_through_a_notifier_gone_from_the_config_is_a_counted_failure() {
    let mut h = Harness::new(FLOW);
    h.start(&[("up", "no")], false);
    let incident = Incident::replay(&h.sink.events).unwrap();
    let notes = Notes(std::sync::Mutex::new(Vec::new()));
    let kinds = super::fire::retry(&h.runbook, &incident, &notes, &failed_via("renamed"));
    assert!(
        notes.0.lock().unwrap().is_empty(),
        "sent through another notifier"
    );
    let [EventKind::NotificationFailed { via, error, .. }] = kinds.as_slice() else {
        panic!("{kinds:?}");
    };
    assert_eq!(via, "renamed");
    assert!(error.contains("not configured any more"), "{error}");
    // One that failed when there was no notifier goes through every one now.
    let kinds = super::fire::retry(&h.runbook, &incident, &notes, &failed_via("none"));
    assert!(matches!(kinds.as_slice(), [EventKind::NotificationSent { via, .. }] if via == "test"));
    assert_eq!(notes.0.lock().unwrap().len(), 1);
}

#[test]
fn milestone_cancels_its_timer() {
    let mut h = Harness::new(FLOW);
    let (stop, _) = h.start(&[("up", "no"), ("restart", "yes")], false);
    assert!(matches!(stop, Stop::Paused { .. }), "waiting at `found`");
    h.clock.advance(Span::hours(2));
    let (stop, incident) = h.resume(&[("found", "done")]);
    assert_eq!(stop, Stop::Ended(Outcome::Resolved));
    assert!(incident.timers_fired.is_empty(), "{:?}", h.types());
}

#[test]
fn answers_are_checked_before_anything_runs() {
    let runbook = runbook(FLOW);
    let given = flags(&[("upp", "yes"), ("up", "maybe"), ("done", "x")]);
    let problems = Answers::new(
        &runbook,
        given,
        BTreeMap::from([("servic".into(), ("x".into(), crate::engine::Origin::Flag))]),
    )
    .unwrap_err();
    assert_eq!(problems.len(), 4, "{problems:#?}");
    let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(problems.iter().any(|p| p.contains("did you mean `up`?")));
    assert!(problems.iter().any(|p| p.contains("expects yes or no")));
    assert!(problems.iter().any(|p| p.contains("end step")));
    assert!(problems.iter().any(|p| p.contains("did you mean `service`?")));
}

/// A sink whose "other writer" fires a timer after the given event count.
struct ForeignSink {
    inner: MemorySink,
    fire_after: usize,
    timer: &'static str,
    fired: bool,
}

impl Sink for ForeignSink {
    fn record(&mut self, time: DateTime<Utc>, kind: EventKind) -> std::io::Result<Event> {
        self.inner.record(time, kind)
    }

    fn foreign(&mut self) -> Vec<Event> {
        if !self.fired && self.inner.events.len() >= self.fire_after {
            self.fired = true;
            let time = self.inner.events.last().unwrap().time;
            return vec![
                self.inner
                    .record(
                        time,
                        EventKind::TimerFired {
                            timer: self.timer.to_owned(),
                        },
                    )
                    .unwrap(),
            ];
        }
        Vec::new()
    }
}

/// Starts `runbook` with `operator` and `sink` (whose other writer is the
/// point of the test), no notifier and the fake clock and executor.
fn start_beside(runbook: &Runbook, operator: &mut dyn Operator, sink: &mut dyn Sink) -> (Stop, Incident) {
    let (clock, executor) = (FakeClock::new(), FakeExecutor::default());
    let cancel = AtomicBool::new(false);
    let redact = |line: &str| line.to_owned();
    let ports = Ports {
        operator,
        executor: &executor,
        clock: &clock,
        notifier: None,
        sink,
        cancel: &cancel,
        redact: &redact,
        lang: Lang::english(),
        incident_key: "test-key".into(),
    };
    let start = Start {
        incident: "INC-20261128-0001".into(),
        severity: "sev2".into(),
        vars: BTreeMap::from([("service".to_owned(), "nginx".to_owned())]),
        drill: false,
        speed: 1,
        digest: "d".repeat(64),
        source: "test.toml".into(),
    };
    Engine::start(runbook, start, ports).unwrap()
}

/// A sink whose "other writer" fires `escalate` between the first question
/// and its answer: what a walk's background thread does while a person
/// sits at a prompt.
struct FiresWhileAsked {
    inner: MemorySink,
    /// Set by the operator once it has been asked.
    asked: std::rc::Rc<Cell<bool>>,
    fired: bool,
}

impl Sink for FiresWhileAsked {
    fn record(&mut self, time: DateTime<Utc>, kind: EventKind) -> std::io::Result<Event> {
        self.inner.record(time, kind)
    }

    fn foreign(&mut self) -> Vec<Event> {
        if self.fired || !self.asked.get() {
            return Vec::new();
        }
        self.fired = true;
        let time = self.inner.events.last().unwrap().time;
        let fired = EventKind::TimerFired {
            timer: "escalate".to_owned(),
        };
        vec![self.inner.record(time, fired).unwrap()]
    }
}

/// Names the questions it is asked; replies `Woken` to the first, accepts
/// the timer's offer, and pauses at anything else.
struct WokenOnce {
    asked: Vec<String>,
    /// Shared with the sink: set at the first question.
    at_prompt: std::rc::Rc<Cell<bool>>,
}

impl Operator for WokenOnce {
    fn ask(&mut self, _context: Context<'_>, question: Question<'_>) -> Reply {
        let name = match question {
            Question::Step(step) => format!("step {}", step.id.as_str()),
            Question::TimerOffer(timer, _) => format!("offer {}", timer.id.value),
            Question::Notified(step, ..) => format!("tell {}", step.id.as_str()),
            _ => "other".to_owned(),
        };
        self.asked.push(name);
        self.at_prompt.set(true);
        match self.asked.len() {
            1 => Reply::Woken,
            2 => Reply::Answer(Decision {
                value: Value::YesNo(true),
                source: crate::model::AnswerSource::Person,
                note: None,
            }),
            _ => Reply::Pause,
        }
    }

    fn event(&mut self, _context: Context<'_>, _event: &Event) {}
}

#[test]
fn a_prompt_woken_by_a_timer_fired_beside_it_offers_the_timer_at_once() {
    let runbook = runbook(FLOW);
    let at_prompt = std::rc::Rc::new(Cell::new(false));
    let mut sink = FiresWhileAsked {
        inner: MemorySink::default(),
        asked: std::rc::Rc::clone(&at_prompt),
        fired: false,
    };
    let mut operator = WokenOnce {
        asked: Vec::new(),
        at_prompt,
    };
    let (stop, _) = start_beside(&runbook, &mut operator, &mut sink);
    assert!(matches!(stop, Stop::Paused { .. }), "{stop:?}");
    // Woken at `up`: the offer comes at once, and taking it goes to `call`.
    assert_eq!(operator.asked, ["step up", "offer escalate", "tell call"]);
    let types: Vec<&str> = sink.inner.events.iter().map(|e| e.kind.name()).collect();
    assert_eq!(
        types.iter().filter(|t| **t == "timer-fired").count(),
        1,
        "{types:?}"
    );
}

#[test]
fn a_timer_fired_by_another_writer_is_offered_at_the_next_step() {
    let runbook = runbook(FLOW);
    let mut sink = ForeignSink {
        inner: MemorySink::default(),
        fire_after: 3,
        timer: "escalate",
        fired: false,
    };
    let given = flags(&[
        ("up", "no"),
        ("restart", "yes"),
        ("escalate", "yes"),
        ("call", "done"),
    ]);
    let answers = Answers::new(&runbook, given, BTreeMap::new()).unwrap();
    let mut quiet = Quiet;
    let mut operator = ScriptedOperator::new(answers, &mut quiet, Lang::english());
    let (stop, _) = start_beside(&runbook, &mut operator, &mut sink);
    let types: Vec<&str> = sink.inner.events.iter().map(|e| e.kind.name()).collect();
    assert_eq!(stop, Stop::Ended(Outcome::Escalated), "{types:?}");
    let fired = types.iter().filter(|t| **t == "timer-fired").count();
    assert_eq!(fired, 1, "the engine does not fire it again: {types:?}");
}

const COMMANDS: &str = r#"schema = 1
title = "Commands"

[[steps]]
id = "one"
kind = "command"
title = "One"
run = "echo one"
on_failure = "look"

[[steps]]
id = "two"
kind = "command"
title = "Two"
run = "echo two"
next = "done"

[[steps]]
id = "look"
kind = "command"
title = "Look"
run = "echo look"
next = "done"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

#[test]
fn the_next_commands_shell_starts_while_the_one_before_runs() {
    let mut h = Harness::new(COMMANDS);
    let (stop, _) = h.start(&[], false);
    assert_eq!(stop, Stop::Ended(Outcome::Resolved));
    assert_eq!(
        h.log(),
        [
            "start one",
            "prepare echo one",
            "sync",
            "run echo one",
            // Before `two`'s turn...
            "prepare echo two",
            "start two",
            // ...and it runs only once its own start is synced.
            "sync",
            "run echo two"
        ]
    );
    // It got what it would have got at its turn.
    let ran = h.executor.ran.borrow();
    assert!(
        ran[1].1.contains(&("RUNBOOK_STEP".to_owned(), "two".to_owned())),
        "{ran:?}"
    );
}

#[test]
fn a_shell_started_early_never_runs_when_its_own_start_cannot_be_synced() {
    let mut h = Harness::new(COMMANDS);
    h.sink.sync_fails_after_command_starts = Some(2);
    let error = h.try_start(&[], false).unwrap_err();
    assert!(error.to_string().contains("disk failed"), "{error}");
    let log = h.executor.log.borrow();
    assert!(log.contains(&"run echo one".to_owned()), "{log:?}");
    assert!(!log.contains(&"run echo two".to_owned()), "{log:?}");
    assert_eq!(log.last().map(String::as_str), Some("stop echo two"), "{log:?}");
}

#[test]
fn a_shell_started_for_a_step_the_walk_does_not_take_is_stopped_unrun() {
    let mut h = Harness::new(&COMMANDS.replace("run = \"echo one\"", "run = \"false\""));
    let (stop, _) = h.start(&[], false);
    assert_eq!(stop, Stop::Ended(Outcome::Resolved));
    assert_eq!(
        h.log(),
        [
            "start one",
            "prepare false",
            "sync",
            "run false",
            "prepare echo two",
            // `one` failed: its handler runs, not `two`.
            "stop echo two",
            "start look",
            "prepare echo look",
            "sync",
            "run echo look"
        ]
    );
}

/// Raises the severity at the first question (a failed command's retry),
/// then goes on as if it had worked.
struct RaiseThenGoOn {
    asked: usize,
}

impl Operator for RaiseThenGoOn {
    fn ask(&mut self, _context: Context<'_>, _question: Question<'_>) -> Reply {
        self.asked += 1;
        match self.asked {
            1 => Reply::Severity("sev1".into()),
            _ => Reply::Answer(Decision {
                value: Value::YesNo(false),
                source: crate::model::AnswerSource::Person,
                note: None,
            }),
        }
    }

    fn event(&mut self, _context: Context<'_>, _event: &Event) {}
}

#[test]
fn a_shell_started_with_an_environment_that_changed_since_is_replaced() {
    // `one` fails with no handler: the operator raises the severity, then
    // marks it done, and the walk goes on to `two` as foreseen.
    let runbook = COMMANDS
        .replace("run = \"echo one\"", "run = \"false\"")
        .replace("on_failure = \"look\"\n", "")
        .replace(
            "[[steps]]\nid = \"look\"\nkind = \"command\"\ntitle = \"Look\"\nrun = \"echo look\"\nnext = \"done\"\n\n",
            "",
        );
    let mut h = Harness::new(&runbook);
    let mut operator = RaiseThenGoOn { asked: 0 };
    let (stop, _) = h.start_with(&mut operator, false).unwrap();
    assert_eq!(stop, Stop::Ended(Outcome::Resolved));
    assert_eq!(
        h.log(),
        [
            "start one",
            "prepare false",
            "sync",
            "run false",
            "prepare echo two",
            "start two",
            // Started for sev2; the command gets sev1 now.
            "stop echo two",
            "prepare echo two",
            "sync",
            "run echo two"
        ]
    );
    let ran = h.executor.ran.borrow();
    assert!(
        ran[1]
            .1
            .contains(&("RUNBOOK_SEVERITY".to_owned(), "sev1".to_owned())),
        "{ran:?}"
    );
}

#[test]
fn no_shell_starts_early_for_a_command_that_asks_first_or_follows_a_capture() {
    // Each shell starts at its own turn, after its start is recorded.
    let at_its_turn = [
        "start one",
        "prepare echo one",
        "sync",
        "run echo one",
        "start two",
        "prepare echo two",
        "sync",
        "run echo two",
    ];
    let asks = COMMANDS.replace("run = \"echo two\"", "run = \"echo two\"\nconfirm = true");
    let mut h = Harness::new(&asks);
    h.start(&[("two", "yes")], false);
    assert_eq!(h.log(), at_its_turn);

    let captures = COMMANDS.replace("run = \"echo one\"", "run = \"echo one\"\ncapture = \"seen\"");
    let mut h = Harness::new(&captures);
    h.start(&[], false);
    assert_eq!(h.log(), at_its_turn);
    // The value the one before captured.
    let ran = h.executor.ran.borrow();
    assert!(
        ran[1]
            .1
            .contains(&("SEEN".to_owned(), "out [REDACTED]".to_owned())),
        "{ran:?}"
    );
}

mod remote;

//! The walk with other writers beside it: timers fired and notes handed
//! in while a question waits.

use super::*;

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
                            repeat: None,
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
            repeat: None,
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
    let answers = Answers::new(&runbook, given, BTreeMap::new(), &crate::model::Lang::english()).unwrap();
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

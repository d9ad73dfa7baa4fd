//! Telling people: escalating by hand, failed notifications and their
//! retries, milestones that cancel timers, answers checked up front.

use super::*;

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
        &crate::model::Lang::english(),
    )
    .unwrap_err();
    assert_eq!(problems.len(), 4, "{problems:#?}");
    let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(problems.iter().any(|p| p.contains("did you mean `up`?")));
    assert!(problems.iter().any(|p| p.contains("expects yes or no")));
    assert!(problems.iter().any(|p| p.contains("end step")));
    assert!(problems.iter().any(|p| p.contains("did you mean `service`?")));
}

/// FLOW with a progress report to the vendor every 30 minutes after the
/// first half hour, while the incident is severe, until the cause is found.
fn flow_with_progress() -> Harness {
    let progress = "[timers.progress]\nafter = \"30m\"\nevery = \"30m\"\nwhile_severity = \"sev1\"\nuntil = \"found\"\nnotify = [\"vendor\"]\n\n[timers.escalate]";
    let mut h = Harness::new(&FLOW.replace("[timers.escalate]", progress));
    h.notifier = Some(Notes(std::sync::Mutex::new(Vec::new())));
    h
}

fn progress_firings(h: &Harness) -> Vec<Option<u32>> {
    h.sink
        .events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::TimerFired { timer, repeat } if timer == "progress" => Some(*repeat),
            _ => None,
        })
        .collect()
}

#[test]
fn a_repeating_report_fires_at_each_interval_of_a_walk_once_and_only_while_severe() {
    let mut h = flow_with_progress();
    let (stop, _) = h.start(&[("up", "no")], false);
    assert!(matches!(stop, Stop::Paused { .. }));
    // At sev2 the report is held.
    h.clock.advance(Span::minutes(31));
    h.resume(&[]);
    assert!(progress_firings(&h).is_empty(), "{:?}", h.types());
    // Raised to sev1: the report due goes out at once, then each half hour.
    let raised = EventKind::SeverityChanged {
        from: "sev2".into(),
        to: "sev1".into(),
        reason: None,
    };
    h.sink.record(h.clock.now(), raised).unwrap();
    h.resume(&[]);
    assert_eq!(progress_firings(&h), [None]);
    h.resume(&[]);
    assert_eq!(progress_firings(&h), [None], "not again at the same time");
    h.clock.advance(Span::minutes(30));
    h.resume(&[]);
    assert_eq!(progress_firings(&h), [None, Some(1)]);
    let incident = Incident::replay(&h.sink.events).unwrap();
    assert!(!incident.timer_unnotified("progress"), "{:?}", h.types());
    let sent = h.notifier.as_ref().unwrap().0.lock().unwrap();
    let reports = sent.iter().filter(|note| note.contains("Timer progress")).count();
    assert_eq!(reports, 2, "{sent:?}");
}

/// FLOW paused at its first question, with the escalation's notice to the
/// vendor failed by two notifiers since (as `runbook check` journals it).
fn failed_twice() -> Harness {
    let mut h = Harness::new(FLOW);
    let mut operator = RepliesThenPause::new(Vec::new());
    h.start_with(&mut operator, false).unwrap();
    let now = h.clock.now();
    for kind in [
        EventKind::TimerFired {
            timer: "escalate".into(),
            repeat: None,
        },
        failed_via("hook"),
        failed_via("mail"),
    ] {
        h.sink.record(now, kind).unwrap();
    }
    h
}

/// No to a timer's offer of its step.
fn stay() -> Reply {
    Reply::Answer(Decision {
        value: Value::YesNo(false),
        source: crate::model::AnswerSource::Person,
        note: None,
    })
}

fn done(note: &str) -> Reply {
    Reply::Answer(Decision {
        value: Value::Result(crate::model::StepResult::Done),
        source: crate::model::AnswerSource::Person,
        note: Some(note.into()),
    })
}

#[test]
fn a_notice_two_notifiers_failed_is_asked_about_once_and_a_note_there_asks_again() {
    let mut h = failed_twice();
    // The timer's offer first (stay); at "Told the vendor?" a note, then
    // the answer; then the step's own question, where it pauses.
    let mut operator = RepliesThenPause::new(vec![
        stay(),
        Reply::Note("line busy at first".into()),
        done("phoned"),
    ]);
    let (stop, incident) = h.resume_with(&mut operator);
    assert!(matches!(stop, Stop::Paused { .. }), "{stop:?}");
    assert_eq!(
        operator.asked, 4,
        "the offer, told twice around the note, then the step"
    );
    let kinds = h.types();
    assert!(kinds.contains(&"note-added"), "{kinds:?}");
    let by_hand: Vec<&Event> = h
        .sink
        .events
        .iter()
        .filter(|event| matches!(&event.kind, EventKind::NotificationSent { via, .. } if via == "by-hand"))
        .collect();
    assert_eq!(by_hand.len(), 1, "{kinds:?}");
    assert!(incident.undelivered.is_empty(), "{:?}", incident.undelivered);
}

#[test]
fn a_pause_at_the_told_question_pauses_the_walk_and_the_notice_stays_to_be_told() {
    let mut h = failed_twice();
    let mut operator = RepliesThenPause::new(vec![stay(), Reply::Pause, done("never asked")]);
    let (stop, incident) = h.resume_with(&mut operator);
    assert!(matches!(stop, Stop::Paused { .. }), "{stop:?}");
    assert_eq!(operator.asked, 2, "the pause stops the walk there");
    assert_eq!(incident.undelivered.len(), 2, "{:?}", incident.undelivered);
}

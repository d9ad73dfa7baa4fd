//! Commands with `on`: where they run, on several hosts, and on hosts
//! that do not answer.

use super::*;

const REMOTE: &str = r#"schema = 1
title = "Remote"

[vars.host]
prompt = "Host"

[vars.service]
prompt = "Service"

[[steps]]
id = "check"
kind = "command"
title = "Check"
run = "uptime"
on = ["{{host}}", "db1"]
on_failure = "other"
next = "here"

[[steps]]
id = "here"
kind = "command"
title = "Here"
run = "true"
on = "local"
next = "done"

[[steps]]
id = "other"
kind = "end"
title = "Other"
outcome = "escalated"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

/// The remote runbook, with `host` given at start.
fn remote(toml: &str, host: &str) -> Harness {
    let mut h = Harness::new(toml);
    h.vars.insert("host".to_owned(), host.to_owned());
    h
}

fn ran(h: &Harness) -> Vec<String> {
    h.executor
        .ran
        .borrow()
        .iter()
        .map(|(script, _)| script.clone())
        .collect()
}

fn started_on(h: &Harness) -> Vec<Option<String>> {
    h.sink
        .events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::CommandStarted { on, .. } => Some(on.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_step_runs_on_each_host_it_names_in_order_and_local_runs_here() {
    let mut h = remote(REMOTE, "web1");
    let (stop, _) = h.start(&[], false);
    assert_eq!(stop, Stop::Ended(Outcome::Resolved));
    assert_eq!(ran(&h), ["uptime @ web1", "uptime @ db1", "true"]);
    assert_eq!(started_on(&h), [Some("web1".into()), Some("db1".into()), None]);
}

#[test]
fn a_failure_on_one_host_fails_the_step_after_every_host_ran() {
    let mut h = remote(
        &REMOTE.replace("run = \"uptime\"", "run = \"test $(hostname) = web1 || false\""),
        "web1",
    );
    // The fake fails scripts holding "false": here every host fails.
    let (stop, _) = h.start(&[], false);
    assert_eq!(stop, Stop::Ended(Outcome::Escalated), "on_failure taken");
    assert_eq!(ran(&h).len(), 2, "both hosts ran");
}

#[test]
fn a_host_that_cannot_be_reached_fails_the_step_without_its_on_failure_and_a_retry_runs_only_there() {
    let mut h = remote(REMOTE, "down1");
    let (stop, incident) = h.start(&[], false);
    // Not reaching a host is not the command failing.
    let Stop::Failed { step, reason } = &stop else {
        panic!("{stop:?}")
    };
    assert_eq!(step, "check");
    assert!(reason.contains("ssh could not reach down"), "{reason}");
    assert_eq!(ran(&h), ["uptime @ down1", "uptime @ db1"]);
    assert_eq!(
        incident.ran_on,
        [(Some("down1".to_owned()), false), (Some("db1".to_owned()), true)]
    );

    let (stop, _) = h.resume(&[("check", "retry")]);
    assert!(matches!(stop, Stop::Failed { .. }), "{stop:?}");
    // db1 succeeded: only the host that failed is tried again.
    assert_eq!(ran(&h), ["uptime @ down1", "uptime @ db1", "uptime @ down1"]);
}

#[test]
fn fail_fast_stops_at_the_first_host_that_fails_and_a_retry_goes_on_from_there() {
    let fast = REMOTE
        .replace("run = \"uptime\"", "run = \"uptime\"\nfail_fast = true")
        .replace(
            r#"on = ["{{host}}", "db1"]"#,
            r#"on = ["{{host}}", "db1", "db2"]"#,
        );
    // Unreachable: the step fails, and nothing runs after it.
    let mut h = remote(&fast, "down1");
    let (stop, _) = h.start(&[], false);
    assert!(matches!(stop, Stop::Failed { .. }), "{stop:?}");
    assert_eq!(ran(&h), ["uptime @ down1"]);
    // Tried again: from the host that failed on, then the ones after it.
    let (stop, _) = h.resume(&[("check", "retry")]);
    assert!(matches!(stop, Stop::Failed { .. }), "{stop:?}");
    assert_eq!(ran(&h), ["uptime @ down1", "uptime @ down1"]);

    // The command failing: its on_failure is taken at once.
    let failing = fast.replace("run = \"uptime\"", "run = \"false\"");
    let mut h = remote(&failing, "web1");
    let (stop, _) = h.start(&[], false);
    assert_eq!(stop, Stop::Ended(Outcome::Escalated), "on_failure taken");
    assert_eq!(ran(&h), ["false @ web1"]);

    // Without fail_fast every host runs.
    let mut h = remote(&failing.replace("fail_fast = true", ""), "web1");
    h.start(&[], false);
    assert_eq!(ran(&h), ["false @ web1", "false @ db1", "false @ db2"]);
}

#[test]
fn a_retry_on_a_host_that_did_not_answer_first_stops_what_may_be_left_there() {
    let mut h = remote(REMOTE, "down1");
    h.start(&[], false);
    assert!(
        !h.log().iter().any(|entry| entry.starts_with("leftovers")),
        "{:?}",
        h.log()
    );
    // Tried again in the same walk: the connection may have dropped with
    // the command under way, so what is left of it there goes first.
    let mut operator = RetryOnce { asked: 0 };
    h.resume_with(&mut operator);
    let log = h.log();
    let stop = log.iter().position(|entry| entry == "leftovers check @ down1");
    let again = log.iter().rposition(|entry| entry == "run uptime @ down1");
    assert!(stop.is_some() && stop < again, "{log:?}");
    assert!(
        !log.iter().any(|entry| entry == "leftovers check @ db1"),
        "db1 answered: {log:?}"
    );
}

/// Says "try again" to the first question, then pauses.
struct RetryOnce {
    asked: usize,
}

impl Operator for RetryOnce {
    fn ask(&mut self, _context: Context<'_>, question: Question<'_>) -> Reply {
        self.asked += 1;
        match (self.asked, question) {
            (1, Question::Retry(..)) => Reply::Answer(Decision {
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
fn a_walk_cut_short_between_hosts_goes_on_with_the_hosts_left() {
    let mut h = remote(REMOTE, "web1");
    h.start(&[], false);
    let at = h
        .sink
        .events
        .iter()
        .position(|e| e.kind.name() == "command-finished")
        .unwrap();
    h.sink.events.truncate(at + 1);
    h.executor.ran.borrow_mut().clear();
    let (stop, _) = h.resume(&[]);
    assert_eq!(stop, Stop::Ended(Outcome::Resolved));
    assert_eq!(ran(&h), ["uptime @ db1", "true"]);
}

#[test]
fn a_value_that_could_become_an_ssh_option_is_refused_before_anything_runs() {
    let mut h = remote(REMOTE, "-oProxyCommand=touch canary");
    let (stop, incident) = h.start(&[], false);
    let Stop::Refused { step, reason, .. } = &stop else {
        panic!("{stop:?}")
    };
    assert_eq!(step, "check");
    assert!(reason.contains("starts with `-`"), "{reason}");
    assert!(ran(&h).is_empty());
    assert!(
        h.log().iter().all(|entry| !entry.starts_with("prepare")),
        "{:?}",
        h.log()
    );
    assert_eq!(incident.status, Status::Paused);
}

#[test]
fn a_drill_that_skips_says_where_it_would_have_run() {
    let mut h = remote(
        &REMOTE.replace("run = \"uptime\"", "run = \"uptime\"\ndrill = \"skip\""),
        "web1",
    );
    h.start(&[], true);
    let skipped = h.sink.events.iter().find_map(|event| match &event.kind {
        EventKind::CommandSkipped { on, .. } => Some(on.clone()),
        _ => None,
    });
    assert_eq!(skipped, Some(vec!["web1".to_owned(), "db1".to_owned()]));
}

#[test]
fn a_drill_that_skips_a_command_for_here_and_a_host_names_both() {
    let skipped = |host: &str| {
        let mut h = remote(
            &REMOTE.replace("run = \"uptime\"", "run = \"uptime\"\ndrill = \"skip\""),
            host,
        );
        h.start(&[], true);
        h.sink.events.iter().find_map(|event| match &event.kind {
            EventKind::CommandSkipped { on, .. } => Some(on.clone()),
            _ => None,
        })
    };
    // `Local` is this machine in any case, and shown as `local`.
    assert_eq!(skipped("Local"), Some(vec!["local".to_owned(), "db1".to_owned()]));
}

#[test]
fn a_walk_cut_short_while_a_later_host_ran_stops_what_is_left_and_asks_before_running_it_again() {
    let mut h = remote(REMOTE, "web1");
    h.start(&[], false);
    // Cut after the second host's start: its command may still run there.
    let at = h
        .sink
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind.name() == "command-started")
        .nth(1)
        .map(|(at, _)| at)
        .unwrap();
    h.sink.events.truncate(at + 1);
    h.executor.ran.borrow_mut().clear();
    let (stop, _) = h.resume(&[]);
    assert!(matches!(stop, Stop::Paused { .. }), "asked, not run: {stop:?}");
    assert!(ran(&h).is_empty(), "{:?}", ran(&h));
    let (stop, _) = h.resume(&[("check", "retry")]);
    assert_eq!(stop, Stop::Ended(Outcome::Resolved));
    // Only db1, where it was cut short, runs again.
    assert_eq!(ran(&h), ["uptime @ db1", "true"]);
}

/// The remote runbook's `check` on three hosts, two at a time.
fn two_at_a_time(run: &str) -> String {
    REMOTE
        .replace("run = \"uptime\"", &format!("run = \"{run}\"\nparallel = 2"))
        .replace(
            r#"on = ["{{host}}", "db1"]"#,
            r#"on = ["{{host}}", "db1", "db2"]"#,
        )
}

/// The hosts of the results journaled, in order.
fn finished_on(h: &Harness) -> Vec<Option<String>> {
    h.sink
        .events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::CommandFinished { on, .. } => Some(on.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn parallel_starts_a_batch_together_makes_it_durable_once_and_runs_the_next_batch_after() {
    let mut h = remote(&two_at_a_time("uptime"), "web1");
    let (stop, incident) = h.start(&[], false);
    assert_eq!(stop, Stop::Ended(Outcome::Resolved));
    let log = h.executor.log.borrow().clone();
    let at = |entry: &str| {
        log.iter()
            .position(|e| e == entry)
            .unwrap_or_else(|| panic!("{entry}: {log:?}"))
    };
    let starts: Vec<usize> = (0..log.len()).filter(|&i| log[i] == "start check").collect();
    assert_eq!(starts.len(), 3, "{log:?}");
    // Both starts of the first batch, then one sync, then both scripts.
    let synced = starts[1] + 1 + log[starts[1] + 1..].iter().position(|e| e == "sync").unwrap();
    assert!(
        log[starts[1]..synced].iter().all(|e| !e.starts_with("run ")),
        "{log:?}"
    );
    assert_eq!(
        log[starts[0]..starts[2]].iter().filter(|e| *e == "sync").count(),
        1,
        "one sync for the batch: {log:?}"
    );
    for host in ["web1", "db1"] {
        let run = at(&format!("run uptime @ {host}"));
        assert!(synced < run && run < starts[2], "{host}: {log:?}");
    }
    assert!(starts[2] < at("run uptime @ db2"), "{log:?}");
    assert_eq!(
        started_on(&h),
        [Some("web1".into()), Some("db1".into()), Some("db2".into()), None]
    );
    // Each result names its host; the first two in whichever order they ended.
    let mut finished = finished_on(&h);
    finished[..2].sort();
    assert_eq!(
        finished,
        [Some("db1".into()), Some("web1".into()), Some("db2".into()), None]
    );
    assert!(incident.unfinished.is_empty());
}

#[test]
fn parallel_with_fail_fast_finishes_the_batch_that_failed_and_starts_no_other() {
    let fast = two_at_a_time("false").replace("parallel = 2", "parallel = 2\nfail_fast = true");
    let mut h = remote(&fast, "web1");
    let (stop, _) = h.start(&[], false);
    assert_eq!(stop, Stop::Ended(Outcome::Escalated), "on_failure taken");
    let mut ran = ran(&h);
    ran.sort();
    assert_eq!(ran, ["false @ db1", "false @ web1"]);

    // Without fail_fast the next batch runs too.
    let mut h = remote(&fast.replace("fail_fast = true", ""), "web1");
    h.start(&[], false);
    assert_eq!(ran_len(&h), 3);
}

fn ran_len(h: &Harness) -> usize {
    h.executor.ran.borrow().len()
}

#[test]
fn a_walk_cut_short_while_a_batch_ran_stops_what_is_left_on_each_host_and_asks_before_running_it_again() {
    let mut h = remote(&two_at_a_time("uptime"), "web1");
    h.start(&[], false);
    // Cut after the first batch's starts: it may still run on both.
    let at = h
        .sink
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind.name() == "command-started")
        .nth(1)
        .map(|(at, _)| at)
        .unwrap();
    h.sink.events.truncate(at + 1);
    let incident = Incident::replay(&h.sink.events).unwrap();
    assert_eq!(
        incident.unfinished_on("check"),
        [Some("web1".to_owned()), Some("db1".to_owned())]
    );
    h.executor.ran.borrow_mut().clear();
    h.executor.log.borrow_mut().clear();
    let (stop, _) = h.resume(&[]);
    assert!(matches!(stop, Stop::Paused { .. }), "asked, not run: {stop:?}");
    assert!(ran(&h).is_empty(), "{:?}", ran(&h));
    let leftovers: Vec<String> = h
        .executor
        .log
        .borrow()
        .iter()
        .filter(|e| e.starts_with("leftovers"))
        .cloned()
        .collect();
    assert_eq!(leftovers, ["leftovers check @ web1", "leftovers check @ db1"]);
    let (stop, _) = h.resume(&[("check", "retry")]);
    assert_eq!(stop, Stop::Ended(Outcome::Resolved));
    let mut ran = ran(&h);
    ran.sort();
    assert_eq!(ran, ["true", "uptime @ db1", "uptime @ db2", "uptime @ web1"]);
}

#[test]
fn a_batch_whose_starts_cannot_be_made_durable_runs_on_no_host() {
    let mut h = remote(&two_at_a_time("uptime"), "web1");
    h.sink.sync_fails_after_command_starts = Some(1);
    let error = h.try_start(&[], false).unwrap_err();
    assert!(error.to_string().contains("disk failed"), "{error}");
    assert!(ran(&h).is_empty(), "a script ran before its start was on disk");
    // Both shells were started, and stopped unrun.
    let mut stopped: Vec<String> = h
        .log()
        .into_iter()
        .filter(|entry| entry.starts_with("stop "))
        .collect();
    stopped.sort();
    assert_eq!(stopped, ["stop uptime @ db1", "stop uptime @ web1"]);
    assert_eq!(started_on(&h), [Some("web1".into()), Some("db1".into())]);
}

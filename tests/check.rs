//! `runbook check` and notifications through the binary: timers of
//! incidents nobody drives, retries once a notifier is configured, a real
//! HTTP server on 127.0.0.1 and a command notifier writing to a file.

use crate::common::Test;
use std::io::{BufRead, BufReader, Read, Write};

const PAGED: &str = r#"schema = 1
title = "Paged"

[contacts.oncall]
role = "On call"
phone = "+86 10 1234 5678"
email = "oncall@example.com"

[severity.sev1]
notify = ["oncall"]

[timers.escalate]
after = "1h"
notify = ["oncall"]
message = "Still not fixed after an hour: {{incident}}"

[[steps]]
id = "look"
kind = "instruction"
title = "Look at it"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

const FIRST: &str = "INC-20261128-0001";
const LATER: &str = "2026-11-28T10:30:00Z";

fn command_notifier(test: &Test) -> String {
    let out = test.work().join("notified.txt");
    format!(
        "[[notifiers]]\nname = \"file\"\ntype = \"command\"\ncommand = 'printf \"%s|%s|\" \"$RUNBOOK_SUBJECT\" \"$RUNBOOK_TO_EMAILS\" >> {}; cat >> {}'\n",
        out.display(),
        out.display()
    )
}

#[test]
fn check_fires_the_timer_of_an_incident_nobody_drives() {
    let test = Test::new().runbook("paged", PAGED);
    let config = command_notifier(&test);
    let mut test = test.config(&config);
    test.again(["start", "paged"]).status(3);
    test.again(["check"]).success();
    assert!(
        !test.types(FIRST).contains(&"timer-fired".to_owned()),
        "not due yet"
    );

    let mut later = test.env("RUNBOOK_NOW", LATER);
    later
        .again(["check"])
        .success()
        .stdout_contains(&format!("{FIRST} timer-fired: timer escalate (after 1h)"))
        .stdout_contains(&format!("{FIRST} notified: oncall via file"));
    let notified = std::fs::read_to_string(later.work().join("notified.txt")).unwrap();
    assert!(notified.contains("oncall@example.com"), "{notified}");
    assert!(
        notified.contains(&format!("Still not fixed after an hour: {FIRST}")),
        "{notified}"
    );
    // Once only.
    later.again(["check"]).success().stdout_lacks("timer-fired");
    assert_eq!(
        later.types(FIRST).iter().filter(|t| *t == "timer-fired").count(),
        1
    );
}

#[test]
fn check_retries_a_notification_once_a_notifier_is_configured() {
    let mut test = Test::new().runbook("paged", PAGED);
    test.again(["start", "paged", "--severity", "sev1"]).status(3);
    let failed = test
        .events(FIRST)
        .into_iter()
        .find(|e| e["type"] == "notification-failed")
        .unwrap();
    assert_eq!(failed["payload"]["error"], "no notifier is configured: call them");
    let config = command_notifier(&test);
    let mut test = test.config(&config);
    test.again(["check"])
        .success()
        .stdout_contains(&format!("{FIRST} notified: oncall"));
    let notified = std::fs::read_to_string(test.work().join("notified.txt")).unwrap();
    assert!(notified.contains("opened at sev1"), "{notified}");
    test.again(["check"]).success().stdout_lacks("notified");
}

/// Cuts the journal after its first event, as a kill right after
/// `incident-started` leaves it, and forgets what the notifier wrote. The
/// walk's `journal.head`, which names later events, goes too: such a kill
/// leaves none past the first event (treated as one from an older runbook).
fn crash_after_the_start(test: &Test) {
    let journal = test.data().join("incidents").join(FIRST).join("journal.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    let first = text.lines().next().unwrap();
    std::fs::write(&journal, format!("{first}\n")).unwrap();
    std::fs::remove_file(journal.with_file_name("journal.head")).unwrap();
    std::fs::remove_file(test.work().join("notified.txt")).unwrap();
}

#[test]
fn a_severity_notice_a_crash_kept_from_going_out_is_sent_by_check() {
    let test = Test::new().runbook("paged", PAGED);
    let config = command_notifier(&test);
    let mut test = test.config(&config);
    test.again(["start", "paged", "--severity", "sev1"]).status(3);
    crash_after_the_start(&test);
    test.again(["check"])
        .success()
        .stdout_contains(&format!("{FIRST} notified: oncall via file"));
    let notified = std::fs::read_to_string(test.work().join("notified.txt")).unwrap();
    assert!(
        notified.contains(&format!("{FIRST} opened at sev1")),
        "{notified}"
    );
    test.again(["check"]).success().stdout_lacks("notified");
}

#[test]
fn a_severity_notice_a_crash_kept_from_going_out_is_sent_on_resume() {
    let test = Test::new().runbook("paged", PAGED);
    let config = command_notifier(&test);
    let mut test = test.config(&config);
    test.again(["start", "paged", "--severity", "sev1"]).status(3);
    crash_after_the_start(&test);
    test.again(["resume", FIRST, "--answer", "look=done"]).success();
    let notified = std::fs::read_to_string(test.work().join("notified.txt")).unwrap();
    assert_eq!(notified.matches("opened at sev1").count(), 1, "{notified}");
}

#[test]
fn check_leaves_a_driven_incident_to_its_driver() {
    let slow = PAGED.replace(
        "kind = \"instruction\"\ntitle = \"Look at it\"",
        "kind = \"command\"\ntitle = \"Look at it\"\nrun = \"sleep 3\"\ntimeout = \"10s\"",
    );
    let test = Test::new().runbook("paged", &slow);
    let mut child = test
        .command(["start", "paged", "--non-interactive"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let journal = test.data().join("incidents").join(FIRST).join("journal.jsonl");
    let running = (0..250).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::read_to_string(&journal).is_ok_and(|j| j.contains("command-started"))
    });
    assert!(
        running,
        "the walk's command never started in {}",
        journal.display()
    );
    // An hour and a half on, with the timer due, while the walk holds it.
    let mut later = test.env("RUNBOOK_NOW", LATER);
    later.again(["check"]).success().stdout_lacks("timer-fired");
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let types = later.types(FIRST);
    assert!(!types.contains(&"timer-fired".to_owned()), "{types:?}");
    assert_eq!(types.last().map(String::as_str), Some("ended"), "{types:?}");
}

/// One HTTP request, answered with `status`; returns (request line, body).
fn serve_once(status: u16) -> (String, std::thread::JoinHandle<(String, String)>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        let mut length = 0;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            if header.trim().is_empty() {
                break;
            }
            if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        )
        .unwrap();
        (request_line.trim().to_owned(), String::from_utf8(body).unwrap())
    });
    (url, handle)
}

#[test]
fn a_severe_incident_is_posted_to_a_webhook_at_once() {
    let (url, server) = serve_once(200);
    let mut test = Test::new().runbook("paged", PAGED).config(&format!(
        "[[notifiers]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"{url}\"\n"
    ));
    test.again(["start", "paged", "--severity", "sev1", "--answer", "look=done"])
        .success();
    let (request, body) = server.join().unwrap();
    assert_eq!(request, "POST /hook HTTP/1.1");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["incident"], FIRST);
    assert_eq!(body["severity"], "sev1");
    assert_eq!(body["to"][0]["email"], "oncall@example.com");
    let sent = test
        .events(FIRST)
        .into_iter()
        .find(|e| e["type"] == "notification-sent")
        .unwrap();
    assert_eq!(sent["payload"]["via"], "hook");
}

#[test]
fn a_failed_webhook_is_journaled_and_the_walk_goes_on() {
    let (url, server) = serve_once(500);
    let mut test = Test::new().runbook("paged", PAGED).config(&format!(
        "[[notifiers]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"{url}\"\n"
    ));
    test.again(["start", "paged", "--severity", "sev1", "--answer", "look=done"])
        .success();
    server.join().unwrap();
    let failed = test
        .events(FIRST)
        .into_iter()
        .find(|e| e["type"] == "notification-failed")
        .unwrap();
    assert_eq!(failed["payload"]["error"], "HTTP 500; the server said: \"ok\"");
    assert_eq!(failed["payload"]["via"], "hook");
}

#[test]
fn invalid_notifier_config_exits_2() {
    Test::new()
        .runbook("paged", PAGED)
        .config("[[notifiers]]\nname = \"x\"\ntype = \"webhook\"\nurl = \"ftp://example.com\"\n")
        .args(["start", "paged"])
        .run()
        .status(2)
        .stderr_contains("config.toml:1:1")
        .stderr_contains("invalid notifier \"x\": `url` must start with http:// or https://, not ftp://");
}

#[test]
fn speed_makes_an_hour_a_second_in_a_scripted_drill() {
    let slow = PAGED.replace(
        "kind = \"instruction\"\ntitle = \"Look at it\"",
        "kind = \"command\"\ntitle = \"Look at it\"\nrun = \"sleep 2\"\ntimeout = \"10s\"",
    );
    // The real clock: timers count while the command runs.
    let mut test = Test::new().runbook("paged", &slow).real_clock();
    test.again(["drill", "paged", "--speed", "3600"]).success();
    let types = test.types(&test.only_incident());
    let fired = types
        .iter()
        .position(|t| t == "timer-fired")
        .expect("the timer fired");
    let finished = types.iter().position(|t| t == "command-finished").unwrap();
    assert!(fired < finished, "fired while the command ran: {types:?}");
}

#[test]
fn a_running_walk_tries_a_failed_notification_again() {
    let slow = PAGED.replace(
        "kind = \"instruction\"\ntitle = \"Look at it\"",
        "kind = \"command\"\ntitle = \"Look at it\"\nrun = \"sleep 3\"\ntimeout = \"10s\"",
    );
    let test = Test::new().runbook("paged", &slow);
    let (flag, out) = (test.work().join("failed-once"), test.work().join("notified.txt"));
    let config = format!(
        "[[notifiers]]\nname = \"flaky\"\ntype = \"command\"\ncommand = 'if [ -e {0} ]; then cat >> {1}; else touch {0}; exit 1; fi'\n",
        flag.display(),
        out.display()
    );
    // The real clock; at speed 60 the first retry waits 30 s / 60, while
    // `sleep 3` runs and nobody answers anything.
    let mut test = test.config(&config).real_clock();
    test.again(["drill", "paged", "--severity", "sev1", "--speed", "60"])
        .success();
    let id = test.only_incident();
    let types = test.types(&id);
    let at = |name: &str| types.iter().position(|t| t == name).unwrap_or(usize::MAX);
    assert!(
        at("notification-failed") < at("notification-sent")
            && at("notification-sent") < at("command-finished"),
        "{types:?}"
    );
    let notified = std::fs::read_to_string(&out).unwrap();
    assert!(notified.contains(&format!("{id} opened at sev1")), "{notified}");
}

#[test]
fn a_notification_that_keeps_failing_is_retried_ten_times_then_left_to_people() {
    let mut test = Test::new()
        .runbook("paged", PAGED)
        .config("[[notifiers]]\nname = \"broken\"\ntype = \"command\"\ncommand = \"exit 1\"\n");
    test.again(["start", "paged", "--severity", "sev1"]).status(3);
    for attempt in 2..=10 {
        let outcome = test.again(["check"]);
        outcome
            .success()
            .stdout_contains("notification-failed: oncall via broken");
        if attempt == 10 {
            outcome.stdout_contains("giving up after 10 attempts");
        }
    }
    test.again(["check"]).success().stdout_lacks("notification");
    let failed = test
        .types(FIRST)
        .iter()
        .filter(|t| *t == "notification-failed")
        .count();
    assert_eq!(failed, 10);
}

#[test]
fn only_the_notifier_that_failed_is_tried_again() {
    let test = Test::new().runbook("paged", PAGED);
    let out = test.work().join("notified.txt");
    let config = format!(
        "[[notifiers]]\nname = \"works\"\ntype = \"command\"\ncommand = 'cat >> {}'\n\n[[notifiers]]\nname = \"broken\"\ntype = \"command\"\ncommand = \"exit 1\"\n",
        out.display()
    );
    let mut test = test.config(&config);
    test.again(["start", "paged", "--severity", "sev1"]).status(3);
    test.again(["check"])
        .success()
        .stdout_contains("notification-failed: oncall via broken");
    let delivered = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        delivered.matches("opened at sev1").count(),
        1,
        "not sent twice through `works`"
    );
}

#[test]
fn an_unarchived_incident_past_its_one_day_deadline_makes_check_exit_1() {
    let mut test = Test::new().runbook("paged", PAGED);
    test.again(["start", "paged", "--answer", "look=done"]).success();
    test.again(["check"]).success().stdout_lacks("archive-overdue");
    test.again(["incidents"])
        .success()
        .stdout_contains("archive in 1d");
    // A day and an hour after it ended, as planned, and nothing changes.
    let before = std::fs::read(test.data().join("incidents").join(FIRST).join("journal.jsonl")).unwrap();
    test.again(["check", "--as-of", "2026-11-29T10:00:00Z"])
        .status(1)
        .stdout_contains(&format!(
            "{FIRST} archive-overdue: the record was due 2026-11-29T09:00:00Z (late by 1h00m); run `runbook archive {FIRST}`"
        ));
    let after = std::fs::read(test.data().join("incidents").join(FIRST).join("journal.jsonl")).unwrap();
    assert_eq!(before, after, "--as-of changes nothing");
    let mut later = test.env("RUNBOOK_NOW", "2026-11-30T09:00:00Z");
    later
        .again(["incidents"])
        .success()
        .stdout_contains("ARCHIVE OVERDUE 1d");
    later.again(["check"]).status(1);
    let json = later.again(["incidents", "--json"]).json();
    assert_eq!(json[0]["archive"]["status"], "overdue");
}

#[test]
fn as_of_must_be_a_time() {
    Test::new()
        .args(["check", "--as-of", "tomorrow"])
        .run()
        .status(2)
        .stderr_contains("is not a time");
}

#[test]
fn an_unreadable_journal_is_named_by_check_and_incidents() {
    let mut test = Test::new().runbook("paged", PAGED);
    test.again(["start", "paged"]).status(3);
    test.again(["start", "paged"]).status(3);
    let journal = test.data().join("incidents").join(FIRST).join("journal.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    // An edit in the middle: the chain no longer holds.
    std::fs::write(&journal, text.replacen("\"seq\":1", "\"seq\":7", 1)).unwrap();
    for args in [&["check"][..], &["check", "--as-of", "2026-11-29"][..]] {
        test.again(args.iter().copied())
            .status(1)
            .stdout_contains(&format!("{FIRST} skipped: "))
            .stdout_contains(&journal.display().to_string())
            .stdout_lacks("INC-20261128-0002 skipped");
    }
    let listing = test.again(["incidents", "--json"]);
    let json = listing.success().json();
    assert_eq!(json[0]["id"], FIRST);
    assert_eq!(json[0]["state"], "unreadable");
    assert!(json[0]["started"].is_null(), "not made up: {}", json[0]);
    assert!(
        json[0]["problem"].as_str().unwrap().contains("journal.jsonl"),
        "{}",
        json[0]
    );
    assert_eq!(json[1]["state"], "paused");
    assert_eq!(json[1]["started"], "2026-11-28T09:00:00Z");
    test.again(["incidents"])
        .success()
        .stdout_contains("unreadable")
        .stderr_contains(&format!("{FIRST}: "));
}

#[test]
fn check_names_a_kept_runbook_it_cannot_follow() {
    let mut test = Test::new().runbook("paged", PAGED);
    test.again(["start", "paged"]).status(3);
    let kept = test.data().join("incidents").join(FIRST).join("runbook.toml");
    let mut text = std::fs::read_to_string(&kept).unwrap();
    // Edited: still a runbook that loads, but not the plan it started with.
    text = text.replace("after = \"1h\"", "after = \"1m\"");
    std::fs::remove_file(&kept).unwrap();
    std::fs::write(&kept, &text).unwrap();
    test.again(["check"]).status(1).stdout_contains(&format!(
        "{FIRST} skipped: the runbook kept with {FIRST} ({}) is not the one it started with",
        kept.display()
    ));
    assert!(!test.types(FIRST).contains(&"timer-fired".to_owned()));
    std::fs::remove_file(&kept).unwrap();
    test.again(["check"]).status(1).stdout_contains(&format!(
        "{FIRST} skipped: cannot read the runbook kept with {FIRST}: {}",
        kept.display()
    ));
}

#[test]
fn a_drills_message_passed_on_by_hand_says_it_is_a_drill() {
    let mut test = Test::new().runbook("call", crate::common::CALL);
    let by_hand = |test: &mut Test, verb: &str| {
        test.again([verb, "call", "--answer", "ok=yes", "--answer", "tell=done"])
            .success();
        // The newest incident: ids count up.
        let listed = test.again(["incidents", "--json"]).json();
        let id = listed
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|incident| incident["id"].as_str())
            .max()
            .unwrap()
            .to_owned();
        test.events(&id)
            .into_iter()
            .find(|e| e["type"] == "notification-sent")
            .unwrap()
    };
    let drill = by_hand(&mut test, "drill");
    assert_eq!(drill["payload"]["via"], "by-hand", "{drill}");
    assert!(
        drill["payload"]["subject"]
            .as_str()
            .unwrap()
            .starts_with("[DRILL] "),
        "{drill}"
    );
    assert!(
        drill["payload"]["message"]
            .as_str()
            .unwrap()
            .starts_with("[DRILL] This is a rehearsal"),
        "{drill}"
    );
    let real = by_hand(&mut test, "start");
    assert!(
        !real["payload"]["subject"].as_str().unwrap().contains("DRILL"),
        "{real}"
    );
}

#[test]
fn a_drills_notifications_say_it_is_a_drill() {
    let test = Test::new().runbook("paged", PAGED);
    let out = test.work().join("notified.txt");
    let config = format!(
        "[[notifiers]]\nname = \"file\"\ntype = \"command\"\ncommand = 'printf \"%s|%s|\" \"$RUNBOOK_SUBJECT\" \"$RUNBOOK_DRILL\" >> {0}; cat >> {0}'\n",
        out.display()
    );
    let mut test = test.config(&config);
    test.again(["drill", "paged", "--severity", "sev1"]).status(3);
    let notified = std::fs::read_to_string(&out).unwrap();
    assert!(
        notified.starts_with(&format!("[DRILL] [{FIRST}] ")),
        "the subject says it: {notified}"
    );
    assert!(
        notified.contains("|1|[DRILL] This is a rehearsal; nothing needs doing.\n"),
        "{notified}"
    );
    // A real incident's say nothing of the kind.
    std::fs::remove_file(&out).unwrap();
    test.again(["start", "paged", "--severity", "sev1"]).status(3);
    let notified = std::fs::read_to_string(&out).unwrap();
    assert!(!notified.contains("DRILL"), "{notified}");
    assert!(notified.contains("|0|"), "{notified}");
}

#[test]
fn incidents_shows_the_next_timer_of_a_runbook_off_the_search_path() {
    // Started from a directory given for that start only.
    let mut test = Test::new().file("elsewhere/paged.toml", PAGED);
    test.again(["--runbooks", "elsewhere", "start", "paged"])
        .status(3);
    test.again(["incidents"])
        .success()
        .stdout_contains("escalate in 1h00m");
    let json = test.again(["incidents", "--json"]).success().json();
    assert_eq!(json[0]["next_timer"][0], "escalate", "{json}");
    // And it fires, as `check` follows the same kept copy.
    let mut later = test.env("RUNBOOK_NOW", LATER);
    later
        .again(["check"])
        .success()
        .stdout_contains(&format!("{FIRST} timer-fired: timer escalate (after 1h)"));
}

#[test]
fn a_failed_delivery_says_it_is_tried_again() {
    let test = Test::new().runbook("paged", PAGED);
    let config =
        "[[notifiers]]\nname = \"pager\"\ntype = \"command\"\ncommand = 'echo gateway down >&2; exit 1'\n";
    let mut test = test.config(config);
    let outcome = test.again(["start", "paged", "--severity", "sev1"]);
    outcome.status(3);
    let said = format!("{}{}", outcome.stdout, outcome.stderr);
    assert!(
        said.contains(
            "NOT notified oncall via pager: exit 1: gateway down; it is tried again, call them if it cannot wait"
        ),
        "{said}"
    );
}

const RESTORED: &str = r#"schema = 1
title = "Restored"

[contacts.oncall]
role = "On call"
phone = "+86 10 1234 5678"

[timers.locate]
after = "1h"
until = ["cause-located", "service-restored"]
notify = ["oncall"]

[[steps]]
id = "restore"
kind = "instruction"
title = "Restore from the image"

[[steps]]
id = "review"
kind = "instruction"
title = "Write it down"
milestone = "service-restored"

[[steps]]
id = "locate"
kind = "instruction"
title = "Found it"
milestone = "cause-located"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

#[test]
fn a_timer_waiting_for_several_milestones_stops_at_any_one_of_them() {
    let mut test = Test::new().runbook("restored", RESTORED);
    test.again(["start", "restored", "--answer", "restore=done"])
        .status(3)
        .stderr_contains("paused at step `review`");
    let mut later = test.env("RUNBOOK_NOW", LATER);
    later.again(["check"]).success().stdout_lacks("timer-fired");
    let types = later.types(FIRST);
    assert!(types.contains(&"milestone-reached".to_owned()), "{types:?}");
    assert!(!types.contains(&"timer-fired".to_owned()), "{types:?}");
}

const OFFERED: &str = r#"schema = 1
title = "Offered"

[contacts.oncall]
role = "On call"
phone = "+86 10 1234 5678"

[timers.escalate]
after = "1h"
notify = ["oncall"]
goto = "call"

[[steps]]
id = "look"
kind = "instruction"
title = "Look at it"

[[steps]]
id = "done"
kind = "end"
title = "Done"

[[steps]]
id = "call"
kind = "end"
outcome = "escalated"
title = "Called"
"#;

#[test]
fn a_script_never_declines_a_timer_offer_by_itself() {
    let mut test = Test::new().runbook("offered", OFFERED);
    test.again(["start", "offered"]).status(3);
    let mut later = test.env("RUNBOOK_NOW", LATER);
    later
        .again(["resume", FIRST, "--non-interactive"])
        .status(3)
        .stderr_contains("timer `escalate` fired: yes to go to step `call` now, no to stay")
        .stderr_contains(&format!(
            "to continue: runbook resume {FIRST} --answer escalate=ANSWER"
        ));
    let events = later.events(FIRST);
    assert!(
        !events.iter().any(|e| e["payload"]["question"] == "timer-offer"),
        "nobody decided the offer"
    );
    // Asked again, and answered this time.
    later
        .again([
            "resume",
            FIRST,
            "--answer",
            "escalate=no",
            "--answer",
            "look=done",
        ])
        .success();
    let offers: Vec<serde_json::Value> = later
        .events(FIRST)
        .into_iter()
        .filter(|e| e["payload"]["question"] == "timer-offer")
        .collect();
    assert_eq!(offers.len(), 1, "{:#?}", later.events(FIRST));
    assert_eq!(offers[0]["payload"]["answer"]["yes"], false);
}

const PROGRESS: &str = r#"schema = 1
title = "Progress"

[contacts.boss]
role = "Manager"
phone = "+86 10 1234 5678"
email = "boss@example.com"

[timers.progress]
after = "1h"
every = "30m"
while_severity = "sev1"
until = "restored"
notify = ["boss"]
message = "Progress on {{incident}}"

[[steps]]
id = "look"
kind = "instruction"
title = "Look at it"

[[steps]]
id = "back"
kind = "instruction"
title = "Back"
milestone = "restored"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

/// The `repeat` of each `timer-fired` in the journal, in order.
fn repeats(test: &Test) -> Vec<serde_json::Value> {
    test.events(FIRST)
        .into_iter()
        .filter(|event| event["type"] == "timer-fired")
        .map(|event| event["payload"]["repeat"].clone())
        .collect()
}

#[test]
fn check_sends_a_repeating_report_once_per_interval() {
    let test = Test::new().runbook("progress", PROGRESS);
    let config = command_notifier(&test);
    let mut test = test.config(&config);
    test.again(["start", "progress", "--severity", "sev1"]).status(3);
    let at = |time: &str| format!("2026-11-28T{time}:00Z");

    let mut first = test.env("RUNBOOK_NOW", &at("10:00"));
    first
        .again(["check"])
        .success()
        .stdout_contains(&format!("{FIRST} timer-fired: timer progress (after 1h)"));
    // Run again in the same minute: nothing more.
    first.again(["check"]).success().stdout_lacks("timer-fired");
    let mut second = first.env("RUNBOOK_NOW", &at("10:29"));
    second.again(["check"]).success().stdout_lacks("timer-fired");
    let mut third = second.env("RUNBOOK_NOW", &at("10:31"));
    third
        .again(["check"])
        .success()
        .stdout_contains("timer progress (repeat 1: after 1h, then every 30m)")
        .stdout_contains(&format!("{FIRST} notified: boss via file"));
    third.again(["check"]).success().stdout_lacks("timer-fired");
    // Nothing ran for an hour and a half: the latest report due goes out,
    // once, and the ones missed are not made up.
    let mut late = third.env("RUNBOOK_NOW", &at("12:05"));
    late.again(["check"])
        .success()
        .stdout_contains("timer progress (repeat 4:");
    late.again(["check"]).success().stdout_lacks("timer-fired");
    assert_eq!(repeats(&late), [serde_json::Value::Null, 1.into(), 4.into()]);
    let notified = std::fs::read_to_string(late.work().join("notified.txt")).unwrap();
    assert_eq!(
        notified.matches(&format!("Progress on {FIRST}")).count(),
        3,
        "{notified}"
    );
}

#[test]
fn check_holds_a_repeating_report_below_its_severity_and_stops_at_its_milestone() {
    let test = Test::new().runbook("progress", PROGRESS);
    let config = command_notifier(&test);
    let mut test = test.config(&config);
    // Opened at the default, sev2: below the timer's level.
    test.again(["start", "progress"]).status(3);
    let mut later = test.env("RUNBOOK_NOW", "2026-11-28T11:00:00Z");
    later.again(["check"]).success().stdout_lacks("timer-fired");
    assert!(repeats(&later).is_empty());

    // At sev1, and once the service is back, nothing more.
    let test = Test::new().runbook("progress", PROGRESS);
    let mut test = test.config(&config);
    test.again(["start", "progress", "--severity", "sev1", "--answer", "look=done"])
        .status(3);
    let mut later = test.env("RUNBOOK_NOW", "2026-11-28T11:00:00Z");
    later.again(["check"]).success().stdout_lacks("timer-fired");
    assert!(repeats(&later).is_empty());
}

#[test]
fn a_walk_and_check_never_send_one_repeat_twice() {
    let test = Test::new().runbook("progress", PROGRESS);
    let config = command_notifier(&test);
    let mut test = test.config(&config);
    test.again(["start", "progress", "--severity", "sev1"]).status(3);
    let mut first = test.env("RUNBOOK_NOW", "2026-11-28T10:00:00Z");
    first.again(["check"]).success().stdout_contains("timer progress");
    // The walk resumed at 10:31 sends the first repeat; check then has
    // nothing to send, and a second resume neither.
    let mut later = first.env("RUNBOOK_NOW", "2026-11-28T10:31:00Z");
    later.again(["resume", FIRST]).status(3);
    later.again(["check"]).success().stdout_lacks("timer-fired");
    later.again(["resume", FIRST]).status(3);
    assert_eq!(repeats(&later), [serde_json::Value::Null, 1.into()]);
    let notified = std::fs::read_to_string(later.work().join("notified.txt")).unwrap();
    assert_eq!(
        notified.matches(&format!("Progress on {FIRST}")).count(),
        2,
        "{notified}"
    );
}

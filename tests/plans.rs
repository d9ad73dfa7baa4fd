//! What plans can require of a walk: a note with an answer, through the
//! binary; the headline plan walked branch by branch, and the general
//! plan's report before its confirmation.

use crate::common::Test;

const FIRST: &str = "INC-20261128-0001";

const CONSENT: &str = r#"schema = 1
title = "Consent"

[[steps]]
id = "consent"
kind = "confirm"
title = "Has the customer agreed to the restore?"
note = "required"
yes = "restore"
no = "other"

[[steps]]
id = "restore"
kind = "end"
title = "Restored"

[[steps]]
id = "other"
kind = "end"
outcome = "handed-over"
title = "Other measures"
"#;

/// The value the walk journaled for variable `name`.
fn var_set(test: &Test, name: &str) -> Option<String> {
    test.events(FIRST)
        .iter()
        .find(|e| e["type"] == "var-set" && e["payload"]["name"] == name)
        .and_then(|e| e["payload"]["value"].as_str().map(str::to_owned))
}

fn answer_note(test: &Test, step: &str) -> Option<String> {
    test.events(FIRST)
        .iter()
        .find(|e| e["type"] == "step-answered" && e["payload"]["step"] == step)
        .and_then(|e| e["payload"]["note"].as_str().map(str::to_owned))
}

#[test]
fn a_scripted_yes_without_the_required_note_pauses_and_names_it() {
    let mut test = Test::new().runbook("consent", CONSENT);
    test.again(["start", "consent", "--answer", "consent=yes"])
        .status(3)
        .stderr_contains("with a note")
        .stderr_contains(&format!(
            "to continue: runbook resume {FIRST} --answer consent=ANSWER --note consent=NOTE"
        ));
    assert_eq!(answer_note(&test, "consent"), None);
    test.again([
        "resume",
        FIRST,
        "--answer",
        "consent=yes",
        "--note",
        "consent=NOTE",
    ])
    .status(2)
    .stderr_contains("placeholder");
    test.again([
        "resume",
        FIRST,
        "--answer",
        "consent=yes",
        "--note",
        "consent=Li Wei agreed by phone, 10:05",
    ])
    .success();
    assert_eq!(
        answer_note(&test, "consent").as_deref(),
        Some("Li Wei agreed by phone, 10:05")
    );
}

#[test]
fn an_answers_file_gives_notes_in_its_notes_table() {
    let mut test = Test::new().runbook("consent", CONSENT).file(
        "answers.toml",
        "consent = \"no\"\n\n[notes]\nconsent = \"refused by e-mail, ticket 42\"\n",
    );
    test.again(["start", "consent", "--answers", "answers.toml"])
        .success();
    assert_eq!(
        answer_note(&test, "consent").as_deref(),
        Some("refused by e-mail, ticket 42")
    );
}

// ---------------------------------------------------------------- the headline plan, branch by branch

/// Seventy minutes after [`crate::common::NOW`]: past the plan's one-hour
/// timer, counted from `inspect`, which every walk below enters at NOW.
const LATER: &str = "2026-11-28T10:10:00Z";

/// A walk of `server-software-failure` on this machine, with a notifier
/// that writes what it sends to `notified.txt`, and one backup in
/// `work/backups`, where the walk looks for them.
fn headline() -> Test {
    let test = Test::new().file("backups/web1-20261127.tar.gz", "a backup\n");
    let out = test.work().join("notified.txt");
    let config = format!(
        "[[notifiers]]\nname = \"file\"\ntype = \"command\"\ncommand = 'printf \"%s\\n\" \"$RUNBOOK_SUBJECT\" >> {}'\n",
        out.display()
    );
    test.config(&config)
}

/// Starts the headline plan with `answers` (`STEP=VALUE`) and `notes`
/// (`STEP=TEXT`); it pauses at its review step.
fn walk(test: &mut Test, answers: &[&str], notes: &[&str]) -> crate::common::Outcome {
    let mut args: Vec<String> = [
        "start",
        "server-software-failure",
        "--var",
        "host=local",
        "--var",
        "service=runbook-test-no-such-unit",
        "--var",
        "symptom=the site answers 502",
    ]
    .map(str::to_owned)
    .to_vec();
    args.extend([
        "--var".to_owned(),
        format!("backup_dir={}", test.work().join("backups").display()),
    ]);
    for answer in answers {
        args.extend(["--answer".to_owned(), (*answer).to_owned()]);
    }
    for note in notes {
        args.extend(["--note".to_owned(), (*note).to_owned()]);
    }
    test.again(args)
}

/// What command step `step` printed.
fn output_of(test: &Test, step: &str) -> String {
    test.events(FIRST)
        .iter()
        .find(|e| e["type"] == "command-finished" && e["payload"]["step"] == step)
        .and_then(|e| e["payload"]["output"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("{step} ran no command"))
}

fn entered(test: &Test) -> Vec<String> {
    test.events(FIRST)
        .iter()
        .filter(|e| e["type"] == "step-entered")
        .map(|e| e["payload"]["step"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Everyone told, by notifications that went out, in order, each once.
fn notified(test: &Test) -> Vec<String> {
    let mut told: Vec<String> = Vec::new();
    for event in test
        .events(FIRST)
        .iter()
        .filter(|e| e["type"] == "notification-sent")
    {
        for to in event["payload"]["to"].as_array().into_iter().flatten() {
            let to = to.as_str().unwrap_or_default().to_owned();
            if !told.contains(&to) {
                told.push(to);
            }
        }
    }
    told
}

fn severity(test: &Test) -> String {
    let mut level = String::new();
    for event in test.events(FIRST) {
        match event["type"].as_str() {
            Some("incident-started") => {
                level = event["payload"]["severity"].as_str().unwrap_or_default().into()
            }
            Some("severity-changed") => level = event["payload"]["to"].as_str().unwrap_or_default().into(),
            _ => {}
        }
    }
    level
}

/// The incident stays open at its review step past the hour: no timer
/// fires, by `runbook check` or a resume.
fn no_timer_after(test: Test) {
    let mut later = test.env("RUNBOOK_NOW", LATER);
    later.again(["check"]).success().stdout_lacks("timer-fired");
    later.again(["resume", FIRST, "--non-interactive"]).status(3);
    let types = later.types(FIRST);
    assert!(!types.contains(&"timer-fired".to_owned()), "{types:?}");
}

/// The emergency team the plan calls in under a maintenance agreement.
const TEAM: &[&str] = &[
    "tech-lead",
    "web-support",
    "customer-domain",
    "machine-room",
    "telecom-pr",
];

fn steps(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|id| (*id).to_owned()).collect()
}

#[test]
fn headline_without_agreement_restarts_the_service_then_the_server_then_hands_over() {
    let mut test = headline();
    // A restart nobody answered names what it would run, on which unit.
    walk(&mut test, &["intake=2", "maintenance-agreement=no"], &[])
        .status(3)
        .stderr_contains("paused at step `restart`")
        .stderr_contains(
            "`# systemctl restart \"$SERVICE\" (service(8) or rc-service without systemd), as root or through sudo -n` ... with SERVICE=runbook-test-no-such-unit",
        );
    test.again([
        "resume",
        FIRST,
        "--answer",
        "restart=no",
        "--answer",
        "restart-fixed=no",
        "--answer",
        "reboot-server=no",
        "--answer",
        "reboot-fixed=no",
    ])
    .status(3)
    .stderr_contains("paused at step `review-handover`");
    assert_eq!(
        entered(&test),
        steps(&[
            "intake",
            "notify-users-fault",
            "maintenance-agreement",
            "restart",
            "verify-restart",
            "restart-fixed",
            "reboot-server",
            "reboot-fixed",
            "notify-handover",
            "review-handover",
        ])
    );
    assert_eq!(severity(&test), "sev2");
    assert_eq!(notified(&test), ["users", "account-manager", "customer"]);
    no_timer_after(test);
}

#[test]
fn headline_with_agreement_fixes_a_clear_cause_at_once_and_a_severe_event_reaches_leadership() {
    let mut test = headline();
    walk(
        &mut test,
        &[
            "intake=1",
            "raise-severity=done",
            "maintenance-agreement=yes",
            "inspect=done",
            "cause-clear=yes",
            "fix-now=done",
            "service-ok=yes",
            "satisfaction-survey=done",
        ],
        &[],
    )
    .status(3)
    .stderr_contains("paused at step `review-resolved`");
    assert_eq!(
        entered(&test),
        steps(&[
            "intake",
            "raise-severity",
            "notify-users-fault",
            "maintenance-agreement",
            "assemble-team",
            "inspect",
            "preserve-state",
            "cause-clear",
            "fix-now",
            "verify-service",
            "service-ok",
            "notify-users-restored",
            "satisfaction-survey",
            "review-resolved",
        ])
    );
    assert_eq!(severity(&test), "sev1");
    assert_eq!(notified(&test), [&["leadership", "users"][..], TEAM].concat());
    no_timer_after(test);
}

#[test]
fn headline_with_agreement_restores_the_image_after_keeping_the_data_and_the_hour_passes_quietly() {
    let mut test = headline();
    walk(
        &mut test,
        &[
            "intake=2",
            "maintenance-agreement=yes",
            "inspect=done",
            "cause-clear=no",
            "recovery-disk=1",
            "choose-image=vm snapshot web1-20261127, 40 GiB",
            "data-kept-image=1",
            "restore-image=done",
            "service-ok=yes",
            "satisfaction-survey=done",
        ],
        &["data-kept-image=snapshot vm-web1-0900, 40 GiB"],
    )
    .status(3)
    .stderr_contains("paused at step `review-resolved`");
    assert_eq!(
        entered(&test),
        steps(&[
            "intake",
            "notify-users-fault",
            "maintenance-agreement",
            "assemble-team",
            "inspect",
            "preserve-state",
            "cause-clear",
            "recovery-disk",
            "find-image",
            "choose-image",
            "data-kept-image",
            "restore-image",
            "verify-restored",
            "verify-service",
            "service-ok",
            "notify-users-restored",
            "satisfaction-survey",
            "review-resolved",
        ])
    );
    assert_eq!(
        answer_note(&test, "data-kept-image").as_deref(),
        Some("snapshot vm-web1-0900, 40 GiB")
    );
    // The record lists the images there were and says which was used.
    assert!(output_of(&test, "find-image").contains("/backups/web1-20261127.tar.gz"));
    assert_eq!(
        var_set(&test, "image_used").as_deref(),
        Some("vm snapshot web1-20261127, 40 GiB")
    );
    assert_eq!(severity(&test), "sev2");
    assert_eq!(notified(&test), [&["users"][..], TEAM].concat());
    no_timer_after(test);
}

#[test]
fn headline_with_agreement_an_os_fault_not_repaired_falls_back_to_the_backup_with_consent() {
    let mut test = headline();
    walk(
        &mut test,
        &[
            "intake=2",
            "maintenance-agreement=yes",
            "inspect=done",
            "cause-clear=no",
            "recovery-disk=2",
            "os-checklist=1",
            "os-fault=failed",
            "choose-backup=/var/backups/web1-20261127.tar.gz",
            "backup-consent=yes",
            "data-kept-backup=1",
            "restore-backup=done",
            "service-ok=yes",
            "satisfaction-survey=done",
        ],
        &[
            "backup-consent=Zhang agreed by phone at 09:40",
            "data-kept-backup=/srv/keep/web1.tar, sha256 9f2c",
        ],
    )
    .status(3)
    .stderr_contains("paused at step `review-resolved`");
    assert_eq!(
        entered(&test),
        steps(&[
            "intake",
            "notify-users-fault",
            "maintenance-agreement",
            "assemble-team",
            "inspect",
            "preserve-state",
            "cause-clear",
            "recovery-disk",
            "os-diagnostics",
            "os-files",
            "os-logins",
            "os-malware",
            "os-checklist",
            "os-fault",
            "find-backup",
            "choose-backup",
            "backup-consent",
            "data-kept-backup",
            "restore-backup",
            "verify-restored",
            "verify-service",
            "service-ok",
            "notify-users-restored",
            "satisfaction-survey",
            "review-resolved",
        ])
    );
    assert_eq!(
        answer_note(&test, "backup-consent").as_deref(),
        Some("Zhang agreed by phone at 09:40")
    );
    assert!(output_of(&test, "find-backup").contains("/backups/web1-20261127.tar.gz"));
    assert_eq!(
        var_set(&test, "backup_used").as_deref(),
        Some("/var/backups/web1-20261127.tar.gz")
    );
    assert_eq!(severity(&test), "sev2");
    assert_eq!(notified(&test), [&["users"][..], TEAM].concat());
    no_timer_after(test);
}

#[test]
fn headline_with_agreement_refused_consent_leads_to_the_vendor_not_a_handover() {
    let mut test = headline();
    // Consent without its note is not taken.
    let answers = [
        "intake=2",
        "maintenance-agreement=yes",
        "inspect=done",
        "cause-clear=no",
        "recovery-disk=2",
        "os-checklist=none",
        "app-damage=3",
        "choose-backup=/var/backups/web1-20261127.tar.gz",
        "backup-consent=no",
        "reinstall=done",
        "service-ok=yes",
        "satisfaction-survey=done",
    ];
    walk(&mut test, &answers, &[])
        .status(3)
        .stderr_contains("paused at step `backup-consent`")
        .stderr_contains("--note backup-consent=NOTE");
    test.again([
        "resume",
        FIRST,
        "--answer",
        "backup-consent=no",
        "--note",
        "backup-consent=refused by e-mail, ticket 1234",
        "--answer",
        "reinstall=done",
        "--answer",
        "service-ok=yes",
        "--answer",
        "satisfaction-survey=done",
    ])
    .status(3)
    .stderr_contains("paused at step `review-resolved`");
    assert_eq!(
        entered(&test),
        steps(&[
            "intake",
            "notify-users-fault",
            "maintenance-agreement",
            "assemble-team",
            "inspect",
            "preserve-state",
            "cause-clear",
            "recovery-disk",
            "os-diagnostics",
            "os-files",
            "os-logins",
            "os-malware",
            "os-checklist",
            "app-check",
            "app-damage",
            "find-backup",
            "choose-backup",
            "backup-consent",
            "escalate-vendor",
            "reinstall",
            "verify-service",
            "service-ok",
            "notify-users-restored",
            "satisfaction-survey",
            "review-resolved",
        ])
    );
    assert_eq!(severity(&test), "sev2");
    assert_eq!(
        notified(&test),
        [
            &["users"][..],
            TEAM,
            &["account-manager", "customer", "vendor-support"][..]
        ]
        .concat()
    );
    no_timer_after(test);
}

#[test]
fn headline_with_agreement_nothing_works_and_it_stays_with_the_vendor() {
    let mut test = headline();
    walk(
        &mut test,
        &[
            "intake=2",
            "maintenance-agreement=yes",
            "inspect=done",
            "cause-clear=no",
            "recovery-disk=2",
            "os-checklist=none",
            "app-damage=4",
            "reinstall=failed",
        ],
        &[],
    )
    .status(3)
    .stderr_contains("paused at step `review-escalated`");
    assert_eq!(
        entered(&test),
        steps(&[
            "intake",
            "notify-users-fault",
            "maintenance-agreement",
            "assemble-team",
            "inspect",
            "preserve-state",
            "cause-clear",
            "recovery-disk",
            "os-diagnostics",
            "os-files",
            "os-logins",
            "os-malware",
            "os-checklist",
            "app-check",
            "app-damage",
            "escalate-vendor",
            "reinstall",
            "review-escalated",
        ])
    );
    assert_eq!(severity(&test), "sev2");
    assert_eq!(
        notified(&test),
        [
            &["users"][..],
            TEAM,
            &["account-manager", "customer", "vendor-support"][..]
        ]
        .concat()
    );
    no_timer_after(test);
}

// ---------------------------------------------------------------- the general plan

#[test]
fn general_plan_reports_to_the_office_before_confirming_and_escalates_an_unknown_cause() {
    let mut test = headline();
    test.again([
        "start",
        "software-system-failure",
        "--var",
        "host=local",
        "--var",
        "symptom=the ERP answers 500",
        "--answer",
        "intake=2",
        "--answer",
        "classify=5",
    ])
    .status(3)
    .stderr_contains("paused at step `vendor-help`");
    assert_eq!(
        entered(&test),
        steps(&[
            "report",
            "intake",
            "assemble-team",
            "notify-users-fault",
            "inspect-system",
            "classify",
            "escalate",
            "vendor-help"
        ])
    );
    assert_eq!(
        notified(&test),
        [
            "emergency-office",
            "web-support",
            "customer-domain",
            "machine-room",
            "telecom-pr",
            "users",
            "tech-lead",
            "vendor-support"
        ]
    );
}

/// The `timer-fired` events of `timer`, as (repeat, time).
fn firings(test: &Test, timer: &str) -> Vec<(serde_json::Value, String)> {
    test.events(FIRST)
        .into_iter()
        .filter(|e| e["type"] == "timer-fired" && e["payload"]["timer"] == timer)
        .map(|e| {
            (
                e["payload"]["repeat"].clone(),
                e["time"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn headline_severe_incident_reports_progress_to_leadership_every_half_hour_until_users_are_told() {
    let mut test = headline();
    walk(
        &mut test,
        &["intake=1", "raise-severity=done", "maintenance-agreement=yes"],
        &[],
    )
    .status(3)
    .stderr_contains("paused at step `inspect`");
    let at = |time: &str| format!("2026-11-28T{time}:00Z");
    let mut half = test.env("RUNBOOK_NOW", &at("09:30"));
    half.again(["check"])
        .success()
        .stdout_contains("timer-fired: timer progress-report (after 30m)")
        .stdout_contains("notified: leadership via file");
    let mut between = half.env("RUNBOOK_NOW", &at("09:45"));
    between.again(["check"]).success().stdout_lacks("timer-fired");
    let mut hour = between.env("RUNBOOK_NOW", &at("10:00"));
    hour.again(["check"])
        .success()
        .stdout_contains("timer progress-report (repeat 1: after 30m, then every 30m)");
    // Fixed, and users told it is back: the reports stop.
    hour.again([
        "resume",
        FIRST,
        "--answer",
        "locate-cause=no",
        "--answer",
        "inspect=done",
        "--answer",
        "cause-clear=yes",
        "--answer",
        "fix-now=done",
        "--answer",
        "service-ok=yes",
    ])
    .status(3)
    .stderr_contains("paused at step `satisfaction-survey`");
    let mut later = hour.env("RUNBOOK_NOW", &at("11:00"));
    later.again(["check"]).success().stdout_lacks("progress-report");
    assert_eq!(
        firings(&later, "progress-report"),
        [(serde_json::Value::Null, at("09:30")), (1.into(), at("10:00"))]
    );
    let sent = std::fs::read_to_string(later.work().join("notified.txt")).unwrap();
    assert_eq!(sent.matches("timer progress-report").count(), 2, "{sent}");
}

#[test]
fn headline_general_incident_sends_no_progress_reports() {
    let mut test = headline();
    walk(&mut test, &["intake=2", "maintenance-agreement=yes"], &[])
        .status(3)
        .stderr_contains("paused at step `inspect`");
    let mut later = test.env("RUNBOOK_NOW", "2026-11-28T09:59:00Z");
    later.again(["check"]).success().stdout_lacks("timer-fired");
    assert!(firings(&later, "progress-report").is_empty());
}

//! Walking the headline plan at a real (pseudo-)terminal, through the real
//! dialoguer prompts: keys in, screen text and the journal asserted.

use crate::common::Test;
use rexpect::process::WaitStatus;
use rexpect::session::PtySession;

const ENTER: &str = "\r";
const DOWN: &str = "\x1b[B";

/// A `systemctl` that says every service is fine, so that the walk does not
/// depend on the host running systemd.
const SYSTEMCTL: &str =
    "#!/bin/sh\ncase \"$1\" in is-active) echo active ;; *) echo \"systemctl $*\" ;; esac\nexit 0\n";

fn test() -> Test {
    use std::os::unix::fs::PermissionsExt;
    let test = Test::new().file("bin/systemctl", SYSTEMCTL);
    let path = test.work().join("bin/systemctl");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    test
}

fn keys(p: &mut PtySession, keys: &[&str]) {
    for key in keys {
        p.send(key).unwrap();
        p.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(60));
    }
}

fn expect(p: &mut PtySession, text: &str) {
    if let Err(error) = p.exp_string(text) {
        panic!("waiting for {text:?}: {error}");
    }
}

fn exit_code(p: &mut PtySession) -> i32 {
    p.exp_eof().unwrap();
    match p.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("not an exit: {other:?}"),
    }
}

/// Answers the prompts up to the maintenance-agreement question.
fn intake(p: &mut PtySession) {
    expect(p, "Application service that failed (systemd unit");
    keys(p, &["nginx", ENTER]); // no default: named every time
    expect(p, "Application code and data directory");
    keys(p, &[ENTER]);
    expect(p, "Directory holding the backups on that server");
    keys(p, &[ENTER]);
    expect(p, "Confirm the fault and its response level");
    keys(p, &[DOWN, ENTER]); // General (二级)
    // Users are told of the fault (no notifier: told by hand).
    expect(p, "Tell users of the fault");
    expect(p, "Notified?");
    keys(p, &[ENTER, ENTER]); // done, no note
    expect(p, "Is there a maintenance agreement for this server?");
}

/// A drill with a maintenance agreement, up to its first step after intake.
fn drill_to_inspection(test: &Test) -> PtySession {
    let mut p = test.pty([
        "drill",
        "server-software-failure",
        "--var",
        "host=local",
        "--var",
        "symptom=500s",
    ]);
    intake(&mut p);
    keys(&mut p, &[ENTER]); // Yes: there is an agreement
    team(&mut p);
    expect(&mut p, "Inspect the server at once");
    p
}

/// The emergency team is called in (no notifier: told by hand).
fn team(p: &mut PtySession) {
    expect(p, "Call in the emergency team");
    expect(p, "Notified?");
    keys(p, &[ENTER, ENTER]); // done, no note
}

#[test]
fn drill_without_agreement_restart_then_hand_over() {
    let test = test();
    let mut p = test.pty([
        "drill",
        "server-software-failure",
        "--var",
        "host=local",
        "--var",
        "symptom=site down",
    ]);
    intake(&mut p);
    keys(&mut p, &[DOWN, ENTER]); // No
    // The restart is rehearsed, not done: what would run is shown.
    expect(&mut p, " restart: Restart the service");
    expect(&mut p, "systemctl restart \"$SERVICE\"");
    expect(&mut p, "not run (drill: skip)");
    expect(&mut p, "Did the restart fix it?");
    keys(&mut p, &[DOWN, ENTER]); // No
    // Then the server, rehearsed too; only then is the customer told.
    expect(&mut p, " reboot-server: Reboot the server");
    expect(&mut p, "not run (drill: skip)");
    expect(&mut p, "Is the service working again after the reboot?");
    keys(&mut p, &[DOWN, ENTER]); // No
    expect(&mut p, "No notifier is configured: tell these people yourself.");
    expect(&mut p, "account-manager");
    expect(&mut p, "Notified?");
    keys(&mut p, &[ENTER, ENTER]); // done, no note
    expect(&mut p, "Record the handover");
    keys(&mut p, &[ENTER]); // Done
    expect(&mut p, "Note");
    keys(&mut p, &["customer will call their IT", ENTER]);
    expect(&mut p, &format!("{} ended: handed-over", test.only_incident()));
    assert_eq!(exit_code(&mut p), 0);

    let events = test.events(&test.only_incident());
    assert_eq!(events[0]["payload"]["drill"], true);
    let answered: Vec<&serde_json::Value> = events.iter().filter(|e| e["type"] == "step-answered").collect();
    assert!(answered.iter().all(|e| e["payload"]["source"] == "person"));
    assert!(
        answered
            .iter()
            .any(|e| e["payload"]["note"] == "customer will call their IT")
    );
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "notification-sent" && e["payload"]["via"] == "by-hand")
    );
}

#[test]
fn drill_with_agreement_inspect_recover_from_the_image() {
    let test = test();
    let mut p = drill_to_inspection(&test);
    keys(&mut p, &[ENTER, ENTER]); // Done, no note
    expect(&mut p, "Is the cause clear, and can you fix it at once?");
    keys(&mut p, &[DOWN, ENTER]); // No
    expect(&mut p, "Is there a recovery disk");
    keys(&mut p, &[ENTER]); // Yes: recover from the image
    // The images are listed, and the one used is named.
    expect(&mut p, "List the system images, newest first");
    expect(&mut p, "Which system image will you restore?");
    keys(&mut p, &["vm snapshot web1-0300", ENTER]);
    expect(&mut p, "Before the image restore: is the original data kept?");
    keys(&mut p, &[ENTER]); // Kept
    expect(&mut p, "Note (required");
    keys(&mut p, &[ENTER]); // an empty note is not taken
    expect(&mut p, "Note (required");
    keys(&mut p, &["snapshot web1-0300, 40 GiB", ENTER]);
    expect(&mut p, "Recover quickly from the system image");
    keys(&mut p, &[ENTER, ENTER]);
    expect(&mut p, "Is the service working for its users again?");
    keys(&mut p, &[ENTER]); // Yes
    expect(&mut p, "Tell users the service is back");
    expect(&mut p, "Notified?");
    keys(&mut p, &[ENTER, ENTER]); // done, no note
    expect(&mut p, "Ask users how satisfied they are");
    keys(&mut p, &[ENTER, ENTER]); // done, no note
    expect(&mut p, "Record the incident");
    keys(&mut p, &[ENTER, ENTER]);
    expect(&mut p, &format!("{} ended: resolved", test.only_incident()));
    assert_eq!(exit_code(&mut p), 0);

    let types = test.types(&test.only_incident());
    let kept = test
        .events(&test.only_incident())
        .into_iter()
        .find(|e| e["type"] == "step-answered" && e["payload"]["step"] == "data-kept-image")
        .unwrap();
    assert_eq!(kept["payload"]["note"], "snapshot web1-0300, 40 GiB");
    let finished = types.iter().filter(|t| *t == "command-finished").count();
    assert!(finished >= 2, "preserve-state and verify-service ran: {types:?}");
}

#[test]
fn the_one_hour_timer_fires_in_a_second_while_a_prompt_waits() {
    let test = test();
    let mut p = test.pty([
        "drill",
        "server-software-failure",
        "--speed",
        "3600",
        "--var",
        "host=local",
        "--var",
        "symptom=down",
    ]);
    intake(&mut p);
    keys(&mut p, &[ENTER]); // Yes: the timer counts from `inspect`
    team(&mut p);
    expect(&mut p, "Inspect the server at once");
    // Sit at the prompt: an hour at --speed 3600 is one second.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let types = test.types(&test.only_incident());
    assert!(
        types.contains(&"timer-fired".to_owned()),
        "fired while the prompt waited: {types:?}"
    );
    let failed = test
        .events(&test.only_incident())
        .into_iter()
        .find(|e| e["type"] == "notification-failed")
        .unwrap();
    assert_eq!(failed["payload"]["timer"], "locate-cause");
    assert_eq!(
        failed["payload"]["to"],
        serde_json::json!(["account-manager", "customer", "vendor-support"])
    );
    keys(&mut p, &[ENTER, ENTER]); // inspect: done
    expect(&mut p, "locate-cause");
    expect(&mut p, "The timer fired");
    keys(&mut p, &[ENTER]); // go to escalate-vendor
    expect(&mut p, "Report, and contact the vendor");
    // Nobody was told of the timer: were they, by hand? Later.
    expect(&mut p, "Told ");
    keys(&mut p, &[ENTER]);
    expect(&mut p, "Report, and contact the vendor");
    keys(&mut p, &[DOWN, DOWN, DOWN, ENTER]); // other actions…
    expect(&mut p, "What now?");
    keys(&mut p, &[DOWN, DOWN, DOWN, DOWN, ENTER]); // pause
    expect(&mut p, "to continue: runbook resume");
    assert_eq!(exit_code(&mut p), 3);
}

#[test]
fn ctrl_c_at_a_prompt_pauses_and_resume_goes_on() {
    let mut test = test();
    let mut p = test.pty([
        "start",
        "server-software-failure",
        "--var",
        "host=local",
        "--var",
        "symptom=down",
    ]);
    expect(&mut p, "Application service that failed (systemd unit");
    p.send_control('c').unwrap();
    expect(&mut p, "is paused (interrupted)");
    assert_eq!(exit_code(&mut p), 130);
    let incident = test.only_incident();
    assert!(test.types(&incident).contains(&"paused".to_owned()));
    // Scripted resume from where it stopped.
    test.again([
        "resume",
        &incident,
        "--non-interactive",
        "--var",
        "service=nginx",
        "--answer",
        "intake=2",
        "--answer",
        "notify-users-fault=done",
        "--answer",
        "maintenance-agreement=no",
    ])
    .status(3)
    .stderr_contains("restart");
}

#[test]
fn a_note_from_another_terminal_shows_at_the_walks_next_turn() {
    let mut test = test();
    let mut p = drill_to_inspection(&test);
    // Handed over while the walk sits at the prompt.
    let incident = test.only_incident();
    test.again_as("bob", ["note", &incident, "vendor is on the line"])
        .success()
        .stderr_contains("taken in by the process holding it");
    keys(&mut p, &[ENTER, ENTER]); // inspect: done, no note
    expect(&mut p, "note from bob@");
    expect(&mut p, "vendor is on the line");
    expect(&mut p, "Is the cause clear, and can you fix it at once?");
    p.send_control('c').unwrap();
    expect(&mut p, "is paused (interrupted)");
    assert_eq!(exit_code(&mut p), 130);
    let events = test.events(&test.only_incident());
    let note = events.iter().find(|e| e["type"] == "note-added").unwrap();
    assert!(note["actor"].as_str().unwrap().starts_with("bob@"), "{note}");
    assert_eq!(note["payload"]["step"], "inspect");
}

#[test]
fn a_file_is_attached_from_other_actions_during_the_walk() {
    let test = test().file("evidence/auth.log", "Failed password for root from 203.0.113.9\n");
    let evidence = test.work().join("evidence/auth.log");
    let mut p = drill_to_inspection(&test);
    keys(&mut p, &[DOWN, DOWN, DOWN, ENTER]); // Other actions…
    expect(&mut p, "What now?");
    keys(&mut p, &[DOWN, ENTER]); // Attach a file
    expect(&mut p, "File to attach");
    keys(&mut p, &["/no/such/file", ENTER]);
    expect(&mut p, "not a readable file"); // asked again, nothing stored
    for _ in 0.."/no/such/file".len() {
        keys(&mut p, &["\x7f"]);
    }
    keys(&mut p, &[evidence.to_str().unwrap(), ENTER]);
    expect(&mut p, "attached auth.log (sha256 ");
    // Back at the same question; pause there.
    expect(&mut p, "Inspect the server at once");
    keys(&mut p, &[DOWN, DOWN, DOWN, ENTER]);
    expect(&mut p, "What now?");
    keys(&mut p, &[DOWN, DOWN, DOWN, DOWN, ENTER]); // Pause
    expect(&mut p, "paused");
    assert_eq!(exit_code(&mut p), 3);

    let events = test.events(&test.only_incident());
    let attached: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["type"] == "attachment-added")
        .collect();
    assert_eq!(attached.len(), 1, "{events:?}");
    let bytes = std::fs::read(&evidence).unwrap();
    assert_eq!(attached[0]["payload"]["name"], "auth.log");
    assert_eq!(attached[0]["payload"]["bytes"], bytes.len());
    assert_eq!(
        attached[0]["payload"]["sha256"],
        runbook::journal::sha256_hex(&bytes)
    );
    let kept = test
        .data()
        .join("incidents")
        .join(test.only_incident())
        .join("attachments/auth.log");
    assert_eq!(std::fs::read(kept).unwrap(), bytes);
}

#[test]
fn a_note_sent_while_archive_asks_its_questions_is_in_the_record() {
    let mut test = test()
        .runbook("fixed", crate::common::MINIMAL)
        .with_signing_key()
        .env("RUNBOOK_NOW", crate::common::NOW);
    test.again(["start", "fixed", "--answer", "check=done"]).success();
    let id = test.only_incident();
    let mut p = test.pty(["archive", &id]);
    expect(&mut p, "What happened");
    // Archive holds the incident while it asks: the note is handed over.
    let note = test
        .command(["note", &id, "the customer confirmed it works"])
        .env("USER", "bob")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let inbox = test.data().join("incidents").join(&id).join("inbox");
    // Queued once its entry is in place (not while it is written beside).
    let queued = || {
        std::fs::read_dir(&inbox).is_ok_and(|entries| {
            entries
                .filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().ends_with(".json"))
        })
    };
    for _ in 0..100 {
        if queued() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    keys(&mut p, &[ENTER]); // the drafted summary
    expect(&mut p, "Cause");
    keys(&mut p, &["disk full", ENTER]);
    expect(&mut p, "How it was handled");
    keys(&mut p, &["cleaned up", ENTER]);
    expect(&mut p, "Follow-up");
    keys(&mut p, &[ENTER]); // none
    expect(&mut p, &format!("archived {id}"));
    assert_eq!(exit_code(&mut p), 0);
    let noted = note.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&noted.stderr);
    assert!(noted.status.success(), "{said}");
    assert!(said.contains("taken in by the process holding it"), "{said}");

    let record = test.data().join("archive/2026/11").join(format!("{id}.json"));
    let record: serde_json::Value = serde_json::from_slice(&std::fs::read(record).unwrap()).unwrap();
    let notes = &record["notes"];
    assert_eq!(notes[0]["text"], "the customer confirmed it works", "{notes}");
    assert!(notes[0]["actor"].as_str().unwrap().starts_with("bob@"), "{notes}");
}

#[test]
fn a_prompt_refuses_a_value_no_command_environment_can_carry() {
    let test = Test::new().runbook(
        "ask",
        "schema = 1\ntitle = \"Ask\"\n\n[[steps]]\nid = \"ask\"\nkind = \"input\"\ntitle = \"What happened?\"\nvar = \"said\"\n\n[[steps]]\nid = \"done\"\nkind = \"end\"\ntitle = \"Done\"\n",
    );
    let mut p = test.pty(["start", "ask"]);
    expect(&mut p, "What happened?");
    // A paste far longer than a variable may hold, in one write.
    p.send(&"x".repeat(70_000)).unwrap();
    p.flush().unwrap();
    keys(&mut p, &[ENTER]);
    expect(&mut p, "the value is 70000 bytes long, over the 65536 bytes");
    // Asked again: a fitting answer goes through.
    for _ in 0..70_000 / 500 + 1 {
        p.send(&"\x7f".repeat(500)).unwrap();
    }
    p.flush().unwrap();
    keys(&mut p, &["disk full", ENTER]);
    assert_eq!(exit_code(&mut p), 0);
    let id = test.only_incident();
    let said = test
        .events(&id)
        .into_iter()
        .find(|event| event["type"] == "step-answered")
        .unwrap();
    assert_eq!(said["payload"]["answer"]["value"], "disk full", "{said}");
}

#[test]
fn with_no_notifier_the_message_to_pass_on_is_shown() {
    let test = Test::new().runbook("call", crate::common::CALL);
    let mut p = test.pty(["drill", "call", "--speed", "3600"]);
    expect(&mut p, "Still down?");
    // Sit at the prompt: an hour at --speed 3600 is one second.
    expect(&mut p, "call these people now");
    expect(&mut p, "+1 555 0100");
    expect(&mut p, "Tell them:");
    expect(&mut p, "Still down after an hour.");
    expect(&mut p, "Told Boss?");
    keys(&mut p, &[ENTER]); // later
    expect(&mut p, "Still down?");
    keys(&mut p, &[ENTER]); // Yes
    expect(&mut p, "tell these people yourself");
    expect(&mut p, "+1 555 0100");
    expect(&mut p, "Tell them:");
    expect(&mut p, "The service is down; we are on it.");
    expect(&mut p, "Notified?");
    p.send_control('c').unwrap();
    expect(&mut p, "is paused (interrupted)");
    assert_eq!(exit_code(&mut p), 130);
}

#[test]
fn an_empty_abort_reason_goes_back_to_the_question() {
    let test = test();
    let mut p = drill_to_inspection(&test);
    keys(&mut p, &[DOWN, DOWN, DOWN, ENTER]); // Other actions…
    expect(&mut p, "What now?");
    keys(&mut p, &[DOWN, DOWN, DOWN, DOWN, DOWN, ENTER]); // Abort
    expect(&mut p, "Enter to go back");
    keys(&mut p, &[ENTER]);
    expect(&mut p, "an abort needs a reason");
    // Back at the same question, which a reason then aborts from.
    expect(&mut p, "Result");
    keys(&mut p, &[DOWN, DOWN, DOWN, ENTER]);
    expect(&mut p, "What now?");
    keys(&mut p, &[DOWN, DOWN, DOWN, DOWN, DOWN, ENTER]);
    expect(&mut p, "Why abort?");
    keys(&mut p, &["false alarm", ENTER]);
    expect(&mut p, "aborted: false alarm");
    assert_eq!(exit_code(&mut p), 4);
    let types = test.types(&test.only_incident());
    assert_eq!(types.iter().filter(|t| *t == "aborted").count(), 1, "{types:?}");
}

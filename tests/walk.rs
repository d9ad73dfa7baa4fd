//! Walking incidents without a terminal: pause at the first unanswered
//! question, resume with answers, JSON events, the journal on disk.

use crate::common::Test;

const WEB: &str = r#"schema = 1
title = "Web"

[vars.service]
prompt = "Service"
default = "web"
pattern = "^[a-z]+$"

[vars.payload]
prompt = "Anything at all"

[[steps]]
id = "look"
kind = "command"
title = "Look at {{service}}"
run = 'printf "%s|%s" "$SERVICE" "$PAYLOAD"'
timeout = "10s"
capture = "seen"

[[steps]]
id = "ok"
kind = "confirm"
title = "Is it fine?"
yes = "done"
no = "fix"

[[steps]]
id = "fix"
kind = "command"
title = "Fix it"
run = "echo fixed"
confirm = true
timeout = "10s"
next = "done"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

const FIRST: &str = "INC-20261128-0001";

#[test]
fn pauses_at_the_first_unanswered_question_and_resumes_to_the_end() {
    let mut test = Test::new().runbook("web", WEB);
    let outcome = test.again(["start", "web", "--var", "payload=hello"]);
    outcome
        .status(3)
        .stderr_contains(&format!("{FIRST} is paused at step `ok`: yes or no"))
        .stderr_contains(&format!("to continue: runbook resume {FIRST} --answer ok=ANSWER"));
    let outcome = test.again(["resume", FIRST, "--answer", "ok=no", "--answer", "fix=yes"]);
    outcome
        .success()
        .stderr_contains(&format!("{FIRST} ended: resolved"));
    assert_eq!(
        test.types(FIRST),
        [
            "incident-started",
            "step-entered",
            "command-started",
            "var-set",
            "command-finished",
            "step-entered",
            "paused",
            "resumed",
            "step-answered",
            "step-entered",
            "step-answered",
            "command-started",
            "command-finished",
            "step-entered",
            "ended"
        ]
    );
    let events = test.events(FIRST);
    assert_eq!(
        events[0]["payload"]["vars"]["service"], "web",
        "the default applies when no one is asked"
    );
    assert_eq!(events[0]["actor"], format!("ops@{}", hostname()));
    assert_eq!(events[4]["payload"]["output"], "web|hello");
    assert_eq!(events[8]["payload"]["source"], "script");
    let outcome = test.again(["resume", FIRST]);
    outcome
        .status(2)
        .stderr_contains("has ended (resolved); there is nothing to resume");
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_owned()
}

#[test]
fn json_prints_every_event_and_what_it_waits_for() {
    let outcome = Test::new()
        .runbook("web", WEB)
        .args(["start", "web", "--json", "--var", "payload=x"])
        .run();
    outcome.status(3);
    let lines: Vec<serde_json::Value> = outcome
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines[0]["type"], "incident-started");
    assert_eq!(lines[0]["seq"], 1);
    assert_eq!(lines[1]["prev"], lines[0]["hash"]);
    let last = lines.last().unwrap();
    assert_eq!(last["type"], "awaiting");
    assert_eq!(last["step"], "ok");
    assert_eq!(
        last["resume"],
        format!("runbook resume {FIRST} --answer ok=ANSWER")
    );
}

#[test]
fn a_missing_variable_pauses_with_the_flag_to_pass() {
    Test::new()
        .runbook("web", WEB)
        .args(["start", "web"])
        .run()
        .status(3)
        .stderr_contains("paused before its first step: a value for `payload`")
        .stderr_contains(&format!("runbook resume {FIRST} --var payload=VALUE"));
}

/// One question that takes any text.
const ASK: &str = r#"schema = 1
title = "Ask"

[[steps]]
id = "ask"
kind = "input"
title = "What happened?"
var = "said"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

#[test]
fn a_text_answer_cannot_forge_lines_of_the_walk() {
    let forged = "fine\r\nINC-20261128-0001 aborted: forged";
    let mut test = Test::new().runbook("ask", ASK);
    let outcome = test.again(["start", "ask", "--answer", &format!("ask={forged}")]);
    outcome
        .success()
        .stderr_contains("\n  fine … (1 more lines) (scripted)\n")
        .stderr_contains("\n  said = fine … (1 more lines)\n");
    assert!(
        !outcome.stderr.lines().any(|line| line.contains("aborted")),
        "{}",
        outcome.stderr
    );
    let answered = test
        .events(FIRST)
        .into_iter()
        .find(|event| event["type"] == "step-answered")
        .unwrap();
    assert_eq!(answered["payload"]["answer"]["value"], forged, "{answered}");
}

#[test]
fn a_resume_line_pasted_unchanged_is_refused() {
    let mut test = Test::new().runbook("web", WEB).runbook("ask", ASK);
    test.again(["start", "web"]).status(3);
    test.again(["resume", FIRST, "--var", "payload=VALUE"])
        .status(2)
        .stderr_contains("--var payload=VALUE: `VALUE` is the placeholder of the resume line");
    // Even where any text would do.
    test.again(["start", "ask", "--answer", "ask=ANSWER"])
        .status(2)
        .stderr_contains("--answer ask=ANSWER: `ANSWER` is the placeholder of the resume line");
    assert_eq!(test.types(FIRST).last().map(String::as_str), Some("paused"));
    assert!(
        !test.data().join("incidents/INC-20261128-0002").exists(),
        "no incident was opened"
    );
}

#[test]
fn a_variable_set_at_start_cannot_be_changed_on_resume() {
    let mut test = Test::new().runbook("web", WEB);
    test.again(["start", "web", "--var", "payload=one", "--var", "service=api"])
        .status(3);
    test.again(["resume", FIRST, "--var", "service=db", "--answer", "ok=yes"])
        .status(2)
        .stderr_contains("--var service=db: `service` is already `api` in this incident")
        .stderr_contains("hint: leave the variable out");
    assert_eq!(test.types(FIRST).last().map(String::as_str), Some("paused"));
    // The same value again, as a script that repeats its flags passes it.
    test.again(["resume", FIRST, "--var", "service=api", "--answer", "ok=yes"])
        .success();
}

#[test]
fn values_no_command_environment_can_carry_are_refused_up_front() {
    let long = "a".repeat(100_000);
    let mut test = Test::new()
        .runbook("web", WEB)
        .runbook("ask", ASK)
        .file("nul.toml", "[vars]\npayload = \"a\\u0000b\"\n")
        .file("said.toml", format!("ask = \"{}\"\n", "b".repeat(200_000)));
    test.again(["start", "web", "--answers", "nul.toml"])
        .status(2)
        .stderr_contains("error: the value holds a NUL byte")
        .stderr_contains("nul.toml:2:11");
    test.again(["start", "web", "--var", &format!("payload={long}")])
        .status(2)
        .stderr_contains("payload: the value is 100000 bytes long, over the 65536 bytes")
        .stderr_lacks(&long);
    test.again(["start", "ask", "--answers", "said.toml"])
        .status(2)
        .stderr_contains("error: the answer is 200000 bytes long")
        .stderr_contains("said.toml:1:7");
    assert!(!test.data().join("incidents").exists(), "no incident was opened");
}

#[test]
fn a_command_that_cannot_start_says_why_on_screen() {
    // No `sh` to be found.
    Test::new()
        .runbook("web", WEB)
        .env("PATH", "/nonexistent")
        .args(["start", "web", "--var", "payload=x", "--answer", "ok=yes"])
        .run()
        .stderr_contains("  cannot start the command: No such file or directory");
}

#[test]
fn bad_answers_exit_2_before_anything_starts() {
    let mut test = Test::new().runbook("web", WEB);
    let outcome = test.again([
        "start",
        "web",
        "--var",
        "service=NOT OK",
        "--answer",
        "ok=maybe",
        "--answer",
        "nope=yes",
    ]);
    outcome
        .status(2)
        .stderr_contains("--var service=NOT OK: the value of `service` does not match the pattern ^[a-z]+$")
        .stderr_contains("--answer ok=maybe: step `ok` expects yes or no")
        .stderr_contains("--answer nope: `web` has no step `nope`");
    assert!(!test.data().join("incidents").exists(), "no incident was opened");
}

#[test]
fn an_empty_checklist_answer_is_refused_and_none_ticks_nothing() {
    let start = [
        "start",
        "server-software-failure",
        "--var",
        "host=local",
        "--var",
        "symptom=b",
    ];
    let mut test = Test::new();
    let with = |answer: &'static str| start.into_iter().chain(["--answer", answer]);
    test.again(with("os-checklist="))
        .status(2)
        .stderr_contains("--answer os-checklist=: an empty answer is refused")
        .stderr_contains("`none` if nothing is ticked");
    test.again(with("os-checklist= "))
        .status(2)
        .stderr_contains("an empty answer is refused");
    assert!(!test.data().join("incidents").exists(), "no incident was opened");
    test.again(with("os-checklist=None")).status(3);
}

#[test]
fn malformed_answers_file_is_located() {
    Test::new()
        .runbook("web", WEB)
        .file("answers.toml", "ok = \"yes\"\nfix = [\n")
        .args(["start", "web", "--answers", "answers.toml"])
        .run()
        .status(2)
        .stderr_contains("answers.toml:2:");
}

#[test]
fn what_an_answers_file_means_wrong_is_located_in_it() {
    // `ok` first appears in a comment and in another step's value: the
    // problem is where the key is, not where its text first occurs.
    let answers = r#"# ok, fix and the rest
fix = "ok"
ok = "maybe"
nope = "yes"

[vars]
service = "NOT OK"
servic = "x"
payload = "VALUE"
"#;
    let mut test = Test::new()
        .runbook("web", WEB)
        .file("answers.toml", answers)
        .file("checks.toml", "os-checklist = [1, \"99\"]\n")
        .file("resume.toml", "ok = \"yes\"\n\n[vars]\nservice = \"db\"\n");
    let outcome = test.again([
        "start",
        "web",
        "--answers",
        "answers.toml",
        "--answer",
        "fix=perhaps",
    ]);
    insta::assert_snapshot!(outcome.stderr_and_status(), @r#"
    error: step `ok` expects yes or no
     --> answers.toml:3:6
      |
    3 | ok = "maybe"
      |      ^^^^^^^
      = hint: see `runbook show` for the steps and what each expects
    error: `web` has no step `nope`
     --> answers.toml:4:1
      |
    4 | nope = "yes"
      | ^^^^
      = hint: see `runbook show` for the step ids
    error: the value of `service` does not match the pattern ^[a-z]+$
     --> answers.toml:7:11
      |
    7 | service = "NOT OK"
      |           ^^^^^^^^
      = hint: see `runbook show` for the steps and what each expects
    error: `web` has no variable `servic`
     --> answers.toml:8:1
      |
    8 | servic = "x"
      | ^^^^^^
      = hint: did you mean `service`?
    error: `VALUE` is the placeholder of the resume line; put the value in its place
     --> answers.toml:9:11
      |
    9 | payload = "VALUE"
      |           ^^^^^^^
      = hint: see `runbook show` for the steps and what each expects
    error: --answer fix=perhaps: step `fix` expects yes/run/retry or no/skip/done
      --> the command line
      = hint: see `runbook show` for the steps and what each expects
    [exit 2]
    "#);
    assert!(!test.data().join("incidents").exists(), "no incident was opened");
    // Flags alone are still worded as flags.
    test.again(["start", "web", "--answer", "ok=maybe"])
        .status(2)
        .stderr_contains("error: invalid answers:\n  --answer ok=maybe: step `ok` expects yes or no");
    // A variable the incident already holds, changed by the file.
    test.again(["start", "web", "--var", "payload=one", "--var", "service=api"])
        .status(3);
    let outcome = test.again(["resume", FIRST, "--answers", "resume.toml"]);
    insta::assert_snapshot!(outcome.stderr_and_status(), @r#"
    error: `service` is already `api` in this incident, and variables are fixed once set
     --> resume.toml:4:11
      |
    4 | service = "db"
      |           ^^^^
      = hint: leave the variable out; if it was wrong, say so with `runbook note`, or start a new incident
    [exit 2]
    "#);
    // A checklist's item out of range, at the item.
    let outcome = test.again([
        "start",
        "server-software-failure",
        "--var",
        "host=local",
        "--var",
        "symptom=b",
        "--answers",
        "checks.toml",
    ]);
    insta::assert_snapshot!(outcome.stderr_and_status(), @r#"
    error: step `os-checklist` expects item numbers 1-5 or item texts, or none
     --> checks.toml:1:20
      |
    1 | os-checklist = [1, "99"]
      |                    ^^^^
      = hint: see `runbook show` for the steps and what each expects
    [exit 2]
    "#);
}

#[test]
fn an_answer_flag_beats_the_answers_file_for_the_same_step() {
    let mut test = Test::new()
        .runbook("web", WEB)
        .file("answers.toml", "ok = \"yes\"\n\n[vars]\npayload = \"x\"\n");
    test.again([
        "start",
        "web",
        "--answers",
        "answers.toml",
        "--answer",
        "ok=no",
        "--answer",
        "fix=yes",
    ])
    .success()
    .stderr_contains("  no (scripted)")
    .stderr_contains("$ echo fixed")
    .stderr_lacks("answers not used");
}

#[test]
fn an_answers_file_that_never_ends_or_is_too_large_is_refused_at_once() {
    let test = Test::new()
        .runbook("web", WEB)
        .file("big.toml", "#".repeat(2 * 1024 * 1024));
    let fifo = test.work().join("fifo");
    rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::from_raw_mode(0o600)).unwrap();
    let mut test = test;
    test.again_promptly(["start", "web", "--answers", "fifo"])
        .status(2)
        .stderr_contains("cannot read the answers file fifo: is a named pipe");
    test.again(["start", "web", "--answers", "big.toml"])
        .status(2)
        .stderr_contains("cannot read the answers file big.toml: is larger than 1048576 bytes");
    assert!(!test.data().join("incidents").exists(), "no incident was opened");
}

#[test]
fn answers_can_come_from_a_pipe() {
    use std::io::Write;
    let test = Test::new().runbook("web", WEB);
    let mut child = test
        .command(["start", "web", "--answers", "/dev/stdin"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"ok = false\nfix = \"yes\"\n\n[vars]\npayload = \"piped\"\n")
        .unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(first_output(&test), "web|piped");
}

#[test]
fn answers_file_drives_the_whole_walk() {
    let mut test = Test::new().runbook("web", WEB).file(
        "answers.toml",
        "ok = false\nfix = \"yes\"\n\n[vars]\npayload = \"from the file\"\n",
    );
    test.again(["start", "web", "--answers", "answers.toml"])
        .success();
    assert_eq!(first_output(&test), "web|from the file");
}

#[test]
fn variables_reach_commands_only_as_data() {
    let hostile = [
        "; touch CANARY",
        "$(touch CANARY)",
        "`touch CANARY`",
        "x\ntouch CANARY",
        "' ; touch CANARY ; '",
        "\" ; touch CANARY ; \"",
        "{{service}}",
    ];
    for payload in hostile {
        let mut test = Test::new().runbook("web", WEB);
        test.again([
            "start",
            "web",
            "--var",
            &format!("payload={payload}"),
            "--answer",
            "ok=yes",
        ])
        .success();
        assert!(!test.work().join("CANARY").exists(), "{payload:?} ran as shell");
        assert_eq!(first_output(&test), format!("web|{payload}").trim_end());
    }
}

#[test]
fn twenty_parallel_starts_get_twenty_ids() {
    let test = Test::new().runbook("web", WEB);
    let outcomes: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..20)
            .map(|_| {
                scope.spawn(|| {
                    let mut t = Test::new().runbook("web", WEB);
                    // All of them share one data directory.
                    t = t.env("RUNBOOK_HOME", test.data().to_str().unwrap());
                    t.args(["start", "web", "--var", "payload=x", "--answer", "ok=yes"])
                        .run()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for outcome in &outcomes {
        outcome.success();
    }
    let mut ids: Vec<String> = std::fs::read_dir(test.data().join("incidents"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
    assert_eq!(ids[19], "INC-20261128-0020");
}

/// Starts `web` in the background as `ops`, and returns once its first
/// command ([`sleeping`]) runs.
fn walk_in_background(test: &Test) -> std::process::Child {
    walk_in_background_with(test, &[])
}

/// [`walk_in_background`], with `global` options before `start`.
fn walk_in_background_with(test: &Test, global: &[&str]) -> std::process::Child {
    let mut child = test
        .command(
            global
                .iter()
                .chain(&["start", "web", "--var", "payload=x", "--non-interactive"]),
        )
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let running = test.work().join("running");
    for _ in 0..250 {
        if running.exists() {
            return child;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the walk's first command never ran");
}

/// `web` with a first command that marks it runs, then sleeps.
fn sleeping(seconds: u32) -> String {
    WEB.replace(
        "run = 'printf \"%s|%s\" \"$SERVICE\" \"$PAYLOAD\"'",
        &format!("run = 'touch running; sleep {seconds}'"),
    )
}

#[test]
fn a_driven_incident_cannot_be_resumed_twice() {
    let mut test = Test::new().runbook("web", &sleeping(3));
    let mut child = walk_in_background(&test);
    let outcome = test.again(["resume", FIRST, "--answer", "ok=yes"]);
    outcome
        .status(2)
        .stderr_contains("pid")
        .stderr_contains(&child.id().to_string())
        .stderr_contains("running `runbook start`")
        .stderr_lacks("payload=x");
    // In Chinese, who holds it and what to do.
    test.again(["resume", FIRST, "--lang", "zh", "--answer", "ok=yes"])
        .status(2)
        .stderr_contains(&format!("错误：事件 {FIRST} 正由"))
        .stderr_contains("运行 `runbook start`")
        .stderr_contains("提示：一个事件同一时间只能由一个进程处置");
    test.again(["incidents"]).success().stdout_contains("running");
    // An abort from elsewhere would have to stop the walk: refused, with
    // where the walker can do it.
    test.again(["abort", FIRST, "--reason", "wrong host"])
        .status(2)
        .stderr_contains("is being driven by")
        .stderr_contains("Other actions");
    assert_eq!(child.wait().unwrap().code(), Some(3));
    assert!(!test.types(FIRST).contains(&"aborted".to_owned()));
}

#[test]
fn the_holder_is_named_by_its_subcommand_after_global_options() {
    let mut test = Test::new().runbook("web", &sleeping(3));
    let mut child = walk_in_background_with(&test, &["--runbooks", "runbooks"]);
    test.again(["resume", FIRST, "--answer", "ok=yes"])
        .status(2)
        .stderr_contains("running `runbook start`")
        .stderr_lacks("--runbooks");
    assert_eq!(child.wait().unwrap().code(), Some(3));
}

#[test]
fn a_note_and_a_file_from_another_terminal_are_handed_to_the_walk() {
    let mut test = Test::new()
        .runbook("web", &sleeping(3))
        .file("evidence.log", "disk full\n");
    let mut child = walk_in_background(&test);
    test.again_as("bob", ["note", FIRST, "DB team: replication lag 30 s"])
        .success()
        .stderr_contains(&format!(
            "note added to {FIRST}, taken in by the process holding it: ops@"
        ))
        .stderr_contains("running `runbook start`");
    test.again_as("bob", ["attach", FIRST, "evidence.log"])
        .success()
        .stderr_contains(&format!("attached evidence.log to {FIRST} (sha256 "))
        .stderr_contains("), taken in by the process holding it");
    // Journaled by the walk while its command still ran.
    let events = test.events(FIRST);
    let handed: Vec<_> = events
        .iter()
        .filter(|e| e["queued"].is_string())
        .map(|e| (e["type"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(handed.len(), 2, "{events:#?}");
    assert_eq!(handed[0].0, "note-added");
    assert_eq!(handed[1].0, "attachment-added");
    assert!(
        handed.iter().all(|(_, actor)| actor.starts_with("bob@")),
        "{handed:?}"
    );
    assert!(
        !events.iter().any(|e| e["type"] == "command-finished"),
        "taken while the command ran"
    );
    assert_eq!(child.wait().unwrap().code(), Some(3));

    let dir = test.data().join("incidents").join(FIRST);
    assert_eq!(
        std::fs::read(dir.join("attachments/evidence.log")).unwrap(),
        b"disk full\n"
    );
    assert_eq!(std::fs::read_dir(dir.join("inbox")).unwrap().count(), 0);
    // The chain holds: the walk goes on from it, and the record names bob.
    test.again(["resume", FIRST, "--answer", "ok=yes"]).success();
    let report = test.again(["report", FIRST, "--format", "json"]);
    let notes = &report.success().json()["notes"];
    assert_eq!(
        notes[0]["actor"].as_str().unwrap().split('@').next(),
        Some("bob"),
        "{notes}"
    );
    assert_eq!(notes[0]["text"], "DB team: replication lag 30 s");
}

/// `web` paused at its question, and its lock held for `seconds` by a
/// process that takes nothing in: flock(1) on the incident's lock.
fn paused_and_held(seconds: u32) -> (Test, std::process::Child) {
    let mut test = Test::new().runbook("web", WEB);
    test.again(["start", "web", "--var", "payload=x"]).status(3);
    let lock = test.data().join("incidents").join(FIRST).join("lock");
    let holder = test
        .tool("flock")
        .arg(&lock)
        .args(["sleep", &seconds.to_string()])
        .spawn()
        .expect("flock (util-linux) is installed");
    // Held once another flock cannot take it.
    for _ in 0..250 {
        let taken = test
            .tool("flock")
            .arg("-n")
            .arg(&lock)
            .arg("true")
            .status()
            .unwrap();
        if !taken.success() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    (test, holder)
}

#[test]
fn a_note_for_a_holder_that_never_takes_it_waits_in_the_inbox_until_the_next_open() {
    let (mut test, mut holder) = paused_and_held(7);
    test.again_as("bob", ["note", FIRST, "first, while held"])
        .success()
        .stderr_contains(&format!("note queued for {FIRST} in "))
        .stderr_contains(&format!("/incidents/{FIRST}/inbox/"))
        .stderr_contains("has not taken it in yet");
    assert!(!test.types(FIRST).contains(&"note-added".to_owned()));
    holder.wait().unwrap();
    // The next process to open the incident journals it first.
    test.again_as("eve", ["note", FIRST, "second"])
        .success()
        .stderr_contains(&format!("note added to {FIRST}\n"))
        .stderr_lacks("queued");
    let notes: Vec<(String, String)> = test
        .events(FIRST)
        .iter()
        .filter(|e| e["type"] == "note-added")
        .map(|e| {
            (
                e["actor"].as_str().unwrap().split('@').next().unwrap().to_owned(),
                e["payload"]["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        notes,
        [
            ("bob".to_owned(), "first, while held".to_owned()),
            ("eve".to_owned(), "second".to_owned())
        ]
    );
}

#[test]
fn a_note_waits_for_a_short_holder_and_journals_it_itself() {
    let (mut test, mut holder) = paused_and_held(1);
    test.again_as("bob", ["note", FIRST, "after the holder"])
        .success()
        .stderr_contains(&format!("note added to {FIRST}\n"))
        .stderr_lacks("queued")
        .stderr_lacks("taken in");
    holder.wait().unwrap();
    let events = test.events(FIRST);
    let note = events.iter().find(|e| e["type"] == "note-added").unwrap();
    assert_eq!(note["payload"]["text"], "after the holder");
    assert!(note["queued"].is_string(), "taken from the inbox: {note}");
}

#[test]
fn killed_mid_command_resume_reports_the_unfinished_command() {
    let mut test = Test::new().runbook("web", &sleeping(30));
    // Killed once the script runs (its start is journaled before that).
    let mut child = walk_in_background(&test);
    let journal = test.data().join("incidents").join(FIRST).join("journal.jsonl");
    assert!(
        std::fs::read_to_string(&journal)
            .unwrap()
            .contains("command-started")
    );
    child.kill().unwrap();
    child.wait().unwrap();
    test.again(["incidents"]).success().stdout_contains("interrupted");
    let outcome = test.again(["resume", FIRST]);
    outcome
        .status(3)
        .stderr_contains("retry to run the interrupted command again, done if it had finished")
        .stderr_contains(&format!("runbook resume {FIRST} --answer look=ANSWER"));
    let outcome = test.again(["resume", FIRST, "--answer", "look=done", "--answer", "ok=yes"]);
    outcome.success();
    let types = test.types(FIRST);
    assert!(types.contains(&"command-skipped".to_owned()), "{types:?}");
    // The killed runner's `sleep 30` was still running: stopped, and said so.
    let note = test
        .events(FIRST)
        .into_iter()
        .find(|e| e["type"] == "note-added")
        .expect("a note");
    assert!(
        note["payload"]["text"]
            .as_str()
            .unwrap()
            .contains("was still running"),
        "{note}"
    );
}

#[test]
fn changed_runbook_is_refused_unless_accepted() {
    let mut test = Test::new().runbook("web", WEB);
    test.again(["start", "web", "--var", "payload=x"]).status(3);
    let changed = WEB.replace("title = \"Fix it\"", "title = \"Fix it now\"");
    let mut test = test.runbook("web", &changed);
    test.again(["resume", FIRST, "--answer", "ok=yes"])
        .status(2)
        .stderr_contains("the runbook `web` changed since")
        .stderr_contains("step `fix` changed")
        .stderr_contains("--accept-changed-runbook");
    test.again(["resume", FIRST, "--answer", "ok=yes", "--accept-changed-runbook"])
        .success();
}

#[test]
fn drill_skips_commands_that_ask_first() {
    let mut test = Test::new().runbook("web", WEB);
    test.again(["drill", "web", "--var", "payload=x", "--answer", "ok=no"])
        .success()
        .stderr_contains("[DRILL]")
        // What would run is shown, as for a command about to run.
        .stderr_contains("→ fix: Fix it\n  $ echo fixed\n  not run (drill: skip)");
    let events = test.events(FIRST);
    assert_eq!(events[0]["payload"]["drill"], true);
}

#[test]
fn notes_attachments_and_abort() {
    let mut test = Test::new()
        .runbook("web", WEB)
        .file("evidence.log", "disk full\n");
    test.again(["start", "web", "--var", "payload=x"]).status(3);
    test.again(["note", FIRST, "customer called back"]).success();
    test.again(["attach", FIRST, "evidence.log"])
        .success()
        .stderr_contains("sha256");
    test.again(["abort", FIRST, "--reason", "false alarm"]).success();
    test.again(["abort", FIRST, "--reason", "again"])
        .status(2)
        .stderr_contains("is not open");
    let events = test.events(FIRST);
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds[kinds.len() - 3..],
        ["note-added", "attachment-added", "aborted"]
    );
    let attachment = &events[kinds.len() - 2]["payload"];
    assert_eq!(attachment["bytes"], 10);
    assert_eq!(
        attachment["sha256"],
        "99e90503b1282521bef7a6ed3eee30614bd602c8c5e18787f6b3bd2e29840b74"
    );
}

#[test]
fn unknown_incident_is_a_usage_error() {
    Test::new()
        .args(["resume", "INC-20261128-0042"])
        .run()
        .status(2)
        .stderr_contains("no incident `INC-20261128-0042`");
    Test::new()
        .args(["resume", "nonsense"])
        .run()
        .status(2)
        .stderr_contains("incident ids look like");
}

#[test]
fn capture_keeps_standard_output_only() {
    let noisy = WEB.replace(
        "run = 'printf \"%s|%s\" \"$SERVICE\" \"$PAYLOAD\"'",
        "run = 'echo \"warning: noisy\" >&2; printf \"%s|%s\\n\" \"$SERVICE\" \"$PAYLOAD\"'",
    );
    let mut test = Test::new().runbook("web", &noisy);
    test.again(["start", "web", "--var", "payload=x", "--answer", "ok=yes"])
        .success();
    let events = test.events(FIRST);
    let finished = events.iter().find(|e| e["type"] == "command-finished").unwrap();
    assert!(
        finished["payload"]["output"]
            .as_str()
            .unwrap()
            .contains("warning: noisy")
    );
    let captured = events.iter().find(|e| e["type"] == "var-set").unwrap();
    assert_eq!(captured["payload"]["name"], "seen");
    assert_eq!(captured["payload"]["value"], "web|x");
}

/// The output of the first command the incident ran.
fn first_output(test: &Test) -> serde_json::Value {
    let events = test.events(FIRST);
    let finished = events
        .iter()
        .find(|e| e["type"] == "command-finished")
        .expect("a command ran");
    finished["payload"]["output"].clone()
}

const AHEAD: &str = r#"schema = 1
title = "Ahead"

[vars.marker]
prompt = "Marks this test's shells"

[[steps]]
id = "one"
kind = "command"
title = "One"
run = "touch one-running; sleep 1; exit 1"
timeout = "10s"
on_failure = "look"

[[steps]]
id = "two"
kind = "command"
title = "Two"
run = "touch two-ran"
timeout = "10s"
next = "done"

[[steps]]
id = "look"
kind = "command"
title = "Look"
run = "touch look-running; sleep 1"
timeout = "10s"
next = "done"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

/// The ids of the processes whose environment holds every one of `entries`.
fn pids_with(entries: &[&str]) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|pid| pid.chars().all(|c| c.is_ascii_digit()))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ")).is_ok_and(|env| {
                let vars: Vec<&[u8]> = env.split(|&b| b == 0).collect();
                entries.iter().all(|entry| vars.contains(&entry.as_bytes()))
            })
        })
        .collect()
}

fn processes_with(entries: &[&str]) -> usize {
    pids_with(entries).len()
}

/// Walks `ahead` (a variant of [`AHEAD`]) in the background; returns the
/// walk and its marker, which every shell it starts carries.
fn walk_ahead(test: &Test) -> (std::process::Child, String) {
    let marker = format!("MARKER={}", test.work().display());
    let child = test
        .command(["start", "ahead", "--non-interactive", "--var"])
        .arg(format!("marker={}", test.work().display()))
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    (child, marker)
}

fn wait_for(path: &std::path::Path) {
    for _ in 0..250 {
        if path.exists() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("{} never appeared", path.display());
}

#[test]
fn a_shell_started_ahead_for_a_step_the_walk_does_not_take_never_runs_and_is_gone() {
    let test = Test::new().runbook("ahead", AHEAD);
    let (mut child, marker) = walk_ahead(&test);
    wait_for(&test.work().join("one-running"));
    // While `one` runs, `two`'s shell waits at its gate.
    assert_eq!(processes_with(&[&marker, "RUNBOOK_STEP=two"]), 1);
    // `one` fails: its handler runs, and `two`'s shell is gone.
    wait_for(&test.work().join("look-running"));
    assert_eq!(processes_with(&[&marker, "RUNBOOK_STEP=two"]), 0);
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert!(!test.work().join("two-ran").exists(), "the step not taken ran");
    assert_eq!(processes_with(&[&marker]), 0);
    let started: Vec<_> = test
        .events(FIRST)
        .into_iter()
        .filter(|e| e["type"] == "command-started")
        .map(|e| e["payload"]["step"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(started, ["one", "look"]);
}

#[test]
fn a_shell_started_ahead_leaves_unopened_when_the_walk_is_killed() {
    let slow = AHEAD.replace("sleep 1; exit 1", "exec sleep 30");
    let test = Test::new().runbook("ahead", &slow);
    let (mut child, marker) = walk_ahead(&test);
    wait_for(&test.work().join("one-running"));
    assert_eq!(processes_with(&[&marker, "RUNBOOK_STEP=two"]), 1);
    child.kill().unwrap();
    child.wait().unwrap();
    for _ in 0..100 {
        if processes_with(&[&marker, "RUNBOOK_STEP=two"]) == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        processes_with(&[&marker, "RUNBOOK_STEP=two"]),
        0,
        "left at its gate when its runner died"
    );
    assert!(!test.work().join("two-ran").exists(), "it ran its script");
    // What `one` left running would be the next walk's to stop.
    for pid in pids_with(&[&marker]) {
        let _ = test.tool("kill").arg(pid).status();
    }
}

#[test]
fn an_attach_that_cannot_be_handed_over_leaves_no_copy_behind() {
    let (mut test, mut holder) = paused_and_held(3);
    let dir = test.data().join("incidents").join(FIRST);
    // Where the inbox should be, a file: the hand-over cannot be queued.
    std::fs::write(dir.join("inbox"), "not a directory").unwrap();
    std::fs::write(test.work().join("evidence.log"), "disk full\n").unwrap();
    let outcome = test.again_as("bob", ["attach", FIRST, "evidence.log"]);
    outcome.status(1).stderr_contains("inbox");
    let left = std::fs::read_dir(dir.join("attachments")).map_or(0, Iterator::count);
    assert_eq!(left, 0, "a copy no event names was left behind");
    holder.wait().unwrap();
}

#[test]
fn a_note_the_holder_sets_aside_names_where_it_went() {
    let (test, mut holder) = paused_and_held(5);
    let note = test
        .command(["note", FIRST, "from a newer runbook"])
        .env("USER", "bob")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The holder refuses it, as a runbook of another version would.
    let inbox = test.data().join("incidents").join(FIRST).join("inbox");
    let entry = (0..250)
        .find_map(|_| {
            let found = std::fs::read_dir(&inbox).ok().and_then(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .find(|path| path.extension().is_some_and(|ext| ext == "json"))
            });
            if found.is_none() {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            found
        })
        .expect("the note is queued");
    let refused = format!("{}.refused", entry.display());
    std::fs::rename(&entry, &refused).unwrap();
    let output = note.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(said.contains(&format!("set aside as {refused}")), "{said}");
    holder.wait().unwrap();
    assert!(!test.types(FIRST).contains(&"note-added".to_owned()));
}

#[test]
fn the_incidents_table_fits_80_columns_without_breaking_words() {
    let mut test = Test::new();
    let paused = [
        "start",
        "server-software-failure",
        "--var",
        "host=local",
        "--var",
        "service=nginx",
        "--var",
        "symptom=down",
        "--answer",
        "intake=2",
        "--answer",
        "notify-users-fault=done",
        "--answer",
        "maintenance-agreement=no",
    ];
    for _ in 0..2 {
        test.again(paused).status(3);
    }
    test.again(["abort", "INC-20261128-0001", "--reason", "false alarm"])
        .success();
    test.again(["drill", "data-loss"]).status(3);
    let listing = test.again(["incidents"]);
    listing.success().stdout_fits(80);
    insta::assert_snapshot!(listing.stdout, @"
    INCIDENT           RUNBOOK    STATE    SEV   STEP     ELAPSED  NEXT
    INC-20261128-0001  server-    aborted  sev2  restart  0s       archive in 1d
                       software-
                       failure
    INC-20261128-0002  server-    paused   sev2  restart  0s
                       software-
                       failure
    INC-20261128-0003  data-loss  paused   sev2  intake   0s
                                  (drill)
    ");
}

#[test]
fn with_no_notifier_the_message_to_pass_on_is_shown() {
    let mut test = Test::new().runbook("call", crate::common::CALL);
    test.again(["start", "call"]).status(3);
    // Two hours later the timer is due; the notify step waits for a person.
    let output = test
        .command(["resume", FIRST, "--answer", "ok=yes"])
        .env("RUNBOOK_NOW", "2026-11-28T11:00:00Z")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains(
            "  NOT notified boss: no notifier is configured: call them\n    Still down after an hour.\n"
        ),
        "{said}"
    );
    assert!(
        said.contains(
            "  no notifier is configured: tell boss yourself\n    The service is down; we are on it.\n"
        ),
        "{said}"
    );
}

#[test]
fn a_capture_its_failed_command_never_set_is_empty_in_text_and_commands() {
    let runbook = r#"schema = 1
title = "Gen"

[[steps]]
id = "gen"
kind = "command"
title = "Generate"
run = "exit 1"
capture = "genout"

[[steps]]
id = "use"
kind = "command"
title = "Use [{{genout}}]"
run = 'printf "[%s]\n" "${GENOUT-unset}"'

[[steps]]
id = "ok"
kind = "confirm"
title = "Captured: {{genout}} — ok?"
yes = "done"
no = "gave-up"

[[steps]]
id = "done"
kind = "end"
title = "Done"

[[steps]]
id = "gave-up"
kind = "end"
title = "Gave up"
outcome = "escalated"
"#;
    // What the runner's own environment holds is not the variable.
    let mut test = Test::new().runbook("gen", runbook).env("GENOUT", "inherited");
    test.again(["start", "gen"]).status(1);
    test.again(["resume", FIRST, "--answer", "gen=done"])
        .status(3)
        .stderr_contains("→ use: Use []\n")
        .stderr_contains("  │ []\n")
        .stderr_contains("→ ok: Captured:  — ok?\n")
        .stderr_lacks("{{genout}}");
}

//! Secret variables (`secret = true`): given by the environment or a file,
//! never by argv; used by commands, never written down or shown; asked
//! again, and checked, when the incident resumes.

use crate::common::Test;
use std::path::Path;

const DEPLOY: &str = r#"schema = 1
title = "Deploy"
archive_within = "1d"

[vars.token]
prompt = "API token"
secret = true
pattern = '^[A-Za-z0-9@%+/-]+$'

[[steps]]
id = "use"
kind = "command"
title = "Call the API with {{token}}"
run = 'printf %s "$TOKEN" > got.txt; echo "token is $TOKEN"; echo "url https://api/?t=Zq%2Bw%40rld-7xK"; env | grep -q "^RUNBOOK_VAR_" && echo inherited || true'
timeout = "10s"

[[steps]]
id = "ok"
kind = "confirm"
title = "Did it work with {{token}}?"
yes = "again"
no = "done"

[[steps]]
id = "again"
kind = "command"
title = "Once more"
run = 'printf %s "$TOKEN" > again.txt'
timeout = "10s"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

const FIRST: &str = "INC-20261128-0001";
const SECRET: &str = "Zq+w@rld-7xK";

/// Every file under `dir` whose bytes hold `needle`.
fn files_holding(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_holding(&path, needle));
        } else if let Ok(bytes) = std::fs::read(&path)
            && bytes
                .windows(needle.len())
                .any(|window| window == needle.as_bytes())
        {
            found.push(path.display().to_string());
        }
    }
    found
}

/// Nothing the test's runs left outside `work/` (where the commands wrote
/// what they got) holds the secret.
fn nowhere_but_work(test: &Test) {
    for dir in ["data", "config", "state", "cache", "home"] {
        let holding = files_holding(&test.root().join(dir), SECRET);
        assert!(holding.is_empty(), "the secret is written in {holding:?}");
    }
}

#[test]
fn a_secret_from_the_environment_reaches_the_command_and_nothing_written_down() {
    let mut test = Test::new()
        .runbook("deploy", DEPLOY)
        .with_signing_key()
        .env("RUNBOOK_VAR_TOKEN", SECRET);
    let outcome = test.again(["start", "deploy", "--answer", "ok=no", "--json"]);
    outcome.success();
    assert!(!outcome.stdout.contains(SECRET) && !outcome.stderr.contains(SECRET));
    assert_eq!(
        std::fs::read_to_string(test.work().join("got.txt")).unwrap(),
        SECRET
    );
    let events = test.events(FIRST);
    assert_eq!(events[0]["payload"]["vars"]["token"], "[secret]");
    let output = events
        .iter()
        .find(|event| event["type"] == "command-finished")
        .map(|event| event["payload"]["output"].as_str().unwrap().to_owned())
        .unwrap();
    // As given and URL-encoded, the value becomes the marker.
    assert!(output.contains("token is [secret]"), "{output}");
    assert!(output.contains("url https://api/?t=[secret]"), "{output}");
    assert!(
        !output.contains("inherited"),
        "RUNBOOK_VAR_TOKEN is passed on: {output}"
    );
    test.archive(FIRST).success();
    for args in [
        vec!["report", FIRST],
        vec!["report", FIRST, "--format", "json"],
        vec!["report", FIRST, "--format", "markdown"],
        vec!["show", "deploy"],
        vec!["incidents"],
    ] {
        let outcome = test.again(args.clone());
        outcome.success();
        assert!(
            !outcome.stdout.contains(SECRET) && !outcome.stderr.contains(SECRET),
            "{args:?} shows the secret"
        );
    }
    nowhere_but_work(&test);
}

#[test]
fn a_secret_from_a_file_loses_its_newline_and_stays_out_of_the_journal() {
    let mut test = Test::new()
        .runbook("deploy", DEPLOY)
        .file("token.txt", format!("{SECRET}\n"))
        .chmod("token.txt", 0o600);
    test.again([
        "start",
        "deploy",
        "--var-file",
        "token=token.txt",
        "--answer",
        "ok=no",
    ])
    .success()
    .stderr_lacks(SECRET)
    .stderr_lacks("can be read by every user");
    assert_eq!(
        std::fs::read_to_string(test.work().join("got.txt")).unwrap(),
        SECRET
    );
    nowhere_but_work(&test);
}

#[test]
fn a_secret_file_every_user_may_read_is_used_with_a_warning() {
    let mut test = Test::new()
        .runbook("deploy", DEPLOY)
        .file("token.txt", SECRET)
        .chmod("token.txt", 0o644);
    test.again([
        "start",
        "deploy",
        "--var-file",
        "token=token.txt",
        "--answer",
        "ok=no",
    ])
    .success()
    .stderr_contains("which holds the secret `token`, can be read by every user: chmod o-r")
    .stderr_lacks(SECRET);
}

#[test]
fn a_secret_that_does_not_match_its_pattern_is_named_not_shown() {
    let mut test = Test::new()
        .runbook("deploy", DEPLOY)
        .file("answers.toml", "[vars]\ntoken = \"has spaces 7xK\"\n")
        .env("RUNBOOK_VAR_TOKEN", "");
    test.again(["start", "deploy", "--answers", "answers.toml"])
        .status(2)
        .stderr_contains("the secret `token`")
        .stderr_contains("does not match the pattern")
        .stderr_lacks("has spaces");
    let mut test = test.env("RUNBOOK_VAR_TOKEN", "also spaces 7xK");
    test.again(["start", "deploy"])
        .status(2)
        .stderr_contains("the secret `token`")
        .stderr_lacks("also spaces");
}

#[test]
fn show_says_a_variable_is_secret_and_how_to_give_it() {
    let mut test = Test::new().runbook("deploy", DEPLOY);
    test.again(["show", "deploy"])
        .success()
        .stdout_contains("token — API token [secret: RUNBOOK_VAR_TOKEN, --var-file token=PATH]");
}

#[test]
fn a_secret_on_the_command_line_is_refused_with_the_ways_to_give_it() {
    let mut test = Test::new().runbook("deploy", DEPLOY);
    test.again(["start", "deploy", "--var", &format!("token={SECRET}")])
        .status(2)
        .stderr_contains("`token` is a secret")
        .stderr_contains("RUNBOOK_VAR_TOKEN=")
        .stderr_contains("--var-file token=PATH")
        .stderr_lacks(SECRET);
    assert!(!test.data().join("incidents").join(FIRST).exists());
}

#[test]
fn without_the_secret_a_script_pauses_naming_the_ways_to_give_it() {
    let mut test = Test::new().runbook("deploy", DEPLOY);
    test.again(["start", "deploy"])
        .status(3)
        .stderr_contains("the secret `token`")
        .stderr_contains("RUNBOOK_VAR_TOKEN")
        .stderr_contains("--var-file token=PATH");
    assert!(!test.work().join("got.txt").exists());
    let test = test.env("RUNBOOK_VAR_TOKEN", SECRET);
    let mut test = test;
    test.again(["resume", FIRST, "--answer", "ok=no"]).success();
    assert_eq!(
        std::fs::read_to_string(test.work().join("got.txt")).unwrap(),
        SECRET
    );
    nowhere_but_work(&test);
}

#[test]
fn resume_asks_for_the_secret_again_and_refuses_another_value() {
    let mut test = Test::new()
        .runbook("deploy", DEPLOY)
        .env("RUNBOOK_VAR_TOKEN", SECRET);
    test.again(["start", "deploy"]).status(3);
    // Not given again (an empty variable gives nothing): the walk cannot
    // go on, and says how to give it.
    let mut test = test.env("RUNBOOK_VAR_TOKEN", "");
    test.again(["resume", FIRST, "--answer", "ok=yes"])
        .status(3)
        .stderr_contains("--var-file token=PATH");
    let mut test = test.env("RUNBOOK_VAR_TOKEN", "another-value");
    test.again(["resume", FIRST, "--answer", "ok=yes"])
        .status(2)
        .stderr_contains(&format!(
            "the secret `token` given is not the value {FIRST} was first given"
        ))
        .stderr_lacks("another-value");
    assert!(!test.work().join("again.txt").exists());
    let mut test = test.env("RUNBOOK_VAR_TOKEN", SECRET);
    test.again(["resume", FIRST, "--answer", "ok=yes"]).success();
    assert_eq!(
        std::fs::read_to_string(test.work().join("again.txt")).unwrap(),
        SECRET
    );
    let markers = test
        .events(FIRST)
        .iter()
        .filter(|event| event["type"] == "var-set")
        .count();
    assert_eq!(markers, 0, "the start journaled the marker; resumes add none");
    nowhere_but_work(&test);
}

#[test]
fn a_captured_checksum_keeps_its_value() {
    let mut test = Test::new().runbook(
        "sum",
        r#"schema = 1
title = "Sum"

[[steps]]
id = "sum"
kind = "command"
title = "Checksum"
run = 'echo 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'
capture = "sum"

[[steps]]
id = "done"
kind = "end"
title = "Done: {{sum}}"
"#,
    );
    test.again(["start", "sum"]).success();
    let events = test.events(FIRST);
    let captured = events.iter().find(|event| event["type"] == "var-set").unwrap();
    assert_eq!(
        captured["payload"]["value"],
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    );
}

#[test]
fn a_secret_can_have_no_default_and_no_step_sets_one() {
    let mut test = Test::new().runbook(
        "bad",
        r#"schema = 1
title = "Bad"

[vars.token]
secret = true
default = "hunter2"

[[steps]]
id = "ask"
kind = "input"
title = "Token?"
var = "token"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#,
    );
    test.again(["validate", "runbooks/bad.toml"])
        .status(2)
        .stderr_contains("the secret variable `token` has a default")
        .stderr_contains("step `ask` sets the secret variable `token`");
}

#[test]
fn at_a_terminal_the_secret_is_asked_without_echo() {
    let test = Test::new().runbook("deploy", DEPLOY);
    let mut p = test.pty(["start", "deploy"]);
    let mut screen = p.exp_string("API token").unwrap();
    for key in [SECRET, "\r"] {
        p.send(key).unwrap();
        p.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(60));
    }
    screen += &p.exp_string("Did it work with [secret]?").unwrap();
    p.send_control('c').unwrap();
    screen += &p.exp_eof().unwrap();
    assert!(!screen.contains(SECRET), "the screen shows the secret:\n{screen}");
    assert!(screen.contains("token is [secret]"), "{screen}");
    assert_eq!(
        std::fs::read_to_string(test.work().join("got.txt")).unwrap(),
        SECRET
    );
    nowhere_but_work(&test);
}

#[test]
fn at_a_terminal_a_resume_asks_again_until_the_secret_is_the_one_given() {
    let mut test = Test::new()
        .runbook("deploy", DEPLOY)
        .env("RUNBOOK_VAR_TOKEN", SECRET);
    test.again(["start", "deploy"]).status(3);
    let test = test.env("RUNBOOK_VAR_TOKEN", "");
    let mut p = test.pty(["resume", FIRST]);
    let mut screen = p.exp_string("API token").unwrap();
    let typed = |p: &mut rexpect::session::PtySession, keys: &[&str]| {
        for key in keys {
            p.send(key).unwrap();
            p.flush().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(60));
        }
    };
    typed(&mut p, &["wrong-value-1", "\r"]);
    screen += &p.exp_string("is not the value `token` was given").unwrap();
    screen += &p.exp_string("API token").unwrap();
    typed(&mut p, &[SECRET, "\r"]);
    screen += &p.exp_string("Did it work with [secret]?").unwrap();
    p.send_control('c').unwrap();
    screen += &p.exp_eof().unwrap();
    assert!(
        !screen.contains(SECRET) && !screen.contains("wrong-value-1"),
        "{screen}"
    );
}

#[test]
fn a_private_key_printed_in_pieces_is_hidden_to_its_last_line() {
    let mut test = Test::new().runbook(
        "key",
        r#"schema = 1
title = "Key"

[[steps]]
id = "show"
kind = "command"
title = "Show the key"
run = '''
printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA'
sleep 0.2
printf 'BG5vbmUAAAAEbm9uZQ\nQyNTUxOQAAACBshort==\n'
sleep 0.2
printf -- '-----END OPENSSH PRIVATE KEY-----\nafter the key\n'
'''
capture = "shown"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#,
    );
    test.again(["start", "key"]).success();
    let events = test.events(FIRST);
    let output = events
        .iter()
        .find(|event| event["type"] == "command-finished")
        .map(|event| event["payload"]["output"].as_str().unwrap().to_owned())
        .unwrap();
    assert_eq!(
        output,
        "-----BEGIN OPENSSH PRIVATE KEY-----\n[REDACTED]\n[REDACTED]\n-----END OPENSSH PRIVATE KEY-----\nafter the key\n"
    );
    let captured = events.iter().find(|event| event["type"] == "var-set").unwrap();
    assert!(!captured.to_string().contains("short=="), "{captured}");
    assert!(!captured.to_string().contains("b3BlbnNzaC1"), "{captured}");
}

#[test]
fn a_notification_naming_the_secret_carries_its_marker() {
    let sent = "sent.txt";
    let mut test = Test::new()
        .runbook(
            "tell",
            r#"schema = 1
title = "Tell"

[vars.token]
secret = true

[contacts.ops]
role = "Ops"
email = "ops@example.com"

[[steps]]
id = "tell"
kind = "notify"
title = "Tell ops"
to = ["ops"]
message = "The token {{token}} was rotated"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#,
        )
        .config(&format!(
            "[[notifiers]]\nname = \"file\"\ntype = \"command\"\ncommand = 'env | grep -c RUNBOOK_VAR_ >> {sent}; cat >> {sent}'\n"
        ))
        .env("RUNBOOK_VAR_TOKEN", SECRET);
    test.again(["start", "tell"]).success();
    let text = std::fs::read_to_string(test.work().join(sent)).unwrap();
    assert!(text.contains("The token [secret] was rotated"), "{text}");
    assert!(
        text.starts_with("0\n"),
        "the notifier inherits RUNBOOK_VAR_TOKEN: {text}"
    );
    assert!(!text.contains(SECRET), "{text}");
    nowhere_but_work(&test);
}

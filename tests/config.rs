//! The config file: checked whole before anything is done.

use crate::common::{MINIMAL, Test};

/// Starts `minimal` under `config`: refused with exit 2, no incident
/// opened. Returns the test for more commands.
#[track_caller]
fn start_is_refused(config: &str, expected: &[&str]) -> Test {
    let mut test = Test::new().runbook("minimal", MINIMAL).config(config);
    let outcome = test.again(["start", "minimal"]);
    outcome.status(2);
    for needle in expected {
        outcome.stderr_contains(needle);
    }
    assert!(
        !test.data().join("incidents").exists(),
        "an incident directory was made:\n{}",
        outcome.stderr
    );
    test
}

#[test]
fn a_bad_redact_pattern_opens_no_incident() {
    let mut test = start_is_refused(
        "redact = ['token=\\S+', '(']\n",
        &["invalid redact pattern: unclosed group", "config.toml:1:24"],
    );
    // Nothing was used up: once the config is fixed, the first id is free.
    test = test.config("redact = ['token=\\S+']\n");
    test.again(["start", "minimal"])
        .status(3)
        .stderr_contains("INC-20261128-0001 is paused");
}

#[test]
fn every_command_refuses_a_bad_redact_pattern() {
    let mut test = Test::new().config("redact = ['[']\n");
    for command in [&["list"][..], &["check"], &["incidents"], &["records"]] {
        test.again(command.iter().copied())
            .status(2)
            .stderr_contains("config.toml:1:11")
            .stderr_contains("invalid redact pattern");
    }
}

#[test]
fn bad_notifiers_open_no_incident_and_are_located() {
    start_is_refused(
        "[[notifiers]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"notaurl\"\n",
        &[
            "config.toml:1:1",
            "notifier \"hook\": `url` must start with http://",
        ],
    );
    start_is_refused(
        "lang = \"en\"\n\n[[notifiers]]\nname = \"mail\"\ntype = \"command\"\ncommand = \"\"\n",
        &["config.toml:3:1", "notifier \"mail\": `command` is empty"],
    );
    start_is_refused(
        "[[notifiers]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"https://example.com/\"\n\
         headers = { \"X Token\" = \"a\" }\n",
        &[
            "config.toml:1:1",
            "header name \"X Token\" is not a valid HTTP header name",
        ],
    );
}

#[test]
fn list_refuses_bad_notifiers_too() {
    Test::new()
        .config("[[notifiers]]\nname = \"mail\"\ntype = \"command\"\ncommand = \" \"\n")
        .args(["list"])
        .run()
        .status(2)
        .stderr_contains("config.toml:1:1")
        .stderr_contains("`command` is empty");
}

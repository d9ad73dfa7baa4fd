use crate::common::{MINIMAL, Test};

#[test]
fn version_and_help() {
    Test::new()
        .args(["--version"])
        .run()
        .success()
        .stdout_contains("runbook ");
    Test::new()
        .args(["--help"])
        .run()
        .success()
        .stdout_contains("validate");
}

#[test]
fn usage_error_exits_2() {
    Test::new()
        .args(["frobnicate"])
        .run()
        .status(2)
        .stderr_contains("unrecognized subcommand");
}

#[test]
fn a_pinned_time_that_is_not_a_time_is_warned_about() {
    Test::new()
        .env("RUNBOOK_NOW", "tomorrow")
        .args(["list"])
        .run()
        .success()
        .stderr_contains("warning: RUNBOOK_NOW=\"tomorrow\" is not an RFC 3339 time")
        .stderr_contains("the system clock is used");
    Test::new()
        .args(["list"])
        .run()
        .success()
        .stderr_lacks("RUNBOOK_NOW");
}

#[test]
fn valid_runbook_validates() {
    Test::new()
        .runbook("minimal", MINIMAL)
        .args(["validate", "runbooks/minimal.toml"])
        .run()
        .success()
        .stderr_contains("checked 1 runbook: 0 errors, 0 warnings");
}

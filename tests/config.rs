//! The config file: checked whole before anything is done.

use crate::common::{self, MINIMAL, Test};

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

/// The test's `$HOME`.
fn home(test: &Test) -> std::path::PathBuf {
    test.work().parent().unwrap().join("home")
}

#[test]
fn a_relative_data_dir_is_relative_to_the_config_file() {
    let mut test = Test::new()
        .runbook("minimal", MINIMAL)
        .config("data_dir = \"dd\"\n");
    test.again(["start", "minimal"]).status(3);
    assert!(
        test.config_dir()
            .join("dd/incidents/INC-20261128-0001/journal.jsonl")
            .is_file()
    );
    assert!(!test.work().join("dd").exists());
}

#[test]
fn a_tilde_in_data_dir_and_runbook_path_is_the_home_directory() {
    let site = MINIMAL.replace("title = \"Minimal\"", "title = \"Site copy\"");
    let test = Test::new().config("runbook_path = \"~/rbs\"\ndata_dir = \"~/dd\"\n");
    let rbs = home(&test).join("rbs");
    std::fs::create_dir_all(&rbs).unwrap();
    std::fs::write(rbs.join("site.toml"), site).unwrap();
    let mut test = test;
    test.again(["start", "site"])
        .status(3)
        .stderr_contains("started: Site copy (site)");
    assert!(home(&test).join("dd/incidents/INC-20261128-0001").is_dir());
    assert!(!test.work().join("~").exists());
    assert!(!test.config_dir().join("~").exists());
}

#[test]
fn empty_paths_are_refused_naming_the_key() {
    let mut test =
        Test::new().config("data_dir = \"\"\nrunbook_path = [\"/srv\", \"\"]\nsigning_key = \"\"\n");
    test.again(["incidents"])
        .status(2)
        .stderr_contains("config.toml:1:12")
        .stderr_contains("`data_dir` is empty")
        .stderr_contains("config.toml:2:25")
        .stderr_contains("an entry of `runbook_path` is empty")
        .stderr_contains("config.toml:3:15")
        .stderr_contains("`signing_key` is empty");
    assert!(!test.work().join("incidents").exists());
}

#[test]
fn a_wrong_type_for_runbook_path_says_what_is_expected() {
    Test::new()
        .config("runbook_path = 5\n")
        .args(["list"])
        .run()
        .status(2)
        .stderr_contains("config.toml:1:16")
        .stderr_contains("expected a path or a list of paths")
        .stderr_lacks("untagged enum");
}

#[test]
fn a_config_that_is_not_utf8_is_called_a_config() {
    let test = Test::new().config("");
    std::fs::write(test.config_dir().join("config.toml"), b"lang = \"\xff\"\n").unwrap();
    test.args(["list"])
        .run()
        .status(2)
        .stderr_contains("config.toml:1:9")
        .stderr_contains("save the config as UTF-8")
        .stderr_lacks("save the runbook");
}

#[test]
fn a_config_that_is_not_a_file_is_named_plainly() {
    let test = Test::new();
    let dir = test.config_dir();
    for config in ["/dev/null", dir.parent().unwrap().to_str().unwrap()] {
        Test::new()
            .args(["--config", config, "list"])
            .run()
            .status(2)
            .stderr_contains(&format!("{config} is not a regular file"))
            .stderr_contains("hint: name the config file itself (*.toml)");
    }
    Test::new()
        .args(["validate", "/dev/null"])
        .run()
        .status(2)
        .stderr_contains("hint: name the runbook file itself (*.toml)");
}

#[test]
fn a_data_dir_that_is_a_file_is_named_with_what_to_do() {
    let mut test = Test::new().file("not-a-dir", "x");
    let file = test.work().join("not-a-dir").to_str().unwrap().to_owned();
    test.again(["--data-dir", &file, "incidents"])
        .status(2)
        .stderr_contains(&format!("the data directory {file} is not a directory"))
        .stderr_contains("hint: --data-dir says where incidents and records are kept");
    let mut test = test.env("RUNBOOK_HOME", &file);
    test.again(["check"])
        .status(2)
        .stderr_contains("hint: RUNBOOK_HOME says");
    let mut test = test
        .env("RUNBOOK_HOME", "")
        .config(&format!("data_dir = {file:?}\n"));
    test.again(["incidents"])
        .status(2)
        .stderr_contains("hint: `data_dir` in ")
        .stderr_contains("config.toml says");
}

#[test]
fn an_unreadable_incidents_directory_is_named() {
    let test = Test::new().file("data/incidents", "not a directory");
    let data = test.work().join("data");
    test.args(["--data-dir", data.to_str().unwrap(), "incidents"])
        .run()
        .status(1)
        .stderr_contains(&format!("cannot read {}: ", data.join("incidents").display()));
}

#[test]
fn a_config_writable_by_others_is_refused_with_the_chmod_that_fixes_it() {
    let test = Test::new().config("lang = \"en\"\n");
    let config = test.config_dir().join("config.toml");
    std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(0o646)).unwrap();
    let outcome = test.args(["list"]).run();
    outcome
        .status(2)
        .stderr_contains(&format!(
            "refused: the config {} is writable by others (mode 0646)",
            config.display()
        ))
        .stderr_contains(&format!("run `chmod go-w {}`", config.display()));
}

#[test]
fn a_group_writable_config_in_the_users_private_group_is_accepted() {
    let test = Test::new().config("lang = \"zh\"\n");
    let config = test.config_dir().join("config.toml");
    std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(0o664)).unwrap();
    if !common::in_private_group(&config) {
        common::skip("the user running the tests has no private group");
        return;
    }
    test.args(["show", "data-loss"])
        .run()
        .success()
        .stdout_contains("数据");
}

#[test]
fn a_notifier_timeout_in_months_is_refused_where_minutes_were_meant() {
    start_is_refused(
        "[[notifiers]]\nname = \"mail\"\ntype = \"command\"\ncommand = \"mail ops\"\ntimeout = \"5M\"\n",
        &[
            // The notifier, as every notifier problem is located.
            "config.toml:1:1",
            "invalid timeout \"5M\": `5M` is 5 months; write \"5m\" for minutes",
        ],
    );
}

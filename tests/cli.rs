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

/// Every subcommand, as `runbook --help` lists them.
const SUBCOMMANDS: [&str; 19] = [
    "list",
    "show",
    "graph",
    "validate",
    "start",
    "drill",
    "resume",
    "incidents",
    "note",
    "attach",
    "abort",
    "check",
    "keygen",
    "archive",
    "verify",
    "report",
    "records",
    "completions",
    "man",
];

#[test]
fn completions_are_printed_for_every_shell() {
    // Each script asks `runbook` itself at each Tab (tests/completion.rs
    // drives bash through it).
    for (shell, asks) in [
        ("bash", "COMPLETE=\"bash\""),
        ("zsh", "COMPLETE=\"zsh\""),
        ("fish", "COMPLETE=fish runbook"),
        ("elvish", "COMPLETE=\"elvish\" runbook"),
        ("powershell", "$env:COMPLETE = \"powershell\""),
    ] {
        Test::new()
            .args(["completions", shell])
            .run()
            .success()
            .stdout_contains(asks);
    }
    Test::new()
        .args(["completions", "tcsh"])
        .run()
        .status(2)
        .stderr_contains("possible values: bash, elvish, fish, powershell, zsh");
}

#[test]
fn completions_and_the_manual_need_no_valid_config() {
    let test = Test::new().config("nonsense = 1\n");
    test.args(["completions", "bash"]).run().success();
    Test::new().config("nonsense = 1\n").args(["man"]).run().success();
}

#[test]
fn the_manual_page_describes_every_command() {
    let outcome = Test::new().args(["man"]).run();
    outcome.success();
    assert!(
        outcome.stdout.starts_with(".TH runbook 1 "),
        "{}",
        &outcome.stdout[..outcome.stdout.len().min(200)]
    );
    for command in SUBCOMMANDS {
        outcome.stdout_contains(&format!(".SS \"runbook {command}\""));
    }
    // Options of a subcommand are under it; global ones once, at the top.
    outcome.stdout_contains("\\-\\-non\\-interactive");
    assert_eq!(outcome.stdout.matches("\\fB\\-\\-data\\-dir\\fR").count(), 2);
}

#[test]
fn the_manual_page_has_exit_status_environment_files_and_examples() {
    let outcome = Test::new().args(["man"]).run();
    outcome.success();
    let page = &outcome.stdout;
    let sections: Vec<&str> = page.lines().filter(|line| line.starts_with(".SH ")).collect();
    assert_eq!(
        sections,
        [
            ".SH NAME",
            ".SH SYNOPSIS",
            ".SH DESCRIPTION",
            ".SH OPTIONS",
            ".SH \"GLOBAL OPTIONS\"",
            ".SH COMMANDS",
            ".SH \"EXIT STATUS\"",
            ".SH ENVIRONMENT",
            ".SH FILES",
            ".SH EXAMPLES",
            ".SH VERSION",
        ]
    );
    let section = |name: &str| -> String {
        let start = page.find(name).unwrap();
        let rest = &page[start + name.len()..];
        rest[..rest.find("\n.SH ").unwrap_or(rest.len())].to_owned()
    };
    let exit_status = section(".SH \"EXIT STATUS\"");
    for code in runbook::ExitCode::ALL {
        let tagged = format!(".TP\n\\fB{}\\fR\n", code as u8);
        assert!(exit_status.contains(&tagged), "no {tagged:?} in:\n{exit_status}");
    }
    assert!(
        exit_status.contains("paused, waiting for an operator"),
        "{exit_status}"
    );
    let environment = section(".SH ENVIRONMENT");
    for variable in [
        "RUNBOOK_HOME",
        "RUNBOOK_CONFIG",
        "RUNBOOK_NOW",
        "XDG_CONFIG_HOME",
        "LANG",
        "COLUMNS",
        "PAGER",
    ] {
        assert!(environment.contains(variable), "no {variable} in:\n{environment}");
    }
    let files = section(".SH FILES");
    for file in [
        "config.toml",
        "/etc/runbook/runbooks/",
        "allowed_signers",
        "journal.jsonl",
        "index.jsonl",
    ] {
        assert!(files.contains(file), "no {file} in:\n{files}");
    }
    let examples = section(".SH EXAMPLES");
    for example in [
        "runbook start server\\-software\\-failure",
        "runbook validate",
        "runbook check",
    ] {
        assert!(examples.contains(example), "no {example} in:\n{examples}");
    }
}

#[test]
fn drill_takes_no_drill_flag() {
    let help = Test::new().args(["drill", "--help"]).run();
    help.success().stdout_contains("--speed").stdout_lacks("--drill ");
    Test::new()
        .args(["drill", "server-software-failure", "--drill"])
        .run()
        .status(2)
        .stderr_contains("unexpected argument '--drill'");
    Test::new()
        .args(["start", "--help"])
        .run()
        .success()
        .stdout_contains("--drill ");
}

#[test]
fn a_commands_own_options_come_before_the_global_ones() {
    for command in SUBCOMMANDS {
        let help = Test::new().args([command, "--help"]).run();
        help.success();
        let help = &help.stdout;
        let own = help
            .find("Options:")
            .unwrap_or_else(|| panic!("{command}: no options:\n{help}"));
        let global = help
            .find("Global options:")
            .unwrap_or_else(|| panic!("{command}: no global options:\n{help}"));
        assert!(own < global, "{command}:\n{help}");
        let global_options = &help[global..];
        for option in ["--lang", "--runbooks", "--config", "--data-dir"] {
            assert!(
                global_options.contains(option),
                "{command}: {option} not global:\n{help}"
            );
            assert!(
                !help[..global].contains(option),
                "{command}: {option} among its own:\n{help}"
            );
        }
    }
    let archive = Test::new().args(["archive", "--help"]).run();
    let help = &archive.stdout;
    let cause = help.find("--cause").unwrap();
    assert!(cause < help.find("--lang").unwrap(), "{help}");
}

#[test]
fn the_manual_page_renders_without_warnings() {
    let mut test = Test::new();
    let page = test.work().join("runbook.1");
    std::fs::write(&page, test.again(["man"]).stdout).unwrap();
    // groff renders what `man` shows; -ww turns every warning on.
    let rendered = test
        .tool("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(&page)
        .output()
        .expect("groff is installed (.ci/run installs groff-base)");
    assert!(rendered.status.success(), "{rendered:?}");
    assert_eq!(String::from_utf8_lossy(&rendered.stderr), "");
}

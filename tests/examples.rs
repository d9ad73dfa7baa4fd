//! The files in `examples/` do what their comments say: the answers file
//! drives the headline runbook to its end, the sample config loads, the
//! monitoring hook opens an incident and says how to go on, and every
//! example runbook validates.

use crate::common::sshd::Hosts;
use crate::common::{NOW, Test};
use std::path::Path;

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
const FIRST: &str = "INC-20261128-0001";

fn example(name: &str) -> String {
    format!("{EXAMPLES}/{name}")
}

#[test]
fn answers_file_drives_the_no_agreement_branch_to_its_end() {
    let mut test = Test::new();
    test.again([
        "drill",
        "server-software-failure",
        "--non-interactive",
        "--answers",
        &example("answers-no-agreement.toml"),
        "--var",
        "host=local",
        "--var",
        "symptom=x",
    ])
    .success()
    .stderr_contains(&format!("{FIRST} ended: handed-over"));
    let events = test.events(FIRST);
    let last = events.last().unwrap();
    assert_eq!(last["type"], "ended");
    assert_eq!(last["payload"]["outcome"], "handed-over");
    let entered: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "step-entered")
        .map(|e| e["payload"]["step"].as_str().unwrap())
        .collect();
    for step in [
        "maintenance-agreement",
        "restart",
        "notify-handover",
        "review-handover",
    ] {
        assert!(entered.contains(&step), "{step} not in {entered:?}");
    }
    assert!(
        !entered.contains(&"inspect"),
        "took the agreement branch: {entered:?}"
    );
    // --var wins over the file's [vars].
    assert_eq!(events[0]["payload"]["vars"]["symptom"], "x");
}

#[test]
fn sample_config_loads_and_its_notifiers_are_valid() {
    let test = Test::new().config(include_str!("../examples/config.toml"));
    // The config's data_dir is a system path; keep `check` in the test's home.
    let data = test.data();
    let mut test = test.env("RUNBOOK_HOME", data.to_str().unwrap());
    test.again(["list"]).success();
    // lang = "zh" is applied.
    test.again(["show", "server-software-failure"])
        .success()
        .stdout_contains("服务器软件系统故障应急预案 (server-software-failure)");
    test.again(["check"]).success();
}

/// Runs `examples/monitoring-hook.sh` with `sh`, the built binary first on
/// PATH, in the test's hermetic home.
fn hook(test: &Test, args: &[&str]) -> std::process::Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_runbook")).parent().unwrap();
    let path = std::env::var("PATH").unwrap_or_default();
    test.tool("sh")
        .arg(example("monitoring-hook.sh"))
        .args(args)
        .env("PATH", format!("{}:{path}", bin.display()))
        .env("RUNBOOK_HOME", test.data())
        .env("RUNBOOK_HOOK_LOG_DIR", test.work().join("hook"))
        .env("RUNBOOK_NOW", NOW)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run sh")
}

#[test]
fn monitoring_hook_opens_an_incident_and_prints_the_resume_command() {
    // web1 is an sshd of the test's own: the plan's commands run there.
    let test = Test::new();
    let hosts = Hosts::start(&test, &[("web1", std::net::Ipv4Addr::LOCALHOST)]);
    let test = test.config(&hosts.runbook_config());
    let output = hook(
        &test,
        &["web1", "nginx", "HTTP 502 \"bad gateway\" since 03:00", "sev2"],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains(&format!("    runbook resume {FIRST}\n")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("runbook resume {FIRST} --answer intake=")),
        "{stdout}"
    );
    assert_eq!(
        test.types(FIRST),
        ["incident-started", "host-checked", "step-entered", "paused"],
        "web1 checked, then paused at the first question"
    );
    let checked = &test.events(FIRST)[1]["payload"];
    assert_eq!(checked["on"], "web1");
    assert!(checked["error"].is_null(), "{checked}");
    let saved = std::fs::read_to_string(test.work().join(format!("hook/{FIRST}.jsonl"))).unwrap();
    let last: serde_json::Value = serde_json::from_str(saved.lines().last().unwrap()).unwrap();
    assert_eq!(last["type"], "awaiting");
    assert_eq!(last["step"], "intake");
    assert_eq!(test.events(FIRST)[0]["payload"]["vars"]["host"], "web1");
    assert_eq!(test.events(FIRST)[0]["payload"]["vars"]["service"], "nginx");
}

#[test]
fn monitoring_hook_refuses_a_bad_host_and_opens_nothing() {
    let test = Test::new();
    let output = hook(&test, &["web1; reboot", "nginx", "HTTP 502"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!test.data().join("incidents").join(FIRST).exists());
}

/// Example TOML files that are not runbooks: the sample config and answers
/// files, told apart by name.
fn is_runbook(name: &str) -> bool {
    name != "config.toml" && !name.starts_with("answers")
}

#[test]
fn every_example_runbook_validates() {
    let mut runbooks = Vec::new();
    for entry in std::fs::read_dir(EXAMPLES).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.extension().is_some_and(|ext| ext == "toml") && is_runbook(&name) {
            runbooks.push(path.display().to_string());
        }
    }
    runbooks.sort();
    assert!(
        runbooks.iter().any(|path| path.ends_with("/restart-web.toml")),
        "{runbooks:?}"
    );
    let mut test = Test::new();
    let args = std::iter::once("validate".to_owned()).chain(runbooks.iter().cloned());
    test.again(args)
        .success()
        .stderr_contains(&format!("checked {} runbook", runbooks.len()))
        .stderr_contains("0 errors, 0 warnings");
}

#[test]
fn the_filled_in_headline_plan_passes_strict_with_no_warning() {
    let mut test = Test::new();
    test.again(["validate", "--strict", &example("server-software-failure.toml")])
        .success()
        .stderr_contains("checked 1 runbook: 0 errors, 0 warnings");
}

/// The lines of a plan other than comments and its contacts' details.
fn without_details(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter(|line| {
            !["name = ", "phone = ", "email = "]
                .iter()
                .any(|key| line.starts_with(key))
        })
        .collect()
}

#[test]
fn the_filled_in_headline_plan_is_the_bundled_one_with_contacts() {
    let bundled = include_str!("../runbooks/server-software-failure.toml");
    let example = include_str!("../examples/server-software-failure.toml");
    assert_eq!(
        without_details(example),
        without_details(bundled),
        "examples/server-software-failure.toml differs from the bundled plan beyond contact details: copy the change over"
    );
}

#[test]
fn every_bundled_plan_passes_strict_but_for_its_contact_details() {
    let mut test = Test::new();
    let outcome = test.again(["validate", "--strict", "--json"]);
    outcome.status(1);
    let document = outcome.json();
    let diagnostics = document["diagnostics"].as_array().unwrap();
    assert_eq!(document["errors"], 0);
    for diagnostic in diagnostics {
        let message = diagnostic["message"].as_str().unwrap();
        assert!(
            message.ends_with("have no phone or email")
                || message.contains("have no phone or email: ")
                || message.ends_with("has no phone or email"),
            "{diagnostic}"
        );
        assert!(
            diagnostic["file"].as_str().unwrap().starts_with("<built-in>/"),
            "{diagnostic}"
        );
        assert!(diagnostic["line"].as_u64().is_some(), "{diagnostic}");
    }
    assert_eq!(diagnostics.len(), document["checked"].as_u64().unwrap() as usize);
}

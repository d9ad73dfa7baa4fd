//! Finding runbooks: the search path, first match wins, loose permissions
//! refused, the built-in set always there.

use crate::common::{self, MINIMAL, Test};

pub const BUNDLED: [&str; 6] = [
    "backup-readiness",
    "data-loss",
    "hardware-failure",
    "network-attack",
    "server-software-failure",
    "software-system-failure",
];

fn ids(json: &serde_json::Value) -> Vec<String> {
    json.as_array()
        .expect("an array")
        .iter()
        .map(|row| row["id"].as_str().expect("an id").to_owned())
        .collect()
}

#[test]
fn fresh_install_lists_the_six_bundled_plans() {
    let outcome = Test::new().args(["list", "--json"]).run();
    outcome.success();
    let json = outcome.json();
    assert_eq!(ids(&json), BUNDLED);
    for row in json.as_array().unwrap() {
        assert_eq!(row["source"], "built-in");
        assert_eq!(row["valid"], true, "{row}");
    }
}

#[test]
fn list_table_fits_80_columns_in_both_languages() {
    for lang in ["en", "zh"] {
        let outcome = Test::new().args(["list", "--lang", lang]).run();
        outcome
            .success()
            .stdout_contains("server-software-failure")
            .stdout_fits(80);
    }
    Test::new()
        .args(["list", "--lang", "zh"])
        .run()
        .stdout_contains("服务器");
}

#[test]
fn local_runbooks_directory_shadows_the_built_in_one() {
    let local = MINIMAL.replace("title = \"Minimal\"", "title = \"Our own\"");
    let outcome = Test::new()
        .runbook("data-loss", &local)
        .args(["list", "--json"])
        .run();
    outcome.success();
    let json = outcome.json();
    let row = json
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["id"] == "data-loss")
        .unwrap();
    assert_eq!(row["title"], "Our own");
    assert_eq!(row["source"], "runbooks/data-loss.toml");
    assert_eq!(row["shadows"][0], "<built-in>/data-loss.toml");
}

#[test]
fn runbooks_flag_comes_first_then_config_path() {
    let first = MINIMAL.replace("title = \"Minimal\"", "title = \"From the flag\"");
    let second = MINIMAL.replace("title = \"Minimal\"", "title = \"From ./runbooks\"");
    let third = MINIMAL.replace("title = \"Minimal\"", "title = \"From the config\"");
    let test = Test::new()
        .file("flagged/x.toml", &first)
        .runbook("x", &second)
        .file("site/x.toml", &third)
        .file("site/y.toml", &third);
    let site = test.work().join("site");
    let test = test.config(&format!("runbook_path = [{:?}]\n", site.display().to_string()));
    let outcome = test.args(["--runbooks", "flagged", "list", "--json"]).run();
    outcome.success();
    let json = outcome.json();
    let title = |id: &str| {
        json.as_array()
            .unwrap()
            .iter()
            .find(|row| row["id"] == id)
            .unwrap()["title"]
            .clone()
    };
    assert_eq!(title("x"), "From the flag");
    assert_eq!(title("y"), "From the config");
}

#[test]
fn a_runbook_writable_by_others_is_refused() {
    let mut test = Test::new()
        .runbook("loose", MINIMAL)
        .chmod("runbooks/loose.toml", 0o666);
    test.again(["list"]).success().stdout_contains("REFUSED");
    test.again(["show", "loose"])
        .status(2)
        .stderr_contains("refused: the runbook runbooks/loose.toml is writable by ")
        .stderr_contains("others (mode 0666)");
    let mut test = Test::new()
        .runbook("loose", MINIMAL)
        .chmod("runbooks/loose.toml", 0o646);
    test.again(["validate", "runbooks/loose.toml"])
        .status(2)
        .stderr_contains("refused: the runbook runbooks/loose.toml is writable by others (mode 0646)")
        .stderr_contains("chmod go-w runbooks/loose.toml`");
}

/// A checkout made with umask 002, as Debian and Ubuntu users have it: the
/// files 0664, the directory 0775, in the user's private group.
#[test]
fn a_group_writable_checkout_in_the_users_private_group_is_accepted() {
    let mut test = Test::new();
    for id in BUNDLED {
        let text =
            std::fs::read_to_string(format!("{}/runbooks/{id}.toml", env!("CARGO_MANIFEST_DIR"))).unwrap();
        test = test
            .runbook(id, &text)
            .chmod(&format!("runbooks/{id}.toml"), 0o664);
    }
    let mut test = test.chmod("runbooks", 0o775);
    if !common::in_private_group(&test.work().join("runbooks")) {
        common::skip("the user running the tests has no private group");
        return;
    }
    test.again(["validate", "runbooks"])
        .success()
        .stderr_contains("checked 6 runbooks: 0 errors");
    test.again(["show", "server-software-failure"])
        .success()
        .stderr_lacks("refused");
    test.again(["list", "--json"])
        .success()
        .stdout_lacks("\"refused\": true");
}

#[test]
fn a_group_writable_runbook_whose_group_has_other_members_is_refused() {
    let Some(group) = common::shared_group() else {
        common::skip("the user running the tests has no group shared with others");
        return;
    };
    let mut test = Test::new()
        .runbook("x", MINIMAL)
        .chmod("runbooks/x.toml", 0o664)
        .chmod("runbooks", 0o775);
    common::chgrp(&test.work().join("runbooks/x.toml"), group);
    common::chgrp(&test.work().join("runbooks"), group);
    // The file and its directory, in one run, fixed by one command.
    let outcome = test.again(["show", "x"]);
    outcome
        .status(2)
        .stderr_contains("refused: the runbook runbooks/x.toml is writable by group ")
        .stderr_contains(", not by its owner alone (mode 0664)")
        .stderr_contains("refused: its directory runbooks is writable by group ")
        .stderr_contains(", not by its owner alone (mode 0775)")
        .stderr_contains("run `chmod go-w runbooks/x.toml runbooks`");
    assert_eq!(outcome.stderr.matches("chmod").count(), 1, "{}", outcome.stderr);
}

#[test]
fn several_refusals_are_listed_together_with_one_chmod() {
    let mut test = Test::new()
        .runbook("a", MINIMAL)
        .runbook("b", MINIMAL)
        .runbook("c", MINIMAL)
        .chmod("runbooks/a.toml", 0o646)
        .chmod("runbooks/c.toml", 0o602)
        .chmod("runbooks", 0o757);
    let outcome = test.again(["validate", "runbooks"]);
    outcome.status(2);
    insta::assert_snapshot!(outcome.stderr_and_status(), @r"
    error: refused: the runbook runbooks/a.toml is writable by others (mode 0646)
      --> runbooks/a.toml

    error: refused: its directory runbooks is writable by others (mode 0757)
      --> runbooks

    error: refused: the runbook runbooks/c.toml is writable by others (mode 0602)
      --> runbooks/c.toml
      = hint: a runbook runs commands; run `chmod go-w runbooks/a.toml runbooks runbooks/c.toml`

    checked 3 runbooks: 3 errors, 0 warnings
    [exit 2]
    ");
    test.again(["start", "a"])
        .status(2)
        .stderr_contains("runbooks/a.toml is writable by others (mode 0646)")
        .stderr_contains("its directory runbooks is writable by others (mode 0757)")
        .stderr_contains("run `chmod go-w runbooks/a.toml runbooks`");
}

#[test]
fn a_refused_local_plan_is_not_replaced_by_the_built_in_one() {
    let mut test = Test::new()
        .runbook("data-loss", MINIMAL)
        .chmod("runbooks/data-loss.toml", 0o666);
    test.again(["show", "data-loss"])
        .status(2)
        .stderr_contains("refused");
    test.again(["start", "data-loss"])
        .status(2)
        .stderr_contains("refused");
    assert!(!test.data().join("incidents").exists());
}

#[test]
fn an_invalid_local_plan_is_not_replaced_by_the_built_in_one() {
    let broken = MINIMAL.replace(
        "title = \"Minimal\"",
        "id = \"data-loss\"\ntitle = \"Ours\"\nnxet = 1",
    );
    let mut test = Test::new().runbook("site", &broken);
    test.again(["show", "data-loss"])
        .status(2)
        .stderr_contains("unknown key `nxet`");
    test.again(["list"]).success().stdout_contains("INVALID");
}

#[test]
fn a_runbook_owned_by_someone_else_is_refused() {
    // Giving a file to another user needs root; CI runs as root.
    if rustix::process::getuid().as_raw() != 0 {
        return;
    }
    let mut test = Test::new().runbook("theirs", MINIMAL);
    let status = test
        .tool("chown")
        .args(["65534", "runbooks/theirs.toml"])
        .status()
        .unwrap();
    assert!(status.success());
    test.again(["validate", "runbooks/theirs.toml"])
        .status(2)
        .stderr_contains(
            "refused: the runbook runbooks/theirs.toml belongs to uid 65534, not to you (uid 0) or root",
        );
    let mut test = Test::new().runbook("x", MINIMAL);
    test.tool("chown").args(["65534", "runbooks"]).status().unwrap();
    test.again(["validate", "runbooks"])
        .status(2)
        .stderr_contains("its directory runbooks belongs to uid 65534");
}

#[test]
fn a_symlink_into_a_loose_directory_is_refused() {
    let mut test = Test::new()
        .file("elsewhere/x.toml", MINIMAL)
        .file("runbooks/.keep", "")
        .chmod("elsewhere", 0o777);
    std::os::unix::fs::symlink(
        test.work().join("elsewhere/x.toml"),
        test.work().join("runbooks/x.toml"),
    )
    .unwrap();
    test.again(["validate", "runbooks"])
        .status(2)
        .stderr_contains("refused: the directory it links into")
        .stderr_contains("(mode 0777)");
}

#[test]
fn a_symlinked_directory_loop_is_not_followed() {
    let mut test = Test::new().runbook("x", MINIMAL);
    std::os::unix::fs::symlink(".", test.work().join("runbooks/loop")).unwrap();
    test.again(["validate", "runbooks"])
        .success()
        .stderr_contains("checked 1 runbook:");
}

#[test]
fn runbook_in_a_world_writable_directory_is_refused() {
    let test = Test::new().runbook("x", MINIMAL).chmod("runbooks", 0o777);
    test.args(["validate", "runbooks"])
        .run()
        .status(2)
        .stderr_contains("its directory runbooks is writable by ")
        .stderr_contains("others (mode 0777)");
}

#[test]
fn validate_without_paths_checks_the_search_path_and_built_ins() {
    Test::new()
        .runbook("minimal", MINIMAL)
        .args(["validate"])
        .run()
        .success()
        .stderr_contains("checked 7 runbooks: 0 errors");
}

#[test]
fn validate_searches_directories_recursively() {
    Test::new()
        .file("tree/a.toml", MINIMAL)
        .file("tree/deeper/b.toml", "schema = 1\n")
        .file("tree/.hidden/c.toml", "not toml")
        .file("tree/readme.txt", "not toml")
        .args(["validate", "tree"])
        .run()
        .status(2)
        .stderr_contains("tree/deeper/b.toml")
        .stderr_contains("checked 2 runbooks");
}

#[test]
fn validate_json_reports_locations() {
    let outcome = Test::new()
        .runbook(
            "x",
            &MINIMAL.replace(
                "kind = \"instruction\"",
                "kind = \"instruction\"\nnxet = \"done\"",
            ),
        )
        .args(["validate", "--json", "runbooks/x.toml"])
        .run();
    outcome.status(2);
    let json = outcome.json();
    assert_eq!(json["errors"], 1);
    let diagnostic = &json["diagnostics"][0];
    assert_eq!(diagnostic["level"], "error");
    assert_eq!(diagnostic["file"], "runbooks/x.toml");
    assert_eq!(diagnostic["line"], 7);
    assert_eq!(diagnostic["column"], 1);
    assert_eq!(diagnostic["hint"], "did you mean `next`?");
}

#[test]
fn missing_path_is_a_usage_error() {
    Test::new()
        .args(["validate", "nowhere.toml"])
        .run()
        .status(2)
        .stderr_contains("nowhere.toml");
}

#[test]
fn config_errors_are_located_and_exit_2() {
    Test::new()
        .config("lang = \"zh\"\nrunbok_path = \"x\"\n")
        .args(["list"])
        .run()
        .status(2)
        .stderr_contains("config.toml:2:1")
        .stderr_contains("unknown key `runbok_path`");
}

#[test]
fn config_language_applies_and_flag_overrides_it() {
    let test = Test::new().config("lang = \"zh\"\n");
    test.args(["list"]).run().success().stdout_contains("服务器");
    let test = Test::new().config("lang = \"zh\"\n");
    test.args(["list", "--lang", "en"])
        .run()
        .success()
        .stdout_contains("Server software");
}

#[test]
fn lang_environment_variable_picks_the_language() {
    Test::new()
        .env("LANG", "zh_CN.UTF-8")
        .args(["list"])
        .run()
        .success()
        .stdout_contains("服务器");
}

#[test]
fn invalid_local_runbook_is_listed_as_invalid_and_cannot_be_shown() {
    let test = Test::new().runbook("broken", "schema = 1\ntitle = \"Broken\"\n");
    let outcome = test.args(["list"]).run();
    outcome
        .success()
        .stdout_contains("INVALID")
        .stderr_contains("runbook validate");
    let test = Test::new().runbook("broken", "schema = 1\ntitle = \"Broken\"\n");
    test.args(["show", "broken"])
        .run()
        .status(2)
        .stderr_contains("the runbook has no steps");
}

#[test]
fn a_fifo_is_refused_not_waited_on() {
    let test = Test::new().file("runbooks/.keep", "");
    let fifo = test.work().join("runbooks/pipe.toml");
    let status = test.tool("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    test.args(["validate", "runbooks/pipe.toml"])
        .run()
        .status(2)
        .stderr_contains("not a regular file");
}

#[test]
fn an_oversized_file_is_refused() {
    let huge = format!("schema = 1\n#{}\n", "x".repeat(5 * 1024 * 1024));
    Test::new()
        .runbook("huge", &huge)
        .args(["validate", "runbooks/huge.toml"])
        .run()
        .status(2)
        .stderr_contains("are at most 4194304 bytes");
}

#[test]
fn a_fifo_or_directory_named_like_a_runbook_is_refused_not_passed_over() {
    let mut test = Test::new().file("d/.keep", "");
    let status = test
        .tool("mkfifo")
        .arg(test.work().join("d/data-loss.toml"))
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::create_dir(test.work().join("d/hardware-failure.toml")).unwrap();
    // Not the built-in plan of the same name in its place.
    for id in ["data-loss", "hardware-failure"] {
        test.again_promptly(["--runbooks", "d", "show", id])
            .status(2)
            .stderr_contains(&format!("d/{id}.toml is not a regular file"));
    }
    let listed = test.again_promptly(["--runbooks", "d", "list", "--json"]);
    let listed = listed.success().json();
    for id in ["data-loss", "hardware-failure"] {
        let entry = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["id"] == id)
            .unwrap_or_else(|| panic!("{id} is not listed: {listed}"));
        assert_eq!(entry["refused"], true, "{entry}");
        assert_eq!(entry["shadows"][0], format!("<built-in>/{id}.toml"), "{entry}");
    }
}

//! Command output in a report: printed once, under its evidence number,
//! which the timeline and the variable it set refer to; cut to its first
//! and last lines in print, whole with `--full` and in the record.

use super::*;

/// A command whose 200 lines of output a variable captures.
const SNAPSHOT: &str = r#"schema = 1
title = "Snapshot"
archive_within = "1d"

[[steps]]
id = "snapshot"
kind = "command"
title = "Keep the state"
run = "seq 1 200"
capture = "state"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

fn archived_snapshot() -> Test {
    let mut test = Test::new().runbook("snapshot", SNAPSHOT).with_signing_key();
    test.again(["start", "snapshot"]).success();
    test.archive(ID).success();
    test
}

/// How many lines of `text` are line `n` of the output, as each format
/// shows a line of output.
fn shown(text: &str, n: u32) -> usize {
    let n = n.to_string();
    text.lines()
        .filter(|line| line.strip_prefix("  | ").unwrap_or(line) == n)
        .count()
}

#[test]
fn captured_output_is_printed_once_cut_to_its_first_and_last_lines() {
    let mut test = archived_snapshot();
    let text = test.again(["report", ID]);
    text.success()
        .stdout_fits(80)
        .stdout_contains("Variables      state = (output of evidence #1)\n")
        .stdout_contains("  Set state = (output of evidence #1)\n")
        .stdout_contains("  snapshot: command started (evidence #1)\n")
        .stdout_contains("  snapshot: command finished, exit 0 (evidence #1)\n")
        .stdout_contains("Evidence #1: step snapshot\n  | $ seq 1 200\n")
        .stdout_contains(", 692 bytes of output\n")
        .stdout_contains(
            "  | 5\n  [190 of 200 lines not printed; runbook report --full prints them]\n  | 196\n",
        );
    for n in [1, 2, 5, 196, 200] {
        assert_eq!(shown(&text.stdout, n), 1, "line {n}:\n{}", text.stdout);
    }
    for n in [6, 100, 195] {
        assert_eq!(shown(&text.stdout, n), 0, "line {n}:\n{}", text.stdout);
    }
    test.again(["report", ID, "--lang", "zh"])
        .success()
        .stdout_contains("变量      state =（证据 #1 的输出）\n")
        .stdout_contains("设置 state =（证据 #1 的输出）\n")
        .stdout_contains("证据 #1：步骤 snapshot\n")
        .stdout_contains("  [共 200 行，此处略去 190 行；runbook report --full 打印全部]\n");

    let full = test.again(["report", ID, "--full"]);
    full.success().stdout_fits(80).stdout_lacks("not printed");
    for n in 1..=200 {
        assert_eq!(shown(&full.stdout, n), 1, "line {n}:\n{}", full.stdout);
    }

    // The record keeps all of it.
    let json = test.again(["report", ID, "--format", "json"]).json();
    assert_eq!(
        json["commands"][0]["output"].as_str().unwrap().lines().count(),
        200
    );
    assert_eq!(json["vars"]["state"].as_str().unwrap().lines().count(), 200);
}

#[test]
fn markdown_and_html_cut_output_between_two_blocks() {
    let mut test = archived_snapshot();
    let markdown = test.again(["report", ID, "--format", "markdown"]);
    markdown.success().stdout_contains(
        "\n5\n```\n\n*\\[190 of 200 lines not printed; runbook report --full prints them\\]*\n\n```text\n196\n",
    );
    let html = test.again(["report", ID, "--format", "html"]);
    html.success().stdout_contains(
        "\n5</pre>\n<p class=\"cut\">[190 of 200 lines not printed; runbook report --full prints them]</p>\n<pre>196\n",
    );
    assert_well_formed(&html.stdout);
    for outcome in [&markdown, &html] {
        assert_eq!(outcome.stdout.matches("\n100\n").count(), 0, "{}", outcome.stdout);
    }
    let full = test.again(["report", ID, "--format", "html", "--full"]);
    full.success()
        .stdout_contains("\n100\n")
        .stdout_lacks("class=\"cut\"");
}

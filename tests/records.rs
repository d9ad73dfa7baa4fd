//! `runbook records` through the binary: the listing of archived incidents,
//! each filter, JSON lines, `--reindex`, and a closed pipe.

use std::io::Read;
use std::process::Stdio;

use crate::common::{Test, archivable};

const DISK: &str = r#"schema = 1
title = "Disk full"
default_severity = "sev3"

[severity.sev1]

[severity.sev3]

[[steps]]
id = "clean"
kind = "instruction"
title = "Clean up"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

/// `fixed`, on time.
const PLAIN: &str = "INC-20261128-0001";
/// `disk` at sev1, on time.
const DISK_SEV1: &str = "INC-20261128-0002";
/// A drill of `fixed`, on time.
const DRILL: &str = "INC-20261128-0003";
/// `fixed`, archived two days later: a day late.
const LATE: &str = "INC-20261128-0004";
const ALL: [&str; 4] = [PLAIN, DISK_SEV1, DRILL, LATE];
const TWO_DAYS_LATER: &str = "2026-11-30T09:00:00Z";

/// A signing key made by `ssh-keygen`, as in `tests/archive.rs`.
fn with_key() -> Test {
    let test = Test::new().runbook("fixed", &archivable()).runbook("disk", DISK);
    test.with_signing_key()
}

/// The four incidents above, archived in order.
fn four_archived() -> Test {
    let mut test = with_key();
    test.again(["start", "fixed", "--answer", "check=done"]).success();
    test.archive(PLAIN).success();
    test.again(["start", "disk", "--severity", "sev1", "--answer", "clean=done"])
        .success();
    test.archive(DISK_SEV1).success();
    test.again(["drill", "fixed", "--answer", "check=done"]).success();
    test.archive(DRILL).success();
    test.again(["start", "fixed", "--answer", "check=done"]).success();
    let mut test = test.env("RUNBOOK_NOW", TWO_DAYS_LATER);
    test.archive(LATE).success();
    test
}

/// The incidents listed, in order, from the table.
fn listed(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|line| line.starts_with("INC-"))
        .map(|line| line.split_whitespace().next().unwrap().to_owned())
        .collect()
}

#[track_caller]
fn lists(test: &mut Test, args: &[&str], expected: &[&str]) {
    let mut all = vec!["records"];
    all.extend_from_slice(args);
    let outcome = test.again(all);
    outcome.success();
    assert_eq!(listed(&outcome.stdout), expected, "{args:?}:\n{}", outcome.stdout);
}

#[test]
fn records_lists_every_archived_incident_in_80_columns() {
    let mut test = four_archived();
    let outcome = test.again(["records"]);
    outcome.success();
    assert_eq!(listed(&outcome.stdout), ALL);
    let lines: Vec<&str> = outcome.stdout.lines().collect();
    assert!(
        lines.iter().all(|line| line.chars().count() <= 80),
        "{}",
        outcome.stdout
    );
    assert_eq!(lines.len(), 5, "one header, one line each:\n{}", outcome.stdout);
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "INCIDENT", "ARCHIVED", "RUNBOOK", "SEV", "OUTCOME", "TOOK", "DEADLINE", "DRILL"
        ]
    );
    let row = |id: &str| -> Vec<&str> {
        lines
            .iter()
            .find(|line| line.starts_with(id))
            .unwrap()
            .split_whitespace()
            .collect()
    };
    assert_eq!(
        row(PLAIN),
        [
            PLAIN,
            "2026-11-28",
            "fixed",
            "sev2",
            "resolved",
            "0s",
            "on",
            "time"
        ]
    );
    assert_eq!(
        row(DISK_SEV1),
        [
            DISK_SEV1,
            "2026-11-28",
            "disk",
            "sev1",
            "resolved",
            "0s",
            "on",
            "time"
        ]
    );
    assert_eq!(
        row(DRILL),
        [
            DRILL,
            "2026-11-28",
            "fixed",
            "sev2",
            "resolved",
            "0s",
            "on",
            "time",
            "drill"
        ]
    );
    assert_eq!(
        row(LATE),
        [
            LATE,
            "2026-11-30",
            "fixed",
            "sev2",
            "resolved",
            "0s",
            "late",
            "1d"
        ]
    );
}

#[test]
fn each_filter_picks_its_records() {
    let mut test = four_archived();
    lists(&mut test, &["--runbook", "disk"], &[DISK_SEV1]);
    lists(&mut test, &["--runbook", "fixed"], &[PLAIN, DRILL, LATE]);
    lists(&mut test, &["--severity", "sev1"], &[DISK_SEV1]);
    lists(&mut test, &["--severity", "sev2"], &[PLAIN, DRILL, LATE]);
    lists(&mut test, &["--drill"], &[DRILL]);
    lists(&mut test, &["--no-drill"], &[PLAIN, DISK_SEV1, LATE]);
    lists(&mut test, &["--late"], &[LATE]);
    lists(&mut test, &["--late", "--runbook", "disk"], &[]);
    // Dates are whole days, both ends included; RFC 3339 times are exact.
    lists(&mut test, &["--since", "2026-11-30"], &[LATE]);
    lists(&mut test, &["--since", "2026-11-29"], &[LATE]);
    lists(&mut test, &["--until", "2026-11-28"], &[PLAIN, DISK_SEV1, DRILL]);
    lists(
        &mut test,
        &["--since", "2026-11-28", "--until", "2026-11-30"],
        &ALL,
    );
    lists(&mut test, &["--since", "2026-11-30T09:00:00Z"], &[LATE]);
    lists(&mut test, &["--since", "2026-11-30T09:00:01Z"], &[]);
    lists(&mut test, &["--until", "2026-11-30T10:00:00+01:00"], &ALL);
    lists(
        &mut test,
        &["--until", "2026-11-30T09:59:59+01:00"],
        &[PLAIN, DISK_SEV1, DRILL],
    );

    test.again(["records", "--runbook", "nope"])
        .success()
        .stdout_contains("none of the 4 archived records match");
    test.again(["records", "--since", "last week"])
        .status(2)
        .stderr_contains("`last week` is not a time: use YYYY-MM-DD (UTC) or RFC 3339");
    // A day's end past the calendar's is refused, not computed.
    test.again(["records", "--until", "+262142-12-31"])
        .status(2)
        .stderr_contains("is not a time");
    test.again(["records", "--drill", "--no-drill"]).status(2);
}

#[test]
fn json_prints_one_index_line_per_record() {
    let mut test = four_archived();
    let outcome = test.again(["records", "--json", "--late"]);
    outcome.success();
    let lines: Vec<serde_json::Value> = outcome
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{}", outcome.stdout);
    let late = &lines[0];
    assert_eq!(late["id"], LATE);
    assert_eq!(late["archived"], TWO_DAYS_LATER);
    assert_eq!(late["runbook"], "fixed");
    assert_eq!(late["on_time"], false);
    assert_eq!(late["late_s"], 86_400);
    assert_eq!(late["drill"], false);

    let every = test.again(["records", "--json"]);
    every.success();
    let index = std::fs::read_to_string(test.data().join("archive/index.jsonl")).unwrap();
    assert_eq!(every.stdout, index);

    test.again(["records", "--json", "--runbook", "nope"]).success();
    assert_eq!(test.again(["records", "--json", "--runbook", "nope"]).stdout, "");
}

#[test]
fn reindex_after_losing_the_index_lists_the_same() {
    let mut test = four_archived();
    let before = test.again(["records"]).stdout.clone();
    let index = test.data().join("archive/index.jsonl");
    let original = std::fs::read(&index).unwrap();
    // A short index lists fewer records than the archive holds.
    let two: String = String::from_utf8_lossy(&original)
        .lines()
        .take(2)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&index, two).unwrap();
    let outcome = test.again(["records"]);
    outcome
        .status(1)
        .stderr_contains("index.jsonl does not list 2 of the archive's record files")
        .stderr_contains(&format!("2026/11/{DRILL}.json, 2026/11/{LATE}.json"))
        .stderr_contains("`runbook records --reindex` rebuilds the index");
    assert_eq!(listed(&outcome.stdout), [PLAIN, DISK_SEV1]);
    // A lost one is not an empty archive.
    std::fs::remove_file(&index).unwrap();
    test.again(["records"])
        .status(1)
        .stdout_lacks("no archived records")
        .stderr_contains("index.jsonl is missing, but the archive holds 4 record file(s)")
        .stderr_contains("`runbook records --reindex` rebuilds the index");

    let outcome = test.again(["records", "--reindex"]);
    outcome
        .success()
        .stderr_contains("rebuilt")
        .stderr_contains("from 4 record files");
    assert_eq!(outcome.stdout, before);
    assert_eq!(std::fs::read(&index).unwrap(), original);
}

#[test]
fn an_unreadable_index_line_is_named_and_the_rest_listed() {
    let mut test = four_archived();
    let index = test.data().join("archive/index.jsonl");
    let text = std::fs::read_to_string(&index).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1] = "{not json";
    std::fs::write(&index, lines.join("\n") + "\n").unwrap();
    let outcome = test.again(["records"]);
    outcome
        .status(1)
        .stderr_contains("index.jsonl line 2: not an index entry")
        .stderr_contains("runbook records --reindex");
    assert_eq!(listed(&outcome.stdout), [PLAIN, DRILL, LATE]);
}

#[test]
fn a_duplicated_index_line_is_named_and_listed_once() {
    let mut test = four_archived();
    let index = test.data().join("archive/index.jsonl");
    let text = std::fs::read_to_string(&index).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(3, lines[1]);
    std::fs::write(&index, lines.join("\n") + "\n").unwrap();
    let outcome = test.again(["records"]);
    outcome
        .status(1)
        .stderr_contains(&format!(
            "index.jsonl line 4: {DISK_SEV1} is listed again (first on line 2); left out"
        ))
        .stderr_contains("runbook records --reindex");
    assert_eq!(listed(&outcome.stdout), ALL);
    let json = test.again(["records", "--json"]);
    json.status(1);
    assert_eq!(json.stdout.lines().count(), 4);
}

#[test]
fn no_archive_is_an_empty_listing() {
    let mut test = Test::new();
    test.again(["records"])
        .success()
        .stdout_contains("no archived records in");
    test.again(["records", "--reindex"])
        .success()
        .stderr_contains("nothing to reindex");
}

/// `runbook records | head -1` over a long listing: no error, no panic.
#[test]
fn a_closed_pipe_is_quiet() {
    let test = Test::new();
    let archive = test.data().join("archive");
    std::fs::create_dir_all(&archive).unwrap();
    let line = |n: usize| {
        format!(
            "{{\"archived\":\"2026-11-29T09:00:00Z\",\"drill\":false,\"duration_s\":60,\
             \"ended\":\"2026-11-28T09:01:00Z\",\"id\":\"INC-20261128-{n:04}\",\"late_s\":0,\
             \"on_time\":true,\"outcome\":\"resolved\",\"runbook\":\"fixed\",\"severity\":\"sev2\",\
             \"sha256\":\"{:064}\",\"started\":\"2026-11-28T09:00:00Z\"}}\n",
            n
        )
    };
    let index: String = (1..=29_997).map(line).collect();
    std::fs::write(archive.join("index.jsonl"), index).unwrap();

    for json in [false, true] {
        let mut command = test.command(std::iter::once("records").chain(json.then_some("--json")));
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 64];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let mut stderr = String::new();
        child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "json {json}: {stderr}");
        assert_eq!(stderr, "", "json {json}");
    }
}

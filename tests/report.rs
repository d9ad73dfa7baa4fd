//! `runbook report` through the binary: an archived incident's report in
//! every format and both languages, with its signature checked; a draft
//! for an incident not archived yet; a tampered signature shown as such.

use crate::common::Test;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

const ID: &str = "INC-20261128-0001";

const FIXED: &str = r#"schema = 1
title = { en = "Fixed", zh = "修复" }
version = "2026.1"
archive_within = "1d"

[[steps]]
id = "fix"
kind = "command"
title = "Fix it"
run = "echo fixed; echo '<b>bold</b>'"
timeout = "10s"

[[steps]]
id = "check"
kind = "instruction"
title = "Check the service"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

/// A test environment with a signing key made by `ssh-keygen` and an
/// allowed_signers line for it.
fn with_key() -> Test {
    let test = Test::new().runbook("fixed", FIXED);
    let test = test.with_signing_key();
    test.file("evidence.txt", "hello\n")
}

/// Runs `args` with the clock pinned at `at`.
fn at(test: Test, at: &str) -> Test {
    test.env("RUNBOOK_NOW", at)
}

/// An incident started at NOW, paused at `check`, with a note (holding
/// markup) and an attachment: still open.
fn open_incident() -> Test {
    let mut test = with_key();
    test.again(["start", "fixed"]).status(3);
    let mut test = at(test, "2026-11-28T09:01:00Z");
    test.again(["note", ID, "<script>alert(1)</script> disk full"])
        .success();
    let mut test = at(test, "2026-11-28T09:02:00Z");
    test.again(["attach", ID, "evidence.txt"]).success();
    test
}

/// The same incident, ended at 09:05 and archived at 10:00.
fn archived_incident() -> Test {
    archived_with(&[
        "--what-happened",
        "nginx on web1 stopped answering.",
        "--cause",
        "The log partition filled up.",
        "--resolution",
        "Rotated logs & restarted nginx.",
        "--follow-up",
        "Alert at 80% disk use",
    ])
}

/// The same incident, archived at 10:00 with `summary` (`archive`'s
/// `--cause` and the like) for its summary.
fn archived_with(summary: &[&str]) -> Test {
    let test = open_incident();
    let mut test = at(test, "2026-11-28T09:05:00Z");
    test.again(["resume", ID, "--answer", "check=done"]).success();
    let mut test = at(test, "2026-11-28T10:00:00Z");
    let mut args = vec!["archive", ID];
    args.extend_from_slice(summary);
    test.again(args).success();
    at(test, "2026-11-28T11:00:00Z")
}

fn record_path(test: &Test) -> PathBuf {
    test.data().join("archive/2026/11").join(format!("{ID}.json"))
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_owned()
}

/// What differs from run to run: the host, the key, hashes over both, and
/// how long `echo` took.
fn stable(text: &str) -> String {
    let text = text.replace(&format!("ops@{}", hostname()), "ops@HOST");
    let text = regex::Regex::new(r"SHA256:[A-Za-z0-9+/]{43}")
        .unwrap()
        .replace_all(&text, "SHA256:[key]");
    let text = regex::Regex::new(r"[0-9a-f]{64}")
        .unwrap()
        .replace_all(&text, "[sha256]");
    let text = regex::Regex::new(r"took [0-9.]+ m?s")
        .unwrap()
        .replace_all(&text, "took [time]");
    let text = regex::Regex::new(r"用时 [0-9.]+ m?s")
        .unwrap()
        .replace_all(&text, "用时 [time]");
    regex::Regex::new(r"(duration[^0-9\n]{0,12})[0-9]+ ?ms")
        .unwrap()
        .replace_all(&text, "${1}[time]")
        .into_owned()
}

#[test]
fn text_report_of_an_archived_incident() {
    let mut test = archived_incident();
    let outcome = test.again(["report", ID]);
    outcome.success().stdout_fits(80);
    insta::assert_snapshot!(stable(&outcome.stdout), @"
    Incident report INC-20261128-0001
    =================================

    Incident
    --------
    Incident       INC-20261128-0001
    Runbook        Fixed (fixed), version 2026.1
    Outcome        resolved (at done)
    Severity       sev2
    Operators      ops@HOST
    Started        2026-11-28 09:00:00 UTC
    Ended          2026-11-28 09:05:00 UTC
    Handling took  5m00s
    Archived       2026-11-28 10:00:00 UTC (55m00s after the end)

    Summary
    -------
    What happened
      nginx on web1 stopped answering.

    Cause
      The log partition filled up.

    Handling and result
      Rotated logs & restarted nginx.

    Follow-ups
      - Alert at 80% disk use

    Timeline
    --------
    Time      By   Event
    --------------------------------------------------------------
    09:00:00  ops  Started: Fixed (fixed), severity sev2
    09:00:00  ops  Step fix
    09:00:00  ops  fix: ran $ echo fixed; echo '<b>bold</b>'
    09:00:00  ops  fix: command finished, exit 0
    09:00:00  ops  Step check
    09:00:00  ops  Paused: waiting for an answer to step `check`
    09:01:00  ops  Note: <script>alert(1)</script> disk full
    09:02:00  ops  Attached evidence.txt (6 bytes)
    09:05:00  ops  Resumed
    09:05:00  ops  check: done (scripted)
    09:05:00  ops  Step done
    09:05:00  ops  Ended at done: resolved

    Command evidence
    ----------------
    Step fix
      | $ echo fixed; echo '<b>bold</b>'
      succeeded, exit 0, took [time], 18 bytes of output
      | fixed
      | <b>bold</b>

    Escalations and notifications
    -----------------------------
    Escalations
      None.

    Notifications
      None.

    Attachments
    -----------
      - evidence.txt, 6 bytes, sha256
        [sha256]

    Deadline
    --------
    Archive within  1d
    Due             2026-11-29 09:05:00 UTC
    Compliance      met: archived 23h05m before the deadline

    Verification
    ------------
    Signature       verified
    Signed by       ops
    Key             SHA256:[key]
    Record SHA-256  [sha256]
    Previous        none (the first record)
    Journal         12 events, head
                    [sha256]
    Runbook digest  [sha256]
    ");
}

#[test]
fn text_report_breaks_long_words_in_the_cause_and_follow_ups() {
    let long = "x".repeat(200);
    let mut test = archived_with(&["--cause", &long, "--resolution", "R", "--follow-up", &long]);
    for lang in ["en", "zh"] {
        let outcome = test.again(["report", ID, "--lang", lang]);
        outcome.success().stdout_fits(80);
        let shown = outcome.stdout.matches('x').count();
        assert!(shown >= 400, "{lang}: {shown} x shown\n{}", outcome.stdout);
    }
}

/// An incident whose variable, abort reason and follow-up each hold a line
/// that reads like an entry of its own.
fn multi_line_values() -> Test {
    let with_var = FIXED.replacen(
        "archive_within = \"1d\"\n",
        "archive_within = \"1d\"\n\n[vars.symptom]\nprompt = \"Symptom\"\n",
        1,
    );
    let mut test = with_key().runbook("fixed", &with_var);
    test.again(["start", "fixed", "--var", "symptom=down\nhost = db9 (production)"])
        .status(3);
    let mut test = at(test, "2026-11-28T09:05:00Z");
    test.again(["abort", ID, "--reason", "gave up\n- resolved (at done)"])
        .success();
    let mut test = at(test, "2026-11-28T10:00:00Z");
    test.again([
        "archive",
        ID,
        "--cause",
        "C",
        "--resolution",
        "R",
        "--follow-up",
        "fu1",
        "--follow-up",
        "fu2\n- injected item",
    ])
    .success();
    test
}

#[test]
fn lines_of_a_multi_line_value_cannot_pass_for_entries() {
    let mut test = multi_line_values();
    let text = test.again(["report", ID]);
    text.success()
        .stdout_contains("Outcome        aborted: gave up\n               ↳ - resolved (at done)\n")
        .stdout_contains("Variables      symptom = down\n               ↳ host = db9 (production)\n")
        .stdout_contains("  - fu1\n  - fu2\n    ↳ - injected item\n");
    let markdown = test.again(["report", ID, "--format", "markdown"]);
    markdown
        .success()
        .stdout_contains("- **Outcome:** aborted: gave up\\\n  ↳ \\- resolved (at done)\n")
        .stdout_contains("- **Variables:** symptom = down\\\n  ↳ host = db9 (production)\n")
        .stdout_contains("- fu2\\\n  ↳ \\- injected item\n")
        .stdout_contains("| Aborted: gave up ↳ \\- resolved (at done) |");
    let html = test.again(["report", ID, "--format", "html"]);
    html.success()
        .stdout_contains("<dd>aborted: gave up<div class=\"more\">↳ - resolved (at done)</div></dd>")
        .stdout_contains("<dd>symptom = down<div class=\"more\">↳ host = db9 (production)</div></dd>")
        .stdout_contains("<li>fu2<div class=\"more\">↳ - injected item</div></li>")
        .stdout_contains("<td>Aborted: gave up<div class=\"more\">↳ - resolved (at done)</div></td>");
    assert_well_formed(&html.stdout);
    for outcome in [&text, &markdown] {
        for line in outcome.stdout.lines() {
            let line = line.trim_start_matches([' ', '-', '\\']);
            assert!(
                !["host = db9 (production)", "resolved (at done)", "injected item"].contains(&line),
                "{line:?} reads as an entry:\n{}",
                outcome.stdout
            );
        }
    }
    let json = test.again(["report", ID, "--format", "json"]).json();
    assert_eq!(json["vars"]["symptom"], "down\nhost = db9 (production)");
    assert_eq!(json["abort_reason"], "gave up\n- resolved (at done)");
    assert_eq!(json["summary"]["follow_ups"][1], "fu2\n- injected item");
}

#[test]
fn markdown_report_keeps_leading_spaces_and_line_breaks_as_typed() {
    let mut test = archived_with(&[
        "--what-happened",
        "  two spaces\n    four, then <script>|`x`",
        "--cause",
        "C",
        "--resolution",
        "R",
        "--follow-up",
        "    not a code block",
        "--follow-up",
        "line one\nline two",
    ]);
    let outcome = test.again(["report", ID, "--format", "markdown"]);
    outcome
        .success()
        .stdout_contains(
            "\n&nbsp;&nbsp;two spaces\\\n&nbsp;&nbsp;&nbsp;&nbsp;four, then \\<script\\>\\|\\`x\\`\n",
        )
        .stdout_contains("\n- &nbsp;&nbsp;&nbsp;&nbsp;not a code block\n")
        .stdout_contains("\n- line one\\\n  ↳ line two\n")
        .stdout_lacks("<script>");
}

#[test]
fn markdown_report_escapes_what_the_record_holds() {
    let mut test = archived_incident();
    let outcome = test.again(["report", ID, "--format", "markdown"]);
    outcome
        .success()
        .stdout_contains(&format!("# Incident report {ID}\n"))
        .stdout_contains("\n## Timeline\n\n| Time | By | Event |\n| --- | --- | --- |\n")
        .stdout_contains("| 09:01:00 | ops | Note: \\<script\\>alert(1)\\</script\\> disk full |")
        .stdout_contains("```text\nfixed\n<b>bold</b>\n```")
        .stdout_contains("- **Signature:** verified")
        .stdout_contains("- **Signed by:** ops")
        .stdout_lacks("<script>");
}

#[test]
fn html_report_is_one_well_formed_page_with_everything_escaped() {
    let mut test = archived_incident();
    let outcome = test.again(["report", ID, "--format", "html"]);
    outcome.success();
    let page = &outcome.stdout;
    assert_well_formed(page);
    assert!(!page.to_lowercase().contains("<script"), "{page}");
    for external in ["<link", "src=", "href=", "url(", "@import"] {
        assert!(!page.contains(external), "{external} in\n{page}");
    }
    assert!(page.contains("@media print"));
    assert!(page.contains("Note: &lt;script&gt;alert(1)&lt;/script&gt; disk full"));
    assert!(
        page.contains("<pre>fixed\n&lt;b&gt;bold&lt;/b&gt;</pre>"),
        "{page}"
    );
    assert!(page.contains("Rotated logs &amp; restarted nginx."));
    assert!(page.contains("<dt>Signature</dt><dd>verified</dd>"), "{page}");
}

#[test]
fn json_report_is_the_record_as_filed() {
    let mut test = archived_incident();
    let outcome = test.again(["report", ID, "--format", "json"]);
    outcome.success();
    assert_eq!(
        outcome.stdout.as_bytes(),
        std::fs::read(record_path(&test)).unwrap()
    );
    assert_eq!(outcome.json()["format"], "runbook-record/2");
}

#[test]
fn report_labels_in_chinese() {
    let mut test = archived_incident();
    test.again(["report", ID, "--lang", "zh"])
        .success()
        .stdout_contains(&format!("事件报告 {ID}"))
        .stdout_contains("预案      Fixed（fixed），版本 2026.1")
        .stdout_contains("结果      已解决（done）")
        .stdout_contains("时间线")
        .stdout_contains("备注：<script>alert(1)</script> disk full")
        .stdout_contains("是否按时  按时：截止前 23h05m 归档")
        .stdout_contains("签名          验证通过");
}

#[test]
fn open_incident_gets_a_draft_marked_as_such() {
    let test = open_incident();
    let mut test = at(test, "2026-11-28T09:03:00Z");
    let outcome = test.again(["report", ID]);
    outcome
        .success()
        .stdout_contains("*** DRAFT: not archived and not signed ***")
        .stdout_contains("Status     open, paused at step check")
        .stdout_contains("Ended      not yet")
        .stdout_contains("Archived   not yet (draft as of 2026-11-28 09:03:00 UTC)")
        .stdout_contains("(not written yet)")
        .stdout_contains("Signature       none: a draft is not signed")
        .stdout_contains("handling has not ended")
        .stdout_lacks("verified");
    test.again(["report", ID, "--format", "json"])
        .status(2)
        .stderr_contains("is still open");
    let page = test.again(["report", ID, "--format", "html"]);
    page.success();
    assert_well_formed(&page.stdout);
    assert!(
        page.stdout
            .contains("<p class=\"banner draft\">DRAFT: not archived and not signed</p>")
    );
}

#[test]
fn ended_incident_not_archived_yet_counts_down_to_its_deadline() {
    let test = open_incident();
    let mut test = at(test, "2026-11-28T09:05:00Z");
    test.again(["resume", ID, "--answer", "check=done"]).success();
    let mut test = at(test, "2026-11-30T09:05:00Z");
    test.again(["report", ID])
        .success()
        .stdout_contains("*** DRAFT")
        .stdout_contains("Outcome        resolved (at done)")
        .stdout_contains("OVERDUE by 1d, not archived yet");
    let json = test.again(["report", ID, "--format", "json"]);
    json.success().stderr_contains("draft record, unsigned");
    let draft = json.json();
    assert_eq!(draft["incident"], ID);
    // Marked in the JSON itself, not only on stderr: a draft is no record.
    assert_eq!(draft["format"], "runbook-record-draft/1");
    assert!(draft.get("draft").is_none(), "a record's keys are fixed");
}

#[test]
fn a_record_late_by_a_day_and_minutes_says_so_everywhere() {
    let test = open_incident();
    let mut test = at(test, "2026-11-28T09:05:00Z");
    test.again(["resume", ID, "--answer", "check=done"]).success();
    // Due 2026-11-29 09:05:00: 89,165 s late is a day, 46 minutes and 5 s.
    let mut test = at(test, "2026-11-30T09:51:05Z");
    test.again(["archive", ID, "--cause", "C", "--resolution", "R"])
        .success()
        .stdout_contains("late by 1d0h46m (89165 s)");
    test.again(["report", ID])
        .success()
        .stdout_contains("LATE by 1d0h46m");
    test.again(["report", ID, "--lang", "zh"])
        .success()
        .stdout_contains("逾期 1d0h46m");
    test.again(["records"]).success().stdout_contains("late 1d0h46m");
}

#[test]
fn flipped_signature_byte_is_not_verified() {
    let mut test = archived_incident();
    let sig = test.data().join("archive/2026/11").join(format!("{ID}.json.sig"));
    let mode = std::fs::metadata(&sig).unwrap().permissions().mode();
    std::fs::set_permissions(&sig, std::fs::Permissions::from_mode(mode | 0o200)).unwrap();
    let mut armored = std::fs::read_to_string(&sig).unwrap().into_bytes();
    // A character near the end of the base64 body: the signature's own bytes.
    let text = String::from_utf8(armored.clone()).unwrap();
    let body_end = text.find("\n-----END SSH SIGNATURE-----").unwrap();
    let at = body_end - 10;
    armored[at] = if armored[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(&sig, armored).unwrap();

    let outcome = test.again(["report", ID]);
    outcome
        .status(1)
        .stdout_contains("*** NOT VERIFIED: ")
        .stdout_contains("Signature       NOT VERIFIED: ")
        .stdout_lacks("Signed by");
    let zh = test.again(["report", ID, "--lang", "zh", "--format", "html"]);
    zh.status(1)
        .stdout_contains("<p class=\"banner alert\">验证失败：");
}

#[test]
fn a_record_with_no_signature_or_no_signers_to_check_against_is_not_verified() {
    let mut test = archived_incident();
    let signers = test.config_dir().join("allowed_signers");
    let moved = test.work().join("allowed_signers");
    std::fs::rename(&signers, &moved).unwrap();
    test.again(["report", ID])
        .status(1)
        .stdout_contains("NOT VERIFIED: no allowed signers:")
        .stdout_contains("allowed_signers does not exist");
    std::fs::rename(&moved, &signers).unwrap();

    let sig = test.data().join("archive/2026/11").join(format!("{ID}.json.sig"));
    std::fs::remove_file(&sig).unwrap();
    test.again(["report", ID])
        .status(1)
        .stdout_contains("NOT VERIFIED: cannot read the signature")
        .stdout_contains(&format!("{ID}.json.sig"));
    test.again(["verify", ID])
        .status(1)
        .stdout_contains(&format!("FAILED {ID}: signature: cannot read the signature"));
}

#[test]
fn a_command_that_could_not_start_says_why_in_the_report() {
    let mut test = with_key().env("PATH", "/nonexistent");
    test.again(["start", "fixed"]).status(1);
    let mut test = test.env("PATH", &std::env::var("PATH").unwrap());
    test.again(["report", ID])
        .success()
        .stdout_contains("fix: cannot start the command: No such file or directory")
        .stdout_lacks("could not start");
}

#[test]
fn another_incidents_record_in_its_place_is_not_verified() {
    let mut test = archived_incident();
    // A second incident, archived and signed as it should be.
    test.again(["start", "fixed", "--answer", "check=done"]).success();
    let second = "INC-20261128-0002";
    test.archive(second).success();
    test.again(["report", second]).success();
    // Its record and signature copied over the first one's.
    let dir = test.data().join("archive/2026/11");
    for suffix in [".json", ".json.sig"] {
        let target = dir.join(format!("{ID}{suffix}"));
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::copy(dir.join(format!("{second}{suffix}")), &target).unwrap();
    }
    for format in ["text", "json"] {
        test.again(["report", ID, "--format", format])
            .status(1)
            .stderr_contains(&format!(
                "warning: the record of {ID} is NOT VERIFIED: {}",
                dir.join(format!("{ID}.json")).display()
            ))
            .stderr_contains(&format!("holds the record of {second}, not of {ID}"));
    }
    test.again(["report", ID])
        .stdout_contains("NOT VERIFIED")
        .stdout_lacks("Signed by");

    // Not a record at all: a failed check (exit 1), not bad input.
    std::fs::write(dir.join(format!("{ID}.json")), "{}\n").unwrap();
    test.again(["report", ID])
        .status(1)
        .stderr_contains("runbook verify --all");
}

#[test]
fn unknown_incident_is_a_usage_error() {
    Test::new()
        .args(["report", "INC-20261128-0042"])
        .run()
        .status(2)
        .stderr_contains("no incident `INC-20261128-0042`");
}

/// Checks that `page` is well-formed: every element closed in order (but
/// the void `meta` and `br`), attributes quoted, and no `<` or `&` in text
/// that does not start a tag or an entity.
fn assert_well_formed(page: &str) {
    let page = page.strip_prefix("<!DOCTYPE html>\n").expect("a doctype first");
    let tag = regex::Regex::new(r#"^<(/?)([a-z][a-z0-9]*)((?:\s+[a-z-]+="[^"<>]*")*)\s*(/?)>"#).unwrap();
    let entity = regex::Regex::new(r"^&(amp|lt|gt|quot|#39);").unwrap();
    let mut open: Vec<String> = Vec::new();
    let mut rest = page;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let found = tag
                    .captures(rest)
                    .unwrap_or_else(|| panic!("not a tag: {:?}", &rest[..rest.len().min(60)]));
                let name = found[2].to_owned();
                let closing = !found[1].is_empty();
                let void = !found[4].is_empty() || matches!(name.as_str(), "meta" | "br");
                rest = &rest[found[0].len()..];
                if closing {
                    assert_eq!(open.pop().as_deref(), Some(name.as_str()), "misnested </{name}>");
                } else if !void {
                    if name == "style" {
                        let end = rest.find("</style>").expect("</style>");
                        assert!(!rest[..end].contains('<'), "markup in the style");
                        rest = &rest[end..];
                    }
                    open.push(name);
                }
            }
            '&' => {
                let found = entity
                    .find(rest)
                    .unwrap_or_else(|| panic!("a bare &: {:?}", &rest[..rest.len().min(60)]));
                rest = &rest[found.end()..];
            }
            c => rest = &rest[c.len_utf8()..],
        }
    }
    assert!(open.is_empty(), "left open: {open:?}");
}

#[test]
fn markdown_report_snapshot() {
    let mut test = archived_incident();
    let outcome = test.again(["report", ID, "--format", "markdown"]);
    outcome.success();
    insta::assert_snapshot!(stable(&outcome.stdout), @r"
    # Incident report INC-20261128-0001

    ## Incident

    - **Incident:** INC-20261128-0001
    - **Runbook:** Fixed (fixed), version 2026.1
    - **Outcome:** resolved (at done)
    - **Severity:** sev2
    - **Operators:** ops@HOST
    - **Started:** 2026-11-28 09:00:00 UTC
    - **Ended:** 2026-11-28 09:05:00 UTC
    - **Handling took:** 5m00s
    - **Archived:** 2026-11-28 10:00:00 UTC (55m00s after the end)

    ## Summary

    ### What happened

    nginx on web1 stopped answering.

    ### Cause

    The log partition filled up.

    ### Handling and result

    Rotated logs \& restarted nginx.

    ### Follow-ups

    - Alert at 80% disk use

    ## Timeline

    | Time | By | Event |
    | --- | --- | --- |
    | 09:00:00 | ops | Started: Fixed (fixed), severity sev2 |
    | 09:00:00 | ops | Step fix |
    | 09:00:00 | ops | fix: ran $ echo fixed; echo '\<b\>bold\</b\>' |
    | 09:00:00 | ops | fix: command finished, exit 0 |
    | 09:00:00 | ops | Step check |
    | 09:00:00 | ops | Paused: waiting for an answer to step \`check\` |
    | 09:01:00 | ops | Note: \<script\>alert(1)\</script\> disk full |
    | 09:02:00 | ops | Attached evidence.txt (6 bytes) |
    | 09:05:00 | ops | Resumed |
    | 09:05:00 | ops | check: done (scripted) |
    | 09:05:00 | ops | Step done |
    | 09:05:00 | ops | Ended at done: resolved |

    ## Command evidence

    ### Step fix

    ```text
    $ echo fixed; echo '<b>bold</b>'
    ```

    succeeded, exit 0, took [time], 18 bytes of output

    ```text
    fixed
    <b>bold</b>
    ```

    ## Escalations and notifications

    ### Escalations

    None.

    ### Notifications

    None.

    ## Attachments

    - evidence.txt, 6 bytes, sha256 [sha256]

    ## Deadline

    - **Archive within:** 1d
    - **Due:** 2026-11-29 09:05:00 UTC
    - **Compliance:** met: archived 23h05m before the deadline

    ## Verification

    - **Signature:** verified
    - **Signed by:** ops
    - **Key:** SHA256:[key]
    - **Record SHA-256:** [sha256]
    - **Previous:** none (the first record)
    - **Journal:** 12 events, head
      `[sha256]`
    - **Runbook digest:** [sha256]
    ");
}

#[test]
fn chinese_text_report_snapshot() {
    let mut test = archived_incident();
    let outcome = test.again(["report", ID, "--lang", "zh"]);
    outcome.success().stdout_fits(80);
    insta::assert_snapshot!(stable(&outcome.stdout), @"
    事件报告 INC-20261128-0001
    ==========================

    事件概况
    --------
    事件编号  INC-20261128-0001
    预案      Fixed（fixed），版本 2026.1
    结果      已解决（done）
    级别      sev2
    处置人员  ops@HOST
    开始      2026-11-28 09:00:00 UTC
    结束      2026-11-28 09:05:00 UTC
    处置用时  5m00s
    归档      2026-11-28 10:00:00 UTC（结束后 55m00s）

    总结
    ----
    事件经过
      nginx on web1 stopped answering.

    原因
      The log partition filled up.

    处置及结果
      Rotated logs & restarted nginx.

    后续事项
      - Alert at 80% disk use

    时间线
    ------
    时间      操作人  事件
    ---------------------------------------------------------------
    09:00:00  ops     启动：Fixed（fixed），级别 sev2
    09:00:00  ops     进入步骤 fix
    09:00:00  ops     fix：执行 $ echo fixed; echo '<b>bold</b>'
    09:00:00  ops     fix：命令结束，退出码 0
    09:00:00  ops     进入步骤 check
    09:00:00  ops     暂停：waiting for an answer to step `check`
    09:01:00  ops     备注：<script>alert(1)</script> disk full
    09:02:00  ops     附件 evidence.txt（6 字节）
    09:05:00  ops     继续
    09:05:00  ops     check：完成（脚本）
    09:05:00  ops     进入步骤 done
    09:05:00  ops     结束于 done：已解决

    命令记录
    --------
    步骤 fix
      | $ echo fixed; echo '<b>bold</b>'
      成功，退出码 0，用时 [time]，输出 18 字节
      | fixed
      | <b>bold</b>

    升级与通知
    ----------
    升级
      无。

    通知
      无。

    附件
    ----
      - evidence.txt，6 字节，sha256
        [sha256]

    归档时限
    --------
    归档时限  1d
    截止      2026-11-29 09:05:00 UTC
    是否按时  按时：截止前 23h05m 归档

    验证
    ----
    签名          验证通过
    签名人        ops
    密钥          SHA256:[key]
    记录 SHA-256  [sha256]
    上一记录      无（首条记录）
    日志          12 条事件，末条哈希
                  [sha256]
    预案摘要      [sha256]
    ");
}

#[test]
fn html_report_snapshot() {
    let mut test = archived_incident();
    let outcome = test.again(["report", ID, "--format", "html"]);
    outcome.success();
    // The page's body; the stylesheet is pinned by the well-formedness test.
    let page = stable(&outcome.stdout);
    let body = &page[page.find("<body>").expect("a body")..];
    insta::assert_snapshot!(body, @r#"
    <body>
    <h1>Incident report INC-20261128-0001</h1>
    <section id="header">
    <h2>Incident</h2>
    <dl>
    <dt>Incident</dt><dd>INC-20261128-0001</dd>
    <dt>Runbook</dt><dd>Fixed (fixed), version 2026.1</dd>
    <dt>Outcome</dt><dd>resolved (at done)</dd>
    <dt>Severity</dt><dd>sev2</dd>
    <dt>Operators</dt><dd>ops@HOST</dd>
    <dt>Started</dt><dd>2026-11-28 09:00:00 UTC</dd>
    <dt>Ended</dt><dd>2026-11-28 09:05:00 UTC</dd>
    <dt>Handling took</dt><dd>5m00s</dd>
    <dt>Archived</dt><dd>2026-11-28 10:00:00 UTC (55m00s after the end)</dd>
    </dl>
    </section>
    <section id="summary">
    <h2>Summary</h2>
    <h3>What happened</h3>
    <p>nginx on web1 stopped answering.</p>
    <h3>Cause</h3>
    <p>The log partition filled up.</p>
    <h3>Handling and result</h3>
    <p>Rotated logs &amp; restarted nginx.</p>
    <h3>Follow-ups</h3>
    <ul>
    <li>Alert at 80% disk use</li>
    </ul>
    </section>
    <section id="timeline">
    <h2>Timeline</h2>
    <table>
    <thead><tr><th>Time</th><th>By</th><th>Event</th></tr></thead>
    <tbody>
    <tr><td>09:00:00</td><td>ops</td><td>Started: Fixed (fixed), severity sev2</td></tr>
    <tr><td>09:00:00</td><td>ops</td><td>Step fix</td></tr>
    <tr><td>09:00:00</td><td>ops</td><td>fix: ran $ echo fixed; echo &#39;&lt;b&gt;bold&lt;/b&gt;&#39;</td></tr>
    <tr><td>09:00:00</td><td>ops</td><td>fix: command finished, exit 0</td></tr>
    <tr><td>09:00:00</td><td>ops</td><td>Step check</td></tr>
    <tr><td>09:00:00</td><td>ops</td><td>Paused: waiting for an answer to step `check`</td></tr>
    <tr><td>09:01:00</td><td>ops</td><td>Note: &lt;script&gt;alert(1)&lt;/script&gt; disk full</td></tr>
    <tr><td>09:02:00</td><td>ops</td><td>Attached evidence.txt (6 bytes)</td></tr>
    <tr><td>09:05:00</td><td>ops</td><td>Resumed</td></tr>
    <tr><td>09:05:00</td><td>ops</td><td>check: done (scripted)</td></tr>
    <tr><td>09:05:00</td><td>ops</td><td>Step done</td></tr>
    <tr><td>09:05:00</td><td>ops</td><td>Ended at done: resolved</td></tr>
    </tbody>
    </table>
    </section>
    <section id="commands">
    <h2>Command evidence</h2>
    <h3>Step fix</h3>
    <pre>$ echo fixed; echo &#39;&lt;b&gt;bold&lt;/b&gt;&#39;</pre>
    <p>succeeded, exit 0, took [time], 18 bytes of output</p>
    <pre>fixed
    &lt;b&gt;bold&lt;/b&gt;</pre>
    </section>
    <section id="escalations">
    <h2>Escalations and notifications</h2>
    <h3>Escalations</h3>
    <p>None.</p>
    <h3>Notifications</h3>
    <p>None.</p>
    </section>
    <section id="attachments">
    <h2>Attachments</h2>
    <ul>
    <li>evidence.txt, 6 bytes, sha256 [sha256]</li>
    </ul>
    </section>
    <section id="deadline">
    <h2>Deadline</h2>
    <dl>
    <dt>Archive within</dt><dd>1d</dd>
    <dt>Due</dt><dd>2026-11-29 09:05:00 UTC</dd>
    <dt>Compliance</dt><dd>met: archived 23h05m before the deadline</dd>
    </dl>
    </section>
    <footer id="verification">
    <h2>Verification</h2>
    <dl>
    <dt>Signature</dt><dd>verified</dd>
    <dt>Signed by</dt><dd>ops</dd>
    <dt>Key</dt><dd>SHA256:[key]</dd>
    <dt>Record SHA-256</dt><dd>[sha256]</dd>
    <dt>Previous</dt><dd>none (the first record)</dd>
    <dt>Journal</dt><dd>12 events, head</dd>
    <dt></dt><dd>[sha256]</dd>
    <dt>Runbook digest</dt><dd>[sha256]</dd>
    </dl>
    </footer>
    </body>
    </html>
    "#);
}

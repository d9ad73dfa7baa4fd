//! What each format does with what a record holds: long words broken,
//! multi-line values marked, markup escaped, the JSON as filed, labels in
//! Chinese.

use super::*;

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
        .stdout_contains("* **Outcome:** aborted: gave up\\\n  ↳ \\- resolved (at done)\n")
        .stdout_contains("* **Variables:** symptom = down\\\n  ↳ host = db9 (production)\n")
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
        .stdout_contains("* **Signature:** verified, signed by ops")
        .stdout_contains("* **Signed by:** ops")
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
        .stdout_contains("预案      修复（fixed），版本 2026.1")
        .stdout_contains("结果      已解决（done）")
        .stdout_contains("时间线")
        .stdout_contains("备注：<script>alert(1)</script> disk full")
        .stdout_contains("是否按时  按时：截止前 23小时05分 归档")
        .stdout_contains("签名          验证通过");
}

/// The lists of a Markdown page as a CommonMark reader with pipe tables
/// (GitHub's, GitLab's) sees them: how many items each has, in order; and
/// the number of body rows of each table, and the language of each fenced
/// block. Fails on raw HTML, which forges strip.
fn forge_reading(markdown: &str) -> (Vec<usize>, Vec<usize>, Vec<String>) {
    use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
    let (mut lists, mut tables, mut fences) = (Vec::new(), Vec::new(), Vec::new());
    // Items of the lists still open, innermost last.
    let mut open: Vec<usize> = Vec::new();
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => panic!("raw HTML {html:?} in\n{markdown}"),
            Event::Start(Tag::List(_)) => open.push(0),
            Event::Start(Tag::Item) => *open.last_mut().unwrap() += 1,
            Event::End(TagEnd::List(_)) => lists.push(open.pop().unwrap()),
            Event::Start(Tag::Table(_)) => tables.push(0),
            Event::Start(Tag::TableRow) => *tables.last_mut().unwrap() += 1,
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) => fences.push(lang.to_string()),
            Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => {
                panic!("an indented code block in\n{markdown}")
            }
            _ => {}
        }
    }
    (lists, tables, fences)
}

#[test]
fn markdown_report_reads_on_forges_as_it_is_meant() {
    let mut test = archived_incident();
    let outcome = test.again(["report", ID, "--format", "markdown"]);
    let (lists, tables, fences) = forge_reading(&outcome.success().stdout);
    // The incident's fields; the follow-ups, a list of their own, apart
    // from the deadline and signature after them; the attachments; the
    // verification's fields.
    assert_eq!(lists, [9, 1, 3, 1, 7], "{}", outcome.stdout);
    // The timeline, one row per event.
    assert_eq!(tables, [12], "{}", outcome.stdout);
    // The command, then its output.
    assert_eq!(fences, ["text", "text"], "{}", outcome.stdout);
}

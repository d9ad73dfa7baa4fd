//! Whatever a runbook holds, what `runbook` prints cannot drive the
//! terminal: no control character but newline, no bidirectional or
//! invisible code point. Also: Windows line endings and byte order marks,
//! and Chinese outlines wrapped the way Chinese is typeset.

use crate::common::Test;
use unicode_width::UnicodeWidthStr;

/// Terminal tricks as TOML escapes: clear screen, colours, bell, window
/// title and hyperlink sequences, a carriage return, tab, CSI, DEL, and the
/// invisible and direction-changing code points.
const ESCAPED: &str = r"\u001b[2J\u001b[31mred\u0007\u001b]0;pwned\u0007\u001b]8;;http://x\u001b\\link\u202eevil\u202c\u200e\u200f\u061c\u2028\u2029\u200b\u200c\u200d\u2060\ufeff\r\t\u009b\u007f";

/// The same kind of code points written into the file as they are, which
/// TOML allows in strings.
const RAW: &str = "\u{202e}\u{2066}\u{200b}\u{200f}\u{feff}\u{2028}\t";

/// Code points no output may hold, besides control characters.
const FORBIDDEN: &[char] = &[
    '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{200e}', '\u{200f}', '\u{061c}', '\u{2028}', '\u{2029}', '\u{200b}', '\u{200c}',
    '\u{200d}', '\u{2060}', '\u{feff}',
];

/// A valid runbook with the tricks in every text field: `N` marks where.
const EVIL: &str = r#"schema = 1
id = "evil"
title = { en = "Title N", zh = "标题 N" }
summary = "Summary N"
version = "1.0 N"
owner = "ops N"
default_severity = "sev1"
start = "check"

[vars.host]
prompt = { en = "Host N", zh = "主机 N" }
default = "web1 N"

[contacts.oncall]
role = "On call N"
name = "Alice N"
phone = "+1 555 0100 N"
email = "alice@example.com N"
notes = "Notes N"

[severity.sev1]
label = "Severe N"
description = "Description N"
notify = ["oncall"]

[timers.escalate]
after = "1h"
until = "found"
notify = ["oncall"]
goto = "call"
message = "Message N"

[timers.remind]
after = "2h"
notify = ["oncall"]
message = "Reminder N"

[[steps]]
id = "check"
kind = "confirm"
title = { en = "Check N", zh = "检查 N" }
body = "Body N\nsecond line N"
phase = "inspect"
yes = "pick"
no = "restart"

[[steps]]
id = "restart"
kind = "command"
title = "Restart N"
run = "systemctl restart nginx # N\ncat <<'EOF'\n```\n\tindented N\nEOF"
milestone = "found"
next = "pick"
on_failure = "call"

[[steps]]
id = "pick"
kind = "choice"
title = "Pick N"
options = [
  { label = "Option N", goto = "list" },
  { label = "Call N", goto = "call" },
]

[[steps]]
id = "list"
kind = "checklist"
title = "List N"
items = ["Item one N", "Item two N"]
next = "ask"
on_any = "call"

[[steps]]
id = "ask"
kind = "input"
title = "Ask N"
var = "answer"
default = "default N"
next = "done"

[[steps]]
id = "call"
kind = "notify"
title = "Call N"
to = ["oncall"]
message = "Notify message N"
next = "handed"

[[steps]]
id = "handed"
kind = "end"
title = "Handed over N"
outcome = "handed-over"

[[steps]]
id = "done"
kind = "end"
title = "Done N"
"#;

/// An invalid runbook: tricks in a key, in ids, and raw before the column
/// of an error.
const BAD: &str = r#"schema = 1
title = "Bad N"
"key N" = 1
version = 1 # RAW

[contacts."on N call"]
role = "Role N"

[[steps]]
id = "pick"
kind = "choice"
title = "Pick N"
options = [{ label = "RAW", goto = "nowhere" }]

[[steps]]
id = "done N"
kind = "end"
title = "Done N"
"#;

fn nasty(template: &str) -> String {
    template
        .replace(" N", &format!(" {ESCAPED}{RAW}"))
        .replace("RAW", RAW)
}

#[track_caller]
fn assert_safe(what: &str, text: &str) {
    for (number, line) in text.split('\n').enumerate() {
        let bad = line.chars().find(|&c| c.is_control() || FORBIDDEN.contains(&c));
        assert!(
            bad.is_none(),
            "{what}: line {} holds {:?}: {line:?}\n{text}",
            number + 1,
            bad.unwrap_or_default()
        );
    }
}

fn evil_test() -> Test {
    Test::new()
        .runbook("ev\u{1b}[1mil\u{202e}", &nasty(EVIL))
        .runbook("b\u{7}ad\u{200b}", &nasty(BAD))
}

#[test]
fn nothing_a_runbook_holds_reaches_the_terminal_unescaped() {
    let mut test = evil_test();
    let runs: &[&[&str]] = &[
        &["show", "evil"],
        &["show", "evil", "--lang", "zh"],
        &["show", "evil", "--format", "markdown"],
        &["graph", "evil"],
        &["graph", "evil", "--format", "dot"],
        &["list"],
        &["validate"],
        &["validate", "runbooks"],
        &["show", "b\u{7}ad\u{200b}"],
        &["show", "no\u{1b}such\u{202e}"],
    ];
    for args in runs {
        let outcome = test.again(args.iter().copied());
        let what = args.join(" ");
        assert!(
            outcome.code == Some(0) || outcome.code == Some(2),
            "{what}: {outcome:?}"
        );
        assert_safe(&format!("{what} (stdout)"), &outcome.stdout);
        assert_safe(&format!("{what} (stderr)"), &outcome.stderr);
        assert!(
            outcome.stdout.contains("\\x1b") || outcome.stderr.contains("\\x1b"),
            "{what}: the escapes are shown\n{}{}",
            outcome.stdout,
            outcome.stderr
        );
    }
}

#[test]
fn every_field_of_show_is_escaped_visibly() {
    let outcome = evil_test().args(["show", "evil"]).run();
    outcome.success();
    // Escapes make long words, which wrap onto lines of their own.
    let flat = outcome.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    for field in [
        "Title",
        "version 1.0",
        "owner ops",
        "Host",
        "web1",
        "Alice",
        "+1 555 0100",
        "alice@example.com",
        "Severe",
        "Description",
        "Message",
        "Check",
        "Body",
        "second line",
        "Restart",
        "Pick",
        "Option",
        "List",
        "Item one",
        "Ask",
        "default",
        "Notify message",
        "Done",
    ] {
        let shown = format!("{field} \\x1b[2J\\x1b[31mred\\x07\\x1b]0;pwned\\x07");
        assert!(flat.contains(&shown), "{shown:?} is not in\n{}", outcome.stdout);
    }
    outcome
        .stdout_contains("\\u{202e}\\u{2066}\\u{200b}\\u{200f}\\u{feff}\\u{2028}")
        .stdout_contains("source: runbooks/ev\\x1b[1mil\\u{202e}.toml");
}

#[test]
fn a_markdown_fence_is_longer_than_backticks_in_the_command() {
    let outcome = evil_test().args(["show", "evil", "--format", "markdown"]).run();
    outcome.success();
    let lines: Vec<&str> = outcome.stdout.lines().collect();
    let open = lines
        .iter()
        .position(|line| *line == "````sh")
        .unwrap_or_else(|| panic!("{}", outcome.stdout));
    let close = open + 1 + lines[open + 1..].iter().position(|line| *line == "````").unwrap();
    let code = &lines[open + 1..close];
    assert_eq!(code.len(), 5, "{}", outcome.stdout);
    assert_eq!(code[2], "```");
    assert!(code[3].starts_with("    indented \\x1b[2J"), "{}", code[3]);
}

#[test]
fn validate_escapes_keys_and_keeps_the_caret_aligned() {
    let outcome = evil_test().args(["validate", "runbooks"]).run();
    outcome.status(2);
    outcome
        .stderr_contains("unknown key `key \\x1b[2J\\x1b[31mred\\x07")
        .stderr_contains("--> runbooks/b\\x07ad\\u{200b}.toml:");
    // The caret stays under `"nowhere"`, though the line before it holds
    // characters shown as escapes many columns wide, and a tab.
    let lines: Vec<&str> = outcome.stderr.lines().collect();
    let at = lines
        .iter()
        .position(|line| line.starts_with(|c: char| c.is_ascii_digit()) && line.contains("\"nowhere\""))
        .unwrap_or_else(|| panic!("{}", outcome.stderr));
    let shown = lines[at];
    let caret = lines[at + 1];
    assert!(shown.contains("\\u{202e}\\u{2066}"), "{shown}");
    let column = caret.find('^').unwrap();
    assert!(shown[column..].starts_with("\"nowhere\""), "{shown}\n{caret}");
}

#[test]
fn crlf_runbooks_read_like_lf_ones() {
    let toml = "schema = 1\r\ntitle = \"CRLF\"\r\n\r\n[[steps]]\r\nid = \"fix\"\r\nkind = \"command\"\r\ntitle = \"Fix\"\r\nrun = \"\"\"\r\nsystemctl stop x\r\nsystemctl start x\r\n\"\"\"\r\n\r\n[[steps]]\r\nid = \"done\"\r\nkind = \"end\"\r\ntitle = \"Done\"\r\n";
    let outcome = Test::new().runbook("crlf", toml).args(["show", "crlf"]).run();
    outcome
        .success()
        .stdout_contains("    $ systemctl stop x\n      systemctl start x\n")
        .stdout_lacks("\\x0d");
    let json = Test::new()
        .runbook("crlf", toml)
        .args(["show", "crlf", "--format", "json"])
        .run()
        .json();
    assert_eq!(
        json["runbook"]["steps"][0]["run"],
        "systemctl stop x\nsystemctl start x\n"
    );
    // An error at the end of a CRLF line is one column past its last
    // character, and the line is shown without its carriage return.
    let broken = "schema = 1\r\ntitle = \"Unclosed\r\n";
    let outcome = Test::new()
        .runbook("broken", broken)
        .args(["validate", "runbooks/broken.toml"])
        .run();
    outcome
        .status(2)
        .stderr_contains("--> runbooks/broken.toml:2:18\n")
        .stderr_contains("2 | title = \"Unclosed\n");
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_runbook() {
    let with_bom = format!("\u{feff}{}", crate::common::MINIMAL);
    Test::new()
        .runbook("bom", &with_bom)
        .args(["validate", "runbooks/bom.toml"])
        .run()
        .success();
    Test::new()
        .runbook("bom", "\u{feff}")
        .args(["validate", "runbooks/bom.toml"])
        .run()
        .status(2)
        .stderr_contains("error: the file holds no runbook");
}

#[test]
fn narrow_columns_are_clamped_to_forty() {
    let title = "Restore the database from the latest verified backup";
    let toml = crate::common::MINIMAL.replace(
        "\"Minimal\"",
        &format!(
            "\"{title}\"\nsummary = \"{}\"",
            "Stop the writes first. ".repeat(6)
        ),
    );
    let outcome = Test::new()
        .runbook("long", &toml)
        .env("COLUMNS", "20")
        .args(["show", "long"])
        .run();
    outcome.success();
    let lines: Vec<&str> = outcome.stdout.lines().collect();
    for line in &lines {
        assert!(line.width() <= 40, "too wide: {line:?}\n{}", outcome.stdout);
    }
    // The header wraps like any paragraph, its continuation indented.
    assert_eq!(lines[0], "Restore the database from the latest");
    assert_eq!(lines[1], "  verified backup (long)");
    // Thirty-nine or more columns would fit it all on one line.
    assert!(lines.iter().any(|line| line.width() > 30), "{}", outcome.stdout);
}

/// Closing punctuation: a line must not start with it.
const CLOSING: &[char] = &[
    '，', '。', '、', '；', '：', '！', '？', '）', '」', '』', '”', '’', '》', '〉', '】', '〕', '］', '｝',
];

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
}

#[test]
fn chinese_outlines_of_bundled_plans_are_typeset() {
    for id in crate::catalog::BUNDLED {
        let outcome = Test::new().args(["show", id, "--lang", "zh"]).run();
        outcome.success();
        let source = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("runbooks/{id}.toml")),
        )
        .unwrap();
        let mut in_command = false;
        for line in outcome.stdout.lines() {
            in_command = line.starts_with("    $ ") || in_command && line.starts_with("      ");
            if in_command {
                continue;
            }
            assert!(line.width() <= 80, "{id}: too wide: {line}");
            assert!(
                !line.trim_start().starts_with(CLOSING),
                "{id}: starts with closing punctuation: {line}"
            );
            let chars: Vec<char> = line.chars().collect();
            for triple in chars.windows(3) {
                if is_cjk(triple[0]) && triple[1] == ' ' && is_cjk(triple[2]) {
                    let adjacent: String = [triple[0], triple[2]].iter().collect();
                    let spaced: String = triple.iter().collect();
                    assert!(
                        !source.contains(&adjacent) || source.contains(&spaced),
                        "{id}: a space put into {adjacent:?}: {line}"
                    );
                }
            }
        }
    }
}

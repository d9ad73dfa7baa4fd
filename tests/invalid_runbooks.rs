//! The corpus of broken runbooks: each pins exit code 2 and the exact
//! located message `validate` prints.

use crate::common::{Test, invalid};

// ---------------------------------------------------------------------------
// Not a runbook at all: TOML syntax, encoding, empty files.
// ---------------------------------------------------------------------------

#[test]
fn toml_unclosed_string() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Unclosed

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: invalid TOML: invalid basic string, expected `"`
     --> runbooks/broken.toml:2:18
      |
    2 | title = "Unclosed
      |                  ^
      = hint: close the string with the quote it opens with; use """...""" for several lines

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn toml_missing_equals() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title "Missing equals"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: invalid TOML: key with no value, expected `=`
     --> runbooks/broken.toml:2:7
      |
    2 | title "Missing equals"
      |       ^
      = hint: write key = value

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn toml_duplicate_key() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "First"
title = "Second"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `title` is set twice in the same table
     --> runbooks/broken.toml:3:1
      |
    3 | title = "Second"
      | ^^^^^
      = hint: remove one of them; each [[steps]] section starts a new step

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn toml_bad_table_header() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Bad header"

[[steps]
id = "done"
kind = "end"
title = "Done"
"#), @"
    error: invalid TOML: unclosed array table, expected `]`
     --> runbooks/broken.toml:4:9
      |
    4 | [[steps]
      |         ^
      = hint: table headers look like [name] or [[steps]]

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    ");
}

#[test]
fn toml_duplicate_table() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Duplicate table"

[vars.service]
prompt = "Service"

[vars.service]
prompt = "Service again"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @"
    error: `service` is set twice in the same table
     --> runbooks/broken.toml:7:7
      |
    7 | [vars.service]
      |       ^^^^^^^
      = hint: remove one of them; each [[steps]] section starts a new step

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    ");
}

#[test]
fn empty_file() {
    insta::assert_snapshot!(invalid(""), @"
    error: the file holds no runbook
      --> runbooks/broken.toml
      = hint: start with `schema = 1`, a `title` and [[steps]]; see docs/runbook-format.md

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    ");
}

#[test]
fn whitespace_and_comments_only() {
    insta::assert_snapshot!(invalid("\n   \n# a runbook, some day\n\t# TODO\n\n"), @"
    error: the file holds no runbook
      --> runbooks/broken.toml
      = hint: start with `schema = 1`, a `title` and [[steps]]; see docs/runbook-format.md

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    ");
}

#[test]
fn non_utf8_bytes() {
    let mut bytes = b"schema = 1\ntitle = \"Caf".to_vec();
    bytes.push(0xe9); // Latin-1 é
    bytes.extend_from_slice(b"\"\n\n[[steps]]\nid = \"done\"\nkind = \"end\"\ntitle = \"Done\"\n");
    let outcome = Test::new()
        .file("runbooks/broken.toml", bytes)
        .args(["validate", "runbooks/broken.toml"])
        .run();
    insta::assert_snapshot!(outcome.stderr_and_status(), @r#"
    error: the file is not UTF-8 text (invalid byte 0xe9)
     --> runbooks/broken.toml:2:13
      |
    2 | title = "Caf
      |             ^
      = hint: save the runbook as UTF-8

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

// ---------------------------------------------------------------------------
// The runbook as a whole.
// ---------------------------------------------------------------------------

#[test]
fn missing_schema() {
    insta::assert_snapshot!(invalid(r#"title = "No schema"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @"
    error: the runbook does not say which format it is written in
      --> runbooks/broken.toml
      = hint: add `schema = 1` as the first line

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    ");
}

#[test]
fn unsupported_schema() {
    insta::assert_snapshot!(invalid(r#"schema = 2
title = "From the future"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @"
    error: unsupported schema 2
     --> runbooks/broken.toml:1:10
      |
    1 | schema = 2
      |          ^
      = hint: this version of runbook reads schema 1

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    ");
}

#[test]
fn schema_as_string() {
    insta::assert_snapshot!(invalid(r#"schema = "1"
title = "Quoted schema"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `schema` in the runbook must be an integer, found a string
     --> runbooks/broken.toml:1:10
      |
    1 | schema = "1"
      |          ^^^
      = hint: write `schema = 1` without quotes

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn missing_title() {
    insta::assert_snapshot!(invalid(r#"schema = 1

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: the runbook is missing `title`
      --> runbooks/broken.toml
      = hint: add `title = "..."`

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn title_as_integer() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = 42

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `title` in the runbook must be text, found an integer
     --> runbooks/broken.toml:2:9
      |
    2 | title = 42
      |         ^^
      = hint: write title = "..." or title = { en = "...", zh = "..." }

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn unknown_top_level_key_with_suggestion() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Typo"
sumary = "Restart the web tier"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: unknown key `sumary` in the runbook
     --> runbooks/broken.toml:3:1
      |
    3 | sumary = "Restart the web tier"
      | ^^^^^^
      = hint: did you mean `summary`?

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn invalid_runbook_id() {
    insta::assert_snapshot!(invalid(r#"schema = 1
id = "web restart"
title = "Bad id"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `web restart` is not a valid runbook id
     --> runbooks/broken.toml:2:6
      |
    2 | id = "web restart"
      |      ^^^^^^^^^^^^^
      = hint: use up to 64 letters, digits, `-`, `_` and `.`, starting with a letter or digit

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn last_reviewed_as_string() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Quoted date"
review_every = "6 months"
last_reviewed = "2026-06-01"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `last_reviewed` in the runbook must be a date, found a string
     --> runbooks/broken.toml:4:17
      |
    4 | last_reviewed = "2026-06-01"
      |                 ^^^^^^^^^^^^
      = hint: write a bare date: last_reviewed = 2026-06-01

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn last_reviewed_with_time() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Date and time"
last_reviewed = 2026-06-01T10:00:00Z

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @"
    error: `last_reviewed` must be a date without a time
     --> runbooks/broken.toml:3:17
      |
    3 | last_reviewed = 2026-06-01T10:00:00Z
      |                 ^^^^^^^^^^^^^^^^^^^^
      = hint: write a bare date: last_reviewed = 2026-06-01

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    ");
}

#[test]
fn unknown_default_severity() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Unknown severity"
default_severity = "sev5"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: severity `sev5` is not defined
     --> runbooks/broken.toml:3:20
      |
    3 | default_severity = "sev5"
      |                    ^^^^^^
      = hint: severities: sev1, sev2, sev3; add a [severity.sev5] section for a new level

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn start_names_unknown_step() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Bad start"
start = "intak"

[[steps]]
id = "intake"
kind = "instruction"
title = "Take the call"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: start step `intak` is not a step in this runbook
     --> runbooks/broken.toml:3:9
      |
    3 | start = "intak"
      |         ^^^^^^^
      = hint: did you mean `intake`?

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn steps_as_table() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Single brackets"

[steps]
id = "done"
kind = "end"
title = "Done"
"#), @"
    error: `steps` in the runbook must be an array of tables, found a table
     --> runbooks/broken.toml:4:1
      |
    4 | [steps]
      | ^^^^^^^
      = hint: write [[steps]] sections

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    ");
}

#[test]
fn no_steps() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Nothing to do"
"#), @r#"
    error: the runbook has no steps
      --> runbooks/broken.toml
      = hint: add [[steps]] sections, ending with one of kind = "end"

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

// ---------------------------------------------------------------------------
// Localized text.
// ---------------------------------------------------------------------------

#[test]
fn language_table_with_bad_tag() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = { en = "Restart", zh_CN = "重启" }

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `zh_CN` is not a language tag in `title` of the runbook
     --> runbooks/broken.toml:2:27
      |
    2 | title = { en = "Restart", zh_CN = "重启" }
      |                           ^^^^^
      = hint: use language tags such as en, zh or zh-TW

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn empty_localized_table() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = {}

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `title` in the runbook has no text
     --> runbooks/broken.toml:2:9
      |
    2 | title = {}
      |         ^^
      = hint: write title = "..." or title = { en = "...", zh = "..." }

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

// ---------------------------------------------------------------------------
// Steps: shape.
// ---------------------------------------------------------------------------

#[test]
fn unknown_step_key_with_suggestion() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Typo in a step"

[[steps]]
id = "check"
kind = "instruction"
title = "Check the service"
nxet = "done"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: unknown key `nxet` in step `check`
     --> runbooks/broken.toml:8:1
      |
    8 | nxet = "done"
      | ^^^^
      = hint: did you mean `next`?

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn key_from_another_step_kind_says_an_before_a_vowel() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Misplaced key"

[[steps]]
id = "look"
kind = "instruction"
title = "Look"
run = "uptime"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `run` does not apply to an `instruction` step (step `look`)
     --> runbooks/broken.toml:8:1
      |
    8 | run = "uptime"
      | ^^^
      = hint: `run` belongs to command steps

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn key_from_another_step_kind() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Misplaced key"

[[steps]]
id = "restart"
kind = "command"
title = "Restart"
run = "systemctl restart nginx"
outcome = "resolved"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `outcome` does not apply to a `command` step (step `restart`)
     --> runbooks/broken.toml:9:1
      |
    9 | outcome = "resolved"
      | ^^^^^^^
      = hint: `outcome` belongs to end steps

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn unknown_step_kind_with_suggestion() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Kind typo"

[[steps]]
id = "restart"
kind = "comand"
title = "Restart"
run = "systemctl restart nginx"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: unknown step kind `comand` in step `restart`
     --> runbooks/broken.toml:6:8
      |
    6 | kind = "comand"
      |        ^^^^^^^^
      = hint: did you mean `command`?

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn step_kind_as_integer() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Kind as number"

[[steps]]
id = "check"
kind = 1
title = "Check"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @"
    error: `kind` in step `check` must be a string, found an integer
     --> runbooks/broken.toml:6:8
      |
    6 | kind = 1
      |        ^
      = hint: kinds: instruction, confirm, choice, input, checklist, command, notify, end

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    ");
}

#[test]
fn step_missing_kind() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "No kind"

[[steps]]
id = "check"
title = "Check the service"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: step `check` is missing `kind`
     --> runbooks/broken.toml:4:1
      |
    4 | [[steps]]
      | ^^^^^^^^^
      = hint: add `kind = "..."`, one of: instruction, confirm, choice, input, checklist, command, notify, end

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn step_missing_id() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "No id"

[[steps]]
kind = "instruction"
title = "Check the service"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: step #1 is missing `id`
     --> runbooks/broken.toml:4:1
      |
    4 | [[steps]]
      | ^^^^^^^^^
      = hint: add `id = "restart"`

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn step_missing_title() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Step without title"

[[steps]]
id = "check"
kind = "instruction"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: step `check` is missing `title`
     --> runbooks/broken.toml:4:1
      |
    4 | [[steps]]
      | ^^^^^^^^^
      = hint: add `title = "..."`

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn step_id_with_spaces() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Spaces in id"

[[steps]]
id = "check service"
kind = "instruction"
title = "Check the service"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `check service` is not a valid step id
     --> runbooks/broken.toml:5:6
      |
    5 | id = "check service"
      |      ^^^^^^^^^^^^^^^
      = hint: use up to 64 letters, digits, `-`, `_` and `.`, starting with a letter or digit

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn duplicate_step_ids() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Twice"

[[steps]]
id = "check"
kind = "instruction"
title = "Check the service"

[[steps]]
id = "check"
kind = "instruction"
title = "Check the logs"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: duplicate step id `check`
      --> runbooks/broken.toml:10:6
       |
    10 | id = "check"
       |      ^^^^^^^
       = hint: the first step `check` is on line 5; give each step its own id

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn steps_entry_not_a_table() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Strings for steps"
steps = ["check", "done"]
"#), @r#"
    error: each entry of `steps` must be a table, found a string
     --> runbooks/broken.toml:3:10
      |
    3 | steps = ["check", "done"]
      |          ^^^^^^^

    error: each entry of `steps` must be a table, found a string
     --> runbooks/broken.toml:3:19
      |
    3 | steps = ["check", "done"]
      |                   ^^^^^^

    checked 1 runbook: 2 errors, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn confirm_as_string() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Quoted boolean"

[[steps]]
id = "restart"
kind = "command"
title = "Restart"
run = "systemctl restart nginx"
confirm = "yes"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `confirm` in step `restart` must be true or false, found a string
     --> runbooks/broken.toml:9:11
      |
    9 | confirm = "yes"
      |           ^^^^^
      = hint: write `confirm = true` or `confirm = false`, without quotes

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn notify_to_as_string() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "to as string"

[contacts.oncall]
role = "On-call"
phone = "+1 555 0100"

[[steps]]
id = "page"
kind = "notify"
title = "Page on-call"
to = "oncall"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `to` in step `page` must be an array of strings, found a string
      --> runbooks/broken.toml:12:6
       |
    12 | to = "oncall"
       |      ^^^^^^^^
       = hint: write a list: to = ["oncall"]

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn notify_to_empty() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Nobody to notify"

[[steps]]
id = "page"
kind = "notify"
title = "Page on-call"
to = []

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: step `page` notifies nobody
     --> runbooks/broken.toml:8:6
      |
    8 | to = []
      |      ^^
      = hint: name the contacts to tell: to = ["account-manager"]

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn checklist_items_as_string() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "items as string"

[[steps]]
id = "checks"
kind = "checklist"
title = "Before you start"
items = "disk, memory, load"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `items` in step `checks` must be an array, found a string
     --> runbooks/broken.toml:8:9
      |
    8 | items = "disk, memory, load"
      |         ^^^^^^^^^^^^^^^^^^^^
      = hint: items = ["first", { en = "second", zh = "第二" }]

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn checklist_without_items() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "No items"

[[steps]]
id = "checks"
kind = "checklist"
title = "Before you start"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: step `checks` is missing `items`
     --> runbooks/broken.toml:4:1
      |
    4 | [[steps]]
      | ^^^^^^^^^
      = hint: add `items = ["...", "..."]`

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn checklist_with_empty_items() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Empty items"

[[steps]]
id = "checks"
kind = "checklist"
title = "Before you start"
items = []

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @"
    error: step `checks` is a checklist without items
     --> runbooks/broken.toml:8:9
      |
    8 | items = []
      |         ^^

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    ");
}

#[test]
fn choice_without_options() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "No options"

[[steps]]
id = "triage"
kind = "choice"
title = "What is broken?"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: step `triage` is a choice without options
     --> runbooks/broken.toml:4:1
      |
    4 | [[steps]]
      | ^^^^^^^^^
      = hint: add options = [{ label = "...", goto = "step-id" }, ...]

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn choice_with_empty_options() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Empty options"

[[steps]]
id = "triage"
kind = "choice"
title = "What is broken?"
options = []

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: step `triage` is a choice without options
     --> runbooks/broken.toml:8:11
      |
    8 | options = []
      |           ^^
      = hint: add options = [{ label = "...", goto = "step-id" }, ...]

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn choice_option_missing_goto() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Option without goto"

[[steps]]
id = "triage"
kind = "choice"
title = "What is broken?"
options = [{ label = "Web", goto = "done" }, { label = "Database" }]

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: option #2 of step `triage` is missing `goto`
     --> runbooks/broken.toml:8:46
      |
    8 | options = [{ label = "Web", goto = "done" }, { label = "Database" }]
      |                                              ^^^^^^^^^^^^^^^^^^^^^^
      = hint: add `goto = "step-id"`

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn command_without_run() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Nothing to run"

[[steps]]
id = "restart"
kind = "command"
title = "Restart"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: step `restart` is missing `run`
     --> runbooks/broken.toml:4:1
      |
    4 | [[steps]]
      | ^^^^^^^^^
      = hint: add `run = 'systemctl status "$SERVICE"'`

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn command_with_empty_run() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Empty command"

[[steps]]
id = "restart"
kind = "command"
title = "Restart"
run = "   "

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: step `restart` has an empty command
     --> runbooks/broken.toml:8:7
      |
    8 | run = "   "
      |       ^^^^^

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn unknown_drill_mode() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Drill typo"

[[steps]]
id = "restart"
kind = "command"
title = "Restart"
run = "systemctl restart nginx"
drill = "simulate"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: unknown drill mode `simulate` in step `restart`
     --> runbooks/broken.toml:9:9
      |
    9 | drill = "simulate"
      |         ^^^^^^^^^^
      = hint: did you mean `simulate-success`?

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn unknown_outcome() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Outcome typo"

[[steps]]
id = "check"
kind = "instruction"
title = "Check"

[[steps]]
id = "done"
kind = "end"
title = "Done"
outcome = "resolve"
"#), @r#"
    error: unknown outcome `resolve` in step `done`
      --> runbooks/broken.toml:13:11
       |
    13 | outcome = "resolve"
       |           ^^^^^^^^^
       = hint: did you mean `resolved`?

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn unknown_phase() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Phase typo"

[[steps]]
id = "check"
kind = "instruction"
title = "Check"
phase = "inspection"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: unknown phase `inspection` in step `check`
     --> runbooks/broken.toml:8:9
      |
    8 | phase = "inspection"
      |         ^^^^^^^^^^^^
      = hint: did you mean `inspect`?

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

// ---------------------------------------------------------------------------
// Durations.
// ---------------------------------------------------------------------------

#[test]
fn timeout_unknown_unit() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Parsecs"

[[steps]]
id = "restart"
kind = "command"
title = "Restart"
run = "systemctl restart nginx"
timeout = "5 parsecs"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `timeout` in step `restart` is not a duration: unknown unit "parsecs"
     --> runbooks/broken.toml:9:11
      |
    9 | timeout = "5 parsecs"
      |           ^^^^^^^^^^^
      = hint: write a number and a unit, such as timeout = "30s", "5m", "1h" or "1d"

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn timeout_as_integer() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Bare number"

[[steps]]
id = "restart"
kind = "command"
title = "Restart"
run = "systemctl restart nginx"
timeout = 5

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `timeout` in step `restart` must be a duration string, found an integer
     --> runbooks/broken.toml:9:11
      |
    9 | timeout = 5
      |           ^
      = hint: write a number and a unit, such as timeout = "30s", "5m", "1h" or "1d"

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn durations_past_a_century() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Forever"
archive_within = "40000d"

[contacts.oncall]
role = "On-call"
phone = "+1 555 0100"

[timers.escalate]
after = "99999999999999999999s"
notify = ["oncall"]

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `archive_within` in the runbook is too long: at most 100 years
     --> runbooks/broken.toml:3:18
      |
    3 | archive_within = "40000d"
      |                  ^^^^^^^^
      = hint: write a number and a unit, such as archive_within = "30s", "5m", "1h" or "1d"

    error: `after` in timer `escalate` is too long: at most 100 years
      --> runbooks/broken.toml:10:9
       |
    10 | after = "99999999999999999999s"
       |         ^^^^^^^^^^^^^^^^^^^^^^^
       = hint: write a number and a unit, such as after = "30s", "5m", "1h" or "1d"

    checked 1 runbook: 2 errors, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn months_and_years_where_a_duration_counts_clock_time() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Months"
review_every = "6 months"
archive_within = "2 months"

[contacts.oncall]
role = "On-call"
phone = "+1 555 0100"

[timers.escalate]
after = "1h15M"
notify = ["oncall"]
message = "Still down after an hour and a quarter."

[[steps]]
id = "restart"
kind = "command"
title = "Restart"
run = "systemctl restart nginx"
timeout = "1y"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `archive_within` in the runbook is in months
     --> runbooks/broken.toml:4:18
      |
    4 | archive_within = "2 months"
      |                  ^^^^^^^^^^
      = hint: write it in s, m, h, d or w, such as "30d"; only `review_every` takes months and years

    error: `after` in timer `escalate` is in months: `15M` is 15 months
      --> runbooks/broken.toml:11:9
       |
    11 | after = "1h15M"
       |         ^^^^^^^
       = hint: write "1h15m" for minutes; only `review_every` takes months and years

    error: `timeout` in step `restart` is in years: `1y` is 1 year
      --> runbooks/broken.toml:20:11
       |
    20 | timeout = "1y"
       |           ^^^^
       = hint: write it in s, m, h, d or w, such as "30d"; only `review_every` takes months and years

    checked 1 runbook: 3 errors, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn timer_after_zero() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Zero timer"

[contacts.oncall]
role = "On-call"
phone = "+1 555 0100"

[timers.escalate]
after = "0s"
notify = ["oncall"]

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `after` in timer `escalate` must be longer than zero
     --> runbooks/broken.toml:9:9
      |
    9 | after = "0s"
      |         ^^^^
      = hint: write a number and a unit, such as after = "30s", "5m", "1h" or "1d"

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn timer_missing_after() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Timer without after"

[contacts.oncall]
role = "On-call"
phone = "+1 555 0100"

[timers.escalate]
notify = ["oncall"]

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: timer `escalate` is missing `after`
     --> runbooks/broken.toml:8:9
      |
    8 | [timers.escalate]
      |         ^^^^^^^^
      = hint: add `after = "1h"`

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

// ---------------------------------------------------------------------------
// References: steps.
// ---------------------------------------------------------------------------

#[test]
fn next_target_missing() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Dangling next"

[[steps]]
id = "check"
kind = "instruction"
title = "Check"
next = "dnoe"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `next` target `dnoe` is not a step in this runbook
     --> runbooks/broken.toml:8:8
      |
    8 | next = "dnoe"
      |        ^^^^^^
      = hint: did you mean `done`?

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn on_failure_target_missing() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Dangling on_failure"

[[steps]]
id = "restart"
kind = "command"
title = "Restart"
run = "systemctl restart nginx"
on_failure = "escalate"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `on_failure` target `escalate` is not a step in this runbook
     --> runbooks/broken.toml:9:14
      |
    9 | on_failure = "escalate"
      |              ^^^^^^^^^^
      = hint: steps: restart, done

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn confirm_yes_target_missing() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Dangling yes"

[[steps]]
id = "healthy"
kind = "confirm"
title = "Is the service healthy?"
yes = "close"
no = "done"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `yes` target `close` is not a step in this runbook
     --> runbooks/broken.toml:8:7
      |
    8 | yes = "close"
      |       ^^^^^^^
      = hint: steps: healthy, done

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn confirm_no_target_missing() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Dangling no"

[[steps]]
id = "healthy"
kind = "confirm"
title = "Is the service healthy?"
yes = "done"
no = "restart"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `no` target `restart` is not a step in this runbook
     --> runbooks/broken.toml:9:6
      |
    9 | no = "restart"
      |      ^^^^^^^^^
      = hint: steps: healthy, done

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn checklist_on_any_target_missing() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Dangling on_any"

[[steps]]
id = "checks"
kind = "checklist"
title = "Anything wrong?"
items = ["disk full", "out of memory"]
on_any = "fix"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `on_any` target `fix` is not a step in this runbook
     --> runbooks/broken.toml:9:10
      |
    9 | on_any = "fix"
      |          ^^^^^
      = hint: steps: checks, done

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn option_goto_target_missing() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Dangling option"

[[steps]]
id = "triage"
kind = "choice"
title = "What is broken?"
options = [
  { label = "Web", goto = "done" },
  { label = "Database", goto = "db-restart" },
]

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: option "Database" goes to `db-restart`, which is not a step in this runbook
      --> runbooks/broken.toml:10:32
       |
    10 |   { label = "Database", goto = "db-restart" },
       |                                ^^^^^^^^^^^^
       = hint: steps: triage, done

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn timer_goto_target_missing() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Dangling timer goto"

[timers.escalate]
after = "1h"
goto = "escalate-vendor"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: timer `escalate` offers `escalate-vendor`, which is not a step
     --> runbooks/broken.toml:6:8
      |
    6 | goto = "escalate-vendor"
      |        ^^^^^^^^^^^^^^^^^
      = hint: steps: done

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn timer_from_unknown_step() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Timer from nowhere"

[contacts.oncall]
role = "On-call"
phone = "+1 555 0100"

[timers.escalate]
after = "1h"
from = "step:nope"
notify = ["oncall"]

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: timer `escalate` counts from `nope`, which is not a step
      --> runbooks/broken.toml:10:8
       |
    10 | from = "step:nope"
       |        ^^^^^^^^^^^
       = hint: steps: done

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn timer_from_bad_value() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Timer from what"

[contacts.oncall]
role = "On-call"
phone = "+1 555 0100"

[timers.escalate]
after = "1h"
from = "done"
notify = ["oncall"]

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `from` in timer `escalate` must be "start" or "step:<id>"
      --> runbooks/broken.toml:10:8
       |
    10 | from = "done"
       |        ^^^^^^
       = hint: to count from when step `done` is reached, write from = "step:done"

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn timer_until_names_no_milestone() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Timer until nothing"

[contacts.oncall]
role = "On-call"
phone = "+1 555 0100"

[timers.locate]
after = "1h"
until = "cause-found"
notify = ["oncall"]

[[steps]]
id = "locate"
kind = "instruction"
title = "Locate the cause"
milestone = "cause-located"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: no step declares the milestone `cause-found` that ends timer `locate`
      --> runbooks/broken.toml:10:9
       |
    10 | until = "cause-found"
       |         ^^^^^^^^^^^^^
       = hint: did you mean `cause-located`?

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn timer_until_list_names_each_missing_milestone() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Timer until a list"

[contacts.oncall]
role = "On-call"
phone = "+1 555 0100"

[timers.locate]
after = "1h"
until = ["cause-located", "restored"]
notify = ["oncall"]

[[steps]]
id = "locate"
kind = "instruction"
title = "Locate the cause"
milestone = "cause-located"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: no step declares the milestone `restored` that ends timer `locate`
      --> runbooks/broken.toml:10:27
       |
    10 | until = ["cause-located", "restored"]
       |                           ^^^^^^^^^^
       = hint: add `milestone = "restored"` to the step that reaches it

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn timer_until_is_neither_a_string_nor_a_list() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Timer until a number"

[contacts.oncall]
role = "On-call"
phone = "+1 555 0100"

[timers.locate]
after = "1h"
until = 3
notify = ["oncall"]

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `until` in timer `locate` must be a string or a non-empty list of them, found an integer
      --> runbooks/broken.toml:10:9
       |
    10 | until = 3
       |         ^
       = hint: write `until = "cause-located"`, or a list: `until = ["cause-located", "..."]`

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn severity_set_by_an_option_or_a_step_must_be_defined() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Levels"

[[steps]]
id = "intake"
kind = "choice"
title = "How bad?"
options = [{ label = "Severe", goto = "breach", severity = "sev0" }]

[[steps]]
id = "breach"
kind = "instruction"
title = "Off the network"
severity = "critical"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: severity `sev0` is not defined
     --> runbooks/broken.toml:8:60
      |
    8 | options = [{ label = "Severe", goto = "breach", severity = "sev0" }]
      |                                                            ^^^^^^
      = hint: severities: sev1, sev2, sev3; add a [severity.sev0] section for a new level

    error: severity `critical` is not defined
      --> runbooks/broken.toml:14:12
       |
    14 | severity = "critical"
       |            ^^^^^^^^^^
       = hint: severities: sev1, sev2, sev3; add a [severity.critical] section for a new level

    checked 1 runbook: 2 errors, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn note_is_required_or_optional_and_only_where_something_is_asked() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Notes"

[[steps]]
id = "consent"
kind = "confirm"
title = "Agreed?"
note = "yes please"
yes = "done"
no = "other"

[[steps]]
id = "done"
kind = "end"
title = "Done"
note = "required"

[[steps]]
id = "other"
kind = "end"
title = "Other"
"#), @r#"
    error: `note` in step `consent` must be "required" or "optional"
     --> runbooks/broken.toml:8:8
      |
    8 | note = "yes please"
      |        ^^^^^^^^^^^^
      = hint: write note = "required" to take an answer only with a note

    error: step `done` asks nothing a note could go with
      --> runbooks/broken.toml:16:8
       |
    16 | note = "required"
       |        ^^^^^^^^^^
       = hint: put note = "required" on the instruction, confirm or choice that decides

    checked 1 runbook: 2 errors, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn timer_without_notify_or_goto() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Silent timer"

[timers.escalate]
after = "1h"
message = "An hour has passed."

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: timer `escalate` neither notifies anyone nor offers a step
     --> runbooks/broken.toml:4:9
      |
    4 | [timers.escalate]
      |         ^^^^^^^^
      = hint: add `notify = [...]` or `goto = "step-id"`

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

// ---------------------------------------------------------------------------
// References: contacts.
// ---------------------------------------------------------------------------

#[test]
fn notify_to_undeclared_contact() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Unknown contact"

[contacts.oncall]
role = "On-call"
phone = "+1 555 0100"

[[steps]]
id = "page"
kind = "notify"
title = "Page on-call"
to = ["on-call"]

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: contact `on-call` is not declared
      --> runbooks/broken.toml:12:7
       |
    12 | to = ["on-call"]
       |       ^^^^^^^^^
       = hint: did you mean `oncall`?

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn severity_notify_undeclared_contact() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Unknown contact in severity"

[severity.sev1]
notify = ["leadership"]

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: contact `leadership` is not declared
     --> runbooks/broken.toml:5:11
      |
    5 | notify = ["leadership"]
      |           ^^^^^^^^^^^^
      = hint: declare it in a [contacts.leadership] section

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn timer_notify_undeclared_contact() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Unknown contact in timer"

[contacts.vendor-support]
role = "Vendor support"
phone = "+1 555 0199"

[timers.escalate]
after = "1h"
notify = ["vendor"]

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: contact `vendor` is not declared
      --> runbooks/broken.toml:10:11
       |
    10 | notify = ["vendor"]
       |           ^^^^^^^^
       = hint: did you mean `vendor-support`?

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn custom_severity_without_label() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Severity without label"
default_severity = "sev0"

[severity.sev0]
description = "Everything is down"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: severity `sev0` is missing `label`
     --> runbooks/broken.toml:5:11
      |
    5 | [severity.sev0]
      |           ^^^^
      = hint: add `label = "..."`

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn unknown_contact_key_with_suggestion() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Contact typo"

[contacts.oncall]
role = "On-call"
phnoe = "+1 555 0100"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: unknown key `phnoe` in contact `oncall`
     --> runbooks/broken.toml:6:1
      |
    6 | phnoe = "+1 555 0100"
      | ^^^^^
      = hint: did you mean `phone`?

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

// ---------------------------------------------------------------------------
// Flow.
// ---------------------------------------------------------------------------

#[test]
fn unreachable_step() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Orphan"

[[steps]]
id = "check"
kind = "instruction"
title = "Check"
next = "done"

[[steps]]
id = "orphan"
kind = "instruction"
title = "Nobody comes here"
next = "done"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: step `orphan` cannot be reached from the start step `check`
      --> runbooks/broken.toml:11:6
       |
    11 | id = "orphan"
       |      ^^^^^^^^
       = hint: point a `next`, branch or timer `goto` at it, or remove it

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn loop_without_way_to_end() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Forever"

[[steps]]
id = "triage"
kind = "confirm"
title = "Is it fixed?"
yes = "done"
no = "restart"

[[steps]]
id = "restart"
kind = "instruction"
title = "Restart"
next = "wait"

[[steps]]
id = "wait"
kind = "instruction"
title = "Wait a minute"
next = "restart"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: no `end` step can be reached from step `restart`
      --> runbooks/broken.toml:12:6
       |
    12 | id = "restart"
       |      ^^^^^^^^^
       = hint: `restart`, `wait` go round in a loop; add a branch out to an end step

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn no_end_step() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Never ends"

[[steps]]
id = "check"
kind = "instruction"
title = "Check"

[[steps]]
id = "restart"
kind = "instruction"
title = "Restart"
next = "check"
"#), @r#"
    error: the runbook has no `end` step
     --> runbooks/broken.toml:4:1
      |
    4 | [[steps]]
      | ^^^^^^^^^
      = hint: add a step with kind = "end" and outcome = "resolved"

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn last_step_without_next() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Falls off the end"

[[steps]]
id = "healthy"
kind = "confirm"
title = "Is the service healthy?"
yes = "done"
no = "restart"

[[steps]]
id = "done"
kind = "end"
title = "Done"

[[steps]]
id = "restart"
kind = "instruction"
title = "Restart"
"#), @r#"
    error: step `restart` is the last step but has no `next`
      --> runbooks/broken.toml:17:6
       |
    17 | id = "restart"
       |      ^^^^^^^^^
       = hint: add `next = "..."`, or end the runbook with a step of kind = "end"

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn undeclared_placeholder_in_body() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Undeclared variable"

[vars.service]
default = "nginx"

[[steps]]
id = "check"
kind = "instruction"
title = "Check"
body = "Look at {{servise}} on {{host}}."

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `{{servise}}` names an undeclared variable
      --> runbooks/broken.toml:11:17
       |
    11 | body = "Look at {{servise}} on {{host}}."
       |                 ^^^^^^^^^^^
       = hint: did you mean `service`?

    error: `{{host}}` names an undeclared variable
      --> runbooks/broken.toml:11:32
       |
    11 | body = "Look at {{servise}} on {{host}}."
       |                                ^^^^^^^^
       = hint: declare it in a [vars.host] section

    checked 1 runbook: 2 errors, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn malformed_placeholder() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Malformed placeholder"

[vars.service]
default = "nginx"

[[steps]]
id = "check"
kind = "instruction"
title = "Check"
body = "Look at {{Bad-Name}}."

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `{{Bad-Name}}` is not a valid placeholder
      --> runbooks/broken.toml:11:17
       |
    11 | body = "Look at {{Bad-Name}}."
       |                 ^^^^^^^^^^^^
       = hint: variable names are lower case letters, digits and `_`: {{bad_name}}

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn unclosed_placeholder() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Unclosed placeholder"

[vars.service]
default = "nginx"

[[steps]]
id = "check"
kind = "instruction"
title = "Check"
body = "Look at {{service."

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: unclosed `{{`
      --> runbooks/broken.toml:11:17
       |
    11 | body = "Look at {{service."
       |                 ^^^^^^^^^
       = hint: close the placeholder with `}}`: {{name}}

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn placeholder_in_run() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Spliced command"

[vars.service]
default = "nginx"

[[steps]]
id = "restart"
kind = "command"
title = "Restart"
run = "systemctl restart {{service}}"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `{{` in the command of step `restart`: text is never spliced into shell source
      --> runbooks/broken.toml:11:26
       |
    11 | run = "systemctl restart {{service}}"
       |                          ^^
       = hint: use the variable as an environment variable: "$SERVICE" for `service`

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn placeholder_in_multiline_run() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Spliced multi-line command"

[vars.service]
default = "nginx"

[[steps]]
id = "restart"
kind = "command"
title = "Restart"
run = '''
systemctl stop "$SERVICE"
systemctl start {{service}}
'''

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `{{` in the command of step `restart`: text is never spliced into shell source
      --> runbooks/broken.toml:13:17
       |
    13 | systemctl start {{service}}
       |                 ^^
       = hint: use the variable as an environment variable: "$SERVICE" for `service`

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn invalid_variable_name() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Bad variable name"

[vars.Service-Name]
default = "nginx"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @"
    error: `Service-Name` is not a valid variable name
     --> runbooks/broken.toml:4:7
      |
    4 | [vars.Service-Name]
      |       ^^^^^^^^^^^^
      = hint: use lower case letters, digits and `_`, starting with a letter: commands see it as $NAME

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    ");
}

#[test]
fn invalid_capture_name() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Bad capture name"

[[steps]]
id = "status"
kind = "command"
title = "Status"
run = "systemctl status nginx"
capture = "status-output"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `status-output` is not a valid variable name
     --> runbooks/broken.toml:9:11
      |
    9 | capture = "status-output"
      |           ^^^^^^^^^^^^^^^
      = hint: use lower case letters, digits and `_`, starting with a letter: commands see it as $NAME

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn input_var_shadows_builtin() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Shadowing"

[[steps]]
id = "ask"
kind = "input"
title = "Ticket number?"
var = "incident"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `incident` is a built-in variable and cannot be set by the runbook
     --> runbooks/broken.toml:8:7
      |
    8 | var = "incident"
      |       ^^^^^^^^^^
      = hint: built-in variables: incident, runbook, step, severity, drill, operator

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn input_without_var() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Input without var"

[[steps]]
id = "ask"
kind = "input"
title = "Ticket number?"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: step `ask` is missing `var`
     --> runbooks/broken.toml:4:1
      |
    4 | [[steps]]
      | ^^^^^^^^^
      = hint: add `var = "cause"`

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn unknown_var_key_with_suggestion() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Var typo"

[vars.service]
defualt = "nginx"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: unknown key `defualt` in variable `service`
     --> runbooks/broken.toml:5:1
      |
    5 | defualt = "nginx"
      | ^^^^^^^
      = hint: did you mean `default`?

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn var_pattern_invalid_regex() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Bad var pattern"

[vars.service]
pattern = "^[a-z+$"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: invalid pattern: unclosed character class
     --> runbooks/broken.toml:5:11
      |
    5 | pattern = "^[a-z+$"
      |           ^^^^^^^^^
      = hint: patterns are regular expressions: escape ( ) [ ] { } . * + ? | \ with \ to match them as text

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn input_pattern_invalid_regex() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Bad input pattern"

[[steps]]
id = "ask"
kind = "input"
title = "Ticket number?"
var = "ticket"
pattern = "^(INC-[0-9]+$"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: invalid pattern: unclosed group
     --> runbooks/broken.toml:9:11
      |
    9 | pattern = "^(INC-[0-9]+$"
      |           ^^^^^^^^^^^^^^^
      = hint: patterns are regular expressions: escape ( ) [ ] { } . * + ? | \ with \ to match them as text

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn var_default_does_not_match_pattern() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Default fails pattern"

[vars.service]
default = "nginx.service"
pattern = "^[a-z]+$"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: the default "nginx.service" does not match this pattern
     --> runbooks/broken.toml:6:11
      |
    6 | pattern = "^[a-z]+$"
      |           ^^^^^^^^^^
      = hint: change the default or the pattern

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

// ---------------------------------------------------------------------------
// Many mistakes at once; warnings alone.
// ---------------------------------------------------------------------------

#[test]
fn several_errors_all_reported() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Many mistakes"
sumary = "typo"

[vars.service]
pattern = "^[a-z+$"

[[steps]]
id = "check"
kind = "instruction"
title = "Check {{servise}}"
next = "restart"

[[steps]]
id = "restart"
kind = "command"
title = "Restart"
run = "systemctl restart {{service}}"
timeout = "5 parsecs"
next = "verify"

[[steps]]
id = "page"
kind = "notify"
title = "Page"
to = ["nobody"]

[[steps]]
id = "done"
kind = "end"
title = "Done"
outcome = "fixed"
"#), @r#"
    error: unknown key `sumary` in the runbook
     --> runbooks/broken.toml:3:1
      |
    3 | sumary = "typo"
      | ^^^^^^
      = hint: did you mean `summary`?

    error: invalid pattern: unclosed character class
     --> runbooks/broken.toml:6:11
      |
    6 | pattern = "^[a-z+$"
      |           ^^^^^^^^^
      = hint: patterns are regular expressions: escape ( ) [ ] { } . * + ? | \ with \ to match them as text

    error: `{{servise}}` names an undeclared variable
      --> runbooks/broken.toml:11:16
       |
    11 | title = "Check {{servise}}"
       |                ^^^^^^^^^^^
       = hint: did you mean `service`?

    error: `{{` in the command of step `restart`: text is never spliced into shell source
      --> runbooks/broken.toml:18:26
       |
    18 | run = "systemctl restart {{service}}"
       |                          ^^
       = hint: use the variable as an environment variable: "$SERVICE" for `service`

    error: `timeout` in step `restart` is not a duration: unknown unit "parsecs"
      --> runbooks/broken.toml:19:11
       |
    19 | timeout = "5 parsecs"
       |           ^^^^^^^^^^^
       = hint: write a number and a unit, such as timeout = "30s", "5m", "1h" or "1d"

    error: `next` target `verify` is not a step in this runbook
      --> runbooks/broken.toml:20:8
       |
    20 | next = "verify"
       |        ^^^^^^^^
       = hint: steps: check, restart, page, done

    error: contact `nobody` is not declared
      --> runbooks/broken.toml:26:7
       |
    26 | to = ["nobody"]
       |       ^^^^^^^^
       = hint: declare it in a [contacts.nobody] section

    error: unknown outcome `fixed` in step `done`
      --> runbooks/broken.toml:32:11
       |
    32 | outcome = "fixed"
       |           ^^^^^^^
       = hint: outcomes: resolved, handed-over, escalated, aborted

    checked 1 runbook: 8 errors, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn warnings_only_exit_zero() {
    let outcome = Test::new()
        .runbook(
            "warned",
            r#"schema = 1
title = "Warnings only"
review_every = "6 months"
last_reviewed = 2025-01-01

[contacts.account-manager]
role = "Account manager"
name = "Jo"

[[steps]]
id = "tell"
kind = "notify"
title = "Tell the account manager"
to = ["account-manager"]

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#,
        )
        .args(["validate", "runbooks/warned.toml"])
        .run();
    outcome.success();
    insta::assert_snapshot!(outcome.stderr_and_status(), @"
    warning: review overdue since 2025-07-01: last reviewed 2025-01-01 and due every 6 months
     --> runbooks/warned.toml:4:17
      |
    4 | last_reviewed = 2025-01-01
      |                 ^^^^^^^^^^
      = hint: review the plan with its owner, then update `last_reviewed`

    warning: contact `account-manager` has no phone or email
     --> runbooks/warned.toml:6:11
      |
    6 | [contacts.account-manager]
      |           ^^^^^^^^^^^^^^^
      = hint: fill in the site's contact details before the plan is needed

    checked 1 runbook: 0 errors, 2 warnings
    [exit 0]
    ");
}

#[test]
fn variable_that_would_set_path() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Env"

[vars.path]
prompt = "Where"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @"
    error: `path` would set $PATH for commands, which changes how the shell runs them
     --> runbooks/broken.toml:4:7
      |
    4 | [vars.path]
      |       ^^^^
      = hint: choose another name

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    ");
}

#[test]
fn capture_into_ld_preload() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Env"

[[steps]]
id = "look"
kind = "command"
title = "Look"
run = "echo x"
capture = "ld_preload"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `ld_preload` would set $LD_PRELOAD for commands, which changes how the shell runs them
     --> runbooks/broken.toml:9:11
      |
    9 | capture = "ld_preload"
      |           ^^^^^^^^^^^^
      = hint: choose another name

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn confirm_without_yes_or_no() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Consent"

[[steps]]
id = "consent"
kind = "confirm"
title = "Has the customer agreed to wipe the disk?"

[[steps]]
id = "wipe"
kind = "instruction"
title = "Wipe it"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: step `consent` does not say where `yes` or `no` leads
     --> runbooks/broken.toml:5:6
      |
    5 | id = "consent"
      |      ^^^^^^^^^
      = hint: add `yes = "step"` and/or `no = "step"`; the other goes on to the next step

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn confirm_whose_answers_lead_to_the_same_step() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Consent"

[[steps]]
id = "consent"
kind = "confirm"
title = "Agreed?"
yes = "done"
no = "done"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: both answers of step `consent` lead to `done`
     --> runbooks/broken.toml:5:6
      |
    5 | id = "consent"
      |      ^^^^^^^^^
      = hint: a yes/no question must branch; use an instruction step if it does not

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn review_every_in_minutes() {
    insta::assert_snapshot!(invalid(r#"schema = 1
title = "Review"
review_every = "6m"
last_reviewed = 2026-11-01

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `review_every = "6m"` is shorter than a day
     --> runbooks/broken.toml:3:16
      |
    3 | review_every = "6m"
      |                ^^^^
      = hint: "m" means minutes: write review_every = "6 months"

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn step_id_far_too_long() {
    let id = "x".repeat(5000);
    let toml = format!(
        "schema = 1\ntitle = \"Long\"\n\n[[steps]]\nid = \"{id}\"\nkind = \"instruction\"\ntitle = \"T\"\nnext = \"nowhere-{id}\"\n\n[[steps]]\nid = \"done\"\nkind = \"end\"\ntitle = \"Done\"\n"
    );
    let output = invalid(&toml);
    assert!(output.contains("is not a valid step id"), "{output}");
    assert!(
        output.len() < 40_000,
        "messages cut long names: {} bytes",
        output.len()
    );
}

#[test]
fn never_reviewed_is_a_warning() {
    let outcome = crate::common::Test::new()
        .runbook(
            "plan",
            "schema = 1\ntitle = \"Plan\"\nreview_every = \"6 months\"\n\n[[steps]]\nid = \"done\"\nkind = \"end\"\ntitle = \"Done\"\n",
        )
        .args(["validate", "runbooks/plan.toml"])
        .run();
    outcome.success();
    insta::assert_snapshot!(outcome.stderr_and_status(), @r#"
    warning: the plan is to be reviewed every 6 months but has no `last_reviewed` date
     --> runbooks/plan.toml:3:1
      |
    3 | review_every = "6 months"
      | ^^^^^^^^^^^^
      = hint: review it, then add `last_reviewed = YYYY-MM-DD`

    checked 1 runbook: 0 errors, 1 warning
    [exit 0]
    "#);
}

#[test]
fn placeholders_in_comments_are_not_checked_but_in_strings_with_hashes_are() {
    insta::assert_snapshot!(invalid(r##"schema = 1
title = "x"  # shown as {{title}}

[[steps]]
id = "a"
kind = "instruction"
title = "Say \"#\" then {{nope}}" # {{also_not}}

[[steps]]
id = "done"
kind = "end"
title = "Done"
"##), @r##"
    error: `{{nope}}` names an undeclared variable
     --> runbooks/broken.toml:7:25
      |
    7 | title = "Say \"#\" then {{nope}}" # {{also_not}}
      |                         ^^^^^^^^
      = hint: declare it in a [vars.nope] section

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "##);
}

#[test]
fn placeholders_on_hash_lines_of_multi_line_strings_are_checked() {
    insta::assert_snapshot!(invalid(r##"schema = 1
title = "x"
# a comment with {{not_checked}}

[contacts.ops]
role = "Ops"
phone = "1"
notes = '''
# in a literal one: {{nor_this}} " # {{nor_that}}
'''

[[steps]]
id = "a"
kind = "instruction"
title = "Steps"
body = """
Do this first.
# Then run: systemctl restart {{servce}}
'''
"""

[[steps]]
id = "done"
kind = "end"
title = "Done"
"##), @r#"
    error: `{{nor_this}}` names an undeclared variable
     --> runbooks/broken.toml:9:21
      |
    9 | # in a literal one: {{nor_this}} " # {{nor_that}}
      |                     ^^^^^^^^^^^^
      = hint: declare it in a [vars.nor_this] section

    error: `{{nor_that}}` names an undeclared variable
     --> runbooks/broken.toml:9:38
      |
    9 | # in a literal one: {{nor_this}} " # {{nor_that}}
      |                                      ^^^^^^^^^^^^
      = hint: declare it in a [vars.nor_that] section

    error: `{{servce}}` names an undeclared variable
      --> runbooks/broken.toml:18:31
       |
    18 | # Then run: systemctl restart {{servce}}
       |                               ^^^^^^^^^^
       = hint: did you mean `severity`?

    checked 1 runbook: 3 errors, 0 warnings
    [exit 2]
    "#);
}

/// A runbook whose title is `count` placeholders made by `name(n)`.
fn placeholders_in_the_title(count: usize, name: impl Fn(usize) -> String, declared: &str) -> String {
    let title: String = (0..count).map(|n| format!("{{{{{}}}}}", name(n))).collect();
    format!(
        "schema = 1\ntitle = \"{title}\"\n{declared}\n[[steps]]\nid = \"done\"\nkind = \"end\"\ntitle = \"Done\"\n"
    )
}

#[test]
fn eight_thousand_alike_errors_on_one_line_are_three_and_a_count() {
    let toml = placeholders_in_the_title(8000, |_| "nope".into(), "");
    let outcome = Test::new()
        .runbook("nope", &toml)
        .args(["validate", "runbooks/nope.toml"])
        .run();
    outcome
        .status(2)
        .stderr_contains("error: `{{nope}}` names an undeclared variable")
        .stderr_contains("= note: and 7997 more like this on line 2")
        .stderr_contains("checked 1 runbook: 8000 errors, 0 warnings");
    assert_eq!(outcome.stderr.matches("names an undeclared variable").count(), 3);
    assert!(outcome.stderr.len() < 4_000, "{} bytes", outcome.stderr.len());
    // The line is shown around the caret, not whole.
    let shown = outcome
        .stderr
        .lines()
        .find(|line| line.starts_with("2 | "))
        .unwrap();
    assert!(shown.ends_with('…') && shown.chars().count() < 120, "{shown}");
    let json = Test::new()
        .runbook("nope", &toml)
        .args(["validate", "--json", "runbooks/nope.toml"])
        .run();
    assert!(json.stdout.len() < 4_000, "{} bytes", json.stdout.len());
    assert_eq!(json.json()["diagnostics"][2]["more_like_this"], 7997);
}

#[test]
fn past_fifty_diagnostics_the_rest_are_counted() {
    let toml = placeholders_in_the_title(20_000, |n| format!("n{n}"), "");
    let outcome = Test::new()
        .runbook("many", &toml)
        .args(["validate", "runbooks/many.toml"])
        .run();
    outcome
        .status(2)
        .stderr_contains("error: 19950 more errors not shown")
        .stderr_contains("checked 1 runbook: 20000 errors, 0 warnings");
    assert_eq!(outcome.stderr.matches("names an undeclared variable").count(), 50);
    assert!(outcome.stderr.len() < 1_000_000, "{} bytes", outcome.stderr.len());
}

#[test]
fn placeholders_on_one_long_line_are_checked_without_waiting() {
    // 400,000 on one line, 2 MB: once quadratic in the line (minutes), now
    // read once. Not a timing: `again_promptly` fails only a run that hangs.
    let toml = placeholders_in_the_title(400_000, |_| "x".into(), "\n[vars.x]\nprompt = \"X\"\n");
    let mut test = Test::new().runbook("long", &toml);
    test.again_promptly(["validate", "runbooks/long.toml"])
        .success()
        .stderr_contains("checked 1 runbook: 0 errors, 0 warnings");
}

#[test]
fn a_key_nested_too_deep_is_located() {
    let key = vec!["a"; 100].join(".");
    insta::assert_snapshot!(invalid(&format!("schema = 1\ntitle = \"Deep\"\n{key} = 1\n")), @"
    error: invalid TOML: nested more than 80 levels deep
     --> runbooks/broken.toml:3:1
      |
    3 | a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.…
      | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
      = hint: a runbook needs a few levels at most: shorten the dotted key, or close the brackets sooner

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    ");
}

#[test]
fn brackets_nested_too_deep_are_located() {
    let value = format!("{}{}", "[".repeat(200), "]".repeat(200));
    insta::assert_snapshot!(invalid(&format!("schema = 1\ntitle = \"Deep\"\nx = {value}\n")), @"
    error: invalid TOML: nested more than 80 levels deep
     --> runbooks/broken.toml:3:85
      |
    3 | …[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[…
      |                                                    ^
      = hint: a runbook needs a few levels at most: shorten the dotted key, or close the brackets sooner

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    ");
}

//! `runbook validate --strict`: what a plan needs before it is relied on,
//! reported as warnings with their place, failing with exit 1.

use crate::common::Test;

/// A plan that is valid and falls short of each strict rule once.
const LOOSE: &str = r#"schema = 1
title = "Loose"

[contacts.oncall]
role = "On call"
phone = "+86 10 1234 5678"

[contacts.spare]
role = "Nobody tells them anything"
email = "spare@example.com"

[[steps]]
id = "look"
kind = "instruction"
title = "Look"

[[steps]]
id = "fix"
kind = "command"
title = "Fix"
run = "true"
confirm = true

[[steps]]
id = "call"
kind = "notify"
title = "Call"
to = ["oncall"]

[[steps]]
id = "wipe"
kind = "instruction"
title = "Restore from the backup"
restore = true

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

#[test]
fn strict_reports_each_shortfall_with_its_place_and_exits_1() {
    let mut test = Test::new().runbook("loose", LOOSE);
    // Without --strict the plan is fine.
    test.again(["validate", "runbooks/loose.toml"]).success();
    let outcome = test.again(["validate", "--strict", "runbooks/loose.toml"]);
    outcome
        .status(1)
        .stderr_contains("warning: the plan has no escalation timer")
        .stderr_contains("warning: the plan does not say when its record is archived (the default is 1d)")
        .stderr_contains("warning: the plan has no review period")
        .stderr_contains("warning: contact `spare` is never told anything")
        .stderr_contains("runbooks/loose.toml:8:11")
        .stderr_contains("warning: step `fix` asks before it runs but does not say what a drill does")
        .stderr_contains("runbooks/loose.toml:18:6")
        .stderr_contains(
            "warning: step `wipe` restores, but is reached without consent or the data kept first: look → fix → call → wipe",
        )
        .stderr_contains("runbooks/loose.toml:31:6")
        .stderr_contains("checked 1 runbook: 0 errors, 6 warnings");
    let json = test.again(["validate", "--strict", "--json", "runbooks/loose.toml"]);
    json.status(1);
    let document = json.json();
    assert_eq!(document["warnings"], 6);
    let wipe = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("`wipe` restores"))
        .unwrap();
    assert_eq!(
        (wipe["line"].as_u64(), wipe["column"].as_u64()),
        (Some(31), Some(6))
    );
}

#[test]
fn a_guard_on_every_path_clears_the_restore_and_one_path_without_it_does_not() {
    let guarded = LOOSE
        .replace(
            "id = \"call\"\nkind = \"notify\"",
            "id = \"call\"\nkind = \"notify\"\nnext = \"kept\"",
        )
        .replace(
            "[[steps]]\nid = \"wipe\"",
            "[[steps]]\nid = \"kept\"\nkind = \"confirm\"\ntitle = \"Is the original data kept?\"\nguards = \"restore\"\nnote = \"required\"\nyes = \"wipe\"\nno = \"done\"\n\n[[steps]]\nid = \"wipe\"",
        );
    let mut test = Test::new().runbook("guarded", &guarded);
    test.again(["validate", "--strict", "runbooks/guarded.toml"])
        .status(1)
        .stderr_lacks("restores, but");
    // A second way in that skips the guard.
    let bypass = guarded.replace(
        "id = \"look\"\nkind = \"instruction\"\ntitle = \"Look\"",
        "id = \"look\"\nkind = \"instruction\"\ntitle = \"Look\"\non_failure = \"wipe\"",
    );
    let mut test = Test::new().runbook("bypass", &bypass);
    test.again(["validate", "--strict", "runbooks/bypass.toml"])
        .status(1)
        .stderr_contains(
            "step `wipe` restores, but is reached without consent or the data kept first: look → wipe",
        );
}

#[test]
fn a_guard_must_be_a_step_that_asks() {
    let wrong = LOOSE.replace(
        "id = \"call\"\nkind = \"notify\"",
        "id = \"call\"\nkind = \"notify\"\nguards = \"restore\"",
    );
    Test::new()
        .runbook("wrong", &wrong)
        .args(["validate", "runbooks/wrong.toml"])
        .run()
        .status(2)
        .stderr_contains("guards a restore but asks nobody anything");
    let other = LOOSE.replace(
        "id = \"look\"\nkind = \"instruction\"",
        "id = \"look\"\nkind = \"instruction\"\nguards = \"reboot\"",
    );
    Test::new()
        .runbook("other", &other)
        .args(["validate", "runbooks/other.toml"])
        .run()
        .status(2)
        .stderr_contains("must be \"restore\"");
}

#[test]
fn an_overdue_review_fails_strict_with_its_date() {
    let reviewed = LOOSE.replace(
        "title = \"Loose\"\n",
        "title = \"Loose\"\nreview_every = \"6 months\"\nlast_reviewed = 2026-03-01\narchive_within = \"1d\"\n",
    );
    // The tests' clock says 2026-11-28: due on 2026-09-01.
    let mut test = Test::new().runbook("reviewed", &reviewed);
    test.again(["validate", "--strict", "runbooks/reviewed.toml"])
        .status(1)
        .stderr_contains("review overdue since 2026-09-01: last reviewed 2026-03-01")
        .stderr_lacks("no review period")
        .stderr_lacks("when its record is archived");
    let mut earlier = test.env("RUNBOOK_NOW", "2026-08-01T09:00:00Z");
    earlier
        .again(["validate", "--strict", "runbooks/reviewed.toml"])
        .status(1)
        .stderr_lacks("review overdue");
}

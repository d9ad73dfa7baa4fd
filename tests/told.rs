//! People told by hand: a notice no notifier delivered stays "to tell"
//! until someone says they told them (`runbook told`), and the record says
//! who told them, when and how.

use crate::common::Test;

/// Opens at sev1, whose level names the boss: with no notifier, nobody is
/// told, and a script never stops for it.
const SEVERE: &str = r#"schema = 1
title = "Severe"
default_severity = "sev1"

[contacts.boss]
role = "Boss"
name = "Wang Wei"
phone = "+86 138 0000 0000"

[severity.sev1]
notify = ["boss"]

[[steps]]
id = "fix"
kind = "instruction"
title = "Fix it"
next = "done"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

#[test]
fn a_notice_nobody_delivered_is_listed_until_someone_says_they_told_them() {
    let mut test = Test::new().runbook("severe", SEVERE).with_signing_key();
    test.again(["start", "severe", "--answer", "fix=done"]).success();
    let id = test.only_incident();
    test.again(["incidents"])
        .success()
        .stdout_contains(&format!("{id}: still to tell: severity (boss)"))
        .stdout_contains("runbook told INCIDENT NOTICE");

    test.again(["told", &id, "late", "--how", "phone"])
        .status(2)
        .stderr_contains("has no notice `late` still to be told")
        .stderr_contains("still to be told: severity");
    test.again(["told", &id, "severity", "--how", "phone, 03:12"])
        .success()
        .stderr_contains(&format!("{id} severity: boss told by hand"));
    test.again(["incidents"]).success().stdout_lacks("still to tell");
    let told = test
        .events(&id)
        .into_iter()
        .rfind(|e| e["type"] == "notification-sent")
        .unwrap();
    assert_eq!(told["payload"]["via"], "by-hand");
    assert_eq!(told["payload"]["how"], "phone, 03:12");
    assert_eq!(told["actor"].as_str().unwrap().split('@').next(), Some("ops"));

    // The record keeps who told them and how; the report says so, and that
    // the first attempt's failure was not the last word.
    test.archive(&id).success();
    let record = test.again(["report", &id, "--format", "json"]);
    record.success();
    let notifications = record.json()["notifications"].clone();
    let by_hand = notifications
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["via"] == "by-hand")
        .unwrap()
        .clone();
    assert_eq!(by_hand["how"], "phone, 03:12");
    assert!(by_hand["actor"].as_str().unwrap().starts_with("ops@"));
    test.again(["report", &id])
        .success()
        .stdout_contains("Told boss by hand (phone, 03:12)")
        .stdout_contains("told at")
        .stdout_lacks("NOT DELIVERED");
}

#[test]
fn someone_who_could_not_be_reached_is_recorded_as_such_and_stays_to_tell() {
    let mut test = Test::new().runbook("severe", SEVERE);
    test.again(["start", "severe", "--answer", "fix=done"]).success();
    let id = test.only_incident();
    test.again(["told", &id, "severity", "--not-reached", "no answer on the phone"])
        .success()
        .stderr_contains("boss not reached");
    let failed = test
        .events(&id)
        .into_iter()
        .rfind(|e| e["type"] == "notification-failed")
        .unwrap();
    assert_eq!(failed["payload"]["via"], "by-hand");
    assert_eq!(failed["payload"]["error"], "no answer on the phone");
    test.again(["incidents"])
        .success()
        .stdout_contains("still to tell: severity (boss)");
    test.again(["told", &id, "severity", "--how", "x", "--not-reached", "y"])
        .status(2);
}

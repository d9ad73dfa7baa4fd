//! How a report stands: a draft of an incident not archived yet, a
//! deadline met or missed, and a record whose signature or file does not
//! check out.

use super::*;

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
        .stdout_contains("逾期 1天0小时46分");
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

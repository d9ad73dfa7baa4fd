//! The clock the binary reads, pinned or real, and the two dates it keeps
//! apart: incident ids carry the UTC date, review dates mean the local one.
//! Run again by `.ci/run` with the machine's clock moved (`RUNBOOK_TEST_CLOCK`),
//! where the real-clock test here checks that it was.

use crate::common::{CLOCK_VAR, MINIMAL, Test};

/// The last night of 2026 in UTC, already 2027-01-01 01:00 in UTC+8.
const NEW_YEARS_NIGHT: &str = "2026-12-31T17:00:00Z";

/// Reviewed a year before the last day of 2026: due on that day.
fn reviewed_a_year_ago() -> String {
    MINIMAL.replacen(
        "title = \"Minimal\"\n",
        "title = \"Minimal\"\nreview_every = \"1 year\"\nlast_reviewed = 2025-12-31\n",
        1,
    )
}

#[test]
fn an_incident_id_carries_the_utc_date_where_the_local_one_is_a_day_ahead() {
    let mut test = Test::new()
        .runbook("minimal", MINIMAL)
        .env("RUNBOOK_NOW", NEW_YEARS_NIGHT)
        .env("TZ", "Asia/Shanghai");
    test.again(["start", "minimal", "--answer", "check=done"])
        .success();
    assert_eq!(test.only_incident(), "INC-20261231-0001");
}

#[test]
fn a_review_falls_due_by_the_local_date() {
    let review = reviewed_a_year_ago();
    // Still 2026-12-31 in UTC: due today, not overdue.
    Test::new()
        .runbook("minimal", &review)
        .env("RUNBOOK_NOW", NEW_YEARS_NIGHT)
        .env("TZ", "UTC")
        .args(["validate", "runbooks/minimal.toml"])
        .run()
        .success()
        .stderr_lacks("review overdue");
    // Already 2027-01-01 in Shanghai: overdue since yesterday.
    Test::new()
        .runbook("minimal", &review)
        .env("RUNBOOK_NOW", NEW_YEARS_NIGHT)
        .env("TZ", "Asia/Shanghai")
        .args(["validate", "runbooks/minimal.toml"])
        .run()
        .success()
        .stderr_contains("warning: review overdue since 2026-12-31");
}

/// What `date -u` says in the test's sealed environment, as `format`.
fn date(test: &Test, format: &str) -> String {
    let output = test.tool("date").arg("-u").arg(format).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[test]
fn a_walk_on_the_real_clock_is_named_for_the_day_the_machine_says() {
    let mut test = Test::new().runbook("minimal", MINIMAL).real_clock();
    let before = date(&test, "+%Y%m%d");
    test.again(["start", "minimal", "--answer", "check=done"])
        .success();
    let after = date(&test, "+%Y%m%d");
    let id = test.only_incident();
    assert!(
        [&before, &after]
            .iter()
            .any(|day| id == format!("INC-{day}-0001")),
        "{id} is not of {before} or {after}"
    );
    let started = test.events(&id)[0]["time"].as_str().unwrap_or("").to_owned();
    // When the runner moves the clock, the binary and the tools beside it
    // read the moved one: the check the other dates of `.ci/run` rest on.
    if let Ok(wanted) = std::env::var(CLOCK_VAR) {
        let wanted = chrono::DateTime::parse_from_rfc3339(&wanted).unwrap();
        let since = |time: chrono::DateTime<chrono::FixedOffset>| (time - wanted).num_seconds();
        let now = date(&test, "+%Y-%m-%dT%H:%M:%SZ");
        let (now, started) = (
            since(chrono::DateTime::parse_from_rfc3339(&now).unwrap()),
            since(chrono::DateTime::parse_from_rfc3339(&started).unwrap()),
        );
        // The clock was set as the suite began and has run on since.
        for (what, seconds) in [("date(1)", now), ("the walk", started)] {
            assert!(
                (0..3600).contains(&seconds),
                "{what} read {seconds} s from {wanted}: the clock was not moved"
            );
        }
    }
}

//! The wall clock, read in one place.
//!
//! `RUNBOOK_NOW` (RFC 3339) pins the time, so that tests and rehearsals get
//! reproducible output: review deadlines, ids and timers all read it here.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};

pub const NOW_VAR: &str = "RUNBOOK_NOW";

/// The current time, or the pinned one.
pub fn now() -> DateTime<Utc> {
    pinned().unwrap_or_else(system_now)
}

/// The time `RUNBOOK_NOW` pins, when it holds one.
fn pinned() -> Option<DateTime<Utc>> {
    let pinned = std::env::var(NOW_VAR).ok()?;
    DateTime::parse_from_rfc3339(pinned.trim())
        .ok()
        .map(|pinned| pinned.with_timezone(&Utc))
}

/// What is wrong with `RUNBOOK_NOW`, when it is set to something that is
/// not a time: [`now`] then reads the system clock, and a rehearsal that
/// meant to pin the time should hear of it.
pub fn pinned_warning() -> Option<String> {
    let set = std::env::var_os(NOW_VAR)?;
    match pinned() {
        Some(_) => None,
        None => Some(format!(
            "{NOW_VAR}={set:?} is not an RFC 3339 time such as 2026-11-28T09:00:00Z; \
             the system clock is used"
        )),
    }
}

/// Today's date in local time, which is what review dates mean, whether
/// the time is pinned or read from the system clock.
pub fn today() -> NaiveDate {
    now().with_timezone(&chrono::Local).date_naive()
}

/// Which instant of a day a bare date stands for in [`parse_time`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayEdge {
    /// 00:00 UTC.
    Start,
    /// The last instant before the next day, UTC.
    End,
}

/// A time given on the command line (`--as-of`, `--since`, `--until`): RFC
/// 3339, or a date `YYYY-MM-DD` (UTC) taken at `edge`. Years have four
/// digits, as in RFC 3339, so that a day's end is always a time.
pub fn parse_time(text: &str, edge: DayEdge) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    let expected =
        || format!("`{text}` is not a time: use YYYY-MM-DD (UTC) or RFC 3339, such as 2026-11-28T09:00:00Z");
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    let four_digit_year = text.len() == 10 && text.as_bytes()[..4].iter().all(u8::is_ascii_digit);
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| four_digit_year)
        .ok_or_else(expected)?;
    let start = day.and_time(NaiveTime::MIN).and_utc();
    Ok(match edge {
        DayEdge::Start => start,
        DayEdge::End => start + TimeDelta::days(1) - TimeDelta::nanoseconds(1),
    })
}

#[allow(clippy::disallowed_methods)]
fn system_now() -> DateTime<Utc> {
    Utc::now()
}

/// The engine's clock, reading [`now`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl crate::engine::Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_on_the_command_line() {
        let at = |text, edge| parse_time(text, edge).map(|time| time.to_rfc3339());
        assert_eq!(
            at("2026-11-28", DayEdge::Start).unwrap(),
            "2026-11-28T00:00:00+00:00"
        );
        assert_eq!(
            at(" 2026-11-28 ", DayEdge::End).unwrap(),
            "2026-11-28T23:59:59.999999999+00:00"
        );
        assert_eq!(
            at("2026-11-28T09:30:00+08:00", DayEdge::End).unwrap(),
            "2026-11-28T01:30:00+00:00"
        );
        assert_eq!(
            at("9999-12-31", DayEdge::End).unwrap(),
            "9999-12-31T23:59:59.999999999+00:00"
        );
        for bad in [
            "+262142-12-31",
            "262142-12-31",
            "26-11-28",
            "2026-11-31",
            "tomorrow",
            "",
        ] {
            let error = at(bad, DayEdge::End).unwrap_err();
            assert!(error.contains("is not a time: use YYYY-MM-DD"), "{bad}: {error}");
        }
    }
}

//! Durations as runbook authors write them (`30s`, `1h`, `6 months`), and
//! as they are shown back short (`45s`, `5m00s`, `1h05m`, `2d3h`, `1d0h46m`).

use serde::Serialize;
use std::time::Duration;

/// The longest duration a runbook may give, as written in messages: far
/// beyond any deadline or review period, and short enough that a time this
/// long after any journaled time is still a date.
pub const LONGEST: &str = "100 years";

/// [`LONGEST`] as a duration: humantime's year is 365.25 days.
pub const LONGEST_DURATION: Duration = Duration::from_secs(100 * 31_557_600);

/// A duration together with the text it was written as, so that it is shown
/// back to people the way they wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub text: String,
    pub duration: Duration,
}

impl Period {
    pub fn new(text: impl Into<String>, duration: Duration) -> Period {
        Period {
            text: text.into(),
            duration,
        }
    }
}

impl Period {
    /// The date this long after `date`. Months and years are calendar ones
    /// ("6 months" after 2025-01-01 is 2025-07-01); anything else counts
    /// whole days.
    pub fn after_date(&self, date: chrono::NaiveDate) -> Option<chrono::NaiveDate> {
        let text = self.text.trim();
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let months = match unit.trim() {
            "month" | "months" | "M" => number.parse::<u32>().ok(),
            "year" | "years" | "y" => number.parse::<u32>().ok().and_then(|years| years.checked_mul(12)),
            _ => None,
        };
        match months {
            Some(months) => date.checked_add_months(chrono::Months::new(months)),
            None => {
                let days = i64::try_from(self.duration.as_secs() / 86_400).ok()?;
                date.checked_add_signed(chrono::Duration::try_days(days)?)
            }
        }
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

/// A month or a year in a duration that counts clock time (a timer's
/// `after`, a command's `timeout`): `15M` is fifteen months, where fifteen
/// minutes were surely meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarUnit {
    /// The number and unit as written: `15M`, `2 years`.
    pub term: String,
    /// What that is, in words: `15 months`, `1 year`.
    pub meaning: String,
    /// `months` or `years`.
    pub counts: &'static str,
    /// The whole duration with that `M` written as minutes (`1h15m` for
    /// `1h15M`), when the unit is `M`.
    pub as_minutes: Option<String>,
}

/// humantime's names for months and years.
const MONTHS: [&str; 3] = ["M", "month", "months"];
const YEARS: [&str; 5] = ["y", "yr", "yrs", "year", "years"];

impl CalendarUnit {
    /// The first month or year unit in `text`, a duration as humantime
    /// reads it (`1h30m`, `2 hours 5 min`).
    pub fn find(text: &str) -> Option<CalendarUnit> {
        let is_letter = |c: char| c.is_ascii_alphabetic() || c == 'µ';
        let mut rest = 0;
        while let Some(found) = text[rest..].find(is_letter) {
            let start = rest + found;
            let end = text[start..]
                .find(|c| !is_letter(c))
                .map_or(text.len(), |at| start + at);
            let unit = &text[start..end];
            rest = end;
            let (one, many) = if MONTHS.contains(&unit) {
                ("month", "months")
            } else if YEARS.contains(&unit) {
                ("year", "years")
            } else {
                continue;
            };
            let before = text[..start].trim_end();
            let number_at = before
                .rfind(|c: char| !c.is_ascii_digit() && c != '.')
                .map_or(0, |at| at + 1);
            let number = &before[number_at..];
            let meaning = if number == "1" {
                format!("1 {one}")
            } else {
                format!("{number} {many}")
            };
            return Some(CalendarUnit {
                term: text[number_at..end].to_owned(),
                meaning,
                counts: many,
                as_minutes: (unit == "M").then(|| format!("{}m{}", &text[..start], &text[end..])),
            });
        }
        None
    }
}

/// A whole number of seconds, short: to the second below an hour (`45s`,
/// `5m00s`), to the minute above (`1h05m`, `1d`, `2d3h`, `1d0h46m`).
/// Negative counts as zero.
///
/// Days keep their minutes, but not units that are zero at the end: cut
/// to `1d0h`, a record late by a day and 46 minutes would read as late by
/// a day, when a deadline is missed or met by minutes; `1d` is what a
/// runbook author writes for a day.
pub fn short_span(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m{s:02}s"),
        (0, _, _) => format!("{h}h{m:02}m"),
        _ => match (h, m) {
            (0, 0) => format!("{d}d"),
            (_, 0) => format!("{d}d{h}h"),
            _ => format!("{d}d{h}h{m:02}m"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn the_longest_duration_is_what_its_text_says() {
        assert_eq!(humantime::parse_duration(LONGEST).unwrap(), LONGEST_DURATION);
    }

    #[test]
    fn months_and_years_are_calendar_ones() {
        let six_months = Period::new("6 months", humantime::parse_duration("6 months").unwrap());
        assert_eq!(
            six_months.after_date(date("2025-01-01")),
            Some(date("2025-07-01"))
        );
        let year = Period::new("1year", humantime::parse_duration("1year").unwrap());
        assert_eq!(year.after_date(date("2024-02-29")), Some(date("2025-02-28")));
        let days = Period::new("90d", humantime::parse_duration("90d").unwrap());
        assert_eq!(days.after_date(date("2026-01-01")), Some(date("2026-04-01")));
    }

    #[test]
    fn months_and_years_are_found_where_minutes_were_meant() {
        let found = CalendarUnit::find("15M").unwrap();
        assert_eq!(found.term, "15M");
        assert_eq!(found.meaning, "15 months");
        assert_eq!(found.as_minutes.as_deref(), Some("15m"));
        let found = CalendarUnit::find("1h 15 M").unwrap();
        assert_eq!(found.term, "15 M");
        assert_eq!(found.as_minutes.as_deref(), Some("1h 15 m"));
        let found = CalendarUnit::find("1 year").unwrap();
        assert_eq!(
            (found.term.as_str(), found.meaning.as_str()),
            ("1 year", "1 year")
        );
        assert_eq!(found.as_minutes, None);
        assert_eq!(CalendarUnit::find("2y").unwrap().meaning, "2 years");
        assert_eq!(CalendarUnit::find("6 months").unwrap().meaning, "6 months");
        assert_eq!(CalendarUnit::find("1.5M").unwrap().meaning, "1.5 months");
        for clock in [
            "15m",
            "30s",
            "1h30m",
            "2 hours 5 min",
            "1d",
            "2w",
            "2 weeks",
            "500ms",
            "",
            "x",
        ] {
            assert_eq!(CalendarUnit::find(clock), None, "{clock}");
        }
    }

    #[test]
    fn spans_read_short_to_two_units() {
        assert_eq!(short_span(-5), "0s");
        assert_eq!(short_span(59), "59s");
        assert_eq!(short_span(60), "1m00s");
        assert_eq!(short_span(3600), "1h00m");
        assert_eq!(short_span(86_400), "1d");
        assert_eq!(short_span(86_400 + 59), "1d");
        assert_eq!(short_span(86_400 * 2 + 3600 * 3), "2d3h");
        // Late by a day and 46 minutes is not late by a day.
        assert_eq!(short_span(89_165), "1d0h46m");
        assert_eq!(short_span(86_400 * 12 + 3600 * 23 + 59 * 60 + 59), "12d23h59m");
    }
}

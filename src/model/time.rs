//! Reading the times that journals and the archive's index are written
//! with, often: a journal of a hundred thousand events holds as many.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// A time in RFC 3339, as chrono's `DateTime<Utc>` reads it from text (and
/// from JSON). The form runbook writes, `2026-11-28T09:00:05.123456789Z`
/// (UTC, fraction as needed), is read directly; anything else goes to
/// chrono, so that exactly what it takes is taken.
pub fn parse_utc(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    match written(text.as_bytes()) {
        Some(time) => Ok(time),
        None => text.parse(),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, fraction 1 to 9 digits, or `None`.
fn written(bytes: &[u8]) -> Option<DateTime<Utc>> {
    if bytes.len() < 20 || bytes.last() != Some(&b'Z') {
        return None;
    }
    let number = |at: usize, len: usize| {
        bytes[at..at + len].iter().try_fold(0u32, |value, &digit| {
            digit
                .is_ascii_digit()
                .then(|| value * 10 + u32::from(digit - b'0'))
        })
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(at, byte)| bytes[at] != byte) {
        return None;
    }
    let nanos = match &bytes[19..bytes.len() - 1] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            number(20, digits.len())? * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(number(0, 4)? as i32, number(5, 2)?, number(8, 2)?)?;
    // A leap second (:60) is chrono's to read.
    let time = NaiveTime::from_hms_nano_opt(number(11, 2)?, number(14, 2)?, number(17, 2)?, nanos)
        .filter(|_| number(17, 2) != Some(60))?;
    Some(date.and_time(time).and_utc())
}

/// For `#[serde(deserialize_with = "...")]` on a `DateTime<Utc>`: what
/// chrono's own `Deserialize` takes, read by [`parse_utc`].
pub fn deserialize_utc<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<DateTime<Utc>, D::Error> {
    let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
    parse_utc(&text).map_err(serde::de::Error::custom)
}

/// [`deserialize_utc`] for an `Option<DateTime<Utc>>`: `null` is `None`.
pub fn deserialize_utc_option<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    let text = <Option<std::borrow::Cow<'de, str>> as serde::Deserialize>::deserialize(deserializer)?;
    text.map(|text| parse_utc(&text).map_err(serde::de::Error::custom))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_chrono_reads() {
        for text in [
            "2026-11-28T09:00:05Z",
            "2026-11-28T09:00:05.1Z",
            "2026-11-28T09:00:05.123456789Z",
            "2026-11-28T09:00:05.1234567891Z",
            "2026-11-28T09:00:05.Z",
            "2026-11-28T09:00:05+08:00",
            "2026-11-28t09:00:05z",
            "2026-11-28 09:00:05Z",
            "2026-02-30T09:00:05Z",
            "2026-11-28T24:00:00Z",
            "2016-12-31T23:59:60Z",
            "2016-12-31T23:59:60.5Z",
            "0000-01-01T00:00:00Z",
            "2026-11-28T09:00:0xZ",
            "2026-11-28T09:00:05",
            "",
        ] {
            let chrono: Result<DateTime<Utc>, _> = text.parse();
            assert_eq!(parse_utc(text).ok(), chrono.ok(), "{text}");
        }
    }
}

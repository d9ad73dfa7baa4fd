//! The wall clock, read in one place.
//!
//! `RUNBOOK_NOW` (RFC 3339) pins the time, so that tests and rehearsals get
//! reproducible output: review deadlines, ids and timers all read it here.

use chrono::{DateTime, NaiveDate, Utc};

pub const NOW_VAR: &str = "RUNBOOK_NOW";

/// The current time, or the pinned one.
pub fn now() -> DateTime<Utc> {
    std::env::var(NOW_VAR)
        .ok()
        .and_then(|pinned| DateTime::parse_from_rfc3339(pinned.trim()).ok())
        .map(|pinned| pinned.with_timezone(&Utc))
        .unwrap_or_else(system_now)
}

/// Today's date in local time, which is what review dates mean.
#[allow(clippy::disallowed_methods)]
pub fn today() -> NaiveDate {
    match std::env::var(NOW_VAR) {
        Ok(_) => now().date_naive(),
        Err(_) => chrono::Local::now().date_naive(),
    }
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

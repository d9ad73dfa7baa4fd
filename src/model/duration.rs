//! Durations as runbook authors write them (`30s`, `1h`, `6 months`).

use serde::Serialize;
use std::time::Duration;

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

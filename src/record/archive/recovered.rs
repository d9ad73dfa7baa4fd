//! What [`super::Archive::lock`] found left by a crash and put right,
//! typed so that it can be said in the display language
//! (`crate::record::said`); its `Display` is the English.

use std::fmt;

/// What a crash left and the lock put right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    pub done: Recovery,
    /// The bytes of a partial last line cut from the index, if any.
    pub cut: Option<u64>,
}

/// What was done with the entry a crash left pending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// `pending` itself was cut short: nothing was published yet.
    Incomplete,
    /// The index already lists it, on `line`: only `pending` went.
    Stale { id: String, line: usize },
    /// Its record and signature were whole: its index line was appended.
    Finished { id: String },
    /// Its files were removed: it is to be archived again.
    Undone { id: String },
}

impl fmt::Display for Recovered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.done {
            Recovery::Incomplete => {
                f.write_str("removed an unfinished archive entry (pending was incomplete)")?
            }
            Recovery::Stale { id, line } => write!(
                f,
                "removed a stale {}: {id} is already in the index (line {line})",
                super::PENDING_FILE
            )?,
            Recovery::Finished { id } => {
                write!(f, "finished archiving {id} (a crash stopped it before the index)")?
            }
            Recovery::Undone { id } => write!(
                f,
                "undid the unfinished archiving of {id} (a crash stopped it); archive it again"
            )?,
        }
        match self.cut {
            Some(bytes) => write!(f, "; cut a partial last line ({bytes} bytes) from the index"),
            None => Ok(()),
        }
    }
}

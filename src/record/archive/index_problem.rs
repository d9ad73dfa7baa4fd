//! Why a line of the archive's index cannot be used, typed so that it can
//! be said in the display language (`crate::record::said`); its `Display`
//! is the English.

use crate::i18n::JsonProblem;
use std::fmt;

/// Why an index line cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexProblem {
    /// The last line has no newline: a crash while it was written.
    CutShort,
    /// The line is not an index entry.
    NotAnEntry(JsonProblem),
    /// The incident has a line already.
    ListedAgain { id: String, first: usize },
}

impl fmt::Display for IndexProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexProblem::CutShort => f.write_str("the last line is cut short (a crash while writing?)"),
            IndexProblem::NotAnEntry(error) => write!(f, "not an index entry: {error}"),
            IndexProblem::ListedAgain { id, first } => {
                write!(f, "{id} is listed again (first on line {first})")
            }
        }
    }
}

//! Where a scripted answer or variable was given, and what is wrong with
//! one the runbook cannot take. The engine says which part of an answer is
//! at fault; the command line renders it as a flag or a place in a file.

use crate::model::Span;

/// Where an answer or a variable was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `--answer STEP=VALUE` or `--var NAME=VALUE`.
    Flag,
    /// The runbook's default, for a variable nobody gave.
    Default,
    /// An answers file: its key, its value and, for a list, each item.
    File {
        key: Span,
        value: Span,
        items: Vec<Span>,
    },
}

/// The part of an answer a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The step, timer or variable it names.
    Key,
    Value,
    /// One item of a list (a checklist's ticked items).
    Item(usize),
}

/// An answer or a variable the runbook cannot take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub origin: Origin,
    pub part: Part,
    /// How a flag names it: `--answer ok=maybe`, `--var host`.
    pub flag: String,
    /// What is wrong, in words that stand without the flag.
    pub message: String,
    /// What to do about it, when there is more to say than "see `show`".
    pub hint: Option<String>,
}

impl Problem {
    /// Where in its answers file the fault is; `None` for a flag or a
    /// default.
    pub fn span(&self) -> Option<Span> {
        let Origin::File { key, value, items } = &self.origin else {
            return None;
        };
        Some(match self.part {
            Part::Key => *key,
            Part::Value => *value,
            Part::Item(index) => items.get(index).copied().unwrap_or(*value),
        })
    }
}

/// As a flag problem reads: `--answer ok=maybe: step `ok` expects yes or no`.
impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.flag, self.message)?;
        match &self.hint {
            Some(hint) => write!(f, "; {hint}"),
            None => Ok(()),
        }
    }
}

//! Pure data: what a runbook is, once loaded and checked, and what happens
//! during an incident.
//!
//! Nothing here reads files, parses TOML or touches a terminal; `load` builds
//! runbooks, `journal` stores events, and every other layer reads them. Ids
//! and references keep the byte [`Span`] they came from so that later checks
//! can point at the source.

pub mod destination;
mod duration;
mod event;
mod incident;
mod open_commands;
mod runbook;
mod span;
mod step;
mod template;
mod text;
pub mod time;

pub use destination::Destination;
pub use duration::{CalendarUnit, LONGEST, LONGEST_DURATION, Period, short_span};
pub use event::{Answer, AnswerSource, Event, EventKind, StepResult, start_failure};
pub(crate) use event::{EventLine, INCIDENT_STARTED};
pub use incident::{Incident, Progress, ReplayError, SeverityNotice, Status, Undelivered};
pub use open_commands::{OpenCommand, OpenCommands};
pub use runbook::{BUILTIN_VARS, Contact, Runbook, SECRET_MARKER, SeverityLevel, Timer, TimerFrom, Var};
pub use span::{Located, Span};
pub use step::{Branch, ChoiceOption, Command, DrillMode, Outcome, Phase, Step, StepKind};
pub use template::{Placeholder, is_name, placeholders, render};
pub use text::{Lang, Text, did_you_mean};

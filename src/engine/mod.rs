//! Walks a runbook step by step for one incident.
//!
//! The engine never sees a terminal, a file or the wall clock: it asks an
//! [`Operator`] for decisions, runs commands through an [`Executor`], reads
//! time from a [`Clock`], sends messages through a [`Notifier`] and hands
//! every event to a [`Sink`] (the journal, wired in by `cli`). It depends on
//! `model` and its own traits only.

mod executor;
pub mod fire;
mod operator;
mod ports;
mod problem;
mod scripted;
mod shell;
#[cfg(test)]
mod tests;
pub mod timers;
mod walk;

pub use executor::{
    CommandOutcome, CommandSpec, Executor, OUTPUT_HEAD, OUTPUT_TAIL, Prepared, unfit_for_environment,
};
pub use operator::{Context, Decision, Operator, Question, Reply, Value};
pub use ports::{Clock, Notification, Notifier, Redaction, Sink};
pub use problem::{Origin, Part, Problem};
pub use scripted::{Answers, Given, Observer, ScriptedOperator, expects, secret_env};
pub use shell::ShellExecutor;
pub use shell::remote::Ssh;
pub use walk::{Engine, JournalFailed, Ports, Start, Stop, matches_pattern, next_timer, render_text};

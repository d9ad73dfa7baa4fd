//! The integration tests: one binary, driving the real `runbook` executable.

// Tests fail loudly. Every process they start is made by
// `common::sealed`, the one place `Command::new` is allowed.
#![allow(clippy::unwrap_used)]

mod common;

mod archive;
mod bundled;
mod catalog;
mod check;
mod chinese;
mod cli;
mod clock;
mod completion;
mod config;
mod crash;
mod data_dir;
mod examples;
mod invalid_runbooks;
mod loader_never_panics;
mod mirrors;
mod notify;
mod output_safety;
mod plan_commands;
mod plans;
mod pty;
mod records;
mod remote;
mod report;
mod screen;
mod secrets;
mod show_graph;
mod signing;
mod strict;
mod told;
mod walk;

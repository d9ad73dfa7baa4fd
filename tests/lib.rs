//! The integration tests: one binary, driving the real `runbook` executable.

// Tests start processes directly and fail loudly; the library's adapter
// rules do not apply here.
#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

mod common;

mod archive;
mod bundled;
mod catalog;
mod check;
mod cli;
mod config;
mod crash;
mod data_dir;
mod examples;
mod invalid_runbooks;
mod loader_never_panics;
mod mirrors;
mod notify;
mod output_safety;
mod pty;
mod records;
mod report;
mod show_graph;
mod signing;
mod walk;

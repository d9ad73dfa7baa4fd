//! The integration tests: one binary, driving the real `runbook` executable.

mod common;

mod catalog;
mod cli;
mod invalid_runbooks;
mod loader_never_panics;
mod show_graph;

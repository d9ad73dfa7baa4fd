//! The integration tests: one binary, driving the real `runbook` executable.

mod common;

mod cli;

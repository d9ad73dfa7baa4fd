//! The real executor: `sh -c` in its own process group.

/// Runs commands with `sh -c`.
#[derive(Debug, Default)]
pub struct ShellExecutor;

//! The documented exit codes, in one place.

/// How the process ends. Scripts and monitoring hooks branch on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Done.
    Success = 0,
    /// A step failed with no handler, verification failed, overdue
    /// records were found, or `validate --strict` found warnings.
    Failure = 1,
    /// Bad input: usage, an invalid runbook, config or answers file.
    BadInput = 2,
    /// Paused, waiting for an operator.
    Paused = 3,
    Aborted = 4,
    Interrupted = 130,
}

impl ExitCode {
    /// Every code, in order: what the manual page lists.
    pub const ALL: [ExitCode; 6] = [
        ExitCode::Success,
        ExitCode::Failure,
        ExitCode::BadInput,
        ExitCode::Paused,
        ExitCode::Aborted,
        ExitCode::Interrupted,
    ];

    /// What the code tells a script, as the manual page and README.md say.
    pub fn meaning(self) -> &'static str {
        match self {
            ExitCode::Success => "done",
            ExitCode::Failure => {
                "failed: a step failed with nothing to handle it, a record did not verify, \
                 records are past their deadline (check), `validate --strict` found warnings, \
                 or a file could not be read or written"
            }
            ExitCode::BadInput => "bad input: usage, an invalid runbook, config or answers file",
            ExitCode::Paused => "paused, waiting for an operator",
            ExitCode::Aborted => "aborted",
            ExitCode::Interrupted => "interrupted (Ctrl-C, SIGTERM, hang-up); the incident is paused",
        }
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> std::process::ExitCode {
        std::process::ExitCode::from(code as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::ExitCode;

    #[test]
    fn codes_match_the_documentation() {
        assert_eq!(ExitCode::ALL.map(|code| code as u8), [0, 1, 2, 3, 4, 130]);
        // README.md's table says what the manual page says.
        let readme = include_str!("../README.md");
        for code in ExitCode::ALL {
            let row = format!("| {} | {} |", code as u8, code.meaning());
            assert!(readme.contains(&row), "README.md lacks the row {row}");
        }
    }
}

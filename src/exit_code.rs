//! The documented exit codes, in one place.

/// How the process ends. Scripts and monitoring hooks branch on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Done.
    Success = 0,
    /// A step failed with no handler, verification failed, or overdue
    /// records were found.
    Failure = 1,
    /// Bad input: usage, an invalid runbook, config or answers file.
    BadInput = 2,
    /// Paused, waiting for an operator.
    Paused = 3,
    Aborted = 4,
    Interrupted = 130,
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
        let codes = [
            ExitCode::Success,
            ExitCode::Failure,
            ExitCode::BadInput,
            ExitCode::Paused,
            ExitCode::Aborted,
            ExitCode::Interrupted,
        ];
        assert_eq!(codes.map(|code| code as u8), [0, 1, 2, 3, 4, 130]);
    }
}

//! The one error type the command line sees: a message, a hint, and the
//! exit code it maps to.

use crate::exit_code::ExitCode;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input from the operator: a flag, a name, a file. Exit 2.
    #[error("{message}")]
    Usage { message: String, hint: Option<String> },
    /// Something that should be there is damaged or cannot be read (a
    /// journal, a kept runbook), with what to do about it. Exit 1.
    #[error("{message}")]
    Failed { message: String, hint: Option<String> },
    /// Located problems with an input file (the config, ...). Exit 2.
    #[error("invalid input")]
    Diagnostics(Vec<crate::load::Diagnostic>),
    /// Diagnostics were already printed; only the exit code remains.
    #[error("invalid input")]
    Reported(ExitCode),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Error {
        Error::Usage {
            message: message.into(),
            hint: None,
        }
    }

    /// [`Error::Failed`] without a hint yet.
    pub fn failed(message: impl Into<String>) -> Error {
        Error::Failed {
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(self, new_hint: impl Into<String>) -> Error {
        match self {
            Error::Usage { message, .. } => Error::Usage {
                message,
                hint: Some(new_hint.into()),
            },
            Error::Failed { message, .. } => Error::Failed {
                message,
                hint: Some(new_hint.into()),
            },
            other => other,
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage { .. } | Error::Diagnostics(_) => ExitCode::BadInput,
            Error::Reported(code) => *code,
            Error::Failed { .. } | Error::Io(_) | Error::Other(_) => ExitCode::Failure,
        }
    }

    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::Usage { hint, .. } | Error::Failed { hint, .. } => hint.as_deref(),
            _ => None,
        }
    }

    /// Writing to a closed pipe (`runbook show x | head`) is not an error.
    pub fn is_broken_pipe(&self) -> bool {
        match self {
            Error::Io(error) => error.kind() == std::io::ErrorKind::BrokenPipe,
            Error::Other(error) => error
                .downcast_ref::<std::io::Error>()
                .is_some_and(|error| error.kind() == std::io::ErrorKind::BrokenPipe),
            _ => false,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

//! The one error type the command line sees: a message, a hint, and the
//! exit code it maps to.
//!
//! A message and its hint are written in the display language where they
//! are made (the command knows it, [`crate::cli::Context`]); an error a
//! command returns is marked with that language ([`Error::in_lang`]), so
//! that its `error:` and `hint:` read in it too. What fails before the
//! language is known stays English: flags clap refuses, a config that
//! cannot be read or parsed, a `--lang` that is no language, and the
//! warning that the clock is pinned.

use crate::exit_code::ExitCode;
use crate::model::Lang;

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
    /// An error met once the display language was known: its `error:` and
    /// `hint:` are printed in `lang`.
    #[error("{error}")]
    InLang { lang: Lang, error: Box<Error> },
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
            Error::InLang { lang, error } => Error::InLang {
                lang,
                error: Box::new(error.with_hint(new_hint)),
            },
            other => other,
        }
    }

    /// This error, printed with `error:` and `hint:` in `lang` (the
    /// language of the first mark, when marked twice).
    pub fn in_lang(self, lang: &Lang) -> Error {
        match self {
            Error::InLang { .. } => self,
            error => Error::InLang {
                lang: lang.clone(),
                error: Box::new(error),
            },
        }
    }

    /// The error itself, and the language it is to be printed in.
    pub fn unmarked(&self) -> (&Error, Option<&Lang>) {
        match self {
            Error::InLang { lang, error } => (error, Some(lang)),
            error => (error, None),
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::InLang { error, .. } => error.exit_code(),
            Error::Usage { .. } | Error::Diagnostics(_) => ExitCode::BadInput,
            Error::Reported(code) => *code,
            Error::Failed { .. } | Error::Io(_) | Error::Other(_) => ExitCode::Failure,
        }
    }

    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::InLang { error, .. } => error.hint(),
            Error::Usage { hint, .. } | Error::Failed { hint, .. } => hint.as_deref(),
            _ => None,
        }
    }

    /// Writing to a closed pipe (`runbook show x | head`) is not an error.
    pub fn is_broken_pipe(&self) -> bool {
        match self {
            Error::InLang { error, .. } => error.is_broken_pipe(),
            Error::Io(error) => error.kind() == std::io::ErrorKind::BrokenPipe,
            Error::Other(error) => error
                .downcast_ref::<std::io::Error>()
                .is_some_and(|error| error.kind() == std::io::ErrorKind::BrokenPipe),
            _ => false,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

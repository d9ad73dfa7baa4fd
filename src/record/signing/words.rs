//! The typed parts of [`super::SigningError`]: which file, and why an
//! identity is refused. Their `Display` is the English; the display
//! language's words are in the catalogue (`crate::record::said`).

/// Which of the key's files: the words name it in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFile {
    SigningKey,
    PassphraseFile,
    AllowedSigners,
}

impl std::fmt::Display for KeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeyFile::SigningKey => "signing key",
            KeyFile::PassphraseFile => "passphrase file",
            KeyFile::AllowedSigners => "allowed signers file",
        })
    }
}

/// Why an identity cannot be a principal of an `allowed_signers` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityProblem {
    Empty,
    Blank,
    Quote,
    Pattern,
    Comment,
    /// It does not read back from the line as the one principal meant.
    NotOne,
}

impl std::fmt::Display for IdentityProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IdentityProblem::Empty => "it is empty",
            IdentityProblem::Blank => "it holds a blank or a control character",
            IdentityProblem::Quote => "it holds a quote or a comma",
            IdentityProblem::Pattern => "it holds a pattern character (*, ? or a leading !)",
            IdentityProblem::Comment => "it starts with #, which makes a comment",
            IdentityProblem::NotOne => "it does not read back as one principal",
        })
    }
}

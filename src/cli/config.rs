//! The config file: `$XDG_CONFIG_HOME/runbook/config.toml`, or `--config`.
//!
//! A config writable by group or others is refused: it decides which
//! runbooks, and so which commands, run.
//!
//! The whole config is checked as it is read, before any command does
//! anything: TOML and types, the `redact` patterns (compiled here) and the
//! notifiers. A mistake is reported at its line and column in
//! the file, and no incident is opened over a config that cannot be used.

use super::redact::Redact;
use crate::error::{Error, Result};
use crate::load::{Diagnostic, Level, Origin, Source, read_trusted};
use crate::model::Span;
use crate::notify::NotifierConfig;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// A config as read and checked, its paths resolved.
#[derive(Debug, Default)]
pub struct Config {
    /// Display language, such as `en` or `zh`.
    pub lang: Option<String>,
    /// Directories searched for runbooks after `./runbooks`.
    pub runbook_path: Vec<PathBuf>,
    /// Where incidents and records are kept (default `$XDG_DATA_HOME/runbook`).
    pub data_dir: Option<PathBuf>,
    /// Replaces secrets in command output by `[REDACTED]` before it is
    /// shown or journaled.
    pub redact: Redact,
    /// Where notifications go: `command` and `webhook` notifiers, valid
    /// (see [`crate::notify::validate`]).
    pub notifiers: Vec<NotifierConfig>,
    /// Other copies of the archive: absolute directory paths or git
    /// remotes, each receiving every archived record.
    pub mirrors: Vec<crate::record::mirror::Mirror>,
    /// The OpenSSH ed25519 key records are signed with (default
    /// `$XDG_CONFIG_HOME/runbook/signing_key`), such as `~/.ssh/id_ed25519`.
    pub signing_key: Option<PathBuf>,
    /// A file whose first line is the signing key's passphrase, for
    /// archiving without a terminal.
    pub signing_passphrase_file: Option<PathBuf>,
    /// Who may sign records (OpenSSH allowed_signers format; default
    /// `$XDG_CONFIG_HOME/runbook/allowed_signers`).
    pub allowed_signers: Option<PathBuf>,
}

/// The file as written; spans kept for messages.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    lang: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    runbook_path: Vec<PathBuf>,
    data_dir: Option<PathBuf>,
    #[serde(default)]
    redact: Vec<Spanned<String>>,
    #[serde(default)]
    notifiers: Vec<Spanned<NotifierConfig>>,
    #[serde(default)]
    mirrors: Vec<crate::record::mirror::Mirror>,
    signing_key: Option<PathBuf>,
    signing_passphrase_file: Option<PathBuf>,
    allowed_signers: Option<PathBuf>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<PathBuf>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(PathBuf),
        Many(Vec<PathBuf>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(path) => vec![path],
        OneOrMany::Many(paths) => paths,
    })
}

impl Config {
    /// Reads and checks the config at `path`. A missing file is an empty
    /// config unless the path was given explicitly.
    pub fn read(path: &Path, explicit: bool) -> Result<Config> {
        if !explicit && !path.exists() {
            return Ok(Config::default());
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let bytes = read_trusted(path, dir, "the config")
            .map_err(|refusal| Error::usage(refusal.message).with_hint(refusal.hint))?;
        let name = path.display().to_string();
        let source = crate::load::decode(&name, Origin::File(path.to_owned()), bytes)
            .map_err(|diagnostic| Error::Diagnostics(vec![diagnostic]))?;
        let file: File = toml::from_str(&source.text).map_err(|error| {
            let span = error.span().map(Span::new);
            let message = error.message().trim_end().replace("field", "key");
            Error::Diagnostics(vec![
                Diagnostic::new(Level::Error, &source, span, format!("invalid config: {message}"))
                    .with_hint("see the Configuration section of README.md"),
            ])
        })?;
        let mut checker = Checker {
            source: &source,
            base: dir,
            problems: Vec::new(),
        };
        let config = checker.check(file);
        if checker.problems.is_empty() {
            Ok(config)
        } else {
            Err(Error::Diagnostics(checker.problems))
        }
    }
}

/// Turns the file as written into a [`Config`], collecting every problem.
struct Checker<'a> {
    source: &'a Source,
    base: &'a Path,
    problems: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn check(&mut self, mut file: File) -> Config {
        // Relative paths in the config are relative to the config file.
        for dir in &mut file.runbook_path {
            if dir.is_relative() {
                *dir = self.base.join(&*dir);
            }
        }
        for path in [
            &mut file.signing_key,
            &mut file.signing_passphrase_file,
            &mut file.allowed_signers,
        ]
        .into_iter()
        .flatten()
        {
            if let Ok(rest) = path.strip_prefix("~")
                && let Some(home) = std::env::var_os("HOME")
            {
                *path = PathBuf::from(home).join(rest);
            } else if path.is_relative() {
                *path = self.base.join(&*path);
            }
        }
        let mut regexes = Vec::new();
        for pattern in file.redact {
            match Redact::compile(pattern.get_ref()) {
                Ok(regex) => regexes.push(regex),
                Err(problem) => self.error(
                    pattern.span(),
                    format!("invalid redact pattern: {problem}"),
                    "patterns are regular expressions (Rust regex syntax): escape ( ) [ ] { } . * + ? | \\ \
                     with \\ to match them as text",
                ),
            }
        }
        let spans: Vec<_> = file.notifiers.iter().map(Spanned::span).collect();
        let notifiers: Vec<NotifierConfig> = file.notifiers.into_iter().map(Spanned::into_inner).collect();
        if let Err(invalid) = crate::notify::validate(&notifiers) {
            for problem in invalid {
                self.error(
                    spans[problem.index].clone(),
                    format!("invalid {problem}"),
                    "see the Configuration section of README.md",
                );
            }
        }
        Config {
            lang: file.lang,
            runbook_path: file.runbook_path,
            data_dir: file.data_dir,
            redact: Redact::new(regexes),
            notifiers,
            mirrors: file.mirrors,
            signing_key: file.signing_key,
            signing_passphrase_file: file.signing_passphrase_file,
            allowed_signers: file.allowed_signers,
        }
    }

    fn error(&mut self, span: std::ops::Range<usize>, message: String, hint: &str) {
        self.problems
            .push(Diagnostic::new(Level::Error, self.source, Some(Span::new(span)), message).with_hint(hint));
    }
}

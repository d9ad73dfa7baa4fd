//! The config file: `$XDG_CONFIG_HOME/runbook/config.toml`, or `--config`.
//!
//! A config that others could change is refused, by the rule that runbooks
//! are trusted by (`load::trust`): it decides which runbooks, and so which
//! commands, run.
//!
//! The whole config is checked as it is read, before any command does
//! anything: TOML and types, every path, the `redact` patterns (compiled
//! here) and the notifiers. A mistake is reported at its line and column in
//! the file, and no incident is opened over a config that cannot be used.
//!
//! Every path in the config resolves the same way: `~/` is the home
//! directory, a relative path is relative to the config file's directory
//! (never to wherever the command happens to run), and an empty path is an
//! error.

use super::redact::Redact;
use crate::error::{Error, Result};
use crate::load::{Diagnostic, Level, Origin, Source, read_trusted};
use crate::model::Span;
use crate::notify::NotifierConfig;
use crate::record::mirror::Mirror;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// A config as read and checked, its paths resolved.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it was read from; `None` when there was none.
    pub file: Option<PathBuf>,
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
    /// Other copies of the archive: directories or git remotes, each
    /// receiving every archived record.
    pub mirrors: Vec<Mirror>,
    /// The OpenSSH ed25519 key records are signed with (default
    /// `$XDG_CONFIG_HOME/runbook/signing_key`), such as `~/.ssh/id_ed25519`.
    pub signing_key: Option<PathBuf>,
    /// A file whose first line is the signing key's passphrase, for
    /// archiving without a terminal.
    pub signing_passphrase_file: Option<PathBuf>,
    /// Who may sign records (OpenSSH allowed_signers format; default
    /// `$XDG_CONFIG_HOME/runbook/allowed_signers`).
    pub allowed_signers: Option<PathBuf>,
    /// The ssh config remote steps use (`[ssh] config`, passed to ssh as
    /// `-F`); by default ssh reads the user's own.
    pub ssh_config: Option<PathBuf>,
}

/// The file as written; spans kept for messages.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    lang: Option<String>,
    runbook_path: Option<Spanned<PathList>>,
    data_dir: Option<Spanned<PathBuf>>,
    #[serde(default)]
    redact: Vec<Spanned<String>>,
    redact_defaults: Option<bool>,
    #[serde(default)]
    notifiers: Vec<Spanned<NotifierConfig>>,
    #[serde(default)]
    mirrors: Vec<Spanned<String>>,
    signing_key: Option<Spanned<PathBuf>>,
    signing_passphrase_file: Option<Spanned<PathBuf>>,
    allowed_signers: Option<Spanned<PathBuf>>,
    ssh: Option<SshFile>,
}

/// `[ssh]`: how remote steps reach their hosts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SshFile {
    config: Option<Spanned<PathBuf>>,
}

/// `runbook_path`: one path, or a list of them.
#[derive(Debug)]
enum PathList {
    One(PathBuf),
    Many(Vec<Spanned<PathBuf>>),
}

impl<'de> Deserialize<'de> for PathList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<PathList, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = PathList;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a path or a list of paths, such as \"/srv/runbooks\"")
            }

            fn visit_str<E: serde::de::Error>(self, path: &str) -> Result<PathList, E> {
                Ok(PathList::One(PathBuf::from(path)))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<PathList, A::Error> {
                let mut paths = Vec::new();
                while let Some(path) = seq.next_element()? {
                    paths.push(path);
                }
                Ok(PathList::Many(paths))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
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
            .map_err(|refusal| Error::Diagnostics(refusal.diagnostics()))?;
        let name = path.display().to_string();
        let source =
            crate::load::decode(&name, Origin::File(path.to_owned()), bytes).map_err(|diagnostic| {
                Error::Diagnostics(vec![diagnostic.with_hint("save the config as UTF-8")])
            })?;
        let file: File = toml::from_str(&source.text).map_err(|error| {
            let span = error.span().map(Span::new);
            let message = error.message().trim_end().replace("field", "key");
            Error::Diagnostics(vec![
                Diagnostic::new(Level::Error, &source, span, format!("invalid config: {message}"))
                    .with_hint("see the Configuration section of README.md"),
            ])
        })?;
        // Relative paths are relative to the config file, wherever the
        // command runs.
        let base = std::path::absolute(path)
            .ok()
            .and_then(|path| path.parent().map(Path::to_owned))
            .unwrap_or_else(|| dir.to_owned());
        let mut checker = Checker {
            source: &source,
            base: &base,
            problems: Vec::new(),
        };
        let config = checker.check(file, path);
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
    fn check(&mut self, file: File, path: &Path) -> Config {
        let runbook_path = match file.runbook_path.map(|list| (list.span(), list.into_inner())) {
            None => Vec::new(),
            Some((span, PathList::One(path))) => self
                .path("runbook_path", false, Spanned::new(span, path))
                .into_iter()
                .collect(),
            Some((_, PathList::Many(paths))) => paths
                .into_iter()
                .filter_map(|path| self.path("runbook_path", true, path))
                .collect(),
        };
        let data_dir = file.data_dir.and_then(|dir| self.path("data_dir", false, dir));
        let signing_key = file
            .signing_key
            .and_then(|key| self.path("signing_key", false, key));
        let signing_passphrase_file = file
            .signing_passphrase_file
            .and_then(|file| self.path("signing_passphrase_file", false, file));
        let allowed_signers = file
            .allowed_signers
            .and_then(|signers| self.path("allowed_signers", false, signers));
        let ssh_config = file
            .ssh
            .and_then(|ssh| ssh.config)
            .and_then(|config| self.path("ssh.config", false, config));
        let mirrors = file
            .mirrors
            .into_iter()
            .filter_map(|mirror| self.mirror(mirror))
            .collect();
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
            file: Some(path.to_owned()),
            lang: file.lang,
            runbook_path,
            data_dir,
            redact: Redact::new(regexes, file.redact_defaults.unwrap_or(true)),
            notifiers,
            mirrors,
            signing_key,
            signing_passphrase_file,
            allowed_signers,
            ssh_config,
        }
    }

    fn error(&mut self, span: std::ops::Range<usize>, message: String, hint: &str) {
        self.problems
            .push(Diagnostic::new(Level::Error, self.source, Some(Span::new(span)), message).with_hint(hint));
    }

    /// A path as the config means it: `~/` expanded, relative to the
    /// config's directory. `None` after reporting an empty path. `entry`:
    /// the path is one of a list's.
    fn path(&mut self, key: &str, entry: bool, path: Spanned<PathBuf>) -> Option<PathBuf> {
        let span = path.span();
        let path = path.into_inner();
        if path.as_os_str().is_empty() {
            let (message, hint) = if entry {
                (
                    format!("an entry of `{key}` is empty"),
                    "write a path, or remove the entry",
                )
            } else {
                (
                    format!("`{key}` is empty"),
                    "write a path, or leave the key out for the default",
                )
            };
            self.error(span, message, hint);
            return None;
        }
        match path.strip_prefix("~") {
            Ok(rest) => match home() {
                Some(home) => Some(home.join(rest)),
                None => {
                    self.error(
                        span,
                        format!("`{key}` starts with ~ but the home directory is unknown"),
                        "set HOME, or write an absolute path",
                    );
                    None
                }
            },
            Err(_) => Some(self.base.join(path)),
        }
    }

    /// A mirror: a git remote as written, or a directory resolved like
    /// every other path.
    fn mirror(&mut self, mirror: Spanned<String>) -> Option<Mirror> {
        let span = mirror.span();
        let text = mirror.into_inner();
        let is_remote = text.contains(':') && !text.starts_with(['/', '~']);
        let resolved = if is_remote {
            text
        } else {
            let path = self.path("mirrors", true, Spanned::new(span.clone(), PathBuf::from(text)))?;
            path.to_string_lossy().into_owned()
        };
        match Mirror::parse(&resolved) {
            Ok(mirror) => Some(mirror),
            Err(problem) => {
                self.error(
                    span,
                    format!("invalid mirror: {problem}"),
                    "see the Configuration section of README.md",
                );
                None
            }
        }
    }
}

/// The home directory: `$HOME`, else the password database's.
fn home() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_owned())
}

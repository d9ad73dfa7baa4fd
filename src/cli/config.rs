//! The config file: `$XDG_CONFIG_HOME/runbook/config.toml`, or `--config`.
//!
//! A config writable by group or others is refused: it decides which
//! runbooks, and so which commands, run.

use crate::error::{Error, Result};
use crate::load::{Diagnostic, Level, Origin, read_trusted};
use crate::model::Span;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Display language, such as `en` or `zh`.
    pub lang: Option<String>,
    /// Directories searched for runbooks after `./runbooks`.
    #[serde(default, deserialize_with = "one_or_many")]
    pub runbook_path: Vec<PathBuf>,
    /// Where incidents and records are kept (default `$XDG_DATA_HOME/runbook`).
    pub data_dir: Option<PathBuf>,
    /// Regular expressions whose matches are replaced by `[REDACTED]` in
    /// command output before it is shown or journaled.
    #[serde(default)]
    pub redact: Vec<String>,
    /// Where notifications go: `command` and `webhook` notifiers.
    #[serde(default)]
    pub notifiers: Vec<crate::notify::NotifierConfig>,
    /// Other copies of the archive: absolute directory paths or git
    /// remotes, each receiving every archived record.
    #[serde(default)]
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
    /// Reads the config at `path`. A missing file is an empty config unless
    /// the path was given explicitly.
    pub fn read(path: &Path, explicit: bool) -> Result<Config> {
        if !explicit && !path.exists() {
            return Ok(Config::default());
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let bytes = read_trusted(path, dir, "the config")
            .map_err(|refusal| Error::usage(refusal.message).with_hint(refusal.hint))?;
        let name = path.display().to_string();
        let source =
            crate::load::decode(&name, Origin::File(path.to_owned()), bytes).map_err(config_error)?;
        let mut config: Config = toml::from_str(&source.text).map_err(|error| {
            let span = error.span().map(Span::new);
            let message = error.message().trim_end().replace("field", "key");
            config_error(
                Diagnostic::new(Level::Error, &source, span, format!("invalid config: {message}"))
                    .with_hint("see the Configuration section of README.md"),
            )
        })?;
        // Relative paths in the config are relative to the config file.
        let base = path.parent().unwrap_or(Path::new("."));
        for dir in &mut config.runbook_path {
            if dir.is_relative() {
                *dir = base.join(&*dir);
            }
        }
        for path in [
            &mut config.signing_key,
            &mut config.signing_passphrase_file,
            &mut config.allowed_signers,
        ]
        .into_iter()
        .flatten()
        {
            if let Ok(rest) = path.strip_prefix("~")
                && let Some(home) = std::env::var_os("HOME")
            {
                *path = PathBuf::from(home).join(rest);
            } else if path.is_relative() {
                *path = base.join(&*path);
            }
        }
        Ok(config)
    }
}

fn config_error(diagnostic: Diagnostic) -> Error {
    Error::Diagnostics(vec![diagnostic])
}

//! What every command needs: the config, the display language, the search
//! path for runbooks, today's date.

use super::{Cli, Config};
use crate::error::{Error, Result};
use crate::load::{Catalog, Entry};
use crate::model::Lang;
use chrono::NaiveDate;
use std::path::PathBuf;

#[derive(Debug)]
pub struct Context {
    pub config: Config,
    pub lang: Lang,
    /// Directories searched for runbooks, first match wins; the built-in
    /// runbooks come after them all.
    pub search_path: Vec<PathBuf>,
    pub today: NaiveDate,
}

impl Context {
    pub fn new(cli: &Cli) -> Result<Context> {
        let config_dir = config_dir();
        let config = match &cli.config {
            Some(path) => Config::read(path, true)?,
            None => match &config_dir {
                Some(dir) => Config::read(&dir.join("config.toml"), false)?,
                None => Config::default(),
            },
        };

        let lang = match cli.lang.as_deref().or(config.lang.as_deref()) {
            Some(tag) => Lang::parse(tag).ok_or_else(|| {
                Error::usage(format!("`{tag}` is not a language")).with_hint("use a tag such as en or zh")
            })?,
            None => ["LC_ALL", "LC_MESSAGES", "LANG"]
                .iter()
                .filter_map(|var| std::env::var(var).ok())
                .find(|value| !value.is_empty())
                .and_then(|value| Lang::parse(&value))
                .unwrap_or_default(),
        };

        let mut search_path = Vec::new();
        search_path.extend(cli.runbooks.clone());
        search_path.push(PathBuf::from("runbooks"));
        search_path.extend(config.runbook_path.iter().cloned());
        search_path.extend(config_dir.map(|dir| dir.join("runbooks")));
        search_path.push(PathBuf::from("/etc/runbook/runbooks"));

        if let Some(dir) = &cli.runbooks
            && !dir.is_dir()
        {
            return Err(Error::usage(format!(
                "--runbooks {}: no such directory",
                dir.display()
            )));
        }

        Ok(Context {
            config,
            lang,
            search_path,
            today: crate::clock::today(),
        })
    }

    pub fn catalog(&self) -> Catalog {
        Catalog::discover(&self.search_path, self.today)
    }

    /// The runbook named `id`, or an error naming the ones that exist.
    pub fn find<'c>(&self, catalog: &'c Catalog, id: &str) -> Result<&'c Entry> {
        catalog.get(id).ok_or_else(|| {
            let known: Vec<&str> = catalog.entries.iter().map(|entry| entry.id.as_str()).collect();
            let hint = crate::load::did_you_mean(id, known.iter().copied())
                .unwrap_or_else(|| format!("runbooks: {}; see `runbook list`", known.join(", ")));
            Error::usage(format!("no runbook named `{id}`")).with_hint(hint)
        })
    }
}

/// `$XDG_CONFIG_HOME/runbook`, or `~/.config/runbook`.
fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "runbook").map(|dirs| dirs.config_dir().to_owned())
}

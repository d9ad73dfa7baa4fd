//! What every command needs: the config, the display language, the search
//! path for runbooks, today's date.

use super::{Cli, Config};
use crate::error::{Error, Result};
use crate::load::{Catalog, Entry};
use crate::model::{Incident, Lang, ReplayError};
use crate::tr;
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Context {
    pub config: Config,
    pub lang: Lang,
    /// Directories searched for runbooks, first match wins; the built-in
    /// runbooks come after them all.
    pub search_path: Vec<PathBuf>,
    pub today: NaiveDate,
    /// Where incidents and records are kept.
    pub data_dir: PathBuf,
    /// The subcommand running (`start`, `check`): written into an
    /// incident's lock file when it takes the lock, so that whoever finds
    /// it held can tell a walk from a `check` run by cron.
    pub command: &'static str,
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
            // As with LANG=C: no preference, which means English.
            Some("C" | "POSIX") => Lang::english(),
            Some(tag) => Lang::parse(tag)
                .filter(|lang| {
                    let primary = lang.primary();
                    (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic())
                })
                .ok_or_else(|| {
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

        // --data-dir, then RUNBOOK_HOME, then the config, then the XDG default.
        let named_by = |by: &str| {
            format!(
                "{by} says where incidents and records are kept: give it a directory \
                 (one that does not exist yet is created)"
            )
        };
        let (data_dir, hint) = cli
            .data_dir
            .clone()
            .map(|dir| (dir, named_by("--data-dir")))
            .or_else(|| {
                std::env::var_os("RUNBOOK_HOME")
                    .filter(|v| !v.is_empty())
                    .map(|dir| (PathBuf::from(dir), named_by("RUNBOOK_HOME")))
            })
            .or_else(|| {
                let file = config
                    .file
                    .as_deref()
                    .unwrap_or(std::path::Path::new("the config"));
                let by = format!("`data_dir` in {}", file.display());
                config.data_dir.clone().map(|dir| (dir, named_by(&by)))
            })
            .or_else(|| {
                directories::ProjectDirs::from("", "", "runbook").map(|dirs| {
                    let hint = "set RUNBOOK_HOME or pass --data-dir to keep incidents and records elsewhere";
                    (dirs.data_dir().to_owned(), hint.to_owned())
                })
            })
            .ok_or_else(|| {
                Error::usage("cannot tell where to keep incidents")
                    .with_hint("set RUNBOOK_HOME or pass --data-dir")
            })?;
        if data_dir.exists() && !data_dir.is_dir() {
            return Err(Error::usage(format!(
                "the data directory {} is not a directory",
                data_dir.display()
            ))
            .with_hint(hint));
        }

        Ok(Context {
            config,
            lang,
            search_path,
            today: crate::clock::today(),
            data_dir,
            command: cli.command.name(),
        })
    }

    pub fn catalog(&self) -> Catalog {
        Catalog::discover(&self.search_path, self.today)
    }

    /// A catalog to look up `id` in: only what that takes when `id` is
    /// found (see [`Catalog::discover_for`]), the whole one when it is not,
    /// so that [`Context::find`] can name the runbooks that exist.
    pub fn catalog_for(&self, id: &str) -> Catalog {
        let catalog = Catalog::discover_for(&self.search_path, self.today, id);
        if catalog.get(id).is_some() {
            catalog
        } else {
            self.catalog()
        }
    }

    /// The runbook named `id`, or an error naming the ones that exist.
    pub fn find<'c>(&self, catalog: &'c Catalog, id: &str) -> Result<&'c Entry> {
        catalog.get(id).ok_or_else(|| {
            let known: Vec<&str> = catalog.entries.iter().map(|entry| entry.id.as_str()).collect();
            let lang = &self.lang;
            let hint = crate::load::did_you_mean(id, known.iter().copied())
                .unwrap_or_else(|| tr!(lang, HintRunbooksAre, runbooks = known.join(", ")));
            Error::usage(tr!(lang, NoRunbookNamed, id = id)).with_hint(hint)
        })
    }
}

impl Context {
    /// The configured notifiers (checked as the config was read); none is
    /// an answer too (people are then called by hand, and the walk says
    /// whom).
    pub fn notifier(&self) -> Option<crate::notify::Fanout> {
        crate::notify::build(&self.config.notifiers)
    }

    pub fn incidents_dir(&self) -> PathBuf {
        self.data_dir.join("incidents")
    }

    /// The ids of every incident in the data directory, sorted; none when
    /// no incident was ever started there.
    pub fn incident_ids(&self) -> Result<Vec<String>> {
        let dir = self.incidents_dir();
        match std::fs::read_dir(&dir) {
            Ok(entries) => {
                let mut ids: Vec<String> = entries
                    .filter_map(|entry| entry.ok())
                    .map(|entry| entry.file_name().to_string_lossy().into_owned())
                    .filter(|name| crate::journal::is_incident_id(name))
                    .collect();
                ids.sort();
                Ok(ids)
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(error) => Err(Error::failed(crate::i18n::cannot(
                &self.lang, "read", &dir, &error,
            ))),
        }
    }

    /// Where archived records are kept.
    pub fn archive_dir(&self) -> PathBuf {
        self.data_dir.join("archive")
    }

    /// The directory of an incident, which must exist and hold a journal.
    pub fn incident_dir(&self, id: &str) -> Result<PathBuf> {
        let dir = self.incidents_dir().join(id);
        if crate::journal::is_incident_id(id) {
            let journal = dir.join(crate::journal::JOURNAL_FILE);
            // Whatever is there: one that is not a journal is refused by its
            // reader, saying why, not taken for no incident.
            match journal.symlink_metadata() {
                Ok(_) => return Ok(dir),
                // The incident is there, its journal is not: a damaged
                // incident, not a mistyped id.
                Err(error) if dir.symlink_metadata().is_ok() => {
                    let lang = &self.lang;
                    let what = if error.kind() == std::io::ErrorKind::NotFound {
                        tr!(lang, PathIsMissing, path = journal.display())
                    } else {
                        tr!(lang, CannotLookAt, path = journal.display(), error = error)
                    };
                    return Err(
                        Error::failed(tr!(lang, NoJournalToRead, incident = id, what = what)).with_hint(tr!(
                            lang,
                            HintRestoreOrRemove,
                            journal = journal.display(),
                            dir = dir.display()
                        )),
                    );
                }
                Err(_) => {}
            }
        }
        let lang = &self.lang;
        let hint = if crate::journal::is_incident_id(id) {
            tr!(lang, HintNoSuchIncidentIn, dir = self.incidents_dir().display())
        } else {
            tr!(lang, HintIncidentIdsLookLike).to_owned()
        };
        Err(Error::usage(tr!(lang, NoIncident, id = id)).with_hint(hint))
    }
}

/// The incident whose journal in `dir` holds `events`. One that never
/// started (no event: its start stopped before the first) is bad input,
/// exit 2, with what to do about it; a journal that does not start with
/// `incident-started` is damaged, exit 1.
pub fn replay(dir: &Path, events: &[crate::model::Event], lang: &Lang) -> Result<Incident> {
    Incident::replay(events).map_err(|error| replay_error(dir, error, lang))
}

/// The error for the journal in `dir`, whose events do not make an
/// incident: see [`replay`].
pub fn replay_error(dir: &Path, error: ReplayError, lang: &Lang) -> Error {
    let (message, hint) = replay_problem(dir, &error, lang);
    match error {
        ReplayError::Empty => Error::usage(message).with_hint(hint),
        ReplayError::NoStart(_) => Error::failed(message).with_hint(hint),
    }
}

/// What is wrong with the journal in `dir`, whose events do not make an
/// incident, and what to do about it, naming its path.
pub fn replay_problem(dir: &Path, error: &ReplayError, lang: &Lang) -> (String, String) {
    let id = dir.file_name().unwrap_or(dir.as_os_str()).to_string_lossy();
    let journal = dir.join(crate::journal::JOURNAL_FILE);
    match error {
        ReplayError::Empty => (
            tr!(lang, NeverStarted, incident = id, journal = journal.display()),
            tr!(lang, HintRemoveEmpty, dir = dir.display()),
        ),
        ReplayError::NoStart(first) => (
            tr!(
                lang,
                JournalDoesNotStart,
                journal = journal.display(),
                first = first
            ),
            tr!(lang, HintRestoreFromBackup, journal = journal.display()),
        ),
    }
}

/// Who is acting: `user@host`.
pub fn actor() -> String {
    let user = ["USER", "LOGNAME"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .find(|user| !user.is_empty())
        .or_else(user_from_passwd)
        .unwrap_or_else(|| format!("uid{}", rustix::process::getuid().as_raw()));
    let uname = rustix::system::uname();
    let host = uname.nodename().to_string_lossy().into_owned();
    format!("{user}@{host}")
}

/// The login name of this process's user, from /etc/passwd (cron and
/// systemd often run without USER).
fn user_from_passwd() -> Option<String> {
    let uid = rustix::process::getuid().as_raw().to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)? == uid).then(|| name.to_owned())
    })
}

/// `$XDG_CONFIG_HOME/runbook`, or `~/.config/runbook`.
pub(super) fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "runbook").map(|dirs| dirs.config_dir().to_owned())
}

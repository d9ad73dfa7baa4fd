//! `--var`, `--answer`, `--answers FILE`: what a script tells a walk.

use crate::engine::{Answers, Given};
use crate::error::{Error, Result};
use crate::load::{Diagnostic, Level, Origin};
use crate::model::{Runbook, Span};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, clap::Args)]
pub struct AnswerArgs {
    /// Set a variable: --var service=nginx (repeatable). Once set, a
    /// variable is fixed: resume refuses it with another value.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = key_value)]
    pub vars: Vec<(String, String)>,

    /// Answer a step: --answer restart=yes (repeatable; each used once, in
    /// order). Checklists take item numbers: --answer checks=1,3, or
    /// checks=none when nothing is ticked (an empty answer is refused).
    #[arg(long = "answer", value_name = "STEP=VALUE", value_parser = key_value)]
    pub answers: Vec<(String, String)>,

    /// Read answers from a TOML file: step = "value", checklist = ["1", "3"],
    /// and an optional [vars] table. A regular file or a pipe from the
    /// shell (<(command), /dev/stdin), up to 1 MiB. --answer and --var
    /// flags beat the file's answers to the same step or variable.
    #[arg(long = "answers", value_name = "FILE")]
    pub answers_file: Option<PathBuf>,

    /// Never prompt, even at a terminal: the first question nobody
    /// answered pauses the incident (exit 3).
    #[arg(long)]
    pub non_interactive: bool,

    /// Print each event as one JSON object per line on stdout.
    #[arg(long)]
    pub json: bool,
}

fn key_value(text: &str) -> std::result::Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => Ok((key.trim().to_owned(), value.to_owned())),
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}

impl AnswerArgs {
    /// Everything given, checked against the runbook. Defaults fill in the
    /// variables nobody gave when `defaults` is set (a script cannot be
    /// asked; a person is shown the default instead). `set` holds the
    /// variables the incident already has (none at start): giving one
    /// again with another value is refused, as variables are fixed once
    /// set and the walk would silently go on with the old value.
    pub fn answers(
        &self,
        runbook: &Runbook,
        defaults: bool,
        set: &BTreeMap<String, String>,
    ) -> Result<Answers> {
        let mut vars: BTreeMap<String, String> = BTreeMap::new();
        let mut given: Vec<(String, Given)> = Vec::new();
        if let Some(path) = &self.answers_file {
            let (file_vars, file_given) = read_file(path)?;
            vars.extend(file_vars);
            // A flag beats the file for a step as for a variable: all the
            // file's answers to that step make way, or they would be used
            // first and the flag's left over.
            given.extend(
                file_given
                    .into_iter()
                    .filter(|(key, _)| !self.answers.iter().any(|(flag, _)| flag == key)),
            );
        }
        vars.extend(self.vars.iter().cloned());
        let changed: Vec<String> = vars
            .iter()
            .filter_map(|(name, value)| {
                let was = set.get(name).filter(|was| *was != value)?;
                Some(format!(
                    "--var {name}={value}: `{name}` is already `{was}` in this incident, and variables are fixed once set"
                ))
            })
            .collect();
        given.extend(
            self.answers
                .iter()
                .map(|(key, value)| (key.clone(), Given::One(value.clone()))),
        );
        if defaults {
            for var in &runbook.vars {
                if let Some(default) = &var.default {
                    vars.entry(var.name.value.clone())
                        .or_insert_with(|| default.clone());
                }
            }
        }
        let hint = if changed.is_empty() {
            "see `runbook show` for the steps and what each expects"
        } else {
            "leave the variable out; if it was wrong, say so with `runbook note`, or start a new incident"
        };
        match Answers::new(runbook, given, vars) {
            Ok(answers) if changed.is_empty() => Ok(answers),
            result => {
                let mut problems = changed;
                problems.extend(result.err().unwrap_or_default());
                Err(Error::usage(format!("invalid answers:\n  {}", problems.join("\n  "))).with_hint(hint))
            }
        }
    }
}

/// The most an answers file may hold: far more than any runbook asks.
const ANSWERS_LIMIT: u64 = 1024 * 1024;

/// An answers file: `step = "value"`, lists for checklists, `[vars]`.
/// Variables and answers, as read from a file.
type FileAnswers = (BTreeMap<String, String>, Vec<(String, Given)>);

fn read_file(path: &Path) -> Result<FileAnswers> {
    let name = path.display().to_string();
    let bytes = crate::file_util::read_regular_or_pipe(path, ANSWERS_LIMIT)
        .map_err(|failed| Error::usage(format!("cannot read the answers file {name}: {}", failed.error)))?;
    let source = crate::load::decode(&name, Origin::File(path.to_path_buf()), bytes)
        .map_err(|d| Error::Diagnostics(vec![d.with_hint("save the answers file as UTF-8")]))?;
    let table: toml::Table = toml::from_str(&source.text).map_err(|error| {
        let span = error.span().map(Span::new);
        Error::Diagnostics(vec![
            Diagnostic::new(
                Level::Error,
                &source,
                span,
                format!("invalid answers file: {}", error.message().trim_end()),
            )
            .with_hint("write one `step = \"value\"` per line"),
        ])
    })?;
    let mut vars = BTreeMap::new();
    let mut given = Vec::new();
    let scalar = |value: &toml::Value| match value {
        toml::Value::String(text) => Some(text.clone()),
        toml::Value::Integer(number) => Some(number.to_string()),
        toml::Value::Boolean(flag) => Some(if *flag { "yes" } else { "no" }.to_owned()),
        _ => None,
    };
    let located = |key: &str, what: &str| {
        let at = source.text.find(key).map(|at| Span::new(at..at + key.len()));
        Error::Diagnostics(vec![Diagnostic::new(Level::Error, &source, at, what.to_owned()).with_hint(
            "answers are strings (\"yes\", \"done\", an option label or text) or lists of strings for checklists",
        )])
    };
    for (key, value) in &table {
        match value {
            toml::Value::Table(inner) if key == "vars" => {
                for (name, value) in inner {
                    let value = scalar(value)
                        .ok_or_else(|| located(name, &format!("variable `{name}` must be a string")))?;
                    vars.insert(name.clone(), value);
                }
            }
            toml::Value::Array(items) => {
                let items: Option<Vec<String>> = items.iter().map(scalar).collect();
                let items =
                    items.ok_or_else(|| located(key, &format!("`{key}` must be a list of strings")))?;
                given.push((key.clone(), Given::List(items)));
            }
            value => {
                let value =
                    scalar(value).ok_or_else(|| located(key, &format!("`{key}` must be a string")))?;
                given.push((key.clone(), Given::One(value)));
            }
        }
    }
    Ok((vars, given))
}

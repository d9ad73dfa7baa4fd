//! `--var`, `--answer`, `--answers FILE`: what a script tells a walk.

use crate::engine::{Answers, Given, Origin, Part, Problem, secret_env};
use crate::error::{Error, Result};
use crate::load::{self, Diagnostic, Level, Source};
use crate::model::{Lang, Runbook, Span};
use crate::tr;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

#[derive(Debug, Clone, clap::Args)]
pub struct AnswerArgs {
    /// Set a variable: --var service=nginx (repeatable). Once set, a
    /// variable is fixed: resume refuses it with another value. A secret
    /// variable is refused here (see --var-file).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = key_value)]
    pub vars: Vec<(String, String)>,

    /// Set a variable from a file's contents (one trailing newline
    /// dropped): --var-file token=/run/secrets/token (repeatable). The way
    /// to give a secret variable, with RUNBOOK_VAR_NAME in the environment:
    /// a value on the command line is seen by every user through `ps`.
    #[arg(long = "var-file", value_name = "NAME=PATH", value_parser = key_value)]
    pub var_files: Vec<(String, String)>,

    /// Answer a step: --answer restart=yes (repeatable; each used once, in
    /// order). Checklists take item numbers: --answer checks=1,3, or
    /// checks=none when nothing is ticked (an empty answer is refused).
    #[arg(long = "answer", value_name = "STEP=VALUE", value_parser = key_value)]
    pub answers: Vec<(String, String)>,

    /// The note to go with a step's answer: --note backup-consent="Li Wei
    /// agreed by phone at 10:05" (repeatable, one per step). A step the
    /// runbook marks `note = "required"` is not answered without one.
    #[arg(long = "note", value_name = "STEP=TEXT", value_parser = key_value)]
    pub notes: Vec<(String, String)>,

    /// Read answers from a TOML file: step = "value", checklist = ["1", "3"],
    /// and optional [vars] and [notes] tables. A regular file or a pipe from the
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
    ///
    /// Problems with flags are worded as the flags; problems with what the
    /// answers file says are located in it, as the loader locates a
    /// runbook's.
    pub fn answers(
        &self,
        runbook: &Runbook,
        defaults: bool,
        set: &BTreeMap<String, String>,
        lang: &Lang,
    ) -> Result<Answers> {
        let mut vars: BTreeMap<String, (String, Origin)> = BTreeMap::new();
        let mut given: Vec<(String, Given, Origin)> = Vec::new();
        let mut notes: BTreeMap<String, (String, Origin)> = BTreeMap::new();
        let mut file = None;
        if let Some(path) = &self.answers_file {
            let read = read_file(path)?;
            vars.extend(read.vars);
            notes.extend(read.notes);
            // A flag beats the file for a step as for a variable: all the
            // file's answers to that step make way, or they would be used
            // first and the flag's left over.
            given.extend(
                read.given
                    .into_iter()
                    .filter(|(key, ..)| !self.answers.iter().any(|(flag, _)| flag == key)),
            );
            file = Some(read.source);
        }
        // A secret from the environment, unless a file or a flag gives it.
        for var in runbook.vars.iter().filter(|var| var.secret) {
            let name = &var.name.value;
            // Empty is unset, as `RUNBOOK_VAR_TOKEN= runbook …` means.
            if let Some(value) = std::env::var_os(secret_env(name)).filter(|value| !value.is_empty()) {
                let value = value.into_string().map_err(|_| {
                    Error::usage(format!("{} is not UTF-8", secret_env(name)))
                        .with_hint("give the secret as UTF-8 text")
                })?;
                vars.insert(name.clone(), (value, Origin::Flag));
            }
        }
        for (name, path) in &self.var_files {
            let secret = runbook
                .vars
                .iter()
                .any(|var| var.secret && var.name.value == *name);
            vars.insert(
                name.clone(),
                (read_var_file(name, Path::new(path), secret, lang)?, Origin::Flag),
            );
        }
        let secret = |name: &str| {
            runbook
                .vars
                .iter()
                .any(|var| var.secret && var.name.value == name)
        };
        // A secret on the command line is refused, not used: `ps` has shown
        // it to every user already, and the walk must not make that a habit.
        let on_argv: Vec<Problem> = self
            .vars
            .iter()
            .filter(|(name, _)| secret(name))
            .map(|(name, _)| Problem {
                origin: Origin::Flag,
                part: Part::Value,
                flag: format!("--var {name}"),
                message: tr!(lang, SecretOnCommandLine, name = name),
                hint: None,
            })
            .collect();
        vars.extend(
            self.vars
                .iter()
                .filter(|(name, _)| !secret(name))
                .map(|(name, value)| (name.clone(), (value.clone(), Origin::Flag))),
        );
        let mut changed: Vec<Problem> = vars
            .iter()
            // A secret's journaled value is its marker: a resume compares
            // it with what is kept beside the journal instead.
            .filter(|(name, _)| !secret(name))
            .filter_map(|(name, (value, origin))| {
                let was = set.get(name).filter(|was| *was != value)?;
                Some(Problem {
                    origin: origin.clone(),
                    part: Part::Value,
                    flag: format!("--var {name}={value}"),
                    message: tr!(lang, VariableFixed, name = name, was = was),
                    hint: None,
                })
            })
            .collect();
        given.extend(
            self.answers
                .iter()
                .map(|(key, value)| (key.clone(), Given::One(value.clone()), Origin::Flag)),
        );
        if defaults {
            for var in &runbook.vars {
                if let Some(default) = &var.default {
                    vars.entry(var.name.value.clone())
                        .or_insert_with(|| (default.clone(), Origin::Default));
                }
            }
        }
        let secret_hint;
        let hint = if let Some(Problem { flag, .. }) = on_argv.first() {
            let name = flag.trim_start_matches("--var ");
            secret_hint = tr!(lang, HintSecretInEnv, env = secret_env(name), name = name);
            secret_hint.as_str()
        } else if changed.is_empty() {
            tr!(lang, HintSeeShowSteps)
        } else {
            tr!(lang, HintLeaveVariableOut)
        };
        changed.splice(0..0, on_argv);
        notes.extend(
            self.notes
                .iter()
                .map(|(step, text)| (step.clone(), (text.clone(), Origin::Flag))),
        );
        let notes = notes
            .into_iter()
            .map(|(step, (text, origin))| (step, text, origin))
            .collect();
        match Answers::new(runbook, given, vars, lang)
            .and_then(|answers| answers.with_notes(runbook, notes, lang))
        {
            Ok(answers) if changed.is_empty() => Ok(answers),
            result => {
                let mut problems = changed;
                problems.extend(result.err().unwrap_or_default());
                Err(refusal(problems, file.as_ref(), hint, lang))
            }
        }
    }
}

/// The error for answers the runbook cannot take. Flags alone are listed
/// as they were given; once the file is at fault, every problem is a
/// diagnostic, those in the file located at the key or value, so that
/// all of them are shown at once and the same way.
fn refusal(problems: Vec<Problem>, file: Option<&Source>, hint: &str, lang: &Lang) -> Error {
    let located = |problem: &Problem| file.zip(problem.span());
    if !problems.iter().any(|problem| located(problem).is_some()) {
        let listed: Vec<String> = problems
            .iter()
            .map(|problem| match &problem.hint {
                Some(hint) => tr!(
                    lang,
                    AnswerProblemHint,
                    flag = problem.flag,
                    message = problem.message,
                    hint = hint
                ),
                None => tr!(
                    lang,
                    AnswerProblem,
                    flag = problem.flag,
                    message = problem.message
                ),
            })
            .collect();
        return Error::usage(tr!(lang, InvalidAnswers, problems = listed.join("\n  "))).with_hint(hint);
    }
    let mut diagnostics: Vec<Diagnostic> = problems
        .iter()
        .map(|problem| {
            let diagnostic = match located(problem) {
                Some((source, span)) => {
                    Diagnostic::new(Level::Error, source, Some(span), problem.message.clone())
                }
                None => Diagnostic::file(
                    Level::Error,
                    "the command line",
                    format!("{}: {}", problem.flag, problem.message),
                ),
            };
            diagnostic.with_hint(problem.hint.as_deref().unwrap_or(hint))
        })
        .collect();
    // The file's problems in the order they are written, then the flags'.
    diagnostics.sort_by_key(|diagnostic| {
        diagnostic
            .location
            .as_ref()
            .map_or((usize::MAX, 0), |location| (location.line, location.column))
    });
    Error::Diagnostics(diagnostics)
}

/// The most a `--var-file` may hold: a variable's own limit, with room for
/// the newline that is dropped (a longer value is refused as too long).
const VAR_FILE_LIMIT: u64 = 64 * 1024 + 2;

/// A `--var-file`'s value: the file's text without one trailing newline.
/// A secret's file that every user may read is used, with a warning.
fn read_var_file(name: &str, path: &Path, secret: bool, lang: &Lang) -> Result<String> {
    let shown = path.display();
    let bytes = crate::file_util::read_regular_or_pipe(path, VAR_FILE_LIMIT).map_err(|failed| {
        Error::usage(tr!(
            lang,
            VarFileUnreadable,
            name = name,
            path = shown,
            error = failed.error
        ))
    })?;
    if secret
        && let Ok(meta) = std::fs::metadata(path)
        && meta.is_file()
        && std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o004 != 0
    {
        let warning = tr!(lang, SecretFileReadable, path = shown, name = name);
        let line = tr!(lang, WarningLine, warning = warning);
        crate::term::print_warning_line(&line);
    }
    let mut text = String::from_utf8(bytes).map_err(|_| {
        Error::usage(tr!(lang, VarFileNotUtf8, name = name, path = shown)).with_hint(tr!(lang, HintSaveUtf8))
    })?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    Ok(text)
}

/// The most an answers file may hold: far more than any runbook asks.
const ANSWERS_LIMIT: u64 = 1024 * 1024;

/// What an answers file gives, each with where it is written.
struct FileAnswers {
    source: Source,
    vars: BTreeMap<String, (String, Origin)>,
    given: Vec<(String, Given, Origin)>,
    notes: BTreeMap<String, (String, Origin)>,
}

/// An answers file: `step = "value"`, lists for checklists, `[vars]`,
/// `[notes]`.
fn read_file(path: &Path) -> Result<FileAnswers> {
    let name = path.display().to_string();
    let bytes = crate::file_util::read_regular_or_pipe(path, ANSWERS_LIMIT)
        .map_err(|failed| Error::usage(format!("cannot read the answers file {name}: {}", failed.error)))?;
    let source = crate::load::decode(&name, load::Origin::File(path.to_path_buf()), bytes)
        .map_err(|d| Error::Diagnostics(vec![d.with_hint("save the answers file as UTF-8")]))?;
    let table = DeTable::parse(&source.text).map_err(|error| {
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
    let mut notes = BTreeMap::new();
    let mut given = Vec::new();
    let mut problems = Vec::new();
    let mut wrong = |span: Span, message: String| {
        problems.push(
            Diagnostic::new(Level::Error, &source, Some(span), message).with_hint(
                "answers are strings (\"yes\", \"done\", an option label or text) or lists of strings for checklists",
            ),
        );
    };
    let origin = |key: &Spanned<DeString<'_>>, value: &Spanned<DeValue<'_>>, items: Vec<Span>| Origin::File {
        key: Span::new(key.span()),
        value: Span::new(value.span()),
        items,
    };
    for (key, value) in table.get_ref() {
        let name = key.get_ref();
        match value.get_ref() {
            DeValue::Table(inner) if name == "vars" || name == "notes" => {
                let (into, what) = if name == "vars" {
                    (&mut vars, "variable")
                } else {
                    (&mut notes, "the note of step")
                };
                for (var, value) in inner {
                    match scalar(value.get_ref()) {
                        Some(text) => {
                            into.insert(var.get_ref().to_string(), (text, origin(var, value, Vec::new())));
                        }
                        None => wrong(
                            Span::new(value.span()),
                            format!("{what} `{}` must be a string", var.get_ref()),
                        ),
                    }
                }
            }
            DeValue::Array(items) => {
                let texts: Option<Vec<String>> = items.iter().map(|item| scalar(item.get_ref())).collect();
                match texts {
                    Some(texts) => {
                        let spans = items.iter().map(|item| Span::new(item.span())).collect();
                        given.push((name.to_string(), Given::List(texts), origin(key, value, spans)));
                    }
                    None => wrong(
                        Span::new(value.span()),
                        format!("`{name}` must be a list of strings"),
                    ),
                }
            }
            inner => match scalar(inner) {
                Some(text) => {
                    given.push((name.to_string(), Given::One(text), origin(key, value, Vec::new())))
                }
                None => wrong(Span::new(value.span()), format!("`{name}` must be a string")),
            },
        }
    }
    if problems.is_empty() {
        Ok(FileAnswers {
            source,
            vars,
            given,
            notes,
        })
    } else {
        Err(Error::Diagnostics(problems))
    }
}

/// An answer written as a string, a number (an option or item number) or
/// a boolean (yes or no).
fn scalar(value: &DeValue<'_>) -> Option<String> {
    match value {
        DeValue::String(text) => Some(text.to_string()),
        DeValue::Integer(number) => {
            let digits = number.as_str().replace('_', "");
            let digits = digits
                .trim_start_matches("0x")
                .trim_start_matches("0o")
                .trim_start_matches("0b");
            i64::from_str_radix(digits, number.radix())
                .ok()
                .map(|number| number.to_string())
        }
        DeValue::Boolean(flag) => Some(if *flag { "yes" } else { "no" }.to_owned()),
        _ => None,
    }
}

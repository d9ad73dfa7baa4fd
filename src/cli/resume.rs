//! `runbook resume INC`: go on where an incident stopped.

use super::answers::AnswerArgs;
use super::start::journal_error;
use super::walk::{Begin, Walk, interactive};
use super::{Context, context::actor};
use crate::error::{Error, Result};
use crate::exit_code::ExitCode;
use crate::journal::{Lock, sha256_hex};
use crate::model::{EventKind, Incident, ReplayError, Runbook};
use crate::tr;
use std::io::Write;

/// Go on with a paused or interrupted incident, timers still counting from
/// its start. Takes the same answer flags as `start`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The incident's id, as `runbook incidents` shows it.
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::open_incidents))]
    pub incident: String,

    /// Go on even though the runbook changed since the incident started.
    #[arg(long)]
    pub accept_changed_runbook: bool,

    #[command(flatten)]
    pub answers: AnswerArgs,
}

pub fn run(context: &Context, args: &Args) -> Result<ExitCode> {
    let lang = &context.lang;
    let dir = context.incident_dir(&args.incident)?;
    let now = crate::clock::now();
    let actor = actor();
    let lock = Lock::acquire(&dir, &actor, context.command, now).map_err(journal_error(&context.lang))?;
    // The journal is verified whole and folded as it is read, one event at
    // a time: none is kept but what the walk needs (earlier commands'
    // output, for "show output").
    let mut folded: Option<std::result::Result<Incident, ReplayError>> = None;
    let mut outputs = crate::term::Outputs::default();
    let (mut journal, replay) = super::note::open_journal_with(&dir, &actor, lock, &mut |event| {
        match &mut folded {
            None => folded = Some(Incident::replay([&event])),
            Some(Ok(incident)) => incident.apply(&event),
            Some(Err(_)) => {}
        }
        outputs.take(event);
    })
    .map_err(journal_error(&context.lang))?;
    if let Some(torn) = &replay.torn {
        let mut err = std::io::stderr().lock();
        let warning = tr!(lang, JournalTornGoesOn, line = torn.line, bytes = torn.bytes);
        writeln!(err, "{}", tr!(lang, WarningLine, warning = warning))?;
    }
    let mut incident = folded
        .unwrap_or(Err(ReplayError::Empty))
        .map_err(|error| super::context::replay_error(&dir, error, lang))?;
    if !incident.status.is_open() {
        let id = &incident.id;
        return Err(Error::usage(match incident.status {
            crate::model::Status::Aborted => tr!(lang, NothingToResumeAborted, incident = id),
            crate::model::Status::Ended(outcome) => tr!(
                lang,
                NothingToResumeEnded,
                incident = id,
                outcome = crate::i18n::outcome_name(lang, outcome)
            ),
            _ => tr!(lang, NothingToResume, incident = id),
        })
        .with_hint(tr!(lang, HintSeeIncidents)));
    }

    let catalog = context.catalog_for(&incident.runbook);
    let found = catalog.get(&incident.runbook).map(|entry| {
        let text = entry
            .file()
            .as_ref()
            .map(|loaded| loaded.source.text.as_str())
            .unwrap_or("");
        (entry, text)
    });
    // `archive` and `report` need the plan as it was at start: a copy that
    // is gone or changed is said now, and put back when it can be.
    let mut err = std::io::stderr().lock();
    let kept = match super::kept::verified_or_restored(
        &dir,
        &incident,
        || found.map(|(_, text)| text.to_owned()),
        &mut err,
        lang,
    ) {
        Ok(text) => Some(text),
        Err(error) => {
            let message = error.to_string();
            let warning = crate::term::sanitize(&message);
            writeln!(err, "{}", tr!(lang, WarningLine, warning = warning))?;
            if let Some(hint) = error.hint() {
                writeln!(err, "{}", tr!(lang, HintLine, hint = crate::term::sanitize(hint)))?;
            }
            None
        }
    };
    drop(err);
    let current = found.map(|(entry, text)| (entry, sha256_hex(text.as_bytes())));
    let kept_runbook;
    let runbook: &Runbook = match current {
        Some((entry, digest)) if digest == incident.digest => super::show::valid(entry)?,
        Some((entry, digest)) => {
            if !args.accept_changed_runbook {
                let changes = kept
                    .as_deref()
                    .and_then(|text| super::kept::runbook(context, &dir, text.to_owned()))
                    .zip(entry.runbook())
                    .map(|(old, new)| differences(&old, new, lang))
                    .unwrap_or_default();
                let listed = if changes.is_empty() {
                    String::new()
                } else {
                    format!(":\n  {}", changes.join("\n  "))
                };
                return Err(Error::usage(tr!(
                    lang,
                    RunbookChangedSince,
                    runbook = incident.runbook,
                    incident = incident.id,
                    then = &incident.digest[..12.min(incident.digest.len())],
                    now = &digest[..12],
                    listed = listed
                ))
                .with_hint(tr!(lang, HintAcceptChanged)));
            }
            let runbook = super::show::valid(entry)?;
            let event = journal
                .append(
                    now,
                    EventKind::NoteAdded {
                        // The journal keeps English; `i18n::note` reads it back.
                        text: tr!(
                            &crate::model::Lang::english(),
                            ChangedRunbookNote,
                            then = incident.digest,
                            now = digest
                        ),
                        step: None,
                    },
                )
                .map_err(journal_error(&context.lang))?;
            incident.apply(&event);
            runbook
        }
        None => {
            // The runbook is gone from the search path: follow the copy kept
            // at start, which is exactly the plan the incident began with.
            kept_runbook = kept
                .as_deref()
                .and_then(|text| super::kept::runbook(context, &dir, text.to_owned()))
                .ok_or_else(|| {
                    Error::usage(tr!(
                        lang,
                        RunbookGoneNoCopy,
                        runbook = incident.runbook,
                        incident = incident.id
                    ))
                    .with_hint(tr!(lang, HintPutRunbookBack, digest = incident.digest))
                })?;
            &kept_runbook
        }
    };

    let interactive = interactive(args.answers.non_interactive);
    let answers = args
        .answers
        .answers(runbook, !interactive, &incident.vars, lang)?;
    // A secret given again must be the value the incident's commands had:
    // refused before anything is journaled, as a changed variable is.
    for var in runbook.vars.iter().filter(|var| var.secret) {
        let name = &var.name.value;
        let Some(value) = answers.vars().get(name) else {
            continue;
        };
        let same = crate::journal::admit_secret(&dir, name, value)
            .map_err(|error| Error::Other(anyhow::Error::new(error)))?;
        if !same {
            return Err(
                Error::usage(tr!(lang, SecretNotSame, name = name, incident = incident.id)).with_hint(tr!(
                    lang,
                    HintSecretSame,
                    env = crate::engine::secret_env(name),
                    name = name
                )),
            );
        }
    }
    Walk {
        context,
        incident_key: super::walk::incident_key(&dir),
        runbook,
        journal: &mut journal,
        answers,
        json: args.answers.json,
        interactive,
        outputs: outputs.finish(),
    }
    .run(Begin::Resume(Box::new(incident)))
}

/// Step by step, what differs between two versions of a runbook.
fn differences(old: &Runbook, new: &Runbook, lang: &crate::model::Lang) -> Vec<String> {
    let json = |step: &crate::model::Step| serde_json::to_string(step).unwrap_or_default();
    let mut changes = Vec::new();
    for step in &old.steps {
        match new.step(&step.id.value) {
            None => changes.push(tr!(lang, StepRemoved, step = step.id.value)),
            Some(now) if json(now) != json(step) => {
                changes.push(tr!(lang, StepChanged, step = step.id.value))
            }
            Some(_) => {}
        }
    }
    for step in &new.steps {
        if old.step(&step.id.value).is_none() {
            changes.push(tr!(lang, StepAdded, step = step.id.value));
        }
    }
    let others = |runbook: &Runbook| {
        serde_json::to_string(&(
            &runbook.vars,
            &runbook.contacts,
            &runbook.timers,
            &runbook.severities,
        ))
        .unwrap_or_default()
    };
    if others(old) != others(new) {
        changes.push(tr!(lang, OthersChanged).to_owned());
    }
    changes
}

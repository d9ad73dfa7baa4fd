//! `runbook start ID`: open an incident and walk it.

use super::answers::AnswerArgs;
use super::walk::{Begin, Walk, interactive};
use super::{Context, context::actor};
use crate::engine::Start;
use crate::error::{Error, Result};
use crate::exit_code::ExitCode;
use crate::journal::{Journal, Lock, allocate, sha256_hex};
use crate::load::Origin;
use crate::tr;

/// Open an incident from a runbook and walk it: at a terminal step by step,
/// or from a script with --answer/--answers/--var (pausing, exit 3, at the
/// first question nobody answered).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A rehearsal: commands follow their `drill` setting and everything is
    /// marked DRILL.
    #[arg(long)]
    pub drill: bool,

    #[command(flatten)]
    pub opening: Opening,
}

/// Which runbook to open an incident from, and how: what `start` and
/// `drill` both take (`drill` is always a drill, so it has no --drill).
#[derive(Debug, clap::Args)]
pub struct Opening {
    /// The runbook's id, as `runbook list` shows it.
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::runbooks))]
    pub id: String,

    /// The response level to open at (default: the runbook's).
    #[arg(long, value_name = "LEVEL")]
    pub severity: Option<String>,

    /// In a drill, run timers N times faster (--speed 60: an hour is a minute).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub speed: Option<u32>,

    #[command(flatten)]
    pub answers: AnswerArgs,
}

pub fn run(context: &Context, args: &Args) -> Result<ExitCode> {
    begin(context, &args.opening, args.drill)
}

/// Shared with `runbook drill`.
pub fn begin(context: &Context, args: &Opening, drill: bool) -> Result<ExitCode> {
    let catalog = context.catalog_for(&args.id);
    let entry = context.find(&catalog, &args.id)?;
    let runbook = super::show::valid(entry)?;
    let severity = match &args.severity {
        Some(level) if runbook.severity(level).is_some() => level.clone(),
        Some(level) => {
            let known: Vec<&str> = runbook.severities.iter().map(|l| l.id.as_str()).collect();
            let lang = &context.lang;
            return Err(
                Error::usage(tr!(lang, NoSeverity, runbook = runbook.id.value, level = level))
                    .with_hint(tr!(lang, HintSeverities, known = known.join(", "))),
            );
        }
        None => runbook.default_severity.value.clone(),
    };
    if args.speed.is_some() && !drill {
        return Err(
            Error::usage(tr!(&context.lang, SpeedForDrills)).with_hint(tr!(&context.lang, HintAddDrill))
        );
    }
    let interactive = interactive(args.answers.non_interactive);
    // Everything is checked before the incident exists: bad input opens nothing.
    let answers = args
        .answers
        .answers(runbook, !interactive, &Default::default(), &context.lang)?;

    let now = crate::clock::now();
    let actor = actor();
    // An incident started today can only have been archived this month.
    let archived = context.archive_dir().join(crate::record::archive::month_dir(now));
    let (id, dir) = allocate(&context.incidents_dir(), now.date_naive(), &archived).map_err(|error| {
        Error::usage(tr!(
            &context.lang,
            CannotCreateIncident,
            dir = context.incidents_dir().display(),
            error = error
        ))
    })?;
    let Ok(loaded) = entry.file() else {
        return Err(Error::Diagnostics(entry.errors()));
    };
    let source = &loaded.source;
    // The (empty) journal first: a start stopped before its first event
    // then leaves an incident that never started, which says what it is,
    // rather than a directory whose journal is missing.
    let lock = Lock::acquire(&dir, &actor, context.command, now).map_err(journal_error(&context.lang))?;
    let mut journal = Journal::create(&dir, &actor, lock).map_err(journal_error(&context.lang))?;
    super::kept::write(&dir, &source.text)?;
    let start = Start {
        incident: id,
        severity,
        vars: answers.vars().clone(),
        drill,
        speed: if drill { args.speed.unwrap_or(1) } else { 1 },
        digest: sha256_hex(source.text.as_bytes()),
        source: match &source.origin {
            Origin::Builtin => source.name.clone(),
            Origin::File(path) => path.display().to_string(),
        },
    };
    Walk {
        context,
        incident_key: super::walk::incident_key(&dir),
        runbook,
        journal: &mut journal,
        answers,
        json: args.answers.json,
        interactive,
        outputs: Vec::new(),
    }
    .run(Begin::Start(start))
}

/// Who holds an incident's lock, in `lang`.
pub(super) fn holder_words(lang: &crate::model::Lang, holder: Option<&crate::journal::Holder>) -> String {
    crate::journal::holder_in_lang(lang, holder)
}

/// The error for a journal that cannot be opened or written, one held by
/// another process said in `lang`.
pub(super) fn journal_error(
    lang: &crate::model::Lang,
) -> impl Fn(crate::journal::JournalError) -> Error + '_ {
    move |error| match error {
        crate::journal::JournalError::Locked { .. } => {
            Error::usage(error.in_lang(lang)).with_hint(tr!(lang, HintOneProcess))
        }
        error => Error::failed(error.in_lang(lang)),
    }
}

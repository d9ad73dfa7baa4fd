//! `runbook check`: for cron or a systemd timer. Lists records past the
//! plan's one-day archive deadline, fires the due timers of incidents nobody
//! is driving, retries failed notifications, and sends the severity notice
//! a crash kept from going out. Exits 1 when anything is overdue or could
//! not be checked.

use super::{Context, context::actor};
use crate::engine::{Notifier, fire, timers};
use crate::error::Result;
use crate::exit_code::ExitCode;
use crate::journal::{JournalError, Lock};
use crate::model::{Event, EventKind, Incident, Lang, Undelivered};
use crate::tr;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::io::Write;

/// List incidents whose record is past its archive deadline (exit 1), fire
/// due timers of incidents nobody is driving and retry failed notifications.
/// Run it every minute from cron or a systemd timer.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print what was done as one JSON array on stdout.
    #[arg(long)]
    pub json: bool,

    /// Judge archive deadlines as at TIME (RFC 3339, or YYYY-MM-DD for the
    /// start of that day, UTC) and change nothing: no timer fires, no
    /// notification is retried. For planning, and for tests.
    #[arg(long, value_name = "TIME", value_parser = as_of)]
    pub as_of: Option<DateTime<Utc>>,
}

fn as_of(text: &str) -> std::result::Result<DateTime<Utc>, String> {
    crate::clock::parse_time(text, crate::clock::DayEdge::Start)
}

#[derive(Debug, Serialize)]
struct Done {
    incident: String,
    /// `timer-fired`, `notified`, `notification-failed`, `skipped`,
    /// `mirror-synced`, `mirror-failed` (then `incident` is the mirror).
    action: &'static str,
    detail: String,
    /// The detail as printed in the display language; `detail` (English,
    /// for scripts reading the JSON) when `None`.
    #[serde(skip)]
    shown: Option<String>,
}

pub fn run(context: &Context, args: &Args) -> Result<ExitCode> {
    let notifier = context.notifier();
    let notifier: Option<&dyn Notifier> = notifier.as_ref().map(|n| n as &dyn Notifier);
    let mut done = Vec::new();
    let mut problems = 0;
    let ids = context.incident_ids()?;
    // An archived incident is closed for good and its record filed:
    // nothing is left to fire, send or file, so its journal is not read.
    let archived = super::deadline::archived_ids(context);
    // Each other journal read once, for both passes below.
    let incidents: Vec<(String, std::result::Result<Option<Incident>, Skipped>)> = ids
        .into_iter()
        .filter(|id| !archived.contains(id))
        .map(|id| {
            let read = read_incident(&context.incidents_dir().join(&id), &context.lang);
            (id, read)
        })
        .collect();
    // Records the plan requires and nobody filed in time.
    let now = args.as_of.unwrap_or_else(crate::clock::now);
    let mut overdue = 0;
    for (id, read) in &incidents {
        let Ok(Some(incident)) = read else {
            continue;
        };
        let dir = context.incidents_dir().join(id);
        if let super::deadline::Archiving::Overdue(due) =
            super::deadline::archiving(context, &dir, incident, &archived, now)
        {
            overdue += 1;
            done.push(Done {
                incident: id.clone(),
                action: "archive-overdue",
                detail: format!(
                    "the record was due {} (late by {}); run `runbook archive {id}`",
                    due.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    crate::term::short(now - due)
                ),
                shown: Some(tr!(
                    &context.lang,
                    CheckOverdue,
                    due = due.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    late = crate::i18n::span(&context.lang, (now - due).num_seconds()),
                    incident = id
                )),
            });
        }
    }
    for (id, read) in incidents {
        // `--as-of` changes nothing, but an incident it cannot judge is
        // still named.
        match read.and_then(|incident| match incident {
            Some(incident) if incident.status.is_open() && args.as_of.is_none() => {
                check(context, &id, notifier, &mut done)
            }
            _ => Ok(()),
        }) {
            Ok(()) => {}
            Err(problem) => {
                problems += 1;
                done.push(Done {
                    incident: id,
                    action: "skipped",
                    detail: problem.detail,
                    shown: Some(problem.shown),
                });
            }
        }
    }

    if args.as_of.is_none() {
        problems += sync_mirrors(context, &mut done);
    }

    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &done).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        for item in &done {
            writeln!(
                out,
                "{} {}: {}",
                item.incident,
                item.action,
                crate::term::sanitize(item.shown.as_ref().unwrap_or(&item.detail))
            )?;
        }
    }
    Ok(if problems > 0 || overdue > 0 {
        ExitCode::Failure
    } else {
        ExitCode::Success
    })
}

/// Copies to each configured mirror what it lacks (one that is up to date
/// costs a read of a small state file). Returns how many failed.
fn sync_mirrors(context: &Context, done: &mut Vec<Done>) -> usize {
    let archive = crate::record::Archive::new(context.archive_dir());
    let state = context.data_dir.join("mirrors");
    let mut failed = 0;
    for mirror in &context.config.mirrors {
        let (action, detail, shown) = match crate::record::mirror::sync(mirror, &archive, &state, true) {
            Ok(synced) if synced.up_to_date => continue,
            Ok(synced) => (
                "mirror-synced",
                format!("copied {}", synced.copied.join(", ")),
                Some(tr!(
                    &context.lang,
                    CheckCopied,
                    records = synced.copied.join(", ")
                )),
            ),
            Err(error) => {
                failed += 1;
                let detail = match error.next_step(mirror) {
                    Some(step) => format!("{error}\n  hint: {step}"),
                    None => error.to_string(),
                };
                let lang = &context.lang;
                let shown = match error.next_step_in_lang(mirror, lang) {
                    Some(step) => format!("{}\n  {}", error.in_lang(lang), tr!(lang, HintLine, hint = step)),
                    None => error.in_lang(lang),
                };
                ("mirror-failed", detail, Some(shown))
            }
        };
        done.push(Done {
            incident: mirror.name(),
            action,
            detail,
            shown,
        });
    }
    failed
}

/// An incident as its journal says, without taking its lock; `None` when
/// there is nothing to check: a start that is creating it right now, or
/// one that stopped before its first event.
fn read_incident(dir: &std::path::Path, lang: &Lang) -> Result<Option<Incident>, Skipped> {
    if !dir.join("journal.jsonl").exists() {
        return Ok(None);
    }
    let replay = crate::journal::read(dir).map_err(|error| Skipped::journal(&error, lang))?;
    match Incident::replay(&replay.events) {
        Ok(incident) => Ok(Some(incident)),
        Err(crate::model::ReplayError::Empty) => Ok(None),
        Err(error) => Err(Skipped {
            detail: error.to_string(),
            shown: super::context::replay_problem(dir, &error, lang).0,
        }),
    }
}

/// Why an incident was not checked: in English for the JSON, and as
/// printed in the display language.
struct Skipped {
    detail: String,
    shown: String,
}

impl Skipped {
    fn journal(error: &JournalError, lang: &Lang) -> Skipped {
        Skipped {
            detail: error.to_string(),
            shown: error.in_lang(lang),
        }
    }
}

/// Words that are already in the display language.
impl From<String> for Skipped {
    fn from(said: String) -> Skipped {
        Skipped {
            detail: said.clone(),
            shown: said,
        }
    }
}

/// One open incident: nothing when someone drives it.
fn check(
    context: &Context,
    id: &str,
    notifier: Option<&dyn Notifier>,
    done: &mut Vec<Done>,
) -> Result<(), Skipped> {
    let dir = context.incidents_dir().join(id);
    let now = crate::clock::now();
    let actor = actor();
    let lock = match Lock::acquire(&dir, &actor, context.command, now) {
        Ok(lock) => lock,
        // Its driver's own background thread does the work.
        Err(JournalError::Locked { .. }) => return Ok(()),
        Err(error) => return Err(Skipped::journal(&error, &context.lang)),
    };
    let (mut journal, replay) = super::note::open_journal(&dir, &actor, lock)
        .map_err(|error| Skipped::journal(&error, &context.lang))?;
    if let Some(torn) = &replay.torn {
        done.push(Done {
            incident: id.to_owned(),
            action: "journal-repaired",
            detail: format!(
                "the last event was cut short (line {}, {} bytes, a crash while writing); moved to journal.jsonl.torn",
                torn.line, torn.bytes
            ),
            shown: Some(tr!(&context.lang, CheckTorn, line = torn.line, bytes = torn.bytes)),
        });
    }
    let mut incident = Incident::replay(&replay.events).map_err(|error| Skipped {
        detail: error.to_string(),
        shown: super::context::replay_problem(&dir, &error, &context.lang).0,
    })?;
    // The plan as it was when the incident started, and no other.
    let text = super::kept::checked(&dir, &incident)
        .map_err(|problem| problem.describe(&incident, &context.lang))?;
    let runbook = super::kept::loaded(context, &dir, text)?;
    // What failed before this run; what fails in it waits for the next.
    let undelivered = incident.undelivered.clone();
    let mut append = |incident: &mut Incident, kind: EventKind| -> Result<Event, Skipped> {
        let event = journal
            .append(crate::clock::now(), kind)
            .map_err(|error| Skipped::journal(&error, &context.lang))?;
        incident.apply(&event);
        Ok(event)
    };
    // What a notification's outcome says in check's report.
    let lang = &context.lang;
    let reported = |kind: &EventKind| {
        let whom = |to: &[String]| to.join(tr!(lang, ListSeparator));
        let (action, detail, shown) = match kind {
            EventKind::NotificationSent { to, via, .. } => (
                "notified",
                format!("{} via {via}", to.join(", ")),
                tr!(lang, CheckNotified, to = whom(to), via = via),
            ),
            EventKind::NotificationFailed { to, via, error, .. } => (
                "notification-failed",
                format!("{} via {via}: {error}", to.join(", ")),
                tr!(
                    lang,
                    CheckNotNotified,
                    to = whom(to),
                    via = via,
                    error = crate::i18n::reason(lang, error)
                ),
            ),
            _ => return None,
        };
        Some(Done {
            incident: id.to_owned(),
            action,
            detail,
            shown: Some(shown),
        })
    };

    // Its severity's contacts were never told: a crash came in between.
    if let Some(notice) = incident.unannounced_severity.clone() {
        let from = notice.from.as_deref();
        for kind in fire::severity_notification(&runbook, &incident, from, notifier, &context.lang) {
            done.extend(reported(&kind));
            append(&mut incident, kind)?;
        }
    }

    for firing in timers::due(&runbook, &incident, now) {
        let timer = firing.timer;
        append(&mut incident, fire::timer_fired(firing))?;
        let detail = match (&timer.every, firing.repeat) {
            (Some(every), Some(repeat)) => format!(
                "timer {} (repeat {repeat}: after {}, then every {})",
                timer.id.value, timer.after, every.value
            ),
            _ => format!("timer {} (after {})", timer.id.value, timer.after),
        };
        done.push(Done {
            incident: id.to_owned(),
            action: "timer-fired",
            detail,
            shown: Some(match (&timer.every, firing.repeat) {
                (Some(every), Some(repeat)) => tr!(
                    lang,
                    CheckTimerRepeated,
                    timer = timer.id.value,
                    repeat = repeat,
                    after = crate::i18n::period(lang, &timer.after.text),
                    every = crate::i18n::period(lang, &every.value.text)
                ),
                _ => tr!(
                    lang,
                    CheckTimerFired,
                    timer = timer.id.value,
                    after = crate::i18n::period(lang, &timer.after.text)
                ),
            }),
        });
        for kind in fire::timer_notification(&runbook, &incident, timer, notifier, &context.lang, false) {
            done.extend(reported(&kind));
            append(&mut incident, kind)?;
        }
    }

    if let Some(notifier) = notifier {
        for pending in undelivered {
            // Delivered meanwhile (this run's notices reached them).
            if !incident.undelivered.contains(&pending) {
                continue;
            }
            let Undelivered { failed, attempts, .. } = pending;
            if attempts >= fire::MAX_ATTEMPTS {
                // Said once, when the last attempt failed; then left alone.
                continue;
            }
            for kind in fire::retry(&runbook, &incident, notifier, &failed) {
                if let Some(mut line) = reported(&kind) {
                    if line.action == "notification-failed" && attempts + 1 >= fire::MAX_ATTEMPTS {
                        line.detail
                            .push_str(&format!("; giving up after {} attempts", fire::MAX_ATTEMPTS));
                        if let Some(shown) = &mut line.shown {
                            shown.push_str(&tr!(lang, CheckGivingUp, attempts = fire::MAX_ATTEMPTS));
                        }
                    }
                    done.push(line);
                }
                append(&mut incident, kind)?;
            }
        }
    }
    Ok(())
}

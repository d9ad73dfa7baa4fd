//! A report laid out once, for every format: sections of labelled fields,
//! paragraphs, lists, tables and preformatted text. Strings are raw; each
//! renderer escapes them its own way.
//!
//! A field's values, a list's items and a table's cells are *entries*. An
//! entry may hold line breaks (a variable, an abort reason, a follow-up
//! typed on several lines), and every format shows them the same way, so
//! that a line of a value can never pass for an entry of its own: each
//! line after the first goes under its entry, indented past it and led by
//! [`CONTINUED`] (a Markdown table, which cannot break a line, joins them
//! with it). The record itself (the JSON) keeps the exact values.
//!
//! What is printed first fits a first page: the incident, then the
//! summary with the archive deadline and the signature's verdict. Command
//! output is printed once, under its evidence number, which the timeline
//! and the variables it set refer to.

use super::describe::{event, outcome, time};
use super::evidence::{self, Numbers};
use super::{Report, Standing, Verification};
use crate::i18n::span;
use crate::model::Lang;
use crate::model::Runbook;
use crate::record::canonical::Record;
use crate::tr;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

/// A whole report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The display language's tag, for HTML's `lang`.
    pub lang: String,
    pub title: String,
    /// What each printed page repeats at its top: the title, and whether
    /// it is a drill or a draft, so that no page taken from the pile can
    /// pass for a real or a filed report.
    pub running: String,
    /// The words around a printed page's number and the number of pages:
    /// `Page ` N ` of ` M.
    pub page: [String; 3],
    /// Shown above everything: drill, draft, a failed signature.
    pub banners: Vec<Banner>,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    /// `drill`, `draft` or `alert`: how loudly to show it.
    pub kind: &'static str,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// A stable name (`header`, `summary`, ...), for HTML ids.
    pub id: &'static str,
    pub title: String,
    pub blocks: Vec<Block>,
}

/// What leads each continuation line of a multi-line entry.
pub const CONTINUED: &str = "↳ ";

/// A labelled field: one value, or several entries (the variables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub label: String,
    /// Each may hold several lines; see [`CONTINUED`].
    pub entries: Vec<String>,
}

impl Field {
    fn one(label: String, value: String) -> Field {
        Field {
            label,
            entries: vec![value],
        }
    }

    fn many(label: String, entries: Vec<String>) -> Field {
        Field { label, entries }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Fields(Vec<Field>),
    Paragraph(String),
    /// A small heading inside a section.
    Subheading(String),
    /// Entries; each may hold several lines, see [`CONTINUED`].
    List(Vec<String>),
    /// The last column holds the long text. Cells are entries: see
    /// [`CONTINUED`].
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// Shown as written (a command), in a monospaced block.
    Pre(String),
    /// A command's output, shown as written, maybe cut in print.
    Output(Output),
    /// Blocks kept together on a printed page where they fit: one
    /// command's evidence. `id` is stable (`evidence-3`), for HTML ids.
    Group {
        id: String,
        blocks: Vec<Block>,
    },
}

/// Command output: its first lines, and when the middle was left out in
/// print, a note saying so and its last lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub head: String,
    /// What stands for the lines left out; `None` when nothing was.
    pub cut: Option<String>,
    pub tail: String,
}

impl Document {
    pub fn of(report: &Report<'_>) -> Document {
        let (record, lang) = (report.record, report.lang);
        let mut banners = Vec::new();
        if record.drill {
            banners.push(Banner {
                kind: "drill",
                text: tr!(lang, RDRILLARehearsalNotA).to_owned(),
            });
        }
        match report.standing {
            Standing::Draft { .. } => banners.push(Banner {
                kind: "draft",
                text: tr!(lang, RDRAFTNotArchivedAndNot).to_owned(),
            }),
            Standing::Archived {
                verification: Verification::NotVerified { why, .. },
                ..
            } => banners.push(Banner {
                kind: "alert",
                text: tr!(lang, RNOTVERIFIED, why = why),
            }),
            Standing::Archived { .. } => {}
        }
        let title = tr!(lang, RIncidentReport, incident = record.incident);
        let open = match report.standing {
            Standing::Draft { open } => open.as_deref(),
            Standing::Archived { .. } => None,
        };
        let mut running = title.clone();
        if record.drill {
            running.push_str(tr!(lang, RDRILL));
        }
        if matches!(report.standing, Standing::Draft { .. }) {
            running.push_str(tr!(lang, RDRAFT));
        }
        // What goes around the page number and the page count.
        let (before, rest) = tr!(lang, RPage).split_once("{page}").unwrap_or(("", ""));
        let (between, after) = rest.split_once("{pages}").unwrap_or(("", ""));
        let page = [before, between, after];
        let short = Short::of(record);
        let numbers = Numbers::of(record);
        Document {
            lang: lang.as_str().to_owned(),
            title,
            running,
            page: page.map(str::to_owned),
            banners,
            sections: vec![
                header(record, report.plan, &short, &numbers, open, report.standing, lang),
                summary(record, open, report.standing, lang),
                timeline(record, report.plan, &short, &numbers, lang),
                escalations(record, &short, lang),
                attachments(record, lang),
                evidence::section(record, &numbers, report.full, lang),
                verification(record, report.standing, lang),
            ],
        }
    }
}

fn header(
    record: &Record,
    plan: Option<&Runbook>,
    short: &Short<'_>,
    numbers: &Numbers,
    open: Option<&str>,
    standing: &Standing,
    lang: &Lang,
) -> Section {
    let mut fields = Vec::new();
    fields.push(Field::one(
        tr!(lang, RIncident).to_owned(),
        record.incident.clone(),
    ));
    let version = record
        .runbook
        .version
        .as_deref()
        .map(|v| tr!(lang, RVersionSuffix, v = v))
        .unwrap_or_default();
    fields.push(Field::one(
        tr!(lang, RRunbook).to_owned(),
        tr!(
            lang,
            RRunbookNamed,
            title = plan.map_or(record.runbook.title.as_str(), |plan| plan.title.get(lang)),
            id = record.runbook.id,
            version = version
        ),
    ));
    let state = match open {
        Some(state) => tr!(lang, ROpen, state = state),
        None => {
            let how = outcome(lang, record.outcome);
            match (&record.end_step, &record.abort_reason) {
                (_, Some(reason)) => format!("{how}: {reason}"),
                (Some(step), None) => tr!(lang, REndedAtStep, how = how, step = step),
                (None, None) => how,
            }
        }
    };
    let label = match open {
        Some(_) => tr!(lang, RStatus).to_owned(),
        None => tr!(lang, ROutcomeField).to_owned(),
    };
    fields.push(Field::one(label, state));
    fields.push(Field::one(
        tr!(lang, RSeverityField).to_owned(),
        record.severity.clone(),
    ));
    if record.severity_history.len() > 1 {
        let history: Vec<String> = record
            .severity_history
            .iter()
            .map(|change| {
                let by = short.actor(&change.actor);
                let reason = change
                    .reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                match &change.from {
                    None => tr!(
                        lang,
                        RSeverityAtStart,
                        time = short.clock(change.time),
                        severity = change.severity,
                        by = by
                    ),
                    Some(from) => format!(
                        "{} {from} → {} ({by}){reason}",
                        short.clock(change.time),
                        change.severity
                    ),
                }
            })
            .collect();
        fields.push(Field::many(tr!(lang, RHistory).to_owned(), history));
    }
    fields.push(Field::one(
        tr!(lang, ROperators).to_owned(),
        record.operators.join(", "),
    ));
    fields.push(Field::one(tr!(lang, RStarted).to_owned(), time(record.started)));
    if open.is_some() {
        fields.push(Field::one(
            tr!(lang, REnded).to_owned(),
            tr!(lang, RNotYet).to_owned(),
        ));
    } else {
        fields.push(Field::one(tr!(lang, REnded).to_owned(), time(record.ended)));
        fields.push(Field::one(
            tr!(lang, RHandlingTook).to_owned(),
            span(lang, record.duration_s),
        ));
    }
    match standing {
        Standing::Archived { .. } => {
            let after = span(lang, (record.archived - record.ended).num_seconds());
            fields.push(Field::one(
                tr!(lang, RArchived).to_owned(),
                tr!(lang, RArchivedAfter, time = time(record.archived), after = after),
            ));
        }
        Standing::Draft { .. } => fields.push(Field::one(
            tr!(lang, RArchived).to_owned(),
            tr!(lang, RNotArchivedYet, time = time(record.archived)),
        )),
    }
    if !record.vars.is_empty() {
        let vars: Vec<String> = record
            .vars
            .iter()
            .map(|(k, v)| match numbers.captured(k, v) {
                // A command's output is printed once, with its evidence.
                Some(n) if v.lines().count() > 1 || v.chars().count() > SHORT_VALUE => {
                    tr!(lang, ROutputOfEvidence, k = k, n = n)
                }
                Some(n) => tr!(lang, RFromEvidence, k = k, v = v, n = n),
                None => format!("{k} = {v}"),
            })
            .collect();
        fields.push(Field::many(tr!(lang, RVariables).to_owned(), vars));
    }
    if !record.milestones.is_empty() {
        let milestones: Vec<String> = record
            .milestones
            .iter()
            .map(|m| format!("{} {} ({})", short.clock(m.time), m.name, m.step))
            .collect();
        fields.push(Field::many(tr!(lang, RMilestones).to_owned(), milestones));
    }
    Section {
        id: "header",
        title: tr!(lang, RIncidentSection).to_owned(),
        blocks: vec![Block::Fields(fields)],
    }
}

/// The longest value a command's output set that the variables show as
/// it is (a version, a count); a longer one is referred to.
const SHORT_VALUE: usize = 40;

fn summary(record: &Record, open: Option<&str>, standing: &Standing, lang: &Lang) -> Section {
    let text = |s: &str| {
        if s.trim().is_empty() {
            tr!(lang, RNotWrittenYet).to_owned()
        } else {
            s.to_owned()
        }
    };
    let summary = &record.summary;
    let mut blocks = vec![
        Block::Subheading(tr!(lang, RWhatHappened).to_owned()),
        Block::Paragraph(text(&summary.what_happened)),
        Block::Subheading(tr!(lang, RCause).to_owned()),
        Block::Paragraph(text(&summary.cause)),
        Block::Subheading(tr!(lang, RHandlingAndResult).to_owned()),
        Block::Paragraph(text(&summary.resolution)),
        Block::Subheading(tr!(lang, RFollowUps).to_owned()),
    ];
    if summary.follow_ups.is_empty() {
        blocks.push(Block::Paragraph(tr!(lang, RNone).to_owned()));
    } else {
        blocks.push(Block::List(summary.follow_ups.clone()));
    }
    let mut fields = deadline(record, open, standing, lang);
    fields.push(Field::one(
        tr!(lang, RSignature).to_owned(),
        signature(standing, lang),
    ));
    blocks.push(Block::Fields(fields));
    Section {
        id: "summary",
        title: tr!(lang, RSummary).to_owned(),
        blocks,
    }
}

fn timeline(
    record: &Record,
    plan: Option<&Runbook>,
    short: &Short<'_>,
    numbers: &Numbers,
    lang: &Lang,
) -> Section {
    let rows = record
        .timeline
        .iter()
        .map(|entry| {
            vec![
                short.clock(entry.time),
                short.actor(&entry.actor),
                event(lang, plan, entry, numbers.of_entry(entry.seq)),
            ]
        })
        .collect();
    Section {
        id: "timeline",
        title: tr!(lang, RTimeline).to_owned(),
        blocks: vec![Block::Table {
            header: vec![
                tr!(lang, RTime).to_owned(),
                tr!(lang, RBy).to_owned(),
                tr!(lang, REvent).to_owned(),
            ],
            rows,
        }],
    }
}

fn escalations(record: &Record, short: &Short<'_>, lang: &Lang) -> Section {
    let mut blocks = vec![Block::Subheading(tr!(lang, REscalations).to_owned())];
    if record.escalations.is_empty() {
        blocks.push(Block::Paragraph(tr!(lang, RNone).to_owned()));
    } else {
        let rows = record
            .escalations
            .iter()
            .map(|e| {
                let reason = e.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
                let timer = e.timer.clone().unwrap_or_default();
                let (kind, detail) = match e.kind.as_str() {
                    "severity-changed" => (
                        tr!(lang, RSeverityChangedKind).to_owned(),
                        format!(
                            "{} → {}{reason}",
                            e.from.as_deref().unwrap_or("?"),
                            e.to.as_deref().unwrap_or("?")
                        ),
                    ),
                    "timer-fired" => (tr!(lang, RTimerFiredKind).to_owned(), timer),
                    "timer-offer" => (
                        tr!(lang, RPathOffered).to_owned(),
                        match e.accepted {
                            Some(true) => tr!(lang, RTaken, timer = timer),
                            Some(false) => {
                                tr!(lang, RDeclined, timer = timer)
                            }
                            None => timer,
                        },
                    ),
                    other => (other.to_owned(), format!("{timer}{reason}")),
                };
                vec![short.clock(e.time), short.actor(&e.actor), kind, detail]
            })
            .collect();
        blocks.push(Block::Table {
            header: vec![
                tr!(lang, RTime).to_owned(),
                tr!(lang, RBy).to_owned(),
                tr!(lang, RKind).to_owned(),
                tr!(lang, RDetail).to_owned(),
            ],
            rows,
        });
    }
    blocks.push(Block::Subheading(tr!(lang, RNotifications).to_owned()));
    if record.notifications.is_empty() {
        blocks.push(Block::Paragraph(tr!(lang, RNone).to_owned()));
    } else {
        let rows = record
            .notifications
            .iter()
            .enumerate()
            .map(|(at, n)| {
                let mut what = n.subject.clone();
                let by = n
                    .actor
                    .as_deref()
                    .map(|actor| short.actor(actor))
                    .unwrap_or_default();
                let how = n.how.as_ref().and_then(Option::as_deref).unwrap_or("");
                let via = match (n.via.as_str(), n.delivered) {
                    ("by-hand", true) if how.is_empty() => {
                        tr!(lang, RByHand, by = by)
                    }
                    ("by-hand", true) => tr!(lang, RByHandHow, by = by, how = how),
                    ("by-hand", false) => tr!(lang, RByHandNotReached, by = by),
                    (via, _) => via.to_owned(),
                };
                if !n.delivered {
                    let error = n.error.as_deref().unwrap_or("");
                    // Told later, by hand or by a notifier: said here, so
                    // that a failure is not read as the last word.
                    let later = record.notifications[at + 1..]
                        .iter()
                        .find(|m| m.delivered && m.step == n.step && m.timer == n.timer && m.to == n.to);
                    let (unreached, told) = match (n.via.as_str(), later) {
                        ("by-hand", _) => (tr!(lang, RNOTREACHED).to_owned(), String::new()),
                        (_, Some(m)) => (
                            tr!(lang, RNotDelivered).to_owned(),
                            tr!(lang, RToldAtBelow, time = short.clock(m.time)),
                        ),
                        (_, None) => (tr!(lang, RNOTDELIVERED).to_owned(), String::new()),
                    };
                    what.push_str(&tr!(
                        lang,
                        RUnreachedLine,
                        unreached = unreached,
                        error = error,
                        told = told
                    ));
                }
                vec![short.clock(n.time), n.to.join(", "), via, what]
            })
            .collect();
        blocks.push(Block::Table {
            header: vec![
                tr!(lang, RTime).to_owned(),
                tr!(lang, RTo).to_owned(),
                tr!(lang, RVia).to_owned(),
                tr!(lang, RSubject).to_owned(),
            ],
            rows,
        });
    }
    Section {
        id: "escalations",
        title: tr!(lang, REscalationsAndNotifications).to_owned(),
        blocks,
    }
}

fn attachments(record: &Record, lang: &Lang) -> Section {
    let block = if record.attachments.is_empty() {
        Block::Paragraph(tr!(lang, RNone).to_owned())
    } else {
        Block::List(
            record
                .attachments
                .iter()
                .map(|a| {
                    tr!(
                        lang,
                        RAttachmentLine,
                        name = a.name,
                        bytes = a.bytes,
                        sha256 = a.sha256
                    )
                })
                .collect(),
        )
    };
    Section {
        id: "attachments",
        title: tr!(lang, RAttachments).to_owned(),
        blocks: vec![block],
    }
}

/// When the record is due, and whether it was (or can still be) archived
/// on time.
fn deadline(record: &Record, open: Option<&str>, standing: &Standing, lang: &Lang) -> Vec<Field> {
    let deadline = &record.deadline;
    let within = span(lang, deadline.within_s);
    let (due, verdict) = if open.is_some() {
        (
            tr!(lang, RAfterHandlingEnds, within = within),
            tr!(lang, RHandlingHasNotEndedThe).to_owned(),
        )
    } else {
        let archived = matches!(standing, Standing::Archived { .. });
        let early = span(lang, (deadline.due - record.archived).num_seconds());
        let late = span(lang, deadline.late_s);
        let verdict = match (archived, deadline.on_time) {
            (true, true) => tr!(lang, RMetArchivedBeforeTheDeadline, early = early),
            (true, false) => tr!(lang, RLATEBy, late = late),
            (false, true) => tr!(lang, RNotArchivedYetLeft, early = early),
            (false, false) => tr!(lang, ROVERDUEByNotArchivedYet, late = late),
        };
        let due = time(deadline.due);
        (tr!(lang, RAfterTheEnd, due = due, within = within), verdict)
    };
    vec![
        Field::one(tr!(lang, RArchiveDue).to_owned(), due),
        Field::one(tr!(lang, RCompliance).to_owned(), verdict),
    ]
}

/// The signature's verdict in a few words: who signed, or why it fails.
fn signature(standing: &Standing, lang: &Lang) -> String {
    match standing {
        Standing::Draft { .. } => tr!(lang, RNoneADraftIsNot).to_owned(),
        Standing::Archived {
            verification: Verification::Verified { principal, .. },
            ..
        } => tr!(lang, RVerifiedSignedBy, principal = principal),
        Standing::Archived {
            verification: Verification::NotVerified { why, .. },
            ..
        } => tr!(lang, RNOTVERIFIED, why = why),
    }
}

fn verification(record: &Record, standing: &Standing, lang: &Lang) -> Section {
    let mut fields = Vec::new();
    match standing {
        Standing::Draft { .. } => fields.push(Field::one(
            tr!(lang, RSignature).to_owned(),
            tr!(lang, RNoneADraftIsNot).to_owned(),
        )),
        Standing::Archived { sha256, verification } => {
            match verification {
                Verification::Verified {
                    principal,
                    fingerprint,
                } => {
                    fields.push(Field::one(
                        tr!(lang, RSignature).to_owned(),
                        tr!(lang, RVerified).to_owned(),
                    ));
                    fields.push(Field::one(tr!(lang, RSignedBy).to_owned(), principal.clone()));
                    fields.push(Field::one(tr!(lang, RKey).to_owned(), fingerprint.clone()));
                }
                Verification::NotVerified { fingerprint, why } => {
                    fields.push(Field::one(
                        tr!(lang, RSignature).to_owned(),
                        tr!(lang, RNOTVERIFIED, why = why),
                    ));
                    if let Some(fingerprint) = fingerprint {
                        fields.push(Field::one(tr!(lang, RKey).to_owned(), fingerprint.clone()));
                    }
                }
            }
            fields.push(Field::one(tr!(lang, RRecordSHA256).to_owned(), sha256.clone()));
            fields.push(Field::one(
                tr!(lang, RPrevious).to_owned(),
                record
                    .previous_record
                    .clone()
                    .unwrap_or_else(|| tr!(lang, RNoneTheFirstRecord).to_owned()),
            ));
        }
    }
    fields.push(Field::one(
        tr!(lang, RJournal).to_owned(),
        tr!(lang, RJournalEvents, events = record.journal.events),
    ));
    fields.push(Field::one(String::new(), record.journal.head.clone()));
    fields.push(Field::one(
        tr!(lang, RRunbookDigest).to_owned(),
        record.runbook.digest.clone(),
    ));
    Section {
        id: "verification",
        title: tr!(lang, RVerification).to_owned(),
        blocks: vec![Block::Fields(fields)],
    }
}

/// How tables shorten times and actors, worked out once per record (a
/// timeline can hold thousands of events).
struct Short<'r> {
    /// The incident's UTC day, when every event of its timeline fell on it.
    day: Option<NaiveDate>,
    /// How many operators have each user name.
    users: BTreeMap<&'r str, usize>,
    operators: &'r [String],
}

impl<'r> Short<'r> {
    fn of(record: &'r Record) -> Short<'r> {
        let day = record.started.date_naive();
        let one_day = record.timeline.iter().all(|entry| entry.time.date_naive() == day);
        let mut users: BTreeMap<&str, usize> = BTreeMap::new();
        for operator in &record.operators {
            let user = operator.split('@').next().unwrap_or(operator);
            *users.entry(user).or_default() += 1;
        }
        Short {
            day: one_day.then_some(day),
            users,
            operators: &record.operators,
        }
    }

    /// The time of day when the whole incident fits in one UTC day, else
    /// the date too, so the timeline's first column stays narrow.
    fn clock(&self, at: DateTime<Utc>) -> String {
        if self.day == Some(at.date_naive()) {
            at.format("%H:%M:%S").to_string()
        } else {
            at.format("%m-%d %H:%M").to_string()
        }
    }

    /// Who acted, short: the user name alone when no two operators share
    /// it (the header lists everyone in full), else `user@host`.
    fn actor(&self, actor: &str) -> String {
        let user = actor.split('@').next().unwrap_or(actor);
        if self.users.get(user) == Some(&1) && self.operators.iter().any(|o| o == actor) {
            user.to_owned()
        } else {
            actor.to_owned()
        }
    }
}

//! The incident record: everything the plan asks to be filed about one
//! finished incident, as one JSON document whose bytes follow from its
//! content alone, so that a signature over them can be checked anywhere.
//!
//! [`build`] turns an incident's events into a [`Record`]; [`canonical_bytes`]
//! writes any JSON value the one canonical way (keys sorted, compact, no
//! floats, a final newline; `docs/record-format.md` says exactly how).
//! Pure: no clock, no files, no terminal. Callers pass the archive time in,
//! and the archive module stores the bytes.

use crate::model::{Answer, Event, EventKind, Incident, OpenCommands, Outcome, Status};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The `format` of every record this version writes.
pub const FORMAT: &str = "runbook-record/2";

/// The `format` of records written before commands could run on other
/// hosts: read, verified and reported as ever. Its command evidence has no
/// `on`.
pub const FORMAT_1: &str = "runbook-record/1";

/// The `format` of a draft: a record `runbook report` builds from an
/// incident not archived yet, never signed or stored. A value of its own,
/// rather than a key added to [`FORMAT`]'s fixed set, so that a reader of
/// records cannot take a draft for one ([`Record::from_bytes`] refuses it)
/// and the canonical form of records stays as documented.
pub const DRAFT_FORMAT: &str = "runbook-record-draft/1";

/// One archived incident. Field names are the record's stable vocabulary:
/// `docs/record-format.md` describes each. Optional values are written as
/// `null`, never left out, so every record has the same keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// [`FORMAT`]; [`DRAFT_FORMAT`] only in a draft, never stored.
    pub format: String,
    pub incident: String,
    /// A rehearsal, not a real incident.
    pub drill: bool,
    pub runbook: RunbookRef,
    /// The severity at the end.
    pub severity: String,
    /// The severity at start, then each change.
    pub severity_history: Vec<SeverityChange>,
    /// Everyone who acted, as `user@host`, sorted.
    pub operators: Vec<String>,
    /// The variables at the end (given at start, typed, or captured).
    pub vars: BTreeMap<String, String>,
    #[serde(deserialize_with = "crate::model::time::deserialize_utc")]
    pub started: DateTime<Utc>,
    /// When handling ended: the `ended` or `aborted` event.
    #[serde(deserialize_with = "crate::model::time::deserialize_utc")]
    pub ended: DateTime<Utc>,
    #[serde(deserialize_with = "crate::model::time::deserialize_utc")]
    pub archived: DateTime<Utc>,
    /// `ended - started`, in whole seconds.
    pub duration_s: i64,
    pub outcome: Outcome,
    /// The `end` step reached; `null` when aborted.
    pub end_step: Option<String>,
    /// Why it was aborted; `null` when it reached an `end`.
    pub abort_reason: Option<String>,
    pub deadline: Deadline,
    pub milestones: Vec<Milestone>,
    /// Every journaled event, in order.
    pub timeline: Vec<TimelineEntry>,
    pub commands: Vec<CommandEvidence>,
    pub notifications: Vec<Notification>,
    pub escalations: Vec<Escalation>,
    pub attachments: Vec<Attachment>,
    pub notes: Vec<Note>,
    pub summary: Summary,
    pub journal: JournalRef,
    /// SHA-256 of the previous archived record's bytes; `null` for the first.
    pub previous_record: Option<String>,
}

/// Which plan was followed, exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunbookRef {
    pub id: String,
    pub title: String,
    pub version: Option<String>,
    /// SHA-256 of the runbook's text as it was at start.
    pub digest: String,
    /// Where it was loaded from: a path, or the built-in name.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityChange {
    #[serde(deserialize_with = "crate::model::time::deserialize_utc")]
    pub time: DateTime<Utc>,
    pub severity: String,
    /// `null` for the level at start.
    pub from: Option<String>,
    pub actor: String,
    pub reason: Option<String>,
}

/// The archiving deadline: `ended` + the runbook's `archive_within`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// The runbook's `archive_within`, in seconds.
    pub within_s: i64,
    #[serde(deserialize_with = "crate::model::time::deserialize_utc")]
    pub due: DateTime<Utc>,
    /// Archived at or before `due`.
    pub on_time: bool,
    /// How long after `due` it was archived, in whole seconds (0 when on time).
    pub late_s: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub name: String,
    pub step: String,
    #[serde(deserialize_with = "crate::model::time::deserialize_utc")]
    pub time: DateTime<Utc>,
}

/// One journal event: its `type` and `payload` exactly as journaled, and
/// its hash, which ties it to the journal line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub seq: u64,
    #[serde(deserialize_with = "crate::model::time::deserialize_utc")]
    pub time: DateTime<Utc>,
    pub actor: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub payload: Value,
    pub hash: String,
}

/// A command a step ran, or did not run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandEvidence {
    pub step: String,
    pub command: String,
    /// `succeeded`, `failed`, `timed-out`, `unfinished` (started, never
    /// finished: the process running it died), or `skipped`.
    pub result: String,
    #[serde(default, deserialize_with = "crate::model::time::deserialize_utc_option")]
    pub started: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::model::time::deserialize_utc_option")]
    pub finished: Option<DateTime<Utc>>,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub duration_ms: Option<u64>,
    /// Combined output as journaled: capped, redacted.
    pub output: String,
    /// How many bytes the command wrote in all.
    pub output_bytes: u64,
    /// Why it was not run (`skip`, `simulate-success`, `declined`).
    pub skipped: Option<String>,
    /// Where it ran: the ssh destination, `null` for the machine `runbook`
    /// ran on ([`FORMAT`]); absent, the outer `None`, in a [`FORMAT_1`]
    /// record, which stays byte for byte as it was signed.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub on: Option<Option<String>>,
}

impl CommandEvidence {
    /// The ssh destination the command ran on; `None` for here.
    pub fn on(&self) -> Option<&str> {
        self.on.as_ref().and_then(Option::as_deref)
    }
}

/// A key that is there, `null` or not: `Some` of its value.
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub seq: u64,
    #[serde(deserialize_with = "crate::model::time::deserialize_utc")]
    pub time: DateTime<Utc>,
    pub step: Option<String>,
    pub timer: Option<String>,
    pub to: Vec<String>,
    pub via: String,
    pub subject: String,
    pub message: String,
    pub delivered: bool,
    /// Why delivery failed; `null` when delivered.
    pub error: Option<String>,
    /// Who journaled it: for `by-hand`, the person who told them (or could
    /// not). Absent in a [`FORMAT_1`] record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// For `by-hand`: how they were told, as that person said; `null`
    /// otherwise ([`FORMAT`]). Absent in a [`FORMAT_1`] record.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub how: Option<Option<String>>,
}

/// A timer that fired, an offer to take its escalation path, or a severity
/// change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    pub seq: u64,
    #[serde(deserialize_with = "crate::model::time::deserialize_utc")]
    pub time: DateTime<Utc>,
    pub actor: String,
    /// `timer-fired`, `timer-offer` or `severity-changed`.
    pub kind: String,
    pub timer: Option<String>,
    /// For `timer-offer`: whether the operator took the timer's path.
    pub accepted: Option<bool>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub seq: u64,
    #[serde(deserialize_with = "crate::model::time::deserialize_utc")]
    pub time: DateTime<Utc>,
    pub actor: String,
    /// The name under the incident's `attachments/`.
    pub name: String,
    pub sha256: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub seq: u64,
    #[serde(deserialize_with = "crate::model::time::deserialize_utc")]
    pub time: DateTime<Utc>,
    pub actor: String,
    pub step: Option<String>,
    pub text: String,
}

/// What the administrator files: what happened and how it was handled.
/// Also the `--summary FILE` format (TOML, every key optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    #[serde(default)]
    pub what_happened: String,
    #[serde(default)]
    pub cause: String,
    #[serde(default)]
    pub resolution: String,
    #[serde(default)]
    pub follow_ups: Vec<String>,
}

/// The journal the record was built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalRef {
    /// The last event's hash.
    pub head: String,
    /// How many events.
    pub events: u64,
}

/// Why canonical JSON is not a record this version reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatProblem {
    /// Its `format` names another.
    #[error("its format is `{0}`")]
    Named(String),
    /// It has no `format`.
    #[error("it has no `format`")]
    Missing,
    /// Its fields are not a record's.
    #[error("{0}")]
    Fields(crate::i18n::JsonProblem),
}

/// Why a record cannot be built, or bytes are not a canonical record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("{incident} is still open ({status}); only an ended or aborted incident is archived")]
    Open { incident: String, status: String },
    #[error("the events given are not the incident's: {0}")]
    Mismatch(String),
    #[error(
        "the runbook kept with {incident} is not the one it started with: its sha256 is {found}, \
         {journaled} was journaled at start"
    )]
    Runbook {
        incident: String,
        found: String,
        journaled: String,
    },
    #[error("the archive deadline is past the last date a record can hold")]
    Deadline,
    #[error("a number at {path} is not an integer; records hold no floats")]
    Float { path: String },
    #[error("not JSON: {0}")]
    Json(crate::i18n::JsonProblem),
    #[error("not in canonical form (keys sorted, compact, one final newline)")]
    NotCanonical,
    #[error("not a {FORMAT} record: {0}")]
    Format(FormatProblem),
}

/// Builds the record of a closed incident. `events` are its journal's
/// events, first to last, and `incident` their fold; `runbook_text` is the
/// runbook kept at start, which must be the one whose digest was journaled
/// (the record names it by that digest), or `None` for a draft shown while
/// that copy cannot be read (the record then names a runbook nobody
/// checked); `previous` the SHA-256 of the last archived record.
pub fn build(
    incident: &Incident,
    events: &[Event],
    runbook_text: Option<&str>,
    summary: &Summary,
    archived: DateTime<Utc>,
    archive_within: TimeDelta,
    previous: Option<&str>,
) -> Result<Record, RecordError> {
    let (outcome, end_step, abort_reason) = match incident.status {
        Status::Ended(outcome) => (outcome, end_step(events), None),
        Status::Aborted => (Outcome::Aborted, None, abort_reason(events)),
        status => {
            return Err(RecordError::Open {
                incident: incident.id.clone(),
                status: serde_json::to_value(status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
            });
        }
    };
    let ended = incident.ended.ok_or_else(|| RecordError::Open {
        incident: incident.id.clone(),
        status: "no end time".into(),
    })?;
    match events.last() {
        Some(last) if last.hash == incident.head && events.len() as u64 == incident.events => {}
        _ => {
            return Err(RecordError::Mismatch(
                "head or count differs from the fold".into(),
            ));
        }
    }
    if let Some(digest) = runbook_text.map(|text| sha256_hex(text.as_bytes()))
        && digest != incident.digest
    {
        return Err(RecordError::Runbook {
            incident: incident.id.clone(),
            found: digest,
            journaled: incident.digest.clone(),
        });
    }

    let due = ended
        .checked_add_signed(archive_within)
        .ok_or(RecordError::Deadline)?;
    let late = archived - due;
    let deadline = Deadline {
        within_s: archive_within.num_seconds(),
        due,
        on_time: archived <= due,
        late_s: late.num_seconds().max(0),
    };

    let mut record = Record {
        format: FORMAT.to_owned(),
        incident: incident.id.clone(),
        drill: incident.drill,
        runbook: RunbookRef {
            id: incident.runbook.clone(),
            title: incident.title.clone(),
            version: incident.version.clone(),
            digest: incident.digest.clone(),
            source: incident.source.clone(),
        },
        severity: incident.severity.clone(),
        severity_history: Vec::new(),
        operators: incident.operators.iter().cloned().collect(),
        vars: incident.vars.clone(),
        started: incident.started,
        ended,
        archived,
        duration_s: (ended - incident.started).num_seconds(),
        outcome,
        end_step,
        abort_reason,
        deadline,
        milestones: Vec::new(),
        timeline: Vec::with_capacity(events.len()),
        commands: Vec::new(),
        notifications: Vec::new(),
        escalations: Vec::new(),
        attachments: Vec::new(),
        notes: Vec::new(),
        summary: summary.clone(),
        journal: JournalRef {
            head: incident.head.clone(),
            events: incident.events,
        },
        previous_record: previous.map(str::to_owned),
    };
    // Each command's evidence, by its position in `commands`, until its result.
    let mut open = OpenCommands::default();
    for event in events {
        record.add(event, &mut open)?;
    }
    Ok(record)
}

impl Record {
    fn add(&mut self, event: &Event, open: &mut OpenCommands<usize>) -> Result<(), RecordError> {
        self.timeline.push(timeline_entry(event)?);
        let (seq, time, actor) = (event.seq, event.time, event.actor.clone());
        match &event.kind {
            EventKind::IncidentStarted { severity, .. } => self.severity_history.push(SeverityChange {
                time,
                severity: severity.clone(),
                from: None,
                actor,
                reason: None,
            }),
            EventKind::SeverityChanged { from, to, reason } => {
                self.severity_history.push(SeverityChange {
                    time,
                    severity: to.clone(),
                    from: Some(from.clone()),
                    actor: actor.clone(),
                    reason: reason.clone(),
                });
                self.escalations.push(Escalation {
                    from: Some(from.clone()),
                    to: Some(to.clone()),
                    reason: reason.clone(),
                    ..Escalation::new(event, "severity-changed")
                });
            }
            EventKind::TimerFired { timer, .. } => self.escalations.push(Escalation {
                timer: Some(timer.clone()),
                ..Escalation::new(event, "timer-fired")
            }),
            EventKind::StepAnswered {
                step,
                answer,
                question: Some(question),
                ..
            } if question == "timer-offer" => self.escalations.push(Escalation {
                timer: Some(step.clone()),
                accepted: Some(matches!(answer, Answer::YesNo { yes: true })),
                ..Escalation::new(event, "timer-offer")
            }),
            EventKind::MilestoneReached { name, step } => self.milestones.push(Milestone {
                name: name.clone(),
                step: step.clone(),
                time,
            }),
            EventKind::CommandStarted { step, command, on } => {
                open.start(step, on.as_deref(), self.commands.len());
                self.commands.push(CommandEvidence {
                    started: Some(time),
                    on: Some(on.clone()),
                    ..CommandEvidence::new(step, command, "unfinished")
                });
            }
            EventKind::CommandFinished {
                step,
                exit_code,
                signal,
                duration_ms,
                timed_out,
                output,
                output_bytes,
                on,
            } => {
                // The command this step started there, still without a
                // result; a result with no start (never written by the
                // walk) stands alone.
                let at = match open.finish(step, on.as_deref()) {
                    Some(started) => started.kept,
                    None => {
                        self.commands.push(CommandEvidence {
                            on: Some(on.clone()),
                            ..CommandEvidence::new(step, "", "unfinished")
                        });
                        self.commands.len() - 1
                    }
                };
                let evidence = &mut self.commands[at];
                evidence.result = if *timed_out {
                    "timed-out"
                } else if *exit_code == Some(0) {
                    "succeeded"
                } else {
                    "failed"
                }
                .into();
                evidence.finished = Some(time);
                evidence.exit_code = *exit_code;
                evidence.signal = *signal;
                evidence.duration_ms = Some(*duration_ms);
                evidence.output = output.clone();
                evidence.output_bytes = *output_bytes;
            }
            EventKind::CommandSkipped {
                step,
                command,
                reason,
                on,
            } => {
                // One entry per host it did not run on, as per host it ran.
                let mut places: Vec<Option<String>> = on.iter().cloned().map(Some).collect();
                if places.is_empty() {
                    places.push(None);
                }
                for place in places {
                    self.commands.push(CommandEvidence {
                        skipped: Some(reason.clone()),
                        on: Some(place),
                        ..CommandEvidence::new(step, command, "skipped")
                    });
                }
            }
            EventKind::NotificationSent {
                step,
                timer,
                to,
                via,
                subject,
                message,
                how,
            } => self.notifications.push(Notification {
                seq,
                time,
                step: step.clone(),
                timer: timer.clone(),
                to: to.clone(),
                via: via.clone(),
                subject: subject.clone(),
                message: message.clone(),
                delivered: true,
                error: None,
                actor: Some(actor.clone()),
                how: Some(how.clone()),
            }),
            EventKind::NotificationFailed {
                step,
                timer,
                to,
                via,
                subject,
                message,
                error,
            } => self.notifications.push(Notification {
                seq,
                time,
                step: step.clone(),
                timer: timer.clone(),
                to: to.clone(),
                via: via.clone(),
                subject: subject.clone(),
                message: message.clone(),
                delivered: false,
                error: Some(error.clone()),
                actor: Some(actor.clone()),
                how: Some(None),
            }),
            EventKind::AttachmentAdded { name, sha256, bytes } => self.attachments.push(Attachment {
                seq,
                time,
                actor,
                name: name.clone(),
                sha256: sha256.clone(),
                bytes: *bytes,
            }),
            EventKind::NoteAdded { text, step } => self.notes.push(Note {
                seq,
                time,
                actor,
                step: step.clone(),
                text: text.clone(),
            }),
            _ => {}
        }
        Ok(())
    }

    /// The record's canonical bytes: what is signed, stored and hashed.
    pub fn to_bytes(&self) -> Result<Vec<u8>, RecordError> {
        let value = serde_json::to_value(self).map_err(|error| RecordError::Json(error.into()))?;
        canonical_bytes(&value)
    }

    /// Reads a record back, refusing bytes that are not exactly canonical
    /// (a record that was re-serialized, even harmlessly, no longer matches
    /// its signature, and the reader says so first).
    pub fn from_bytes(bytes: &[u8]) -> Result<Record, RecordError> {
        // A record as runbook writes it: its form checked in one pass over
        // its bytes, then read straight into a Record. Anything else takes
        // the slow way below, which says what is wrong.
        if let Some(text) = json::canonical_text(bytes)
            && let Ok(record) = serde_json::from_str::<Record>(text)
            && matches!(record.format.as_str(), FORMAT | FORMAT_1)
        {
            return Ok(record);
        }
        let value = parse_canonical(bytes)?;
        match value.get("format").and_then(Value::as_str) {
            Some(FORMAT | FORMAT_1) => {}
            Some(other) => return Err(RecordError::Format(FormatProblem::Named(other.to_owned()))),
            None => return Err(RecordError::Format(FormatProblem::Missing)),
        }
        serde_json::from_value(value)
            .map_err(|error| RecordError::Format(FormatProblem::Fields(error.into())))
    }
}

impl CommandEvidence {
    fn new(step: &str, command: &str, result: &str) -> CommandEvidence {
        CommandEvidence {
            step: step.to_owned(),
            command: command.to_owned(),
            result: result.to_owned(),
            started: None,
            finished: None,
            exit_code: None,
            signal: None,
            duration_ms: None,
            output: String::new(),
            output_bytes: 0,
            skipped: None,
            on: Some(None),
        }
    }
}

impl Escalation {
    fn new(event: &Event, kind: &str) -> Escalation {
        Escalation {
            seq: event.seq,
            time: event.time,
            actor: event.actor.clone(),
            kind: kind.to_owned(),
            timer: None,
            accepted: None,
            from: None,
            to: None,
            reason: None,
        }
    }
}

fn timeline_entry(event: &Event) -> Result<TimelineEntry, RecordError> {
    let value = serde_json::to_value(&event.kind).map_err(|error| RecordError::Json(error.into()))?;
    let payload = value
        .get("payload")
        .cloned()
        .unwrap_or(Value::Object(Default::default()));
    Ok(TimelineEntry {
        seq: event.seq,
        time: event.time,
        actor: event.actor.clone(),
        kind: event.kind.name().to_owned(),
        payload,
        hash: event.hash.clone(),
    })
}

fn end_step(events: &[Event]) -> Option<String> {
    events.iter().rev().find_map(|event| match &event.kind {
        EventKind::Ended { step, .. } => Some(step.clone()),
        _ => None,
    })
}

fn abort_reason(events: &[Event]) -> Option<String> {
    events.iter().rev().find_map(|event| match &event.kind {
        EventKind::Aborted { reason } => Some(reason.clone()),
        _ => None,
    })
}

/// SHA-256 as 64 lowercase hex digits, as the journal writes hashes.
pub use crate::journal::sha256_hex;

/// A time as records write it: RFC 3339, UTC, `Z`, fractional seconds only
/// when not zero (as the journal writes it).
pub fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

mod json;
pub use json::{canonical_bytes, parse_canonical};

mod draft;
pub use draft::what_happened;

#[cfg(test)]
mod tests;

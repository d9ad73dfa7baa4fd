//! What happens during an incident, as journaled: one [`Event`] per action,
//! in order. The journal stores them; [`super::Incident`] folds them into the
//! current state.

use super::Outcome;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// One journaled event. `type` and `payload` come from [`EventKind`]; `prev`
/// is the previous event's hash (64 zeros for the first) and `hash` the
/// SHA-256 of this event's line without its `hash` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub seq: u64,
    pub time: DateTime<Utc>,
    /// `user@host` of whoever, or whatever, caused it.
    pub actor: String,
    #[serde(flatten)]
    pub kind: EventKind,
    /// The inbox entry it came from, when another process queued it while
    /// this one held the incident (see [`crate::journal::Queued`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued: Option<String>,
    pub prev: String,
    pub hash: String,
}

/// An event as a journal line holds it, read without buffering the line
/// (which `#[serde(flatten)]` would do): `type` borrowed, `payload` kept
/// as its JSON text until `type` says what it is. A journal is read whole
/// whenever an incident is resumed, reported or archived; checking only its
/// chain (as `runbook verify` does for a kept journal) stops here, with the
/// payload read as JSON but not as the event `type` names.
#[derive(Deserialize)]
pub(crate) struct EventLine<'a> {
    pub seq: u64,
    #[serde(deserialize_with = "super::time::deserialize_utc")]
    pub time: DateTime<Utc>,
    #[serde(borrow)]
    pub actor: Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    #[serde(borrow)]
    pub payload: &'a serde_json::value::RawValue,
    #[serde(default)]
    pub queued: Option<String>,
    #[serde(borrow)]
    pub prev: Cow<'a, str>,
    #[serde(borrow)]
    pub hash: Cow<'a, str>,
}

/// The `type` of the event that starts every journal.
pub(crate) const INCIDENT_STARTED: &str = "incident-started";

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Event, D::Error> {
        use serde::de::{Error, IntoDeserializer};
        let line = EventLine::deserialize(deserializer)?;
        let tag: serde::de::value::StrDeserializer<'_, serde_json::Error> =
            line.kind.as_ref().into_deserializer();
        let kind = EventKind::deserialize(serde::de::value::MapDeserializer::new(
            [
                ("type", Tagged::Type(tag)),
                ("payload", Tagged::Payload(line.payload)),
            ]
            .into_iter(),
        ))
        .map_err(D::Error::custom)?;
        Ok(Event {
            seq: line.seq,
            time: line.time,
            actor: line.actor.into_owned(),
            kind,
            queued: line.queued,
            prev: line.prev.into_owned(),
            hash: line.hash.into_owned(),
        })
    }
}

/// The two values of an adjacently tagged [`EventKind`], as one type.
enum Tagged<'a> {
    Type(serde::de::value::StrDeserializer<'a, serde_json::Error>),
    Payload(&'a serde_json::value::RawValue),
}

impl<'de> serde::de::IntoDeserializer<'de, serde_json::Error> for Tagged<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// Calls the same method on the value's own deserializer.
macro_rules! forward {
    ($($method:ident($($arg:ident: $type:ty),*))*) => {$(
        fn $method<V: serde::de::Visitor<'de>>(self, $($arg: $type,)* visitor: V) -> Result<V::Value, Self::Error> {
            match self {
                Tagged::Type(tag) => tag.$method($($arg,)* visitor),
                Tagged::Payload(payload) => {
                    serde::de::IntoDeserializer::into_deserializer(payload).$method($($arg,)* visitor)
                }
            }
        }
    )*};
}

impl<'de> serde::Deserializer<'de> for Tagged<'de> {
    type Error = serde_json::Error;

    forward! {
        deserialize_any()
        deserialize_bool() deserialize_i8() deserialize_i16() deserialize_i32() deserialize_i64()
        deserialize_u8() deserialize_u16() deserialize_u32() deserialize_u64()
        deserialize_f32() deserialize_f64() deserialize_char() deserialize_str() deserialize_string()
        deserialize_bytes() deserialize_byte_buf() deserialize_option() deserialize_unit()
        deserialize_unit_struct(name: &'static str)
        deserialize_newtype_struct(name: &'static str)
        deserialize_seq() deserialize_tuple(len: usize)
        deserialize_tuple_struct(name: &'static str, len: usize)
        deserialize_map()
        deserialize_struct(name: &'static str, fields: &'static [&'static str])
        deserialize_enum(name: &'static str, variants: &'static [&'static str])
        deserialize_identifier() deserialize_ignored_any()
    }
}

/// Who gave an answer: a person at a prompt, or a script (`--answer`,
/// `--answers`, `--var`). Records keep the two apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnswerSource {
    Person,
    Script,
}

/// The outcome of a manual step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepResult {
    Done,
    Failed,
    Skipped,
}

/// An answer to a step, as journaled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Answer {
    /// instruction, or a notify step confirmed by hand.
    Result { result: StepResult },
    /// confirm, or whether to run a command that asks first.
    YesNo { yes: bool },
    /// choice: the option's index and label (in the runbook's first language).
    Option { index: usize, label: String },
    /// input: the value, already checked against the pattern.
    Text { value: String },
    /// checklist: indexes of the ticked items.
    Ticked { items: Vec<usize> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload", rename_all = "kebab-case")]
pub enum EventKind {
    /// The first event: which runbook, exactly, and with what.
    IncidentStarted {
        incident: String,
        runbook: String,
        title: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<String>,
        /// SHA-256 of the runbook file as it was at start.
        digest: String,
        source: String,
        severity: String,
        vars: BTreeMap<String, String>,
        drill: bool,
        /// Timer durations are divided by this (drills only).
        speed: u32,
    },
    StepEntered {
        step: String,
    },
    StepAnswered {
        step: String,
        answer: Answer,
        source: AnswerSource,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        /// Set when the answer is not to the step's own question: `run`
        /// (run a command that asks first?), `notified` (were people told by
        /// hand?), `retry` (try a failed step again?), `unfinished` (run an
        /// interrupted command again?).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        question: Option<String>,
    },
    VarSet {
        name: String,
        value: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
    },
    /// Journaled before the process starts: a crash leaves this without a
    /// `command-finished`, and resume says so.
    CommandStarted {
        step: String,
        command: String,
        /// The ssh destination it runs on; absent when it runs here.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on: Option<String>,
    },
    CommandFinished {
        step: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit_code: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signal: Option<i32>,
        duration_ms: u64,
        timed_out: bool,
        /// Combined output, redacted, capped (head and tail kept).
        output: String,
        /// How many bytes the command wrote in all.
        output_bytes: u64,
        /// The ssh destination it ran on, as its `command-started` names
        /// it; absent when it ran here, and in journals written before
        /// results named their host.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on: Option<String>,
    },
    /// A drill did not run the command.
    CommandSkipped {
        step: String,
        command: String,
        /// `skip`, `simulate-success`, or `declined` when the operator said no.
        reason: String,
        /// The ssh destinations it would have run on; empty for here.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        on: Vec<String>,
    },
    NotificationSent {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timer: Option<String>,
        to: Vec<String>,
        /// The notifier's name, or `by-hand` when the operator confirmed a call.
        via: String,
        subject: String,
        message: String,
        /// For `by-hand`: how they were told (`phone`, `in person`), as the
        /// person who told them said.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        how: Option<String>,
    },
    NotificationFailed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timer: Option<String>,
        to: Vec<String>,
        via: String,
        subject: String,
        message: String,
        error: String,
    },
    MilestoneReached {
        name: String,
        step: String,
    },
    TimerFired {
        timer: String,
        /// Which firing of a repeating timer this is, from 1 (the n-th
        /// repeat, due `every` × n after the first); absent for the first
        /// firing, which is all a one-shot timer has.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        repeat: Option<u32>,
    },
    SeverityChanged {
        from: String,
        to: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    NoteAdded {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
    },
    AttachmentAdded {
        name: String,
        sha256: String,
        bytes: u64,
    },
    /// A step failed and nothing in the runbook handles it: the incident
    /// waits at that step for a person.
    StepFailed {
        step: String,
        reason: String,
    },
    Paused {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<String>,
        reason: String,
    },
    Resumed {},
    /// Before the first command of a walk: whether an ssh destination
    /// its commands run on answered, with the name the host gives itself,
    /// or why not and what to do.
    HostChecked {
        on: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    Ended {
        step: String,
        outcome: Outcome,
    },
    Aborted {
        reason: String,
    },
}

/// Why a command could not start, from the output journaled with its
/// `command-finished` (no exit code, no signal): its first line, when
/// there is one ("cannot start the command: ...").
pub fn start_failure(output: &str) -> Option<&str> {
    output.lines().next().filter(|line| !line.trim().is_empty())
}

impl EventKind {
    /// The `type` field: `step-answered`, ...
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::IncidentStarted { .. } => INCIDENT_STARTED,
            EventKind::StepEntered { .. } => "step-entered",
            EventKind::StepAnswered { .. } => "step-answered",
            EventKind::VarSet { .. } => "var-set",
            EventKind::CommandStarted { .. } => "command-started",
            EventKind::CommandFinished { .. } => "command-finished",
            EventKind::CommandSkipped { .. } => "command-skipped",
            EventKind::NotificationSent { .. } => "notification-sent",
            EventKind::NotificationFailed { .. } => "notification-failed",
            EventKind::MilestoneReached { .. } => "milestone-reached",
            EventKind::TimerFired { .. } => "timer-fired",
            EventKind::SeverityChanged { .. } => "severity-changed",
            EventKind::NoteAdded { .. } => "note-added",
            EventKind::AttachmentAdded { .. } => "attachment-added",
            EventKind::StepFailed { .. } => "step-failed",
            EventKind::Paused { .. } => "paused",
            EventKind::Resumed {} => "resumed",
            EventKind::HostChecked { .. } => "host-checked",
            EventKind::Ended { .. } => "ended",
            EventKind::Aborted { .. } => "aborted",
        }
    }

    /// Whether another process may hand it to the one driving the incident
    /// (see [`crate::journal::Queued`]): a note, a file, or people told by
    /// hand (`runbook told`), which change nothing the walk decides on. An
    /// abort from elsewhere would have to stop the walk, and is refused
    /// instead.
    pub fn may_be_queued(&self) -> bool {
        matches!(
            self,
            EventKind::NoteAdded { .. } | EventKind::AttachmentAdded { .. }
        ) || self.by_hand()
    }

    /// A notification a person made (or could not make) themselves.
    pub fn by_hand(&self) -> bool {
        matches!(self,
            EventKind::NotificationSent { via, .. } | EventKind::NotificationFailed { via, .. } if via == "by-hand")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialize_with_type_and_payload() {
        let event = Event {
            seq: 3,
            time: "2026-11-28T09:00:00Z".parse().unwrap(),
            actor: "ops@web1".into(),
            kind: EventKind::StepAnswered {
                step: "restart".into(),
                answer: Answer::YesNo { yes: true },
                source: AnswerSource::Script,
                note: None,
                question: None,
            },
            queued: None,
            prev: "0".repeat(64),
            hash: "1".repeat(64),
        };
        let line = serde_json::to_string(&event).unwrap();
        assert!(line.starts_with(r#"{"seq":3,"time":"2026-11-28T09:00:00Z","actor":"ops@web1","type":"step-answered","payload":{"step":"restart","answer":{"kind":"yes-no","yes":true},"source":"script"},"prev":"#), "{line}");
        let back: Event = serde_json::from_str(&line).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn an_event_reads_whatever_the_order_of_its_fields() {
        let event = Event {
            seq: 7,
            time: "2026-11-28T09:00:05.25Z".parse().unwrap(),
            actor: "ops@web1".into(),
            kind: EventKind::CommandFinished {
                step: "look".into(),
                exit_code: Some(0),
                signal: None,
                duration_ms: 12,
                timed_out: false,
                output: "disk \"full\" \u{2713}\n".into(),
                output_bytes: 14,
                on: None,
            },
            queued: Some("q1".into()),
            prev: "0".repeat(64),
            hash: "1".repeat(64),
        };
        let line = serde_json::to_string(&event).unwrap();
        // serde_json's own map sorts the keys: `payload` before `type`.
        let sorted =
            serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&line).unwrap()).unwrap();
        assert!(sorted.find("\"payload\"") < sorted.find("\"type\""), "{sorted}");
        for text in [&line, &sorted] {
            assert_eq!(serde_json::from_str::<Event>(text).unwrap(), event, "{text}");
        }
        let extra = line.replacen('{', r#"{"later":[1,{"x":2}],"#, 1);
        assert_eq!(serde_json::from_str::<Event>(&extra).unwrap(), event);
        for wrong in [
            line.replace("command-finished", "command-started"),
            line.replace("command-finished", "no-such-event"),
            line.replace(r#""duration_ms":12"#, r#""duration_ms":"12""#),
            line.replace(r#""seq":7,"#, ""),
        ] {
            assert!(serde_json::from_str::<Event>(&wrong).is_err(), "{wrong}");
        }
    }
}

//! An incident's state, rebuilt by folding its journaled events in order.
//! Pure: no clock, no files. The same fold serves resume, `incidents`,
//! `runbook check` and the record.

use super::{Answer, Event, EventKind, OpenCommands, Outcome};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// A process is driving it, or it died while driving it.
    Running,
    /// Waiting for an operator.
    Paused,
    /// A step failed and nothing handles it; waiting for an operator.
    Failed,
    Ended(Outcome),
    Aborted,
}

impl Status {
    pub fn is_open(self) -> bool {
        matches!(self, Status::Running | Status::Paused | Status::Failed)
    }
}

/// What has been done at the current step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Progress {
    Answered {
        answer: Answer,
    },
    CommandFinished {
        succeeded: bool,
    },
    /// Not run: a drill, or the operator declined or marked it done.
    CommandSkipped,
    Notified,
    /// It failed, and someone decided to go on as if it had worked.
    Passed,
}

/// A notification that failed and has not been delivered since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Undelivered {
    /// The last failed attempt: `notification-failed`, with what to send,
    /// to whom, and through which notifier (`none`: there was none).
    pub failed: EventKind,
    /// Failed attempts in a row.
    pub attempts: usize,
    /// When the last attempt failed.
    pub at: DateTime<Utc>,
}

impl Undelivered {
    /// Whether it was for this step or timer and these contacts.
    fn is_for(&self, step: &Option<String>, timer: &Option<String>, to: &[String]) -> bool {
        matches!(&self.failed, EventKind::NotificationFailed { step: s, timer: t, to: contacts, .. }
            if s == step && t == timer && contacts.as_slice() == to)
    }

    /// The notifier that failed (`none`: there was none).
    pub fn via(&self) -> &str {
        match &self.failed {
            EventKind::NotificationFailed { via, .. } => via,
            _ => "",
        }
    }

    /// What `runbook told` calls it: the timer's id, the notify step's id,
    /// or `severity` for a severity level's notice.
    pub fn notice(&self) -> &str {
        match &self.failed {
            EventKind::NotificationFailed {
                timer: Some(timer), ..
            } => timer,
            EventKind::NotificationFailed { step: Some(step), .. } => step,
            _ => "severity",
        }
    }

    /// Who it is for: contact ids.
    pub fn to(&self) -> &[String] {
        match &self.failed {
            EventKind::NotificationFailed { to, .. } => to,
            _ => &[],
        }
    }

    /// The event that records it as told by hand (`how`: by phone, in
    /// person), or, with `failed`, that they could not be reached.
    pub fn told(&self, how: Option<String>, failed: Option<String>) -> Option<EventKind> {
        let EventKind::NotificationFailed {
            step,
            timer,
            to,
            subject,
            message,
            ..
        } = &self.failed
        else {
            return None;
        };
        let (step, timer, to) = (step.clone(), timer.clone(), to.clone());
        let (subject, message) = (subject.clone(), message.clone());
        let via = "by-hand".to_owned();
        Some(match failed {
            None => EventKind::NotificationSent {
                step,
                timer,
                to,
                via,
                subject,
                message,
                how,
            },
            Some(error) => EventKind::NotificationFailed {
                step,
                timer,
                to,
                via,
                subject,
                message,
                error: match how {
                    Some(how) => format!("{error} ({how})"),
                    None => error,
                },
            },
        })
    }
}

/// A severity the incident was set to, for its notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeverityNotice {
    /// The level it was raised from; `None` when the incident opened at it.
    pub from: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    pub id: String,
    pub runbook: String,
    pub title: String,
    pub version: Option<String>,
    pub digest: String,
    pub source: String,
    pub started: DateTime<Utc>,
    pub drill: bool,
    pub speed: u32,
    pub severity: String,
    /// (when, level), the first being the level at start.
    pub severity_history: Vec<(DateTime<Utc>, String)>,
    pub vars: BTreeMap<String, String>,
    /// The step being worked on, once one has been entered.
    pub current: Option<String>,
    pub status: Status,
    /// What has happened at the current step since it was entered: a
    /// crash between this and entering the next step must not repeat it.
    pub progress: Option<Progress>,
    /// The current step failed with nothing to handle it: (step, why).
    /// Cleared when someone decides to retry it or go on.
    pub failed: Option<(String, String)>,
    /// Why it paused or failed, for the next operator.
    pub waiting_reason: Option<String>,
    /// When each step was first entered (timers may count from a step).
    pub entered: BTreeMap<String, DateTime<Utc>>,
    pub answers: BTreeMap<String, Answer>,
    pub milestones: BTreeMap<String, DateTime<Utc>>,
    pub timers_fired: BTreeSet<String>,
    /// The latest firing journaled of each repeating timer that has
    /// repeated (the `repeat` of its last `timer-fired`).
    pub timer_repeats: BTreeMap<String, u32>,
    /// The firing of each repeating timer whose notification is on record:
    /// a notification is for the timer's latest firing.
    pub repeats_notified: BTreeMap<String, u32>,
    /// Fired timers whose step the operator has been offered.
    pub timers_offered: BTreeSet<String>,
    /// Timers whose notification is on record (sent or failed).
    pub timers_notified: BTreeSet<String>,
    /// Commands journaled as started with no result, with where each runs
    /// (its ssh destination, `None` for here): the process running them
    /// died (or still runs them). Several, of one step, when it runs on
    /// several hosts at once (`parallel`).
    pub unfinished: OpenCommands<()>,
    /// Where the current step's command has run in this attempt (its ssh
    /// destination, `None` for here) and whether it succeeded there: a
    /// step that runs on several hosts goes on with the ones left.
    pub ran_on: Vec<(Option<String>, bool)>,
    /// Notifications that failed and have not been delivered since, one
    /// per target and notifier, oldest first. Calls a person was asked to
    /// make (`by-hand`) are not here: they are for people, not retries.
    pub undelivered: Vec<Undelivered>,
    /// The severity set last (at start or by a change) while its
    /// notification, due when the level names contacts, is not on record
    /// (sent or failed) and no step was entered since: a crash came in
    /// between.
    pub unannounced_severity: Option<SeverityNotice>,
    pub operators: BTreeSet<String>,
    pub ended: Option<DateTime<Utc>>,
    pub last_event: Option<DateTime<Utc>>,
    pub events: u64,
    pub head: String,
}

/// Events that cannot start or continue an incident.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("the journal is empty")]
    Empty,
    #[error("the journal does not start with `incident-started` (it starts with `{0}`)")]
    NoStart(&'static str),
}

impl Incident {
    /// Folds events, first to last.
    pub fn replay<'e>(events: impl IntoIterator<Item = &'e Event>) -> Result<Incident, ReplayError> {
        let mut events = events.into_iter();
        let first = events.next().ok_or(ReplayError::Empty)?;
        let EventKind::IncidentStarted {
            incident,
            runbook,
            title,
            version,
            digest,
            source,
            severity,
            vars,
            drill,
            speed,
        } = &first.kind
        else {
            return Err(ReplayError::NoStart(first.kind.name()));
        };
        let mut state = Incident {
            id: incident.clone(),
            runbook: runbook.clone(),
            title: title.clone(),
            version: version.clone(),
            digest: digest.clone(),
            source: source.clone(),
            started: first.time,
            drill: *drill,
            speed: (*speed).max(1),
            severity: severity.clone(),
            severity_history: vec![(first.time, severity.clone())],
            vars: vars.clone(),
            current: None,
            status: Status::Running,
            progress: None,
            failed: None,
            waiting_reason: None,
            entered: BTreeMap::new(),
            answers: BTreeMap::new(),
            milestones: BTreeMap::new(),
            timers_fired: BTreeSet::new(),
            timer_repeats: BTreeMap::new(),
            repeats_notified: BTreeMap::new(),
            timers_offered: BTreeSet::new(),
            timers_notified: BTreeSet::new(),
            unfinished: OpenCommands::default(),
            ran_on: Vec::new(),
            undelivered: Vec::new(),
            unannounced_severity: Some(SeverityNotice { from: None }),
            operators: BTreeSet::from([first.actor.clone()]),
            ended: None,
            last_event: Some(first.time),
            events: 1,
            head: first.hash.clone(),
        };
        for event in events {
            state.apply(event);
        }
        Ok(state)
    }

    /// Folds one more event in.
    pub fn apply(&mut self, event: &Event) {
        self.events += 1;
        self.head.clone_from(&event.hash);
        self.last_event = Some(event.time);
        if !self.operators.contains(&event.actor) {
            self.operators.insert(event.actor.clone());
        }
        match &event.kind {
            EventKind::IncidentStarted { .. } => {}
            EventKind::StepEntered { step } => {
                // The walk tells a severity's contacts before it enters a
                // step: past that point a notice not on record was owed to
                // nobody (the level named no contacts).
                self.unannounced_severity = None;
                self.current = Some(step.clone());
                self.progress = None;
                self.failed = None;
                // Whatever ran before is over, or was stopped on the way here.
                self.unfinished.clear();
                self.ran_on.clear();
                self.entered.entry(step.clone()).or_insert(event.time);
                if self.status != Status::Running {
                    self.status = Status::Running;
                }
            }
            EventKind::StepAnswered {
                step,
                answer,
                question: None,
                ..
            } => {
                self.answers.insert(step.clone(), answer.clone());
                if self.is_current(step) {
                    self.progress = Some(Progress::Answered {
                        answer: answer.clone(),
                    });
                }
            }
            EventKind::VarSet { name, value, .. } => {
                self.vars.insert(name.clone(), value.clone());
            }
            EventKind::CommandStarted { step, on, .. } => {
                self.unfinished.start(step, on.as_deref(), ());
            }
            EventKind::CommandFinished {
                step,
                exit_code,
                timed_out,
                on,
                ..
            } => {
                // A result that names no host was journaled before results
                // did: its start says where it ran.
                let started = self.unfinished.finish(step, on.as_deref());
                let on = on.clone().or_else(|| started.and_then(|started| started.on));
                if self.is_current(step) {
                    let succeeded = *exit_code == Some(0) && !timed_out;
                    self.ran_on.push((on, succeeded));
                    // Where it ran on several hosts, it succeeded if it did on each.
                    let succeeded = self.ran_on.iter().all(|(_, succeeded)| *succeeded);
                    self.progress = Some(Progress::CommandFinished { succeeded });
                }
            }
            EventKind::CommandSkipped { step, .. } => {
                self.unfinished.clear();
                if self.is_current(step) {
                    self.progress = Some(Progress::CommandSkipped);
                }
            }
            EventKind::NotificationSent { step, timer, to, .. } => {
                self.notification_on_record(step.as_deref(), timer.as_deref());
                // Delivered: whichever notifier failed it before, the
                // people were told.
                self.undelivered
                    .retain(|pending| !pending.is_for(step, timer, to));
            }
            EventKind::NotificationFailed {
                step, timer, to, via, ..
            } => {
                self.notification_on_record(step.as_deref(), timer.as_deref());
                if via != "by-hand" {
                    // The same notifier failing again; or a real one taking
                    // over from "none" (there was no notifier then), whose
                    // attempts it carries on.
                    let same = |pending: &Undelivered| {
                        pending.is_for(step, timer, to) && (pending.via() == via || pending.via() == "none")
                    };
                    let attempts = self
                        .undelivered
                        .iter()
                        .filter(|p| same(p))
                        .map(|p| p.attempts)
                        .max()
                        .unwrap_or(0);
                    self.undelivered.retain(|pending| !same(pending));
                    self.undelivered.push(Undelivered {
                        failed: event.kind.clone(),
                        attempts: attempts + 1,
                        at: event.time,
                    });
                }
            }
            EventKind::MilestoneReached { name, .. } => {
                self.milestones.entry(name.clone()).or_insert(event.time);
            }
            EventKind::TimerFired { timer, repeat } => {
                self.timers_fired.insert(timer.clone());
                if let Some(repeat) = repeat {
                    let latest = self.timer_repeats.entry(timer.clone()).or_insert(0);
                    *latest = (*latest).max(*repeat);
                }
            }
            EventKind::SeverityChanged { from, to, .. } => {
                self.unannounced_severity = Some(SeverityNotice {
                    from: Some(from.clone()),
                });
                self.severity = to.clone();
                self.severity_history.push((event.time, to.clone()));
            }
            EventKind::StepAnswered {
                step,
                question,
                answer,
                ..
            } => match question.as_deref() {
                Some("retry") => {
                    self.failed = None;
                    // A new attempt runs again where it did not succeed.
                    self.ran_on.retain(|(_, succeeded)| *succeeded);
                    // Try again, or go on as if it had worked.
                    self.progress = match answer {
                        Answer::YesNo { yes: true } => None,
                        _ => Some(Progress::Passed),
                    };
                }
                Some("timer-offer") => {
                    self.timers_offered.insert(step.clone());
                }
                _ => {}
            },
            EventKind::NoteAdded { .. } | EventKind::AttachmentAdded { .. } => {}
            EventKind::StepFailed { step, reason } => {
                self.failed = Some((step.clone(), reason.clone()));
                self.status = Status::Failed;
                self.waiting_reason = Some(reason.clone());
            }
            EventKind::Paused { reason, .. } => {
                if self.status.is_open() {
                    self.status = Status::Paused;
                    self.waiting_reason = Some(reason.clone());
                }
            }
            EventKind::Resumed {} => {
                if self.status.is_open() {
                    self.status = Status::Running;
                    self.waiting_reason = None;
                }
            }
            EventKind::HostChecked { .. } => {}
            EventKind::Ended { outcome, .. } => {
                self.status = Status::Ended(*outcome);
                self.ended = Some(event.time);
                self.waiting_reason = None;
            }
            EventKind::Aborted { reason } => {
                self.status = Status::Aborted;
                self.ended = Some(event.time);
                self.waiting_reason = Some(reason.clone());
            }
        }
    }

    /// What any outcome of a notification (sent or failed) settles: the
    /// timer's notice, the severity's (neither step nor timer), the step's.
    fn notification_on_record(&mut self, step: Option<&str>, timer: Option<&str>) {
        match (step, timer) {
            (_, Some(timer)) => {
                self.timers_notified.insert(timer.to_owned());
                if let Some(&repeat) = self.timer_repeats.get(timer) {
                    self.repeats_notified.insert(timer.to_owned(), repeat);
                }
            }
            (None, None) => self.unannounced_severity = None,
            (Some(_), None) => {}
        }
        if step.is_some_and(|step| self.is_current(step)) {
            self.progress = Some(Progress::Notified);
        }
    }

    /// Whether firing `repeat` of `timer` (`None`: its first) is on
    /// record, or a later one is: a firing is never journaled twice.
    pub fn has_fired(&self, timer: &str, repeat: Option<u32>) -> bool {
        match repeat {
            None => self.timers_fired.contains(timer),
            Some(repeat) => self
                .timer_repeats
                .get(timer)
                .is_some_and(|&latest| latest >= repeat),
        }
    }

    /// Whether `timer` fired (its latest firing, for one that repeats)
    /// with no notification on record after it: a crash came in between.
    pub fn timer_unnotified(&self, timer: &str) -> bool {
        if !self.timers_fired.contains(timer) {
            return false;
        }
        match self.timer_repeats.get(timer) {
            Some(latest) => self.repeats_notified.get(timer) != Some(latest),
            None => !self.timers_notified.contains(timer),
        }
    }

    /// Where the command of `step` was started and has no result: each
    /// ssh destination, `None` for here. Empty when none is unfinished.
    pub fn unfinished_on(&self, step: &str) -> Vec<Option<String>> {
        self.unfinished.of(step).map(|open| open.on.clone()).collect()
    }

    fn is_current(&self, step: &str) -> bool {
        self.current.as_deref() == Some(step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Journal lines as `runbook` wrote them: the chain's hashes are not
    /// the fold's business.
    fn events(lines: &[&str]) -> Vec<Event> {
        lines
            .iter()
            .enumerate()
            .map(|(at, payload)| {
                let (kind, payload) = payload.split_once(' ').unwrap();
                let line = format!(
                    r#"{{"seq":{},"time":"2026-11-28T09:00:00Z","actor":"ops@web1","type":"{kind}","payload":{payload},"prev":"0","hash":"{}"}}"#,
                    at + 1,
                    at + 1
                );
                serde_json::from_str(&line).unwrap()
            })
            .collect()
    }

    const STARTED: &str = r#"incident-started {"incident":"INC-1","runbook":"r","title":"t","digest":"d","source":"built-in","severity":"sev2","vars":{},"drill":false,"speed":1}"#;

    #[test]
    fn a_journal_whose_results_name_no_host_still_pairs_them_in_order() {
        // Written before `command-finished` named its host.
        let journal = events(&[
            STARTED,
            r#"step-entered {"step":"restart"}"#,
            r#"command-started {"step":"restart","command":"x","on":"web1"}"#,
            r#"command-finished {"step":"restart","exit_code":0,"duration_ms":1,"timed_out":false,"output":"","output_bytes":0}"#,
            r#"command-started {"step":"restart","command":"x","on":"web2"}"#,
            r#"command-finished {"step":"restart","exit_code":1,"duration_ms":1,"timed_out":false,"output":"","output_bytes":0}"#,
            r#"command-started {"step":"restart","command":"x","on":"web3"}"#,
        ]);
        let incident = Incident::replay(&journal).unwrap();
        assert_eq!(
            incident.ran_on,
            [(Some("web1".to_owned()), true), (Some("web2".to_owned()), false)]
        );
        assert_eq!(incident.unfinished_on("restart"), [Some("web3".to_owned())]);
    }

    #[test]
    fn results_that_name_their_host_end_its_start_whatever_the_order() {
        let journal = events(&[
            STARTED,
            r#"step-entered {"step":"restart"}"#,
            r#"command-started {"step":"restart","command":"x","on":"web1"}"#,
            r#"command-started {"step":"restart","command":"x","on":"web2"}"#,
            r#"command-started {"step":"restart","command":"x","on":"web3"}"#,
            r#"command-finished {"step":"restart","exit_code":0,"duration_ms":1,"timed_out":false,"output":"","output_bytes":0,"on":"web2"}"#,
        ]);
        let incident = Incident::replay(&journal).unwrap();
        assert_eq!(incident.ran_on, [(Some("web2".to_owned()), true)]);
        assert_eq!(
            incident.unfinished_on("restart"),
            [Some("web1".to_owned()), Some("web3".to_owned())]
        );
        assert_eq!(incident.unfinished_on("other"), []);
    }
}

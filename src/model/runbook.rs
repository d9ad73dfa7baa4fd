//! A runbook and its declarations: variables, contacts, severities, timers.

use super::{Located, Period, Span, Step, StepKind, Text};
use chrono::NaiveDate;
use serde::Serialize;

/// Variables every incident has, whether or not a runbook declares them.
/// They reach commands as `RUNBOOK_INCIDENT`, `RUNBOOK_STEP`, ...
pub const BUILTIN_VARS: &[&str] = &["incident", "runbook", "step", "severity", "drill", "operator"];

#[derive(Debug, Clone, Serialize)]
pub struct Runbook {
    pub schema: u32,
    pub id: Located<String>,
    pub title: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_every: Option<Period>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_reviewed: Option<Located<NaiveDate>>,
    pub default_severity: Located<String>,
    /// How long after handling ends the record must be archived.
    pub archive_within: Period,
    pub start: Located<String>,
    pub vars: Vec<Var>,
    pub contacts: Vec<Contact>,
    /// Where command steps run when they do not say (`on`); empty for
    /// this machine.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub on: Vec<Located<String>>,
    /// The built-in levels merged with the runbook's own, most severe first.
    pub severities: Vec<SeverityLevel>,
    pub timers: Vec<Timer>,
    pub steps: Vec<Step>,
    /// Where each step id first appears in `steps` ([`Runbook::index_steps`]):
    /// looking a step up is constant time, so checking a runbook is linear
    /// in its steps.
    #[serde(skip)]
    pub(crate) step_at: std::collections::HashMap<String, usize>,
}

impl Runbook {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.step_index(id).map(|index| &self.steps[index])
    }

    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.step_at.get(id).copied()
    }

    /// The index [`Runbook::step_index`] reads: the first step of each id.
    pub(crate) fn index_steps(steps: &[Step]) -> std::collections::HashMap<String, usize> {
        let mut at = std::collections::HashMap::with_capacity(steps.len());
        for (index, step) in steps.iter().enumerate() {
            at.entry(step.id.value.clone()).or_insert(index);
        }
        at
    }

    /// Every variable the runbook names: its `[vars]`, then those that
    /// `input` steps and commands' `capture` set, in file order (a name
    /// set in more than one place comes more than once). Built-ins aside.
    pub fn variables(&self) -> impl Iterator<Item = &Located<String>> {
        self.vars
            .iter()
            .map(|var| &var.name)
            .chain(self.steps.iter().filter_map(|step| match &step.kind {
                StepKind::Input { var, .. } => Some(var),
                StepKind::Command(command) => command.capture.as_ref(),
                _ => None,
            }))
    }

    pub fn contact(&self, id: &str) -> Option<&Contact> {
        self.contacts.iter().find(|contact| contact.id.value == id)
    }

    pub fn severity(&self, id: &str) -> Option<&SeverityLevel> {
        self.severities.iter().find(|level| level.id.value == id)
    }

    /// Whether level `level` is `than`, or more severe (levels are kept most
    /// severe first); false when either is not a level.
    pub fn at_or_above(&self, level: &str, than: &str) -> bool {
        let rank = |id: &str| self.severities.iter().position(|known| known.id.value == id);
        matches!((rank(level), rank(than)), (Some(level), Some(than)) if level <= than)
    }

    /// Step indexes in the order a reader should meet them: depth first
    /// from the start, the plain next step before branches, then timer
    /// targets, then anything left over in file order; `end` steps are kept
    /// for last, in the order they are first pointed at.
    pub fn walk_order(&self) -> Vec<usize> {
        let mut order = Vec::with_capacity(self.steps.len());
        let mut ends = Vec::new();
        let mut seen = vec![false; self.steps.len()];
        let roots =
            std::iter::once(&self.start).chain(self.timers.iter().filter_map(|timer| timer.goto.as_ref()));
        for root in roots {
            let mut stack: Vec<usize> = self.step_index(&root.value).into_iter().collect();
            while let Some(at) = stack.pop() {
                if std::mem::replace(&mut seen[at], true) {
                    continue;
                }
                if self.steps[at].is_end() {
                    ends.push(at);
                    continue;
                }
                order.push(at);
                let next: Vec<usize> = self.steps[at]
                    .successors()
                    .into_iter()
                    .filter_map(|(_, target)| self.step_index(&target.value))
                    .collect();
                stack.extend(next.into_iter().rev().filter(|&next| !seen[next]));
            }
        }
        order.extend((0..self.steps.len()).filter(|&at| !seen[at] && !self.steps[at].is_end()));
        order.extend(ends);
        order.extend((0..self.steps.len()).filter(|&at| !seen[at] && self.steps[at].is_end()));
        order
    }

    /// When the next review falls due, if the runbook asks to be reviewed.
    pub fn review_due(&self) -> Option<NaiveDate> {
        self.review_every
            .as_ref()?
            .after_date(self.last_reviewed.as_ref()?.value)
    }
}

/// A variable asked for at the start unless given with `--var`.
#[derive(Debug, Clone, Serialize)]
pub struct Var {
    pub name: Located<String>,
    pub prompt: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<Located<String>>,
    /// Asked without echo, never given on the command line, never written
    /// down: [`SECRET_MARKER`] stands in for the value everywhere but in
    /// the commands' environment.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
}

/// What the journal, the record, reports and the screen show for a
/// secret variable's value.
pub const SECRET_MARKER: &str = "[secret]";

impl Var {
    /// The environment variable a command sees: `service` → `SERVICE`.
    pub fn env_name(name: &str) -> String {
        name.to_ascii_uppercase()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub id: Located<String>,
    pub role: Text,
    pub name: String,
    pub phone: String,
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<Text>,
}

impl Contact {
    pub fn is_reachable(&self) -> bool {
        !self.phone.trim().is_empty() || !self.email.trim().is_empty()
    }
}

/// A response level (一级 / 二级 / 三级 by default).
#[derive(Debug, Clone, Serialize)]
pub struct SeverityLevel {
    pub id: Located<String>,
    pub label: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// Contacts told as soon as an incident is at, or raised to, this level.
    pub notify: Vec<Located<String>>,
}

impl SeverityLevel {
    /// `sev1` severe (一级), `sev2` general (二级), `sev3` minor (三级).
    pub fn builtin() -> Vec<SeverityLevel> {
        let level = |id: &str, en: &str, zh: &str, en_desc: &str, zh_desc: &str| SeverityLevel {
            id: Located::new(id.to_owned(), Span::NONE),
            label: Text::Localized(vec![("en".into(), en.into()), ("zh".into(), zh.into())]),
            description: Some(Text::Localized(vec![
                ("en".into(), en_desc.into()),
                ("zh".into(), zh_desc.into()),
            ])),
            notify: Vec::new(),
        };
        vec![
            level(
                "sev1",
                "Severe",
                "一级",
                "Core service down or data at risk; report to leadership at once.",
                "核心业务中断或数据面临风险，立即报告公司领导。",
            ),
            level(
                "sev2",
                "General",
                "二级",
                "A service degraded or partly down.",
                "业务部分中断或性能下降。",
            ),
            level(
                "sev3",
                "Minor",
                "三级",
                "Little or no effect on users.",
                "对用户影响很小或没有影响。",
            ),
        ]
    }
}

/// Where a timer counts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimerFrom {
    Start,
    Step(Located<String>),
}

impl Serialize for TimerFrom {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            TimerFrom::Start => serializer.serialize_str("start"),
            TimerFrom::Step(step) => serializer.serialize_str(&format!("step:{}", step.value)),
        }
    }
}

/// An escalation timer: fires `after` a time unless one of its `until`
/// milestones is reached first. With `every`, it fires again each time
/// that much more has passed, until a milestone (a progress report).
#[derive(Debug, Clone, Serialize)]
pub struct Timer {
    pub id: Located<String>,
    pub after: Period,
    /// Fire again this long after each firing, until a milestone: the
    /// n-th firing (from 0) is due at `after` + n × `every`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub every: Option<Located<Period>>,
    /// Fire only while the incident is at this level or a more severe one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub while_severity: Option<Located<String>>,
    pub from: TimerFrom,
    /// Milestones any one of which, once reached, cancels the timer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub until: Vec<Located<String>>,
    pub notify: Vec<Located<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goto: Option<Located<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Text>,
}

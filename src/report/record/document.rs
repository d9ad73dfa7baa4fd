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

use super::describe::{event, outcome, pick, time};
use super::evidence::{self, Numbers};
use super::{Report, Standing, Verification};
use crate::model::Lang;
use crate::model::short_span;
use crate::record::canonical::Record;
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

pub(super) fn l(lang: &Lang, en: &str, zh: &str) -> String {
    pick(lang, en.to_owned(), zh.to_owned())
}

impl Document {
    pub fn of(report: &Report<'_>) -> Document {
        let (record, lang) = (report.record, report.lang);
        let mut banners = Vec::new();
        if record.drill {
            banners.push(Banner {
                kind: "drill",
                text: l(
                    lang,
                    "DRILL: a rehearsal, not a real incident",
                    "演练：本次为演练，并非真实事件",
                ),
            });
        }
        match report.standing {
            Standing::Draft { .. } => banners.push(Banner {
                kind: "draft",
                text: l(
                    lang,
                    "DRAFT: not archived and not signed",
                    "草稿：尚未归档，未签名",
                ),
            }),
            Standing::Archived {
                verification: Verification::NotVerified { why, .. },
                ..
            } => banners.push(Banner {
                kind: "alert",
                text: pick(lang, format!("NOT VERIFIED: {why}"), format!("验证失败：{why}")),
            }),
            Standing::Archived { .. } => {}
        }
        let title = pick(
            lang,
            format!("Incident report {}", record.incident),
            format!("事件报告 {}", record.incident),
        );
        let open = match report.standing {
            Standing::Draft { open } => open.as_deref(),
            Standing::Archived { .. } => None,
        };
        let mut running = title.clone();
        if record.drill {
            running.push_str(&l(lang, " · DRILL", " · 演练"));
        }
        if matches!(report.standing, Standing::Draft { .. }) {
            running.push_str(&l(lang, " · DRAFT", " · 草稿"));
        }
        let page = if super::describe::zh(lang) {
            ["第 ", " 页，共 ", " 页"]
        } else {
            ["Page ", " of ", ""]
        };
        let short = Short::of(record);
        let numbers = Numbers::of(record);
        Document {
            lang: lang.as_str().to_owned(),
            title,
            running,
            page: page.map(str::to_owned),
            banners,
            sections: vec![
                header(record, &short, &numbers, open, report.standing, lang),
                summary(record, open, report.standing, lang),
                timeline(record, &short, &numbers, lang),
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
    short: &Short<'_>,
    numbers: &Numbers,
    open: Option<&str>,
    standing: &Standing,
    lang: &Lang,
) -> Section {
    let mut fields = Vec::new();
    fields.push(Field::one(
        l(lang, "Incident", "事件编号"),
        record.incident.clone(),
    ));
    let version = record
        .runbook
        .version
        .as_deref()
        .map(|v| pick(lang, format!(", version {v}"), format!("，版本 {v}")))
        .unwrap_or_default();
    fields.push(Field::one(
        l(lang, "Runbook", "预案"),
        pick(
            lang,
            format!("{} ({}){version}", record.runbook.title, record.runbook.id),
            format!("{}（{}）{version}", record.runbook.title, record.runbook.id),
        ),
    ));
    let state = match open {
        Some(state) => pick(lang, format!("open, {state}"), format!("进行中：{state}")),
        None => {
            let how = outcome(lang, record.outcome);
            match (&record.end_step, &record.abort_reason) {
                (_, Some(reason)) => format!("{how}: {reason}"),
                (Some(step), None) => pick(lang, format!("{how} (at {step})"), format!("{how}（{step}）")),
                (None, None) => how,
            }
        }
    };
    let label = match open {
        Some(_) => l(lang, "Status", "状态"),
        None => l(lang, "Outcome", "结果"),
    };
    fields.push(Field::one(label, state));
    fields.push(Field::one(l(lang, "Severity", "级别"), record.severity.clone()));
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
                    None => pick(
                        lang,
                        format!("{} {} at start ({by})", short.clock(change.time), change.severity),
                        format!("{} 开始时 {}（{by}）", short.clock(change.time), change.severity),
                    ),
                    Some(from) => format!(
                        "{} {from} → {} ({by}){reason}",
                        short.clock(change.time),
                        change.severity
                    ),
                }
            })
            .collect();
        fields.push(Field::many(l(lang, "History", "级别变更"), history));
    }
    fields.push(Field::one(
        l(lang, "Operators", "处置人员"),
        record.operators.join(", "),
    ));
    fields.push(Field::one(l(lang, "Started", "开始"), time(record.started)));
    if open.is_some() {
        fields.push(Field::one(
            l(lang, "Ended", "结束"),
            l(lang, "not yet", "尚未结束"),
        ));
    } else {
        fields.push(Field::one(l(lang, "Ended", "结束"), time(record.ended)));
        fields.push(Field::one(
            l(lang, "Handling took", "处置用时"),
            short_span(record.duration_s),
        ));
    }
    match standing {
        Standing::Archived { .. } => {
            let after = short_span((record.archived - record.ended).num_seconds());
            fields.push(Field::one(
                l(lang, "Archived", "归档"),
                pick(
                    lang,
                    format!("{} ({after} after the end)", time(record.archived)),
                    format!("{}（结束后 {after}）", time(record.archived)),
                ),
            ));
        }
        Standing::Draft { .. } => fields.push(Field::one(
            l(lang, "Archived", "归档"),
            pick(
                lang,
                format!("not yet (draft as of {})", time(record.archived)),
                format!("尚未归档（草稿生成于 {}）", time(record.archived)),
            ),
        )),
    }
    if !record.vars.is_empty() {
        let vars: Vec<String> = record
            .vars
            .iter()
            .map(|(k, v)| match numbers.captured(k, v) {
                // A command's output is printed once, with its evidence.
                Some(n) if v.lines().count() > 1 || v.chars().count() > SHORT_VALUE => pick(
                    lang,
                    format!("{k} = (output of evidence #{n})"),
                    format!("{k} =（证据 #{n} 的输出）"),
                ),
                Some(n) => pick(
                    lang,
                    format!("{k} = {v} (from evidence #{n})"),
                    format!("{k} = {v}（来自证据 #{n}）"),
                ),
                None => format!("{k} = {v}"),
            })
            .collect();
        fields.push(Field::many(l(lang, "Variables", "变量"), vars));
    }
    if !record.milestones.is_empty() {
        let milestones: Vec<String> = record
            .milestones
            .iter()
            .map(|m| format!("{} {} ({})", short.clock(m.time), m.name, m.step))
            .collect();
        fields.push(Field::many(l(lang, "Milestones", "里程碑"), milestones));
    }
    Section {
        id: "header",
        title: l(lang, "Incident", "事件概况"),
        blocks: vec![Block::Fields(fields)],
    }
}

/// The longest value a command's output set that the variables show as
/// it is (a version, a count); a longer one is referred to.
const SHORT_VALUE: usize = 40;

fn summary(record: &Record, open: Option<&str>, standing: &Standing, lang: &Lang) -> Section {
    let text = |s: &str| {
        if s.trim().is_empty() {
            l(lang, "(not written yet)", "（尚未填写）")
        } else {
            s.to_owned()
        }
    };
    let summary = &record.summary;
    let mut blocks = vec![
        Block::Subheading(l(lang, "What happened", "事件经过")),
        Block::Paragraph(text(&summary.what_happened)),
        Block::Subheading(l(lang, "Cause", "原因")),
        Block::Paragraph(text(&summary.cause)),
        Block::Subheading(l(lang, "Handling and result", "处置及结果")),
        Block::Paragraph(text(&summary.resolution)),
        Block::Subheading(l(lang, "Follow-ups", "后续事项")),
    ];
    if summary.follow_ups.is_empty() {
        blocks.push(Block::Paragraph(l(lang, "None.", "无。")));
    } else {
        blocks.push(Block::List(summary.follow_ups.clone()));
    }
    let mut fields = deadline(record, open, standing, lang);
    fields.push(Field::one(
        l(lang, "Signature", "签名"),
        signature(standing, lang),
    ));
    blocks.push(Block::Fields(fields));
    Section {
        id: "summary",
        title: l(lang, "Summary", "总结"),
        blocks,
    }
}

fn timeline(record: &Record, short: &Short<'_>, numbers: &Numbers, lang: &Lang) -> Section {
    let rows = record
        .timeline
        .iter()
        .map(|entry| {
            vec![
                short.clock(entry.time),
                short.actor(&entry.actor),
                event(lang, entry, numbers.of_entry(entry.seq)),
            ]
        })
        .collect();
    Section {
        id: "timeline",
        title: l(lang, "Timeline", "时间线"),
        blocks: vec![Block::Table {
            header: vec![
                l(lang, "Time", "时间"),
                l(lang, "By", "操作人"),
                l(lang, "Event", "事件"),
            ],
            rows,
        }],
    }
}

fn escalations(record: &Record, short: &Short<'_>, lang: &Lang) -> Section {
    let mut blocks = vec![Block::Subheading(l(lang, "Escalations", "升级"))];
    if record.escalations.is_empty() {
        blocks.push(Block::Paragraph(l(lang, "None.", "无。")));
    } else {
        let rows = record
            .escalations
            .iter()
            .map(|e| {
                let reason = e.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
                let timer = e.timer.clone().unwrap_or_default();
                let (kind, detail) = match e.kind.as_str() {
                    "severity-changed" => (
                        l(lang, "severity", "级别变更"),
                        format!(
                            "{} → {}{reason}",
                            e.from.as_deref().unwrap_or("?"),
                            e.to.as_deref().unwrap_or("?")
                        ),
                    ),
                    "timer-fired" => (l(lang, "timer fired", "计时器到期"), timer),
                    "timer-offer" => (
                        l(lang, "path offered", "建议升级"),
                        match e.accepted {
                            Some(true) => pick(lang, format!("{timer}: taken"), format!("{timer}：已采纳")),
                            Some(false) => {
                                pick(lang, format!("{timer}: declined"), format!("{timer}：未采纳"))
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
                l(lang, "Time", "时间"),
                l(lang, "By", "操作人"),
                l(lang, "Kind", "类型"),
                l(lang, "Detail", "详情"),
            ],
            rows,
        });
    }
    blocks.push(Block::Subheading(l(lang, "Notifications", "通知")));
    if record.notifications.is_empty() {
        blocks.push(Block::Paragraph(l(lang, "None.", "无。")));
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
                        pick(lang, format!("by hand, {by}"), format!("{by} 亲自通知"))
                    }
                    ("by-hand", true) => pick(
                        lang,
                        format!("by hand, {by} ({how})"),
                        format!("{by} 亲自通知（{how}）"),
                    ),
                    ("by-hand", false) => pick(lang, format!("by hand, {by}"), format!("{by} 亲自联系")),
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
                        ("by-hand", _) => (l(lang, "NOT REACHED", "未能联系"), String::new()),
                        (_, Some(m)) => (
                            l(lang, "not delivered", "未送达"),
                            pick(
                                lang,
                                format!("; told at {} (below)", short.clock(m.time)),
                                format!("；已于 {} 通知（见下）", short.clock(m.time)),
                            ),
                        ),
                        (_, None) => (l(lang, "NOT DELIVERED", "未送达"), String::new()),
                    };
                    what.push_str(&pick(
                        lang,
                        format!("\n{unreached}: {error}{told}"),
                        format!("\n{unreached}：{error}{told}"),
                    ));
                }
                vec![short.clock(n.time), n.to.join(", "), via, what]
            })
            .collect();
        blocks.push(Block::Table {
            header: vec![
                l(lang, "Time", "时间"),
                l(lang, "To", "通知对象"),
                l(lang, "Via", "方式"),
                l(lang, "Subject", "主题"),
            ],
            rows,
        });
    }
    Section {
        id: "escalations",
        title: l(lang, "Escalations and notifications", "升级与通知"),
        blocks,
    }
}

fn attachments(record: &Record, lang: &Lang) -> Section {
    let block = if record.attachments.is_empty() {
        Block::Paragraph(l(lang, "None.", "无。"))
    } else {
        Block::List(
            record
                .attachments
                .iter()
                .map(|a| {
                    pick(
                        lang,
                        format!("{}, {} bytes, sha256 {}", a.name, a.bytes, a.sha256),
                        format!("{}，{} 字节，sha256 {}", a.name, a.bytes, a.sha256),
                    )
                })
                .collect(),
        )
    };
    Section {
        id: "attachments",
        title: l(lang, "Attachments", "附件"),
        blocks: vec![block],
    }
}

/// When the record is due, and whether it was (or can still be) archived
/// on time.
fn deadline(record: &Record, open: Option<&str>, standing: &Standing, lang: &Lang) -> Vec<Field> {
    let deadline = &record.deadline;
    let within = short_span(deadline.within_s);
    let (due, verdict) = if open.is_some() {
        (
            pick(
                lang,
                format!("{within} after handling ends"),
                format!("处置结束后 {within} 内"),
            ),
            l(
                lang,
                "handling has not ended; the deadline counts from its end",
                "处置尚未结束；时限自结束时起算",
            ),
        )
    } else {
        let archived = matches!(standing, Standing::Archived { .. });
        let early = short_span((deadline.due - record.archived).num_seconds());
        let late = short_span(deadline.late_s);
        let verdict = match (archived, deadline.on_time) {
            (true, true) => pick(
                lang,
                format!("met: archived {early} before the deadline"),
                format!("按时：截止前 {early} 归档"),
            ),
            (true, false) => pick(lang, format!("LATE by {late}"), format!("逾期 {late}")),
            (false, true) => pick(
                lang,
                format!("not archived yet: {early} left"),
                format!("尚未归档：剩余 {early}"),
            ),
            (false, false) => pick(
                lang,
                format!("OVERDUE by {late}, not archived yet"),
                format!("已逾期 {late}，尚未归档"),
            ),
        };
        let due = time(deadline.due);
        (
            pick(
                lang,
                format!("{due} ({within} after the end)"),
                format!("{due}（结束后 {within} 内）"),
            ),
            verdict,
        )
    };
    vec![
        Field::one(l(lang, "Archive due", "归档截止"), due),
        Field::one(l(lang, "Compliance", "是否按时"), verdict),
    ]
}

/// The signature's verdict in a few words: who signed, or why it fails.
fn signature(standing: &Standing, lang: &Lang) -> String {
    match standing {
        Standing::Draft { .. } => l(lang, "none: a draft is not signed", "无：草稿未签名"),
        Standing::Archived {
            verification: Verification::Verified { principal, .. },
            ..
        } => pick(
            lang,
            format!("verified, signed by {principal}"),
            format!("验证通过，签名人 {principal}"),
        ),
        Standing::Archived {
            verification: Verification::NotVerified { why, .. },
            ..
        } => pick(lang, format!("NOT VERIFIED: {why}"), format!("验证失败：{why}")),
    }
}

fn verification(record: &Record, standing: &Standing, lang: &Lang) -> Section {
    let mut fields = Vec::new();
    match standing {
        Standing::Draft { .. } => fields.push(Field::one(
            l(lang, "Signature", "签名"),
            l(lang, "none: a draft is not signed", "无：草稿未签名"),
        )),
        Standing::Archived { sha256, verification } => {
            match verification {
                Verification::Verified {
                    principal,
                    fingerprint,
                } => {
                    fields.push(Field::one(
                        l(lang, "Signature", "签名"),
                        l(lang, "verified", "验证通过"),
                    ));
                    fields.push(Field::one(l(lang, "Signed by", "签名人"), principal.clone()));
                    fields.push(Field::one(l(lang, "Key", "密钥"), fingerprint.clone()));
                }
                Verification::NotVerified { fingerprint, why } => {
                    fields.push(Field::one(
                        l(lang, "Signature", "签名"),
                        pick(lang, format!("NOT VERIFIED: {why}"), format!("验证失败：{why}")),
                    ));
                    if let Some(fingerprint) = fingerprint {
                        fields.push(Field::one(l(lang, "Key", "密钥"), fingerprint.clone()));
                    }
                }
            }
            fields.push(Field::one(
                l(lang, "Record SHA-256", "记录 SHA-256"),
                sha256.clone(),
            ));
            fields.push(Field::one(
                l(lang, "Previous", "上一记录"),
                record
                    .previous_record
                    .clone()
                    .unwrap_or_else(|| l(lang, "none (the first record)", "无（首条记录）")),
            ));
        }
    }
    fields.push(Field::one(
        l(lang, "Journal", "日志"),
        pick(
            lang,
            format!("{} events, head", record.journal.events),
            format!("{} 条事件，末条哈希", record.journal.events),
        ),
    ));
    fields.push(Field::one(String::new(), record.journal.head.clone()));
    fields.push(Field::one(
        l(lang, "Runbook digest", "预案摘要"),
        record.runbook.digest.clone(),
    ));
    Section {
        id: "verification",
        title: l(lang, "Verification", "验证"),
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

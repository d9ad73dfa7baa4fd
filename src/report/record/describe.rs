//! Words for a report, in English or Chinese: what each journaled event
//! was, outcomes, answers, times and durations. Raw strings: the
//! renderers escape them for their format.

use crate::model::{Answer, AnswerSource, EventKind, Lang, Outcome, StepResult, short_span};
use crate::record::canonical::TimelineEntry;
use crate::sanitize::sanitize_line;
use chrono::{DateTime, Utc};

/// Whether the report is in Chinese.
pub(super) fn zh(lang: &Lang) -> bool {
    lang.primary() == "zh"
}

/// `en` or `zh`, whichever the display language wants.
pub(super) fn pick(lang: &Lang, en: String, zh_text: String) -> String {
    if zh(lang) { zh_text } else { en }
}

/// A time in full: `2026-11-28 09:00:00 UTC`.
pub(super) fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Milliseconds, for how long a command ran: `640 ms`, `1.5 s`, `2m05s`.
pub(super) fn millis(ms: u64) -> String {
    match ms {
        0..1000 => format!("{ms} ms"),
        1000..60_000 => format!("{}.{} s", ms / 1000, ms % 1000 / 100),
        _ => short_span(i64::try_from(ms / 1000).unwrap_or(i64::MAX)),
    }
}

pub(super) fn outcome(lang: &Lang, outcome: Outcome) -> String {
    let (en, zh_text) = match outcome {
        Outcome::Resolved => ("resolved", "已解决"),
        Outcome::HandedOver => ("handed over", "已移交"),
        Outcome::Escalated => ("escalated", "已升级"),
        Outcome::Aborted => ("aborted", "已中止"),
    };
    pick(lang, en.into(), zh_text.into())
}

fn answer(lang: &Lang, answer: &Answer) -> String {
    let words = |en: &str, zh_text: &str| pick(lang, en.into(), zh_text.into());
    match answer {
        Answer::Result {
            result: StepResult::Done,
        } => words("done", "完成"),
        Answer::Result {
            result: StepResult::Failed,
        } => words("failed", "失败"),
        Answer::Result {
            result: StepResult::Skipped,
        } => words("skipped", "跳过"),
        Answer::YesNo { yes: true } => words("yes", "是"),
        Answer::YesNo { yes: false } => words("no", "否"),
        Answer::Option { label, .. } => label.clone(),
        Answer::Text { value } => value.clone(),
        Answer::Ticked { items } if items.is_empty() => words("nothing ticked", "未勾选"),
        Answer::Ticked { items } => {
            let numbers: Vec<String> = items.iter().map(|i| (i + 1).to_string()).collect();
            pick(
                lang,
                format!("ticked {}", numbers.join(", ")),
                format!("勾选 {}", numbers.join("、")),
            )
        }
    }
}

/// One line (or a few, for a note) saying what a timeline entry was.
/// An entry this version does not know is named by its type. `evidence`
/// is the number of the command evidence the entry is about: a command's
/// start, result or skip, or a variable its output set, which is then
/// referred to instead of repeated.
pub(super) fn event(lang: &Lang, entry: &TimelineEntry, evidence: Option<usize>) -> String {
    let value = serde_json::json!({ "type": entry.kind, "payload": entry.payload });
    let Ok(kind) = serde_json::from_value::<EventKind>(value) else {
        return entry.kind.clone();
    };
    let say = |en: String, zh_text: String| pick(lang, en, zh_text);
    // `(evidence #3)` after what an entry says of a command.
    let see = |en: String, zh_text: String| match evidence {
        Some(n) => say(format!("{en} (evidence #{n})"), format!("{zh_text}（证据 #{n}）")),
        None => say(en, zh_text),
    };
    match kind {
        EventKind::IncidentStarted {
            runbook,
            title,
            severity,
            drill,
            ..
        } => {
            let (en_drill, zh_drill) = if drill {
                (" (drill)", "（演练）")
            } else {
                ("", "")
            };
            say(
                format!("Started{en_drill}: {title} ({runbook}), severity {severity}"),
                format!("启动{zh_drill}：{title}（{runbook}），级别 {severity}"),
            )
        }
        EventKind::StepEntered { step } => say(format!("Step {step}"), format!("进入步骤 {step}")),
        EventKind::StepAnswered {
            step,
            answer: given,
            source,
            note,
            question,
        } => {
            let given = answer(lang, &given);
            let by = match source {
                AnswerSource::Script => say("scripted".into(), "脚本".into()),
                AnswerSource::Person => say("by the operator".into(), "操作员".into()),
            };
            let question = question.map(|q| format!(" [{q}]")).unwrap_or_default();
            let mut line = say(
                format!("{step}{question}: {given} ({by})"),
                format!("{step}{question}：{given}（{by}）"),
            );
            if let Some(note) = note {
                line.push_str(&say(format!(": {note}"), format!("：{note}")));
            }
            line
        }
        EventKind::VarSet { name, .. } if evidence.is_some() => {
            let n = evidence.unwrap_or_default();
            say(
                format!("Set {name} = (output of evidence #{n})"),
                format!("设置 {name} =（证据 #{n} 的输出）"),
            )
        }
        EventKind::VarSet { name, value, .. } => {
            say(format!("Set {name} = {value}"), format!("设置 {name} = {value}"))
        }
        // The command itself is printed once, with its evidence.
        EventKind::CommandStarted { step, command, on } => match (on, evidence) {
            (Some(on), _) => see(
                format!("{step}: command started on {on}"),
                format!("{step}：命令在 {on} 上开始执行"),
            ),
            (None, Some(_)) => see(
                format!("{step}: command started"),
                format!("{step}：命令开始执行"),
            ),
            (None, None) => {
                // No evidence to refer to: the command's first line.
                let command = command.trim();
                let first = command.lines().next().unwrap_or("");
                let more = if command.lines().count() > 1 { " …" } else { "" };
                say(
                    format!("{step}: ran $ {first}{more}"),
                    format!("{step}：执行 $ {first}{more}"),
                )
            }
        },
        EventKind::CommandFinished {
            step,
            exit_code,
            signal,
            timed_out,
            output,
            on,
            ..
        } => {
            let how = match (exit_code, signal, timed_out) {
                (_, _, true) => say("timed out".into(), "超时".into()),
                (Some(code), _, _) => say(format!("exit {code}"), format!("退出码 {code}")),
                (None, Some(signal), _) => say(
                    format!("killed by signal {signal}"),
                    format!("被信号 {signal} 终止"),
                ),
                // The output is then why ("cannot start the command: …"),
                // as the walk showed it: one line, escaped, whatever the
                // record holds.
                (None, None, _) => match crate::model::start_failure(&output) {
                    Some(why) => {
                        let why = sanitize_line(why);
                        return see(format!("{step}: {why}"), format!("{step}：未能启动：{why}"));
                    }
                    None => say("could not start".into(), "未能启动".into()),
                },
            };
            match on {
                // Results of commands run at once come in any order.
                Some(on) => see(
                    format!("{step}: command finished on {on}, {how}"),
                    format!("{step}：命令在 {on} 上结束，{how}"),
                ),
                None => see(
                    format!("{step}: command finished, {how}"),
                    format!("{step}：命令结束，{how}"),
                ),
            }
        }
        EventKind::CommandSkipped { step, reason, .. } => see(
            format!("{step}: command not run: {reason}"),
            format!("{step}：命令未执行：{reason}"),
        ),
        EventKind::NotificationSent { to, via, how, .. } if via == "by-hand" => {
            let how = how.as_deref().map(sanitize_line).unwrap_or_default();
            match how.is_empty() {
                true => say(
                    format!("Told {} by hand", to.join(", ")),
                    format!("已亲自通知 {}", to.join("、")),
                ),
                false => say(
                    format!("Told {} by hand ({how})", to.join(", ")),
                    format!("已亲自通知 {}（{how}）", to.join("、")),
                ),
            }
        }
        EventKind::NotificationFailed { to, via, error, .. } if via == "by-hand" => say(
            format!("Could not reach {}: {error}", to.join(", ")),
            format!("无法联系 {}：{error}", to.join("、")),
        ),
        EventKind::NotificationSent { to, via, .. } => say(
            format!("Notified {} via {via}", to.join(", ")),
            format!("已通知 {}（{via}）", to.join("、")),
        ),
        EventKind::NotificationFailed { to, via, error, .. } => say(
            format!("NOT notified {} via {via}: {error}", to.join(", ")),
            format!("通知失败 {}（{via}）：{error}", to.join("、")),
        ),
        EventKind::MilestoneReached { name, .. } => {
            say(format!("Milestone: {name}"), format!("里程碑：{name}"))
        }
        EventKind::TimerFired { timer } => {
            say(format!("Timer {timer} fired"), format!("计时器 {timer} 到期"))
        }
        EventKind::SeverityChanged { from, to, reason } => {
            let reason = reason.map(|r| format!(": {r}")).unwrap_or_default();
            say(
                format!("Severity {from} → {to}{reason}"),
                format!("级别 {from} → {to}{reason}"),
            )
        }
        EventKind::NoteAdded { text, .. } => say(format!("Note: {text}"), format!("备注：{text}")),
        EventKind::AttachmentAdded { name, bytes, .. } => say(
            format!("Attached {name} ({bytes} bytes)"),
            format!("附件 {name}（{bytes} 字节）"),
        ),
        EventKind::StepFailed { step, reason } => say(
            format!("Step {step} failed: {reason}"),
            format!("步骤 {step} 失败：{reason}"),
        ),
        EventKind::Paused { reason, .. } => say(format!("Paused: {reason}"), format!("暂停：{reason}")),
        EventKind::Resumed {} => say("Resumed".into(), "继续".into()),
        EventKind::HostChecked { on, name, error } => match (name, error) {
            (_, Some(error)) => {
                let error = crate::sanitize::sanitize(&error);
                say(
                    format!("cannot run commands on {on}: {error}"),
                    format!("无法在 {on} 上执行命令：{error}"),
                )
            }
            (Some(name), None) if name != on => {
                let name = sanitize_line(&name);
                say(
                    format!("{on} answers (as {name})"),
                    format!("{on} 可以连接（主机名 {name}）"),
                )
            }
            _ => say(format!("{on} answers"), format!("{on} 可以连接")),
        },
        EventKind::Ended { step, outcome: how } => {
            let how = outcome(lang, how);
            say(format!("Ended at {step}: {how}"), format!("结束于 {step}：{how}"))
        }
        EventKind::Aborted { reason } => say(format!("Aborted: {reason}"), format!("中止：{reason}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: &str, payload: serde_json::Value) -> TimelineEntry {
        TimelineEntry {
            seq: 1,
            time: "2026-11-28T09:00:00Z".parse().unwrap(),
            actor: "ops@web1".into(),
            kind: kind.into(),
            payload,
            hash: String::new(),
        }
    }

    #[test]
    fn events_in_words_in_both_languages() {
        let en = Lang::english();
        let zh = Lang::parse("zh").unwrap();
        let fired = entry("timer-fired", serde_json::json!({"timer": "locate-cause"}));
        assert_eq!(event(&en, &fired, None), "Timer locate-cause fired");
        assert_eq!(event(&zh, &fired, None), "计时器 locate-cause 到期");
        let answered = entry(
            "step-answered",
            serde_json::json!({"step": "check", "answer": {"kind": "result", "result": "done"}, "source": "script"}),
        );
        assert_eq!(event(&en, &answered, None), "check: done (scripted)");
        assert_eq!(event(&zh, &answered, None), "check：完成（脚本）");
    }

    #[test]
    fn a_command_that_could_not_start_says_why() {
        let finished = |output: &str| {
            entry(
                "command-finished",
                serde_json::json!({"step": "fix", "exit_code": null, "signal": null, "duration_ms": 0,
                    "timed_out": false, "output": output, "output_bytes": output.len()}),
            )
        };
        let why = finished("cannot start the command: No such file or directory\n");
        assert_eq!(
            event(&Lang::english(), &why, None),
            "fix: cannot start the command: No such file or directory"
        );
        assert_eq!(
            event(&Lang::parse("zh").unwrap(), &why, None),
            "fix：未能启动：cannot start the command: No such file or directory"
        );
        let forged = finished("cannot start\x1b[2J\r done\nfix: exit 0\n");
        assert_eq!(
            event(&Lang::english(), &forged, None),
            "fix: cannot start\\x1b[2J\\x0d done"
        );
        // A record from before the cause was journaled.
        assert_eq!(
            event(&Lang::english(), &finished(""), None),
            "fix: command finished, could not start"
        );
    }

    #[test]
    fn command_entries_refer_to_their_evidence() {
        let en = Lang::english();
        let zh = Lang::parse("zh").unwrap();
        let started = entry(
            "command-started",
            serde_json::json!({"step": "inspect", "command": "df -h\nuptime"}),
        );
        assert_eq!(
            event(&en, &started, Some(3)),
            "inspect: command started (evidence #3)"
        );
        assert_eq!(event(&zh, &started, Some(3)), "inspect：命令开始执行（证据 #3）");
        assert_eq!(event(&en, &started, None), "inspect: ran $ df -h …");
        let remote = entry(
            "command-started",
            serde_json::json!({"step": "inspect", "command": "df -h", "on": "web1"}),
        );
        assert_eq!(
            event(&en, &remote, Some(1)),
            "inspect: command started on web1 (evidence #1)"
        );
        let captured = entry(
            "var-set",
            serde_json::json!({"name": "disk", "value": "Filesystem  Size\n/dev/sda2  20G", "step": "inspect"}),
        );
        assert_eq!(
            event(&en, &captured, Some(3)),
            "Set disk = (output of evidence #3)"
        );
        assert_eq!(event(&zh, &captured, Some(3)), "设置 disk =（证据 #3 的输出）");
        let skipped = entry(
            "command-skipped",
            serde_json::json!({"step": "restart", "command": "systemctl restart nginx", "reason": "skip"}),
        );
        assert_eq!(
            event(&en, &skipped, Some(2)),
            "restart: command not run: skip (evidence #2)"
        );
    }

    #[test]
    fn unknown_events_are_named_by_their_type() {
        let odd = entry("from-the-future", serde_json::json!({}));
        assert_eq!(event(&Lang::english(), &odd, None), "from-the-future");
    }

    #[test]
    fn durations_read_short() {
        assert_eq!(short_span(45), "45s");
        assert_eq!(short_span(300), "5m00s");
        assert_eq!(short_span(3900), "1h05m");
        assert_eq!(short_span(86_400 * 2 + 3600 * 3), "2d3h");
        assert_eq!(millis(640), "640 ms");
        assert_eq!(millis(1520), "1.5 s");
        assert_eq!(millis(125_000), "2m05s");
    }
}

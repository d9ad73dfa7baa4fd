//! Words for a report, in English or Chinese: what each journaled event
//! was, outcomes, answers, times and durations. Raw strings: the
//! renderers escape them for their format.

use crate::model::{Answer, AnswerSource, EventKind, Lang, Outcome, Runbook, StepKind, StepResult};
use crate::record::canonical::TimelineEntry;
use crate::sanitize::sanitize_line;
use crate::tr;
use chrono::{DateTime, Utc};

/// A time in full: `2026-11-28 09:00:00 UTC`.
pub(super) fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Milliseconds, for how long a command ran: `640 ms`, `1.5 s`, `2m05s`
/// (`640 毫秒`, `1.5 秒`, `2分05秒` in Chinese).
pub(super) fn millis(lang: &Lang, ms: u64) -> String {
    match ms {
        0..1000 => tr!(lang, RMillis, ms = ms),
        1000..60_000 => tr!(
            lang,
            RSeconds,
            seconds = format!("{}.{}", ms / 1000, ms % 1000 / 100)
        ),
        _ => crate::i18n::span(lang, i64::try_from(ms / 1000).unwrap_or(i64::MAX)),
    }
}

pub(super) fn outcome(lang: &Lang, outcome: Outcome) -> String {
    crate::i18n::outcome(lang, outcome).to_owned()
}

/// The answer to `step` in words; an option chosen by its label in `lang`
/// when the plan is at hand, else as the record keeps it.
fn answer(lang: &Lang, plan: Option<&Runbook>, step: &str, answer: &Answer) -> String {
    match answer {
        Answer::Result {
            result: StepResult::Done,
        } => tr!(lang, RDone).to_owned(),
        Answer::Result {
            result: StepResult::Failed,
        } => tr!(lang, ResultFailed).to_owned(),
        Answer::Result {
            result: StepResult::Skipped,
        } => tr!(lang, RSkipped).to_owned(),
        Answer::YesNo { yes: true } => tr!(lang, AnswerYes).to_owned(),
        Answer::YesNo { yes: false } => tr!(lang, AnswerNo).to_owned(),
        Answer::Option { index, label } => plan
            .and_then(|plan| option_label(plan, step, *index, lang))
            .unwrap_or_else(|| label.clone()),
        Answer::Text { value } => value.clone(),
        Answer::Ticked { items } if items.is_empty() => tr!(lang, RNothingTicked).to_owned(),
        Answer::Ticked { items } => {
            let numbers: Vec<String> = items.iter().map(|i| (i + 1).to_string()).collect();
            tr!(lang, RTicked, items = numbers.join(tr!(lang, ListSeparator)))
        }
    }
}

/// The label of option `index` of `step` in `plan`, in `lang`.
fn option_label(plan: &Runbook, step: &str, index: usize, lang: &Lang) -> Option<String> {
    match &plan.step(step)?.kind {
        StepKind::Choice { options } => options.get(index).map(|option| option.label.get(lang).to_owned()),
        _ => None,
    }
}

/// One line (or a few, for a note) saying what a timeline entry was.
/// An entry this version does not know is named by its type. `evidence`
/// is the number of the command evidence the entry is about: a command's
/// start, result or skip, or a variable its output set, which is then
/// referred to instead of repeated.
/// `plan`, when at hand, gives the plan's title and the options chosen
/// in `lang`.
pub(super) fn event(
    lang: &Lang,
    plan: Option<&Runbook>,
    entry: &TimelineEntry,
    evidence: Option<usize>,
) -> String {
    let value = serde_json::json!({ "type": entry.kind, "payload": entry.payload });
    let Ok(kind) = serde_json::from_value::<EventKind>(value) else {
        return entry.kind.clone();
    };
    let to_whom = |to: &[String]| to.join(tr!(lang, ListSeparator));
    // `(evidence #3)` after what an entry says of a command.
    let see = |text: String| match evidence {
        Some(n) => tr!(lang, RWithEvidence, text = text, n = n),
        None => text,
    };
    match kind {
        EventKind::IncidentStarted {
            runbook,
            title,
            severity,
            drill,
            ..
        } => {
            let drill = if drill { tr!(lang, RDrillMark) } else { "" };
            let title = plan.map_or(title.as_str(), |plan| plan.title.get(lang));
            tr!(
                lang,
                RStartedLine,
                drill = drill,
                title = title,
                runbook = runbook,
                severity = severity
            )
        }
        EventKind::StepEntered { step } => tr!(lang, RStep, step = step),
        EventKind::StepAnswered {
            step,
            answer: given,
            source,
            note,
            question,
        } => {
            let given = answer(lang, plan, &step, &given);
            let by = match source {
                AnswerSource::Script => tr!(lang, RScripted).to_owned(),
                AnswerSource::Person => tr!(lang, RByTheOperator).to_owned(),
            };
            let question = question
                .map(|q| format!(" [{}]", crate::i18n::question(lang, &q)))
                .unwrap_or_default();
            let mut line = tr!(
                lang,
                RAnswered,
                step = step,
                question = question,
                given = given,
                by = by
            );
            if let Some(note) = note {
                line.push_str(&tr!(lang, RAnswerNote, note = note));
            }
            line
        }
        EventKind::VarSet { name, .. } if evidence.is_some() => {
            let n = evidence.unwrap_or_default();
            tr!(lang, RSetOutputOfEvidence, name = name, n = n)
        }
        EventKind::VarSet { name, value, .. } => {
            tr!(lang, RSet, name = name, value = value)
        }
        // The command itself is printed once, with its evidence.
        EventKind::CommandStarted { step, command, on } => match (on, evidence) {
            (Some(on), _) => see(tr!(lang, RCommandStartedOn, step = step, on = on)),
            (None, Some(_)) => see(tr!(lang, RCommandStarted, step = step)),
            (None, None) => {
                // No evidence to refer to: the command's first line.
                let command = command.trim();
                let first = command.lines().next().unwrap_or("");
                let more = if command.lines().count() > 1 { " …" } else { "" };
                tr!(lang, RRan, step = step, first = first, more = more)
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
                (_, _, true) => tr!(lang, RTimedOut).to_owned(),
                (Some(code), _, _) => tr!(lang, RExit, code = code),
                (None, Some(signal), _) => tr!(lang, RKilledBySignal, signal = signal),
                // The output is then why ("cannot start the command: …"),
                // as the walk showed it: one line, escaped, whatever the
                // record holds.
                (None, None, _) => match crate::model::start_failure(&output) {
                    Some(why) => {
                        let why = crate::i18n::reason(lang, why);
                        let why = sanitize_line(&why);
                        return see(tr!(lang, RCommandStartFailed, step = step, why = why));
                    }
                    None => tr!(lang, RCouldNotStart).to_owned(),
                },
            };
            match on {
                // Results of commands run at once come in any order.
                Some(on) => see(tr!(lang, RCommandFinishedOn, step = step, on = on, how = how)),
                None => see(tr!(lang, RCommandFinished, step = step, how = how)),
            }
        }
        EventKind::CommandSkipped { step, reason, .. } => see(tr!(
            lang,
            RCommandNotRun,
            step = step,
            reason = crate::i18n::reason(lang, &reason)
        )),
        EventKind::NotificationSent { to, via, how, .. } if via == "by-hand" => {
            let how = how.as_deref().map(sanitize_line).unwrap_or_default();
            match how.is_empty() {
                true => tr!(lang, RToldByHand, to = to_whom(&to)),
                false => tr!(lang, RToldByHandHow, to = to_whom(&to), how = how),
            }
        }
        EventKind::NotificationFailed { to, via, error, .. } if via == "by-hand" => tr!(
            lang,
            RCouldNotReach,
            to = to_whom(&to),
            error = crate::i18n::reason(lang, &error)
        ),
        EventKind::NotificationSent { to, via, .. } => tr!(lang, RNotifiedVia, to = to_whom(&to), via = via),
        EventKind::NotificationFailed { to, via, error, .. } => tr!(
            lang,
            RNotNotifiedVia,
            to = to_whom(&to),
            via = via,
            error = crate::i18n::reason(lang, &error)
        ),
        EventKind::MilestoneReached { name, .. } => {
            tr!(lang, RMilestone, name = name)
        }
        EventKind::TimerFired { timer, repeat: None } => {
            tr!(lang, RTimerFired, timer = timer)
        }
        EventKind::TimerFired {
            timer,
            repeat: Some(repeat),
        } => tr!(lang, RTimerFiredAgain, timer = timer, repeat = repeat),
        EventKind::SeverityChanged { from, to, reason } => {
            let reason = reason.map(|r| format!(": {r}")).unwrap_or_default();
            tr!(lang, RSeverity, from = from, to = to, reason = reason)
        }
        EventKind::NoteAdded { text, .. } => tr!(lang, RNote, text = crate::i18n::note(lang, &text)),
        EventKind::AttachmentAdded { name, bytes, .. } => {
            tr!(lang, RAttachedBytes, name = name, bytes = bytes)
        }
        EventKind::StepFailed { step, reason } => tr!(
            lang,
            RStepFailed,
            step = step,
            reason = crate::i18n::reason(lang, &reason)
        ),
        EventKind::Paused { reason, .. } => tr!(lang, RPaused, reason = crate::i18n::reason(lang, &reason)),
        EventKind::Resumed {} => tr!(lang, RResumed).to_owned(),
        EventKind::HostChecked { on, name, error } => match (name, error) {
            (_, Some(error)) => {
                let error = crate::i18n::reason(lang, &error).into_owned();
                let error = crate::sanitize::sanitize(&error);
                tr!(lang, RCannotRunCommandsOn, on = on, error = error)
            }
            (Some(name), None) if name != on => {
                let name = sanitize_line(&name);
                tr!(lang, RAnswersAs, on = on, name = name)
            }
            _ => tr!(lang, RAnswers, on = on),
        },
        EventKind::Ended { step, outcome: how } => {
            let how = outcome(lang, how);
            tr!(lang, REndedAt, step = step, how = how)
        }
        EventKind::Aborted { reason } => tr!(lang, RAborted, reason = crate::i18n::reason(lang, &reason)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::short_span;

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
        assert_eq!(event(&en, None, &fired, None), "Timer locate-cause fired");
        assert_eq!(event(&zh, None, &fired, None), "计时器 locate-cause 到期");
        let answered = entry(
            "step-answered",
            serde_json::json!({"step": "check", "answer": {"kind": "result", "result": "done"}, "source": "script"}),
        );
        assert_eq!(event(&en, None, &answered, None), "check: done (scripted)");
        assert_eq!(event(&zh, None, &answered, None), "check：完成（脚本）");
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
            event(&Lang::english(), None, &why, None),
            "fix: cannot start the command: No such file or directory"
        );
        assert_eq!(
            event(&Lang::parse("zh").unwrap(), None, &why, None),
            "fix：无法启动命令：No such file or directory"
        );
        let forged = finished("cannot start\x1b[2J\r done\nfix: exit 0\n");
        assert_eq!(
            event(&Lang::english(), None, &forged, None),
            "fix: cannot start\\x1b[2J\\x0d done"
        );
        // A record from before the cause was journaled.
        assert_eq!(
            event(&Lang::english(), None, &finished(""), None),
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
            event(&en, None, &started, Some(3)),
            "inspect: command started (evidence #3)"
        );
        assert_eq!(
            event(&zh, None, &started, Some(3)),
            "inspect：命令开始执行（证据 #3）"
        );
        assert_eq!(event(&en, None, &started, None), "inspect: ran $ df -h …");
        let remote = entry(
            "command-started",
            serde_json::json!({"step": "inspect", "command": "df -h", "on": "web1"}),
        );
        assert_eq!(
            event(&en, None, &remote, Some(1)),
            "inspect: command started on web1 (evidence #1)"
        );
        let captured = entry(
            "var-set",
            serde_json::json!({"name": "disk", "value": "Filesystem  Size\n/dev/sda2  20G", "step": "inspect"}),
        );
        assert_eq!(
            event(&en, None, &captured, Some(3)),
            "Set disk = (output of evidence #3)"
        );
        assert_eq!(
            event(&zh, None, &captured, Some(3)),
            "设置 disk =（证据 #3 的输出）"
        );
        let skipped = entry(
            "command-skipped",
            serde_json::json!({"step": "restart", "command": "systemctl restart nginx", "reason": "skip"}),
        );
        assert_eq!(
            event(&en, None, &skipped, Some(2)),
            "restart: command not run: skip (evidence #2)"
        );
    }

    #[test]
    fn unknown_events_are_named_by_their_type() {
        let odd = entry("from-the-future", serde_json::json!({}));
        assert_eq!(event(&Lang::english(), None, &odd, None), "from-the-future");
    }

    #[test]
    fn durations_read_short() {
        assert_eq!(short_span(45), "45s");
        assert_eq!(short_span(300), "5m00s");
        assert_eq!(short_span(3900), "1h05m");
        assert_eq!(short_span(86_400 * 2 + 3600 * 3), "2d3h");
        assert_eq!(millis(&Lang::english(), 640), "640 ms");
        assert_eq!(millis(&Lang::english(), 1520), "1.5 s");
        assert_eq!(millis(&Lang::english(), 125_000), "2m05s");
    }
}

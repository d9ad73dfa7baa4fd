//! `runbook show`: a runbook's steps in walk order, with their branches,
//! commands, timers and contacts; as plain text for 80 columns or Markdown.

use super::wrap;
use crate::model::{Lang, Runbook, Step, StepKind, Text, TimerFrom};
use std::io::{self, Write};

/// Section labels in the display language.
fn label(lang: &Lang, en: &'static str, zh: &'static str) -> &'static str {
    if lang.primary() == "zh" { zh } else { en }
}

fn list(items: &[impl AsRef<str>]) -> String {
    items.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(", ")
}

/// Plain text, wrapped to `width` columns.
pub fn text<W: Write>(
    out: &mut W,
    runbook: &Runbook,
    source: &str,
    lang: &Lang,
    width: usize,
) -> io::Result<()> {
    let t = |text: &Text| crate::term::sanitize(text.get(lang)).into_owned();
    let width = width.max(40);
    // A paragraph wrapped to the width, continuation lines indented by two
    // more columns than the first so that entries stand apart.
    let para = |out: &mut W, indent: usize, text: &str| -> io::Result<()> {
        let mut lines = wrap(text, width - indent).into_iter();
        if let Some(first) = lines.next() {
            writeln!(out, "{}{first}", " ".repeat(indent))?;
        }
        let rest: Vec<String> = lines.collect();
        if !rest.is_empty() {
            for line in wrap(&rest.join(" "), width - indent - 2) {
                writeln!(out, "{}{line}", " ".repeat(indent + 2))?;
            }
        }
        Ok(())
    };

    writeln!(out, "{} ({})", t(&runbook.title), runbook.id.value)?;
    let mut facts = Vec::new();
    if let Some(version) = &runbook.version {
        facts.push(format!("{} {version}", label(lang, "version", "版本")));
    }
    if let Some(owner) = &runbook.owner {
        facts.push(format!("{} {owner}", label(lang, "owner", "负责")));
    }
    let severity = runbook
        .severity(&runbook.default_severity.value)
        .map(|level| format!("{} ({})", level.id.value, t(&level.label)))
        .unwrap_or_else(|| runbook.default_severity.value.clone());
    facts.push(format!(
        "{} {severity}",
        label(lang, "default severity", "默认级别")
    ));
    facts.push(format!(
        "{} {}",
        label(lang, "archive within", "归档时限"),
        runbook.archive_within
    ));
    para(out, 0, &facts.join(" · "))?;
    if let (Some(every), Some(last)) = (&runbook.review_every, runbook.last_reviewed.as_ref().map(|d| d.value)) {
        let due = runbook
            .review_due()
            .map(|due| due.to_string())
            .unwrap_or_default();
        para(
            out,
            0,
            &format!(
                "{} {every}, {} {last}, {} {due}",
                label(lang, "review every", "评审周期"),
                label(lang, "last", "上次"),
                label(lang, "next due", "下次")
            ),
        )?;
    }
    writeln!(
        out,
        "{}: {}",
        label(lang, "source", "来源"),
        crate::term::sanitize(source)
    )?;
    if let Some(summary) = &runbook.summary {
        writeln!(out)?;
        para(out, 0, &t(summary))?;
    }

    if !runbook.vars.is_empty() {
        writeln!(out, "\n{}", label(lang, "VARIABLES", "变量"))?;
        for var in &runbook.vars {
            let mut line = format!("{} — {}", var.name.value, t(&var.prompt));
            if let Some(default) = var.default.as_ref().filter(|default| !default.is_empty()) {
                line.push_str(&format!(" [{} {default}]", label(lang, "default", "默认")));
            }
            para(out, 2, &line)?;
        }
    }

    if !runbook.contacts.is_empty() {
        writeln!(out, "\n{}", label(lang, "CONTACTS", "联系人"))?;
        for contact in &runbook.contacts {
            let details: Vec<&str> = [&contact.name, &contact.phone, &contact.email]
                .into_iter()
                .map(|detail| detail.trim())
                .filter(|detail| !detail.is_empty())
                .collect();
            let details = if details.is_empty() {
                label(lang, "(details not filled in)", "（联系方式未填写）").to_owned()
            } else {
                details.join(" · ")
            };
            para(
                out,
                2,
                &format!(
                    "{} — {}: {}",
                    contact.id.value,
                    t(&contact.role),
                    crate::term::sanitize(&details)
                ),
            )?;
        }
    }

    writeln!(out, "\n{}", label(lang, "SEVERITY", "响应级别"))?;
    for level in &runbook.severities {
        let mut line = format!("{} {}", level.id.value, t(&level.label));
        if let Some(description) = &level.description {
            line.push_str(&format!(": {}", t(description)));
        }
        if !level.notify.is_empty() {
            line.push_str(&format!(
                " → {} {}",
                label(lang, "notify", "通知"),
                list(&level.notify.iter().map(|c| c.as_str()).collect::<Vec<_>>())
            ));
        }
        para(out, 2, &line)?;
    }

    if !runbook.timers.is_empty() {
        writeln!(out, "\n{}", label(lang, "TIMERS", "计时器"))?;
        for timer in &runbook.timers {
            let from = match &timer.from {
                TimerFrom::Start => label(lang, "the start", "开始").to_owned(),
                TimerFrom::Step(step) => format!("{} {}", label(lang, "step", "步骤"), step.value),
            };
            let mut line = format!(
                "{}: {} {} {} {from}",
                timer.id.value,
                label(lang, "after", "在"),
                timer.after,
                label(lang, "from", "自")
            );
            if let Some(until) = &timer.until {
                line.push_str(&format!(
                    ", {} {}",
                    label(lang, "unless reached:", "除非达成："),
                    until.value
                ));
            }
            para(out, 2, &line)?;
            if !timer.notify.is_empty() {
                para(
                    out,
                    4,
                    &format!(
                        "{} {}",
                        label(lang, "notify", "通知"),
                        list(&timer.notify.iter().map(|c| c.as_str()).collect::<Vec<_>>())
                    ),
                )?;
            }
            if let Some(goto) = &timer.goto {
                para(
                    out,
                    4,
                    &format!("{} → {}", label(lang, "offers", "转至"), goto.value),
                )?;
            }
            if let Some(message) = &timer.message {
                para(out, 4, &format!("“{}”", t(message)))?;
            }
        }
    }

    writeln!(out, "\n{}", label(lang, "STEPS", "步骤"))?;
    for (number, &at) in runbook.walk_order().iter().enumerate() {
        let step = &runbook.steps[at];
        writeln!(out)?;
        let mut tags = vec![step.kind.name().to_owned()];
        if let Some(phase) = step.phase {
            tags.push(phase.name().to_owned());
        }
        if let Some(milestone) = &step.milestone {
            tags.push(format!("milestone {}", milestone.value));
        }
        para(
            out,
            0,
            &format!(
                "{}. {} [{}] {}",
                number + 1,
                step.id.value,
                tags.join(" · "),
                t(&step.title)
            ),
        )?;
        if let Some(body) = &step.body {
            for line in wrap(&t(body), width - 4) {
                writeln!(out, "    {line}")?;
            }
        }
        if let StepKind::Command(command) = &step.kind {
            // Shell source is shown as written: never wrapped or re-indented.
            for (index, line) in command.run.value.trim().lines().enumerate() {
                let prompt = if index == 0 { "$" } else { " " };
                writeln!(out, "    {prompt} {}", crate::term::sanitize(line))?;
            }
        }
        for line in details(step, lang) {
            para(out, 4, &crate::term::sanitize(&line))?;
        }
    }
    Ok(())
}

/// The kind-specific lines of a step: what it asks or runs, and where it
/// goes.
fn details(step: &Step, lang: &Lang) -> Vec<String> {
    let mut lines = Vec::new();
    match &step.kind {
        StepKind::Choice { options } => {
            for option in options {
                lines.push(format!("• {} → {}", option.label.get(lang), option.goto.value));
            }
            return lines;
        }
        StepKind::Checklist { items, .. } => {
            for item in items {
                lines.push(format!("☐ {}", item.get(lang)));
            }
        }
        StepKind::Input {
            var,
            pattern,
            default,
            ..
        } => {
            let mut line = format!("{} {}", label(lang, "sets", "设置"), var.value);
            if let Some(pattern) = pattern {
                line.push_str(&format!(", {} {}", label(lang, "pattern", "格式"), pattern.value));
            }
            if let Some(default) = default {
                line.push_str(&format!(", {} {default}", label(lang, "default", "默认")));
            }
            lines.push(line);
        }
        StepKind::Command(command) => {
            let mut facts = Vec::new();
            if command.confirm {
                facts.push(label(lang, "asks first", "执行前确认").to_owned());
            }
            facts.push(format!("{} {}", label(lang, "timeout", "超时"), command.timeout));
            let drill = serde_json::to_value(command.drill)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            facts.push(format!("{} {drill}", label(lang, "drill:", "演练：")));
            if let Some(capture) = &command.capture {
                facts.push(format!(
                    "{} {}",
                    label(lang, "output into", "输出存入"),
                    capture.value
                ));
            }
            lines.push(facts.join(" · "));
        }
        StepKind::Notify { to, message, .. } => {
            lines.push(format!(
                "{} {}",
                label(lang, "notify", "通知"),
                list(&to.iter().map(|c| c.as_str()).collect::<Vec<_>>())
            ));
            if let Some(message) = message {
                lines.push(format!("“{}”", message.get(lang)));
            }
        }
        StepKind::End { outcome } => {
            lines.push(format!(
                "{} {}",
                label(lang, "outcome:", "结果："),
                outcome.name()
            ));
        }
        StepKind::Instruction { .. } | StepKind::Confirm { .. } => {}
    }
    for (branch, target) in step.successors() {
        let branch = branch.label(lang);
        match branch {
            None => lines.push(format!("→ {}", target.value)),
            Some(branch) => lines.push(format!("{branch} → {}", target.value)),
        }
    }
    lines
}

/// Markdown, for wikis and printed binders.
pub fn markdown<W: Write>(out: &mut W, runbook: &Runbook, source: &str, lang: &Lang) -> io::Result<()> {
    let t = |text: &Text| md(text.get(lang));
    writeln!(out, "# {} (`{}`)\n", t(&runbook.title), runbook.id.value)?;
    if let Some(summary) = &runbook.summary {
        writeln!(out, "{}\n", t(summary))?;
    }
    writeln!(out, "| | |\n|---|---|")?;
    if let Some(version) = &runbook.version {
        writeln!(out, "| {} | {} |", label(lang, "Version", "版本"), md(version))?;
    }
    if let Some(owner) = &runbook.owner {
        writeln!(out, "| {} | {} |", label(lang, "Owner", "负责"), md(owner))?;
    }
    writeln!(
        out,
        "| {} | {} |",
        label(lang, "Default severity", "默认级别"),
        runbook.default_severity.value
    )?;
    writeln!(
        out,
        "| {} | {} |",
        label(lang, "Archive within", "归档时限"),
        runbook.archive_within
    )?;
    if let Some(due) = runbook.review_due() {
        writeln!(out, "| {} | {} |", label(lang, "Next review", "下次评审"), due)?;
    }
    writeln!(out, "| {} | {} |", label(lang, "Source", "来源"), md(source))?;

    if !runbook.contacts.is_empty() {
        writeln!(out, "\n## {}\n", label(lang, "Contacts", "联系人"))?;
        writeln!(
            out,
            "| id | {} | {} | {} | {} |\n|---|---|---|---|---|",
            label(lang, "Role", "职责"),
            label(lang, "Name", "姓名"),
            label(lang, "Phone", "电话"),
            label(lang, "Email", "邮箱")
        )?;
        for contact in &runbook.contacts {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                contact.id.value,
                t(&contact.role),
                md(&contact.name),
                md(&contact.phone),
                md(&contact.email)
            )?;
        }
    }
    if !runbook.timers.is_empty() {
        writeln!(out, "\n## {}\n", label(lang, "Timers", "计时器"))?;
        for timer in &runbook.timers {
            let mut line = format!(
                "- **{}**: {} {}",
                timer.id.value,
                label(lang, "after", "在"),
                timer.after
            );
            if let Some(until) = &timer.until {
                line.push_str(&format!(
                    ", {} `{}`",
                    label(lang, "unless", "除非达成"),
                    until.value
                ));
            }
            if !timer.notify.is_empty() {
                line.push_str(&format!(
                    "; {} {}",
                    label(lang, "notify", "通知"),
                    list(&timer.notify.iter().map(|c| c.as_str()).collect::<Vec<_>>())
                ));
            }
            if let Some(goto) = &timer.goto {
                line.push_str(&format!("; → `{}`", goto.value));
            }
            if let Some(message) = &timer.message {
                line.push_str(&format!(": {}", t(message)));
            }
            writeln!(out, "{line}")?;
        }
    }
    writeln!(out, "\n## {}", label(lang, "Steps", "步骤"))?;
    for (number, &at) in runbook.walk_order().iter().enumerate() {
        let step = &runbook.steps[at];
        writeln!(
            out,
            "\n### {}. {} <a id=\"{}\"></a>\n",
            number + 1,
            t(&step.title),
            step.id.value
        )?;
        let mut tags = vec![format!("`{}`", step.id.value), step.kind.name().to_owned()];
        if let Some(phase) = step.phase {
            tags.push(phase.name().to_owned());
        }
        writeln!(out, "*{}*\n", tags.join(" · "))?;
        if let Some(body) = &step.body {
            writeln!(out, "{}\n", t(body))?;
        }
        if let StepKind::Command(command) = &step.kind {
            writeln!(out, "```sh\n{}\n```\n", command.run.value.trim())?;
        }
        for line in details(step, lang) {
            let line = line.strip_prefix("• ").unwrap_or(&line);
            writeln!(out, "- {}", md(line))?;
        }
    }
    Ok(())
}

/// Escapes what Markdown would otherwise interpret in table cells and text.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in crate::term::sanitize(text).chars() {
        match c {
            '|' | '*' | '_' | '`' | '<' | '>' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

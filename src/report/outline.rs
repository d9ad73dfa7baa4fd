//! `runbook show`: a runbook's steps in walk order, with their branches,
//! commands, timers and contacts; as plain text for 80 columns or Markdown.

use super::label::{branch_label, repeat};
use super::wrap::{expand_tabs, wrap, wrap_hanging};
use crate::i18n::period;
use crate::model::{Lang, Located, Runbook, Step, StepKind, Text, TimerFrom};
use crate::sanitize::{SafeWriter, sanitize, sanitize_line};
use crate::tr;
use std::io::{self, Write};

/// A field that belongs on one line (an id, a name, a version), sanitized.
fn one(text: &str) -> String {
    sanitize_line(text).into_owned()
}

/// Ids as a comma-separated list, each sanitized onto one line.
fn ids(items: &[Located<String>]) -> String {
    items
        .iter()
        .map(|item| one(item.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Plain text, wrapped to `width` columns.
pub fn text<W: Write>(
    out: &mut W,
    runbook: &Runbook,
    source: &str,
    lang: &Lang,
    width: usize,
) -> io::Result<()> {
    let mut out = SafeWriter::new(out);
    write_text(&mut out, runbook, source, lang, width.max(40))?;
    out.finish()
}

fn write_text<W: Write>(
    out: &mut W,
    runbook: &Runbook,
    source: &str,
    lang: &Lang,
    width: usize,
) -> io::Result<()> {
    let t = |text: &Text| sanitize(text.get(lang)).into_owned();
    // A paragraph wrapped to the width, continuation lines indented by two
    // more columns than the first so that entries stand apart.
    let para = |out: &mut W, indent: usize, text: &str| -> io::Result<()> {
        let text = sanitize(text);
        let lines = wrap_hanging(&text, width - indent, width - indent - 2);
        for (index, line) in lines.iter().enumerate() {
            let indent = if index == 0 { indent } else { indent + 2 };
            writeln!(out, "{}{line}", " ".repeat(indent))?;
        }
        Ok(())
    };

    para(
        out,
        0,
        &format!("{} ({})", t(&runbook.title), one(&runbook.id.value)),
    )?;
    let mut facts = Vec::new();
    if let Some(version) = &runbook.version {
        facts.push(format!("{} {}", tr!(lang, RVersion), one(version)));
    }
    if let Some(owner) = &runbook.owner {
        facts.push(format!("{} {}", tr!(lang, ROwner), one(owner)));
    }
    let severity = runbook
        .severity(&runbook.default_severity.value)
        .map(|level| format!("{} ({})", one(&level.id.value), t(&level.label)))
        .unwrap_or_else(|| one(&runbook.default_severity.value));
    facts.push(format!("{} {severity}", tr!(lang, RDefaultSeverity)));
    facts.push(format!(
        "{} {}",
        tr!(lang, RArchiveWithin),
        period(lang, &runbook.archive_within.text)
    ));
    para(out, 0, &facts.join(" · "))?;
    if let (Some(every), Some(last)) = (
        runbook
            .review_every
            .as_ref()
            .map(|every| period(lang, &every.text)),
        runbook.last_reviewed.as_ref().map(|d| d.value),
    ) {
        let due = runbook
            .review_due()
            .map(|due| due.to_string())
            .unwrap_or_default();
        para(
            out,
            0,
            &format!(
                "{} {every}, {} {last}, {} {due}",
                tr!(lang, RReviewEvery),
                tr!(lang, RLast),
                tr!(lang, RNextDue)
            ),
        )?;
    }
    writeln!(out, "{}: {}", tr!(lang, RSource), one(source))?;
    if !runbook.on.is_empty() {
        let hosts: Vec<String> = runbook.on.iter().map(|on| one(&on.value)).collect();
        writeln!(out, "{}: {}", tr!(lang, RCommandsRunOn), hosts.join(", "))?;
    }
    if let Some(summary) = &runbook.summary {
        writeln!(out)?;
        para(out, 0, &t(summary))?;
    }

    if !runbook.vars.is_empty() {
        writeln!(out, "\n{}", tr!(lang, RVARIABLES))?;
        for var in &runbook.vars {
            let mut line = format!("{} — {}", one(&var.name.value), t(&var.prompt));
            if let Some(default) = var.default.as_ref().filter(|default| !default.is_empty()) {
                line.push_str(&format!(" [{} {}]", tr!(lang, RDefault), one(default)));
            }
            if var.secret {
                // How a script gives it: never --var.
                line.push_str(&format!(
                    " [{}: RUNBOOK_VAR_{}, --var-file {}=PATH]",
                    tr!(lang, RSecret),
                    crate::model::Var::env_name(&var.name.value),
                    one(&var.name.value)
                ));
            }
            para(out, 2, &line)?;
        }
    }

    if !runbook.contacts.is_empty() {
        writeln!(out, "\n{}", tr!(lang, RCONTACTS))?;
        for contact in &runbook.contacts {
            let details: Vec<String> = [&contact.name, &contact.phone, &contact.email]
                .into_iter()
                .map(|detail| detail.trim())
                .filter(|detail| !detail.is_empty())
                .map(one)
                .collect();
            let details = if details.is_empty() {
                tr!(lang, RDetailsNotFilledIn).to_owned()
            } else {
                details.join(" · ")
            };
            para(
                out,
                2,
                &format!("{} — {}: {details}", one(&contact.id.value), t(&contact.role)),
            )?;
        }
    }

    writeln!(out, "\n{}", tr!(lang, RSEVERITY))?;
    for level in &runbook.severities {
        let mut line = format!("{} {}", one(&level.id.value), t(&level.label));
        if let Some(description) = &level.description {
            line.push_str(&format!(": {}", t(description)));
        }
        if !level.notify.is_empty() {
            line.push_str(&format!(" → {} {}", tr!(lang, RNotify), ids(&level.notify)));
        }
        para(out, 2, &line)?;
    }

    if !runbook.timers.is_empty() {
        writeln!(out, "\n{}", tr!(lang, RTIMERS))?;
        for timer in &runbook.timers {
            let after = period(lang, &timer.after.text);
            let timer_id = one(&timer.id.value);
            let mut line = match &timer.from {
                TimerFrom::Start => tr!(lang, RTimerFromStart, timer = timer_id, after = after),
                TimerFrom::Step(step) => tr!(
                    lang,
                    RTimerFromStep,
                    timer = timer_id,
                    after = after,
                    step = one(&step.value)
                ),
            };
            if let Some(repeat) = repeat(timer, lang) {
                line.push_str(&one(&repeat));
            }
            if !timer.until.is_empty() {
                let until: Vec<String> = timer.until.iter().map(|until| one(&until.value)).collect();
                line.push_str(&format!(
                    "{}{}",
                    tr!(lang, RUnlessReached),
                    until.join(tr!(lang, ROr))
                ));
            }
            para(out, 2, &line)?;
            if !timer.notify.is_empty() {
                para(out, 4, &format!("{} {}", tr!(lang, RNotify), ids(&timer.notify)))?;
            }
            if let Some(goto) = &timer.goto {
                para(out, 4, &format!("{} → {}", tr!(lang, ROffers), one(&goto.value)))?;
            }
            if let Some(message) = &timer.message {
                para(out, 4, &format!("“{}”", t(message)))?;
            }
        }
    }

    writeln!(out, "\n{}", tr!(lang, RSTEPS))?;
    for (number, &at) in runbook.walk_order().iter().enumerate() {
        let step = &runbook.steps[at];
        writeln!(out)?;
        let mut tags = vec![step.kind.name().to_owned()];
        if let Some(phase) = step.phase {
            tags.push(phase.name().to_owned());
        }
        if let Some(milestone) = &step.milestone {
            tags.push(format!("milestone {}", one(&milestone.value)));
        }
        para(
            out,
            0,
            &format!(
                "{}. {} [{}] {}",
                number + 1,
                one(&step.id.value),
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
                writeln!(out, "    {prompt} {}", expand_tabs(&sanitize(line)))?;
            }
        }
        for line in details(step, lang) {
            para(out, 4, &line)?;
        }
    }
    Ok(())
}

/// The kind-specific lines of a step: what it asks or runs, and where it
/// goes. Ids in them are sanitized; runbook text is left for the caller to
/// sanitize as its format needs.
fn details(step: &Step, lang: &Lang) -> Vec<String> {
    let mut lines = Vec::new();
    match &step.kind {
        StepKind::Choice { options } => {
            for option in options {
                lines.push(format!(
                    "• {} → {}",
                    option.label.get(lang),
                    one(&option.goto.value)
                ));
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
            let mut line = format!("{} {}", tr!(lang, RSets), one(&var.value));
            if let Some(pattern) = pattern {
                line.push_str(&format!(", {} {}", tr!(lang, RPattern), one(&pattern.value)));
            }
            if let Some(default) = default {
                line.push_str(&format!(", {} {}", tr!(lang, RDefault), one(default)));
            }
            lines.push(line);
        }
        StepKind::Command(command) => {
            let mut facts = Vec::new();
            if command.confirm {
                facts.push(tr!(lang, RAsksFirst).to_owned());
            }
            facts.push(format!(
                "{} {}",
                tr!(lang, RTimeout),
                period(lang, &command.timeout.text)
            ));
            let drill = match command.drill {
                crate::model::DrillMode::Run => tr!(lang, RDrillRun),
                crate::model::DrillMode::Skip => tr!(lang, RDrillSkip),
                crate::model::DrillMode::SimulateSuccess => tr!(lang, RDrillSimulate),
            }
            .to_owned();
            facts.push(drill);
            // The runbook's own `on` is said once, at the top.
            if !command.on.is_empty() {
                let hosts: Vec<String> = command.on.iter().map(|on| one(&on.value)).collect();
                let hosts = hosts.join(", ");
                facts.push(tr!(lang, ROnHosts, hosts = hosts));
            }
            if let Some(capture) = &command.capture {
                facts.push(format!("{} {}", tr!(lang, ROutputInto), one(&capture.value)));
            }
            lines.push(facts.join(" · "));
        }
        StepKind::Notify { to, message, .. } => {
            lines.push(format!("{} {}", tr!(lang, RNotify), ids(to)));
            if let Some(message) = message {
                lines.push(format!("“{}”", message.get(lang)));
            }
        }
        StepKind::End { outcome } => {
            lines.push(format!("{} {}", tr!(lang, ROutcome), outcome.name()));
        }
        StepKind::Instruction { .. } | StepKind::Confirm { .. } => {}
    }
    for (branch, target) in step.successors() {
        let target = one(&target.value);
        match branch_label(&branch, lang) {
            None => lines.push(format!("→ {target}")),
            Some(branch) => lines.push(format!("{branch} → {target}")),
        }
    }
    lines
}

/// Markdown, for wikis and printed binders.
pub fn markdown<W: Write>(out: &mut W, runbook: &Runbook, source: &str, lang: &Lang) -> io::Result<()> {
    let mut out = SafeWriter::new(out);
    write_markdown(&mut out, runbook, source, lang)?;
    out.finish()
}

fn write_markdown<W: Write>(out: &mut W, runbook: &Runbook, source: &str, lang: &Lang) -> io::Result<()> {
    let t = |text: &Text| md(text.get(lang));
    writeln!(
        out,
        "# {} ({})\n",
        t(&runbook.title),
        code_span(&runbook.id.value)
    )?;
    if let Some(summary) = &runbook.summary {
        writeln!(out, "{}\n", t(summary))?;
    }
    writeln!(out, "| | |\n|---|---|")?;
    if let Some(version) = &runbook.version {
        writeln!(out, "| {} | {} |", tr!(lang, RVersionField), md(version))?;
    }
    if let Some(owner) = &runbook.owner {
        writeln!(out, "| {} | {} |", tr!(lang, ROwnerField), md(owner))?;
    }
    writeln!(
        out,
        "| {} | {} |",
        tr!(lang, RDefaultSeverityField),
        md(&runbook.default_severity.value)
    )?;
    writeln!(
        out,
        "| {} | {} |",
        tr!(lang, RArchiveWithinField),
        runbook.archive_within
    )?;
    if let Some(due) = runbook.review_due() {
        writeln!(out, "| {} | {} |", tr!(lang, RNextReview), due)?;
    }
    writeln!(out, "| {} | {} |", tr!(lang, RSourceField), md(source))?;

    if !runbook.contacts.is_empty() {
        writeln!(out, "\n## {}\n", tr!(lang, RContacts))?;
        writeln!(
            out,
            "| id | {} | {} | {} | {} |\n|---|---|---|---|---|",
            tr!(lang, RRole),
            tr!(lang, RName),
            tr!(lang, RPhone),
            tr!(lang, REmail)
        )?;
        for contact in &runbook.contacts {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                md(&contact.id.value),
                t(&contact.role),
                md(&contact.name),
                md(&contact.phone),
                md(&contact.email)
            )?;
        }
    }
    if !runbook.timers.is_empty() {
        writeln!(out, "\n## {}\n", tr!(lang, RTimers))?;
        for timer in &runbook.timers {
            let after = period(lang, &timer.after.text);
            let mut line = tr!(lang, RTimerAfterMd, timer = md(&timer.id.value), after = after);
            if let Some(repeat) = repeat(timer, lang) {
                line.push_str(&md(&repeat));
            }
            if !timer.until.is_empty() {
                let until: Vec<String> = timer.until.iter().map(|until| code_span(&until.value)).collect();
                line.push_str(&format!(
                    ", {} {}",
                    tr!(lang, RUnless),
                    until.join(tr!(lang, ROr))
                ));
            }
            if !timer.notify.is_empty() {
                line.push_str(&format!("; {} {}", tr!(lang, RNotify), md(&ids(&timer.notify))));
            }
            if let Some(goto) = &timer.goto {
                line.push_str(&format!("; → {}", code_span(&goto.value)));
            }
            if let Some(message) = &timer.message {
                line.push_str(&format!(": {}", t(message)));
            }
            writeln!(out, "{line}")?;
        }
    }
    writeln!(out, "\n## {}", tr!(lang, RSteps))?;
    for (number, &at) in runbook.walk_order().iter().enumerate() {
        let step = &runbook.steps[at];
        // Step ids are letters, digits, `-`, `_` and `.` (validated), safe
        // in an attribute as they are.
        writeln!(
            out,
            "\n### {}. {} <a id=\"{}\"></a>\n",
            number + 1,
            t(&step.title),
            one(&step.id.value)
        )?;
        let mut tags = vec![code_span(&step.id.value), step.kind.name().to_owned()];
        if let Some(phase) = step.phase {
            tags.push(phase.name().to_owned());
        }
        writeln!(out, "*{}*\n", tags.join(" · "))?;
        if let Some(body) = &step.body {
            writeln!(out, "{}\n", t(body))?;
        }
        if let StepKind::Command(command) = &step.kind {
            writeln!(out, "{}\n", code_block(command.run.value.trim(), "sh"))?;
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
    for c in sanitize(text).chars() {
        match c {
            '|' | '*' | '_' | '`' | '<' | '>' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The longest run of backticks in `text`.
pub(super) fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// An inline code span, for ids. Backslashes do not escape inside one, so
/// its delimiter is a backtick longer than any run inside (CommonMark), and
/// a space keeps a backtick at either end from joining the delimiter.
fn code_span(text: &str) -> String {
    let text = sanitize_line(text);
    let fence = "`".repeat(longest_backtick_run(&text) + 1);
    let pad = if text.starts_with(['`', ' ']) || text.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A fenced code block, shown as written but for tabs, which become spaces.
/// A command holding ``` must not close the fence: the fence is a backtick
/// longer than the longest run inside, and never shorter than three
/// (CommonMark).
fn code_block(code: &str, info: &str) -> String {
    let code = code
        .lines()
        .map(|line| expand_tabs(&sanitize(line)))
        .collect::<Vec<_>>()
        .join("\n");
    let fence = "`".repeat((longest_backtick_run(&code) + 1).max(3));
    format!("{fence}{info}\n{code}\n{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fence_outlasts_the_backticks_inside() {
        assert_eq!(code_block("echo hi", "sh"), "```sh\necho hi\n```");
        assert_eq!(
            code_block("cat <<'EOF'\n```\nrm -rf /\nEOF", "sh"),
            "````sh\ncat <<'EOF'\n```\nrm -rf /\nEOF\n````"
        );
        assert_eq!(code_block("a ````` b", ""), "``````\na ````` b\n``````");
        assert_eq!(code_block("\tx\x1b[2J", ""), "```\n    x\\x1b[2J\n```");
    }

    #[test]
    fn code_spans_hold_backticks() {
        assert_eq!(code_span("found"), "`found`");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`a"), "`` `a ``");
        assert_eq!(code_span("a\nb"), "`a\\x0ab`");
    }

    #[test]
    fn md_escapes_markup_and_controls() {
        assert_eq!(md("a|b\n*c*\t\x07"), "a\\|b \\*c\\* \\\\x07");
    }
}

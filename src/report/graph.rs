//! `runbook graph`: flowcharts that Mermaid and Graphviz render as they are.
//! Branches are labelled, timers are dashed edges, end steps are coloured by
//! outcome.

use super::label::branch_label;
use crate::model::{Lang, Outcome, Runbook, Step, StepKind, Timer, TimerFrom};
use crate::sanitize::{SafeWriter, sanitize};
use std::io::{self, Write};

fn outcome_colour(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Resolved => "#d4edda",
        Outcome::HandedOver => "#d1ecf1",
        Outcome::Escalated => "#fff3cd",
        Outcome::Aborted => "#f8d7da",
    }
}

/// What a timer's dashed edge says: when it fires, how it repeats, its id.
fn timer_label(timer: &Timer, lang: &Lang) -> String {
    let repeat = super::label::repeat(timer, lang).unwrap_or_default();
    let after = crate::i18n::period(lang, &timer.after.to_string());
    format!("⏱ {after}{repeat} {}", timer.id.value)
}

/// The step a timer counts from: its `from` step, or the start step.
fn timer_origin(runbook: &Runbook, from: &TimerFrom) -> Option<usize> {
    match from {
        TimerFrom::Start => runbook.step_index(&runbook.start.value),
        TimerFrom::Step(step) => runbook.step_index(&step.value),
    }
}

fn node_label(step: &Step, lang: &Lang) -> String {
    let title = step.title.get(lang);
    match &step.kind {
        StepKind::End { outcome } => format!("{title}\n({})", crate::i18n::outcome_name(lang, *outcome)),
        _ => title.to_owned(),
    }
}

/// Text inside a quoted Mermaid label. Mermaid reads `#name;` and `#123;`
/// as entities, so `#` itself is escaped first, before the escapes that
/// introduce `#`; a backtick would start Markdown text.
fn mermaid_label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in sanitize(text).chars() {
        match c {
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            '\n' => out.push_str("<br/>"),
            '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A Mermaid `flowchart`. Node ids are `s0`, `s1`, ... because step ids may
/// hold characters Mermaid reads as syntax.
pub fn mermaid<W: Write>(out: &mut W, runbook: &Runbook, lang: &Lang) -> io::Result<()> {
    let mut out = SafeWriter::new(out);
    write_mermaid(&mut out, runbook, lang)?;
    out.finish()
}

fn write_mermaid<W: Write>(out: &mut W, runbook: &Runbook, lang: &Lang) -> io::Result<()> {
    writeln!(out, "flowchart TD")?;
    for (at, step) in runbook.steps.iter().enumerate() {
        let label = mermaid_label(&node_label(step, lang));
        let (open, close) = match step.kind {
            StepKind::Confirm { .. } | StepKind::Choice { .. } => ("{\"", "\"}"),
            StepKind::Command(_) => ("[[\"", "\"]]"),
            StepKind::Notify { .. } => (">\"", "\"]"),
            StepKind::Input { .. } => ("[/\"", "\"/]"),
            StepKind::End { .. } => ("([\"", "\"])"),
            StepKind::Instruction { .. } | StepKind::Checklist { .. } => ("[\"", "\"]"),
        };
        writeln!(out, "    s{at}{open}{label}{close}")?;
    }
    for (at, step) in runbook.steps.iter().enumerate() {
        for (branch, target) in step.successors() {
            let branch = branch_label(&branch, lang);
            let Some(to) = runbook.step_index(&target.value) else {
                continue;
            };
            match branch {
                None => writeln!(out, "    s{at} --> s{to}")?,
                Some(branch) => writeln!(out, "    s{at} -->|\"{}\"| s{to}", mermaid_label(&branch))?,
            }
        }
    }
    for (number, timer) in runbook.timers.iter().enumerate() {
        let label = mermaid_label(&timer_label(timer, lang));
        let Some(from) = timer_origin(runbook, &timer.from) else {
            continue;
        };
        match timer
            .goto
            .as_ref()
            .and_then(|goto| runbook.step_index(&goto.value))
        {
            Some(to) => writeln!(out, "    s{from} -.->|\"{label}\"| s{to}")?,
            None => {
                let notify: Vec<&str> = timer.notify.iter().map(|c| c.as_str()).collect();
                writeln!(
                    out,
                    "    t{number}[\"{}\"]",
                    mermaid_label(&crate::tr!(lang, GraphNotify, ids = notify.join(", ")))
                )?;
                writeln!(out, "    s{from} -.->|\"{label}\"| t{number}")?;
            }
        }
    }
    for outcome in [
        Outcome::Resolved,
        Outcome::HandedOver,
        Outcome::Escalated,
        Outcome::Aborted,
    ] {
        let ends: Vec<String> = runbook
            .steps
            .iter()
            .enumerate()
            .filter(|(_, step)| matches!(step.kind, StepKind::End { outcome: o } if o == outcome))
            .map(|(at, _)| format!("s{at}"))
            .collect();
        if !ends.is_empty() {
            let class = outcome.name().replace('-', "_");
            writeln!(
                out,
                "    classDef {class} fill:{},stroke:#333",
                outcome_colour(outcome)
            )?;
            writeln!(out, "    class {} {class}", ends.join(","))?;
        }
    }
    Ok(())
}

/// A Graphviz `digraph`.
pub fn dot<W: Write>(out: &mut W, runbook: &Runbook, lang: &Lang) -> io::Result<()> {
    let mut out = SafeWriter::new(out);
    write_dot(&mut out, runbook, lang)?;
    out.finish()
}

fn write_dot<W: Write>(out: &mut W, runbook: &Runbook, lang: &Lang) -> io::Result<()> {
    // Sanitized before escaping, so that the backslash of an escape such as
    // `\x1b` is itself escaped and Graphviz shows it.
    let quote = |text: &str| {
        let escaped = sanitize(text)
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
            .replace('\t', " ");
        format!("\"{escaped}\"")
    };
    writeln!(out, "digraph {} {{", quote(&runbook.id.value))?;
    writeln!(out, "    label={};", quote(runbook.title.get(lang)))?;
    writeln!(out, "    labelloc=t;")?;
    writeln!(
        out,
        "    node [fontname=\"sans-serif\", shape=box, style=rounded];"
    )?;
    writeln!(out, "    edge [fontname=\"sans-serif\", fontsize=10];")?;
    for (at, step) in runbook.steps.iter().enumerate() {
        let label = quote(&format!("{}\n[{}]", node_label(step, lang), step.id.value));
        let attrs = match &step.kind {
            StepKind::Confirm { .. } | StepKind::Choice { .. } => "shape=diamond, style=\"\"".to_owned(),
            StepKind::Command(_) => "shape=box, style=\"rounded,bold\"".to_owned(),
            StepKind::Notify { .. } => "shape=note, style=\"\"".to_owned(),
            StepKind::Input { .. } => "shape=parallelogram, style=\"\"".to_owned(),
            StepKind::End { outcome } => {
                format!(
                    "shape=oval, style=filled, fillcolor=\"{}\"",
                    outcome_colour(*outcome)
                )
            }
            StepKind::Instruction { .. } | StepKind::Checklist { .. } => "shape=box".to_owned(),
        };
        writeln!(out, "    s{at} [label={label}, {attrs}];")?;
    }
    for (at, step) in runbook.steps.iter().enumerate() {
        for (branch, target) in step.successors() {
            let branch = branch_label(&branch, lang);
            let Some(to) = runbook.step_index(&target.value) else {
                continue;
            };
            match branch {
                None => writeln!(out, "    s{at} -> s{to};")?,
                Some(branch) => writeln!(out, "    s{at} -> s{to} [label={}];", quote(&branch))?,
            }
        }
    }
    for (number, timer) in runbook.timers.iter().enumerate() {
        let label = quote(&timer_label(timer, lang));
        let Some(from) = timer_origin(runbook, &timer.from) else {
            continue;
        };
        match timer
            .goto
            .as_ref()
            .and_then(|goto| runbook.step_index(&goto.value))
        {
            Some(to) => writeln!(out, "    s{from} -> s{to} [style=dashed, label={label}];")?,
            None => {
                let notify: Vec<&str> = timer.notify.iter().map(|c| c.as_str()).collect();
                writeln!(
                    out,
                    "    t{number} [shape=note, label={}];",
                    quote(&crate::tr!(lang, GraphNotify, ids = notify.join(", ")))
                )?;
                writeln!(out, "    s{from} -> t{number} [style=dashed, label={label}];")?;
            }
        }
    }
    writeln!(out, "}}")
}

#[cfg(test)]
mod tests {
    use super::mermaid_label;

    #[test]
    fn mermaid_entities_in_text_are_shown_not_decoded() {
        assert_eq!(mermaid_label("#lt; &amp; #35;"), "#35;lt; #amp;amp; #35;35;");
        assert_eq!(
            mermaid_label("a \"b\" <c> `d`"),
            "a #quot;b#quot; #lt;c#gt; #96;d#96;"
        );
        assert_eq!(mermaid_label("x\ny\x1b"), "x<br/>y\\x1b");
    }
}

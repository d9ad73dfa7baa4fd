//! Command evidence as a report prints it: each command numbered once, the
//! timeline and the variables referring to it by that number, and its
//! output cut to its first and last lines unless the whole is asked for.
//!
//! The numbers are the positions in the record's `commands`, worked out
//! again from its timeline by the rule that built that list (a start opens
//! an entry, a result closes the one it ends, [`OpenCommands`], a skip
//! stands alone), so that nothing is added to the record to print them. A record
//! whose timeline does not give its own list back gets no references.

use super::describe::millis;
use super::document::{Block, Output, Section};
use crate::i18n::Msg;
use crate::model::{Lang, OpenCommands};
use crate::record::canonical::Record;
use crate::tr;
use std::collections::{BTreeMap, HashMap};

/// Lines of an output printed before the cut, and after it.
pub const HEAD_LINES: usize = 5;
pub const TAIL_LINES: usize = 5;

/// Which evidence each timeline entry is about, and which variables a
/// command's output set.
#[derive(Debug, Default)]
pub struct Numbers {
    /// Timeline `seq` → evidence number (from 1).
    by_seq: HashMap<u64, usize>,
    /// Variable → the evidence whose output set it, and the value it set.
    captured: BTreeMap<String, (usize, String)>,
    /// Evidence number - 1 → the host a command ran on, when not here.
    on: Vec<Option<String>>,
}

impl Numbers {
    pub fn of(record: &Record) -> Numbers {
        // The step of each evidence, in order; the open ones by position.
        let mut entries: Vec<String> = Vec::new();
        let mut open: OpenCommands<usize> = OpenCommands::default();
        let mut numbers = Numbers::default();
        for entry in &record.timeline {
            let text = |key: &str| entry.payload.get(key).and_then(|v| v.as_str());
            let Some(step) = text("step") else { continue };
            let number = match entry.kind.as_str() {
                "command-started" => {
                    open.start(step, text("on"), entries.len());
                    entries.push(step.to_owned());
                    entries.len()
                }
                "command-finished" => match open.finish(step, text("on")) {
                    Some(started) => started.kept + 1,
                    None => {
                        entries.push(step.to_owned());
                        entries.len()
                    }
                },
                // One entry per host it would have run on (or one, here).
                "command-skipped" => {
                    let hosts = entry
                        .payload
                        .get("on")
                        .and_then(|on| on.as_array())
                        .map_or(0, Vec::len);
                    let first = entries.len() + 1;
                    for _ in 0..hosts.max(1) {
                        entries.push(step.to_owned());
                    }
                    first
                }
                // A value set while its step's command runs is that
                // command's output (an input step's answer has none open).
                "var-set" => match (open.last_of(step).map(|o| o.kept), text("name"), text("value")) {
                    (Some(at), Some(name), Some(value)) => {
                        numbers
                            .captured
                            .insert(name.to_owned(), (at + 1, value.to_owned()));
                        at + 1
                    }
                    _ => continue,
                },
                _ => continue,
            };
            numbers.by_seq.insert(entry.seq, number);
        }
        let same = entries.len() == record.commands.len()
            && entries
                .iter()
                .zip(&record.commands)
                .all(|(step, c)| *step == c.step);
        if !same {
            return Numbers::default();
        }
        // Where each ran: the record says (`runbook-record/2`); a /1
        // record ran everything here.
        numbers.on = record
            .commands
            .iter()
            .map(|command| command.on().map(str::to_owned))
            .collect();
        numbers
    }

    /// The evidence a timeline entry is about.
    pub fn of_entry(&self, seq: u64) -> Option<usize> {
        self.by_seq.get(&seq).copied()
    }

    /// The evidence whose output is variable `name`'s `value`, if it is.
    pub fn captured(&self, name: &str, value: &str) -> Option<usize> {
        self.captured
            .get(name)
            .filter(|(_, captured)| captured == value)
            .map(|(number, _)| *number)
    }

    /// Where evidence `number` ran, when not here.
    pub fn on(&self, number: usize) -> Option<&str> {
        self.on.get(number.checked_sub(1)?)?.as_deref()
    }
}

/// The evidence section: each command numbered, with where and how it ran
/// and its output.
pub fn section(record: &Record, numbers: &Numbers, full: bool, lang: &Lang) -> Section {
    let mut blocks = Vec::new();
    for (n, command) in (1..).zip(&record.commands) {
        let mut group = vec![Block::Subheading(tr!(
            lang,
            REvidenceStep,
            n = n,
            step = command.step
        ))];
        let on = numbers.on(n).map(|on| format!("{on} ")).unwrap_or_default();
        group.push(Block::Pre(format!("{on}$ {}", command.command.trim_end())));
        let mut facts = vec![result_word(lang, &command.result)];
        if let Some(code) = command.exit_code {
            facts.push(tr!(lang, RExit, code = code));
        }
        if let Some(signal) = command.signal {
            facts.push(tr!(lang, RSignal, signal = signal));
        }
        if let Some(ms) = command.duration_ms {
            facts.push(tr!(lang, RTook, time = millis(lang, ms)));
        }
        if let Some(why) = &command.skipped {
            facts.push(tr!(lang, RNotRun, why = why));
        }
        if command.result != "skipped" {
            let size = size(command.output_bytes, tr!(lang, Bytes));
            facts.push(if journal_cut(&command.output) {
                tr!(lang, ROfOutputItsHeadAnd, size = size)
            } else {
                tr!(lang, ROfOutput, size = size)
            });
        }
        group.push(Block::Paragraph(facts.join(tr!(lang, RFactSeparator))));
        if !command.output.is_empty() {
            let shown = cut(&command.output, full);
            let cut = (shown.left_out > 0).then(|| {
                tr!(
                    lang,
                    RLinesNotPrinted,
                    left_out = shown.left_out,
                    lines = shown.lines
                )
            });
            group.push(Block::Output(Output {
                head: shown.head,
                cut,
                tail: shown.tail,
            }));
        }
        blocks.push(Block::Group {
            id: format!("evidence-{n}"),
            blocks: group,
        });
    }
    if blocks.is_empty() {
        blocks.push(Block::Paragraph(tr!(lang, RNoCommandsWereRun).to_owned()));
    }
    Section {
        id: "commands",
        title: tr!(lang, RCommandEvidence).to_owned(),
        blocks,
    }
}

fn result_word(lang: &Lang, result: &str) -> String {
    let msg = match result {
        "succeeded" => Msg::REvidenceSucceeded,
        "failed" => Msg::REvidenceFailed,
        "timed-out" => Msg::REvidenceTimedOut,
        "unfinished" => Msg::REvidenceUnfinished,
        "skipped" => Msg::REvidenceSkipped,
        other => return other.to_owned(),
    };
    crate::i18n::tr(lang, msg).to_owned()
}

/// An output as printed: its first lines, how many were left out, its last
/// lines. Whole (`left_out` 0, `tail` empty) when short or asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    pub head: String,
    pub left_out: usize,
    pub tail: String,
    /// How many lines the record keeps.
    pub lines: usize,
}

/// `output`, without its last newline, cut to its first [`HEAD_LINES`]
/// and last [`TAIL_LINES`] lines unless `full`. An output only a few
/// lines longer than that is left whole: a note saying that two lines
/// were left out would take the room of one of them.
pub fn cut(output: &str, full: bool) -> Cut {
    let output = output.trim_end_matches('\n');
    let lines: Vec<&str> = output.split('\n').collect();
    let whole = Cut {
        head: output.to_owned(),
        left_out: 0,
        tail: String::new(),
        lines: lines.len(),
    };
    if full || lines.len() <= HEAD_LINES + TAIL_LINES + 2 {
        return whole;
    }
    Cut {
        head: lines[..HEAD_LINES].join("\n"),
        left_out: lines.len() - HEAD_LINES - TAIL_LINES,
        tail: lines[lines.len() - TAIL_LINES..].join("\n"),
        lines: lines.len(),
    }
}

/// Whether the journal kept only the head and tail of an output: the line
/// the walk puts where it left the middle out.
pub fn journal_cut(output: &str) -> bool {
    output.lines().any(|line| {
        line.strip_prefix("[... ")
            .and_then(|rest| rest.strip_suffix(" bytes left out ...]"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// A size in bytes for people: `812 bytes` (`unit` is the word for
/// bytes), `14.2 KiB`, `3.0 MiB`, `1.5 GiB`.
pub fn size(bytes: u64, unit: &str) -> String {
    const KIB: u64 = 1024;
    let (of, name) = match bytes {
        0..KIB => return format!("{bytes} {unit}"),
        _ if bytes < KIB.pow(2) => (KIB, "KiB"),
        _ if bytes < KIB.pow(3) => (KIB.pow(2), "MiB"),
        _ => (KIB.pow(3), "GiB"),
    };
    let tenths = (u128::from(bytes) * 10 + u128::from(of) / 2) / u128::from(of);
    format!("{}.{} {name}", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn long_output_keeps_its_first_and_last_lines() {
        let output: String = (1..=40).map(|n| format!("line {n}\n")).collect();
        let shown = cut(&output, false);
        assert_eq!(shown.head, "line 1\nline 2\nline 3\nline 4\nline 5");
        assert_eq!(shown.left_out, 30);
        assert_eq!(shown.tail, "line 36\nline 37\nline 38\nline 39\nline 40");
        assert_eq!(shown.lines, 40);
        let whole = cut(&output, true);
        assert_eq!((whole.head.lines().count(), whole.left_out), (40, 0));
        // A little over the cut: nothing is left out.
        let short: String = (1..=12).map(|n| format!("{n}\n")).collect();
        assert_eq!(cut(&short, false).left_out, 0);
        assert_eq!(cut(&short, false).head, short.trim_end());
    }

    #[test]
    fn sizes_read_short() {
        assert_eq!(size(18, "bytes"), "18 bytes");
        assert_eq!(size(1023, "字节"), "1023 字节");
        assert_eq!(size(14_540, "bytes"), "14.2 KiB");
        assert_eq!(size(3 * 1024 * 1024 + 10, "bytes"), "3.0 MiB");
        assert_eq!(size(u64::MAX, "bytes"), "17179869184.0 GiB");
    }

    #[test]
    fn the_journals_own_cut_is_recognised() {
        assert!(journal_cut("a\n[... 1234 bytes left out ...]\nz\n"));
        assert!(!journal_cut("a\n[... many bytes left out ...]\n"));
        assert!(!journal_cut("a\nb\n"));
    }

    #[test]
    fn numbers_follow_the_records_commands() {
        let record = fixture::record();
        let numbers = Numbers::of(&record);
        assert_eq!(numbers.of_entry(3), Some(1));
        assert_eq!(numbers.of_entry(4), Some(1));
        assert_eq!(numbers.of_entry(5), None);
        assert_eq!(numbers.on(1), None);
    }

    #[test]
    fn a_value_set_while_a_command_runs_is_its_output() {
        let mut record = fixture::record();
        let mut entry = record.timeline[3].clone();
        entry.kind = "var-set".into();
        entry.payload = serde_json::json!({"name": "disk", "value": "20G", "step": "inspect"});
        entry.seq = 100;
        record.timeline.insert(3, entry);
        let numbers = Numbers::of(&record);
        assert_eq!(numbers.captured("disk", "20G"), Some(1));
        assert_eq!(numbers.captured("disk", "other"), None);
        assert_eq!(numbers.of_entry(100), Some(1));
        // A timeline that does not give the record's list back: no numbers.
        record.commands[0].step = "elsewhere".into();
        assert_eq!(Numbers::of(&record).of_entry(3), None);
    }
}

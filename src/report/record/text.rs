//! The report as plain text, for a terminal or a printer: no line wider
//! than the width asked for (80 for filing), Chinese counted as two
//! columns. Tables are laid out by comfy-table from cells this module has
//! already wrapped, so that Chinese text breaks where our wrapper says it
//! may and a column never grows past its share.

use super::Report;
use super::document::{Block, CONTINUED, Document, Field, Section};
use crate::report::wrap::{expand_tabs, wrap};
use crate::sanitize::{SafeWriter, sanitize};
use comfy_table::{CellAlignment, ContentArrangement, Table};
use comfy_table::{LineStyle, TableStyle};
use std::io::{self, Write};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The narrowest layout offered: below this, columns stop being readable.
const MIN_WIDTH: usize = 60;

/// Plain text, `width` columns wide (at least 60).
pub fn text<W: Write>(out: &mut W, report: &Report<'_>, width: usize) -> io::Result<()> {
    let document = Document::of(report);
    let mut out = SafeWriter::new(out);
    write_document(&mut out, &document, width.max(MIN_WIDTH))?;
    out.finish()
}

fn write_document<W: Write>(out: &mut W, document: &Document, width: usize) -> io::Result<()> {
    let title = sanitize(&document.title);
    writeln!(out, "{title}")?;
    writeln!(out, "{}", "=".repeat(title.width().min(width)))?;
    for banner in &document.banners {
        writeln!(out)?;
        for line in fit(&format!("*** {} ***", sanitize(&banner.text)), width) {
            writeln!(out, "{line}")?;
        }
    }
    for section in &document.sections {
        writeln!(out)?;
        write_section(out, section, width)?;
    }
    Ok(())
}

fn write_section<W: Write>(out: &mut W, section: &Section, width: usize) -> io::Result<()> {
    let title = sanitize(&section.title);
    writeln!(out, "{title}")?;
    writeln!(out, "{}", "-".repeat(title.width().min(width)))?;
    write_blocks(out, &section.blocks, width)
}

fn write_blocks<W: Write>(out: &mut W, blocks: &[Block], width: usize) -> io::Result<()> {
    for (index, block) in blocks.iter().enumerate() {
        // A heading, a group or fields after something else: a blank line.
        if index > 0
            && matches!(
                block,
                Block::Subheading(_) | Block::Group { .. } | Block::Fields(_)
            )
        {
            writeln!(out)?;
        }
        match block {
            Block::Subheading(text) => {
                for line in fit(&sanitize(text), width) {
                    writeln!(out, "{line}")?;
                }
            }
            Block::Fields(fields) => write_fields(out, fields, width)?,
            Block::Paragraph(text) => {
                for line in fit(&sanitize(text), width - 2) {
                    writeln!(out, "  {line}")?;
                }
            }
            Block::List(items) => {
                for item in items {
                    for (n, line) in entry(item, width - 4).iter().enumerate() {
                        let bullet = if n == 0 { "  - " } else { "    " };
                        writeln!(out, "{bullet}{line}")?;
                    }
                }
            }
            Block::Pre(text) => write_pre(out, text, width)?,
            Block::Output(output) => {
                write_pre(out, &output.head, width)?;
                if let Some(cut) = &output.cut {
                    // Not led by `|`: it is no line of the output.
                    for line in fit(&sanitize(cut), width - 2) {
                        writeln!(out, "  {line}")?;
                    }
                    write_pre(out, &output.tail, width)?;
                }
            }
            Block::Table { header, rows } => {
                writeln!(out, "{}", table(header, rows, width))?;
            }
            Block::Group { blocks, .. } => write_blocks(out, blocks, width)?,
        }
    }
    Ok(())
}

/// Text as written, each line led by `| `, long lines broken to fit.
fn write_pre<W: Write>(out: &mut W, text: &str, width: usize) -> io::Result<()> {
    for line in sanitize(text).lines() {
        for chunk in chop(&expand_tabs(line), width - 4) {
            writeln!(out, "  | {chunk}")?;
        }
    }
    Ok(())
}

/// `Label    value`, values wrapped under themselves.
fn write_fields<W: Write>(out: &mut W, fields: &[Field], width: usize) -> io::Result<()> {
    let label_width = fields
        .iter()
        .map(|field| sanitize(&field.label).width())
        .max()
        .unwrap_or(0)
        + 2;
    let label_width = label_width.min(width / 3);
    let room = width - label_width;
    for field in fields {
        let label = sanitize(&field.label);
        let mut first = true;
        for line in field.entries.iter().flat_map(|value| entry(value, room)) {
            if first {
                let pad = label_width.saturating_sub(label.width()).max(1);
                writeln!(out, "{label}{}{line}", " ".repeat(pad))?;
                first = false;
            } else {
                writeln!(out, "{}{line}", " ".repeat(label_width))?;
            }
        }
        if first {
            writeln!(out, "{label}")?;
        }
    }
    Ok(())
}

/// An entry's lines, `width` columns wide: its first line wrapped, and
/// every later one led by [`CONTINUED`] and wrapped under it, so that a
/// value typed on several lines cannot pass for several entries.
fn entry(value: &str, width: usize) -> Vec<String> {
    let value = sanitize(value);
    let mut lines = value.lines();
    let mut out = fit(lines.next().unwrap_or(""), width);
    let indent = " ".repeat(CONTINUED.width());
    for line in lines {
        for (n, piece) in fit(line, width - indent.len()).into_iter().enumerate() {
            let lead = if n == 0 { CONTINUED } else { indent.as_str() };
            out.push(format!("{lead}{piece}"));
        }
    }
    out
}

/// A table whose last column takes the room the others leave. Every cell
/// is wrapped here, to its column's width, so the table is as wide as
/// planned whatever the cells hold.
fn table(header: &[String], rows: &[Vec<String>], width: usize) -> String {
    const GAP: usize = 2;
    let columns = header.len();
    let cells: Vec<Vec<String>> = std::iter::once(header)
        .chain(rows.iter().map(Vec::as_slice))
        .map(|row| row.iter().map(|cell| sanitize(cell).replace('\t', " ")).collect())
        .collect();
    let natural = |column: usize| {
        cells
            .iter()
            .filter_map(|row| row.get(column))
            .flat_map(|cell| {
                cell.lines()
                    .enumerate()
                    .map(|(n, line)| line.width() + if n > 0 { CONTINUED.width() } else { 0 })
            })
            .max()
            .unwrap_or(0)
    };
    // Narrow columns (times, names) keep their width up to a share of the
    // line; the last, the text, gets the rest.
    let cap = (width / 4).max(8);
    let mut widths: Vec<usize> = (0..columns.saturating_sub(1))
        .map(|c| natural(c).min(cap))
        .collect();
    let used: usize = widths.iter().map(|w| w + GAP).sum();
    widths.push(
        width
            .saturating_sub(used + GAP)
            .max(10)
            .min(natural(columns - 1).max(1)),
    );

    let mut table = Table::new();
    table
        .load_style(TableStyle::new().header_separator(LineStyle::none().fill('-')))
        .set_content_arrangement(ContentArrangement::Disabled);
    let fitted = |row: &[String]| -> Vec<String> {
        (0..columns)
            .map(|c| entry(row.get(c).map_or("", String::as_str), widths[c]).join("\n"))
            .collect()
    };
    table.set_header(fitted(&cells[0]));
    for row in &cells[1..] {
        table.add_row(fitted(row));
    }
    for column in table.column_iter_mut() {
        column.set_padding((0, GAP as u16));
        column.set_cell_alignment(CellAlignment::Left);
    }
    table
        .lines()
        .map(|line| line.trim_end().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Wraps text to `width` columns, breaking a word wider than that (a
/// hash, a path, a pasted token) into pieces that fit: every line of the
/// report goes through here, so none is wider than asked.
fn fit(text: &str, width: usize) -> Vec<String> {
    wrap(text, width)
        .iter()
        .flat_map(|line| chop(line, width))
        .collect()
}

/// Splits a line into pieces no wider than `width` columns, for text that
/// has no place to break (a hash, a long output line).
fn chop(line: &str, width: usize) -> Vec<String> {
    if line.width() <= width {
        return vec![line.to_owned()];
    }
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut piece_width = 0;
    for c in line.chars() {
        let w = c.width().unwrap_or(0);
        if piece_width + w > width && !piece.is_empty() {
            pieces.push(std::mem::take(&mut piece));
            piece_width = 0;
        }
        piece.push(c);
        piece_width += w;
    }
    pieces.push(piece);
    pieces
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::super::{Standing, Verification};
    use super::*;
    use crate::model::Lang;
    use crate::record::canonical::Record;

    fn render(lang: &str, standing: Standing) -> String {
        render_record(&fixture::record(), lang, standing)
    }

    fn render_record(record: &Record, lang: &str, standing: Standing) -> String {
        let lang = Lang::parse(lang).unwrap();
        let mut out = Vec::new();
        text(
            &mut out,
            &Report {
                record,
                standing: &standing,
                lang: &lang,
                plan: None,
                full: false,
            },
            80,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    fn verified() -> Standing {
        Standing::Archived {
            sha256: "d".repeat(64),
            verification: Verification::Verified {
                principal: "ops@example.com".into(),
                fingerprint: "SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ".into(),
            },
        }
    }

    #[test]
    fn every_line_fits_80_columns_in_both_languages() {
        for lang in ["en", "zh"] {
            let report = render(lang, verified());
            for line in report.lines() {
                assert!(
                    line.width() <= 80,
                    "{lang}: {} columns: {line:?}\n{report}",
                    line.width()
                );
            }
        }
    }

    #[test]
    fn long_words_in_every_section_are_broken_to_fit() {
        let long = |c: &str| c.repeat(200);
        let mut record = fixture::record();
        record.summary.what_happened = long("w");
        record.summary.cause = long("c");
        record.summary.resolution = format!("see {}", long("r"));
        record.summary.follow_ups = vec![long("f"), format!("- {}", long("g"))];
        record.attachments[0].name = long("a");
        for lang in ["en", "zh"] {
            let report = render_record(&record, lang, verified());
            for line in report.lines() {
                assert!(line.width() <= 80, "{lang}: {} columns: {line:?}", line.width());
            }
            // Broken, not cut: every character is still there.
            for c in ["w", "c", "r", "f", "g", "a"] {
                let shown: usize = report.lines().map(|line| line.matches(c).count()).sum();
                assert!(shown >= 200, "{lang}: {c} shown {shown} times\n{report}");
            }
        }
    }

    #[test]
    fn continuation_lines_are_marked_and_wrapped_under_their_entry() {
        assert_eq!(entry("down\nhost = db9", 20), ["down", "↳ host = db9"]);
        assert_eq!(entry("a\n- b c d e f", 8), ["a", "↳ - b c", "  d e f"]);
        assert_eq!(entry("", 8), [""]);
    }

    #[test]
    fn chinese_table_cells_stay_in_their_column() {
        let report = render("zh", verified());
        // The note wraps inside the event column: every continuation line
        // starts where the column does.
        let lines: Vec<&str> = report.lines().collect();
        let at = lines
            .iter()
            .position(|line| line.contains("备注"))
            .expect("the note is in the timeline");
        let column = lines[at].find("备注").unwrap();
        let indent = lines[at][..column].width();
        let next = lines[at + 1];
        assert!(next.starts_with(&" ".repeat(indent)), "{next:?}\n{report}");
        assert!(
            next.trim_start().chars().next().unwrap().width() == Some(2),
            "{report}"
        );
    }

    #[test]
    fn sections_and_labels_follow_the_language() {
        let en = render("en", verified());
        for needle in [
            "Incident report INC-20261128-0001",
            "*** DRILL: a rehearsal, not a real incident ***",
            "Timeline",
            "Command evidence",
            "Escalations and notifications",
            "Attachments",
            "Archive due  2026-11-29 09:05:00 UTC (1d after the end)",
            "Compliance   met: archived 23h05m before the deadline",
            "Signature    verified, signed by ops@example.com",
            "Signature       verified",
            "Signed by       ops@example.com",
            "sev2 → sev1 (ops): customers affected",
        ] {
            assert!(en.contains(needle), "lacks {needle:?}:\n{en}");
        }
        let zh = render("zh", verified());
        for needle in [
            "事件报告 INC-20261128-0001",
            "时间线",
            "命令记录",
            "是否按时  按时：截止前 23小时05分 归档",
            "签名      验证通过，签名人 ops@example.com",
            "证据 #1：步骤 inspect",
            "inspect：命令结束，退出码 0（证据 #1）",
        ] {
            assert!(zh.contains(needle), "lacks {needle:?}:\n{zh}");
        }
    }

    #[test]
    fn the_summary_and_its_verdicts_come_before_the_timeline_and_evidence() {
        let en = render("en", verified());
        let at = |needle: &str| {
            en.find(needle)
                .unwrap_or_else(|| panic!("lacks {needle:?}:\n{en}"))
        };
        assert!(at("\nIncident\n") < at("\nSummary\n"));
        assert!(at("\nSummary\n") < at("\nCompliance "));
        assert!(at("\nSignature    verified") < at("\nTimeline\n"));
        assert!(at("\nTimeline\n") < at("\nCommand evidence\n"));
        assert!(at("\nCommand evidence\n") < at("\nVerification\n"));
    }

    #[test]
    fn a_short_value_an_output_set_is_shown_with_its_evidence() {
        let mut record = fixture::record();
        record.vars.insert("used".into(), "20G".into());
        let mut captured = record.timeline[3].clone();
        captured.kind = "var-set".into();
        captured.payload = serde_json::json!({"name": "used", "value": "20G", "step": "inspect"});
        captured.seq = 100;
        record.timeline.insert(3, captured);
        let en = render_record(&record, "en", verified());
        assert!(
            en.contains("               used = 20G (from evidence #1)\n"),
            "{en}"
        );
        assert!(en.contains("  Set used = (output of evidence #1)\n"), "{en}");
        let zh = render_record(&record, "zh", verified());
        assert!(zh.contains("          used = 20G（来自证据 #1）\n"), "{zh}");
        // Set again by hand, it is no longer the command's output.
        record.vars.insert("used".into(), "19G".into());
        let en = render_record(&record, "en", verified());
        assert!(en.contains("               used = 19G\n"), "{en}");
    }

    #[test]
    fn long_output_is_printed_once_cut_to_its_first_and_last_lines() {
        let mut record = fixture::record();
        let output: String = (1..=100).map(|n| format!("output line {n}\n")).collect();
        record.commands[0].output = output.clone();
        record.commands[0].output_bytes = 2_000_000;
        record.vars.insert("df".into(), output.trim().into());
        let mut captured = record.timeline[3].clone();
        captured.kind = "var-set".into();
        captured.payload = serde_json::json!({"name": "df", "value": output.trim(), "step": "inspect"});
        captured.seq = 100;
        record.timeline.insert(3, captured);
        let report = render_record(&record, "en", verified());
        assert_eq!(report.matches("output line 1\n").count(), 1, "{report}");
        assert_eq!(report.matches("output line 100\n").count(), 1, "{report}");
        for needle in [
            "Variables      df = (output of evidence #1)\n",
            "Set df = (output of evidence #1)\n",
            "succeeded, exit 0, took 1.5 s, 1.9 MiB of output\n",
            "  | output line 5\n  [90 of 100 lines not printed; runbook report --full prints them]\n  | output line 96\n",
        ] {
            assert!(report.contains(needle), "lacks {needle:?}:\n{report}");
        }
        assert!(!report.contains("output line 6\n"), "{report}");
        let lang = Lang::english();
        let standing = verified();
        let mut full = Vec::new();
        let whole = Report {
            record: &record,
            standing: &standing,
            lang: &lang,
            plan: None,
            full: true,
        };
        text(&mut full, &whole, 80).unwrap();
        let full = String::from_utf8(full).unwrap();
        for n in 1..=100 {
            assert_eq!(full.matches(&format!("output line {n}\n")).count(), 1, "{full}");
        }
        assert!(!full.contains("not printed"), "{full}");
    }

    #[test]
    fn escapes_in_output_are_shown_not_obeyed() {
        let report = render("en", verified());
        assert!(!report.contains('\x1b'));
        assert!(report.contains("  | \\x1b[31mred</pre>"), "{report}");
    }

    #[test]
    fn not_verified_and_draft_say_so_first() {
        let bad = Standing::Archived {
            sha256: "d".repeat(64),
            verification: Verification::NotVerified {
                fingerprint: None,
                why: "signature does not match".into(),
            },
        };
        let report = render("en", bad);
        assert!(
            report.contains("*** NOT VERIFIED: signature does not match ***"),
            "{report}"
        );
        let draft = render("en", Standing::Draft { open: None });
        assert!(
            draft.contains("*** DRAFT: not archived and not signed ***"),
            "{draft}"
        );
        assert!(draft.contains("none: a draft is not signed"), "{draft}");
    }
}

//! The report as Markdown (CommonMark with pipe tables), for a wiki or a
//! ticket. Every string from the record is escaped, so a note holding
//! `<script>` or `| x |` is shown as written, never interpreted.

use super::Report;
use super::document::{Block, CONTINUED, Document};
use crate::report::outline::longest_backtick_run;
use crate::sanitize::{SafeWriter, sanitize};
use std::io::{self, Write};

pub fn markdown<W: Write>(out: &mut W, report: &Report<'_>) -> io::Result<()> {
    let document = Document::of(report);
    let mut out = SafeWriter::new(out);
    write_document(&mut out, &document)?;
    out.finish()
}

fn write_document<W: Write>(out: &mut W, document: &Document) -> io::Result<()> {
    writeln!(out, "# {}", inline(&document.title))?;
    for banner in &document.banners {
        writeln!(out, "\n> **{}**", inline(&banner.text))?;
    }
    for section in &document.sections {
        writeln!(out, "\n## {}", inline(&section.title))?;
        write_blocks(out, &section.blocks)?;
    }
    Ok(())
}

fn write_blocks<W: Write>(out: &mut W, blocks: &[Block]) -> io::Result<()> {
    for block in blocks {
        if let Block::Group { blocks, .. } = block {
            write_blocks(out, blocks)?;
            continue;
        }
        writeln!(out)?;
        match block {
            Block::Subheading(text) => writeln!(out, "### {}", inline(text))?,
            Block::Paragraph(text) => {
                let lines: Vec<String> = text.lines().map(inline).collect();
                writeln!(out, "{}", lines.join("\\\n"))?;
            }
            Block::List(items) => {
                for item in items {
                    writeln!(out, "- {}", entry(item, "  "))?;
                }
            }
            // Bulleted with `*`, lists with `-`: fields after a list then
            // start a list of their own instead of going on with it.
            Block::Fields(fields) => {
                for field in fields {
                    let label = inline(&field.label);
                    match field.entries.as_slice() {
                        // The journal's head: a hash under its label.
                        entries if field.label.is_empty() => {
                            for value in entries {
                                writeln!(out, "  {}", code_span(value))?;
                            }
                        }
                        [value] => writeln!(out, "* **{label}:** {}", entry(value, "  "))?,
                        entries => {
                            writeln!(out, "* **{label}:**")?;
                            for value in entries {
                                writeln!(out, "  - {}", entry(value, "    "))?;
                            }
                        }
                    }
                }
            }
            Block::Table { header, rows } => {
                let row = |cells: &[String]| {
                    let cells: Vec<String> = cells
                        .iter()
                        .map(|cell| {
                            // A pipe table cannot hold a line break.
                            let lines: Vec<String> = cell.lines().map(inline).collect();
                            lines.join(&format!(" {CONTINUED}"))
                        })
                        .collect();
                    format!("| {} |", cells.join(" | "))
                };
                writeln!(out, "{}", row(header))?;
                writeln!(out, "|{}", " --- |".repeat(header.len()))?;
                for cells in rows {
                    writeln!(out, "{}", row(cells))?;
                }
            }
            Block::Pre(text) => writeln!(out, "{}", code_block(text))?,
            Block::Output(output) => {
                writeln!(out, "{}", code_block(&output.head))?;
                if let Some(cut) = &output.cut {
                    // Between two blocks, where no line of output can be.
                    writeln!(out, "\n*{}*\n", inline(cut))?;
                    writeln!(out, "{}", code_block(&output.tail))?;
                }
            }
            Block::Group { .. } => {}
        }
    }
    Ok(())
}

/// An entry of a list, its lines kept with hard breaks, every line after
/// the first `indent`ed into its list item and led by [`CONTINUED`].
fn entry(value: &str, indent: &str) -> String {
    let mut lines = value.lines();
    let mut out = inline(lines.next().unwrap_or(""));
    for line in lines {
        out.push_str(&format!("\\\n{indent}{CONTINUED}{}", inline(line)));
    }
    out
}

/// One line of text with everything Markdown would act on escaped: inline
/// markup and HTML anywhere, block markers (headings, list items, rules,
/// quotes) at the start. Leading spaces (and a tab, shown as one) become
/// `&nbsp;`: as themselves, four of them open a code block and fewer are
/// dropped, and a plain `&#32;` would be collapsed away when the page is
/// shown.
fn inline(text: &str) -> String {
    let text = sanitize(text);
    let mut out = String::with_capacity(text.len() + 8);
    let mut at_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~' => {
                out.push('\\');
                out.push(c);
            }
            ' ' | '\t' if at_start => out.push_str("&nbsp;"),
            '#' | '-' | '+' | '=' if at_start => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\t' => out.push(' '),
            c if at_start && c.is_ascii_digit() => {
                // `1.` or `1)` would start an ordered list.
                out.push(c);
                while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    out.push(d);
                    chars.next();
                }
                if let Some(&p) = chars.peek().filter(|p| matches!(p, '.' | ')')) {
                    out.push('\\');
                    out.push(p);
                    chars.next();
                }
            }
            c => out.push(c),
        }
        at_start = at_start && (c == ' ' || c == '\t');
    }
    out
}

/// Inline code (a hash): the delimiter outruns any backticks inside.
fn code_span(text: &str) -> String {
    let text = sanitize(text).replace(['\n', '\t'], " ");
    let fence = "`".repeat(longest_backtick_run(&text) + 1);
    format!("{fence}{text}{fence}")
}

/// A fenced block, shown as written: the fence is longer than any run of
/// backticks inside, so output holding ``` cannot close it early.
fn code_block(text: &str) -> String {
    let text = sanitize(text).replace('\t', "    ");
    let fence = "`".repeat((longest_backtick_run(&text) + 1).max(3));
    format!("{fence}text\n{text}\n{fence}")
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::super::{Standing, Verification};
    use super::*;
    use crate::model::Lang;

    fn render() -> String {
        let record = fixture::record();
        let standing = Standing::Archived {
            sha256: "d".repeat(64),
            verification: Verification::Verified {
                principal: "ops".into(),
                fingerprint: "SHA256:x".into(),
            },
        };
        let mut out = Vec::new();
        markdown(
            &mut out,
            &Report {
                record: &record,
                standing: &standing,
                lang: &Lang::english(),
                plan: None,
                full: false,
            },
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn markdown_has_headings_tables_and_fenced_output() {
        let md = render();
        assert!(md.starts_with("# Incident report INC-20261128-0001\n"), "{md}");
        assert!(
            md.contains("\n## Timeline\n\n| Time | By | Event |\n| --- | --- | --- |\n"),
            "{md}"
        );
        assert!(md.contains("```text\n$ df -h /var/log\n```"), "{md}");
        assert!(md.contains("* **Signature:** verified"), "{md}");
        assert!(
            md.contains("> **DRILL: a rehearsal, not a real incident**"),
            "{md}"
        );
    }

    #[test]
    fn record_text_is_escaped() {
        let md = render();
        assert!(md.contains("Note: \\<script\\>alert(1)\\</script\\>"), "{md}");
        assert!(!md.contains("<script>"), "{md}");
        assert!(md.contains("Rotated logs \\& restarted nginx."), "{md}");
        assert_eq!(inline("# not a heading"), "\\# not a heading");
        assert_eq!(inline("12. not a list"), "12\\. not a list");
        assert_eq!(inline("a | b"), "a \\| b");
        assert_eq!(inline("    code?"), "&nbsp;&nbsp;&nbsp;&nbsp;code?");
        assert_eq!(inline(" \t- item"), "&nbsp;&nbsp;\\- item");
        assert_eq!(inline("a  b"), "a  b");
        assert_eq!(code_block("a ``` b"), "````text\na ``` b\n````");
    }
}

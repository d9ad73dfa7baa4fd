//! The report as one self-contained HTML page, for printing and filing:
//! inline CSS with print rules, no scripts, no external assets. Every
//! string from the record is entity-escaped, so nothing it holds can
//! become markup; every element is closed, so the page also reads as XML.
//!
//! Printed, it is laid out for A4: every page repeats the report's title
//! at its top and says which page of how many it is at its bottom (CSS
//! page-margin boxes, which Chromium draws), a table's header row repeats
//! on each page it spans, and no table row or command evidence is cut
//! across two pages unless it is longer than one.

use super::Report;
use super::document::{Block, CONTINUED, Document};
use crate::sanitize::{SafeWriter, sanitize};
use std::io::{self, Write};

const STYLE: &str = "
body { font: 11pt/1.45 system-ui, -apple-system, 'Segoe UI', 'Noto Sans', 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif; color: #111; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; border-bottom: 2px solid #111; padding-bottom: .3rem; }
h2 { font-size: 1.2rem; margin-top: 1.8rem; border-bottom: 1px solid #999; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
.banner { padding: .5rem .8rem; margin: .6rem 0; font-weight: bold; border: 2px solid; }
.banner.drill { background: #fff4d6; border-color: #c98a00; }
.banner.draft { background: #eef2f7; border-color: #52606d; }
.banner.alert { background: #fde8e8; border-color: #b42318; color: #7a1209; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0; }
dt { font-weight: bold; }
dd { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid #ddd; padding: .2rem .5rem .2rem 0; }
td { white-space: pre-wrap; }
td:last-child { overflow-wrap: anywhere; }
th { white-space: nowrap; }
li { white-space: pre-wrap; overflow-wrap: anywhere; }
.more { padding-left: 1.2em; }
td:first-child { white-space: nowrap; font-variant-numeric: tabular-nums; }
pre { background: #f6f6f6; border: 1px solid #ddd; padding: .5rem; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 9pt; }
code, pre { font-family: ui-monospace, 'SF Mono', Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', 'Noto Sans Mono CJK SC', monospace; }
.cut { font-size: 9pt; font-style: italic; color: #555; margin: -.4rem 0; }
.evidence { margin-bottom: 1rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 9.5pt; line-height: 1.35; color: #000; }
  h1 { font-size: 15pt; margin: 0 0 .5rem; }
  h2 { font-size: 12pt; margin: 1.1rem 0 .4rem; }
  h3 { font-size: 10pt; margin: .6rem 0 .2rem; }
  p, ul { margin: .2rem 0 .4rem; }
  .banner { padding: .3rem .6rem; margin: .4rem 0; }
  table { font-size: 9pt; }
  th, td { padding: .1rem .5rem .1rem 0; }
  pre { font-size: 8pt; padding: .3rem .4rem; margin: .3rem 0; }
  .cut { font-size: 8pt; margin: -.2rem 0; }
  .evidence { margin-bottom: .6rem; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  tr, pre, dl, .banner, .evidence { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .banner { background: none; }
  pre { background: none; }
}
";

/// The printed page: A4, and in its margins the running title and the
/// page's number, in `document`'s words. Written into the stylesheet as
/// CSS strings, escaped by [`css_string`].
fn page_rules(document: &Document) -> String {
    let [before, between, after] = &document.page;
    let margin = "font: 8pt system-ui, 'Noto Sans', 'Noto Sans CJK SC', sans-serif; color: #555;";
    format!(
        "@page {{ size: A4; margin: 16mm 15mm 18mm;
  @top-left {{ content: {running}; {margin} }}
  @bottom-right {{ content: {before} counter(page) {between} counter(pages) {after}; {margin} }}
}}
",
        running = css_string(&document.running),
        before = css_string(before),
        between = css_string(between),
        after = css_string(after),
    )
}

/// A quoted CSS string holding `text` as it reads: quotes, backslashes,
/// control characters and the markup characters written as CSS escapes,
/// so that nothing in it can end the string or the `<style>` element.
fn css_string(text: &str) -> String {
    let text = sanitize(text);
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c.is_control() || matches!(c, '"' | '\\' | '<' | '>' | '&') {
            out.push_str(&format!("\\{:x} ", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

pub fn html<W: Write>(out: &mut W, report: &Report<'_>) -> io::Result<()> {
    let document = Document::of(report);
    let mut out = SafeWriter::new(out);
    write_document(&mut out, &document)?;
    out.finish()
}

fn write_document<W: Write>(out: &mut W, document: &Document) -> io::Result<()> {
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"{}\">", escape(&document.lang))?;
    writeln!(out, "<head>")?;
    writeln!(out, "<meta charset=\"utf-8\" />")?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />"
    )?;
    writeln!(out, "<title>{}</title>", escape(&document.title))?;
    writeln!(out, "<style>{STYLE}{}</style>", page_rules(document))?;
    writeln!(out, "</head>")?;
    writeln!(out, "<body>")?;
    writeln!(out, "<h1>{}</h1>", escape(&document.title))?;
    for banner in &document.banners {
        writeln!(
            out,
            "<p class=\"banner {}\">{}</p>",
            banner.kind,
            escape(&banner.text)
        )?;
    }
    for section in &document.sections {
        let tag = if section.id == "verification" {
            "footer"
        } else {
            "section"
        };
        writeln!(out, "<{tag} id=\"{}\">", section.id)?;
        writeln!(out, "<h2>{}</h2>", escape(&section.title))?;
        for block in &section.blocks {
            write_block(out, block)?;
        }
        writeln!(out, "</{tag}>")?;
    }
    writeln!(out, "</body>")?;
    writeln!(out, "</html>")
}

fn write_block<W: Write>(out: &mut W, block: &Block) -> io::Result<()> {
    match block {
        Block::Subheading(text) => writeln!(out, "<h3>{}</h3>", escape(text)),
        Block::Paragraph(text) => {
            let lines: Vec<String> = text.lines().map(escape).collect();
            writeln!(out, "<p>{}</p>", lines.join("<br />"))
        }
        Block::List(items) => {
            writeln!(out, "<ul>")?;
            for item in items {
                writeln!(out, "<li>{}</li>", entry(item))?;
            }
            writeln!(out, "</ul>")
        }
        Block::Fields(fields) => {
            writeln!(out, "<dl>")?;
            for field in fields {
                let value = match field.entries.as_slice() {
                    [value] => entry(value),
                    entries => entries
                        .iter()
                        .map(|value| format!("<div>{}</div>", entry(value)))
                        .collect(),
                };
                writeln!(out, "<dt>{}</dt><dd>{value}</dd>", escape(&field.label))?;
            }
            writeln!(out, "</dl>")
        }
        Block::Table { header, rows } => {
            writeln!(out, "<table>")?;
            let cells: Vec<String> = header.iter().map(|h| format!("<th>{}</th>", escape(h))).collect();
            writeln!(out, "<thead><tr>{}</tr></thead>", cells.concat())?;
            writeln!(out, "<tbody>")?;
            for row in rows {
                let cells: Vec<String> = row.iter().map(|c| format!("<td>{}</td>", entry(c))).collect();
                writeln!(out, "<tr>{}</tr>", cells.concat())?;
            }
            writeln!(out, "</tbody>")?;
            writeln!(out, "</table>")
        }
        Block::Pre(text) => writeln!(out, "<pre>{}</pre>", escape(text)),
        Block::Output(output) => {
            writeln!(out, "<pre>{}</pre>", escape(&output.head))?;
            if let Some(cut) = &output.cut {
                writeln!(out, "<p class=\"cut\">{}</p>", escape(cut))?;
                writeln!(out, "<pre>{}</pre>", escape(&output.tail))?;
            }
            Ok(())
        }
        Block::Group { id, blocks } => {
            writeln!(out, "<div class=\"evidence\" id=\"{}\">", escape(id))?;
            for block in blocks {
                write_block(out, block)?;
            }
            writeln!(out, "</div>")
        }
    }
}

/// An entry of a list: its first line, then every other one on a line of
/// its own, indented and led by [`CONTINUED`].
fn entry(value: &str) -> String {
    let mut lines = value.lines();
    let mut out = escape(lines.next().unwrap_or(""));
    for line in lines {
        out.push_str(&format!("<div class=\"more\">{CONTINUED}{}</div>", escape(line)));
    }
    out
}

/// Text for an element or a quoted attribute: sanitized (control
/// characters shown as escapes), then the five markup characters as
/// entities.
fn escape(text: &str) -> String {
    let text = sanitize(text);
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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
            verification: Verification::NotVerified {
                fingerprint: Some("SHA256:x".into()),
                why: "unknown signer: <key>".into(),
            },
        };
        let mut out = Vec::new();
        html(
            &mut out,
            &Report {
                record: &record,
                standing: &standing,
                lang: &Lang::parse("zh").unwrap(),
                plan: None,
                full: false,
            },
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_page_with_print_rules_and_nothing_external() {
        let page = render();
        assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"zh\">"), "{page}");
        assert!(page.contains("@media print"));
        assert!(page.trim_end().ends_with("</html>"));
        for banned in ["<script", "<link", "src=", "href=", "url(", "@import"] {
            assert!(!page.contains(banned), "{banned} in\n{page}");
        }
    }

    #[test]
    fn pages_say_what_they_are_and_which_they_are() {
        let page = render();
        assert!(page.contains("@page { size: A4;"), "{page}");
        assert!(
            page.contains("@top-left { content: \"事件报告 INC-20261128-0001 · 演练\";"),
            "{page}"
        );
        assert!(
            page.contains("content: \"第 \" counter(page) \" 页，共 \" counter(pages) \" 页\";"),
            "{page}"
        );
        assert_eq!(
            css_string("a\"b\\c</style>\n"),
            r#""a\22 b\5c c\3c /style\3e \a ""#
        );
    }

    #[test]
    fn record_text_is_escaped() {
        let page = render();
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{page}");
        assert!(page.contains("Rotated logs &amp; restarted nginx."), "{page}");
        assert!(page.contains("<pre>Filesystem"), "{page}");
        assert!(page.contains("\\x1b[31mred&lt;/pre&gt;"), "{page}");
        assert!(
            page.contains("<p class=\"banner alert\">验证失败：unknown signer: &lt;key&gt;</p>"),
            "{page}"
        );
        assert!(!page.contains('\x1b'));
    }
}

//! `runbook records`: lists archived incidents from `archive/index.jsonl`,
//! filtered, as aligned columns or JSON lines; `--reindex` first rebuilds
//! the index from the record files.
//!
//! It streams: each index line is read, filtered and printed before the
//! next is read, so memory grows with the archive only by a few bytes per
//! record ([`Listed`]), kept to name a line that lists an incident again
//! and the record files the index does not list (a lost or short index),
//! which are found by listing the month directories. The table is
//! laid out a chunk of rows at a time (see [`Table`]) rather than by
//! comfy-table, whose layout needs every row first.
//!
//! The index is read here rather than through [`Archive::entries`]: `--json`
//! prints each line's bytes as they are, a torn last line is skipped while
//! an archive is appending it, and one buffer serves every line. Lines are
//! parsed as [`Archive::entries`] parses them, straight into [`IndexEntry`];
//! `runbook verify` is what checks the index against the records, their
//! chain and signatures. Each line is read as a view of its bytes
//! ([`IndexLine`]): nothing of it is copied unless it is printed.

use super::Context;
use crate::clock::DayEdge;
use crate::error::Result;
use crate::exit_code::ExitCode;
use crate::i18n::Msg;
use crate::model::Lang;
use crate::record::archive::{Archive, ArchiveError, PENDING_FILE};
use crate::record::listing::{IndexLine, Listed, RecordFiles};
use crate::term::sanitize_line;
use crate::tr;
use chrono::{DateTime, Datelike, Utc};
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// List archived incidents, from the archive's index, oldest first.
///
/// Columns: the incident, the day it was archived (UTC), the runbook, the
/// severity at the end, the outcome, how long handling took, whether the
/// record was filed by its deadline or how late, and "drill" for a
/// rehearsal. Filters combine: a record is listed when it passes them all.
/// Exits 1 when an index line cannot be read or lists an incident again,
/// or the index is missing or
/// does not list every record file (named on stderr).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only records archived at or after this time: YYYY-MM-DD (from the
    /// start of that day, UTC) or RFC 3339 (2026-11-28T09:00:00Z).
    #[arg(long, value_name = "DATE", value_parser = since)]
    pub since: Option<DateTime<Utc>>,
    /// Only records archived at or before this time: YYYY-MM-DD (to the
    /// end of that day, UTC) or RFC 3339.
    #[arg(long, value_name = "DATE", value_parser = until)]
    pub until: Option<DateTime<Utc>>,
    /// Only incidents of this runbook (its id).
    #[arg(long, value_name = "ID")]
    pub runbook: Option<String>,
    /// Only incidents that ended at this severity (e.g. sev1).
    #[arg(long, value_name = "S")]
    pub severity: Option<String>,
    /// Only drills (rehearsals).
    #[arg(long, conflicts_with = "no_drill")]
    pub drill: bool,
    /// Only real incidents, no drills.
    #[arg(long)]
    pub no_drill: bool,
    /// Only records filed after their deadline.
    #[arg(long)]
    pub late: bool,
    /// Print JSON lines instead of a table: one object per line, each
    /// record's index line as the archive holds it (keys id, archived,
    /// started, ended, runbook, severity, outcome, duration_s, on_time,
    /// late_s, drill, sha256; see docs/record-format.md), in archive order.
    /// Nothing is printed when nothing matches.
    #[arg(long)]
    pub json: bool,
    /// Rebuild the index from the record files first (under the archive's
    /// lock), say what was done on stderr, then list.
    #[arg(long)]
    pub reindex: bool,
}

pub fn run(context: &Context, args: &Args) -> Result<ExitCode> {
    let archive = Archive::new(context.archive_dir());
    let mut err = io::stderr().lock();
    let mut failed = false;
    if args.reindex {
        failed |= reindex(&archive, &mut err, &context.lang)?;
    }

    // Listing the month directories is most of the file system's work in a
    // large archive: it is done on another thread while the index is read.
    std::thread::scope(|scope| {
        let files = scope.spawn(|| RecordFiles::list(archive.dir()));
        list((&archive, &context.lang), args, &mut err, failed, || {
            files
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    })
}

/// Lists the index, then warns of the record files it does not list, which
/// `files` gives once the index is read.
fn list(
    (archive, lang): (&Archive, &Lang),
    args: &Args,
    err: &mut impl Write,
    mut failed: bool,
    files: impl FnOnce() -> io::Result<RecordFiles>,
) -> Result<ExitCode> {
    let filter = Filter::of(args);
    // A torn last line is an append in progress while `pending` exists.
    let appending = archive.dir().join(PENDING_FILE).exists();
    // Line-buffered stdout would cost a write(2) per record.
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let mut printer = if args.json {
        Printer::Json(out.by_ref())
    } else {
        Printer::Table(Box::new(Table::new(
            out.by_ref(),
            usize::from(crate::term::width()),
            lang,
        )))
    };
    let (mut total, mut listed) = (0usize, 0usize);
    let index = archive.index_path();
    let mut lines = match File::open(&index) {
        Ok(file) => Some(BufReader::with_capacity(64 * 1024, file)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => None,
        Err(error) => return Err(read_error(&index, error)),
    };
    let index_missing = lines.is_none();
    // The records the index lists, where each was listed first (a second
    // line is left out), to find the record files it does not list.
    let mut seen = Listed::default();
    let mut line = Vec::with_capacity(512);
    let mut number = 0usize;
    while let Some(reader) = lines.as_mut() {
        line.clear();
        if reader
            .read_until(b'\n', &mut line)
            .map_err(|error| read_error(&index, error))?
            == 0
        {
            break;
        }
        number += 1;
        let problem = match line.strip_suffix(b"\n") {
            // Only the last line can lack its newline.
            None if appending => continue,
            None => tr!(lang, IndexLastLineCut).to_owned(),
            Some(body) => match IndexLine::parse(body) {
                Ok(entry) => match seen.insert(&entry.id, entry.archived, number) {
                    Some(first) => tr!(lang, IndexListedAgain, id = entry.id, first = first),
                    None => {
                        total += 1;
                        if filter.keeps(&entry) {
                            listed += 1;
                            printer.push(&entry, body)?;
                        }
                        continue;
                    }
                },
                Err(error) => tr!(
                    lang,
                    IndexNotAnEntry,
                    error = crate::i18n::JsonProblem::from(&error).in_lang(lang)
                ),
            },
        };
        failed = true;
        let warning = tr!(
            lang,
            IndexLineLeftOut,
            index = index.display(),
            line = number,
            problem = sanitize_line(&problem)
        );
        writeln!(err, "{}", tr!(lang, WarningLine, warning = warning))?;
    }
    printer.finish()?;
    // A lost or short index lists fewer records than the archive holds.
    let files = seen.unlisted_among(&files().map_err(anyhow::Error::new)?);
    if !files.is_empty() {
        failed = true;
        let behind = ArchiveError::Unindexed {
            index: index.clone(),
            missing: index_missing,
            files,
        };
        let warning = tr!(lang, IndexBehind, behind = sanitize_line(&behind.to_string()));
        writeln!(err, "{}", tr!(lang, WarningLine, warning = warning))?;
    }
    if listed == 0 && !args.json && !(failed && total == 0) {
        if total == 0 {
            writeln!(out, "{}", tr!(lang, NoRecords, dir = archive.dir().display()))?;
        } else {
            writeln!(out, "{}", tr!(lang, NoRecordsMatch, total = total))?;
        }
    }
    out.flush()?;
    Ok(if failed {
        ExitCode::Failure
    } else {
        ExitCode::Success
    })
}

fn read_error(path: &Path, error: io::Error) -> crate::error::Error {
    anyhow::Error::new(error)
        .context(format!("cannot read {}", path.display()))
        .into()
}

/// Rebuilds the index and reports on `err`; true when records were left out.
fn reindex(archive: &Archive, err: &mut impl Write, lang: &Lang) -> Result<bool> {
    if !archive.dir().is_dir() {
        writeln!(
            err,
            "{}",
            tr!(lang, NoArchiveToReindex, dir = archive.dir().display())
        )?;
        return Ok(false);
    }
    let lock = archive.lock().map_err(anyhow::Error::new)?;
    if let Some(recovered) = &lock.recovered {
        let recovered = recovered.in_lang(lang);
        writeln!(err, "{}", tr!(lang, NoticeLine, note = sanitize_line(&recovered)))?;
    }
    let done = archive.reindex(&lock).map_err(anyhow::Error::new)?;
    drop(lock);
    let kept = match done.kept {
        0 => String::new(),
        kept => tr!(lang, ReindexKept, kept = kept),
    };
    writeln!(
        err,
        "{}",
        tr!(
            lang,
            Reindexed,
            index = archive.index_path().display(),
            records = done.records,
            kept = kept
        )
    )?;
    for problem in &done.problems {
        writeln!(
            err,
            "{}",
            tr!(lang, WarningLine, warning = sanitize_line(problem))
        )?;
    }
    Ok(!done.problems.is_empty())
}

/// `--since`: a date means from 00:00 UTC that day.
fn since(text: &str) -> Result<DateTime<Utc>, String> {
    crate::clock::parse_time(text, DayEdge::Start)
}

/// `--until`: a date means up to the last instant of that day, UTC.
fn until(text: &str) -> Result<DateTime<Utc>, String> {
    crate::clock::parse_time(text, DayEdge::End)
}

/// The flags that pick records.
#[derive(Debug)]
struct Filter<'a> {
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    runbook: Option<&'a str>,
    severity: Option<&'a str>,
    drill: Option<bool>,
    late: bool,
}

impl Filter<'_> {
    fn of(args: &Args) -> Filter<'_> {
        Filter {
            since: args.since,
            until: args.until,
            runbook: args.runbook.as_deref(),
            severity: args.severity.as_deref(),
            drill: match (args.drill, args.no_drill) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
            late: args.late,
        }
    }

    fn keeps(&self, entry: &IndexLine<'_>) -> bool {
        self.since.is_none_or(|since| entry.archived >= since)
            && self.until.is_none_or(|until| entry.archived <= until)
            && self.runbook.is_none_or(|id| entry.runbook == id)
            && self.severity.is_none_or(|level| entry.severity == level)
            && self.drill.is_none_or(|drill| entry.drill == drill)
            && (!self.late || !entry.on_time)
    }
}

#[derive(Debug)]
enum Printer<W: Write> {
    Json(W),
    Table(Box<Table<W>>),
}

impl<W: Write> Printer<W> {
    /// Prints one record: `line` is its index line, without the newline.
    fn push(&mut self, entry: &IndexLine<'_>, line: &[u8]) -> io::Result<()> {
        match self {
            // The line as the index holds it: it parsed as an entry, so it
            // is JSON with the documented keys (and no newline inside).
            Printer::Json(out) => {
                out.write_all(line)?;
                out.write_all(b"\n")
            }
            Printer::Table(table) => table.push(entry),
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        match self {
            Printer::Json(_) => Ok(()),
            Printer::Table(table) => table.flush_rows(),
        }
    }
}

const HEADER: [Msg; COLUMNS] = [
    Msg::HeadIncident,
    Msg::HeadArchived,
    Msg::HeadRunbook,
    Msg::HeadSev,
    Msg::HeadOutcome,
    Msg::HeadTook,
    Msg::HeadDeadline,
    Msg::HeadDrill,
];
const COLUMNS: usize = 8;
const RUNBOOK: usize = 2;
/// Right-aligned: durations line up on their last unit.
const TOOK: usize = 5;
/// Shown once a drill has been listed: most archives hold few or none.
const DRILL: usize = 7;
/// Rows laid out together; memory is bounded by this many rows.
const CHUNK: usize = 100;
/// The runbook column, the only one cut to fit, keeps at least this much.
const RUNBOOK_MIN: usize = 8;

/// Aligned columns printed a chunk of rows at a time. Column widths only
/// grow: each chunk is laid out with the widest cell seen so far in each
/// column, fitted to the width (two spaces between columns, one if that
/// is what fits, then the runbook id cut short with `…`); the DRILL column
/// appears with the first drill. The header is
/// printed again, after a blank line, only when the layout changes, which
/// with fixed-width ids and dates is rare: most listings are one table.
#[derive(Debug)]
struct Table<W: Write> {
    out: W,
    width: usize,
    /// The chunk being laid out: its first `used` rows. Rows are kept for
    /// the next chunk, to be filled again without allocating.
    rows: Vec<Row>,
    used: usize,
    /// The widest cell seen in each column, header not included.
    seen: [usize; COLUMNS],
    layout: Option<Layout>,
    /// The line being written.
    line: String,
    /// The display language of the header and the words in cells.
    lang: Lang,
    /// The header's cells and their widths in display columns.
    header: Row,
}

#[derive(Debug, Default)]
struct Row {
    cells: [String; COLUMNS],
    /// Each cell's width in display columns.
    widths: [usize; COLUMNS],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    widths: [usize; COLUMNS],
    gap: usize,
}

impl<W: Write> Table<W> {
    fn new(out: W, width: usize, lang: &Lang) -> Table<W> {
        let cells = HEADER.map(|msg| crate::i18n::tr(lang, msg).to_owned());
        let widths = cells.clone().map(|cell| self::width(&cell));
        Table {
            lang: lang.clone(),
            header: Row { cells, widths },
            out,
            width,
            rows: Vec::with_capacity(CHUNK),
            used: 0,
            seen: [0; COLUMNS],
            layout: None,
            line: String::with_capacity(128),
        }
    }

    fn push(&mut self, entry: &IndexLine<'_>) -> io::Result<()> {
        if self.used == self.rows.len() {
            self.rows.push(Row::default());
        }
        let row = &mut self.rows[self.used];
        fill(&mut row.cells, entry, &self.lang);
        for (width, cell) in row.widths.iter_mut().zip(&row.cells) {
            *width = self::width(cell);
        }
        self.used += 1;
        if self.used == CHUNK {
            self.flush_rows()?;
        }
        Ok(())
    }

    fn flush_rows(&mut self) -> io::Result<()> {
        if self.used == 0 {
            return Ok(());
        }
        let rows = &self.rows[..self.used];
        for row in rows {
            for (seen, &width) in self.seen.iter_mut().zip(&row.widths) {
                *seen = (*seen).max(width);
            }
        }
        let layout = fit(self.seen, self.width, &self.header.widths);
        if self.layout != Some(layout) {
            if self.layout.is_some() {
                writeln!(self.out)?;
            }
            write_row(&mut self.out, &layout, &self.header, &mut self.line)?;
            self.layout = Some(layout);
        }
        for row in rows {
            write_row(&mut self.out, &layout, row, &mut self.line)?;
        }
        self.used = 0;
        Ok(())
    }
}

/// The widths to print with, for cells at most `seen` wide; a width of 0
/// hides the column.
fn fit(seen: [usize; COLUMNS], width: usize, header: &[usize; COLUMNS]) -> Layout {
    let mut widths = [0; COLUMNS];
    for (column, (width, header)) in widths.iter_mut().zip(header).enumerate() {
        if column != DRILL || seen[DRILL] > 0 {
            *width = seen[column].max(*header);
        }
    }
    let shown = widths.iter().filter(|&&width| width > 0).count();
    let total = |widths: &[usize; COLUMNS], gap: usize| widths.iter().sum::<usize>() + gap * (shown - 1);
    let gap = if total(&widths, 2) > width { 1 } else { 2 };
    let over = total(&widths, gap).saturating_sub(width);
    let runbook = &mut widths[RUNBOOK];
    *runbook = runbook.saturating_sub(over).max(RUNBOOK_MIN.min(*runbook));
    Layout { widths, gap }
}

fn write_row(out: &mut impl Write, layout: &Layout, row: &Row, line: &mut String) -> io::Result<()> {
    line.clear();
    for (column, ((cell, &cell_width), &width)) in
        row.cells.iter().zip(&row.widths).zip(&layout.widths).enumerate()
    {
        if width == 0 {
            continue;
        }
        if column > 0 {
            line.extend(std::iter::repeat_n(' ', layout.gap));
        }
        let (cell, cell_width) = if cell_width <= width {
            (std::borrow::Cow::Borrowed(cell.as_str()), cell_width)
        } else {
            let cut = cut(cell, width);
            let cut_width = self::width(&cut);
            (cut, cut_width)
        };
        let pad = width.saturating_sub(cell_width);
        if column == TOOK {
            line.extend(std::iter::repeat_n(' ', pad));
            line.push_str(&cell);
        } else {
            line.push_str(&cell);
            line.extend(std::iter::repeat_n(' ', pad));
        }
    }
    out.write_all(line.trim_end().as_bytes())?;
    out.write_all(b"\n")
}

/// Display columns; most cells are ASCII, which is quick to measure.
fn width(text: &str) -> usize {
    if text.is_ascii() { text.len() } else { text.width() }
}

/// `text` cut to `width` display columns, ending in `…` when cut.
fn cut(text: &str, width: usize) -> std::borrow::Cow<'_, str> {
    if self::width(text) <= width {
        return text.into();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out.into()
}

/// Fills a row's cells (cleared first) for `entry`.
fn fill(cells: &mut [String; COLUMNS], entry: &IndexLine<'_>, lang: &Lang) {
    use std::fmt::Write as _;
    for cell in cells.iter_mut() {
        cell.clear();
    }
    let [id, archived, runbook, severity, outcome, took, deadline, drill] = cells;
    id.push_str(&sanitize_line(&entry.id));
    let _ = write!(
        archived,
        "{:04}-{:02}-{:02}",
        entry.archived.year(),
        entry.archived.month(),
        entry.archived.day()
    );
    runbook.push_str(&sanitize_line(&entry.runbook));
    severity.push_str(&sanitize_line(&entry.severity));
    outcome.push_str(&sanitize_line(crate::i18n::state(lang, &entry.outcome)));
    took.push_str(&crate::i18n::span(lang, entry.duration_s));
    if entry.on_time {
        deadline.push_str(tr!(lang, OnTime));
    } else {
        deadline.push_str(&tr!(lang, LateBy, late = crate::i18n::span(lang, entry.late_s)));
    }
    if entry.drill {
        drill.push_str(tr!(lang, DrillCell));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: usize, runbook: &str, drill: bool, late_s: i64) -> IndexLine<'static> {
        let time = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
        IndexLine {
            id: format!("INC-20261128-{n:04}").into(),
            archived: time("2026-11-29T10:00:00Z"),
            runbook: runbook.to_owned().into(),
            severity: "sev2".into(),
            outcome: "resolved".into(),
            started: time("2026-11-28T09:00:00Z"),
            ended: time("2026-11-28T09:25:10Z"),
            duration_s: 1510,
            on_time: late_s == 0,
            late_s,
            drill,
            sha256: "0".repeat(64).into(),
        }
    }

    fn table(entries: &[IndexLine<'_>], width: usize) -> String {
        let mut out = Vec::new();
        let mut table = Table::new(&mut out, width, &Lang::english());
        for entry in entries {
            table.push(entry).unwrap();
        }
        table.flush_rows().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_table_fits_80_columns() {
        let text = table(
            &[
                entry(1, "disk-full", false, 0),
                entry(2, "hardware-failure-in-the-east-datacenter", true, 90_000),
            ],
            80,
        );
        assert_eq!(
            text,
            "\
INCIDENT          ARCHIVED   RUNBOOK        SEV  OUTCOME    TOOK DEADLINE  DRILL
INC-20261128-0001 2026-11-29 disk-full      sev2 resolved 25m10s on time
INC-20261128-0002 2026-11-29 hardware-fail… sev2 resolved 25m10s late 1d1h drill
"
        );
        // Two spaces between columns when they fit; no DRILL column without drills.
        assert_eq!(
            table(&[entry(1, "disk-full", false, 0)], 80),
            "\
INCIDENT           ARCHIVED    RUNBOOK    SEV   OUTCOME     TOOK  DEADLINE
INC-20261128-0001  2026-11-29  disk-full  sev2  resolved  25m10s  on time
"
        );
    }

    #[test]
    fn the_header_is_repeated_only_when_the_layout_changes() {
        let mut entries: Vec<IndexLine<'_>> = (1..=250).map(|n| entry(n, "disk", false, 0)).collect();
        entries[180].runbook = "network-outage".into();
        let text = table(&entries, 80);
        assert_eq!(text.matches("INCIDENT").count(), 2, "{text}");
        assert_eq!(text.lines().count(), 250 + 2 + 1);
        assert!(text.lines().all(|line| width(line) <= 80));
    }

    #[test]
    fn dates_are_whole_days_and_times_are_exact() {
        assert_eq!(
            since("2026-11-28").unwrap().to_rfc3339(),
            "2026-11-28T00:00:00+00:00"
        );
        assert_eq!(
            until("2026-11-28").unwrap(),
            "2026-11-28T23:59:59.999999999Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            until("2026-11-28T10:00:00+01:00").unwrap().to_rfc3339(),
            "2026-11-28T09:00:00+00:00"
        );
        assert!(since("yesterday").is_err());
    }
}

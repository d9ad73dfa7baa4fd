//! Tables drawn with comfy-table, sized for the terminal or 80 columns.

use comfy_table::{ColumnConstraint, ContentArrangement, Table, presets};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The width to lay out for: `COLUMNS` when set (shells keep it to
/// themselves, so it is set on purpose), else the width of the terminal
/// stdout is, else 80, which is what a printed page holds. Never less than
/// 40: narrower than that, wrapped tables and outlines stop being
/// readable, and a terminal that narrow wraps lines itself.
pub fn width() -> u16 {
    let terminal = || console::Term::stdout().size_checked().map(|(_, columns)| columns);
    width_for(std::env::var("COLUMNS").ok().as_deref(), terminal)
}

fn width_for(columns: Option<&str>, terminal: impl FnOnce() -> Option<u16>) -> u16 {
    columns
        .and_then(|columns| columns.trim().parse::<u16>().ok())
        .or_else(terminal)
        .map_or(80, |columns| columns.max(40))
}

pub fn new_table<I, S>(header: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: Into<comfy_table::Cell>,
{
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width())
        .set_header(header);
    // Two spaces between columns and none at the edges leave the most room
    // for text in 80 columns.
    for column in table.column_iter_mut() {
        column.set_padding((0, 2));
    }
    // The first column holds ids, which people copy: it never wraps.
    if let Some(column) = table.column_mut(0) {
        column.set_constraint(ColumnConstraint::ContentWidth);
    }
    table
}

/// A table of `rows` under `header` laid out for [`width`] without ever
/// splitting a word: each column keeps its natural width except the
/// `yielding` ones (hyphenated ids, such as runbook and step ids, and short
/// phrases), which share the room left, narrowest first, and wrap at spaces
/// and after hyphens. A table whose other columns alone are wider than the
/// terminal is printed whole; the terminal folds it.
pub fn fitted_table(header: &[&str], mut rows: Vec<Vec<String>>, yielding: &[usize]) -> Table {
    let column_cells = |column: usize| -> Vec<&str> {
        rows.iter()
            .filter_map(|row| row.get(column))
            .map(String::as_str)
            .chain([header[column]])
            .collect()
    };
    let natural: Vec<usize> = (0..header.len())
        .map(|column| {
            column_cells(column)
                .iter()
                .map(|cell| cell.width())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let longest_word: Vec<usize> = (0..header.len())
        .map(|column| {
            column_cells(column)
                .iter()
                .flat_map(|cell| words(cell))
                .map(UnicodeWidthStr::width)
                .max()
                .unwrap_or(0)
        })
        .collect();
    let gaps = 2 * header.len().saturating_sub(1);
    let fixed: usize = (0..header.len())
        .filter(|column| !yielding.contains(column))
        .map(|column| natural[column])
        .sum::<usize>()
        + gaps;
    let mut room = usize::from(width()).saturating_sub(fixed);
    let mut narrowest_first = yielding.to_vec();
    narrowest_first.sort_by_key(|&column| natural[column]);
    let mut left = narrowest_first.len();
    for column in narrowest_first {
        // A fair share of what is left, but never so narrow that a word
        // of the column breaks.
        let unbroken = longest_word[column].min(LONGEST_UNBROKEN);
        let share = natural[column].min((room / left.max(1)).max(unbroken));
        room = room.saturating_sub(share);
        left -= 1;
        if share < natural[column] {
            for row in &mut rows {
                if let Some(cell) = row.get_mut(column) {
                    *cell = wrap_words(cell, share).join("\n");
                }
            }
        }
    }
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.iter().copied());
    for row in rows {
        table.add_row(row);
    }
    for column in table.column_iter_mut() {
        column.set_padding((0, 2));
    }
    table
}

/// Words longer than this may break inside in a [`fitted_table`].
const LONGEST_UNBROKEN: usize = 12;

/// `text`'s words: split at spaces (dropped) and after hyphens (kept).
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(' ').flat_map(|word| word.split_inclusive('-'))
}

/// `text` in lines at most `width` wide, broken at spaces and after
/// hyphens, and inside a word only when the word alone is wider.
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for spaced in text.split(' ') {
        for (index, word) in spaced.split_inclusive('-').enumerate() {
            let space = usize::from(index == 0 && !line.is_empty());
            if !line.is_empty() && line.width() + space + word.width() > width {
                lines.push(std::mem::take(&mut line));
            } else if space == 1 {
                line.push(' ');
            }
            for c in word.chars() {
                if !line.is_empty() && line.width() + c.width().unwrap_or(0) > width {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(c);
            }
        }
    }
    lines.push(line);
    lines
}

/// The table as text, without the trailing spaces of padded last columns.
///
/// Every line is sanitized here, at the output boundary, whatever the
/// callers did with the cells: a tab becomes a space and other control
/// characters are escaped.
pub fn render(table: &Table) -> String {
    table
        .lines()
        .map(|line| crate::sanitize::sanitize(line.trim_end()).replace('\t', " "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::{width_for, wrap_words};

    #[test]
    fn words_wrap_at_spaces_and_after_hyphens() {
        let wrap = |text, width| wrap_words(text, width);
        assert_eq!(wrap("server-software-failure", 23), ["server-software-failure"]);
        assert_eq!(
            wrap("server-software-failure", 16),
            ["server-software-", "failure"]
        );
        assert_eq!(
            wrap("server-software-failure", 10),
            ["server-", "software-", "failure"]
        );
        assert_eq!(wrap("paused (drill)", 14), ["paused (drill)"]);
        assert_eq!(wrap("paused (drill)", 9), ["paused", "(drill)"]);
        assert_eq!(wrap("never started", 13), ["never started"]);
        assert_eq!(wrap("maintenance", 6), ["mainte", "nance"]);
        assert_eq!(wrap("", 6), [""]);
    }

    #[test]
    fn narrow_columns_are_clamped_not_ignored() {
        let no_terminal = || None;
        assert_eq!(width_for(None, no_terminal), 80);
        assert_eq!(width_for(Some("120"), no_terminal), 120);
        assert_eq!(width_for(Some("30"), no_terminal), 40);
        assert_eq!(width_for(Some("0"), no_terminal), 40);
        assert_eq!(width_for(Some("wide"), no_terminal), 80);
    }

    #[test]
    fn the_terminal_width_is_used_when_columns_is_not_set() {
        assert_eq!(width_for(None, || Some(200)), 200);
        assert_eq!(width_for(None, || Some(20)), 40);
        assert_eq!(width_for(Some("90"), || Some(200)), 90, "COLUMNS wins");
        assert_eq!(width_for(Some("wide"), || Some(200)), 200);
    }
}

//! Tables drawn with comfy-table, sized for the terminal or 80 columns.

use comfy_table::{ColumnConstraint, ContentArrangement, Table, presets};

/// The width to lay out for: `COLUMNS` when set, else 80, which is what a
/// printed page and most terminals hold.
pub fn width() -> u16 {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.parse().ok())
        .filter(|&columns: &u16| columns >= 40)
        .unwrap_or(80)
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

/// The table as text, without the trailing spaces of padded last columns.
pub fn render(table: &Table) -> String {
    table
        .lines()
        .map(|line| line.trim_end().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

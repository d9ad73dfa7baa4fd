//! Tables drawn with comfy-table, sized for the terminal or 80 columns.

use comfy_table::{ColumnConstraint, ContentArrangement, Table, presets};

/// The width to lay out for: `COLUMNS` when set, else 80, which is what a
/// printed page and most terminals hold. Never less than 40: narrower than
/// that, wrapped tables and outlines stop being readable, and a terminal
/// that narrow wraps lines itself.
pub fn width() -> u16 {
    width_for(std::env::var("COLUMNS").ok().as_deref())
}

fn width_for(columns: Option<&str>) -> u16 {
    columns
        .and_then(|columns| columns.trim().parse::<u16>().ok())
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
    use super::width_for;

    #[test]
    fn narrow_columns_are_clamped_not_ignored() {
        assert_eq!(width_for(None), 80);
        assert_eq!(width_for(Some("120")), 120);
        assert_eq!(width_for(Some("30")), 40);
        assert_eq!(width_for(Some("0")), 40);
        assert_eq!(width_for(Some("wide")), 80);
    }
}

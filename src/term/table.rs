//! Tables drawn with comfy-table, sized for the terminal or 80 columns.

use comfy_table::{ContentArrangement, Table, presets};

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
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width())
        .set_header(header);
    table
}

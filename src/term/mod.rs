//! Everything that knows about the terminal: tables, sanitizing, where
//! errors go. The rest of the library writes to `impl Write`.

mod operator;
mod progress;
mod table;

pub use operator::TerminalOperator;
pub use progress::Progress;
// Sanitizing lives outside `term` so that `load` and `report` can use it.
pub use crate::sanitize::{sanitize, sanitize_line};
pub use table::{new_table, render as render_table, width};

use crate::error::Error;

/// Prints a fatal error and its hint to stderr.
#[allow(clippy::print_stderr)]
pub fn print_error(error: &Error) {
    match error {
        Error::Reported(_) => {}
        Error::Diagnostics(diagnostics) => {
            for diagnostic in diagnostics {
                eprint!("{}", diagnostic.render());
            }
        }
        error => {
            eprintln!("error: {}", sanitize(&format!("{error:#}")));
            if let Some(hint) = error.hint() {
                eprintln!("hint: {}", sanitize(hint));
            }
        }
    }
}

/// `3d4h`, `2h05m`, `4m10s`, `12s`.
pub fn short(duration: chrono::Duration) -> String {
    let seconds = duration.num_seconds().max(0);
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60,
    );
    if d > 0 {
        format!("{d}d{h}h")
    } else if h > 0 {
        format!("{h}h{m:02}m")
    } else if m > 0 {
        format!("{m}m{s:02}s")
    } else {
        format!("{s}s")
    }
}

//! Everything that knows about the terminal: tables, sanitizing, where
//! errors go. The rest of the library writes to `impl Write`.

mod operator;
mod output;
mod progress;
mod prompt;
mod table;

pub use operator::TerminalOperator;
pub use output::{CommandOutput, Outputs};
pub use progress::Progress;
// Sanitizing lives outside `term` so that `load` and `report` can use it.
pub use crate::sanitize::{sanitize, sanitize_line};
pub use table::{fitted_table, new_table, render as render_table, width};

use crate::error::Error;

/// Prints a warning that comes before any command's own output to stderr.
#[allow(clippy::print_stderr)]
pub fn print_warning(warning: &str) {
    eprintln!("warning: {}", sanitize(warning));
}

/// Prints a warning already worded with its `warning:` (in the display
/// language) to stderr.
#[allow(clippy::print_stderr)]
pub fn print_warning_line(line: &str) {
    eprintln!("{}", sanitize(line));
}

/// Prints a fatal error and its hint to stderr, in the language it was
/// marked with (English when it was not).
#[allow(clippy::print_stderr)]
pub fn print_error(error: &Error) {
    let (error, lang) = error.unmarked();
    let english = crate::model::Lang::english();
    let lang = lang.unwrap_or(&english);
    match error {
        Error::Reported(_) => {}
        Error::Diagnostics(diagnostics) => {
            for diagnostic in diagnostics {
                eprint!("{}", diagnostic.render());
            }
        }
        error => {
            eprintln!(
                "{}",
                crate::tr!(lang, ErrorLine, error = sanitize(&format!("{error:#}")))
            );
            if let Some(hint) = error.hint() {
                eprintln!("{}", crate::tr!(lang, HintLine, hint = sanitize(hint)));
            }
        }
    }
}

/// `3d4h`, `1d0h46m`, `2h05m`, `4m10s`, `12s` ([`crate::model::short_span`]).
pub fn short(duration: chrono::Duration) -> String {
    crate::model::short_span(duration.num_seconds())
}

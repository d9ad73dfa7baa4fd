//! What `runbook list` shows of a runbook, and how it is read from a
//! built-in runbook without loading the whole plan.
//!
//! A built-in runbook is compiled in and checked by the test suite, which
//! fails on any error in it, so listing it needs only its top-level keys
//! (title, default severity, review date) and its number of steps. Those
//! are read from the text before its first table header, with the same
//! field readers as a full load; a test holds the result equal to the full
//! load's for every built-in runbook. Anything unexpected (a table header
//! among the top-level keys, a key that does not read) gives up, and the
//! runbook is loaded in full.

use super::reader::{Ctx, Fields};
use super::{Origin, Source};
use crate::model::{Runbook, Span, Text};
use chrono::NaiveDate;

/// A runbook as `runbook list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub title: Text,
    pub steps: usize,
    pub default_severity: String,
    /// When its next review falls due, if it asks to be reviewed.
    pub review_due: Option<NaiveDate>,
}

impl Summary {
    pub fn of(runbook: &Runbook) -> Summary {
        Summary {
            title: runbook.title.clone(),
            steps: runbook.steps.len(),
            default_severity: runbook.default_severity.value.clone(),
            review_due: runbook.review_due(),
        }
    }
}

/// The summary of a built-in runbook's `text`, from its top-level keys and
/// its `[[steps]]` headers; `None` when the text is not laid out as the
/// built-in runbooks are (keys first, one `[[steps]]` line per step).
pub(crate) fn of_builtin(name: &str, text: &str) -> Option<Summary> {
    if text.starts_with('[') {
        return None;
    }
    let header_end = text.find("\n[").map_or(text.len(), |at| at + 1);
    let steps = text.matches("\n[[steps]]\n").count();
    let source = Source::new(name, Origin::Builtin, &text[..header_end]);
    let (table, errors) = toml::de::DeTable::parse_recoverable(&source.text);
    if !errors.is_empty() {
        return None;
    }
    let mut ctx = Ctx::new(&source);
    let top = Fields::new_quiet(table.get_ref(), Span::NONE, "the runbook");
    let title = top.required_text(&mut ctx, "title");
    let review_every = top.calendar_period(&mut ctx, "review_every");
    let last_reviewed = top.date(&mut ctx, "last_reviewed");
    let default_severity = top
        .str(&mut ctx, "default_severity")
        .map_or_else(|| "sev2".to_owned(), |level| level.value);
    if !ctx.diagnostics.is_empty() || steps == 0 {
        return None;
    }
    let review_due = match (review_every, last_reviewed) {
        (Some(every), Some(last)) => every.after_date(last.value),
        _ => None,
    };
    Some(Summary {
        title: title?,
        steps,
        default_severity,
        review_due,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{builtin_sources, load};

    #[test]
    fn a_built_in_summary_is_the_full_loads() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        for source in builtin_sources() {
            let name = source.name.clone();
            let quick = of_builtin(&name, &source.text.clone()).unwrap_or_else(|| panic!("{name}"));
            let loaded = load(source, today);
            let runbook = loaded.runbook.as_ref().unwrap_or_else(|| panic!("{name} loads"));
            assert_eq!(quick, Summary::of(runbook), "{name}");
        }
    }

    #[test]
    fn a_text_laid_out_otherwise_is_not_summarized() {
        let plain =
            "schema = 1\ntitle = \"T\"\n\n[[steps]]\nid = \"done\"\nkind = \"end\"\ntitle = \"Done\"\n";
        let summary = of_builtin("<built-in>/t.toml", plain).unwrap();
        assert_eq!((summary.steps, summary.default_severity.as_str()), (1, "sev2"));
        assert_eq!(of_builtin("<built-in>/t.toml", "schema = 1\n[[steps]]\n"), None);
        assert_eq!(of_builtin("<built-in>/t.toml", "title = \"T\"\n"), None);
        assert_eq!(of_builtin("<built-in>/t.toml", "title = 1\n[[steps]]\n"), None);
    }
}

//! Warnings, given once the errors are fixed: review overdue, contacts
//! with no way to reach them.

use super::super::reader::Ctx;
use crate::model::{Located, Runbook, Span};
use chrono::NaiveDate;

pub(super) fn warnings(ctx: &mut Ctx<'_>, runbook: &Runbook, today: NaiveDate) {
    match (&runbook.review_every, &runbook.last_reviewed) {
        (Some(every), Some(last)) => {
            if let Some(due) = runbook.review_due()
                && due < today
            {
                ctx.warning(
                    last.span,
                    format!(
                        "review overdue since {due}: last reviewed {} and due every {every}",
                        last.value
                    ),
                    Some("review the plan with its owner, then update `last_reviewed`".into()),
                );
            }
        }
        (Some(every), None) => ctx.warning(
            first_key(ctx, "review_every"),
            format!("the plan is to be reviewed every {every} but has no `last_reviewed` date"),
            Some("review it, then add `last_reviewed = YYYY-MM-DD`".into()),
        ),
        _ => {}
    }
    if ctx.source.origin == crate::load::Origin::Builtin {
        // The built-in plans leave contact details for the site to fill in
        // (in a copy under /etc/runbook/runbooks); saying so every time
        // helps nobody.
        return;
    }
    unreachable_contacts(ctx, runbook);
}

/// One warning naming every contact with no phone or e-mail address, at
/// the first of them.
pub(super) fn unreachable_contacts(ctx: &mut Ctx<'_>, runbook: &Runbook) {
    let unreachable: Vec<&Located<String>> = runbook
        .contacts
        .iter()
        .filter(|contact| !contact.is_reachable())
        .map(|contact| &contact.id)
        .collect();
    if let Some(first) = unreachable.first() {
        let names: Vec<&str> = unreachable.iter().map(|id| id.as_str()).collect();
        ctx.warning(
            first.span,
            unreachable_message(&names),
            Some("fill in the site's contact details before the plan is needed".into()),
        );
    }
}

/// Where top-level `key` is written, or [`Span::NONE`].
pub(super) fn first_key(ctx: &Ctx<'_>, key: &str) -> Span {
    let text = &ctx.source.text;
    text.match_indices(key)
        .find(|(at, _)| *at == 0 || text.as_bytes()[at - 1] == b'\n')
        .map_or(Span::NONE, |(at, _)| Span::new(at..at + key.len()))
}

/// What is said of contacts that have no phone or e-mail address.
fn unreachable_message(names: &[&str]) -> String {
    if names.len() == 1 {
        format!("contact `{}` has no phone or email", names[0])
    } else {
        format!(
            "{} contacts have no phone or email: {}",
            names.len(),
            names.join(", ")
        )
    }
}

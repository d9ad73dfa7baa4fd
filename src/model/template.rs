//! `{{name}}` placeholders in display text.
//!
//! Placeholders are for what people read. Commands never see them: variables
//! reach commands only as environment variables.

use std::ops::Range;

/// One `{{...}}` found in a text: its byte range and the name inside, or
/// `None` when what is inside is not a variable name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub range: Range<usize>,
    pub name: Option<String>,
}

/// Every placeholder in `text`, in order. An unclosed `{{` yields one
/// placeholder running to the end of the text, with no name.
pub fn placeholders(text: &str) -> Vec<Placeholder> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("{{").map(|at| at + from) {
        match text[open + 2..].find("}}") {
            Some(close) => {
                let inner = text[open + 2..open + 2 + close].trim();
                let end = open + 2 + close + 2;
                found.push(Placeholder {
                    range: open..end,
                    name: is_name(inner).then(|| inner.to_owned()),
                });
                from = end;
            }
            None => {
                found.push(Placeholder {
                    range: open..text.len(),
                    name: None,
                });
                break;
            }
        }
    }
    found
}

/// A variable name: lower case letters, digits and `_`, starting with a
/// letter, so that its upper-cased form is a portable environment variable.
pub fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|first| first.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Replaces each `{{name}}` with `lookup(name)`, leaving unknown ones as
/// written.
pub fn render(text: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for placeholder in placeholders(text) {
        if let Some(value) = placeholder.name.as_deref().and_then(&lookup) {
            out.push_str(&text[last..placeholder.range.start]);
            out.push_str(&value);
            last = placeholder.range.end;
        }
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_names_bad_names_and_unclosed() {
        let found = placeholders("a {{ service }} b {{Bad-Name}} c {{host");
        assert_eq!(found[0].name.as_deref(), Some("service"));
        assert_eq!(found[0].range, 2..15);
        assert_eq!(found[1].name, None);
        assert_eq!(found[2].name, None);
        assert_eq!(
            found[2].range.end,
            "a {{ service }} b {{Bad-Name}} c {{host".len()
        );
    }

    #[test]
    fn renders_known_and_keeps_unknown() {
        let text = render("restart {{service}} on {{host}}", |name| {
            (name == "service").then(|| "nginx".into())
        });
        assert_eq!(text, "restart nginx on {{host}}");
    }
}

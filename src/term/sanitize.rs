//! Runbook text and command output can carry terminal escape sequences; they
//! are shown, never obeyed.

use std::borrow::Cow;

/// Replaces control characters (except newline and tab) with a visible
/// `\xNN` / `\u{NN}` escape.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            let code = u32::from(c);
            if code < 0x100 {
                out.push_str(&format!("\\x{code:02x}"));
            } else {
                out.push_str(&format!("\\u{{{code:x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        // Bidirectional overrides can make shown text differ from what runs.
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn escapes_are_shown_not_obeyed() {
        assert_eq!(sanitize("ok\x1b[31mred\x07"), "ok\\x1b[31mred\\x07");
        assert_eq!(sanitize("a\r\nb\tc"), "a\\x0d\nb\tc");
        assert_eq!(sanitize("x\u{202e}y"), "x\\u{202e}y");
        assert!(matches!(sanitize("重启 nginx"), std::borrow::Cow::Borrowed(_)));
    }
}

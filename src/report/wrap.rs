//! Greedy word wrapping by display width, breaking between words and
//! between CJK characters, which have no spaces to break at.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Splits `text` into lines no wider than `width` columns (a single word
/// wider than that gets a line of its own). Existing line breaks are kept.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        let mut line_width = 0;
        for token in tokens(paragraph) {
            let token_width = token.width();
            let is_space = token.chars().all(char::is_whitespace);
            if line_width + token_width > width && line_width > 0 {
                lines.push(line.trim_end().to_owned());
                line.clear();
                line_width = 0;
                if is_space {
                    continue;
                }
            }
            if is_space && line_width == 0 {
                continue;
            }
            line.push_str(token);
            line_width += token_width;
        }
        lines.push(line.trim_end().to_owned());
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// Words, runs of spaces, and single wide characters.
fn tokens(text: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = 0;
    let mut kind = None;
    for (at, c) in text.char_indices() {
        let this = if c.is_whitespace() {
            0
        } else if c.width().unwrap_or(0) > 1 {
            2
        } else {
            1
        };
        if this == 2 || kind != Some(this) || kind == Some(2) {
            if at > start {
                tokens.push(&text[start..at]);
            }
            start = at;
        }
        kind = Some(this);
    }
    if start < text.len() {
        tokens.push(&text[start..]);
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_words_and_cjk() {
        assert_eq!(
            wrap("restart the web service now", 12),
            ["restart the", "web service", "now"]
        );
        assert_eq!(
            wrap("重启应用服务并检查日志", 8),
            ["重启应用", "服务并检", "查日志"]
        );
        assert_eq!(wrap("a\n\nb", 10), ["a", "", "b"]);
        assert_eq!(wrap("", 10), [""]);
    }
}

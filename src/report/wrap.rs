//! Greedy word wrapping by display width, breaking between words and
//! between CJK characters, which have no spaces to break at.
//!
//! Text is wrapped once, in one pass: re-wrapping wrapped lines would have
//! to join them with spaces, and a space put between two Chinese characters
//! is a typo. Closing punctuation (`，。）」` and the like) never starts a
//! line and opening punctuation never ends one: each stays with the
//! character it belongs to, and when there is no room for the pair both
//! move to the next line, so that no line is ever wider than asked.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Splits `text` into lines no wider than `width` columns (a single word
/// wider than that gets a line of its own). Existing line breaks are kept;
/// a tab counts as a space.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    wrap_hanging(text, width, width)
}

/// Like [`wrap`], with the first line `first` columns wide and every later
/// one `rest`: for entries whose continuation lines are indented.
pub fn wrap_hanging(text: &str, first: usize, rest: usize) -> Vec<String> {
    let text = text.replace('\t', " ");
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        let mut line_width = 0;
        for unit in units(paragraph) {
            let width = if lines.is_empty() { first } else { rest };
            let unit_width = unit.text.width();
            if unit.is_space && line_width == 0 {
                continue;
            }
            if line_width + unit_width > width && line_width > 0 {
                lines.push(line.trim_end().to_owned());
                line.clear();
                line_width = 0;
                if unit.is_space {
                    continue;
                }
            }
            line.push_str(unit.text);
            line_width += unit_width;
        }
        lines.push(line.trim_end().to_owned());
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// Expands tabs to stops every four columns, for text shown verbatim.
pub(crate) fn expand_tabs(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut column = 0;
    for c in line.chars() {
        if c == '\t' {
            let spaces = 4 - column % 4;
            out.extend(std::iter::repeat_n(' ', spaces));
            column += spaces;
        } else {
            out.push(c);
            column += c.width().unwrap_or(0);
        }
    }
    out
}

/// A piece of text no line break may fall inside.
struct Unit<'a> {
    text: &'a str,
    is_space: bool,
}

/// Runs of spaces, and words: runs of narrow characters, or single wide
/// characters, with the closing punctuation after them and the opening
/// punctuation before them.
fn units(text: &str) -> Vec<Unit<'_>> {
    let mut units: Vec<Unit<'_>> = Vec::new();
    let mut start_of_last = 0;
    for (start, token) in tokens(text) {
        let is_space = token.chars().all(char::is_whitespace);
        let glue = !is_space
            && units.last().is_some_and(|last| {
                !last.is_space && (token.starts_with(is_closing) || last.text.ends_with(is_opening))
            });
        if glue {
            let end = start + token.len();
            if let Some(last) = units.last_mut() {
                last.text = &text[start_of_last..end];
            }
        } else {
            start_of_last = start;
            units.push(Unit {
                text: token,
                is_space,
            });
        }
    }
    units
}

/// Runs of spaces, runs of narrow characters, and single wide characters,
/// with their byte offsets.
fn tokens(text: &str) -> Vec<(usize, &str)> {
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
                tokens.push((start, &text[start..at]));
            }
            start = at;
        }
        kind = Some(this);
    }
    if start < text.len() {
        tokens.push((start, &text[start..]));
    }
    tokens
}

/// Punctuation that closes what comes before it: a line must not start
/// with it.
fn is_closing(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '！'
            | '？'
            | '）'
            | '］'
            | '｝'
            | '」'
            | '』'
            | '》'
            | '〉'
            | '】'
            | '〕'
            | '〗'
            | '〙'
            | '〛'
            | '”'
            | '’'
            | '．'
            | '…'
            | '‥'
            | '·'
            | '・'
            | '％'
            | ')'
            | ']'
            | '}'
            | ','
            | '.'
            | ';'
            | ':'
            | '!'
            | '?'
            | '%'
    )
}

/// Punctuation that opens what comes after it: a line must not end with
/// it.
fn is_opening(c: char) -> bool {
    matches!(
        c,
        '（' | '［'
            | '｛'
            | '「'
            | '『'
            | '《'
            | '〈'
            | '【'
            | '〔'
            | '〖'
            | '〘'
            | '〚'
            | '“'
            | '‘'
            | '('
            | '['
            | '{'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn hanging_lines_are_wrapped_once_without_spaces_between_cjk() {
        let lines = wrap_hanging("检查：重启应用服务并检查日志是否正常", 10, 8);
        assert_eq!(lines, ["检查：重启", "应用服务", "并检查日", "志是否正", "常"]);
        assert_eq!(lines.concat(), "检查：重启应用服务并检查日志是否正常");
        assert_eq!(
            wrap_hanging("restart the web service now", 12, 8),
            ["restart the", "web", "service", "now"]
        );
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        // "务。" does not fit: "务" goes down with "。" rather than "。" alone.
        assert_eq!(wrap("重启服务。检查", 8), ["重启服", "务。检查"]);
        assert_eq!(
            wrap("先停写入（立即）。再查", 8),
            ["先停写入", "（立", "即）。再", "查"]
        );
        // Opening punctuation never ends one.
        assert_eq!(wrap("查看「日志」", 6), ["查看", "「日", "志」"]);
        assert_eq!(wrap("重启 (nginx)。", 8), ["重启", "(nginx)。"]);
        // Width is never exceeded, even by punctuation (but for a unit wider
        // than the width, which gets a line of its own like a long word).
        for width in 6..20 {
            for line in wrap("数据被删除或损坏（多为误操作）：停止写入，确定丢失范围。", width)
            {
                assert!(line.width() <= width, "{line:?} at {width}");
                assert!(!line.starts_with(is_closing), "{line:?} at {width}");
            }
        }
    }

    #[test]
    fn a_tab_is_a_space() {
        assert_eq!(wrap("a\tb", 10), ["a b"]);
        assert_eq!(wrap("aaaa\tbbbb", 6), ["aaaa", "bbbb"]);
        assert_eq!(expand_tabs("\tx\ty"), "    x   y");
        assert_eq!(expand_tabs("重\tx"), "重  x");
    }
}

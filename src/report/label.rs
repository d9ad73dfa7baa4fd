//! The words the renderers put around a runbook's own text, in the display
//! language: Chinese for `zh`, English for everything else. The model keeps
//! only the keys a runbook writes; what an operator reads is chosen here.

use crate::model::{Branch, Lang};

/// A label in the display language.
pub(super) fn label(lang: &Lang, en: &'static str, zh: &'static str) -> &'static str {
    if lang.primary() == "zh" { zh } else { en }
}

/// The label drawn on a branch, `None` for the plain next step. Unsanitized:
/// an option's label is runbook text.
pub fn branch_label(branch: &Branch<'_>, lang: &Lang) -> Option<String> {
    let pick = |en, zh| Some(label(lang, en, zh).to_owned());
    match branch {
        Branch::Next => None,
        Branch::Failed => pick("on failure", "失败时"),
        Branch::Yes => pick("yes", "是"),
        Branch::No => pick("no", "否"),
        Branch::Option(text) => Some(text.get(lang).to_owned()),
        Branch::AnyTicked => pick("any ticked", "任一勾选"),
    }
}

/// A duration as the runbook wrote it (`1h`, `30s`, `6 months`), in the
/// reader's language: Chinese units for zh (`1 小时`, `30 秒`, `6 个月`);
/// as written otherwise, or when a unit is not one of the known ones.
pub(super) fn duration(text: &str, lang: &Lang) -> String {
    if lang.primary() != "zh" {
        return text.to_owned();
    }
    let unit = |unit: &str| {
        Some(match unit {
            "s" | "sec" | "secs" | "second" | "seconds" => "秒",
            "m" | "min" | "mins" | "minute" | "minutes" => "分钟",
            "h" | "hr" | "hrs" | "hour" | "hours" => "小时",
            "d" | "day" | "days" => "天",
            "w" | "week" | "weeks" => "周",
            "M" | "month" | "months" => "个月",
            "y" | "year" | "years" => "年",
            _ => return None,
        })
    };
    let mut parts = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return text.to_owned();
        }
        let (number, after) = rest.split_at(digits);
        let after = after.trim_start();
        let letters = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let Some(word) = unit(&after[..letters]) else {
            return text.to_owned();
        };
        parts.push(format!("{number} {word}"));
        rest = after[letters..].trim_start();
    }
    if parts.is_empty() {
        text.to_owned()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Text;

    #[test]
    fn branch_labels_in_both_languages() {
        let zh = Lang::parse("zh-CN").unwrap();
        let en = Lang::english();
        assert_eq!(branch_label(&Branch::Next, &en), None);
        assert_eq!(branch_label(&Branch::Failed, &en).as_deref(), Some("on failure"));
        assert_eq!(branch_label(&Branch::Failed, &zh).as_deref(), Some("失败时"));
        assert_eq!(branch_label(&Branch::AnyTicked, &zh).as_deref(), Some("任一勾选"));
        let text = Text::Plain("Fixed".into());
        assert_eq!(
            branch_label(&Branch::Option(&text), &zh).as_deref(),
            Some("Fixed")
        );
    }

    #[test]
    fn durations_read_in_chinese_for_zh_and_as_written_otherwise() {
        let zh = Lang::parse("zh").unwrap();
        for (text, shown) in [
            ("1h", "1 小时"),
            ("30s", "30 秒"),
            ("1h30m", "1 小时 30 分钟"),
            ("6 months", "6 个月"),
            ("2w", "2 周"),
            ("1d", "1 天"),
            ("1 fortnight", "1 fortnight"),
        ] {
            assert_eq!(duration(text, &zh), shown, "{text}");
        }
        assert_eq!(duration("1h30m", &Lang::english()), "1h30m");
    }
}

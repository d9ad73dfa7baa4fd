//! The words the renderers put around a runbook's own text, in the display
//! language: Chinese for `zh`, English for everything else. The model keeps
//! only the keys a runbook writes; what an operator reads is chosen here.

use crate::i18n::Msg;
use crate::model::{Branch, Lang};

/// The label drawn on a branch, `None` for the plain next step. Unsanitized:
/// an option's label is runbook text.
pub fn branch_label(branch: &Branch<'_>, lang: &Lang) -> Option<String> {
    let pick = |msg| Some(crate::i18n::tr(lang, msg).to_owned());
    match branch {
        Branch::Next => None,
        Branch::Failed => pick(Msg::BranchFailed),
        Branch::Yes => pick(Msg::AnswerYes),
        Branch::No => pick(Msg::AnswerNo),
        Branch::Option(text) => Some(text.get(lang).to_owned()),
        Branch::AnyTicked => pick(Msg::BranchAnyTicked),
    }
}

/// A duration as the runbook wrote it, in the reader's language
/// ([`crate::i18n::period`]).
pub(super) fn duration(text: &str, lang: &Lang) -> String {
    crate::i18n::period(lang, text)
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

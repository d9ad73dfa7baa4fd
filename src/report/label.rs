//! The words the renderers put around a runbook's own text, in the display
//! language: Chinese for `zh`, English for everything else. The model keeps
//! only the keys a runbook writes; what an operator reads is chosen here.

use crate::i18n::Msg;
use crate::model::{Branch, Lang, Timer};

/// How a repeating timer repeats, and the level it waits for, as a phrase
/// to follow its first firing: `, then every 30 m while sev1 or more
/// severe`; `None` for a one-shot timer without a severity gate.
/// Unsanitized: a level is runbook text.
pub fn repeat(timer: &Timer, lang: &Lang) -> Option<String> {
    let every = timer.every.as_ref().map(|every| {
        let every = crate::i18n::period(lang, &every.value.text);
        crate::tr!(lang, RThenEvery, every = every)
    });
    let level = timer
        .while_severity
        .as_ref()
        .map(|level| crate::tr!(lang, RWhileSeverity, level = level.value));
    (every.is_some() || level.is_some())
        .then(|| format!("{}{}", every.unwrap_or_default(), level.unwrap_or_default()))
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Text;

    #[test]
    fn repeats_in_both_languages() {
        let plan = r#"schema = 1
title = "T"
[contacts.boss]
role = "Boss"
[timers.progress]
after = "1h"
every = "30m"
while_severity = "sev1"
until = "back"
notify = ["boss"]
[[steps]]
id = "a"
kind = "instruction"
title = "A"
milestone = "back"
[[steps]]
id = "z"
kind = "end"
title = "Z"
"#;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let source = crate::load::Source::new("t.toml", crate::load::Origin::Builtin, plan);
        let runbook = crate::load::load(source, today).runbook.unwrap();
        let timer = &runbook.timers[0];
        let zh = Lang::parse("zh-CN").unwrap();
        assert_eq!(
            repeat(timer, &Lang::english()).as_deref(),
            Some(", then every 30m while sev1 or more severe")
        );
        assert_eq!(
            repeat(timer, &zh).as_deref(),
            Some("，此后每 30 分钟一次（仅当级别为 sev1 或更高时）")
        );
    }

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
            assert_eq!(crate::i18n::period(&zh, text), shown, "{text}");
        }
        assert_eq!(crate::i18n::period(&Lang::english(), "1h30m"), "1h30m");
    }
}

//! The words `runbook` itself says, in each display language. The keys
//! ([`Msg`]) are kept by area, one module each (`prompts`, `walk`,
//! `listings`, `errors`, …): an area writes each key with its English, then
//! its Chinese in one exhaustive match.
//!
//! A runbook's own text carries its languages with it ([`Text`]); this
//! module holds everything else a person reads: prompts, the lines a walk
//! prints, notification texts, report headings, listings. Chinese for a
//! `zh` display language, English for every other. It also reads back in
//! the display language the few words the journal keeps in English (the
//! walk's own reasons, outcomes, states), so that the journal and records
//! stay the same whatever language they were written in.
//!
//! Errors, hints and warnings are written in the display language where
//! they are made, and an error a command returns prints its `error:` and
//! `hint:` in it too ([`crate::error::Error::in_lang`]). The layers below
//! the commands (journal, archive, records, mirrors, signing key) return
//! typed errors whose `Display` is English; their `in_lang` says them
//! through this catalogue. What fails before
//! the language is known stays English: flags clap refuses, a config that
//! cannot be read, a `--lang` that is no language. So do the loader's
//! diagnostics (`validate`, a runbook that does not load), which are for
//! runbook authors, and what commands, servers and the system said
//! (stderr, an I/O error's words), which are quoted as they were. The
//! journal keeps English; [`reason`] reads back in the display language
//! the walk's own reasons, a refused destination and a notifier's failure.
//!
//! Why a table module rather than a catalogue crate (`rust-i18n`,
//! Fluent): the keys are a Rust enum, so a key missing from a language is a
//! compile error (each language of each area is one exhaustive `match`), not a string
//! found missing at run time; there is no file to load, no global locale
//! and no lookup hidden behind a string key; and neither language needs
//! plural rules, the one thing Fluent would add. A placeholder is written
//! `{name}` and filled by [`fill`] (or [`tr!`](crate::tr) with values); a
//! test checks that both languages use the same placeholders and that no
//! entry is empty.
//!
//! Depends on [`crate::model`] only; every layer above the model may use
//! it. It never touches a terminal, and prints nothing.
//!
//! [`Text`]: crate::model::Text

/// Defines an area's keys (`Key`), the English words of each, and one
/// constant of [`Msg`] per key (`Msg::Done`), so that a key is named the
/// same whatever its area. Two areas with the same key do not build.
macro_rules! area {
    ($area:ident; $($key:ident => $text:literal,)+) => {
        /// The keys of this area.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(clippy::upper_case_acronyms, clippy::enum_variant_names)]
        pub enum Key {
            $($key,)+
        }

        impl Key {
            /// Every key of this area, for the tests of both catalogues.
            #[cfg(test)]
            pub(super) const ALL: &'static [Key] = &[$(Key::$key,)+];
        }

        #[allow(non_upper_case_globals)]
        impl super::Msg {
            $(pub const $key: super::Msg = super::Msg::$area(Key::$key);)+
        }

        pub(super) fn en(key: Key) -> &'static str {
            match key {
                $(Key::$key => $text,)+
            }
        }
    };
}

mod errors;
mod json;
mod listings;
mod prompts;
mod read_back;
mod report_labels;
mod report_lines;
mod storage;
mod walk;

/// A thing `runbook` says; its words come from the catalogue of its area.
/// Name a key as `Msg::Done`, whatever its area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Msg {
    /// Prompts, choices and menus of the walk at a terminal.
    Prompts(prompts::Key),
    /// Labels and headings of reports and of `show`.
    ReportLabels(report_labels::Key),
    /// What a walk prints and journals.
    Walk(walk::Key),
    /// The lines of a report's timeline and draft.
    ReportLines(report_lines::Key),
    /// Listings and what commands report.
    Listings(listings::Key),
    /// Errors, hints and warnings.
    Errors(errors::Key),
    /// What goes wrong with journals, archives, records and keys.
    Storage(storage::Key),
}

impl Msg {
    /// Every key of every area.
    #[cfg(test)]
    fn all() -> impl Iterator<Item = Msg> {
        prompts::Key::ALL
            .iter()
            .map(|&key| Msg::Prompts(key))
            .chain(report_labels::Key::ALL.iter().map(|&key| Msg::ReportLabels(key)))
            .chain(walk::Key::ALL.iter().map(|&key| Msg::Walk(key)))
            .chain(report_lines::Key::ALL.iter().map(|&key| Msg::ReportLines(key)))
            .chain(listings::Key::ALL.iter().map(|&key| Msg::Listings(key)))
            .chain(errors::Key::ALL.iter().map(|&key| Msg::Errors(key)))
            .chain(storage::Key::ALL.iter().map(|&key| Msg::Storage(key)))
    }
}

/// The English words of `msg`.
fn en_text(msg: Msg) -> &'static str {
    match msg {
        Msg::Prompts(key) => prompts::en(key),
        Msg::ReportLabels(key) => report_labels::en(key),
        Msg::Walk(key) => walk::en(key),
        Msg::ReportLines(key) => report_lines::en(key),
        Msg::Listings(key) => listings::en(key),
        Msg::Errors(key) => errors::en(key),
        Msg::Storage(key) => storage::en(key),
    }
}

/// The Chinese words of `msg`.
fn zh_text(msg: Msg) -> &'static str {
    match msg {
        Msg::Prompts(key) => prompts::zh(key),
        Msg::ReportLabels(key) => report_labels::zh(key),
        Msg::Walk(key) => walk::zh(key),
        Msg::ReportLines(key) => report_lines::zh(key),
        Msg::Listings(key) => listings::zh(key),
        Msg::Errors(key) => errors::zh(key),
        Msg::Storage(key) => storage::zh(key),
    }
}

pub use json::{JsonProblem, cannot, file_action};
pub use read_back::{destination_why, note, reason};

use crate::model::{Lang, Outcome, StepResult, short_span};
use std::fmt::Display;

/// Whether `lang` reads the Chinese catalogue.
pub fn is_zh(lang: &Lang) -> bool {
    lang.primary() == "zh"
}

/// The words of `msg` in `lang`, placeholders left as written.
pub fn tr(lang: &Lang, msg: Msg) -> &'static str {
    if is_zh(lang) { zh_text(msg) } else { en_text(msg) }
}

/// The words of `msg` in `lang`, each `{name}` replaced by its value in
/// `args`. A placeholder without a value is left as written.
pub fn fill(lang: &Lang, msg: Msg, args: &[(&str, &dyn Display)]) -> String {
    let template = tr(lang, msg);
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name = after.find('}').map(|close| &after[..close]);
        match name.and_then(|name| args.iter().find(|(key, _)| *key == name)) {
            Some((name, value)) => {
                out.push_str(&value.to_string());
                rest = &after[name.len() + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A span of seconds, short: `2h05m` ([`short_span`]); in Chinese units
/// for `zh` (`2小时05分`).
pub fn span(lang: &Lang, seconds: i64) -> String {
    let short = short_span(seconds);
    if !is_zh(lang) {
        return short;
    }
    let mut out = String::new();
    for c in short.chars() {
        match c {
            'd' => out.push('天'),
            'h' => out.push_str("小时"),
            'm' => out.push('分'),
            's' => out.push('秒'),
            c => out.push(c),
        }
    }
    out
}

/// A duration as the runbook wrote it (`1h`, `30s`, `6 months`), in the
/// reader's language: Chinese units for zh (`1 小时`, `30 秒`, `6 个月`);
/// as written otherwise, or when a unit is not one of the known ones.
pub fn period(lang: &Lang, text: &str) -> String {
    if !is_zh(lang) {
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

/// A step's result as a word: done, failed, skipped.
pub fn result(lang: &Lang, result: StepResult) -> &'static str {
    match result {
        StepResult::Done => tr(lang, Msg::ResultDone),
        StepResult::Failed => tr(lang, Msg::ResultFailed),
        StepResult::Skipped => tr(lang, Msg::ResultSkipped),
    }
}

/// How an incident ended, as a word: resolved, handed over, …
pub fn outcome(lang: &Lang, outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Resolved => tr(lang, Msg::OutcomeResolved),
        Outcome::HandedOver => tr(lang, Msg::OutcomeHandedOver),
        Outcome::Escalated => tr(lang, Msg::OutcomeEscalated),
        Outcome::Aborted => tr(lang, Msg::OutcomeAborted),
    }
}

/// How an incident ended, as the walk's last line says it: in English the
/// outcome's own name (`handed-over`, as the record writes it), in
/// Chinese the word.
pub fn outcome_name(lang: &Lang, ended: Outcome) -> &'static str {
    if is_zh(lang) {
        outcome(lang, ended)
    } else {
        ended.name()
    }
}

/// What a decision answered, as the journal names it (`run`, `retry`,
/// `notified`, `timer-offer`, `unfinished`), in `lang`.
pub fn question<'a>(lang: &Lang, question: &'a str) -> &'a str {
    let msg = match question {
        "run" => Msg::QuestionRun,
        "retry" => Msg::QuestionRetry,
        "notified" => Msg::QuestionNotified,
        "timer-offer" => Msg::QuestionTimerOffer,
        "unfinished" => Msg::QuestionUnfinished,
        _ => return question,
    };
    tr(lang, msg)
}

/// How an incident stands, as listings name it in their JSON (`running`,
/// `paused`, `handed-over`, `never started`, …), in `lang`.
pub fn state<'a>(lang: &Lang, state: &'a str) -> &'a str {
    let msg = match state {
        "running" => Msg::StateRunning,
        "interrupted" => Msg::StateInterrupted,
        "paused" => Msg::StatePaused,
        "failed" => Msg::StateFailed,
        "resolved" => Msg::StateResolved,
        "handed-over" => Msg::StateHandedOver,
        "escalated" => Msg::StateEscalated,
        "aborted" => Msg::StateAborted,
        "starting" => Msg::StateStarting,
        "never started" => Msg::StateNeverStarted,
        "unreadable" => Msg::StateUnreadable,
        _ => return state,
    };
    tr(lang, msg)
}

/// The way a notification went: a notifier's name as configured, or
/// `by-hand` (a person made the call), which reads in `lang`.
pub fn via<'a>(lang: &Lang, via: &'a str) -> &'a str {
    match via {
        "by-hand" => tr(lang, Msg::ViaByHand),
        via => via,
    }
}

/// `tr!(lang, Key)` is [`tr`]; `tr!(lang, Key, name = value, …)` is
/// [`fill`] with those values.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $key:ident) => {
        $crate::i18n::tr($lang, $crate::i18n::Msg::$key)
    };
    ($lang:expr, $key:ident, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::fill(
            $lang,
            $crate::i18n::Msg::$key,
            &[$((stringify!($name), &$value as &dyn ::std::fmt::Display)),+],
        )
    };
}

/// The `{name}` placeholders of a template, sorted.
#[cfg(test)]
fn placeholders(template: &str) -> Vec<&str> {
    let mut names: Vec<&str> = template
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
        .collect();
    names.sort_unstable();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_words_in_both_languages_with_the_same_placeholders() {
        // Both catalogues are exhaustive matches over `Msg`: a key missing
        // from either does not compile. What the compiler cannot see:
        for msg in Msg::all() {
            let (en, zh) = (en_text(msg), zh_text(msg));
            assert!(!en.trim().is_empty(), "{msg:?} is empty in English");
            assert!(!zh.trim().is_empty(), "{msg:?} is empty in Chinese");
            assert_eq!(placeholders(en), placeholders(zh), "{msg:?}: {en:?} vs {zh:?}");
        }
    }

    #[test]
    fn chinese_entries_are_chinese() {
        // An entry copied over untranslated would read as English on a zh
        // screen. Punctuation-only and symbol entries are the exception.
        for msg in Msg::all() {
            let zh = zh_text(msg);
            let has_letters = zh.chars().any(|c| c.is_ascii_alphabetic());
            let has_han = zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            let stripped: String = zh
                .split('{')
                .map(|part| part.split_once('}').map_or(part, |(_, rest)| rest))
                .collect();
            let letters_outside = stripped.chars().any(|c| c.is_ascii_alphabetic());
            assert!(
                has_han || !has_letters || !letters_outside || ALLOWED_LATIN.contains(&msg),
                "{msg:?} reads as English in Chinese: {zh:?}"
            );
        }
    }

    /// Entries whose Chinese keeps Latin letters on purpose (a unit, a
    /// product word, or a word scripts look for, such as `verify`'s
    /// `FAILED`).
    const ALLOWED_LATIN: &[Msg] = &[Msg::VerifyFailedLine];

    #[test]
    fn spans_and_the_walks_own_reasons_read_in_chinese_and_stay_english_otherwise() {
        let (en, zh) = (Lang::english(), Lang::parse("zh_CN.UTF-8").unwrap());
        assert_eq!(span(&en, 3900), "1h05m");
        assert_eq!(span(&zh, 3900), "1小时05分");
        assert_eq!(span(&zh, 86_400 * 2 + 3600 * 3), "2天3小时");
        assert_eq!(reason(&en, "paused by the operator"), "paused by the operator");
        assert_eq!(reason(&zh, "paused by the operator"), "操作员暂停");
        assert_eq!(
            reason(&zh, "the command of step `df` failed"),
            "步骤 `df` 的命令失败"
        );
        // A person's words, or an error, are left as they are.
        assert_eq!(reason(&zh, "disk full"), "disk full");
        assert_eq!(
            reason(&zh, "step `a` b` was marked failed"),
            "step `a` b` was marked failed"
        );
        assert_eq!(
            destination_why(&zh, "names the user `-x`, which is not a user name"),
            "用户 `-x` 不是用户名"
        );
        assert_eq!(destination_why(&zh, "is empty"), "为空");
        assert_eq!(reason(&zh, "exit 1: mail: no route"), "退出码 1：mail: no route");
        assert_eq!(reason(&zh, "HTTP 500"), "HTTP 500 错误");
        assert_eq!(reason(&en, "exit 1: mail: no route"), "exit 1: mail: no route");
        assert_eq!(
            reason(
                &zh,
                "`on = \"{{host}}\"` gives `-o`, which starts with `-`, which ssh would read as an option; \
                 nothing was run; a variable keeps its value: abort this incident and start it again with \
                 `--var host=HOST` (or `local` for this machine)"
            ),
            "`on = \"{{host}}\"` 得到 `-o`，它以 `-` 开头，ssh 会把它当作选项；什么也没有运行；\
             变量一经设定不能更改：请中止本事件，并用 `--var host=HOST`（本机用 `local`）重新开始"
        );
        assert_eq!(destination_why(&en, "is empty"), "is empty");
        assert_eq!(outcome_name(&en, Outcome::HandedOver), "handed-over");
        assert_eq!(outcome_name(&zh, Outcome::HandedOver), "已移交");
        assert_eq!(state(&zh, "never started"), "未能启动");
        assert_eq!(
            reason(
                &zh,
                "web1 was not reached: cannot start the command: No such file or directory"
            ),
            "未能连上 web1：无法启动命令：No such file or directory"
        );
        assert_eq!(
            reason(
                &zh,
                "a was not reached: ssh said no\nb was not reached: ssh said no"
            ),
            "未能连上 a：ssh said no\n未能连上 b：ssh said no"
        );
        assert_eq!(
            reason(&en, "cannot start the command: No such file or directory"),
            "cannot start the command: No such file or directory"
        );
        assert_eq!(
            note(
                &zh,
                "going on with a changed runbook: sha256 ab12 at start, cd34 now"
            ),
            "按改动后的预案继续：开始时 sha256 为 ab12，现在为 cd34"
        );
        assert_eq!(
            note(&zh, "going on with a changed runbook"),
            "going on with a changed runbook"
        );
        assert_eq!(
            reason(&zh, "ssh could not reach web1: 连接被拒绝"),
            "ssh 连不上 web1：连接被拒绝"
        );
        assert_eq!(reason(&zh, "ssh could not reach web1"), "ssh 连不上 web1");
        let host_key = "the host key of web1 is not known (not in known_hosts); nothing ran there\n\
             (the keys it offers could not be read: ssh-keyscan -p 22 10.0.0.1)\n\
             compare with the fingerprint the host's owner gives (console, provider); if it is the same, run:\n\
             \x20 ssh-keyscan -p 22 10.0.0.1 >> ~/.ssh/known_hosts\n\
             then try again";
        assert_eq!(
            reason(&zh, host_key),
            "web1 的主机密钥未知（不在 known_hosts 中）；那里什么也没有运行\n\
             （无法读取它提供的密钥：ssh-keyscan -p 22 10.0.0.1）\n\
             请与主机所有者提供的指纹（控制台、服务商）核对；若一致，请运行：\n\
             \x20 ssh-keyscan -p 22 10.0.0.1 >> ~/.ssh/known_hosts\n\
             然后重试"
        );
        assert_eq!(reason(&en, host_key), host_key);
        assert_eq!(
            reason(
                &zh,
                "the host key of web 1 is not known (not in known_hosts); nothing ran there"
            ),
            "the host key of web 1 is not known (not in known_hosts); nothing ran there"
        );
        assert_eq!(
            reason(&zh, "ssh to web1 did not answer within 30 s"),
            "ssh 连接 web1 后 30 秒内没有应答"
        );
        assert_eq!(state(&zh, "something new"), "something new");
    }

    #[test]
    fn placeholders_are_filled_by_name() {
        let en = Lang::english();
        let zh = Lang::parse("zh-CN").unwrap();
        assert_eq!(
            tr!(&en, CommandExit, code = 3, seconds = "0.5"),
            "exit 3 after 0.5s"
        );
        assert_eq!(
            tr!(&zh, CommandExit, code = 3, seconds = "0.5"),
            "退出码 3，用时 0.5 秒"
        );
        // A brace not naming a value stays as it is.
        assert_eq!(fill(&en, Msg::CommandExit, &[]), "exit {code} after {seconds}s");
    }
}

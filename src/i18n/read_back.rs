//! The words the journal keeps in English (the walk's own reasons, a
//! refused destination, a notifier's failure, why a command or a host was
//! not reached, `runbook`'s own notes), read back in the display language.

use super::{Msg, en_text, fill, is_zh, period, tr};
use crate::model::Lang;
use std::borrow::Cow;

/// A reason the walk journals in English (the journal's words stay as
/// written, so that one record reads the same everywhere), in `lang` when
/// it is one of the walk's own; anything else (a person's words, an
/// error) as it is.
pub fn reason<'a>(lang: &Lang, reason: &'a str) -> Cow<'a, str> {
    let msg = match reason {
        "paused by the operator" => Msg::ReasonPausedByOperator,
        "interrupted" => Msg::ReasonInterrupted,
        "declined" => Msg::ReasonDeclined,
        "drill: skip" => Msg::ReasonDrillSkip,
        "drill: simulate-success" => Msg::ReasonDrillSimulated,
        "marked done after an interrupted run" => Msg::ReasonMarkedDone,
        "could not be reached" => Msg::ReasonUnreachable,
        "no notifier is configured: call them" => Msg::ReasonNoNotifier,
        "waiting for an answer" => Msg::ReasonWaiting,
        // Several hosts not reached: one line each.
        _ if reason.contains('\n') && is_zh(lang) => {
            let lines: Vec<Cow<str>> = reason.lines().map(|line| self::reason(lang, line)).collect();
            return Cow::Owned(lines.join("\n"));
        }
        _ => {
            return step_reason(lang, reason)
                .or_else(|| command_reason(lang, reason))
                .or_else(|| refused_reason(lang, reason))
                .or_else(|| delivery_error(lang, reason))
                .map_or(Cow::Borrowed(reason), Cow::Owned);
        }
    };
    Cow::Borrowed(tr(lang, msg))
}

/// The English of `msg` around its one placeholder `{name}`: what comes
/// before it and after it.
fn english_around(msg: Msg, name: &str) -> (&'static str, &'static str) {
    let template = en_text(msg);
    let placeholder = format!("{{{name}}}");
    match template.find(&placeholder) {
        Some(at) => (&template[..at], &template[at + placeholder.len()..]),
        None => (template, ""),
    }
}

/// Why a command did not run, as the walk journals it (the first line of
/// its output, or why its step failed): "cannot start the command: …",
/// "web1 was not reached: …". What the system said stays as it said it.
fn command_reason(lang: &Lang, reason: &str) -> Option<String> {
    if !is_zh(lang) {
        return None;
    }
    let (before, after) = english_around(Msg::CannotStartCommand, "error");
    if let Some(error) = reason
        .strip_prefix(before)
        .and_then(|rest| rest.strip_suffix(after))
    {
        return Some(fill(lang, Msg::CannotStartCommand, &[("error", &error)]));
    }
    let ssh = [(Msg::SshCannotStart, "error"), (Msg::SshCouldNotReach, "on")];
    for (msg, name) in ssh {
        let (before, after) = english_around(msg, name);
        if let Some(value) = reason
            .strip_prefix(before)
            .and_then(|rest| rest.strip_suffix(after))
            && !value.contains('\n')
            && (name != "on" || !value.contains([' ', ':']))
        {
            return Some(fill(lang, msg, &[(name, &value)]));
        }
    }
    // What ssh said stays as it said it; the lines runbook adds after it
    // (about a jump host) are left as they are.
    if let Some(rest) = reason.strip_prefix(english_around(Msg::SshCouldNotReachSaid, "on").0)
        && let Some((on, said)) = rest.split_once(": ")
        && !on.contains(' ')
    {
        return Some(fill(
            lang,
            Msg::SshCouldNotReachSaid,
            &[("on", &on), ("said", &said)],
        ));
    }
    if let Some(rest) = reason.strip_prefix(english_around(Msg::SshNoAnswer, "on").0)
        && let Some((on, seconds)) = rest.split_once(" did not answer within ")
        && let Some(seconds) = seconds.strip_suffix(" s")
    {
        return Some(fill(
            lang,
            Msg::SshNoAnswer,
            &[("on", &on), ("seconds", &seconds)],
        ));
    }
    // The lines of what ssh could not do, and what to do about a host key.
    let lines = [
        Msg::SshThroughJump,
        Msg::HostKeyChanged,
        Msg::HostKeyUnknown,
        Msg::HostKeyOffers,
        Msg::HostKeysUnread,
        Msg::HostKeyCompare,
        Msg::HostKeyThenTryAgain,
    ];
    if let Some(said) = lines.iter().find_map(|&msg| matching(lang, msg, reason)) {
        return Some(said);
    }
    let (_, middle) = english_around(Msg::HostNotReached, "on");
    let middle = middle.strip_suffix("{why}")?;
    let (on, why) = reason.split_once(middle)?;
    (!on.is_empty() && !on.contains(' ')).then(|| {
        fill(
            lang,
            Msg::HostNotReached,
            &[("on", &on), ("why", &self::reason(lang, why))],
        )
    })
}

/// `text` in `lang` when it is the English of `msg` with values that hold
/// no space (a host, a port): each placeholder is matched up to the
/// literal text after it.
fn matching(lang: &Lang, msg: Msg, text: &str) -> Option<String> {
    let template = en_text(msg);
    let mut values: Vec<(&str, &str)> = Vec::new();
    let (mut template_rest, mut rest) = (template, text);
    loop {
        let Some(open) = template_rest.find('{') else {
            return (template_rest == rest).then(|| {
                let args: Vec<(&str, &dyn std::fmt::Display)> = values
                    .iter()
                    .map(|(name, value)| (*name, value as &dyn std::fmt::Display))
                    .collect();
                fill(lang, msg, &args)
            });
        };
        rest = rest.strip_prefix(&template_rest[..open])?;
        let close = template_rest[open..].find('}')? + open;
        let name = &template_rest[open + 1..close];
        template_rest = &template_rest[close + 1..];
        let until = template_rest.find('{').unwrap_or(template_rest.len());
        let literal = &template_rest[..until];
        let end = if literal.is_empty() {
            rest.len()
        } else {
            rest.find(literal)?
        };
        let value = &rest[..end];
        if value.is_empty() || value.contains(' ') {
            return None;
        }
        // A placeholder named twice holds the same value each time.
        if values
            .iter()
            .any(|(seen, known)| *seen == name && *known != value)
        {
            return None;
        }
        values.push((name, value));
        rest = &rest[end..];
    }
}

/// A note `runbook` journals itself (in English, as the journal keeps
/// it), in `lang`; a person's note as it is.
pub fn note<'a>(lang: &Lang, text: &'a str) -> Cow<'a, str> {
    if !is_zh(lang) {
        return Cow::Borrowed(text);
    }
    let (before, rest) = english_around(Msg::ChangedRunbookNote, "then");
    let (middle, after) = rest.split_once("{now}").unwrap_or((rest, ""));
    let found = text
        .strip_prefix(before)
        .and_then(|rest| rest.strip_suffix(after))
        .and_then(|rest| rest.split_once(middle));
    match found {
        Some((then, now)) if !then.contains(' ') && !now.contains(' ') => Cow::Owned(fill(
            lang,
            Msg::ChangedRunbookNote,
            &[("then", &then), ("now", &now)],
        )),
        _ => Cow::Borrowed(text),
    }
}

/// The walk's reasons that name a step: "step `check` was marked failed".
fn step_reason(lang: &Lang, reason: &str) -> Option<String> {
    if !is_zh(lang) {
        return None;
    }
    let patterns = [
        ("step `", "` was marked failed", Msg::ReasonMarkedFailed),
        ("the command of step `", "` failed", Msg::ReasonCommandFailed),
        ("step `", "` has nowhere to go", Msg::ReasonNowhereToGo),
        ("step `", "` needs a note with its answer", Msg::ReasonNeedsNote),
        ("waiting for an answer to step `", "`", Msg::ReasonWaitingAt),
    ];
    patterns.iter().find_map(|(before, after, msg)| {
        let step = reason.strip_prefix(before)?.strip_suffix(after)?;
        (!step.contains('`')).then(|| fill(lang, *msg, &[("step", &step)]))
    })
}

/// Why a value is not a destination `ssh` may be given, as
/// [`crate::model::destination`] says it (in English, as the journal keeps
/// it), in `lang`; a reason not known here as it is.
pub fn destination_why<'a>(lang: &Lang, why: &'a str) -> Cow<'a, str> {
    if !is_zh(lang) {
        return Cow::Borrowed(why);
    }
    let fixed = match why {
        "is empty" => Some(Msg::WhyEmpty),
        "starts with `-`, which ssh would read as an option" => Some(Msg::WhyDash),
        "holds `/` or brackets, which only the `ssh://[user@]host[:port]` form may" => Some(Msg::WhySlash),
        "opens `[` without closing it" => Some(Msg::WhyUnclosed),
        "holds brackets around something that is not an IPv6 address" => Some(Msg::WhyNotIpv6),
        "holds `/` or brackets where the host should be" => Some(Msg::WhySlashHost),
        "names no host" => Some(Msg::WhyNoHost),
        "names no host after `@`" => Some(Msg::WhyNoHostAfterAt),
        _ => None,
    };
    if let Some(msg) = fixed {
        return Cow::Borrowed(tr(lang, msg));
    }
    let patterns = [
        (
            "holds ",
            ": a destination is `host`, `user@host`, an ssh config alias or `ssh://[user@]host[:port]`",
            Msg::WhyHolds,
        ),
        (
            "names the host `",
            "`, which is not a host name or address",
            Msg::WhyBadHost,
        ),
        (
            "has `",
            "` after the address; a port is written `:22`",
            Msg::WhyAfterAddress,
        ),
        (
            "has the port `",
            "`, which is not a number from 1 to 65535",
            Msg::WhyBadPort,
        ),
        ("names the user `", "`, which is not a user name", Msg::WhyBadUser),
    ];
    patterns
        .iter()
        .find_map(|(before, after, msg)| {
            let value = why.strip_prefix(before)?.strip_suffix(after)?;
            let value = match value {
                "a space" => tr(lang, Msg::WhatSpace),
                "a control character" => tr(lang, Msg::WhatControl),
                "a quote" => tr(lang, Msg::WhatQuote),
                value => value,
            };
            Some(Cow::Owned(fill(lang, *msg, &[("value", &value)])))
        })
        .unwrap_or(Cow::Borrowed(why))
}

/// A refused destination, as the walk journals it: "`on = \"{host}\"`
/// gives `-x`, which starts with `-`, …; nothing was run; a variable keeps
/// its value: abort … `--var host=HOST` …".
fn refused_reason(lang: &Lang, reason: &str) -> Option<String> {
    if !is_zh(lang) {
        return None;
    }
    let rest = reason.strip_prefix("`on = \"")?;
    let (on, rest) = rest.split_once("\"` gives `")?;
    let (gives, rest) = rest.split_once("`, which ")?;
    let (why, hint) = rest.split_once("; nothing was run")?;
    let hint = if hint.is_empty() {
        String::new()
    } else if let Some(names) = hint.strip_prefix("; check the values of ") {
        fill(
            lang,
            Msg::RefusedHintVars,
            &[("names", &names.replace(", ", tr(lang, Msg::ListSeparator)))],
        )
    } else {
        let name = hint.split_once("`--var ")?.1.split_once('=')?.0;
        let english = fill(&Lang::english(), Msg::RefusedHintOneVar, &[("name", &name)]);
        if hint != english {
            return None;
        }
        fill(lang, Msg::RefusedHintOneVar, &[("name", &name)])
    };
    Some(fill(
        lang,
        Msg::RefusedDestination,
        &[
            ("on", &on),
            ("gives", &gives),
            ("why", &destination_why(lang, why)),
            ("hint", &hint),
        ],
    ))
}

/// Why a notifier could not deliver, as the notifiers say it and the
/// journal keeps it (`exit 1: …`, `HTTP 500`, `timed out after 10s`), in
/// `lang`; what a command or server said stays as it said it.
fn delivery_error(lang: &Lang, error: &str) -> Option<String> {
    if !is_zh(lang) {
        return None;
    }
    // A status, then what the command printed on stderr, if anything.
    let (head, said) = match error.split_once(": ") {
        Some((head, said)) => (head, Some(said)),
        None => (error, None),
    };
    let status = if let Some(code) = head
        .strip_prefix("exit ")
        .filter(|code| code.parse::<i32>().is_ok())
    {
        fill(lang, Msg::DeliveryExit, &[("code", &code)])
    } else if let Some(signal) = head
        .strip_prefix("killed by signal ")
        .filter(|signal| signal.parse::<i32>().is_ok())
    {
        fill(lang, Msg::DeliveryKilled, &[("signal", &signal)])
    } else if head == "ended with an unknown status" {
        tr(lang, Msg::DeliveryUnknownStatus).to_owned()
    } else if head == "could not start sh" {
        tr(lang, Msg::DeliveryCouldNotStartSh).to_owned()
    } else if head == "the notifier panicked" && said.is_none() {
        return Some(tr(lang, Msg::DeliveryPanicked).to_owned());
    } else if let Some(after) = error
        .strip_prefix("timed out after ")
        .filter(|after| !after.contains(' '))
    {
        return Some(fill(
            lang,
            Msg::DeliveryTimedOut,
            &[("after", &period(lang, after))],
        ));
    } else if let Some(rest) = error.strip_prefix("HTTP ") {
        return Some(match rest.split_once("; the server said: ") {
            Some((status, body)) => fill(
                lang,
                Msg::DeliveryHttpSaid,
                &[("status", &status), ("body", &body)],
            ),
            None => fill(lang, Msg::DeliveryHttp, &[("status", &rest)]),
        });
    } else if let Some((format, rest)) = error.split_once(" refused the message: ") {
        return Some(fill(
            lang,
            Msg::DeliveryRefused,
            &[("format", &format), ("answer", &rest)],
        ));
    } else {
        return None;
    };
    Some(match said {
        Some(said) => fill(lang, Msg::DeliverySaid, &[("status", &status), ("said", &said)]),
        None => status,
    })
}

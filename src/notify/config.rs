//! The `[[notifiers]]` tables of the config file, and their validation.
//!
//! This file owns the shape of a notifier's configuration and the checks
//! that can be made before anything is sent: names, URLs, durations,
//! headers. It must not start processes or open connections, and no message
//! it produces may show more of a webhook URL than its scheme and host,
//! since tokens live in the path (Slack, Feishu) or the query (DingTalk,
//! WeCom).

use serde::{Deserialize, Deserializer};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::time::Duration;

/// One `[[notifiers]]` table, told apart by its `type` key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum NotifierConfig {
    /// Runs a shell command with the message on its stdin.
    Command(CommandConfig),
    /// POSTs the message as JSON to a URL.
    Webhook(WebhookConfig),
}

/// `type = "command"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandConfig {
    /// Journaled with each delivery.
    pub name: String,
    /// Shell source run with `sh -c`; the message arrives on stdin and the
    /// subject and recipients in `RUNBOOK_*` environment variables.
    pub command: String,
    /// How long the command may run before its process group is killed.
    #[serde(default = "CommandConfig::default_timeout", deserialize_with = "duration")]
    pub timeout: Duration,
}

impl CommandConfig {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    fn default_timeout() -> Duration {
        Self::DEFAULT_TIMEOUT
    }
}

/// `type = "webhook"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Journaled with each delivery.
    pub name: String,
    /// `http://` or `https://`; it may carry an access token.
    pub url: String,
    /// The JSON the receiving service expects.
    #[serde(default)]
    pub format: WebhookFormat,
    /// How long the whole request may take, connecting included.
    #[serde(default = "WebhookConfig::default_timeout", deserialize_with = "duration")]
    pub timeout: Duration,
    /// Extra request headers, such as a token.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

impl WebhookConfig {
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    fn default_timeout() -> Duration {
        Self::DEFAULT_TIMEOUT
    }
}

/// The JSON body a webhook receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    /// `{"incident", "severity", "subject", "message", "to": [...]}`.
    #[default]
    Generic,
    /// A Slack incoming webhook: `{"text"}`.
    Slack,
    /// A DingTalk group robot: `{"msgtype": "text", "text": {"content"}}`.
    Dingtalk,
    /// A WeCom (企业微信) group robot, shaped like DingTalk's.
    Wecom,
    /// A Feishu / Lark custom bot: `{"msg_type": "text", "content": {"text"}}`.
    Feishu,
}

impl WebhookFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Generic => "generic",
            WebhookFormat::Slack => "slack",
            WebhookFormat::Dingtalk => "dingtalk",
            WebhookFormat::Wecom => "wecom",
            WebhookFormat::Feishu => "feishu",
        }
    }
}

impl fmt::Display for WebhookFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl NotifierConfig {
    pub fn name(&self) -> &str {
        match self {
            NotifierConfig::Command(config) => &config.name,
            NotifierConfig::Webhook(config) => &config.name,
        }
    }

    pub fn timeout(&self) -> Duration {
        match self {
            NotifierConfig::Command(config) => config.timeout,
            NotifierConfig::Webhook(config) => config.timeout,
        }
    }

    /// What is wrong with this one notifier, taken by itself.
    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.name().trim().is_empty() {
            problems.push("`name` is empty".to_owned());
        }
        match self {
            NotifierConfig::Command(config) => {
                if config.command.trim().is_empty() {
                    problems.push("`command` is empty".to_owned());
                }
            }
            NotifierConfig::Webhook(config) => {
                if !cfg!(feature = "webhook") {
                    problems.push(NO_WEBHOOK_SUPPORT.to_owned());
                }
                if let Err(problem) = check_url(&config.url) {
                    problems.push(problem);
                }
                for (name, value) in &config.headers {
                    if let Err(problem) = check_header(name, value) {
                        problems.push(problem);
                    }
                }
            }
        }
        problems
    }
}

/// Why a webhook cannot be used by a build without the `webhook` feature.
pub(crate) const NO_WEBHOOK_SUPPORT: &str = "this build of runbook has no webhook support \
     (it was built without the `webhook` feature); use a `command` notifier with curl instead";

/// Something wrong with one `[[notifiers]]` table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {problem}", describe(*.index, .name))]
pub struct InvalidNotifier {
    /// Where the table is in the list, from 0.
    pub index: usize,
    pub name: String,
    pub problem: String,
}

fn describe(index: usize, name: &str) -> String {
    if name.trim().is_empty() {
        format!("notifier #{}", index + 1)
    } else {
        format!("notifier {name:?}")
    }
}

/// Checks a list of notifiers: every name given and used once, every URL
/// `http://` or `https://` with a host, every header sendable. Durations
/// are checked as the config is read. Returns every problem found, in
/// the order of the list.
pub fn validate(configs: &[NotifierConfig]) -> Result<(), Vec<InvalidNotifier>> {
    let mut invalid = Vec::new();
    let mut seen = HashSet::new();
    for (index, config) in configs.iter().enumerate() {
        let name = config.name();
        let mut report = |problem: String| {
            invalid.push(InvalidNotifier {
                index,
                name: name.to_owned(),
                problem,
            })
        };
        for problem in config.problems() {
            report(problem);
        }
        if !name.trim().is_empty() && !seen.insert(name) {
            report("the name is used by an earlier notifier; names must be unique".to_owned());
        }
    }
    if invalid.is_empty() { Ok(()) } else { Err(invalid) }
}

/// Checks a webhook URL; the error shows no more of it than the scheme.
fn check_url(url: &str) -> Result<(), String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err("`url` must start with http:// or https://".to_owned());
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        // A scheme is a short word; anything else may hold a token.
        let is_scheme = scheme.len() <= 16
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        return Err(if is_scheme && !scheme.is_empty() {
            format!("`url` must start with http:// or https://, not {scheme}://")
        } else {
            "`url` must start with http:// or https://".to_owned()
        });
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("`url` contains spaces or control characters; percent-encode them".to_owned());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    if host.is_empty() || host.starts_with(':') {
        return Err("`url` has no host".to_owned());
    }
    Ok(())
}

/// Checks a header as HTTP/1.1 would send it: a token name, a value
/// without line breaks.
fn check_header(name: &str, value: &str) -> Result<(), String> {
    const SEPARATORS: &str = "()<>@,;:\\\"/[]?={} \t";
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_graphic() && !SEPARATORS.contains(b as char))
    {
        return Err(format!("header name {name:?} is not a valid HTTP header name"));
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        // The value may be a token: name the header, not the value.
        return Err(format!(
            "the value of header {name:?} contains a line break or control character"
        ));
    }
    Ok(())
}

/// The longest a notifier may take: one stuck longer is failing, and is
/// retried later; meanwhile `check` under cron must not pile up behind it.
const LONGEST_TIMEOUT: Duration = Duration::from_secs(600);

/// Reads a humantime duration (`30s`, `2m`, `1m30s`), more than zero and
/// at most [`LONGEST_TIMEOUT`]. Months and years are refused by name: `5M`
/// is five months, where five minutes were meant.
fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    if let Some(unit) = crate::model::CalendarUnit::find(&text) {
        let fix = match &unit.as_minutes {
            Some(minutes) => format!("write {:?} for minutes", minutes.trim()),
            None => "write seconds or minutes, such as \"30s\" or \"2m\"".to_owned(),
        };
        return Err(serde::de::Error::custom(format!(
            "invalid timeout {text:?}: `{}` is {}; {fix}",
            unit.term, unit.meaning
        )));
    }
    let duration = humantime::parse_duration(text.trim()).map_err(|error| {
        serde::de::Error::custom(format!(
            "invalid timeout {text:?}: {error}; write a duration such as \"10s\", \"2m\" or \"1m30s\""
        ))
    })?;
    if duration.is_zero() {
        return Err(serde::de::Error::custom(format!(
            "invalid timeout {text:?}: it must be more than zero"
        )));
    }
    if duration > LONGEST_TIMEOUT {
        return Err(serde::de::Error::custom(format!(
            "invalid timeout {text:?}: at most {}; a notification that fails is tried again later",
            humantime::format_duration(LONGEST_TIMEOUT)
        )));
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(check_url("https://example.com/x?token=1"), Ok(()));
        assert_eq!(check_url("HTTP://127.0.0.1:8080"), Ok(()));
        assert!(check_url("ftp://example.com").is_err());
        assert!(check_url("example.com/hook").is_err());
        assert!(check_url("https://").is_err());
        assert!(check_url("https:///path").is_err());
        assert!(check_url("https://user@/path").is_err());
        assert!(check_url("https://exa mple.com").is_err());
    }

    #[test]
    fn headers() {
        assert_eq!(check_header("X-Token", "abc def"), Ok(()));
        assert!(check_header("X Token", "abc").is_err());
        assert!(check_header("", "abc").is_err());
        let error = check_header("X-Token", "SECRET\r\nX-Other: 1").expect_err("line break");
        assert!(!error.contains("SECRET"), "{error}");
    }
}

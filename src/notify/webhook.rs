//! The `webhook` notifier: POSTs a message as JSON.
//!
//! This file owns the request and the JSON shapes that chat services expect
//! (generic, Slack, DingTalk, WeCom, Feishu), and reading their answers,
//! including the ones that say "failed" with HTTP 200. It must not follow
//! redirects (a POST turned into a GET would drop the message quietly), wait
//! past its timeout, or show more of the URL than its scheme and host in any
//! message: tokens live in the path or the query.

use std::time::Duration;

use serde_json::{Value, json};
use ureq::Agent;

use super::config::WebhookFormat;
use crate::engine::{Notification, Notifier};
use crate::model::Lang;

/// How much of an answer's body is read, and how much of it is shown.
const BODY_READ: u64 = 64 * 1024;
const BODY_SHOWN: usize = 200;

/// Delivers a notification with an HTTP POST.
#[derive(Debug, Clone)]
pub struct WebhookNotifier {
    name: String,
    url: String,
    format: WebhookFormat,
    timeout: Duration,
    headers: Vec<(String, String)>,
    agent: Agent,
}

impl WebhookNotifier {
    pub fn new(
        name: impl Into<String>,
        url: impl Into<String>,
        format: WebhookFormat,
        timeout: Duration,
    ) -> WebhookNotifier {
        let config = Agent::config_builder()
            .timeout_global(Some(timeout))
            // The status is read below: a 4xx or 5xx is a failed delivery
            // with a body worth showing, not a transport error.
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("runbook/", env!("CARGO_PKG_VERSION")))
            .build();
        WebhookNotifier {
            name: name.into(),
            url: url.into(),
            format,
            timeout,
            headers: Vec::new(),
            agent: Agent::new_with_config(config),
        }
    }

    /// Adds a request header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> WebhookNotifier {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The JSON body sent for `notification`.
    pub fn payload(&self, notification: &Notification<'_>) -> Value {
        let text = || format!("{}\n{}", notification.subject, notification.message);
        match self.format {
            WebhookFormat::Generic => {
                let english = Lang::english();
                let to: Vec<Value> = notification
                    .to
                    .iter()
                    .map(|contact| {
                        json!({
                            "id": contact.id.as_str(),
                            "role": contact.role.get(&english),
                            "name": contact.name,
                            "phone": contact.phone,
                            "email": contact.email,
                        })
                    })
                    .collect();
                json!({
                    "incident": notification.incident,
                    "severity": notification.severity,
                    "drill": notification.drill,
                    "subject": notification.subject,
                    "message": notification.message,
                    "to": to,
                })
            }
            WebhookFormat::Slack => json!({
                "text": format!("*{}*\n{}", notification.subject, notification.message),
            }),
            WebhookFormat::Dingtalk | WebhookFormat::Wecom => json!({
                "msgtype": "text",
                "text": { "content": text() },
            }),
            WebhookFormat::Feishu => json!({
                "msg_type": "text",
                "content": { "text": text() },
            }),
        }
    }

    fn deliver(&self, notification: &Notification<'_>) -> Result<(), String> {
        let mut request = self.agent.post(&self.url);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let mut response = request
            .send_json(self.payload(notification))
            .map_err(|error| self.transport_error(&error))?;
        let status = response.status().as_u16();
        // An unreadable body (not UTF-8, too long, cut off) still leaves
        // the status to judge by.
        let body = response
            .body_mut()
            .with_config()
            .limit(BODY_READ)
            .read_to_string()
            .unwrap_or_default();
        if !(200..300).contains(&status) {
            let body = shorten(&self.scrub(&body));
            // What the server said is quoted: a bare `HTTP 500: ok` reads
            // as if the delivery went through.
            return Err(if body.is_empty() {
                format!("HTTP {status}")
            } else {
                format!("HTTP {status}; the server said: {body:?}")
            });
        }
        self.check_answer(&body)
    }

    /// DingTalk and WeCom answer 200 with `{"errcode": N, "errmsg"}`, and
    /// Feishu with `{"code": N, "msg"}`: N other than 0 is a failure. A
    /// body that is not JSON is taken as success, since the status was.
    fn check_answer(&self, body: &str) -> Result<(), String> {
        let (code_key, message_key) = match self.format {
            WebhookFormat::Dingtalk | WebhookFormat::Wecom => ("errcode", "errmsg"),
            WebhookFormat::Feishu => ("code", "msg"),
            WebhookFormat::Generic | WebhookFormat::Slack => return Ok(()),
        };
        let Ok(answer) = serde_json::from_str::<Value>(body) else {
            return Ok(());
        };
        let code = &answer[code_key];
        let failed = match code {
            Value::Null => false,
            Value::Number(number) => number.as_i64() != Some(0),
            Value::String(text) => text.trim() != "0",
            _ => true,
        };
        if !failed {
            return Ok(());
        }
        let message = match &answer[message_key] {
            Value::String(text) => text.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        let message = shorten(&self.scrub(&message));
        let code = match code {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        Err(if message.is_empty() {
            format!("{} refused the message: {code_key} {code}", self.format)
        } else {
            format!(
                "{} refused the message: {code_key} {code}: {message}",
                self.format
            )
        })
    }

    fn transport_error(&self, error: &ureq::Error) -> String {
        match error {
            ureq::Error::Timeout(_) => {
                format!("timed out after {}", humantime::format_duration(self.timeout))
            }
            error => format!("{} ({})", self.scrub(&error.to_string()), shown_url(&self.url)),
        }
    }

    /// Takes the URL, and what follows its host, out of a text that may
    /// quote it.
    fn scrub(&self, text: &str) -> String {
        let shown = shown_url(&self.url);
        let mut text = text.replace(&self.url, &shown);
        let secret = self
            .url
            .split_once("://")
            .and_then(|(_, rest)| rest.find(['/', '?', '#']).map(|at| &rest[at..]))
            .filter(|secret| secret.len() > 1);
        if let Some(secret) = secret {
            text = text.replace(secret, "/…");
        }
        text
    }
}

impl Notifier for WebhookNotifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn send(&self, notification: &Notification<'_>) -> Result<(), String> {
        self.deliver(notification)
    }
}

/// `scheme://host[:port]` of a URL: all of it that may be shown.
fn shown_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
            format!("{scheme}://{host}")
        }
        None => "(invalid url)".to_owned(),
    }
}

/// The first [`BODY_SHOWN`] characters on one line.
fn shorten(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= BODY_SHOWN {
        text
    } else {
        let cut: String = text.chars().take(BODY_SHOWN).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_shortened_to_one_line() {
        assert_eq!(shorten("  a\n b\t c "), "a b c");
        let long = "é".repeat(BODY_SHOWN + 10);
        assert_eq!(shorten(&long).chars().count(), BODY_SHOWN + 1);
    }

    #[test]
    fn shown_urls_keep_only_scheme_and_host() {
        assert_eq!(
            shown_url("https://oapi.dingtalk.com/robot/send?access_token=SECRET"),
            "https://oapi.dingtalk.com"
        );
        assert_eq!(
            shown_url("http://user:pw@127.0.0.1:9/hook/SECRET"),
            "http://127.0.0.1:9"
        );
        assert_eq!(shown_url("nonsense SECRET"), "(invalid url)");
    }

    #[test]
    fn the_url_is_scrubbed_from_errors() {
        let notifier = WebhookNotifier::new(
            "x",
            "https://hooks.example.com/services/T0/B0/SECRET?token=SECRET2",
            WebhookFormat::Slack,
            Duration::from_secs(1),
        );
        let text = "bad uri: https://hooks.example.com/services/T0/B0/SECRET?token=SECRET2 and \
                    /services/T0/B0/SECRET?token=SECRET2";
        let scrubbed = notifier.scrub(text);
        assert!(!scrubbed.contains("SECRET"), "{scrubbed}");
        assert!(scrubbed.contains("https://hooks.example.com"), "{scrubbed}");
    }

    #[test]
    fn a_200_answer_with_an_error_code_fails() {
        let notifier =
            |format| WebhookNotifier::new("x", "http://127.0.0.1:1/", format, Duration::from_secs(1));
        let dingtalk = notifier(WebhookFormat::Dingtalk);
        assert_eq!(dingtalk.check_answer(r#"{"errcode":0,"errmsg":"ok"}"#), Ok(()));
        let error = dingtalk
            .check_answer(r#"{"errcode":310000,"errmsg":"keywords not in content"}"#)
            .expect_err("errcode");
        assert_eq!(
            error,
            "dingtalk refused the message: errcode 310000: keywords not in content"
        );
        assert_eq!(dingtalk.check_answer("ok"), Ok(()));
        let feishu = notifier(WebhookFormat::Feishu);
        assert_eq!(
            feishu.check_answer(r#"{"StatusCode":0,"StatusMessage":"success"}"#),
            Ok(())
        );
        assert_eq!(feishu.check_answer(r#"{"code":0,"msg":"success"}"#), Ok(()));
        assert!(
            feishu
                .check_answer(r#"{"code":19021,"msg":"sign match fail"}"#)
                .is_err()
        );
        let slack = notifier(WebhookFormat::Slack);
        assert_eq!(slack.check_answer(r#"{"errcode":1}"#), Ok(()));
    }
}

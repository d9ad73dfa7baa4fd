//! Notifiers through the library API: real shell commands, a real HTTP
//! server on 127.0.0.1, and the `[[notifiers]]` config tables.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use runbook::engine::{Notification, Notifier};
use runbook::model::{Contact, Located, Span, Text};
use runbook::notify::{self, CommandNotifier, Fanout, NotifierConfig, WebhookFormat};
use serde::Deserialize;

fn contact(id: &str, role: Text, name: &str, phone: &str, email: &str) -> Contact {
    Contact {
        id: Located::new(id.to_owned(), Span::NONE),
        role,
        name: name.to_owned(),
        phone: phone.to_owned(),
        email: email.to_owned(),
        notes: None,
    }
}

fn contacts() -> Vec<Contact> {
    vec![
        contact(
            "dba",
            Text::Localized(vec![
                ("zh".into(), "数据库管理员".into()),
                ("en".into(), "DBA".into()),
            ]),
            "Li Lei",
            "+86 138 0000 0000",
            "lilei@example.com",
        ),
        contact("leadership", Text::from("Leadership"), "", "", ""),
        contact(
            "vendor",
            Text::from("Vendor support"),
            "Acme",
            "",
            "support@acme.example",
        ),
    ]
}

fn notification(to: &[Contact]) -> Notification<'_> {
    Notification {
        incident: "2026-11-28-db-down",
        severity: "sev1",
        drill: false,
        subject: "[sev1] Database down".to_owned(),
        message: "The primary database is down.\nRestart attempted.".to_owned(),
        to: to.iter().collect(),
    }
}

fn quoted(path: &Path) -> String {
    let path = path.display().to_string();
    assert!(!path.contains('\''), "{path}");
    format!("'{path}'")
}

// ---- command ----

#[test]
fn command_gets_the_message_on_stdin_and_the_rest_in_env() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let script = format!(
        "OUT={}; cat > \"$OUT\"; printf '%s' \"$RUNBOOK_TO_EMAILS\" > \"$OUT.to\"; \
         printf '%s\\n' \"$RUNBOOK_SUBJECT\" \"$RUNBOOK_INCIDENT\" \"$RUNBOOK_SEVERITY\" \
         \"$RUNBOOK_TO\" \"$RUNBOOK_TO_NAMES\" \"$RUNBOOK_TO_PHONES\" > \"$OUT.env\"",
        quoted(&out)
    );
    let notifier = CommandNotifier::new("oncall-mail", script, Duration::from_secs(5));
    let to = contacts();
    assert_eq!(notifier.name(), "oncall-mail");
    assert_eq!(notifier.send(&notification(&to)), Ok(()));

    assert_eq!(
        fs::read_to_string(&out).unwrap(),
        "The primary database is down.\nRestart attempted.\n"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("out.to")).unwrap(),
        "lilei@example.com,support@acme.example"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("out.env")).unwrap(),
        "[sev1] Database down\n2026-11-28-db-down\nsev1\ndba,leadership,vendor\nLi Lei,Acme\n+86 138 0000 0000\n"
    );
}

#[test]
fn command_text_reaches_the_shell_only_as_data() {
    let dir = tempfile::tempdir().unwrap();
    let canary = dir.path().join("CANARY");
    let out = dir.path().join("subject");
    let script = format!(
        "printf '%s' \"$RUNBOOK_SUBJECT\" > {}; cat >/dev/null",
        quoted(&out)
    );
    let notifier = CommandNotifier::new("x", script, Duration::from_secs(5));
    let to = contacts();
    let mut message = notification(&to);
    message.subject = format!("$(touch {}) `touch {0}`; touch {0}", canary.display());
    assert_eq!(notifier.send(&message), Ok(()));
    assert_eq!(fs::read_to_string(&out).unwrap(), message.subject);
    assert!(!canary.exists());
}

#[test]
fn command_failure_reports_status_and_stderr() {
    let notifier = CommandNotifier::new(
        "oncall-mail",
        "cat >/dev/null; echo 'mail: starting' >&2; echo 'mail: cannot connect to relay' >&2; exit 3",
        Duration::from_secs(5),
    );
    let to = contacts();
    let error = notifier.send(&notification(&to)).unwrap_err();
    assert_eq!(error, "exit 3: mail: starting | mail: cannot connect to relay");
}

#[test]
fn command_that_cannot_be_found_fails_with_127() {
    let notifier = CommandNotifier::new("x", "no-such-mailer-xyz", Duration::from_secs(5));
    let to = contacts();
    let error = notifier.send(&notification(&to)).unwrap_err();
    assert!(error.starts_with("exit 127: "), "{error}");
    assert!(error.contains("no-such-mailer-xyz"), "{error}");
}

#[test]
fn command_that_never_reads_stdin_does_not_block() {
    let notifier = CommandNotifier::new("x", "exit 0", Duration::from_secs(5));
    let to = contacts();
    let mut message = notification(&to);
    message.message = "x".repeat(1 << 20);
    let start = Instant::now();
    assert_eq!(notifier.send(&message), Ok(()));
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
}

#[test]
fn command_leaving_a_process_that_holds_stderr_does_not_hang() {
    // `setsid` takes the sleep out of the group, so nothing kills it; it
    // keeps stderr open after the shell has exited.
    let notifier = CommandNotifier::new(
        "x",
        "setsid sleep 2 & echo 'relay down' >&2; exit 4",
        Duration::from_secs(5),
    );
    let to = contacts();
    let start = Instant::now();
    assert_eq!(
        notifier.send(&notification(&to)),
        Err("exit 4: relay down".to_owned())
    );
    assert!(
        start.elapsed() < Duration::from_millis(1500),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn command_timeout_kills_the_whole_group() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let script = format!("sleep 30 & echo $! > {}; sleep 30", quoted(&pid_file));
    let notifier = CommandNotifier::new("slow", script, Duration::from_millis(300));
    let to = contacts();
    let start = Instant::now();
    let error = notifier.send(&notification(&to)).unwrap_err();
    let elapsed = start.elapsed();
    assert_eq!(error, "timed out after 300ms");
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    let pid: u32 = fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
    assert!(
        becomes_dead(pid),
        "the background sleep {pid} outlived the timeout"
    );
}

/// Gone, or a zombie waiting for whichever init adopted it.
fn becomes_dead(pid: u32) -> bool {
    let give_up = Instant::now() + Duration::from_secs(2);
    while Instant::now() < give_up {
        let dead = fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
            stat.rsplit(')')
                .next()
                .is_some_and(|rest| rest.trim_start().starts_with(['Z', 'X']))
        });
        if dead {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

// ---- fanout ----

#[test]
fn fanout_succeeds_only_if_every_notifier_does_and_names_the_failures() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    let fanout = Fanout::new(vec![
        Box::new(CommandNotifier::new(
            "ok",
            "cat >/dev/null",
            Duration::from_secs(5),
        )),
        Box::new(CommandNotifier::new(
            "oncall-mail",
            "echo 'relay refused' >&2; exit 1",
            Duration::from_secs(5),
        )),
        Box::new(CommandNotifier::new("pager", "exit 2", Duration::from_secs(5))),
    ]);
    send_sync(&fanout);
    assert_eq!(fanout.name(), "ok+oncall-mail+pager");
    let to = contacts();
    let error = fanout.send(&notification(&to)).unwrap_err();
    assert_eq!(error, "oncall-mail: exit 1: relay refused; pager: exit 2");

    let all_ok = Fanout::new(vec![
        Box::new(CommandNotifier::new("a", "true", Duration::from_secs(5))),
        Box::new(CommandNotifier::new("b", "true", Duration::from_secs(5))),
    ]);
    assert_eq!(all_ok.send(&notification(&to)), Ok(()));
}

#[test]
fn fanout_sends_through_all_notifiers_at_once() {
    let slow = || Box::new(CommandNotifier::new("slow", "sleep 0.4", Duration::from_secs(5)));
    let fanout = Fanout::new(vec![slow(), slow(), slow()]);
    let to = contacts();
    let start = Instant::now();
    assert_eq!(fanout.send(&notification(&to)), Ok(()));
    assert!(
        start.elapsed() < Duration::from_millis(1100),
        "{:?}",
        start.elapsed()
    );
}

// ---- config ----

#[derive(Debug, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    notifiers: Vec<NotifierConfig>,
}

fn parse(toml_text: &str) -> Result<Vec<NotifierConfig>, String> {
    toml::from_str::<ConfigFile>(toml_text)
        .map(|file| file.notifiers)
        .map_err(|error| error.to_string())
}

fn problems(toml_text: &str) -> Vec<String> {
    let configs = parse(toml_text).unwrap();
    match notify::validate(&configs) {
        Ok(()) => Vec::new(),
        Err(invalid) => invalid.iter().map(ToString::to_string).collect(),
    }
}

const EXAMPLE: &str = r#"
[[notifiers]]
name = "oncall-mail"
type = "command"
command = 'mail -s "$RUNBOOK_SUBJECT" $RUNBOOK_TO_EMAILS'

[[notifiers]]
name = "dingtalk"
type = "webhook"
url = "https://oapi.dingtalk.com/robot/send?access_token=SECRET"
format = "dingtalk"
timeout = "5s"
headers = { "X-Token" = "abc" }

[[notifiers]]
name = "hook"
type = "webhook"
url = "http://127.0.0.1:9/hook"
"#;

#[test]
fn config_example_parses_with_defaults() {
    let configs = parse(EXAMPLE).unwrap();
    assert_eq!(configs.len(), 3);
    let NotifierConfig::Command(mail) = &configs[0] else {
        panic!("{:?}", configs[0])
    };
    assert_eq!(mail.name, "oncall-mail");
    assert_eq!(mail.command, r#"mail -s "$RUNBOOK_SUBJECT" $RUNBOOK_TO_EMAILS"#);
    assert_eq!(mail.timeout, Duration::from_secs(30));
    let NotifierConfig::Webhook(dingtalk) = &configs[1] else {
        panic!("{:?}", configs[1])
    };
    assert_eq!(dingtalk.format, WebhookFormat::Dingtalk);
    assert_eq!(dingtalk.timeout, Duration::from_secs(5));
    assert_eq!(dingtalk.headers.get("X-Token").map(String::as_str), Some("abc"));
    let NotifierConfig::Webhook(hook) = &configs[2] else {
        panic!("{:?}", configs[2])
    };
    assert_eq!(hook.format, WebhookFormat::Generic);
    assert_eq!(hook.timeout, Duration::from_secs(10));
    assert!(hook.headers.is_empty());

    if notify::WEBHOOK_SUPPORT {
        assert_eq!(notify::validate(&configs), Ok(()));
    }
    let fanout = notify::build(&configs).unwrap();
    assert_eq!(fanout.name(), "oncall-mail+dingtalk+hook");
    assert!(notify::build(&[]).is_none());
    assert!(parse("").unwrap().is_empty());
}

#[test]
fn config_rejects_unknown_keys_types_and_formats() {
    let error =
        parse("[[notifiers]]\nname = \"m\"\ntype = \"command\"\ncommand = \"true\"\ntimout = \"5s\"\n")
            .unwrap_err();
    assert!(error.contains("unknown field `timout`"), "{error}");

    let error = parse("[[notifiers]]\nname = \"m\"\ntype = \"sms\"\n").unwrap_err();
    assert!(error.contains("unknown variant `sms`"), "{error}");

    let error =
        parse("[[notifiers]]\nname = \"w\"\ntype = \"webhook\"\nurl = \"https://x\"\nformat = \"teams\"\n")
            .unwrap_err();
    assert!(error.contains("unknown variant `teams`"), "{error}");

    let error = parse("[[notifiers]]\nname = \"m\"\ncommand = \"true\"\n").unwrap_err();
    assert!(error.contains("type"), "{error}");

    // A command notifier has no url, a webhook no command.
    let error =
        parse("[[notifiers]]\nname = \"m\"\ntype = \"command\"\ncommand = \"true\"\nurl = \"https://x\"\n")
            .unwrap_err();
    assert!(error.contains("unknown field `url`"), "{error}");
}

#[test]
fn config_rejects_bad_durations() {
    for (timeout, expected) in [
        ("10", "invalid timeout \"10\""),
        ("soon", "invalid timeout \"soon\""),
        ("0s", "it must be more than zero"),
        ("30d", "invalid timeout \"30d\": at most 10m"),
        (
            "99999999999999999999s",
            "invalid timeout \"99999999999999999999s\": number is too large",
        ),
    ] {
        let error = parse(&format!(
            "[[notifiers]]\nname = \"m\"\ntype = \"command\"\ncommand = \"true\"\ntimeout = \"{timeout}\"\n"
        ))
        .unwrap_err();
        assert!(error.contains(expected), "{timeout}: {error}");
    }
}

#[test]
fn config_rejects_bad_urls_without_showing_tokens() {
    let found = problems(
        r#"
[[notifiers]]
name = "ftp"
type = "webhook"
url = "ftp://example.com/hook?token=SECRET"

[[notifiers]]
name = "bare"
type = "webhook"
url = "oapi.dingtalk.com/robot/send?access_token=SECRET"

[[notifiers]]
name = "nohost"
type = "webhook"
url = "https:///robot/send?access_token=SECRET"

[[notifiers]]
name = "space"
type = "webhook"
url = "https://example.com/a b?token=SECRET"
"#,
    );
    let webhook_problems: Vec<&String> = found
        .iter()
        .filter(|p| !p.contains("no webhook support"))
        .collect();
    assert_eq!(
        webhook_problems,
        [
            "notifier \"ftp\": `url` must start with http:// or https://, not ftp://",
            "notifier \"bare\": `url` must start with http:// or https://",
            "notifier \"nohost\": `url` has no host",
            "notifier \"space\": `url` contains spaces or control characters; percent-encode them",
        ]
    );
    assert!(
        found.iter().all(|problem| !problem.contains("SECRET")),
        "{found:?}"
    );
}

#[test]
fn config_rejects_empty_and_duplicate_names_and_bad_headers() {
    let found = problems(
        r#"
[[notifiers]]
name = "mail"
type = "command"
command = "true"

[[notifiers]]
name = ""
type = "command"
command = "true"

[[notifiers]]
name = "mail"
type = "command"
command = " "

[[notifiers]]
name = "hook"
type = "webhook"
url = "https://example.com/"
headers = { "X Token" = "a", "X-Secret" = "SECRET\r\nHost: evil" }
"#,
    );
    let found: Vec<&String> = found
        .iter()
        .filter(|p| !p.contains("no webhook support"))
        .collect();
    assert_eq!(
        found,
        [
            "notifier #2: `name` is empty",
            "notifier \"mail\": `command` is empty",
            "notifier \"mail\": the name is used by an earlier notifier; names must be unique",
            "notifier \"hook\": header name \"X Token\" is not a valid HTTP header name",
            "notifier \"hook\": the value of header \"X-Secret\" contains a line break or control character",
        ]
    );
}

#[cfg(not(feature = "webhook"))]
#[test]
fn webhooks_are_refused_clearly_without_the_feature() {
    let configs = parse(EXAMPLE).unwrap();
    let invalid = notify::validate(&configs).unwrap_err();
    assert_eq!(invalid.len(), 2);
    assert!(
        invalid[0].to_string().contains("no webhook support"),
        "{}",
        invalid[0]
    );
    let to = contacts();
    let error = notify::build(&configs[1..2])
        .unwrap()
        .send(&notification(&to))
        .unwrap_err();
    assert!(
        error.starts_with("dingtalk: this build of runbook has no webhook support"),
        "{error}"
    );
}

// ---- webhook ----

#[cfg(feature = "webhook")]
mod webhook {
    use super::*;
    use runbook::notify::WebhookNotifier;
    use serde_json::{Value, json};
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::mpsc;
    use std::thread::{self, JoinHandle};

    /// What the server received.
    #[derive(Debug)]
    struct Request {
        method: String,
        target: String,
        headers: Vec<(String, String)>,
        body: String,
    }

    impl Request {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.as_str())
        }

        fn json(&self) -> Value {
            serde_json::from_str(&self.body).unwrap()
        }
    }

    /// A one-request HTTP server on 127.0.0.1: reads the request, answers
    /// `status` with `body`, and stops. Gives up after a few seconds.
    fn serve_once(status: &str, body: &str) -> (String, JoinHandle<Request>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let handle = thread::spawn(move || {
            let mut stream = accept(&listener);
            let request = read_request(&mut stream);
            stream.write_all(response.as_bytes()).unwrap();
            request
        });
        (base, handle)
    }

    fn accept(listener: &TcpListener) -> TcpStream {
        listener.set_nonblocking(true).unwrap();
        let give_up = Instant::now() + Duration::from_secs(5);
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false).unwrap();
                    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                    return stream;
                }
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock && Instant::now() < give_up => {
                    thread::sleep(Duration::from_millis(5));
                }
                Err(error) => panic!("no request came: {error}"),
            }
        }
    }

    fn read_request(stream: &mut TcpStream) -> Request {
        let mut data = Vec::new();
        let mut buf = [0u8; 4096];
        let head_end = loop {
            if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                break at;
            }
            let n = stream.read(&mut buf).unwrap();
            assert!(n > 0, "connection closed before the headers ended");
            data.extend_from_slice(&buf[..n]);
        };
        let head = String::from_utf8(data[..head_end].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next().unwrap().split(' ');
        let method = request_line.next().unwrap().to_owned();
        let target = request_line.next().unwrap().to_owned();
        let headers: Vec<(String, String)> = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap();
                (name.trim().to_owned(), value.trim().to_owned())
            })
            .collect();
        let length: usize = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .map(|(_, value)| value.parse().unwrap())
            .expect("a Content-Length header");
        let mut body = data[head_end + 4..].to_vec();
        while body.len() < length {
            let n = stream.read(&mut buf).unwrap();
            assert!(n > 0, "connection closed before the body ended");
            body.extend_from_slice(&buf[..n]);
        }
        Request {
            method,
            target,
            headers,
            body: String::from_utf8(body).unwrap(),
        }
    }

    /// Sends the test notification in `format` to a server answering
    /// `status` and `body`.
    fn post(format: WebhookFormat, status: &str, body: &str) -> (Result<(), String>, Request) {
        let (base, server) = serve_once(status, body);
        let notifier = WebhookNotifier::new(
            "hook",
            format!("{base}/robot/send?access_token=SECRET"),
            format,
            Duration::from_secs(5),
        )
        .header("X-Token", "abc");
        let to = contacts();
        let result = notifier.send(&notification(&to));
        (result, server.join().unwrap())
    }

    fn assert_posted_json(request: &Request) {
        assert_eq!(request.method, "POST");
        assert_eq!(request.target, "/robot/send?access_token=SECRET");
        let content_type = request.header("content-type").unwrap();
        assert!(content_type.starts_with("application/json"), "{content_type}");
        assert_eq!(request.header("x-token"), Some("abc"));
    }

    #[test]
    fn generic_format_carries_everything() {
        let (result, request) = post(WebhookFormat::Generic, "200 OK", "");
        assert_eq!(result, Ok(()));
        assert_posted_json(&request);
        assert_eq!(
            request.json(),
            json!({
                "incident": "2026-11-28-db-down",
                "severity": "sev1",
                "drill": false,
                "subject": "[sev1] Database down",
                "message": "The primary database is down.\nRestart attempted.",
                "to": [
                    {"id": "dba", "role": "DBA", "name": "Li Lei",
                     "phone": "+86 138 0000 0000", "email": "lilei@example.com"},
                    {"id": "leadership", "role": "Leadership", "name": "", "phone": "", "email": ""},
                    {"id": "vendor", "role": "Vendor support", "name": "Acme", "phone": "",
                     "email": "support@acme.example"},
                ],
            })
        );
    }

    #[test]
    fn slack_format() {
        let (result, request) = post(WebhookFormat::Slack, "200 OK", "ok");
        assert_eq!(result, Ok(()));
        assert_posted_json(&request);
        assert_eq!(
            request.json(),
            json!({"text": "*[sev1] Database down*\nThe primary database is down.\nRestart attempted."})
        );
    }

    #[test]
    fn dingtalk_format() {
        let (result, request) = post(
            WebhookFormat::Dingtalk,
            "200 OK",
            r#"{"errcode":0,"errmsg":"ok"}"#,
        );
        assert_eq!(result, Ok(()));
        assert_posted_json(&request);
        assert_eq!(
            request.json(),
            json!({"msgtype": "text", "text": {"content":
                "[sev1] Database down\nThe primary database is down.\nRestart attempted."}})
        );
    }

    #[test]
    fn wecom_format() {
        let (result, request) = post(WebhookFormat::Wecom, "200 OK", r#"{"errcode":0,"errmsg":"ok"}"#);
        assert_eq!(result, Ok(()));
        assert_posted_json(&request);
        assert_eq!(
            request.json(),
            json!({"msgtype": "text", "text": {"content":
                "[sev1] Database down\nThe primary database is down.\nRestart attempted."}})
        );
    }

    #[test]
    fn feishu_format() {
        let (result, request) = post(WebhookFormat::Feishu, "200 OK", r#"{"code":0,"msg":"success"}"#);
        assert_eq!(result, Ok(()));
        assert_posted_json(&request);
        assert_eq!(
            request.json(),
            json!({"msg_type": "text", "content": {"text":
                "[sev1] Database down\nThe primary database is down.\nRestart attempted."}})
        );
    }

    #[test]
    fn http_500_is_an_error_with_the_status_and_the_body() {
        let (result, _) = post(
            WebhookFormat::Generic,
            "500 Internal Server Error",
            "upstream exploded at /robot/send?access_token=SECRET",
        );
        let error = result.unwrap_err();
        assert!(
            error.starts_with("HTTP 500; the server said: \"upstream exploded"),
            "{error}"
        );
        assert!(!error.contains("SECRET"), "{error}");
    }

    #[test]
    fn a_long_error_body_is_cut_to_200_characters() {
        let body = "x".repeat(1000);
        let (result, _) = post(WebhookFormat::Slack, "404 Not Found", &body);
        let error = result.unwrap_err();
        assert_eq!(
            error,
            format!("HTTP 404; the server said: \"{}…\"", "x".repeat(200))
        );
    }

    #[test]
    fn a_redirect_is_not_followed() {
        let (result, _) = post(
            WebhookFormat::Generic,
            "302 Found\r\nLocation: http://127.0.0.1:9/",
            "",
        );
        assert_eq!(result.unwrap_err(), "HTTP 302");
    }

    #[test]
    fn dingtalk_errcode_in_a_200_answer_is_an_error() {
        let (result, _) = post(
            WebhookFormat::Dingtalk,
            "200 OK",
            r#"{"errcode":310000,"errmsg":"keywords not in content"}"#,
        );
        assert_eq!(
            result.unwrap_err(),
            "dingtalk refused the message: errcode 310000: keywords not in content"
        );
    }

    #[test]
    fn feishu_code_in_a_200_answer_is_an_error() {
        let (result, _) = post(
            WebhookFormat::Feishu,
            "200 OK",
            r#"{"code":19021,"msg":"sign match fail"}"#,
        );
        assert_eq!(
            result.unwrap_err(),
            "feishu refused the message: code 19021: sign match fail"
        );
    }

    #[test]
    fn a_server_that_never_answers_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook?token=SECRET", listener.local_addr().unwrap());
        let (done, finished) = mpsc::channel::<()>();
        let server = thread::spawn(move || {
            let mut stream = accept(&listener);
            let _ = read_request(&mut stream);
            // Hold the connection open without answering.
            let _ = finished.recv_timeout(Duration::from_secs(5));
        });
        let notifier = WebhookNotifier::new("hook", url, WebhookFormat::Generic, Duration::from_millis(300));
        let to = contacts();
        let start = Instant::now();
        let error = notifier.send(&notification(&to)).unwrap_err();
        let elapsed = start.elapsed();
        done.send(()).unwrap();
        server.join().unwrap();
        assert_eq!(error, "timed out after 300ms");
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    }

    #[test]
    fn a_refused_connection_is_an_error_without_the_token() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let notifier = WebhookNotifier::new(
            "hook",
            format!("http://127.0.0.1:{port}/hook/SECRET?token=SECRET"),
            WebhookFormat::Generic,
            Duration::from_secs(2),
        );
        let to = contacts();
        let error = notifier.send(&notification(&to)).unwrap_err();
        assert!(!error.contains("SECRET"), "{error}");
        assert!(error.contains(&format!("http://127.0.0.1:{port}")), "{error}");
    }

    #[test]
    fn fanout_with_a_webhook_and_a_command_names_the_failing_one() {
        let (base, server) = serve_once("500 Internal Server Error", "boom");
        let fanout = notify::build(&[
            NotifierConfig::Webhook(runbook::notify::WebhookConfig {
                name: "dingtalk".to_owned(),
                url: format!("{base}/robot/send?access_token=SECRET"),
                format: WebhookFormat::Dingtalk,
                timeout: Duration::from_secs(5),
                headers: Default::default(),
            }),
            NotifierConfig::Command(runbook::notify::CommandConfig {
                name: "oncall-mail".to_owned(),
                command: "cat >/dev/null".to_owned(),
                timeout: Duration::from_secs(5),
            }),
        ])
        .unwrap();
        let to = contacts();
        let error = fanout.send(&notification(&to)).unwrap_err();
        server.join().unwrap();
        assert_eq!(error, "dingtalk: HTTP 500; the server said: \"boom\"");
        assert_eq!(fanout.name(), "dingtalk+oncall-mail");
    }
}

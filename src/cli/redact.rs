//! The config's `redact` patterns, compiled, after a default set: what
//! hides secrets in command output before it is shown, journaled or kept
//! as evidence.
//!
//! Patterns are compiled when the config is read, so that a bad one is
//! refused before any incident exists; applying them cannot fail.

use std::sync::OnceLock;

/// What is hidden unless the config says `redact_defaults = false`: the
/// secrets diagnostic output most often shows. Where a pattern has a group
/// named `secret`, only that part becomes `[REDACTED]`, so that the line
/// still says what was there.
const DEFAULTS: &[&str] = &[
    // Passwords in URLs: scheme://user:PASSWORD@host.
    r"(?i)\b[a-z][a-z0-9+.-]*://[^\s/:@]+:(?P<secret>[^\s/@]+)@",
    // password=…, token: …, api_key=… and the like.
    r#"(?i)\b(?:[a-z0-9]+[_-])*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)["']?\s*[=:]\s*["']?(?P<secret>[^\s"'&;,]+)"#,
    // HTTP authorization headers.
    r"(?i)\b(?:proxy-)?authorization:\s*(?:(?:basic|bearer|token|digest)\s+)?(?P<secret>\S+)",
    // The body lines of a PEM or OpenSSH private key (base64, 60-76 wide).
    r"^[A-Za-z0-9+/]{60,76}={0,2}$",
    // Cloud and forge keys: AWS access key ids, GitHub, Slack, Google.
    r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    r"\bgh[pousr]_[A-Za-z0-9]{36,}\b",
    r"\bxox[abprs]-[A-Za-z0-9-]{10,}",
    r"\bAIza[0-9A-Za-z_-]{35}\b",
];

/// Regular expressions whose matches become `[REDACTED]`.
#[derive(Debug, Clone)]
pub struct Redact {
    regexes: Vec<regex::Regex>,
}

impl Default for Redact {
    /// The default set alone: what runs with no config.
    fn default() -> Redact {
        Redact::new(Vec::new(), true)
    }
}

impl Redact {
    /// `regexes` from the config, after the default set unless `defaults`
    /// is false.
    pub fn new(regexes: Vec<regex::Regex>, defaults: bool) -> Redact {
        let mut all = Vec::new();
        if defaults {
            all.extend(Redact::defaults().iter().cloned());
        }
        all.extend(regexes);
        Redact { regexes: all }
    }

    fn defaults() -> &'static [regex::Regex] {
        static DEFAULT: OnceLock<Vec<regex::Regex>> = OnceLock::new();
        DEFAULT.get_or_init(|| {
            DEFAULTS
                .iter()
                .filter_map(|pattern| regex::Regex::new(pattern).ok())
                .collect()
        })
    }

    /// Compiles one pattern; the error is one line, such as `unclosed group`.
    pub fn compile(pattern: &str) -> Result<regex::Regex, String> {
        regex::Regex::new(pattern).map_err(|error| {
            // A syntax error repeats the pattern with a caret over several
            // lines; its last line says what is wrong.
            let detail = error.to_string();
            let last = detail.lines().rfind(|line| !line.trim().is_empty()).unwrap_or("");
            last.trim().trim_start_matches("error: ").to_owned()
        })
    }

    /// `line` with every match of every pattern replaced, in order (only
    /// its `secret` group, where the pattern has one).
    pub fn apply(&self, line: &str) -> String {
        let mut line = line.to_owned();
        for regex in &self.regexes {
            if !regex.is_match(&line) {
                continue;
            }
            line = if regex.capture_names().any(|name| name == Some("secret")) {
                regex
                    .replace_all(&line, |captures: &regex::Captures<'_>| {
                        let whole = captures.get(0).map_or("", |m| m.as_str());
                        match (captures.get(0), captures.name("secret")) {
                            (Some(all), Some(secret)) => format!(
                                "{}[REDACTED]{}",
                                &whole[..secret.start() - all.start()],
                                &whole[secret.end() - all.start()..]
                            ),
                            _ => "[REDACTED]".to_owned(),
                        }
                    })
                    .into_owned()
            } else {
                regex.replace_all(&line, "[REDACTED]").into_owned()
            };
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::Redact;

    #[test]
    fn errors_are_one_line() {
        assert_eq!(Redact::compile("(").unwrap_err(), "unclosed group");
    }

    #[test]
    fn every_pattern_applies() {
        let redact = Redact::new(
            vec![
                Redact::compile("pw=\\S+").unwrap(),
                Redact::compile("token").unwrap(),
            ],
            false,
        );
        assert_eq!(redact.apply("pw=x token y"), "[REDACTED] [REDACTED] y");
    }

    #[test]
    fn the_default_set_hides_common_secrets_and_leaves_what_they_were() {
        let redact = Redact::default();
        for (line, shown) in [
            (
                "remote: https://deploy:hunter2@git.example.com/app.git",
                "remote: https://deploy:[REDACTED]@git.example.com/app.git",
            ),
            ("DB_PASSWORD=s3cr3t ./migrate", "DB_PASSWORD=[REDACTED] ./migrate"),
            ("token: abc123def", "token: [REDACTED]"),
            ("api_key='k-123' user=x", "api_key='[REDACTED]' user=x"),
            (
                "Authorization: Bearer eyJhbGciOi.x.y",
                "Authorization: Bearer [REDACTED]",
            ),
            (
                "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
                "aws_access_key_id = [REDACTED]",
            ),
            ("key AKIAIOSFODNN7EXAMPLE in env", "key [REDACTED] in env"),
            ("ghp_0123456789abcdefghijklmnopqrstuvwxyzAB", "[REDACTED]"),
            (
                "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
                "[REDACTED]",
            ),
            // Nothing secret: left alone.
            (
                "nginx: worker process is shutting down",
                "nginx: worker process is shutting down",
            ),
            (
                "Filesystem 1K-blocks Used Available Use% Mounted on",
                "Filesystem 1K-blocks Used Available Use% Mounted on",
            ),
        ] {
            assert_eq!(redact.apply(line), shown, "{line}");
        }
        assert_eq!(
            Redact::new(Vec::new(), false).apply("password=x"),
            "password=x",
            "redact_defaults = false"
        );
    }
}

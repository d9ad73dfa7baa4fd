//! The config's `redact` patterns, compiled, after a default set: what
//! hides secrets in command output before it is shown, journaled or kept
//! as evidence.
//!
//! The config's patterns are compiled when it is read, so that a bad one
//! is refused before any incident exists; the default set, which is known
//! to compile, on first use, so that commands that redact nothing (`list`,
//! `show`, `--version`…) do not pay for it. Applying them cannot fail.

use std::cell::Cell;
use std::sync::OnceLock;

/// What is hidden unless the config says `redact_defaults = false`: the
/// secrets diagnostic output most often shows. Where a pattern has a group
/// named `secret`, only that part becomes `[REDACTED]`, so that the line
/// still says what was there.
///
/// A private key's body is hidden by the block filter ([`Stream`]), from
/// its `BEGIN` line to its `END` line, not by the look of its lines: a
/// line of 64 hex digits is a checksum a step may `capture`, not a key.
const DEFAULTS: &[&str] = &[
    // Passwords in URLs: scheme://user:PASSWORD@host, up to the last `@`
    // of the authority (a password may hold one).
    r"(?i)\b[a-z][a-z0-9+.-]*://[^\s/:@]+:(?P<secret>[^\s/?#]+)@",
    // password=…, token: …, api_key=…, PGPASSWORD=…, dbPassword=…,
    // apiToken: … and the like (a word that merely contains the key, as
    // `password_file=`, is no such pair). Yes/no values are not secrets
    // (see `NOT_SECRET`).
    r#"(?i)\b[a-z0-9_-]*?(?:password|passwd|pwd|secret(?:[_-]?key)?|token|api[_-]?key|access[_-]?key|private[_-]?key)["']?\s*[=:]\s*["']?(?P<secret>[^\s"'&;,]+)"#,
    // mysql -pSECRET (the MySQL clients' password option, glued to it).
    // Lower-case `-p` only: `-P3306` is the port.
    r#"\b(?i:mysql|mysqldump|mysqladmin|mysqlcheck|mysqlimport|mysqlshow|mariadb|mariadb-dump|mariadb-admin)\b.*?\s-p(?P<secret>'[^']*'|"[^"]*"|[^\s'"]+)"#,
    // curl -u user:PASSWORD, --user user:PASSWORD.
    r#"(?i)\bcurl\b.*?\s(?:-u\s*|--user[\s=]+)['"]?[^\s:'"]+:(?P<secret>[^\s'"]+)"#,
    // HTTP authorization headers.
    r"(?i)\b(?:proxy-)?authorization:\s*(?:(?:basic|bearer|token|digest)\s+)?(?P<secret>\S+)",
    // JSON web tokens: header.payload.signature, the first two base64url
    // JSON objects (`{"` is `eyJ`).
    r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*",
    // Cloud and forge keys: AWS access key ids, GitHub, Slack, Google.
    r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    r"\bgh[pousr]_[A-Za-z0-9]{36,}\b",
    r"\bxox[abprs]-[A-Za-z0-9-]{10,}",
    r"\bAIza[0-9A-Za-z_-]{35}\b",
];

/// Values of a `password: …` pair that say whether there is one, not what
/// it is: `(using password: YES)` in MySQL's `Access denied` stays readable.
const NOT_SECRET: &[&str] = &["yes", "no", "true", "false", "none", "null"];

/// Where a private key's armour begins and ends (PEM, OpenSSH, PGP).
const BLOCK_BEGIN: &str = r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----";
const BLOCK_END: &str = r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----";

/// Regular expressions whose matches become `[REDACTED]`, and the block
/// filter for private keys.
#[derive(Debug, Clone)]
pub struct Redact {
    /// The default set goes first ([`Redact::defaults`], compiled on first
    /// use: most commands never redact anything).
    defaults: bool,
    /// The config's own patterns, compiled when it was read.
    regexes: Vec<regex::Regex>,
    /// Private key blocks are hidden (part of the default set).
    blocks: bool,
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
        Redact {
            defaults,
            regexes,
            blocks: defaults,
        }
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

    /// A filter for the lines of one command's output, in order: it
    /// remembers being inside a private key block from one line (and so
    /// one read of the pipe) to the next.
    pub fn stream(&self) -> Stream<'_> {
        Stream {
            redact: self,
            in_block: Cell::new(false),
        }
    }

    /// `line` with every match of every pattern replaced, in order (only
    /// its `secret` group, where the pattern has one). A line on its own
    /// knows nothing of the lines around it: output goes through
    /// [`Redact::stream`].
    pub fn apply(&self, line: &str) -> String {
        let mut line = line.to_owned();
        let defaults = if self.defaults { Redact::defaults() } else { &[] };
        for regex in defaults.iter().chain(&self.regexes) {
            if !regex.is_match(&line) {
                continue;
            }
            line = if regex.capture_names().any(|name| name == Some("secret")) {
                regex
                    .replace_all(&line, |captures: &regex::Captures<'_>| {
                        let whole = captures.get(0).map_or("", |m| m.as_str());
                        match (captures.get(0), captures.name("secret")) {
                            (Some(_), Some(secret)) if not_secret(secret.as_str()) => whole.to_owned(),
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

impl crate::engine::Redaction for Redact {
    fn stream(&self) -> Box<dyn Fn(&str) -> String + '_> {
        let stream = Redact::stream(self);
        Box::new(move |line| stream.line(line))
    }
}

fn not_secret(value: &str) -> bool {
    // A pattern before this one hid it already, or it is a secret
    // variable's value, replaced by its marker before any pattern ran.
    if value.starts_with("[REDACTED]") || value.starts_with(crate::model::SECRET_MARKER) {
        return true;
    }
    let value = value.trim_end_matches([')', '.']);
    NOT_SECRET.iter().any(|word| value.eq_ignore_ascii_case(word))
}

fn block_regexes() -> &'static (regex::Regex, regex::Regex) {
    static BLOCK: OnceLock<(regex::Regex, regex::Regex)> = OnceLock::new();
    BLOCK.get_or_init(|| {
        let compile = |pattern| regex::Regex::new(pattern).expect("the block patterns are valid");
        (compile(BLOCK_BEGIN), compile(BLOCK_END))
    })
}

/// [`Redact`] over one command's output, line after line. Between a
/// private key's `BEGIN` and `END` lines every line is `[REDACTED]`; the
/// two armour lines stay, to say what was there. A block cut short (the
/// command ended, or printed a `BEGIN` it never closed) hides everything
/// after it: a key is worth more than the rest of the output.
#[derive(Debug)]
pub struct Stream<'a> {
    redact: &'a Redact,
    in_block: Cell<bool>,
}

impl Stream<'_> {
    pub fn line(&self, line: &str) -> String {
        if !self.redact.blocks {
            return self.redact.apply(line);
        }
        let (begin, end) = block_regexes();
        let mut shown = String::new();
        let mut rest = line;
        loop {
            if self.in_block.get() {
                match end.find(rest) {
                    Some(found) => {
                        if found.start() > 0 {
                            shown.push_str("[REDACTED]");
                        }
                        shown.push_str(found.as_str());
                        rest = &rest[found.end()..];
                        self.in_block.set(false);
                    }
                    None => {
                        if !rest.is_empty() {
                            shown.push_str("[REDACTED]");
                        }
                        return shown;
                    }
                }
            } else {
                match begin.find(rest) {
                    Some(found) => {
                        shown.push_str(&self.redact.apply(&rest[..found.start()]));
                        shown.push_str(found.as_str());
                        rest = &rest[found.end()..];
                        self.in_block.set(true);
                    }
                    None => {
                        shown.push_str(&self.redact.apply(rest));
                        return shown;
                    }
                }
            }
        }
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

    #[test]
    fn the_misses_of_the_first_default_set_are_hidden() {
        let redact = Redact::default();
        for (line, shown) in [
            ("PGPASSWORD=s3cr3t psql -h db", "PGPASSWORD=[REDACTED] psql -h db"),
            ("dbPassword=s3cr3t", "dbPassword=[REDACTED]"),
            ("SECRET_KEY=k3y", "SECRET_KEY=[REDACTED]"),
            ("x-api-key: k3y", "x-api-key: [REDACTED]"),
            ("apiToken: abc.def", "apiToken: [REDACTED]"),
            (r#"{"clientSecret": "x1y2"}"#, r#"{"clientSecret": "[REDACTED]"}"#),
            ("mysql -u root -pS3cret db", "mysql -u root -p[REDACTED] db"),
            ("mysql -P3306 -pS3cret db", "mysql -P3306 -p[REDACTED] db"),
            ("mysqldump -p'a b' db", "mysqldump -p[REDACTED] db"),
            ("mysql --password=S3cret db", "mysql --password=[REDACTED] db"),
            (
                "curl -u admin:S3cret https://h/",
                "curl -u admin:[REDACTED] https://h/",
            ),
            (
                "curl -s --user admin:S3cret https://h/",
                "curl -s --user admin:[REDACTED] https://h/",
            ),
            (
                "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl end",
                "token [REDACTED] end",
            ),
            (
                "https://u:p@ss@db.example.com/x",
                "https://u:[REDACTED]@db.example.com/x",
            ),
        ] {
            assert_eq!(redact.stream().line(line), shown, "{line}");
        }
    }

    #[test]
    fn what_is_no_secret_stays_readable() {
        let redact = Redact::default();
        for line in [
            "ERROR 1045 (28000): Access denied for user 'x'@'localhost' (using password: YES)",
            "ERROR 1045 (28000): Access denied for user 'x'@'localhost' (using password: NO)",
            // A checksum a step captures on purpose.
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
            "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  app.tar.gz",
            "password_file=/etc/app/db.pass",
            "ssh -p 2222 host",
            "tokens used: 12",
            "max_tokens: 100",
            "Failed password for invalid user admin from 203.0.113.9 port 22 ssh2",
            "password=[secret] (a secret variable's marker)",
        ] {
            assert_eq!(redact.stream().line(line), line);
        }
    }

    #[test]
    fn a_private_key_block_is_hidden_line_by_line_to_its_end() {
        let redact = Redact::default();
        let stream = redact.stream();
        let shown: Vec<String> = [
            "key follows",
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
            "QyNTUxOQAAACBd3Y2short",
            "AAAA==",
            "-----END OPENSSH PRIVATE KEY-----",
            "password=x after it",
        ]
        .iter()
        .map(|line| stream.line(line))
        .collect();
        assert_eq!(
            shown,
            [
                "key follows",
                "-----BEGIN OPENSSH PRIVATE KEY-----",
                "[REDACTED]",
                "[REDACTED]",
                "[REDACTED]",
                "-----END OPENSSH PRIVATE KEY-----",
                "password=[REDACTED] after it",
            ]
        );
        // On one line (a key in JSON), and a block never closed.
        assert_eq!(
            redact
                .stream()
                .line(r#""key": "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n""#),
            r#""key": "-----BEGIN RSA PRIVATE KEY-----[REDACTED]-----END RSA PRIVATE KEY-----\n""#
        );
        let open = redact.stream();
        assert_eq!(
            open.line("-----BEGIN PRIVATE KEY----- MIIE"),
            "-----BEGIN PRIVATE KEY-----[REDACTED]"
        );
        assert_eq!(open.line("anything"), "[REDACTED]");
        // Each command's output starts outside a block; public keys are not hidden.
        assert_eq!(redact.stream().line("anything"), "anything");
        assert_eq!(
            redact.stream().line("-----BEGIN PUBLIC KEY-----"),
            "-----BEGIN PUBLIC KEY-----"
        );
        assert_eq!(
            Redact::new(Vec::new(), false)
                .stream()
                .line("-----BEGIN PRIVATE KEY----- MIIE"),
            "-----BEGIN PRIVATE KEY----- MIIE",
            "redact_defaults = false"
        );
    }
}

//! OpenSSH's `allowed_signers` file: which keys may sign, as whom, for which
//! namespaces and when (`man ssh-keygen`, ALLOWED SIGNERS).
//!
//! Each line is `principals [options] keytype base64key [comment]`. The
//! parser follows OpenSSH's own (`sshsig.c`): principals are one
//! whitespace-delimited, optionally quoted, comma-separated pattern list;
//! options are `cert-authority`, `namespaces="..."`, `valid-after="..."` and
//! `valid-before="..."`, names case-insensitive, values quoted. A line
//! OpenSSH would reject is an error naming the file and line, so that a typo
//! never silently removes a trusted signer. Lines that are valid but that
//! `runbook` cannot use (certificate authorities, certificates) are
//! skipped with a note instead, so a file shared with other tools keeps
//! working. Keys whose signatures `signing::verify` does not check (DSA,
//! security keys) are read like any other; it names them when they sign.
//!
//! This module only parses and looks up; it never reads a signature and
//! never decides by itself that a key is trusted (see `signing::verify`).

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, TimeZone, Utc};
use ssh_key::PublicKey;
use ssh_key::public::KeyData;
use std::path::Path;

/// Larger files are refused rather than read: a wrong path should fail fast.
pub(crate) const MAX_SIZE: u64 = 4 * 1024 * 1024;

/// A parsed `allowed_signers` file.
#[derive(Debug, Clone, Default)]
pub struct AllowedSigners {
    /// Where the lines came from (a path, or a name given to `parse`).
    pub source: String,
    pub signers: Vec<AllowedSigner>,
    /// Valid lines that were not used, and why: `source:line: reason`.
    pub skipped: Vec<String>,
}

/// One usable line of an `allowed_signers` file.
#[derive(Debug, Clone)]
pub struct AllowedSigner {
    /// 1-based line number in the file.
    pub line: usize,
    /// The principals field as written (unquoted): a comma-separated pattern
    /// list such as `ops@example.com,*@ops.example.com`.
    pub principals: String,
    /// `namespaces="..."`: the patterns of the namespaces this key may sign
    /// in; `None` means any namespace.
    pub namespaces: Option<String>,
    /// `valid-after="..."`: the key is not valid before this instant.
    pub valid_after: Option<DateTime<Utc>>,
    /// `valid-before="..."`: the key is not valid after this instant.
    pub valid_before: Option<DateTime<Utc>>,
    pub key: PublicKey,
}

/// Why a file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AllowedSignersError {
    #[error("cannot read allowed signers file {path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("allowed signers file {path} is {size} bytes; at most {MAX_SIZE} are read")]
    TooBig { path: String, size: u64 },
    #[error("{source_name}:{line}: {message}")]
    Parse {
        source_name: String,
        line: usize,
        message: String,
    },
}

impl AllowedSigners {
    /// Reads and parses the file at `path`.
    pub fn load(path: &Path) -> Result<AllowedSigners, AllowedSignersError> {
        use std::io::Read;
        let shown = path.display().to_string();
        let read_error = |error| AllowedSignersError::Read {
            path: shown.clone(),
            error,
        };
        let file = std::fs::File::open(path).map_err(read_error)?;
        let mut bytes = Vec::new();
        file.take(MAX_SIZE + 1)
            .read_to_end(&mut bytes)
            .map_err(read_error)?;
        if bytes.len() as u64 > MAX_SIZE {
            return Err(AllowedSignersError::TooBig {
                path: shown,
                size: bytes.len() as u64,
            });
        }
        let text = String::from_utf8(bytes).map_err(|error| {
            let at = error.utf8_error().valid_up_to();
            let line = error.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            AllowedSignersError::Parse {
                source_name: shown.clone(),
                line,
                message: "not UTF-8 text".into(),
            }
        })?;
        AllowedSigners::parse(&text, &shown)
    }

    /// Parses the text of an `allowed_signers` file; `source_name` names it
    /// in errors and notes.
    pub fn parse(text: &str, source_name: &str) -> Result<AllowedSigners, AllowedSignersError> {
        let mut parsed = AllowedSigners {
            source: source_name.to_owned(),
            ..AllowedSigners::default()
        };
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let error = |message: String| AllowedSignersError::Parse {
                source_name: source_name.to_owned(),
                line,
                message,
            };
            match parse_line(raw, line).map_err(error)? {
                Parsed::Blank => {}
                Parsed::Signer(signer) => parsed.signers.push(*signer),
                Parsed::Skipped(reason) => parsed.skipped.push(format!("{source_name}:{line}: {reason}")),
            }
        }
        Ok(parsed)
    }

    /// The lines that list `key`, in file order.
    pub fn find<'a>(&'a self, key: &'a KeyData) -> impl Iterator<Item = &'a AllowedSigner> + 'a {
        self.signers
            .iter()
            .filter(move |signer| signer.key.key_data() == key)
    }

    /// The lines whose principals match `principal`, in file order.
    pub fn for_principal<'a>(&'a self, principal: &'a str) -> impl Iterator<Item = &'a AllowedSigner> + 'a {
        self.signers
            .iter()
            .filter(move |signer| signer.matches_principal(principal))
    }

    pub fn is_empty(&self) -> bool {
        self.signers.is_empty()
    }
}

impl AllowedSigner {
    /// Whether `principal` matches this line's principals, with OpenSSH's
    /// pattern rules (`*`, `?`, `!negation`).
    pub fn matches_principal(&self, principal: &str) -> bool {
        match_pattern_list(principal, &self.principals)
    }

    /// Whether this key may sign in `namespace`.
    pub fn allows_namespace(&self, namespace: &str) -> bool {
        self.namespaces
            .as_deref()
            .is_none_or(|patterns| match_pattern_list(namespace, patterns))
    }

    /// Whether the key is valid at `at`. Both bounds are inclusive, as in
    /// OpenSSH.
    pub fn is_valid_at(&self, at: DateTime<Utc>) -> bool {
        self.valid_after.is_none_or(|after| at >= after)
            && self.valid_before.is_none_or(|before| at <= before)
    }
}

enum Parsed {
    Blank,
    Signer(Box<AllowedSigner>),
    Skipped(String),
}

/// Options of one line, before they are known to be usable.
#[derive(Default)]
struct Options {
    cert_authority: bool,
    namespaces: Option<String>,
    valid_after: Option<DateTime<Utc>>,
    valid_before: Option<DateTime<Utc>>,
}

fn parse_line(raw: &str, line: usize) -> Result<Parsed, String> {
    let rest = raw.trim_start_matches([' ', '\t', '\r', '\n']);
    if rest.is_empty() || rest.starts_with('#') {
        return Ok(Parsed::Blank);
    }
    let (principals, rest) = principals_field(rest)?;
    if principals.is_empty() {
        return Err("empty principals".into());
    }
    if rest.is_empty() {
        return Err("a principal but no key: expected `principals [options] keytype base64key`".into());
    }

    let (options, rest) = if is_key_type(first_word(rest)) {
        (Options::default(), rest)
    } else {
        let end = options_end(rest)?;
        let options = parse_options(&rest[..end])?;
        (options, skip_blanks(&rest[end..]))
    };
    // OpenSSH allows the option; runbook has no use for the line, and
    // says so first even when the line has another fault (options written
    // with blanks between them, so an option reads as the key type).
    let cert_authority = options.cert_authority
        || first_word(rest)
            .get(..CERT_AUTHORITY.len())
            .is_some_and(|word| word.eq_ignore_ascii_case(CERT_AUTHORITY));
    let key = parse_key(rest);
    if cert_authority {
        let fault = match &key {
            Err(why) if why.contains("is not an SSH key type") => {
                format!("; nor is the line valid: {why} (options are separated by commas, without blanks)")
            }
            Err(why) => format!("; nor is the line valid: {why}"),
            Ok(_) => String::new(),
        };
        return Ok(Parsed::Skipped(format!(
            "{CERT_AUTHORITY}: runbook does not support certificate authorities (it trusts keys \
             listed for themselves), line skipped{fault}"
        )));
    }
    match key? {
        Key::Skipped(reason) => Ok(Parsed::Skipped(reason)),
        Key::Read(key) => Ok(Parsed::Signer(Box::new(AllowedSigner {
            line,
            principals,
            namespaces: options.namespaces,
            valid_after: options.valid_after,
            valid_before: options.valid_before,
            key,
        }))),
    }
}

const CERT_AUTHORITY: &str = "cert-authority";

/// A line's key, or why a valid line is skipped.
enum Key {
    Read(PublicKey),
    Skipped(String),
}

/// `keytype base64key [comment]`, the rest of a line after its options.
fn parse_key(rest: &str) -> Result<Key, String> {
    if rest.is_empty() {
        return Err("missing key after the options".into());
    }
    let key_type = first_word(rest);
    if !is_key_type(key_type) {
        return Err(format!(
            "`{key_type}` is not an SSH key type (such as ssh-ed25519)"
        ));
    }
    let after_type = skip_blanks(&rest[key_type.len()..]);
    let blob = first_word(after_type);
    if blob.is_empty() {
        return Err(format!("missing the base64 key after `{key_type}`"));
    }

    if key_type.ends_with("-cert-v01@openssh.com") {
        return Ok(Key::Skipped(format!(
            "{key_type} is a certificate; runbook does not support certificates, line skipped"
        )));
    }
    match PublicKey::from_openssh(&format!("{key_type} {blob}")) {
        Ok(key) => Ok(Key::Read(key)),
        Err(ssh_key::Error::AlgorithmUnknown | ssh_key::Error::AlgorithmUnsupported { .. })
            if key_type.starts_with("ecdsa-") || key_type.starts_with("sk-ecdsa-") =>
        {
            Ok(Key::Skipped(format!(
                "{key_type} keys cannot be read by runbook, line skipped"
            )))
        }
        Err(ssh_key::Error::AlgorithmUnknown) => Err(format!(
            "invalid {key_type} key: the key data is not a {key_type} key"
        )),
        Err(error) => Err(format!("invalid {key_type} key: {error}")),
    }
}

/// The principals field and what follows it. Like OpenSSH's `strdelimw`: the
/// field ends at whitespace, and a double quote starts a quoted run (which may
/// hold spaces) that ends the field.
fn principals_field(text: &str) -> Result<(String, &str), String> {
    let mut principals = String::new();
    for (at, c) in text.char_indices() {
        match c {
            ' ' | '\t' => return Ok((principals, skip_blanks(&text[at..]))),
            '"' => {
                let quoted = &text[at + 1..];
                let close = quoted
                    .find('"')
                    .ok_or("the principals' opening quote is never closed")?;
                principals.push_str(&quoted[..close]);
                return Ok((principals, skip_blanks(&quoted[close + 1..])));
            }
            c => principals.push(c),
        }
    }
    Ok((principals, ""))
}

fn skip_blanks(text: &str) -> &str {
    text.trim_start_matches([' ', '\t'])
}

fn first_word(text: &str) -> &str {
    text.split([' ', '\t']).next().unwrap_or("")
}

/// Key type names OpenSSH writes in public keys; options never start so.
fn is_key_type(word: &str) -> bool {
    ["ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-sha2-"]
        .iter()
        .any(|prefix| word.starts_with(prefix))
}

/// Where the options end: at the first blank outside double quotes (as
/// OpenSSH's `sshkey_advance_past_options`; `\"` does not end a quote).
fn options_end(text: &str) -> Result<usize, String> {
    let bytes = text.as_bytes();
    let mut quoted = false;
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' if bytes.get(at + 1) == Some(&b'"') => at += 1,
            b'"' => quoted = !quoted,
            b' ' | b'\t' if !quoted => return Ok(at),
            _ => {}
        }
        at += 1;
    }
    if quoted {
        Err("an option's opening quote is never closed".into())
    } else {
        Ok(at)
    }
}

fn parse_options(text: &str) -> Result<Options, String> {
    let mut options = Options::default();
    let mut rest = text;
    while !rest.is_empty() {
        let name_end = rest.find(['=', ',']).unwrap_or(rest.len());
        let name = &rest[..name_end];
        if name.eq_ignore_ascii_case("cert-authority") {
            options.cert_authority = true;
            rest = &rest[name_end..];
        } else if rest[name_end..].starts_with('=') {
            let lower = name.to_ascii_lowercase();
            let (value, after) = dequote(&rest[name_end + 1..]).map_err(|why| format!("{name}: {why}"))?;
            rest = after;
            match lower.as_str() {
                "namespaces" => {
                    if options.namespaces.replace(value).is_some() {
                        return Err("more than one namespaces= option".into());
                    }
                }
                "valid-after" | "valid-before" => {
                    let time = parse_time(&value).ok_or_else(|| {
                        format!(
                            "{lower}=\"{value}\" is not a time: use YYYYMMDD, YYYYMMDDHHMM or \
                             YYYYMMDDHHMMSS, with Z for UTC (local time otherwise)"
                        )
                    })?;
                    let slot = if lower == "valid-after" {
                        &mut options.valid_after
                    } else {
                        &mut options.valid_before
                    };
                    if slot.replace(time).is_some() {
                        return Err(format!("more than one {lower}= option"));
                    }
                }
                _ => return Err(format!("unsupported option `{name}`")),
            }
        } else {
            return Err(format!(
                "unsupported option `{name}` (known: cert-authority, namespaces=, valid-after=, valid-before=)"
            ));
        }
        match rest.strip_prefix(',') {
            Some(after) => rest = after,
            None if rest.is_empty() => {}
            None => {
                return Err(format!(
                    "unexpected `{rest}` after an option: options are separated by commas"
                ));
            }
        }
    }
    if let (Some(after), Some(before)) = (options.valid_after, options.valid_before)
        && before <= after
    {
        return Err("valid-before is not later than valid-after".into());
    }
    Ok(options)
}

/// A double-quoted option value and what follows it; `\"` is a quote.
fn dequote(text: &str) -> Result<(String, &str), &'static str> {
    let Some(inner) = text.strip_prefix('"') else {
        return Err("the value must be in double quotes");
    };
    let mut value = String::new();
    let mut chars = inner.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' if inner[at + 1..].starts_with('"') => {
                chars.next();
                value.push('"');
            }
            '"' => return Ok((value, &inner[at + 1..])),
            c => value.push(c),
        }
    }
    Err("the closing quote is missing")
}

/// `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, in UTC when followed by
/// `Z` (or `UTC`), in local time otherwise: OpenSSH's `parse_absolute_time`.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let (digits, utc) = match text.strip_suffix(['Z', 'z']) {
        Some(digits) => (digits, true),
        None => match text.len().checked_sub(3).and_then(|at| text.split_at_checked(at)) {
            Some((digits, zone)) if zone.eq_ignore_ascii_case("UTC") => (digits, true),
            _ => (text, false),
        },
    };
    if !matches!(digits.len(), 8 | 12 | 14) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| digits[range].parse::<u32>().ok();
    let date = NaiveDate::from_ymd_opt(number(0..4)? as i32, number(4..6)?, number(6..8)?)?;
    let naive: NaiveDateTime = match digits.len() {
        8 => date.and_hms_opt(0, 0, 0)?,
        12 => date.and_hms_opt(number(8..10)?, number(10..12)?, 0)?,
        14 => date.and_hms_opt(number(8..10)?, number(10..12)?, number(12..14)?)?,
        _ => return None,
    };
    if utc {
        Some(naive.and_utc())
    } else {
        Local
            .from_local_datetime(&naive)
            .earliest()
            .map(|local| local.with_timezone(&Utc))
    }
}

/// OpenSSH's `match_pattern_list`: `text` matches when some pattern of the
/// comma-separated `list` matches it and no negated (`!`) pattern does.
pub fn match_pattern_list(text: &str, list: &str) -> bool {
    let mut matched = false;
    for pattern in list.split(',') {
        match pattern.strip_prefix('!') {
            Some(negated) if match_pattern(text, negated) => return false,
            Some(_) => {}
            None => matched |= match_pattern(text, pattern),
        }
    }
    matched
}

/// `*` matches any run of characters, `?` any one character.
fn match_pattern(text: &str, pattern: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    let pattern: Vec<char> = pattern.chars().collect();
    let (mut t, mut p) = (0, 0);
    // Where the last `*` was, and the text position it currently covers up to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                t += 1;
                p += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILM+rvN+ot98qgEN796jTiQfZfG1KaT0PtFDJ/XFSqti";

    fn parse(text: &str) -> Result<AllowedSigners, String> {
        AllowedSigners::parse(text, "allowed_signers").map_err(|error| error.to_string())
    }

    fn one(text: &str) -> AllowedSigner {
        let parsed = parse(text).unwrap();
        assert_eq!(parsed.signers.len(), 1, "{:?}", parsed.skipped);
        parsed.signers.into_iter().next().unwrap()
    }

    #[test]
    fn plain_line_with_comment() {
        let signer = one(&format!("# a comment\n\nops@example.com {KEY} laptop\n"));
        assert_eq!(signer.line, 3);
        assert_eq!(signer.principals, "ops@example.com");
        assert!(signer.namespaces.is_none());
        assert!(signer.allows_namespace("anything"));
        assert!(signer.matches_principal("ops@example.com"));
        assert!(!signer.matches_principal("dev@example.com"));
    }

    #[test]
    fn options_and_quoted_principals() {
        let signer = one(&format!(
            "  \"ops team@x,*@ops.example.com\" NAMESPACES=\"runbook-incident,git\",valid-after=\"20260101\",valid-before=\"20270101000000Z\" {KEY}"
        ));
        assert_eq!(signer.principals, "ops team@x,*@ops.example.com");
        assert_eq!(signer.namespaces.as_deref(), Some("runbook-incident,git"));
        assert!(signer.allows_namespace("git"));
        assert!(!signer.allows_namespace("file"));
        assert!(signer.matches_principal("alice@ops.example.com"));
        assert_eq!(
            signer.valid_before.unwrap(),
            "2027-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert!(signer.valid_after.is_some());
    }

    #[test]
    fn quoted_option_values_may_hold_blanks_and_escaped_quotes() {
        let signer = one(&format!("a namespaces=\"x y,\\\"z\\\"\" {KEY}"));
        assert_eq!(signer.namespaces.as_deref(), Some("x y,\"z\""));
    }

    #[test]
    fn validity_window_is_inclusive() {
        let signer = one(&format!(
            "a valid-after=\"20260101Z\",valid-before=\"202601020000Z\" {KEY}"
        ));
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert!(!signer.is_valid_at(at("2025-12-31T23:59:59Z")));
        assert!(signer.is_valid_at(at("2026-01-01T00:00:00Z")));
        assert!(signer.is_valid_at(at("2026-01-02T00:00:00Z")));
        assert!(!signer.is_valid_at(at("2026-01-02T00:00:01Z")));
    }

    #[test]
    fn errors_name_file_line_and_problem() {
        let cases = [
            ("ops@example.com", "allowed_signers:1: a principal but no key"),
            ("a namespaces=runbook-incident x", "must be in double quotes"),
            ("a namespaces=\"x", "opening quote is never closed"),
            ("a restrict ssh-ed25519 AAAA", "unsupported option `restrict`"),
            (
                &format!("a valid-after=\"2026\" {KEY}"),
                "valid-after=\"2026\" is not a time",
            ),
            (
                &format!("a valid-after=\"20260102\",valid-before=\"20260101\" {KEY}"),
                "not later than valid-after",
            ),
            (
                &format!("a namespaces=\"x\",namespaces=\"y\" {KEY}"),
                "more than one namespaces",
            ),
            ("a ssh-ed25519", "missing the base64 key"),
            ("a ssh-ed25519 AAAA!!", "invalid ssh-ed25519 key"),
            (
                "a ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAILM+rvN+ot98qgEN796jTiQfZfG1KaT0PtFDJ/XFSqti",
                "not a ssh-rsa key",
            ),
            ("a namespaces=\"x\"", "missing key after the options"),
            (
                "a namespaces=\"x\" nonsense AAAA",
                "`nonsense` is not an SSH key type",
            ),
        ];
        for (text, expected) in cases {
            let error = parse(&format!("\n{text}")).unwrap_err();
            assert!(error.starts_with("allowed_signers:2: "), "{text}: {error}");
            assert!(
                error.contains(expected.trim_start_matches("allowed_signers:1: ")),
                "{text}: {error}"
            );
        }
    }

    #[test]
    fn unusable_lines_are_skipped_with_a_note() {
        let parsed = parse(&format!(
            "ca@x cert-authority {KEY}\n\
             e@x ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDTGq1fIV091AbfQizOkTQ9708HgGZYjuTxoYKH3pT8h0gm1lYo81oYNcykue2W1RcKKfmEjHvpuqCf1Z7ESJjM=\n\
             ok@x {KEY}\n"
        ))
        .unwrap();
        // ECDSA keys are read (and their signatures checked).
        let lines: Vec<usize> = parsed.signers.iter().map(|signer| signer.line).collect();
        assert_eq!(lines, [2, 3]);
        assert_eq!(parsed.skipped.len(), 1, "{:?}", parsed.skipped);
        assert!(parsed.skipped[0].starts_with("allowed_signers:1: cert-authority"));
    }

    #[test]
    fn a_certificate_authority_is_said_to_be_unsupported_even_when_the_line_has_faults() {
        let skipped = |text: &str| {
            let parsed = parse(&format!("ok@x {KEY}\n{text}\n")).unwrap();
            assert_eq!(parsed.signers.len(), 1, "{text}");
            assert_eq!(parsed.skipped.len(), 1, "{text}");
            parsed.skipped[0].clone()
        };
        let unsupported = "allowed_signers:2: cert-authority: runbook does not support certificate \
                           authorities (it trusts keys listed for themselves), line skipped";
        for fine in [
            format!("ca@x cert-authority {KEY}"),
            format!("ca@x CERT-AUTHORITY,namespaces=\"runbook-incident\" {KEY}"),
            format!("ca@x namespaces=\"runbook-incident\",cert-authority {KEY}"),
        ] {
            assert_eq!(skipped(&fine), unsupported);
        }
        assert_eq!(
            skipped(&format!(
                "ca@x cert-authority namespaces=\"runbook-incident\" {KEY}"
            )),
            format!(
                "{unsupported}; nor is the line valid: `namespaces=\"runbook-incident\"` is not an \
                 SSH key type (such as ssh-ed25519) (options are separated by commas, without blanks)"
            )
        );
        assert!(
            skipped(&format!(
                "ca@x namespaces=\"runbook-incident\" cert-authority {KEY}"
            ))
            .starts_with(&format!("{unsupported}; nor is the line valid: `cert-authority`"))
        );
        assert_eq!(
            skipped("ca@x cert-authority"),
            format!("{unsupported}; nor is the line valid: missing key after the options")
        );
    }

    #[test]
    fn lookup_by_key() {
        let parsed = parse(&format!("a@x {KEY}\nb@x namespaces=\"git\" {KEY}\n")).unwrap();
        let key = PublicKey::from_openssh(KEY).unwrap();
        let found: Vec<usize> = parsed.find(key.key_data()).map(|s| s.line).collect();
        assert_eq!(found, [1, 2]);
        assert_eq!(parsed.for_principal("b@x").count(), 1);
    }

    #[test]
    fn patterns() {
        assert!(match_pattern_list("ops@example.com", "*@example.com"));
        assert!(match_pattern_list("ops@example.com", "dev@x,op?@example.*"));
        assert!(!match_pattern_list("ops@example.com", "*@example.com,!ops@*"));
        assert!(!match_pattern_list("ops@example.com", "ops"));
        assert!(!match_pattern_list("x", ""));
        assert!(match_pattern("", "*"));
        assert!(match_pattern("abcabd", "*ab?"));
        assert!(!match_pattern("abcabe", "*abd"));
    }

    #[test]
    fn times() {
        assert_eq!(
            parse_time("20261128093000Z").unwrap(),
            "2026-11-28T09:30:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            parse_time("202611280930UTC").unwrap(),
            "2026-11-28T09:30:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert!(parse_time("20261128").is_some());
        assert!(parse_time("20261332Z").is_none());
        assert!(parse_time("2026112").is_none());
        assert!(parse_time("+0261128").is_none());
        assert!(parse_time("Z").is_none());
    }
}

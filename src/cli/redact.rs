//! The config's `redact` patterns, compiled: what hides secrets in command
//! output before it is shown, journaled or kept as evidence.
//!
//! Patterns are compiled when the config is read, so that a bad one is
//! refused before any incident exists; applying them cannot fail.

/// Regular expressions whose matches become `[REDACTED]`.
#[derive(Debug, Clone, Default)]
pub struct Redact {
    regexes: Vec<regex::Regex>,
}

impl Redact {
    pub fn new(regexes: Vec<regex::Regex>) -> Redact {
        Redact { regexes }
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

    /// `line` with every match of every pattern replaced, in order.
    pub fn apply(&self, line: &str) -> String {
        let mut line = line.to_owned();
        for regex in &self.regexes {
            line = regex.replace_all(&line, "[REDACTED]").into_owned();
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
        let redact = Redact::new(vec![
            Redact::compile("pw=\\S+").unwrap(),
            Redact::compile("token").unwrap(),
        ]);
        assert_eq!(redact.apply("pw=x token y"), "[REDACTED] [REDACTED] y");
    }
}

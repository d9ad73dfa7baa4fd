//! Incident reports: one record, archived or a draft, as a document people
//! file: plain text for 80 columns, Markdown, one printable HTML page, or
//! the record's own JSON.
//!
//! Printed, a report puts what a reader needs first on its first page (the
//! incident, the summary, the deadline and the signature's verdict), then
//! the timeline, and each command's output once, cut to its first and last
//! lines unless the whole is asked for; the record keeps what it keeps.
//!
//! The record is first laid out once as a [`Document`] (sections of
//! fields, tables, paragraphs and preformatted blocks, every string still
//! raw), and each format renders that, so the three human formats can
//! never disagree about what a report holds. Escaping belongs to the
//! renderers: text is sanitized, Markdown escaped, HTML entity-escaped.
//!
//! Pure: the caller reads the record, checks its signature, and says so in
//! the [`Standing`] it passes in. No files, no clock, no terminal.

mod describe;
mod document;
mod evidence;
mod html;
mod markdown;
mod text;

use crate::model::{Lang, Runbook};
use crate::record::canonical::Record;
use std::io::{self, Write};

/// A record and how far it can be trusted.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    pub record: &'a Record,
    pub standing: &'a Standing,
    pub lang: &'a Lang,
    /// The runbook the record names, when it is at hand with the digest
    /// the incident started with: the record keeps the plan's title and
    /// the options chosen in the language of the walk, the plan has them
    /// in every language it was written in.
    pub plan: Option<&'a Runbook>,
    /// Print each command's output whole, as the record keeps it, instead
    /// of its first and last lines.
    pub full: bool,
}

/// Where a report's record comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Built from an incident's journal, not archived and not signed. Its
    /// `archived` time is the time the draft was made. `open` says how the
    /// incident stands while it is still open (handling has not ended:
    /// its `ended`, outcome and deadline mean nothing yet).
    Draft { open: Option<String> },
    /// Read from the archive.
    Archived {
        /// SHA-256 of the record file's bytes.
        sha256: String,
        verification: Verification,
    },
}

/// What the signature check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Verified {
        /// The `allowed_signers` principals that trust the key.
        principal: String,
        /// `SHA256:...`.
        fingerprint: String,
    },
    NotVerified {
        /// The key's fingerprint, when the signature could be read.
        fingerprint: Option<String>,
        /// What failed.
        why: String,
    },
}

impl Report<'_> {
    /// Plain text, `width` columns wide (80 for filing; at least 60).
    pub fn text<W: Write>(&self, out: &mut W, width: usize) -> io::Result<()> {
        text::text(out, self, width)
    }

    /// Markdown, for a wiki or a ticket.
    pub fn markdown<W: Write>(&self, out: &mut W) -> io::Result<()> {
        markdown::markdown(out, self)
    }

    /// One self-contained, printable HTML page.
    pub fn html<W: Write>(&self, out: &mut W) -> io::Result<()> {
        html::html(out, self)
    }

    /// The record's JSON: its canonical bytes, exactly as filed and
    /// nothing else, so that what is printed hashes and verifies like the
    /// file.
    pub fn json<W: Write>(out: &mut W, bytes: &[u8]) -> io::Result<()> {
        out.write_all(bytes)
    }
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A record with something in every section, for the renderers' tests.

    use crate::record::canonical::Record;

    pub const RECORD: &str = r#"{"abort_reason":null,"archived":"2026-11-28T10:00:00Z","attachments":[{"actor":"ops@web1","bytes":1234,"name":"df.txt","seq":6,"sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","time":"2026-11-28T09:03:00Z"}],"commands":[{"command":"df -h /var/log","duration_ms":1520,"exit_code":0,"finished":"2026-11-28T09:01:02Z","output":"Filesystem  Size  Used\n/dev/sda2   20G   20G\n\u001b[31mred</pre>\n","output_bytes":60,"result":"succeeded","signal":null,"skipped":null,"started":"2026-11-28T09:01:00Z","step":"inspect"}],"deadline":{"due":"2026-11-29T09:05:00Z","late_s":0,"on_time":true,"within_s":86400},"drill":true,"duration_s":300,"end_step":"done","ended":"2026-11-28T09:05:00Z","escalations":[{"accepted":null,"actor":"ops@web1","from":"sev2","kind":"severity-changed","reason":"customers affected","seq":5,"time":"2026-11-28T09:02:00Z","timer":null,"to":"sev1"}],"format":"runbook-record/1","incident":"INC-20261128-0001","journal":{"events":9,"head":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},"milestones":[],"notes":[{"actor":"ops@web1","seq":7,"step":null,"text":"<script>alert(1)</script> 磁盘已满，日志分区占用百分之百，需要清理旧日志并重新启动服务以恢复正常访问","time":"2026-11-28T09:04:00Z"}],"notifications":[{"delivered":false,"error":"connection refused","message":"Severe: web1 down","seq":8,"step":"tell","subject":"INC-20261128-0001 | sev1","time":"2026-11-28T09:04:30Z","timer":null,"to":["leadership","account-manager"],"via":"webhook"}],"operators":["ops@web1"],"outcome":"resolved","previous_record":null,"runbook":{"digest":"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc","id":"server-software-failure","source":"built-in","title":"服务器软件系统故障应急预案","version":"2026.1"},"severity":"sev1","severity_history":[{"actor":"ops@web1","from":null,"reason":null,"severity":"sev2","time":"2026-11-28T09:00:00Z"},{"actor":"ops@web1","from":"sev2","reason":"customers affected","severity":"sev1","time":"2026-11-28T09:02:00Z"}],"started":"2026-11-28T09:00:00Z","summary":{"cause":"The log partition filled up.","follow_ups":["Alert at 80% disk use","Move logs to their own volume"],"resolution":"Rotated logs & restarted nginx.","what_happened":"nginx on web1 stopped answering at 08:50."},"timeline":[{"actor":"ops@web1","hash":"1111","payload":{"digest":"cccc","drill":true,"incident":"INC-20261128-0001","runbook":"server-software-failure","severity":"sev2","source":"built-in","speed":1,"title":"服务器软件系统故障应急预案","vars":{}},"seq":1,"time":"2026-11-28T09:00:00Z","type":"incident-started"},{"actor":"ops@web1","hash":"2222","payload":{"step":"inspect"},"seq":2,"time":"2026-11-28T09:00:30Z","type":"step-entered"},{"actor":"ops@web1","hash":"3333","payload":{"command":"df -h /var/log","step":"inspect"},"seq":3,"time":"2026-11-28T09:01:00Z","type":"command-started"},{"actor":"ops@web1","hash":"4444","payload":{"duration_ms":1520,"exit_code":0,"output":"x","output_bytes":60,"step":"inspect","timed_out":false},"seq":4,"time":"2026-11-28T09:01:02Z","type":"command-finished"},{"actor":"ops@web1","hash":"5555","payload":{"from":"sev2","reason":"customers affected","to":"sev1"},"seq":5,"time":"2026-11-28T09:02:00Z","type":"severity-changed"},{"actor":"ops@web1","hash":"6666","payload":{"bytes":1234,"name":"df.txt","sha256":"aaaa"},"seq":6,"time":"2026-11-28T09:03:00Z","type":"attachment-added"},{"actor":"ops@web1","hash":"7777","payload":{"text":"<script>alert(1)</script> 磁盘已满，日志分区占用百分之百，需要清理旧日志并重新启动服务以恢复正常访问"},"seq":7,"time":"2026-11-28T09:04:00Z","type":"note-added"},{"actor":"ops@web1","hash":"8888","payload":{"error":"connection refused","message":"m","step":"tell","subject":"s","to":["leadership","account-manager"],"via":"webhook"},"seq":8,"time":"2026-11-28T09:04:30Z","type":"notification-failed"},{"actor":"ops@web1","hash":"9999","payload":{"outcome":"resolved","step":"done"},"seq":9,"time":"2026-11-28T09:05:00Z","type":"ended"}],"vars":{"service":"nginx"}}
"#;

    pub fn record() -> Record {
        Record::from_bytes(RECORD.as_bytes()).expect("the fixture is a canonical record")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_the_bytes_as_filed() {
        let mut out = Vec::new();
        Report::json(&mut out, fixture::RECORD.as_bytes()).unwrap();
        assert_eq!(out, fixture::RECORD.as_bytes());
        assert_eq!(fixture::record().to_bytes().unwrap(), fixture::RECORD.as_bytes());
    }
}
